package session

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// cookieHeaderFor returns the Cookie header a browser would send back after
// receiving setCookie.
func cookieHeaderFor(t testing.TB, setCookie []byte) []byte {
	t.Helper()
	pair, _, _ := strings.Cut(string(setCookie), ";")
	if !strings.Contains(pair, "=") {
		t.Fatalf("Set-Cookie %q has no pair", setCookie)
	}
	return []byte("theme=dark; " + pair)
}

// startSession creates a committed session holding values.
func startSession(t testing.TB, m *Manager, values Values, now time.Time) (*Session, []byte) {
	t.Helper()
	s, err := m.Load(nil, now)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		s.Values[k] = v
	}
	setCookie, err := m.Commit(s, now)
	if err != nil {
		t.Fatal(err)
	}
	return s, cookieHeaderFor(t, setCookie)
}

func TestManagerLoad(t *testing.T) {
	t.Parallel()
	m := NewManager(NewMemoryStore(Options{TTL: testTTL}), CookieOptions{Name: "SID"})
	known, _ := startSession(t, m, Values{"user": "ann"}, t0)
	stale, _ := startSession(t, m, Values{"user": "old"}, t0.Add(-testTTL))
	unknown := newTestID(t)
	tests := []struct {
		name      string
		header    string
		wantKnown bool
	}{
		{name: "no header"},
		{name: "no session cookie", header: "theme=dark"},
		{name: "known id", header: "SID=" + known.ID, wantKnown: true},
		{name: "known id quoted among others", header: `a=1;SID="` + known.ID + `"; b=2`, wantKnown: true},
		{name: "unknown id", header: "SID=" + unknown},
		{name: "expired id", header: "SID=" + stale.ID},
		{name: "uppercased known id", header: "SID=" + strings.ToUpper(known.ID)},
		{name: "truncated known id", header: "SID=" + known.ID[:IDLen-1]},
		{name: "path in id", header: "SID=../../" + known.ID[6:]},
		{name: "first cookie wins", header: "SID=" + unknown + "; SID=" + known.ID},
		{name: "other cookie name", header: "xSID=" + known.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var header []byte
			if tt.header != "" {
				header = []byte(tt.header)
			}
			s, err := m.Load(header, t0)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantKnown {
				if s.Fresh || s.ID != known.ID || s.Values["user"] != "ann" {
					t.Errorf("got %+v; want the known session", s)
				}
				return
			}
			if !s.Fresh || len(s.Values) != 0 || s.Values == nil {
				t.Errorf("got %+v; want a fresh empty session", s)
			}
			if !ValidID(s.ID) || strings.Contains(tt.header, s.ID) {
				t.Errorf("fresh id %q must be new, not taken from %q", s.ID, tt.header)
			}
			if want := t0.Add(testTTL); !s.Expires.Equal(want) {
				t.Errorf("Expires = %v; want %v", s.Expires, want)
			}
		})
	}
}

func TestManagerRoundTrip(t *testing.T) {
	t.Parallel()
	m := NewManager(NewMemoryStore(Options{TTL: testTTL}), CookieOptions{Name: "SID", MaxAge: 3600})
	first, header := startSession(t, m, nil, t0)
	if !first.Fresh {
		t.Fatal("first Load was not fresh")
	}
	if _, ok := mustGet(t, m.Store(), first.ID, t0); !ok {
		t.Fatal("fresh session not saved")
	}

	s, err := m.Load(header, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if s.Fresh || s.ID != first.ID {
		t.Fatalf("second Load = %+v; want session %s", s, first.ID)
	}
	s.Values["cart"] = "3"
	setCookie, err := m.Commit(s, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if want := "SID=" + first.ID + "; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax"; string(setCookie) != want {
		t.Errorf("Set-Cookie = %q; want %q", setCookie, want)
	}

	again, err := m.Load(header, t0.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if again.Values["cart"] != "3" {
		t.Errorf("values after commit = %v", again.Values)
	}
}

func TestManagerExpirySlides(t *testing.T) {
	t.Parallel()
	m := NewManager(NewMemoryStore(Options{TTL: testTTL}), CookieOptions{Name: "SID"})
	first, header := startSession(t, m, Values{"user": "ann"}, t0)
	step := testTTL * 3 / 4
	now := t0
	for i := range 4 {
		now = now.Add(step)
		s, err := m.Load(header, now)
		if err != nil {
			t.Fatal(err)
		}
		if s.Fresh || s.ID != first.ID {
			t.Fatalf("visit %d at %v lost the session", i, now.Sub(t0))
		}
		if _, err := m.Commit(s, now); err != nil {
			t.Fatal(err)
		}
		if want := now.Add(testTTL); !s.Expires.Equal(want) {
			t.Errorf("Expires = %v; want %v", s.Expires, want)
		}
	}
	if s, _ := m.Load(header, now.Add(testTTL)); !s.Fresh {
		t.Error("session outlived TTL after the last commit")
	}
}

func TestManagerSetCookiePolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		maxAge     int
		fresh      bool
		wantCookie bool
	}{
		{name: "session cookie, fresh", maxAge: 0, fresh: true, wantCookie: true},
		{name: "session cookie, existing", maxAge: 0, fresh: false, wantCookie: false},
		{name: "max age, fresh", maxAge: 60, fresh: true, wantCookie: true},
		{name: "max age, existing slides", maxAge: 60, fresh: false, wantCookie: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := NewManager(NewMemoryStore(Options{TTL: testTTL}), CookieOptions{Name: "SID", MaxAge: tt.maxAge})
			s := &Session{ID: newTestID(t), Values: Values{}, Fresh: tt.fresh}
			setCookie, err := m.Commit(s, t0)
			if err != nil {
				t.Fatal(err)
			}
			if got := setCookie != nil; got != tt.wantCookie {
				t.Errorf("Set-Cookie = %q; want one: %v", setCookie, tt.wantCookie)
			}
			if _, ok := mustGet(t, m.Store(), s.ID, t0); !ok {
				t.Error("Commit did not save the session")
			}
		})
	}
}

func TestManagerCommitFull(t *testing.T) {
	t.Parallel()
	m := NewManager(NewMemoryStore(Options{TTL: testTTL, MaxSessions: 1}), CookieOptions{})
	startSession(t, m, nil, t0)
	s, err := m.Load(nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	if setCookie, err := m.Commit(s, t0); !errors.Is(err, ErrFull) || setCookie != nil {
		t.Errorf("Commit = %q, %v; want no cookie and ErrFull", setCookie, err)
	}
}

func TestNewManagerCookieName(t *testing.T) {
	t.Parallel()
	m := NewManager(NewMemoryStore(Options{}), CookieOptions{})
	s, _ := m.Load(nil, t0)
	setCookie, err := m.Commit(s, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(setCookie), DefaultCookieName+"=") {
		t.Errorf("Set-Cookie = %q; want the default name", setCookie)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewManager accepted the cookie name \"a b\"")
		}
	}()
	NewManager(NewMemoryStore(Options{}), CookieOptions{Name: "a b"})
}

func BenchmarkManagerLoadCommit(b *testing.B) {
	m := NewManager(NewMemoryStore(Options{TTL: time.Hour}), CookieOptions{Name: "SID", MaxAge: 3600})
	_, header := startSession(b, m, Values{"user": "ann"}, t0)
	b.ReportAllocs()
	b.SetBytes(int64(len(header)))
	for b.Loop() {
		s, err := m.Load(header, t0)
		if err != nil || s.Fresh {
			b.Fatal("session lost", err)
		}
		if _, err := m.Commit(s, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// unavailableStore answers every Get like a store whose backend is down.
type unavailableStore struct{ *MemoryStore }

func (unavailableStore) Get(string, time.Time) (Values, bool, error) {
	return nil, false, ErrUnavailable
}

// A store that cannot answer must not turn a known session into a fresh one:
// Load reports the error, and the server answers 503.
func TestManagerLoadStoreError(t *testing.T) {
	t.Parallel()
	m := NewManager(unavailableStore{NewMemoryStore(Options{TTL: testTTL})}, CookieOptions{Name: "SID"})
	id := newTestID(t)
	tests := []struct {
		name      string
		header    string
		wantError bool
	}{
		{name: "valid id asks the store", header: "SID=" + id, wantError: true},
		{name: "no cookie needs no store", header: ""},
		{name: "malformed id needs no store", header: "SID=" + strings.ToUpper(id)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var header []byte
			if tt.header != "" {
				header = []byte(tt.header)
			}
			s, err := m.Load(header, t0)
			if tt.wantError {
				if !errors.Is(err, ErrUnavailable) || s != nil {
					t.Errorf("Load = %+v, %v; want no session and ErrUnavailable", s, err)
				}
				return
			}
			if err != nil || !s.Fresh {
				t.Errorf("Load = %+v, %v; want a fresh session", s, err)
			}
		})
	}
}
