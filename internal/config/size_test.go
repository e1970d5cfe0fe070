package config

import (
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want int64
	}{
		{name: "bare bytes", in: "1048576", want: 1 << 20},
		{name: "zero", in: "0", want: 0},
		{name: "leading zeros", in: "007", want: 7},
		{name: "K", in: "512K", want: 512 << 10},
		{name: "KB", in: "2KB", want: 2 << 10},
		{name: "KiB", in: "3KiB", want: 3 << 10},
		{name: "M", in: "10M", want: 10 << 20},
		{name: "MB", in: "10MB", want: 10 << 20},
		{name: "MiB", in: "10MiB", want: 10 << 20},
		{name: "G", in: "1G", want: 1 << 30},
		{name: "GB", in: "4GB", want: 4 << 30},
		{name: "GiB", in: "5GiB", want: 5 << 30},
		{name: "lower case", in: "7m", want: 7 << 20},
		{name: "lower-case multiplier", in: "7miB", want: 7 << 20},
		{name: "lower-case KB", in: "1kB", want: 1 << 10},
		{name: "largest G", in: "8589934591G", want: 8589934591 << 30},
		{name: "max int64", in: "9223372036854775807", want: 1<<63 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSize(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseSizeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "empty", in: "", want: `invalid size "": want a number of bytes such as 1048576 or 10M`},
		{name: "unit only", in: "M", want: `invalid size "M": want a number of bytes such as 1048576 or 10M`},
		{name: "negative", in: "-1", want: `invalid size "-1": want a number of bytes such as 1048576 or 10M`},
		{name: "plus sign", in: "+1", want: `invalid size "+1": want a number of bytes such as 1048576 or 10M`},
		{name: "space before unit", in: "10 M", want: `invalid size "10 M": unknown unit " M" (want K, M or G)`},
		{name: "leading space", in: " 10", want: `invalid size " 10": want a number of bytes such as 1048576 or 10M`},
		{name: "trailing space", in: "10 ", want: `invalid size "10 ": unknown unit " " (want K, M or G)`},
		{name: "fraction", in: "1.5M", want: `invalid size "1.5M": unknown unit ".5M" (want K, M or G)`},
		{name: "terabytes", in: "1T", want: `invalid size "1T": unknown unit "T" (want K, M or G)`},
		{name: "bits", in: "1Mb", want: `invalid size "1Mb": unknown unit "Mb" (want K, M or G)`},
		{name: "upper-case I", in: "1MIB", want: `invalid size "1MIB": unknown unit "MIB" (want K, M or G)`},
		{name: "suffix without multiplier", in: "1B", want: `invalid size "1B": unknown unit "B" (want K, M or G)`},
		{name: "int64 overflow", in: "9223372036854775808", want: `invalid size "9223372036854775808": too large`},
		{name: "unit overflow", in: "8589934592G", want: `invalid size "8589934592G": too large`},
		{name: "absurd digits", in: "123456789012345678901234567890", want: `invalid size "123456789012345678901234567890": too large`},
		{
			name: "long input is truncated",
			in:   "1" + string(make([]byte, 60)),
			want: `invalid size "1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00…": unknown unit "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00…" (want K, M or G)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSize(tt.in)
			if err == nil {
				t.Fatalf("ParseSize(%q) = %d, want an error", tt.in, got)
			}
			if !errors.Is(err, ErrInvalidSize) {
				t.Errorf("ParseSize(%q) error %v does not wrap ErrInvalidSize", tt.in, err)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseSize(%q) error\n got %q\nwant %q", tt.in, err.Error(), tt.want)
			}
		})
	}
}

func BenchmarkParseSize(b *testing.B) {
	const in = "512MiB"
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ParseSize(in); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseSizeProperty checks every unit spelling against plain
// arithmetic, overflow included.
func TestParseSizeProperty(t *testing.T) {
	t.Parallel()
	units := map[string]int64{
		"": 1, "K": 1 << 10, "k": 1 << 10, "KB": 1 << 10, "kiB": 1 << 10,
		"M": 1 << 20, "mB": 1 << 20, "MiB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "giB": 1 << 30,
	}
	names := slices.Sorted(maps.Keys(units))
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.Int64Min(0).Draw(t, "n")
		unit := rapid.SampledFrom(names).Draw(t, "unit")
		mult := units[unit]
		got, err := ParseSize(strconv.FormatInt(n, 10) + unit)
		if n > math.MaxInt64/mult {
			if !errors.Is(err, ErrInvalidSize) {
				t.Fatalf("ParseSize(%d%s) = %d, %v; want an overflow error", n, unit, got, err)
			}
			return
		}
		if err != nil || got != n*mult {
			t.Fatalf("ParseSize(%d%s) = %d, %v; want %d", n, unit, got, err, n*mult)
		}
	})
}
