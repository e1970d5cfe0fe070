package fuzz

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var updateCorpus = flag.Bool("update", false, "rewrite the seed files under testdata/fuzz/ from the seed tables")

// seed is a named input. Named seeds are written to testdata/fuzz/<Target>/<name> by -update, so a corpus file
// says what traffic it stands for.
type seed struct {
	name string
	wire string
}

func crlf(lines ...string) string { return strings.Join(lines, "\r\n") }

// browserGET is what a current desktop browser sends for a page.
var browserGET = crlf(
	"GET /static/index.html?lang=en&q=%E2%82%AC HTTP/1.1",
	"Host: localhost:8080",
	"Connection: keep-alive",
	`sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"`,
	"sec-ch-ua-mobile: ?0",
	`sec-ch-ua-platform: "Linux"`,
	"Upgrade-Insecure-Requests: 1",
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
	"Sec-Fetch-Site: none",
	"Sec-Fetch-Mode: navigate",
	"Sec-Fetch-User: ?1",
	"Sec-Fetch-Dest: document",
	"Accept-Encoding: gzip, deflate, br, zstd",
	"Accept-Language: en-US,en;q=0.9,fr;q=0.8",
	"Cookie: FERROUSSID=0123456789abcdef0123456789abcdef; theme=dark",
	"If-None-Match: \"5f3e-1a2b\"",
	"If-Modified-Since: Tue, 15 Nov 1994 08:12:31 GMT",
	"", "")

const curlBoundary = "------------------------d74496d66958873e"

// curlUpload is `curl -F file=@photo.jpg -F note=hi localhost:8080/upload/`, body included.
var curlUpload = crlf(
	"POST /upload/ HTTP/1.1",
	"Host: localhost:8080",
	"User-Agent: curl/8.5.0",
	"Accept: */*",
	"Content-Length: "+strconv.Itoa(len(curlUploadBody)),
	"Content-Type: multipart/form-data; boundary="+curlBoundary[2:],
	"Expect: 100-continue",
	"", "") + curlUploadBody

var curlUploadBody = crlf(
	curlBoundary,
	`Content-Disposition: form-data; name="file"; filename="photo.jpg"`,
	"Content-Type: image/jpeg",
	"",
	"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\r\n--not-the-boundary\r\n\xff\xd9",
	curlBoundary,
	`Content-Disposition: form-data; name="note"`,
	"",
	"hi",
	curlBoundary+"--",
	"")

// requestSeeds are the wire shapes both request targets start from: real clients, pipelining, and the classic
// request-smuggling probes, each of which ferrous must reject or frame exactly as the standard library does
// (or differ from it in a documented way).
var requestSeeds = []seed{
	{name: "browser-get", wire: browserGET},
	{name: "curl-get", wire: crlf("GET /files/sample.txt HTTP/1.1", "Host: localhost:8080", "User-Agent: curl/8.5.0", "Accept: */*", "Range: bytes=0-99", "", "")},
	{name: "curl-upload-multipart", wire: curlUpload},
	{name: "curl-post-form", wire: crlf("POST /cgi-bin/form.py HTTP/1.1", "Host: localhost:8080", "User-Agent: curl/8.5.0", "Content-Length: 16", "Content-Type: application/x-www-form-urlencoded", "", "name=x&greet=yes")},
	{name: "curl-put-chunked", wire: crlf("PUT /upload/log.txt HTTP/1.1", "Host: localhost", "Transfer-Encoding: chunked", "Content-Type: text/plain", "", "5;ext=\"a b\"", "hello", "7", ", world", "0", "Expires: never", "", "")},
	{name: "curl-delete", wire: crlf("DELETE /upload/photo.jpg HTTP/1.1", "Host: localhost:8080", "User-Agent: curl/8.5.0", "Accept: */*", "", "")},
	{name: "pipelined-gets", wire: crlf("GET /a HTTP/1.1", "Host: h", "", "GET /b?x=1 HTTP/1.1", "Host: h", "", "HEAD /c HTTP/1.1", "Host: h", "Connection: close", "", "")},
	{name: "pipelined-post-then-get", wire: crlf("POST /p HTTP/1.1", "Host: h", "Content-Length: 5", "", "helloGET /after HTTP/1.1", "Host: h", "", "")},
	{name: "crlf-after-post-body", wire: crlf("POST /p HTTP/1.1", "Host: h", "Content-Length: 2", "", "ok", "GET / HTTP/1.1", "Host: h", "", "")},
	{name: "http10-keep-alive", wire: crlf("GET / HTTP/1.0", "Connection: keep-alive", "", "GET /second HTTP/1.0", "", "")},
	{name: "absolute-form", wire: crlf("GET http://docs.localhost:8080/guide?x=1 HTTP/1.1", "Host: ignored.example", "", "")},
	{name: "absolute-form-ipv6", wire: crlf("GET http://[2001:db8::1]:8080 HTTP/1.1", "Host: [2001:db8::1]:8080", "", "")},
	{name: "connect", wire: crlf("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443", "", "")},
	{name: "options-asterisk", wire: crlf("OPTIONS * HTTP/1.1", "Host: h", "", "")},
	{name: "expect-continue", wire: crlf("PUT /upload/x HTTP/1.1", "Host: h", "Content-Length: 3", "Expect: 100-continue", "", "abc")},
	{name: "pragma-no-cache", wire: crlf("GET / HTTP/1.1", "Host: h", "Pragma: no-cache", "", "")},
	{name: "trailer-declared", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "Trailer: Checksum", "", "3", "abc", "0", "Checksum: 1234", "", "")},
	{name: "http2-preface", wire: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
	{name: "http09", wire: "GET /\r\n"},
	{name: "leading-empty-lines", wire: crlf("", "", "GET / HTTP/1.1", "Host: h", "", "")},

	// Request smuggling: CL.TE and TE.CL (both framing headers), TE.TE (a TE one hop does not recognise).
	{name: "smuggle-cl-te", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: 13", "Transfer-Encoding: chunked", "", "0", "", "SMUGGLED")},
	{name: "smuggle-te-cl", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: 3", "Transfer-Encoding: chunked", "", "8", "SMUGGLED", "0", "", "")},
	{name: "smuggle-te-xchunked", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: 4", "Transfer-Encoding: xchunked", "", "5c\r\nGPOST / HTTP/1.1", "", "0", "", "")},
	{name: "smuggle-te-space-before-colon", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding : chunked", "Content-Length: 4", "", "1", "Z", "Q", "", "")},
	{name: "smuggle-te-vertical-tab", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked\x0b", "", "0", "", "")},
	{name: "smuggle-te-tab", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding:\tchunked", "", "0", "", "")},
	{name: "smuggle-te-leading-space-line", wire: crlf("POST / HTTP/1.1", "Host: h", " Transfer-Encoding: chunked", "", "0", "", "")},
	{name: "smuggle-te-obs-fold", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding:", " chunked", "", "0", "", "")},
	{name: "smuggle-te-identity-chunked", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: identity, chunked", "", "0", "", "")},
	{name: "smuggle-te-chunked-identity", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked, identity", "", "0", "", "")},
	{name: "smuggle-te-twice", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "Transfer-Encoding: cow", "", "0", "", "")},
	{name: "smuggle-te-quoted", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: \"chunked\"", "", "0", "", "")},
	{name: "smuggle-te-uppercase", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: CHUNKED", "", "0", "", "")},
	{name: "smuggle-te-empty-element", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: ,chunked", "", "0", "", "")},
	{name: "smuggle-te-gzip", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: gzip", "", "")},
	{name: "smuggle-te-http10", wire: crlf("POST / HTTP/1.0", "Transfer-Encoding: chunked", "Content-Length: 3", "", "0\r\n\r\n")},
	{name: "smuggle-cl-duplicate-same", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: 3", "Content-Length: 3", "", "abc")},
	{name: "smuggle-cl-duplicate-differ", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: 3", "Content-Length: 30", "", "abc")},
	{name: "smuggle-cl-list", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: 3, 3", "", "abc")},
	{name: "smuggle-cl-leading-zero", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: 3", "Content-Length: 003", "", "abc")},
	{name: "smuggle-cl-plus", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: +3", "", "abc")},
	{name: "smuggle-cl-negative", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: -1", "", "")},
	{name: "smuggle-cl-hex", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: 0x3", "", "abc")},
	{name: "smuggle-cl-huge", wire: crlf("POST / HTTP/1.1", "Host: h", "Content-Length: 9223372036854775807", "", "")},
	{name: "smuggle-bare-lf", wire: "GET / HTTP/1.1\nHost: h\n\n"},
	{name: "smuggle-bare-cr", wire: "GET / HTTP/1.1\rHost: h\r\n\r\n"},
	{name: "smuggle-lf-in-chunk", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "", "3\nabc\n0\n\n")},
	{name: "smuggle-chunk-size-bws", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "", "3 ", "abc", "0", "", "")},
	{name: "smuggle-chunk-ext-lf", wire: crlf("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "", "3;x\nGET", "abc", "0", "", "")},
	{name: "host-userinfo", wire: crlf("GET / HTTP/1.1", "Host: user@evil.example", "", "")},
	{name: "host-duplicate", wire: crlf("GET / HTTP/1.1", "Host: a", "Host: b", "", "")},
	{name: "host-missing", wire: crlf("GET / HTTP/1.1", "Accept: */*", "", "")},
	{name: "nul-in-field", wire: crlf("GET / HTTP/1.1", "Host: h", "X: a\x00b", "", "")},
	{name: "obs-text-field", wire: crlf("GET / HTTP/1.1", "Host: h", "X-Name: caf\xe9", "", "")},
	{name: "version-lowercase", wire: crlf("GET / http/1.1", "Host: h", "", "")},
	{name: "version-two-digit", wire: crlf("GET / HTTP/1.10", "Host: h", "", "")},
	{name: "connection-close-and-keep-alive", wire: crlf("GET / HTTP/1.0", "Connection: keep-alive, close", "", "")},
	{name: "expect-unknown", wire: crlf("GET / HTTP/1.1", "Host: h", "Expect: 200-ok", "", "")},
	{name: "target-traversal", wire: crlf("GET /static/../../etc/passwd HTTP/1.1", "Host: h", "", "")},
	{name: "target-bad-escape", wire: crlf("GET /%zz HTTP/1.1", "Host: h", "", "")},
	{name: "target-fragment", wire: crlf("GET /a#b HTTP/1.1", "Host: h", "", "")},
	{name: "host-ipv6-port", wire: crlf("GET / HTTP/1.1", "Host: [2001:db8::1.2.3.4]:8080", "", "")},
	{name: "host-port-overflow", wire: crlf("GET / HTTP/1.1", "Host: h:65536", "", "")},
	{name: "absolute-form-ipvfuture", wire: crlf("GET http://[v1.fe:80]/ HTTP/1.1", "Host: h", "", "")},
	{name: "absolute-form-pct-host", wire: crlf("GET http://caf%C3%A9.example/ HTTP/1.1", "Host: h", "", "")},
	{name: "absolute-form-userinfo", wire: crlf("GET http://user:pw@h/ HTTP/1.1", "Host: h", "", "")},
	{name: "absolute-form-empty-port", wire: crlf("GET http://h:/ HTTP/1.1", "Host: h", "", "")},
}

// corpusFile encodes one seed in the format of Go's fuzzing corpus ("go test fuzz v1", then one Go literal per
// argument).
func corpusFile(args ...any) []byte {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, arg := range args {
		switch v := arg.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
		case string:
			fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
		case bool:
			fmt.Fprintf(&b, "bool(%t)\n", v)
		default:
			panic(fmt.Sprintf("corpus argument of type %T", arg))
		}
	}
	return b.Bytes()
}

// corpusEntry is one named seed file of one target.
type corpusEntry struct {
	target, name string
	args         []any
}

// seedCorpus lists every named seed file. TestSeedCorpus checks that testdata/fuzz/ holds exactly these
// (crashers found by fuzzing are saved beside them under hashed names and are left alone).
func seedCorpus() []corpusEntry {
	var entries []corpusEntry
	for _, s := range requestSeeds {
		for _, target := range []string{"FuzzRequestParser", "FuzzRequestDifferential"} {
			entries = append(entries, corpusEntry{target: target, name: s.name, args: []any{[]byte(s.wire)}})
		}
	}
	for _, s := range chunkedSeeds {
		for _, target := range []string{"FuzzChunkedDecoder", "FuzzChunkedDifferential"} {
			entries = append(entries, corpusEntry{target: target, name: s.name, args: []any{[]byte(s.wire)}})
		}
	}
	for _, s := range multipartSeeds {
		for _, target := range []string{"FuzzMultipartDecoder", "FuzzMultipartDifferential"} {
			entries = append(entries, corpusEntry{target: target, name: s.name, args: []any{s.boundary, []byte(s.body)}})
		}
	}
	for _, s := range staticSeeds {
		entries = append(entries, corpusEntry{target: "FuzzStaticPath", name: s.name, args: []any{s.target, s.link, s.allowHidden}})
	}
	for _, s := range configSeeds {
		entries = append(entries, corpusEntry{target: "FuzzConfig", name: s.name, args: []any{[]byte(s.wire)}})
	}
	return entries
}

func TestSeedCorpus(t *testing.T) {
	t.Parallel()
	for _, e := range seedCorpus() {
		path := filepath.Join("testdata", "fuzz", e.target, e.name)
		want := corpusFile(e.args...)
		if *updateCorpus {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("seed %s/%s: %v (run go test ./fuzz/ -run TestSeedCorpus -update)", e.target, e.name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("seed file %s differs from its table entry (run go test ./fuzz/ -run TestSeedCorpus -update)", path)
		}
	}
}

// chunkedSeeds are chunked bodies as clients send them, and the malformed shapes smuggling probes use. Each is
// followed by whatever the connection carries next.
var chunkedSeeds = []seed{
	{name: "curl-upload", wire: "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"},
	{name: "browser-stream", wire: "1f4\r\n" + strings.Repeat("x", 500) + "\r\n0\r\n\r\n"},
	{name: "extensions", wire: "5;name=value;flag;q=\"quoted \\\" pair\"\r\nhello\r\n0;last\r\n\r\n"},
	{name: "trailers", wire: "3\r\nabc\r\n0\r\nChecksum: 900150983cd24fb0\r\nExpires: Wed, 21 Oct 2015 07:28:00 GMT\r\n\r\n"},
	{name: "uppercase-hex-leading-zeros", wire: "000A\r\n0123456789\r\n00\r\n\r\n"},
	{name: "followed-by-request", wire: "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"},
	{name: "one-byte-chunks", wire: strings.Repeat("1\r\nz\r\n", 64) + "0\r\n\r\n"},
	{name: "empty-body", wire: "0\r\n\r\n"},
	{name: "smuggle-bare-lf", wire: "3\nabc\n0\n\n"},
	{name: "smuggle-bare-cr", wire: "3\rabc\r\n0\r\n\r\n"},
	{name: "smuggle-size-bws", wire: "3 \r\nabc\r\n0\r\n\r\n"},
	{name: "smuggle-size-leading-space", wire: " 3\r\nabc\r\n0\r\n\r\n"},
	{name: "smuggle-size-hex-prefix", wire: "0x3\r\nabc\r\n0\r\n\r\n"},
	{name: "smuggle-size-negative", wire: "-3\r\nabc\r\n0\r\n\r\n"},
	{name: "smuggle-size-overflow", wire: "ffffffffffffffff1\r\na\r\n0\r\n\r\n"},
	{name: "smuggle-size-int64-max", wire: "7fffffffffffffff\r\na"},
	{name: "smuggle-ext-lf", wire: "3;x\nGET\r\nabc\r\n0\r\n\r\n"},
	{name: "smuggle-ext-quoted-crlf", wire: "3;x=\"\r\n\"\r\nabc\r\n0\r\n\r\n"},
	{name: "smuggle-data-too-long", wire: "3\r\nabcd\r\n0\r\n\r\n"},
	{name: "smuggle-missing-last-crlf", wire: "3\r\nabc\r\n0\r\n"},
	{name: "smuggle-trailer-obs-fold", wire: "0\r\nX: a\r\n b\r\n\r\n"},
	{name: "smuggle-trailer-space-before-colon", wire: "0\r\nX : a\r\n\r\n"},
}

// multipartSeed is a form body with the boundary its Content-Type named.
type multipartSeed struct {
	name, boundary, body string
}

// firefoxBoundary is the shape of boundary Firefox generates.
const firefoxBoundary = "---------------------------3169824962340364743553541457"

// chromeBoundary is the shape of boundary Chromium and Safari generate.
const chromeBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"

var multipartSeeds = []multipartSeed{
	{name: "curl-file-and-field", boundary: curlBoundary[2:], body: curlUploadBody},
	{name: "chrome-form", boundary: chromeBoundary, body: crlf(
		"--"+chromeBoundary,
		`Content-Disposition: form-data; name="title"`,
		"",
		"Holiday photos",
		"--"+chromeBoundary,
		`Content-Disposition: form-data; name="photos"; filename="beach.png"`,
		"Content-Type: image/png",
		"",
		"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\r\n--"+chromeBoundary[:10],
		"--"+chromeBoundary,
		`Content-Disposition: form-data; name="photos"; filename=""`,
		"Content-Type: application/octet-stream",
		"",
		"",
		"--"+chromeBoundary+"--",
		"")},
	{name: "firefox-utf8-filename", boundary: firefoxBoundary, body: crlf(
		"--"+firefoxBoundary,
		`Content-Disposition: form-data; name="file"; filename="r\xc3\xa9sum\xc3\xa9.pdf"`,
		"Content-Type: application/pdf",
		"",
		"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
		"--"+firefoxBoundary+"--",
		"")},
	{name: "filename-star", boundary: "b", body: crlf(
		"--b",
		`Content-Disposition: form-data; name="f"; filename="fallback.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt`,
		"",
		"euro",
		"--b--")},
	{name: "msie-windows-path", boundary: "b", body: crlf(
		"--b",
		`Content-Disposition: form-data; name="f"; filename="C:\Users\me\notes.txt"`,
		"",
		"x",
		"--b--", "")},
	{name: "preamble-epilogue-padding", boundary: "simple boundary", body: crlf(
		"This is the preamble.",
		"--simple boundary  ",
		`Content-Disposition: form-data; name="a"`,
		"",
		"first",
		"--simple boundary--",
		"This is the epilogue.")},
	{name: "empty-part-content", boundary: "b", body: "--b\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--b--\r\n"},
	{name: "no-parts", boundary: "b", body: "--b--\r\n"},
	{name: "boundary-lookalikes", boundary: "xyz", body: crlf(
		"--xyz",
		`Content-Disposition: form-data; name="a"`,
		"",
		"--xyz-not\r\n--xyzz\r\n--xy\r\r\n-",
		"--xyz--")},
	{name: "bare-lf", boundary: "b", body: "--b\nContent-Disposition: form-data; name=\"a\"\n\nx\n--b--\n"},
	{name: "no-disposition", boundary: "b", body: "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n"},
	{name: "quoted-printable", boundary: "b", body: "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=41\r\n--b--\r\n"},
	{name: "duplicate-disposition", boundary: "b", body: "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nx\r\n--b--\r\n"},
	{name: "obs-fold-header", boundary: "b", body: "--b\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nx\r\n--b--\r\n"},
	{name: "truncated", boundary: "b", body: "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nxyz\r\n--b"},
	{name: "close-delimiter-then-garbage", boundary: "b", body: "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--garbage\r\n"},
	{name: "rfc2231-continuation", boundary: "b", body: "--b\r\nContent-Disposition: form-data; name=a; filename*0=\"long\"; filename*1=\"name.txt\"\r\n\r\nx\r\n--b--\r\n"},
	{name: "latin1-filename-star", boundary: "b", body: "--b\r\nContent-Disposition: form-data; name=a; filename*=iso-8859-1''caf%E9.txt\r\n\r\nx\r\n--b--\r\n"},
	{name: "lf-preamble-delimiter", boundary: "b", body: "preamble\n--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--\r\n"},
}

// staticSeed is a request path tried against a route, with the target of the one symlink the fuzzer controls.
type staticSeed struct {
	name, target, link string
	allowHidden        bool
}

var staticSeeds = []staticSeed{
	{name: "plain-file", target: "/static/index.html", link: "index.html"},
	{name: "directory", target: "/static/docs/", link: "docs"},
	{name: "route-root", target: "/static", link: "."},
	{name: "dot-dot", target: "/static/../../etc/passwd", link: "../outside"},
	{name: "encoded-dot-dot", target: "/static/%2e%2e/%2e%2e/etc/passwd", link: "../../"},
	{name: "encoded-slash", target: "/static/..%2f..%2fetc/passwd", link: "/etc"},
	{name: "backslash", target: "/static/..\\..\\etc\\passwd", link: "..\\"},
	{name: "nul", target: "/static/index.html%00.png", link: "index.html"},
	{name: "double-encoding", target: "/static/%252e%252e/secret", link: "x"},
	{name: "overlong-utf8", target: "/static/%c0%ae%c0%ae/secret", link: "x"},
	{name: "hidden", target: "/static/.env", link: ".env"},
	{name: "well-known", target: "/static/.well-known/security.txt", link: ".well-known"},
	{name: "symlink-out-relative", target: "/static/fuzzlink/passwd", link: "../outside"},
	{name: "symlink-out-absolute", target: "/static/fuzzlink", link: "/etc/passwd"},
	{name: "symlink-loop", target: "/static/fuzzlink/x", link: "fuzzlink"},
	{name: "symlink-in-via-dotdot", target: "/static/fuzzlink", link: "docs/../index.html"},
	{name: "dot-segments-inside", target: "/static/docs/./../docs//guide.txt", link: "docs/guide.txt", allowHidden: true},
	{name: "prefix-lookalike", target: "/staticfoo/index.html", link: "x"},
}

var configSeeds = []seed{
	{name: "minimal", wire: "servers:\n  - port: 8080\n    routes:\n      - path: /\n        return: 301 /index.html\n"},
	{name: "bundled-shape", wire: `workers: 0
connection_timeout_secs: 60
header_timeout_secs: 10
body_timeout_secs: 60
cgi_timeout_secs: 30
shutdown_timeout_secs: 10
max_connections: 10000
access_log: stdout
log_level: info
cgi_interpreters: {.py: python3}
sessions:
  store: memory
  ttl_secs: 3600
  cookie_name: FERROUSSID
  secure: false
servers:
  - host: 0.0.0.0
    port: 8080
    server_name: [localhost]
    client_max_body_size: 10M
    error_pages: {404: www/error_pages/404.html}
    index: [index.html]
    routes:
      - path: /static/*
        methods: [GET, HEAD]
        handler: File
        file: www/static/
        directory_listing: true
      - path: /cgi-bin/*
        methods: [GET, POST]
        handler: Function
        file: www/cgi-bin/
        cgi_extension: .py
        session: true
      - path: /old
        return: 301 /
  - host: 0.0.0.0
    port: 8080
    server_name: docs.localhost
    routes:
      - path: /
        handler: File
        file: www/docs/
`},
	{name: "anchors-and-merge", wire: "defaults: &d\n  methods: [GET]\nservers:\n  - port: 1\n    routes:\n      - <<: *d\n        path: /\n        return: 302 /x\n"},
	{name: "unknown-key-typo", wire: "servers:\n  - port: 8080\n    rootes: []\n"},
	{name: "wrong-types", wire: "workers: many\nservers: {port: x}\n"},
	{name: "two-documents", wire: "workers: 1\n---\nworkers: 2\n"},
	{name: "billion-laughs", wire: "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"},
	{name: "tabs-and-crlf", wire: "servers:\r\n\t- port: 8080\r\n"},
	{name: "invalid-utf8", wire: "workers: \xff\n"},
	{name: "control-character", wire: "log_level: \x01info\n"},
	{name: "empty", wire: ""},
	{name: "comment-only", wire: "# nothing here\n"},
	{name: "huge-number", wire: "workers: 99999999999999999999999\nmax_connections: 0x7fffffffffffffff\n"},
	{name: "error-page-codes", wire: "servers:\n  - port: 8080\n    error_pages: {99: a, 600: b, abc: c, 404: [x]}\n"},
}
