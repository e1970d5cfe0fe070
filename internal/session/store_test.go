package session

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is an arbitrary wall-clock start; stores never read the clock, so
// tests move time by hand.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const testTTL = time.Minute

// localStore is a store that keeps its sessions in this process and can
// count them.
type localStore interface {
	Store
	Len() int
}

// storeKinds runs the Store contract against every in-process
// implementation; redis_test.go covers RedisStore against a real server.
var storeKinds = []struct {
	name string
	open func(t testing.TB, o Options) localStore
}{
	{name: "memory", open: func(_ testing.TB, o Options) localStore { return NewMemoryStore(o) }},
	{name: "file", open: func(t testing.TB, o Options) localStore {
		s, err := NewFileStore(t.TempDir(), o, t0)
		if err != nil {
			t.Fatalf("NewFileStore: %v", err)
		}
		return s
	}},
}

func newTestID(t testing.TB) string {
	t.Helper()
	id, err := NewID()
	if err != nil {
		t.Fatalf("NewID: %v", err)
	}
	return id
}

func mustGet(t testing.TB, s Store, id string, now time.Time) (Values, bool) {
	t.Helper()
	v, ok, err := s.Get(id, now)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return v, ok
}

func mustSave(t testing.TB, s Store, id string, v Values, now time.Time) {
	t.Helper()
	if err := s.Save(id, v, now); err != nil {
		t.Fatalf("Save(%s): %v", id, err)
	}
}

func TestStoreExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		saves  []time.Duration // offsets from t0
		getAt  time.Duration
		wantOK bool
	}{
		{name: "just saved", saves: []time.Duration{0}, getAt: 0, wantOK: true},
		{name: "last instant", saves: []time.Duration{0}, getAt: testTTL - time.Nanosecond, wantOK: true},
		{name: "expired at TTL", saves: []time.Duration{0}, getAt: testTTL},
		{name: "long expired", saves: []time.Duration{0}, getAt: 10 * testTTL},
		{name: "resave slides", saves: []time.Duration{0, testTTL / 2}, getAt: testTTL + testTTL/4, wantOK: true},
		{name: "slid expiry ends", saves: []time.Duration{0, testTTL / 2}, getAt: testTTL + testTTL/2},
		{name: "never saved", getAt: 0},
	}
	for _, kind := range storeKinds {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				s := kind.open(t, Options{TTL: testTTL})
				id := newTestID(t)
				for _, at := range tt.saves {
					mustSave(t, s, id, Values{"user": "ann"}, t0.Add(at))
				}
				v, ok := mustGet(t, s, id, t0.Add(tt.getAt))
				if ok != tt.wantOK {
					t.Fatalf("Get ok = %v; want %v", ok, tt.wantOK)
				}
				if ok && v["user"] != "ann" {
					t.Errorf("Get values = %v", v)
				}
			})
		}
	}
}

func TestStoreCopiesValues(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s := kind.open(t, Options{TTL: testTTL})
			id := newTestID(t)
			saved := Values{"k": "v"}
			mustSave(t, s, id, saved, t0)
			saved["k"] = "changed after save"
			got, _ := mustGet(t, s, id, t0)
			got["k"] = "changed after get"
			if again, _ := mustGet(t, s, id, t0); again["k"] != "v" {
				t.Errorf("stored value = %q; want %q", again["k"], "v")
			}
		})
	}
}

func TestStoreSweep(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s := kind.open(t, Options{TTL: testTTL})
			for i := range 5 {
				mustSave(t, s, newTestID(t), Values{"n": fmt.Sprint(i)}, t0.Add(time.Duration(i)*time.Second))
			}
			if n := s.Sweep(t0); n != 0 {
				t.Errorf("Sweep before any expiry = %d; want 0", n)
			}
			// Sessions saved at 0s, 1s and 2s have expired 2s after TTL.
			if n := s.Sweep(t0.Add(testTTL + 2*time.Second)); n != 3 {
				t.Errorf("Sweep = %d; want 3", n)
			}
			if n := s.Len(); n != 2 {
				t.Errorf("Len = %d; want 2", n)
			}
			if n := s.Sweep(t0.Add(10 * testTTL)); n != 2 {
				t.Errorf("final Sweep = %d; want 2", n)
			}
			if n := s.Len(); n != 0 {
				t.Errorf("Len = %d; want 0", n)
			}
		})
	}
}

func TestStoreFull(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s := kind.open(t, Options{TTL: testTTL, MaxSessions: 2})
			old, recent, extra := newTestID(t), newTestID(t), newTestID(t)
			mustSave(t, s, old, nil, t0)
			mustSave(t, s, recent, nil, t0.Add(testTTL/2))
			if err := s.Save(extra, nil, t0.Add(testTTL/2)); !errors.Is(err, ErrFull) {
				t.Fatalf("Save beyond MaxSessions = %v; want ErrFull", err)
			}
			if err := s.Save(recent, Values{"k": "v"}, t0.Add(testTTL/2)); err != nil {
				t.Fatalf("replacing a session when full: %v", err)
			}
			// Once old has expired, the Save sweeps it to make room.
			if err := s.Save(extra, nil, t0.Add(testTTL)); err != nil {
				t.Fatalf("Save after expiry: %v", err)
			}
			if _, ok := mustGet(t, s, old, t0); ok {
				t.Error("the expired session survived the sweep")
			}
			if n := s.Len(); n != 2 {
				t.Errorf("Len = %d; want 2", n)
			}
		})
	}
}

func TestStoreRejects(t *testing.T) {
	t.Parallel()
	valid := strings.Repeat("a", IDLen)
	tests := []struct {
		name    string
		id      string
		values  Values
		wantErr error
	}{
		{name: "parent path", id: "../../etc/passwd", wantErr: ErrInvalidID},
		{name: "slash in id-length string", id: strings.Repeat("a", IDLen-2) + "/b", wantErr: ErrInvalidID},
		{name: "empty id", id: "", wantErr: ErrInvalidID},
		{name: "uppercase id", id: strings.ToUpper(valid), wantErr: ErrInvalidID},
		{name: "values over limit", id: valid, values: Values{"k": strings.Repeat("v", 16)}, wantErr: ErrTooLarge},
		{name: "keys count too", id: valid, values: Values{strings.Repeat("k", 10): strings.Repeat("v", 7)}, wantErr: ErrTooLarge},
		{name: "exactly at limit", id: valid, values: Values{"k": strings.Repeat("v", 15)}},
	}
	for _, kind := range storeKinds {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				s := kind.open(t, Options{TTL: testTTL, MaxValueBytes: 16})
				err := s.Save(tt.id, tt.values, t0)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Save = %v; want %v", err, tt.wantErr)
				}
				_, ok := mustGet(t, s, tt.id, t0)
				if ok != (tt.wantErr == nil) {
					t.Errorf("Get ok = %v after Save error %v", ok, err)
				}
				if errors.Is(tt.wantErr, ErrInvalidID) {
					if err := s.Delete(tt.id); !errors.Is(err, ErrInvalidID) {
						t.Errorf("Delete = %v; want ErrInvalidID", err)
					}
				}
			})
		}
	}
}

func TestStoreDelete(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s := kind.open(t, Options{TTL: testTTL})
			id := newTestID(t)
			mustSave(t, s, id, Values{"k": "v"}, t0)
			if err := s.Delete(id); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, ok := mustGet(t, s, id, t0); ok {
				t.Error("Get found a deleted session")
			}
			if err := s.Delete(id); err != nil {
				t.Errorf("deleting an unknown id: %v", err)
			}
			if n := s.Len(); n != 0 {
				t.Errorf("Len = %d; want 0", n)
			}
		})
	}
}

func TestStoreClose(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s := kind.open(t, Options{TTL: testTTL})
			id := newTestID(t)
			mustSave(t, s, id, nil, t0)
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := s.Save(id, nil, t0); !errors.Is(err, ErrClosed) {
				t.Errorf("Save after Close = %v; want ErrClosed", err)
			}
			if err := s.Delete(id); !errors.Is(err, ErrClosed) {
				t.Errorf("Delete after Close = %v; want ErrClosed", err)
			}
			if _, ok := mustGet(t, s, id, t0); ok {
				t.Error("Get after Close found the session")
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	t.Parallel()
	got := Options{TTL: -1}.withDefaults()
	want := Options{TTL: DefaultTTL, MaxSessions: DefaultMaxSessions, MaxValueBytes: DefaultMaxValueBytes}
	if got != want {
		t.Errorf("withDefaults = %+v; want %+v", got, want)
	}
}

// Run with -race: several goroutines, as several event loops would, share
// one store.
func TestStoreConcurrent(t *testing.T) {
	t.Parallel()
	const (
		workers = 8
		rounds  = 60
	)
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s := kind.open(t, Options{TTL: testTTL})
			shared := newTestID(t)
			mustSave(t, s, shared, Values{"owner": "none"}, t0)
			hammer(t, s, shared, workers, rounds, func(i int) time.Time { return t0.Add(time.Duration(i) * time.Millisecond) })
			if n := s.Len(); n != 1 {
				t.Errorf("Len = %d; want 1 (the shared session)", n)
			}
		})
	}
}

// hammer has workers goroutines, as several event loops would, each save and read its own session and overwrite
// the shared one for rounds rounds, then delete their own; every error or wrong read fails the test. clock gives
// the time of round i (stores with an injected clock) or the wall clock (Redis expires keys by its own).
func hammer(t *testing.T, s Store, shared string, workers, rounds int, clock func(i int) time.Time) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		own := newTestID(t)
		wg.Go(func() {
			for i := range rounds {
				now := clock(i)
				if err := s.Save(own, Values{"i": fmt.Sprint(i)}, now); err != nil {
					errs <- err
					return
				}
				if v, ok, err := s.Get(own, now); err != nil || !ok || v["i"] != fmt.Sprint(i) {
					errs <- fmt.Errorf("worker %d round %d read %v, %v, %v", w, i, v, ok, err)
					return
				}
				if err := s.Save(shared, Values{"owner": fmt.Sprint(w)}, now); err != nil {
					errs <- err
					return
				}
				if _, _, err := s.Get(shared, now); err != nil {
					errs <- err
					return
				}
				if i%20 == 0 {
					s.Sweep(now)
				}
			}
			if err := s.Delete(own); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// MaxSessions holds exactly under a race for the last slots.
func TestStoreConcurrentCapacity(t *testing.T) {
	t.Parallel()
	const (
		limit   = 50
		workers = 8
		perWork = 20
	)
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s := kind.open(t, Options{TTL: testTTL, MaxSessions: limit})
			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				accepted int
			)
			for range workers {
				ids := make([]string, perWork)
				for i := range ids {
					ids[i] = newTestID(t)
				}
				wg.Go(func() {
					for _, id := range ids {
						err := s.Save(id, nil, t0)
						if err != nil && !errors.Is(err, ErrFull) {
							t.Error(err)
							return
						}
						if err == nil {
							mu.Lock()
							accepted++
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			if accepted != limit || s.Len() != limit {
				t.Errorf("accepted %d, Len %d; want %d", accepted, s.Len(), limit)
			}
		})
	}
}

func BenchmarkMemoryStoreParallel(b *testing.B) {
	s := NewMemoryStore(Options{TTL: testTTL})
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = newTestID(b)
		mustSave(b, s, ids[i], Values{"user": "ann", "cart": "3"}, t0)
	}
	v := Values{"user": "ann", "cart": "3"}
	b.ReportAllocs()
	b.SetBytes(int64(valuesSize(v)))
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			id := ids[i%len(ids)]
			if _, ok, err := s.Get(id, t0); err != nil || !ok {
				b.Error("session missing", err)
				return
			}
			if err := s.Save(id, v, t0); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
