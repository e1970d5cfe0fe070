//go:build linux

package spec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"pgregory.net/rapid"
)

// modelFileNames are the names the model uploads, fetches and deletes (after a per-check prefix). They are
// few, so that uploads collide and exercise the "-1", "-2" suffixes, and a name that may be absent is always
// among them.
var modelFileNames = []string{"a.txt", "b.txt", "photo.jpg", "notes"}

// Model bounds: sizes of uploaded files and requests per pipelined batch.
const (
	maxModelFileLen = 2000
	maxBatch        = 4
	maxSeedFiles    = 2
)

// siteModel is what /files/ of the live site should hold, and the connection the actions use.
type siteModel struct {
	ls *LiveServer
	// prefix makes this check's file names its own. The server caches small files and revalidates them once a
	// second, so a name reused right after the directory was reset could legitimately be served stale.
	prefix string
	files  map[string][]byte
	// deleted holds names deleted during the check; they are not read again (see bugStaleAfterDelete).
	deleted map[string]bool
	conn    *WireConn
}

// modelRequest is one request of an action with what the model expects of its response.
type modelRequest struct {
	raw    string
	toHEAD bool
	http10 bool
	// persist: the connection must stay open after the response; otherwise the server must close it.
	persist bool
	check   func(*Response) error
}

// PropServerModel drives the live server with random sequences of GET, HEAD, POST uploads and DELETE on
// /files/, one at a time or pipelined, over keep-alive or closing connections (HTTP/1.1 and HTTP/1.0), and
// checks every response against a model of the directory, every response against the sender rules
// (CheckResponse), and the directory on disk against the model after each action.
func (ls *LiveServer) PropServerModel(t *rapid.T) {
	m := &siteModel{ls: ls, files: map[string][]byte{}, deleted: map[string]bool{},
		prefix: fmt.Sprintf("check%d-", ls.checks.Add(1))}
	m.reset(t)
	defer m.hangUp()
	t.Repeat(map[string]func(*rapid.T){
		"":         m.checkDisk,
		"single":   func(t *rapid.T) { m.send(t, 1) },
		"pipeline": func(t *rapid.T) { m.send(t, rapid.IntRange(2, maxBatch).Draw(t, "batch")) },
		"reconnect": func(t *rapid.T) {
			m.hangUp()
		},
	})
}

// reset empties the directory and seeds it, so every check starts from a known state.
func (m *siteModel) reset(t *rapid.T) {
	entries, err := os.ReadDir(m.ls.FilesDir)
	if err != nil {
		t.Fatalf("reading the files directory: %v", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(m.ls.FilesDir, e.Name())); err != nil {
			t.Fatalf("emptying the files directory: %v", err)
		}
	}
	for i := range rapid.IntRange(0, maxSeedFiles).Draw(t, "seeds") {
		name := m.prefix + rapid.SampledFrom(modelFileNames).Draw(t, fmt.Sprint("seedName", i))
		content := rapid.SliceOfN(rapid.Byte(), 0, maxModelFileLen).Draw(t, fmt.Sprint("seedContent", i))
		if err := os.WriteFile(filepath.Join(m.ls.FilesDir, name), content, 0o644); err != nil {
			t.Fatalf("seeding: %v", err)
		}
		m.files[name] = content
	}
}

func (m *siteModel) hangUp() {
	if m.conn != nil {
		m.conn.Close()
		m.conn = nil
	}
}

// send draws n requests, writes them in one go (split into a few writes), and checks the responses in order.
func (m *siteModel) send(t *rapid.T, n int) {
	if m.conn == nil {
		c, err := Dial(m.ls.Addr)
		if err != nil {
			t.Fatalf("%v", err)
		}
		m.conn = c
	}
	var reqs []modelRequest
	var stream []byte
	for i := range n {
		r := m.drawRequest(t, i == n-1)
		reqs = append(reqs, r)
		stream = append(stream, r.raw...)
	}
	for _, piece := range Pieces(stream, rapid.SliceOfN(rapid.IntRange(1, len(stream)), 0, 2).Draw(t, "writeCuts")) {
		if _, err := m.conn.Write(piece); err != nil {
			t.Fatalf("writing: %v", err)
		}
	}
	for i, r := range reqs {
		resp, err := ReadResponse(m.conn.Reader, r.toHEAD)
		if err != nil {
			t.Fatalf("response %d of %d to %q: %v", i+1, n, truncate([]byte(r.raw)), err)
		}
		if errs := CheckResponse(resp, r.http10); len(errs) > 0 {
			t.Fatalf("response to %q:\n%s\n%v", truncate([]byte(r.raw)), resp.RawHead, errors.Join(errs...))
		}
		if err := r.check(resp); err != nil {
			t.Fatalf("response %d of %d to %q: %v\n%s", i+1, n, truncate([]byte(r.raw)), err, resp.RawHead)
		}
		if err := checkPersistence(resp, r); err != nil {
			t.Fatalf("response to %q: %v", truncate([]byte(r.raw)), err)
		}
	}
	if !reqs[n-1].persist {
		if err := m.conn.ExpectClosed(); err != nil {
			t.Fatalf("after %q: %v", truncate([]byte(reqs[n-1].raw)), err)
		}
		m.hangUp()
	}
}

// checkPersistence: a response to a request that keeps the connection says nothing of closing (and an
// HTTP/1.0 keep-alive is confirmed); one to a closing request carries close (RFC 9112 §9.3, §9.6).
func checkPersistence(resp *Response, r modelRequest) error {
	conn, _ := resp.Get("Connection")
	switch {
	case r.persist && resp.Closes():
		return fmt.Errorf("Connection %q on a persistent connection", conn)
	case r.persist && r.http10 && !strings.EqualFold(conn, "keep-alive"):
		return fmt.Errorf("HTTP/1.0 keep-alive not confirmed (Connection %q)", conn)
	case !r.persist && !resp.Closes():
		return fmt.Errorf("violates 9112-9.6-sender-close-option: closing without Connection: close (Connection %q)", conn)
	}
	return nil
}

// drawRequest draws one request and advances the model as the server must, since requests on a connection
// are processed in order. Only the last request of a batch may close the connection: a client sends nothing
// after close (RFC 9112 §9.6).
func (m *siteModel) drawRequest(t *rapid.T, last bool) modelRequest {
	r := modelRequest{persist: true}
	version := "HTTP/1.1"
	var connField []string
	mode := "keep"
	if last {
		mode = rapid.SampledFrom([]string{"keep", "keep", "keep10", "close", "close10"}).Draw(t, "connection")
	} else {
		mode = rapid.SampledFrom([]string{"keep", "keep", "keep10"}).Draw(t, "connection")
	}
	switch mode {
	case "keep10":
		version, r.http10, connField = "HTTP/1.0", true, []string{"Connection: keep-alive"}
	case "close":
		r.persist, connField = false, []string{"Connection: close"}
	case "close10":
		version, r.http10, r.persist = "HTTP/1.0", true, false
	}
	fields := append([]string{liveHost}, connField...)
	name := m.prefix + rapid.SampledFrom(modelFileNames).Draw(t, "name")
	content, exists := m.files[name]
	method := rapid.SampledFrom([]string{"GET", "HEAD", "POST", "DELETE"}).Draw(t, "method")
	if m.deleted[name] && (method == "GET" || method == "HEAD") {
		// Reading a name this check deleted would hit bugStaleAfterDelete; a name never created reads as
		// missing all the same.
		name, exists = m.prefix+"never-created", false
	}

	switch method {
	case "GET":
		r.raw = head("GET /files/"+name+" "+version, fields...)
		r.check = func(resp *Response) error { return expectFile(resp, content, exists, false) }
	case "HEAD":
		r.raw, r.toHEAD = head("HEAD /files/"+name+" "+version, fields...), true
		r.check = func(resp *Response) error { return expectFile(resp, content, exists, true) }
	case "POST":
		data := rapid.SliceOfN(rapid.Byte(), 0, maxModelFileLen).
			Filter(func(b []byte) bool { return !containsDelimiterLine("\r\n"+string(b)+"\r\n", "\r\n--"+uploadBoundary) }).
			Draw(t, "content")
		body := formBody(name, string(data))
		if !r.http10 && rapid.Bool().Draw(t, "chunked") {
			r.raw = strings.Replace(chunkedUpload(body, rapid.IntRange(1, 500).Draw(t, "chunkLen"), ""), liveHost+"\r\n",
				strings.Join(fields, "\r\n")+"\r\n", 1)
		} else {
			fields = append(fields, formContentType, "Content-Length: "+strconv.Itoa(len(body)))
			r.raw = head("POST /files/ "+version, fields...) + body
		}
		stored := m.freeName(name)
		m.files[stored] = data
		// An upload that takes a deleted name is checked on disk, but not read back (bugStaleAfterDelete).
		r.check = func(resp *Response) error { return expectCreated(resp, stored) }
	case "DELETE":
		r.raw = head("DELETE /files/"+name+" "+version, fields...)
		delete(m.files, name)
		m.deleted[name] = true
		r.check = func(resp *Response) error {
			if want := map[bool]int{true: 204, false: 404}[exists]; resp.Status != want {
				return fmt.Errorf("DELETE status %d, want %d", resp.Status, want)
			}
			return nil
		}
	}
	return r
}

// freeName is the name the upload receiver picks: the name itself, else "-1", "-2", … before the extension.
func (m *siteModel) freeName(name string) string {
	stem, ext := name, ""
	if dot := strings.LastIndexByte(name, '.'); dot > 0 {
		stem, ext = name[:dot], name[dot:]
	}
	candidate := name
	for i := 1; ; i++ {
		if _, taken := m.files[candidate]; !taken {
			return candidate
		}
		candidate = stem + "-" + strconv.Itoa(i) + ext
	}
}

func expectFile(resp *Response, content []byte, exists, toHEAD bool) error {
	if !exists {
		if resp.Status != 404 {
			return fmt.Errorf("status %d for a missing file, want 404", resp.Status)
		}
		return nil
	}
	if resp.Status != 200 {
		return fmt.Errorf("status %d, want 200", resp.Status)
	}
	if cl, _ := resp.Get("Content-Length"); cl != strconv.Itoa(len(content)) {
		return fmt.Errorf("violates 9110-8.6-head-cl or 9110-8.6-send-cl: Content-Length %q, the file has %d bytes", cl, len(content))
	}
	if toHEAD {
		return nil
	}
	if !bytes.Equal(resp.Body, content) {
		return fmt.Errorf("body of %d bytes differs from the file's %d", len(resp.Body), len(content))
	}
	return nil
}

func expectCreated(resp *Response, stored string) error {
	if resp.Status != 201 {
		return fmt.Errorf("upload status %d, want 201 (stored as %q)", resp.Status, stored)
	}
	if loc, _ := resp.Get("Location"); loc != "/files/"+stored {
		return fmt.Errorf("violates 9110-9.3.3-post-201: Location %q, want /files/%s", loc, stored)
	}
	return nil
}

// checkDisk compares the directory with the model: same names, same contents, no temporary file left.
func (m *siteModel) checkDisk(t *rapid.T) {
	entries, err := os.ReadDir(m.ls.FilesDir)
	if err != nil {
		t.Fatalf("reading the files directory: %v", err)
	}
	if len(entries) != len(m.files) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %q, the model %d files", names, len(m.files))
	}
	for _, e := range entries {
		want, ok := m.files[e.Name()]
		if !ok {
			t.Fatalf("unexpected file %q", e.Name())
		}
		got, err := os.ReadFile(filepath.Join(m.ls.FilesDir, e.Name()))
		if err != nil {
			t.Fatalf("reading %s: %v", e.Name(), err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s holds %d bytes, the model %d", e.Name(), len(got), len(want))
		}
	}
}
