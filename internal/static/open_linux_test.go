//go:build linux

package static

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// makeTree builds:
//
//	base/outside/secret.txt
//	base/outside/dir/
//	base/root/index.html
//	base/root/sub/inner.txt
//	base/root/link-inside          -> sub/inner.txt
//	base/root/link-dir-inside      -> sub
//	base/root/link-abs-out         -> <base>/outside/secret.txt
//	base/root/link-rel-out         -> ../outside/secret.txt
//	base/root/sub/link-rel-out2    -> ../../outside/secret.txt
//	base/root/link-dir-out         -> ../outside
//	base/root/link-proc            -> /proc/self/root/etc/hostname
//	base/root/loop                 -> loop
//	base/root/fifo                 (named pipe)
func makeTree(t *testing.T) (root string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "root")
	mustMkdir := func(p string) {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite := func(p, body string) {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustLink := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	mustMkdir(filepath.Join(base, "outside", "dir"))
	mustMkdir(filepath.Join(root, "sub"))
	mustWrite(filepath.Join(base, "outside", "secret.txt"), "secret")
	mustWrite(filepath.Join(root, "index.html"), "<p>hi</p>")
	mustWrite(filepath.Join(root, "sub", "inner.txt"), "inner")
	mustLink("sub/inner.txt", "link-inside")
	mustLink("sub", "link-dir-inside")
	mustLink(filepath.Join(base, "outside", "secret.txt"), "link-abs-out")
	mustLink("../outside/secret.txt", "link-rel-out")
	mustLink("../../outside/secret.txt", "sub/link-rel-out2")
	mustLink("../outside", "link-dir-out")
	mustLink("/proc/self/root/etc/hostname", "link-proc")
	mustLink("loop", "loop")
	if err := unix.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestOpenBeneath(t *testing.T) {
	t.Parallel()
	root := makeTree(t)
	r, err := OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })

	const denied = -1 // 403 or 404 both acceptable: the point is "not the file"
	tests := []struct {
		name       string
		rel        string
		wantBody   string // for a regular file
		wantDir    bool
		wantStatus int // 0 = opens
	}{
		{name: "plain file", rel: "index.html", wantBody: "<p>hi</p>"},
		{name: "nested file", rel: "sub/inner.txt", wantBody: "inner"},
		{name: "root itself", rel: "", wantDir: true},
		{name: "directory", rel: "sub", wantDir: true},
		{name: "symlink inside", rel: "link-inside", wantBody: "inner"},
		{name: "through dir symlink inside", rel: "link-dir-inside/inner.txt", wantBody: "inner"},
		{name: "missing", rel: "nope.html", wantStatus: 404},
		{name: "missing nested", rel: "nope/x", wantStatus: 404},
		{name: "file as directory", rel: "index.html/x", wantStatus: 404},
		{name: "absolute symlink out", rel: "link-abs-out", wantStatus: denied},
		{name: "relative symlink out", rel: "link-rel-out", wantStatus: denied},
		{name: "double dotdot symlink out", rel: "sub/link-rel-out2", wantStatus: denied},
		{name: "through dir symlink out", rel: "link-dir-out/secret.txt", wantStatus: denied},
		{name: "magic link", rel: "link-proc", wantStatus: denied},
		{name: "symlink loop", rel: "loop", wantStatus: 403},
		{name: "fifo refused without blocking", rel: "fifo", wantStatus: 403},
		{name: "dotdot in rel", rel: "../outside/secret.txt", wantStatus: 403},
		{name: "absolute rel", rel: "/etc/hostname", wantStatus: 403},
	}
	strategies := []struct {
		name     string
		fallback bool
	}{
		{name: "openat2", fallback: false},
		{name: "evalsymlinks fallback", fallback: true},
	}
	for _, st := range strategies {
		for _, tt := range tests {
			t.Run(st.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f, fs, err := r.open(tt.rel, st.fallback)
				if tt.wantStatus != 0 {
					if err == nil {
						f.Close()
						t.Fatalf("open(%q) succeeded, want refusal", tt.rel)
					}
					got := StatusForOpenError(err)
					if tt.wantStatus == denied && got != 403 && got != 404 || tt.wantStatus != denied && got != tt.wantStatus {
						t.Fatalf("open(%q): %v → status %d, want %d", tt.rel, err, got, tt.wantStatus)
					}
					return
				}
				if err != nil {
					t.Fatalf("open(%q): %v", tt.rel, err)
				}
				defer f.Close()
				if fs.IsDir != tt.wantDir {
					t.Fatalf("IsDir = %v, want %v", fs.IsDir, tt.wantDir)
				}
				if tt.wantDir {
					return
				}
				body, err := io.ReadAll(f)
				if err != nil {
					t.Fatal(err)
				}
				if string(body) != tt.wantBody || fs.Size != int64(len(tt.wantBody)) {
					t.Fatalf("body %q size %d, want %q", body, fs.Size, tt.wantBody)
				}
				fi, err := f.Stat()
				if err != nil {
					t.Fatal(err)
				}
				if fi.ModTime().UnixNano() != fs.ModTimeNanos {
					t.Fatalf("ModTimeNanos %d, fstat says %d", fs.ModTimeNanos, fi.ModTime().UnixNano())
				}
			})
		}
	}
}

func TestOpenBeneathOneShot(t *testing.T) {
	t.Parallel()
	root := makeTree(t)
	tests := []struct {
		name       string
		root       string
		rel        string
		wantStatus int
	}{
		{name: "opens", root: root, rel: "sub/inner.txt", wantStatus: 200},
		{name: "escape refused", root: root, rel: "link-rel-out", wantStatus: 403},
		{name: "missing", root: root, rel: "missing", wantStatus: 404},
		{name: "missing root", root: filepath.Join(root, "no-such-root"), rel: "x", wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := OpenBeneath(tt.root, tt.rel)
			if got := StatusForOpenError(err); got != tt.wantStatus {
				t.Fatalf("OpenBeneath(%q) error %v → %d, want %d", tt.rel, err, got, tt.wantStatus)
			}
			if f != nil {
				f.Close()
			}
		})
	}
}

func TestStatusForOpenError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "nil", err: nil, want: 200},
		{name: "ENOENT", err: &os.PathError{Op: "openat2", Path: "x", Err: unix.ENOENT}, want: 404},
		{name: "ENOTDIR", err: &os.PathError{Op: "openat2", Path: "x", Err: unix.ENOTDIR}, want: 404},
		{name: "ENAMETOOLONG", err: unix.ENAMETOOLONG, want: 404},
		{name: "EACCES", err: &os.PathError{Op: "openat2", Path: "x", Err: unix.EACCES}, want: 403},
		{name: "EXDEV", err: &os.PathError{Op: "openat2", Path: "x", Err: unix.EXDEV}, want: 403},
		{name: "ELOOP", err: unix.ELOOP, want: 403},
		{name: "escape wrapped", err: fmt.Errorf("serve: %w", ErrEscapesRoot), want: 403},
		{name: "not regular", err: &os.PathError{Op: "open", Path: "x", Err: ErrNotRegular}, want: 403},
		{name: "path error", err: ErrHidden, want: 404},
		{name: "EIO", err: &os.PathError{Op: "openat2", Path: "x", Err: unix.EIO}, want: 500},
		{name: "EMFILE", err: unix.EMFILE, want: 500},
		{name: "other", err: errors.New("boom"), want: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := StatusForOpenError(tt.err); got != tt.want {
				t.Fatalf("StatusForOpenError(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}
