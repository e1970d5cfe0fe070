package upload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	stdmultipart "mime/multipart"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"ferrous/internal/multipart"
)

// formPart is one part of a test form; fileName nil makes it a plain field.
type formPart struct {
	name     string
	fileName *string
	data     string
}

func fileNamed(s string) *string { return &s }

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func buildForm(t *testing.T, parts []formPart) (body []byte, boundary string) {
	t.Helper()
	var buf bytes.Buffer
	w := stdmultipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.fileName != nil {
			// Written by hand: FileContentDisposition would percent-encode
			// control characters that the hostile-name rows need raw.
			h.Set("Content-Disposition", `form-data; name="`+quoteEscaper.Replace(p.name)+`"; filename="`+quoteEscaper.Replace(*p.fileName)+`"`)
		} else {
			h.Set("Content-Disposition", `form-data; name="`+quoteEscaper.Replace(p.name)+`"`)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatalf("CreatePart: %v", err)
		}
		if _, err := io.WriteString(pw, p.data); err != nil {
			t.Fatalf("write part: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes(), w.Boundary()
}

// receive decodes body in reads of readSize bytes and hands every event to r,
// stopping at the first error. It aborts r on error, as the server does.
func receive(t *testing.T, r *Receiver, body []byte, boundary string, readSize int) error {
	t.Helper()
	d := multipart.NewDecoder([]byte(boundary), multipart.DefaultLimits())
	var pending []byte
	for len(body) > 0 {
		take := min(readSize, len(body))
		pending = append(pending, body[:take]...)
		body = body[take:]
		for {
			ev, data, n, err := d.Feed(pending)
			if err == nil {
				err = r.Handle(ev, d.Part(), data)
			}
			if err != nil {
				r.Abort()
				return err
			}
			pending = pending[n:]
			if ev == multipart.EventNone {
				break
			}
		}
		pending = append([]byte(nil), pending...)
	}
	if err := d.Finish(); err != nil {
		r.Abort()
		return err
	}
	return nil
}

// listDir returns the names in dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestReceiver(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("0123456789\r\n--", 10000)
	tests := []struct {
		name       string
		existing   []string // files present in dir before the upload
		parts      []formPart
		maxFiles   int
		wantStored []string          // names Stored reports
		wantFiles  map[string]string // every file in dir afterwards, with content
		wantFields int
		wantErr    error
	}{
		{
			name:       "one file",
			parts:      []formPart{{name: "f", fileName: fileNamed("a.txt"), data: "hello"}},
			wantStored: []string{"a.txt"},
			wantFiles:  map[string]string{"a.txt": "hello"},
		},
		{
			name: "two files and a field",
			parts: []formPart{
				{name: "title", data: "holiday"},
				{name: "f", fileName: fileNamed("a.bin"), data: "\x00\x01\r\n"},
				{name: "f", fileName: fileNamed("b.txt"), data: big},
			},
			wantStored: []string{"a.bin", "b.txt"},
			wantFiles:  map[string]string{"a.bin": "\x00\x01\r\n", "b.txt": big},
			wantFields: 1,
		},
		{
			name:       "empty file",
			parts:      []formPart{{name: "f", fileName: fileNamed("empty.txt")}},
			wantStored: []string{"empty.txt"},
			wantFiles:  map[string]string{"empty.txt": ""},
		},
		{
			name:       "unselected file input is a field",
			parts:      []formPart{{name: "f", fileName: fileNamed("")}},
			wantFiles:  map[string]string{},
			wantFields: 1,
		},
		{
			name:       "collision with an existing file",
			existing:   []string{"a.txt"},
			parts:      []formPart{{name: "f", fileName: fileNamed("a.txt"), data: "new"}},
			wantStored: []string{"a-1.txt"},
			wantFiles:  map[string]string{"a.txt": "old", "a-1.txt": "new"},
		},
		{
			name:       "collision skips taken suffixes",
			existing:   []string{"a.txt", "a-1.txt"},
			parts:      []formPart{{name: "f", fileName: fileNamed("a.txt"), data: "new"}},
			wantStored: []string{"a-2.txt"},
			wantFiles:  map[string]string{"a.txt": "old", "a-1.txt": "old", "a-2.txt": "new"},
		},
		{
			name: "collision within one form",
			parts: []formPart{
				{name: "f", fileName: fileNamed("x"), data: "1"},
				{name: "f", fileName: fileNamed("x"), data: "2"},
				{name: "f", fileName: fileNamed("../x"), data: "3"},
			},
			wantStored: []string{"x", "x-1", "x-2"},
			wantFiles:  map[string]string{"x": "1", "x-1": "2", "x-2": "3"},
		},
		{
			name:       "traversal stays in the directory",
			parts:      []formPart{{name: "f", fileName: fileNamed("../../etc/passwd"), data: "p"}},
			wantStored: []string{"passwd"},
			wantFiles:  map[string]string{"passwd": "p"},
		},
		{
			name:       "windows path",
			parts:      []formPart{{name: "f", fileName: fileNamed(`C:\Users\me\photo.jpg`), data: "j"}},
			wantStored: []string{"photo.jpg"},
			wantFiles:  map[string]string{"photo.jpg": "j"},
		},
		{
			name:       "hidden name loses its dot",
			parts:      []formPart{{name: "f", fileName: fileNamed(".htaccess"), data: "deny"}},
			wantStored: []string{"htaccess"},
			wantFiles:  map[string]string{"htaccess": "deny"},
		},
		{
			name:      "dot dot",
			parts:     []formPart{{name: "f", fileName: fileNamed(".."), data: "x"}},
			wantFiles: map[string]string{},
			wantErr:   ErrBadFileName,
		},
		{
			name:      "directory only",
			parts:     []formPart{{name: "f", fileName: fileNamed("a/b/"), data: "x"}},
			wantFiles: map[string]string{},
			wantErr:   ErrBadFileName,
		},
		{
			name:      "control character",
			parts:     []formPart{{name: "f", fileName: fileNamed("a\x1bb.txt"), data: "x"}},
			wantFiles: map[string]string{},
			wantErr:   multipart.ErrBadPartHeader, // the decoder already refuses control bytes in headers
		},
		{
			name:      "bidi override",
			parts:     []formPart{{name: "f", fileName: fileNamed("cv\u202Efdp.exe"), data: "x"}},
			wantFiles: map[string]string{},
			wantErr:   ErrBadFileName,
		},
		{
			name: "too many files",
			parts: []formPart{
				{name: "f", fileName: fileNamed("1"), data: "1"},
				{name: "f", fileName: fileNamed("2"), data: "2"},
				{name: "f", fileName: fileNamed("3"), data: "3"},
			},
			maxFiles:   2,
			wantStored: []string{"1", "2"},
			wantFiles:  map[string]string{"1": "1", "2": "2"},
			wantErr:    ErrTooManyFiles,
		},
		{
			name: "error after a stored file keeps it",
			parts: []formPart{
				{name: "f", fileName: fileNamed("ok.txt"), data: "fine"},
				{name: "f", fileName: fileNamed("."), data: "x"},
			},
			wantStored: []string{"ok.txt"},
			wantFiles:  map[string]string{"ok.txt": "fine"},
			wantErr:    ErrBadFileName,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body, boundary := buildForm(t, tt.parts)
			for _, readSize := range []int{1, 7, 4096, len(body)} {
				dir := t.TempDir()
				for _, name := range tt.existing {
					if err := os.WriteFile(filepath.Join(dir, name), []byte("old"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				maxFiles := tt.maxFiles
				if maxFiles == 0 {
					maxFiles = 10
				}
				r := NewReceiver(dir, maxFiles)
				err := receive(t, r, body, boundary, readSize)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("read size %d: error = %v, want %v", readSize, err, tt.wantErr)
				}
				if got := r.Stored(); !slices.Equal(got, tt.wantStored) {
					t.Fatalf("read size %d: Stored = %q, want %q", readSize, got, tt.wantStored)
				}
				if tt.wantErr == nil && r.Fields() != tt.wantFields {
					t.Fatalf("read size %d: Fields = %d, want %d", readSize, r.Fields(), tt.wantFields)
				}
				checkDir(t, dir, tt.wantFiles)
			}
		})
	}
}

// checkDir asserts dir holds exactly want: no temporary files, nothing else.
func checkDir(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	names := listDir(t, dir)
	if len(names) != len(want) {
		t.Fatalf("directory holds %q, want the %d files %v", names, len(want), slices.Sorted(mapKeys(want)))
	}
	for _, name := range names {
		content, ok := want[name]
		if !ok {
			t.Fatalf("unexpected file %q in %q", name, names)
		}
		path := filepath.Join(dir, name)
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Fatalf("%s holds %d bytes, want %d", name, len(got), len(content))
		}
		info, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if !info.Mode().IsRegular() || info.Mode().Perm()&^0o644 != 0 {
			t.Fatalf("%s has mode %v, want a regular file within 0644", name, info.Mode())
		}
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestAbortMidPartLeavesNoFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		parts      []formPart
		cut        string // the body is cut just after the first occurrence of this text
		wantStored []string
		wantFiles  map[string]string
	}{
		{
			name:      "first file",
			parts:     []formPart{{name: "f", fileName: fileNamed("a.txt"), data: "partial content"}},
			cut:       "partial",
			wantFiles: map[string]string{},
		},
		{
			name: "second file",
			parts: []formPart{
				{name: "f", fileName: fileNamed("a.txt"), data: "complete"},
				{name: "f", fileName: fileNamed("b.txt"), data: "partial content"},
			},
			cut:        "partial",
			wantStored: []string{"a.txt"},
			wantFiles:  map[string]string{"a.txt": "complete"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			body, boundary := buildForm(t, tt.parts)
			cut := bytes.Index(body, []byte(tt.cut)) + len(tt.cut)
			r := NewReceiver(dir, 10)
			if err := receive(t, r, body[:cut], boundary, 5); err != multipart.ErrUnexpectedEnd {
				t.Fatalf("receive = %v, want ErrUnexpectedEnd", err)
			}
			if got := r.Stored(); !slices.Equal(got, tt.wantStored) {
				t.Fatalf("Stored = %q, want %q", got, tt.wantStored)
			}
			checkDir(t, dir, tt.wantFiles)
			if err := r.Handle(multipart.EventPartData, nil, []byte("x")); err != ErrAborted {
				t.Fatalf("Handle after Abort = %v, want ErrAborted", err)
			}
			r.Abort() // a second Abort is harmless
			checkDir(t, dir, tt.wantFiles)
		})
	}
}

func TestPartialFileIsNeverVisible(t *testing.T) {
	t.Parallel()
	for _, named := range []bool{false, true} {
		t.Run(fmt.Sprintf("named=%v", named), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := NewReceiver(dir, 1)
			r.noTmpfile = named
			part := &multipart.Part{Name: "f", FileName: "a.txt", HasFileName: true}
			if err := r.Handle(multipart.EventPartBegin, part, nil); err != nil {
				t.Fatal(err)
			}
			if err := r.Handle(multipart.EventPartData, part, []byte("abc")); err != nil {
				t.Fatal(err)
			}
			names := listDir(t, dir)
			if named {
				if len(names) != 1 || !strings.HasPrefix(names[0], tempPrefix) || !strings.HasSuffix(names[0], tempSuffix) ||
					len(names[0]) != len(tempPrefix)+8+len(tempSuffix) {
					t.Fatalf("directory during upload holds %q, want one %sXXXXXXXX%s file", names, tempPrefix, tempSuffix)
				}
			} else if len(names) != 0 {
				t.Fatalf("an unnamed temporary file shows in the directory: %q", names)
			}
			if err := r.Handle(multipart.EventPartEnd, part, nil); err != nil {
				t.Fatal(err)
			}
			checkDir(t, dir, map[string]string{"a.txt": "abc"})
		})
	}
}

func TestPlantedSymlinkIsNotFollowed(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	dir := filepath.Join(base, "uploads")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(base, "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	body, boundary := buildForm(t, []formPart{{name: "f", fileName: fileNamed("a.txt"), data: "attack"}})
	r := NewReceiver(dir, 1)
	if err := receive(t, r, body, boundary, len(body)); err != nil {
		t.Fatal(err)
	}
	if got := r.Stored(); !slices.Equal(got, []string{"a-1.txt"}) {
		t.Fatalf("Stored = %q, want [a-1.txt]", got)
	}
	if got, _ := os.ReadFile(victim); string(got) != "precious" {
		t.Fatalf("symlink target was overwritten: %q", got)
	}
}

func TestLongNameCollision(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := strings.Repeat("n", maxNameBytes-len(".txt")) + ".txt"
	r := NewReceiver(dir, 2)
	for range 2 {
		for _, ev := range []multipart.EventKind{multipart.EventPartBegin, multipart.EventPartData, multipart.EventPartEnd} {
			if err := r.Handle(ev, &multipart.Part{Name: "f", FileName: name, HasFileName: true}, []byte("x")); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{name, strings.Repeat("n", maxNameBytes-len("-1.txt")) + "-1.txt"}
	if got := r.Stored(); !slices.Equal(got, want) {
		t.Fatalf("Stored = %q, want %q", got, want)
	}
}

// TestDecodedHostileNames covers names that pass the decoder's header
// checks only through filename*, which is percent-decoded.
func TestDecodedHostileNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fileName string
	}{
		{name: "NUL", fileName: "a\x00.txt"},
		{name: "escape", fileName: "\x1b[2J.txt"},
		{name: "newline", fileName: "a\nb"},
		{name: "only dots", fileName: "..."},
		{name: "only a separator", fileName: "/"},
		{name: "invalid UTF-8", fileName: "\xff.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := NewReceiver(dir, 1)
			err := r.Handle(multipart.EventPartBegin, &multipart.Part{Name: "f", FileName: tt.fileName, HasFileName: true}, nil)
			if err != ErrBadFileName || StatusFor(err) != 400 {
				t.Fatalf("Handle = %v, want ErrBadFileName (400)", err)
			}
			r.Abort()
			checkDir(t, dir, map[string]string{})
		})
	}
}

func TestMissingDirectory(t *testing.T) {
	t.Parallel()
	r := NewReceiver(filepath.Join(t.TempDir(), "absent"), 1)
	err := r.Handle(multipart.EventPartBegin, &multipart.Part{Name: "f", FileName: "a", HasFileName: true}, nil)
	var pathErr *os.PathError
	if !errors.As(err, &pathErr) || !errors.Is(err, unix.ENOENT) || StatusFor(err) != 500 {
		t.Fatalf("Handle = %v (status %d), want a wrapped ENOENT path error with status 500", err, StatusFor(err))
	}
	r.Abort()
}

func TestEventOrder(t *testing.T) {
	t.Parallel()
	part := &multipart.Part{Name: "f"}
	tests := []struct {
		name   string
		events []multipart.EventKind
	}{
		{name: "data before begin", events: []multipart.EventKind{multipart.EventPartData}},
		{name: "end before begin", events: []multipart.EventKind{multipart.EventPartEnd}},
		{name: "begin twice", events: []multipart.EventKind{multipart.EventPartBegin, multipart.EventPartBegin}},
		{name: "done inside a part", events: []multipart.EventKind{multipart.EventPartBegin, multipart.EventDone}},
		{name: "unknown event", events: []multipart.EventKind{multipart.EventKind(200)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewReceiver(t.TempDir(), 1)
			var err error
			for _, ev := range tt.events {
				if err = r.Handle(ev, part, nil); err != nil {
					break
				}
			}
			if err != ErrEventOrder {
				t.Fatalf("Handle = %v, want ErrEventOrder", err)
			}
		})
	}
}

func TestNameWithSuffix(t *testing.T) {
	t.Parallel()
	longStem := strings.Repeat("s", 251)
	longEuro := strings.Repeat("€", 83) // 249 bytes
	longExt := "a." + strings.Repeat("e", 253)
	tests := []struct {
		name string
		in   string
		i    int
		want string
	}{
		{name: "no suffix", in: "a.txt", i: 0, want: "a.txt"},
		{name: "extension", in: "a.txt", i: 1, want: "a-1.txt"},
		{name: "no extension", in: "README", i: 12, want: "README-12"},
		{name: "last dot only", in: "a.tar.gz", i: 3, want: "a.tar-3.gz"},
		{name: "long stem shortened", in: longStem + ".txt", i: 1, want: longStem[:249] + "-1.txt"},
		{name: "multibyte stem cut on rune boundary", in: longEuro + ".txt", i: 10, want: strings.Repeat("€", 82) + "-10.txt"},
		{name: "overlong extension treated as stem", in: longExt, i: 1, want: longExt[:253] + "-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := nameWithSuffix(tt.in, tt.i)
			if got != tt.want {
				t.Fatalf("nameWithSuffix(%q, %d) = %q, want %q", tt.in, tt.i, got, tt.want)
			}
			if len(got) > maxNameBytes {
				t.Fatalf("nameWithSuffix result is %d bytes", len(got))
			}
		})
	}
}

func TestStatusFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "nil", err: nil, want: 200},
		{name: "ENOSPC", err: ioError("write", "f", unix.ENOSPC), want: 507},
		{name: "EDQUOT", err: ioError("close", "f", unix.EDQUOT), want: 507},
		{name: "EIO", err: ioError("write", "f", unix.EIO), want: 500},
		{name: "EACCES", err: ioError("create", "f", unix.EACCES), want: 500},
		{name: "bad file name", err: ErrBadFileName, want: 400},
		{name: "too many files", err: ErrTooManyFiles, want: 413},
		{name: "name taken", err: ErrNameTaken, want: 409},
		{name: "event order", err: ErrEventOrder, want: 500},
		{name: "decoder 415", err: multipart.ErrNotMultipart, want: 415},
		{name: "decoder 400", err: multipart.ErrUnexpectedEnd, want: 400},
		{name: "other", err: errors.New("boom"), want: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := StatusFor(tt.err); got != tt.want {
				t.Fatalf("StatusFor(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestDiskFullIsWrapped(t *testing.T) {
	t.Parallel()
	err := ioError("write", "f", unix.ENOSPC)
	var pathErr *os.PathError
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, unix.ENOSPC) || !errors.As(err, &pathErr) {
		t.Fatalf("ioError(ENOSPC) = %v, want ErrDiskFull wrapping the path error", err)
	}
}

// TestManyUploadsOfOneName: past the readable "-1" … "-16", names get a random suffix, so the hundredth upload of a
// name costs as few probes as the twentieth and every upload is still stored without replacing another.
func TestManyUploadsOfOneName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const uploads = 60
	for i := range uploads {
		r := NewReceiver(dir, 1)
		part := &multipart.Part{Name: "f", FileName: "same.txt", HasFileName: true}
		for _, step := range []struct {
			ev   multipart.EventKind
			data []byte
		}{{multipart.EventPartBegin, nil}, {multipart.EventPartData, []byte(strconv.Itoa(i))}, {multipart.EventPartEnd, nil}} {
			if err := r.Handle(step.ev, part, step.data); err != nil {
				t.Fatalf("upload %d: %v", i, err)
			}
		}
	}
	names := listDir(t, dir)
	if len(names) != uploads {
		t.Fatalf("%d files stored, want %d", len(names), uploads)
	}
	for _, want := range []string{"same.txt", "same-1.txt", "same-16.txt"} {
		if !slices.Contains(names, want) {
			t.Errorf("missing %s", want)
		}
	}
	if slices.Contains(names, "same-17.txt") && slices.Contains(names, "same-18.txt") && slices.Contains(names, "same-19.txt") {
		t.Error("suffixes kept counting past the sequential range")
	}
}
