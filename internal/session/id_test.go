package session

import (
	"strings"
	"testing"
)

func TestNewID(t *testing.T) {
	t.Parallel()
	const draws = 1000
	seen := make(map[string]bool, draws)
	for range draws {
		id, err := NewID()
		if err != nil {
			t.Fatalf("NewID: %v", err)
		}
		if !ValidID(id) {
			t.Fatalf("NewID returned %q, which ValidID rejects", id)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
}

func TestValidID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{name: "lowercase hex", id: "0123456789abcdef0123456789abcdef", want: true},
		{name: "all zero", id: strings.Repeat("0", IDLen), want: true},
		{name: "empty", id: ""},
		{name: "one short", id: strings.Repeat("a", IDLen-1)},
		{name: "one long", id: strings.Repeat("a", IDLen+1)},
		{name: "uppercase", id: "0123456789ABCDEF0123456789abcdef"},
		{name: "non-hex letter", id: "0123456789abcdeg0123456789abcdef"},
		{name: "parent path", id: "../" + strings.Repeat("a", IDLen-3)},
		{name: "slash", id: strings.Repeat("a", IDLen-1) + "/"},
		{name: "dot", id: "." + strings.Repeat("a", IDLen-1)},
		{name: "NUL", id: strings.Repeat("a", IDLen-1) + "\x00"},
		{name: "multibyte same length", id: "\xc3\xa9" + strings.Repeat("a", IDLen-2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ValidID(tt.id); got != tt.want {
				t.Errorf("ValidID(%q) = %v; want %v", tt.id, got, tt.want)
			}
		})
	}
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(IDLen)
	for b.Loop() {
		if _, err := NewID(); err != nil {
			b.Fatal(err)
		}
	}
}
