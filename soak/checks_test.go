package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestCheckAccessLogLine(t *testing.T) {
	t.Parallel()
	const good = `127.0.0.1 - - [25/Nov/2026:22:30:12 +0000] "GET /static/f-1.bin HTTP/1.1" 200 1 "-" "Go-http-client/1.1"`
	tests := []struct {
		name string
		line string
		ok   bool
	}{
		{name: "request", line: good, ok: true},
		{name: "refused before parsing", line: `127.0.0.1 - - [25/Nov/2026:22:30:12 +0000] "-" 400 313 "-" "-"`, ok: true},
		{name: "no body", line: `::1 - - [25/Nov/2026:22:30:12 +0000] "HEAD / HTTP/1.1" 200 - "-" "-"`, ok: true},
		{name: "escaped quote and control bytes", line: `127.0.0.1 - - [25/Nov/2026:22:30:12 +0000] "GET /\x22a\x0a HTTP/1.1" 404 288 "\x5c" "-"`, ok: true},
		{name: "raw newline forged", line: strings.Replace(good, "Go-http", "Go\nhttp", 1)},
		{name: "raw control byte", line: strings.Replace(good, "/static", "/st\x01atic", 1)},
		{name: "raw high byte", line: strings.Replace(good, "/static", "/st\xc3\xa9atic", 1)},
		{name: "unescaped quote", line: strings.Replace(good, "Go-http", `Go"http`, 1)},
		{name: "missing user agent", line: strings.TrimSuffix(good, ` "Go-http-client/1.1"`)},
		{name: "status out of range", line: strings.Replace(good, " 200 ", " 700 ", 1)},
		{name: "empty", line: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			why := checkAccessLogLine([]byte(tc.line))
			if (why == "") != tc.ok {
				t.Fatalf("checkAccessLogLine = %q, want ok %v", why, tc.ok)
			}
		})
	}
}

func TestScanAccessLog(t *testing.T) {
	t.Parallel()
	const good = `127.0.0.1 - - [25/Nov/2026:22:30:12 +0000] "GET / HTTP/1.1" 200 44 "-" "-"`
	log := good + "\n" + `forged line` + "\n" + good + "\n"
	for _, oneByte := range []bool{false, true} {
		var r io.Reader = strings.NewReader(log)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		lines, bad, err := scanAccessLog(r)
		if err != nil || lines != 3 || len(bad) != 1 || !strings.HasPrefix(bad[0], "line 2:") {
			t.Fatalf("one byte at a time %v: lines %d, bad %q, err %v", oneByte, lines, bad, err)
		}
	}
}

func TestSummarizeServerLog(t *testing.T) {
	t.Parallel()
	log := strings.Join([]string{
		`time=2026-11-25T22:26:16.780Z level=INFO msg=listening addr=127.0.0.1:45607 loops=2`,
		`ferrous: serving http://127.0.0.1:45607`,
		`time=2026-11-25T22:26:17.000Z level=WARN msg="cgi run" script=/cgi/hang.sh err="cgi: script timed out"`,
		`time=2026-11-25T22:26:18.000Z level=WARN msg="cgi run" script=/cgi/hang.sh err="cgi: script timed out"`,
		`time=2026-11-25T22:26:19.000Z level=ERROR msg="panic while serving a connection" panic="boom"`,
		`goroutine 7 [running]:`,
		`panic: runtime error: index out of range`,
	}, "\n")
	sum := summarizeServerLog([]byte(log))
	if sum.counts["WARN cgi run"] != 2 || sum.counts["INFO listening"] != 1 || sum.counts["ERROR panic while serving a connection"] != 1 {
		t.Errorf("counts = %v", sum.counts)
	}
	if len(sum.faults) != 2 {
		t.Errorf("faults = %q, want the ERROR line and the panic line", sum.faults)
	}
	if clean := summarizeServerLog([]byte(strings.Join(strings.Split(log, "\n")[:4], "\n"))); len(clean.faults) != 0 {
		t.Errorf("faults in a clean log: %q", clean.faults)
	}
}

func TestUploadLeftovers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{".upload-0000abcd.tmp", "kept.bin"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	temps, stored, err := uploadLeftovers(dir)
	if err != nil || !slices.Equal(temps, []string{".upload-0000abcd.tmp"}) || !slices.Equal(stored, []string{"kept.bin"}) {
		t.Fatalf("temps %q, stored %q, err %v", temps, stored, err)
	}
}

func TestScriptRunsRejectsGarbage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, scriptEcho), []byte("12\nnot-a-pid\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := scriptRuns(dir); err == nil {
		t.Fatal("a pid file with garbage was accepted")
	}
}

func TestListSome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		names []string
		want  string
	}{
		{name: "few", names: []string{"a", "b"}, want: "a, b"},
		{name: "more than listed", names: slices.Repeat([]string{"x"}, maxListed+2), want: strings.Repeat("x, ", maxListed-1) + "x and 2 more"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := listSome(tc.names); got != tc.want {
				t.Fatalf("listSome = %q, want %q", got, tc.want)
			}
		})
	}
}
