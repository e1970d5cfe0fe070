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
