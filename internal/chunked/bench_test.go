package chunked

import (
	"strconv"
	"testing"
)

const benchBodySize = 64 << 10

func encodedBody(chunkSize int) []byte {
	body := make([]byte, benchBodySize)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	var wire []byte
	for len(body) > 0 {
		n := min(chunkSize, len(body))
		wire = AppendChunk(wire, body[:n])
		body = body[n:]
	}
	return AppendLastChunk(wire)
}

// BenchmarkFeed measures payload throughput; the small-chunk case shows the
// per-byte cost of the framing state machine.
func BenchmarkFeed(b *testing.B) {
	for _, chunkSize := range []int{8 << 10, 64} {
		wire := encodedBody(chunkSize)
		b.Run("64KiB-in-"+strconv.Itoa(chunkSize)+"B-chunks", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(benchBodySize)
			d := NewDecoder(DefaultLimits())
			for b.Loop() {
				d.Reset()
				src := wire
				got := 0
				for {
					data, n, done, err := d.Feed(src)
					if err != nil {
						b.Fatal(err)
					}
					got += len(data)
					src = src[n:]
					if done {
						break
					}
				}
				if got != benchBodySize {
					b.Fatalf("decoded %d bytes, want %d", got, benchBodySize)
				}
			}
		})
	}
}

func BenchmarkAppendChunk(b *testing.B) {
	data := make([]byte, 8<<10)
	dst := make([]byte, 0, len(data)+32)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		dst = AppendChunk(dst[:0], data)
	}
}
