package static

import "strconv"

// Validators are the current validators of the selected representation.
// ETag is a full entity-tag including quotes (and "W/" if weak), as produced
// by AppendETag.
type Validators struct {
	ETag    []byte
	ModTime int64 // unix seconds, the Last-Modified value
}

// Results of Evaluate.
const (
	Proceed            = 0
	NotModified        = 304
	PreconditionFailed = 412
)

// AppendETag appends a strong entity-tag derived from the modification time
// and size: "\"<hex mtime ns>-<hex size>\"". Nanosecond mtime makes a rewrite
// within the same second visible, which the second-granular Last-Modified
// cannot express.
func AppendETag(dst []byte, modTimeNanos int64, size int64) []byte {
	dst = append(dst, '"')
	dst = strconv.AppendUint(dst, uint64(modTimeNanos), 16)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, uint64(size), 16)
	return append(dst, '"')
}

// Evaluate applies the preconditions of RFC 9110 §13.2.2 in order and returns
// Proceed (0), NotModified (304) or PreconditionFailed (412). Absent headers
// are passed as nil or empty. Unparseable dates are ignored, as the RFC
// requires; a malformed entity-tag list matches nothing.
func Evaluate(method []byte, v Validators, ifMatch, ifUnmodifiedSince, ifNoneMatch, ifModifiedSince []byte) int {
	getOrHead := string(method) == "GET" || string(method) == "HEAD"

	// Step 1 / 2: If-Match, else If-Unmodified-Since.
	if im := trimOWS(ifMatch); len(im) > 0 {
		if !etagListMatches(im, v.ETag, true) {
			return PreconditionFailed
		}
	} else if ius := trimOWS(ifUnmodifiedSince); len(ius) > 0 {
		if t, ok := ParseHTTPDate(ius); ok && v.ModTime > t {
			return PreconditionFailed
		}
	}

	// Step 3 / 4: If-None-Match, else If-Modified-Since (GET/HEAD only).
	if inm := trimOWS(ifNoneMatch); len(inm) > 0 {
		if etagListMatches(inm, v.ETag, false) {
			if getOrHead {
				return NotModified
			}
			return PreconditionFailed
		}
	} else if ims := trimOWS(ifModifiedSince); len(ims) > 0 && getOrHead {
		if t, ok := ParseHTTPDate(ims); ok && v.ModTime <= t {
			return NotModified
		}
	}
	return Proceed
}

// IfRangeAllows reports whether the Range header may be honoured given the
// If-Range value (RFC 9110 §13.1.5): absent → true; an entity-tag must match
// the current one strongly (a weak tag never does); an HTTP-date must equal
// the modification time exactly; anything else → false (send 200).
func IfRangeAllows(ifRange []byte, v Validators) bool {
	ir := trimOWS(ifRange)
	if len(ir) == 0 {
		return true
	}
	if ir[0] == '"' || (len(ir) >= 2 && ir[0] == 'W' && ir[1] == '/') {
		tag, rest, ok := scanETag(ir)
		if !ok || len(rest) != 0 {
			return false
		}
		return etagMatch(tag, v.ETag, true)
	}
	t, ok := ParseHTTPDate(ir)
	return ok && t == v.ModTime
}

// etagListMatches evaluates `"*" / #entity-tag` against current. "*" matches
// any current representation; we only evaluate for existing ones.
func etagListMatches(list, current []byte, strong bool) bool {
	if len(list) == 1 && list[0] == '*' {
		return true
	}
	for {
		list = skipListSeparators(list)
		if len(list) == 0 {
			return false
		}
		tag, rest, ok := scanETag(list)
		if !ok {
			return false
		}
		if etagMatch(tag, current, strong) {
			return true
		}
		list = trimLeftOWS(rest)
		if len(list) > 0 && list[0] != ',' {
			return false
		}
	}
}

// scanETag splits one entity-tag off the front of b:
//
//	entity-tag = [ weak ] opaque-tag
//	weak       = %s"W/"
//	opaque-tag = DQUOTE *etagc DQUOTE
//	etagc      = %x21 / %x23-7E / obs-text
func scanETag(b []byte) (tag, rest []byte, ok bool) {
	i := 0
	if len(b) >= 2 && b[0] == 'W' && b[1] == '/' {
		i = 2
	}
	if i >= len(b) || b[i] != '"' {
		return nil, nil, false
	}
	for j := i + 1; j < len(b); j++ {
		c := b[j]
		switch {
		case c == '"':
			return b[:j+1], b[j+1:], true
		case c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80:
		default:
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// etagMatch compares two entity-tags (RFC 9110 §8.8.3.2). Strong comparison
// needs both to be strong; weak comparison ignores the W/ prefixes.
func etagMatch(a, b []byte, strong bool) bool {
	aWeak, aOpaque := splitWeak(a)
	bWeak, bOpaque := splitWeak(b)
	if strong && (aWeak || bWeak) {
		return false
	}
	return len(aOpaque) > 0 && string(aOpaque) == string(bOpaque)
}

func splitWeak(tag []byte) (weak bool, opaque []byte) {
	if len(tag) >= 2 && tag[0] == 'W' && tag[1] == '/' {
		return true, tag[2:]
	}
	return false, tag
}

func skipListSeparators(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == ',') {
		b = b[1:]
	}
	return b
}

func trimLeftOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}
