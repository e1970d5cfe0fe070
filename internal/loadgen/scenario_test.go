package loadgen

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestParseScenarioValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want Scenario
	}{
		{
			name: "get with defaults",
			yaml: "name: g\nkind: get\npath: /index.html\nruns:\n  - concurrency: 50\n    duration: 10s\n",
			want: Scenario{
				Name: "g", Kind: KindGet,
				Requests: []Request{{Kind: KindGet, Path: "/index.html", Weight: 1, ExpectStatus: 200, ExpectBytes: UnknownLength, Line: 2}},
				Runs:     []Run{{Concurrency: 50, Duration: 10 * time.Second, Line: 5}},
			},
		},
		{
			name: "post with every key and an open-loop run",
			yaml: "name: p\ndescription: a post\nkind: post\npath: /post?x=1\nbody_size: 2K\ncontent_type: text/plain\n" +
				"expect_status: 303\nruns:\n  - {rate: 500/100ms, concurrency: 20, duration: 1m}\n",
			want: Scenario{
				Name: "p", Description: "a post", Kind: KindPost,
				Requests: []Request{{Kind: KindPost, Path: "/post?x=1", Weight: 1, BodySize: 2048, ContentType: "text/plain",
					ExpectStatus: 303, ExpectBytes: UnknownLength, Line: 3}},
				Runs: []Run{{Concurrency: 20, Rate: vegeta.Rate{Freq: 500, Per: 100 * time.Millisecond}, Duration: time.Minute, Line: 9}},
			},
		},
		{
			name: "upload defaults",
			yaml: "name: u\nkind: upload\npath: /upload/\nfile_size: 0\nruns:\n  - rate: 10\n    duration: 1s\n",
			want: Scenario{
				Name: "u", Kind: KindUpload,
				Requests: []Request{{Kind: KindUpload, Path: "/upload/", Weight: 1, Field: "file", ExpectStatus: 201,
					ExpectBytes: UnknownLength, Line: 2}},
				Runs: []Run{{Rate: vegeta.Rate{Freq: 10, Per: time.Second}, Duration: time.Second, Line: 6}},
			},
		},
		{
			name: "mix",
			yaml: "name: m\nkind: mix\nmix:\n  - kind: get\n    weight: 3\n    path: /\n    expect_bytes: 612\n" +
				"  - kind: upload\n    path: /up/\n    file_size: 1M\n    field: doc\nruns:\n  - {concurrency: 1, duration: 2s}\n",
			want: Scenario{
				Name: "m", Kind: KindMix,
				Requests: []Request{
					{Kind: KindGet, Path: "/", Weight: 3, ExpectStatus: 200, ExpectBytes: 612, Line: 4},
					{Kind: KindUpload, Path: "/up/", Weight: 1, FileSize: 1 << 20, Field: "doc", ExpectStatus: 201,
						ExpectBytes: UnknownLength, Line: 8},
				},
				Runs: []Run{{Concurrency: 1, Duration: 2 * time.Second, Line: 13}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseScenario([]byte(tt.yaml), "s.yaml")
			if err != nil {
				t.Fatalf("ParseScenario: %v", err)
			}
			tt.want.File = "s.yaml"
			assertScenario(t, got, &tt.want)
		})
	}
}

func assertScenario(t *testing.T, got, want *Scenario) {
	t.Helper()
	if got.Name != want.Name || got.Description != want.Description || got.Kind != want.Kind || got.File != want.File {
		t.Errorf("scenario = %q %q %q %q, want %q %q %q %q", got.Name, got.Description, got.Kind, got.File,
			want.Name, want.Description, want.Kind, want.File)
	}
	if len(got.Requests) != len(want.Requests) {
		t.Fatalf("requests = %+v, want %+v", got.Requests, want.Requests)
	}
	for i := range got.Requests {
		if got.Requests[i] != want.Requests[i] {
			t.Errorf("request %d = %+v, want %+v", i, got.Requests[i], want.Requests[i])
		}
	}
	if len(got.Runs) != len(want.Runs) {
		t.Fatalf("runs = %+v, want %+v", got.Runs, want.Runs)
	}
	for i := range got.Runs {
		if got.Runs[i] != want.Runs[i] {
			t.Errorf("run %d = %+v, want %+v", i, got.Runs[i], want.Runs[i])
		}
	}
}

func TestParseScenarioInvalid(t *testing.T) {
	t.Parallel()
	const okRuns = "runs:\n  - {concurrency: 1, duration: 1s}\n"
	tests := []struct {
		name string
		yaml string
		want []string // every message, in order
	}{
		{
			name: "empty",
			yaml: "# only a comment\n",
			want: []string{"bad.yaml:1: scenario is empty"},
		},
		{
			name: "syntax error",
			yaml: "name: x\nkind: get\n  path: /\n",
			want: []string{"bad.yaml:3: mapping values are not allowed in this context"},
		},
		{
			name: "unknown key with the rest still checked",
			yaml: "name: x\nkind: get\npath: /\nbogus: 1\n" + "runs:\n  - {concurrency: 0, duration: 1s}\n",
			want: []string{
				`bad.yaml:4: unknown key "bogus"`,
				`bad.yaml:6: concurrency must be a whole number from 1 to 10000, got "0"`,
			},
		},
		{
			name: "missing name, kind and runs",
			yaml: "path: /\n",
			want: []string{
				"bad.yaml:1: name is required",
				"bad.yaml:1: kind is required (one of get, post, upload, mix)",
				"bad.yaml:1: runs is required: a list of {concurrency, duration} or {rate, duration}",
			},
		},
		{
			name: "bad kind and name",
			yaml: "name: a b\nkind: gte\npath: /\n" + okRuns,
			want: []string{
				`bad.yaml:1: name "a b" may hold only letters, digits, '-', '_' and '.'`,
				`bad.yaml:2: kind must be one of get, post, upload, mix, got "gte"`,
			},
		},
		{
			name: "bad path and key of another kind",
			yaml: "name: x\nkind: get\npath: index.html\nbody_size: 1K\n" + okRuns,
			want: []string{
				`bad.yaml:3: path "index.html" must start with /`,
				"bad.yaml:4: body_size does not apply to kind get",
			},
		},
		{
			name: "post without body size",
			yaml: "name: x\nkind: post\npath: /p\nexpect_status: 700\n" + okRuns,
			want: []string{
				"bad.yaml:2: body_size is required for kind post",
				`bad.yaml:4: expect_status must be a whole number from 100 to 599, got "700"`,
			},
		},
		{
			name: "upload without file size",
			yaml: "name: x\nkind: upload\npath: /u/\n" + okRuns,
			want: []string{"bad.yaml:2: file_size is required for kind upload"},
		},
		{
			name: "bad sizes",
			yaml: "name: x\nkind: upload\npath: /u/\nfile_size: 10X\nfield: 'a\"b'\n" + okRuns,
			want: []string{
				`bad.yaml:4: file_size: invalid size "10X": unknown unit "X" (want K, M or G)`,
				`bad.yaml:5: field "a\"b" must be a non-empty name without quotes or backslashes`,
			},
		},
		{
			name: "body too large",
			yaml: "name: x\nkind: post\npath: /p\nbody_size: 1G\n" + okRuns,
			want: []string{`bad.yaml:4: body_size must be from 1 bytes to 256M, got "1G"`},
		},
		{
			name: "bad runs",
			yaml: "name: x\nkind: get\npath: /\nruns:\n  - concurrency: 5\n  - duration: 5\n  - {rate: 10/x, duration: 1s}\n" +
				"  - {concurrency: 2, duration: 2h}\n  - {}\n",
			want: []string{
				"bad.yaml:5: a run needs a duration: every attack stops by itself",
				"bad.yaml:6: a run needs concurrency (closed loop) or rate (open loop)",
				`bad.yaml:6: duration: invalid duration "5": want e.g. 10s or 1m`,
				`bad.yaml:7: rate: invalid rate "10/x": the unit after / must be a duration such as s or 100ms`,
				`bad.yaml:8: duration: invalid duration "2h": must be above 0 and at most 1h0m0s`,
				"bad.yaml:9: a run needs concurrency (closed loop) or rate (open loop)",
				"bad.yaml:9: a run needs a duration: every attack stops by itself",
			},
		},
		{
			name: "runs of the wrong shape",
			yaml: "name: x\nkind: get\npath: /\nruns: 5\n",
			want: []string{`bad.yaml:4: "5" here must be a list of runs`},
		},
		{
			name: "mix problems",
			yaml: "name: x\nkind: mix\npath: /\nmix:\n  - kind: get\n    path: /\n  - kind: get\n    path: /\n" +
				"  - kind: post\n    weight: 0\n    path: /p\n    body_size: 1\n  - path: /q\n" + okRuns,
			want: []string{
				"bad.yaml:3: a mix scenario lists its requests under mix:, not at the top level",
				"bad.yaml:7: mix already has a GET / request (line 5): each entry needs its own method and path",
				`bad.yaml:10: weight must be a whole number from 1 to 1000, got "0"`,
				"bad.yaml:13: kind is required (one of get, post, upload)",
			},
		},
		{
			name: "mix list on a plain kind",
			yaml: "name: x\nkind: get\npath: /\nmix:\n  - kind: get\n    path: /\n" + okRuns,
			want: []string{"bad.yaml:2: mix: is only for kind: mix"},
		},
		{
			name: "two documents",
			yaml: "name: x\nkind: get\npath: /\n" + okRuns + "---\nname: y\n",
			want: []string{"bad.yaml:6: scenario must be a single YAML document"},
		},
		{
			name: "key without a value",
			yaml: "name: x\nkind: get\npath:\n" + okRuns,
			want: []string{"bad.yaml:3: path has no value"},
		},
		{
			name: "list where a value belongs",
			yaml: "name: [a]\nkind: get\npath: /\n" + okRuns,
			want: []string{"bad.yaml:1: name must be a single value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseScenario([]byte(tt.yaml), "bad.yaml")
			var errs ScenarioErrors
			if !errors.As(err, &errs) {
				t.Fatalf("ParseScenario error = %v, want ScenarioErrors", err)
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			var one *ScenarioError
			if !errors.As(err, &one) || one.File != "bad.yaml" {
				t.Errorf("errors.As(*ScenarioError) = %v", one)
			}
		})
	}
}

func TestParseScenarioTooLarge(t *testing.T) {
	t.Parallel()
	data := []byte("name: x\n" + strings.Repeat("#", maxScenarioBytes))
	_, err := ParseScenario(data, "big.yaml")
	if err == nil || !strings.Contains(err.Error(), "big.yaml:1: scenario is larger than") {
		t.Fatalf("ParseScenario = %v, want a size error", err)
	}
}

// The shipped scenario files must describe the seed's benchmarks.
func TestLoadtestsScenarios(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		file        string
		kind        Kind
		concurrency []int
	}{
		{name: "get", file: "get.yaml", kind: KindGet, concurrency: []int{50}},
		{name: "post", file: "post.yaml", kind: KindPost, concurrency: []int{100, 500}},
		{name: "upload", file: "upload.yaml", kind: KindUpload, concurrency: []int{100, 500}},
		{name: "mix", file: "mix.yaml", kind: KindMix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := LoadScenario(filepath.Join("..", "..", "loadtests", tt.file))
			if err != nil {
				t.Fatalf("LoadScenario: %v", err)
			}
			if sc.Kind != tt.kind {
				t.Errorf("kind = %s, want %s", sc.Kind, tt.kind)
			}
			if tt.concurrency == nil {
				return
			}
			var got []int
			for _, r := range sc.Runs {
				if !r.Closed() {
					t.Errorf("run %+v is not a closed loop; the seed measured closed loops", r)
				}
				if _, ok := seedFigureFor(&Report{Model: ModelClosed, Kind: sc.Kind, Concurrency: r.Concurrency}); !ok {
					t.Errorf("run %+v has no seed figure to compare with", r)
				}
				got = append(got, r.Concurrency)
			}
			if len(got) != len(tt.concurrency) {
				t.Fatalf("concurrency levels = %v, want %v", got, tt.concurrency)
			}
			for i := range got {
				if got[i] != tt.concurrency[i] {
					t.Errorf("concurrency levels = %v, want %v", got, tt.concurrency)
				}
			}
		})
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    vegeta.Rate
		wantErr bool
	}{
		{name: "bare number is per second", in: "1000", want: vegeta.Rate{Freq: 1000, Per: time.Second}},
		{name: "unit only", in: "1000/s", want: vegeta.Rate{Freq: 1000, Per: time.Second}},
		{name: "number and unit", in: "50/100ms", want: vegeta.Rate{Freq: 50, Per: 100 * time.Millisecond}},
		{name: "minute", in: "60/1m", want: vegeta.Rate{Freq: 60, Per: time.Minute}},
		{name: "zero", in: "0/s", wantErr: true},
		{name: "negative", in: "-5/s", wantErr: true},
		{name: "no number", in: "/s", wantErr: true},
		{name: "bad unit", in: "10/parsec", wantErr: true},
		{name: "zero period", in: "10/0s", wantErr: true},
		{name: "too fast", in: "2000001/s", wantErr: true},
		{name: "too fast by period", in: "1000/1ms", wantErr: false, want: vegeta.Rate{Freq: 1000, Per: time.Millisecond}},
		{name: "far too fast by period", in: "1001/1ms", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRate(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidRate) {
					t.Fatalf("ParseRate(%q) = %v, %v; want ErrInvalidRate", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			back, err := ParseRate(FormatRate(got))
			if err != nil || back != got {
				t.Errorf("ParseRate(FormatRate(%v)) = %v, %v", got, back, err)
			}
		})
	}
}
