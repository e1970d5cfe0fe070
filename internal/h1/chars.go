package h1

import "encoding/binary"

// Byte classes used by the validators, one bit per grammar rule, looked up in a single table so that each byte of
// the head costs one load and one test.
const (
	// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
	// (RFC 9110 §5.6.2). Methods, field names and coding names are tokens.
	classTchar uint8 = 1 << iota
	// field-value bytes: VCHAR / obs-text / SP / HTAB (RFC 9110 §5.5). Everything else, including CR, LF, NUL and
	// DEL, is rejected rather than replaced with SP, as the RFC allows.
	classFieldValue
	// request-target bytes: visible ASCII, 0x21-0x7E. A raw space, control or non-ASCII byte has no business in
	// a request-target (RFC 9112 §3.2 requires the URI grammar, which is ASCII).
	classTarget
	// unreserved / sub-delims (RFC 3986 §2.2, §2.3): the reg-name bytes other than pct-encoded.
	classRegName
	// DIGIT
	classDigit
	// HEXDIG
	classHex
)

var byteClass = buildByteClass()

func buildByteClass() [256]uint8 {
	var t [256]uint8
	set := func(chars string, class uint8) {
		for i := 0; i < len(chars); i++ {
			t[chars[i]] |= class
		}
	}
	const (
		alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		digit = "0123456789"
	)
	set(alpha+digit+"!#$%&'*+-.^_`|~", classTchar)
	set(alpha+digit+"-._~"+"!$&'()*+,;=", classRegName)
	set(digit, classDigit)
	set(digit+"ABCDEFabcdef", classHex)
	for c := 0x21; c <= 0x7E; c++ {
		t[c] |= classTarget | classFieldValue
	}
	for c := 0x80; c <= 0xFF; c++ {
		t[c] |= classFieldValue
	}
	t[' '] |= classFieldValue
	t['\t'] |= classFieldValue
	return t
}

func isTchar(c byte) bool { return byteClass[c]&classTchar != 0 }
func isDigit(c byte) bool { return byteClass[c]&classDigit != 0 }
func isHex(c byte) bool   { return byteClass[c]&classHex != 0 }
func isOWS(c byte) bool   { return c == ' ' || c == '\t' }

// isToken reports whether b is a non-empty token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isTchar(c) {
			return false
		}
	}
	return true
}

// lowerASCII folds only A-Z: header names and coding names are ASCII, and Unicode folding (as bytes.EqualFold
// does) would let non-ASCII bytes match ASCII names.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// equalFold compares b and s ignoring ASCII case, without allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lowerASCII(b[i]) != lowerASCII(s[i]) {
			return false
		}
	}
	return true
}

// trimOWS drops leading and trailing OWS (SP / HTAB, RFC 9110 §5.6.3).
func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// nextListElement splits the first element off a comma-separated list (the #rule of RFC 9110 §5.6.1) and
// returns it with OWS trimmed, together with the remainder after the comma. Empty elements come back empty;
// callers skip them, as the #rule requires recipients to.
func nextListElement(list []byte) (elem, rest []byte) {
	for i, c := range list {
		if c == ',' {
			return trimOWS(list[:i]), list[i+1:]
		}
	}
	return trimOWS(list), nil
}

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// validFieldValue reports whether b holds only VCHAR, obs-text, SP and HTAB. Values are most of a head's bytes,
// so eight are tested at a time: a word passes at once unless it may hold a byte below 0x20 (controls, and
// HTAB, which is allowed) or DEL; only such words are looked at byte by byte.
func validFieldValue(b []byte) bool {
	for len(b) >= 8 {
		if mayHoldCtl(binary.LittleEndian.Uint64(b)) && !validFieldValueBytes(b[:8]) {
			return false
		}
		b = b[8:]
	}
	return validFieldValueBytes(b)
}

// mayHoldCtl reports whether any of the eight bytes of x may be below 0x20 or DEL. It never misses one; it may
// report one that is not there when such a byte precedes it, so a true result needs a byte-by-byte look.
func mayHoldCtl(x uint64) bool {
	below20 := (x - 0x20*swarOnes) &^ x & swarHighs
	y := x ^ (0x7F * swarOnes)
	isDEL := (y - swarOnes) &^ y & swarHighs
	return below20|isDEL != 0
}

func validFieldValueBytes(b []byte) bool {
	for _, c := range b {
		if byteClass[c]&classFieldValue == 0 {
			return false
		}
	}
	return true
}

// targetLen returns how many bytes b starts with that may appear in a request-target: visible ASCII. Targets
// carry long paths and queries, so eight bytes are tested at a time until a word may hold a byte below 0x21,
// DEL or a byte with the high bit set; from there the table decides byte by byte.
func targetLen(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		below21 := (x - 0x21*swarOnes) &^ x & swarHighs
		y := x ^ (0x7F * swarOnes)
		isDEL := (y - swarOnes) &^ y & swarHighs
		if below21|isDEL|x&swarHighs != 0 {
			break
		}
	}
	for i < len(b) && byteClass[b[i]]&classTarget != 0 {
		i++
	}
	return i
}

// tokenLen returns how many tchar b starts with.
func tokenLen(b []byte) int {
	i := 0
	for i < len(b) && isTchar(b[i]) {
		i++
	}
	return i
}
