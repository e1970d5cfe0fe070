//go:build linux

package server

import (
	"context"
	"sync"
)

// diskPool runs blocking file-system calls (creating, writing and linking uploaded files) on a few goroutines of
// its own, so that an event loop never waits for the disk: a journal commit can hold open(2) for milliseconds,
// and every connection of a loop would wait with it. A handful of workers also lets several files be created at
// once, where a loop would create them one after another.
type diskPool struct {
	mu        sync.Mutex
	ready     sync.Cond
	jobs      []func()
	stopped   bool
	workers   sync.WaitGroup
	beforeJob func() // see setBeforeJob
}

func newDiskPool(workers int) *diskPool {
	p := &diskPool{}
	p.ready.L = &p.mu
	p.workers.Add(workers)
	for range workers {
		go p.work()
	}
	return p
}

// submit queues fn for a worker. It never blocks the caller on the disk. After stop, fn runs on a goroutine of its
// own, so that clean-up work (closing and discarding a temporary file) still happens.
func (p *diskPool) submit(fn func()) {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		go fn()
		return
	}
	p.jobs = append(p.jobs, fn)
	p.mu.Unlock()
	p.ready.Signal()
}

func (p *diskPool) work() {
	defer p.workers.Done()
	for {
		p.mu.Lock()
		for len(p.jobs) == 0 && !p.stopped {
			p.ready.Wait()
		}
		if len(p.jobs) == 0 {
			p.mu.Unlock()
			return
		}
		fn := p.jobs[0]
		p.jobs[0] = nil
		p.jobs = p.jobs[1:]
		hold := p.beforeJob
		p.mu.Unlock()
		if hold != nil {
			hold()
		}
		fn()
	}
}

// setBeforeJob makes fn run ahead of every job taken from now on: tests hold the disk with it.
func (p *diskPool) setBeforeJob(fn func()) {
	p.mu.Lock()
	p.beforeJob = fn
	p.mu.Unlock()
}

// stop lets the workers finish every queued job and waits for them to exit, or for ctx to end: a disk that hangs
// must not hang shutdown with it. Jobs still queued then run on, for as long as the process does.
func (p *diskPool) stop(ctx context.Context) {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.ready.Broadcast()
	exited := make(chan struct{})
	go func() {
		p.workers.Wait()
		close(exited)
	}()
	select {
	case <-exited:
	case <-ctx.Done():
	}
}
