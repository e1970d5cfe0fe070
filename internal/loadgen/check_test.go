package loadgen

import (
	"net/http"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	reqs := []Request{
		{Kind: KindGet, Path: "/", ExpectStatus: 200, ExpectBytes: 612},
		{Kind: KindGet, Path: "/missing", ExpectStatus: 404, ExpectBytes: UnknownLength},
		{Kind: KindPost, Path: "/post", ExpectStatus: 303},
		{Kind: KindUpload, Path: "/upload/", ExpectStatus: 201},
	}
	const (
		root   = "http://127.0.0.1:8080/"
		post   = "http://127.0.0.1:8080/post"
		upload = "http://127.0.0.1:8080/upload/"
	)
	tests := []struct {
		name      string
		result    vegeta.Result
		want      Cause
		wantError string
	}{
		{name: "get ok", result: vegeta.Result{Method: "GET", URL: root, Code: 200, BytesIn: 612}, want: CauseNone},
		{name: "get short body", result: vegeta.Result{Method: "GET", URL: root, Code: 200, BytesIn: 100},
			want: CauseBody, wantError: "unexpected body length 100, want 612"},
		{name: "get wrong status", result: vegeta.Result{Method: "GET", URL: root, Code: 500, BytesIn: 612, Error: "500 Internal Server Error"},
			want: CauseStatus, wantError: "unexpected status 500, want 200"},
		{name: "expected 404 is a success", result: vegeta.Result{Method: "GET", URL: root + "missing", Code: 404, BytesIn: 9, Error: "404 Not Found"},
			want: CauseNone},
		{name: "post redirect", result: vegeta.Result{Method: "POST", URL: post, Code: 303, BytesIn: 50}, want: CauseNone},
		{name: "post 200 is not the expected 303", result: vegeta.Result{Method: "POST", URL: post, Code: 200},
			want: CauseStatus, wantError: "unexpected status 200, want 303"},
		{name: "upload stored", result: vegeta.Result{Method: "POST", URL: upload, Code: 201, BytesIn: 40}, want: CauseNone},
		{name: "upload body length is not checked", result: vegeta.Result{Method: "POST", URL: upload, Code: 201, BytesIn: 1}, want: CauseNone},
		{name: "refused", result: vegeta.Result{Method: "GET", URL: root,
			Error: `Get "http://127.0.0.1:8080/": dial tcp 127.0.0.1:8080: connect: connection refused`},
			want: CauseConnection, wantError: `Get "http://127.0.0.1:8080/": dial tcp 127.0.0.1:8080: connect: connection refused`},
		{name: "reset", result: vegeta.Result{Method: "POST", URL: upload, Error: "read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"},
			want: CauseConnection, wantError: "read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"},
		{name: "client timeout", result: vegeta.Result{Method: "GET", URL: root,
			Error: `Get "http://127.0.0.1:8080/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`},
			want: CauseTimeout, wantError: `Get "http://127.0.0.1:8080/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`},
		{name: "body read timeout", result: vegeta.Result{Method: "GET", URL: root,
			Error: "net/http: request canceled (Client.Timeout exceeded while reading body)"},
			want: CauseTimeout, wantError: "net/http: request canceled (Client.Timeout exceeded while reading body)"},
		{name: "no code and no error", result: vegeta.Result{Method: "GET", URL: root}, want: CauseConnection, wantError: "no response"},
		{name: "someone else's URL keeps vegeta's verdict", result: vegeta.Result{Method: "GET", URL: "http://elsewhere/", Code: 502, Error: "502 Bad Gateway"},
			want: CauseStatus, wantError: "502 Bad Gateway"},
	}
	checker := NewChecker(testBase, reqs)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.result
			r.Body, r.Headers = []byte("body"), http.Header{"Server": {"ferrous"}}
			if got := checker.Check(&r); got != tt.want {
				t.Errorf("Check = %v, want %v", got, tt.want)
			}
			if r.Error != tt.wantError {
				t.Errorf("Error = %q, want %q", r.Error, tt.wantError)
			}
			if r.Body != nil || r.Headers != nil {
				t.Error("Check kept the body or headers")
			}
			// A result read back from a file must classify the same.
			if got := Classify(&r); got != tt.want {
				t.Errorf("Classify after Check = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCauseString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cause Cause
		want  string
	}{
		{name: "none", cause: CauseNone, want: "none"},
		{name: "status", cause: CauseStatus, want: "status"},
		{name: "body", cause: CauseBody, want: "body"},
		{name: "timeout", cause: CauseTimeout, want: "timeout"},
		{name: "connection", cause: CauseConnection, want: "connection"},
		{name: "unknown", cause: Cause(42), want: "Cause(42)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.cause.String(); got != tt.want {
				t.Errorf("String = %q, want %q", got, tt.want)
			}
		})
	}
}

func BenchmarkCheck(b *testing.B) {
	checker := NewChecker(testBase, []Request{{Kind: KindGet, Path: "/", ExpectStatus: 200, ExpectBytes: 612}})
	b.ReportAllocs()
	b.SetBytes(612)
	for b.Loop() {
		r := vegeta.Result{Method: "GET", URL: "http://127.0.0.1:8080/", Code: 200, BytesIn: 612}
		checker.Check(&r)
	}
}
