package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const siteConfig = `
workers: 1
access_log: off
servers:
  - host: 127.0.0.1
    port: 0
    routes:
      - path: /
        handler: File
        file: www/
`

// lockedBuffer collects what run writes to stderr while the test reads it.
type lockedBuffer struct {
	mu   sync.Mutex
	data strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.data.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.data.String()
}

func waitOutput(t *testing.T, b *lockedBuffer, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %v in output:\n%s", re, b.String())
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSignals drives the real entry point: serve, SIGHUP with a broken config (reported with file:line, old
// config keeps serving), SIGHUP with a good one (applied), SIGTERM (exit 0).
func TestSignals(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "www"), 0o755)
	os.MkdirAll(filepath.Join(dir, "v2"), 0o755)
	os.WriteFile(filepath.Join(dir, "www/index.html"), []byte("version one"), 0o644)
	os.WriteFile(filepath.Join(dir, "v2/index.html"), []byte("version two"), 0o644)
	cfgPath := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgPath, []byte(siteConfig), 0o644)

	var stderr lockedBuffer
	exit := make(chan int, 1)
	go func() { exit <- run([]string{"-c", cfgPath}, io.Discard, &stderr) }()
	addr := waitOutput(t, &stderr, regexp.MustCompile(`serving http://(\S+)`))[1]
	if _, body := get(t, "http://"+addr+"/"); body != "version one" {
		t.Fatalf("first config: %q", body)
	}

	os.WriteFile(cfgPath, []byte(strings.Replace(siteConfig, "workers: 1", "workers: 1\nbogus: 3", 1)), 0o644)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitOutput(t, &stderr, regexp.MustCompile(`reload refused.*config\.yaml:3: `))
	if _, body := get(t, "http://"+addr+"/"); body != "version one" {
		t.Fatalf("after a bad reload: %q", body)
	}

	port := addr[strings.LastIndexByte(addr, ':')+1:]
	good := strings.Replace(strings.Replace(siteConfig, "port: 0", "port: "+port, 1), "file: www/", "file: v2/", 1)
	os.WriteFile(cfgPath, []byte(good), 0o644)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitOutput(t, &stderr, regexp.MustCompile(`config reloaded`))
	if _, body := get(t, "http://"+addr+"/"); body != "version two" {
		t.Fatalf("after a good reload: %q", body)
	}

	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit status %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}

func TestCheckOnly(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "www"), 0o755)
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte(siteConfig), 0o644)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(siteConfig, "port: 0", "port: 70000", 1)+"\nunknown_key: 1\n"), 0o644)
	var out, errOut strings.Builder
	if code := run([]string{"-t", "-c", good}, &out, &errOut); code != 0 {
		t.Fatalf("valid config: exit %d: %s", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"-t", "-c", bad}, &out, &errOut); code != 1 {
		t.Fatalf("invalid config: exit %d", code)
	}
	lines := bufio.NewScanner(strings.NewReader(errOut.String()))
	var located int
	for lines.Scan() {
		if regexp.MustCompile(`bad\.yaml:\d+: `).MatchString(lines.Text()) {
			located++
		}
	}
	if located < 2 {
		t.Fatalf("want both mistakes reported with file:line, got:\n%s", errOut.String())
	}
}
