package main

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"
)

func TestLagMeterBetween(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_000_000, 0)
	var m lagMeter
	m.record(t0.Add(1*time.Second), 10*time.Millisecond)
	m.record(t0.Add(5*time.Second), 3*time.Second) // lasted from t0+2s to t0+5s
	m.record(t0.Add(6*time.Second), 50*time.Millisecond)
	m.record(t0.Add(7*time.Second), -time.Millisecond) // a timer cannot fire early; treated as on time
	tests := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{name: "whole run", from: t0, to: t0.Add(10 * time.Second), want: 3 * time.Second},
		{name: "inside the stall", from: t0.Add(3 * time.Second), to: t0.Add(4 * time.Second), want: 3 * time.Second},
		{name: "touching its start", from: t0.Add(1500 * time.Millisecond), to: t0.Add(2 * time.Second), want: 3 * time.Second},
		{name: "before the stall", from: t0, to: t0.Add(1500 * time.Millisecond), want: 10 * time.Millisecond},
		{name: "after the stall", from: t0.Add(5500 * time.Millisecond), to: t0.Add(10 * time.Second), want: 50 * time.Millisecond},
		{name: "no samples", from: t0.Add(time.Hour), to: t0.Add(2 * time.Hour), want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := m.between(tc.from, tc.to); got != tc.want {
				t.Fatalf("between = %v, want %v", got, tc.want)
			}
		})
	}
	if m.worstLag() != 3*time.Second {
		t.Fatalf("worstLag = %v", m.worstLag())
	}
}

func TestLagMeterPending(t *testing.T) {
	t.Parallel()
	var m lagMeter
	now := time.Now()
	m.begin(now.Add(-2 * time.Second))
	if got := m.between(now.Add(-time.Second), now); got < 2*time.Second {
		t.Fatalf("between = %v with a measurement pending for 2s", got)
	}
	if got := m.between(now.Add(-time.Hour), now.Add(-3*time.Second)); got != 0 {
		t.Fatalf("between = %v for an interval that ended before the measurement began", got)
	}
	m.end(now.Add(-time.Second))
	if got := m.between(now.Add(-time.Hour), now); got != time.Second {
		t.Fatalf("between = %v, want the recorded 1s", got)
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	e := &env{st: newStats(), delays: &delays{}}
	now := time.Now()
	late := fmt.Errorf("%w: %w: 408 after 9s", errWrongAnswer, errLate)
	e.judge("quiet", now, nil)
	e.judge("quiet", now, late)
	e.judge("stalled", now, late)
	e.judge("stalled", now, nil)
	e.judge("wrong body", now, fmt.Errorf("%w: body differs", errWrongAnswer))
	e.judge("broken", now, io.ErrUnexpectedEOF)
	// A heartbeat that was answered after the attempts failed reveals that the server was stalled meanwhile.
	e.delays.server[2].record(time.Now().Add(stallMargin/2), stallExcuse)
	e.st.mu.Lock()
	e.st.problems[0].start, e.st.problems[0].end = now.Add(-time.Hour), now.Add(-time.Hour) // long before it
	e.st.mu.Unlock()
	if e.st.totalProblems() != 4 {
		t.Fatalf("problems = %d before deciding", e.st.totalProblems())
	}
	e.st.decide(e.delays.stalled)
	want := map[string]kindCount{
		"quiet":      {ok: 1, failed: 1},  // late, but nothing stalled it
		"stalled":    {ok: 1, excused: 1}, // late while the server stalled
		"wrong body": {failed: 1},         // a stall cannot change a body
		"broken":     {excused: 1},        // a stall can break a connection
	}
	for kind, w := range want {
		if got := *e.st.kinds[kind]; got != w {
			t.Errorf("%s: %+v, want %+v", kind, got, w)
		}
	}
	if e.st.totalFailed() != 2 || e.st.totalExcused() != 2 || e.st.totalProblems() != 4 {
		t.Fatalf("failed %d, excused %d, problems %d", e.st.totalFailed(), e.st.totalExcused(), e.st.totalProblems())
	}
}

func TestLagMeterRuns(t *testing.T) {
	t.Parallel()
	var m lagMeter
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() {
		m.runTimer(ctx)
		close(done)
	}()
	recorded := func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.samples) > 0 && !m.samples[0].at.Before(start)
	}
	for deadline := time.Now().Add(5 * time.Second); !recorded(); time.Sleep(lagTick) {
		if time.Now().After(deadline) {
			t.Fatal("no tick recorded in 5s")
		}
	}
	cancel()
	<-done
}
