package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"ferrous/internal/config"
)

func newTestSite(t *testing.T) *site {
	t.Helper()
	s, err := newSite(t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSiteConfigLoads checks the generated config against the server's own loader: it must be valid, and say
// what the clients' expectations are built on.
func TestSiteConfigLoads(t *testing.T) {
	t.Parallel()
	s := newTestSite(t)
	cfg, err := config.Load(s.configPath)
	if err != nil {
		t.Fatalf("config does not load:\n%v\n%s", err, s.config())
	}
	durations := []struct {
		name      string
		got, want time.Duration
	}{
		{"header timeout", cfg.HeaderTimeout, headerTimeoutSecs * time.Second},
		{"body timeout", cfg.BodyTimeout, bodyTimeoutSecs * time.Second},
		{"cgi timeout", cfg.CGITimeout, cgiTimeoutSecs * time.Second},
		{"idle timeout", cfg.ConnectionTimeout, idleTimeoutSecs * time.Second},
		{"shutdown timeout", cfg.ShutdownTimeout, shutdownTimeoutSecs * time.Second},
	}
	for _, d := range durations {
		if d.got != d.want {
			t.Errorf("%s = %v, want %v", d.name, d.got, d.want)
		}
	}
	if cfg.AccessLog != s.accessLog {
		t.Errorf("access log = %q, want %q", cfg.AccessLog, s.accessLog)
	}
	if len(cfg.Servers) != 1 || cfg.Servers[0].Port != 0 || cfg.Servers[0].Host != "127.0.0.1" {
		t.Fatalf("servers = %+v, want one on 127.0.0.1 port 0", cfg.Servers)
	}
	routes := map[string]config.Route{}
	for _, r := range cfg.Servers[0].Routes {
		routes[r.Path] = r
	}
	if r := routes["/upload/"]; r.MaxBodySize != uploadMaxBody || r.File != s.uploadDir {
		t.Errorf("upload route = %+v", r)
	}
	if r := routes["/session/"]; !r.Session || r.File != s.cgiDir || r.CGIExtension != ".sh" {
		t.Errorf("session route = %+v", r)
	}
	if cfg.Sessions == nil || cfg.Sessions.CookieName != sessionCookie {
		t.Errorf("sessions = %+v, want cookie %s", cfg.Sessions, sessionCookie)
	}
}

// runScript runs a generated script the way the server does: by /bin/sh, with only the given environment.
func runScript(t *testing.T, s *site, name string, env []string, stdin []byte) []byte {
	t.Helper()
	cmd := exec.Command("/bin/sh", filepath.Join(s.cgiDir, name))
	cmd.Env = append([]string{"PATH=/usr/local/bin:/usr/bin:/bin"}, env...)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// splitCGI separates a script's header block from its body.
func splitCGI(t *testing.T, out []byte) (header string, body []byte) {
	t.Helper()
	h, b, ok := bytes.Cut(out, []byte("\n\n"))
	if !ok {
		t.Fatalf("no blank line ending the header in %q", truncateForMessage(out))
	}
	return string(h), b
}

// TestScriptsAnswerWhatClientsExpect runs the scripts outside the server: what each prints must be exactly what
// the clients check for, or every soak would fail for the soak's own mistake.
func TestScriptsAnswerWhatClientsExpect(t *testing.T) {
	t.Parallel()
	s := newTestSite(t)
	payload := []byte("binary\x00\xff\r\n--payload")
	tests := []struct {
		name       string
		script     string
		env        []string
		stdin      []byte
		wantHeader string
		wantBody   []byte
	}{
		{"echo GET", scriptEcho, []string{"REQUEST_METHOD=GET", "QUERY_STRING=w=1&n=2"}, nil,
			"Content-Type: text/plain", echoAnswer("GET", "w=1&n=2", nil)},
		{"echo POST", scriptEcho, []string{"REQUEST_METHOD=POST", "QUERY_STRING=post=3", "CONTENT_LENGTH=" + strconv.Itoa(len(payload))}, payload,
			"Content-Type: text/plain", echoAnswer("POST", "post=3", payload)},
		{"slow", scriptSlow, nil, nil, "Content-Type: text/plain", []byte("slow\n")},
		{"counter first visit", scriptCounter, nil, nil,
			"Content-Type: text/plain\nCache-Control: no-store\nX-Session-Set: visits=1", []byte("1\n")},
		{"counter later visit", scriptCounter, []string{"FERROUS_SESSION_VALUES=visits=41"}, nil,
			"Content-Type: text/plain\nCache-Control: no-store\nX-Session-Set: visits=42", []byte("42\n")},
		{"counter tampered value", scriptCounter, []string{"FERROUS_SESSION_VALUES=visits=4x"}, nil,
			"Content-Type: text/plain\nCache-Control: no-store\nX-Session-Set: visits=1", []byte("1\n")},
		{"flood", scriptFlood, nil, nil, "Content-Type: text/plain", bytes.Repeat([]byte("y\n"), floodBytes/2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			header, body := splitCGI(t, runScript(t, s, tc.script, tc.env, tc.stdin))
			if header != tc.wantHeader {
				t.Errorf("header %q, want %q", header, tc.wantHeader)
			}
			if !bytes.Equal(body, tc.wantBody) {
				t.Errorf("%s", describeDiff(body, tc.wantBody))
			}
		})
	}
}

// TestScriptsRecordTheirProcess checks the line every script starts with: its process id appended to the
// script's own file in the pid directory.
func TestScriptsRecordTheirProcess(t *testing.T) {
	t.Parallel()
	s := newTestSite(t)
	runScript(t, s, scriptEcho, []string{"REQUEST_METHOD=GET"}, nil)
	runScript(t, s, scriptEcho, []string{"REQUEST_METHOD=GET"}, nil)
	runs, groups, children, err := scriptRuns(s.pidDir)
	if err != nil {
		t.Fatal(err)
	}
	if runs[scriptEcho] != 2 || len(groups) != 2 || len(children) != 0 {
		t.Fatalf("runs %v, groups %v, children %v; want two runs of %s", runs, groups, children, scriptEcho)
	}
}

// TestSiteModes checks that the scripts the server must run are executable and the one it must refuse is not.
func TestSiteModes(t *testing.T) {
	t.Parallel()
	s := newTestSite(t)
	for _, sc := range cgiScripts(s.pidDir) {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			st, err := os.Stat(filepath.Join(s.cgiDir, sc.name))
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode()&0o111 != 0; got != sc.executable {
				t.Fatalf("executable = %v, want %v", got, sc.executable)
			}
		})
	}
}

func TestNewSiteRefusesUnquotablePath(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "it's")
	if _, err := newSite(dir, 1); err == nil {
		t.Fatal("a path with a quote was accepted")
	}
}
