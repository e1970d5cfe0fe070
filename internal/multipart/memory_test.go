package multipart

import (
	"bytes"
	"strconv"
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

// readSize is what one read from a socket typically delivers under load.
const readSize = 64 << 10

// binaryContent returns size deterministic pseudo-random bytes, which is what compressed uploads (images,
// archives, video) look like to the boundary search: a CR about every 256 bytes.
func binaryContent(size int) []byte {
	out := make([]byte, size)
	x := uint64(0x9E3779B97F4A7C15)
	for i := range out {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out[i] = byte(x >> 32)
	}
	return out
}

// textContent returns size bytes of CRLF-ended CSV lines, as a text file saved on Windows is uploaded.
func textContent(size int) []byte {
	var out []byte
	for i := 0; len(out) < size; i++ {
		out = append(out, "2024-06-01T12:00:00Z,sensor-"...)
		out = strconv.AppendInt(out, int64(i%97), 10)
		out = append(out, ",temperature,21.5,humidity,48.25,status,ok\r\n"...)
	}
	return out[:size]
}

// BenchmarkDecodeUpload decodes a form with one text field and one file part, read 64 KiB at a time. Each call
// sees the unconsumed rest of the previous read plus the new one, as in the server; the input is sliced rather
// than copied so that only decoding is measured.
func BenchmarkDecodeUpload(b *testing.B) {
	const (
		boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
		field    = "holiday photos"
	)
	for _, kind := range []string{"binary", "text"} {
		for _, size := range []int{64 << 10, 1 << 20} {
			var content []byte
			if kind == "binary" {
				content = binaryContent(size)
			} else {
				content = textContent(size)
			}
			var body []byte
			body = append(body, "--"+boundary+"\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n"+field+"\r\n"...)
			body = append(body, "--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"...)
			body = append(body, content...)
			body = append(body, "\r\n--"+boundary+"--\r\n"...)
			b.Run(kind+"-"+strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size))
				for b.Loop() {
					d := NewDecoder([]byte(boundary), DefaultLimits())
					seen, consumed := 0, 0
					for readEnd := readSize; consumed < len(body); readEnd += readSize {
						if readEnd-readSize >= len(body) {
							b.Fatal("body not complete")
						}
						for window := body[consumed:min(readEnd, len(body))]; ; {
							ev, data, n, err := d.Feed(window)
							if err != nil {
								b.Fatal(err)
							}
							if ev == EventPartData {
								seen += len(data)
							}
							consumed += n
							window = window[n:]
							if ev == EventNone {
								break
							}
						}
					}
					if err := d.Finish(); err != nil {
						b.Fatal(err)
					}
					if seen != size+len(field) {
						b.Fatalf("decoded %d content bytes, want %d", seen, size+len(field))
					}
				}
			})
		}
	}
}
