package multipart

import "unicode/utf8"

// byteClass is a set of ASCII bytes kept as a 128-bit mask, so a membership
// test is one shift and one AND; bytes >= 0x80 are never members.
type byteClass [2]uint64

func newByteClass(members string) byteClass {
	var c byteClass
	for i := 0; i < len(members); i++ {
		b := members[i]
		c[b>>6] |= 1 << (b & 63)
	}
	return c
}

func (c *byteClass) contains(b byte) bool {
	return b < utf8.RuneSelf && c[b>>6]&(1<<(b&63)) != 0
}

const (
	digits  = "0123456789"
	letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

var (
	// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
	//         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA   (RFC 9110 §5.6.2)
	tokenChars = newByteClass("!#$%&'*+-.^_`|~" + digits + letters)

	// bchars        := bcharsnospace / " "
	// bcharsnospace := DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" /
	//                  "," / "-" / "." / "/" / ":" / "=" / "?"   (RFC 2046 §5.1.1)
	boundaryChars = newByteClass("'()+_,-./:=? " + digits + letters)

	// tspecials := "(" / ")" / "<" / ">" / "@" / "," / ";" / ":" / "\" / <"> /
	//              "/" / "[" / "]" / "?" / "="   (RFC 2045 §5.1)
	tspecials = newByteClass(`()<>@,;:\"/[]?=`)

	// attr-char = ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." /
	//             "^" / "_" / "`" / "|" / "~"   (RFC 8187 §3.2.1)
	attrChars = newByteClass("!#$&+-.^_`|~" + digits + letters)
)

// maxBoundaryLen is the RFC 2046 §5.1.1 cap: boundary := 0*69<bchars> bcharsnospace.
const maxBoundaryLen = 70

func validBoundary(b []byte) bool {
	if len(b) == 0 || len(b) > maxBoundaryLen || b[len(b)-1] == ' ' {
		return false
	}
	for _, c := range b {
		if !boundaryChars.contains(c) {
			return false
		}
	}
	return true
}

// tokenLen returns the length of the token (1*tchar) that s starts with.
func tokenLen(s []byte) int {
	for i, c := range s {
		if !tokenChars.contains(c) {
			return i
		}
	}
	return len(s)
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// trimOWS strips OWS = *( SP / HTAB ) from both ends.
func trimOWS(s []byte) []byte {
	for len(s) > 0 && isOWS(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isOWS(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// isFieldValueByte reports whether c may appear in a field value:
// field-vchar = VCHAR / obs-text, plus SP and HTAB between them (RFC 9110 §5.5).
func isFieldValueByte(c byte) bool {
	return c == '\t' || (c >= ' ' && c != 0x7f)
}

// equalFoldASCII compares s with the lower-case ASCII literal lower, ignoring case.
func equalFoldASCII(s []byte, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// paramScanner walks the parameter list after a media type or disposition type:
//
//	parameters      = *( OWS ";" OWS [ parameter ] )
//	parameter       = parameter-name "=" parameter-value
//	parameter-name  = token
//	parameter-value = ( token / quoted-string )   (RFC 9110 §5.6.6)
//
// No whitespace is allowed around "=".
type paramScanner struct {
	rest []byte
	// msieBackslash keeps a backslash literally unless it escapes a tspecial,
	// because MSIE sent Windows paths ("C:\dir\f.txt") in filename values
	// unescaped, while conforming senders only ever escape '"' and '\'.
	msieBackslash bool
}

// next returns the next parameter; more is false once the list is exhausted.
// value aliases the input unless the quoted-string contained escapes.
func (p *paramScanner) next() (name, value []byte, more, malformed bool) {
	for {
		s := p.rest
		for len(s) > 0 && isOWS(s[0]) {
			s = s[1:]
		}
		if len(s) == 0 {
			return nil, nil, false, false
		}
		if s[0] != ';' {
			return nil, nil, false, true
		}
		s = s[1:]
		for len(s) > 0 && isOWS(s[0]) {
			s = s[1:]
		}
		if len(s) == 0 || s[0] == ';' {
			p.rest = s // an empty parameter, which the grammar allows
			continue
		}
		n := tokenLen(s)
		if n == 0 || n == len(s) || s[n] != '=' {
			return nil, nil, false, true
		}
		name, s = s[:n], s[n+1:]
		if len(s) > 0 && s[0] == '"' {
			var used int
			var ok bool
			value, used, ok = unquote(s, p.msieBackslash)
			if !ok {
				return nil, nil, false, true
			}
			s = s[used:]
		} else {
			n = tokenLen(s)
			if n == 0 {
				return nil, nil, false, true
			}
			value, s = s[:n], s[n:]
		}
		p.rest = s
		return name, value, true, false
	}
}

// unquote decodes the quoted-string s starts with and returns its content and
// the bytes it spans:
//
//	quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//	qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//	quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )   (RFC 9110 §5.6.4)
func unquote(s []byte, msieBackslash bool) (value []byte, used int, ok bool) {
	var unescaped []byte // nil until the first escape, so plain values alias s
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			if unescaped == nil {
				return s[1:i], i + 1, true
			}
			return unescaped, i + 1, true
		case c == '\\':
			if i+1 == len(s) || !isFieldValueByte(s[i+1]) {
				return nil, 0, false
			}
			if msieBackslash && !tspecials.contains(s[i+1]) {
				if unescaped != nil {
					unescaped = append(unescaped, c)
				}
				continue
			}
			if unescaped == nil {
				unescaped = append(make([]byte, 0, len(s)), s[1:i]...)
			}
			i++
			unescaped = append(unescaped, s[i])
		case !isFieldValueByte(c):
			return nil, 0, false
		default:
			if unescaped != nil {
				unescaped = append(unescaped, c)
			}
		}
	}
	return nil, 0, false
}
