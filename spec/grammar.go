package spec

import (
	"strconv"
	"strings"

	"pgregory.net/rapid"
)

// ByteSet is a set of octets, one bit per value, used to state the ABNF's character classes exactly.
type ByteSet [4]uint64

// Has reports whether c is in the set.
func (s ByteSet) Has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }

// Union returns the octets in s or in any of others.
func (s ByteSet) Union(others ...ByteSet) ByteSet {
	for _, o := range others {
		for i := range s {
			s[i] |= o[i]
		}
	}
	return s
}

// Minus returns the octets in s but not in o.
func (s ByteSet) Minus(o ByteSet) ByteSet {
	for i := range s {
		s[i] &^= o[i]
	}
	return s
}

// Bytes lists the members in increasing order.
func (s ByteSet) Bytes() []byte {
	var out []byte
	for c := 0; c < 256; c++ {
		if s.Has(byte(c)) {
			out = append(out, byte(c))
		}
	}
	return out
}

func charsOf(chars string) ByteSet {
	var s ByteSet
	for i := 0; i < len(chars); i++ {
		s[chars[i]>>6] |= 1 << (chars[i] & 63)
	}
	return s
}

func byteRange(lo, hi byte) ByteSet {
	var s ByteSet
	for c := int(lo); c <= int(hi); c++ {
		s[c>>6] |= 1 << (c & 63)
	}
	return s
}

// Core rules (RFC 5234 appendix B.1) and the HTTP rules built on them. Each carries its ABNF.
var (
	// DIGIT = %x30-39
	Digit = byteRange('0', '9')
	// ALPHA = %x41-5A / %x61-7A
	Alpha = byteRange('A', 'Z').Union(byteRange('a', 'z'))
	// HEXDIG = DIGIT / "A" / "B" / "C" / "D" / "E" / "F" (case-insensitive, RFC 5234 §2.3)
	HexDig = Digit.Union(byteRange('A', 'F'), byteRange('a', 'f'))
	// VCHAR = %x21-7E
	VChar = byteRange(0x21, 0x7E)
	// CTL = %x00-1F / %x7F
	CTL = byteRange(0x00, 0x1F).Union(charsOf("\x7F"))
	// obs-text = %x80-FF (RFC 9110 §5.6.4)
	ObsText = byteRange(0x80, 0xFF)
	// OWS = *( SP / HTAB ), and BWS = OWS (RFC 9110 §5.6.3): the octets either may repeat.
	OWSByte = charsOf(" \t")
	// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
	// (RFC 9110 §5.6.2); token = 1*tchar, and field-name = token (RFC 9110 §5.1).
	TChar = charsOf("!#$%&'*+-.^_`|~").Union(Digit, Alpha)
	// field-vchar = VCHAR / obs-text (RFC 9110 §5.5)
	FieldVChar = VChar.Union(ObsText)
	// The octets a field value may hold anywhere: field-content = field-vchar [ 1*( SP / HTAB / field-vchar )
	// field-vchar ], with OWS around it in a field line (RFC 9112 §5).
	FieldValueByte = FieldVChar.Union(OWSByte)
	// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4)
	QDText = OWSByte.Union(charsOf("!"), byteRange(0x23, 0x5B), byteRange(0x5D, 0x7E), ObsText)
	// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ): the octet after the backslash.
	QuotedPairByte = OWSByte.Union(VChar, ObsText)
	// unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3)
	Unreserved = Alpha.Union(Digit, charsOf("-._~"))
	// sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=" (RFC 3986 §2.2)
	SubDelims = charsOf("!$&'()*+,;=")
	// pchar = unreserved / pct-encoded / sub-delims / ":" / "@" (RFC 3986 §3.3), pct-encoded aside.
	PChar = Unreserved.Union(SubDelims, charsOf(":@"))
	// query = *( pchar / "/" / "?" ) (RFC 3986 §3.4), pct-encoded aside.
	QueryByte = PChar.Union(charsOf("/?"))
)

// Rule is one ABNF production the generators draw from, named as in the RFC, for the report and for readers.
type Rule struct {
	Name   string
	Source string
	ABNF   string
}

// Rules lists the grammar the generators and mutations are built from.
var Rules = []Rule{
	{"token", "RFC 9110 §5.6.2", `token = 1*tchar`},
	{"field-line", "RFC 9112 §5", `field-line = field-name ":" OWS field-value OWS`},
	{"field-name", "RFC 9110 §5.1", `field-name = token`},
	{"field-value", "RFC 9110 §5.5", `field-value = *field-content ; field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]`},
	{"OWS", "RFC 9110 §5.6.3", `OWS = *( SP / HTAB ) ; BWS = OWS`},
	{"request-line", "RFC 9112 §3", `request-line = method SP request-target SP HTTP-version`},
	{"request-target", "RFC 9112 §3.2", `request-target = origin-form / absolute-form / authority-form / asterisk-form`},
	{"origin-form", "RFC 9112 §3.2.1", `origin-form = absolute-path [ "?" query ]`},
	{"absolute-form", "RFC 9112 §3.2.2", `absolute-form = absolute-URI`},
	{"authority-form", "RFC 9112 §3.2.3", `authority-form = uri-host ":" port`},
	{"asterisk-form", "RFC 9112 §3.2.4", `asterisk-form = "*"`},
	{"HTTP-version", "RFC 9112 §2.3", `HTTP-version = HTTP-name "/" DIGIT "." DIGIT ; HTTP-name = %s"HTTP"`},
	{"Content-Length", "RFC 9110 §8.6", `Content-Length = 1*DIGIT`},
	{"Transfer-Encoding", "RFC 9112 §6.1", `Transfer-Encoding = #transfer-coding`},
	{"chunked-body", "RFC 9112 §7.1", `chunked-body = *chunk last-chunk trailer-section CRLF`},
	{"chunk-size", "RFC 9112 §7.1", `chunk-size = 1*HEXDIG`},
	{"chunk-ext", "RFC 9112 §7.1.1", `chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )`},
	{"trailer-section", "RFC 9112 §7.1.2", `trailer-section = *( field-line CRLF )`},
	{"quoted-string", "RFC 9110 §5.6.4", `quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE`},
}

// Generator sizes: small enough that a property check stays cheap, large enough to cross the parser's buffer
// growth and the decoders' partial-line paths.
const (
	maxTokenLen      = 16
	maxFieldValueLen = 48
	maxOWS           = 3
	maxPathSegments  = 4
	maxSegmentLen    = 10
	maxChunkExts     = 3
)

// fromSet draws one octet of s.
func fromSet(s ByteSet) *rapid.Generator[byte] {
	return rapid.SampledFrom(s.Bytes())
}

// stringOf draws between minLen and maxLen octets of s.
func stringOf(s ByteSet, minLen, maxLen int) *rapid.Generator[string] {
	return rapid.Map(rapid.SliceOfN(fromSet(s), minLen, maxLen), func(b []byte) string { return string(b) })
}

// TokenGen draws a token of 1 to maxLen octets.
func TokenGen(maxLen int) *rapid.Generator[string] { return stringOf(TChar, 1, maxLen) }

// OWSGen draws optional whitespace: nothing most of the time, else a few SP and HTAB.
func OWSGen() *rapid.Generator[string] {
	return rapid.OneOf(rapid.Just(""), rapid.Just(" "), stringOf(OWSByte, 0, maxOWS))
}

// FieldValueGen draws a field value: empty, or field-vchar at both ends with SP, HTAB and field-vchar between.
// obs-text appears, so values are octets and not necessarily UTF-8.
func FieldValueGen() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		if rapid.IntRange(0, 9).Draw(t, "emptyValue") == 0 {
			return ""
		}
		first := fromSet(FieldVChar).Draw(t, "valueFirst")
		inner := stringOf(FieldValueByte, 0, maxFieldValueLen).Draw(t, "valueInner")
		if inner == "" {
			return string(first)
		}
		last := fromSet(FieldVChar).Draw(t, "valueLast")
		return string(first) + inner + string(last)
	})
}

// pctEncodedGen draws pct-encoded = "%" HEXDIG HEXDIG.
func pctEncodedGen() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		return "%" + string(fromSet(HexDig).Draw(t, "hex1")) + string(fromSet(HexDig).Draw(t, "hex2"))
	})
}

func uriPartGen(s ByteSet, maxLen int) *rapid.Generator[string] {
	piece := rapid.OneOf(rapid.Map(fromSet(s), func(c byte) string { return string(c) }), pctEncodedGen())
	return rapid.Map(rapid.SliceOfN(piece, 0, maxLen), func(p []string) string { return strings.Join(p, "") })
}

// AbsolutePathGen draws absolute-path = 1*( "/" segment ).
func AbsolutePathGen() *rapid.Generator[string] {
	return rapid.Map(rapid.SliceOfN(uriPartGen(PChar, maxSegmentLen), 1, maxPathSegments), func(segs []string) string {
		return "/" + strings.Join(segs, "/")
	})
}

// QueryGen draws an optional "?" query, returning "" for none.
func QueryGen() *rapid.Generator[string] {
	return rapid.OneOf(rapid.Just(""), rapid.Map(uriPartGen(QueryByte, maxSegmentLen), func(q string) string { return "?" + q }))
}

// OriginFormGen draws origin-form = absolute-path [ "?" query ].
func OriginFormGen() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		return AbsolutePathGen().Draw(t, "path") + QueryGen().Draw(t, "query")
	})
}

// HostGen draws uri-host [ ":" port ] as Host carries it: a reg-name, an IPv4 address or an IPv6 literal.
func HostGen() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		var host string
		switch rapid.IntRange(0, 3).Draw(t, "hostKind") {
		case 0:
			host = "localhost"
		case 1:
			host = rapid.StringMatching(`[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z0-9]{1,6}){0,2}`).Draw(t, "regName")
		case 2:
			octet := rapid.IntRange(0, 255)
			host = strconv.Itoa(octet.Draw(t, "o1")) + "." + strconv.Itoa(octet.Draw(t, "o2")) + "." +
				strconv.Itoa(octet.Draw(t, "o3")) + "." + strconv.Itoa(octet.Draw(t, "o4"))
		default:
			host = rapid.SampledFrom([]string{"[::1]", "[2001:db8::7]", "[fe80::1:2:3:4]", "[::ffff:192.0.2.1]"}).Draw(t, "ipLiteral")
		}
		if rapid.Bool().Draw(t, "hasPort") {
			host += ":" + strconv.Itoa(rapid.IntRange(1, 65535).Draw(t, "port"))
		}
		return host
	})
}

// AuthorityFormGen draws authority-form = uri-host ":" port.
func AuthorityFormGen() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		host := rapid.SampledFrom([]string{"localhost", "example.test", "192.0.2.9", "[::1]"}).Draw(t, "connectHost")
		return host + ":" + strconv.Itoa(rapid.IntRange(1, 65535).Draw(t, "connectPort"))
	})
}

// AbsoluteFormGen draws an http or https absolute-URI (RFC 9112 §3.2.2) and returns it with its authority.
func AbsoluteFormGen() *rapid.Generator[[2]string] {
	return rapid.Custom(func(t *rapid.T) [2]string {
		// The scheme is case-insensitive (RFC 3986 §3.1).
		scheme := rapid.SampledFrom([]string{"http", "https", "HTTP", "Http"}).Draw(t, "scheme")
		authority := HostGen().Draw(t, "authority")
		path := rapid.OneOf(rapid.Just(""), AbsolutePathGen()).Draw(t, "absPath")
		return [2]string{scheme + "://" + authority + path + QueryGen().Draw(t, "absQuery"), authority}
	})
}

// MethodGen draws a method: mostly the registered ones, sometimes any token (methods are case-sensitive
// tokens, RFC 9110 §9.1).
func MethodGen() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom([]string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}),
		TokenGen(maxTokenLen).Filter(func(m string) bool { return m != "CONNECT" && m != "OPTIONS" }),
	)
}

// ChunkSizeGen writes size as chunk-size = 1*HEXDIG, with random leading zeros and letter case.
func ChunkSizeGen(size int) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		hex := strconv.FormatInt(int64(size), 16)
		if rapid.Bool().Draw(t, "upperHex") {
			hex = strings.ToUpper(hex)
		}
		return strings.Repeat("0", rapid.IntRange(0, 3).Draw(t, "leadingZeros")) + hex
	})
}

// QuotedStringGen draws quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE.
func QuotedStringGen() *rapid.Generator[string] {
	piece := rapid.OneOf(
		rapid.Map(fromSet(QDText), func(c byte) string { return string(c) }),
		rapid.Map(fromSet(QuotedPairByte), func(c byte) string { return `\` + string(c) }),
	)
	return rapid.Map(rapid.SliceOfN(piece, 0, 8), func(p []string) string { return `"` + strings.Join(p, "") + `"` })
}

// ChunkExtGen draws chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), where
// chunk-ext-val = token / quoted-string.
func ChunkExtGen() *rapid.Generator[string] {
	ext := rapid.Custom(func(t *rapid.T) string {
		s := OWSGen().Draw(t, "bwsSemi") + ";" + OWSGen().Draw(t, "bwsName") + TokenGen(8).Draw(t, "extName")
		if rapid.Bool().Draw(t, "extHasValue") {
			val := rapid.OneOf(TokenGen(8), QuotedStringGen()).Draw(t, "extVal")
			s += OWSGen().Draw(t, "bwsEq") + "=" + OWSGen().Draw(t, "bwsVal") + val
		}
		return s
	})
	return rapid.Map(rapid.SliceOfN(ext, 0, maxChunkExts), func(e []string) string { return strings.Join(e, "") })
}

// TrailerSectionGen draws trailer-section = *( field-line CRLF ).
func TrailerSectionGen() *rapid.Generator[string] {
	line := rapid.Custom(func(t *rapid.T) string {
		return TokenGen(maxTokenLen).Draw(t, "trailerName") + ":" + OWSGen().Draw(t, "trailerOWS1") +
			FieldValueGen().Draw(t, "trailerValue") + OWSGen().Draw(t, "trailerOWS2") + "\r\n"
	})
	return rapid.Map(rapid.SliceOfN(line, 0, 3), func(l []string) string { return strings.Join(l, "") })
}
