package session

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// fileMagic opens every session file; the digit is the format version.
	fileMagic = "ferrous-session 1"
	// tempPrefix marks files being written. Ids are hex, so no session file
	// starts with a dot.
	tempPrefix = ".tmp-"
	dirPerm    = 0o700
	// fileOverheadBytes bounds everything in a file but the encoded values.
	fileOverheadBytes = 64
	// encodedBytesPerValueByte bounds the encoded values per byte charged
	// to MaxValueBytes: three for "%XX" plus the "=" and "&" of a pair,
	// which costs at least one byte except for the single possible empty
	// key with an empty value.
	encodedBytesPerValueByte = 5
	// persistSlackDivisor trades write load for restart accuracy: a Save
	// that only slides the expiry rewrites the file once the copy on disk
	// lags by TTL/persistSlackDivisor, so a restart can shorten a session's
	// life by at most that much, while a session refreshed on every request
	// costs one write per eighth of its TTL, not one per request.
	persistSlackDivisor = 8
)

// errNeedsWrite aborts the in-memory-only attempt of FileStore.Save.
var errNeedsWrite = errors.New("session: file must be written")

// errCorrupt is the cause of every session file that fails to parse.
var errCorrupt = errors.New("session: corrupt session file")

// FileStore keeps sessions in memory, like MemoryStore, and writes every
// change through to a directory (one file per session, named by its id) so
// that sessions survive a restart. Reads never touch the disk.
//
// A file is written to a temporary name and renamed into place while the
// session's shard is locked, so the last Save to update memory is also the
// one left on disk. Files are not fsynced: a write costs no disk flush on
// the request path, and a file damaged by a power loss is dropped on the
// next open like any corrupt one.
type FileStore struct {
	t       *table
	dir     string
	slack   time.Duration
	skipped int
}

var _ Store = (*FileStore)(nil)

// NewFileStore opens (creating if needed) dir and loads every unexpired
// session in it. Expired session files are removed. Corrupt or oversized
// ones, leftovers of interrupted writes, and sessions beyond MaxSessions
// (the soonest to expire go first) are removed and counted by Skipped;
// entries whose names are not ids are counted and left alone.
func NewFileStore(dir string, o Options, now time.Time) (*FileStore, error) {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("session: creating store directory: %w", err)
	}
	s := &FileStore{t: newTable(o), dir: dir}
	s.slack = s.t.opts.TTL / persistSlackDivisor
	s.t.onExpired = s.removeExpiredFiles
	if err := s.load(now); err != nil {
		return nil, err
	}
	return s, nil
}

type loadedSession struct {
	id string
	e  entry
}

func (s *FileStore) load(now time.Time) error {
	dirEntries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("session: reading store directory: %w", err)
	}
	limit := int64(fileOverheadBytes + encodedBytesPerValueByte*s.t.opts.MaxValueBytes)
	var live []loadedSession
	for _, de := range dirEntries {
		name := de.Name()
		if strings.HasPrefix(name, tempPrefix) && de.Type().IsRegular() {
			s.discard(name)
			continue
		}
		// Symlinks and directories are not ours even when named like ids.
		if !ValidID(name) || !de.Type().IsRegular() {
			s.skipped++
			continue
		}
		expires, v, err := readSessionFile(filepath.Join(s.dir, name), limit)
		if err != nil || valuesSize(v) > s.t.opts.MaxValueBytes {
			s.discard(name)
			continue
		}
		if !now.Before(expires) {
			_ = os.Remove(filepath.Join(s.dir, name))
			continue
		}
		live = append(live, loadedSession{id: name, e: entry{values: v, expires: expires, persisted: expires}})
	}
	if len(live) > s.t.opts.MaxSessions {
		slices.SortFunc(live, func(a, b loadedSession) int { return b.e.expires.Compare(a.e.expires) })
		for _, l := range live[s.t.opts.MaxSessions:] {
			s.discard(l.id)
		}
		live = live[:s.t.opts.MaxSessions]
	}
	for _, l := range live {
		s.t.shardFor(l.id).entries[l.id] = l.e
	}
	s.t.count.Store(int64(len(live)))
	return nil
}

// discard removes a file found on open that will not be loaded. A failed
// removal is ignored: the file is retried on the next open.
func (s *FileStore) discard(name string) {
	s.skipped++
	_ = os.Remove(filepath.Join(s.dir, name))
}

// Skipped returns how many directory entries the open did not load for a
// reason other than expiry.
func (s *FileStore) Skipped() int { return s.skipped }

// TTL returns the lifetime a Save grants.
func (s *FileStore) TTL() time.Duration { return s.t.opts.TTL }

// Get implements Store; it reads memory only.
func (s *FileStore) Get(id string, now time.Time) (Values, bool, error) {
	v, ok := s.t.get(id, now)
	return v, ok, nil
}

// Save implements Store. A Save that changes nothing but the expiry is kept
// in memory until the expiry on disk lags by TTL/persistSlackDivisor.
func (s *FileStore) Save(id string, v Values, now time.Time) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	if err := checkSize(v, s.t.opts.MaxValueBytes); err != nil {
		return err
	}
	err := s.t.put(id, v, now, s.refreshInMemory)
	if !errors.Is(err, errNeedsWrite) {
		return err
	}
	tmp, err := s.writeTemp(id, encodeSessionFile(now.Add(s.t.opts.TTL), v))
	if err != nil {
		return err
	}
	err = s.t.put(id, v, now, func(_, next *entry, _ bool) error {
		if err := os.Rename(tmp, s.path(id)); err != nil {
			return fmt.Errorf("session: installing session file: %w", err)
		}
		next.persisted = next.expires
		return nil
	})
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

func (s *FileStore) refreshInMemory(prev, next *entry, sameValues bool) error {
	if prev == nil || !sameValues || next.expires.Sub(prev.persisted) >= s.slack {
		return errNeedsWrite
	}
	next.persisted = prev.persisted
	return nil
}

// Delete implements Store; the file goes first, so a session whose file
// cannot be removed stays live rather than coming back after a restart.
func (s *FileStore) Delete(id string) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	return s.t.remove(id, func() error {
		if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("session: removing session file: %w", err)
		}
		return nil
	})
}

// Sweep implements Store; it also removes the expired sessions' files.
func (s *FileStore) Sweep(now time.Time) int { return s.t.sweep(now) }

// removeExpiredFiles runs after a sweep. Each file is removed under its
// shard lock, one at a time, so that readers never wait for more than one
// unlink, and only if no Save brought the id back in the meantime. A failed
// removal is ignored: the next open finds the file expired and removes it.
func (s *FileStore) removeExpiredFiles(ids []string) {
	for _, id := range ids {
		sh := s.t.shardFor(id)
		sh.mu.Lock()
		if !sh.has(id) {
			_ = os.Remove(s.path(id))
		}
		sh.mu.Unlock()
	}
}

// Len returns the number of stored sessions, expired or not.
func (s *FileStore) Len() int { return int(s.t.count.Load()) }

// Close implements Store. Files stay for the next open.
func (s *FileStore) Close() error {
	s.t.close()
	return nil
}

// path requires a valid id, which cannot hold a separator or dots.
func (s *FileStore) path(id string) string { return filepath.Join(s.dir, id) }

func (s *FileStore) writeTemp(id string, data []byte) (string, error) {
	f, err := os.CreateTemp(s.dir, tempPrefix+id+"-*")
	if err != nil {
		return "", fmt.Errorf("session: creating session file: %w", err)
	}
	_, writeErr := f.Write(data)
	if err := errors.Join(writeErr, f.Close()); err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("session: writing session file: %w", err)
	}
	return f.Name(), nil
}

// encodeSessionFile lays a session out as
//
//	"ferrous-session 1" LF
//	expiry-unix-nanoseconds LF
//	EncodeValues(v) LF             ; escaping leaves no LF inside
//	crc32-ieee-of-the-above-as-8-lowercase-hex LF
func encodeSessionFile(expires time.Time, v Values) []byte {
	b := make([]byte, 0, fileOverheadBytes+3*valuesSize(v))
	b = append(b, fileMagic...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, expires.UnixNano(), 10)
	b = append(b, '\n')
	b = append(b, EncodeValues(v)...)
	b = append(b, '\n')
	b = fmt.Appendf(b, "%08x\n", crc32.ChecksumIEEE(b))
	return b
}

func parseSessionFile(data []byte) (time.Time, Values, error) {
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return time.Time{}, nil, fmt.Errorf("%w: truncated", errCorrupt)
	}
	body := data[:len(data)-1]
	sumAt := bytes.LastIndexByte(body, '\n') + 1
	sum, err := strconv.ParseUint(string(body[sumAt:]), 16, 32)
	if err != nil || len(body)-sumAt != 8 || uint32(sum) != crc32.ChecksumIEEE(body[:sumAt]) {
		return time.Time{}, nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	lines := strings.Split(string(body[:sumAt]), "\n")
	// Three lines, each ended by LF, split into four with an empty last.
	if len(lines) != 4 || lines[0] != fileMagic || lines[3] != "" {
		return time.Time{}, nil, fmt.Errorf("%w: bad layout", errCorrupt)
	}
	nanos, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("%w: expiry: %w", errCorrupt, err)
	}
	v, err := decodeValues(lines[2])
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("%w: values: %w", errCorrupt, err)
	}
	return time.Unix(0, nanos), v, nil
}

func readSessionFile(path string, limit int64) (time.Time, Values, error) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("session: opening session file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("session: reading session file: %w", err)
	}
	if int64(len(data)) > limit {
		return time.Time{}, nil, fmt.Errorf("%w: larger than %d bytes", errCorrupt, limit)
	}
	return parseSessionFile(data)
}
