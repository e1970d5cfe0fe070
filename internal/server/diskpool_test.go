//go:build linux

package server

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestDiskPoolRunsEveryJobEvenAfterStop(t *testing.T) {
	p := newDiskPool(3)
	var ran atomic.Int64
	gate := make(chan struct{})
	p.setBeforeJob(func() { <-gate })
	const queued = 50
	for range queued {
		p.submit(func() { ran.Add(1) })
	}
	close(gate)
	p.stop(context.Background()) // must wait for everything queued
	if n := ran.Load(); n != queued {
		t.Fatalf("stop returned after %d of %d queued jobs", n, queued)
	}
	late := make(chan struct{})
	p.submit(func() { close(late) }) // clean-up submitted after shutdown still runs
	select {
	case <-late:
	case <-time.After(5 * time.Second):
		t.Fatal("a job submitted after stop never ran")
	}
}

func TestDiskPoolStopGivesUpOnAHungDisk(t *testing.T) {
	p := newDiskPool(1)
	hung := make(chan struct{})
	defer close(hung)
	p.submit(func() { <-hung })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		p.stop(ctx)
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("stop is still waiting for a job that never ends, long past its context")
	}
}

func TestSpareProcForNonLoopGoroutines(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })
	runtime.GOMAXPROCS(2)
	reserveSpareProc(4)
	if got := runtime.GOMAXPROCS(0); got != 5 {
		t.Fatalf("GOMAXPROCS = %d with 4 loops, want 5", got)
	}
	reserveSpareProc(1) // never lowers
	if got := runtime.GOMAXPROCS(0); got != 5 {
		t.Fatalf("GOMAXPROCS lowered to %d", got)
	}
	runtime.GOMAXPROCS(1)
	t.Setenv("GOMAXPROCS", "1")
	reserveSpareProc(4)
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("GOMAXPROCS = %d, the environment's 1 overridden", got)
	}
}
