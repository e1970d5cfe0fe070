//go:build linux

package cgi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// runWait bounds how long a test waits for Done; every script here ends
// well within it unless the runner is broken.
const runWait = 10 * time.Second

// testSink records what a run reports and flags any breach of the Sink
// contract: Header at most once and first, Body only after Header, nothing
// after Done, Done exactly once.
type testSink struct {
	bodyDelay  time.Duration
	headerSeen chan struct{}
	done       chan struct{}

	mu          sync.Mutex
	resp        *Response
	headerCalls int
	body        bytes.Buffer
	bodyCalls   int
	maxPiece    int
	err         error
	doneCalls   int
	violations  []string
}

func newTestSink() *testSink {
	return &testSink{headerSeen: make(chan struct{}), done: make(chan struct{})}
}

func (s *testSink) Header(r *Response) {
	s.mu.Lock()
	s.headerCalls++
	if s.headerCalls > 1 {
		s.violations = append(s.violations, "Header called twice")
	}
	if s.doneCalls > 0 {
		s.violations = append(s.violations, "Header after Done")
	}
	copied := *r
	s.resp = &copied
	first := s.headerCalls == 1
	s.mu.Unlock()
	if first {
		close(s.headerSeen)
	}
}

func (s *testSink) Body(p []byte) {
	s.mu.Lock()
	if s.headerCalls == 0 {
		s.violations = append(s.violations, "Body before Header")
	}
	if s.doneCalls > 0 {
		s.violations = append(s.violations, "Body after Done")
	}
	s.body.Write(p)
	s.bodyCalls++
	s.maxPiece = max(s.maxPiece, len(p))
	s.mu.Unlock()
	if s.bodyDelay > 0 {
		time.Sleep(s.bodyDelay)
	}
}

func (s *testSink) Done(err error) {
	s.mu.Lock()
	s.doneCalls++
	s.err = err
	first := s.doneCalls == 1
	if !first {
		s.violations = append(s.violations, "Done called twice")
	}
	s.mu.Unlock()
	if first {
		close(s.done)
	}
}

func (s *testSink) isDone() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.doneCalls > 0
}

// wait returns Done's error once it has been called.
func (s *testSink) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(runWait):
		t.Fatalf("Done not called within %v", runWait)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.violations {
		t.Errorf("sink contract: %s", v)
	}
	return s.err
}

func (s *testSink) bodyString() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.body.String()
}

func (s *testSink) response() *Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resp
}

func writeScript(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// shellJob writes a /bin/sh script to a fresh directory and describes a run
// of it with an environment built the way the server builds it.
func shellJob(t *testing.T, body string) Job {
	t.Helper()
	dir := t.TempDir()
	script := writeScript(t, dir, "script.cgi", "#!/bin/sh\n"+body, 0o755)
	m := baseMeta()
	m.ScriptFilename = script
	m.Extra = [][2]string{{"TEST_DIR", dir}}
	return Job{Script: script, Env: BuildEnv(m), Timeout: 5 * time.Second}
}

func start(t *testing.T, job Job, sink Sink) *Run {
	t.Helper()
	run, err := Start(job, sink)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return run
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("script did not record a pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("pid file %s: %v", path, err)
	}
	return pid
}

// processState returns the state letter of pid from /proc, or 0 if there is
// no such process.
func processState(pid int) byte {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// pid (comm) state ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return 0
	}
	return data[i+2]
}

// waitDead waits until pid has died. A reparented orphan may stay a zombie
// if nothing reaps it, which still means the kill worked; the script's own
// process must be fully reaped, so it may not even be a zombie.
func waitDead(t *testing.T, pid int, mustBeReaped bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		state := processState(pid)
		if state == 0 || (!mustBeReaped && (state == 'Z' || state == 'X')) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still present in state %c", pid, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func patterned(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%23)
	}
	return b
}

func TestRunOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		stdin  []byte
		err    error
		status int
		header [][2]string
		body   string
	}{
		{
			name: "hello",
			script: "printf 'Content-Type: text/plain\\nX-Script: hello\\n\\n'\n" +
				"printf 'hello %s %s' \"$REQUEST_METHOD\" \"$SERVER_SOFTWARE\"\n",
			status: 200,
			header: [][2]string{{"Content-Type", "text/plain"}, {"X-Script", "hello"}},
			body:   "hello GET ferrous",
		},
		{
			name:   "status and working directory",
			script: "printf 'Status: 201 Created\\r\\nContent-Type: text/plain\\r\\n\\r\\n'\npwd\n",
			status: 201,
			header: [][2]string{{"Content-Type", "text/plain"}},
			body:   "<dir>\n",
		},
		{
			name:   "header arrives in pieces",
			script: "printf 'Content-'\nsleep 0.05\nprintf 'Type: text/plain\\n'\nsleep 0.05\nprintf '\\nbody'\n",
			status: 200,
			header: [][2]string{{"Content-Type", "text/plain"}},
			body:   "body",
		},
		{
			name:   "empty stdin when there is no body",
			script: "printf 'Content-Type: text/plain\\n\\n'\ncat\nprintf end\n",
			status: 200,
			header: [][2]string{{"Content-Type", "text/plain"}},
			body:   "end",
		},
		{
			name:   "failure before header",
			script: "echo oops >&2\nexit 3\n",
			err:    ErrNoHeader,
		},
		{
			name:   "success without output",
			script: "exit 0\n",
			err:    ErrNoHeader,
		},
		{
			name:   "output ends inside header",
			script: "printf 'Content-Type: text/plain\\n'\n",
			err:    ErrNoHeader,
		},
		{
			name:   "failure after header",
			script: "printf 'Content-Type: text/plain\\n\\npartial'\nexit 4\n",
			err:    ErrScriptFailed,
			status: 200,
			header: [][2]string{{"Content-Type", "text/plain"}},
			body:   "partial",
		},
		{
			name:   "killed by its own signal after header",
			script: "printf 'Content-Type: text/plain\\n\\nx'\nkill -TERM $$\n",
			err:    ErrScriptFailed,
			status: 200,
			header: [][2]string{{"Content-Type", "text/plain"}},
			body:   "x",
		},
		{
			name:   "header injection",
			script: "printf 'Content-Type: text/plain\\nX-Evil: a\\rSet-Cookie: s=1\\n\\nbody'\n",
			err:    ErrBadOutput,
		},
		{
			name:   "missing content type",
			script: "printf 'X-A: 1\\n\\nbody'\n",
			err:    ErrBadOutput,
		},
		{
			name:   "stdin echo of 1 MiB",
			script: "printf 'Content-Type: application/octet-stream\\n\\n'\nexec cat\n",
			stdin:  patterned(1 << 20),
			status: 200,
			header: [][2]string{{"Content-Type", "application/octet-stream"}},
			body:   string(patterned(1 << 20)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job := shellJob(t, tt.script)
			if tt.stdin != nil {
				job.Stdin = bytes.NewReader(tt.stdin)
			}
			sink := newTestSink()
			start(t, job, sink)
			err := sink.wait(t)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Done(%v), want %v", err, tt.err)
			}
			resp := sink.response()
			if tt.status == 0 {
				if resp != nil {
					t.Fatalf("Header called with %+v, want no header", resp)
				}
				return
			}
			if resp == nil {
				t.Fatal("Header not called")
			}
			if resp.Status != tt.status || fmt.Sprint(resp.Header) != fmt.Sprint(tt.header) {
				t.Fatalf("response = %d %q, want %d %q", resp.Status, resp.Header, tt.status, tt.header)
			}
			want := strings.ReplaceAll(tt.body, "<dir>", filepath.Dir(job.Script))
			if got := sink.bodyString(); got != want {
				if len(got) > 100 || len(want) > 100 {
					t.Fatalf("body is %d bytes, want %d (or content differs)", len(got), len(want))
				}
				t.Fatalf("body = %q, want %q", got, want)
			}
		})
	}
}

func TestRunEnvironmentIsExactlyTheJobs(t *testing.T) {
	t.Parallel()
	job := shellJob(t, "printf 'Content-Type: text/plain\\n\\n'\nexec env\n")
	sink := newTestSink()
	start(t, job, sink)
	if err := sink.wait(t); err != nil {
		t.Fatalf("Done(%v)", err)
	}
	want := make(map[string]bool, len(job.Env))
	for _, kv := range job.Env {
		want[kv] = true
	}
	got := strings.Split(strings.TrimSuffix(sink.bodyString(), "\n"), "\n")
	seen := 0
	for _, kv := range got {
		switch {
		case want[kv]:
			seen++
		case strings.HasPrefix(kv, "PWD="):
			// The shell sets PWD for itself.
		default:
			t.Errorf("script saw %q, which the job did not set", kv)
		}
		if strings.HasPrefix(kv, canaryVar+"=") {
			t.Errorf("server environment leaked: %q", kv)
		}
	}
	if seen != len(want) {
		t.Errorf("script saw %d of the job's %d variables: %q", seen, len(want), got)
	}
}

func TestRunTimeoutKillsGroup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header bool
	}{
		{name: "before header", header: false},
		{name: "after header", header: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			script := "echo $$ > \"$TEST_DIR/leader\"\n" +
				"sleep 30 &\n" +
				"echo $! > \"$TEST_DIR/child\"\n"
			if tt.header {
				script += "printf 'Content-Type: text/plain\\n\\nstarted'\n"
			}
			script += "wait\n"
			job := shellJob(t, script)
			job.Timeout = 300 * time.Millisecond
			sink := newTestSink()
			began := time.Now()
			start(t, job, sink)
			err := sink.wait(t)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("Done(%v), want ErrTimeout", err)
			}
			if elapsed := time.Since(began); elapsed > 3*time.Second {
				t.Fatalf("timeout of 300ms took %v", elapsed)
			}
			if got := sink.response() != nil; got != tt.header {
				t.Fatalf("header sent = %v, want %v", got, tt.header)
			}
			dir := filepath.Dir(job.Script)
			waitDead(t, readPid(t, filepath.Join(dir, "leader")), true)
			waitDead(t, readPid(t, filepath.Join(dir, "child")), false)
		})
	}
}

func TestRunKillsGroupWhenScriptExits(t *testing.T) {
	t.Parallel()
	// The background child keeps stdout open; only killing the group when
	// the script exits ends the output before the timeout.
	job := shellJob(t, "printf 'Content-Type: text/plain\\n\\nbye'\n"+
		"sleep 30 &\necho $! > \"$TEST_DIR/child\"\nexit 0\n")
	job.Timeout = 20 * time.Second
	sink := newTestSink()
	began := time.Now()
	start(t, job, sink)
	if err := sink.wait(t); err != nil {
		t.Fatalf("Done(%v), want nil", err)
	}
	if elapsed := time.Since(began); elapsed > 5*time.Second {
		t.Fatalf("run took %v: the child held it open", elapsed)
	}
	if got := sink.bodyString(); got != "bye" {
		t.Fatalf("body = %q", got)
	}
	waitDead(t, readPid(t, filepath.Join(filepath.Dir(job.Script), "child")), false)
}

func TestRunLingeringAfterOutput(t *testing.T) {
	t.Parallel()
	// The script closes its stdout and keeps running: the response is
	// complete, and the script gets exitGrace before it is killed.
	job := shellJob(t, "printf 'Content-Type: text/plain\\n\\ndone'\nexec >&-\n"+
		"echo $$ > \"$TEST_DIR/leader\"\nsleep 30\n")
	sink := newTestSink()
	start(t, job, sink)
	if err := sink.wait(t); err != nil {
		t.Fatalf("Done(%v), want nil", err)
	}
	if got := sink.bodyString(); got != "done" {
		t.Fatalf("body = %q", got)
	}
	waitDead(t, readPid(t, filepath.Join(filepath.Dir(job.Script), "leader")), true)
}

func TestRunCancel(t *testing.T) {
	t.Parallel()
	job := shellJob(t, "sleep 30 &\necho $! > \"$TEST_DIR/child\"\n"+
		"printf 'Content-Type: text/plain\\n\\nwaiting'\nwait\n")
	job.Timeout = 20 * time.Second
	sink := newTestSink()
	run := start(t, job, sink)
	select {
	case <-sink.headerSeen:
	case <-time.After(runWait):
		t.Fatal("no header")
	}
	run.Cancel()
	run.Cancel()
	if err := sink.wait(t); !errors.Is(err, ErrCanceled) {
		t.Fatalf("Done(%v), want ErrCanceled", err)
	}
	run.Cancel()
	waitDead(t, readPid(t, filepath.Join(filepath.Dir(job.Script), "child")), false)
}

func TestRunCancelAtOnce(t *testing.T) {
	t.Parallel()
	job := shellJob(t, "printf 'Content-Type: text/plain\\n\\n'\nexec sleep 30\n")
	job.Timeout = 20 * time.Second
	sink := newTestSink()
	run := start(t, job, sink)
	run.Cancel()
	if err := sink.wait(t); !errors.Is(err, ErrCanceled) {
		t.Fatalf("Done(%v), want ErrCanceled", err)
	}
}

// trackingReader flags reads of the request body after Done: the server may
// reuse the body's memory once Done has been called.
type trackingReader struct {
	r    io.Reader
	sink *testSink
	late bool
	mu   sync.Mutex
}

func (tr *trackingReader) Read(p []byte) (int, error) {
	if tr.sink.isDone() {
		tr.mu.Lock()
		tr.late = true
		tr.mu.Unlock()
	}
	return tr.r.Read(p)
}

func TestRunScriptIgnoresStdin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
	}{
		{name: "exits at once", script: "printf 'Content-Type: text/plain\\n\\nok'\n"},
		{name: "exits later", script: "printf 'Content-Type: text/plain\\n\\nok'\nsleep 0.2\n"},
		{name: "child holds stdin", script: "printf 'Content-Type: text/plain\\n\\nok'\nsleep 30 &\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job := shellJob(t, tt.script)
			sink := newTestSink()
			body := &trackingReader{r: bytes.NewReader(patterned(1 << 20)), sink: sink}
			job.Stdin = body
			start(t, job, sink)
			if err := sink.wait(t); err != nil {
				t.Fatalf("Done(%v), want nil", err)
			}
			if got := sink.bodyString(); got != "ok" {
				t.Fatalf("body = %q", got)
			}
			time.Sleep(20 * time.Millisecond)
			body.mu.Lock()
			defer body.mu.Unlock()
			if body.late {
				t.Fatal("request body read after Done")
			}
		})
	}
}

func TestRunFloodWithSlowSink(t *testing.T) {
	t.Parallel()
	const size = 2 << 20
	job := shellJob(t, "printf 'Content-Type: application/octet-stream\\n\\n'\n"+
		"yes 0123456789abcdef | head -c "+strconv.Itoa(size)+"\n")
	sink := newTestSink()
	sink.bodyDelay = 2 * time.Millisecond
	start(t, job, sink)
	if err := sink.wait(t); err != nil {
		t.Fatalf("Done(%v), want nil", err)
	}
	got := sink.bodyString()
	want := strings.Repeat("0123456789abcdef\n", size/17+1)[:size]
	if got != want {
		t.Fatalf("body is %d bytes, want %d (or content differs)", len(got), len(want))
	}
	if sink.maxPiece > readBufferSize {
		t.Fatalf("Body got a %d-byte piece, limit %d", sink.maxPiece, readBufferSize)
	}
}

func TestRunParallel(t *testing.T) {
	t.Parallel()
	for i := range 8 {
		t.Run(fmt.Sprintf("run %d", i), func(t *testing.T) {
			t.Parallel()
			job := shellJob(t, "printf 'Content-Type: text/plain\\n\\n'\nexec cat\n")
			input := bytes.Repeat([]byte{byte('A' + i)}, 64<<10+i)
			job.Stdin = bytes.NewReader(input)
			sink := newTestSink()
			start(t, job, sink)
			if err := sink.wait(t); err != nil {
				t.Fatalf("Done(%v)", err)
			}
			if got := sink.bodyString(); got != string(input) {
				t.Fatalf("run %d: body of %d bytes, want %d", i, len(got), len(input))
			}
		})
	}
}

func TestRunHeaderLimit(t *testing.T) {
	t.Parallel()
	job := shellJob(t, "printf 'Content-Type: text/plain\\nX-Long: '\nhead -c 5000 /dev/zero | tr '\\0' a\n"+
		"printf '\\n\\nbody'\n")
	job.MaxOutputHeader = 1024
	sink := newTestSink()
	start(t, job, sink)
	if err := sink.wait(t); !errors.Is(err, ErrBadOutput) {
		t.Fatalf("Done(%v), want ErrBadOutput", err)
	}
	if sink.response() != nil {
		t.Fatal("Header called for an oversized header")
	}
}

func TestRunStderr(t *testing.T) {
	t.Parallel()
	job := shellJob(t, "echo first >&2\n"+
		"head -c 3000 /dev/zero | tr '\\0' l >&2\necho >&2\n"+
		"i=0; while [ $i -lt 200 ]; do head -c 999 /dev/zero | tr '\\0' x >&2; echo >&2; i=$((i+1)); done\n"+
		"printf 'Content-Type: text/plain\\n\\nok'\n")
	var mu sync.Mutex
	var lines []string
	job.Stderr = func(line []byte) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, string(line))
	}
	sink := newTestSink()
	start(t, job, sink)
	if err := sink.wait(t); err != nil {
		t.Fatalf("Done(%v)", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) < 2 || lines[0] != "first" || lines[1] != strings.Repeat("l", maxStderrLine) {
		t.Fatalf("first lines not as printed (cut to %d): %.80q", maxStderrLine, lines)
	}
	total := 0
	for _, line := range lines {
		if len(line) > maxStderrLine {
			t.Fatalf("line of %d bytes passed on", len(line))
		}
		total += len(line)
	}
	if total != maxStderrBytes {
		t.Fatalf("%d stderr bytes passed on, want the budget of %d", total, maxStderrBytes)
	}
}

func TestRunInterpreter(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Not executable: the interpreter reads it.
	script := writeScript(t, dir, "plain.sh", "printf 'Content-Type: text/plain\\n\\n%s' \"$0\"\n", 0o644)
	sink := newTestSink()
	start(t, Job{Interpreter: "/bin/sh", Script: script}, sink)
	if err := sink.wait(t); err != nil {
		t.Fatalf("Done(%v)", err)
	}
	if got := sink.bodyString(); got != script {
		t.Fatalf("body = %q, want %q", got, script)
	}
}

func TestRunStartErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notExecutable := writeScript(t, dir, "plain.cgi", "#!/bin/sh\necho hi\n", 0o644)
	executable := writeScript(t, dir, "ok.cgi", "#!/bin/sh\necho hi\n", 0o755)
	tests := []struct {
		name string
		job  Job
		is   error
		not  error
	}{
		{name: "missing script", job: Job{Script: filepath.Join(dir, "missing.cgi")}, is: fs.ErrNotExist},
		{name: "missing script with interpreter",
			job: Job{Interpreter: "/bin/sh", Script: filepath.Join(dir, "missing.sh")}, is: fs.ErrNotExist},
		{name: "not executable", job: Job{Script: notExecutable}, is: fs.ErrPermission},
		{name: "directory", job: Job{Script: dir}, is: fs.ErrPermission},
		{name: "interpreter not in PATH",
			job: Job{Interpreter: "ferrous-no-such-interpreter", Script: executable},
			is:  ErrInterpreter, not: fs.ErrNotExist},
		{name: "interpreter path missing",
			job: Job{Interpreter: filepath.Join(dir, "no-interpreter"), Script: executable},
			is:  ErrInterpreter, not: fs.ErrNotExist},
		{name: "missing directory",
			job: Job{Script: executable, Dir: filepath.Join(dir, "gone")}, is: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := newTestSink()
			start(t, tt.job, sink)
			err := sink.wait(t)
			if !errors.Is(err, tt.is) {
				t.Fatalf("Done(%v), want %v", err, tt.is)
			}
			if tt.not != nil && errors.Is(err, tt.not) {
				t.Fatalf("Done(%v) also matches %v", err, tt.not)
			}
			if sink.response() != nil {
				t.Fatal("Header called for a script that never started")
			}
		})
	}
}

func TestStartRejectsInvalidJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		job  Job
		sink Sink
	}{
		{name: "relative script", job: Job{Script: "cgi-bin/x.py"}, sink: newTestSink()},
		{name: "nil sink", job: Job{Script: "/bin/true"}},
		{name: "negative timeout", job: Job{Script: "/bin/true", Timeout: -time.Second}, sink: newTestSink()},
		{name: "negative header limit", job: Job{Script: "/bin/true", MaxOutputHeader: -1}, sink: newTestSink()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			run, err := Start(tt.job, tt.sink)
			if !errors.Is(err, ErrInvalidJob) || run != nil {
				t.Fatalf("Start = %v, %v; want ErrInvalidJob", run, err)
			}
		})
	}
}

func countDescriptors(t *testing.T) int {
	return len(openDescriptors(t))
}

// openDescriptors lists what each open descriptor of the process refers to, so a leak names what leaked.
func openDescriptors(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list descriptors: %v", err)
	}
	var out []string
	for _, e := range entries {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		out = append(out, e.Name()+" → "+target)
	}
	return out
}

// TestRunReleasesResources is not parallel: top-level tests that are run
// before any parallel one starts, so the descriptors and goroutines of the
// process are this test's alone to count.
func TestRunReleasesResources(t *testing.T) {
	// The runtime opens its poller's descriptors (epoll, eventfd) the first time a pipe is made, and keeps them: a
	// pipe made before counting keeps them from looking like a leak of the first run.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	descriptors := countDescriptors(t)
	goroutines := runtime.NumGoroutine()
	tests := []struct {
		name    string
		script  string
		stdin   bool
		stderr  bool
		timeout time.Duration
		cancel  bool
	}{
		{name: "plain", script: "printf 'Content-Type: text/plain\\n\\nok'\n"},
		{name: "stdin and stderr", script: "echo log >&2\nprintf 'Content-Type: text/plain\\n\\n'\nexec cat\n",
			stdin: true, stderr: true},
		{name: "ignored stdin", script: "printf 'Content-Type: text/plain\\n\\nok'\n", stdin: true},
		{name: "bad output", script: "printf 'nonsense\\n\\n'\nsleep 30\n", stdin: true, stderr: true},
		{name: "timeout", script: "sleep 30 &\nwait\n", stdin: true, stderr: true, timeout: 100 * time.Millisecond},
		{name: "cancel", script: "printf 'Content-Type: text/plain\\n\\n'\nsleep 30\n", stdin: true,
			stderr: true, cancel: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := shellJob(t, tt.script)
			if tt.stdin {
				job.Stdin = bytes.NewReader(patterned(256 << 10))
			}
			if tt.stderr {
				job.Stderr = func([]byte) {}
			}
			if tt.timeout > 0 {
				job.Timeout = tt.timeout
			}
			sink := newTestSink()
			run := start(t, job, sink)
			if tt.cancel {
				<-sink.headerSeen
				run.Cancel()
			}
			sink.wait(t)
		})
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		nowDescriptors, nowGoroutines := countDescriptors(t), runtime.NumGoroutine()
		if nowDescriptors <= descriptors && nowGoroutines <= goroutines {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the runs: %d descriptors (%d before), %d goroutines (%d before); open now: %v",
				nowDescriptors, descriptors, nowGoroutines, goroutines, openDescriptors(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestExpiredDeadlineStillReadsWaitingOutput: the post-exit read deadline may expire while the reader waits for a
// CPU; output already in the pipe must still be read, and a closed, empty pipe is EOF, not a timeout.
func TestExpiredDeadlineStillReadsWaitingOutput(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := w.Write([]byte("Status: 200 OK\n")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	_ = r.SetReadDeadline(time.Now().Add(-time.Second))
	in := pipeReader{run: &Run{}, f: r}
	buf := make([]byte, 64)
	n, err := in.Read(buf)
	if err != nil || string(buf[:n]) != "Status: 200 OK\n" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if n, err := in.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("after the data: %d, %v; want EOF", n, err)
	}
}
