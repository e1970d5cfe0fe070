package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// procRoot is where the kernel publishes processes.
const procRoot = "/proc"

// errProcFormat means a /proc file did not have the layout the kernel documents.
var errProcFormat = errors.New("unexpected /proc format")

// countFDs returns how many descriptors process pid holds open.
func countFDs(pid int) (int, error) {
	dir, err := os.Open(filepath.Join(procRoot, strconv.Itoa(pid), "fd"))
	if err != nil {
		return 0, fmt.Errorf("opening fd directory: %w", err)
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return 0, fmt.Errorf("listing fd directory: %w", err)
	}
	return len(names), nil
}

// memStatus is what the soak watches in /proc/PID/status.
type memStatus struct {
	rss     int64 // VmRSS, bytes
	hwm     int64 // VmHWM, the peak RSS, bytes
	threads int
}

func readMemStatus(pid int) (memStatus, error) {
	data, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "status"))
	if err != nil {
		return memStatus{}, fmt.Errorf("reading status: %w", err)
	}
	return parseMemStatus(data)
}

// parseMemStatus reads the "VmRSS:   1234 kB", "VmHWM:" and "Threads:" lines of /proc/PID/status.
func parseMemStatus(data []byte) (memStatus, error) {
	var ms memStatus
	var haveRSS, haveHWM, haveThreads bool
	for line := range bytes.Lines(data) {
		key, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		fields := bytes.Fields(value)
		switch string(key) {
		case "VmRSS", "VmHWM":
			if len(fields) != 2 || string(fields[1]) != "kB" {
				return memStatus{}, fmt.Errorf("%w: %s line %q", errProcFormat, key, bytes.TrimSpace(line))
			}
			kib, err := strconv.ParseInt(string(fields[0]), 10, 64)
			if err != nil {
				return memStatus{}, fmt.Errorf("%w: %s: %w", errProcFormat, key, err)
			}
			if string(key) == "VmRSS" {
				ms.rss, haveRSS = kib<<10, true
			} else {
				ms.hwm, haveHWM = kib<<10, true
			}
		case "Threads":
			if len(fields) != 1 {
				return memStatus{}, fmt.Errorf("%w: Threads line %q", errProcFormat, bytes.TrimSpace(line))
			}
			n, err := strconv.Atoi(string(fields[0]))
			if err != nil {
				return memStatus{}, fmt.Errorf("%w: Threads: %w", errProcFormat, err)
			}
			ms.threads, haveThreads = n, true
		}
	}
	if !haveRSS || !haveHWM || !haveThreads {
		return memStatus{}, fmt.Errorf("%w: status lacks VmRSS, VmHWM or Threads", errProcFormat)
	}
	return ms, nil
}

// Process states of /proc/PID/stat that mean the process has exited.
const (
	stateZombie = 'Z'
	stateDead   = 'X'
)

// procStat is the part of /proc/PID/stat that tells who a process belongs to.
type procStat struct {
	pid, ppid, pgrp int
	comm            string
	state           byte // R, S, D, Z, ...
}

// parseProcStat reads "pid (comm) state ppid pgrp ...". comm may hold spaces and parentheses, so it runs to the
// last ')' of the line.
func parseProcStat(data []byte) (procStat, error) {
	open := bytes.IndexByte(data, '(')
	closing := bytes.LastIndexByte(data, ')')
	if open < 1 || closing < open {
		return procStat{}, fmt.Errorf("%w: stat %q", errProcFormat, truncateForMessage(data))
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(data[:open])))
	if err != nil {
		return procStat{}, fmt.Errorf("%w: stat pid: %w", errProcFormat, err)
	}
	rest := bytes.Fields(data[closing+1:])
	// rest: state ppid pgrp ...
	if len(rest) < 3 {
		return procStat{}, fmt.Errorf("%w: stat %q", errProcFormat, truncateForMessage(data))
	}
	ppid, err := strconv.Atoi(string(rest[1]))
	if err != nil {
		return procStat{}, fmt.Errorf("%w: stat ppid: %w", errProcFormat, err)
	}
	pgrp, err := strconv.Atoi(string(rest[2]))
	if err != nil {
		return procStat{}, fmt.Errorf("%w: stat pgrp: %w", errProcFormat, err)
	}
	if len(rest[0]) != 1 {
		return procStat{}, fmt.Errorf("%w: stat state %q", errProcFormat, rest[0])
	}
	return procStat{pid: pid, ppid: ppid, pgrp: pgrp, comm: string(data[open+1 : closing]), state: rest[0][0]}, nil
}

// listProcesses reads the stat of every process. Processes that exit while being read are skipped.
func listProcesses() ([]procStat, error) {
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	procs := make([]procStat, 0, len(entries))
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(procRoot, e.Name(), "stat"))
		if err != nil {
			continue // exited since the listing
		}
		ps, err := parseProcStat(data)
		if err != nil {
			return nil, err
		}
		procs = append(procs, ps)
	}
	return procs, nil
}

// countChildren returns how many processes have parent as their parent.
func countChildren(procs []procStat, parent int) int {
	n := 0
	for _, p := range procs {
		if p.ppid == parent {
			n++
		}
	}
	return n
}

// environHas reports whether process pid was started with the exact variable entry (NAME=value). known is false
// when the environment cannot be read (the process exited, or belongs to someone we may not inspect).
func environHas(pid int, entry string) (has, known bool) {
	data, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "environ"))
	if err != nil {
		return false, false
	}
	for v := range bytes.SplitSeq(data, []byte{0}) {
		if string(v) == entry {
			return true, true
		}
	}
	return false, true
}

// maxQuotedBytes keeps quoted input in messages short.
const maxQuotedBytes = 80

func truncateForMessage(b []byte) []byte {
	if len(b) > maxQuotedBytes {
		return b[:maxQuotedBytes]
	}
	return b
}
