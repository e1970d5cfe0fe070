package h1

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// outcome is everything observable about feeding one input, in a form that compares with reflect.DeepEqual, so
// that split and unsplit feeding can be checked for identical results.
type outcome struct {
	consumed int
	done     bool
	err      error
	req      snapshot
}

type snapshot struct {
	Method, Target    string
	Form              TargetForm
	Path, Query       string
	PathNil, QueryNil bool
	Major, Minor      int
	Fields            []string
	Host              string
	HostNil           bool
	ContentLength     int64
	Chunked           bool
	KeepAlive         bool
	Expect100         bool
}

func snap(r *Request) snapshot {
	s := snapshot{
		Method: string(r.Method), Target: string(r.Target), Form: r.Form,
		Path: string(r.Path), PathNil: r.Path == nil,
		Query: string(r.Query), QueryNil: r.Query == nil,
		Major: r.Major, Minor: r.Minor,
		Host: string(r.Host), HostNil: r.Host == nil,
		ContentLength: r.ContentLength, Chunked: r.Chunked, KeepAlive: r.KeepAlive, Expect100: r.Expect100,
	}
	for _, f := range r.Fields {
		s.Fields = append(s.Fields, string(f.Name)+": "+string(f.Value))
	}
	return s
}

// feedPieces feeds the pieces in order, checking the Feed contract along the way, and stops at done or error.
func feedPieces(t rapid.TB, p *Parser, pieces [][]byte) outcome {
	t.Helper()
	var o outcome
	for _, piece := range pieces {
		n, done, err := p.Feed(piece)
		o.consumed += n
		if err != nil {
			// How much was consumed before an error depends on the split; only the verdict must not.
			o.err, o.consumed = err, 0
			if again, _, err2 := p.Feed([]byte("x")); again != 0 || err2 != err {
				t.Fatalf("error is not sticky: got (%d, %v) after %v", again, err2, err)
			}
			return o
		}
		if done {
			o.done = true
			o.req = snap(p.Request())
			return o
		}
		if n != len(piece) {
			t.Fatalf("Feed consumed %d of %d bytes without finishing", n, len(piece))
		}
		if p.Request() != nil {
			t.Fatal("Request() is non-nil before done")
		}
	}
	return o
}

func splitAt(b []byte, points ...int) [][]byte {
	var pieces [][]byte
	prev := 0
	for _, pt := range points {
		pieces = append(pieces, b[prev:pt])
		prev = pt
	}
	return append(pieces, b[prev:])
}

func byteByByte(b []byte) [][]byte {
	pieces := make([][]byte, len(b))
	for i := range b {
		pieces[i] = b[i : i+1]
	}
	return pieces
}

// allSplitsLimit bounds the inputs fed at every two-way split point; larger ones are split at a stride, since
// the quadratic cost buys nothing there that byte-by-byte feeding does not already cover.
const allSplitsLimit = 4096

// checkSplitInvariance feeds input whole, at split points, and byte by byte, into one reused parser, and
// requires the same outcome each time.
func checkSplitInvariance(t *testing.T, l Limits, input []byte) outcome {
	t.Helper()
	p := NewParser(l)
	whole := feedPieces(t, p, [][]byte{input})
	stride := 1
	if len(input) > allSplitsLimit {
		stride = len(input)/512 + 1
	}
	for k := 1; k < len(input); k += stride {
		p.Reset()
		if got := feedPieces(t, p, splitAt(input, k)); !reflect.DeepEqual(got, whole) {
			t.Fatalf("split at %d: got %+v, whole input gave %+v", k, got, whole)
		}
	}
	p.Release()
	if got := feedPieces(t, p, byteByByte(input)); !reflect.DeepEqual(got, whole) {
		t.Fatalf("byte by byte: got %+v, whole input gave %+v", got, whole)
	}
	return whole
}

func head(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n\r\n" }

func manyFields(n, valueLen int) []string {
	lines := []string{"GET / HTTP/1.1", "Host: x"}
	for i := 1; i < n; i++ {
		lines = append(lines, fmt.Sprintf("X-F%03d: %s", i, strings.Repeat("v", valueLen)))
	}
	return lines
}

type check func(t *testing.T, r *Request)

func checks(cs ...check) check {
	return func(t *testing.T, r *Request) {
		t.Helper()
		for _, c := range cs {
			c(t, r)
		}
	}
}

func wantField(name string, got func(*Request) any, want any) check {
	return func(t *testing.T, r *Request) {
		t.Helper()
		if g := got(r); !reflect.DeepEqual(g, want) {
			t.Errorf("%s = %#v, want %#v", name, g, want)
		}
	}
}

func host(want string) check {
	return wantField("Host", func(r *Request) any { return string(r.Host) }, want)
}
func noHost() check {
	return wantField("Host == nil", func(r *Request) any { return r.Host == nil }, true)
}
func path(want string) check {
	return wantField("Path", func(r *Request) any { return string(r.Path) }, want)
}
func query(want string) check {
	return wantField("Query", func(r *Request) any { return string(r.Query) }, want)
}
func queryNil(want bool) check {
	return wantField("Query == nil", func(r *Request) any { return r.Query == nil }, want)
}
func form(want TargetForm) check {
	return wantField("Form", func(r *Request) any { return r.Form }, want)
}
func keepAlive(want bool) check {
	return wantField("KeepAlive", func(r *Request) any { return r.KeepAlive }, want)
}
func contentLength(want int64) check {
	return wantField("ContentLength", func(r *Request) any { return r.ContentLength }, want)
}
func chunked(want bool) check {
	return wantField("Chunked", func(r *Request) any { return r.Chunked }, want)
}
func expect100(want bool) check {
	return wantField("Expect100", func(r *Request) any { return r.Expect100 }, want)
}
func version(major, minor int) check {
	return wantField("version", func(r *Request) any { return [2]int{r.Major, r.Minor} }, [2]int{major, minor})
}
func get(name, want string) check {
	return wantField("Get("+name+")", func(r *Request) any { return string(r.Get(name)) }, want)
}
func fieldCount(want int) check {
	return wantField("len(Fields)", func(r *Request) any { return len(r.Fields) }, want)
}

func TestFeedRules(t *testing.T) {
	t.Parallel()
	small := Limits{MaxRequestLine: 64, MaxHeaderBytes: 256, MaxHeaderFields: 8}
	tests := []struct {
		name   string
		input  string
		limits Limits // zero means DefaultLimits
		want   *Error // nil means the head must parse
		check  check
	}{
		// Well-formed heads.
		{name: "simple GET", input: head("GET / HTTP/1.1", "Host: example.com"),
			check: checks(host("example.com"), path("/"), queryNil(true), form(FormOrigin), version(1, 1),
				keepAlive(true), contentLength(-1), chunked(false), expect100(false), fieldCount(1))},
		{name: "query split at first question mark", input: head("GET /a/b?x=1?y HTTP/1.1", "Host: h"),
			check: checks(path("/a/b"), query("x=1?y"))},
		{name: "bare question mark gives empty non-nil query", input: head("GET /a? HTTP/1.1", "Host: h"),
			check: checks(path("/a"), query(""), queryNil(false))},
		{name: "HTTP/1.0 without Host", input: head("GET / HTTP/1.0"),
			check: checks(noHost(), version(1, 0), keepAlive(false))},
		{name: "HTTP/1.0 keep-alive", input: head("GET / HTTP/1.0", "Connection: Keep-Alive"),
			check: keepAlive(true)},
		{name: "HTTP/1.1 close", input: head("GET / HTTP/1.1", "Host: h", "Connection: close"),
			check: keepAlive(false)},
		{name: "close wins over keep-alive", input: head("GET / HTTP/1.0", "Connection: keep-alive, CLOSE"),
			check: keepAlive(false)},
		{name: "connection options across lines", input: head("GET / HTTP/1.1", "Host: h", "Connection: Upgrade", "Connection: ,close,"),
			check: keepAlive(false)},
		{name: "tab as OWS", input: head("GET / HTTP/1.1", "Host:\tx"), check: host("x")},
		{name: "mixed OWS trimmed both sides", input: head("GET / HTTP/1.1", "Host: \tx \t", "X-A:\t a  b \t"),
			check: checks(host("x"), get("x-a", "a  b"))},
		{name: "empty Host allowed", input: head("GET / HTTP/1.1", "Host:"),
			check: wantField("Host empty non-nil", func(r *Request) any { return r.Host != nil && len(r.Host) == 0 }, true)},
		{name: "Host with port", input: head("GET / HTTP/1.1", "Host: example.com:8080"), check: host("example.com:8080")},
		{name: "Host IPv6 literal", input: head("GET / HTTP/1.1", "Host: [2001:db8::1]:443"), check: host("[2001:db8::1]:443")},
		{name: "Host IPv6 with IPv4 tail", input: head("GET / HTTP/1.1", "Host: [::ffff:192.0.2.1]"), check: host("[::ffff:192.0.2.1]")},
		{name: "Host IPvFuture", input: head("GET / HTTP/1.1", "Host: [v1.fe80]"), check: host("[v1.fe80]")},
		{name: "Host IPv4 and pct-encoding", input: head("GET / HTTP/1.1", "Host: a%2Db.example"), check: host("a%2Db.example")},
		{name: "OPTIONS asterisk", input: head("OPTIONS * HTTP/1.1", "Host: h"),
			check: checks(form(FormAsterisk), path("*"))},
		{name: "absolute-form authority wins over Host", input: head("GET http://example.com:81/a?b HTTP/1.1", "Host: other"),
			check: checks(form(FormAbsolute), host("example.com:81"), path("/a"), query("b"), get("host", "other"))},
		{name: "absolute-form scheme case-insensitive, empty path", input: head("GET HTTPS://Example.com HTTP/1.1", "Host: x"),
			check: checks(form(FormAbsolute), host("Example.com"), path("/"), queryNil(true))},
		{name: "absolute-form query without path", input: head("GET http://h?q HTTP/1.1", "Host: h"),
			check: checks(path("/"), query("q"))},
		{name: "CONNECT authority-form", input: head("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443"),
			check: checks(form(FormAuthority), host("example.com:443"),
				wantField("Path == nil", func(r *Request) any { return r.Path == nil }, true))},
		{name: "HTTP/1.2 served as 1.1", input: head("GET / HTTP/1.2", "Host: h"),
			check: checks(version(1, 2), keepAlive(true))},
		{name: "HTTP/1.2 still requires Host", input: head("GET / HTTP/1.2"), want: ErrMissingHost},
		{name: "two leading empty lines", input: "\r\n\r\n" + head("GET / HTTP/1.1", "Host: h"), check: host("h")},
		{name: "eight leading empty lines", input: strings.Repeat("\r\n", 8) + head("GET / HTTP/1.1", "Host: h"), check: host("h")},
		{name: "Content-Length", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 5"), check: contentLength(5)},
		{name: "Content-Length zero", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 0"), check: contentLength(0)},
		{name: "Content-Length identical list", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 5,\t5"), check: contentLength(5)},
		{name: "Content-Length identical lines", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 5", "content-length: 005"), check: contentLength(5)},
		{name: "Content-Length 18 digits", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 999999999999999999"),
			check: contentLength(999999999999999999)},
		{name: "chunked", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked"),
			check: checks(chunked(true), contentLength(-1))},
		{name: "chunked after tab, any case", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding:\tChunked"), check: chunked(true)},
		{name: "chunked with empty list elements", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: , chunked ,"), check: chunked(true)},
		{name: "Expect 100-continue", input: head("POST / HTTP/1.1", "Host: h", "Expect: 100-Continue", "Content-Length: 1"), check: expect100(true)},
		{name: "Expect ignored in HTTP/1.0", input: head("POST / HTTP/1.0", "Expect: 100-continue"), check: expect100(false)},
		{name: "unknown expectation ignored in HTTP/1.0", input: head("POST / HTTP/1.0", "Expect: teapot"), check: expect100(false)},
		{name: "obs-text in value", input: head("GET / HTTP/1.1", "Host: h", "X-Name: caf\xc3\xa9"), check: get("X-NAME", "caf\xc3\xa9")},
		{name: "empty field value", input: head("GET / HTTP/1.1", "Host: h", "X-Empty:"), check: get("x-empty", "")},
		{name: "fields kept in order, Get finds the first", input: head("GET / HTTP/1.1", "Host: h", "A: 1", "a: 2"),
			check: checks(get("A", "1"), fieldCount(3))},
		{name: "request line exactly at limit", limits: small,
			input: head("GET /"+strings.Repeat("a", 64-len("GET / HTTP/1.1"))+" HTTP/1.1", "Host: h"), check: host("h")},
		{name: "field count exactly at limit", limits: small, input: head(manyFields(8, 1)...), check: fieldCount(8)},
		{name: "field bytes exactly at limit", limits: small,
			input: head("GET / HTTP/1.1", "Host: h", "X: "+strings.Repeat("v", 256-len("Host: h\r\nX: \r\n"))), check: fieldCount(2)},
		{name: "default limits accept 100 fields", input: head(manyFields(100, 8)...), check: fieldCount(100)},

		// Line framing.
		{name: "bare LF ends request line", input: "GET / HTTP/1.1\nHost: h\r\n\r\n", want: ErrBareLF},
		{name: "bare LF ends field line", input: "GET / HTTP/1.1\r\nHost: h\n\r\n", want: ErrBareLF},
		{name: "bare LF ends head", input: "GET / HTTP/1.1\r\nHost: h\r\n\n", want: ErrBareLF},
		{name: "bare LF as leading empty line", input: "\n" + head("GET / HTTP/1.1", "Host: h"), want: ErrBareLF},
		{name: "CR in field value", input: head("GET / HTTP/1.1", "Host: h", "X: a\rb"), want: ErrBareCR},
		{name: "CR in request line", input: head("GET /\r HTTP/1.1", "Host: h"), want: ErrBareCR},
		{name: "CR CR LF", input: "GET / HTTP/1.1\r\nHost: h\r\r\n\r\n", want: ErrBareCR},
		{name: "nine leading empty lines", input: strings.Repeat("\r\n", 9) + head("GET / HTTP/1.1", "Host: h"), want: ErrTooManyEmptyLines},

		// Request line.
		{name: "two spaces after method", input: head("GET  / HTTP/1.1", "Host: h"), want: ErrBadRequestLine},
		{name: "leading space", input: head(" GET / HTTP/1.1", "Host: h"), want: ErrBadRequestLine},
		{name: "tab as separator", input: head("GET\t/ HTTP/1.1", "Host: h"), want: ErrBadMethod},
		{name: "method not a token", input: head("G@T / HTTP/1.1", "Host: h"), want: ErrBadMethod},
		{name: "HTTP/0.9 request without version", input: "GET /\r\n\r\n", want: ErrBadRequestLine},
		{name: "lowercase version", input: head("GET / http/1.1", "Host: h"), want: ErrBadVersion},
		{name: "two-digit minor", input: head("GET / HTTP/1.10", "Host: h"), want: ErrBadVersion},
		{name: "version without minor", input: head("GET / HTTP/1", "Host: h"), want: ErrBadVersion},
		{name: "space after version", input: head("GET / HTTP/1.1 ", "Host: h"), want: ErrBadVersion},
		{name: "HTTP/2.0", input: head("GET / HTTP/2.0", "Host: h"), want: ErrVersionNotSupported},
		{name: "HTTP/0.9 as version token", input: head("GET / HTTP/0.9", "Host: h"), want: ErrVersionNotSupported},
		{name: "non-ASCII in target", input: head("GET /caf\xc3\xa9 HTTP/1.1", "Host: h"), want: ErrBadTarget},
		{name: "DEL in target", input: head("GET /a\x7f HTTP/1.1", "Host: h"), want: ErrBadTarget},
		{name: "NUL in target", input: head("GET /a\x00 HTTP/1.1", "Host: h"), want: ErrBadTarget},
		{name: "GET asterisk", input: head("GET * HTTP/1.1", "Host: h"), want: ErrAsteriskForm},
		{name: "relative target", input: head("GET a/b HTTP/1.1", "Host: h"), want: ErrBadTarget},
		{name: "authority-form without CONNECT", input: head("GET example.com:80 HTTP/1.1", "Host: h"), want: ErrBadTarget},
		{name: "other scheme", input: head("GET ftp://example.com/ HTTP/1.1", "Host: h"), want: ErrBadTarget},
		{name: "CONNECT with origin-form", input: head("CONNECT /x HTTP/1.1", "Host: h"), want: ErrAuthorityForm},
		{name: "CONNECT without port", input: head("CONNECT example.com HTTP/1.1", "Host: h"), want: ErrAuthorityForm},
		{name: "absolute-form with userinfo", input: head("GET http://u:p@example.com/ HTTP/1.1", "Host: h"), want: ErrBadTargetAuthority},
		{name: "absolute-form with empty host", input: head("GET http:///a HTTP/1.1", "Host: h"), want: ErrBadTargetAuthority},
		{name: "long target", limits: small, input: head("GET /"+strings.Repeat("a", 64)+" HTTP/1.1", "Host: h"), want: ErrURITooLong},
		{name: "long method", limits: small, input: head(strings.Repeat("M", 65)+" / HTTP/1.1", "Host: h"), want: ErrURITooLong},
		{name: "long request line without CRLF", limits: small, input: strings.Repeat("G", 65), want: ErrURITooLong},
		{name: "long malformed request line is still 414", limits: small, input: head(strings.Repeat("\x00", 70)), want: ErrURITooLong},
		{name: "8 KiB target", input: head("GET /"+strings.Repeat("a", 8192)+" HTTP/1.1", "Host: h"), want: ErrURITooLong},

		// Field lines.
		{name: "obs-fold", input: head("GET / HTTP/1.1", "Host: h", "X: a", " b"), want: ErrObsFold},
		{name: "whitespace right after request line", input: head("GET / HTTP/1.1", " Host: h"), want: ErrObsFold},
		{name: "tab-folded line", input: head("GET / HTTP/1.1", "Host: h", "X: a", "\tb"), want: ErrObsFold},
		{name: "NUL in value", input: head("GET / HTTP/1.1", "Host: h", "X: a\x00b"), want: ErrBadFieldValue},
		{name: "DEL in value", input: head("GET / HTTP/1.1", "Host: h", "X: a\x7fb"), want: ErrBadFieldValue},
		{name: "control byte in value", input: head("GET / HTTP/1.1", "Host: h", "X: \x01"), want: ErrBadFieldValue},
		{name: "space before colon", input: head("GET / HTTP/1.1", "Host : h"), want: ErrSpaceBeforeColon},
		{name: "tab before colon", input: head("GET / HTTP/1.1", "Host: h", "X\t: 1"), want: ErrSpaceBeforeColon},
		{name: "space inside name", input: head("GET / HTTP/1.1", "Host: h", "X Y: 1"), want: ErrBadFieldName},
		{name: "empty name", input: head("GET / HTTP/1.1", "Host: h", ": 1"), want: ErrBadFieldName},
		{name: "separator in name", input: head("GET / HTTP/1.1", "Host: h", "X(Y): 1"), want: ErrBadFieldName},
		{name: "missing colon", input: head("GET / HTTP/1.1", "Host: h", "X-No-Colon"), want: ErrMissingColon},
		{name: "101 fields", input: head(manyFields(101, 8)...), want: ErrTooManyFields},
		{name: "fields over a small count limit", limits: small, input: head(manyFields(9, 1)...), want: ErrTooManyFields},
		{name: "33 KiB of fields", input: head(manyFields(33, 1024)...), want: ErrHeaderTooLarge},
		{name: "one field line over a small byte limit", limits: small,
			input: head("GET / HTTP/1.1", "Host: h", "X: "+strings.Repeat("v", 257-len("Host: h\r\nX: \r\n"))), want: ErrHeaderTooLarge},
		{name: "unterminated field over the byte limit", limits: small,
			input: "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("v", 300), want: ErrHeaderTooLarge},
		{name: "syntax error wins over a later 417", input: head("GET / HTTP/1.1", "Host: h", "Expect: x", "bad line"), want: ErrMissingColon},

		// Host.
		{name: "missing Host", input: head("GET / HTTP/1.1"), want: ErrMissingHost},
		{name: "absolute-form still needs Host", input: head("GET http://h/ HTTP/1.1"), want: ErrMissingHost},
		{name: "duplicate Host", input: head("GET / HTTP/1.1", "Host: a", "host: a"), want: ErrDuplicateHost},
		{name: "duplicate Host in HTTP/1.0", input: head("GET / HTTP/1.0", "Host: a", "Host: b"), want: ErrDuplicateHost},
		{name: "Host with userinfo", input: head("GET / HTTP/1.1", "Host: user@example.com"), want: ErrBadHost},
		{name: "Host with non-digit port", input: head("GET / HTTP/1.1", "Host: example.com:8o"), want: ErrBadHost},
		{name: "Host with empty port", input: head("GET / HTTP/1.1", "Host: example.com:"), want: ErrBadHost},
		{name: "Host with port out of range", input: head("GET / HTTP/1.1", "Host: example.com:65536"), want: ErrBadHost},
		{name: "Host with only a port", input: head("GET / HTTP/1.1", "Host: :80"), want: ErrBadHost},
		{name: "Host with inner space", input: head("GET / HTTP/1.1", "Host: a b"), want: ErrBadHost},
		{name: "Host with bad IPv6", input: head("GET / HTTP/1.1", "Host: [::g]"), want: ErrBadHost},
		{name: "Host with unbracketed IPv6", input: head("GET / HTTP/1.1", "Host: ::1"), want: ErrBadHost},
		{name: "Host with bad pct-encoding", input: head("GET / HTTP/1.1", "Host: a%zz"), want: ErrBadHost},
		{name: "Host with path", input: head("GET / HTTP/1.1", "Host: a/b"), want: ErrBadHost},

		// Content-Length.
		{name: "Content-Length and Transfer-Encoding", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 3", "Transfer-Encoding: chunked"), want: ErrCLAndTE},
		{name: "Content-Length differing list", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 1,2"), want: ErrConflictingContentLength},
		{name: "Content-Length differing lines", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 1", "Content-Length: 2"), want: ErrConflictingContentLength},
		{name: "Content-Length empty", input: head("POST / HTTP/1.1", "Host: h", "Content-Length:"), want: ErrBadContentLength},
		{name: "Content-Length plus sign", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: +5"), want: ErrBadContentLength},
		{name: "Content-Length negative", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: -1"), want: ErrBadContentLength},
		{name: "Content-Length inner space", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 1 2"), want: ErrBadContentLength},
		{name: "Content-Length hex", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 0x10"), want: ErrBadContentLength},
		{name: "Content-Length 19 digits", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 1000000000000000000"), want: ErrBadContentLength},
		{name: "Content-Length empty list element", input: head("POST / HTTP/1.1", "Host: h", "Content-Length: 5,"), want: ErrBadContentLength},

		// Transfer-Encoding.
		{name: "gzip then chunked", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: gzip, chunked"), want: ErrUnsupportedTE},
		{name: "identity then chunked", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: identity, chunked"), want: ErrUnsupportedTE},
		{name: "unknown coding on an earlier line", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: x-foo;q=1", "Transfer-Encoding: chunked"), want: ErrUnsupportedTE},
		{name: "chunked then gzip", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked, gzip"), want: ErrChunkedNotFinal},
		{name: "gzip alone", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: gzip"), want: ErrChunkedNotFinal},
		{name: "chunked twice", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked, chunked"), want: ErrChunkedNotFinal},
		{name: "chunked on two lines", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"), want: ErrChunkedNotFinal},
		{name: "empty Transfer-Encoding", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding:"), want: ErrBadTE},
		{name: "Transfer-Encoding of empty elements", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: , ,"), want: ErrBadTE},
		{name: "Transfer-Encoding not a token", input: head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chun ked"), want: ErrBadTE},
		{name: "Transfer-Encoding in HTTP/1.0", input: head("POST / HTTP/1.0", "Transfer-Encoding: chunked"), want: ErrTEInHTTP10},

		// Connection and Expect.
		{name: "Connection option not a token", input: head("GET / HTTP/1.1", "Host: h", "Connection: close;"), want: ErrBadConnection},
		{name: "unknown expectation", input: head("POST / HTTP/1.1", "Host: h", "Expect: teapot"), want: ErrExpectation},
		{name: "100-continue with another expectation", input: head("POST / HTTP/1.1", "Host: h", "Expect: 100-continue, x=1"), want: ErrExpectation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			input := []byte(tt.input)
			got := checkSplitInvariance(t, tt.limits, input)
			if tt.want != nil {
				if got.err != tt.want {
					t.Fatalf("got err %v (done=%v), want %v", got.err, got.done, tt.want)
				}
				return
			}
			if got.err != nil || !got.done {
				t.Fatalf("got err %v, done %v; want a parsed head", got.err, got.done)
			}
			if got.consumed != len(input) {
				t.Fatalf("consumed %d of %d bytes", got.consumed, len(input))
			}
			p := NewParser(tt.limits)
			if _, _, err := p.Feed(input); err != nil {
				t.Fatal(err)
			}
			tt.check(t, p.Request())
		})
	}
}

func TestErrorStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    *Error
		status int
	}{
		{name: "414", err: ErrURITooLong, status: 414},
		{name: "431 bytes", err: ErrHeaderTooLarge, status: 431},
		{name: "431 count", err: ErrTooManyFields, status: 431},
		{name: "417", err: ErrExpectation, status: 417},
		{name: "501", err: ErrUnsupportedTE, status: 501},
		{name: "505", err: ErrVersionNotSupported, status: 505},
		{name: "400", err: ErrSpaceBeforeColon, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.err.Status != tt.status {
				t.Fatalf("status %d, want %d", tt.err.Status, tt.status)
			}
			var target *Error
			if !errors.As(fmt.Errorf("conn: %w", tt.err), &target) || target != tt.err {
				t.Fatal("*Error does not survive wrapping")
			}
			if msg := tt.err.Error(); !strings.Contains(msg, tt.err.Reason) {
				t.Fatalf("Error() = %q does not name the rule", msg)
			}
		})
	}
}

func TestPipelinedHeads(t *testing.T) {
	t.Parallel()
	first := head("POST /one HTTP/1.1", "Host: a", "Content-Length: 3")
	second := head("GET /two HTTP/1.1", "Host: b")
	stream := []byte(first + "abc" + second)
	p := NewParser(Limits{})
	n, done, err := p.Feed(stream)
	if err != nil || !done || n != len(first) {
		t.Fatalf("first Feed = (%d, %v, %v), want (%d, true, nil)", n, done, err, len(first))
	}
	if r := p.Request(); string(r.Path) != "/one" || r.ContentLength != 3 {
		t.Fatalf("first request: path %q, length %d", r.Path, r.ContentLength)
	}
	if again, done, err := p.Feed(stream[n:]); again != 0 || !done || err != nil {
		t.Fatalf("Feed after done = (%d, %v, %v), want (0, true, nil)", again, done, err)
	}
	rest := stream[n+len("abc"):]
	p.Reset()
	n, done, err = p.Feed(rest)
	if err != nil || !done || n != len(rest) {
		t.Fatalf("second Feed = (%d, %v, %v)", n, done, err)
	}
	if r := p.Request(); string(r.Path) != "/two" || string(r.Host) != "b" || r.ContentLength != -1 {
		t.Fatalf("second request: path %q, host %q, length %d", r.Path, r.Host, r.ContentLength)
	}
}

func TestStarted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		want  bool
	}{
		{name: "nothing", input: "", want: false},
		{name: "lone CR", input: "\r", want: false},
		{name: "empty lines", input: "\r\n\r\n\r", want: false},
		{name: "first byte of a method", input: "\r\nG", want: true},
		{name: "request line done", input: "GET / HTTP/1.1\r\n", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := NewParser(Limits{})
			if _, _, err := p.Feed([]byte(tt.input)); err != nil {
				t.Fatal(err)
			}
			if got := p.Started(); got != tt.want {
				t.Fatalf("Started() = %v, want %v", got, tt.want)
			}
			p.Reset()
			if p.Started() {
				t.Fatal("Started() after Reset")
			}
		})
	}
}

// TestLimitsDetectedEarly checks that an oversized line is refused before its end arrives, and that the buffer
// never grows past the documented bound however the bytes arrive.
func TestLimitsDetectedEarly(t *testing.T) {
	t.Parallel()
	l := Limits{MaxRequestLine: 100, MaxHeaderBytes: 1000, MaxHeaderFields: 50}
	bound := l.MaxRequestLine + l.MaxHeaderBytes + headSlack
	tests := []struct {
		name   string
		prefix string
		fill   byte
		want   *Error
		after  int // bytes of fill that must be accepted before the error
	}{
		{name: "request line", prefix: "", fill: 'G', want: ErrURITooLong, after: 100},
		{name: "field line", prefix: "GET / HTTP/1.1\r\nHost: h\r\nX: ", fill: 'v',
			want: ErrHeaderTooLarge, after: 1000 - len("Host: h\r\nX: \r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, pieceLen := range []int{1, 7, 64, 4096} {
				p := NewParser(l)
				if _, _, err := p.Feed([]byte(tt.prefix)); err != nil {
					t.Fatal(err)
				}
				fed := 0
				piece := bytes.Repeat([]byte{tt.fill}, pieceLen)
				var err error
				for err == nil {
					var n int
					n, _, err = p.Feed(piece)
					fed += n
					if fed > tt.after {
						t.Fatalf("piece %d: accepted %d bytes, limit allows %d", pieceLen, fed, tt.after)
					}
				}
				if err != tt.want {
					t.Fatalf("piece %d: got %v, want %v", pieceLen, err, tt.want)
				}
				if cap(p.buf) > bound {
					t.Fatalf("piece %d: buffer capacity %d exceeds %d", pieceLen, cap(p.buf), bound)
				}
			}
		})
	}
}

func TestBufferBoundAtLimits(t *testing.T) {
	t.Parallel()
	l := Limits{MaxRequestLine: 300, MaxHeaderBytes: 5000, MaxHeaderFields: 1000}
	target := "/" + strings.Repeat("p", l.MaxRequestLine-len("GET / HTTP/1.1"))
	lines := []string{"GET " + target + " HTTP/1.1", "Host: h"}
	used := len("Host: h\r\n")
	for used+len("X: \r\n")+40 <= l.MaxHeaderBytes {
		lines = append(lines, "X: "+strings.Repeat("v", 40))
		used += len("X: \r\n") + 40
	}
	lines = append(lines, "Y: "+strings.Repeat("w", l.MaxHeaderBytes-used-len("Y: \r\n")))
	input := []byte(strings.Repeat("\r\n", maxLeadingEmptyLines) + head(lines...))
	for _, pieces := range [][][]byte{{input}, byteByByte(input)} {
		p := NewParser(l)
		if o := feedPieces(t, p, pieces); !o.done {
			t.Fatalf("maximal head rejected: %v", o.err)
		}
		if bound := l.MaxRequestLine + l.MaxHeaderBytes + headSlack; cap(p.buf) > bound {
			t.Fatalf("buffer capacity %d exceeds %d", cap(p.buf), bound)
		}
	}
}

func TestReleaseThenReuse(t *testing.T) {
	t.Parallel()
	p := NewParser(Limits{})
	input := []byte(browserGET)
	for range 3 {
		if _, done, err := p.Feed(input); !done || err != nil {
			t.Fatalf("Feed = (%v, %v)", done, err)
		}
		p.Release()
		if p.buf != nil || p.Request() != nil || p.Started() {
			t.Fatal("Release kept state")
		}
	}
}

// TestFieldSlicesDoNotAlias checks that appending to a returned value cannot overwrite the next field.
func TestFieldSlicesDoNotAlias(t *testing.T) {
	t.Parallel()
	p := NewParser(Limits{})
	if _, _, err := p.Feed([]byte(head("GET / HTTP/1.1", "Host: h", "A: 1", "B: 2"))); err != nil {
		t.Fatal(err)
	}
	r := p.Request()
	_ = append(r.Get("A"), "XXXXXXXX"...)
	_ = append(r.Method, "XXXXXXXX"...)
	if got := string(r.Get("B")); got != "2" {
		t.Fatalf("B = %q after appending to A", got)
	}
	if got := string(r.Target); got != "/" {
		t.Fatalf("Target = %q after appending to Method", got)
	}
}

func TestZeroAllocsAfterWarmUp(t *testing.T) {
	input := []byte(browserGET)
	third := len(input) / 3
	tests := []struct {
		name   string
		pieces [][]byte
	}{
		{name: "whole", pieces: [][]byte{input}},
		{name: "three pieces", pieces: splitAt(input, third, 2*third)},
		{name: "byte by byte", pieces: byteByByte(input)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewParser(Limits{})
			parse := func() {
				p.Reset()
				for i, piece := range tt.pieces {
					if _, done, err := p.Feed(piece); err != nil || done != (i == len(tt.pieces)-1) {
						panic(fmt.Sprintf("Feed: done=%v err=%v", done, err))
					}
				}
				if p.Request().Get("user-agent") == nil || !p.Request().IsMethod("GET") {
					panic("head not parsed")
				}
			}
			parse()
			if allocs := testing.AllocsPerRun(100, parse); allocs != 0 {
				t.Fatalf("%v allocations per request, want 0", allocs)
			}
		})
	}
}

// TestSplitInvarianceProperty generates valid requests and checks that splitting them anywhere changes nothing,
// and that the parsed fields are the generated ones.
func TestSplitInvarianceProperty(t *testing.T) {
	t.Parallel()
	ows := rapid.StringMatching(`[ \t]{0,3}`)
	value := rapid.StringMatching(`([!-~\x{80}-\x{ff}]([ \t!-~]{0,20}[!-~])?)?`)
	rapid.Check(t, func(t *rapid.T) {
		method := rapid.StringMatching(`[A-Za-z0-9!#$%&'*+.^_|~-]{1,10}`).Draw(t, "method")
		target := rapid.StringMatching(`/[A-Za-z0-9/._~%!$&'()*+,;=:@-]{0,30}(\?[A-Za-z0-9/?=&%-]{0,20})?`).Draw(t, "target")
		names := rapid.SliceOfN(rapid.StringMatching(`X-[A-Za-z0-9-]{1,12}`), 0, 12).Draw(t, "names")
		var b strings.Builder
		b.WriteString(method + " " + target + " HTTP/1.1\r\n")
		b.WriteString("Host:" + ows.Draw(t, "hostOWS") + "example.com" + ows.Draw(t, "hostOWS2") + "\r\n")
		want := []string{"Host: example.com"}
		for i, name := range names {
			v := value.Draw(t, fmt.Sprintf("value%d", i))
			// Values are generated with Latin-1 runes; send them as single obs-text bytes.
			raw := []byte{}
			for _, r := range v {
				raw = append(raw, byte(r))
			}
			b.WriteString(name + ":" + ows.Draw(t, "pre") + string(raw) + ows.Draw(t, "post") + "\r\n")
			want = append(want, name+": "+string(raw))
		}
		b.WriteString("\r\n")
		input := []byte(b.String())

		p := NewParser(Limits{})
		whole := feedPieces(t, p, [][]byte{input})
		if whole.err != nil || !whole.done || whole.consumed != len(input) {
			t.Fatalf("valid request %q: %+v", input, whole)
		}
		if !slices.Equal(whole.req.Fields, want) {
			t.Fatalf("fields %q, want %q", whole.req.Fields, want)
		}
		points := rapid.SliceOfN(rapid.IntRange(0, len(input)), 1, 6).Draw(t, "splits")
		slices.Sort(points)
		p.Reset()
		split := feedPieces(t, p, splitAt(input, points...))
		if !reflect.DeepEqual(split, whole) {
			t.Fatalf("split at %v: %+v, whole: %+v", points, split, whole)
		}
	})
}

// browserGET is what a current desktop browser sends for a page load.
const browserGET = "GET /articles/2024/strict-parsing?ref=home&utm_source=feed HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=3f7a9c1e5b2d4f6a8c0e; theme=dark\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n" +
	"Sec-Fetch-Dest: document\r\n" +
	"Sec-Fetch-Mode: navigate\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"Sec-Fetch-User: ?1\r\n" +
	"Priority: u=0, i\r\n" +
	"\r\n"

// TestValidFieldValueWordAtATime checks the eight-bytes-at-a-time validator against the byte table.
func TestValidFieldValueWordAtATime(t *testing.T) {
	t.Parallel()
	checkWordAtATime(t, validFieldValue, validFieldValueBytes,
		[]byte{0, '\t', '\r', 0x1F, ' ', '!', 'a', 0x7E, 0x7F, 0x80, 0xA0, 0xFF})
}

// TestTargetLenWordAtATime checks the eight-bytes-at-a-time target scan against the byte table.
func TestTargetLenWordAtATime(t *testing.T) {
	t.Parallel()
	byTable := func(b []byte) int {
		for i, c := range b {
			if byteClass[c]&classTarget == 0 {
				return i
			}
		}
		return len(b)
	}
	checkWordAtATime(t, targetLen, byTable, []byte{0, '\t', ' ', '!', '/', 'a', 0x7E, 0x7F, 0x80, 0xA1, 0xFF})
}

// checkWordAtATime compares a scan that reads eight bytes at a time with its byte-by-byte definition: every byte
// value at every position of a string spanning several words, then arbitrary strings of the bytes that matter.
func checkWordAtATime[T comparable](t *testing.T, fast, byByte func([]byte) T, interesting []byte) {
	buf := bytes.Repeat([]byte{'a'}, 19)
	for pos := range buf {
		for c := range 256 {
			buf[pos] = byte(c)
			if got, want := fast(buf), byByte(buf); got != want {
				t.Fatalf("byte %#x at %d: got %v, want %v", c, pos, got, want)
			}
		}
		buf[pos] = 'a'
	}
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOf(rapid.SampledFrom(interesting)).Draw(t, "input")
		if got, want := fast(b), byByte(b); got != want {
			t.Fatalf("%q: got %v, want %v", b, got, want)
		}
	})
}

// TestScanFieldLineTakesExactlyValidLines checks that the one-pass scan accepts a complete field line exactly
// when the general path would find it well-formed, and reports the same name and line ends.
func TestScanFieldLineTakesExactlyValidLines(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOf(rapid.SampledFrom([]byte{0, '\t', '\r', '\n', ' ', ':', '!', 'a', 'Z', '0', '"', 0x7E, 0x7F, 0x80, 0xFF})).Draw(t, "input")
		wantColon, wantEnd := 0, 0
		if lf := bytes.IndexByte(b, '\n'); lf >= 1 && b[lf-1] == '\r' {
			line := b[:lf-1]
			colon := 0
			for colon < len(line) && isTchar(line[colon]) {
				colon++
			}
			if colon > 0 && colon < len(line) && line[colon] == ':' && validFieldValueBytes(line[colon+1:]) {
				wantColon, wantEnd = colon, lf+1
			}
		}
		if colon, end := scanFieldLine(b); end != wantEnd || (end > 0 && colon != wantColon) {
			t.Fatalf("scanFieldLine(%q) = (%d, %d), want (%d, %d)", b, colon, end, wantColon, wantEnd)
		}
	})
}

// TestFieldLineFastPathMatchesLineByLine checks that heads taken whole, where complete field lines go through
// scanFieldLine and fieldLines, get the verdicts and results of the same heads fed a byte at a time, where every
// line goes through admit and completeLine, also when the limits cut in.
func TestFieldLineFastPathMatchesLineByLine(t *testing.T) {
	t.Parallel()
	lines := []string{
		"Host: example.com\r\n", "Host: a:80\r\n", "Host: [::1\r\n", "Content-Length: 5\r\n", "Content-Length: 5, 6\r\n",
		"Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n", "Connection: close\r\n", "Connection: a b\r\n",
		"Expect: 100-continue\r\n", "Expect: x\r\n", "X-A:\tv \t\r\n", "X-B: \x80\xff\r\n", "X-C: a\x7fb\r\n",
		"X-D: a\rb\r\n", "X-E: a\nb\r\n", "X-F:\r\n", " X-G: v\r\n", "X G: v\r\n", ":v\r\n", "X-H v\r\n", "X-I: v\n",
		"X-Long-Name-With-Many-Letters: a fairly long value, to take a few words\r\n",
	}
	rapid.Check(t, func(t *rapid.T) {
		var b strings.Builder
		b.WriteString("GET / HTTP/1.1\r\n")
		for range rapid.IntRange(0, 8).Draw(t, "fields") {
			b.WriteString(rapid.SampledFrom(lines).Draw(t, "line"))
		}
		b.WriteString("\r\n")
		input := []byte(b.String())
		l := Limits{
			MaxRequestLine:  rapid.IntRange(0, 40).Draw(t, "maxRequestLine"),
			MaxHeaderBytes:  rapid.IntRange(0, 200).Draw(t, "maxHeaderBytes"),
			MaxHeaderFields: rapid.IntRange(0, 6).Draw(t, "maxHeaderFields"),
		}
		whole := feedPieces(t, NewParser(l), [][]byte{input})
		byByte := feedPieces(t, NewParser(l), byteByByte(input))
		if !reflect.DeepEqual(whole, byByte) {
			t.Fatalf("%q with %+v: whole %+v, byte by byte %+v", input, l, whole, byByte)
		}
	})
}
