//go:build linux

package cgi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bundledDir holds the example scripts shipped with the server.
var bundledDir = filepath.Join("..", "..", "www", "cgi-bin")

// bundledInterpreter returns how to run the bundled scripts: "" when their
// "#!/usr/bin/env python3" line finds python3 in SafePath, as it will under
// the server, or else the absolute path of the python3 the tests can find.
func bundledInterpreter(t *testing.T) string {
	t.Helper()
	for _, dir := range filepath.SplitList(SafePath) {
		if info, err := os.Stat(filepath.Join(dir, "python3")); err == nil && info.Mode()&0o111 != 0 {
			return ""
		}
	}
	launcher, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the bundled scripts cannot run")
	}
	// A launcher such as a version-manager shim needs the caller's
	// environment, which a script never gets; ask it for the real binary.
	out, err := exec.Command(launcher, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Skipf("python3 found at %s does not run: %v", launcher, err)
	}
	return strings.TrimSpace(string(out))
}

func TestBundledScripts(t *testing.T) {
	t.Parallel()
	interpreter := bundledInterpreter(t)
	form := "name=Ada+%3Cb%3E&lang=go"
	tests := []struct {
		name     string
		script   string
		edit     func(m *Meta)
		stdin    string
		header   [2]string
		contains []string
		absent   []string
	}{
		{
			name:   "hello escapes variables",
			script: "hello.py",
			edit:   func(m *Meta) { m.Query = "x=<script>" },
			header: [2]string{"Content-Type", "text/html; charset=utf-8"},
			contains: []string{"Hello from CGI", "x=&lt;script&gt;", "<td>GET</td>", "<td>ferrous</td>",
				"<td>CGI/1.1</td>"},
			absent: []string{"<script>"},
		},
		{
			name:   "form echoes query and posted fields",
			script: "form.py",
			edit: func(m *Meta) {
				m.Method = "POST"
				m.Query = "q=a%26b&empty="
				m.ContentType = "application/x-www-form-urlencoded"
				m.ContentLength = int64(len(form))
			},
			// Bytes past CONTENT_LENGTH are not part of the form.
			stdin:  form + "&extra=1",
			header: [2]string{"Content-Type", "text/html; charset=utf-8"},
			contains: []string{"<th>q</th><td>a&amp;b</td>", "<th>empty</th><td></td>",
				"<th>name</th><td>Ada &lt;b&gt;</td>", "<th>lang</th><td>go</td>"},
			absent: []string{"extra", "<b>"},
		},
		{
			name:     "form without a body",
			script:   "form.py",
			edit:     func(m *Meta) { m.Query = "only=query" },
			header:   [2]string{"Content-Type", "text/html; charset=utf-8"},
			contains: []string{"<th>only</th><td>query</td>", "Posted fields</h2>\n<p>(none)</p>"},
		},
		{
			name:     "counter continues the session",
			script:   "counter.py",
			edit:     func(m *Meta) { m.Extra = [][2]string{{"FERROUS_SESSION_VALUES", "theme=dark&visits=41"}} },
			header:   [2]string{"X-Session-Set", "visits=42"},
			contains: []string{"You have visited this page 42 times"},
		},
		{
			name:     "counter starts a session",
			script:   "counter.py",
			edit:     func(*Meta) {},
			header:   [2]string{"X-Session-Set", "visits=1"},
			contains: []string{"You have visited this page 1 times"},
		},
		{
			name:     "counter ignores a tampered count",
			script:   "counter.py",
			edit:     func(m *Meta) { m.Extra = [][2]string{{"FERROUS_SESSION_VALUES", "visits=%3Cx%3E"}} },
			header:   [2]string{"X-Session-Set", "visits=1"},
			contains: []string{"You have visited this page 1 times"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			script, err := filepath.Abs(filepath.Join(bundledDir, tt.script))
			if err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(script)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode()&0o111 == 0 {
				t.Fatalf("%s is not executable", tt.script)
			}
			m := baseMeta()
			m.ScriptName = "/cgi-bin/" + tt.script
			m.ScriptFilename = script
			tt.edit(&m)
			job := Job{Interpreter: interpreter, Script: script, Env: BuildEnv(m)}
			if tt.stdin != "" {
				job.Stdin = bytes.NewReader([]byte(tt.stdin))
			}
			sink := newTestSink()
			start(t, job, sink)
			if err := sink.wait(t); err != nil {
				t.Fatalf("Done(%v)", err)
			}
			resp := sink.response()
			if resp.Status != 200 {
				t.Fatalf("status %d", resp.Status)
			}
			found := false
			for _, field := range resp.Header {
				found = found || field == tt.header
			}
			if !found {
				t.Fatalf("header %q lacks %q", resp.Header, tt.header)
			}
			body := sink.bodyString()
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q:\n%s", s, body)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(body, s) {
					t.Errorf("body contains %q:\n%s", s, body)
				}
			}
		})
	}
}
