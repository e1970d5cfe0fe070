package multipart

import (
	"bytes"
	"testing"
)

const feedSize = 32 << 10

// fileBody returns the header of a one-file form, its content pattern, and
// its trailer, so large bodies can be streamed without being built whole.
func fileBody(boundary string) (head, pattern, tail []byte) {
	head = []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
	// CRs, dashes and a near-delimiter keep the scanner off its fast path.
	pattern = []byte("0123456789abcdef\r\n--" + boundary[:len(boundary)-1] + "\r\n-\r")
	tail = []byte("\r\n--" + boundary + "--\r\n")
	return head, pattern, tail
}

// fileInput returns a form holding one file part of size bytes, cut into
// reads of at most feedSize bytes as a connection would deliver them.
func fileInput(boundary string, size int) [][]byte {
	head, pattern, tail := fileBody(boundary)
	content := bytes.Repeat(pattern, feedSize/len(pattern)+1)
	input := [][]byte{head}
	for left := size; left > 0; {
		n := min(left, feedSize-len(head))
		input = append(input, content[:n])
		left -= n
	}
	return append(input, tail)
}

// streamInput feeds input through d using one buffer of feedSize bytes plus
// room for held-back bytes, and returns the content size seen. check runs
// after every read.
func streamInput(t fatalHelper, d *Decoder, input [][]byte, buf []byte, check func(pending []byte)) int {
	seen := 0
	pending := buf[:0]
	for _, in := range input {
		for len(in) > 0 {
			take := min(feedSize, len(in))
			pending = append(pending, in[:take]...)
			in = in[take:]
			for {
				ev, data, n, err := d.Feed(pending)
				if err != nil {
					t.Fatalf("Feed: %v", err)
				}
				if ev == EventPartData {
					seen += len(data)
				}
				pending = pending[n:]
				if ev == EventNone {
					break
				}
			}
			pending = append(buf[:0], pending...)
			check(pending)
		}
	}
	if err := d.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return seen
}

func TestDecoderMemoryStaysFlat(t *testing.T) {
	t.Parallel()
	const (
		size              = 50 << 20
		maxRetainedHeader = 16 << 10
		boundary          = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
	)
	d := NewDecoder([]byte(boundary), DefaultLimits())
	buf := make([]byte, 0, 2*feedSize)
	seen := streamInput(t, d, fileInput(boundary, size), buf, func(pending []byte) {
		if cap(d.header) > maxRetainedHeader {
			t.Fatalf("decoder retains a %d-byte header buffer", cap(d.header))
		}
		if len(pending) > maxHeldBack([]byte(boundary)) {
			t.Fatalf("decoder left %d bytes unconsumed", len(pending))
		}
	})
	if seen != size {
		t.Fatalf("decoded %d content bytes, want %d", seen, size)
	}
}

func TestHeaderBufferNeverExceedsLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit int
	}{
		{name: "default", limit: defaultMaxPartHeaderBytes},
		{name: "odd", limit: 1000},
		{name: "tiny", limit: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := NewDecoder([]byte("b"), Limits{MaxPartHeaderBytes: tt.limit})
			src := []byte("--b\r\nX-Pad: " + string(bytes.Repeat([]byte("p"), 2*tt.limit)))
			for len(src) > 0 {
				_, _, n, err := d.Feed(src[:min(len(src), 7)])
				if err == ErrPartHeaderTooLarge {
					break
				}
				if err != nil {
					t.Fatalf("Feed: %v", err)
				}
				src = src[n:]
			}
			if cap(d.header) > tt.limit {
				t.Fatalf("header buffer cap %d exceeds the %d-byte limit", cap(d.header), tt.limit)
			}
		})
	}
}

func BenchmarkDecodeFile(b *testing.B) {
	const (
		size     = 1 << 20
		boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
	)
	input := fileInput(boundary, size)
	buf := make([]byte, 0, 2*feedSize)
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		d := NewDecoder([]byte(boundary), DefaultLimits())
		if seen := streamInput(b, d, input, buf, func([]byte) {}); seen != size {
			b.Fatalf("decoded %d bytes, want %d", seen, size)
		}
	}
}
