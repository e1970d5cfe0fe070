package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bounds of the final checks.
const (
	// fdSlack allows for descriptors opened lazily and kept (the runtime's, on first use); a leak of one per
	// connection, request or script run over a soak is far beyond it.
	fdSlack = 8
	// rssSlack is how far above its baseline the server's resident memory may stay once the load is gone. Go
	// returns freed heap to the kernel gradually, and the server keeps bounded caches (small files, 8 MiB per
	// loop; pooled buffers), so a healthy server stays well inside it; a leak of one buffer per connection or
	// per request over a run does not.
	rssSlack = 64 << 20
	// settleTimeout bounds the wait after the clients stop: every server timeout that can still be running
	// (header, body, script, lingering close) has elapsed by then.
	settleTimeout = (max(headerTimeoutSecs, bodyTimeoutSecs, cgiTimeoutSecs) + serverLingerSecs + 4) * time.Second
	settlePoll    = 250 * time.Millisecond
	// maxListed bounds the names an error message lists.
	maxListed = 10
	// maxLogLine is the longest access log line accepted: an escaped 8 KiB request line and its fields.
	maxLogLine = 1 << 20
	// uploadTempPrefix names the upload receiver's temporary files.
	uploadTempPrefix = ".upload-"
)

// checkResult is one final assertion.
type checkResult struct {
	name   string
	ok     bool
	detail string
}

// settle waits until the server is back to its baseline descriptors and has no child process left, or until
// settleTimeout. It returns the last reading and how long the wait took.
func settle(pid, baselineFDs int) (fds, children int, took time.Duration, err error) {
	start := time.Now()
	for {
		fds, err = countFDs(pid)
		if err != nil {
			return 0, 0, time.Since(start), err
		}
		procs, err := listProcesses()
		if err != nil {
			return 0, 0, time.Since(start), err
		}
		children = countChildren(procs, pid)
		if (fds <= baselineFDs+fdSlack && children == 0) || time.Since(start) >= settleTimeout {
			return fds, children, time.Since(start), nil
		}
		time.Sleep(settlePoll)
	}
}

// scriptRuns reads the process ids the scripts recorded: the run count of each script, the ids of the scripts
// (each its own process group), and of the children fork.sh left in its group.
func scriptRuns(pidDir string) (runs map[string]int, groups, children map[int]bool, err error) {
	runs, groups, children = map[string]int{}, map[int]bool{}, map[int]bool{}
	entries, err := os.ReadDir(pidDir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("listing %s: %w", pidDir, err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(pidDir, e.Name()))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("reading %s: %w", e.Name(), err)
		}
		into := groups
		if !strings.HasSuffix(e.Name(), ".sh") {
			into = children
		}
		for field := range strings.FieldsSeq(string(data)) {
			pid, err := strconv.Atoi(field)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s holds %q, not a process id", e.Name(), field)
			}
			into[pid] = true
			if strings.HasSuffix(e.Name(), ".sh") {
				runs[e.Name()]++
			}
		}
	}
	return runs, groups, children, nil
}

// findOrphans lists the live processes left from scripts: those that carry the run's CGI environment, and,
// where an environment cannot be read, those in a recorded script's process group. Dead processes (zombies)
// are only counted: they hold no resource but a process id, and reaping orphans is their new parent's job, which
// on some machines (a container's init) happens late.
func findOrphans(marker string, groups, children map[int]bool, skip ...int) (alive []string, dead int, err error) {
	procs, err := listProcesses()
	if err != nil {
		return nil, 0, err
	}
	for _, p := range procs {
		if slices.Contains(skip, p.pid) {
			continue
		}
		has, known := environHas(p.pid, marker)
		if !has && (known || !(groups[p.pgrp] || children[p.pid])) {
			continue
		}
		if p.state == stateZombie || p.state == stateDead {
			dead++
			continue
		}
		alive = append(alive, fmt.Sprintf("pid %d (%s, state %c) in group %d, parent %d", p.pid, p.comm, p.state, p.pgrp, p.ppid))
	}
	return alive, dead, nil
}

// uploadLeftovers lists the upload directory: temporary files of the receiver, and stored files no client
// deleted (every well-formed upload deletes its files, and hostile ones never finish a file). Where the receiver
// writes unnamed files (O_TMPFILE) there is no temporary name to find; one left open shows as a descriptor.
func uploadLeftovers(dir string) (temps, stored []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), uploadTempPrefix) {
			temps = append(temps, e.Name())
		} else {
			stored = append(stored, e.Name())
		}
	}
	return temps, stored, nil
}

// accessLogLine is the Combined Log Format the server writes, with every client-supplied byte outside printable
// ASCII, and every quote and backslash, escaped as \xHH.
var accessLogLine = regexp.MustCompile(`^[0-9a-fA-F.:]+ - - \[[^\]]+\] "[^"]*" [1-5][0-9]{2} (?:[0-9]+|-) "[^"]*" "[^"]*"$`)

// checkAccessLogLine reports why line (without its newline) is not one well-formed log line, or "" if it is.
func checkAccessLogLine(line []byte) string {
	for _, b := range line {
		if b < 0x20 || b > 0x7e {
			return fmt.Sprintf("raw byte 0x%02x", b)
		}
	}
	if !accessLogLine.Match(line) {
		return "not in Combined Log Format"
	}
	return ""
}

// scanAccessLog counts the lines of the access log and collects the first malformed ones: a client must not be
// able to forge or break a line.
func scanAccessLog(r io.Reader) (lines int, bad []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLogLine)
	for sc.Scan() {
		lines++
		if why := checkAccessLogLine(sc.Bytes()); why != "" && len(bad) < maxListed {
			bad = append(bad, fmt.Sprintf("line %d: %s: %q", lines, why, truncateForMessage(sc.Bytes())))
		}
	}
	if err := sc.Err(); err != nil {
		return lines, bad, fmt.Errorf("reading the access log: %w", err)
	}
	return lines, bad, nil
}

// serverLogEntry is the level and message of one structured line of the server's log.
var serverLogEntry = regexp.MustCompile(`level=([A-Z]+) msg=("(?:[^"\\]|\\.)*"|\S+)`)

// logSummary counts the server's log lines by level and message, and keeps the lines that mean a fault: any
// panic, and anything logged at ERROR.
type logSummary struct {
	counts map[string]int // "WARN cgi run" → n
	faults []string
}

func summarizeServerLog(data []byte) logSummary {
	s := logSummary{counts: map[string]int{}}
	for line := range bytes.Lines(data) {
		line = bytes.TrimRight(line, "\n")
		m := serverLogEntry.FindSubmatch(line)
		if m != nil {
			msg, err := strconv.Unquote(string(m[2]))
			if err != nil {
				msg = string(m[2])
			}
			s.counts[string(m[1])+" "+msg]++
		}
		fault := bytes.Contains(line, []byte("panic")) || (m != nil && string(m[1]) == "ERROR")
		if fault && len(s.faults) < maxListed {
			s.faults = append(s.faults, string(truncateForMessage(line)))
		}
	}
	return s
}

func listSome(names []string) string {
	if len(names) > maxListed {
		return strings.Join(names[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(names)-maxListed)
	}
	return strings.Join(names, ", ")
}
