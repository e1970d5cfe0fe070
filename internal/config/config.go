// Package config loads the server's YAML configuration and validates it,
// reporting every problem at once as "FILE:LINE: message".
//
// Parse is pure: it works on bytes and reaches the file system only through
// the optional ParseOptions.Stat. Load is the thin wrapper that reads a file.
package config

import (
	"fmt"
	"strings"
	"time"
)

// Config is a validated configuration with every default filled in.
type Config struct {
	Workers           int // event loops; 0 means one per CPU core
	ConnectionTimeout time.Duration
	HeaderTimeout     time.Duration
	BodyTimeout       time.Duration
	CGITimeout        time.Duration
	ShutdownTimeout   time.Duration
	WriteTimeout      time.Duration // longest a client may go without taking any of its response
	MaxConnections    int
	MaxRequests       int    // requests per keep-alive connection
	MaxCGIProcesses   int    // scripts running at once, server-wide (503 beyond)
	AccessLog         string // "stdout", "off", or a cleaned file path
	LogLevel          string // debug, info, warn or error
	CGIInterpreters   map[string]string
	Sessions          *Sessions // nil when the config has no sessions block
	Servers           []Server
	File              string // config path as given
}

// Sessions configures the session store shared by all servers.
type Sessions struct {
	Store       string // "memory", "file" or "redis"
	Dir         string // cleaned; only for the file store
	URL         string // redis:// or rediss://; only for the redis store
	TTL         time.Duration
	CookieName  string
	Secure      bool
	MaxSessions int
}

// Server is one virtual server: a listen address plus the names it answers to.
type Server struct {
	Host        string // IP literal or "localhost", as written
	Port        int    // 0 asks the kernel for a free port
	Names       []string
	ErrorPages  map[int]string // status code → cleaned file path
	MaxBodySize int64
	Index       []string
	Routes      []Route
	Line        int
}

// Route maps a request path to a handler.
type Route struct {
	Path             string // for prefix routes the prefix without "*", e.g. "/static/"
	Prefix           bool
	Methods          []string
	Handler          string // "File", "Function" (CGI) or "" for redirects
	File             string // cleaned file or directory path
	Index            []string
	DirectoryListing bool
	CGIExtension     string
	Redirect         *Redirect
	Session          bool
	MaxBodySize      int64 // the route's own limit, else the server's
	AllowHidden      bool
	Line             int
}

// Redirect is a route's `return: CODE URL`.
type Redirect struct {
	Code int
	URL  string
}

// Handler names accepted by `handler:`.
const (
	HandlerFile     = "File"
	HandlerFunction = "Function"
)

// Session store names accepted by `sessions.store:`.
const (
	StoreMemory = "memory"
	StoreFile   = "file"
	StoreRedis  = "redis"
)

// Special values of `access_log:`.
const (
	AccessLogStdout = "stdout"
	AccessLogOff    = "off"
)

// Defaults for fields the config leaves out.
const (
	defaultWorkers           = 0
	defaultConnectionTimeout = 60 * time.Second
	defaultHeaderTimeout     = 10 * time.Second
	defaultBodyTimeout       = 60 * time.Second
	defaultCGITimeout        = 30 * time.Second
	defaultShutdownTimeout   = 10 * time.Second
	defaultMaxConnections    = 10000
	defaultWriteTimeout      = 60 * time.Second
	defaultMaxRequests       = 10000
	defaultMaxCGIProcesses   = 64
	defaultAccessLog         = AccessLogStdout
	defaultLogLevel          = "info"
	defaultHost              = "0.0.0.0"
	defaultMaxBodySize       = 1 << 20
	defaultIndex             = "index.html"
	defaultSessionTTL        = time.Hour
	defaultCookieName        = "FERROUSSID"
	defaultMaxSessions       = 100000
)

// defaultCGIInterpreters returns a fresh map so callers may not alias it.
func defaultCGIInterpreters() map[string]string {
	return map[string]string{".py": "python3"}
}

func defaultMethods() []string { return []string{"GET", "HEAD"} }

// Limits on accepted values. They bound what a typo can do (a million
// workers, a week-long header timeout) rather than describe the hardware.
const (
	maxWorkers        = 256
	maxTimeoutSecs    = 3600
	maxMaxConnections = 1 << 20
	maxMaxRequests    = 1 << 30
	maxMaxCGI         = 4096
	maxSessionTTLSecs = 30 * 24 * 3600
	maxMaxSessions    = 10_000_000
	maxPort           = 65535
	maxServers        = 256
	maxRoutes         = 1024
	maxConfigBytes    = 1 << 20
)

// Error is one problem found in a config file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Errors is every problem found in a config file, sorted by line.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find the individual *Error values.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}
