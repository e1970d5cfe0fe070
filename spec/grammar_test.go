package spec

import (
	"errors"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"ferrous/internal/chunked"
	"ferrous/internal/h1"
)

// acceptsHead reports whether the h1 parser accepts msg as a complete head, fed at once and one byte at a
// time; it fails t when the two disagree.
func acceptsHead(t *testing.T, msg string) bool {
	t.Helper()
	whole := ParseHead(t, []byte(msg), nil)
	every := make([]int, len(msg))
	for i := range every {
		every[i] = i
	}
	byByte := ParseHead(t, []byte(msg), every)
	if whole.Err != byByte.Err || whole.Done != byByte.Done {
		t.Fatalf("%q: at once (%v, %v), byte by byte (%v, %v)", msg, whole.Done, whole.Err, byByte.Done, byByte.Err)
	}
	return whole.Done && whole.Err == nil
}

// acceptsChunked reports whether the chunked decoder accepts body completely.
func acceptsChunked(body string) bool {
	_, consumed, done, err := decodeChunked([]byte(body), nil)
	return err == nil && done && consumed == len(body)
}

// TestParserOctetsMatchGrammar feeds every octet 0-255 to the parsers in each position the grammar constrains
// and checks that acceptance matches the byte classes of grammar.go, so the parsers' own tables cannot drift
// from the ABNF.
func TestParserOctetsMatchGrammar(t *testing.T) {
	t.Parallel()
	const prefix = "GET / HTTP/1.1\r\nHost: localhost\r\n"
	tests := []struct {
		name   string
		accept func(t *testing.T, c byte) bool
		want   ByteSet
	}{
		// field-name = token: the octet starts the name (":" would leave it empty, SP would be obs-fold).
		{name: "field name", want: TChar, accept: func(t *testing.T, c byte) bool {
			return acceptsHead(t, prefix+string(c)+"-Name: v\r\n\r\n")
		}},
		// Inside a field value: field-vchar, SP or HTAB.
		{name: "field value inside", want: FieldValueByte, accept: func(t *testing.T, c byte) bool {
			return acceptsHead(t, prefix+"X-V: a"+string(c)+"b\r\n\r\n")
		}},
		// A value made of the octet alone: field-vchar, or OWS that is trimmed away.
		{name: "field value alone", want: FieldVChar.Union(OWSByte), accept: func(t *testing.T, c byte) bool {
			return acceptsHead(t, prefix+"X-V:"+string(c)+"\r\n\r\n")
		}},
		{name: "trailer field name", want: TChar, accept: func(t *testing.T, c byte) bool {
			return acceptsChunked("0\r\n" + string(c) + "-T: v\r\n\r\n")
		}},
		{name: "trailer field value", want: FieldValueByte, accept: func(t *testing.T, c byte) bool {
			return acceptsChunked("0\r\nX-T: a" + string(c) + "b\r\n\r\n")
		}},
		// chunk-ext-name = token: the octet is the whole name (inside one, ";" or "=" would start another part).
		{name: "chunk extension name", want: TChar, accept: func(t *testing.T, c byte) bool {
			return acceptsChunked("0;" + string(c) + "\r\n\r\n")
		}},
		{name: "chunk extension quoted value", want: QDText, accept: func(t *testing.T, c byte) bool {
			return acceptsChunked("0;a=\"" + string(c) + "\"\r\n\r\n")
		}},
		{name: "chunk extension quoted pair", want: QuotedPairByte, accept: func(t *testing.T, c byte) bool {
			return acceptsChunked("0;a=\"\\" + string(c) + "\"\r\n\r\n")
		}},
		{name: "chunk size digit", want: HexDig, accept: func(t *testing.T, c byte) bool {
			return acceptsChunked("1" + string(c) + "\r\n" + string(make([]byte, 16+hexOrZero(c))) + "\r\n0\r\n\r\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for c := 0; c < 256; c++ {
				if got, want := tt.accept(t, byte(c)), tt.want.Has(byte(c)); got != want {
					t.Errorf("octet %#02x: accepted=%v, grammar says %v", c, got, want)
				}
			}
		})
	}
}

// hexOrZero is the value of a hex digit, or 0 for any other octet.
func hexOrZero(c byte) int {
	var v int
	if _, err := fmt.Sscanf(string(c), "%x", &v); err != nil || !HexDig.Has(c) {
		return 0
	}
	return v
}

func TestLeadingEmptyLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		lines   int
		wantErr error
	}{
		{name: "none", lines: 0},
		{name: "one", lines: 1},
		{name: "eight", lines: 8},
		{name: "nine", lines: 9, wantErr: h1.ErrTooManyEmptyLines},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := []byte(fmt.Sprintf("%sGET / HTTP/1.1\r\nHost: a\r\n\r\n", repeatCRLF(tt.lines)))
			for cut := 0; cut <= len(msg); cut++ {
				out := ParseHead(t, msg, []int{cut})
				if !errors.Is(out.Err, tt.wantErr) || (tt.wantErr == nil && !out.Done) {
					t.Fatalf("split at %d: done=%v err=%v, want err %v", cut, out.Done, out.Err, tt.wantErr)
				}
			}
		})
	}
}

func repeatCRLF(n int) string {
	s := ""
	for range n {
		s += "\r\n"
	}
	return s
}

// TestGeneratorsFollowGrammar checks the generators against the byte classes, so that a property failure
// always points at the code under test rather than at a generator that left the grammar.
func TestGeneratorsFollowGrammar(t *testing.T) {
	t.Parallel()
	onlyFrom := func(t *rapid.T, what, s string, set ByteSet) {
		for i := 0; i < len(s); i++ {
			if !set.Has(s[i]) {
				t.Fatalf("%s %q has octet %#02x outside its class", what, s, s[i])
			}
		}
	}
	tests := []struct {
		name  string
		check func(*rapid.T)
	}{
		{name: "token", check: func(t *rapid.T) { onlyFrom(t, "token", TokenGen(maxTokenLen).Draw(t, "token"), TChar) }},
		{name: "field value", check: func(t *rapid.T) {
			v := FieldValueGen().Draw(t, "value")
			onlyFrom(t, "value", v, FieldValueByte)
			if v != "" && (OWSByte.Has(v[0]) || OWSByte.Has(v[len(v)-1])) {
				t.Fatalf("value %q starts or ends with OWS", v)
			}
		}},
		{name: "OWS", check: func(t *rapid.T) { onlyFrom(t, "OWS", OWSGen().Draw(t, "ows"), OWSByte) }},
		{name: "origin-form", check: func(t *rapid.T) {
			target := OriginFormGen().Draw(t, "target")
			if target[0] != '/' {
				t.Fatalf("origin-form %q does not start with /", target)
			}
			onlyFrom(t, "origin-form", target, QueryByte.Union(charsOf("%")))
		}},
		{name: "chunk-ext", check: func(t *rapid.T) {
			ext := ChunkExtGen().Draw(t, "ext")
			if !acceptsChunked("0" + ext + "\r\n\r\n") {
				t.Fatalf("chunk-ext %q refused", ext)
			}
		}},
		{name: "trailer section", check: func(t *rapid.T) {
			tr := TrailerSectionGen().Draw(t, "trailers")
			d := chunked.NewDecoder(chunked.Limits{})
			if _, _, done, err := d.Feed([]byte("0\r\n" + tr + "\r\n")); err != nil || !done {
				t.Fatalf("trailer section %q: done=%v err=%v", tr, done, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rapid.Check(t, tt.check)
		})
	}
}
