package server

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"ferrous/internal/config"
	"ferrous/internal/static"
)

// maxErrorPageBytes bounds custom error pages: they are held in memory so that answering an error never touches
// the disk.
const maxErrorPageBytes = 256 << 10

// method bits: a route's allowed set is a mask so the per-request check is one AND.
type methodSet uint16

const (
	mGET methodSet = 1 << iota
	mHEAD
	mPOST
	mPUT
	mDELETE
	mOPTIONS
	mPATCH
)

var methodNames = []struct {
	name string
	bit  methodSet
}{
	{"GET", mGET}, {"HEAD", mHEAD}, {"POST", mPOST}, {"PUT", mPUT}, {"DELETE", mDELETE}, {"OPTIONS", mOPTIONS}, {"PATCH", mPATCH},
}

// methodBit maps a request method to its bit, 0 for methods ferrous does not implement at all (→ 501).
func methodBit(m []byte) methodSet {
	for _, mn := range methodNames {
		if string(m) == mn.name {
			return mn.bit
		}
	}
	return 0
}

func (s methodSet) allowHeader() string {
	var names []string
	for _, mn := range methodNames {
		if s&mn.bit != 0 {
			names = append(names, mn.name)
		}
	}
	return strings.Join(names, ", ")
}

type vhost struct {
	cfg        *config.Server
	names      []string
	routes     []*route // longest path first
	errorPages map[int][]byte
	allMethods methodSet
}

type route struct {
	cfg     *config.Route
	methods methodSet
	allow   string // the Allow header value
	isDir   bool   // File/Function target is a directory (prefix routes) rather than one file
	// root is the open directory files are served from (the route's directory, or the directory of its one
	// file, named by fileName).
	root     *static.Root
	absDir   string // the route's directory as an absolute path (CGI scripts are run by path)
	fileName string
	index    []string
}

func newVhost(sc *config.Server) (*vhost, error) {
	vh := &vhost{cfg: sc, names: sc.Names, errorPages: map[int][]byte{}}
	for code, path := range sc.ErrorPages {
		page, err := readErrorPage(path)
		if err != nil {
			return nil, fmt.Errorf("error page %d: %w", code, err)
		}
		vh.errorPages[code] = page
	}
	for i := range sc.Routes {
		rc := &sc.Routes[i]
		rt := &route{cfg: rc}
		for _, m := range rc.Methods {
			for _, mn := range methodNames {
				if m == mn.name {
					rt.methods |= mn.bit
				}
			}
		}
		if rt.methods&mGET != 0 {
			// HEAD is GET without the body: allowing one allows the other, as every server does.
			rt.methods |= mHEAD
		}
		rt.methods |= mOPTIONS
		rt.allow = rt.methods.allowHeader()
		vh.allMethods |= rt.methods
		rt.index = rc.Index
		if len(rt.index) == 0 {
			rt.index = sc.Index
		}
		if rc.File != "" {
			if err := rt.openRoot(); err != nil {
				return nil, err
			}
		}
		vh.routes = append(vh.routes, rt)
	}
	// Longest path first, exact before prefix at equal length: the first match is the most specific one.
	sort.SliceStable(vh.routes, func(i, j int) bool {
		a, b := vh.routes[i].cfg, vh.routes[j].cfg
		if len(a.Path) != len(b.Path) {
			return len(a.Path) > len(b.Path)
		}
		return !a.Prefix && b.Prefix
	})
	return vh, nil
}

func readErrorPage(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening error page: %w", err)
	}
	defer f.Close()
	buf := make([]byte, maxErrorPageBytes+1)
	n, err := f.Read(buf)
	if err != nil && n == 0 {
		return nil, fmt.Errorf("reading error page %s: %w", path, err)
	}
	if n > maxErrorPageBytes {
		return nil, fmt.Errorf("error page %s is larger than %d bytes", path, maxErrorPageBytes)
	}
	return buf[:n:n], nil
}

func (rt *route) openRoot() error {
	rc := rt.cfg
	st, err := os.Stat(rc.File)
	if err != nil {
		return fmt.Errorf("route %s: %w", rc.Path, err)
	}
	rt.isDir = st.IsDir()
	dir := rc.File
	if !rt.isDir {
		dir, rt.fileName = filepath.Split(rc.File)
	}
	if rt.absDir, err = filepath.Abs(dir); err != nil {
		return fmt.Errorf("route %s: %w", rc.Path, err)
	}
	rt.root, err = static.OpenRoot(rt.absDir)
	if err != nil {
		return fmt.Errorf("route %s: %w", rc.Path, err)
	}
	return nil
}

// pickVhost chooses the server block for a Host header value: port stripped, case-insensitive, first block of
// the listener as the default.
func (ln *listener) pickVhost(host []byte) *vhost {
	vhosts := ln.hosts()
	if name := hostWithoutPort(host); len(name) > 0 {
		for _, vh := range vhosts {
			for _, n := range vh.names {
				if strings.EqualFold(n, string(name)) {
					return vh
				}
			}
		}
	}
	return vhosts[0]
}

func hostWithoutPort(host []byte) []byte {
	if len(host) > 0 && host[0] == '[' {
		if end := strings.IndexByte(string(host), ']'); end >= 0 {
			return host[:end+1]
		}
		return host
	}
	if i := strings.LastIndexByte(string(host), ':'); i >= 0 {
		return host[:i]
	}
	return host
}

// match finds the most specific route for a clean path. A path equal to a prefix route without its trailing
// slash ("/static" for "/static/") matches too, so that the handler can redirect to the directory.
func (vh *vhost) match(path string) *route {
	for _, rt := range vh.routes {
		p := rt.cfg.Path
		if !rt.cfg.Prefix {
			if path == p {
				return rt
			}
			continue
		}
		if strings.HasPrefix(path, p) || (len(p) > 1 && path == p[:len(p)-1]) {
			return rt
		}
	}
	return nil
}
