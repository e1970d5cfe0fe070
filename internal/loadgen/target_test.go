package loadgen

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

var testBase = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}

// readUpload parses a generated upload body back with mime/multipart,
// through r so that callers can feed it in pieces.
func readUpload(t *testing.T, tgt *vegeta.Target, r func([]byte) io.Reader) (field, fileName string, content []byte) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(tgt.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		t.Fatalf("Content-Type %q: %v", tgt.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(r(tgt.Body), params["boundary"])
	part, err := mr.NextPart()
	if err != nil {
		t.Fatalf("NextPart: %v", err)
	}
	content, err = io.ReadAll(part)
	if err != nil {
		t.Fatalf("reading the file part: %v", err)
	}
	if _, err := mr.NextPart(); !errors.Is(err, io.EOF) {
		t.Fatalf("second NextPart = %v, want io.EOF (one part only)", err)
	}
	return part.FormName(), part.FileName(), content
}

func TestUploadTargetRoundTrip(t *testing.T) {
	t.Parallel()
	readers := []struct {
		name string
		wrap func([]byte) io.Reader
	}{
		{name: "whole", wrap: func(b []byte) io.Reader { return bytes.NewReader(b) }},
		{name: "one byte at a time", wrap: func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
		{name: "halves", wrap: func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) }},
	}
	sizes := []struct {
		name  string
		field string
		size  int64
	}{
		{name: "empty file", field: "file", size: 0},
		{name: "one byte", field: "file", size: 1},
		{name: "one line", field: "doc", size: int64(len(payloadLine))},
		{name: "64K", field: "upload", size: 64 << 10},
	}
	for _, sz := range sizes {
		for _, rd := range readers {
			t.Run(sz.name+"/"+rd.name, func(t *testing.T) {
				t.Parallel()
				tr, err := NewTargeter(testBase, []Request{{Kind: KindUpload, Path: "/upload/", Field: sz.field, FileSize: sz.size}})
				if err != nil {
					t.Fatalf("NewTargeter: %v", err)
				}
				seen := map[string]bool{}
				for range 3 {
					var tgt vegeta.Target
					if err := tr(&tgt); err != nil {
						t.Fatalf("targeter: %v", err)
					}
					if tgt.Method != "POST" || tgt.URL != "http://127.0.0.1:8080/upload/" {
						t.Errorf("target = %s %s", tgt.Method, tgt.URL)
					}
					field, name, content := readUpload(t, &tgt, rd.wrap)
					if field != sz.field {
						t.Errorf("field = %q, want %q", field, sz.field)
					}
					if !bytes.Equal(content, payload(sz.size)) {
						t.Errorf("file content: %d bytes, want the %d-byte payload", len(content), sz.size)
					}
					if !strings.HasPrefix(name, "ferrous-load-") || !strings.HasSuffix(name, ".txt") || seen[name] {
						t.Errorf("file name %q: want a fresh ferrous-load-….txt", name)
					}
					seen[name] = true
				}
			})
		}
	}
}

// Every split point of the body must parse the same: the patched counter
// may not straddle anything multipart cares about.
func TestUploadTargetEverySplit(t *testing.T) {
	t.Parallel()
	form, err := newUploadForm("file", 100)
	if err != nil {
		t.Fatal(err)
	}
	body := form.next()
	_, params, _ := mime.ParseMediaType(form.contentType)
	for split := range len(body) + 1 {
		r := io.MultiReader(bytes.NewReader(body[:split]), bytes.NewReader(body[split:]))
		part, err := multipart.NewReader(r, params["boundary"]).NextPart()
		if err != nil {
			t.Fatalf("split %d: NextPart: %v", split, err)
		}
		content, err := io.ReadAll(part)
		if err != nil || !bytes.Equal(content, payload(100)) {
			t.Fatalf("split %d: content %q, %v", split, content, err)
		}
	}
}

func TestUploadTargetConcurrentNamesAreUnique(t *testing.T) {
	t.Parallel()
	form, err := newUploadForm("file", 10)
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, each = 8, 200
	names := make(chan string, goroutines*each)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				body := form.next()
				names <- string(body[form.counterOffset : form.counterOffset+uploadCounterDigits])
			}
		}()
	}
	wg.Wait()
	close(names)
	seen := map[string]bool{}
	for n := range names {
		if seen[n] {
			t.Fatalf("counter %s handed out twice", n)
		}
		seen[n] = true
	}
	if len(seen) != goroutines*each {
		t.Fatalf("%d names, want %d", len(seen), goroutines*each)
	}
	if got := string(form.template[form.counterOffset : form.counterOffset+uploadCounterDigits]); got != strings.Repeat("0", uploadCounterDigits) {
		t.Fatal("next wrote into the shared template")
	}
}

func TestPostTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		size        int64
		contentType string
	}{
		{name: "one byte", size: 1, contentType: "application/octet-stream"},
		{name: "1K form", size: 1024, contentType: "application/x-www-form-urlencoded"},
		{name: "line and a half", size: int64(len(payloadLine)) * 3 / 2, contentType: "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, err := NewTargeter(testBase, []Request{{Kind: KindPost, Path: "/post", BodySize: tt.size, ContentType: tt.contentType}})
			if err != nil {
				t.Fatal(err)
			}
			var tgt vegeta.Target
			if err := tr(&tgt); err != nil {
				t.Fatal(err)
			}
			if tgt.Method != "POST" || tgt.URL != "http://127.0.0.1:8080/post" || int64(len(tgt.Body)) != tt.size ||
				tgt.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("target = %s %s, %d bytes, %q", tgt.Method, tgt.URL, len(tgt.Body), tgt.Header.Get("Content-Type"))
			}
			if bytes.IndexByte(tgt.Body, '\r') >= 0 {
				t.Error("payload holds a CR")
			}
		})
	}
}

func TestMixTargeterFollowsWeights(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		weights []int
	}{
		{name: "equal", weights: []int{1, 1}},
		{name: "seed-like", weights: []int{16, 3, 1}},
		{name: "one heavy", weights: []int{1, 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var reqs []Request
			total := 0
			for i, w := range tt.weights {
				reqs = append(reqs, Request{Kind: KindGet, Path: "/" + string(rune('a'+i)), Weight: w})
				total += w
			}
			tr, err := NewTargeter(testBase, reqs)
			if err != nil {
				t.Fatal(err)
			}
			counts := map[string]int{}
			for range 2 * total {
				var tgt vegeta.Target
				if err := tr(&tgt); err != nil {
					t.Fatal(err)
				}
				counts[tgt.URL]++
			}
			for i, w := range tt.weights {
				u := "http://127.0.0.1:8080/" + string(rune('a'+i))
				if counts[u] != 2*w {
					t.Errorf("%s sent %d times in two cycles, want %d", u, counts[u], 2*w)
				}
			}
		})
	}
}

func TestWeightedOrderIsSmooth(t *testing.T) {
	t.Parallel()
	order := weightedOrder([]int{1, 1, 1, 1})
	for i := 1; i < len(order); i++ {
		if order[i] == order[i-1] {
			t.Fatalf("order %v repeats an index although all weights are equal", order)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string // "" for an error
	}{
		{name: "host and port", in: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{name: "trailing slash", in: "http://localhost:8080/", want: "http://localhost:8080"},
		{name: "https", in: "https://[::1]:8443", want: "https://[::1]:8443"},
		{name: "no scheme", in: "127.0.0.1:8080"},
		{name: "ftp", in: "ftp://127.0.0.1"},
		{name: "path", in: "http://127.0.0.1:8080/app"},
		{name: "query", in: "http://127.0.0.1:8080/?a=1"},
		{name: "no host", in: "http://"},
		{name: "bad port", in: "http://127.0.0.1:99999"},
		{name: "garbage", in: "http://%zz"},
		{name: "user info", in: "http://u:p@127.0.0.1:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseBaseURL(tt.in)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidURL) {
					t.Fatalf("ParseBaseURL(%q) = %v, %v; want ErrInvalidURL", tt.in, got, err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("ParseBaseURL(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func BenchmarkUploadFormNext(b *testing.B) {
	form, err := newUploadForm("file", 1<<10)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(form.template)))
	for b.Loop() {
		_ = form.next()
	}
}
