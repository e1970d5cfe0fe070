package chunked

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// decoded is everything a caller can observe from feeding one message.
type decoded struct {
	payload []byte
	done    bool
	err     error
	rest    []byte // input left unconsumed after done
}

// fataler is the part of testing.TB that *rapid.T also provides.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// decodePieces plays the caller's role: it appends each piece to a pending
// buffer and calls Feed until the decoder needs more input, carrying the
// unconsumed rest over. It also checks the Feed contract on every call.
func decodePieces(t fataler, d *Decoder, pieces [][]byte) decoded {
	t.Helper()
	var pending, payload []byte
	for i, piece := range pieces {
		pending = append(pending, piece...)
		for {
			data, n, done, err := d.Feed(pending)
			if n < 0 || n > len(pending) {
				t.Fatalf("Feed consumed %d of %d bytes", n, len(pending))
			}
			if len(data) > 0 {
				// The payload must be the tail of what was consumed, in place.
				if len(data) > n || &data[0] != &pending[n-len(data)] {
					t.Fatalf("Feed returned data that is not src[n-len(data):n]")
				}
			}
			payload = append(payload, data...)
			pending = pending[n:]
			if err != nil {
				return decoded{payload: payload, err: err}
			}
			if done {
				rest := append([]byte(nil), pending...)
				for _, p := range pieces[i+1:] {
					rest = append(rest, p...)
				}
				return decoded{payload: payload, done: true, rest: rest}
			}
			if n == 0 {
				break
			}
		}
	}
	return decoded{payload: payload, rest: pending}
}

// splitPlans returns the ways each table row is cut: whole, every single
// split point (sampled for long inputs to keep the suite fast), and one
// byte at a time.
func splitPlans(in []byte) map[string][][]byte {
	plans := map[string][][]byte{"whole": {in}}
	const (
		exhaustiveUpTo = 1024
		sampledSplits  = 64
	)
	stride := 1
	if len(in) > exhaustiveUpTo {
		stride = len(in) / sampledSplits
	}
	for i := 0; i <= len(in); i += stride {
		plans["split@"+strconv.Itoa(i)] = [][]byte{in[:i], in[i:]}
	}
	ones := make([][]byte, len(in))
	for i := range in {
		ones[i] = in[i : i+1]
	}
	plans["one-byte"] = ones
	return plans
}

// sameError compares by identity: Feed must return the predeclared pointers.
// A nil *Error stands for no error (a typed nil in an interface is not nil).
func sameError(got error, want *Error) bool {
	if want == nil {
		return got == nil
	}
	return got == error(want)
}

type decodeCase struct {
	name         string
	limits       Limits
	input        string
	want         string // payload
	wantErr      *Error // nil: expect success or need-more
	wantDone     bool
	wantRest     string
	wantTrailers int
}

func decodeCases() []decodeCase {
	paddedOneByteChunks := strings.Repeat("0000000000000001\r\nx\r\n", 9000) + "0\r\n\r\n"
	plainOneByteChunks := strings.Repeat("1\r\nx\r\n", 4000) + "0\r\n\r\n"
	return []decodeCase{
		// Valid framing.
		{name: "simple", input: "5\r\nhello\r\n0\r\n\r\n", want: "hello", wantDone: true},
		{name: "empty body", input: "0\r\n\r\n", wantDone: true},
		{name: "multiple chunks", input: "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n", want: "hello world", wantDone: true},
		{name: "lowercase hex", input: "a\r\n0123456789\r\n0\r\n\r\n", want: "0123456789", wantDone: true},
		{name: "uppercase hex", input: "A\r\n0123456789\r\n0\r\n\r\n", want: "0123456789", wantDone: true},
		{name: "mixed case hex", input: "1b\r\n" + strings.Repeat("z", 0x1b) + "\r\n0\r\n\r\n", want: strings.Repeat("z", 0x1b), wantDone: true},
		{name: "leading zeros", input: "0005\r\nhello\r\n000\r\n\r\n", want: "hello", wantDone: true},
		{name: "sixteen digits", input: "0000000000000005\r\nhello\r\n0000000000000000\r\n\r\n", want: "hello", wantDone: true},
		{name: "data containing CRLF", input: "4\r\n\r\n\r\n\r\n0\r\n\r\n", want: "\r\n\r\n", wantDone: true},
		{name: "data that looks like framing", input: "7\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n", want: "0\r\n\r\n\r\n", wantDone: true},
		{name: "largest int64 size needs more", input: "7fffffffffffffff\r\nab", want: "ab"},
		{name: "truncated data", input: "5\r\nhel", want: "hel"},
		{name: "truncated before trailers", input: "5\r\nhello\r\n0\r\n", want: "hello"},
		{name: "truncated in trailer", input: "0\r\nA: b\r\n", wantTrailers: 1},
		{name: "data after end not consumed", input: "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n", want: "hello", wantDone: true, wantRest: "GET / HTTP/1.1\r\n"},
		{name: "next chunked message not consumed", input: "0\r\n\r\n0\r\n\r\n", wantDone: true, wantRest: "0\r\n\r\n"},
		{name: "plain one-byte chunks within overhead budget", input: plainOneByteChunks, want: strings.Repeat("x", 4000), wantDone: true},

		// Extensions.
		{name: "extension name", input: "5;name\r\nhello\r\n0\r\n\r\n", want: "hello", wantDone: true},
		{name: "extension token value", input: "5;name=value\r\nhello\r\n0\r\n\r\n", want: "hello", wantDone: true},
		{name: "several extensions", input: "5;a;b=c;d=\"e\"\r\nhello\r\n0\r\n\r\n", want: "hello", wantDone: true},
		{name: "extension BWS around semicolon and equals", input: "5 \t; \tname \t= \tvalue ;other\t;x=\"y\"\r\nhello\r\n0\r\n\r\n", want: "hello", wantDone: true},
		{name: "extension quoted value with specials", input: "5;q=\"a;b=c \\\"d\\\" \\\\ \t\x80\xff\"\r\nhello\r\n0\r\n\r\n", want: "hello", wantDone: true},
		{name: "extension empty quoted value", input: "5;q=\"\"\r\nhello\r\n0\r\n\r\n", want: "hello", wantDone: true},
		{name: "extension on last chunk", input: "5\r\nhello\r\n0;final=yes\r\n\r\n", want: "hello", wantDone: true},
		{name: "extension total exactly at limit", limits: Limits{MaxExtensionBytes: 8}, input: "5;abcdefg\r\nhello\r\n0\r\n\r\n", want: "hello", wantDone: true},
		{name: "extension total over limit in one chunk", limits: Limits{MaxExtensionBytes: 8}, input: "5;abcdefgh\r\nhello\r\n0\r\n\r\n", wantErr: ErrExtensionTooLarge},
		{name: "extension total over limit across chunks", limits: Limits{MaxExtensionBytes: 8}, input: "1;abcd\r\nx\r\n1;abcd\r\ny\r\n0\r\n\r\n", want: "x", wantErr: ErrExtensionTooLarge},
		{name: "extension over default limit", input: "5;" + strings.Repeat("a", defaultMaxExtensionBytes) + "\r\nhello\r\n0\r\n\r\n", wantErr: ErrExtensionTooLarge},
		{name: "extension empty", input: "5;\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension missing name", input: "5;=v\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension missing value", input: "5;a=\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension two names", input: "5;a b\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension trailing BWS", input: "5;a=b \r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension trailing BWS after name", input: "5;a \r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension second equals", input: "5;a=b=c\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension junk after quoted", input: "5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension unterminated quote", input: "5;a=\"b\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension CTL in quoted", input: "5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension CTL in quoted pair", input: "5;a=\"\\\x00\"\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension separator in name", input: "5;a@b\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadExtension},
		{name: "extension bare LF", input: "5;a\nhello\r\n0\r\n\r\n", wantErr: ErrMissingCRLF},
		{name: "extension bare LF in quoted", input: "5;a=\"b\nc\"\r\nhello\r\n0\r\n\r\n", wantErr: ErrMissingCRLF},

		// Chunk size.
		{name: "negative size", input: "-5\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadChunkSize},
		{name: "plus sign", input: "+5\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadChunkSize},
		{name: "0x prefix", input: "0x5\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadChunkSize},
		{name: "space before size", input: " 5\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadChunkSize},
		{name: "tab before size", input: "\t5\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadChunkSize},
		{name: "whitespace after size without extension", input: "5 \r\nhello\r\n0\r\n\r\n", wantErr: ErrBadChunkSize},
		{name: "empty size line", input: "\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadChunkSize},
		{name: "non-hex digit", input: "5g\r\nhello\r\n0\r\n\r\n", wantErr: ErrBadChunkSize},
		{name: "empty input needs more", input: ""},
		{name: "17 hex digits", input: "00000000000000005\r\nhello\r\n0\r\n\r\n", wantErr: ErrChunkSizeTooLong},
		{name: "17 zeros", input: "00000000000000000\r\n\r\n", wantErr: ErrChunkSizeTooLong},
		{name: "digit limit lowered", limits: Limits{MaxChunkSizeDigits: 2}, input: "005\r\nhello\r\n0\r\n\r\n", wantErr: ErrChunkSizeTooLong},
		{name: "overflow int64", input: "8000000000000000\r\n", wantErr: ErrChunkSizeOverflow},
		{name: "overflow all f", input: "ffffffffffffffff\r\n", wantErr: ErrChunkSizeOverflow},
		{name: "overflow with raised digit limit", limits: Limits{MaxChunkSizeDigits: 32}, input: "10000000000000000\r\n", wantErr: ErrChunkSizeOverflow},
		{name: "raised digit limit allows long zero padding", limits: Limits{MaxChunkSizeDigits: 32}, input: "000000000000000000005\r\nhello\r\n0\r\n\r\n", want: "hello", wantDone: true},

		// Line endings.
		{name: "bare LF after size", input: "5\nhello\r\n0\r\n\r\n", wantErr: ErrMissingCRLF},
		{name: "bare CR after size", input: "5\rhello\r\n0\r\n\r\n", wantErr: ErrMissingCRLF},
		{name: "bare LF as size line", input: "\nhello", wantErr: ErrMissingCRLF},
		{name: "bare LF after data", input: "5\r\nhello\n0\r\n\r\n", want: "hello", wantErr: ErrMissingCRLF},
		{name: "bare CR after data", input: "5\r\nhello\r0\r\n\r\n", want: "hello", wantErr: ErrMissingCRLF},
		{name: "missing CRLF after data", input: "5\r\nhello0\r\n\r\n", want: "hello", wantErr: ErrMissingCRLF},
		{name: "data longer than size", input: "3\r\nhello\r\n0\r\n\r\n", want: "hel", wantErr: ErrMissingCRLF},
		{name: "bare LF after last chunk", input: "0\n\r\n", wantErr: ErrMissingCRLF},
		{name: "bare LF as final line", input: "0\r\n\n", wantErr: ErrMissingCRLF},
		{name: "CR junk as final line", input: "0\r\n\rX", wantErr: ErrMissingCRLF},

		// Trailers.
		{name: "trailers ok", input: "5\r\nhello\r\n0\r\nExpires: never\r\nX-Sum:  abc \t\r\n\r\n", want: "hello", wantDone: true, wantTrailers: 2},
		{name: "trailer empty value", input: "0\r\nX-Empty:\r\n\r\n", wantDone: true, wantTrailers: 1},
		{name: "trailer obs-text and quotes", input: "0\r\nX-V: \"a\\b\" \x80\xff\r\n\r\n", wantDone: true, wantTrailers: 1},
		{name: "trailer obs-fold", input: "0\r\nA: b\r\n c\r\n\r\n", wantErr: ErrBadTrailer, wantTrailers: 1},
		{name: "trailer leading whitespace", input: "0\r\n\tA: b\r\n\r\n", wantErr: ErrBadTrailer},
		{name: "trailer without colon", input: "0\r\nNoColon\r\n\r\n", wantErr: ErrBadTrailer, wantTrailers: 1},
		{name: "trailer space before colon", input: "0\r\nA : b\r\n\r\n", wantErr: ErrBadTrailer, wantTrailers: 1},
		{name: "trailer empty name", input: "0\r\n: b\r\n\r\n", wantErr: ErrBadTrailer},
		{name: "trailer CTL in value", input: "0\r\nA: b\x01c\r\n\r\n", wantErr: ErrBadTrailer, wantTrailers: 1},
		{name: "trailer NUL in value", input: "0\r\nA: b\x00\r\n\r\n", wantErr: ErrBadTrailer, wantTrailers: 1},
		{name: "trailer DEL in value", input: "0\r\nA: \x7f\r\n\r\n", wantErr: ErrBadTrailer, wantTrailers: 1},
		{name: "trailer bare CR in value", input: "0\r\nA: b\rc\r\n\r\n", wantErr: ErrMissingCRLF, wantTrailers: 1},
		{name: "trailer bare LF", input: "0\r\nA: b\n\r\n", wantErr: ErrMissingCRLF, wantTrailers: 1},
		{name: "trailer bare LF in name", input: "0\r\nA\n", wantErr: ErrMissingCRLF, wantTrailers: 1},
		{name: "trailers exactly at byte limit", limits: Limits{MaxTrailerBytes: 12}, input: "0\r\nA: 1234567\r\n\r\n", wantDone: true, wantTrailers: 1},
		{name: "trailers over byte limit", limits: Limits{MaxTrailerBytes: 12}, input: "0\r\nA: 12345678\r\n\r\n", wantErr: ErrTrailerTooLarge, wantTrailers: 1},
		{name: "trailers over default byte limit", input: "0\r\nA: " + strings.Repeat("v", defaultMaxTrailerBytes) + "\r\n\r\n", wantErr: ErrTrailerTooLarge, wantTrailers: 1},
		{name: "trailer fields at limit", limits: Limits{MaxTrailerFields: 2}, input: "0\r\nA: 1\r\nB: 2\r\n\r\n", wantDone: true, wantTrailers: 2},
		{name: "trailer fields over limit", limits: Limits{MaxTrailerFields: 2}, input: "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", wantErr: ErrTooManyTrailers, wantTrailers: 3},

		// Overhead budget.
		{name: "zero-padded one-byte chunks exhaust overhead budget", input: paddedOneByteChunks, want: strings.Repeat("x", 8192), wantErr: ErrTooMuchOverhead},
		{name: "large extension on tiny chunk exhausts overhead budget", limits: Limits{MaxExtensionBytes: 1 << 20}, input: "1;" + strings.Repeat("e", maxExcessOverhead+16) + "\r\nx\r\n0\r\n\r\n", wantErr: ErrTooMuchOverhead},
		{name: "large extension paid for by large chunk", limits: Limits{MaxExtensionBytes: 1 << 20}, input: "4000;" + strings.Repeat("e", maxExcessOverhead) + "\r\n" + strings.Repeat("x", 0x4000) + "\r\n0\r\n\r\n", want: strings.Repeat("x", 0x4000), wantDone: true},
	}
}

func TestDecoderTable(t *testing.T) {
	t.Parallel()
	for _, tc := range decodeCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for plan, pieces := range splitPlans([]byte(tc.input)) {
				d := NewDecoder(tc.limits)
				got := decodePieces(t, d, pieces)
				if !sameError(got.err, tc.wantErr) {
					t.Fatalf("%s: err = %v, want %v", plan, got.err, tc.wantErr)
				}
				if !bytes.Equal(got.payload, []byte(tc.want)) {
					t.Fatalf("%s: payload = %.60q (len %d), want %.60q (len %d)", plan, got.payload, len(got.payload), tc.want, len(tc.want))
				}
				if got.done != tc.wantDone {
					t.Fatalf("%s: done = %v, want %v", plan, got.done, tc.wantDone)
				}
				if got.done && string(got.rest) != tc.wantRest {
					t.Fatalf("%s: rest = %q, want %q", plan, got.rest, tc.wantRest)
				}
				if d.Trailers() != tc.wantTrailers {
					t.Fatalf("%s: Trailers() = %d, want %d", plan, d.Trailers(), tc.wantTrailers)
				}
			}
		})
	}
}

func TestErrorsAreStickyUntilReset(t *testing.T) {
	t.Parallel()
	d := NewDecoder(DefaultLimits())
	if _, _, _, err := d.Feed([]byte("5\nhello")); err != ErrMissingCRLF {
		t.Fatalf("first Feed err = %v, want ErrMissingCRLF", err)
	}
	data, n, done, err := d.Feed([]byte("0\r\n\r\n"))
	if err != ErrMissingCRLF || n != 0 || done || data != nil {
		t.Fatalf("Feed after error = (%q, %d, %v, %v), want (nil, 0, false, ErrMissingCRLF)", data, n, done, err)
	}
	d.Reset()
	got := decodePieces(t, d, [][]byte{[]byte("0\r\n\r\n")})
	if got.err != nil || !got.done {
		t.Fatalf("after Reset: done = %v, err = %v", got.done, got.err)
	}
}

func TestDoneIsStickyUntilReset(t *testing.T) {
	t.Parallel()
	d := NewDecoder(DefaultLimits())
	in := []byte("1;a=b\r\nx\r\n0\r\nT: v\r\n\r\n")
	if got := decodePieces(t, d, [][]byte{in}); !got.done {
		t.Fatalf("first message not done: %+v", got)
	}
	data, n, done, err := d.Feed([]byte("1\r\ny\r\n"))
	if data != nil || n != 0 || !done || err != nil {
		t.Fatalf("Feed after done = (%q, %d, %v, %v), want (nil, 0, true, nil)", data, n, done, err)
	}
	d.Reset()
	if d.Trailers() != 0 {
		t.Fatalf("Trailers() after Reset = %d, want 0", d.Trailers())
	}
	// Reset must also clear the per-message extension budget while keeping
	// the configured limits.
	small := NewDecoder(Limits{MaxExtensionBytes: 4})
	for range 3 {
		if got := decodePieces(t, small, [][]byte{[]byte("1;abc\r\nx\r\n0\r\n\r\n")}); got.err != nil || !got.done {
			t.Fatalf("message after Reset: done = %v, err = %v", got.done, got.err)
		}
		small.Reset()
	}
	if got := decodePieces(t, small, [][]byte{[]byte("1;abcd\r\nx\r\n")}); got.err != ErrExtensionTooLarge {
		t.Fatalf("Reset lost the limits: err = %v", got.err)
	}
}

func TestNewDecoderDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Limits
		want Limits
	}{
		{name: "zero takes defaults", in: Limits{}, want: DefaultLimits()},
		{name: "negative takes defaults", in: Limits{-1, -1, -1, -1}, want: DefaultLimits()},
		{name: "set fields kept", in: Limits{MaxTrailerFields: 3}, want: Limits{16, 4096, 8192, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := NewDecoder(tc.in).limits; got != tc.want {
				t.Fatalf("limits = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	all := []*Error{
		ErrBadChunkSize, ErrChunkSizeTooLong, ErrChunkSizeOverflow, ErrBadExtension,
		ErrExtensionTooLarge, ErrMissingCRLF, ErrBadTrailer, ErrTrailerTooLarge,
		ErrTooManyTrailers, ErrTooMuchOverhead,
	}
	seen := map[string]bool{}
	for _, e := range all {
		msg := e.Error()
		if !strings.HasPrefix(msg, "chunked: ") || seen[msg] {
			t.Errorf("error text %q is unprefixed or duplicated", msg)
		}
		seen[msg] = true
		var target *Error
		if !errors.As(error(e), &target) || target != e {
			t.Errorf("errors.As failed for %q", msg)
		}
	}
}

// TestFeedDoesNotAllocate runs sequentially: AllocsPerRun reads global
// allocation counters, which parallel tests would disturb.
func TestFeedDoesNotAllocate(t *testing.T) {
	msg := []byte("5;a=\"q\"\r\nhello\r\n1A\r\n" + strings.Repeat("z", 0x1a) + "\r\n0\r\nT: v\r\n\r\n")
	d := NewDecoder(DefaultLimits())
	allocs := testing.AllocsPerRun(100, func() {
		d.Reset()
		src := msg
		for {
			_, n, done, err := d.Feed(src)
			if err != nil || done || n == 0 {
				break
			}
			src = src[n:]
		}
	})
	if allocs != 0 {
		t.Fatalf("Feed allocated %.1f times per message, want 0", allocs)
	}
}
