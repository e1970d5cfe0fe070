package static

import "strconv"

// Range is one satisfiable byte range of a representation: Length bytes
// starting at offset Start, both within the representation.
type Range struct {
	Start, Length int64
}

// maxRangeDigits bounds a first-pos, last-pos or suffix-length. 19 digits
// hold any int64; longer numbers (even with leading zeros) are not worth the
// work and the header is ignored.
const maxRangeDigits = 19

// ParseRange parses a Range header value (RFC 9110 §14.2) against a
// representation of size bytes. Only a single range is honoured:
//
//	Range         = ranges-specifier
//	ranges-specifier = range-unit "=" range-set
//	range-set     = 1#range-spec      ; more than one → ignored
//	range-spec    = int-range / suffix-range
//	int-range     = first-pos "-" [ last-pos ]
//	suffix-range  = "-" suffix-length
//
// ok=false, unsatisfiable=false: ignore the header and send 200 (bad syntax,
// other unit, last-pos < first-pos, overflow, several ranges; answering
// multipart/byteranges is deliberately not supported).
// unsatisfiable=true: answer 416 with "Content-Range: bytes */size".
func ParseRange(header []byte, size int64) (r Range, ok bool, unsatisfiable bool) {
	v := trimOWS(header)
	const unit = "bytes="
	if len(v) < len(unit) || !equalFoldASCII(v[:len(unit)-1], unit[:len(unit)-1]) || v[len(unit)-1] != '=' {
		return Range{}, false, false
	}
	v = v[len(unit):]
	dash := -1
	for i, c := range v {
		switch {
		case c == '-' && dash < 0:
			dash = i
		case c >= '0' && c <= '9':
		default:
			// A ',' (several ranges), a second '-', whitespace or junk.
			return Range{}, false, false
		}
	}
	if dash < 0 {
		return Range{}, false, false
	}
	first, last := v[:dash], v[dash+1:]
	if len(first) == 0 {
		n, valid := parseRangeInt(last)
		if !valid {
			return Range{}, false, false
		}
		// A zero suffix or an empty representation has nothing to overlap
		// (RFC 9110 §14.1.1).
		if n == 0 || size <= 0 {
			return Range{}, false, true
		}
		n = min(n, size)
		return Range{Start: size - n, Length: n}, true, false
	}
	start, valid := parseRangeInt(first)
	if !valid {
		return Range{}, false, false
	}
	end := int64(-1)
	if len(last) > 0 {
		if end, valid = parseRangeInt(last); !valid || end < start {
			return Range{}, false, false
		}
	}
	if start >= size {
		return Range{}, false, true
	}
	if end < 0 || end >= size {
		end = size - 1
	}
	return Range{Start: start, Length: end - start + 1}, true, false
}

// parseRangeInt parses 1*DIGIT; the caller has already checked the bytes are
// digits.
func parseRangeInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > maxRangeDigits {
		return 0, false
	}
	var n int64
	for _, c := range b {
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// AppendContentRange appends the Content-Range value of a 206 response,
// "bytes first-last/size".
func AppendContentRange(dst []byte, r Range, size int64) []byte {
	dst = append(dst, "bytes "...)
	dst = strconv.AppendInt(dst, r.Start, 10)
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, r.Start+r.Length-1, 10)
	dst = append(dst, '/')
	return strconv.AppendInt(dst, size, 10)
}

// AppendUnsatisfiedRange appends the Content-Range value of a 416 response,
// "bytes */size".
func AppendUnsatisfiedRange(dst []byte, size int64) []byte {
	dst = append(dst, "bytes */"...)
	return strconv.AppendInt(dst, size, 10)
}

// trimOWS strips optional whitespace (SP / HTAB, RFC 9110 §5.6.3).
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFoldASCII compares b with the lower-case ASCII string s ignoring case.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
