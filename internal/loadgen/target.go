package loadgen

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ErrInvalidURL is wrapped by every error ParseBaseURL returns.
var ErrInvalidURL = errors.New("invalid URL")

// ParseBaseURL checks the server's base URL: scenario paths are absolute, so
// it is a scheme and a host only.
func ParseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInvalidURL, truncate(s), err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w %q: want http://HOST:PORT", ErrInvalidURL, truncate(s))
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%w %q: no host", ErrInvalidURL, truncate(s))
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "", u.User != nil:
		return nil, fmt.Errorf("%w %q: give scheme and host only; scenario paths say where to go", ErrInvalidURL, truncate(s))
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%w %q: port must be 1 to 65535", ErrInvalidURL, truncate(s))
		}
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// targetURL joins the base URL and a scenario path.
func targetURL(base *url.URL, path string) string {
	return base.Scheme + "://" + base.Host + path
}

// NewTargeter returns a targeter, safe for concurrent use, that cycles
// through reqs in proportion to their weights.
func NewTargeter(base *url.URL, reqs []Request) (vegeta.Targeter, error) {
	if len(reqs) == 0 {
		return nil, errors.New("no requests to send")
	}
	makers := make([]vegeta.Targeter, len(reqs))
	weights := make([]int, len(reqs))
	for i, r := range reqs {
		t, err := newRequestTargeter(base, r)
		if err != nil {
			return nil, err
		}
		makers[i], weights[i] = t, max(r.Weight, 1)
	}
	if len(makers) == 1 {
		return makers[0], nil
	}
	order := weightedOrder(weights)
	var next atomic.Uint64
	return func(t *vegeta.Target) error {
		i := order[(next.Add(1)-1)%uint64(len(order))]
		return makers[i](t)
	}, nil
}

// weightedOrder spreads each index over one cycle as evenly as smooth
// weighted round-robin does, so that any stretch of requests has about the
// mix's proportions rather than long runs of one kind.
func weightedOrder(weights []int) []int {
	total := 0
	for _, w := range weights {
		total += w
	}
	current := make([]int, len(weights))
	order := make([]int, 0, total)
	for range total {
		best := 0
		for i, w := range weights {
			current[i] += w
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		order = append(order, best)
	}
	return order
}

func newRequestTargeter(base *url.URL, r Request) (vegeta.Targeter, error) {
	u := targetURL(base, r.Path)
	switch r.Kind {
	case KindGet:
		return func(t *vegeta.Target) error {
			t.Method, t.URL = "GET", u
			return nil
		}, nil
	case KindPost:
		// The body is shared read-only: vegeta wraps it in a fresh reader per request.
		body := payload(r.BodySize)
		header := http.Header{"Content-Type": {r.ContentType}}
		return func(t *vegeta.Target) error {
			t.Method, t.URL, t.Body, t.Header = "POST", u, body, header
			return nil
		}, nil
	case KindUpload:
		form, err := newUploadForm(r.Field, r.FileSize)
		if err != nil {
			return nil, err
		}
		header := http.Header{"Content-Type": {form.contentType}}
		return func(t *vegeta.Target) error {
			t.Method, t.URL, t.Body, t.Header = "POST", u, form.next(), header
			return nil
		}, nil
	}
	return nil, fmt.Errorf("request kind %q cannot be sent", r.Kind)
}

// payloadLine fills bodies and files. It has no CR, so it cannot complete a
// multipart delimiter, and it reads as text if a stored upload is opened.
const payloadLine = "ferrous-load payload: the quick brown fox jumps over the lazy dog 0123456789\n"

// payload returns n bytes of payloadLine repeated.
func payload(n int64) []byte {
	b := make([]byte, n)
	for i := 0; i < len(b); {
		i += copy(b[i:], payloadLine)
	}
	return b
}

// Each upload needs its own file name: the server stores every file and, on
// a clash, probes name-1, name-2, … which would make the benchmark measure
// that probing instead. The name is a fixed-width counter patched into a copy
// of a form built once.
const (
	uploadCounterDigits = 12
	uploadRunTokenBytes = 4
)

type uploadForm struct {
	template      []byte
	counterOffset int
	contentType   string
	counter       atomic.Uint64
}

func newUploadForm(field string, fileSize int64) (*uploadForm, error) {
	token := make([]byte, uploadRunTokenBytes)
	if _, err := rand.Read(token); err != nil {
		return nil, fmt.Errorf("upload file name token: %w", err)
	}
	// A token per targeter keeps names apart across runs into the same directory.
	prefix := "ferrous-load-" + hex.EncodeToString(token) + "-"
	placeholder := strings.Repeat("0", uploadCounterDigits)
	fileName := prefix + placeholder + ".txt"

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, field, fileName))
	h.Set("Content-Type", "text/plain")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, fmt.Errorf("building upload form: %w", err)
	}
	if _, err := part.Write(payload(fileSize)); err != nil {
		return nil, fmt.Errorf("building upload form: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("building upload form: %w", err)
	}
	tmpl := buf.Bytes()
	// The name sits in the part header, before any file content.
	at := bytes.Index(tmpl, []byte(fileName))
	if at < 0 {
		return nil, errors.New("building upload form: file name not found in the form")
	}
	return &uploadForm{
		template:      tmpl,
		counterOffset: at + len(prefix),
		contentType:   w.FormDataContentType(),
	}, nil
}

// next returns a fresh copy of the form whose file name carries the next counter value.
func (f *uploadForm) next() []byte {
	n := f.counter.Add(1)
	body := bytes.Clone(f.template)
	digits := body[f.counterOffset : f.counterOffset+uploadCounterDigits]
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = byte('0' + n%10)
		n /= 10
	}
	return body
}
