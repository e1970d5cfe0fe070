package multipart

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// fatalHelper is what decodeChunks needs of *testing.T, *testing.B and *rapid.T.
type fatalHelper interface {
	Helper()
	Fatalf(format string, args ...any)
}

// decodedPart is a part as a caller sees it: its header and all of its data.
type decodedPart struct {
	Part
	Data string
}

// maxHeldBack is the brief's bound on unconsumed bytes left at the end of the
// input when the decoder asks for more.
func maxHeldBack(boundary []byte) int { return len(boundary) + 8 }

// decodeChunks plays the caller: it appends each chunk to the unconsumed
// rest, feeds until the decoder asks for more, and checks the event protocol
// on the way. The returned error is the first Feed error, else Finish's.
func decodeChunks(t fatalHelper, boundary []byte, limits Limits, chunks [][]byte) ([]decodedPart, error) {
	t.Helper()
	d := NewDecoder(boundary, limits)
	var parts []decodedPart
	var pending []byte
	inPart, done := false, false
	for _, chunk := range chunks {
		pending = append(pending, chunk...)
		for {
			ev, data, n, err := d.Feed(pending)
			if err != nil {
				if again := d.Finish(); again != err {
					t.Fatalf("Finish after error %v = %v, want the same error", err, again)
				}
				return parts, err
			}
			if n < 0 || n > len(pending) {
				t.Fatalf("Feed consumed %d of %d bytes", n, len(pending))
			}
			if ev != EventNone && n == 0 {
				t.Fatalf("event %v consumed nothing", ev)
			}
			switch ev {
			case EventNone:
			case EventPartBegin:
				if inPart || done {
					t.Fatalf("PartBegin inside a part or after Done")
				}
				inPart = true
				parts = append(parts, decodedPart{Part: *d.Part()})
			case EventPartData:
				if !inPart {
					t.Fatalf("PartData outside a part")
				}
				if len(data) == 0 || &data[0] != &pending[0] {
					t.Fatalf("PartData is not a non-empty prefix of the input")
				}
				parts[len(parts)-1].Data += string(data)
			case EventPartEnd:
				if !inPart {
					t.Fatalf("PartEnd outside a part")
				}
				inPart = false
			case EventDone:
				if inPart || done {
					t.Fatalf("Done inside a part or twice")
				}
				done = true
			default:
				t.Fatalf("unknown event %v", ev)
			}
			pending = pending[n:]
			if ev != EventNone {
				continue
			}
			if n > 0 {
				if ev, _, n, err := d.Feed(pending); ev != EventNone || n != 0 || err != nil {
					t.Fatalf("Feed after EventNone = %v, %d, %v; want None, 0, nil", ev, n, err)
				}
			}
			if len(pending) > maxHeldBack(boundary) {
				t.Fatalf("decoder left %d bytes unconsumed, more than %d", len(pending), maxHeldBack(boundary))
			}
			break
		}
		pending = append([]byte(nil), pending...) // the next chunk must not be appended in place of old data
	}
	return parts, d.Finish()
}

// body joins lines with CRLF.
func body(lines ...string) string { return strings.Join(lines, "\r\n") }

type decodeTest struct {
	name        string
	contentType string
	body        string
	limits      Limits
	want        []decodedPart
	wantErr     error
}

func field(name, data string) decodedPart {
	return decodedPart{Part: Part{Name: name}, Data: data}
}

func file(name, fileName, contentType, data string) decodedPart {
	return decodedPart{Part: Part{Name: name, FileName: fileName, HasFileName: true, ContentType: contentType}, Data: data}
}

const ctB = "multipart/form-data; boundary=b"

var decodeTests = []decodeTest{
	{
		name:        "one field",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "", "hello", "--b--", ""),
		want:        []decodedPart{field("a", "hello")},
	},
	{
		name:        "preamble",
		contentType: ctB,
		body:        body("This is a preamble.", "It mentions x--b and -b and --bX.", "--b", `Content-Disposition: form-data; name="a"`, "", "v", "--b--"),
		want:        []decodedPart{field("a", "v")},
	},
	{
		name:        "preamble is empty line",
		contentType: ctB,
		body:        body("", "--b", `Content-Disposition: form-data; name="a"`, "", "v", "--b--"),
		want:        []decodedPart{field("a", "v")},
	},
	{
		name:        "epilogue",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "", "v", "--b--", "epilogue", "--b", "Junk: yes", ""),
		want:        []decodedPart{field("a", "v")},
	},
	{
		name:        "close delimiter without CRLF",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "", "v", "--b--"),
		want:        []decodedPart{field("a", "v")},
	},
	{
		name:        "transport padding",
		contentType: ctB,
		body:        body("--b \t ", `Content-Disposition: form-data; name="a"`, "", "1", "--b\t", `Content-Disposition: form-data; name="b"`, "", "2", "--b--  "),
		want:        []decodedPart{field("a", "1"), field("b", "2")},
	},
	{
		name:        "no parts",
		contentType: ctB,
		body:        body("--b--", ""),
	},
	{
		name:        "empty file",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="f"; filename=""`, "Content-Type: application/octet-stream", "", "", "--b--", ""),
		want:        []decodedPart{file("f", "", "application/octet-stream", "")},
	},
	{
		name:        "two files",
		contentType: ctB,
		body: body("--b", `Content-Disposition: form-data; name="f"; filename="a.txt"`, "Content-Type: text/plain", "", "first",
			"--b", `Content-Disposition: form-data; name="f"; filename="b.bin"`, "", "\x00\x01\x02\r\n", "--b--", ""),
		want: []decodedPart{file("f", "a.txt", "text/plain", "first"), file("f", "b.bin", "", "\x00\x01\x02\r\n")},
	},
	{
		name:        "field and file",
		contentType: ctB,
		body: body("--b", `Content-Disposition: form-data; name="title"`, "", "My photo",
			"--b", `Content-Disposition: form-data; name="photo"; filename="cat.jpg"`, "Content-Type: image/jpeg", "", "JFIF", "--b--"),
		want: []decodedPart{field("title", "My photo"), file("photo", "cat.jpg", "image/jpeg", "JFIF")},
	},
	{
		name:        "filename star wins",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="f"; filename="rates.txt"; filename*=UTF-8''%e2%82%AC%20rates.txt`, "", "x", "--b--"),
		want:        []decodedPart{file("f", "€ rates.txt", "", "x")},
	},
	{
		name:        "filename star alone with language",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="f"; filename*=utf-8'en'a%2Fb.txt`, "", "x", "--b--"),
		want:        []decodedPart{file("f", "a/b.txt", "", "x")},
	},
	{
		name:        "quoted boundary with space",
		contentType: `multipart/form-data; boundary="my boundary:1"`,
		body:        body("--my boundary:1", `Content-Disposition: form-data; name="a"`, "", "v", "--my boundary:1--"),
		want:        []decodedPart{field("a", "v")},
	},
	{
		name:        "boundary-like data inside a part",
		contentType: ctB,
		body: body("--b", `Content-Disposition: form-data; name="a"`, "",
			"x--b", "--bX", "--b-x", "-b", "\r--b", "--", "--b--"),
		want: []decodedPart{field("a", body("x--b", "--bX", "--b-x", "-b", "\r--b", "--"))},
	},
	{
		name:        "epilogue right after the close dashes",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "", "v", "--b--x", "--b", "y"),
		want:        []decodedPart{field("a", "v")},
	},
	{
		name:        "CRLF at the end of data",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "", "line", "", "--b--"),
		want:        []decodedPart{field("a", "line\r\n")},
	},
	{
		name:        "header CRLF doubles as the delimiter's",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "", "--b", `Content-Disposition: form-data; name="b"`, "", "--b--"),
		want:        []decodedPart{field("a", ""), field("b", "")},
	},
	{
		name:        "content starting with boundary text",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "", "--bX", "--b--"),
		want:        []decodedPart{field("a", "--bX")},
	},
	{
		name:        "data is a lone CRLF",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "", "", "", "--b--"),
		want:        []decodedPart{field("a", "\r\n")},
	},
	{
		name:        "header names and disposition are case-insensitive",
		contentType: ctB,
		body:        body("--b", `CONTENT-DISPOSITION: Form-Data; NAME=a; FileName="x"`, "content-TYPE:text/plain ", "X-Other: ignored", "", "v", "--b--"),
		want:        []decodedPart{file("a", "x", "text/plain", "v")},
	},
	{
		name:        "MSIE full path keeps backslashes",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="f"; filename="C:\dir\f.txt"`, "", "v", "--b--"),
		want:        []decodedPart{file("f", `C:\dir\f.txt`, "", "v")},
	},
	{
		name:        "escaped quote and backslash",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a\"b\\c"`, "", "v", "--b--"),
		want:        []decodedPart{field(`a"b\c`, "v")},
	},
	{
		name:        "identity transfer encoding",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "Content-Transfer-Encoding: binary", "", "v", "--b--"),
		want:        []decodedPart{field("a", "v")},
	},
	{
		name:        "header block exactly at the limit",
		contentType: ctB,
		limits:      Limits{MaxPartHeaderBytes: len("Content-Disposition: form-data; name=a\r\n\r\n")},
		body:        body("--b", "Content-Disposition: form-data; name=a", "", "v", "--b--"),
		want:        []decodedPart{field("a", "v")},
	},
	{
		name:        "parts exactly at the limit",
		contentType: ctB,
		limits:      Limits{MaxParts: 2},
		body:        body("--b", "Content-Disposition: form-data; name=a", "", "1", "--b", "Content-Disposition: form-data; name=b", "", "2", "--b--"),
		want:        []decodedPart{field("a", "1"), field("b", "2")},
	},

	{name: "wrong media type", contentType: "text/plain", body: "x", wantErr: ErrNotMultipart},
	{name: "mixed is not form-data", contentType: "multipart/mixed; boundary=b", body: "x", wantErr: ErrNotMultipart},
	{name: "boundary length 0", contentType: `multipart/form-data; boundary=""`, body: "x", wantErr: ErrBadBoundary},
	{name: "boundary length 71", contentType: "multipart/form-data; boundary=" + strings.Repeat("7", 71), body: "x", wantErr: ErrBadBoundary},
	{
		name:        "missing close delimiter",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "", "v", ""),
		wantErr:     ErrUnexpectedEnd,
	},
	{
		name:        "ends inside the close delimiter",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "", "v", "--b-"),
		wantErr:     ErrUnexpectedEnd,
	},
	{
		name:        "ends inside a header",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`),
		wantErr:     ErrUnexpectedEnd,
	},
	{name: "only a preamble", contentType: ctB, body: "no delimiter here\r\n-b\r\n", wantErr: ErrUnexpectedEnd},
	{name: "empty body", contentType: ctB, body: "", wantErr: ErrUnexpectedEnd},
	{
		name:        "bare LF in headers",
		contentType: ctB,
		body:        "--b\r\nContent-Disposition: form-data; name=\"a\"\n\r\nv\r\n--b--",
		wantErr:     ErrBadPartHeader,
	},
	{
		name:        "bare LF ends headers",
		contentType: ctB,
		body:        "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\nv\r\n--b--",
		wantErr:     ErrBadPartHeader,
	},
	{
		name:        "bare CR in header",
		contentType: ctB,
		body:        body("--b", "Content-Disposition: form-data; name=\"a\"\rX: y", "", "v", "--b--"),
		wantErr:     ErrBadPartHeader,
	},
	{
		name:        "obsolete line folding",
		contentType: ctB,
		body:        body("--b", "Content-Disposition: form-data;", ` name="a"`, "", "v", "--b--"),
		wantErr:     ErrBadPartHeader,
	},
	{
		name:        "space before colon",
		contentType: ctB,
		body:        body("--b", `Content-Disposition : form-data; name="a"`, "", "v", "--b--"),
		wantErr:     ErrBadPartHeader,
	},
	{
		name:        "duplicate disposition",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, `Content-Disposition: form-data; name="b"`, "", "v", "--b--"),
		wantErr:     ErrBadPartHeader,
	},
	{
		name:        "duplicate name parameter",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"; name="b"`, "", "v", "--b--"),
		wantErr:     ErrBadPartHeader,
	},
	{
		name:        "bad filename star",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"; filename*=latin1''%e9.txt`, "", "v", "--b--"),
		wantErr:     ErrBadPartHeader,
	},
	{
		name:        "filename star not UTF-8",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"; filename*=UTF-8''%ff.txt`, "", "v", "--b--"),
		wantErr:     ErrBadPartHeader,
	},
	{
		name:        "NUL in header value",
		contentType: ctB,
		body:        body("--b", "Content-Disposition: form-data; name=\"a\x00\"", "", "v", "--b--"),
		wantErr:     ErrBadPartHeader,
	},
	{
		name:        "oversized part header",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "X-Pad: "+strings.Repeat("p", defaultMaxPartHeaderBytes), "", "v", "--b--"),
		wantErr:     ErrPartHeaderTooLarge,
	},
	{
		name:        "oversized header line without LF",
		contentType: ctB,
		limits:      Limits{MaxPartHeaderBytes: 64},
		body:        "--b\r\nX-Pad: " + strings.Repeat("p", 100),
		wantErr:     ErrPartHeaderTooLarge,
	},
	{
		name:        "too many header fields",
		contentType: ctB,
		limits:      Limits{MaxPartHeaderFields: 2},
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "X-A: 1", "X-B: 2", "", "v", "--b--"),
		wantErr:     ErrTooManyPartHeaderFields,
	},
	{
		name:        "too many parts",
		contentType: ctB,
		limits:      Limits{MaxParts: 2},
		body: body("--b", "Content-Disposition: form-data; name=a", "", "1", "--b", "Content-Disposition: form-data; name=b", "", "2",
			"--b", "Content-Disposition: form-data; name=c", "", "3", "--b--"),
		wantErr: ErrTooManyParts,
	},
	{
		name:        "no headers",
		contentType: ctB,
		body:        body("--b", "", "v", "--b--"),
		wantErr:     ErrMissingDisposition,
	},
	{
		name:        "attachment disposition",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: attachment; name="a"`, "", "v", "--b--"),
		wantErr:     ErrMissingDisposition,
	},
	{
		name:        "missing name",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; filename="a"`, "", "v", "--b--"),
		wantErr:     ErrMissingDisposition,
	},
	{
		name:        "empty name",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name=""`, "", "v", "--b--"),
		wantErr:     ErrMissingDisposition,
	},
	{
		name:        "base64 transfer encoding",
		contentType: ctB,
		body:        body("--b", `Content-Disposition: form-data; name="a"`, "Content-Transfer-Encoding: base64", "", "dg==", "--b--"),
		wantErr:     ErrUnsupportedTransferEncoding,
	},
	{
		name:        "bare LF after boundary",
		contentType: ctB,
		body:        "--b\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--b--",
		wantErr:     ErrBadDelimiter,
	},
	{
		name:        "bare LF after later boundary",
		contentType: ctB,
		body:        body("--b", "Content-Disposition: form-data; name=a", "", "v", "--b\n"),
		wantErr:     ErrBadDelimiter,
	},
	{
		name:        "junk after padding",
		contentType: ctB,
		body:        body("--b  x", "Content-Disposition: form-data; name=a", "", "v", "--b--"),
		wantErr:     ErrBadDelimiter,
	},
	{
		name:        "CR without LF after boundary",
		contentType: ctB,
		body:        "--b\rX",
		wantErr:     ErrBadDelimiter,
	},
	{
		name:        "padding before close dashes",
		contentType: ctB,
		body:        body("--b", "Content-Disposition: form-data; name=a", "", "v", "--b --"),
		wantErr:     ErrBadDelimiter,
	},
	{
		name:        "endless transport padding",
		contentType: ctB,
		body:        "--b" + strings.Repeat(" ", maxTransportPadding+1) + "\r\n",
		wantErr:     ErrBadDelimiter,
	},
}

// splitEverywhere yields the body whole, split at every point, and one byte at a time.
func splitEverywhere(b []byte) map[string][][]byte {
	splits := map[string][][]byte{"whole": {b}}
	for i := 0; i <= len(b); i++ {
		splits[fmt.Sprintf("split at %d", i)] = [][]byte{b[:i], b[i:]}
	}
	bytewise := make([][]byte, len(b))
	for i := range b {
		bytewise[i] = b[i : i+1]
	}
	splits["one byte at a time"] = bytewise
	return splits
}

func TestDecoder(t *testing.T) {
	t.Parallel()
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			boundary, err := BoundaryFromContentType([]byte(tt.contentType))
			if err != nil {
				if err != tt.wantErr {
					t.Fatalf("BoundaryFromContentType(%q) = %v, want %v", tt.contentType, err, tt.wantErr)
				}
				return
			}
			for how, chunks := range splitEverywhere([]byte(tt.body)) {
				got, err := decodeChunks(t, boundary, tt.limits, chunks)
				if err != tt.wantErr {
					t.Fatalf("%s: error = %v, want %v", how, err, tt.wantErr)
				}
				if tt.wantErr == nil && !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("%s:\n got %+v\nwant %+v", how, got, tt.want)
				}
			}
		})
	}
}

func TestDecoderAfterDone(t *testing.T) {
	t.Parallel()
	d := NewDecoder([]byte("b"), DefaultLimits())
	src := []byte("--b--\r\nepilogue")
	ev, _, n, err := d.Feed(src)
	if ev != EventDone || n != len(src) || err != nil {
		t.Fatalf("Feed = %v, %d, %v; want Done consuming all %d bytes", ev, n, err, len(src))
	}
	ev, _, n, err = d.Feed([]byte("more epilogue"))
	if ev != EventNone || n != len("more epilogue") || err != nil {
		t.Fatalf("Feed after Done = %v, %d, %v; want None consuming everything", ev, n, err)
	}
	if err := d.Finish(); err != nil {
		t.Fatalf("Finish = %v, want nil", err)
	}
}

func TestDecoderErrorsAreSticky(t *testing.T) {
	t.Parallel()
	d := NewDecoder([]byte("b"), DefaultLimits())
	if _, _, _, err := d.Feed([]byte("--b\n")); err != ErrBadDelimiter {
		t.Fatalf("Feed = %v, want ErrBadDelimiter", err)
	}
	if _, _, n, err := d.Feed([]byte("--b--")); err != ErrBadDelimiter || n != 0 {
		t.Fatalf("Feed after error = %d, %v; want 0, ErrBadDelimiter", n, err)
	}
	if err := d.Finish(); err != ErrBadDelimiter {
		t.Fatalf("Finish = %v, want ErrBadDelimiter", err)
	}
}

func TestNewDecoderInvalidBoundary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		boundary string
	}{
		{name: "empty", boundary: ""},
		{name: "CR", boundary: "a\rb"},
		{name: "trailing space", boundary: "ab "},
		{name: "too long", boundary: strings.Repeat("b", 71)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := NewDecoder([]byte(tt.boundary), Limits{})
			if _, _, _, err := d.Feed([]byte("--" + tt.boundary + "\r\n")); err != ErrBadBoundary {
				t.Fatalf("Feed = %v, want ErrBadBoundary", err)
			}
		})
	}
}
