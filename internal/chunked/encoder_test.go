package chunked

import (
	"strings"
	"testing"
)

func TestAppendChunk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		dst  string
		data string
		want string
	}{
		{name: "empty data appends nothing", dst: "prefix", data: "", want: "prefix"},
		{name: "one byte", data: "x", want: "1\r\nx\r\n"},
		{name: "lowercase hex size", data: strings.Repeat("a", 0xab), want: "ab\r\n" + strings.Repeat("a", 0xab) + "\r\n"},
		{name: "appends after existing bytes", dst: "5\r\nhello\r\n", data: "world", want: "5\r\nhello\r\n5\r\nworld\r\n"},
		{name: "data with CRLF", data: "\r\n", want: "2\r\n\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(AppendChunk([]byte(tc.dst), []byte(tc.data))); got != tc.want {
				t.Fatalf("AppendChunk = %.40q, want %.40q", got, tc.want)
			}
		})
	}
}

func TestAppendChunkHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		size int
		want string
	}{
		{name: "zero starts last-chunk", size: 0, want: "0\r\n"},
		{name: "single digit", size: 9, want: "9\r\n"},
		{name: "hex letters", size: 0xbeef, want: "beef\r\n"},
		{name: "large", size: 1 << 40, want: "10000000000\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(AppendChunkHeader([]byte("x"), tc.size)); got != "x"+tc.want {
				t.Fatalf("AppendChunkHeader(%d) = %q, want %q", tc.size, got, "x"+tc.want)
			}
		})
	}
}

func TestAppendChunkHeaderNegativePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("AppendChunkHeader(-1) did not panic")
		}
	}()
	AppendChunkHeader(nil, -1)
}

func TestAppendLastChunk(t *testing.T) {
	t.Parallel()
	if got := string(AppendLastChunk([]byte("1\r\nx\r\n"))); got != "1\r\nx\r\n0\r\n\r\n" {
		t.Fatalf("AppendLastChunk = %q", got)
	}
}

// TestEncoderOutputDecodes ties both halves together: whatever the encoder
// writes, including a header written separately from its data, the decoder
// must accept unchanged.
func TestEncoderOutputDecodes(t *testing.T) {
	t.Parallel()
	var wire []byte
	wire = AppendChunk(wire, []byte("hello "))
	wire = AppendChunk(wire, nil)
	wire = AppendChunkHeader(wire, 5)
	wire = append(wire, "world"...)
	wire = append(wire, "\r\n"...)
	wire = AppendLastChunk(wire)
	got := decodePieces(t, NewDecoder(DefaultLimits()), [][]byte{wire})
	if got.err != nil || !got.done || string(got.payload) != "hello world" || len(got.rest) != 0 {
		t.Fatalf("decode(%q) = %+v", wire, got)
	}
}
