package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Server timeouts of the generated config, in seconds. They are short so that hostile clients meet them many times
// within a run and the run can wait for all of them to elapse before taking its final measurements. The script
// timeout leaves room for the well-formed scripts, the slowest of which (flood.sh) must finish within it even on
// a machine busy with other work.
const (
	headerTimeoutSecs   = 2
	bodyTimeoutSecs     = 3
	cgiTimeoutSecs      = 5
	idleTimeoutSecs     = 5
	shutdownTimeoutSecs = 10
	// serverLingerSecs is the server's lingering close after an error response (lingerSeconds in its conn.go):
	// the longest a refused connection stays open once answered.
	serverLingerSecs = 2
	// maxServerConnections leaves room for every client of the run at once, so no well-formed client waits
	// behind the connection cap.
	maxServerConnections = 4096
	// maxSessions bounds the server's session store; the run creates one session per worker.
	maxSessions = 10000
)

// Body size limits of the generated config.
const (
	serverMaxBody = 1 << 20 // the server's default for routes, CGI included
	uploadMaxBody = 8 << 20 // the upload route's own limit
)

// staticSizes are the sizes of the files the clients fetch: empty, tiny, the customary 612-byte page, both sides
// of the server's small-file cache limit (16 KiB, held in memory) and large ones that are sent with sendfile.
var staticSizes = []int{0, 1, 612, 4096, 16 << 10, 16<<10 + 1, 64<<10 + 7, 256 << 10, bigFileSize}

// hiddenFile is a dotfile in the static directory: never served, never listed.
const hiddenFile = ".secret"

// bigFileSize is the file slow readers ask for.
const bigFileSize = 1 << 20

// floodBytes is what flood.sh prints: more than the server buffers for one connection, so it exercises the
// backpressure from a slow client onto the script.
const floodBytes = 2 << 20

// indexBody is the docroot's index.html; the final liveness check fetches it.
const indexBody = "<!DOCTYPE html><title>ferrous soak</title>\n"

// errUnsafePath is returned when the temporary directory's path cannot be quoted safely into a shell script.
var errUnsafePath = errors.New("path cannot be quoted in a shell script")

// site is everything the server serves in one run, and what the clients check its answers against.
type site struct {
	dir        string // the run's temporary directory; everything below is inside it
	docroot    string
	staticDir  string
	uploadDir  string
	cgiDir     string
	pidDir     string // scripts append their process ids here, one file per script
	configPath string
	logPath    string // the server's stdout and stderr
	accessLog  string
	binary     string

	files   []staticFile
	byName  map[string][]byte
	bigName string
}

type staticFile struct {
	name string
	body []byte
}

// cgiScript is one generated script: name, whether it may run, and its body after the pid-recording line.
type cgiScript struct {
	name       string
	executable bool
	body       string
}

// Script names, used by the clients.
const (
	scriptEcho      = "echo.sh"
	scriptSlow      = "slow.sh"
	scriptFork      = "fork.sh"
	scriptFlood     = "flood.sh"
	scriptHang      = "hang.sh"
	scriptCounter   = "counter.sh"
	scriptForbidden = "forbidden.sh"
)

// slowScriptDelay is how long slow.sh sleeps before answering.
const slowScriptDelay = "0.2"

// forkChildSleep is how long fork.sh's background child would live if nothing killed it.
const forkChildSleep = "30"

func cgiScripts(pidDir string) []cgiScript {
	q := func(name string) string { return "'" + filepath.Join(pidDir, name) + "'" }
	return []cgiScript{
		{scriptEcho, true, `printf 'Content-Type: text/plain\n\n'
printf 'method=%s\nquery=%s\n' "$REQUEST_METHOD" "$QUERY_STRING"
if [ -n "$CONTENT_LENGTH" ]; then cat; fi
`},
		{scriptSlow, true, "sleep " + slowScriptDelay + `
printf 'Content-Type: text/plain\n\nslow\n'
`},
		// The child stays in the script's process group and holds none of its pipes: only the server's kill of
		// the whole group ends it before its sleep does.
		{scriptFork, true, "sleep " + forkChildSleep + ` </dev/null >/dev/null 2>&1 &
echo "$!" >> ` + q("fork-children") + `
printf 'Content-Type: text/plain\n\nforked\n'
`},
		{scriptFlood, true, `printf 'Content-Type: text/plain\n\n'
yes | head -c ` + strconv.Itoa(floodBytes) + `
`},
		// Prints nothing and outlives cgi_timeout_secs: the server must kill it and answer 504.
		{scriptHang, true, "sleep " + forkChildSleep + "\n"},
		{scriptCounter, true, `n=0
case "$FERROUS_SESSION_VALUES" in visits=*) n=${FERROUS_SESSION_VALUES#visits=} ;; esac
case "$n" in ''|*[!0-9]*) n=0 ;; esac
n=$((n + 1))
printf 'Content-Type: text/plain\nCache-Control: no-store\nX-Session-Set: visits=%s\n\n%s\n' "$n" "$n"
`},
		{scriptForbidden, false, `printf 'Content-Type: text/plain\n\nmust not run\n'
`},
	}
}

// newSite lays out the run's directory under dir.
func newSite(dir string, seed uint64) (*site, error) {
	if strings.ContainsAny(dir, "'\n") {
		return nil, fmt.Errorf("%w: %q", errUnsafePath, dir)
	}
	s := &site{
		dir:        dir,
		docroot:    filepath.Join(dir, "www"),
		staticDir:  filepath.Join(dir, "www", "static"),
		uploadDir:  filepath.Join(dir, "www", "upload"),
		cgiDir:     filepath.Join(dir, "www", "cgi"),
		pidDir:     filepath.Join(dir, "pids"),
		configPath: filepath.Join(dir, "soak.yaml"),
		logPath:    filepath.Join(dir, "server.log"),
		accessLog:  filepath.Join(dir, "access.log"),
		binary:     filepath.Join(dir, "ferrous"),
		byName:     map[string][]byte{},
	}
	for _, d := range []string{s.staticDir, s.uploadDir, s.cgiDir, s.pidDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("creating %s: %w", d, err)
		}
	}
	if err := os.WriteFile(filepath.Join(s.docroot, "index.html"), []byte(indexBody), 0o644); err != nil {
		return nil, fmt.Errorf("writing index: %w", err)
	}
	// A dotfile that exists, so that the server's refusal to serve or list it is a refusal, not a miss.
	if err := os.WriteFile(filepath.Join(s.staticDir, hiddenFile), []byte("secret\n"), 0o644); err != nil {
		return nil, fmt.Errorf("writing %s: %w", hiddenFile, err)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	for _, size := range staticSizes {
		f := staticFile{name: fmt.Sprintf("f-%d.bin", size), body: randomBytes(rng, size)}
		if err := os.WriteFile(filepath.Join(s.staticDir, f.name), f.body, 0o644); err != nil {
			return nil, fmt.Errorf("writing %s: %w", f.name, err)
		}
		s.files = append(s.files, f)
		s.byName[f.name] = f.body
		if size == bigFileSize {
			s.bigName = f.name
		}
	}
	for _, sc := range cgiScripts(s.pidDir) {
		mode := os.FileMode(0o644)
		if sc.executable {
			mode = 0o755
		}
		// Every run records its process id, which is also its process group: the final check looks for
		// survivors of each group.
		text := "echo \"$$\" >> '" + filepath.Join(s.pidDir, sc.name) + "'\n" + sc.body
		if err := os.WriteFile(filepath.Join(s.cgiDir, sc.name), []byte(text), mode); err != nil {
			return nil, fmt.Errorf("writing %s: %w", sc.name, err)
		}
	}
	if err := os.WriteFile(s.configPath, []byte(s.config()), 0o644); err != nil {
		return nil, fmt.Errorf("writing config: %w", err)
	}
	return s, nil
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// config renders the server's configuration. Paths are absolute and quoted.
func (s *site) config() string {
	return fmt.Sprintf(`# Generated for one soak run.
workers: 0
connection_timeout_secs: %d
header_timeout_secs: %d
body_timeout_secs: %d
cgi_timeout_secs: %d
shutdown_timeout_secs: %d
max_connections: %d
access_log: %q
log_level: info
cgi_interpreters: {.sh: /bin/sh}
sessions:
  store: memory
  ttl_secs: 600
  max_sessions: %d
servers:
  - host: 127.0.0.1
    port: 0
    server_name: [localhost]
    client_max_body_size: %d
    routes:
      - path: /
        handler: File
        file: %q
      - path: /static/*
        handler: File
        file: %q
        directory_listing: true
      - path: /upload/*
        methods: [GET, HEAD, POST, DELETE]
        handler: File
        file: %q
        client_max_body_size: %d
      - path: /cgi/*
        methods: [GET, POST]
        handler: Function
        file: %q
        cgi_extension: .sh
      - path: /session/*
        methods: [GET]
        handler: Function
        file: %q
        cgi_extension: .sh
        session: true
`, idleTimeoutSecs, headerTimeoutSecs, bodyTimeoutSecs, cgiTimeoutSecs, shutdownTimeoutSecs, maxServerConnections,
		s.accessLog, maxSessions, serverMaxBody, s.docroot, s.staticDir, s.uploadDir, uploadMaxBody, s.cgiDir, s.cgiDir)
}

// cgiMarker is the environment entry every script process (and whatever it forks) carries: the server sets
// DOCUMENT_ROOT to the route's directory, which is unique to this run.
func (s *site) cgiMarker() string { return "DOCUMENT_ROOT=" + s.cgiDir }
