package config

import (
	"errors"
	"io/fs"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var logLevels = []string{"debug", "info", "warn", "error"}

// allowedMethods is what a route may list; anything else is a typo or a
// method this server does not implement.
var allowedMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}

var redirectCodes = []int{301, 302, 303, 307, 308}

const (
	minErrorPageCode = 300
	maxErrorPageCode = 599
)

// routeEnv is what a route's validity depends on outside its server.
type routeEnv struct {
	interpreters      map[string]string
	interpretersKnown bool // false when cgi_interpreters itself was invalid
	sessionsDeclared  bool
}

func (w *walker) config(doc *yaml.Node) *Config {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(resolve(doc.Content[0])) {
		w.errorf(1, "empty config")
		return nil
	}
	top, ok := w.section(doc.Content[0], "config", "a mapping of settings")
	if !ok {
		return nil
	}
	c := &Config{
		Workers:           w.intIn(top, "workers", defaultWorkers, 0, maxWorkers),
		ConnectionTimeout: w.seconds(top, "connection_timeout_secs", defaultConnectionTimeout, maxTimeoutSecs),
		HeaderTimeout:     w.seconds(top, "header_timeout_secs", defaultHeaderTimeout, maxTimeoutSecs),
		BodyTimeout:       w.seconds(top, "body_timeout_secs", defaultBodyTimeout, maxTimeoutSecs),
		CGITimeout:        w.seconds(top, "cgi_timeout_secs", defaultCGITimeout, maxTimeoutSecs),
		ShutdownTimeout:   w.seconds(top, "shutdown_timeout_secs", defaultShutdownTimeout, maxTimeoutSecs),
		MaxConnections:    w.intIn(top, "max_connections", defaultMaxConnections, 1, maxMaxConnections),
		WriteTimeout:      w.seconds(top, "write_timeout_secs", defaultWriteTimeout, maxTimeoutSecs),
		MaxRequests:       w.intIn(top, "max_requests_per_connection", defaultMaxRequests, 1, maxMaxRequests),
		MaxCGIProcesses:   w.intIn(top, "max_cgi_processes", defaultMaxCGIProcesses, 1, maxMaxCGI),
		AccessLog:         w.accessLog(top),
		LogLevel:          w.oneOf(top, "log_level", defaultLogLevel, logLevels),
	}
	env := &routeEnv{}
	c.CGIInterpreters, env.interpretersKnown = w.interpreters(top)
	env.interpreters = c.CGIInterpreters
	c.Sessions, env.sessionsDeclared = w.sessions(top)
	c.Servers = w.servers(top, env)
	return c
}

func (w *walker) intIn(s *section, key string, def, lo, hi int) int {
	v, n, ok := w.integer(s, key)
	if !ok {
		return def
	}
	if v < lo || v > hi {
		w.errorf(n.Line, "%s must be between %d and %d", key, lo, hi)
		return def
	}
	return v
}

func (w *walker) seconds(s *section, key string, def time.Duration, maxSecs int) time.Duration {
	return time.Duration(w.intIn(s, key, int(def/time.Second), 1, maxSecs)) * time.Second
}

func (w *walker) oneOf(s *section, key, def string, allowed []string) string {
	v, n, ok := w.str(s, key)
	if !ok {
		return def
	}
	if !slices.Contains(allowed, v) {
		w.errorf(n.Line, "%s must be one of %s, got %q", key, strings.Join(allowed, ", "), truncate(v))
		return def
	}
	return v
}

func (w *walker) accessLog(s *section) string {
	v, n, ok := w.str(s, "access_log")
	if !ok {
		return defaultAccessLog
	}
	switch v {
	case AccessLogStdout, AccessLogOff:
		return v
	case "":
		w.errorf(n.Line, `access_log must be "stdout", "off" or a file path`)
		return defaultAccessLog
	}
	// The log file itself may not exist yet; its directory must.
	p := w.resolvePath(v)
	if w.checkPath(n, "access_log directory", filepath.Dir(p), wantDir) {
		w.checkPath(n, "access_log", p, wantFileIfExists)
	}
	return p
}

// interpreters returns the extension → interpreter map and whether it could
// be read at all. An entry with a bad interpreter still counts as declared,
// so routes naming its extension are not blamed for the entry's mistake.
func (w *walker) interpreters(s *section) (map[string]string, bool) {
	keys, values, n, ok := w.pairs(s, "cgi_interpreters", "a mapping of extensions to interpreters")
	if n == nil {
		return defaultCGIInterpreters(), true
	}
	if !ok {
		return defaultCGIInterpreters(), false
	}
	m := make(map[string]string, len(keys))
	for i, k := range keys {
		ext, kn, ok := decodeNode[string](w, k, "cgi_interpreters key", "a string")
		if kn == nil || ok && !validExtension(ext) {
			w.errorf(k.Line, `cgi_interpreters key %q must be a file extension such as ".py"`, truncate(ext))
			continue
		}
		if !ok {
			continue
		}
		subject := "cgi_interpreters " + strconv.Quote(ext)
		prog, vn, ok := decodeNode[string](w, values[i], subject, "an interpreter")
		m[ext] = prog
		switch {
		case vn == nil || ok && prog == "":
			w.errorf(k.Line, "%s must name an interpreter", subject)
		case !ok:
		case strings.ContainsAny(prog, " \t"):
			w.errorf(vn.Line, "%s must be a program name or path without spaces, got %q", subject, truncate(prog))
		case strings.Contains(prog, "/"):
			// A bare name is looked up in PATH when the script runs; only
			// a path is the config's to resolve and check.
			m[ext] = w.resolvePath(prog)
			w.checkPath(vn, subject, m[ext], wantFile)
		}
	}
	return m, true
}

// validExtension accepts ".py", ".cgi", ".tar.gz": a dot, then name bytes.
func validExtension(ext string) bool {
	if len(ext) < 2 || ext[0] != '.' {
		return false
	}
	for i := 1; i < len(ext); i++ {
		c := ext[i]
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// sessions returns the block and whether the config declared one at all:
// a declared but broken block must not also fail every `session: true`.
func (w *walker) sessions(top *section) (*Sessions, bool) {
	n := top.lookup("sessions")
	if n == nil {
		return nil, false
	}
	s, ok := w.section(n, "sessions", "a mapping")
	if !ok {
		return nil, true
	}
	out := &Sessions{
		TTL:         time.Duration(w.intIn(s, "ttl_secs", int(defaultSessionTTL/time.Second), 1, maxSessionTTLSecs)) * time.Second,
		CookieName:  defaultCookieName,
		Secure:      w.boolean(s, "secure"),
		MaxSessions: w.intIn(s, "max_sessions", defaultMaxSessions, 1, maxMaxSessions),
	}
	store, sn, ok := w.str(s, "store")
	switch {
	case sn == nil:
		w.errorf(s.node.Line, "store is required (memory, file or redis)")
	case !ok:
	case store != StoreMemory && store != StoreFile && store != StoreRedis:
		w.errorf(sn.Line, "store must be memory, file or redis, got %q", truncate(store))
	default:
		out.Store = store
	}
	dir, dn, ok := w.str(s, "dir")
	switch {
	case dn == nil:
		if store == StoreFile {
			w.errorf(s.node.Line, "dir is required when store is file")
		}
	case !ok:
	case store == StoreMemory || store == StoreRedis:
		w.errorf(dn.Line, "dir is only used when store is file")
	case dir == "":
		w.errorf(dn.Line, "dir must not be empty")
	default:
		out.Dir = w.resolvePath(dir)
		w.checkPath(dn, "dir", out.Dir, wantDir)
	}
	w.redisURL(s, store, out)
	if name, nn, ok := w.str(s, "cookie_name"); ok {
		if isToken(name) {
			out.CookieName = name
		} else {
			w.errorf(nn.Line, "cookie_name must be a cookie-name token, got %q", truncate(name))
		}
	}
	return out, true
}

// isToken reports whether s is an RFC 9110 token, the grammar of a cookie
// name:
//
//	token = 1*tchar
//	tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
//	        "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// listener identifies the socket a server binds; servers sharing one are
// told apart by server_name.
type listener struct {
	host string // normalised, so "::1" and "0:0::1" collide
	port int
}

// vhosts records which names on one listener are taken, and by which line.
type vhosts struct {
	nameless int // line of the server without names, or 0
	names    map[string]int
}

func (w *walker) servers(top *section, env *routeEnv) []Server {
	items, n, ok := w.list(top, "servers", "a list of servers")
	if n == nil {
		w.errorf(top.node.Line, "servers is required")
		return nil
	}
	if !ok {
		return nil
	}
	if len(items) == 0 {
		w.errorf(n.Line, "servers must list at least one server")
	}
	if len(items) > maxServers {
		w.errorf(n.Line, "servers lists %d servers, more than the limit of %d", len(items), maxServers)
		items = items[:maxServers]
	}
	taken := map[listener]*vhosts{}
	out := make([]Server, 0, len(items))
	for _, item := range items {
		srv, ls, nameLines, ok := w.server(item, env)
		if !ok {
			continue
		}
		out = append(out, srv)
		// Port 0 gives every server its own fresh port, so they never clash.
		if ls != nil && ls.port != 0 {
			w.checkVhost(taken, *ls, srv, nameLines)
		}
	}
	return out
}

func (w *walker) checkVhost(taken map[listener]*vhosts, ls listener, srv Server, nameLines []int) {
	v := taken[ls]
	if v == nil {
		v = &vhosts{names: map[string]int{}}
		taken[ls] = v
	}
	addr := hostPort(ls.host, ls.port)
	if len(srv.Names) == 0 {
		if v.nameless != 0 {
			w.errorf(srv.Line, "server on %s without server_name clashes with the server at line %d", addr, v.nameless)
			return
		}
		v.nameless = srv.Line
		return
	}
	for i, name := range srv.Names {
		if line, dup := v.names[name]; dup {
			w.errorf(nameLines[i], "server_name %q on %s is already used by the server at line %d", name, addr, line)
			continue
		}
		v.names[name] = srv.Line
	}
}

func hostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// server returns the server, its listener when host and port are both
// valid, and the line of each of its names.
func (w *walker) server(n *yaml.Node, env *routeEnv) (Server, *listener, []int, bool) {
	s, ok := w.section(n, "servers entry", "a mapping")
	if !ok {
		return Server{}, nil, nil, false
	}
	srv := Server{
		Host:        defaultHost,
		MaxBodySize: w.size(s, defaultMaxBodySize),
		Index:       []string{defaultIndex},
		Line:        s.node.Line,
	}
	ls := &listener{host: defaultHost}
	if host, hn, ok := w.str(s, "host"); ok {
		if norm, valid := normalizeHost(host); valid {
			srv.Host, ls.host = host, norm
		} else {
			w.errorf(hn.Line, `host must be an IP address or "localhost", got %q`, truncate(host))
			ls = nil
		}
	} else if hn != nil {
		ls = nil
	}
	port, pn, ok := w.integer(s, "port")
	switch {
	case pn == nil:
		w.errorf(s.node.Line, "port is required")
		ls = nil
	case !ok:
		ls = nil
	case port < 0 || port > maxPort:
		w.errorf(pn.Line, "port must be between 0 and %d", maxPort)
		ls = nil
	default:
		srv.Port = port
		if ls != nil {
			ls.port = port
		}
	}
	names, nameLines := w.serverNames(s)
	srv.Names = names
	srv.ErrorPages = w.errorPages(s)
	if index, ok := w.index(s); ok {
		srv.Index = index
	}
	srv.Routes = w.routes(s, &srv, env)
	return srv, ls, nameLines, true
}

// normalizeHost returns the form used to compare listen addresses.
func normalizeHost(host string) (string, bool) {
	if host == "localhost" {
		return host, true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return "", false
	}
	return addr.String(), true
}

func (w *walker) serverNames(s *section) ([]string, []int) {
	items, lines, _, _ := w.stringItems(s, "server_name", true, "a string or a list of strings")
	if len(items) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(items))
	nameLines := make([]int, 0, len(items))
	seen := make(map[string]bool, len(items))
	for i, name := range items {
		name = strings.ToLower(name)
		switch {
		case name == "":
			w.errorf(lines[i], "server_name must not be an empty string")
		case strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			w.errorf(lines[i], "server_name %q must not contain spaces", truncate(name))
		case seen[name]:
			w.errorf(lines[i], "server_name %q is listed twice", truncate(name))
		default:
			seen[name] = true
			names = append(names, name)
			nameLines = append(nameLines, lines[i])
		}
	}
	return names, nameLines
}

func (w *walker) errorPages(s *section) map[int]string {
	keys, values, _, ok := w.pairs(s, "error_pages", "a mapping of status codes to files")
	if !ok {
		return nil
	}
	pages := make(map[int]string, len(keys))
	seen := make(map[int]bool, len(keys))
	for i, k := range keys {
		code, ok := 0, k.Kind == yaml.ScalarNode && k.ShortTag() == "!!int"
		if ok {
			ok = k.Decode(&code) == nil
		}
		if !ok || code < minErrorPageCode || code > maxErrorPageCode {
			w.covered[k.Line] = true
			w.errorf(k.Line, "error_pages key %q must be a status code between %d and %d",
				truncate(k.Value), minErrorPageCode, maxErrorPageCode)
			continue
		}
		if seen[code] {
			w.errorf(k.Line, "error_pages lists %d twice", code)
			continue
		}
		seen[code] = true
		subject := "error_pages " + strconv.Itoa(code)
		file, vn, ok := decodeNode[string](w, values[i], subject, "a file path")
		if vn == nil || ok && file == "" {
			w.errorf(k.Line, "%s must name a file", subject)
			continue
		}
		if !ok {
			continue
		}
		pages[code] = w.resolvePath(file)
		w.checkPath(vn, subject, pages[code], wantFile)
	}
	return pages
}

func (w *walker) size(s *section, def int64) int64 {
	v, n, ok := decode[string](w, s, "client_max_body_size", "a size such as 1048576 or 10M")
	if !ok {
		return def
	}
	size, err := ParseSize(v)
	if err != nil {
		w.errorf(n.Line, "client_max_body_size: %v", err)
		return def
	}
	return size
}

func (w *walker) index(s *section) ([]string, bool) {
	items, lines, n, complete := w.stringItems(s, "index", true, "a file name or a list of file names")
	if n == nil {
		return nil, false
	}
	for i, name := range items {
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
			w.errorf(lines[i], "index entry %q must be a file name, not a path", truncate(name))
		}
	}
	return items, complete
}

// stringItems decodes a list of strings, or a lone string when scalarOK, with
// the line of each item. Bad items are reported and left out, so callers
// can still check the good ones; complete says whether any were left out.
func (w *walker) stringItems(s *section, key string, scalarOK bool, want string) ([]string, []int, *yaml.Node, bool) {
	n := s.lookup(key)
	if n == nil {
		return nil, nil, nil, false
	}
	if scalarOK && n.Kind == yaml.ScalarNode {
		v, _, ok := decodeNode[string](w, n, key, want)
		if !ok {
			return nil, nil, n, false
		}
		return []string{v}, []int{n.Line}, n, true
	}
	if n.Kind != yaml.SequenceNode {
		w.typeError(n, key, want, nil)
		return nil, nil, n, false
	}
	items := make([]string, 0, len(n.Content))
	lines := make([]int, 0, len(n.Content))
	ok := true
	for _, item := range n.Content {
		v, in, itemOK := decodeNode[string](w, resolve(item), key+" entry", "a string")
		switch {
		case in == nil:
			// yaml drops a null item silently; a list with a hole in it is
			// more likely a mistake than a wish.
			w.errorf(item.Line, "%s must not contain empty items", key)
			ok = false
		case !itemOK:
			ok = false
		default:
			items = append(items, v)
			lines = append(lines, in.Line)
		}
	}
	return items, lines, n, ok
}

type routeKey struct {
	path   string
	prefix bool
}

func (w *walker) routes(s *section, srv *Server, env *routeEnv) []Route {
	items, n, ok := w.list(s, "routes", "a list of routes")
	if n == nil {
		w.errorf(s.node.Line, "routes is required")
		return nil
	}
	if !ok {
		return nil
	}
	if len(items) == 0 {
		w.errorf(n.Line, "routes must list at least one route")
	}
	if len(items) > maxRoutes {
		w.errorf(n.Line, "routes lists %d routes, more than the limit of %d", len(items), maxRoutes)
		items = items[:maxRoutes]
	}
	seen := map[routeKey]int{}
	out := make([]Route, 0, len(items))
	for _, item := range items {
		r, pathLine, ok := w.route(item, srv, env)
		if !ok {
			continue
		}
		if pathLine != 0 {
			k := routeKey{r.Path, r.Prefix}
			if first, dup := seen[k]; dup {
				w.errorf(pathLine, "duplicate route path %q (first defined at line %d)", routeDisplay(r), first)
			} else {
				seen[k] = pathLine
			}
		}
		out = append(out, r)
	}
	return out
}

func routeDisplay(r Route) string {
	if r.Prefix && r.Path != "/" {
		return r.Path + "*"
	}
	return r.Path
}

// route returns the route and the line of its path, 0 if the path is bad.
func (w *walker) route(n *yaml.Node, srv *Server, env *routeEnv) (Route, int, bool) {
	s, ok := w.section(n, "routes entry", "a mapping")
	if !ok {
		return Route{}, 0, false
	}
	r := Route{
		Methods:     defaultMethods(),
		Index:       slices.Clone(srv.Index),
		MaxBodySize: w.size(s, srv.MaxBodySize),
		Line:        s.node.Line,
	}
	pathLine := 0
	p, pn, ok := w.str(s, "path")
	switch {
	case pn == nil:
		w.errorf(s.node.Line, "path is required")
	case !ok:
	default:
		if path, prefix, problem := parseRoutePath(p); problem != "" {
			w.errorf(pn.Line, "path %q %s", truncate(p), problem)
		} else {
			r.Path, r.Prefix, pathLine = path, prefix, pn.Line
		}
	}
	methodsOK := w.methods(s, &r)

	ret, rn, retOK := w.str(s, "return")
	handler, hn, handlerOK := w.str(s, "handler")
	file, fn, fileOK := w.str(s, "file")
	if retOK {
		if redirect, problem := parseRedirect(ret); problem != "" {
			w.errorf(rn.Line, "return %s", problem)
		} else {
			r.Redirect = redirect
		}
	}
	switch {
	case rn != nil && hn != nil:
		w.errorf(rn.Line, "return cannot be combined with handler")
	case rn != nil && fn != nil:
		w.errorf(rn.Line, "return cannot be combined with file")
	case rn == nil && hn == nil:
		w.errorf(s.node.Line, "handler is required (File or Function) unless return is set")
	}
	if handlerOK {
		if handler == HandlerFile || handler == HandlerFunction {
			r.Handler = handler
		} else {
			w.errorf(hn.Line, "handler must be File or Function, got %q", truncate(handler))
		}
	}
	switch {
	case fn == nil:
		if r.Handler != "" && rn == nil {
			w.errorf(s.node.Line, "file is required for handler %s", r.Handler)
		}
	case !fileOK:
	case file == "":
		w.errorf(fn.Line, "file must not be empty")
	default:
		r.File = w.resolvePath(file)
		if rn == nil {
			w.checkRouteFile(fn, r, methodsOK)
		}
	}

	r.DirectoryListing = w.boolean(s, "directory_listing")
	if index, ok := w.index(s); ok {
		r.Index = index
	}
	w.cgiExtension(s, &r, env, rn != nil)

	session, sn, _ := decode[bool](w, s, "session", "true or false")
	if session && !env.sessionsDeclared {
		w.errorf(sn.Line, "session: true needs a sessions block")
	}
	r.Session = session
	r.AllowHidden = w.boolean(s, "allow_hidden")
	return r, pathLine, true
}

// methods fills r.Methods and reports whether they are known to be valid.
func (w *walker) methods(s *section, r *Route) bool {
	items, lines, n, valid := w.stringItems(s, "methods", false, "a list of methods")
	if n == nil {
		return true
	}
	if valid && len(items) == 0 {
		w.errorf(n.Line, "methods must list at least one method")
		return false
	}
	seen := make(map[string]bool, len(allowedMethods))
	for i, m := range items {
		switch {
		case !slices.Contains(allowedMethods, m):
			w.errorf(lines[i], "methods: unknown method %q (want one of %s)", truncate(m), strings.Join(allowedMethods, ", "))
			valid = false
		case seen[m]:
			w.errorf(lines[i], "methods lists %s twice", m)
			valid = false
		}
		seen[m] = true
	}
	r.Methods = items
	return valid
}

// checkRouteFile checks a File or Function route's target on disk. A File
// route that accepts uploads or deletions must name a directory to put
// them in or remove them from.
func (w *walker) checkRouteFile(fn *yaml.Node, r Route, methodsOK bool) {
	if w.stat == nil {
		return
	}
	info, ok := w.statPath(fn, "file", r.File)
	if !ok || r.Handler != HandlerFile || !methodsOK || info.IsDir() {
		return
	}
	for _, m := range []string{"POST", "DELETE"} {
		if slices.Contains(r.Methods, m) {
			w.errorf(fn.Line, "file %q must be a directory because methods include %s", r.File, m)
			return
		}
	}
}

// cgiExtension validates cgi_extension; notCGI is true when the route is
// known not to run scripts.
func (w *walker) cgiExtension(s *section, r *Route, env *routeEnv, notCGI bool) {
	ext, en, ok := w.str(s, "cgi_extension")
	switch {
	case en == nil:
		if r.Handler == HandlerFunction {
			w.errorf(s.node.Line, "cgi_extension is required for handler Function")
		}
	case !ok:
	case notCGI || r.Handler == HandlerFile:
		w.errorf(en.Line, "cgi_extension is only used with handler Function")
	case !env.interpretersKnown:
	default:
		if _, found := env.interpreters[ext]; !found {
			w.errorf(en.Line, "cgi_extension %q has no entry in cgi_interpreters", truncate(ext))
			return
		}
		r.CGIExtension = ext
	}
}

// parseRoutePath turns a route's path into the string to match and whether
// it matches as a prefix. "/" and paths ending in "/*" are prefixes.
func parseRoutePath(p string) (path string, prefix bool, problem string) {
	if p == "" || p[0] != '/' {
		return "", false, "must start with /"
	}
	path = p
	if p == "/" {
		prefix = true
	} else if strings.HasSuffix(p, "/*") {
		path, prefix = p[:len(p)-1], true
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c == '*':
			return "", false, `may only use * in a final "/*"`
		case !isPathByte(c):
			return "", false, "must not contain " + strconv.QuoteRune(rune(c))
		}
	}
	if strings.Contains(path, "//") {
		return "", false, "must not contain empty segments"
	}
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "." || seg == ".." {
			return "", false, "must not contain . or .. segments"
		}
	}
	return path, prefix, ""
}

// isPathByte accepts the bytes of RFC 3986 pchar, "/" and raw UTF-8, but not
// "%": routes are matched against decoded paths, so an escape would never
// match.
//
//	pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
func isPathByte(c byte) bool {
	return isAlnum(c) || c >= 0x80 || strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0
}

// parseRedirect parses `return: CODE URL`.
func parseRedirect(s string) (*Redirect, string) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return nil, `must be "CODE URL", e.g. "301 https://example.com/"`
	}
	code, err := strconv.Atoi(fields[0])
	if err != nil || !slices.Contains(redirectCodes, code) {
		return nil, "code " + strconv.Quote(truncate(fields[0])) + " must be one of 301, 302, 303, 307, 308"
	}
	url := fields[1]
	lower := strings.ToLower(url)
	if !strings.HasPrefix(url, "/") && !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return nil, "URL " + strconv.Quote(truncate(url)) + " must start with http://, https:// or /"
	}
	// The URL goes out verbatim in a Location header.
	for i := 0; i < len(url); i++ {
		if url[i] <= ' ' || url[i] >= 0x7f {
			return nil, "URL " + strconv.Quote(truncate(url)) + " must be ASCII without spaces (percent-encode the rest)"
		}
	}
	return &Redirect{Code: code, URL: url}, ""
}

// resolvePath makes p absolute against the config's directory, cleaned.
func (w *walker) resolvePath(p string) string {
	if filepath.IsAbs(p) || w.baseDir == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(w.baseDir, p)
}

type pathWant int

const (
	wantDir          pathWant = iota
	wantFile                  // exists and is not a directory
	wantFileIfExists          // may be missing, but is not a directory
)

// checkPath reports, when a Stat function was given, a path that is
// missing or of the wrong kind. It returns false if it reported.
func (w *walker) checkPath(n *yaml.Node, subject, path string, want pathWant) bool {
	if w.stat == nil {
		return true
	}
	info, err := w.stat(path)
	if want == wantFileIfExists {
		if errors.Is(err, fs.ErrNotExist) {
			return true
		}
		want = wantFile
	}
	if err != nil {
		w.statError(n, subject, path, err)
		return false
	}
	switch {
	case want == wantDir && !info.IsDir():
		w.errorf(n.Line, "%s %q is not a directory", subject, path)
		return false
	case want == wantFile && info.IsDir():
		w.errorf(n.Line, "%s %q is a directory", subject, path)
		return false
	}
	return true
}

func (w *walker) statPath(n *yaml.Node, subject, path string) (fs.FileInfo, bool) {
	info, err := w.stat(path)
	if err != nil {
		w.statError(n, subject, path, err)
		return nil, false
	}
	return info, true
}

func (w *walker) statError(n *yaml.Node, subject, path string, err error) {
	if errors.Is(err, fs.ErrNotExist) {
		w.errorf(n.Line, "%s %q does not exist", subject, path)
		return
	}
	// The path is already in the message; keep only the cause.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	w.errorf(n.Line, "%s %q: %v", subject, path, err)
}

// decodeNode decodes one value node; it returns a nil node for null.
func decodeNode[T any](w *walker, n *yaml.Node, subject, want string) (v T, _ *yaml.Node, ok bool) {
	if n == nil || isNull(n) {
		return v, nil, false
	}
	if err := n.Decode(&v); err != nil {
		w.typeError(n, subject, want, err)
		return v, n, false
	}
	return v, n, true
}
