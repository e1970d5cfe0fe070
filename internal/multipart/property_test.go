package multipart

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	stdmultipart "mime/multipart"
	"net/textproto"
	"reflect"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// generatedForm is a form as a test intends it, before encoding.
type generatedForm struct {
	boundary string
	parts    []decodedPart
}

var (
	boundaryGen = rapid.StringMatching(`[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]`)
	// Names avoid CR and LF, which mime/multipart.Writer percent-encodes.
	nameGen        = rapid.StringMatching(`[ -~]{1,12}|[a-zé€😀 ]{1,6}`)
	fileNameGen    = rapid.StringMatching(`[ -~]{0,12}|[a-zé€😀.]{1,6}`)
	contentTypeGen = rapid.SampledFrom([]string{"", "text/plain", "application/octet-stream", "image/png; x=\"y\""})
)

// startsDelimiterLine reports whether the delimiter at s[0:] is followed by
// what makes it a delimiter line rather than content.
func startsDelimiterLine(after string) bool {
	return after == "" || strings.ContainsAny(after[:1], " \t\r\n") || strings.HasPrefix(after, "--")
}

// contentGen draws part content that deliberately contains CRLFs, dashes,
// prefixes of the delimiter and the boundary followed by other text, but
// never a real delimiter line (which no encoder could have produced).
func contentGen(boundary string) *rapid.Generator[[]byte] {
	delimiter := "\r\n--" + boundary
	piece := rapid.OneOf(
		rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 48), func(b []byte) string { return string(b) }),
		rapid.SampledFrom([]string{"\r\n", "\r", "\n", "--", "\r\n--", "\r\n\r\n", delimiter + "X", delimiter + "-x", "--" + boundary + "\r\n"}),
		rapid.Map(rapid.IntRange(1, len(delimiter)-1), func(k int) string { return delimiter[:k] }),
	)
	return rapid.Map(rapid.SliceOfN(piece, 0, 12), func(pieces []string) []byte {
		return []byte(strings.Join(pieces, ""))
	}).Filter(func(content []byte) bool {
		// The CRLF ending the part header may also begin a delimiter, and
		// the encoder appends one after the content.
		s := "\r\n" + string(content) + "\r\n"
		for i := strings.Index(s, delimiter); i >= 0; {
			if startsDelimiterLine(s[i+len(delimiter):]) {
				return false
			}
			next := strings.Index(s[i+1:], delimiter)
			if next < 0 {
				break
			}
			i += 1 + next
		}
		return true
	})
}

func formGen() *rapid.Generator[generatedForm] {
	return rapid.Custom(func(t *rapid.T) generatedForm {
		form := generatedForm{boundary: boundaryGen.Draw(t, "boundary")}
		content := contentGen(form.boundary)
		for i := range rapid.IntRange(0, 5).Draw(t, "parts") {
			p := decodedPart{Part: Part{Name: nameGen.Draw(t, fmt.Sprint("name", i))}}
			if rapid.Bool().Draw(t, fmt.Sprint("isFile", i)) {
				p.FileName = fileNameGen.Draw(t, fmt.Sprint("fileName", i))
				p.HasFileName = true
			}
			p.ContentType = contentTypeGen.Draw(t, fmt.Sprint("contentType", i))
			p.Data = string(content.Draw(t, fmt.Sprint("content", i)))
			form.parts = append(form.parts, p)
		}
		return form
	})
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// encode builds the body with the standard library's writer, so the decoder
// is checked against an encoder it shares no code with.
func encode(t fatalHelper, form generatedForm) []byte {
	var buf bytes.Buffer
	w := stdmultipart.NewWriter(&buf)
	if err := w.SetBoundary(form.boundary); err != nil {
		t.Fatalf("SetBoundary(%q): %v", form.boundary, err)
	}
	for _, p := range form.parts {
		h := textproto.MIMEHeader{}
		if p.HasFileName {
			h.Set("Content-Disposition", stdmultipart.FileContentDisposition(p.Name, p.FileName))
		} else {
			h.Set("Content-Disposition", `form-data; name="`+quoteEscaper.Replace(p.Name)+`"`)
		}
		if p.ContentType != "" {
			h.Set("Content-Type", p.ContentType)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatalf("CreatePart: %v", err)
		}
		if _, err := io.WriteString(pw, p.Data); err != nil {
			t.Fatalf("write part: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

// splitGen cuts b at random points.
func splitAt(b []byte, points []int) [][]byte {
	slices.Sort(points)
	var chunks [][]byte
	prev := 0
	for _, p := range points {
		chunks = append(chunks, b[prev:p])
		prev = p
	}
	return append(chunks, b[prev:])
}

func drawSplit(t *rapid.T, b []byte) [][]byte {
	points := rapid.SliceOfN(rapid.IntRange(0, len(b)), 0, 10).Draw(t, "split points")
	return splitAt(b, points)
}

func TestRoundTripProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		form := formGen().Draw(t, "form")
		encoded := encode(t, form)
		boundary, err := BoundaryFromContentType([]byte(`multipart/form-data; boundary="` + form.boundary + `"`))
		if err != nil {
			t.Fatalf("BoundaryFromContentType: %v", err)
		}
		got, err := decodeChunks(t, boundary, DefaultLimits(), drawSplit(t, encoded))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if len(got) != len(form.parts) || (len(got) > 0 && !reflect.DeepEqual(got, form.parts)) {
			t.Fatalf("decoded\n %+v\nwant\n %+v", got, form.parts)
		}
	})
}

// TestDifferentialAgainstStdlib decodes generated bodies, wrapped in a
// preamble and an epilogue, with both this decoder and mime/multipart.Reader.
func TestDifferentialAgainstStdlib(t *testing.T) {
	t.Parallel()
	textGen := rapid.StringMatching(`([A-Za-z ]{0,20}\r\n){0,3}`)
	rapid.Check(t, func(t *rapid.T) {
		form := formGen().Draw(t, "form")
		body := encode(t, form)
		if preamble := textGen.Draw(t, "preamble"); preamble != "" {
			body = append([]byte(preamble+"\r\n"), body...)
		}
		body = append(body, textGen.Draw(t, "epilogue")...)

		ours, err := decodeChunks(t, []byte(form.boundary), DefaultLimits(), drawSplit(t, body))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		theirs := decodeWithStdlib(t, body, form.boundary)
		if len(ours) != len(theirs) || (len(ours) > 0 && !reflect.DeepEqual(ours, theirs)) {
			t.Fatalf("body %q\nours   %+v\ntheirs %+v", body, ours, theirs)
		}
	})
}

func decodeWithStdlib(t fatalHelper, body []byte, boundary string) []decodedPart {
	t.Helper()
	r := stdmultipart.NewReader(bytes.NewReader(body), boundary)
	var parts []decodedPart
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatalf("mime/multipart NextRawPart: %v", err)
		}
		_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if err != nil {
			t.Fatalf("mime.ParseMediaType: %v", err)
		}
		fileName, hasFileName := params["filename"]
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("mime/multipart read: %v", err)
		}
		parts = append(parts, decodedPart{
			Part: Part{Name: p.FormName(), FileName: fileName, HasFileName: hasFileName, ContentType: p.Header.Get("Content-Type")},
			Data: string(data),
		})
	}
}

// TestIndexDelimiterMatchesIndex checks the delimiter search against bytes.Index on content built from the
// delimiter's own pieces, CRs and filler, dense enough to drive it through all of its strategies.
func TestIndexDelimiterMatchesIndex(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		boundary := boundaryGen.Draw(t, "boundary")
		delim := []byte("\r\n--" + boundary)
		pieces := []string{"\r", "\n", "\r\n", "-", "--", "\r\n--", boundary, boundary[:len(boundary)/2],
			boundary[len(boundary)/2:], string(delim), string(delim[:len(delim)-1]), "x", "\x00", "\xff",
			// Runs of the byte before the delimiter's last one keep the skipping search's moves short.
			strings.Repeat(string(delim[len(delim)-2]), 16)}
		var buf []byte
		for range rapid.IntRange(0, 400).Draw(t, "pieces") {
			buf = append(buf, rapid.SampledFrom(pieces).Draw(t, "piece")...)
		}
		if got, want := indexDelimiter(buf, delim), bytes.Index(buf, delim); got != want {
			t.Fatalf("indexDelimiter(%q, %q) = %d, want %d", buf, delim, got, want)
		}
		from := rapid.IntRange(0, len(buf)).Draw(t, "from")
		want := bytes.Index(buf[from:], delim)
		if want >= 0 {
			want += from
		}
		if got := indexDelimiterSkipping(buf, delim, from); got != want {
			t.Fatalf("indexDelimiterSkipping(%q, %q, %d) = %d, want %d", buf, delim, from, got, want)
		}
	})
}
