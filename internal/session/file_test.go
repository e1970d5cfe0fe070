package session

import (
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func openFileStore(t testing.TB, dir string, o Options, now time.Time) *FileStore {
	t.Helper()
	s, err := NewFileStore(dir, o, now)
	if err != nil {
		t.Fatalf("NewFileStore: %v", err)
	}
	return s
}

func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func fileExists(dir, name string) bool {
	_, err := os.Lstat(filepath.Join(dir, name))
	return err == nil
}

// diskExpiry reads the expiry a session file records.
func diskExpiry(t testing.TB, dir, id string) time.Time {
	t.Helper()
	expires, _, err := readSessionFile(filepath.Join(dir, id), 1<<20)
	if err != nil {
		t.Fatalf("reading session file: %v", err)
	}
	return expires
}

// craftFile builds a file with a valid checksum around arbitrary lines.
func craftFile(lines ...string) string {
	body := strings.Join(lines, "\n") + "\n"
	return body + fmt.Sprintf("%08x\n", crc32.ChecksumIEEE([]byte(body)))
}

func TestFileStoreReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openFileStore(t, dir, Options{TTL: testTTL}, t0)
	first, second := newTestID(t), newTestID(t)
	awkward := Values{"user": "ann", "note": "a&b=c\nd%e+f é", "": "empty key"}
	mustSave(t, s, first, awkward, t0)
	mustSave(t, s, second, nil, t0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	reopened := openFileStore(t, dir, Options{TTL: testTTL}, t0.Add(time.Second))
	if got, ok := mustGet(t, reopened, first, t0.Add(time.Second)); !ok || !maps.Equal(got, awkward) {
		t.Errorf("after reopen Get = %q, %v; want %q", got, ok, awkward)
	}
	if got, ok := mustGet(t, reopened, second, t0.Add(time.Second)); !ok || len(got) != 0 {
		t.Errorf("after reopen Get(empty session) = %q, %v", got, ok)
	}
	if reopened.Len() != 2 || reopened.Skipped() != 0 {
		t.Errorf("Len %d, Skipped %d; want 2, 0", reopened.Len(), reopened.Skipped())
	}
	// The loaded expiry is the saved one, not the reopen time plus TTL.
	if _, ok := mustGet(t, reopened, first, t0.Add(testTTL)); ok {
		t.Error("reloaded session outlived its saved expiry")
	}
}

func TestFileStoreExpiredNotLoaded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openFileStore(t, dir, Options{TTL: testTTL}, t0)
	expired, live := newTestID(t), newTestID(t)
	mustSave(t, s, expired, Values{"k": "v"}, t0)
	mustSave(t, s, live, Values{"k": "v"}, t0.Add(testTTL/2))

	reopened := openFileStore(t, dir, Options{TTL: testTTL}, t0.Add(testTTL))
	if _, ok := mustGet(t, reopened, expired, t0); ok {
		t.Error("expired session was loaded")
	}
	if fileExists(dir, expired) {
		t.Error("expired session file was left behind")
	}
	if _, ok := mustGet(t, reopened, live, t0.Add(testTTL)); !ok {
		t.Error("live session was not loaded")
	}
	if reopened.Skipped() != 0 {
		t.Errorf("Skipped = %d; expiry is not a skip", reopened.Skipped())
	}
}

func TestFileStoreCorruptSkipped(t *testing.T) {
	t.Parallel()
	expires := fmt.Sprint(t0.Add(testTTL).UnixNano())
	good := string(encodeSessionFile(t0.Add(testTTL), Values{"k": "v"}))
	tests := []struct {
		name     string
		contents string
	}{
		{name: "empty", contents: ""},
		{name: "truncated", contents: good[:len(good)-1]},
		{name: "cut mid-body", contents: good[:len(good)/2]},
		{name: "flipped byte", contents: strings.Replace(good, "k=v", "k=w", 1)},
		{name: "checksum not hex", contents: good[:len(good)-9] + "zzzzzzzz\n"},
		{name: "short checksum", contents: good[:len(good)-9] + "0\n"},
		{name: "trailing garbage", contents: good + "x"},
		{name: "wrong magic", contents: craftFile("ferrous-session 2", expires, "k=v")},
		{name: "extra line", contents: craftFile(fileMagic, expires, "k=v", "more")},
		{name: "missing line", contents: craftFile(fileMagic, expires)},
		{name: "bad expiry", contents: craftFile(fileMagic, "soon", "k=v")},
		{name: "bad escape", contents: craftFile(fileMagic, expires, "k=%zz")},
		{name: "pair without equals", contents: craftFile(fileMagic, expires, "k")},
		{name: "duplicate key", contents: craftFile(fileMagic, expires, "k=v&k=w")},
		{name: "values over limit", contents: craftFile(fileMagic, expires, "k="+strings.Repeat("v", 64))},
		{name: "file over limit", contents: craftFile(fileMagic, expires, "k=v&"+strings.Repeat("%41", 400))},
		{name: "binary", contents: "\x00\xff\x00\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			o := Options{TTL: testTTL, MaxValueBytes: 32}
			s := openFileStore(t, dir, o, t0)
			kept := newTestID(t)
			mustSave(t, s, kept, Values{"k": "v"}, t0)
			corrupt := newTestID(t)
			if err := os.WriteFile(filepath.Join(dir, corrupt), []byte(tt.contents), 0o600); err != nil {
				t.Fatal(err)
			}

			reopened := openFileStore(t, dir, o, t0)
			if _, ok := mustGet(t, reopened, corrupt, t0); ok {
				t.Error("corrupt session was loaded")
			}
			if fileExists(dir, corrupt) {
				t.Error("corrupt file was left behind")
			}
			if _, ok := mustGet(t, reopened, kept, t0); !ok {
				t.Error("good session was not loaded")
			}
			if reopened.Skipped() != 1 {
				t.Errorf("Skipped = %d; want 1", reopened.Skipped())
			}
		})
	}
}

func TestFileStoreForeignEntries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	idNamedDir, idNamedLink := newTestID(t), newTestID(t)
	leftover := tempPrefix + newTestID(t) + "-123"
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, idNamedDir), 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(target, encodeSessionFile(t0.Add(testTTL), Values{"k": "v"}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, idNamedLink)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, leftover), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}

	s := openFileStore(t, dir, Options{TTL: testTTL}, t0)
	if s.Len() != 0 || s.Skipped() != 4 {
		t.Errorf("Len %d, Skipped %d; want 0, 4", s.Len(), s.Skipped())
	}
	for _, name := range []string{"notes.txt", idNamedDir, idNamedLink} {
		if !fileExists(dir, name) {
			t.Errorf("%s was removed; only our own files may be", name)
		}
	}
	if fileExists(dir, leftover) {
		t.Error("interrupted write was left behind")
	}
}

func TestFileStoreCapacityOnLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openFileStore(t, dir, Options{TTL: testTTL}, t0)
	ids := []string{newTestID(t), newTestID(t), newTestID(t)}
	for i, id := range ids {
		mustSave(t, s, id, nil, t0.Add(time.Duration(i)*time.Second))
	}
	reopened := openFileStore(t, dir, Options{TTL: testTTL, MaxSessions: 2}, t0)
	if reopened.Len() != 2 || reopened.Skipped() != 1 {
		t.Fatalf("Len %d, Skipped %d; want 2, 1", reopened.Len(), reopened.Skipped())
	}
	if _, ok := mustGet(t, reopened, ids[0], t0); ok || fileExists(dir, ids[0]) {
		t.Error("the session closest to expiry should have been dropped")
	}
}

func TestFileStoreDeleteRemovesFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openFileStore(t, dir, Options{TTL: testTTL}, t0)
	id := newTestID(t)
	mustSave(t, s, id, Values{"k": "v"}, t0)
	if !fileExists(dir, id) {
		t.Fatal("Save wrote no file")
	}
	if err := s.Delete(id); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("directory holds %q after Delete", names)
	}
}

func TestFileStoreSweepRemovesFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openFileStore(t, dir, Options{TTL: testTTL}, t0)
	expired, live := newTestID(t), newTestID(t)
	mustSave(t, s, expired, nil, t0)
	mustSave(t, s, live, nil, t0.Add(testTTL/2))
	if n := s.Sweep(t0.Add(testTTL)); n != 1 {
		t.Fatalf("Sweep = %d; want 1", n)
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != live {
		t.Errorf("directory holds %q; want only %s", names, live)
	}
}

func TestFileStoreRejectsPathIDs(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	dir := filepath.Join(parent, "sessions")
	s := openFileStore(t, dir, Options{TTL: testTTL}, t0)
	for _, id := range []string{"../escape", "..", "/absolute", "a/b", strings.Repeat("a", IDLen-3) + "/.."} {
		if err := s.Save(id, Values{"k": "v"}, t0); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Save(%q) = %v; want ErrInvalidID", id, err)
		}
		if err := s.Delete(id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Delete(%q) = %v; want ErrInvalidID", id, err)
		}
	}
	if names := dirNames(t, parent); len(names) != 1 {
		t.Errorf("parent holds %q; want only the store directory", names)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("store directory holds %q", names)
	}
}

// A refresh that changes nothing but the expiry is not written until the
// disk copy lags by TTL/persistSlackDivisor; a change of values always is.
func TestFileStoreRefreshWrites(t *testing.T) {
	t.Parallel()
	slack := testTTL / persistSlackDivisor
	tests := []struct {
		name       string
		at         time.Duration
		values     Values
		wantOnDisk time.Duration // expiry on disk, as an offset from t0
	}{
		{name: "same values soon after", at: time.Second, values: Values{"k": "v"}, wantOnDisk: testTTL},
		{name: "same values just inside slack", at: slack - time.Nanosecond, values: Values{"k": "v"}, wantOnDisk: testTTL},
		{name: "same values at slack", at: slack, values: Values{"k": "v"}, wantOnDisk: slack + testTTL},
		{name: "changed values", at: time.Second, values: Values{"k": "w"}, wantOnDisk: time.Second + testTTL},
		{name: "added key", at: time.Second, values: Values{"k": "v", "n": "1"}, wantOnDisk: time.Second + testTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s := openFileStore(t, dir, Options{TTL: testTTL}, t0)
			id := newTestID(t)
			mustSave(t, s, id, Values{"k": "v"}, t0)
			mustSave(t, s, id, tt.values, t0.Add(tt.at))
			if got, want := diskExpiry(t, dir, id), t0.Add(tt.wantOnDisk); !got.Equal(want) {
				t.Errorf("expiry on disk = %v; want %v", got, want)
			}
			// Memory always slides, whatever is on disk.
			if _, ok := mustGet(t, s, id, t0.Add(tt.at+testTTL-time.Nanosecond)); !ok {
				t.Error("in-memory expiry did not slide")
			}
		})
	}
}

// Concurrent Saves of one id leave on disk what memory holds.
func TestFileStoreConcurrentSameID(t *testing.T) {
	t.Parallel()
	const workers = 6
	dir := t.TempDir()
	s := openFileStore(t, dir, Options{TTL: testTTL}, t0)
	id := newTestID(t)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range 30 {
				if err := s.Save(id, Values{"w": fmt.Sprint(w), "i": fmt.Sprint(i)}, t0); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	inMemory, _ := mustGet(t, s, id, t0)
	onDisk := openFileStore(t, dir, Options{TTL: testTTL}, t0)
	if got, ok := mustGet(t, onDisk, id, t0); !ok || !maps.Equal(got, inMemory) {
		t.Errorf("disk holds %v, memory %v", got, inMemory)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q; want only the session file", names)
	}
}

func TestNewFileStoreBadDir(t *testing.T) {
	t.Parallel()
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFileStore(notADir, Options{}, t0); err == nil {
		t.Error("NewFileStore over a regular file succeeded")
	}
}

// Encoding round-trips, and a file cut at any point fails to parse rather
// than yielding a partial session.
func TestSessionFileProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		v := rapid.MapOf(rapid.String(), rapid.String()).Draw(t, "values")
		expires := time.Unix(0, rapid.Int64().Draw(t, "nanos"))
		data := encodeSessionFile(expires, Values(v))
		gotExpires, got, err := parseSessionFile(data)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		if !gotExpires.Equal(expires) || !maps.Equal(got, Values(v)) {
			t.Fatalf("round trip gave %v %q; want %v %q", gotExpires, got, expires, v)
		}
		for cut := range len(data) {
			if _, _, err := parseSessionFile(data[:cut]); err == nil {
				t.Fatalf("parse accepted the first %d of %d bytes", cut, len(data))
			}
		}
	})
}

func BenchmarkFileStoreRefresh(b *testing.B) {
	s := openFileStore(b, b.TempDir(), Options{TTL: time.Hour}, t0)
	id := newTestID(b)
	v := Values{"user": "ann", "cart": "3"}
	mustSave(b, s, id, v, t0)
	b.ReportAllocs()
	b.SetBytes(int64(valuesSize(v)))
	for b.Loop() {
		if err := s.Save(id, v, t0.Add(time.Second)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFileStoreWrite(b *testing.B) {
	s := openFileStore(b, b.TempDir(), Options{TTL: time.Hour}, t0)
	id := newTestID(b)
	values := []Values{{"user": "ann", "cart": "3"}, {"user": "ann", "cart": "4"}}
	b.ReportAllocs()
	b.SetBytes(int64(valuesSize(values[0])))
	i := 0
	for b.Loop() {
		if err := s.Save(id, values[i%2], t0); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
