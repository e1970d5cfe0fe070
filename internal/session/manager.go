package session

import (
	"fmt"
	"time"
)

// DefaultCookieName is used when CookieOptions.Name is empty.
const DefaultCookieName = "ferrous_sid"

// ttlReporter is implemented by the stores of this package; Manager uses it
// to fill Session.Expires without widening the Store interface.
type ttlReporter interface {
	TTL() time.Duration
}

// availabilityReporter is implemented by stores whose backend can be down
// (RedisStore). Manager asks it before handing out a fresh session, which
// could be served but not saved; the answer must cost no I/O.
type availabilityReporter interface {
	Available(now time.Time) error
}

// Manager ties a Store to the session cookie. It is safe for concurrent use
// when its Store is.
type Manager struct {
	store  Store
	cookie CookieOptions
	ttl    time.Duration
}

// NewManager returns a Manager for store. An empty cookie name becomes
// DefaultCookieName; a name that is not a token (see ValidCookieName) is a
// configuration bug and panics.
func NewManager(store Store, cookie CookieOptions) *Manager {
	if cookie.Name == "" {
		cookie.Name = DefaultCookieName
	}
	if !ValidCookieName(cookie.Name) {
		panic(fmt.Sprintf("session: invalid cookie name %q", cookie.Name))
	}
	m := &Manager{store: store, cookie: cookie}
	if r, ok := store.(ttlReporter); ok {
		m.ttl = r.TTL()
	}
	return m
}

// Store returns the Manager's store.
func (m *Manager) Store() Store { return m.store }

// Load finds the session named in a Cookie header value (nil when the
// request had none). An absent, malformed, unknown or expired id yields a
// fresh, empty session under a new id: a client-chosen id is never adopted,
// so a planted cookie cannot fix the session id. A store that cannot answer
// yields its error (wrapping ErrUnavailable for RedisStore) and no session,
// so that a live session is never silently replaced by a fresh one.
func (m *Manager) Load(cookieHeader []byte, now time.Time) (*Session, error) {
	if raw, ok := CookieValue(cookieHeader, m.cookie.Name); ok && len(raw) == IDLen {
		if id := string(raw); ValidID(id) {
			v, ok, err := m.store.Get(id, now)
			if err != nil {
				return nil, fmt.Errorf("session: loading: %w", err)
			}
			if ok {
				return &Session{ID: id, Values: v, Expires: m.expiry(now)}, nil
			}
		}
	}
	if r, ok := m.store.(availabilityReporter); ok {
		if err := r.Available(now); err != nil {
			return nil, fmt.Errorf("session: loading: %w", err)
		}
	}
	id, err := NewID()
	if err != nil {
		return nil, err
	}
	return &Session{ID: id, Values: make(Values), Expires: m.expiry(now), Fresh: true}, nil
}

// Commit saves the session, which creates a fresh one server-side and slides
// the expiry of an existing one, and returns the Set-Cookie header value to
// send. With a positive Max-Age the cookie is sent on every commit so that
// it slides too; a session cookie (Max-Age 0) is sent only when the session
// is fresh, and setCookie is nil otherwise.
func (m *Manager) Commit(s *Session, now time.Time) (setCookie []byte, err error) {
	if err := m.store.Save(s.ID, s.Values, now); err != nil {
		return nil, fmt.Errorf("session: committing: %w", err)
	}
	s.Expires = m.expiry(now)
	if !s.Fresh && m.cookie.MaxAge == 0 {
		return nil, nil
	}
	return AppendSetCookie(nil, s.ID, m.cookie), nil
}

func (m *Manager) expiry(now time.Time) time.Time {
	if m.ttl <= 0 {
		return time.Time{}
	}
	return now.Add(m.ttl)
}
