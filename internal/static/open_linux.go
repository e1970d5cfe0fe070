//go:build linux

package static

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

var (
	// ErrEscapesRoot: the opened file is not beneath the root (only the
	// pre-openat2 fallback detects this itself; openat2 reports EXDEV).
	ErrEscapesRoot = errors.New("static: path escapes the document root")
	// ErrNotRegular: the name is a FIFO, socket or device. Serving those could
	// stream forever or hang a loop, so they are refused.
	ErrNotRegular = errors.New("static: not a regular file or directory")
)

// openFlags: O_NONBLOCK is not for reads (regular files ignore it) but for the
// open itself: opening a FIFO for reading without it blocks until a writer
// appears, which would stall an event loop. Non-regular files are refused
// right after the open.
const openFlags = unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOCTTY | unix.O_NONBLOCK

// resolveFlags make the kernel, not a lexical check, guarantee confinement:
// every component including symlink targets must stay beneath the root, and
// /proc-style magic links (which jump anywhere) are refused.
const resolveFlags = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS

// noOpenat2 is set once the kernel has answered ENOSYS (before Linux 5.6, or
// a seccomp profile that does not know the call).
var noOpenat2 atomic.Bool

// FileStat is what serving needs from fstat(2), captured at open time so the
// caller does not pay for a second stat.
type FileStat struct {
	IsDir        bool
	Size         int64
	ModTimeNanos int64
	Mode         uint32 // st_mode: type and permission bits
}

// Root is an open document root. Keeping the directory open saves the lookup
// of the root path on every request and pins the root even if it is renamed.
type Root struct {
	dir string // absolute, as given to OpenRoot after filepath.Abs
	fd  int
}

// OpenRoot opens dir for use with Open.
func OpenRoot(dir string) (*Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("static: root %q: %w", dir, err)
	}
	fd, err := openRetry(unix.AT_FDCWD, abs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: abs, Err: err}
	}
	return &Root{dir: abs, fd: fd}, nil
}

// Close releases the root directory.
func (r *Root) Close() error {
	if err := unix.Close(r.fd); err != nil {
		return &os.PathError{Op: "close", Path: r.dir, Err: err}
	}
	return nil
}

// Open opens rel (as returned by Resolve; "" is the root itself) beneath the
// root and reports its type, size and modification time. Errors are
// *os.PathError wrapping the errno, ErrEscapesRoot or ErrNotRegular; feed them
// to StatusForOpenError.
func (r *Root) Open(rel string) (*os.File, FileStat, error) {
	return r.open(rel, noOpenat2.Load())
}

// open is Open with the confinement strategy chosen by the caller, so tests
// can exercise the fallback on kernels that have openat2.
func (r *Root) open(rel string, fallback bool) (*os.File, FileStat, error) {
	fd, fs, err := r.openFD(rel, fallback)
	if err != nil {
		return nil, FileStat{}, err
	}
	return os.NewFile(uintptr(fd), filepath.Join(r.dir, rel)), fs, nil
}

// OpenFD is Open returning the raw descriptor, which the caller must close.
// The event loop sends file bodies with sendfile(2) and never reads through
// an *os.File, so it skips the os.File wrapper (its finalizer and the failed
// attempt to register a regular file with the runtime poller) on every request.
func (r *Root) OpenFD(rel string) (int, FileStat, error) {
	return r.openFD(rel, noOpenat2.Load())
}

func (r *Root) openFD(rel string, fallback bool) (int, FileStat, error) {
	if err := checkRel(rel); err != nil {
		return -1, FileStat{}, err
	}
	name := rel
	if name == "" {
		name = "."
	}
	var fd int
	var err error
	if fallback {
		fd, err = openFallback(r.dir, name)
	} else {
		fd, err = openat2Retry(r.fd, name)
		if errors.Is(err, unix.ENOSYS) {
			noOpenat2.Store(true)
			fd, err = openFallback(r.dir, name)
		}
	}
	if err != nil {
		return -1, FileStat{}, err
	}
	return statFD(fd, rel)
}

// OpenBeneath opens root/rel so that the result is guaranteed to be beneath
// root even through symlinks. It opens root on every call; a server should
// keep a Root instead.
func OpenBeneath(root, rel string) (*os.File, error) {
	r, err := OpenRoot(root)
	if err != nil {
		return nil, err
	}
	f, _, err := r.Open(rel)
	if cerr := r.Close(); cerr != nil && err == nil {
		f.Close()
		return nil, cerr
	}
	return f, err
}

// StatusForOpenError maps an OpenBeneath / Root.Open error to the HTTP status
// to answer with: 404 for names that do not exist (or cannot, being too long
// or passing through a non-directory), 403 for anything refused on purpose
// (permissions, escapes, symlink loops, non-regular files), 500 otherwise.
func StatusForOpenError(err error) int {
	var pe *PathError
	switch {
	case err == nil:
		return 200
	case errors.As(err, &pe):
		return pe.Status
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR), errors.Is(err, unix.ENAMETOOLONG):
		return 404
	case errors.Is(err, ErrEscapesRoot), errors.Is(err, ErrNotRegular),
		errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM),
		errors.Is(err, unix.EXDEV), errors.Is(err, unix.ELOOP):
		return 403
	}
	return 500
}

// checkRel repeats Resolve's guarantees for callers that did not use it, so
// the fallback path (which has only a lexical join plus EvalSymlinks) never
// sees an absolute path or "..".
func checkRel(rel string) error {
	if strings.HasPrefix(rel, "/") || strings.IndexByte(rel, 0) >= 0 {
		return ErrForbiddenPath
	}
	for seg := range strings.SplitSeq(rel, "/") {
		if seg == ".." {
			return ErrForbiddenPath
		}
	}
	return nil
}

func openat2Retry(dirfd int, name string) (int, error) {
	how := unix.OpenHow{Flags: openFlags, Resolve: resolveFlags}
	for {
		fd, err := unix.Openat2(dirfd, name, &how)
		if err != unix.EINTR {
			if err != nil {
				return -1, &os.PathError{Op: "openat2", Path: name, Err: err}
			}
			return fd, nil
		}
	}
}

func openRetry(dirfd int, name string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags, mode)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// openFallback is the pre-openat2 confinement: open by path, then check that
// the fully resolved path is still beneath the resolved root. It is racy
// against a concurrent rename of a directory to a symlink, which openat2 is
// not; it exists so the server still runs on old kernels.
func openFallback(rootDir, name string) (int, error) {
	full := filepath.Join(rootDir, name)
	fd, err := openRetry(unix.AT_FDCWD, full, openFlags, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: name, Err: err}
	}
	if err := checkBeneath(rootDir, full); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func checkBeneath(rootDir, full string) error {
	realRoot, err := filepath.EvalSymlinks(rootDir)
	if err != nil {
		return fmt.Errorf("static: resolve root: %w", err)
	}
	realFull, err := filepath.EvalSymlinks(full)
	if err != nil {
		return fmt.Errorf("static: resolve path: %w", err)
	}
	if realFull == realRoot || strings.HasPrefix(realFull, strings.TrimSuffix(realRoot, "/")+"/") {
		return nil
	}
	return ErrEscapesRoot
}

// statFD reports what serving needs of an open descriptor, closing it when
// it is not a regular file or directory.
func statFD(fd int, rel string) (int, FileStat, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, FileStat{}, &os.PathError{Op: "fstat", Path: rel, Err: err}
	}
	var fs FileStat
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		fs.IsDir = true
	default:
		unix.Close(fd)
		return -1, FileStat{}, &os.PathError{Op: "open", Path: rel, Err: ErrNotRegular}
	}
	fs.Size = st.Size
	fs.ModTimeNanos = st.Mtim.Nano()
	fs.Mode = st.Mode
	return fd, fs, nil
}
