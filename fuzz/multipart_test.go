package fuzz

import (
	"bytes"
	"io"
	"mime"
	stdmultipart "mime/multipart"
	"reflect"
	"regexp"
	"sort"
	"testing"

	"ferrous/internal/multipart"
)

// multipartErrors are the errors the decoder documents; anything else is a bug.
var multipartErrors = []error{
	multipart.ErrBadBoundary, multipart.ErrBadDelimiter, multipart.ErrBadPartHeader,
	multipart.ErrPartHeaderTooLarge, multipart.ErrTooManyPartHeaderFields, multipart.ErrTooManyParts,
	multipart.ErrMissingDisposition, multipart.ErrUnsupportedTransferEncoding, multipart.ErrUnexpectedEnd,
}

// maxHeldBack is how many bytes the decoder may leave unconsumed at the end of its input: a possible
// delimiter, CRLF "--" boundary "--" less one byte.
func maxHeldBack(boundary []byte) int { return len(boundary) + len("\r\n--") + 1 }

// decodedForm is what decoding one body produced, with each part's data joined, since how data is cut into
// events depends on the split.
type decodedForm struct {
	parts []formPart
	done  bool
	err   error
	// errAt is the offset in the body of the byte the decoder stopped at, when it failed in Feed.
	errAt int
}

type formPart struct {
	part multipart.Part
	data []byte
}

// decodeForm feeds pieces to d as a connection would: each piece is appended to what the decoder left
// unconsumed, and the decoder is called until it asks for more. It checks the Feed contract on the way.
func decodeForm(t testing.TB, d *multipart.Decoder, boundary []byte, pieces [][]byte) decodedForm {
	t.Helper()
	var f decodedForm
	var pending []byte
	fed := 0 // body bytes before pending
	inPart := false
	for _, piece := range pieces {
		pending = append(pending, piece...)
		for {
			ev, data, n, err := d.Feed(pending)
			if n < 0 || n > len(pending) {
				t.Fatalf("Feed consumed %d of %d bytes", n, len(pending))
			}
			if err != nil {
				if !knownError(err, multipartErrors) {
					t.Fatalf("Feed returned undocumented error %T %v", err, err)
				}
				if ev2, _, n2, err2 := d.Feed([]byte("--" + string(boundary) + "--\r\n")); ev2 != multipart.EventNone || n2 != 0 || err2 != err {
					t.Fatalf("error %v is not sticky: next Feed = (%v, %d, %v)", err, ev2, n2, err2)
				}
				if finish := d.Finish(); finish != err {
					t.Fatalf("Finish after error %v = %v", err, finish)
				}
				f.err, f.errAt = err, fed+n
				return f
			}
			switch ev {
			case multipart.EventNone:
				if len(pending)-n > maxHeldBack(boundary) {
					t.Fatalf("Feed asked for more input holding back %d bytes, at most %d allowed", len(pending)-n, maxHeldBack(boundary))
				}
			case multipart.EventPartBegin:
				if inPart {
					t.Fatal("PartBegin inside a part")
				}
				if d.Part().Name == "" {
					t.Fatal("PartBegin with an empty name")
				}
				inPart = true
				f.parts = append(f.parts, formPart{part: *d.Part(), data: []byte{}})
			case multipart.EventPartData:
				if !inPart {
					t.Fatal("PartData outside a part")
				}
				if len(data) == 0 || len(data) > n || &data[len(data)-1] != &pending[n-1] {
					t.Fatalf("PartData of %d bytes is not the end of the %d bytes consumed", len(data), n)
				}
				last := &f.parts[len(f.parts)-1]
				last.data = append(last.data, data...)
			case multipart.EventPartEnd:
				if !inPart {
					t.Fatal("PartEnd outside a part")
				}
				inPart = false
			case multipart.EventDone:
				if inPart {
					t.Fatal("Done inside a part")
				}
				if n != len(pending) {
					t.Fatalf("Done consumed %d of %d bytes", n, len(pending))
				}
				f.done = true
			default:
				t.Fatalf("unknown event %v", ev)
			}
			fed += n
			pending = pending[n:]
			if ev == multipart.EventNone || f.done {
				break
			}
		}
		if f.done {
			break
		}
	}
	err := d.Finish()
	switch {
	case f.done && err != nil:
		t.Fatalf("Finish after Done = %v", err)
	case !f.done && err != multipart.ErrUnexpectedEnd && err != multipart.ErrBadBoundary:
		// An invalid boundary is reported by Finish too when no Feed call was made (an empty body).
		t.Fatalf("Finish before Done = %v, want ErrUnexpectedEnd", err)
	}
	f.err = err
	return f
}

// multipartEdgeSeeds are degenerate bodies the named corpus does not cover.
var multipartEdgeSeeds = []struct{ boundary, body string }{
	{"b", ""},
	{"b", "--b"},
	{"b", "--b--"},
	{"", "----\r\n"},
	{"b ", "--b \r\n"},
	{"b", "--b\r\n\r\n"},
	{"b", "\r\n--b\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n--b--"},
}

// FuzzMultipartDecoder feeds an arbitrary body and boundary to the multipart decoder and checks that
//   - the parts, their data and the verdict do not depend on how the body is split, and Feed keeps its
//     contract (events in order, data a subslice of the input, at most one delimiter held back);
//   - the part data is never longer than the body;
//   - memory is bounded: feeding one byte at a time allocates only for part headers (bounded by the limits),
//     never for part data.
func FuzzMultipartDecoder(f *testing.F) {
	for _, s := range multipartEdgeSeeds {
		f.Add(s.boundary, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		b := []byte(boundary)
		var first decodedForm
		for i, s := range splits(body) {
			got := decodeForm(t, multipart.NewDecoder(b, multipart.DefaultLimits()), b, s.pieces)
			if i == 0 {
				first = got
				continue
			}
			// Where an error is noticed depends on how much input the decoder had in hand (a header line is
			// too long as soon as it is known to be), so only the error itself must not depend on the split.
			got.errAt = first.errAt
			if !reflect.DeepEqual(got, first) {
				t.Fatalf("%s: outcome %+v, whole body gave %+v", s.name, got, first)
			}
		}
		dataBytes := 0
		for _, p := range first.parts {
			dataBytes += len(p.data)
		}
		if dataBytes > len(body) {
			t.Fatalf("%d bytes of part data from a %d-byte body", dataBytes, len(body))
		}
		checkMultipartAllocations(t, b, body, dataBytes)
	})
}

// multipartHeaderCost bounds what the decoder may allocate per byte of part header: the Part's strings and, for
// a quoted or extended filename, one decoding buffer.
const multipartHeaderCost = 4

// checkMultipartAllocations feeds the body one byte per call through a buffer allocated up front, and bounds
// what the decoder allocates: the header buffer (which grows to at most MaxPartHeaderBytes, geometrically) and
// multipartHeaderCost per byte that is not part data. Part data must cost nothing, whatever its size.
func checkMultipartAllocations(t *testing.T, boundary, body []byte, dataBytes int) {
	if !measureMemory(body) {
		return
	}
	d := multipart.NewDecoder(boundary, multipart.DefaultLimits())
	buf := make([]byte, 0, maxHeldBack(boundary)+1)
	allocated := heapAllocated(func() {
		pending := buf[:0]
		for _, c := range body {
			pending = append(pending, c)
			for {
				ev, _, n, err := d.Feed(pending)
				if err != nil || ev == multipart.EventDone {
					return
				}
				pending = pending[:copy(pending, pending[n:])]
				if ev == multipart.EventNone {
					break
				}
			}
		}
	})
	bound := 2*multipart.DefaultLimits().MaxPartHeaderBytes + multipartHeaderCost*(len(body)-dataBytes) + allocSlack
	if allocated > uint64(bound) {
		t.Fatalf("decoding a %d-byte body (%d bytes of part data) allocated %d bytes, bound %d", len(body), dataBytes, allocated, bound)
	}
}

// stdForm is mime/multipart's reading of a body, part by part, without the quoted-printable decoding
// NextPart would apply (ferrous refuses that encoding instead; see the differences).
type stdForm struct {
	parts []stdPart
	err   error
}

// stdPart is one part as mime/multipart read it, with its disposition parsed as Part.FormName would.
type stdPart struct {
	rawDisposition string
	disposition    string
	params         map[string]string
	paramsErr      error
	contentType    string
	data           []byte
}

// decodeFormStd reads every part of body with mime/multipart, stopping at the first error.
func decodeFormStd(boundary string, body []byte) stdForm {
	var f stdForm
	r := stdmultipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			// A bare io.EOF is the close delimiter, or a body that ended inside a part header (see "form
			// ending inside a part header"); a body ending anywhere else comes back as a wrapped io.EOF.
			return f
		}
		if err != nil {
			f.err = err
			return f
		}
		sp := stdPart{contentType: p.Header.Get("Content-Type"), rawDisposition: p.Header.Get("Content-Disposition")}
		sp.disposition, sp.params, sp.paramsErr = mime.ParseMediaType(sp.rawDisposition)
		if sp.data, err = io.ReadAll(p); err != nil {
			f.err = err
			return f
		}
		f.parts = append(f.parts, sp)
	}
}

// formPair is one body decoded by ferrous and by mime/multipart.
type formPair struct {
	t        testing.TB
	boundary string
	body     []byte
	ours     decodedForm
	theirs   stdForm
	// mismatch names what differs between two accepted forms, or is "" when they agree.
	mismatch string
}

func newFormPair(t testing.TB, boundary string, body []byte) *formPair {
	b := []byte(boundary)
	p := &formPair{
		t:        t,
		boundary: boundary,
		body:     body,
		ours:     decodeForm(t, multipart.NewDecoder(b, multipart.DefaultLimits()), b, [][]byte{body}),
		theirs:   decodeFormStd(boundary, body),
	}
	if p.ours.done && p.theirs.err == nil {
		p.mismatch = compareForms(p.ours, p.theirs)
	}
	return p
}

func (p *formPair) agrees() bool {
	return p.ours.done == (p.theirs.err == nil) && p.mismatch == ""
}

// compareForms names the first thing two accepted forms disagree on. mime/multipart's reader leaves the part
// header to its caller; the caller's reading is taken to be mime.ParseMediaType's, as Part.FormName does.
func compareForms(ours decodedForm, theirs stdForm) string {
	if len(ours.parts) != len(theirs.parts) {
		return "number of parts"
	}
	for i, o := range ours.parts {
		s := theirs.parts[i]
		switch {
		case !bytes.Equal(o.data, s.data):
			return "part data"
		case o.part.ContentType != s.contentType:
			return "part content type"
		case s.paramsErr != nil:
			return "disposition syntax"
		case s.disposition != "form-data":
			return "disposition type"
		case o.part.Name != s.params["name"]:
			return "part name"
		}
		fileName, hasFileName := s.params["filename"]
		if o.part.FileName != fileName || o.part.HasFileName != hasFileName {
			return "file name"
		}
	}
	return ""
}

// formDifference is a documented, deliberate way in which ferrous's multipart decoder and mime/multipart may
// judge the same body differently. example must show it; TestMultipartDifferences replays every example.
type formDifference struct {
	name              string
	why               string
	boundary, example string
	applies           func(p *formPair) bool
}

// oursRefuses returns a predicate for a rule ferrous enforces and mime/multipart does not.
func oursRefuses(errs ...error) func(p *formPair) bool {
	return func(p *formPair) bool {
		return p.theirs.err == nil && knownError(p.ours.err, errs)
	}
}

// multipartDifferences is the complete list of allowed differences between ferrous's multipart decoder and
// mime/multipart. FuzzMultipartDifferential fails on any disagreement none of them explains.
var multipartDifferences = append(formVerdictDifferences, formMismatches...)

// formVerdictDifferences are the forms one decoder accepts and the other refuses.
var formVerdictDifferences = []formDifference{
	{
		name:     "text after a delimiter",
		why:      "ferrous takes \"--\" boundary followed by LWSP, CR, LF or \"--\" for a delimiter and refuses the line unless LWSP and CRLF (or the closing \"--\") follow, since a delimiter line cannot carry anything else (RFC 2046 §5.1.1); mime/multipart reads such a line as content or preamble",
		boundary: "b",
		example:  "--b 0\r\n--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--",
		applies: func(p *formPair) bool {
			return p.ours.err == multipart.ErrBadDelimiter && p.theirs.err == nil && !nearBadLineEnding(p.body, p.ours.errAt)
		},
	},
	{
		name:     "line endings other than CRLF",
		why:      "mime/multipart reads lines: it switches to LF line endings when the first delimiter line ends in a bare LF, finds a delimiter at the start of any line, accepts bare LF in part headers, and takes a delimiter followed by a bare CR for a line of content; ferrous follows RFC 2046 §5.1.1 to the byte: a delimiter is CRLF \"--\" boundary (or starts the body), lines end in CRLF, and a delimiter must be followed by padding and CRLF or \"--\". The two can therefore see different parts in the same body (\"preamble\\n--b\\r\\n...\" is one part to mime/multipart, none to ferrous)",
		boundary: "b",
		example:  "--b\nContent-Disposition: form-data; name=a\n\nx\n--b--\n",
		applies: func(p *formPair) bool {
			// A delimiter line after a bare LF is content or preamble to ferrous, so the two may find
			// different parts, and either may then meet something it refuses.
			if hasLFDelimiterLine(p.body, p.boundary) {
				return true
			}
			return p.theirs.err == nil && !p.ours.done && nearBadLineEnding(p.body, p.ours.errAt)
		},
	},
	{
		name:     "form ending inside a part header",
		why:      "mime/multipart's NextPart returns io.EOF, its end-of-form signal, when the body ends after a delimiter line but before the part header is complete; ferrous reports the form as truncated",
		boundary: "b",
		example:  "--b\r\nContent-Disposition: form-data; name=a\r\n",
		applies: func(p *formPair) bool {
			return p.ours.err == multipart.ErrUnexpectedEnd && p.theirs.err == nil && !hasCloseDelimiterLine(p.body, p.boundary)
		},
	},
	{
		name:     "text after the close delimiter",
		why:      "RFC 2046 §5.1.1 makes everything after the close delimiter an epilogue to be ignored, so ferrous stops there; mime/multipart requires the rest of that line to be blank and ended by CRLF",
		boundary: "b",
		example:  "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--garbage\r\n",
		applies: func(p *formPair) bool {
			if !p.ours.done || p.theirs.err == nil {
				return false
			}
			// mime/multipart wants LWSP, then CRLF or the end of the body.
			line, _, hasLF := bytes.Cut(p.body[p.doneAt():], []byte("\n"))
			line = bytes.TrimLeft(line, " \t")
			return !(hasLF && string(line) == "\r" || !hasLF && len(line) == 0)
		},
	},
	{
		name:     "boundary grammar",
		why:      "mime/multipart takes any non-empty boundary; ferrous requires RFC 2046 §5.1.1's 1 to 70 bchars not ending in a space, so that the boundary cannot contain a line break or be too long to hold back",
		boundary: "b\x00",
		example:  "--b\x00\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b\x00--",
		applies:  oursRefuses(multipart.ErrBadBoundary),
	},
	{
		name:     "part header checks",
		why:      "mime/multipart hands the part header to the caller unchecked beyond textproto's syntax, which allows obs-fold, bare LF and spaces in names; ferrous rejects a malformed header, a repeated Content-Disposition or Content-Type, and disposition parameters it cannot read unambiguously (RFC 7578 §4.2)",
		boundary: "b",
		example:  "--b\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nx\r\n--b--",
		applies:  oursRefuses(multipart.ErrBadPartHeader),
	},
	{
		name:     "form-data disposition with a name",
		why:      "RFC 7578 §4.2 requires every part to carry Content-Disposition: form-data with a name; mime/multipart reads any part and leaves FormName empty",
		boundary: "b",
		example:  "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--",
		applies:  oursRefuses(multipart.ErrMissingDisposition),
	},
	{
		name:     "content transfer encoding",
		why:      "RFC 7578 §4.7 deprecates Content-Transfer-Encoding in forms; ferrous delivers data raw, so it refuses any encoding but the identity ones, while mime/multipart decodes quoted-printable and passes anything else through",
		boundary: "b",
		example:  "--b\r\nContent-Disposition: form-data; name=a\r\nContent-Transfer-Encoding: base64\r\n\r\neA==\r\n--b--",
		applies:  oursRefuses(multipart.ErrUnsupportedTransferEncoding),
	},
	{
		name:     "part limits",
		why:      "ferrous caps a part header at 8 KiB and 16 fields and a form at 1000 parts; mime/multipart's reader allows 10 MB and 10000 fields per header and any number of parts",
		boundary: "b",
		example:  "--b\r\nContent-Disposition: form-data; name=a\r\n" + string(bytes.Repeat([]byte("X: y\r\n"), 16)) + "\r\nx\r\n--b--",
		applies:  oursRefuses(multipart.ErrPartHeaderTooLarge, multipart.ErrTooManyPartHeaderFields, multipart.ErrTooManyParts),
	},
}

// doneAt returns the length of the shortest prefix of the body that ferrous decodes to the end of the form: where
// its close delimiter ends. A longer prefix is done too, so a binary search finds it.
func (p *formPair) doneAt() int {
	b := []byte(p.boundary)
	return sort.Search(len(p.body), func(n int) bool {
		return decodeForm(p.t, multipart.NewDecoder(b, multipart.DefaultLimits()), b, [][]byte{p.body[:n]}).done
	})
}

// hasCloseDelimiterLine reports whether body has a line that mime/multipart takes for the close delimiter:
// "--" boundary "--", LWSP, and CRLF or the end of the body.
func hasCloseDelimiterLine(body []byte, boundary string) bool {
	for len(body) > 0 {
		line, rest, hasLF := bytes.Cut(body, []byte("\n"))
		if after, ok := bytes.CutPrefix(line, []byte("--"+boundary+"--")); ok {
			after = bytes.TrimLeft(after, " \t")
			if hasLF && string(after) == "\r" || !hasLF && len(after) == 0 {
				return true
			}
		}
		body = rest
	}
	return false
}

// hasLFDelimiterLine reports whether body has a line that mime/multipart takes for a delimiter but that follows
// a bare LF, where ferrous sees none.
func hasLFDelimiterLine(body []byte, boundary string) bool {
	prefix := []byte("\n--" + boundary)
	for i := 0; ; i++ {
		at := bytes.Index(body[i:], prefix)
		if at < 0 {
			return false
		}
		i += at
		if i > 0 && body[i-1] == '\r' {
			continue
		}
		after := body[i+len(prefix):]
		if bytes.HasPrefix(after, []byte("--")) {
			return true
		}
		after = bytes.TrimLeft(after, " \t")
		if len(after) == 0 || after[0] == '\n' || bytes.HasPrefix(after, []byte("\r\n")) {
			return true
		}
	}
}

// nearBadLineEnding reports whether ferrous stopped at a line not ended by CRLF: a delimiter line followed by a
// bare LF or a bare CR, or a header line it had just read that ends in a bare LF.
func nearBadLineEnding(body []byte, at int) bool {
	rest := bytes.TrimLeft(body[at:], " \t")
	if len(rest) > 0 && (rest[0] == '\n' || rest[0] == '\r' && (len(rest) == 1 || rest[1] != '\n')) {
		return true
	}
	return at >= 1 && body[at-1] == '\n' && (at < 2 || body[at-2] != '\r')
}

// continuedParam matches an RFC 2231 continuation of the parameters ferrous reads: name*0, filename*1*, ...
var continuedParam = regexp.MustCompile(`(?i);[ \t]*(file)?name\*[0-9]`)

// emptyParam matches an empty parameter in a parameter list: a ';' followed by OWS and another ';'.
var emptyParam = regexp.MustCompile(`;[ \t]*;`)

// formMismatches are the forms both decoders accept but read differently.
var formMismatches = []formDifference{
	{
		name:     "empty disposition parameters",
		why:      "RFC 9110 §5.6.6 allows empty parameters (parameters = *( OWS \";\" OWS [ parameter ] )), which ferrous skips; mime.ParseMediaType refuses two semicolons in a row, so Part.FormName would be empty",
		boundary: "b",
		example:  "--b\r\nContent-Disposition: form-data;; name=a\r\n\r\nz\r\n--b--",
		applies: func(p *formPair) bool {
			if p.mismatch != "disposition syntax" {
				return false
			}
			for _, part := range p.theirs.parts {
				if part.paramsErr != nil && emptyParam.MatchString(part.rawDisposition) {
					return true
				}
			}
			return false
		},
	},
	{
		name:     "RFC 2231 parameter continuations",
		why:      "mime.ParseMediaType joins name*0, name*1, ... into name, overriding a plain name; ferrous does not implement continuations (RFC 7578 §4.2 has senders percent-encode or send UTF-8 instead) and ignores them as unknown parameters",
		boundary: "b",
		example:  "--b\r\nContent-Disposition: form-data; name=a; name*0=x; name*1=y\r\n\r\nz\r\n--b--",
		applies: func(p *formPair) bool {
			if p.mismatch != "part name" && p.mismatch != "file name" {
				return false
			}
			for _, part := range p.theirs.parts {
				if continuedParam.MatchString(part.rawDisposition) {
					return true
				}
			}
			return false
		},
	},
}

// explain returns the first documented difference that accounts for the pair, or nil.
func (p *formPair) explain() *formDifference {
	for i := range multipartDifferences {
		if multipartDifferences[i].applies(p) {
			return &multipartDifferences[i]
		}
	}
	return nil
}

// FuzzMultipartDifferential decodes an arbitrary body with ferrous and with mime/multipart's reader. Where one
// accepts the form and the other does not, or both accept different parts, the difference must be a
// documented one.
func FuzzMultipartDifferential(f *testing.F) {
	for _, s := range multipartEdgeSeeds {
		f.Add(s.boundary, []byte(s.body))
	}
	for _, d := range multipartDifferences {
		f.Add(d.boundary, []byte(d.example))
	}
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		p := newFormPair(t, boundary, body)
		if p.agrees() || p.explain() != nil {
			return
		}
		t.Fatalf("undocumented difference on boundary %q body %s:\nferrous: done=%v err=%v at %d, %d parts\nmime/multipart: err=%v, %d parts\n%s",
			boundary, abbrev(body), p.ours.done, p.ours.err, p.ours.errAt, len(p.ours.parts), p.theirs.err, len(p.theirs.parts), p.mismatch)
	})
}

func TestMultipartDifferences(t *testing.T) {
	t.Parallel()
	for _, d := range multipartDifferences {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			p := newFormPair(t, d.boundary, []byte(d.example))
			if p.agrees() {
				t.Fatalf("example %s: both decoders agree (done=%v)", abbrev([]byte(d.example)), p.ours.done)
			}
			got := "no documented difference"
			if e := p.explain(); e != nil {
				got = e.name
			}
			if got != d.name {
				t.Fatalf("example %s is explained by %q, want %q (ferrous: %v, mime/multipart: %v, %s)",
					abbrev([]byte(d.example)), got, d.name, p.ours.err, p.theirs.err, p.mismatch)
			}
		})
	}
}
