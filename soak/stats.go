package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The report quotes the first failures of each kind, so that a flood of one kind cannot hide another; the counts
// cover all of them.
const (
	maxFailuresPerKind = 3
	maxFailureMessages = 60
)

// stats counts outcomes by kind ("static", "hostile slowloris", ...) and keeps the first failures verbatim. Safe
// for concurrent use.
type stats struct {
	requests atomic.Int64 // HTTP requests sent by well-formed clients

	mu       sync.Mutex
	kinds    map[string]*kindCount
	notes    map[string]int64 // outcomes worth reporting that are neither success nor failure counts
	failures []string
	failed   int64
	excuses  []string
	excused  int64
	// problems are failed attempts not yet judged: whether the machine stalled around them is only known once
	// every delay overlapping them has been measured.
	problems []problem
}

type problem struct {
	kind       string
	start, end time.Time
	err        error
}

// kindCount: excused attempts went wrong while the machine stalled the server; they prove nothing either way.
type kindCount struct{ ok, failed, excused int64 }

func newStats() *stats {
	return &stats{kinds: map[string]*kindCount{}, notes: map[string]int64{}}
}

func (s *stats) kind(name string) *kindCount {
	k := s.kinds[name]
	if k == nil {
		k = &kindCount{}
		s.kinds[name] = k
	}
	return k
}

func (s *stats) ok(kind string) {
	s.mu.Lock()
	s.kind(kind).ok++
	s.mu.Unlock()
}

func (s *stats) fail(kind string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.kind(kind)
	k.failed++
	s.failed++
	if k.failed <= maxFailuresPerKind && len(s.failures) < maxFailureMessages {
		s.failures = append(s.failures, kind+": "+err.Error())
	}
}

// problem holds a failed attempt of kind, which began at start, for decide.
func (s *stats) problem(kind string, start time.Time, err error) {
	s.mu.Lock()
	s.problems = append(s.problems, problem{kind: kind, start: start, end: time.Now(), err: err})
	s.mu.Unlock()
}

// decide judges the failed attempts. One that a stall overlapped is inconclusive if a stall can explain it: a
// broken connection, a timeout, an answer that was only late (errLate). A wrong status or body is a failure
// whatever the machine was doing.
func (s *stats) decide(stalled func(from, to time.Time) (time.Duration, bool)) {
	s.mu.Lock()
	problems := s.problems
	s.problems = nil
	s.mu.Unlock()
	for _, p := range problems {
		explicable := !errors.Is(p.err, errWrongAnswer) || errors.Is(p.err, errLate)
		if worst, ok := stalled(p.start, p.end); ok && explicable {
			s.excuse(p.kind, fmt.Errorf("%w (stalled up to %v)", p.err, worst.Round(time.Millisecond)))
			continue
		}
		s.fail(p.kind, p.err)
	}
}

// totalProblems counts the failed attempts, judged or not.
func (s *stats) totalProblems() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed + s.excused + int64(len(s.problems))
}

// excuse counts an inconclusive attempt of kind.
func (s *stats) excuse(kind string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.kind(kind)
	k.excused++
	s.excused++
	if k.excused <= maxFailuresPerKind && len(s.excuses) < maxFailureMessages {
		s.excuses = append(s.excuses, kind+": "+err.Error())
	}
}

func (s *stats) note(what string) {
	s.mu.Lock()
	s.notes[what]++
	s.mu.Unlock()
}

func (s *stats) totalFailed() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

func (s *stats) totalExcused() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.excused
}

// write prints the counts, sorted by kind, then the notes and the first failures.
func (s *stats) write(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.kinds))
	for name := range s.kinds {
		names = append(names, name)
	}
	slices.Sort(names)
	fmt.Fprintf(w, "  %-28s %10s %8s %13s\n", "kind", "ok", "failed", "inconclusive")
	var total kindCount
	for _, name := range names {
		k := s.kinds[name]
		total.ok += k.ok
		total.failed += k.failed
		total.excused += k.excused
		fmt.Fprintf(w, "  %-28s %10d %8d %13d\n", name, k.ok, k.failed, k.excused)
	}
	fmt.Fprintf(w, "  %-28s %10d %8d %13d\n", "total", total.ok, total.failed, total.excused)
	if len(s.notes) > 0 {
		notes := make([]string, 0, len(s.notes))
		for n := range s.notes {
			notes = append(notes, n)
		}
		slices.Sort(notes)
		fmt.Fprintln(w, "  outcomes:")
		for _, n := range notes {
			fmt.Fprintf(w, "    %-56s %8d\n", n, s.notes[n])
		}
	}
	if len(s.failures) > 0 {
		fmt.Fprintf(w, "  first failures of each kind (%d of %d):\n", len(s.failures), s.failed)
		for _, f := range s.failures {
			fmt.Fprintf(w, "    %s\n", f)
		}
	}
	if len(s.excuses) > 0 {
		fmt.Fprintf(w, "  first inconclusive attempts of each kind (%d of %d):\n", len(s.excuses), s.excused)
		for _, f := range s.excuses {
			fmt.Fprintf(w, "    %s\n", f)
		}
	}
}
