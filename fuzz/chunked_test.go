package fuzz

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http/httputil"
	"net/textproto"
	"testing"

	"ferrous/internal/chunked"
)

// chunkedErrors are the errors the decoder documents; anything else is a bug.
var chunkedErrors = []error{
	chunked.ErrBadChunkSize, chunked.ErrChunkSizeTooLong, chunked.ErrChunkSizeOverflow, chunked.ErrBadExtension,
	chunked.ErrExtensionTooLarge, chunked.ErrMissingCRLF, chunked.ErrBadTrailer, chunked.ErrTrailerTooLarge,
	chunked.ErrTooManyTrailers, chunked.ErrTooMuchOverhead,
}

// chunkedResult is what decoding one input produced. consumed counts every byte the decoder took, so on error
// it is where the offending byte is (the decoder consumes byte by byte, so this does not depend on the split).
type chunkedResult struct {
	done     bool
	err      error
	consumed int
	payload  []byte
}

// decodeChunked feeds pieces to d until it finishes or fails, checking the Feed contract on the way.
func decodeChunked(t testing.TB, d *chunked.Decoder, pieces [][]byte) chunkedResult {
	t.Helper()
	r := chunkedResult{payload: []byte{}}
	for _, piece := range pieces {
		for len(piece) > 0 {
			data, n, done, err := d.Feed(piece)
			if n < 0 || n > len(piece) {
				t.Fatalf("Feed consumed %d of %d bytes", n, len(piece))
			}
			if len(data) > 0 && (len(data) > n || &data[0] != &piece[n-len(data)]) {
				t.Fatalf("payload of %d bytes is not the end of the %d bytes consumed", len(data), n)
			}
			r.payload = append(r.payload, data...)
			r.consumed += n
			piece = piece[n:]
			if err != nil {
				if !knownError(err, chunkedErrors) {
					t.Fatalf("Feed returned undocumented error %T %v", err, err)
				}
				if _, again, _, err2 := d.Feed([]byte("0\r\n\r\n")); again != 0 || err2 != err {
					t.Fatalf("error %v is not sticky: next Feed = (%d, %v)", err, again, err2)
				}
				r.err = err
				return r
			}
			if done {
				if _, again, done2, err2 := d.Feed([]byte("0\r\n\r\n")); again != 0 || !done2 || err2 != nil {
					t.Fatalf("Feed after done = (%d, %v, %v), want (0, true, nil)", again, done2, err2)
				}
				r.done = true
				return r
			}
			if n == 0 {
				// The decoder keeps no bytes back, so input it does not consume would be input it never reads.
				t.Fatalf("Feed consumed nothing of %q without finishing or failing", piece)
			}
		}
	}
	return r
}

func knownError(err error, known []error) bool {
	for _, k := range known {
		if err == k {
			return true
		}
	}
	return false
}

// chunkedEdgeSeeds are the degenerate inputs the named corpus does not cover.
var chunkedEdgeSeeds = []string{"", "0", "0\r\n", "0\r\n\r", "1\r\n", "10\r\n0123456789abcdef\r\n0\r\n\r\n"}

// FuzzChunkedDecoder feeds arbitrary bytes to the chunked decoder and checks that
//   - the outcome does not depend on how the bytes are split, and Feed keeps its contract;
//   - the payload is never longer than the input that carried it;
//   - an accepted body ends at the reported offset (no prefix of it finishes or fails);
//   - an accepted payload re-encodes, as one chunk or many, and decodes to itself;
//   - decoding allocates nothing, however many calls it takes.
func FuzzChunkedDecoder(f *testing.F) {
	for _, wire := range chunkedEdgeSeeds {
		f.Add([]byte(wire))
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		var first chunkedResult
		for i, s := range splits(wire) {
			got := decodeChunked(t, chunked.NewDecoder(chunked.DefaultLimits()), s.pieces)
			if i == 0 {
				first = got
				continue
			}
			if got.done != first.done || got.err != first.err || got.consumed != first.consumed || !bytes.Equal(got.payload, first.payload) {
				t.Fatalf("%s: outcome %+v, whole input gave %+v", s.name, got, first)
			}
		}
		if len(first.payload) > first.consumed {
			t.Fatalf("decoded %d bytes from %d bytes of input", len(first.payload), first.consumed)
		}
		checkChunkedAllocations(t, wire)
		if !first.done {
			return
		}
		body := wire[:first.consumed]
		if prefix := decodeChunked(t, chunked.NewDecoder(chunked.DefaultLimits()), [][]byte{body[:len(body)-1]}); prefix.done || prefix.err != nil {
			t.Fatalf("a prefix of accepted body %q gives %+v", body, prefix)
		}
		checkChunkedRoundTrip(t, first.payload)
	})
}

func checkChunkedRoundTrip(t *testing.T, payload []byte) {
	oneChunk := chunked.AppendLastChunk(chunked.AppendChunk(nil, payload))
	var manyChunks []byte
	for _, piece := range derivedPieces(payload) {
		manyChunks = chunked.AppendChunk(manyChunks, piece)
	}
	manyChunks = chunked.AppendLastChunk(manyChunks)
	for _, wire := range [][]byte{oneChunk, manyChunks} {
		again := decodeChunked(t, chunked.NewDecoder(chunked.DefaultLimits()), [][]byte{wire})
		if !again.done || again.consumed != len(wire) || !bytes.Equal(again.payload, payload) {
			t.Fatalf("re-encoded payload %q as %q decodes to %+v", payload, wire, again)
		}
	}
}

// checkChunkedAllocations decodes the input one byte per call and requires no allocation beyond the decoder
// itself: the decoder is documented to hold counters only, never input bytes.
func checkChunkedAllocations(t *testing.T, wire []byte) {
	if !measureMemory(wire) {
		return
	}
	d := chunked.NewDecoder(chunked.DefaultLimits())
	allocated := heapAllocated(func() {
		for i := range wire {
			if _, _, done, err := d.Feed(wire[i : i+1]); done || err != nil {
				return
			}
		}
	})
	if allocated > allocSlack {
		t.Fatalf("decoding %d bytes allocated %d bytes", len(wire), allocated)
	}
}

// verdict is how a decoder judged a message it was given in full, up to the end of the input.
type verdict uint8

const (
	accepted  verdict = iota
	rejected          // the decoder refused the message
	truncated         // the input ended inside the message
)

func (v verdict) String() string {
	switch v {
	case accepted:
		return "accepted"
	case rejected:
		return "rejected"
	}
	return "truncated"
}

// disagree reports whether two verdicts need explaining: one side accepted and the other did not. Rejected
// against truncated needs no explaining: the side that ran out of input has not judged the message yet.
func disagree(ours, theirs verdict) bool {
	return (ours == accepted) != (theirs == accepted)
}

// chunkedPair is one input decoded by ferrous and by the standard library.
type chunkedPair struct {
	wire         []byte
	ours         chunkedResult
	oursVerdict  verdict
	theirs       stdChunked
	theirVerdict verdict
}

// stdChunked is the standard library's reading of a chunked body: httputil's chunked reader up to and including
// the last-chunk line, then, as net/http's body reader does, textproto for the trailer section.
type stdChunked struct {
	payload []byte
	err     error
	// trailerStart is where the trailer section begins, once the last-chunk line has been read; else -1.
	trailerStart int
	// consumed is where the message ends, once accepted.
	consumed int
}

func decodeChunkedStd(wire []byte) stdChunked {
	src := bytes.NewReader(wire)
	br := bufio.NewReader(src)
	offset := func() int { return len(wire) - src.Len() - br.Buffered() }
	payload, err := io.ReadAll(httputil.NewChunkedReader(br))
	s := stdChunked{payload: payload, err: err, trailerStart: -1}
	if err != nil {
		return s
	}
	s.trailerStart = offset()
	if end, _ := br.Peek(2); string(end) == "\r\n" {
		br.Discard(2)
	} else if _, s.err = textproto.NewReader(br).ReadMIMEHeader(); s.err != nil {
		return s
	}
	s.consumed = offset()
	return s
}

func (s stdChunked) verdict() verdict {
	switch {
	case s.err == nil:
		return accepted
	case errors.Is(s.err, io.ErrUnexpectedEOF), errors.Is(s.err, io.EOF):
		return truncated
	}
	return rejected
}

func newChunkedPair(t testing.TB, wire []byte) *chunkedPair {
	p := &chunkedPair{wire: wire, ours: decodeChunked(t, chunked.NewDecoder(chunked.DefaultLimits()), [][]byte{wire})}
	switch {
	case p.ours.done:
		p.oursVerdict = accepted
	case p.ours.err != nil:
		p.oursVerdict = rejected
	default:
		p.oursVerdict = truncated
	}
	p.theirs = decodeChunkedStd(wire)
	p.theirVerdict = p.theirs.verdict()
	return p
}

// agreesFully reports whether both decoders accepted the same payload ending at the same byte, or neither
// accepted.
func (p *chunkedPair) agreesFully() bool {
	if disagree(p.oursVerdict, p.theirVerdict) {
		return false
	}
	return p.oursVerdict != accepted ||
		bytes.Equal(p.ours.payload, p.theirs.payload) && p.ours.consumed == p.theirs.consumed
}

// chunkedDifference is a documented, deliberate way in which ferrous's chunked decoder and the standard
// library's may judge the same bytes differently. example must show it.
type chunkedDifference struct {
	name    string
	why     string
	example string
	applies func(p *chunkedPair) bool
}

// offendingLine returns the line of wire holding the byte at offset (where ferrous stopped), without its CRLF.
func offendingLine(wire []byte, offset int) []byte {
	start := bytes.LastIndex(wire[:offset], []byte("\r\n"))
	if start < 0 {
		start = 0
	} else {
		start += len("\r\n")
	}
	end := bytes.IndexByte(wire[offset:], '\n')
	if end < 0 {
		return wire[start:]
	}
	return bytes.TrimSuffix(wire[start:offset+end], []byte("\r"))
}

// inTrailer reports whether ferrous stopped inside the trailer section, as the standard library located it.
func (p *chunkedPair) inTrailer() bool {
	return p.theirs.trailerStart >= 0 && p.ours.consumed >= p.theirs.trailerStart
}

// stdLineLimit is the shortest chunk line (CRLF excluded) net/http refuses: with its CRLF it no longer fits
// the 4096-byte bufio buffer the line is read into.
const stdLineLimit = 4096 - len("\r\n") + 1

// chunkedDifferences is the complete list of allowed differences between the decoders. FuzzChunkedDifferential
// fails on any disagreement none of them explains; TestChunkedDifferences replays every example.
var chunkedDifferences = []chunkedDifference{
	{
		name:    "whitespace after chunk-size",
		why:     "net/http trims trailing SP/HTAB from a chunk line; RFC 9112 §7.1 allows BWS only before a chunk-ext, and ferrous refuses a size another hop might read as malformed",
		example: "3 \r\nabc\r\n0\r\n\r\n",
		applies: func(p *chunkedPair) bool {
			line := offendingLine(p.wire, p.ours.consumed)
			return p.ours.err == chunked.ErrBadChunkSize && isHexThenOWS(line)
		},
	},
	{
		name:    "chunk-ext grammar",
		why:     "net/http discards everything after ';' unparsed; ferrous checks chunk-ext against RFC 9112 §7.1.1 so that no hop can find a different line ending inside it",
		example: "3;a=\"b\r\nabc\r\n0\r\n\r\n",
		applies: func(p *chunkedPair) bool { return p.ours.err == chunked.ErrBadExtension },
	},
	{
		name:    "chunk-ext budget",
		why:     "ferrous caps chunk extensions at 4 KiB per message; net/http only caps each line at 4 KiB and charges extensions to its overhead budget",
		example: "1;" + string(bytes.Repeat([]byte("e"), 3000)) + "\r\na\r\n1;" + string(bytes.Repeat([]byte("e"), 3000)) + "\r\na\r\n0\r\n\r\n",
		applies: func(p *chunkedPair) bool { return p.ours.err == chunked.ErrExtensionTooLarge },
	},
	{
		name:    "framing overhead accounting",
		why:     "both charge framing bytes beyond 16 per chunk plus twice the chunk size to a 16 KiB budget, but ferrous also charges the CRLF that ends each chunk line, so it gives up two bytes per chunk sooner",
		example: string(bytes.Repeat([]byte("0000000000000001\r\nx\r\n"), 8200)) + "0\r\n\r\n",
		applies: func(p *chunkedPair) bool { return p.ours.err == chunked.ErrTooMuchOverhead },
	},
	{
		name:    "lenient trailer section",
		why:     "net/http reads the trailer with textproto, which accepts bare LF line endings, obs-fold and whitespace before the colon; ferrous applies the head's strictness to trailers, which it discards anyway",
		example: "0\r\nX: a\n\n",
		applies: func(p *chunkedPair) bool {
			return p.inTrailer() && (p.ours.err == chunked.ErrBadTrailer || p.ours.err == chunked.ErrMissingCRLF)
		},
	},
	{
		name:    "trailer limits",
		why:     "ferrous caps the trailer section at 8 KiB and 32 fields; textproto has no cap of its own (net/http's body reader caps it at its 4 KiB buffer instead)",
		example: "0\r\n" + string(bytes.Repeat([]byte("T: v\r\n"), 33)) + "\r\n",
		applies: func(p *chunkedPair) bool {
			return p.ours.err == chunked.ErrTrailerTooLarge || p.ours.err == chunked.ErrTooManyTrailers
		},
	},
	{
		name:    "chunk line length",
		why:     "net/http refuses a chunk line that does not fit its 4 KiB bufio buffer; ferrous bounds the size digits and the message's total extension bytes instead, so one long extension fits",
		example: "0000000000000001;" + string(bytes.Repeat([]byte("e"), stdLineLimit-len("0000000000000001;"))) + "\r\na\r\n0\r\n\r\n",
		applies: func(p *chunkedPair) bool {
			return p.oursVerdict == accepted && p.theirVerdict == rejected && hasLongLine(p.wire[:p.ours.consumed], stdLineLimit)
		},
	},
}

func isHexThenOWS(line []byte) bool {
	i := 0
	for i < len(line) && isHexDigit(line[i]) {
		i++
	}
	if i == 0 || i == len(line) {
		return false
	}
	return len(bytes.TrimRight(line[i:], " \t")) == 0
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hasLongLine reports whether b holds a line of at least limit bytes, line ending excluded.
func hasLongLine(b []byte, limit int) bool {
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte("\n"))
		if len(bytes.TrimSuffix(line, []byte("\r"))) >= limit {
			return true
		}
		b = rest
	}
	return false
}

// explain returns the first documented difference that accounts for the pair, or nil.
func (p *chunkedPair) explain() *chunkedDifference {
	for i := range chunkedDifferences {
		if chunkedDifferences[i].applies(p) {
			return &chunkedDifferences[i]
		}
	}
	return nil
}

// FuzzChunkedDifferential decodes arbitrary bytes with ferrous and with net/http/httputil's chunked reader
// (followed by textproto for the trailer, as net/http does). Where one accepts and the other does not, or both
// accept but disagree on the payload or on where the body ends, the difference must be a documented one.
func FuzzChunkedDifferential(f *testing.F) {
	for _, wire := range chunkedEdgeSeeds {
		f.Add([]byte(wire))
	}
	for _, d := range chunkedDifferences {
		if len(d.example) <= maxExampleSeed {
			f.Add([]byte(d.example))
		}
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		p := newChunkedPair(t, wire)
		if p.agreesFully() {
			return
		}
		if d := p.explain(); d == nil {
			t.Fatalf("undocumented difference on %s:\nferrous: %s payload=%s err=%v consumed=%d\nnet/http: %s payload=%s err=%v consumed=%d",
				abbrev(wire), p.oursVerdict, abbrev(p.ours.payload), p.ours.err, p.ours.consumed,
				p.theirVerdict, abbrev(p.theirs.payload), p.theirs.err, p.theirs.consumed)
		}
	})
}

func TestChunkedDifferences(t *testing.T) {
	t.Parallel()
	for _, d := range chunkedDifferences {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			p := newChunkedPair(t, []byte(d.example))
			if p.agreesFully() {
				t.Fatalf("example %s: both decoders agree (%s)", abbrev([]byte(d.example)), p.oursVerdict)
			}
			got := "no documented difference"
			if e := p.explain(); e != nil {
				got = e.name
			}
			if got != d.name {
				t.Fatalf("example %s is explained by %q, want %q", abbrev([]byte(d.example)), got, d.name)
			}
		})
	}
}
