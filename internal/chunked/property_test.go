package chunked

import (
	"bytes"
	"io"
	"net/http/httputil"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

const tcharBytes = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

var (
	tokenGen = rapid.Map(rapid.SliceOfN(rapid.SampledFrom([]byte(tcharBytes)), 1, 8),
		func(b []byte) string { return string(b) })
	bwsGen = rapid.StringMatching(`[ \t]{0,2}`)
	// quotedGen draws quoted-strings rich in the bytes a sloppy parser
	// would mistake for framing: quotes, backslashes, ";", "=", obs-text.
	quotedGen = rapid.Custom(func(t *rapid.T) string {
		content := rapid.SliceOfN(rapid.SampledFrom([]byte("a ~\t\"\\;=,\x80\xff")), 0, 8).Draw(t, "quoted")
		var b strings.Builder
		b.WriteByte('"')
		for _, c := range content {
			if c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		b.WriteByte('"')
		return b.String()
	})
	fieldValueGen = rapid.Map(rapid.SliceOfN(rapid.SampledFrom([]byte("aZ0 \t:;\"\\\x80\xff~")), 0, 12),
		func(b []byte) string { return strings.Trim(string(b), " \t") })
)

// extGen draws a chunk-ext of up to three parameters. net/http rejects BWS
// between chunk-size and the first ";" (RFC 9112 allows it), so the
// differential test turns that BWS off.
func extGen(bwsBeforeFirstSemicolon bool) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		var b strings.Builder
		for i := range rapid.IntRange(0, 3).Draw(t, "extCount") {
			if i > 0 || bwsBeforeFirstSemicolon {
				b.WriteString(bwsGen.Draw(t, "bws"))
			}
			b.WriteByte(';')
			b.WriteString(bwsGen.Draw(t, "bws"))
			b.WriteString(tokenGen.Draw(t, "extName"))
			if rapid.Bool().Draw(t, "hasValue") {
				b.WriteString(bwsGen.Draw(t, "bws"))
				b.WriteByte('=')
				b.WriteString(bwsGen.Draw(t, "bws"))
				b.WriteString(rapid.OneOf(tokenGen, quotedGen).Draw(t, "extValue"))
			}
		}
		return b.String()
	})
}

// encodeWithExtensions frames payload as the chunks ending at cuts, giving
// each chunk line random hex case, leading zeros and extensions, then the
// last-chunk and the trailers.
func encodeWithExtensions(t *rapid.T, payload []byte, cuts []int, ext *rapid.Generator[string], trailers []string) []byte {
	var wire []byte
	start := 0
	for _, end := range append(cuts, len(payload)) {
		if end == start {
			continue
		}
		wire = appendSizeLine(t, wire, end-start, ext)
		wire = append(wire, payload[start:end]...)
		wire = append(wire, "\r\n"...)
		start = end
	}
	wire = appendSizeLine(t, wire, 0, ext)
	for _, tr := range trailers {
		wire = append(wire, tr...)
		wire = append(wire, "\r\n"...)
	}
	return append(wire, "\r\n"...)
}

func appendSizeLine(t *rapid.T, dst []byte, size int, ext *rapid.Generator[string]) []byte {
	hex := strconv.FormatUint(uint64(size), 16)
	if rapid.Bool().Draw(t, "upper") {
		hex = strings.ToUpper(hex)
	}
	zeros := rapid.IntRange(0, defaultMaxChunkSizeDigits-len(hex)).Draw(t, "zeros")
	dst = append(dst, strings.Repeat("0", zeros)...)
	dst = append(dst, hex...)
	dst = append(dst, ext.Draw(t, "ext")...)
	return append(dst, "\r\n"...)
}

var trailersGen = rapid.SliceOfN(rapid.Custom(func(t *rapid.T) string {
	return tokenGen.Draw(t, "fieldName") + ":" + bwsGen.Draw(t, "ows") + fieldValueGen.Draw(t, "fieldValue") + bwsGen.Draw(t, "ows")
}), 0, 3)

// drawMessage draws a payload and a valid chunked encoding of it. Chunk count
// and extension sizes stay small enough that the default extension and
// overhead budgets always hold.
func drawMessage(t *rapid.T, ext *rapid.Generator[string]) (payload, wire []byte, trailers []string) {
	payload = rapid.SliceOfN(rapid.Byte(), 0, 4096).Draw(t, "payload")
	cuts := rapid.SliceOfN(rapid.IntRange(0, len(payload)), 0, 32).Draw(t, "cuts")
	slices.Sort(cuts)
	trailers = trailersGen.Draw(t, "trailers")
	return payload, encodeWithExtensions(t, payload, cuts, ext, trailers), trailers
}

// drawPieces cuts in at random points, as a network would.
func drawPieces(t *rapid.T, in []byte) [][]byte {
	cuts := rapid.SliceOfN(rapid.IntRange(0, len(in)), 0, 16).Draw(t, "splits")
	slices.Sort(cuts)
	var pieces [][]byte
	start := 0
	for _, c := range cuts {
		pieces = append(pieces, in[start:c])
		start = c
	}
	return append(pieces, in[start:])
}

func TestRoundTripAnySplit(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		payload, wire, trailers := drawMessage(t, extGen(true))
		d := NewDecoder(DefaultLimits())
		got := decodePieces(t, d, drawPieces(t, wire))
		if got.err != nil || !got.done {
			t.Fatalf("decode(%q): done = %v, err = %v", wire, got.done, got.err)
		}
		if !bytes.Equal(got.payload, payload) {
			t.Fatalf("decode(%q) payload = %q, want %q", wire, got.payload, payload)
		}
		if len(got.rest) != 0 {
			t.Fatalf("decode(%q) left %q unconsumed", wire, got.rest)
		}
		if len(got.payload) > len(wire) {
			t.Fatalf("decoded %d bytes from %d bytes of input", len(got.payload), len(wire))
		}
		if d.Trailers() != len(trailers) {
			t.Fatalf("Trailers() = %d, want %d", d.Trailers(), len(trailers))
		}
	})
}

// chunkedishGen draws mostly invalid inputs built from framing fragments,
// so that every state and error path is reached from many directions.
var chunkedishGen = rapid.Map(rapid.SliceOfN(rapid.OneOf(
	rapid.SampledFrom([]string{
		"0", "1", "5", "a", "F", "00000000", "\r\n", "\r", "\n", ";", " ", "\t", "=",
		"\"", "\\", "x", "hello", ":", "T: v", "\x00", "\x7f", "\x80",
	}),
	rapid.Map(rapid.SliceOfN(rapid.Byte(), 1, 3), func(b []byte) string { return string(b) }),
), 0, 40), func(parts []string) []byte { return []byte(strings.Join(parts, "")) })

func TestAnyInputSplitInvariant(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		in := chunkedishGen.Draw(t, "input")
		whole := NewDecoder(DefaultLimits())
		want := decodePieces(t, whole, [][]byte{in})
		split := NewDecoder(DefaultLimits())
		got := decodePieces(t, split, drawPieces(t, in))
		if got.err != want.err || got.done != want.done || !bytes.Equal(got.payload, want.payload) ||
			!bytes.Equal(got.rest, want.rest) || split.Trailers() != whole.Trailers() {
			t.Fatalf("input %q: split gives %+v, whole gives %+v", in, got, want)
		}
		if len(got.payload) > len(in) {
			t.Fatalf("decoded %d bytes from %d bytes of input", len(got.payload), len(in))
		}
	})
}

// TestDifferentialNetHTTP checks that valid encodings decode to the same
// payload as the standard library's reader. That reader stops after the
// last-chunk line, so trailers play no part in the comparison.
func TestDifferentialNetHTTP(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		payload, wire, _ := drawMessage(t, extGen(false))
		theirs, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(wire)))
		if err != nil {
			t.Fatalf("net/http rejects %q: %v", wire, err)
		}
		ours := decodePieces(t, NewDecoder(DefaultLimits()), drawPieces(t, wire))
		if ours.err != nil || !ours.done {
			t.Fatalf("decode(%q): done = %v, err = %v", wire, ours.done, ours.err)
		}
		if !bytes.Equal(ours.payload, theirs) || !bytes.Equal(theirs, payload) {
			t.Fatalf("payloads differ for %q:\nours   %q\ntheirs %q", wire, ours.payload, theirs)
		}
	})
}

// FuzzFeed runs the split-invariance and re-encoding properties on arbitrary
// input, seeded with every table row.
func FuzzFeed(f *testing.F) {
	for _, tc := range decodeCases() {
		if len(tc.input) <= 4096 {
			f.Add([]byte(tc.input), uint16(len(tc.input)/2))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, cut uint16) {
		at := int(cut) % (len(in) + 1)
		whole := decodePieces(t, NewDecoder(DefaultLimits()), [][]byte{in})
		split := decodePieces(t, NewDecoder(DefaultLimits()), [][]byte{in[:at], in[at:]})
		if split.err != whole.err || split.done != whole.done ||
			!bytes.Equal(split.payload, whole.payload) || !bytes.Equal(split.rest, whole.rest) {
			t.Fatalf("split at %d gives %+v, whole gives %+v", at, split, whole)
		}
		if len(whole.payload) > len(in) {
			t.Fatalf("decoded %d bytes from %d bytes of input", len(whole.payload), len(in))
		}
		if !whole.done {
			return
		}
		wire := AppendLastChunk(AppendChunk(nil, whole.payload))
		again := decodePieces(t, NewDecoder(DefaultLimits()), [][]byte{wire})
		if again.err != nil || !again.done || !bytes.Equal(again.payload, whole.payload) {
			t.Fatalf("re-encoded payload does not round-trip: %+v", again)
		}
	})
}

// feedByStep is Feed without its fast paths: every framing byte goes through step. It is the reference the
// fast paths must agree with, call by call.
func feedByStep(d *Decoder, src []byte) (data []byte, n int, done bool, err error) {
	if d.err != nil {
		return nil, 0, false, d.err
	}
	if d.state == stDone {
		return nil, 0, true, nil
	}
	for i := 0; i < len(src); {
		if d.state == stData {
			take := int(min(int64(len(src)-i), d.remaining))
			d.remaining -= int64(take)
			if d.remaining == 0 {
				d.state = stDataCR
			}
			return src[i : i+take], i + take, false, nil
		}
		if err := d.step(src[i]); err != nil {
			d.err = err
			return nil, i, false, err
		}
		i++
		if d.state == stDone {
			return nil, i, true, nil
		}
	}
	return nil, len(src), false, nil
}

// TestFastPathsMatchStep checks that Feed returns, call by call, exactly what stepping through every framing
// byte returns, including how many bytes an error leaves accepted, under default and tiny limits.
func TestFastPathsMatchStep(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		var in []byte
		if rapid.Bool().Draw(t, "valid") {
			_, in, _ = drawMessage(t, rapid.Just(""))
		} else {
			in = chunkedishGen.Draw(t, "input")
		}
		l := Limits{MaxChunkSizeDigits: rapid.IntRange(0, 3).Draw(t, "digits")}
		fast, slow := NewDecoder(l), NewDecoder(l)
		pieces := drawPieces(t, in)
		for _, piece := range pieces {
			for {
				fData, fN, fDone, fErr := fast.Feed(piece)
				sData, sN, sDone, sErr := feedByStep(slow, piece)
				if fN != sN || fDone != sDone || fErr != sErr || !bytes.Equal(fData, sData) {
					t.Fatalf("input %q, piece %q: Feed = (%q, %d, %v, %v), step by step = (%q, %d, %v, %v)",
						in, piece, fData, fN, fDone, fErr, sData, sN, sDone, sErr)
				}
				if *fast != *slow {
					t.Fatalf("input %q, piece %q: decoder states differ: %+v vs %+v", in, piece, *fast, *slow)
				}
				piece = piece[fN:]
				if fErr != nil || fDone || fN == 0 || len(piece) == 0 {
					break
				}
			}
		}
	})
}
