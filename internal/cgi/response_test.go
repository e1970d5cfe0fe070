package cgi

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type headOutcome struct {
	done bool
	resp *Response
	body string
	err  error
}

// feedChunks feeds chunks to a fresh parser as a script's output would
// arrive, collecting the bytes left after the header as the body.
func feedChunks(t *testing.T, maxBytes int, chunks []string) headOutcome {
	t.Helper()
	p := HeadParser{MaxBytes: maxBytes}
	var out headOutcome
	var body strings.Builder
	for _, chunk := range chunks {
		if out.done {
			body.WriteString(chunk)
			continue
		}
		n, done, err := p.Feed([]byte(chunk))
		if err != nil {
			out.err = err
			if _, _, again := p.Feed([]byte("\n")); again != err {
				t.Fatalf("error is not sticky: %v then %v", err, again)
			}
			return out
		}
		if n < 0 || n > len(chunk) {
			t.Fatalf("Feed consumed %d of %d bytes", n, len(chunk))
		}
		if !done && n != len(chunk) {
			t.Fatalf("Feed consumed %d of %d bytes without finishing", n, len(chunk))
		}
		if done {
			out.done = true
			body.WriteString(chunk[n:])
			if n2, done2, err2 := p.Feed([]byte("more")); n2 != 0 || !done2 || err2 != nil {
				t.Fatalf("Feed after done = %d, %v, %v", n2, done2, err2)
			}
		}
	}
	out.body = body.String()
	out.resp = p.Response()
	if out.done != (out.resp != nil) {
		t.Fatalf("done = %v but Response() = %v", out.done, out.resp)
	}
	return out
}

// splits returns the input whole, cut at every point, and one byte at a time.
func splits(input string) (names []string, cuts [][]string) {
	names = append(names, "whole")
	cuts = append(cuts, []string{input})
	for i := 0; i <= len(input); i++ {
		names = append(names, fmt.Sprintf("split at %d", i))
		cuts = append(cuts, []string{input[:i], input[i:]})
	}
	bytewise := make([]string, len(input))
	for i := 0; i < len(input); i++ {
		bytewise[i] = input[i : i+1]
	}
	names = append(names, "one byte at a time")
	cuts = append(cuts, bytewise)
	return names, cuts
}

func TestHeadParser(t *testing.T) {
	t.Parallel()
	hdr := func(kv ...string) [][2]string {
		var h [][2]string
		for i := 0; i < len(kv); i += 2 {
			h = append(h, [2]string{kv[i], kv[i+1]})
		}
		return h
	}
	manyFields := func(n int) string {
		var sb strings.Builder
		sb.WriteString("Content-Type: text/plain\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&sb, "X-F%d: %d\n", i, i)
		}
		sb.WriteString("\n")
		return sb.String()
	}
	tests := []struct {
		name     string
		input    string
		maxBytes int
		status   int
		header   [][2]string
		body     string
		bad      bool
		partial  bool // the header block has not ended yet
	}{
		{name: "LF", input: "Content-Type: text/html\n\n<p>hi</p>\n", status: 200,
			header: hdr("Content-Type", "text/html"), body: "<p>hi</p>\n"},
		{name: "CRLF", input: "Content-Type: text/html\r\nX-A: 1\r\n\r\nbody", status: 200,
			header: hdr("Content-Type", "text/html", "X-A", "1"), body: "body"},
		{name: "mixed endings", input: "Content-Type: a\r\nX-A: 1\n\r\nrest", status: 200,
			header: hdr("Content-Type", "a", "X-A", "1"), body: "rest"},
		{name: "body bytes left unconsumed", input: "Content-Type: t\n\nX-Not: header\n\nmore\r\n", status: 200,
			header: hdr("Content-Type", "t"), body: "X-Not: header\n\nmore\r\n"},
		{name: "status with reason", input: "Status: 404 Not Found\nContent-Type: text/plain\n\nnope",
			status: 404, header: hdr("Content-Type", "text/plain"), body: "nope"},
		{name: "status alone", input: "Status: 204\n\n", status: 204},
		{name: "status case and tab", input: "sTaTuS:\t500\tServer Error \nContent-Type: t\n\n", status: 500,
			header: hdr("Content-Type", "t")},
		{name: "location absolute", input: "Location: https://example.test/next\n\n", status: 302,
			header: hdr("Location", "https://example.test/next")},
		{name: "location scheme chars", input: "Location: web+x.y-z:thing\n\n", status: 302,
			header: hdr("Location", "web+x.y-z:thing")},
		{name: "location local", input: "Location: /next?a=b:c\n\n", status: 200,
			header: hdr("Location", "/next?a=b:c")},
		{name: "location with status", input: "Status: 301 Moved\nLocation: http://a.test/\n\n", status: 301,
			header: hdr("Location", "http://a.test/")},
		{name: "values trimmed", input: "Content-Type:   text/plain \t\nX-Empty:\nX-Inner: a  b\n\n", status: 200,
			header: hdr("Content-Type", "text/plain", "X-Empty", "", "X-Inner", "a  b")},
		{name: "obs-text allowed", input: "Content-Type: t\nX-Name: caf\xc3\xa9\n\n", status: 200,
			header: hdr("Content-Type", "t", "X-Name", "caf\xc3\xa9")},
		{name: "repeated generic fields kept in order",
			input:  "Set-Cookie: a=1\nContent-Type: t\nSet-Cookie: b=2\n\n",
			status: 200, header: hdr("Set-Cookie", "a=1", "Content-Type", "t", "Set-Cookie", "b=2")},
		{name: "framing fields dropped",
			input: "Content-Length: 5\nTransfer-Encoding: chunked\nConnection: close\nkeep-alive: x\n" +
				"Content-Type: t\nTrailer: X\nUpgrade: h2c\nTE: trailers\nProxy-Connection: close\n\nbody",
			status: 200, header: hdr("Content-Type", "t"), body: "body"},
		{name: "exactly 100 fields", input: manyFields(MaxHeaderFields), status: 200,
			header: func() [][2]string {
				h := hdr("Content-Type", "text/plain")
				for i := 1; i < MaxHeaderFields; i++ {
					h = append(h, [2]string{fmt.Sprintf("X-F%d", i), fmt.Sprint(i)})
				}
				return h
			}()},
		{name: "exactly at byte limit", input: "Content-Type: t\nX: 12345\n\nbody", maxBytes: 26, status: 200,
			header: hdr("Content-Type", "t", "X", "12345"), body: "body"},
		{name: "incomplete block", input: "Content-Type: t\nX-A: 1\n", partial: true},
		{name: "incomplete line", input: "Content-Type: t\nX-A", partial: true},

		{name: "missing content type", input: "X-A: 1\n\nbody", bad: true},
		{name: "empty block", input: "\nbody", bad: true},
		{name: "empty block CRLF", input: "\r\n", bad: true},
		{name: "CR injection in value", input: "Content-Type: t\nX: a\rb\n\n", bad: true},
		{name: "CR before CRLF", input: "Content-Type: t\r\r\n\r\n", bad: true},
		{name: "CR ends block line", input: "Content-Type: t\n\r\r\n", bad: true},
		{name: "CR in name", input: "X\r: a\nContent-Type: t\n\n", bad: true},
		{name: "NUL in value", input: "Content-Type: t\nX: a\x00b\n\n", bad: true},
		{name: "DEL in value", input: "Content-Type: t\x7f\n\n", bad: true},
		{name: "escape in value", input: "Content-Type: t\nX: \x1b[31m\n\n", bad: true},
		{name: "no colon", input: "Content-Type text/html\n\n", bad: true},
		{name: "empty name", input: ": v\nContent-Type: t\n\n", bad: true},
		{name: "space before colon", input: "Content-Type : t\n\n", bad: true},
		{name: "space in name", input: "X Y: z\nContent-Type: t\n\n", bad: true},
		{name: "obs-fold", input: "Content-Type: t\n continued\n\n", bad: true},
		{name: "status 1xx", input: "Status: 100 Continue\n\n", bad: true},
		{name: "status 101", input: "Status: 101\nContent-Type: t\n\n", bad: true},
		{name: "status too small", input: "Status: 099\n\n", bad: true},
		{name: "status too large", input: "Status: 600 Nope\n\n", bad: true},
		{name: "status four digits", input: "Status: 2000\n\n", bad: true},
		{name: "status two digits", input: "Status: 20\n\n", bad: true},
		{name: "status glued reason", input: "Status: 200OK\n\n", bad: true},
		{name: "status not digits", input: "Status: abc\n\n", bad: true},
		{name: "status empty", input: "Status:\nContent-Type: t\n\n", bad: true},
		{name: "status repeated", input: "Status: 200\nStatus: 404\n\n", bad: true},
		{name: "content type repeated", input: "Content-Type: a\ncontent-type: b\n\n", bad: true},
		{name: "content type empty", input: "Content-Type:  \n\n", bad: true},
		{name: "location repeated", input: "Location: /a\nLocation: /b\n\n", bad: true},
		{name: "location empty", input: "Location:\n\n", bad: true},
		{name: "one byte over limit", input: "Content-Type: t\nX: 123456\n\nbody", maxBytes: 26, bad: true},
		{name: "oversized partial line", input: "Content-Type: t\nX: " + strings.Repeat("a", 40), maxBytes: 26,
			bad: true},
		{name: "oversized default limit",
			input: "Content-Type: t\nX-Big: " + strings.Repeat("a", DefaultMaxHeaderBytes) + "\n\n", bad: true},
		{name: "too many fields", input: manyFields(MaxHeaderFields + 1), bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			names, cuts := splits(tt.input)
			if len(tt.input) > 4096 {
				// Every split of a huge input adds nothing over the
				// whole input and one byte at a time.
				names = []string{names[0], names[len(names)-1]}
				cuts = [][]string{cuts[0], cuts[len(cuts)-1]}
			}
			for i, chunks := range cuts {
				got := feedChunks(t, tt.maxBytes, chunks)
				switch {
				case tt.bad:
					if !errors.Is(got.err, ErrBadOutput) {
						t.Fatalf("%s: err = %v, want ErrBadOutput", names[i], got.err)
					}
				case got.err != nil:
					t.Fatalf("%s: unexpected error %v", names[i], got.err)
				case tt.partial:
					if got.done {
						t.Fatalf("%s: done on an incomplete block", names[i])
					}
				case !got.done:
					t.Fatalf("%s: not done", names[i])
				default:
					if got.resp.Status != tt.status {
						t.Fatalf("%s: status = %d, want %d", names[i], got.resp.Status, tt.status)
					}
					if !reflect.DeepEqual(got.resp.Header, tt.header) {
						t.Fatalf("%s: header = %q, want %q", names[i], got.resp.Header, tt.header)
					}
					if got.body != tt.body {
						t.Fatalf("%s: body = %q, want %q", names[i], got.body, tt.body)
					}
				}
			}
		})
	}
}

func TestHeadParserErrorQuotesBriefly(t *testing.T) {
	t.Parallel()
	var p HeadParser
	_, _, err := p.Feed([]byte(strings.Repeat("x", 500) + "\n"))
	if !errors.Is(err, ErrBadOutput) {
		t.Fatalf("err = %v, want ErrBadOutput", err)
	}
	if len(err.Error()) > 200 {
		t.Fatalf("error message is %d bytes long: %q", len(err.Error()), err)
	}
}

func BenchmarkHeadParser(b *testing.B) {
	input := []byte("Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" +
		"Cache-Control: no-store\r\nSet-Cookie: a=1; Path=/\r\nX-Session-Set: visits=3\r\n\r\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		var p HeadParser
		if _, done, err := p.Feed(input); !done || err != nil {
			b.Fatalf("done = %v, err = %v", done, err)
		}
	}
}
