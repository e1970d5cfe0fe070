package fuzz

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"ferrous/internal/h1"
)

// tightLimits are small enough that short fuzz inputs reach every limit of the parser.
var tightLimits = h1.Limits{MaxRequestLine: 64, MaxHeaderBytes: 256, MaxHeaderFields: 8}

const (
	// maxForgivenCRLFs is how many empty lines the parser skips before a request line (RFC 9112 §2.2); they are
	// consumed but never buffered.
	maxForgivenCRLFs = 8
	// tightHeadBytes is the most a parser under tightLimits may consume before it must have finished or failed:
	// the request line and the field lines at their limits, the two CRLFs neither limit counts, and the
	// forgiven empty lines.
	tightHeadBytes = 64 + 256 + 2*len("\r\n") + maxForgivenCRLFs*len("\r\n")
	// parserOverhead is what a parser may allocate besides its head buffer: the parser itself, its first buffer
	// (allocated at a fixed minimum size whatever the limits) and its index of at most MaxHeaderFields fields.
	parserOverhead = 4 << 10
	// tightHeapBound is what parsing one head under tightLimits may allocate: the head buffer grows
	// geometrically, so all its generations together stay under twice its final size.
	tightHeapBound = 2*tightHeadBytes + parserOverhead + allocSlack

	// maxPipelined bounds how many heads of one input are parsed back to back.
	maxPipelined = 8
)

// requestEdgeSeeds are the degenerate inputs the named corpus does not cover.
var requestEdgeSeeds = []string{
	"",
	"\r\n",
	"\r",
	"GET / HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
	"GET /" + strings.Repeat("a", 59) + " HTTP/1.1\r\nHost: h\r\n\r\n",
	strings.Repeat("\r\n", maxForgivenCRLFs+1) + "GET / HTTP/1.0\r\n\r\n",
}

// errorStatuses are the statuses an *h1.Error may carry; anything else would reach the client as a status the
// server never meant to send.
var errorStatuses = map[int]bool{400: true, 414: true, 417: true, 431: true, 501: true, 505: true}

// headSnapshot is everything the parser reports about a head, copied out of the parser's buffer so that two
// parses can be compared with reflect.DeepEqual.
type headSnapshot struct {
	Method, Target    string
	Form              h1.TargetForm
	Path, Query       string
	PathNil, QueryNil bool
	Major, Minor      int
	Fields            []fieldSnapshot
	Host              string
	HostNil           bool
	ContentLength     int64
	Chunked           bool
	KeepAlive         bool
	Expect100         bool
}

type fieldSnapshot struct{ Name, Value string }

func snapshotOf(r *h1.Request) headSnapshot {
	s := headSnapshot{
		Method: string(r.Method), Target: string(r.Target), Form: r.Form,
		Path: string(r.Path), PathNil: r.Path == nil,
		Query: string(r.Query), QueryNil: r.Query == nil,
		Major: r.Major, Minor: r.Minor,
		Host: string(r.Host), HostNil: r.Host == nil,
		ContentLength: r.ContentLength, Chunked: r.Chunked, KeepAlive: r.KeepAlive, Expect100: r.Expect100,
	}
	for _, f := range r.Fields {
		s.Fields = append(s.Fields, fieldSnapshot{Name: string(f.Name), Value: string(f.Value)})
	}
	return s
}

// headOutcome is what feeding one input produced. consumed is only meaningful once done: on error the parser
// documents that it depends on the split.
type headOutcome struct {
	done     bool
	err      *h1.Error
	consumed int
	head     headSnapshot
}

// feedHead feeds pieces until the parser finishes or fails, checking the Feed contract on the way.
func feedHead(t testing.TB, p *h1.Parser, pieces [][]byte) headOutcome {
	t.Helper()
	var o headOutcome
	for _, piece := range pieces {
		n, done, err := p.Feed(piece)
		if n < 0 || n > len(piece) {
			t.Fatalf("Feed consumed %d of %d bytes", n, len(piece))
		}
		if err != nil {
			if !errors.As(err, &o.err) {
				t.Fatalf("Feed returned %T %v, want *h1.Error", err, err)
			}
			if again, _, err2 := p.Feed([]byte("\r\n")); again != 0 || err2 != err {
				t.Fatalf("error %v is not sticky: next Feed = (%d, %v)", err, again, err2)
			}
			o.consumed = 0
			return o
		}
		o.consumed += n
		if done {
			o.done = true
			o.head = snapshotOf(p.Request())
			if again, done2, err2 := p.Feed([]byte("GET")); again != 0 || !done2 || err2 != nil {
				t.Fatalf("Feed after done = (%d, %v, %v), want (0, true, nil)", again, done2, err2)
			}
			return o
		}
		if n != len(piece) {
			t.Fatalf("Feed consumed %d of %d bytes without finishing or failing", n, len(piece))
		}
		if p.Request() != nil {
			t.Fatal("Request() is non-nil before the head is complete")
		}
	}
	return o
}

// serializeHead writes a parsed head back in the canonical wire form: single spaces, "Name: value" fields, CRLF
// line endings. Values were stripped of surrounding OWS by the parser, so nothing is lost.
func serializeHead(s headSnapshot) []byte {
	var b []byte
	b = append(b, s.Method...)
	b = append(b, ' ')
	b = append(b, s.Target...)
	b = append(b, " HTTP/"...)
	b = strconv.AppendInt(b, int64(s.Major), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(s.Minor), 10)
	b = append(b, "\r\n"...)
	for _, f := range s.Fields {
		b = append(b, f.Name...)
		b = append(b, ": "...)
		b = append(b, f.Value...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

// FuzzRequestParser feeds arbitrary bytes to the request-head parser and checks that
//   - the outcome does not depend on how the bytes are split;
//   - an error is a sticky *h1.Error with a status the server can send;
//   - an accepted head ends with its empty line at the reported offset, and no prefix of it is rejected;
//   - an accepted head serialises canonically and re-parses to the same request;
//   - Reset leaves nothing behind: the heads pipelined after the first parse as with a fresh parser;
//   - under small limits the parser finishes or fails within its limits, and allocates accordingly.
func FuzzRequestParser(f *testing.F) {
	for _, wire := range requestEdgeSeeds {
		f.Add([]byte(wire))
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		checkSplitInvariantHead(t, wire)
		checkBoundedHead(t, wire)
	})
}

func checkSplitInvariantHead(t *testing.T, wire []byte) {
	var first headOutcome
	for i, s := range splits(wire) {
		got := feedHead(t, h1.NewParser(h1.Limits{}), s.pieces)
		if i == 0 {
			first = got
			continue
		}
		if !reflect.DeepEqual(got, first) {
			t.Fatalf("%s: outcome %+v, whole input gave %+v", s.name, got, first)
		}
	}
	if first.err != nil && !errorStatuses[first.err.Status] {
		t.Fatalf("error %v carries status %d", first.err, first.err.Status)
	}
	if !first.done {
		return
	}
	checkAcceptedHead(t, wire, first)
	checkPipelinedHeads(t, wire[first.consumed:])
}

func checkAcceptedHead(t *testing.T, wire []byte, o headOutcome) {
	head := wire[:o.consumed]
	if !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		t.Fatalf("accepted head %q does not end with an empty line", head)
	}
	if alone := feedHead(t, h1.NewParser(h1.Limits{}), [][]byte{head}); !reflect.DeepEqual(alone, o) {
		t.Fatalf("the head alone gives %+v, with what follows it %+v", alone, o)
	}
	if prefix := feedHead(t, h1.NewParser(h1.Limits{}), [][]byte{head[:len(head)-1]}); prefix.done || prefix.err != nil {
		t.Fatalf("a prefix of accepted head %q gives %+v", head, prefix)
	}
	canonical := serializeHead(o.head)
	again := feedHead(t, h1.NewParser(h1.Limits{}), [][]byte{canonical})
	if !again.done || again.consumed != len(canonical) || !reflect.DeepEqual(again.head, o.head) {
		t.Fatalf("re-serialised head %q parses to %+v, want %+v", canonical, again, o.head)
	}
}

// checkPipelinedHeads parses what follows an accepted head as further heads, with one parser that is Reset
// between heads and with a fresh parser for each, and requires the same results. The bytes in between are
// treated as heads, not skipped as bodies: the property is about parser state, not framing.
func checkPipelinedHeads(t *testing.T, rest []byte) {
	reused := h1.NewParser(h1.Limits{})
	if o := feedHead(t, reused, [][]byte{[]byte("GET / HTTP/1.1\r\nHost: warm\r\nX: y\r\n\r\n")}); !o.done {
		t.Fatalf("warm-up head rejected: %+v", o)
	}
	for range maxPipelined {
		reused.Reset()
		got := feedHead(t, reused, [][]byte{rest})
		want := feedHead(t, h1.NewParser(h1.Limits{}), [][]byte{rest})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("after Reset, %q parses to %+v; a fresh parser gives %+v", rest, got, want)
		}
		if !got.done {
			return
		}
		rest = rest[got.consumed:]
	}
}

// checkBoundedHead feeds the input and then filler under tightLimits, one byte per call, and requires the
// parser to finish or fail within tightHeadBytes and to allocate no more than tightHeapBound however long the
// input is and however many calls it took.
func checkBoundedHead(t *testing.T, wire []byte) {
	filler := bytes.Repeat([]byte("a"), tightHeadBytes+1)
	var consumed int
	var done bool
	var err error
	run := func() {
		p := h1.NewParser(tightLimits)
		consumed, done, err = 0, false, nil
		for _, in := range [][]byte{wire, filler} {
			for i := range in {
				var n int
				n, done, err = p.Feed(in[i : i+1])
				consumed += n
				if done || err != nil {
					return
				}
			}
		}
	}
	if measureMemory(wire) {
		if allocated := heapAllocated(run); allocated > uint64(tightHeapBound) {
			t.Fatalf("parsing under %+v allocated %d bytes, bound %d", tightLimits, allocated, tightHeapBound)
		}
	} else {
		run()
	}
	if !done && err == nil {
		t.Fatalf("parser under %+v took %d bytes without finishing or failing", tightLimits, consumed)
	}
	if consumed > tightHeadBytes {
		t.Fatalf("parser under %+v consumed %d bytes, limits allow %d", tightLimits, consumed, tightHeadBytes)
	}
}
