package loadgen

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestListenAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want string // "" when the line is not the listening line
	}{
		{name: "text handler", line: "time=2026-01-01T00:00:00.000Z level=INFO msg=listening addr=127.0.0.1:41234 loops=2", want: "127.0.0.1:41234"},
		{name: "ipv6", line: "level=INFO msg=listening addr=[::1]:8080 loops=1", want: "[::1]:8080"},
		{name: "quoted", line: `level=INFO msg=listening addr="127.0.0.1:9" loops=1`, want: "127.0.0.1:9"},
		{name: "other message", line: "level=INFO msg=started addr=127.0.0.1:1", want: ""},
		{name: "no addr", line: "level=INFO msg=listening loops=2", want: ""},
		{name: "port zero", line: "level=INFO msg=listening addr=127.0.0.1:0", want: ""},
		{name: "no port", line: "level=INFO msg=listening addr=127.0.0.1", want: ""},
		{name: "empty", line: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ListenAddr(tt.line)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("ListenAddr = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

// The log arrives from a pipe in arbitrary pieces: every split point, and
// one byte at a time, must give the same lines.
func TestServerLog(t *testing.T) {
	t.Parallel()
	const log = "level=INFO msg=config file=x\nlevel=INFO msg=listening addr=127.0.0.1:5555 loops=2\n" +
		"level=INFO msg=listening addr=127.0.0.1:6666 loops=2\nlevel=WARN msg=late"
	const wantTail = log + "\n"
	feed := func(t *testing.T, pieces [][]byte) {
		t.Helper()
		tail := &tailBuffer{max: serverLogTail}
		addrs := make(chan string, 1)
		l := &serverLog{tail: tail, addrs: addrs}
		for _, p := range pieces {
			if n, err := l.Write(p); n != len(p) || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		// The unterminated last line is flushed by the final newline.
		l.Write([]byte("\n"))
		close(addrs)
		var got []string
		for a := range addrs {
			got = append(got, a)
		}
		if len(got) != 1 || got[0] != "127.0.0.1:5555" {
			t.Errorf("addresses sent = %v, want only the first", got)
		}
		if tail.String() != wantTail {
			t.Errorf("tail = %q, want %q", tail.String(), wantTail)
		}
	}
	t.Run("every split point", func(t *testing.T) {
		t.Parallel()
		for i := range len(log) + 1 {
			feed(t, [][]byte{[]byte(log[:i]), []byte(log[i:])})
		}
	})
	t.Run("one byte at a time", func(t *testing.T) {
		t.Parallel()
		var pieces [][]byte
		for i := range len(log) {
			pieces = append(pieces, []byte{log[i]})
		}
		feed(t, pieces)
	})
	t.Run("overlong line", func(t *testing.T) {
		t.Parallel()
		tail := &tailBuffer{max: 2 * maxLogLine}
		l := &serverLog{tail: tail, addrs: make(chan string, 1)}
		l.Write(bytes.Repeat([]byte("x"), maxLogLine+1))
		if len(l.partial) != 0 || len(tail.String()) != maxLogLine+2 {
			t.Errorf("overlong line held back: partial %d, tail %d", len(l.partial), len(tail.String()))
		}
	})
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		max   int
		lines []string
		want  string
	}{
		{name: "fits", max: 100, lines: []string{"a", "b"}, want: "a\nb\n"},
		{name: "cut", max: 4, lines: []string{"first", "xy", "z"}, want: "y\nz\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := &tailBuffer{max: tt.max}
			for _, l := range tt.lines {
				tb.WriteLine(l)
			}
			if got := tb.String(); got != tt.want {
				t.Errorf("tail = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWriteDocroot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := writeDocroot(dir); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "www", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != BenchPageSize || !bytes.HasPrefix(page, []byte("<!DOCTYPE html>")) {
		t.Errorf("index.html: %d bytes, want a %d-byte page", len(page), BenchPageSize)
	}
	if info, err := os.Stat(filepath.Join(dir, "www", "upload")); err != nil || !info.IsDir() {
		t.Errorf("www/upload: %v", err)
	}
}

func TestFindFerrous(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "ferrous")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		explicit string
		wantErr  bool
	}{
		{name: "explicit", explicit: bin},
		{name: "explicit missing", explicit: filepath.Join(dir, "nope"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := FindFerrous(tt.explicit)
			if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.explicit) {
				t.Errorf("FindFerrous(%q) = %q, %v", tt.explicit, got, err)
			}
		})
	}
}

// A server that exits at once is reported with its log, and its directory is removed.
func TestStartFerrousReportsEarlyExit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "fake-ferrous")
	script := "#!/bin/sh\necho 'level=ERROR msg=\"cannot start\" err=\"bad config\"' >&2\nexit 1\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ferrous.yaml")
	if err := os.WriteFile(cfg, []byte("servers: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := StartFerrous(t.Context(), bin, cfg)
	if err == nil {
		f.Stop()
		t.Fatal("StartFerrous succeeded with a server that exits")
	}
	if !strings.Contains(err.Error(), "did not start") || !strings.Contains(err.Error(), "bad config") {
		t.Errorf("error = %v, want the exit and the server's log", err)
	}
}

// A fake server that logs its listening line is started and then stopped by SIGTERM.
func TestStartFerrousStops(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "fake-ferrous")
	// The fake checks it was given the copied config and the docroot.
	script := "#!/bin/sh\n[ -f \"$2\" ] && [ -f www/index.html ] && [ -d www/upload ] || exit 3\n" +
		"echo 'level=INFO msg=listening addr=127.0.0.1:7 loops=1' >&2\ntrap 'exit 0' TERM\nwhile :; do sleep 0.05; done\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ferrous.yaml")
	if err := os.WriteFile(cfg, []byte("workers: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := StartFerrous(t.Context(), bin, cfg)
	if err != nil {
		t.Fatalf("StartFerrous: %v", err)
	}
	if f.URL != "http://127.0.0.1:7" {
		t.Errorf("URL = %q", f.URL)
	}
	served := f.dir
	if err := f.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if _, err := os.Stat(served); !os.IsNotExist(err) {
		t.Errorf("server directory %s still exists: %v", served, err)
	}
}
