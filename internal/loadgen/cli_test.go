package loadgen

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type cliResult struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(t.Context(), args, Streams{Stdout: &stdout, Stderr: &stderr})
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func writeScenario(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMainErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := writeScenario(t, dir, "bad.yaml", "name: x\nkind: get\npath: /\nruns:\n  - concurrency: 5\n")
	two := writeScenario(t, dir, "two.yaml", "name: x\nkind: get\npath: /\nruns:\n  - {concurrency: 1, duration: 1s}\n  - {concurrency: 2, duration: 1s}\n")
	down := closedPort(t).String()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "nothing to run", args: nil, code: ExitUsage, want: "nothing to run"},
		{name: "bad flag", args: []string{"-nope"}, code: ExitUsage, want: "flag provided but not defined: -nope"},
		{name: "bad URL", args: []string{"-scenario", "get", "-url", "localhost:8080"}, code: ExitError, want: `invalid URL "localhost:8080"`},
		{name: "unreachable", args: []string{"-scenario", "get", "-url", down, "-d", "1s"}, code: ExitError,
			want: "get: server unreachable at " + down},
		{name: "bad scenario file", args: []string{bad}, code: ExitUsage, want: bad + ":5: a run needs a duration"},
		{name: "missing scenario file", args: []string{filepath.Join(dir, "none.yaml")}, code: ExitUsage, want: "open scenario"},
		{name: "file and flags", args: []string{"-scenario", "get", bad}, code: ExitUsage, want: "not both"},
		{name: "unknown kind", args: []string{"-scenario", "mix"}, code: ExitUsage, want: "a mix needs a scenario file"},
		{name: "post without size", args: []string{"-scenario", "post"}, code: ExitUsage, want: "-scenario post needs -body-size"},
		{name: "bad size", args: []string{"-scenario", "upload", "-file-size", "1T"}, code: ExitUsage, want: "-file-size: invalid size"},
		{name: "bad path", args: []string{"-scenario", "get", "-path", "x"}, code: ExitUsage, want: `-path "x" must start with /`},
		{name: "bad rate", args: []string{"-scenario", "get", "-rate", "fast"}, code: ExitUsage, want: `-rate: invalid rate "fast"`},
		{name: "too long", args: []string{"-scenario", "get", "-d", "2h"}, code: ExitUsage, want: "-d: invalid duration"},
		{name: "bad concurrency", args: []string{"-scenario", "get", "-c", "0"}, code: ExitUsage, want: "-c must be from 1 to 10000"},
		{name: "bad baseline", args: []string{"-scenario", "get", "-compare", "nginx"}, code: ExitUsage, want: `unknown baseline "nginx"`},
		{name: "single-run output with two runs", args: []string{two, "-json", "x.json"}, code: ExitUsage, want: "-json takes the results of one run, and there are 2"},
		{name: "server with url", args: []string{"-scenario", "get", "-server", "-url", "http://127.0.0.1:1"}, code: ExitError, want: "-server picks its own URL"},
		{name: "server binary missing", args: []string{"-scenario", "get", "-server", "-ferrous", filepath.Join(dir, "nope")}, code: ExitError,
			want: "ferrous binary"},
		{name: "report without files", args: []string{"report"}, code: ExitUsage, want: "give one or more results files"},
		{name: "report of a missing file", args: []string{"report", filepath.Join(dir, "none.bin")}, code: ExitError, want: "results:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, tt.args...)
			if got.code != tt.code || !strings.Contains(got.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", got.code, got.stderr, tt.code, tt.want)
			}
		})
	}
}

func TestMainRunAndReport(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	dir := t.TempDir()
	raw, jsonPath, htmlPath := filepath.Join(dir, "r.bin"), filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	got := runCLI(t, "-url", ts.URL, "-scenario", "get", "-c", "2", "-d", "300ms",
		"-output", raw, "-json", jsonPath, "-html", htmlPath, "-compare", "seed")
	if got.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", got.code, got.stderr)
	}
	for _, want := range []string{"get c=2", "availability  100.00 %", "hardware is unknown"} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, got.stdout)
		}
	}
	if strings.Contains(got.stderr, "\r") {
		t.Errorf("progress drawn although stderr is not a terminal: %q", got.stderr)
	}
	var rep struct {
		Requests uint64 `json:"requests"`
		OK       uint64 `json:"ok"`
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil || rep.Requests == 0 || rep.OK != rep.Requests {
		t.Fatalf("JSON report %s: %v", data, err)
	}
	if html, err := os.ReadFile(htmlPath); err != nil || !bytes.Contains(html, []byte("<html")) {
		t.Errorf("HTML plot: %v", err)
	}

	mergedJSON := filepath.Join(dir, "merged.json")
	merged := runCLI(t, "report", "-json", mergedJSON, raw, raw)
	if merged.code != ExitOK {
		t.Fatalf("report: exit %d, stderr %s", merged.code, merged.stderr)
	}
	var sum struct {
		Requests uint64 `json:"requests"`
		Model    string `json:"model"`
	}
	data, err = os.ReadFile(mergedJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil || sum.Requests != 2*rep.Requests || sum.Model != ModelMerged {
		t.Errorf("merged report %s, want %d requests: %v", data, 2*rep.Requests, err)
	}
}

func TestMainOutDirAndFailures(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	dir := t.TempDir()
	sc := writeScenario(t, dir, "flaky.yaml", "name: flaky\nkind: get\npath: /flaky\nexpect_bytes: 612\nruns:\n"+
		"  - {concurrency: 2, duration: 200ms}\n  - {rate: 100/s, duration: 200ms}\n")
	out := filepath.Join(dir, "results")
	// Flags may follow the files.
	got := runCLI(t, "-url", ts.URL, sc, "-out-dir", out)
	if got.code != ExitFailures || !strings.Contains(got.stderr, "requests failed") {
		t.Fatalf("exit %d, stderr %q; want %d and a failure count", got.code, got.stderr, ExitFailures)
	}
	for _, name := range []string{"flaky-c2.txt", "flaky-c2.json", "flaky-c2.html", "flaky-c2.bin",
		"flaky-rate100-per-1s.json", "summary.txt", "summary.json"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	if !strings.Contains(got.stdout, "run") || !strings.Contains(got.stdout, "flaky rate=100/1s") {
		t.Errorf("no summary table in:\n%s", got.stdout)
	}
}

func TestCommandLineOverrides(t *testing.T) {
	t.Parallel()
	ten := 10 * time.Second
	fileRuns := []Run{{Concurrency: 100, Duration: ten, Line: 9}, {Concurrency: 500, Duration: ten, Line: 11}}
	tests := []struct {
		name      string
		args      []string
		fromFlags bool
		want      []Run
	}{
		{name: "no flags keep the file's runs", want: fileRuns},
		{name: "duration alone keeps every level", args: []string{"-d", "2s"},
			want: []Run{{Concurrency: 100, Duration: 2 * time.Second, Line: 9}, {Concurrency: 500, Duration: 2 * time.Second, Line: 11}}},
		{name: "concurrency replaces the runs", args: []string{"-c", "7"}, want: []Run{{Concurrency: 7, Duration: ten}}},
		{name: "concurrency and duration", args: []string{"-c", "7", "-d", "1s"}, want: []Run{{Concurrency: 7, Duration: time.Second}}},
		{name: "rate drops the file's concurrency", args: []string{"-rate", "50/s"},
			want: []Run{{Rate: mustRate(t, "50/s"), Duration: ten}}},
		{name: "rate with initial workers", args: []string{"-rate", "50/s", "-c", "3"},
			want: []Run{{Concurrency: 3, Rate: mustRate(t, "50/s"), Duration: ten}}},
		{name: "command-line scenario takes the defaults", fromFlags: true,
			want: []Run{{Concurrency: defaultConcurrency, Duration: defaultDuration}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _, err := parseAttackFlags(tt.args, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			in := fileRuns
			if tt.fromFlags {
				in = nil
			}
			got, err := f.runs(in, tt.fromFlags)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("runs = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("run %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
