//go:build linux

package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// cgiScripts are written executable into www/cgi/ of the dynamic test site.
var cgiScripts = map[string]string{
	"env.sh": `#!/bin/sh
printf 'Content-Type: text/plain\n\n'
for v in GATEWAY_INTERFACE SERVER_PROTOCOL SERVER_NAME SERVER_PORT REQUEST_METHOD SCRIPT_NAME PATH_INFO QUERY_STRING CONTENT_TYPE CONTENT_LENGTH REMOTE_ADDR HTTP_X_TEST HTTP_PROXY CANARY; do
  eval "val=\${$v-unset}"
  printf '%s=%s\n' "$v" "$val"
done
`,
	"echo.sh":   "#!/bin/sh\nprintf 'Content-Type: application/octet-stream\\n\\n'\nexec cat\n",
	"status.sh": "#!/bin/sh\nprintf 'Status: 418 Teapot\\nContent-Type: text/plain\\nX-Script: yes\\n\\nshort and stout\\n'\n",
	"sleep.sh":  "#!/bin/sh\nsleep 5\nprintf 'Content-Type: text/plain\\n\\nlate\\n'\n",
	"hang.sh":   "#!/bin/sh\necho $$ > \"$PIDFILE_DIR/hang.pid\"\nsleep 60 &\necho $! > \"$PIDFILE_DIR/child.pid\"\nwait\n",
	"bad.sh":    "#!/bin/sh\necho 'this is not a header'\n",
	"fail.sh":   "#!/bin/sh\nexit 3\n",
	"inject.sh": "#!/bin/sh\nprintf 'Content-Type: text/plain\\nX-A: a\\rSet-Cookie: evil=1\\n\\nx'\n",
	"count.sh": `#!/bin/sh
n=$(printf '%s' "$FERROUS_SESSION_VALUES" | sed -n 's/.*visits=\([0-9]*\).*/\1/p')
n=$(( ${n:-0} + 1 ))
printf 'Content-Type: text/plain\nX-Session-Set: visits=%s\n\nvisits=%s id=%s\n' "$n" "$n" "$FERROUS_SESSION_ID"
`,
	"noexec.sh": "#!/bin/sh\necho never\n",
}

func dynamicConfig(cgiTimeout int, sessions string) string {
	if sessions == "" {
		sessions = memorySessions
	}
	return fmt.Sprintf(`
workers: 2
cgi_timeout_secs: %d
access_log: off
%s
cgi_interpreters:
  .sh: /bin/sh
servers:
  - host: 127.0.0.1
    port: 0
    client_max_body_size: 20M
    routes:
      - path: /
        handler: File
        file: www/
      - path: /up/*
        methods: [GET, POST, DELETE]
        handler: File
        file: www/up/
        directory_listing: true
      - path: /small/*
        methods: [POST]
        handler: File
        file: www/up/
        client_max_body_size: 100
      - path: /cgi/*
        methods: [GET, HEAD, POST]
        handler: Function
        file: www/cgi/
        cgi_extension: .sh
        session: true
`, cgiTimeout, sessions)
}

const memorySessions = "sessions:\n  store: memory\n  ttl_secs: 600\n  cookie_name: SID\n"

func startDynamic(t *testing.T, cfg string) *testServer {
	t.Helper()
	ts := startServer(t, cfg)
	writeScripts(t, ts.dir)
	return ts
}

func writeScripts(t *testing.T, dir string) {
	t.Helper()
	cgiDir := filepath.Join(dir, "www/cgi")
	for name, body := range cgiScripts {
		mode := os.FileMode(0o755)
		if name == "noexec.sh" {
			mode = 0o644
		}
		if err := os.WriteFile(filepath.Join(cgiDir, name), []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
}

func init() {
	site["www/cgi/.keep"] = ""
}

func multipartBody(t *testing.T, files map[string][]byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, content := range files {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func postForm(t *testing.T, url string, files map[string][]byte) *http.Response {
	t.Helper()
	ct, body := multipartBody(t, files, map[string]string{"note": "hi"})
	resp, err := http.Post(url, ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestUploadsStoreServeAndDelete(t *testing.T) {
	t.Parallel()
	ts := startDynamic(t, dynamicConfig(5, ""))
	base := "http://" + ts.addr
	big := bytes.Repeat([]byte("0123456789abcdef"), 10<<20/16)
	cases := []struct {
		name    string
		content []byte
	}{{"one.bin", []byte("x")}, {"empty.txt", nil}, {"big.bin", big}}
	for _, c := range cases {
		resp := postForm(t, base+"/up/", map[string][]byte{c.name: c.content})
		if resp.StatusCode != 201 || resp.Header.Get("Location") != "/up/"+c.name {
			t.Fatalf("%s: %d %q", c.name, resp.StatusCode, resp.Header.Get("Location"))
		}
		got, err := os.ReadFile(filepath.Join(ts.dir, "www/up", c.name))
		if err != nil || !bytes.Equal(got, c.content) {
			t.Fatalf("%s stored wrong: %v (%d bytes)", c.name, err, len(got))
		}
		get, err := http.Get(base + "/up/" + c.name)
		if err != nil {
			t.Fatal(err)
		}
		served, _ := io.ReadAll(get.Body)
		get.Body.Close()
		if !bytes.Equal(served, c.content) {
			t.Fatalf("%s served %d bytes", c.name, len(served))
		}
	}
	// Two files in one form; an existing name gets a suffix instead of being overwritten.
	resp := postForm(t, base+"/up/", map[string][]byte{"one.bin": []byte("second"), "two.txt": []byte("2")})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 || !strings.Contains(string(body), "/up/one-1.bin") || !strings.Contains(string(body), "/up/two.txt") {
		t.Fatalf("two files: %d %q", resp.StatusCode, body)
	}
	if b, _ := os.ReadFile(filepath.Join(ts.dir, "www/up/one.bin")); string(b) != "x" {
		t.Fatal("existing file overwritten")
	}
	// The listing shows them.
	list, _ := http.Get(base + "/up/")
	lb, _ := io.ReadAll(list.Body)
	list.Body.Close()
	for _, n := range []string{"one.bin", "one-1.bin", "two.txt", "big.bin"} {
		if !strings.Contains(string(lb), n) {
			t.Errorf("listing lacks %s", n)
		}
	}
	// DELETE.
	for _, d := range []struct {
		target string
		status int
	}{{"/up/two.txt", 204}, {"/up/two.txt", 404}, {"/up/", 403}, {"/up/../index.html", 403}, {"/up/%2e%2e/index.html", 403}} {
		req, _ := http.NewRequest("DELETE", base+d.target, nil)
		req.URL.Opaque = d.target // keep dot segments as sent
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// Dot segments are resolved before routing, so an escape attempt lands on another route (405) or
		// nowhere (403/404); it never deletes.
		if resp.StatusCode != d.status && !(d.status == 403 && (resp.StatusCode == 404 || resp.StatusCode == 405)) {
			t.Errorf("DELETE %s: %d, want %d", d.target, resp.StatusCode, d.status)
		}
	}
	if _, err := os.Stat(filepath.Join(ts.dir, "www/index.html")); err != nil {
		t.Fatal("DELETE escaped the route root")
	}
}

func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	ts := startDynamic(t, dynamicConfig(5, ""))
	base := "http://" + ts.addr
	// Not multipart → 415; a form with no file → 400; over the route limit → 413.
	resp, _ := http.Post(base+"/up/", "text/plain", strings.NewReader("hello"))
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Errorf("text/plain upload: %d", resp.StatusCode)
	}
	ct, body := multipartBody(t, nil, map[string]string{"a": "b"})
	resp, _ = http.Post(base+"/up/", ct, bytes.NewReader(body))
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("no file part: %d", resp.StatusCode)
	}
	ct, body = multipartBody(t, map[string][]byte{"x.bin": bytes.Repeat([]byte("y"), 500)}, nil)
	resp, err := http.Post(base+"/small/", ct, bytes.NewReader(body))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("over the limit: %d", resp.StatusCode)
		}
	}
	// Hostile names are stored under their safe base name only.
	for _, name := range []string{"../../escape.txt", "..\\..\\win.txt", ".hidden", "<script>alert(1)</script>.txt"} {
		resp := postForm(t, base+"/up/", map[string][]byte{name: []byte("h")})
		if resp.StatusCode != 201 && resp.StatusCode != 400 {
			t.Errorf("%q: %d", name, resp.StatusCode)
		}
	}
	if _, err := os.Stat(filepath.Join(ts.dir, "escape.txt")); err == nil {
		t.Fatal("upload escaped the directory")
	}
	entries, _ := os.ReadDir(filepath.Join(ts.dir, "www/up"))
	for _, e := range entries {
		if strings.ContainsAny(e.Name(), "/\\") || e.Name() == ".hidden" || strings.HasPrefix(e.Name(), ".upload-") {
			t.Errorf("unsafe stored name %q", e.Name())
		}
	}
	list, _ := http.Get(base + "/up/")
	lb, _ := io.ReadAll(list.Body)
	list.Body.Close()
	if strings.Contains(string(lb), "<script>alert(1)</script>") {
		t.Fatal("listing does not escape names")
	}
}

func TestInterruptedUploadLeavesNoFile(t *testing.T) {
	t.Parallel()
	ts := startDynamic(t, dynamicConfig(5, ""))
	ct, body := multipartBody(t, map[string][]byte{"partial.bin": bytes.Repeat([]byte("z"), 1<<20)}, nil)
	c := ts.dial(t)
	c.send(fmt.Sprintf("POST /up/ HTTP/1.1\r\nHost: a\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", ct, len(body)))
	c.Write(body[:len(body)/2])
	time.Sleep(200 * time.Millisecond)
	c.Close()
	dir := filepath.Join(ts.dir, "www/up")
	deadline := time.Now().Add(3 * time.Second)
	for {
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			if e.Name() != "existing.txt" {
				names = append(names, e.Name())
			}
		}
		if len(names) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("left behind: %v", names)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCurlUpload(t *testing.T) {
	t.Parallel()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	ts := startDynamic(t, dynamicConfig(5, ""))
	src := filepath.Join(t.TempDir(), "from-curl.txt")
	os.WriteFile(src, []byte("sent by curl\n"), 0o644)
	out, err := exec.Command(curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-F", "file=@"+src, "http://"+ts.addr+"/up/").CombinedOutput()
	if err != nil || string(out) != "201" {
		t.Fatalf("curl: %v %s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(ts.dir, "www/up/from-curl.txt")); string(b) != "sent by curl\n" {
		t.Fatalf("stored %q", b)
	}
	out, err = exec.Command(curl, "-sS", "-I", "http://"+ts.addr+"/up/from-curl.txt").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Content-Length: 13") {
		t.Fatalf("curl HEAD: %v %s", err, out)
	}
}

func TestCGI(t *testing.T) {
	t.Parallel()
	os.Setenv("CANARY", "server-secret")
	// sleep.sh sleeps 5 s; a 3 s timeout leaves the other scripts room on a busy machine.
	ts := startDynamic(t, dynamicConfig(3, ""))
	base := "http://" + ts.addr
	req, _ := http.NewRequest("GET", base+"/cgi/env.sh/extra/path?q=1&r=2", nil)
	req.Header.Set("X-Test", "hello")
	req.Header.Set("Proxy", "http://evil")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	env := string(b)
	for _, want := range []string{"GATEWAY_INTERFACE=CGI/1.1", "SERVER_PROTOCOL=HTTP/1.1", "REQUEST_METHOD=GET",
		"SCRIPT_NAME=/cgi/env.sh", "PATH_INFO=/extra/path", "QUERY_STRING=q=1&r=2", "HTTP_X_TEST=hello",
		"HTTP_PROXY=unset", "CANARY=unset", "REMOTE_ADDR=127.0.0.1", "SERVER_PORT=" + ts.addr[strings.LastIndexByte(ts.addr, ':')+1:]} {
		if !strings.Contains(env, want+"\n") {
			t.Errorf("env lacks %q:\n%s", want, env)
		}
	}
	// stdin gets the de-chunked body with CONTENT_LENGTH set.
	payload := bytes.Repeat([]byte("body!"), 50000)
	preq, _ := http.NewRequest("POST", base+"/cgi/echo.sh", io.MultiReader(bytes.NewReader(payload))) // unknown length → chunked
	resp, err = http.DefaultClient.Do(preq)
	if err != nil {
		t.Fatal(err)
	}
	echoed, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(echoed, payload) {
		t.Fatalf("echo: %d bytes back, sent %d", len(echoed), len(payload))
	}
	checks := []struct {
		path   string
		status int
		body   string
	}{
		{"/cgi/status.sh", 418, "short and stout\n"},
		{"/cgi/bad.sh", 502, ""},
		{"/cgi/fail.sh", 502, ""},
		{"/cgi/inject.sh", 502, ""},
		{"/cgi/missing.sh", 404, ""},
		{"/cgi/noexec.sh", 403, ""},
		{"/cgi/sleep.sh", 504, ""},
	}
	for _, c := range checks {
		resp, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || (c.body != "" && string(b) != c.body) {
			t.Errorf("%s: %d %q", c.path, resp.StatusCode, b)
		}
		if c.path == "/cgi/status.sh" && resp.Header.Get("X-Script") != "yes" {
			t.Error("script header not forwarded")
		}
		if c.path == "/cgi/inject.sh" && strings.Contains(resp.Header.Get("Set-Cookie"), "evil") {
			t.Error("header injection went through")
		}
	}
}

func TestCGITimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	ts := startDynamic(t, dynamicConfig(1, ""))
	// The script writes its pids where the test can read them: PIDFILE_DIR reaches it as a request header's
	// HTTP_ variable would not, so rewrite the script with the directory baked in.
	script := strings.ReplaceAll(cgiScripts["hang.sh"], "$PIDFILE_DIR", ts.dir)
	os.WriteFile(filepath.Join(ts.dir, "www/cgi/hang.sh"), []byte(script), 0o755)
	start := time.Now()
	resp, err := http.Get("http://" + ts.addr + "/cgi/hang.sh")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 504 {
		t.Fatalf("status %d, want 504", resp.StatusCode)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("timeout took %v", d)
	}
	for _, f := range []string{"hang.pid", "child.pid"} {
		b, err := os.ReadFile(filepath.Join(ts.dir, f))
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		deadline := time.Now().Add(2 * time.Second)
		for processAlive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("%s (pid %d) survived the timeout", f, pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// processAlive treats a zombie as dead: it is killed, only not yet reaped by an init that may not reap.
func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func TestCGIDoesNotBlockTheLoop(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(dynamicConfig(10, ""), "workers: 2", "workers: 1", 1)
	ts := startDynamic(t, cfg)
	slow := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ts.addr + "/cgi/sleep.sh")
		if err == nil {
			resp.Body.Close()
		}
		slow <- err
	}()
	time.Sleep(300 * time.Millisecond) // the script is now sleeping
	expectPromptAnswers(t, ts, 20, "a sleeping script")
	select {
	case err := <-slow:
		t.Fatalf("the sleeping script finished early: %v", err)
	default:
	}
	if err := <-slow; err != nil { // let it finish, so shutdown has nothing to cut
		t.Fatal(err)
	}
}

// expectPromptAnswers fetches a static file n times and fails if any answer took a second: the loop is busy with
// something else (named by behind) and must still serve other clients.
func expectPromptAnswers(t *testing.T, ts *testServer, n int, behind string) {
	t.Helper()
	for range n {
		start := time.Now()
		resp, err := http.Get("http://" + ts.addr + "/index.html")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if d := time.Since(start); d > time.Second {
			t.Fatalf("a static request waited %v behind %s", d, behind)
		}
	}
}

func sessionClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 5 * time.Second}
}

func visits(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if sc := resp.Header.Get("Set-Cookie"); sc != "" && (!strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax")) {
		t.Errorf("cookie attributes: %q", sc)
	}
	if resp.Header.Get("X-Session-Set") != "" {
		t.Error("X-Session-Set forwarded to the client")
	}
	return strings.Fields(string(b))[0]
}

func TestSessionsCountAcrossRequests(t *testing.T) {
	t.Parallel()
	ts := startDynamic(t, dynamicConfig(5, memorySessions))
	url := "http://" + ts.addr + "/cgi/count.sh"
	client := sessionClient(t)
	for i := 1; i <= 3; i++ {
		if got := visits(t, client, url); got != "visits="+strconv.Itoa(i) {
			t.Fatalf("visit %d: %s", i, got)
		}
	}
	// A forged id is not adopted: a new client with a made-up cookie starts at one.
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Cookie", "SID=00000000000000000000000000000000")
	resp, _ := http.DefaultClient.Do(req)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(b), "visits=1 ") || strings.Contains(string(b), "id=00000000000000000000000000000000") {
		t.Fatalf("forged session: %q", b)
	}
}

func TestFileSessionsSurviveRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sessions := "sessions:\n  store: file\n  dir: " + filepath.Join(dir, "sess") + "\n  ttl_secs: 600\n  cookie_name: SID\n"
	os.MkdirAll(filepath.Join(dir, "sess"), 0o700)
	client := sessionClient(t)
	for round := 1; round <= 2; round++ {
		ts := startDynamic(t, dynamicConfig(5, sessions))
		u := "http://" + ts.addr + "/cgi/count.sh"
		// Cookies are scoped by host, not port (RFC 6265 §8.5), so the jar carries the session to the new port.
		want := "visits=" + strconv.Itoa(2*round-1)
		if got := visits(t, client, u); got != want {
			t.Fatalf("round %d: %s, want %s", round, got, want)
		}
		visits(t, client, u)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ts.srv.Shutdown(ctx)
		cancel()
	}
}

func TestCGIConcurrencyCap(t *testing.T) {
	t.Parallel()
	ts := startDynamic(t, strings.Replace(dynamicConfig(10, ""), "workers: 2", "workers: 2\nmax_cgi_processes: 1", 1))
	slow := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + ts.addr + "/cgi/sleep.sh")
		if err != nil {
			slow <- 0
			return
		}
		io.Copy(io.Discard, resp.Body) // the run is over once its last chunk arrives
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	time.Sleep(300 * time.Millisecond)
	resp, err := http.Get("http://" + ts.addr + "/cgi/status.sh")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("second script while one runs: %d, want 503", resp.StatusCode)
	}
	if got := <-slow; got != 200 {
		t.Fatalf("first script: %d", got)
	}
	// The slot is free again.
	resp, err = http.Get("http://" + ts.addr + "/cgi/status.sh")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 418 {
		t.Fatalf("after the first finished: %d", resp.StatusCode)
	}
}

func TestDeletedFileIsGoneAtOnce(t *testing.T) {
	t.Parallel()
	ts := startDynamic(t, dynamicConfig(5, ""))
	base := "http://" + ts.addr
	client := &http.Client{Timeout: 5 * time.Second}
	for round := 0; round < 2; round++ {
		resp := postForm(t, base+"/up/", map[string][]byte{"fleeting.txt": []byte(fmt.Sprint("round ", round))})
		if resp.StatusCode != 201 {
			t.Fatalf("upload: %d", resp.StatusCode)
		}
		get, err := client.Get(base + "/up/fleeting.txt")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(get.Body)
		get.Body.Close()
		if string(b) != fmt.Sprint("round ", round) {
			t.Fatalf("round %d served %q", round, b)
		}
		req, _ := http.NewRequest("DELETE", base+"/up/fleeting.txt", nil)
		del, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		del.Body.Close()
		// Same connection, same second: the cached copy must not outlive the file.
		get, err = client.Get(base + "/up/fleeting.txt")
		if err != nil {
			t.Fatal(err)
		}
		get.Body.Close()
		if get.StatusCode != 404 {
			t.Fatalf("round %d: GET after DELETE: %d", round, get.StatusCode)
		}
	}
}

func TestEmptySessionsAreNotStored(t *testing.T) {
	t.Parallel()
	ts := startDynamic(t, dynamicConfig(5, ""))
	// env.sh sets no session value: no cookie, nothing stored, however many cookieless clients come.
	for i := 0; i < 5; i++ {
		resp, err := http.Get("http://" + ts.addr + "/cgi/env.sh")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if sc := resp.Header.Get("Set-Cookie"); sc != "" {
			t.Fatalf("a session without values was handed out: %q", sc)
		}
	}
	if n := ts.srv.sessions.Store().(interface{ Len() int }).Len(); n != 0 {
		t.Fatalf("%d empty sessions stored", n)
	}
}

// TestUploadWaitsForTheDiskNotTheLoop holds the disk workers: the loop must go on serving other clients, and must
// stop reading the upload rather than queue it in memory. Once the disk is back, the upload completes intact.
func TestUploadWaitsForTheDiskNotTheLoop(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(dynamicConfig(5, ""), "workers: 2", "workers: 1", 1)
	cfg = strings.Replace(cfg, "client_max_body_size: 20M", "client_max_body_size: 100M", 1)
	ts := startDynamic(t, cfg)
	held := make(chan struct{})
	released := make(chan struct{})
	var holdOnce, releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(released) }) }
	t.Cleanup(release) // a failing test must not leave the workers held, or shutdown would wait for ever
	ts.srv.disk.setBeforeJob(func() {
		holdOnce.Do(func() { close(held) })
		<-released
	})
	content := bytes.Repeat([]byte("0123456789abcdef"), 4<<20) // 64 MiB
	ct, body := multipartBody(t, map[string][]byte{"big.bin": content}, nil)
	c := ts.dial(t)
	c.send(fmt.Sprintf("POST /up/ HTTP/1.1\r\nHost: a\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", ct, len(body)))
	written := make(chan int, 1)
	go func() {
		_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
		n, _ := c.Write(body)
		written <- n
	}()
	<-held
	expectPromptAnswers(t, ts, 5, "a held disk")
	n := <-written
	if n >= len(body)/2 {
		t.Fatalf("the server took %d of %d body bytes while its disk was held: no backpressure", n, len(body))
	}
	release()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(body[n:]); err != nil {
		t.Fatalf("writing the rest of the body: %v", err)
	}
	resp, msg := c.read("POST")
	if resp.StatusCode != 201 {
		t.Fatalf("status %d: %s", resp.StatusCode, msg)
	}
	got, err := os.ReadFile(filepath.Join(ts.dir, "www/up/big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		t.Fatalf("stored %d bytes, not the %d sent", len(got), len(content))
	}
}

// TestUploadCanceledWhileOnDisk disconnects a client while a disk worker holds its upload's next batch, after an
// earlier batch has already created the unnamed file: once the worker is let go, the file must be discarded and its
// descriptor closed, with nothing left in the directory.
func TestUploadCanceledWhileOnDisk(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(dynamicConfig(5, ""), "workers: 2", "workers: 1", 1)
	ts := startDynamic(t, cfg)
	held := make(chan struct{})
	released := make(chan struct{})
	var jobs atomic.Int32
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(released) }) }
	t.Cleanup(release)
	ts.srv.disk.setBeforeJob(func() {
		if jobs.Add(1) == 2 { // the first batch creates the file; the second is held
			close(held)
			<-released
		}
	})
	ct, body := multipartBody(t, map[string][]byte{"cut.bin": bytes.Repeat([]byte("c"), 4<<20)}, nil)
	c := ts.dial(t)
	c.send(fmt.Sprintf("POST /up/ HTTP/1.1\r\nHost: a\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", ct, len(body)))
	go c.Write(body[:len(body)/2]) // blocks once the server stops reading; the close below ends it
	select {
	case <-held:
	case <-time.After(5 * time.Second):
		t.Fatal("the upload never reached its second batch")
	}
	c.Close()
	time.Sleep(100 * time.Millisecond) // the loop sees the close and cancels while the worker is held
	release()

	dir := filepath.Join(ts.dir, "www/up")
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := descriptorsInto(t, dir)
		entries, _ := os.ReadDir(dir)
		if len(left) == 0 && len(entries) == 1 && entries[0].Name() == "existing.txt" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the cancel: descriptors %v, directory %v", left, entries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// descriptorsInto lists the process's open descriptors whose target lies in dir (an unnamed O_TMPFILE file shows as
// dir/#inode (deleted)).
func descriptorsInto(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list descriptors: %v", err)
	}
	var out []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.HasPrefix(target, dir+"/") {
			out = append(out, target)
		}
	}
	return out
}

// TestUploadGivesUpOnAHungDisk holds the disk past body_timeout_secs once the body is complete: the connection is
// closed without an answer, and the file is discarded when the disk comes back.
func TestUploadGivesUpOnAHungDisk(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(dynamicConfig(5, ""), "workers: 2", "workers: 1\nbody_timeout_secs: 1", 1)
	ts := startDynamic(t, cfg)
	released := make(chan struct{})
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(released) }) }
	t.Cleanup(release)
	ts.srv.disk.setBeforeJob(func() { <-released })
	ct, body := multipartBody(t, map[string][]byte{"stuck.bin": []byte("never stored")}, nil)
	c := ts.dial(t)
	start := time.Now()
	c.send(fmt.Sprintf("POST /up/ HTTP/1.1\r\nHost: a\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", ct, len(body), body))
	c.expectClosed()
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Fatalf("closed after %v, before the body timeout could pass", d)
	}
	release()
	dir := filepath.Join(ts.dir, "www/up")
	deadline := time.Now().Add(5 * time.Second)
	for {
		entries, _ := os.ReadDir(dir)
		if len(descriptorsInto(t, dir)) == 0 && len(entries) == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the timeout: directory %v, descriptors %v", entries, descriptorsInto(t, dir))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
