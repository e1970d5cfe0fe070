package session

import (
	"bytes"
	"strconv"
)

// Scan bounds for CookieValue. The server's header limits already bound the
// input; these keep one hostile Cookie header from costing more than a
// well-behaved one, while leaving room for RFC 6265 §6.1's suggested 50
// cookies per domain.
const (
	maxCookieScanBytes = 8 << 10
	maxCookiePairs     = 64
)

// Byte classes, as bit flags in byteClass.
const (
	// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
	//         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA   (RFC 9110 §5.6.2)
	classToken uint8 = 1 << iota
	// cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
	//               (RFC 6265 §4.1.1: no CTLs, whitespace, DQUOTE, comma,
	//               semicolon or backslash)
	classCookieOctet
	// path-value = <any CHAR except CTLs or ";">   (RFC 6265 §4.1.1)
	classPathOctet
)

var byteClass = func() (class [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
			bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), b) >= 0 {
			class[c] |= classToken
		}
		if b == 0x21 || b >= 0x23 && b <= 0x2B || b >= 0x2D && b <= 0x3A ||
			b >= 0x3C && b <= 0x5B || b >= 0x5D && b <= 0x7E {
			class[c] |= classCookieOctet
		}
		if b >= 0x20 && b <= 0x7E && b != ';' {
			class[c] |= classPathOctet
		}
	}
	return class
}()

// ValidCookieName reports whether s is a cookie-name (RFC 6265 §4.1.1):
//
//	cookie-name = token
func ValidCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if byteClass[s[i]]&classToken == 0 {
			return false
		}
	}
	return true
}

// CookieValue returns the value of the first well-formed cookie called name
// in a Cookie header value (RFC 6265 §4.2, parsed as leniently as §5.4 asks
// of servers reading what user agents send):
//
//	cookie-string = cookie-pair *( ";" SP cookie-pair )
//	cookie-pair   = cookie-name "=" cookie-value
//	cookie-value  = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )
//
// Missing or extra spaces and semicolons are tolerated; pairs without "=",
// or whose value holds bytes outside cookie-octet, are skipped. Names match
// exactly and case-sensitively. Surrounding quotes are removed. The result
// aliases header. Only the first maxCookieScanBytes and maxCookiePairs are
// examined, and a pair cut by the byte bound is ignored rather than returned
// truncated. It never allocates.
func CookieValue(header []byte, name string) ([]byte, bool) {
	if name == "" {
		return nil, false
	}
	if len(header) > maxCookieScanBytes {
		header = header[:maxCookieScanBytes]
		end := bytes.LastIndexByte(header, ';')
		if end < 0 {
			return nil, false
		}
		header = header[:end]
	}
	for pairs := 0; len(header) > 0 && pairs < maxCookiePairs; {
		var pair []byte
		if i := bytes.IndexByte(header, ';'); i >= 0 {
			pair, header = header[:i], header[i+1:]
		} else {
			pair, header = header, nil
		}
		pair = trimOWS(pair)
		if len(pair) == 0 {
			continue
		}
		pairs++
		eq := bytes.IndexByte(pair, '=')
		if eq < 0 || string(trimOWS(pair[:eq])) != name {
			continue
		}
		if value, ok := parseCookieValue(trimOWS(pair[eq+1:])); ok {
			return value, true
		}
	}
	return nil, false
}

func parseCookieValue(v []byte) ([]byte, bool) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	for _, c := range v {
		if byteClass[c]&classCookieOctet == 0 {
			return nil, false
		}
	}
	return v, true
}

// trimOWS strips SP and HTAB, the whitespace RFC 6265 §5.2 trims.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// DefaultCookiePath is used when CookieOptions.Path is empty.
const DefaultCookiePath = "/"

// CookieOptions shapes the session cookie.
type CookieOptions struct {
	Name string
	// Path defaults to DefaultCookiePath.
	Path string
	// MaxAge is in seconds; 0 makes a session cookie (no Max-Age) and a
	// negative value emits Max-Age=0, which tells the browser to drop it.
	MaxAge int
	Secure bool
}

// AppendSetCookie appends a Set-Cookie header value:
//
//	NAME=VALUE; Path=/; Max-Age=N; HttpOnly; SameSite=Lax[; Secure]
//
// Bytes that the grammar does not allow in the name, value or path are
// dropped, so whatever the caller passes, the result cannot split the header
// or smuggle attributes.
func AppendSetCookie(dst []byte, value string, o CookieOptions) []byte {
	dst = appendClass(dst, o.Name, classToken)
	dst = append(dst, '=')
	dst = appendClass(dst, value, classCookieOctet)
	dst = append(dst, "; Path="...)
	if o.Path == "" {
		dst = append(dst, DefaultCookiePath...)
	} else {
		dst = appendClass(dst, o.Path, classPathOctet)
	}
	switch {
	case o.MaxAge > 0:
		dst = append(dst, "; Max-Age="...)
		dst = strconv.AppendInt(dst, int64(o.MaxAge), 10)
	case o.MaxAge < 0:
		dst = append(dst, "; Max-Age=0"...)
	}
	dst = append(dst, "; HttpOnly; SameSite=Lax"...)
	if o.Secure {
		dst = append(dst, "; Secure"...)
	}
	return dst
}

func appendClass(dst []byte, s string, class uint8) []byte {
	for i := 0; i < len(s); i++ {
		if byteClass[s[i]]&class != 0 {
			dst = append(dst, s[i])
		}
	}
	return dst
}
