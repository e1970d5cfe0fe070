package fuzz

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestDerivedPieces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
	}{
		{name: "empty", input: ""},
		{name: "one byte", input: "x"},
		{name: "request head", input: browserGET},
		{name: "long", input: strings.Repeat("0123456789", 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			input := []byte(tt.input)
			pieces := derivedPieces(input)
			for i, p := range pieces {
				if len(p) == 0 {
					t.Fatalf("piece %d is empty", i)
				}
			}
			if joined := bytes.Join(pieces, nil); !bytes.Equal(joined, input) {
				t.Fatalf("pieces join to %q, want the input", joined)
			}
			if again := derivedPieces(input); !reflect.DeepEqual(again, pieces) {
				t.Fatal("the same input was cut differently")
			}
			if len(input) > mediumPiece && len(pieces) < 2 {
				t.Fatalf("a %d-byte input was not cut", len(input))
			}
		})
	}
}

// TestHeapAllocatedMeasures checks the instrument behind every memory bound: a bound is only as good as the
// measurement it is compared with. It is not parallel, since allocations of concurrent tests would count.
func TestHeapAllocatedMeasures(t *testing.T) {
	tests := []struct {
		name     string
		size     int
		min, max uint64
	}{
		{name: "nothing", size: 0, min: 0, max: allocSlack},
		{name: "one large buffer", size: 1 << 20, min: 1 << 20, max: 1<<20 + allocSlack},
	}
	var sink []byte
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := heapAllocated(func() {
				if tt.size > 0 {
					sink = make([]byte, tt.size)
				}
			})
			if got < tt.min || got > tt.max {
				t.Fatalf("measured %d bytes, want %d to %d", got, tt.min, tt.max)
			}
		})
	}
	_ = sink
}
