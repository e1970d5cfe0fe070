package loadgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// syntheticResults makes n judged results one millisecond apart, every
// failEvery-th failing with the given cause (failEvery 0: none fail).
func syntheticResults(n, failEvery int, cause Cause) []vegeta.Result {
	began := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	out := make([]vegeta.Result, n)
	for i := range out {
		r := vegeta.Result{
			Attack: "get c=2", Seq: uint64(i), Method: "GET", URL: "http://127.0.0.1:8080/",
			Timestamp: began.Add(time.Duration(i) * time.Millisecond), Latency: time.Duration(i%10+1) * time.Millisecond,
			Code: 200, BytesIn: 612,
		}
		if failEvery > 0 && i%failEvery == 0 {
			switch cause {
			case CauseStatus:
				r.Code, r.BytesIn, r.Error = 500, 10, statusErrorPrefix+"500, want 200"
			case CauseBody:
				r.BytesIn, r.Error = 5, bodyErrorPrefix+"5, want 612"
			case CauseTimeout:
				r.Code, r.BytesIn, r.Error = 0, 0, "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
			case CauseConnection:
				r.Code, r.BytesIn, r.Error = 0, 0, "connect: connection refused"
			}
		}
		out[i] = r
	}
	return out
}

func TestCollectorCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		n         int
		failEvery int
		cause     Cause
		want      Failures
	}{
		{name: "all ok", n: 100, want: Failures{}},
		{name: "status", n: 100, failEvery: 10, cause: CauseStatus, want: Failures{Status: 10}},
		{name: "body", n: 100, failEvery: 4, cause: CauseBody, want: Failures{Body: 25}},
		{name: "timeout", n: 50, failEvery: 50, cause: CauseTimeout, want: Failures{Timeout: 1}},
		{name: "connection", n: 30, failEvery: 1, cause: CauseConnection, want: Failures{Connection: 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var raw bytes.Buffer
			c := NewCollector(tt.name, vegeta.NewEncoder(&raw))
			for _, r := range syntheticResults(tt.n, tt.failEvery, tt.cause) {
				if err := c.Add(&r, Classify(&r)); err != nil {
					t.Fatalf("Add: %v", err)
				}
			}
			if done, failed := c.Progress(); done != uint64(tt.n) || failed != tt.want.Total() {
				t.Errorf("Progress = %d, %d; want %d, %d", done, failed, tt.n, tt.want.Total())
			}
			rep := c.Close()
			assertConsistent(t, rep)
			if rep.Requests != uint64(tt.n) || rep.Failures != tt.want {
				t.Errorf("requests %d failures %+v, want %d %+v", rep.Requests, rep.Failures, tt.n, tt.want)
			}
			wantAvail := 100 * float64(uint64(tt.n)-tt.want.Total()) / float64(tt.n)
			if rep.Availability != wantAvail {
				t.Errorf("availability = %v, want %v", rep.Availability, wantAvail)
			}
			if rep.Latency.Max != 10*time.Millisecond || rep.Latency.Min != time.Millisecond {
				t.Errorf("latency min/max = %v/%v, want 1ms/10ms", rep.Latency.Min, rep.Latency.Max)
			}
			// The raw stream decodes back to the same results.
			dec := vegeta.NewDecoder(&raw)
			decoded := 0
			for {
				var r vegeta.Result
				if err := dec.Decode(&r); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatalf("decoding result %d: %v", decoded, err)
				}
				decoded++
			}
			if decoded != tt.n {
				t.Errorf("decoded %d results, want %d", decoded, tt.n)
			}
		})
	}
}

// assertConsistent checks the invariants every report keeps.
func assertConsistent(t *testing.T, rep *Report) {
	t.Helper()
	if rep.OK+rep.Failures.Total() != rep.Requests {
		t.Errorf("ok %d + failed %d != requests %d", rep.OK, rep.Failures.Total(), rep.Requests)
	}
	codes := 0
	for _, n := range rep.StatusCodes {
		codes += n
	}
	if uint64(codes) != rep.Requests {
		t.Errorf("status codes %v sum to %d, want %d", rep.StatusCodes, codes, rep.Requests)
	}
	if rep.Requests > 0 && rep.Availability != 100*float64(rep.OK)/float64(rep.Requests) {
		t.Errorf("availability %v does not match ok %d of %d", rep.Availability, rep.OK, rep.Requests)
	}
	l := rep.Latency
	if rep.Requests > 1 && !(l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max && l.Min <= l.Mean && l.Mean <= l.Max) {
		t.Errorf("latencies out of order: %+v", l)
	}
}

func TestReportWriters(t *testing.T) {
	t.Parallel()
	c := NewCollector("get c=2", nil)
	for _, r := range syntheticResults(20, 5, CauseStatus) {
		_ = c.Add(&r, Classify(&r))
	}
	rep := c.Close()
	rep.Name, rep.Scenario, rep.Kind, rep.Model, rep.Concurrency, rep.Planned = "get c=2", "get", KindGet, ModelClosed, 2, time.Second

	tests := []struct {
		name  string
		write func(io.Writer) error
		check func(t *testing.T, out []byte)
	}{
		{name: "text", write: rep.WriteText, check: func(t *testing.T, out []byte) {
			for _, want := range []string{
				"get c=2", "(closed loop, 2 workers, 1s)", "20 (ok 16, failed 4)", "status 4  body 0  timeout 0  connection 0",
				"80.00 %", "200:16 500:4", "unexpected status 500, want 200",
			} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("text report lacks %q:\n%s", want, out)
				}
			}
		}},
		{name: "json", write: rep.WriteJSON, check: func(t *testing.T, out []byte) {
			var got struct {
				Name         string             `json:"name"`
				Requests     uint64             `json:"requests"`
				OK           uint64             `json:"ok"`
				Failures     Failures           `json:"failures"`
				Availability float64            `json:"availability_percent"`
				Latency      map[string]float64 `json:"latency"`
				Planned      float64            `json:"planned_seconds"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("JSON: %v\n%s", err, out)
			}
			if got.Name != "get c=2" || got.Requests != 20 || got.OK != 16 || got.Failures.Status != 4 || got.Availability != 80 ||
				got.Latency["max_ms"] != 10 || got.Planned != 1 {
				t.Errorf("JSON report = %+v", got)
			}
		}},
		{name: "plot", write: rep.WritePlot, check: func(t *testing.T, out []byte) {
			if !bytes.Contains(out, []byte("<html")) || !bytes.Contains(out, []byte("get c=2")) {
				t.Errorf("plot is not an HTML page titled after the run: %.200s", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := tt.write(&buf); err != nil {
				t.Fatalf("write: %v", err)
			}
			tt.check(t, buf.Bytes())
		})
	}
}

func TestSeedComparison(t *testing.T) {
	t.Parallel()
	reports := []*Report{
		{Name: "get c=50", Kind: KindGet, Model: ModelClosed, Concurrency: 50, PerSecond: 20408, Availability: 100,
			Latency: Latency{Mean: 2 * time.Millisecond}},
		{Name: "upload c=500", Kind: KindUpload, Model: ModelClosed, Concurrency: 500, PerSecond: 3047, Availability: 99.5},
		{Name: "get c=7", Kind: KindGet, Model: ModelClosed, Concurrency: 7, PerSecond: 1},
		{Name: "get rate=50/1s", Kind: KindGet, Model: ModelOpen, Concurrency: 50, PerSecond: 50},
	}
	var buf bytes.Buffer
	if err := WriteSeedComparison(&buf, reports); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(out, "\n")
	find := func(prefix string) string {
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), prefix) {
				return l
			}
		}
		t.Fatalf("no line for %q in:\n%s", prefix, out)
		return ""
	}
	tests := []struct {
		name string
		run  string
		want []string
	}{
		{name: "get beside the seed", run: "get c=50 ", want: []string{"20408", "10,204", "2.00", "2.00 ms", "4.74 ms", "100.00 %"}},
		{name: "upload without a seed latency", run: "upload c=500", want: []string{"3047", "3,047", "1.00", "56.71 ms", "99.50 %"}},
		{name: "no seed at that concurrency", run: "get c=7", want: []string{"-"}},
		{name: "open loop is never compared", run: "get rate=50/1s", want: []string{"-"}},
	}
	if !strings.Contains(out, "hardware is unknown") {
		t.Errorf("comparison lacks the note on hardware:\n%s", out)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line := find(tt.run)
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("line %q lacks %q", line, w)
				}
			}
		})
	}
}

func TestFormatting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "thousands small", got: thousands(612), want: "612"},
		{name: "thousands seed", got: thousands(10204), want: "10,204"},
		{name: "thousands million", got: thousands(1234567.4), want: "1,234,567"},
		{name: "bytes", got: bytesText(1023), want: "1023 B"},
		{name: "kibibytes", got: bytesText(1536), want: "1.5 KiB"},
		{name: "mebibytes", got: bytesText(20 << 20), want: "20.0 MiB"},
		{name: "ms", got: ms(4740 * time.Microsecond), want: "4.74 ms"},
		{name: "status codes", got: statusCodesText(map[string]int{"0": 2, "200": 5}), want: "none:2 200:5"},
		{name: "no status codes", got: statusCodesText(nil), want: "-"},
		{name: "closed label", got: Run{Concurrency: 50}.Label(), want: "c=50"},
		{name: "open label", got: Run{Rate: vegeta.Rate{Freq: 10, Per: time.Second}}.Label(), want: "rate=10/1s"},
		{name: "closed stem", got: fileStem("get", Run{Concurrency: 50}), want: "get-c50"},
		{name: "open stem", got: fileStem("get", Run{Rate: vegeta.Rate{Freq: 5, Per: 100 * time.Millisecond}}), want: "get-rate5-per-100ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestMergeResults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, results []vegeta.Result) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		enc := vegeta.NewEncoder(f)
		for i := range results {
			if err := enc.Encode(&results[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	a := write("a.bin", syntheticResults(40, 10, CauseTimeout))
	b := write("b.bin", syntheticResults(60, 20, CauseBody))
	empty := write("empty.bin", nil)
	junk := filepath.Join(dir, "junk.bin")
	if err := os.WriteFile(junk, []byte("not results\x00\x01"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		paths   []string
		want    Failures
		total   uint64
		wantErr bool
	}{
		{name: "one file", paths: []string{a}, want: Failures{Timeout: 4}, total: 40},
		{name: "two machines", paths: []string{a, b}, want: Failures{Timeout: 4, Body: 3}, total: 100},
		{name: "empty", paths: []string{empty}, wantErr: true},
		{name: "not results", paths: []string{junk}, wantErr: true},
		{name: "missing", paths: []string{filepath.Join(dir, "nope.bin")}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep, err := MergeResults(tt.paths, "")
			if tt.wantErr {
				if err == nil {
					t.Fatalf("MergeResults = %+v, want an error", rep)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertConsistent(t, rep)
			if rep.Requests != tt.total || rep.Failures != tt.want || rep.Model != ModelMerged || rep.Name != "get c=2" {
				t.Errorf("merged %q %s: %d requests, %+v; want %d, %+v", rep.Name, rep.Model, rep.Requests, rep.Failures, tt.total, tt.want)
			}
			var buf bytes.Buffer
			if err := rep.WritePlot(&buf); err != nil {
				t.Errorf("plot of merged results: %v", err)
			}
		})
	}
}
