package h1

import "testing"

func benchmarkPieces(b *testing.B, pieces [][]byte) {
	b.Helper()
	total := 0
	for _, piece := range pieces {
		total += len(piece)
	}
	p := NewParser(DefaultLimits())
	b.ReportAllocs()
	b.SetBytes(int64(total))
	for b.Loop() {
		p.Reset()
		for _, piece := range pieces {
			if _, _, err := p.Feed(piece); err != nil {
				b.Fatal(err)
			}
		}
		if p.Request() == nil {
			b.Fatal("head not complete")
		}
	}
}

func BenchmarkParseBrowserGET(b *testing.B) {
	benchmarkPieces(b, [][]byte{[]byte(browserGET)})
}

// BenchmarkParseBrowserGETByteSplit splits mid-line, as TCP segments or a slow client would.
func BenchmarkParseBrowserGETByteSplit(b *testing.B) {
	input := []byte(browserGET)
	third := len(input) / 3
	benchmarkPieces(b, splitAt(input, third, 2*third))
}

func BenchmarkParseBrowserGETOneByteAtATime(b *testing.B) {
	benchmarkPieces(b, byteByByte([]byte(browserGET)))
}

// typicalPOST is what a browser sends when submitting a form or an XHR: the framing fields the parser acts on
// (Content-Length, Host, Connection) sit among the usual browser fields.
const typicalPOST = "POST /api/v1/comments?thread=8812 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36\r\n" +
	"Accept: application/json, text/plain, */*\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Content-Type: application/x-www-form-urlencoded; charset=UTF-8\r\n" +
	"Content-Length: 1342\r\n" +
	"Origin: https://www.example.com\r\n" +
	"Referer: https://www.example.com/articles/2024/strict-parsing\r\n" +
	"Cookie: session=3f7a9c1e5b2d4f6a8c0e; theme=dark; csrftoken=Zm9vYmFyYmF6cXV4cXV1eA\r\n" +
	"X-Requested-With: XMLHttpRequest\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n"

func BenchmarkParseTypicalPOST(b *testing.B) {
	benchmarkPieces(b, [][]byte{[]byte(typicalPOST)})
}

// BenchmarkParseSmallGET is the head load generators and API clients send, where per-line costs dominate.
func BenchmarkParseSmallGET(b *testing.B) {
	benchmarkPieces(b, [][]byte{[]byte("GET /index.html HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n")})
}

// BenchmarkRequestGet looks up fields the way a handler does: one near the front, one near the end, one absent.
func BenchmarkRequestGet(b *testing.B) {
	p := NewParser(DefaultLimits())
	if _, done, err := p.Feed([]byte(browserGET)); !done || err != nil {
		b.Fatalf("Feed = (%v, %v)", done, err)
	}
	r := p.Request()
	b.ReportAllocs()
	for b.Loop() {
		if r.Get("user-agent") == nil || r.Get("Priority") == nil || r.Get("Content-Type") != nil {
			b.Fatal("lookup failed")
		}
	}
}
