package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

const (
	defaultWorkers = 64
	// requestTimeout bounds one well-formed request from sending to the last body byte; a server that stalls a
	// client this long has failed it.
	requestTimeout = 30 * time.Second
	// dialTimeout allows for a server whose accept queue overflowed while it was starved of CPU: the kernel
	// retransmits the handshake after 1 s and 3 s.
	dialTimeout = 10 * time.Second
	// clientIdleTimeout drops pooled connections well before the server's idle timeout would, so that a
	// request is never sent on a connection the server is closing at that moment.
	clientIdleTimeout = (idleTimeoutSecs - 2) * time.Second
	maxResponseBytes  = 4 << 20
	// cgiConcurrency caps the CGI requests in flight. It keeps the scripts' share of a small machine modest, and
	// stays below the server's own limit on concurrent scripts, so every CGI request must actually run.
	cgiConcurrency = 16
	// timeoutProbers run hang.sh back to back, each waiting out cgi_timeout_secs.
	timeoutProbers = 2
	// pipelineDepth is how many requests a pipelining client sends before reading.
	pipelineDepth = 8
	// maxEchoBody is the largest body sent to echo.sh (well below client_max_body_size).
	maxEchoBody = 32 << 10
	// sessionCookie is the server's default cookie name.
	sessionCookie = "FERROUSSID"
	// cgiTimeoutSlack allows for the server's loop and the script's kill after cgi_timeout_secs.
	cgiTimeoutSlack = 2 * time.Second
)

// uploadSizes mixes empty, tiny and multi-read files, on both sides of the server's small-file cache limit.
var uploadSizes = []int{0, 1, 100, 4096, 16 << 10, 70000, 300 << 10}

var (
	// errWrongAnswer marks a response that is not what a correct server sends.
	errWrongAnswer = errors.New("wrong answer")
	// errLate marks a wrong answer that is only wrong in its timing (a timeout too late, a script killed at
	// cgi_timeout_secs): a machine that starves the server can cause it, so a stall around it excuses it. A
	// wrong status or body never is.
	errLate = errors.New("late")
)

// env is what every client of a run shares.
type env struct {
	addr     string // 127.0.0.1:port
	base     string // http://127.0.0.1:port
	site     *site
	st       *stats
	cgiSlots chan struct{}
	flood    []byte // the exact output of flood.sh
	delays   *delays
}

func newEnv(addr string, s *site, st *stats) *env {
	return &env{
		addr: addr, base: "http://" + addr, site: s, st: st,
		cgiSlots: make(chan struct{}, cgiConcurrency),
		flood:    bytes.Repeat([]byte("y\n"), floodBytes/2),
		delays:   &delays{},
	}
}

// judge records the outcome of an attempt that began at start. A failure is judged once the run is over (see
// stats.decide): if the server or the soak was stalled around it, it proves nothing about the server.
func (e *env) judge(kind string, start time.Time, err error) {
	if err == nil {
		e.st.ok(kind)
		return
	}
	e.st.problem(kind, start, err)
}

func (e *env) dial() (*net.TCPConn, error) {
	c, err := net.DialTimeout("tcp", e.addr, dialTimeout)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	return c.(*net.TCPConn), nil
}

// operation is one kind of well-formed exchange. cgi marks those that run a script: they take a slot.
type operation struct {
	name   string
	weight int
	cgi    bool
	run    func(w *worker) error
}

// operations is the weighted mix of the workers.
var operations = []operation{
	{"static", 24, false, (*worker).static},
	{"static range", 6, false, (*worker).rangeGet},
	{"static head", 4, false, (*worker).head},
	{"static conditional", 4, false, (*worker).conditional},
	{"static listing", 1, false, (*worker).listing},
	{"not found", 2, false, (*worker).notFound},
	{"upload+get+delete", 10, false, (*worker).upload},
	{"cgi echo", 8, true, (*worker).cgiEcho},
	{"cgi post", 6, true, (*worker).cgiPost},
	{"cgi slow", 4, true, (*worker).cgiSlow},
	{"cgi fork", 3, true, (*worker).cgiFork},
	{"cgi flood", 2, true, (*worker).cgiFlood},
	{"cgi not executable", 1, false, (*worker).cgiForbidden},
	{"cgi connection close", 2, true, (*worker).cgiClose},
	{"session counter", 4, true, (*worker).session},
	{"pipelined", 3, false, (*worker).pipelined},
	{"http/1.0 static", 1, false, (*worker).http10Static},
	{"http/1.0 cgi", 1, true, (*worker).http10CGI},
	{"half-close", 2, false, (*worker).halfClose},
}

// worker is one keep-alive client running the weighted mix.
type worker struct {
	*env
	id        int
	client    *http.Client
	transport *http.Transport
	rng       *rand.Rand
	seq       int
	etags     map[string]string
	sessionID string
	visits    int
}

func newWorker(e *env, id int, seed uint64) *worker {
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: dialTimeout}).DialContext,
		MaxIdleConns:          2,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       clientIdleTimeout,
		DisableCompression:    true,
		ExpectContinueTimeout: time.Second,
	}
	return &worker{
		env: e, id: id, transport: tr,
		client: &http.Client{
			Transport: tr,
			// Redirects are answers to check, not to follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		rng:   rand.New(rand.NewPCG(seed, uint64(id))),
		etags: map[string]string{},
	}
}

// timeoutProbe takes cgi_timeout_secs by design, so it is not in the mix: timeoutProbers run it on their own.
var timeoutProbe = []operation{{"cgi timeout", 1, true, (*worker).cgiTimeout}}

// run picks from ops, by weight, until stop is closed; the operation in progress is finished, so no upload is left
// behind. When every script slot is taken, a mix with other operations picks again rather than wait.
func (w *worker) run(stop <-chan struct{}, ops []operation) {
	defer w.transport.CloseIdleConnections()
	total := 0
	for _, op := range ops {
		total += op.weight
	}
	for {
		select {
		case <-stop:
			return
		default:
		}
		pick := w.rng.IntN(total)
		op := ops[0]
		for _, o := range ops {
			if pick < o.weight {
				op = o
				break
			}
			pick -= o.weight
		}
		if op.cgi && len(ops) > 1 {
			select {
			case w.cgiSlots <- struct{}{}:
				w.runHolding(op)
			default:
			}
			continue
		}
		w.runOp(op)
	}
}

// runOp runs op, waiting for a script slot if it needs one.
func (w *worker) runOp(op operation) {
	if op.cgi {
		w.cgiSlots <- struct{}{}
		w.runHolding(op)
		return
	}
	w.seq++
	start := time.Now()
	w.judge(op.name, start, op.run(w))
}

// runHolding runs a script operation whose slot the caller took, and gives the slot back.
func (w *worker) runHolding(op operation) {
	defer func() { <-w.cgiSlots }()
	w.seq++
	start := time.Now()
	w.judge(op.name, start, op.run(w))
}

// send performs req and reads the whole body.
func (w *worker) send(req *http.Request) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req = req.WithContext(ctx)
	w.st.requests.Add(1)
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.RequestURI(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return resp, body, fmt.Errorf("%s %s: status %d, body cut after %d bytes: %w", req.Method, req.URL.RequestURI(), resp.StatusCode, len(body), err)
	}
	if len(body) > maxResponseBytes {
		return resp, body, fmt.Errorf("%w: %s %s: body over %d bytes", errWrongAnswer, req.Method, req.URL.RequestURI(), maxResponseBytes)
	}
	return resp, body, nil
}

func (w *worker) get(path string, header http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, w.base+path, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("building GET %s: %w", path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return w.send(req)
}

// check compares status and, when want is not nil, the body.
func check(what string, resp *http.Response, body []byte, status int, want []byte) error {
	if timing := resp.StatusCode == http.StatusGatewayTimeout || resp.StatusCode == http.StatusRequestTimeout; timing && resp.StatusCode != status {
		// The script ran past cgi_timeout_secs, or the server saw the client as silent: a matter of timing.
		return fmt.Errorf("%w: %w: %s: status %d, want %d", errWrongAnswer, errLate, what, resp.StatusCode, status)
	}
	if resp.StatusCode != status {
		return fmt.Errorf("%w: %s: status %d, want %d (body %q)", errWrongAnswer, what, resp.StatusCode, status, truncateForMessage(body))
	}
	if want != nil && !bytes.Equal(body, want) {
		return fmt.Errorf("%w: %s: %s", errWrongAnswer, what, describeDiff(body, want))
	}
	return nil
}

func describeDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("body of %d bytes differs from the expected %d at byte %d (got %q)", len(got), len(want), i, truncateForMessage(got[i:]))
}

func (w *worker) randomFile() staticFile { return w.site.files[w.rng.IntN(len(w.site.files))] }

func (w *worker) static() error {
	if w.rng.IntN(10) == 0 {
		resp, body, err := w.get("/", nil)
		if err != nil {
			return err
		}
		return check("GET /", resp, body, http.StatusOK, []byte(indexBody))
	}
	f := w.randomFile()
	path := "/static/" + f.name
	resp, body, err := w.get(path, nil)
	if err != nil {
		return err
	}
	if err := check("GET "+path, resp, body, http.StatusOK, f.body); err != nil {
		return err
	}
	if resp.ContentLength != int64(len(f.body)) {
		return fmt.Errorf("%w: GET %s: Content-Length %d, want %d", errWrongAnswer, path, resp.ContentLength, len(f.body))
	}
	if etag := resp.Header.Get("ETag"); etag != "" {
		w.etags[f.name] = etag
	}
	return nil
}

func (w *worker) rangeGet() error {
	f := w.randomFile()
	if len(f.body) < 2 {
		f = w.site.files[len(w.site.files)-1]
	}
	size := len(f.body)
	var start, end int
	var spec string
	if w.rng.IntN(4) == 0 {
		n := 1 + w.rng.IntN(size)
		start, end, spec = size-n, size-1, "bytes=-"+strconv.Itoa(n)
	} else {
		start = w.rng.IntN(size)
		end = start + w.rng.IntN(size-start)
		spec = fmt.Sprintf("bytes=%d-%d", start, end)
	}
	path := "/static/" + f.name
	resp, body, err := w.get(path, http.Header{"Range": {spec}})
	if err != nil {
		return err
	}
	what := "GET " + path + " Range: " + spec
	if err := check(what, resp, body, http.StatusPartialContent, f.body[start:end+1]); err != nil {
		return err
	}
	if want := fmt.Sprintf("bytes %d-%d/%d", start, end, size); resp.Header.Get("Content-Range") != want {
		return fmt.Errorf("%w: %s: Content-Range %q, want %q", errWrongAnswer, what, resp.Header.Get("Content-Range"), want)
	}
	return nil
}

func (w *worker) head() error {
	f := w.randomFile()
	path := "/static/" + f.name
	req, err := http.NewRequest(http.MethodHead, w.base+path, nil)
	if err != nil {
		return fmt.Errorf("building HEAD: %w", err)
	}
	resp, body, err := w.send(req)
	if err != nil {
		return err
	}
	if err := check("HEAD "+path, resp, body, http.StatusOK, []byte{}); err != nil {
		return err
	}
	if resp.ContentLength != int64(len(f.body)) {
		return fmt.Errorf("%w: HEAD %s: Content-Length %d, want %d", errWrongAnswer, path, resp.ContentLength, len(f.body))
	}
	return nil
}

func (w *worker) conditional() error {
	f := w.randomFile()
	path := "/static/" + f.name
	etag, ok := w.etags[f.name]
	if !ok {
		resp, body, err := w.get(path, nil)
		if err != nil {
			return err
		}
		if err := check("GET "+path, resp, body, http.StatusOK, f.body); err != nil {
			return err
		}
		if etag = resp.Header.Get("ETag"); etag == "" {
			return fmt.Errorf("%w: GET %s: no ETag", errWrongAnswer, path)
		}
		w.etags[f.name] = etag
	}
	resp, body, err := w.get(path, http.Header{"If-None-Match": {etag}})
	if err != nil {
		return err
	}
	return check("GET "+path+" If-None-Match", resp, body, http.StatusNotModified, []byte{})
}

func (w *worker) listing() error {
	resp, body, err := w.get("/static/", nil)
	if err != nil {
		return err
	}
	if err := check("GET /static/", resp, body, http.StatusOK, nil); err != nil {
		return err
	}
	for _, f := range w.site.files {
		if !bytes.Contains(body, []byte(f.name)) {
			return fmt.Errorf("%w: GET /static/: listing lacks %s", errWrongAnswer, f.name)
		}
	}
	if bytes.Contains(body, []byte(hiddenFile)) {
		return fmt.Errorf("%w: GET /static/: listing shows %s", errWrongAnswer, hiddenFile)
	}
	return nil
}

func (w *worker) notFound() error {
	path := fmt.Sprintf("/static/missing-%d-%d.bin", w.id, w.seq)
	if w.rng.IntN(2) == 0 {
		path = fmt.Sprintf("/nowhere/%d", w.seq)
	}
	resp, body, err := w.get(path, nil)
	if err != nil {
		return err
	}
	return check("GET "+path, resp, body, http.StatusNotFound, nil)
}

// uploadBody returns random content of one of uploadSizes, now and then with CRLF-dash sequences that look like
// the start of a multipart delimiter.
func (w *worker) uploadBody() []byte {
	b := randomBytes(w.rng, uploadSizes[w.rng.IntN(len(uploadSizes))])
	if len(b) > 8 && w.rng.IntN(2) == 0 {
		for i := 0; i < 4; i++ {
			at := w.rng.IntN(len(b) - 4)
			copy(b[at:], "\r\n--")
		}
	}
	return b
}

// lengthHidden hides a body's length from net/http, which then sends it chunked.
type lengthHidden struct{ r io.Reader }

func (l lengthHidden) Read(p []byte) (int, error) { return l.r.Read(p) }

// buildForm writes a multipart form with a text field and the given files.
func buildForm(names []string, contents [][]byte) (body []byte, contentType string, err error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("note", "soak"); err != nil {
		return nil, "", fmt.Errorf("writing form field: %w", err)
	}
	for i, name := range names {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file%d"; filename="%s"`, i, name))
		h.Set("Content-Type", "application/octet-stream")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil, "", fmt.Errorf("creating form part: %w", err)
		}
		if _, err := pw.Write(contents[i]); err != nil {
			return nil, "", fmt.Errorf("writing form part: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", fmt.Errorf("closing form: %w", err)
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// upload stores one or two files, fetches them back, deletes them, and checks that a second delete finds
// nothing. The files are deleted even when a check fails, so the final check of the upload directory only
// finds what the server itself left.
func (w *worker) upload() error {
	count := 1
	if w.rng.IntN(4) == 0 {
		count = 2
	}
	names := make([]string, count)
	contents := make([][]byte, count)
	for i := range names {
		names[i] = fmt.Sprintf("w%d-%d-%d.bin", w.id, w.seq, i)
		contents[i] = w.uploadBody()
	}
	defer w.cleanUploads(names)
	form, contentType, err := buildForm(names, contents)
	if err != nil {
		return err
	}
	var body io.Reader = bytes.NewReader(form)
	style := w.rng.IntN(4)
	if style == 0 {
		body = lengthHidden{body}
	}
	req, err := http.NewRequest(http.MethodPost, w.base+"/upload/", body)
	if err != nil {
		return fmt.Errorf("building upload: %w", err)
	}
	req.Header.Set("Content-Type", contentType)
	if style == 1 {
		req.Header.Set("Expect", "100-continue")
	}
	resp, got, err := w.send(req)
	if err != nil {
		return err
	}
	var listing strings.Builder
	for _, n := range names {
		listing.WriteString("/upload/" + n + "\n")
	}
	if err := check("POST /upload/", resp, got, http.StatusCreated, []byte(listing.String())); err != nil {
		return err
	}
	if loc := resp.Header.Get("Location"); count == 1 && loc != "/upload/"+names[0] {
		return fmt.Errorf("%w: POST /upload/: Location %q, want %q", errWrongAnswer, loc, "/upload/"+names[0])
	}
	for i, n := range names {
		resp, got, err := w.get("/upload/"+n, nil)
		if err != nil {
			return err
		}
		if err := check("GET /upload/"+n, resp, got, http.StatusOK, contents[i]); err != nil {
			return err
		}
	}
	for _, n := range names {
		if err := w.delete(n, http.StatusNoContent); err != nil {
			return err
		}
	}
	// Deleting goes to the file system every time, so a second delete must find nothing.
	return w.delete(names[0], http.StatusNotFound)
}

func (w *worker) delete(name string, status int) error {
	req, err := http.NewRequest(http.MethodDelete, w.base+"/upload/"+name, nil)
	if err != nil {
		return fmt.Errorf("building DELETE: %w", err)
	}
	resp, body, err := w.send(req)
	if err != nil {
		return err
	}
	return check("DELETE /upload/"+name, resp, body, status, nil)
}

// cleanUploads removes what an upload may have stored, ignoring every outcome: the failure, if any, has been
// reported already.
func (w *worker) cleanUploads(names []string) {
	for _, n := range names {
		req, err := http.NewRequest(http.MethodDelete, w.base+"/upload/"+n, nil)
		if err != nil {
			continue
		}
		_, _, _ = w.send(req)
	}
}

func echoAnswer(method, query string, body []byte) []byte {
	return append([]byte("method="+method+"\nquery="+query+"\n"), body...)
}

func (w *worker) cgiEcho() error {
	query := fmt.Sprintf("w=%d&n=%d", w.id, w.seq)
	resp, body, err := w.get("/cgi/echo.sh?"+query, nil)
	if err != nil {
		return err
	}
	return check("GET /cgi/echo.sh", resp, body, http.StatusOK, echoAnswer("GET", query, nil))
}

func (w *worker) cgiPost() error {
	payload := randomBytes(w.rng, w.rng.IntN(maxEchoBody+1))
	query := fmt.Sprintf("post=%d", w.seq)
	var body io.Reader = bytes.NewReader(payload)
	if w.rng.IntN(2) == 0 {
		body = lengthHidden{body}
	}
	req, err := http.NewRequest(http.MethodPost, w.base+"/cgi/echo.sh?"+query, body)
	if err != nil {
		return fmt.Errorf("building POST: %w", err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, got, err := w.send(req)
	if err != nil {
		return err
	}
	return check("POST /cgi/echo.sh", resp, got, http.StatusOK, echoAnswer("POST", query, payload))
}

func (w *worker) cgiSlow() error {
	start := time.Now()
	resp, body, err := w.get("/cgi/slow.sh", nil)
	if err != nil {
		return err
	}
	if err := check("GET /cgi/slow.sh", resp, body, http.StatusOK, []byte("slow\n")); err != nil {
		return err
	}
	if took, least := time.Since(start), 200*time.Millisecond; took < least {
		return fmt.Errorf("%w: GET /cgi/slow.sh answered in %v, before the script's sleep of %v", errWrongAnswer, took, least)
	}
	return nil
}

func (w *worker) cgiFork() error {
	resp, body, err := w.get("/cgi/fork.sh", nil)
	if err != nil {
		return err
	}
	return check("GET /cgi/fork.sh", resp, body, http.StatusOK, []byte("forked\n"))
}

func (w *worker) cgiFlood() error {
	resp, body, err := w.get("/cgi/flood.sh", nil)
	if err != nil {
		return err
	}
	return check("GET /cgi/flood.sh", resp, body, http.StatusOK, w.flood)
}

func (w *worker) cgiTimeout() error {
	start := time.Now()
	resp, body, err := w.get("/cgi/hang.sh", nil)
	if err != nil {
		return err
	}
	if err := check("GET /cgi/hang.sh", resp, body, http.StatusGatewayTimeout, nil); err != nil {
		return err
	}
	took, limit := time.Since(start), cgiTimeoutSecs*time.Second
	switch {
	case took < limit-100*time.Millisecond:
		return fmt.Errorf("%w: GET /cgi/hang.sh: 504 after %v, before cgi_timeout_secs (%v)", errWrongAnswer, took.Round(time.Millisecond), limit)
	case took > limit+cgiTimeoutSlack+w.delays.since(start):
		return fmt.Errorf("%w: %w: GET /cgi/hang.sh: 504 after %v, want at most %v", errWrongAnswer, errLate, took.Round(time.Millisecond), limit+cgiTimeoutSlack)
	}
	return nil
}

func (w *worker) cgiForbidden() error {
	resp, body, err := w.get("/cgi/forbidden.sh", nil)
	if err != nil {
		return err
	}
	return check("GET /cgi/forbidden.sh", resp, body, http.StatusForbidden, nil)
}

// cgiClose asks for the connection to be closed after the answer, as the last request of a keep-alive
// connection does.
func (w *worker) cgiClose() error {
	query := fmt.Sprintf("close=%d", w.seq)
	req, err := http.NewRequest(http.MethodGet, w.base+"/cgi/echo.sh?"+query, nil)
	if err != nil {
		return fmt.Errorf("building GET: %w", err)
	}
	req.Close = true
	resp, body, err := w.send(req)
	if err != nil {
		return err
	}
	return check("GET /cgi/echo.sh (Connection: close)", resp, body, http.StatusOK, echoAnswer("GET", query, nil))
}

// session visits the counter with the worker's own session: the count must go up by one each time and the id
// must stay the same.
func (w *worker) session() error {
	var header http.Header
	if w.sessionID != "" {
		header = http.Header{"Cookie": {sessionCookie + "=" + w.sessionID}}
	}
	resp, body, err := w.get("/session/"+scriptCounter, header)
	if err != nil {
		return err
	}
	want := strconv.Itoa(w.visits+1) + "\n"
	if err := check("GET /session/counter.sh", resp, body, http.StatusOK, []byte(want)); err != nil {
		w.sessionID, w.visits = "", 0
		return err
	}
	var id string
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			id = c.Value
		}
	}
	switch {
	case id == "":
		w.sessionID, w.visits = "", 0
		return fmt.Errorf("%w: GET /session/counter.sh: no %s cookie", errWrongAnswer, sessionCookie)
	case w.sessionID != "" && id != w.sessionID:
		w.sessionID, w.visits = "", 0
		return fmt.Errorf("%w: GET /session/counter.sh: session id changed", errWrongAnswer)
	}
	w.sessionID = id
	w.visits++
	return nil
}

// readResponse reads one response for a request of method and its whole body.
func readResponse(br *bufio.Reader, method string) (*http.Response, []byte, error) {
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return nil, nil, fmt.Errorf("reading response: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return resp, body, fmt.Errorf("status %d, body cut after %d bytes: %w", resp.StatusCode, len(body), err)
	}
	return resp, body, nil
}

// expectEOF reads what follows a response that closed the connection: nothing but the end.
func expectEOF(conn net.Conn, br *bufio.Reader, within time.Duration) error {
	if err := conn.SetReadDeadline(time.Now().Add(within)); err != nil {
		return fmt.Errorf("setting deadline: %w", err)
	}
	n, err := br.Read(make([]byte, 1))
	switch {
	case n > 0:
		return fmt.Errorf("%w: bytes after the response", errWrongAnswer)
	case errors.Is(err, io.EOF), isReset(err):
		return nil
	}
	return fmt.Errorf("%w: connection not closed within %v: %w", errWrongAnswer, within, err)
}

// pipelined sends several requests in one write and reads the answers in order; the last request closes.
func (w *worker) pipelined() error {
	conn, err := w.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return fmt.Errorf("setting deadline: %w", err)
	}
	files := make([]staticFile, pipelineDepth)
	var reqs bytes.Buffer
	for i := range files {
		files[i] = w.randomFile()
		fmt.Fprintf(&reqs, "GET /static/%s HTTP/1.1\r\nHost: localhost\r\n", files[i].name)
		if i == len(files)-1 {
			reqs.WriteString("Connection: close\r\n")
		}
		reqs.WriteString("\r\n")
	}
	w.st.requests.Add(pipelineDepth)
	if _, err := conn.Write(reqs.Bytes()); err != nil {
		return fmt.Errorf("writing pipelined requests: %w", err)
	}
	br := bufio.NewReader(conn)
	for i, f := range files {
		resp, body, err := readResponse(br, http.MethodGet)
		if err != nil {
			return fmt.Errorf("pipelined response %d of %d: %w", i+1, len(files), err)
		}
		if err := check(fmt.Sprintf("pipelined GET %d /static/%s", i+1, f.name), resp, body, http.StatusOK, f.body); err != nil {
			return err
		}
	}
	return expectEOF(conn, br, requestTimeout)
}

// rawExchange writes raw on a new connection, optionally half-closes, and reads one response and the end of the
// connection.
func (w *worker) rawExchange(raw string, halfClose bool) (*http.Response, []byte, error) {
	conn, err := w.dial()
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return nil, nil, fmt.Errorf("setting deadline: %w", err)
	}
	w.st.requests.Add(1)
	if _, err := conn.Write([]byte(raw)); err != nil {
		return nil, nil, fmt.Errorf("writing request: %w", err)
	}
	if halfClose {
		if err := conn.CloseWrite(); err != nil {
			return nil, nil, fmt.Errorf("half-closing: %w", err)
		}
	}
	br := bufio.NewReader(conn)
	resp, body, err := readResponse(br, http.MethodGet)
	if err != nil {
		return resp, body, err
	}
	return resp, body, expectEOF(conn, br, requestTimeout)
}

func (w *worker) http10Static() error {
	f := w.randomFile()
	resp, body, err := w.rawExchange("GET /static/"+f.name+" HTTP/1.0\r\n\r\n", false)
	if err != nil {
		return fmt.Errorf("HTTP/1.0 GET /static/%s: %w", f.name, err)
	}
	return check("HTTP/1.0 GET /static/"+f.name, resp, body, http.StatusOK, f.body)
}

// http10CGI gets a script's answer over HTTP/1.0, where the body can only end with the connection.
func (w *worker) http10CGI() error {
	query := fmt.Sprintf("v10=%d", w.seq)
	resp, body, err := w.rawExchange("GET /cgi/echo.sh?"+query+" HTTP/1.0\r\n\r\n", false)
	if err != nil {
		return fmt.Errorf("HTTP/1.0 GET /cgi/echo.sh: %w", err)
	}
	return check("HTTP/1.0 GET /cgi/echo.sh", resp, body, http.StatusOK, echoAnswer("GET", query, nil))
}

// halfClose sends a request and shuts its sending side at once: the server must still answer in full.
func (w *worker) halfClose() error {
	f := w.randomFile()
	resp, body, err := w.rawExchange("GET /static/"+f.name+" HTTP/1.1\r\nHost: localhost\r\n\r\n", true)
	if err != nil {
		return fmt.Errorf("half-closed GET /static/%s: %w", f.name, err)
	}
	return check("half-closed GET /static/"+f.name, resp, body, http.StatusOK, f.body)
}
