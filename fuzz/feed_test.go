// Package fuzz holds the native Go fuzz targets of the server's untrusted-input surfaces: the request-head parser,
// the chunked and multipart body decoders, the static path resolver and the config loader. Each decoder is also
// fuzzed differentially against an independent implementation from the standard library; the differences that
// are allowed are listed next to each target, each with an example that the tests replay.
//
// `go test ./fuzz/` replays the committed corpus in testdata/fuzz/ and the f.Add seeds; fuzz/run.sh fuzzes every
// target for a bounded time.
package fuzz

import (
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"strconv"
)

// Piece-length classes for derivedPieces: most cuts are tiny, because bugs in incremental decoders hide where a
// token or a line ending straddles two calls, but some pieces are long so that fast paths over whole buffers run
// too.
const (
	shortPiece  = 8
	mediumPiece = 64
)

// inputSeed turns an input into a generator seed, so that everything derived from an input (its cut points, the
// memory-check sample) replays identically from a corpus file.
func inputSeed(data []byte) uint64 {
	h := fnv.New64a()
	h.Write(data)
	return h.Sum64()
}

// derivedPieces cuts data into consecutive pieces whose lengths are drawn from a generator seeded by the data. A
// mutation of the input therefore also moves the cuts, and a saved crasher replays with the cuts that found it.
func derivedPieces(data []byte) [][]byte {
	rng := rand.New(rand.NewPCG(inputSeed(data), uint64(len(data))))
	var pieces [][]byte
	for len(data) > 0 {
		var n int
		switch rng.IntN(4) {
		case 0:
			n = 1
		case 1:
			n = 1 + rng.IntN(shortPiece)
		case 2:
			n = 1 + rng.IntN(mediumPiece)
		default:
			n = 1 + rng.IntN(len(data))
		}
		n = min(n, len(data))
		pieces = append(pieces, data[:n])
		data = data[n:]
	}
	return pieces
}

// bytePieces cuts data into one-byte pieces, the split that leaves an incremental decoder no lookahead at all.
func bytePieces(data []byte) [][]byte {
	pieces := make([][]byte, len(data))
	for i := range data {
		pieces[i] = data[i : i+1]
	}
	return pieces
}

// split is one way of cutting an input into the pieces a connection might deliver.
type split struct {
	name   string
	pieces [][]byte
}

// splits returns the ways each target feeds an input: whole, in derived pieces, and one byte at a time. The
// whole input comes first: the other outcomes are compared with it.
func splits(data []byte) []split {
	return []split{
		{name: "whole", pieces: [][]byte{data}},
		{name: "derived pieces", pieces: derivedPieces(data)},
		{name: "byte by byte", pieces: bytePieces(data)},
	}
}

// memorySampleRate: while fuzzing, only one input in this many pays for the exact heap measurement, which stops
// the world twice and would otherwise cut the execution rate tenfold. The choice is a function of the input, so
// a failure replays. Replaying the corpus (no -fuzz flag) measures every input.
const memorySampleRate = 16

// allocSlack absorbs heap allocations made during a measurement by anything other than the code measured (the
// fuzzing worker's own bookkeeping, the test framework).
const allocSlack = 16 << 10

func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// measureMemory reports whether this input gets the heap measurement.
func measureMemory(data []byte) bool {
	return !fuzzing() || inputSeed(data)%memorySampleRate == 0
}

// heapAllocated returns the bytes fn allocated on the heap. runtime.MemStats.TotalAlloc is exact (the per-P
// caches are flushed before it is read), unlike the cheaper runtime/metrics counters, which lag by a span.
func heapAllocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxExampleSeed bounds the documented examples that also seed the fuzzers: the fuzzer minimises every input
// that finds new coverage, and minimising a huge one stalls it for minutes.
const maxExampleSeed = 8 << 10

// abbrevLen is how much of an input a failure message quotes: enough to recognise it; the full input is in the
// corpus file the fuzzer writes.
const abbrevLen = 300

// abbrev quotes b for a failure message, cut to abbrevLen bytes.
func abbrev(b []byte) string {
	if len(b) <= abbrevLen {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:abbrevLen])) + fmt.Sprintf("... (%d bytes)", len(b))
}
