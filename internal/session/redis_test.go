//go:build linux

package session

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"ferrous/internal/session/redistest"
)

// availabilityLog records OnAvailability calls.
type availabilityLog struct {
	mu     sync.Mutex
	events []bool
	errs   []error
}

func (l *availabilityLog) record(available bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, available)
	l.errs = append(l.errs, err)
}

func (l *availabilityLog) snapshot() []bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]bool(nil), l.events...)
}

func openRedisStore(t testing.TB, url string, o Options, r RedisOptions) *RedisStore {
	t.Helper()
	r.URL = url
	s, err := NewRedisStore(o, r, time.Now())
	if err != nil {
		t.Fatalf("NewRedisStore: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawClient talks to the test server directly, to look at keys as Redis
// holds them.
func rawClient(t testing.TB, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRedisStoreRoundTrip(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const limit = 64
	o := Options{TTL: testTTL, MaxValueBytes: limit}
	writer := openRedisStore(t, srv.URL(), o, RedisOptions{})
	// A second store on the same Redis stands for another server instance.
	reader := openRedisStore(t, srv.URL(), o, RedisOptions{})
	tests := []struct {
		name   string
		values Values
	}{
		{name: "empty", values: Values{}},
		{name: "nil", values: nil},
		{name: "plain", values: Values{"user": "ann", "cart": "3"}},
		{name: "needs escaping", values: Values{"note": "a&b=c\nd%e+f é", "": "empty key", "k": ""}},
		{name: "binary", values: Values{"b": "\x00\xff\r\n"}},
		{name: "exactly at limit", values: Values{"k": strings.Repeat("v", limit-1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := newTestID(t)
			now := time.Now()
			mustSave(t, writer, id, tt.values, now)
			for _, s := range []*RedisStore{writer, reader} {
				got, ok := mustGet(t, s, id, now)
				if !ok || !maps.Equal(got, tt.values) || got == nil {
					t.Errorf("Get = %q, %v; want %q", got, ok, tt.values)
				}
			}
		})
	}
}

func TestRedisStoreCopiesValues(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := openRedisStore(t, srv.URL(), Options{TTL: testTTL}, RedisOptions{})
	id, now := newTestID(t), time.Now()
	saved := Values{"k": "v"}
	mustSave(t, s, id, saved, now)
	saved["k"] = "changed after save"
	got, _ := mustGet(t, s, id, now)
	got["k"] = "changed after get"
	if again, _ := mustGet(t, s, id, now); again["k"] != "v" {
		t.Errorf("stored value = %q; want %q", again["k"], "v")
	}
}

func TestRedisStoreTTL(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	ctx := context.Background()
	tests := []struct {
		name string
		ttl  time.Duration
	}{
		{name: "whole seconds", ttl: 10 * time.Minute},
		{name: "sub-second", ttl: 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := openRedisStore(t, srv.URL(), Options{TTL: tt.ttl}, RedisOptions{})
			id := newTestID(t)
			mustSave(t, s, id, Values{"k": "v"}, time.Now())
			assertPTTL(t, raw, id, tt.ttl)
			// A Save slides the expiry back to the full TTL.
			if err := raw.PExpire(ctx, RedisKeyPrefix+id, tt.ttl/3).Err(); err != nil {
				t.Fatal(err)
			}
			mustSave(t, s, id, Values{"k": "v"}, time.Now())
			assertPTTL(t, raw, id, tt.ttl)
		})
	}
}

// assertPTTL checks that the key of id expires within ttl, and not much
// sooner (the save happened a moment ago).
func assertPTTL(t *testing.T, raw *redis.Client, id string, ttl time.Duration) {
	t.Helper()
	got, err := raw.PTTL(context.Background(), RedisKeyPrefix+id).Result()
	if err != nil {
		t.Fatal(err)
	}
	if got > ttl || got < ttl-time.Second {
		t.Errorf("PTTL = %v; want just under %v", got, ttl)
	}
}

func TestRedisStoreExpiresInRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const ttl = 100 * time.Millisecond
	s := openRedisStore(t, srv.URL(), Options{TTL: ttl}, RedisOptions{})
	id := newTestID(t)
	mustSave(t, s, id, Values{"k": "v"}, time.Now())
	if _, ok := mustGet(t, s, id, time.Now()); !ok {
		t.Fatal("session missing right after Save")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := mustGet(t, s, id, time.Now()); !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("session still there long after its %v TTL", ttl)
		}
		time.Sleep(ttl / 4)
	}
}

func TestRedisStoreRejects(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := openRedisStore(t, srv.URL(), Options{TTL: testTTL, MaxValueBytes: 16}, RedisOptions{})
	valid := strings.Repeat("a", IDLen)
	tests := []struct {
		name    string
		id      string
		values  Values
		wantErr error
	}{
		{name: "parent path", id: "../../etc/passwd", wantErr: ErrInvalidID},
		{name: "key syntax", id: strings.Repeat("a", IDLen-2) + ":*", wantErr: ErrInvalidID},
		{name: "empty id", id: "", wantErr: ErrInvalidID},
		{name: "uppercase id", id: strings.ToUpper(valid), wantErr: ErrInvalidID},
		{name: "values over limit", id: valid, values: Values{"k": strings.Repeat("v", 16)}, wantErr: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := s.Save(tt.id, tt.values, time.Now()); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Save = %v; want %v", err, tt.wantErr)
			}
			if _, ok := mustGet(t, s, tt.id, time.Now()); ok {
				t.Error("Get found a refused session")
			}
			if errors.Is(tt.wantErr, ErrInvalidID) {
				if err := s.Delete(tt.id); !errors.Is(err, ErrInvalidID) {
					t.Errorf("Delete = %v; want ErrInvalidID", err)
				}
			}
		})
	}
}

// Values this package did not write read as unknown sessions, never as
// errors: the client then gets a fresh session under a new id.
func TestRedisStoreForeignValues(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	const limit = 16
	s := openRedisStore(t, srv.URL(), Options{TTL: testTTL, MaxValueBytes: limit}, RedisOptions{})
	tests := []struct {
		name  string
		value string
	}{
		{name: "empty", value: ""},
		{name: "no format line", value: "k=v"},
		{name: "other version", value: "ferrous-session 2\nk=v"},
		{name: "bad escape", value: redisValuePrefix + "k=%zz"},
		{name: "pair without equals", value: redisValuePrefix + "k"},
		{name: "duplicate key", value: redisValuePrefix + "k=v&k=w"},
		{name: "values over limit", value: redisValuePrefix + "k=" + strings.Repeat("v", limit)},
		{name: "value over limit", value: redisValuePrefix + strings.Repeat("%41", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := newTestID(t)
			if err := raw.Set(context.Background(), RedisKeyPrefix+id, tt.value, time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			if got, ok := mustGet(t, s, id, time.Now()); ok {
				t.Errorf("Get = %q; want an unknown session", got)
			}
		})
	}
}

func TestRedisStoreDelete(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := openRedisStore(t, srv.URL(), Options{TTL: testTTL}, RedisOptions{})
	id, now := newTestID(t), time.Now()
	mustSave(t, s, id, Values{"k": "v"}, now)
	if err := s.Delete(id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, ok := mustGet(t, s, id, now); ok {
		t.Error("Get found a deleted session")
	}
	if err := s.Delete(id); err != nil {
		t.Errorf("deleting an unknown id: %v", err)
	}
	if n := s.Sweep(now.Add(10 * testTTL)); n != 0 {
		t.Errorf("Sweep = %d; Redis expires keys itself", n)
	}
}

func TestRedisStoreClose(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	var log availabilityLog
	s := openRedisStore(t, srv.URL(), Options{TTL: testTTL}, RedisOptions{OnAvailability: log.record})
	id, now := newTestID(t), time.Now()
	mustSave(t, s, id, nil, now)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Save(id, nil, now); !errors.Is(err, ErrClosed) {
		t.Errorf("Save after Close = %v; want ErrClosed", err)
	}
	if err := s.Delete(id); !errors.Is(err, ErrClosed) {
		t.Errorf("Delete after Close = %v; want ErrClosed", err)
	}
	if _, ok, err := s.Get(id, now); ok || !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v, %v; want ErrClosed", ok, err)
	}
	if events := log.snapshot(); len(events) != 0 {
		t.Errorf("closing reported availability changes %v", events)
	}
}

// An outage answers ErrUnavailable, is reported once when it starts and once
// when it ends, and the store recovers by itself.
func TestRedisStoreOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	var log availabilityLog
	const retry = 50 * time.Millisecond
	s := openRedisStore(t, srv.URL(), Options{TTL: testTTL}, RedisOptions{RetryInterval: retry, OnAvailability: log.record})
	m := NewManager(s, CookieOptions{Name: "SID"})
	id, now := newTestID(t), time.Now()
	mustSave(t, s, id, Values{"k": "v"}, now)
	cookie := []byte("SID=" + id)

	srv.Stop()
	if _, ok, err := s.Get(id, now); ok || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get during outage = %v, %v; want ErrUnavailable", ok, err)
	}
	// Until the retry interval has passed on the callers' clock, nothing
	// goes to Redis and nothing more is reported.
	for range 20 {
		if _, _, err := s.Get(id, now); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Get = %v; want ErrUnavailable", err)
		}
		if err := s.Save(id, nil, now); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Save = %v; want ErrUnavailable", err)
		}
	}
	if sess, err := m.Load(cookie, now); !errors.Is(err, ErrUnavailable) || sess != nil {
		t.Fatalf("Load with a cookie = %+v, %v; want ErrUnavailable", sess, err)
	}
	if sess, err := m.Load(nil, now); !errors.Is(err, ErrUnavailable) || sess != nil {
		t.Fatalf("Load without a cookie = %+v, %v; want ErrUnavailable, not a session that cannot be saved", sess, err)
	}
	if got := log.snapshot(); len(got) != 1 || got[0] {
		t.Fatalf("availability reports %v; want one [false]", got)
	}

	srv.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for {
		now = now.Add(retry)
		_, ok, err := s.Get(id, now)
		if err == nil {
			// Persistence is off, so the restarted Redis is empty.
			if ok {
				t.Error("a session survived a Redis without persistence")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("store did not recover: %v", err)
		}
		time.Sleep(retry)
	}
	if err := s.Available(now); err != nil {
		t.Errorf("Available after recovery = %v", err)
	}
	if sess, err := m.Load(nil, now); err != nil || !sess.Fresh {
		t.Errorf("Load after recovery = %+v, %v", sess, err)
	}
	got := log.snapshot()
	if len(got) != 2 || got[0] || !got[1] {
		t.Fatalf("availability reports %v; want [false true]", got)
	}
	if log.errs[0] == nil || log.errs[1] != nil {
		t.Errorf("report errors %v; want the cause, then nil", log.errs)
	}
}

// hungRedis accepts connections and never answers, like a Redis stuck in a
// long command or a network path that drops replies.
func hungRedis(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "redis://" + l.Addr().String() + "/0"
}

// A Redis that never answers holds a caller for one call timeout, and then
// only one caller per retry interval.
func TestRedisStoreBoundsBlocking(t *testing.T) {
	t.Parallel()
	const callTimeout = 100 * time.Millisecond
	var log availabilityLog
	start := time.Now()
	s := openRedisStore(t, hungRedis(t), Options{TTL: testTTL}, RedisOptions{CallTimeout: callTimeout, OnAvailability: log.record})
	if took := time.Since(start); took < callTimeout || took > 5*callTimeout {
		t.Errorf("NewRedisStore took %v; want about the %v call timeout", took, callTimeout)
	}
	if got := log.snapshot(); len(got) != 1 || got[0] {
		t.Fatalf("availability reports %v; want one [false] from the first PING", got)
	}

	now := time.Now().Add(DefaultRedisRetryInterval)
	id := newTestID(t)
	start = time.Now()
	if _, _, err := s.Get(id, now); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get = %v; want ErrUnavailable", err)
	}
	took := time.Since(start)
	if took < callTimeout || took > 5*callTimeout {
		t.Errorf("the probing Get took %v; want about %v", took, callTimeout)
	}
	t.Logf("a Get against a Redis that never answers blocked for %v (call timeout %v)", took, callTimeout)
	const followers = 100
	start = time.Now()
	for range followers {
		if _, _, err := s.Get(id, now); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Get = %v; want ErrUnavailable", err)
		}
	}
	if took := time.Since(start); took > callTimeout {
		t.Errorf("%d Gets within the retry interval took %v; they must not wait for Redis", followers, took)
	}
	if got := log.snapshot(); len(got) != 1 {
		t.Errorf("availability reports %v; want only the first", got)
	}
}

func TestNewRedisStoreBadURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
	}{
		{name: "empty", url: ""},
		{name: "other scheme", url: "http://127.0.0.1:6379/0"},
		{name: "db not a number", url: "redis://127.0.0.1:6379/zero"},
		{name: "unknown parameter", url: "redis://127.0.0.1:6379/0?colour=blue"},
		{name: "bad port after a password", url: "redis://:hunter2@127.0.0.1:port/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewRedisStore(Options{}, RedisOptions{URL: tt.url}, time.Now())
			if err == nil {
				s.Close()
				t.Fatalf("NewRedisStore(%q) accepted the URL", tt.url)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

// Two managers on one Redis stand for two server instances behind a
// balancer: a session started on one is continued on the other.
func TestRedisManagersShareSessions(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	cookie := CookieOptions{Name: "SID", MaxAge: 600}
	a := NewManager(openRedisStore(t, srv.URL(), Options{TTL: testTTL}, RedisOptions{}), cookie)
	b := NewManager(openRedisStore(t, srv.URL(), Options{TTL: testTTL}, RedisOptions{}), cookie)
	now := time.Now()
	first, header := startSession(t, a, Values{"user": "ann", "visit": "0"}, now)
	for i, m := range []*Manager{b, a, b} {
		s, err := m.Load(header, now)
		if err != nil {
			t.Fatal(err)
		}
		if s.Fresh || s.ID != first.ID || s.Values["user"] != "ann" || s.Values["visit"] != fmt.Sprint(i) {
			t.Fatalf("visit %d got %+v", i, s)
		}
		s.Values["visit"] = fmt.Sprint(i + 1)
		if _, err := m.Commit(s, now); err != nil {
			t.Fatal(err)
		}
	}
}

// Run with -race: goroutines stand for event loops sharing one store.
func TestRedisStoreConcurrent(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := openRedisStore(t, srv.URL(), Options{TTL: testTTL}, RedisOptions{})
	const (
		workers = 8
		rounds  = 40
	)
	shared := newTestID(t)
	hammer(t, s, shared, workers, rounds, func(int) time.Time { return time.Now() })
	if v, ok := mustGet(t, s, shared, time.Now()); !ok || v["owner"] == "" {
		t.Errorf("shared session = %v, %v", v, ok)
	}
}

func BenchmarkRedisStoreGetSave(b *testing.B) {
	srv := redistest.Start(b)
	s := openRedisStore(b, srv.URL(), Options{TTL: testTTL}, RedisOptions{})
	id := newTestID(b)
	v := Values{"user": "ann", "cart": "3"}
	mustSave(b, s, id, v, time.Now())
	b.ReportAllocs()
	b.SetBytes(int64(len(encodeRedisValue(v))))
	for b.Loop() {
		now := time.Now()
		if _, ok, err := s.Get(id, now); err != nil || !ok {
			b.Fatal("session lost", err)
		}
		if err := s.Save(id, v, now); err != nil {
			b.Fatal(err)
		}
	}
}
