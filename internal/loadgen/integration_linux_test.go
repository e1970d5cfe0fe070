//go:build linux

package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"ferrous/internal/config"
	"ferrous/internal/server"
)

// startFerrous runs the real server in-process on a free loopback port, with
// the docroot ferrous-load -server uses and an access log. The returned stop
// shuts it down, after which the access log is complete.
func startFerrous(t *testing.T) (base string, accessLog string, stop func()) {
	t.Helper()
	dir := t.TempDir()
	if err := writeDocroot(dir); err != nil {
		t.Fatal(err)
	}
	accessLog = filepath.Join(dir, "access.log")
	cfgText := fmt.Sprintf(`workers: 2
access_log: %s
servers:
  - host: 127.0.0.1
    port: 0
    routes:
      - path: /
        methods: [GET, HEAD]
        handler: File
        file: www/
      - path: /post
        methods: [POST]
        return: 303 /
      - path: /upload/*
        methods: [GET, POST]
        handler: File
        file: www/upload/
`, accessLog)
	cfgPath := filepath.Join(dir, "ferrous.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}
	t.Cleanup(stop)
	addrs := srv.Addrs()
	if len(addrs) != 1 {
		t.Fatalf("Addrs = %v, want one", addrs)
	}
	return "http://" + addrs[0], accessLog, stop
}

// A two-second closed-loop attack on the real server: the report must add
// up, show no failure, and count exactly the requests the access log saw.
func TestAttackRealFerrous(t *testing.T) {
	t.Parallel()
	rawURL, accessLog, stop := startFerrous(t)
	base, err := ParseBaseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ParseScenario([]byte(`name: real
kind: mix
mix:
  - kind: get
    weight: 8
    path: /
  - kind: post
    weight: 1
    path: /post
    body_size: 1K
    expect_status: 303
  - kind: upload
    weight: 1
    path: /upload/
    file_size: 4K
runs:
  - concurrency: 4
    duration: 2s
`), "real.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := Probe(t.Context(), base, sc.Requests)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if reqs[0].ExpectBytes != BenchPageSize {
		t.Fatalf("probe learnt %d bytes for /, want %d", reqs[0].ExpectBytes, BenchPageSize)
	}
	var raw bytes.Buffer
	rep, err := Attack(t.Context(), AttackOptions{Scenario: sc, Requests: reqs, Run: sc.Runs[0], Base: base, Results: vegeta.NewEncoder(&raw)})
	if err != nil {
		t.Fatalf("Attack: %v", err)
	}
	stop()

	assertConsistent(t, rep)
	if rep.Requests == 0 || rep.Failures.Total() != 0 || rep.Availability != 100 {
		t.Fatalf("%d requests, failures %+v, availability %.2f, errors %v; want all ok", rep.Requests, rep.Failures, rep.Availability, rep.Errors)
	}
	gets, posts, uploads := rep.StatusCodes["200"], rep.StatusCodes["303"], rep.StatusCodes["201"]
	if uint64(gets+posts+uploads) != rep.Requests || posts == 0 || uploads == 0 {
		t.Errorf("status codes %v: want only 200, 303 and 201, each present", rep.StatusCodes)
	}
	// The 8:1:1 mix is exact over whole cycles, so within one cycle at the end.
	if diff := gets - 8*uploads; diff < -8 || diff > 8 {
		t.Errorf("%d GETs for %d uploads, want about 8 to 1", gets, uploads)
	}
	if rep.PerSecond <= 0 || rep.Elapsed < time.Second || rep.Elapsed > 4*time.Second {
		t.Errorf("rate %.1f/s over %s", rep.PerSecond, rep.Elapsed)
	}
	if rep.BytesIn < uint64(gets)*BenchPageSize {
		t.Errorf("bytes in %d, below %d GETs of %d bytes", rep.BytesIn, gets, BenchPageSize)
	}

	logged, err := os.ReadFile(accessLog)
	if err != nil {
		t.Fatal(err)
	}
	// The probe's one GET is logged too.
	const probes = 1
	if lines := bytes.Count(logged, []byte("\n")); uint64(lines) != rep.Requests+probes {
		t.Errorf("access log has %d lines, the report counts %d requests and %d probe", lines, rep.Requests, probes)
	}
	stored, err := os.ReadDir(filepath.Join(filepath.Dir(accessLog), "www", "upload"))
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != uploads {
		t.Errorf("%d files stored for %d uploads answered 201", len(stored), uploads)
	}

	// The raw results merge back into the same figures.
	rawPath := filepath.Join(t.TempDir(), "real.bin")
	if err := os.WriteFile(rawPath, raw.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	merged, err := MergeResults([]string{rawPath}, "")
	if err != nil {
		t.Fatal(err)
	}
	if merged.Requests != rep.Requests || merged.Failures != rep.Failures || merged.BytesIn != rep.BytesIn || merged.Name != rep.Name {
		t.Errorf("merged %q: %d requests %+v %d bytes; the run %q had %d %+v %d", merged.Name, merged.Requests, merged.Failures,
			merged.BytesIn, rep.Name, rep.Requests, rep.Failures, rep.BytesIn)
	}
}
