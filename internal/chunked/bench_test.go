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

// readSize is what one read from a socket typically delivers to the decoder under load.
const readSize = 64 << 10

// BenchmarkFeedReads decodes a 1 MiB body in the chunk sizes clients commonly send, delivered in 64 KiB reads.
// Each call sees the unconsumed rest of the previous read plus the new one, as in a server; the input is sliced
// rather than copied so that only decoding is measured.
func BenchmarkFeedReads(b *testing.B) {
	const bodySize = 1 << 20
	for _, chunkSize := range []int{16 << 10, 8 << 10, 1 << 10} {
		body := make([]byte, bodySize)
		for i := range body {
			body[i] = byte('a' + i%26)
		}
		var wire []byte
		for rest := body; len(rest) > 0; {
			n := min(chunkSize, len(rest))
			wire = AppendChunk(wire, rest[:n])
			rest = rest[n:]
		}
		wire = AppendLastChunk(wire)
		b.Run("1MiB-in-"+strconv.Itoa(chunkSize)+"B-chunks", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(bodySize)
			d := NewDecoder(DefaultLimits())
			for b.Loop() {
				d.Reset()
				got, consumed, done := 0, 0, false
				for readEnd := readSize; !done; readEnd += readSize {
					if readEnd-readSize >= len(wire) {
						b.Fatal("body not complete")
					}
					for window := wire[consumed:min(readEnd, len(wire))]; ; {
						data, n, fin, err := d.Feed(window)
						if err != nil {
							b.Fatal(err)
						}
						got += len(data)
						consumed += n
						window = window[n:]
						if done = fin; done || n == 0 || len(window) == 0 {
							break
						}
					}
				}
				if got != bodySize {
					b.Fatalf("decoded %d bytes, want %d", got, bodySize)
				}
			}
		})
	}
}
