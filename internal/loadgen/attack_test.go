package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// shortRun keeps the package's tests quick; every attack stops by itself.
var shortRun = Run{Concurrency: 2, Duration: 300 * time.Millisecond}

// testServer answers like a small static server and counts what it answered.
type testServer struct {
	*httptest.Server
	total, failed atomic.Int64
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	ts := &testServer{}
	page := benchPage()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		ts.total.Add(1)
		w.Write(page)
	})
	// Every third answer is a 500.
	mux.HandleFunc("GET /flaky", func(w http.ResponseWriter, r *http.Request) {
		if ts.total.Add(1)%3 == 0 {
			ts.failed.Add(1)
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.Write(page)
	})
	// Every other answer is cut short, with a matching Content-Length.
	mux.HandleFunc("GET /short", func(w http.ResponseWriter, r *http.Request) {
		if ts.total.Add(1)%2 == 0 {
			ts.failed.Add(1)
			w.Write(page[:100])
			return
		}
		w.Write(page)
	})
	mux.HandleFunc("GET /missing", http.NotFound)
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		ts.total.Add(1)
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("POST /post", func(w http.ResponseWriter, r *http.Request) {
		ts.total.Add(1)
		if r.ContentLength != 1024 {
			ts.failed.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /upload/", func(w http.ResponseWriter, r *http.Request) {
		ts.total.Add(1)
		if err := r.ParseMultipartForm(1 << 20); err != nil || len(r.MultipartForm.File["file"]) != 1 {
			ts.failed.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	ts.Server = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) base(t *testing.T) *url.URL {
	t.Helper()
	u, err := ParseBaseURL(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) *url.URL {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return &url.URL{Scheme: "http", Host: addr}
}

func TestAttackCountsFailuresByCause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     Request
		run     Run
		timeout time.Duration
		// cause is the only cause expected; CauseNone means no failure at all.
		cause Cause
	}{
		{name: "get ok", req: Request{Kind: KindGet, Path: "/", ExpectStatus: 200, ExpectBytes: BenchPageSize}, run: shortRun},
		{name: "status", req: Request{Kind: KindGet, Path: "/flaky", ExpectStatus: 200, ExpectBytes: BenchPageSize}, run: shortRun, cause: CauseStatus},
		{name: "body length", req: Request{Kind: KindGet, Path: "/short", ExpectStatus: 200, ExpectBytes: BenchPageSize}, run: shortRun, cause: CauseBody},
		{name: "timeout", req: Request{Kind: KindGet, Path: "/slow", ExpectStatus: 200, ExpectBytes: 0}, run: shortRun,
			timeout: 50 * time.Millisecond, cause: CauseTimeout},
		{name: "post", req: Request{Kind: KindPost, Path: "/post", BodySize: 1024, ContentType: DefaultPostContentType, ExpectStatus: 303}, run: shortRun},
		{name: "upload", req: Request{Kind: KindUpload, Path: "/upload/", FileSize: 2048, Field: "file", ExpectStatus: 201}, run: shortRun},
		{name: "open loop", req: Request{Kind: KindGet, Path: "/", ExpectStatus: 200, ExpectBytes: BenchPageSize},
			run: Run{Rate: mustRate(t, "200/s"), Duration: 300 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			sc := &Scenario{Name: "t", Kind: tt.req.Kind, Requests: []Request{tt.req}}
			rep, err := Attack(t.Context(), AttackOptions{Scenario: sc, Requests: sc.Requests, Run: tt.run, Base: ts.base(t), Timeout: tt.timeout})
			if err != nil {
				t.Fatalf("Attack: %v", err)
			}
			assertConsistent(t, rep)
			if rep.Requests == 0 {
				t.Fatal("no requests were made")
			}
			f := rep.Failures
			switch tt.cause {
			case CauseNone:
				if f.Total() != 0 {
					t.Errorf("failures %+v, errors %v; want none", f, rep.Errors)
				}
			case CauseTimeout:
				if f.Timeout != rep.Requests || f.Total() != f.Timeout {
					t.Errorf("failures %+v of %d requests; want all timeouts", f, rep.Requests)
				}
			default:
				// The server counted exactly which answers were wrong.
				want := Failures{}
				want.add(tt.cause)
				want.Status *= uint64(ts.failed.Load())
				want.Body *= uint64(ts.failed.Load())
				if f != want || ts.failed.Load() == 0 {
					t.Errorf("failures %+v, want %+v", f, want)
				}
			}
			if tt.cause != CauseTimeout && int64(rep.Requests) != ts.total.Load() {
				t.Errorf("report counts %d requests, the server answered %d", rep.Requests, ts.total.Load())
			}
			if rep.Model == ModelOpen && (rep.Requests < 50 || rep.Requests > 70) {
				t.Errorf("open loop at 200/s for 300ms made %d requests, want about 60", rep.Requests)
			}
		})
	}
}

func mustRate(t *testing.T, s string) vegeta.Rate {
	t.Helper()
	rate, err := ParseRate(s)
	if err != nil {
		t.Fatal(err)
	}
	return rate
}

func TestAttackConnectionErrors(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Name: "t", Kind: KindGet, Requests: []Request{{Kind: KindGet, Path: "/", ExpectStatus: 200, ExpectBytes: 1}}}
	rep, err := Attack(t.Context(), AttackOptions{Scenario: sc, Requests: sc.Requests,
		Run: Run{Concurrency: 1, Duration: 100 * time.Millisecond}, Base: closedPort(t)})
	if err != nil {
		t.Fatal(err)
	}
	assertConsistent(t, rep)
	if rep.Requests == 0 || rep.Failures.Connection != rep.Requests || rep.Availability != 0 {
		t.Errorf("%d requests, failures %+v, availability %v; want all connection errors", rep.Requests, rep.Failures, rep.Availability)
	}
}

func TestAttackStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	sc := &Scenario{Name: "t", Kind: KindGet, Requests: []Request{{Kind: KindGet, Path: "/", ExpectStatus: 200, ExpectBytes: BenchPageSize}}}
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	began := time.Now()
	rep, err := Attack(ctx, AttackOptions{Scenario: sc, Requests: sc.Requests, Run: Run{Concurrency: 2, Duration: time.Minute}, Base: ts.base(t)})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("cancelled attack took %s", took)
	}
	if !rep.Interrupted || rep.Requests == 0 || rep.Failures.Total() != 0 {
		t.Errorf("interrupted %v, %d requests, failures %+v", rep.Interrupted, rep.Requests, rep.Failures)
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		name      string
		base      *url.URL
		reqs      []Request
		wantBytes int64
		wantErr   error
		errText   string
	}{
		{name: "learns the length", base: ts.base(t), reqs: []Request{{Kind: KindGet, Path: "/", ExpectStatus: 200, ExpectBytes: UnknownLength}},
			wantBytes: BenchPageSize},
		{name: "keeps a stated length", base: ts.base(t), reqs: []Request{{Kind: KindGet, Path: "/", ExpectStatus: 200, ExpectBytes: 7}},
			wantBytes: 7},
		{name: "does not post", base: ts.base(t), reqs: []Request{{Kind: KindPost, Path: "/post", ExpectStatus: 303, ExpectBytes: UnknownLength}},
			wantBytes: UnknownLength},
		{name: "wrong status", base: ts.base(t), reqs: []Request{{Kind: KindGet, Path: "/missing", ExpectStatus: 200, ExpectBytes: UnknownLength}},
			wantErr: ErrProbe, errText: "answered 404 Not Found, the scenario expects 200"},
		{name: "unreachable", base: closedPort(t), reqs: []Request{{Kind: KindPost, Path: "/post", ExpectStatus: 303}},
			wantErr: ErrUnreachable, errText: "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Probe(t.Context(), tt.base, tt.reqs)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("Probe error = %v, want %v containing %q", err, tt.wantErr, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got[0].ExpectBytes != tt.wantBytes {
				t.Errorf("ExpectBytes = %d, want %d", got[0].ExpectBytes, tt.wantBytes)
			}
			if tt.reqs[0].ExpectBytes != UnknownLength && tt.reqs[0].ExpectBytes != tt.wantBytes {
				t.Error("Probe changed its input")
			}
		})
	}
}
