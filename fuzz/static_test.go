package fuzz

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ferrous/internal/static"
)

// routePrefix is the route every fuzzed path is resolved against.
const routePrefix = "/static/"

// fuzzLinkName is the symlink in the document root whose target each input chooses.
const fuzzLinkName = "fuzzlink"

// pathErrorStatuses are the statuses a *static.PathError may carry.
var pathErrorStatuses = map[int]bool{400: true, 403: true, 404: true}

// docTree is a document root with symlinks pointing inside and outside of it, next to a directory the route
// must never reach.
type docTree struct {
	root     string // as the route names it
	realRoot string // with symlinks resolved, for containment checks
	opened   *static.Root
}

// buildDocTree creates, under base:
//
//	outside/secret.txt, outside/dir/          what no request may reach
//	root/index.html, root/docs/guide.txt      ordinary content
//	root/.env, root/.well-known/security.txt  hidden and well-known files
//	root/<links>                              symlinks of every kind, see below
func buildDocTree(t testing.TB, base string) *docTree {
	t.Helper()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	for _, dir := range []string{
		filepath.Join(outside, "dir"),
		filepath.Join(root, "docs", "sub"),
		filepath.Join(root, ".well-known"),
	} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{
		filepath.Join(outside, "secret.txt"):               "secret",
		filepath.Join(root, "index.html"):                  "<h1>index</h1>",
		filepath.Join(root, "docs", "guide.txt"):           "guide",
		filepath.Join(root, ".env"):                        "TOKEN=x",
		filepath.Join(root, ".well-known", "security.txt"): "Contact: mailto:x",
	} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range map[string]string{
		"in-dir":       "docs",                       // relative, inside
		"in-file":      "index.html",                 // relative, inside
		"in-via-up":    "docs/../docs/sub",           // relative with "..", inside
		"up-out":       "../outside",                 // relative, outside
		"up-out-file":  "../outside/secret.txt",      // relative, outside
		"abs-in":       filepath.Join(root, "docs"),  // absolute, inside (openat2 refuses absolute links anyway)
		"abs-out":      outside,                      // absolute, outside
		"loop":         "loop",                       // a cycle
		"dangling":     "nowhere",                    // no target
		"docs/back":    "../..",                      // leaves through the parent of the root
		"docs/sibling": "../index.html",              // ".." that stays inside
		"docs/chain":   "../up-out",                  // a link to a link that leaves
		".hidden-link": "docs",                       // a hidden name for ordinary content
		"proc-self":    "/proc/self/root/etc/passwd", // a magic link
	} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := static.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { opened.Close() })
	return &docTree{root: root, realRoot: realRoot, opened: opened}
}

// setFuzzLink points the fuzz-controlled symlink at target, or removes it when no such symlink can exist.
func (d *docTree) setFuzzLink(t testing.TB, target string) {
	link := filepath.Join(d.root, fuzzLinkName)
	if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	// The kernel refuses empty targets, NULs and overlong targets; such inputs simply run without the link.
	_ = os.Symlink(target, link)
}

// inside reports whether path, already free of symlinks, is the real root or beneath it.
func (d *docTree) inside(path string) bool {
	return path == d.realRoot || strings.HasPrefix(path, d.realRoot+string(filepath.Separator))
}

// FuzzStaticPath resolves an arbitrary request path against a route and checks the traversal guarantee as a
// property: the resolver either refuses the path or yields a clean relative path inside the route's root, and
// whatever Root.Open then opens, through any of the tree's symlinks or the one the input aims itself, is
// inside the root once symlinks are resolved.
func FuzzStaticPath(f *testing.F) {
	f.Add("/static/in-dir/guide.txt", "docs", false)
	f.Add("/static/docs/back/outside/secret.txt", "..", true)
	f.Add("/static/%2e%2e%2foutside", "../../..", false)
	tree := buildDocTree(f, f.TempDir())
	f.Fuzz(func(t *testing.T, target, link string, allowHidden bool) {
		tree.setFuzzLink(t, link)
		rel, _, err := static.Resolve(target, routePrefix, allowHidden)
		if err != nil {
			var pe *static.PathError
			if !errors.As(err, &pe) || !pathErrorStatuses[pe.Status] {
				t.Fatalf("Resolve(%q) = %v, want a *static.PathError with status 400, 403 or 404", target, err)
			}
			return
		}
		checkLexicallyInside(t, target, rel, allowHidden)
		tree.checkOpenInside(t, rel)
	})
}

// checkLexicallyInside checks a resolved path without touching the file system: relative, clean, free of
// separators and terminators smuggled through escapes, and hidden only when allowed. Resolving it again (when
// it holds no '%' that a second decoding would change) must give it back unchanged.
func checkLexicallyInside(t *testing.T, target, rel string, allowHidden bool) {
	if rel == "" {
		return
	}
	if !filepath.IsLocal(rel) || filepath.Clean(rel) != rel || strings.ContainsAny(rel, "\\\x00") {
		t.Fatalf("Resolve(%q) = %q, not a clean path inside the root", target, rel)
	}
	for i, seg := range strings.Split(rel, "/") {
		if !allowHidden && strings.HasPrefix(seg, ".") && (i > 0 || seg != ".well-known") {
			t.Fatalf("Resolve(%q) = %q, which has a hidden segment", target, rel)
		}
	}
	if !strings.Contains(rel, "%") {
		again, _, err := static.Resolve(routePrefix+rel, routePrefix, allowHidden)
		if err != nil || again != rel {
			t.Fatalf("Resolve(%q) = %q, but resolving that again gives (%q, %v)", target, rel, again, err)
		}
	}
}

// checkOpenInside opens rel and, if that succeeds, requires the opened file to be inside the root: both the
// kernel's name for the descriptor and filepath.EvalSymlinks of the path, which must name the same file.
func (d *docTree) checkOpenInside(t *testing.T, rel string) {
	file, st, err := d.opened.Open(rel)
	if err != nil {
		if status := static.StatusForOpenError(err); status != 403 && status != 404 {
			t.Fatalf("Open(%q) = %v, answered %d", rel, err, status)
		}
		return
	}
	defer file.Close()
	byDescriptor, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(file.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	if !d.inside(byDescriptor) {
		t.Fatalf("Open(%q) opened %s, outside the root %s", rel, byDescriptor, d.realRoot)
	}
	byPath, err := filepath.EvalSymlinks(filepath.Join(d.root, rel))
	if err != nil {
		t.Fatalf("Open(%q) succeeded but its path does not resolve: %v", rel, err)
	}
	if !d.inside(byPath) {
		t.Fatalf("Open(%q) succeeded, and its path resolves to %s, outside the root %s", rel, byPath, d.realRoot)
	}
	opened, err := file.Stat()
	if err != nil {
		t.Fatal(err)
	}
	named, err := os.Stat(byPath)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(opened, named) || opened.IsDir() != st.IsDir {
		t.Fatalf("Open(%q) opened a different file (dir=%v) than %s", rel, st.IsDir, byPath)
	}
}
