package main

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     string
		want    time.Duration
		workers int
		wantErr bool
	}{
		{name: "defaults", want: defaultDuration, workers: defaultWorkers},
		{name: "from the environment", env: "60s", want: time.Minute, workers: defaultWorkers},
		{name: "flag over the environment", env: "60s", args: []string{"-duration", "5s", "-workers", "3"}, want: 5 * time.Second, workers: 3},
		{name: "bad environment", env: "soon", wantErr: true},
		{name: "zero environment", env: "0s", wantErr: true},
		{name: "negative flag", args: []string{"-duration", "-1s"}, wantErr: true},
		{name: "no workers", args: []string{"-workers", "0"}, wantErr: true},
		{name: "unknown flag", args: []string{"-fast"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(key string) string {
				if key == durationEnv {
					return tc.env
				}
				return ""
			}
			opts, err := parseOptions(tc.args, getenv, io.Discard)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error; options %+v", opts)
				}
				return
			}
			if err != nil || opts.duration != tc.want || opts.workers != tc.workers {
				t.Fatalf("got %v workers %d, %v; want %v workers %d", opts.duration, opts.workers, err, tc.want, tc.workers)
			}
		})
	}
}

func TestParseOptionsBadDurationIsNamed(t *testing.T) {
	t.Parallel()
	_, err := parseOptions(nil, func(string) string { return "later" }, io.Discard)
	if !errors.Is(err, errBadDuration) {
		t.Fatalf("err = %v, want errBadDuration", err)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	st := newStats()
	st.ok("a")
	for range maxFailuresPerKind + 5 {
		st.fail("b", errWrongAnswer)
	}
	st.fail("c", errWrongAnswer)
	if st.totalFailed() != maxFailuresPerKind+6 || len(st.failures) != maxFailuresPerKind+1 {
		t.Fatalf("failed %d, kept %d messages", st.totalFailed(), len(st.failures))
	}
	if last := st.failures[len(st.failures)-1]; !strings.HasPrefix(last, "c: ") {
		t.Fatalf("the failure of another kind was not kept: %q", st.failures)
	}
	if k := st.kinds["a"]; k.ok != 1 || k.failed != 0 {
		t.Fatalf("kind a = %+v", *k)
	}
}
