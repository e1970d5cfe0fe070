package static

import "testing"

func TestParseRange(t *testing.T) {
	t.Parallel()
	type verdict int
	const (
		partial verdict = iota // 206 with want
		ignore                 // 200
		unsat                  // 416
	)
	tests := []struct {
		name    string
		header  string
		size    int64
		verdict verdict
		want    Range
	}{
		{name: "first half", header: "bytes=0-499", size: 1000, want: Range{0, 500}},
		{name: "second half", header: "bytes=500-999", size: 1000, want: Range{500, 500}},
		{name: "single byte", header: "bytes=0-0", size: 1000, want: Range{0, 1}},
		{name: "last byte", header: "bytes=999-999", size: 1000, want: Range{999, 1}},
		{name: "open ended", header: "bytes=500-", size: 1000, want: Range{500, 500}},
		{name: "open ended whole", header: "bytes=0-", size: 1000, want: Range{0, 1000}},
		{name: "suffix", header: "bytes=-200", size: 1000, want: Range{800, 200}},
		{name: "suffix equal to size", header: "bytes=-1000", size: 1000, want: Range{0, 1000}},
		{name: "suffix longer than size", header: "bytes=-2000", size: 1000, want: Range{0, 1000}},
		{name: "last-pos clamped", header: "bytes=0-5000", size: 1000, want: Range{0, 1000}},
		{name: "last-pos clamped from middle", header: "bytes=990-1000000", size: 1000, want: Range{990, 10}},
		{name: "surrounding whitespace", header: " \tbytes=0-1\t ", size: 1000, want: Range{0, 2}},
		{name: "unit case-insensitive", header: "Bytes=0-1", size: 1000, want: Range{0, 2}},
		{name: "unit upper", header: "BYTES=-1", size: 1000, want: Range{999, 1}},
		{name: "leading zeros", header: "bytes=0010-0019", size: 1000, want: Range{10, 10}},
		{name: "largest suffix", header: "bytes=-9223372036854775807", size: 1000, want: Range{0, 1000}},
		{name: "first-pos at size", header: "bytes=1000-", size: 1000, verdict: unsat},
		{name: "first-pos beyond size", header: "bytes=1000-2000", size: 1000, verdict: unsat},
		{name: "max int first-pos", header: "bytes=9223372036854775807-", size: 1000, verdict: unsat},
		{name: "zero suffix", header: "bytes=-0", size: 1000, verdict: unsat},
		{name: "empty representation", header: "bytes=0-", size: 0, verdict: unsat},
		{name: "empty representation suffix", header: "bytes=-5", size: 0, verdict: unsat},
		{name: "two ranges", header: "bytes=0-1,2-3", size: 1000, verdict: ignore},
		{name: "two ranges with space", header: "bytes=0-1, 5-6", size: 1000, verdict: ignore},
		{name: "trailing comma", header: "bytes=0-1,", size: 1000, verdict: ignore},
		{name: "last before first", header: "bytes=5-3", size: 1000, verdict: ignore},
		{name: "empty set", header: "bytes=", size: 1000, verdict: ignore},
		{name: "lone dash", header: "bytes=-", size: 1000, verdict: ignore},
		{name: "no dash", header: "bytes=5", size: 1000, verdict: ignore},
		{name: "letters", header: "bytes=abc", size: 1000, verdict: ignore},
		{name: "hex", header: "bytes=0x10-", size: 1000, verdict: ignore},
		{name: "sign", header: "bytes=+1-2", size: 1000, verdict: ignore},
		{name: "two dashes", header: "bytes=1-2-3", size: 1000, verdict: ignore},
		{name: "negative", header: "bytes=--1", size: 1000, verdict: ignore},
		{name: "other unit", header: "items=0-1", size: 1000, verdict: ignore},
		{name: "unit prefix only", header: "bytesx=0-1", size: 1000, verdict: ignore},
		{name: "missing equals", header: "bytes 0-1", size: 1000, verdict: ignore},
		{name: "space around equals", header: "bytes = 0-1", size: 1000, verdict: ignore},
		{name: "space inside", header: "bytes=0 -1", size: 1000, verdict: ignore},
		{name: "empty header", header: "", size: 1000, verdict: ignore},
		{name: "overflow first", header: "bytes=99999999999999999999-", size: 1000, verdict: ignore},
		{name: "overflow by one", header: "bytes=9223372036854775808-", size: 1000, verdict: ignore},
		{name: "overflow last", header: "bytes=0-9223372036854775808", size: 1000, verdict: ignore},
		{name: "overflow suffix", header: "bytes=-9223372036854775808", size: 1000, verdict: ignore},
		{name: "too many digits even if small", header: "bytes=00000000000000000001-2", size: 1000, verdict: ignore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, ok, unsatisfiable := ParseRange([]byte(tt.header), tt.size)
			switch tt.verdict {
			case partial:
				if !ok || unsatisfiable || r != tt.want {
					t.Fatalf("ParseRange(%q, %d) = %+v, %v, %v; want %+v", tt.header, tt.size, r, ok, unsatisfiable, tt.want)
				}
				if r.Start < 0 || r.Length <= 0 || r.Start+r.Length > tt.size {
					t.Fatalf("range %+v outside representation of %d", r, tt.size)
				}
			case ignore:
				if ok || unsatisfiable {
					t.Fatalf("ParseRange(%q, %d) = %+v, %v, %v; want ignored", tt.header, tt.size, r, ok, unsatisfiable)
				}
			case unsat:
				if ok || !unsatisfiable {
					t.Fatalf("ParseRange(%q, %d) = %+v, %v, %v; want unsatisfiable", tt.header, tt.size, r, ok, unsatisfiable)
				}
			}
		})
	}
}

func TestAppendContentRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    Range
		size int64
		want string
	}{
		{name: "first byte", r: Range{0, 1}, size: 10, want: "bytes 0-0/10"},
		{name: "middle", r: Range{500, 500}, size: 1000, want: "bytes 500-999/1000"},
		{name: "whole", r: Range{0, 1000}, size: 1000, want: "bytes 0-999/1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(AppendContentRange([]byte("x"), tt.r, tt.size)); got != "x"+tt.want {
				t.Fatalf("got %q, want %q", got, "x"+tt.want)
			}
		})
	}
	if got := string(AppendUnsatisfiedRange(nil, 1000)); got != "bytes */1000" {
		t.Fatalf("AppendUnsatisfiedRange = %q", got)
	}
}

func BenchmarkParseRange(b *testing.B) {
	h := []byte("bytes=1048576-2097151")
	b.ReportAllocs()
	b.SetBytes(int64(len(h)))
	for b.Loop() {
		if _, ok, _ := ParseRange(h, 1<<30); !ok {
			b.Fatal("range not parsed")
		}
	}
}
