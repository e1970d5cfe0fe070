// Package upload stores the file parts of a multipart/form-data body, as
// decoded by internal/multipart, into a directory. The server drives it from a
// disk worker rather than an event loop, since every call may wait for the
// disk; it keeps system calls to a minimum all the same: one open, one write
// per data event, one link and one close per file.
package upload

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"ferrous/internal/multipart"
)

const (
	// Temporary files are hidden (sanitized names never start with a dot, so
	// they cannot collide with a stored file) and recognisable for clean-up.
	tempPrefix = ".upload-"
	tempSuffix = ".tmp"
	// tempNameAttempts bounds retries when a random temporary name exists.
	tempNameAttempts = 16
	// sequentialSuffixes "-1" … "-N" are tried first when a name is taken: readable names for the usual
	// handful of duplicates.
	sequentialSuffixes = 16
	// randomSuffixes are tried after that: a name uploaded thousands of times must not make every further
	// upload of it probe thousands of names.
	randomSuffixes = 16
	// fileMode is the stored files' mode before the process umask applies.
	fileMode = 0o644
	// maxNameBytes is NAME_MAX on Linux file systems.
	maxNameBytes = 255
)

// Sentinel errors; StatusFor maps them to HTTP statuses. I/O failures are
// wrapped *os.PathError values and map to 500.
var (
	ErrDiskFull     = errors.New("upload: no space left to store the file")
	ErrBadFileName  = errors.New("upload: file name has no safe part")
	ErrTooManyFiles = errors.New("upload: too many files")
	ErrNameTaken    = errors.New("upload: every candidate file name is taken")
	ErrEventOrder   = errors.New("upload: decoder events out of order")
	ErrAborted      = errors.New("upload: receiver was aborted")
)

// HTTP statuses for StatusFor; spelled out so this package need not import net/http.
const (
	statusOK                  = 200
	statusBadRequest          = 400
	statusConflict            = 409
	statusContentTooLarge     = 413
	statusInternalServerError = 500
	statusInsufficientStorage = 507
)

// StatusFor maps an error from Receiver.Handle, or from the multipart
// decoder, to the HTTP status to answer with.
func StatusFor(err error) int {
	var decodeErr *multipart.Error
	switch {
	case err == nil:
		return statusOK
	case errors.As(err, &decodeErr):
		return decodeErr.Status
	case errors.Is(err, ErrDiskFull):
		return statusInsufficientStorage
	case errors.Is(err, ErrBadFileName):
		return statusBadRequest
	case errors.Is(err, ErrTooManyFiles):
		return statusContentTooLarge
	case errors.Is(err, ErrNameTaken):
		return statusConflict
	}
	return statusInternalServerError
}

// Receiver stores the file parts of one request. It is not safe for
// concurrent use: one goroutine at a time drives it.
type Receiver struct {
	dir      string
	maxFiles int
	err      error // sticky: once a call fails, later calls return the same error

	inPart   bool
	files    int    // file parts begun, stored or not
	fields   int    // non-file parts seen
	tempFD   int    // open temporary file of the current part, or -1
	tempPath string // its path until it is linked into place, else "" (also for an unnamed O_TMPFILE file)
	fileName string // the current part's sanitized name
	stored   []string
	// noReplaceUnsupported records that this file system rejected
	// renameat2(RENAME_NOREPLACE), so files are published with link(2).
	noReplaceUnsupported bool
	// noTmpfile records that this file system has no O_TMPFILE, so parts go to named hidden temporary files.
	noTmpfile bool
}

// NewReceiver prepares to store up to maxFiles file parts into dir, which
// must exist.
func NewReceiver(dir string, maxFiles int) *Receiver {
	return &Receiver{dir: dir, maxFiles: maxFiles, tempFD: -1}
}

// Stored returns the final names of the files stored so far, in order.
func (r *Receiver) Stored() []string { return slices.Clone(r.stored) }

// Fields returns how many non-file parts were seen; their data is ignored.
func (r *Receiver) Fields() int { return r.fields }

// Handle takes the decoder's events in order, with p from Decoder.Part and
// data from EventPartData. A part is a file when it has a non-empty filename
// (or filename*): an empty one is what browsers send for an unselected file
// input, so such a part is counted with the fields. A file name with nothing
// safe left after multipart.SanitizeFileName fails with ErrBadFileName. After
// an error the caller must call Abort.
func (r *Receiver) Handle(ev multipart.EventKind, p *multipart.Part, data []byte) error {
	if r.err != nil {
		return r.err
	}
	if err := r.handle(ev, p, data); err != nil {
		r.err = err
		return err
	}
	return nil
}

func (r *Receiver) handle(ev multipart.EventKind, p *multipart.Part, data []byte) error {
	switch ev {
	case multipart.EventNone:
		return nil
	case multipart.EventPartBegin:
		if r.inPart {
			return ErrEventOrder
		}
		r.inPart = true
		if !p.HasFileName || p.FileName == "" {
			r.fields++
			return nil
		}
		name, ok := multipart.SanitizeFileName(p.FileName)
		if !ok {
			return ErrBadFileName
		}
		r.files++
		if r.files > r.maxFiles {
			return ErrTooManyFiles
		}
		r.fileName = name
		return r.createTemp()
	case multipart.EventPartData:
		if !r.inPart {
			return ErrEventOrder
		}
		if r.tempFD < 0 {
			return nil
		}
		return r.write(data)
	case multipart.EventPartEnd:
		if !r.inPart {
			return ErrEventOrder
		}
		r.inPart = false
		if r.tempFD < 0 {
			return nil
		}
		return r.finishFile()
	case multipart.EventDone:
		if r.inPart {
			return ErrEventOrder
		}
		return nil
	}
	return ErrEventOrder
}

// Abort removes the temporary file of the part in progress, if any, and
// makes later calls fail with ErrAborted. Files whose parts already ended
// stay stored: each was received in full, and Stored lists them, so the
// caller can decide what a failed request means for them.
func (r *Receiver) Abort() {
	if r.tempFD >= 0 {
		_ = unix.Close(r.tempFD) // the file is being thrown away; a close error changes nothing
		r.tempFD = -1
	}
	if r.tempPath != "" {
		_ = unix.Unlink(r.tempPath) // best effort: nothing else can be done about a failure here
		r.tempPath = ""
	}
	if r.err == nil {
		r.err = ErrAborted
	}
}

func (r *Receiver) createTemp() error {
	if !r.noTmpfile && tmpfileLinkable() {
		// An unnamed file: until it is linked under its final name it exists in no directory at all, so no
		// crash, disconnect or kill can leave a partial file behind, and creating it skips a directory
		// entry (about three times faster than create+rename here).
		fd, err := unix.Open(r.dir, unix.O_WRONLY|unix.O_TMPFILE|unix.O_CLOEXEC, fileMode)
		if err == nil {
			r.tempFD = fd
			return nil
		}
		if err != unix.EOPNOTSUPP && err != unix.EISDIR && err != unix.EINVAL {
			return ioError("create", r.dir, err)
		}
		r.noTmpfile = true
	}
	var err error
	for range tempNameAttempts {
		path := filepath.Join(r.dir, fmt.Sprintf("%s%08x%s", tempPrefix, rand.Uint32(), tempSuffix))
		// O_EXCL also refuses to follow a planted symlink.
		var fd int
		fd, err = unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, fileMode)
		if err == nil {
			r.tempFD, r.tempPath = fd, path
			return nil
		}
		if err != unix.EEXIST && err != unix.EINTR {
			return ioError("create", path, err)
		}
	}
	return ioError("create", r.dir, err)
}

// tmpfileLinkable reports whether an O_TMPFILE file can be given a name: linkat(2) reaches it through
// /proc/self/fd without the privilege AT_EMPTY_PATH needs.
var tmpfileLinkable = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
})

func (r *Receiver) write(data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(r.tempFD, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return ioError("write", r.tempPath, err)
		}
		data = data[n:]
	}
	return nil
}

// finishFile closes the temporary file and gives it its final name.
func (r *Receiver) finishFile() error {
	if r.tempPath == "" {
		return r.finishUnnamed()
	}
	err := unix.Close(r.tempFD)
	r.tempFD = -1
	if err != nil {
		return ioError("close", r.tempPath, err)
	}
	return r.publishAs(func(path string) error { return r.publish(r.tempPath, path) }, func() { r.tempPath = "" })
}

// finishUnnamed links the O_TMPFILE file under its final name; link(2) never replaces an existing name.
func (r *Receiver) finishUnnamed() error {
	fd := r.tempFD
	defer func() {
		unix.Close(fd)
		r.tempFD = -1
	}()
	proc := "/proc/self/fd/" + strconv.Itoa(fd)
	return r.publishAs(func(path string) error {
		err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
		if err != nil && err != unix.EEXIST {
			return ioError("link", path, err)
		}
		return err
	}, func() {})
}

// publishAs tries the part's name, then name-1, name-2, … until link succeeds without replacing anything.
func (r *Receiver) publishAs(link func(path string) error, published func()) error {
	for i := 0; i <= sequentialSuffixes+randomSuffixes; i++ {
		suffix := i
		if i > sequentialSuffixes {
			suffix = sequentialSuffixes + 1 + rand.IntN(1<<30)
		}
		name := nameWithSuffix(r.fileName, suffix)
		err := link(filepath.Join(r.dir, name))
		if err == unix.EEXIST {
			continue
		}
		if err != nil {
			return err
		}
		published()
		r.stored = append(r.stored, name)
		return nil
	}
	return fmt.Errorf("%w: %s", ErrNameTaken, r.fileName)
}

// publish moves the temporary file to path without ever replacing an
// existing entry, returning unix.EEXIST when path is taken.
func (r *Receiver) publish(tempPath, path string) error {
	if !r.noReplaceUnsupported {
		err := unix.Renameat2(unix.AT_FDCWD, tempPath, unix.AT_FDCWD, path, unix.RENAME_NOREPLACE)
		switch err {
		case nil, unix.EEXIST:
			return err
		case unix.EINVAL, unix.ENOSYS:
			r.noReplaceUnsupported = true
		default:
			return ioError("rename", path, err)
		}
	}
	// link(2) fails with EEXIST rather than replace, which is the atomic
	// guarantee needed; the temporary name is dropped afterwards.
	if err := unix.Link(tempPath, path); err != nil {
		if err == unix.EEXIST {
			return err
		}
		return ioError("link", path, err)
	}
	if err := unix.Unlink(tempPath); err != nil {
		return ioError("unlink", tempPath, err)
	}
	return nil
}

// ioError wraps a failed system call, marking a full disk or exhausted
// quota with ErrDiskFull.
func ioError(op, path string, errno error) error {
	err := &os.PathError{Op: op, Path: path, Err: errno}
	if errno == unix.ENOSPC || errno == unix.EDQUOT {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return fmt.Errorf("upload: %w", err)
}

// nameWithSuffix returns name for i == 0, else name with "-i" inserted before
// its extension ("a.txt" → "a-1.txt"), shortening the stem on a rune boundary
// so the result stays within maxNameBytes.
func nameWithSuffix(name string, i int) string {
	if i == 0 {
		return name
	}
	suffix := "-" + strconv.Itoa(i)
	stem, ext := name, ""
	if dot := strings.LastIndexByte(name, '.'); dot > 0 {
		stem, ext = name[:dot], name[dot:]
	}
	if len(suffix)+len(ext) >= maxNameBytes {
		stem, ext = name, "" // an extension too long to keep is just part of the name
	}
	if room := maxNameBytes - len(suffix) - len(ext); len(stem) > room {
		for room > 0 && !utf8.RuneStart(stem[room]) {
			room--
		}
		stem = stem[:room]
	}
	return stem + suffix + ext
}
