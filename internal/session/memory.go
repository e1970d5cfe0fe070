package session

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// shardCount splits the table so that event loops working on different
// sessions rarely wait for one another. Ids are random hex, so their first
// digit spreads them evenly over 16 shards.
const shardCount = 16

type entry struct {
	values  Values
	expires time.Time
	// persisted is the expiry last written to disk (FileStore only).
	persisted time.Time
}

type shard struct {
	mu      sync.RWMutex
	entries map[string]entry
}

// commitFunc runs under the shard lock just before next replaces prev (nil
// when the id is new). sameValues reports that next reuses prev's values.
// An error aborts the Save and leaves the table unchanged.
type commitFunc func(prev, next *entry, sameValues bool) error

// table is the in-memory core shared by MemoryStore and FileStore.
type table struct {
	opts   Options
	shards [shardCount]shard
	// count is kept apart from the shards so that MaxSessions is enforced
	// across all of them without a global lock.
	count  atomic.Int64
	closed atomic.Bool
	// onExpired, when set, receives the ids a sweep removed, after the
	// shard locks were released.
	onExpired func(ids []string)
}

func newTable(o Options) *table {
	t := &table{opts: o.withDefaults()}
	for i := range t.shards {
		t.shards[i].entries = make(map[string]entry)
	}
	return t
}

// shardFor requires a valid id.
func (t *table) shardFor(id string) *shard {
	return &t.shards[hexValue(id[0])&(shardCount-1)]
}

func (t *table) get(id string, now time.Time) (Values, bool) {
	if !ValidID(id) {
		return nil, false
	}
	sh := t.shardFor(id)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	e, ok := sh.entries[id]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	return cloneValues(e.values), true
}

// reserve claims a slot for a new session, exactly honouring MaxSessions
// under concurrent Saves.
func (t *table) reserve() bool {
	limit := int64(t.opts.MaxSessions)
	for {
		n := t.count.Load()
		if n >= limit {
			return false
		}
		if t.count.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// put stores a copy of v under a valid id. When the table is full it sweeps
// once and retries before giving up with ErrFull.
func (t *table) put(id string, v Values, now time.Time, commit commitFunc) error {
	sh := t.shardFor(id)
	swept := false
	for {
		sh.mu.Lock()
		if t.closed.Load() {
			sh.mu.Unlock()
			return ErrClosed
		}
		prev, exists := sh.entries[id]
		if !exists && !t.reserve() {
			sh.mu.Unlock()
			if swept {
				return fmt.Errorf("%w: %d sessions", ErrFull, t.opts.MaxSessions)
			}
			// The sweep takes every shard lock, so ours must be released.
			t.sweep(now)
			swept = true
			continue
		}
		next := entry{expires: now.Add(t.opts.TTL)}
		same := exists && equalValues(prev.values, v)
		if same {
			// Stored maps are never handed out, so sharing is safe and
			// spares the common refresh-only Save an allocation.
			next.values = prev.values
		} else {
			next.values = cloneValues(v)
		}
		if commit != nil {
			var prevp *entry
			if exists {
				prevp = &prev
			}
			if err := commit(prevp, &next, same); err != nil {
				if !exists {
					t.count.Add(-1)
				}
				sh.mu.Unlock()
				return err
			}
		}
		sh.entries[id] = next
		sh.mu.Unlock()
		return nil
	}
}

// remove deletes a valid id. commit, when set, runs under the shard lock
// first and aborts the removal on error.
func (t *table) remove(id string, commit func() error) error {
	sh := t.shardFor(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if t.closed.Load() {
		return ErrClosed
	}
	if _, ok := sh.entries[id]; !ok {
		return nil
	}
	if commit != nil {
		if err := commit(); err != nil {
			return err
		}
	}
	delete(sh.entries, id)
	t.count.Add(-1)
	return nil
}

// has reports whether id is stored; the caller holds the shard lock.
func (sh *shard) has(id string) bool {
	_, ok := sh.entries[id]
	return ok
}

func (t *table) sweep(now time.Time) int {
	var expiredIDs []string
	total := 0
	for i := range t.shards {
		sh := &t.shards[i]
		// Sweeps run every few seconds on every loop and usually find
		// nothing; a shared-lock scan keeps them from stalling readers.
		if !sh.anyExpired(now) {
			continue
		}
		sh.mu.Lock()
		n := 0
		for id, e := range sh.entries {
			if now.Before(e.expires) {
				continue
			}
			delete(sh.entries, id)
			n++
			if t.onExpired != nil {
				expiredIDs = append(expiredIDs, id)
			}
		}
		// Per shard, so that concurrent Saves see the room at once.
		t.count.Add(int64(-n))
		sh.mu.Unlock()
		total += n
	}
	if len(expiredIDs) > 0 {
		t.onExpired(expiredIDs)
	}
	return total
}

func (sh *shard) anyExpired(now time.Time) bool {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	for _, e := range sh.entries {
		if !now.Before(e.expires) {
			return true
		}
	}
	return false
}

// close makes later writes fail. Taking every shard lock once guarantees
// that no Save in flight commits after close returns.
func (t *table) close() {
	t.closed.Store(true)
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		clear(sh.entries)
		sh.mu.Unlock()
	}
	t.count.Store(0)
}

// MemoryStore keeps sessions in process memory only.
type MemoryStore struct {
	t *table
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store; zero Options fields take defaults.
func NewMemoryStore(o Options) *MemoryStore {
	return &MemoryStore{t: newTable(o)}
}

// Get implements Store.
func (s *MemoryStore) Get(id string, now time.Time) (Values, bool, error) {
	v, ok := s.t.get(id, now)
	return v, ok, nil
}

// Save implements Store.
func (s *MemoryStore) Save(id string, v Values, now time.Time) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	if err := checkSize(v, s.t.opts.MaxValueBytes); err != nil {
		return err
	}
	return s.t.put(id, v, now, nil)
}

// Delete implements Store.
func (s *MemoryStore) Delete(id string) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	return s.t.remove(id, nil)
}

// Sweep implements Store.
func (s *MemoryStore) Sweep(now time.Time) int { return s.t.sweep(now) }

// Len returns the number of stored sessions, expired or not.
func (s *MemoryStore) Len() int { return int(s.t.count.Load()) }

// Close implements Store; it drops every session.
func (s *MemoryStore) Close() error {
	s.t.close()
	return nil
}

// TTL returns the lifetime a Save grants.
func (s *MemoryStore) TTL() time.Duration { return s.t.opts.TTL }
