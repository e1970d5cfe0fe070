package spec

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"pgregory.net/rapid"

	"ferrous/internal/chunked"
	"ferrous/internal/h1"
)

// Framing is how a generated request delimits its body (RFC 9112 §6.3).
type Framing uint8

const (
	FramingNone    Framing = iota // no body
	FramingLength                 // Content-Length
	FramingChunked                // Transfer-Encoding: chunked
)

// FieldLine is one generated field line: name ":" OWS value OWS, or Raw as it stands when Raw is set (for
// lines that are not field lines at all).
type FieldLine struct {
	Name, Before, Value, After string
	Raw                        string
}

func (f FieldLine) String() string {
	if f.Raw != "" {
		return f.Raw
	}
	return f.Name + ":" + f.Before + f.Value + f.After
}

// Chunk is one chunk of a generated chunked body: its size written as SizeText, then extensions, then data.
type Chunk struct {
	SizeText string
	Ext      string
	Data     []byte
}

// RequestSpec is a request as the generators intend it. Bytes serializes it; Expected says what a correct
// parser must report for it.
type RequestSpec struct {
	LeadingEmptyLines int
	Method, Target    string
	Minor             int
	Fields            []FieldLine

	// TargetAuthority is the authority of an absolute-form target.
	TargetAuthority string
	Form            h1.TargetForm

	Framing  Framing
	Body     []byte
	Chunks   []Chunk // for FramingChunked; their data concatenated is Body
	LastExt  string
	Trailers string
}

// Head serializes the request line, the field lines and the empty line.
func (r RequestSpec) Head() []byte {
	var b bytes.Buffer
	b.WriteString(strings.Repeat("\r\n", r.LeadingEmptyLines))
	fmt.Fprintf(&b, "%s %s HTTP/1.%d\r\n", r.Method, r.Target, r.Minor)
	for _, f := range r.Fields {
		b.WriteString(f.String())
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// WireBody serializes the message body as framed.
func (r RequestSpec) WireBody() []byte {
	switch r.Framing {
	case FramingLength:
		return r.Body
	case FramingChunked:
		return encodeChunks(r.Chunks, r.LastExt, r.Trailers)
	}
	return nil
}

// Bytes is the whole message.
func (r RequestSpec) Bytes() []byte { return append(r.Head(), r.WireBody()...) }

func encodeChunks(chunks []Chunk, lastExt, trailers string) []byte {
	var b []byte
	for _, c := range chunks {
		b = append(b, c.SizeText...)
		b = append(b, c.Ext...)
		b = append(b, "\r\n"...)
		b = append(b, c.Data...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "0"+lastExt+"\r\n"...)
	b = append(b, trailers...)
	return append(b, "\r\n"...)
}

// ParsedRequest is a parse result copied out of the parser, comparable with ==-like deep equality.
type ParsedRequest struct {
	Method, Target string
	Form           h1.TargetForm
	Path           *string
	Query          *string
	Major, Minor   int
	Fields         [][2]string
	Host           *string
	ContentLength  int64
	Chunked        bool
	KeepAlive      bool
	Expect100      bool
}

func optional(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// Snapshot copies a parsed request, so that it survives the parser's Reset.
func Snapshot(req *h1.Request) ParsedRequest {
	p := ParsedRequest{
		Method: string(req.Method), Target: string(req.Target), Form: req.Form,
		Path: optional(req.Path), Query: optional(req.Query), Major: req.Major, Minor: req.Minor,
		Host: optional(req.Host), ContentLength: req.ContentLength, Chunked: req.Chunked,
		KeepAlive: req.KeepAlive, Expect100: req.Expect100,
	}
	for _, f := range req.Fields {
		p.Fields = append(p.Fields, [2]string{string(f.Name), string(f.Value)})
	}
	return p
}

func (p ParsedRequest) String() string {
	deref := func(s *string) string {
		if s == nil {
			return "<nil>"
		}
		return strconv.Quote(*s)
	}
	return fmt.Sprintf("{%q %q %v path=%s query=%s 1.%d host=%s cl=%d chunked=%v keepAlive=%v expect100=%v fields=%q}",
		p.Method, p.Target, p.Form, deref(p.Path), deref(p.Query), p.Minor, deref(p.Host), p.ContentLength,
		p.Chunked, p.KeepAlive, p.Expect100, p.Fields)
}

// Expected computes, from the RFC's rules rather than from the parser, what parsing r must yield.
func (r RequestSpec) Expected() ParsedRequest {
	p := ParsedRequest{Method: r.Method, Target: r.Target, Form: r.Form, Major: 1, Minor: r.Minor, ContentLength: -1}
	str := func(s string) *string { return &s }
	splitQuery := func(pathAndQuery string) {
		path, query, hasQuery := strings.Cut(pathAndQuery, "?")
		p.Path = str(path)
		if hasQuery {
			p.Query = str(query)
		}
	}
	switch r.Form {
	case h1.FormOrigin:
		splitQuery(r.Target)
	case h1.FormAbsolute:
		rest := r.Target[strings.Index(r.Target, "://")+len("://")+len(r.TargetAuthority):]
		splitQuery(rest)
		if *p.Path == "" {
			p.Path = str("/") // RFC 9112 §3.2.2: an absolute-form target without a path asks for "/"
		}
		// RFC 9112 §3.2.2: an origin server uses the target's authority, not the Host field.
		p.Host = str(r.TargetAuthority)
	case h1.FormAsterisk:
		p.Path = str("*")
	}
	var connClose, connKeepAlive bool
	for _, f := range r.Fields {
		p.Fields = append(p.Fields, [2]string{f.Name, f.Value})
		switch strings.ToLower(f.Name) {
		case "host":
			if p.Host == nil {
				p.Host = str(f.Value)
			}
		case "content-length":
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.Split(f.Value, ",")[0]), 10, 64)
			p.ContentLength = n
		case "transfer-encoding":
			p.Chunked = true
		case "connection":
			for _, opt := range listElements(f.Value) {
				connClose = connClose || strings.EqualFold(opt, "close")
				connKeepAlive = connKeepAlive || strings.EqualFold(opt, "keep-alive")
			}
		case "expect":
			for _, e := range listElements(f.Value) {
				p.Expect100 = p.Expect100 || (r.Minor >= 1 && strings.EqualFold(e, "100-continue"))
			}
		}
	}
	// RFC 9112 §9.3: close ends persistence; otherwise HTTP/1.1 persists and HTTP/1.0 only with keep-alive.
	p.KeepAlive = !connClose && (r.Minor >= 1 || connKeepAlive)
	return p
}

// listElements splits a #rule list, dropping the empty elements recipients must ignore (RFC 9110 §5.6.1).
func listElements(v string) []string {
	var out []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.Trim(e, " \t"); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// Names of the fields that the parser interprets; generic generated fields avoid them so that they cannot
// change the framing or the verdict by accident.
var interpretedFields = []string{"host", "content-length", "transfer-encoding", "connection", "expect"}

func isInterpreted(name string) bool {
	for _, n := range interpretedFields {
		if strings.EqualFold(name, n) {
			return true
		}
	}
	return false
}

// Generator bounds for requests.
const (
	maxExtraFields  = 6
	maxBodyLen      = 300
	maxChunks       = 5
	maxLeadingLines = 2 // the parser forgives more; one is what RFC 9112 §2.2 asks servers to tolerate
)

// caseVariant draws name in one of the spellings a sender may use: field and coding names are
// case-insensitive.
func caseVariant(t *rapid.T, label, name string) string {
	switch rapid.IntRange(0, 3).Draw(t, label) {
	case 1:
		return strings.ToLower(name)
	case 2:
		return strings.ToUpper(name)
	case 3:
		var b strings.Builder
		for i, c := range []byte(name) {
			if i%2 == 0 {
				c = byte(strings.ToUpper(string(c))[0])
			} else {
				c = byte(strings.ToLower(string(c))[0])
			}
			b.WriteByte(c)
		}
		return b.String()
	}
	return name
}

// listWithEmpties joins elements into a #rule list with empty elements and OWS sprinkled in, as senders that
// merge values produce (RFC 9110 §5.6.1).
func listWithEmpties(t *rapid.T, label string, elems []string) string {
	var parts []string
	for i, e := range elems {
		if rapid.IntRange(0, 4).Draw(t, fmt.Sprint(label, "Empty", i)) == 0 {
			parts = append(parts, "")
		}
		parts = append(parts, e)
	}
	return strings.Join(parts, ","+OWSGen().Draw(t, label+"Sep"))
}

// ValidRequestGen draws a request that a strict RFC 9112 parser must accept: every target form, HTTP/1.0 and
// 1.x, Host as required, optional Connection and Expect, at most one framing, extension fields with any legal
// octets, and a body matching the framing.
func ValidRequestGen() *rapid.Generator[RequestSpec] {
	return rapid.Custom(func(t *rapid.T) RequestSpec {
		r := RequestSpec{
			LeadingEmptyLines: rapid.IntRange(0, maxLeadingLines).Draw(t, "leadingEmptyLines"),
			Minor:             rapid.IntRange(0, 9).Draw(t, "minor"),
		}
		drawTarget(t, &r)
		http11 := r.Minor >= 1

		var fields []FieldLine
		field := func(name, value string) FieldLine {
			return FieldLine{Name: name, Before: OWSGen().Draw(t, "before"), Value: value, After: OWSGen().Draw(t, "after")}
		}
		if http11 || rapid.Bool().Draw(t, "http10Host") {
			fields = append(fields, field(caseVariant(t, "hostCase", "Host"), rapid.OneOf(HostGen(), rapid.Just("")).Draw(t, "host")))
		}
		if rapid.Bool().Draw(t, "hasConnection") {
			opts := rapid.SliceOfN(rapid.SampledFrom([]string{"close", "keep-alive", "Keep-Alive", "CLOSE", "upgrade", "x-option"}), 1, 3).Draw(t, "connOpts")
			fields = append(fields, field(caseVariant(t, "connCase", "Connection"), listWithEmpties(t, "conn", opts)))
		}
		if rapid.Bool().Draw(t, "hasExpect") {
			value := listWithEmpties(t, "expect", []string{caseVariant(t, "expectValueCase", "100-continue")})
			if !http11 && rapid.Bool().Draw(t, "http10OtherExpect") {
				value = "some-expectation" // RFC 9110 §10.1.1: HTTP/1.0 expectations are ignored
			}
			fields = append(fields, field(caseVariant(t, "expectCase", "Expect"), value))
		}
		r.Framing = Framing(rapid.IntRange(0, 2).Draw(t, "framing"))
		if r.Framing == FramingChunked && !http11 {
			r.Framing = FramingLength // RFC 9112 §6.1: HTTP/1.0 has no transfer codings
		}
		switch r.Framing {
		case FramingLength:
			r.Body = rapid.SliceOfN(rapid.Byte(), 0, maxBodyLen).Draw(t, "body")
			n := strconv.Itoa(len(r.Body))
			value := n
			if rapid.IntRange(0, 4).Draw(t, "clList") == 0 {
				value = n + "," + OWSGen().Draw(t, "clListOWS") + n // RFC 9112 §6.3: identical values collapse
			}
			fields = append(fields, field(caseVariant(t, "clCase", "Content-Length"), value))
			if rapid.IntRange(0, 4).Draw(t, "clRepeat") == 0 {
				fields = append(fields, field("Content-Length", n))
			}
		case FramingChunked:
			r.Chunks, r.Body = ChunksGen().Draw(t, "chunks"), nil
			for _, c := range r.Chunks {
				r.Body = append(r.Body, c.Data...)
			}
			r.LastExt = ChunkExtGen().Draw(t, "lastExt")
			r.Trailers = TrailerSectionGen().Draw(t, "trailers")
			te := listWithEmpties(t, "te", []string{caseVariant(t, "chunkedCase", "chunked")})
			fields = append(fields, field(caseVariant(t, "teCase", "Transfer-Encoding"), te))
		}
		extra := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) FieldLine {
			name := TokenGen(maxTokenLen).Filter(func(n string) bool { return !isInterpreted(n) }).Draw(t, "extraName")
			return field(name, FieldValueGen().Draw(t, "extraValue"))
		}), 0, maxExtraFields).Draw(t, "extraFields")
		fields = append(fields, extra...)
		// Field order carries no meaning for distinct names (RFC 9110 §5.3); the parser must cope with any.
		perm := rapid.Permutation(fields).Draw(t, "fieldOrder")
		r.Fields = perm
		return r
	})
}

// drawTarget picks a request-target form, and a method that form allows (RFC 9112 §3.2.3, §3.2.4).
func drawTarget(t *rapid.T, r *RequestSpec) {
	switch rapid.IntRange(0, 9).Draw(t, "targetForm") {
	case 0:
		r.Method, r.Target, r.Form = "OPTIONS", "*", h1.FormAsterisk
	case 1:
		r.Method, r.Target, r.Form = "CONNECT", AuthorityFormGen().Draw(t, "authorityForm"), h1.FormAuthority
	case 2, 3:
		abs := AbsoluteFormGen().Draw(t, "absoluteForm")
		r.Method, r.Target, r.TargetAuthority, r.Form = MethodGen().Draw(t, "method"), abs[0], abs[1], h1.FormAbsolute
	default:
		r.Method, r.Target, r.Form = MethodGen().Draw(t, "method"), OriginFormGen().Draw(t, "originForm"), h1.FormOrigin
	}
}

// ChunksGen draws the data chunks of a chunked body with their size spellings and extensions.
func ChunksGen() *rapid.Generator[[]Chunk] {
	chunk := rapid.Custom(func(t *rapid.T) Chunk {
		data := rapid.SliceOfN(rapid.Byte(), 1, maxBodyLen/maxChunks).Draw(t, "chunkData")
		return Chunk{SizeText: ChunkSizeGen(len(data)).Draw(t, "chunkSize"), Ext: ChunkExtGen().Draw(t, "chunkExt"), Data: data}
	})
	return rapid.SliceOfN(chunk, 0, maxChunks)
}

// ParseOutcome is what feeding a message to a fresh parser produced.
type ParseOutcome struct {
	Done     bool
	Consumed int
	Err      error
	Request  ParsedRequest
}

// ParseHead feeds msg to a parser in the given pieces (the split points are offsets into msg) and returns the
// outcome. It fails t if a request becomes visible before the head is complete.
func ParseHead(t rapidOrTesting, msg []byte, cuts []int) ParseOutcome {
	t.Helper()
	p := h1.NewParser(h1.Limits{})
	var out ParseOutcome
	for _, piece := range Pieces(msg, cuts) {
		n, done, err := p.Feed(piece)
		out.Consumed += n
		if err != nil {
			out.Err = err
			return out
		}
		if done {
			out.Done = true
			out.Request = Snapshot(p.Request())
			return out
		}
		// RFC 9110 §6.3: nothing of a request may be acted on before its whole header section is in.
		if p.Request() != nil {
			t.Fatalf("a request is visible before its head is complete (after %d bytes)", out.Consumed)
		}
	}
	return out
}

// rapidOrTesting is what the helpers need from *rapid.T or *testing.T.
type rapidOrTesting interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Pieces splits msg at the given offsets (any order, duplicates and out-of-range values ignored).
func Pieces(msg []byte, cuts []int) [][]byte {
	var pieces [][]byte
	start := 0
	for _, c := range sortedCuts(cuts, len(msg)) {
		pieces = append(pieces, msg[start:c])
		start = c
	}
	return append(pieces, msg[start:])
}

func sortedCuts(cuts []int, n int) []int {
	var out []int
	for _, c := range cuts {
		if c > 0 && c < n {
			out = append(out, c)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	dedup := out[:0]
	for i, c := range out {
		if i == 0 || c != out[i-1] {
			dedup = append(dedup, c)
		}
	}
	return dedup
}

// SplitGen draws split points for a message of length n: none, a few random ones, or every byte.
func SplitGen(n int) *rapid.Generator[[]int] {
	return rapid.Custom(func(t *rapid.T) []int {
		switch rapid.IntRange(0, 5).Draw(t, "splitMode") {
		case 0:
			return nil
		case 1:
			every := make([]int, n)
			for i := range every {
				every[i] = i
			}
			return every
		}
		if n < 2 {
			return nil
		}
		return rapid.SliceOfN(rapid.IntRange(1, n-1), 1, 8).Draw(t, "cuts")
	})
}

// decodeChunked runs the chunked decoder over body in pieces and returns the payload, the bytes consumed and
// whether the body ended.
func decodeChunked(body []byte, cuts []int) (payload []byte, consumed int, done bool, err error) {
	d := chunked.NewDecoder(chunked.Limits{})
	for _, piece := range Pieces(body, cuts) {
		for len(piece) > 0 {
			data, n, fin, ferr := d.Feed(piece)
			payload = append(payload, data...)
			consumed += n
			piece = piece[n:]
			if ferr != nil {
				return payload, consumed, false, ferr
			}
			if fin {
				return payload, consumed, true, nil
			}
			if n == 0 {
				break
			}
		}
	}
	return payload, consumed, false, nil
}
