package spec

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"pgregory.net/rapid"

	"ferrous/internal/chunked"
	"ferrous/internal/h1"
	"ferrous/internal/multipart"
)

// Property is a rapid property generated from the tables, with the requirement rows it proves. TestProperties
// runs each as "TestProperties/<Name>", and that name is what the rows' proofs list.
type Property struct {
	Name  string
	Rows  []string
	Check func(*rapid.T)
}

// Properties is the table of parser and decoder properties; the live server model is TestServerModel.
var Properties = []Property{
	{Name: "SplitInvariance", Check: PropSplitInvariance,
		Rows: []string{"9110-6.3-complete-head-first", "9112-2.2-octets"}},
	{Name: "RoundTrip", Check: PropRoundTrip,
		Rows: []string{"9112-2.2-octets", "9112-2.2-leading-empty-lines", "9110-2.5-higher-minor", "9110-5.6.1-empty-list-elements",
			"9112-3.2.2-accept-absolute-form", "9112-3.2.2-origin-ignore-host", "9110-10.1.1-expect-http10",
			"9110-8.6-cl-list", "9112-6.1-parse-chunked"}},
	{Name: "Rejection", Check: PropRejection, Rows: mutationRows()},
	{Name: "Framing", Check: PropFraming,
		Rows: []string{"9112-6.1-cl-te-reject", "9112-6.3-invalid-cl-error", "9112-6.1-te-http10", "9112-6.3-chunked-not-final"}},
	{Name: "Pipelining", Check: PropPipelining,
		Rows: []string{"9112-6.1-parse-chunked", "9112-7.1.1-ignore-extensions", "9112-2.2-leading-empty-lines"}},
	{Name: "ChunkedCoding", Check: PropChunkedCoding,
		Rows: []string{"9112-6.1-parse-chunked", "9112-6.1-chunk-once", "9112-7.1.1-ignore-extensions", "9112-7.1.2-trailers-discard",
			"9110-6.5.1-sender-trailers"}},
	{Name: "Multipart", Check: PropMultipart, Rows: []string{"2046-5.1.1-delimiter-line"}},
}

func mutationRows() []string {
	var rows []string
	seen := map[string]bool{}
	for _, m := range Mutations {
		if !seen[m.Row] {
			seen[m.Row] = true
			rows = append(rows, m.Row)
		}
	}
	return rows
}

// PropSplitInvariance: any request, valid or mutated, parses to the same request (or the same error) whether it
// arrives at once or in any split of its bytes, and no request is visible before its head is complete.
func PropSplitInvariance(t *rapid.T) {
	var msg []byte
	if rapid.Bool().Draw(t, "valid") {
		msg = ValidRequestGen().Draw(t, "request").Bytes()
	} else {
		msg = rapid.SampledFrom(Mutations).Draw(t, "mutation").Gen.Draw(t, "message")
	}
	whole := ParseHead(t, msg, nil)
	split := ParseHead(t, msg, SplitGen(len(msg)).Draw(t, "cuts"))
	if whole.Err != split.Err || whole.Done != split.Done {
		t.Fatalf("whole: done=%v err=%v; split: done=%v err=%v; for %q", whole.Done, whole.Err, split.Done, split.Err, truncate(msg))
	}
	if whole.Done && (whole.Consumed != split.Consumed || !reflect.DeepEqual(whole.Request, split.Request)) {
		t.Fatalf("whole: %d bytes %v\nsplit: %d bytes %v", whole.Consumed, whole.Request, split.Consumed, split.Request)
	}
}

// PropRoundTrip: a request generated from the grammar tables, serialized, parses back to what the RFC says it
// means (method, target form and parts, version, fields with OWS removed, Host, framing, persistence, Expect),
// and its body, framed as declared, comes back byte for byte.
func PropRoundTrip(t *rapid.T) {
	r := ValidRequestGen().Draw(t, "request")
	msg := r.Bytes()
	out := ParseHead(t, msg, SplitGen(len(msg)).Draw(t, "cuts"))
	if out.Err != nil || !out.Done {
		t.Fatalf("refused a valid request: %v (done=%v)\n%q", out.Err, out.Done, truncate(msg))
	}
	if out.Consumed != len(r.Head()) {
		t.Fatalf("consumed %d bytes, the head has %d", out.Consumed, len(r.Head()))
	}
	if want := r.Expected(); !reflect.DeepEqual(out.Request, want) {
		t.Fatalf("parsed %v\n  want %v\nfrom %q", out.Request, want, truncate(msg))
	}
	body := msg[out.Consumed:]
	switch r.Framing {
	case FramingChunked:
		payload, consumed, done, err := decodeChunked(body, SplitGen(len(body)).Draw(t, "bodyCuts"))
		if err != nil || !done || consumed != len(body) || !bytes.Equal(payload, r.Body) {
			t.Fatalf("chunked body: payload %q done=%v consumed %d/%d err=%v, want %q", payload, done, consumed, len(body), err, r.Body)
		}
	case FramingLength:
		if int64(len(body)) != out.Request.ContentLength || !bytes.Equal(body, r.Body) {
			t.Fatalf("Content-Length %d frames %d body bytes", out.Request.ContentLength, len(body))
		}
	}
}

// PropRejection: every invalid-grammar mutation is refused with its row's status (see Mutations).
func PropRejection(t *rapid.T) {
	rapid.SampledFrom(Mutations).Draw(t, "mutation").Check(t)
}

// framingConflictGen adds to a valid bodiless request the framing fields of a smuggling attempt: Content-Length
// together with Transfer-Encoding, differing Content-Length values, or chunked applied twice.
func framingConflictGen() *rapid.Generator[RequestSpec] {
	return rapid.Custom(func(t *rapid.T) RequestSpec {
		r := ValidRequestGen().Draw(t, "base")
		withoutFraming(&r)
		removeFields(&r, "expect")
		length := func(label string) string {
			v := rapid.OneOf(rapid.Map(rapid.IntRange(0, 1<<20), strconv.Itoa),
				rapid.SampledFrom([]string{"0", "00", "5, 5", "-1", "1 0", "+3", "0x10"})).Draw(t, label)
			return v
		}
		te := func(label string) string {
			return rapid.SampledFrom([]string{"chunked", "Chunked", "CHUNKED", " chunked", "chunked ", "gzip, chunked",
				"chunked, gzip", "identity", ", chunked", "chunked,"}).Draw(t, label)
		}
		var added []FieldLine
		switch rapid.IntRange(0, 2).Draw(t, "conflict") {
		case 0:
			added = append(added, FieldLine{Name: caseVariant(t, "teCase", "Transfer-Encoding"), Before: OWSGen().Draw(t, "teOWS"), Value: te("te")})
			for i := range rapid.IntRange(1, 2).Draw(t, "lengths") {
				added = append(added, FieldLine{Name: caseVariant(t, "clCase", "Content-Length"), Before: " ", Value: length(fmt.Sprint("cl", i))})
			}
		case 1:
			a := rapid.IntRange(0, 1<<20).Draw(t, "a")
			b := rapid.IntRange(0, 1<<20).Filter(func(b int) bool { return b != a }).Draw(t, "b")
			if rapid.Bool().Draw(t, "list") {
				added = append(added, FieldLine{Name: "Content-Length", Before: " ", Value: fmt.Sprintf("%d,%s%d", a, OWSGen().Draw(t, "ows"), b)})
			} else {
				added = append(added, FieldLine{Name: "Content-Length", Before: " ", Value: strconv.Itoa(a)},
					FieldLine{Name: caseVariant(t, "clCase2", "Content-Length"), Before: " ", Value: strconv.Itoa(b)})
			}
		default:
			added = append(added, FieldLine{Name: "Transfer-Encoding", Before: " ", Value: "chunked"},
				FieldLine{Name: caseVariant(t, "teCase2", "Transfer-Encoding"), Before: " ", Value: "chunked"})
		}
		for _, f := range added {
			insertField(t, &r, f)
		}
		return r
	})
}

// PropFraming is the request-smuggling invariant: a request carrying both Content-Length and
// Transfer-Encoding, or conflicting lengths, is never framed by Content-Length. In fact ferrous refuses every
// such request with a status after which the server closes the connection.
func PropFraming(t *rapid.T) {
	r := framingConflictGen().Draw(t, "request")
	msg := r.Bytes()
	out := ParseHead(t, msg, SplitGen(len(msg)).Draw(t, "cuts"))
	if out.Done && out.Err == nil && out.Request.ContentLength >= 0 {
		t.Fatalf("framed by Content-Length %d: %q", out.Request.ContentLength, truncate(msg))
	}
	var pe *h1.Error
	if !errors.As(out.Err, &pe) || (pe.Status != 400 && pe.Status != 501) {
		t.Fatalf("want a 400 or 501 refusal (both close the connection), got done=%v err=%v for %q", out.Done, out.Err, truncate(msg))
	}
}

// parsedMessage is one request read off a pipelined stream: its head and its decoded body.
type parsedMessage struct {
	Head ParsedRequest
	Body []byte
}

// pipelineReader plays a server connection's reading side: heads through the h1 parser, bodies by their
// framing, then the next request.
type pipelineReader struct {
	p         *h1.Parser
	dec       *chunked.Decoder
	inBody    bool
	remaining int64
	cur       parsedMessage
	out       []parsedMessage
}

func (pr *pipelineReader) feed(piece []byte) error {
	for len(piece) > 0 {
		if !pr.inBody {
			n, done, err := pr.p.Feed(piece)
			piece = piece[n:]
			if err != nil {
				return err
			}
			if !done {
				continue
			}
			req := pr.p.Request()
			pr.cur = parsedMessage{Head: Snapshot(req)}
			switch {
			case req.Chunked:
				pr.dec.Reset()
				pr.inBody = true
			case req.ContentLength > 0:
				pr.remaining = req.ContentLength
				pr.inBody = true
			default:
				pr.finishMessage()
			}
			continue
		}
		if pr.cur.Head.Chunked {
			data, n, done, err := pr.dec.Feed(piece)
			pr.cur.Body = append(pr.cur.Body, data...)
			piece = piece[n:]
			if err != nil {
				return err
			}
			if done {
				pr.finishMessage()
			} else if n == 0 {
				return nil
			}
			continue
		}
		take := min(int64(len(piece)), pr.remaining)
		pr.cur.Body = append(pr.cur.Body, piece[:take]...)
		piece = piece[take:]
		if pr.remaining -= take; pr.remaining == 0 {
			pr.finishMessage()
		}
	}
	return nil
}

func (pr *pipelineReader) finishMessage() {
	pr.out = append(pr.out, pr.cur)
	pr.cur = parsedMessage{}
	pr.inBody = false
	pr.p.Reset()
}

// maxPipelined bounds the requests concatenated by PropPipelining.
const maxPipelined = 4

// PropPipelining: N generated requests concatenated on one stream parse into exactly those N requests, with
// their bodies, in order, whatever the split.
func PropPipelining(t *rapid.T) {
	reqs := rapid.SliceOfN(ValidRequestGen(), 1, maxPipelined).Draw(t, "requests")
	var stream []byte
	var want []parsedMessage
	for _, r := range reqs {
		stream = append(stream, r.Bytes()...)
		body := r.Body
		if body == nil {
			body = []byte{}
		}
		want = append(want, parsedMessage{Head: r.Expected(), Body: body})
	}
	pr := &pipelineReader{p: h1.NewParser(h1.Limits{}), dec: chunked.NewDecoder(chunked.Limits{})}
	for _, piece := range Pieces(stream, SplitGen(len(stream)).Draw(t, "cuts")) {
		if err := pr.feed(piece); err != nil {
			t.Fatalf("pipelined stream refused after %d requests: %v\n%q", len(pr.out), err, truncate(stream))
		}
	}
	if pr.inBody || pr.p.Started() {
		t.Fatalf("stream ended inside a message after %d requests", len(pr.out))
	}
	for i := range pr.out {
		if pr.out[i].Body == nil {
			pr.out[i].Body = []byte{}
		}
	}
	if !reflect.DeepEqual(pr.out, want) {
		t.Fatalf("parsed %d requests:\n%v\nwant %d:\n%v", len(pr.out), pr.out, len(want), want)
	}
}

// trailingBytes follow a chunked body in a stream; the decoder must leave them alone.
const trailingBytes = "GET /next HTTP/1.1\r\n"

// PropChunkedCoding: any byte string, chunked with any chunk sizes (by the package's encoder or with
// leading-zero sizes, extensions and trailer fields), decodes in any split to the same bytes, and the decoder
// stops exactly at the end of the coding.
func PropChunkedCoding(t *rapid.T) {
	var data, encoded []byte
	if rapid.Bool().Draw(t, "useEncoder") {
		pieces := rapid.SliceOfN(rapid.SliceOfN(rapid.Byte(), 0, 200), 0, 6).Draw(t, "pieces")
		for _, p := range pieces {
			data = append(data, p...)
			encoded = chunked.AppendChunk(encoded, p)
		}
		encoded = chunked.AppendLastChunk(encoded)
		// A sender that generates no trailer fields ends with an empty trailer section (RFC 9112 §7.1.2).
		if !bytes.HasSuffix(encoded, []byte("0\r\n\r\n")) {
			t.Fatalf("last chunk not followed by an empty trailer section: %q", encoded)
		}
	} else {
		chunks := ChunksGen().Draw(t, "chunks")
		for _, c := range chunks {
			data = append(data, c.Data...)
		}
		encoded = encodeChunks(chunks, ChunkExtGen().Draw(t, "lastExt"), TrailerSectionGen().Draw(t, "trailers"))
	}
	stream := append(append([]byte{}, encoded...), trailingBytes...)
	payload, consumed, done, err := decodeChunked(stream, SplitGen(len(stream)).Draw(t, "cuts"))
	if err != nil || !done {
		t.Fatalf("decoding %q: done=%v err=%v", truncate(encoded), done, err)
	}
	if consumed != len(encoded) {
		t.Fatalf("consumed %d bytes, the coding has %d", consumed, len(encoded))
	}
	if !bytes.Equal(payload, data) {
		t.Fatalf("decoded %q, want %q", payload, data)
	}
}

// formPart is one part of a generated multipart/form-data body.
type formPart struct {
	Name        string
	FileName    string
	HasFileName bool
	ContentType string
	Content     string
}

// Multipart generator bounds.
const (
	maxFormParts  = 4
	maxPartPieces = 10
)

// boundaryGen draws boundary := 0*69<bchars> bcharsnospace (RFC 2046 §5.1.1).
var boundaryGen = rapid.StringMatching(`[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]`)

// formPartContentGen draws content full of CRLFs, dashes and near-misses of the delimiter, but never a real
// delimiter line, which no sender could put inside a part (RFC 2046 §5.1.1).
func formPartContentGen(boundary string) *rapid.Generator[string] {
	delimiter := "\r\n--" + boundary
	piece := rapid.OneOf(
		rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 40), func(b []byte) string { return string(b) }),
		rapid.SampledFrom([]string{"\r\n", "\r", "\n", "--", "\r\n--", "\r\n\r\n", delimiter + "x", delimiter + "-y", "--" + boundary}),
		rapid.Map(rapid.IntRange(1, len(delimiter)-1), func(k int) string { return delimiter[:k] }),
	)
	return rapid.Map(rapid.SliceOfN(piece, 0, maxPartPieces), func(p []string) string { return strings.Join(p, "") }).
		Filter(func(content string) bool { return !containsDelimiterLine("\r\n"+content+"\r\n", delimiter) })
}

// containsDelimiterLine reports whether s holds the delimiter followed by what makes it a delimiter line:
// "--", transport padding or a line end.
func containsDelimiterLine(s, delimiter string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], delimiter)
		if j < 0 {
			return false
		}
		after := s[i+j+len(delimiter):]
		if after == "" || strings.ContainsAny(after[:1], " \t\r\n") || strings.HasPrefix(after, "--") {
			return true
		}
		i += j + 1
	}
}

// paramTextGen draws a quoted parameter value: printable text and some UTF-8, without DQUOTE or backslash,
// which form senders escape in ways that differ.
var paramTextGen = rapid.StringMatching(`[A-Za-z0-9 _.\-()é€]{1,12}`)

// encodeForm serializes parts as multipart/form-data with its own encoder (RFC 7578, RFC 2046 §5.1.1), so the
// decoder is checked against code it shares nothing with.
func encodeForm(t *rapid.T, boundary string, parts []formPart) []byte {
	var b strings.Builder
	if rapid.Bool().Draw(t, "hasPreamble") {
		b.WriteString(rapid.StringMatching(`[a-z \r\n]{0,20}`).Draw(t, "preamble"))
		b.WriteString("\r\n")
	}
	padding := func(label string) string { return stringOf(OWSByte, 0, 2).Draw(t, label) }
	b.WriteString("--" + boundary)
	for i, p := range parts {
		b.WriteString(padding(fmt.Sprint("padding", i)) + "\r\n")
		b.WriteString(`Content-Disposition: form-data; name="` + p.Name + `"`)
		if p.HasFileName {
			b.WriteString(`; filename="` + p.FileName + `"`)
		}
		b.WriteString("\r\n")
		if p.ContentType != "" {
			b.WriteString("Content-Type: " + p.ContentType + "\r\n")
		}
		b.WriteString("\r\n" + p.Content + "\r\n--" + boundary)
	}
	b.WriteString("--")
	if rapid.Bool().Draw(t, "hasEpilogue") {
		b.WriteString("\r\n" + string(rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "epilogue")))
	}
	return []byte(b.String())
}

// contentTypeFor writes the Content-Type value announcing boundary, quoting it when it is not a token.
func contentTypeFor(t *rapid.T, boundary string) string {
	needsQuotes := false
	for i := 0; i < len(boundary); i++ {
		needsQuotes = needsQuotes || !TChar.Has(boundary[i])
	}
	if needsQuotes || rapid.Bool().Draw(t, "quoteAnyway") {
		boundary = `"` + boundary + `"`
	}
	return caseVariant(t, "mediaTypeCase", "multipart/form-data") + ";" + OWSGen().Draw(t, "paramOWS") + "boundary=" + boundary
}

// PropMultipart: any generated set of parts, encoded with a generated boundary, decodes in any split to the
// same parts, and the boundary comes back out of the Content-Type that announces it.
func PropMultipart(t *rapid.T) {
	boundary := boundaryGen.Draw(t, "boundary")
	content := formPartContentGen(boundary)
	parts := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) formPart {
		p := formPart{Name: paramTextGen.Draw(t, "name"), Content: content.Draw(t, "content")}
		if p.HasFileName = rapid.Bool().Draw(t, "isFile"); p.HasFileName {
			p.FileName = rapid.OneOf(rapid.Just(""), paramTextGen).Draw(t, "fileName")
		}
		p.ContentType = rapid.SampledFrom([]string{"", "text/plain", "application/octet-stream", `image/png; x="y"`}).Draw(t, "contentType")
		return p
	}), 0, maxFormParts).Draw(t, "parts")

	ct := contentTypeFor(t, boundary)
	got, err := multipart.BoundaryFromContentType([]byte(ct))
	if err != nil || string(got) != boundary {
		t.Fatalf("boundary from %q: %q, %v; want %q", ct, got, err, boundary)
	}
	body := encodeForm(t, boundary, parts)
	decoded, err := decodeForm(got, Pieces(body, SplitGen(len(body)).Draw(t, "cuts")))
	if err != nil {
		t.Fatalf("decoding %q: %v", truncate(body), err)
	}
	if len(parts) == 0 {
		parts = nil
	}
	if !reflect.DeepEqual(decoded, parts) {
		t.Fatalf("decoded %+v\nwant    %+v\nfrom %q", decoded, parts, truncate(body))
	}
}

// decodeForm runs the multipart decoder over pieces as a server does: unconsumed bytes are kept and fed again
// with the next piece.
func decodeForm(boundary []byte, pieces [][]byte) ([]formPart, error) {
	d := multipart.NewDecoder(boundary, multipart.Limits{})
	var parts []formPart
	var pending []byte
	for _, piece := range pieces {
		pending = append(pending, piece...)
		for {
			ev, data, n, err := d.Feed(pending)
			if err != nil {
				return parts, fmt.Errorf("after %d parts: %w", len(parts), err)
			}
			switch ev {
			case multipart.EventPartBegin:
				p := d.Part()
				parts = append(parts, formPart{Name: p.Name, FileName: p.FileName, HasFileName: p.HasFileName, ContentType: p.ContentType})
			case multipart.EventPartData:
				parts[len(parts)-1].Content += string(data)
			}
			pending = append(pending[:0], pending[n:]...)
			if ev == multipart.EventNone {
				break
			}
		}
	}
	if err := d.Finish(); err != nil {
		return parts, fmt.Errorf("finishing: %w", err)
	}
	return parts, nil
}
