package config

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"pgregory.net/rapid"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fakeStat serves Stat from an in-memory tree. Names ending in "/" are
// directories; parents of every name exist implicitly.
func fakeStat(names ...string) func(string) (fs.FileInfo, error) {
	fsys := fstest.MapFS{}
	for _, name := range names {
		if dir, ok := strings.CutSuffix(name, "/"); ok {
			fsys[dir] = &fstest.MapFile{Mode: fs.ModeDir}
		} else {
			fsys[name] = &fstest.MapFile{}
		}
	}
	return func(path string) (fs.FileInfo, error) { return fs.Stat(fsys, path) }
}

// minimal is the smallest valid config; cases append to it or replace it.
const minimal = `servers:
  - port: 8080
    routes:
      - path: /
        handler: File
        file: www
`

func defaultConfig() *Config {
	return &Config{
		ConnectionTimeout: 60 * time.Second,
		HeaderTimeout:     10 * time.Second,
		BodyTimeout:       60 * time.Second,
		CGITimeout:        30 * time.Second,
		ShutdownTimeout:   10 * time.Second,
		WriteTimeout:      60 * time.Second,
		MaxConnections:    10000,
		MaxRequests:       10000,
		MaxCGIProcesses:   64,
		AccessLog:         "stdout",
		LogLevel:          "info",
		CGIInterpreters:   map[string]string{".py": "python3"},
		File:              "config.yaml",
	}
}

func fileRoute(path string, prefix bool, file string, line int) Route {
	return Route{
		Path: path, Prefix: prefix, Methods: []string{"GET", "HEAD"}, Handler: "File", File: file,
		Index: []string{"index.html"}, MaxBodySize: 1 << 20, Line: line,
	}
}

func defaultServer(port, line int, routes ...Route) Server {
	return Server{Host: "0.0.0.0", Port: port, MaxBodySize: 1 << 20, Index: []string{"index.html"}, Routes: routes, Line: line}
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		yaml  string
		stat  func(string) (fs.FileInfo, error)
		check func(t *testing.T, got *Config)
	}{
		{
			name: "minimal config gets every default",
			yaml: minimal,
			check: func(t *testing.T, got *Config) {
				want := defaultConfig()
				want.Servers = []Server{defaultServer(8080, 2, fileRoute("/", true, "srv/www", 4))}
				assertEqual(t, got, want)
			},
		},
		{
			name: "null values mean the default",
			yaml: "workers: ~\nlog_level:\nsessions:\n" + minimal,
			check: func(t *testing.T, got *Config) {
				want := defaultConfig()
				want.Servers = []Server{defaultServer(8080, 5, fileRoute("/", true, "srv/www", 7))}
				assertEqual(t, got, want)
			},
		},
		{
			name: "top-level settings",
			yaml: `workers: 8
connection_timeout_secs: 1
header_timeout_secs: 3600
body_timeout_secs: 7
cgi_timeout_secs: 9
shutdown_timeout_secs: 2
write_timeout_secs: 5
max_connections: 0x100
max_requests_per_connection: 7
max_cgi_processes: 3
access_log: "off"
log_level: warn
cgi_interpreters: {.rb: ruby, .php: ./bin/php-cgi}
` + minimal,
			check: func(t *testing.T, got *Config) {
				want := defaultConfig()
				want.Workers = 8
				want.ConnectionTimeout = time.Second
				want.HeaderTimeout = time.Hour
				want.BodyTimeout = 7 * time.Second
				want.CGITimeout = 9 * time.Second
				want.ShutdownTimeout = 2 * time.Second
				want.MaxConnections = 256
				want.WriteTimeout = 5 * time.Second
				want.MaxRequests = 7
				want.MaxCGIProcesses = 3
				want.AccessLog = "off"
				want.LogLevel = "warn"
				want.CGIInterpreters = map[string]string{".rb": "ruby", ".php": "srv/bin/php-cgi"}
				want.Servers = []Server{defaultServer(8080, 15, fileRoute("/", true, "srv/www", 17))}
				assertEqual(t, got, want)
			},
		},
		{
			name: "prefix and exact routes",
			yaml: `servers:
  - port: 80
    routes:
      - {path: /, handler: File, file: www}
      - {path: /static/*, handler: File, file: www}
      - {path: /a/b/*, handler: File, file: www}
      - {path: /about, handler: File, file: www}
      - {path: /docs/, handler: File, file: www}
      - {path: /about/*, handler: File, file: www}
  - port: 81
    routes:
      - {path: /*, handler: File, file: www}
`,
			check: func(t *testing.T, got *Config) {
				type match struct {
					path   string
					prefix bool
				}
				var matches []match
				for _, s := range got.Servers {
					for _, r := range s.Routes {
						matches = append(matches, match{r.Path, r.Prefix})
					}
				}
				assertEqual(t, matches, []match{
					{"/", true}, {"/static/", true}, {"/a/b/", true}, {"/about", false},
					{"/docs/", false}, {"/about/", true}, {"/", true},
				})
			},
		},
		{
			name: "size suffixes",
			yaml: `servers:
  - port: 80
    client_max_body_size: 2M
    routes:
      - {path: /inherit, handler: File, file: www}
      - {path: /k, handler: File, file: www, client_max_body_size: 512K}
      - {path: /kb, handler: File, file: www, client_max_body_size: 3kB}
      - {path: /kib, handler: File, file: www, client_max_body_size: 4KiB}
      - {path: /m, handler: File, file: www, client_max_body_size: 10M}
      - {path: /mib, handler: File, file: www, client_max_body_size: 1MiB}
      - {path: /g, handler: File, file: www, client_max_body_size: 1G}
      - {path: /gb, handler: File, file: www, client_max_body_size: 2GB}
      - {path: /int, handler: File, file: www, client_max_body_size: 1048577}
      - {path: /zero, handler: File, file: www, client_max_body_size: "0"}
`,
			check: func(t *testing.T, got *Config) {
				srv := got.Servers[0]
				if srv.MaxBodySize != 2<<20 {
					t.Errorf("server MaxBodySize = %d, want %d", srv.MaxBodySize, 2<<20)
				}
				var sizes []int64
				for _, r := range srv.Routes {
					sizes = append(sizes, r.MaxBodySize)
				}
				assertEqual(t, sizes, []int64{2 << 20, 512 << 10, 3 << 10, 4 << 10, 10 << 20, 1 << 20, 1 << 30, 2 << 30, 1048577, 0})
			},
		},
		{
			name: "server_name as string, list or empty list",
			yaml: `servers:
  - port: 80
    server_name: Example.COM
    routes: [{path: /, handler: File, file: www}]
  - port: 80
    server_name: [A.example, b.example]
    routes: [{path: /, handler: File, file: www}]
  - port: 81
    server_name: []
    routes: [{path: /, handler: File, file: www}]
  - port: 82
    routes: [{path: /, handler: File, file: www}]
`,
			check: func(t *testing.T, got *Config) {
				var names [][]string
				for _, s := range got.Servers {
					names = append(names, s.Names)
				}
				assertEqual(t, names, [][]string{{"example.com"}, {"a.example", "b.example"}, nil, nil})
			},
		},
		{
			name: "index as string or list, overridden per route",
			yaml: `servers:
  - port: 80
    index: home.html
    routes:
      - {path: /, handler: File, file: www}
      - {path: /x/*, handler: File, file: www, index: [a.html, b.html]}
  - port: 81
    index: [one.html, two.html]
    routes:
      - {path: /, handler: File, file: www}
`,
			check: func(t *testing.T, got *Config) {
				assertEqual(t, got.Servers[0].Index, []string{"home.html"})
				assertEqual(t, got.Servers[0].Routes[0].Index, []string{"home.html"})
				assertEqual(t, got.Servers[0].Routes[1].Index, []string{"a.html", "b.html"})
				assertEqual(t, got.Servers[1].Routes[0].Index, []string{"one.html", "two.html"})
			},
		},
		{
			name: "relative paths resolve against the config directory",
			yaml: `access_log: logs/../logs/access.log
cgi_interpreters: {.py: ../venv/bin/python}
sessions: {store: file, dir: ./state/sessions/}
servers:
  - port: 80
    error_pages: {404: pages/404.html, 500: /var/pages/500.html}
    routes:
      - {path: /, handler: File, file: www/./site/}
      - {path: /abs/*, handler: File, file: /srv/shared//www}
`,
			check: func(t *testing.T, got *Config) {
				assertEqual(t, got.AccessLog, "srv/logs/access.log")
				assertEqual(t, got.CGIInterpreters, map[string]string{".py": "venv/bin/python"})
				assertEqual(t, got.Sessions.Dir, "srv/state/sessions")
				assertEqual(t, got.Servers[0].ErrorPages, map[int]string{404: "srv/pages/404.html", 500: "/var/pages/500.html"})
				assertEqual(t, got.Servers[0].Routes[0].File, "srv/www/site")
				assertEqual(t, got.Servers[0].Routes[1].File, "/srv/shared/www")
			},
		},
		{
			name: "sessions block with defaults",
			yaml: "sessions: {store: memory}\n" + strings.Replace(minimal, "file: www", "file: www\n        session: true", 1),
			check: func(t *testing.T, got *Config) {
				assertEqual(t, got.Sessions, &Sessions{Store: "memory", TTL: time.Hour, CookieName: "FERROUSSID", MaxSessions: 100000})
				if !got.Servers[0].Routes[0].Session {
					t.Error("route Session = false, want true")
				}
			},
		},
		{
			name: "redirect and CGI routes",
			yaml: `servers:
  - port: 80
    routes:
      - {path: /old, return: 308 /new}
      - {path: /ext, return: "302 HTTPS://example.com/x?y=1"}
      - {path: /cgi/*, methods: [GET, POST], handler: Function, file: cgi, cgi_extension: .py}
`,
			check: func(t *testing.T, got *Config) {
				routes := got.Servers[0].Routes
				assertEqual(t, routes[0].Redirect, &Redirect{Code: 308, URL: "/new"})
				assertEqual(t, routes[0].Handler, "")
				assertEqual(t, routes[1].Redirect, &Redirect{Code: 302, URL: "HTTPS://example.com/x?y=1"})
				want := Route{
					Path: "/cgi/", Prefix: true, Methods: []string{"GET", "POST"}, Handler: "Function", File: "srv/cgi",
					Index: []string{"index.html"}, CGIExtension: ".py", MaxBodySize: 1 << 20, Line: 6,
				}
				assertEqual(t, routes[2], want)
			},
		},
		{
			name: "anchors and merge keys",
			yaml: `servers:
  - &base
    port: 80
    index: &idx [main.html]
    routes: &routes
      - {path: /, handler: File, file: www}
  - <<: *base
    port: 81
  - port: 82
    index: *idx
    routes: *routes
`,
			check: func(t *testing.T, got *Config) {
				if len(got.Servers) != 3 {
					t.Fatalf("got %d servers, want 3", len(got.Servers))
				}
				for i, port := range []int{80, 81, 82} {
					s := got.Servers[i]
					if s.Port != port || !reflect.DeepEqual(s.Index, []string{"main.html"}) || len(s.Routes) != 1 {
						t.Errorf("server %d = %+v, want port %d, index [main.html], one route", i, s, port)
					}
				}
			},
		},
		{
			name: "virtual hosts share a listener; port 0 servers never clash",
			yaml: `servers:
  - {host: 127.0.0.1, port: 80, server_name: a.example, routes: [{path: /, handler: File, file: www}]}
  - {host: 127.0.0.1, port: 80, server_name: b.example, routes: [{path: /, handler: File, file: www}]}
  - {host: 127.0.0.1, port: 80, routes: [{path: /, handler: File, file: www}]}
  - {host: "::1", port: 80, routes: [{path: /, handler: File, file: www}]}
  - {host: localhost, port: 80, routes: [{path: /, handler: File, file: www}]}
  - {port: 0, routes: [{path: /, handler: File, file: www}]}
  - {port: 0, routes: [{path: /, handler: File, file: www}]}
`,
			check: func(t *testing.T, got *Config) {
				if len(got.Servers) != 7 {
					t.Fatalf("got %d servers, want 7", len(got.Servers))
				}
			},
		},
		{
			name: "existing files pass the Stat checks",
			yaml: `access_log: logs/access.log
sessions: {store: file, dir: state}
servers:
  - port: 80
    error_pages: {404: pages/404.html}
    routes:
      - {path: /, handler: File, file: www, methods: [GET, POST, DELETE]}
      - {path: /page, handler: File, file: www/index.html}
      - {path: /cgi/*, handler: Function, file: cgi/run.py, cgi_extension: .py}
`,
			stat: fakeStat("srv/logs/", "srv/state/", "srv/pages/404.html", "srv/www/index.html", "srv/cgi/run.py"),
			check: func(t *testing.T, got *Config) {
				assertEqual(t, len(got.Servers[0].Routes), 3)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse([]byte(tt.yaml), ParseOptions{Filename: "config.yaml", BaseDir: "srv", Stat: tt.stat})
			if err != nil {
				t.Fatalf("Parse: unexpected error:\n%v", err)
			}
			tt.check(t, got)
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		stat func(string) (fs.FileInfo, error)
		want []string
	}{
		{
			name: "empty file",
			yaml: "",
			want: []string{"config.yaml:1: empty config"},
		},
		{
			name: "only comments",
			yaml: "# nothing here\n\n",
			want: []string{"config.yaml:1: empty config"},
		},
		{
			name: "empty document",
			yaml: "---\n",
			want: []string{"config.yaml:1: empty config"},
		},
		{
			name: "syntax error keeps the parser's line",
			yaml: "servers:\n  - port: 80\n    routes: [\n",
			want: []string{"config.yaml:3: did not find expected node content"},
		},
		{
			name: "tab indentation",
			yaml: "servers:\n\t- port: 80\n",
			want: []string{"config.yaml:2: found character that cannot start any token"},
		},
		{
			name: "second document",
			yaml: minimal + "---\nworkers: 2\n",
			want: []string{"config.yaml:7: only one YAML document is allowed"},
		},
		{
			name: "invalid UTF-8",
			yaml: "workers: 1\nlog_level: \"\xff\"\n",
			want: []string{"config.yaml:2: invalid UTF-8 byte 0xff"},
		},
		{
			name: "control character",
			yaml: "workers: 1\n\nlog_level: \"a\x01\"\n",
			want: []string{"config.yaml:3: character U+0001 is not allowed in YAML"},
		},
		{
			name: "too large",
			yaml: "# " + strings.Repeat("x", maxConfigBytes) + "\n",
			want: []string{fmt.Sprintf("config.yaml:1: config is larger than %d bytes", maxConfigBytes)},
		},
		{
			name: "top level is not a mapping",
			yaml: "- port: 80\n",
			want: []string{"config.yaml:1: config must be a mapping of settings, got a list"},
		},
		{
			name: "unknown fields, with and without a hint",
			yaml: "worker: 2\nlisten: 80\n" + minimal + "    hots: x\n    routes2: []\n",
			want: []string{
				`config.yaml:1: unknown field "worker" (did you mean "workers"?)`,
				`config.yaml:2: unknown field "listen"`,
				`config.yaml:9: unknown server field "hots" (did you mean "host"?)`,
				`config.yaml:10: unknown server field "routes2" (did you mean "routes"?)`,
			},
		},
		{
			name: "unknown route and sessions fields",
			yaml: "sessions: {store: memory, lifetime: 5}\n" + strings.Replace(minimal, "file: www", "file: www\n        dir_listing: true", 1),
			want: []string{
				`config.yaml:1: unknown sessions field "lifetime"`,
				`config.yaml:8: unknown route field "dir_listing"`,
			},
		},
		{
			name: "wrong types",
			yaml: `workers: many
max_connections: 1.5
cgi_interpreters: [python3]
servers:
  - port: [80]
    host: {a: b}
    server_name: {a: b}
    routes:
      - path: /
        handler: File
        file: www
        directory_listing: maybe
        methods: GET
`,
			want: []string{
				`config.yaml:1: workers must be an integer, got "many"`,
				`config.yaml:2: max_connections must be an integer, got "1.5"`,
				`config.yaml:3: cgi_interpreters must be a mapping of extensions to interpreters, got a list`,
				`config.yaml:5: port must be an integer, got a list`,
				`config.yaml:6: host must be a string, got a mapping`,
				`config.yaml:7: server_name must be a string or a list of strings, got a mapping`,
				`config.yaml:12: directory_listing must be true or false, got "maybe"`,
				`config.yaml:13: methods must be a list of methods, got "GET"`,
			},
		},
		{
			name: "wrong type of section",
			yaml: "sessions: [memory]\nservers:\n  - port: 80\n    routes: /\n  - just a string\n",
			want: []string{
				`config.yaml:1: sessions must be a mapping, got a list`,
				`config.yaml:4: routes must be a list of routes, got "/"`,
				`config.yaml:5: servers entry must be a mapping, got "just a string"`,
			},
		},
		{
			name: "duplicate key",
			yaml: "workers: 1\nworkers: 2\n" + minimal,
			want: []string{`config.yaml:2: duplicate key "workers" (first defined at line 1)`},
		},
		{
			name: "ranges",
			yaml: `workers: 257
connection_timeout_secs: 0
header_timeout_secs: 3601
cgi_timeout_secs: -1
max_connections: 0
servers:
  - port: 70000
    routes: [{path: /, handler: File, file: www}]
  - port: -1
    routes: [{path: /, handler: File, file: www}]
`,
			want: []string{
				"config.yaml:1: workers must be between 0 and 256",
				"config.yaml:2: connection_timeout_secs must be between 1 and 3600",
				"config.yaml:3: header_timeout_secs must be between 1 and 3600",
				"config.yaml:4: cgi_timeout_secs must be between 1 and 3600",
				"config.yaml:5: max_connections must be between 1 and 1048576",
				"config.yaml:7: port must be between 0 and 65535",
				"config.yaml:9: port must be between 0 and 65535",
			},
		},
		{
			name: "enums",
			yaml: "log_level: loud\naccess_log: \"\"\n" + minimal,
			want: []string{
				`config.yaml:1: log_level must be one of debug, info, warn, error, got "loud"`,
				`config.yaml:2: access_log must be "stdout", "off" or a file path`,
			},
		},
		{
			name: "required fields point at their mapping",
			yaml: "workers: 1\n",
			want: []string{"config.yaml:1: servers is required"},
		},
		{
			name: "required server and route fields",
			yaml: `servers:
  - host: 127.0.0.1
  - port: 80
    routes:
      - handler: File
        file: www
      - path: /a
      - path: /b
        handler: Function
      - path: /c
        methods: []
        handler: File
        file: www
  - port: 81
    routes: []
servers_done: true
`,
			want: []string{
				"config.yaml:2: port is required",
				"config.yaml:2: routes is required",
				"config.yaml:5: path is required",
				"config.yaml:7: handler is required (File or Function) unless return is set",
				"config.yaml:8: file is required for handler Function",
				"config.yaml:8: cgi_extension is required for handler Function",
				"config.yaml:11: methods must list at least one method",
				"config.yaml:15: routes must list at least one route",
				`config.yaml:16: unknown field "servers_done"`,
			},
		},
		{
			name: "no servers",
			yaml: "servers: []\n",
			want: []string{"config.yaml:1: servers must list at least one server"},
		},
		{
			name: "bad host",
			yaml: strings.Replace(minimal, "port: 8080", "port: 8080\n    host: example.com", 1),
			want: []string{`config.yaml:3: host must be an IP address or "localhost", got "example.com"`},
		},
		{
			name: "bad methods",
			yaml: strings.Replace(minimal, "file: www", "file: www\n        methods: [GET, get, FETCH, GET, [x], ~]", 1),
			want: []string{
				`config.yaml:7: methods entry must be a string, got a list`,
				`config.yaml:7: methods must not contain empty items`,
				`config.yaml:7: methods: unknown method "get" (want one of GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH)`,
				`config.yaml:7: methods: unknown method "FETCH" (want one of GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH)`,
				`config.yaml:7: methods lists GET twice`,
			},
		},
		{
			name: "bad handler",
			yaml: strings.Replace(minimal, "handler: File", "handler: file", 1),
			want: []string{`config.yaml:5: handler must be File or Function, got "file"`},
		},
		{
			name: "bad route paths",
			yaml: `servers:
  - port: 80
    routes:
      - {path: static, handler: File, file: www}
      - {path: /a*, handler: File, file: www}
      - {path: /a/*/b, handler: File, file: www}
      - {path: "/a b", handler: File, file: www}
      - {path: /a//b, handler: File, file: www}
      - {path: /a/../b, handler: File, file: www}
      - {path: /%41, handler: File, file: www}
      - {path: "", handler: File, file: www}
`,
			want: []string{
				`config.yaml:4: path "static" must start with /`,
				`config.yaml:5: path "/a*" may only use * in a final "/*"`,
				`config.yaml:6: path "/a/*/b" may only use * in a final "/*"`,
				`config.yaml:7: path "/a b" must not contain ' '`,
				`config.yaml:8: path "/a//b" must not contain empty segments`,
				`config.yaml:9: path "/a/../b" must not contain . or .. segments`,
				`config.yaml:10: path "/%41" must not contain '%'`,
				`config.yaml:11: path "" must start with /`,
			},
		},
		{
			name: "missing files with a fake Stat",
			yaml: `access_log: logs/access.log
cgi_interpreters: {.py: bin/python}
sessions: {store: file, dir: state}
servers:
  - port: 80
    error_pages: {404: pages/404.html, 500: pages}
    routes:
      - {path: /, handler: File, file: www}
      - {path: /cgi/*, handler: Function, file: cgi, cgi_extension: .py}
`,
			stat: fakeStat("srv/pages/"),
			want: []string{
				`config.yaml:1: access_log directory "srv/logs" does not exist`,
				`config.yaml:2: cgi_interpreters ".py" "srv/bin/python" does not exist`,
				`config.yaml:3: dir "srv/state" does not exist`,
				`config.yaml:6: error_pages 404 "srv/pages/404.html" does not exist`,
				`config.yaml:6: error_pages 500 "srv/pages" is a directory`,
				`config.yaml:8: file "srv/www" does not exist`,
				`config.yaml:9: file "srv/cgi" does not exist`,
			},
		},
		{
			name: "wrong kind of file",
			yaml: `access_log: logs
sessions: {store: file, dir: state}
servers:
  - port: 80
    routes:
      - {path: /up/*, handler: File, file: www/index.html, methods: [GET, POST]}
      - {path: /rm/*, handler: File, file: www/index.html, methods: [DELETE]}
`,
			stat: fakeStat("srv/logs/", "srv/state", "srv/www/index.html"),
			want: []string{
				`config.yaml:1: access_log "srv/logs" is a directory`,
				`config.yaml:2: dir "srv/state" is not a directory`,
				`config.yaml:6: file "srv/www/index.html" must be a directory because methods include POST`,
				`config.yaml:7: file "srv/www/index.html" must be a directory because methods include DELETE`,
			},
		},
		{
			name: "stat failure other than not-exist",
			yaml: minimal,
			stat: func(path string) (fs.FileInfo, error) {
				return nil, &fs.PathError{Op: "stat", Path: path, Err: fs.ErrPermission}
			},
			want: []string{`config.yaml:6: file "srv/www": permission denied`},
		},
		{
			name: "duplicate routes",
			yaml: `servers:
  - port: 80
    routes:
      - {path: /, handler: File, file: www}
      - {path: /a, handler: File, file: www}
      - {path: /a/*, handler: File, file: www}
      - {path: /a, handler: File, file: www}
      - {path: /*, handler: File, file: www}
  - port: 81
    routes:
      - {path: /a, handler: File, file: www}
`,
			want: []string{
				`config.yaml:7: duplicate route path "/a" (first defined at line 5)`,
				`config.yaml:8: duplicate route path "/" (first defined at line 4)`,
			},
		},
		{
			name: "session without sessions block",
			yaml: strings.Replace(minimal, "file: www", "file: www\n        session: true", 1),
			want: []string{"config.yaml:7: session: true needs a sessions block"},
		},
		{
			name: "sessions block problems",
			yaml: "sessions:\n  ttl_secs: 0\n  cookie_name: \"my cookie\"\n  max_sessions: 0\n" + minimal,
			want: []string{
				"config.yaml:2: ttl_secs must be between 1 and 2592000",
				"config.yaml:2: store is required (memory, file or redis)",
				`config.yaml:3: cookie_name must be a cookie-name token, got "my cookie"`,
				"config.yaml:4: max_sessions must be between 1 and 10000000",
			},
		},
		{
			name: "unknown sessions store",
			yaml: "sessions: {store: mongo}\n" + minimal,
			want: []string{`config.yaml:1: store must be memory, file or redis, got "mongo"`},
		},
		{
			name: "redis store needs url",
			yaml: "sessions: {store: redis}\n" + minimal,
			want: []string{"config.yaml:1: url is required when store is redis"},
		},
		{
			name: "redis store takes no dir or max_sessions",
			yaml: "sessions:\n  store: redis\n  url: redis://127.0.0.1:6379/0\n  dir: x\n  max_sessions: 10\n" + minimal,
			want: []string{
				"config.yaml:4: dir is only used when store is file",
				"config.yaml:5: max_sessions is not used when store is redis (bound Redis with its maxmemory)",
			},
		},
		{
			name: "url only for the redis store",
			yaml: "sessions:\n  store: memory\n  url: redis://127.0.0.1:6379/0\n" + minimal,
			want: []string{"config.yaml:3: url is only used when store is redis"},
		},
		{
			name: "url with a file store",
			yaml: "sessions: {store: file, dir: x, url: 'redis://h/0'}\n" + minimal,
			want: []string{"config.yaml:1: url is only used when store is redis"},
		},
		{
			name: "url not a string",
			yaml: "sessions:\n  store: redis\n  url: [a, b]\n" + minimal,
			want: []string{"config.yaml:3: url must be a string, got a list"},
		},
		{
			name: "file store needs dir; memory store takes none",
			yaml: "sessions: {store: file}\n" + minimal,
			want: []string{"config.yaml:1: dir is required when store is file"},
		},
		{
			name: "memory store takes no dir",
			yaml: "sessions: {store: memory, dir: x}\n" + minimal,
			want: []string{"config.yaml:1: dir is only used when store is file"},
		},
		{
			name: "cgi_extension problems",
			yaml: `cgi_interpreters: {.py: python3, rb: ruby, ~: x, .pl: "", .sh: "bash -e"}
servers:
  - port: 80
    routes:
      - {path: /a, handler: Function, file: cgi, cgi_extension: .php}
      - {path: /b, handler: File, file: www, cgi_extension: .py}
      - {path: /c, return: 301 /d, cgi_extension: .py}
`,
			want: []string{
				`config.yaml:1: cgi_interpreters key "rb" must be a file extension such as ".py"`,
				`config.yaml:1: cgi_interpreters key "" must be a file extension such as ".py"`,
				`config.yaml:1: cgi_interpreters ".pl" must name an interpreter`,
				`config.yaml:1: cgi_interpreters ".sh" must be a program name or path without spaces, got "bash -e"`,
				`config.yaml:5: cgi_extension ".php" has no entry in cgi_interpreters`,
				`config.yaml:6: cgi_extension is only used with handler Function`,
				`config.yaml:7: cgi_extension is only used with handler Function`,
			},
		},
		{
			name: "cgi_extension without interpreter",
			yaml: strings.Replace(minimal, "handler: File\n        file: www", "handler: Function\n        file: cgi\n        cgi_extension: .php", 1),
			want: []string{`config.yaml:7: cgi_extension ".php" has no entry in cgi_interpreters`},
		},
		{
			name: "bad redirects",
			yaml: `servers:
  - port: 80
    routes:
      - {path: /a, return: 200 https://example.com/}
      - {path: /b, return: https://example.com/}
      - {path: /c, return: 301 example.com}
      - {path: /d, return: "301 https://example.com/ extra"}
      - {path: /e, return: "301 /caf\u00e9"}
      - {path: /f, return: 301 /g, handler: File}
      - {path: /h, return: 301 /i, file: www}
`,
			want: []string{
				`config.yaml:4: return code "200" must be one of 301, 302, 303, 307, 308`,
				`config.yaml:5: return must be "CODE URL", e.g. "301 https://example.com/"`,
				`config.yaml:6: return URL "example.com" must start with http://, https:// or /`,
				`config.yaml:7: return must be "CODE URL", e.g. "301 https://example.com/"`,
				`config.yaml:8: return URL "/café" must be ASCII without spaces (percent-encode the rest)`,
				`config.yaml:9: return cannot be combined with handler`,
				`config.yaml:10: return cannot be combined with file`,
			},
		},
		{
			name: "bad sizes",
			yaml: `servers:
  - port: 80
    client_max_body_size: 10X
    routes:
      - {path: /a, handler: File, file: www, client_max_body_size: -1}
      - {path: /b, handler: File, file: www, client_max_body_size: 99999999999G}
      - {path: /c, handler: File, file: www, client_max_body_size: 1.5M}
      - {path: /d, handler: File, file: www, client_max_body_size: [1]}
`,
			want: []string{
				`config.yaml:3: client_max_body_size: invalid size "10X": unknown unit "X" (want K, M or G)`,
				`config.yaml:5: client_max_body_size: invalid size "-1": want a number of bytes such as 1048576 or 10M`,
				`config.yaml:6: client_max_body_size: invalid size "99999999999G": too large`,
				`config.yaml:7: client_max_body_size: invalid size "1.5M": unknown unit ".5M" (want K, M or G)`,
				`config.yaml:8: client_max_body_size must be a size such as 1048576 or 10M, got a list`,
			},
		},
		{
			name: "server names",
			yaml: `servers:
  - port: 80
    server_name: [a.example, "b example", A.EXAMPLE, "", ~]
    routes: [{path: /, handler: File, file: www}]
`,
			want: []string{
				"config.yaml:3: server_name must not contain empty items",
				`config.yaml:3: server_name "b example" must not contain spaces`,
				`config.yaml:3: server_name "a.example" is listed twice`,
				"config.yaml:3: server_name must not be an empty string",
			},
		},
		{
			name: "index entries must be file names",
			yaml: strings.Replace(minimal, "port: 8080", "port: 8080\n    index: [a/b.html, .., \"\"]", 1),
			want: []string{
				`config.yaml:3: index entry "a/b.html" must be a file name, not a path`,
				`config.yaml:3: index entry ".." must be a file name, not a path`,
				`config.yaml:3: index entry "" must be a file name, not a path`,
			},
		},
		{
			name: "error pages",
			yaml: `servers:
  - port: 80
    error_pages:
      200: a.html
      abc: b.html
      404:
      0x194: c.html
    routes: [{path: /, handler: File, file: www}]
`,
			want: []string{
				`config.yaml:4: error_pages key "200" must be a status code between 300 and 599`,
				`config.yaml:5: error_pages key "abc" must be a status code between 300 and 599`,
				`config.yaml:6: error_pages 404 must name a file`,
				`config.yaml:7: error_pages lists 404 twice`,
			},
		},
		{
			name: "listener conflicts",
			yaml: `servers:
  - {port: 80, server_name: [a.example, b.example], routes: [{path: /, handler: File, file: www}]}
  - {port: 80, server_name: B.example, routes: [{path: /, handler: File, file: www}]}
  - {host: 0.0.0.0, port: 80, routes: [{path: /, handler: File, file: www}]}
  - {port: 80, routes: [{path: /, handler: File, file: www}]}
  - {host: "::1", port: 81, routes: [{path: /, handler: File, file: www}]}
  - {host: "0:0::1", port: 81, routes: [{path: /, handler: File, file: www}]}
`,
			want: []string{
				`config.yaml:3: server_name "b.example" on 0.0.0.0:80 is already used by the server at line 2`,
				"config.yaml:5: server on 0.0.0.0:80 without server_name clashes with the server at line 4",
				"config.yaml:7: server on [::1]:81 without server_name clashes with the server at line 6",
			},
		},
		{
			// Servers past the limit go unchecked by the walker, so yaml's own
			// wording of a type error there is what the author gets.
			name: "limit on servers",
			yaml: "servers:\n" + strings.Repeat("  - {port: 0, routes: [{path: /, handler: File, file: www}]}\n", maxServers) +
				"  - {port: x, routes: [{path: /, handler: File, file: www}]}\n",
			want: []string{
				fmt.Sprintf("config.yaml:2: servers lists %d servers, more than the limit of %d", maxServers+1, maxServers),
				fmt.Sprintf("config.yaml:%d: cannot unmarshal !!str `x` as an integer", maxServers+2),
			},
		},
		{
			name: "limit on routes",
			yaml: "servers:\n  - port: 0\n    routes:\n" + manyRoutes(maxRoutes) + "      - {path: /last, handler: Fil, file: www}\n",
			want: []string{
				fmt.Sprintf("config.yaml:4: routes lists %d routes, more than the limit of %d", maxRoutes+1, maxRoutes),
			},
		},
		{
			name: "many independent mistakes are reported together",
			yaml: `workers: -3
log_level: chatty
servers:
  - port: 99999
    routes:
      - path: /
        handler: Fiel
        file: www
        methods: [GET, BREW]
      - path: /
        handler: File
        file: www
        session: true
      - path: /old
        return: 404 /new
    client_max_body_size: lots
`,
			want: []string{
				"config.yaml:1: workers must be between 0 and 256",
				`config.yaml:2: log_level must be one of debug, info, warn, error, got "chatty"`,
				"config.yaml:4: port must be between 0 and 65535",
				`config.yaml:7: handler must be File or Function, got "Fiel"`,
				`config.yaml:9: methods: unknown method "BREW" (want one of GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH)`,
				`config.yaml:10: duplicate route path "/" (first defined at line 6)`,
				"config.yaml:13: session: true needs a sessions block",
				`config.yaml:15: return code "404" must be one of 301, 302, 303, 307, 308`,
				`config.yaml:16: client_max_body_size: invalid size "lots": want a number of bytes such as 1048576 or 10M`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse([]byte(tt.yaml), ParseOptions{Filename: "config.yaml", BaseDir: "srv", Stat: tt.stat})
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want errors:\n%s", cfg, strings.Join(tt.want, "\n"))
			}
			if cfg != nil {
				t.Errorf("Parse returned a config along with errors")
			}
			got := messages(t, err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func manyRoutes(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "      - {path: /r%d, handler: File, file: www}\n", i)
	}
	return b.String()
}

// messages flattens what Parse returned, checking that it is one of the two
// documented shapes.
func messages(t *testing.T, err error) []string {
	t.Helper()
	var list Errors
	var single *Error
	switch {
	case errors.As(err, &list):
		var got []string
		for _, e := range list {
			got = append(got, e.Error())
		}
		if joined := strings.Join(got, "\n"); joined != err.Error() {
			t.Errorf("Errors.Error() = %q, want the messages joined by newlines %q", err.Error(), joined)
		}
		return got
	case errors.As(err, &single):
		return []string{single.Error()}
	}
	t.Fatalf("error %T (%v) is neither Errors nor *Error", err, err)
	return nil
}

// TestIntegerRangesProperty checks the range checks at and around their
// edges: a value parses exactly when it is within bounds.
func TestIntegerRangesProperty(t *testing.T) {
	t.Parallel()
	fields := []struct {
		key    string
		lo, hi int
		get    func(*Config) int
	}{
		{"workers", 0, maxWorkers, func(c *Config) int { return c.Workers }},
		{"max_connections", 1, maxMaxConnections, func(c *Config) int { return c.MaxConnections }},
		{"header_timeout_secs", 1, maxTimeoutSecs, func(c *Config) int { return int(c.HeaderTimeout / time.Second) }},
		{"port", 0, maxPort, func(c *Config) int { return c.Servers[0].Port }},
	}
	rapid.Check(t, func(t *rapid.T) {
		f := rapid.SampledFrom(fields).Draw(t, "field")
		v := rapid.OneOf(rapid.IntRange(f.lo-2, f.lo+2), rapid.IntRange(f.hi-2, f.hi+2), rapid.Int()).Draw(t, "value")
		doc := fmt.Sprintf("%s: %d\n%s", f.key, v, minimal)
		if f.key == "port" {
			doc = strings.Replace(minimal, "port: 8080", fmt.Sprintf("port: %d", v), 1)
		}
		cfg, err := Parse([]byte(doc), ParseOptions{Filename: "c.yaml"})
		inRange := v >= f.lo && v <= f.hi
		switch {
		case inRange && err != nil:
			t.Fatalf("%s: %d rejected: %v", f.key, v, err)
		case inRange && f.get(cfg) != v:
			t.Fatalf("%s: %d parsed as %d", f.key, v, f.get(cfg))
		case !inRange && (err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%s must be between %d and %d", f.key, f.lo, f.hi))):
			t.Fatalf("%s: %d gave error %v, want a range error", f.key, v, err)
		}
	})
}

func TestErrorsAreSortedAndUnwrap(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("servers:\n  - port: x\nworkers: 999\nbogus: 1\n"), ParseOptions{Filename: "c.yaml"})
	var list Errors
	if !errors.As(err, &list) {
		t.Fatalf("error %T, want Errors", err)
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].Line > list[i].Line {
			t.Errorf("errors out of order: line %d before line %d", list[i-1].Line, list[i].Line)
		}
	}
	var first *Error
	if !errors.As(err, &first) || first != list[0] {
		t.Errorf("errors.As(*Error) = %v, want the first error %v", first, list[0])
	}
}

func TestRoutesDoNotShareSlices(t *testing.T) {
	t.Parallel()
	cfg, err := Parse([]byte(`servers:
  - port: 80
    routes:
      - {path: /a, handler: File, file: www}
      - {path: /b, handler: File, file: www}
`), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := cfg.Servers[0].Routes[0], cfg.Servers[0].Routes[1]
	a.Methods[0], a.Index[0] = "PUT", "changed.html"
	if b.Methods[0] != "GET" || b.Index[0] != "index.html" || cfg.Servers[0].Index[0] != "index.html" {
		t.Errorf("editing one route changed another: route b %+v, server index %v", b, cfg.Servers[0].Index)
	}
	cfg.CGIInterpreters[".x"] = "x"
	again, err := Parse([]byte(minimal), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, leaked := again.CGIInterpreters[".x"]; leaked {
		t.Error("editing one config's CGIInterpreters changed the defaults")
	}
}

func TestParseWithoutFilename(t *testing.T) {
	t.Parallel()
	_, err := Parse(nil, ParseOptions{})
	if want := fallbackFilename + ":1: empty config"; err == nil || err.Error() != want {
		t.Errorf("Parse(nil) error = %v, want %q", err, want)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "valid.yaml")
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	index := []string{"index.html", "index.htm"}
	want := &Config{
		Workers:           4,
		ConnectionTimeout: 30 * time.Second,
		HeaderTimeout:     5 * time.Second,
		BodyTimeout:       20 * time.Second,
		CGITimeout:        15 * time.Second,
		ShutdownTimeout:   3 * time.Second,
		WriteTimeout:      60 * time.Second,
		MaxConnections:    2048,
		MaxRequests:       10000,
		MaxCGIProcesses:   64,
		AccessLog:         "testdata/access.log",
		LogLevel:          "debug",
		CGIInterpreters:   map[string]string{".py": "python3", ".sh": "sh"},
		Sessions: &Sessions{
			Store: "file", Dir: "testdata/sessions", TTL: 10 * time.Minute, CookieName: "SID", Secure: true, MaxSessions: 500,
		},
		Servers: []Server{
			{
				Host: "127.0.0.1", Port: 8080, Names: []string{"example.com", "www.example.com"},
				ErrorPages:  map[int]string{404: "testdata/error_pages/404.html"},
				MaxBodySize: 2 << 20, Index: index, Line: 24,
				Routes: []Route{
					{
						Path: "/", Prefix: true, Methods: []string{"GET", "HEAD"}, Handler: "File", File: "testdata/www",
						Index: index, DirectoryListing: true, MaxBodySize: 2 << 20, Line: 32,
					},
					{
						Path: "/upload/", Prefix: true, Methods: []string{"GET", "POST", "DELETE"}, Handler: "File",
						File: "testdata/www", Index: index, Session: true, MaxBodySize: 50 << 20, Line: 36,
					},
					{
						Path: "/cgi-bin/", Prefix: true, Methods: []string{"GET", "POST"}, Handler: "Function",
						File: "testdata/cgi-bin", Index: []string{"hello.py"}, CGIExtension: ".py", MaxBodySize: 2 << 20, Line: 42,
					},
					{
						Path: "/old", Methods: []string{"GET", "HEAD"}, Index: index,
						Redirect: &Redirect{Code: 301, URL: "https://example.com/new"}, MaxBodySize: 2 << 20, Line: 48,
					},
					{
						Path: "/hidden/", Prefix: true, Methods: []string{"GET", "HEAD"}, Handler: "File", File: "testdata/www",
						Index: index, AllowHidden: true, MaxBodySize: 2 << 20, Line: 50,
					},
				},
			},
			{
				Host: "127.0.0.1", Port: 8080, Names: []string{"other.example"}, MaxBodySize: 1 << 20,
				Index: []string{"index.html"}, Line: 55,
				Routes: []Route{fileRoute("/", true, "testdata/www/index.html", 59)},
			},
		},
		File: path,
	}
	assertEqual(t, got, want)
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: error %v, want one wrapping fs.ErrNotExist", err)
	}
}

func TestLoadTooLarge(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte(strings.Repeat("#\n", maxConfigBytes)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := fmt.Sprintf("%s:1: config is larger than %d bytes", path, maxConfigBytes)
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %q", err, want)
	}
}

// TestGoldenErrors pins the complete error listing for one thoroughly broken
// config, loaded from disk so the Stat checks run for real.
func TestGoldenErrors(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join("testdata", "invalid.yaml"))
	if err == nil {
		t.Fatal("Load(invalid.yaml) succeeded")
	}
	got := err.Error() + "\n"
	golden := filepath.Join("testdata", "invalid.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("error listing differs from %s (run with -update if intended)\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "valid.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	stat := fakeStat("testdata/sessions/", "testdata/error_pages/404.html", "testdata/www/index.html", "testdata/cgi-bin/hello.py")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data, ParseOptions{Filename: "valid.yaml", BaseDir: "testdata", Stat: stat}); err != nil {
			b.Fatal(err)
		}
	}
}

func assertEqual[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got:\n%+v\nwant:\n%+v", got, want)
	}
}

// fuzzLine is the shape every message must have, whatever the input.
var fuzzLine = regexp.MustCompile(`^fuzz\.yaml:[1-9]\d*: \S`)

func FuzzParse(f *testing.F) {
	for _, name := range []string{"valid.yaml", "invalid.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	f.Add([]byte(""))
	f.Add([]byte("servers: [\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("servers:\n  - &s {port: 80, routes: [{path: /, return: 301 /x}]}\n  - <<: *s\n---\nx: 1\n"))
	f.Add([]byte("servers:\n- port: 0x50\n  server_name: [A, ~, [b]]\n  error_pages: {404: ~, x: y}\n  routes: [{path: /a/*, methods: [GET, GET]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, ParseOptions{Filename: "fuzz.yaml", BaseDir: "base"})
		if err != nil {
			if cfg != nil {
				t.Fatal("Parse returned a config along with an error")
			}
			var list Errors
			var single *Error
			var all []*Error
			switch {
			case errors.As(err, &list):
				all = list
			case errors.As(err, &single):
				all = []*Error{single}
			default:
				t.Fatalf("error %T is neither Errors nor *Error", err)
			}
			if len(all) == 0 {
				t.Fatal("empty Errors")
			}
			for _, e := range all {
				if msg := e.Error(); !fuzzLine.MatchString(msg) || strings.ContainsAny(msg, "\r\n") {
					t.Fatalf("malformed message %q", msg)
				}
			}
			return
		}
		if len(cfg.Servers) == 0 {
			t.Fatal("valid config without servers")
		}
		for _, s := range cfg.Servers {
			if len(s.Routes) == 0 {
				t.Fatalf("server at line %d has no routes", s.Line)
			}
			for _, r := range s.Routes {
				if r.Redirect == nil && r.Handler == "" {
					t.Fatalf("route at line %d has neither handler nor redirect", r.Line)
				}
			}
		}
	})
}
