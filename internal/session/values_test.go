package session

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestEncodeValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values Values
		want   string
	}{
		{name: "nil", values: nil, want: ""},
		{name: "empty", values: Values{}, want: ""},
		{name: "sorted by key", values: Values{"b": "2", "a": "1", "c": "3"}, want: "a=1&b=2&c=3"},
		{name: "escaped", values: Values{"k": "a b&c=d%\n"}, want: "k=a+b%26c%3Dd%25%0A"},
		{name: "escaped key", values: Values{"a&b": "1"}, want: "a%26b=1"},
		{name: "empty value", values: Values{"k": ""}, want: "k="},
		{name: "non-ASCII", values: Values{"k": "é"}, want: "k=%C3%A9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := EncodeValues(tt.values); got != tt.want {
				t.Errorf("EncodeValues = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestApplyUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
		want   Values // starting from {"keep": "1", "old": "x"}
		ok     bool
	}{
		{name: "set", header: "user=ann", want: Values{"keep": "1", "old": "x", "user": "ann"}, ok: true},
		{name: "replace", header: "old=y", want: Values{"keep": "1", "old": "y"}, ok: true},
		{name: "delete", header: "old=", want: Values{"keep": "1"}, ok: true},
		{name: "delete absent", header: "absent=", want: Values{"keep": "1", "old": "x"}, ok: true},
		{name: "decoded value", header: "k=a+b%26c%3D", want: Values{"keep": "1", "old": "x", "k": "a b&c="}, ok: true},
		{name: "decoded key", header: "%6Bey=v", want: Values{"keep": "1", "old": "x", "key": "v"}, ok: true},
		{name: "equals in value", header: "k=a=b", want: Values{"keep": "1", "old": "x", "k": "a=b"}, ok: true},
		{name: "surrounding whitespace", header: " \tk=v\t ", want: Values{"keep": "1", "old": "x", "k": "v"}, ok: true},
		{name: "key punctuation", header: "a.b_c-D9=v", want: Values{"keep": "1", "old": "x", "a.b_c-D9": "v"}, ok: true},
		{name: "longest key", header: strings.Repeat("k", maxUpdateKeyLen) + "=v", want: Values{"keep": "1", "old": "x", strings.Repeat("k", maxUpdateKeyLen): "v"}, ok: true},
		{name: "longest value", header: "k=" + strings.Repeat("v", maxUpdateValueBytes), want: Values{"keep": "1", "old": "x", "k": strings.Repeat("v", maxUpdateValueBytes)}, ok: true},
		{name: "escaped value at limit", header: "k=" + strings.Repeat("%41", maxUpdateValueBytes), want: Values{"keep": "1", "old": "x", "k": strings.Repeat("A", maxUpdateValueBytes)}, ok: true},
		{name: "no equals", header: "user"},
		{name: "empty", header: ""},
		{name: "empty key", header: "=v"},
		{name: "key too long", header: strings.Repeat("k", maxUpdateKeyLen+1) + "=v"},
		{name: "escaped key too long", header: strings.Repeat("%6B", maxUpdateKeyLen+1) + "=v"},
		{name: "value too long", header: "k=" + strings.Repeat("v", maxUpdateValueBytes+1)},
		{name: "escaped value too long", header: "k=" + strings.Repeat("%41", maxUpdateValueBytes+1)},
		{name: "space in key", header: "a+b=v"},
		{name: "slash in key", header: "a/b=v"},
		{name: "escaped bad key", header: "a%2Fb=v"},
		{name: "non-ASCII key", header: "caf%C3%A9=v"},
		{name: "bad escape in key", header: "k%zz=v"},
		{name: "bad escape in value", header: "k=%z1"},
		{name: "truncated escape", header: "k=%4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := Values{"keep": "1", "old": "x"}
			err := ApplyUpdate(v, tt.header)
			if tt.ok {
				if err != nil {
					t.Fatalf("ApplyUpdate(%.40q): %v", tt.header, err)
				}
				if !maps.Equal(v, tt.want) {
					t.Errorf("values = %.80q; want %.80q", v, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrBadUpdate) {
				t.Fatalf("ApplyUpdate(%.40q) = %v; want ErrBadUpdate", tt.header, err)
			}
			if want := (Values{"keep": "1", "old": "x"}); !maps.Equal(v, want) {
				t.Errorf("a rejected update changed values to %q", v)
			}
		})
	}
}

// Each pair of EncodeValues, applied with ApplyUpdate, rebuilds the values.
func TestEncodeApplyRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		keys := rapid.StringMatching(`[A-Za-z0-9_.-]{1,64}`)
		values := rapid.StringOfN(rapid.Rune(), 1, 200, maxUpdateValueBytes)
		want := Values(rapid.MapOfN(keys, values, 0, 8).Draw(t, "values"))
		encoded := EncodeValues(want)
		got := make(Values)
		if encoded != "" {
			for pair := range strings.SplitSeq(encoded, "&") {
				if err := ApplyUpdate(got, pair); err != nil {
					t.Fatalf("ApplyUpdate(%q): %v", pair, err)
				}
			}
		}
		if !maps.Equal(got, want) {
			t.Fatalf("round trip of %q gave %q", want, got)
		}
		decoded, err := decodeValues(encoded)
		if err != nil || !maps.Equal(decoded, want) {
			t.Fatalf("decodeValues(%q) = %q, %v", encoded, decoded, err)
		}
	})
}

func BenchmarkEncodeValues(b *testing.B) {
	v := Values{"user": "ann", "cart": "3 items", "theme": "dark&light"}
	b.ReportAllocs()
	b.SetBytes(int64(valuesSize(v)))
	for b.Loop() {
		EncodeValues(v)
	}
}
