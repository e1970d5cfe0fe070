package spec

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"pgregory.net/rapid"

	"ferrous/internal/chunked"
	"ferrous/internal/h1"
)

// Stage says which decoder must refuse a mutated message.
type Stage uint8

const (
	// StageHead: the request-head parser refuses it with the mutation's status.
	StageHead Stage = iota
	// StageChunked: the head is valid and the chunked decoder refuses the body; the server answers 400.
	StageChunked
)

// Mutation turns valid requests into ones that break a grammar rule or a framing rule, and says which
// requirement row the refusal proves and with which status.
type Mutation struct {
	Name   string
	Row    string
	Rule   string // the ABNF rule or field rule broken, as named in Rules or the RFC
	Status int
	Stage  Stage
	Gen    *rapid.Generator[[]byte]
}

// Sizes used to overflow the parser's limits, from its documented defaults.
const (
	overlongRequestLine = 8192 + 1
	tooManyFields       = 100 + 1
	oversizedHeader     = 32<<10 + 1
)

// Mutations is the table of invalid-grammar generators. Every entry is run by TestRejections and PropRejection.
var Mutations = []Mutation{
	// Field lines.
	{Name: "ws-before-colon", Row: "9112-5.1-ws-before-colon", Rule: "field-line", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			i := ensureField(t, r)
			r.Fields[i].Name += stringOf(OWSByte, 1, maxOWS).Draw(t, "wsBeforeColon")
		})},
	{Name: "obs-fold", Row: "9112-5.2-obs-fold", Rule: "field-line", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			i := ensureField(t, r)
			fold := stringOf(OWSByte, 1, maxOWS).Draw(t, "foldWS") + stringOf(FieldVChar, 1, 8).Draw(t, "foldText")
			r.Fields[i].After += "\r\n" + fold
		})},
	{Name: "ws-after-request-line", Row: "9112-2.2-ws-after-start-line", Rule: "HTTP-message", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			ensureField(t, r)
			r.Fields[0].Name = stringOf(OWSByte, 1, maxOWS).Draw(t, "leadingWS") + r.Fields[0].Name
		})},
	{Name: "bare-cr-in-field-value", Row: "9112-2.2-bare-cr", Rule: "field-value", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			i := ensureField(t, r)
			r.Fields[i].Value = insertAt(t, r.Fields[i].Value, "\r"+string(fromSet(FieldVChar).Draw(t, "afterCR")))
		})},
	{Name: "bare-cr-in-request-line", Row: "9112-2.2-bare-cr", Rule: "request-line", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			r.Target = insertAt(t, r.Target, "\r"+string(fromSet(VChar).Draw(t, "afterCR")))
		})},
	{Name: "bare-lf-line-end", Row: "9112-2.2-bare-lf", Rule: "HTTP-message", Status: 400,
		Gen: bytesMutation(func(t *rapid.T, r RequestSpec, msg []byte) []byte {
			head := len(r.Head())
			ends := crlfOffsets(msg[:head])
			at := rapid.SampledFrom(ends).Draw(t, "crlfToLF")
			return append(append(msg[:at:at], msg[at+1:head]...), msg[head:]...)
		})},
	{Name: "cr-lf-nul-in-field-value", Row: "9110-5.5-cr-lf-nul", Rule: "field-value", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			i := ensureField(t, r)
			bad := rapid.SampledFrom([]string{"\x00", "\n", "\r"}).Draw(t, "crLFNul")
			if bad == "\r" {
				bad += "x" // a CR followed by LF would just end the line
			}
			r.Fields[i].Value = insertAt(t, r.Fields[i].Value, bad)
		})},
	{Name: "ctl-in-field-value", Row: "9110-5.5-other-ctl", Rule: "field-value", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			i := ensureField(t, r)
			ctl := fromSet(CTL.Minus(charsOf("\t\r\n\x00"))).Draw(t, "ctl")
			r.Fields[i].Value = insertAt(t, r.Fields[i].Value, string(ctl))
		})},
	{Name: "non-token-field-name", Row: "9112-2.2-invalid-400", Rule: "field-name", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			i := ensureField(t, r)
			// Not ':' (which would only split the line elsewhere), nor the octets other mutations cover.
			bad := fromSet(allOctets().Minus(TChar).Minus(charsOf(":\r\n \t"))).Draw(t, "nameOctet")
			r.Fields[i].Name = insertAt(t, r.Fields[i].Name, string(bad))
		})},
	{Name: "missing-colon", Row: "9112-2.2-invalid-400", Rule: "field-line", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			line := TokenGen(maxTokenLen).Draw(t, "nameOnly") + stringOf(charsOf(" \t"), 0, 1).Draw(t, "gap") +
				stringOf(FieldVChar.Minus(charsOf(":")), 0, 8).Draw(t, "noColonValue")
			insertField(t, r, FieldLine{Raw: line})
		})},
	{Name: "connection-not-token", Row: "9112-2.2-invalid-400", Rule: "Connection", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			bad := fromSet(VChar.Minus(TChar).Minus(charsOf(","))).Draw(t, "connOctet")
			insertField(t, r, FieldLine{Name: "Connection", Before: " ", Value: "close" + string(bad)})
		})},

	// Request line.
	{Name: "request-line-whitespace", Row: "9112-3-lenient-whitespace", Rule: "request-line", Status: 400,
		Gen: bytesMutation(func(t *rapid.T, r RequestSpec, msg []byte) []byte {
			start, end := requestLineBounds(r, msg)
			line := string(msg[start:end])
			spaces := []int{strings.IndexByte(line, ' '), strings.LastIndexByte(line, ' ')}
			var mutated string
			switch rapid.IntRange(0, 3).Draw(t, "wsKind") {
			case 0: // another whitespace octet as separator
				sp := rapid.SampledFrom(spaces).Draw(t, "whichSP")
				ws := rapid.SampledFrom([]string{"\t", "\v", "\f", "  ", " \t"}).Draw(t, "separator")
				mutated = line[:sp] + ws + line[sp+1:]
			case 1:
				mutated = rapid.SampledFrom([]string{" ", "\t"}).Draw(t, "leading") + line
			default:
				mutated = line + rapid.SampledFrom([]string{" ", "\t"}).Draw(t, "trailing")
			}
			return splice(msg, start, end, mutated)
		})},
	{Name: "whitespace-in-target", Row: "9112-3.2-invalid-request-line", Rule: "request-target", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			r.Method, r.Form = "GET", h1.FormOrigin
			r.Target = insertAt(t, OriginFormGen().Draw(t, "target"), rapid.SampledFrom([]string{" ", " x "}).Draw(t, "sp"))
		})},
	{Name: "non-token-method", Row: "9112-3.2-invalid-request-line", Rule: "method", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			bad := fromSet(VChar.Minus(TChar)).Draw(t, "methodOctet")
			r.Method = insertAt(t, r.Method, string(bad))
		})},
	{Name: "malformed-version", Row: "9112-3.2-invalid-request-line", Rule: "HTTP-version", Status: 400,
		Gen: bytesMutation(func(t *rapid.T, r RequestSpec, msg []byte) []byte {
			start, end := requestLineBounds(r, msg)
			version := rapid.SampledFrom([]string{"http/1.1", "Http/1.1", "HTTP/1", "HTTP/1.1.1", "HTTP/11", "HTTP/1.x",
				"HTTP /1.1", "HTTP/1,1", "HTTP/+1.1", "HTTP/1.10", "HTTP-1.1", "ICE/1.0"}).Draw(t, "version")
			line := string(msg[start:end])
			return splice(msg, start, end, line[:strings.LastIndexByte(line, ' ')+1]+version)
		})},
	{Name: "unsupported-major-version", Row: "9110-6.2-refuse-major", Rule: "HTTP-version", Status: 505,
		Gen: bytesMutation(func(t *rapid.T, r RequestSpec, msg []byte) []byte {
			start, end := requestLineBounds(r, msg)
			major := rapid.SampledFrom([]int{0, 2, 3, 9}).Draw(t, "major")
			line := string(msg[start:end])
			return splice(msg, start, end, line[:len(line)-len("1.x")]+fmt.Sprintf("%d.%d", major, rapid.IntRange(0, 9).Draw(t, "minorDigit")))
		})},
	{Name: "asterisk-without-options", Row: "9112-3.2-invalid-request-line", Rule: "asterisk-form", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			r.Method = MethodGen().Draw(t, "notOptions")
			r.Target, r.Form = "*", h1.FormAsterisk
		})},
	{Name: "authority-form-outside-connect", Row: "9112-3.2-invalid-request-line", Rule: "authority-form", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			if rapid.Bool().Draw(t, "connectWithPath") {
				r.Method, r.Target = "CONNECT", OriginFormGen().Draw(t, "connectPath")
				return
			}
			r.Method, r.Target = MethodGen().Draw(t, "notConnect"), AuthorityFormGen().Draw(t, "authority")
		})},
	{Name: "absolute-form-empty-host", Row: "9110-4.2.1-empty-host", Rule: "absolute-form", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			r.Method = MethodGen().Draw(t, "method")
			r.Target = rapid.SampledFrom([]string{"http://", "https://"}).Draw(t, "scheme") +
				rapid.SampledFrom([]string{"", ":80", ":"}).Draw(t, "emptyHost") + AbsolutePathGen().Draw(t, "path")
		})},
	{Name: "absolute-form-userinfo", Row: "9110-4.2.4-userinfo", Rule: "absolute-form", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			r.Method = MethodGen().Draw(t, "method")
			r.Target = "http://" + rapid.SampledFrom([]string{"user@", "user:pass@", "@"}).Draw(t, "userinfo") +
				HostGen().Draw(t, "host") + AbsolutePathGen().Draw(t, "path")
		})},

	// Host.
	{Name: "missing-host", Row: "9112-3.2-missing-host", Rule: "Host", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			forceHTTP11(t, r)
			removeFields(r, "host")
		})},
	{Name: "duplicate-host", Row: "9112-3.2-duplicate-host", Rule: "Host", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			forceHTTP11(t, r)
			insertField(t, r, FieldLine{Name: caseVariant(t, "hostCase", "Host"), Before: " ", Value: HostGen().Draw(t, "secondHost")})
		})},
	{Name: "invalid-host", Row: "9112-3.2-invalid-host", Rule: "Host", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			forceHTTP11(t, r)
			removeFields(r, "host")
			bad := rapid.SampledFrom([]string{"user@example.test", "u:p@localhost", "localhost:8x", "localhost:", "localhost:99999",
				"a b", "[::1", "::1", "[zz::1]", "exa%zzmple", "host/path", "host?q", `"quoted"`}).Draw(t, "badHost")
			insertField(t, r, FieldLine{Name: "Host", Before: " ", Value: bad})
		})},

	// Framing.
	{Name: "invalid-content-length", Row: "9112-6.3-invalid-cl-400", Rule: "Content-Length", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			withoutFraming(r)
			bad := rapid.SampledFrom([]string{"", "-1", "+1", "1.0", "0x10", "1 2", "abc", "1e3", "\xd9\xa1", "5,", ",5", "5,,5"}).Draw(t, "badLength")
			insertField(t, r, FieldLine{Name: "Content-Length", Before: " ", Value: bad})
		})},
	{Name: "conflicting-content-length", Row: "9112-6.3-invalid-cl-error", Rule: "Content-Length", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			withoutFraming(r)
			a := rapid.IntRange(0, 1000).Draw(t, "lengthA")
			b := rapid.IntRange(0, 1000).Filter(func(b int) bool { return b != a }).Draw(t, "lengthB")
			if rapid.Bool().Draw(t, "asList") {
				insertField(t, r, FieldLine{Name: "Content-Length", Before: " ", Value: fmt.Sprintf("%d, %d", a, b)})
				return
			}
			insertField(t, r, FieldLine{Name: "Content-Length", Before: " ", Value: strconv.Itoa(a)})
			insertField(t, r, FieldLine{Name: "content-length", Before: " ", Value: strconv.Itoa(b)})
		})},
	{Name: "content-length-overflow", Row: "9110-8.6-cl-overflow", Rule: "Content-Length", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			withoutFraming(r)
			digits := stringOf(Digit, 19, 40).Draw(t, "hugeLength")
			insertField(t, r, FieldLine{Name: "Content-Length", Before: " ", Value: "1" + digits})
		})},
	{Name: "content-length-and-transfer-encoding", Row: "9112-6.1-cl-te-reject", Rule: "Transfer-Encoding", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			forceHTTP11(t, r)
			withoutFraming(r)
			insertField(t, r, FieldLine{Name: caseVariant(t, "teCase", "Transfer-Encoding"), Before: " ", Value: caseVariant(t, "chunkedCase", "chunked")})
			insertField(t, r, FieldLine{Name: caseVariant(t, "clCase", "Content-Length"), Before: " ", Value: strconv.Itoa(rapid.IntRange(0, 99).Draw(t, "cl"))})
		})},
	{Name: "chunked-not-final", Row: "9112-6.3-chunked-not-final", Rule: "Transfer-Encoding", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			forceHTTP11(t, r)
			withoutFraming(r)
			after := rapid.SampledFrom([]string{"chunked", "gzip", "deflate", "identity"}).Draw(t, "afterChunked")
			if rapid.Bool().Draw(t, "twoLines") {
				// The lines form one list in their order (RFC 9110 §5.3), so "chunked" must come first.
				at := insertField(t, r, FieldLine{Name: "Transfer-Encoding", Before: " ", Value: "chunked"})
				insertFieldAfter(t, r, at, FieldLine{Name: "Transfer-Encoding", Before: " ", Value: after})
				return
			}
			insertField(t, r, FieldLine{Name: "Transfer-Encoding", Before: " ", Value: "chunked, " + after})
		})},
	{Name: "unknown-coding-before-chunked", Row: "9112-6.1-unknown-coding-501", Rule: "Transfer-Encoding", Status: 501,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			forceHTTP11(t, r)
			withoutFraming(r)
			coding := rapid.SampledFrom([]string{"gzip", "deflate", "compress", "x-custom", "br"}).Draw(t, "coding")
			insertField(t, r, FieldLine{Name: "Transfer-Encoding", Before: " ", Value: coding + ", chunked"})
		})},
	{Name: "chunked-with-parameters", Row: "9112-7.1-chunked-params", Rule: "Transfer-Encoding", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			forceHTTP11(t, r)
			withoutFraming(r)
			param := rapid.SampledFrom([]string{";q=1", "; a=b", ` ; x="y"`}).Draw(t, "param")
			insertField(t, r, FieldLine{Name: "Transfer-Encoding", Before: " ", Value: "chunked" + param})
		})},
	{Name: "transfer-encoding-in-http10", Row: "9112-6.1-te-http10", Rule: "Transfer-Encoding", Status: 400,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			r.Minor = 0
			withoutFraming(r)
			removeFields(r, "expect")
			insertField(t, r, FieldLine{Name: "Transfer-Encoding", Before: " ", Value: "chunked"})
		})},

	// Other fields and limits.
	{Name: "unknown-expectation", Row: "9110-10.1.1-expect-417", Rule: "Expect", Status: 417,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			forceHTTP11(t, r)
			removeFields(r, "expect")
			e := TokenGen(maxTokenLen).Filter(func(e string) bool { return !strings.EqualFold(e, "100-continue") }).Draw(t, "expectation")
			insertField(t, r, FieldLine{Name: "Expect", Before: " ", Value: e})
		})},
	{Name: "request-line-too-long", Row: "9112-3-target-414", Rule: "request-line", Status: 414,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			r.Method, r.Form = "GET", h1.FormOrigin
			r.Target = "/" + strings.Repeat("a", overlongRequestLine+rapid.IntRange(0, 100).Draw(t, "extra"))
		})},
	{Name: "too-many-fields", Row: "9110-5.4-field-too-large", Rule: "field-line", Status: 431,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			for i := range tooManyFields {
				r.Fields = append(r.Fields, FieldLine{Name: "X-Filler-" + strconv.Itoa(i), Before: " ", Value: "1"})
			}
		})},
	{Name: "header-section-too-large", Row: "9110-5.4-field-too-large", Rule: "field-line", Status: 431,
		Gen: headMutation(func(t *rapid.T, r *RequestSpec) {
			insertField(t, r, FieldLine{Name: "X-Big", Before: " ", Value: strings.Repeat("b", oversizedHeader)})
		})},

	// Chunked body.
	{Name: "chunk-size-too-large", Row: "9112-7.1-large-hex", Rule: "chunk-size", Status: 400, Stage: StageChunked,
		Gen: chunkedMutation(func(t *rapid.T, c *chunkedParts) {
			huge := rapid.SampledFrom([]string{"8000000000000000", "FFFFFFFFFFFFFFFF", "10000000000000000", "00000000000000001"}).Draw(t, "hugeSize")
			c.setSizeLine(t, huge+"\r\n")
		})},
	{Name: "malformed-chunk-size", Row: "9112-2.2-invalid-400", Rule: "chunk-size", Status: 400, Stage: StageChunked,
		Gen: chunkedMutation(func(t *rapid.T, c *chunkedParts) {
			c.setSizeLine(t, rapid.SampledFrom([]string{"-1", "+5", " 5", "0x5", "", "g", "5 ", "5\t"}).Draw(t, "badSize")+"\r\n")
		})},
	{Name: "malformed-chunk-extension", Row: "9112-2.2-invalid-400", Rule: "chunk-ext", Status: 400, Stage: StageChunked,
		Gen: chunkedMutation(func(t *rapid.T, c *chunkedParts) {
			ext := rapid.SampledFrom([]string{";", "; =v", `;a="x`, ";a=b c", ";a b", ";a=", ";a==b", `;a="\` + "\x01" + `"`, ";a=b ", ";(a)"}).Draw(t, "badExt")
			c.setSizeLine(t, "1"+ext+"\r\n")
		})},
	{Name: "bare-lf-in-chunked-body", Row: "9112-2.2-bare-lf", Rule: "chunked-body", Status: 400, Stage: StageChunked,
		Gen: chunkedMutation(func(t *rapid.T, c *chunkedParts) {
			c.body = removeCRBeforeLF(t, c.body, c.dataSpans)
		})},
	{Name: "bare-cr-in-chunked-body", Row: "9112-2.2-bare-cr", Rule: "chunked-body", Status: 400, Stage: StageChunked,
		Gen: chunkedMutation(func(t *rapid.T, c *chunkedParts) {
			c.setSizeLine(t, "1"+rapid.SampledFrom([]string{"\rx", ";a\rb", ";a=\"\r\""}).Draw(t, "bareCR")+"\r\n")
		})},
	{Name: "chunk-data-overruns-size", Row: "9112-2.2-invalid-400", Rule: "chunk", Status: 400, Stage: StageChunked,
		Gen: chunkedMutation(func(t *rapid.T, c *chunkedParts) {
			data := rapid.SliceOfN(rapid.Byte(), 2, 20).Draw(t, "overrunData")
			c.body = []byte(strconv.FormatInt(int64(len(data)-1), 16) + "\r\n" + string(data) + "\r\n0\r\n\r\n")
		})},
	{Name: "obs-fold-in-trailer", Row: "9112-5.2-obs-fold", Rule: "trailer-section", Status: 400, Stage: StageChunked,
		Gen: chunkedMutation(func(t *rapid.T, c *chunkedParts) {
			c.setTrailers("X-T: a\r\n" + stringOf(OWSByte, 1, maxOWS).Draw(t, "foldWS") + "b\r\n")
		})},
	{Name: "nul-in-trailer-value", Row: "9110-5.5-cr-lf-nul", Rule: "trailer-section", Status: 400, Stage: StageChunked,
		Gen: chunkedMutation(func(t *rapid.T, c *chunkedParts) {
			c.setTrailers("X-T: a" + rapid.SampledFrom([]string{"\x00", "\rx"}).Draw(t, "nulOrCR") + "b\r\n")
		})},
	{Name: "ws-before-colon-in-trailer", Row: "9112-5.1-ws-before-colon", Rule: "trailer-section", Status: 400, Stage: StageChunked,
		Gen: chunkedMutation(func(t *rapid.T, c *chunkedParts) {
			c.setTrailers("X-T" + stringOf(OWSByte, 1, maxOWS).Draw(t, "ws") + ": a\r\n")
		})},
}

// MutationByName finds a mutation, for the fuzz targets that seed from one.
func MutationByName(name string) (Mutation, bool) {
	for _, m := range Mutations {
		if m.Name == name {
			return m, true
		}
	}
	return Mutation{}, false
}

// Check runs one mutated message through the parser (in a random split) and fails unless it is refused at the
// mutation's stage with the mutation's status.
func (m Mutation) Check(t *rapid.T) {
	msg := m.Gen.Draw(t, "message")
	cuts := SplitGen(len(msg)).Draw(t, "cuts")
	out := ParseHead(t, msg, cuts)
	if m.Stage == StageHead {
		var pe *h1.Error
		switch {
		case out.Err == nil:
			t.Fatalf("%s: accepted %q as %v", m.Name, truncate(msg), out.Request)
		case !errors.As(out.Err, &pe):
			t.Fatalf("%s: error %v is not an *h1.Error", m.Name, out.Err)
		case pe.Status != m.Status:
			t.Fatalf("%s: status %d (%v), want %d, for %q", m.Name, pe.Status, pe, m.Status, truncate(msg))
		}
		return
	}
	if out.Err != nil || !out.Done || !out.Request.Chunked {
		t.Fatalf("%s: the head should parse as chunked: %+v for %q", m.Name, out, truncate(msg))
	}
	body := msg[out.Consumed:]
	_, _, done, err := decodeChunked(body, SplitGen(len(body)).Draw(t, "bodyCuts"))
	var ce *chunked.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%s: chunked body %q decoded (done=%v, err=%v), want a framing error", m.Name, truncate(body), done, err)
	}
}

// maxQuoted keeps failure messages readable when a message is huge.
const maxQuoted = 300

func truncate(b []byte) []byte {
	if len(b) > maxQuoted {
		return append(b[:maxQuoted:maxQuoted], "…"...)
	}
	return b
}

func allOctets() ByteSet { return byteRange(0x00, 0xFF) }

// headMutation draws a valid request and lets mutate change it before serialization.
func headMutation(mutate func(*rapid.T, *RequestSpec)) *rapid.Generator[[]byte] {
	return rapid.Custom(func(t *rapid.T) []byte {
		r := ValidRequestGen().Draw(t, "valid")
		mutate(t, &r)
		return r.Bytes()
	})
}

// bytesMutation draws a valid request and lets mutate change its serialized bytes.
func bytesMutation(mutate func(*rapid.T, RequestSpec, []byte) []byte) *rapid.Generator[[]byte] {
	return rapid.Custom(func(t *rapid.T) []byte {
		r := ValidRequestGen().Draw(t, "valid")
		return mutate(t, r, r.Bytes())
	})
}

// chunkedParts is a valid chunked request split into its head and body, for body mutations.
type chunkedParts struct {
	head, body []byte
	spec       RequestSpec
	// dataSpans are the [start, end) offsets of chunk data in body, where a CRLF is content, not framing.
	dataSpans [][2]int
}

// setSizeLine replaces the line of a random chunk (or the last-chunk) with line.
func (c *chunkedParts) setSizeLine(t *rapid.T, line string) {
	chunks := c.spec.Chunks
	i := rapid.IntRange(0, len(chunks)).Draw(t, "whichChunk")
	var b []byte
	b = append(b, encodeChunks(chunks[:i], "", "")...)
	b = b[:len(b)-len("0\r\n\r\n")]
	b = append(b, line...)
	if i < len(chunks) {
		b = append(b, chunks[i].Data...)
		b = append(b, "\r\n"...)
		b = append(b, encodeChunks(chunks[i+1:], "", "")...)
	} else {
		b = append(b, "\r\n"...)
	}
	c.body = b
}

func (c *chunkedParts) setTrailers(trailers string) {
	c.body = encodeChunks(c.spec.Chunks, "", trailers)
}

func chunkedMutation(mutate func(*rapid.T, *chunkedParts)) *rapid.Generator[[]byte] {
	return rapid.Custom(func(t *rapid.T) []byte {
		r := ValidRequestGen().Filter(func(r RequestSpec) bool { return r.Minor >= 1 }).Draw(t, "valid")
		withoutFraming(&r)
		r.Framing = FramingChunked
		r.Chunks = ChunksGen().Draw(t, "chunks")
		r.Fields = append(r.Fields, FieldLine{Name: "Transfer-Encoding", Before: " ", Value: "chunked"})
		c := &chunkedParts{head: r.Head(), spec: r}
		c.body = encodeChunks(r.Chunks, "", "")
		offset := 0
		for _, ch := range r.Chunks {
			offset += len(ch.SizeText) + len("\r\n")
			c.dataSpans = append(c.dataSpans, [2]int{offset, offset + len(ch.Data)})
			offset += len(ch.Data) + len("\r\n")
		}
		mutate(t, c)
		return append(c.head, c.body...)
	})
}

// removeCRBeforeLF turns one framing CRLF of body into a bare LF.
func removeCRBeforeLF(t *rapid.T, body []byte, data [][2]int) []byte {
	var framing []int
	for _, at := range crlfOffsets(body) {
		inData := false
		for _, s := range data {
			inData = inData || (at >= s[0] && at < s[1])
		}
		if !inData {
			framing = append(framing, at)
		}
	}
	at := rapid.SampledFrom(framing).Draw(t, "framingCRLF")
	return append(body[:at:at], body[at+1:]...)
}

// crlfOffsets lists where each CRLF of b starts.
func crlfOffsets(b []byte) []int {
	var out []int
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			out = append(out, i)
		}
	}
	return out
}

// requestLineBounds returns the offsets of the request line (without CRLF) in msg.
func requestLineBounds(r RequestSpec, msg []byte) (start, end int) {
	start = r.LeadingEmptyLines * len("\r\n")
	return start, start + bytes.Index(msg[start:], []byte("\r\n"))
}

func splice(msg []byte, start, end int, with string) []byte {
	out := append([]byte{}, msg[:start]...)
	out = append(out, with...)
	return append(out, msg[end:]...)
}

// insertAt puts what at a random offset of s.
func insertAt(t *rapid.T, s, what string) string {
	i := rapid.IntRange(0, len(s)).Draw(t, "insertAt")
	return s[:i] + what + s[i:]
}

// ensureField returns the index of a field line to mutate, adding one when the request has none.
func ensureField(t *rapid.T, r *RequestSpec) int {
	if len(r.Fields) == 0 {
		r.Fields = append(r.Fields, FieldLine{Name: "X-Added", Before: " ", Value: FieldValueGen().Draw(t, "addedValue")})
	}
	return rapid.IntRange(0, len(r.Fields)-1).Draw(t, "whichField")
}

// insertField puts f at a random position and returns its index.
func insertField(t *rapid.T, r *RequestSpec, f FieldLine) int {
	return insertFieldAfter(t, r, -1, f)
}

// insertFieldAfter puts f at a random position after index after and returns its index.
func insertFieldAfter(t *rapid.T, r *RequestSpec, after int, f FieldLine) int {
	i := rapid.IntRange(after+1, len(r.Fields)).Draw(t, "fieldPosition")
	r.Fields = append(r.Fields[:i:i], append([]FieldLine{f}, r.Fields[i:]...)...)
	return i
}

func removeFields(r *RequestSpec, lowerName string) {
	kept := r.Fields[:0:0]
	for _, f := range r.Fields {
		if !strings.EqualFold(f.Name, lowerName) {
			kept = append(kept, f)
		}
	}
	r.Fields = kept
}

// withoutFraming drops the body and its framing fields, so that a mutation can add its own.
func withoutFraming(r *RequestSpec) {
	removeFields(r, "content-length")
	removeFields(r, "transfer-encoding")
	r.Framing, r.Body, r.Chunks, r.LastExt, r.Trailers = FramingNone, nil, nil, "", ""
}

// forceHTTP11 makes r an HTTP/1.x request (x >= 1) that has the Host it then requires.
func forceHTTP11(t *rapid.T, r *RequestSpec) {
	if r.Minor >= 1 {
		return
	}
	r.Minor = rapid.IntRange(1, 9).Draw(t, "minor11")
	removeFields(r, "expect") // an HTTP/1.0 expectation other than 100-continue would now earn 417
	hasHost := false
	for _, f := range r.Fields {
		hasHost = hasHost || strings.EqualFold(f.Name, "host")
	}
	if !hasHost {
		insertField(t, r, FieldLine{Name: "Host", Before: " ", Value: HostGen().Draw(t, "host")})
	}
}
