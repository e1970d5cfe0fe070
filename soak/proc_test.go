package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseMemStatus(t *testing.T) {
	t.Parallel()
	const full = "Name:\tferrous\nState:\tS (sleeping)\nVmHWM:\t   34304 kB\nVmRSS:\t   28016 kB\nThreads:\t42\n"
	tests := []struct {
		name    string
		in      string
		want    memStatus
		wantErr bool
	}{
		{name: "all fields", in: full, want: memStatus{rss: 28016 << 10, hwm: 34304 << 10, threads: 42}},
		{name: "missing RSS", in: "VmHWM:\t1 kB\nThreads:\t1\n", wantErr: true},
		{name: "missing threads", in: "VmHWM:\t1 kB\nVmRSS:\t1 kB\n", wantErr: true},
		{name: "unit other than kB", in: "VmHWM:\t1 kB\nVmRSS:\t1 MB\nThreads:\t1\n", wantErr: true},
		{name: "not a number", in: "VmHWM:\t1 kB\nVmRSS:\tx kB\nThreads:\t1\n", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseMemStatus([]byte(tc.in))
			if tc.wantErr {
				if !errors.Is(err, errProcFormat) {
					t.Fatalf("err = %v, want errProcFormat", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    procStat
		wantErr bool
	}{
		{name: "plain", in: "1234 (sleep) S 1 1200 1200 0 -1", want: procStat{pid: 1234, ppid: 1, pgrp: 1200, comm: "sleep", state: 'S'}},
		{name: "comm with spaces and parentheses", in: "7 (a (b) c) Z 3 7 7 0", want: procStat{pid: 7, ppid: 3, pgrp: 7, comm: "a (b) c", state: 'Z'}},
		{name: "comm with a closing parenthesis and digits", in: "9 (x) 1 2) R 4 5 5", want: procStat{pid: 9, ppid: 4, pgrp: 5, comm: "x) 1 2", state: 'R'}},
		{name: "truncated", in: "9 (x) R 4", wantErr: true},
		{name: "no comm", in: "9 x R 4 5", wantErr: true},
		{name: "bad pid", in: "x9 (x) R 4 5", wantErr: true},
		{name: "bad state", in: "9 (x) RR 4 5", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseProcStat([]byte(tc.in))
			if tc.wantErr {
				if !errors.Is(err, errProcFormat) {
					t.Fatalf("err = %v, want errProcFormat", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// TestCountFDs is not parallel: other tests opening files would change the count under it.
func TestCountFDs(t *testing.T) {
	before, err := countFDs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	after, err := countFDs(os.Getpid())
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if after != before+1 {
		t.Fatalf("count went from %d to %d with one file opened", before, after)
	}
}

// TestFindOrphans starts a process that looks like a script's leftover (it carries the marker) and checks that
// it is found while it lives, with its parent counting it as a child, and no longer once it is gone.
func TestFindOrphans(t *testing.T) {
	t.Parallel()
	marker := "DOCUMENT_ROOT=" + t.TempDir()
	cmd := exec.Command("sleep", "30")
	cmd.Env = []string{marker}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var alive []string
	// exec replaces the environment a moment after fork returns; wait for it.
	for deadline := time.Now().Add(5 * time.Second); len(alive) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var err error
		if alive, _, err = findOrphans(marker, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(alive) != 1 || !strings.Contains(alive[0], "(sleep") {
		t.Fatalf("alive = %q, want the sleep process", alive)
	}
	procs, err := listProcesses()
	if err != nil {
		t.Fatal(err)
	}
	if n := countChildren(procs, os.Getpid()); n < 1 {
		t.Fatalf("countChildren = %d, want at least the sleep process", n)
	}
	if alive, _, err := findOrphans(marker, nil, nil, pid); err != nil || len(alive) != 0 {
		t.Fatalf("with its pid skipped: alive = %q, %v", alive, err)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // killed: the error is the signal
	if alive, dead, err := findOrphans(marker, nil, nil); err != nil || len(alive) != 0 || dead != 0 {
		t.Fatalf("after reaping: alive = %q, dead = %d, %v", alive, dead, err)
	}
}
