// Package session provides cookie sessions backed by server-side storage.
//
// The cookie code (CookieValue, AppendSetCookie), the CGI value encoding
// (EncodeValues, ApplyUpdate) and the id format are pure. MemoryStore and
// FileStore keep every session in memory so that reads never block on the
// disk, and take the clock from the caller. RedisStore shares sessions between
// server instances; its reads and writes are network round trips, each bounded
// by a short timeout, and Redis expires its keys by its own clock.
package session

import (
	"errors"
	"fmt"
	"time"
)

// Values holds the data of one session.
type Values map[string]string

// Session is one request's view of a session.
type Session struct {
	ID     string
	Values Values
	// Expires is when the server-side copy expires if the session is
	// committed at the time it was loaded or last committed; zero when the
	// store does not report its TTL.
	Expires time.Time
	// Fresh reports that the session was created by this request.
	Fresh bool
}

// Store is the server-side storage. Implementations are safe for concurrent
// use. now is passed in (the event loop's cached clock), so in-process stores
// never read the clock themselves; a store whose backend expires entries on
// its own clock (RedisStore) ignores it.
type Store interface {
	// Get returns a copy of the session's values; false if the id is
	// unknown, malformed or expired. An error means the store could not
	// answer (ErrUnavailable, ErrClosed), which is not the same as an
	// unknown id: the caller must not hand out a fresh session instead.
	Get(id string, now time.Time) (Values, bool, error)
	// Save creates or replaces a session; its expiry becomes now + TTL.
	Save(id string, v Values, now time.Time) error
	// Delete forgets a session; deleting an unknown id is not an error.
	Delete(id string) error
	// Sweep drops the sessions expired at now and returns how many.
	Sweep(now time.Time) int
	// Close releases the store; later Saves and Deletes fail with ErrClosed.
	Close() error
}

// Defaults applied to zero (or negative) Options fields.
const (
	DefaultTTL           = 30 * time.Minute
	DefaultMaxSessions   = 100_000
	DefaultMaxValueBytes = 4096
)

// Options configures a store.
type Options struct {
	// TTL is how long a session lives after its last Save.
	TTL time.Duration
	// MaxSessions caps the number of stored sessions.
	MaxSessions int
	// MaxValueBytes caps the sum of key and value lengths of one session.
	MaxValueBytes int
}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.MaxValueBytes <= 0 {
		o.MaxValueBytes = DefaultMaxValueBytes
	}
	return o
}

var (
	// ErrFull means MaxSessions live sessions exist even after expired ones
	// were swept.
	ErrFull = errors.New("session: store full")
	// ErrTooLarge means a session's keys and values exceed MaxValueBytes.
	ErrTooLarge = errors.New("session: values too large")
	// ErrInvalidID means an id is not in the shape NewID produces.
	ErrInvalidID = errors.New("session: invalid id")
	// ErrClosed means the store was closed.
	ErrClosed = errors.New("session: store closed")
	// ErrUnavailable means the store's backend did not answer in time or
	// answered with an error; the session is neither known nor unknown.
	ErrUnavailable = errors.New("session: store unavailable")
)

// valuesSize is what MaxValueBytes is charged against.
func valuesSize(v Values) int {
	n := 0
	for k, val := range v {
		n += len(k) + len(val)
	}
	return n
}

func checkSize(v Values, limit int) error {
	if n := valuesSize(v); n > limit {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n, limit)
	}
	return nil
}

func cloneValues(v Values) Values {
	c := make(Values, len(v))
	for k, val := range v {
		c[k] = val
	}
	return c
}

func equalValues(a, b Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		if bv, ok := b[k]; !ok || av != bv {
			return false
		}
	}
	return true
}
