package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisKeyPrefix namespaces the session keys: a session is the string key
// RedisKeyPrefix + id.
const RedisKeyPrefix = "ferrous:session:"

const (
	// DefaultRedisCallTimeout bounds one Redis call, connecting included.
	// Calls run on an event loop, so this is how long one call can hold up
	// every connection of that loop.
	DefaultRedisCallTimeout = 200 * time.Millisecond
	// DefaultRedisRetryInterval is how long a store that found Redis down
	// answers ErrUnavailable without trying, so that an outage costs the
	// loops one call timeout per interval rather than one per request.
	DefaultRedisRetryInterval = time.Second
	// redisValuePrefix opens every stored value; the digit is the format
	// version, so instances of different versions behind one balancer
	// cannot misread each other's sessions.
	redisValuePrefix = fileMagic + "\n"
)

// RedisOptions configures a RedisStore.
type RedisOptions struct {
	// URL is redis://[[user]:password@]host[:port][/db], or rediss:// for
	// TLS. Timeout and retry parameters in its query are overridden.
	URL string
	// CallTimeout bounds every call; zero or negative takes
	// DefaultRedisCallTimeout.
	CallTimeout time.Duration
	// RetryInterval is the pause after a failed call; zero or negative
	// takes DefaultRedisRetryInterval.
	RetryInterval time.Duration
	// OnAvailability, when set, is told every change between available and
	// unavailable: available false with the failed call's error, then true
	// with a nil error once a call succeeds again. Calls are serialized and
	// alternate; the function must not call back into the store.
	OnAvailability func(available bool, err error)
}

// RedisStore keeps sessions in Redis so that several server instances share
// them. Each session is one string key holding the whole encoded session,
// written by a single SET with the TTL as its expiry, so a reader sees either
// the old or the new session and Redis itself drops it when it expires.
//
// Every call is a blocking network round trip bounded by CallTimeout, with
// no retries. After a failure the store answers ErrUnavailable at once until
// RetryInterval has passed on the callers' clock; the next call then probes
// Redis again. MaxSessions is not enforced: Redis's maxmemory bounds the
// store.
type RedisStore struct {
	client        *redis.Client
	opts          Options
	callTimeout   time.Duration
	retryInterval time.Duration
	report        func(available bool, err error)
	closed        atomic.Bool

	// down mirrors health.down so that calls on a healthy store take no
	// lock.
	down     atomic.Bool
	healthMu sync.Mutex
	health   redisHealth
}

type redisHealth struct {
	down    bool
	lastErr error
	// retryAt is the earliest caller time at which a call may try Redis.
	retryAt time.Time
}

var _ Store = (*RedisStore)(nil)

var libraryLogOnce sync.Once

// redisLibraryLog sends the client library's own messages (one per failed
// dial) to debug level: the store reports availability itself, once per
// change, and the library would repeat it for every connection.
type redisLibraryLog struct{}

func (redisLibraryLog) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "redis client")
}

// NewRedisStore connects to the Redis named by r.URL and checks it with one
// PING at now. An unreachable Redis is not an error: the store starts
// unavailable (and says so through OnAvailability) and recovers by itself.
// Only a URL the client cannot use is an error. MaxSessions is ignored.
func NewRedisStore(o Options, r RedisOptions, now time.Time) (*RedisStore, error) {
	ro, err := redis.ParseURL(r.URL)
	if err != nil {
		// A *url.Error quotes the URL, which may hold a password.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("session: redis url: %w", err)
	}
	s := &RedisStore{
		opts:          o.withDefaults(),
		callTimeout:   r.CallTimeout,
		retryInterval: r.RetryInterval,
		report:        r.OnAvailability,
	}
	if s.callTimeout <= 0 {
		s.callTimeout = DefaultRedisCallTimeout
	}
	if s.retryInterval <= 0 {
		s.retryInterval = DefaultRedisRetryInterval
	}
	// Every bound the client has is set to the call timeout, and the
	// context deadline of each call caps them all together; retries would
	// multiply the time a loop waits, so there are none.
	ro.DialTimeout = s.callTimeout
	ro.ReadTimeout = s.callTimeout
	ro.WriteTimeout = s.callTimeout
	ro.PoolTimeout = s.callTimeout
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = -1
	ro.DialerRetries = 1
	// Each of these would add a round trip to every new connection.
	ro.DisableIdentity = true
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	libraryLogOnce.Do(func() { redis.SetLogger(redisLibraryLog{}) })
	s.client = redis.NewClient(ro)

	ctx, cancel := s.call()
	defer cancel()
	// A failed PING only marks the store unavailable; it is not an error.
	_ = s.settle(s.client.Ping(ctx).Err(), now)
	return s, nil
}

// Addr returns the host:port the store talks to.
func (s *RedisStore) Addr() string { return s.client.Options().Addr }

// TTL returns the lifetime a Save grants.
func (s *RedisStore) TTL() time.Duration { return s.opts.TTL }

// Available reports ErrUnavailable while the store is waiting to retry a
// Redis that failed, without a call; nil otherwise.
func (s *RedisStore) Available(now time.Time) error {
	if !s.down.Load() {
		return nil
	}
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	if s.health.down && now.Before(s.health.retryAt) {
		return fmt.Errorf("%w: %w", ErrUnavailable, s.health.lastErr)
	}
	return nil
}

// admit decides whether a call may go to Redis. While Redis is down only one
// call per RetryInterval does: the first to arrive pushes retryAt on, so the
// others fail fast while it probes.
func (s *RedisStore) admit(now time.Time) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if !s.down.Load() {
		return nil
	}
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	if !s.health.down {
		return nil
	}
	if now.Before(s.health.retryAt) {
		return fmt.Errorf("%w: %w", ErrUnavailable, s.health.lastErr)
	}
	s.health.retryAt = now.Add(s.retryInterval)
	return nil
}

// settle records a call's outcome and reports a change of availability. It
// returns the error to give the caller. A zero now (a call without a clock)
// leaves the retry time as it was.
func (s *RedisStore) settle(err error, now time.Time) error {
	if err == nil || errors.Is(err, redis.Nil) {
		if s.down.Load() {
			s.healthMu.Lock()
			if s.health.down {
				s.health = redisHealth{}
				s.down.Store(false)
				s.notify(true, nil)
			}
			s.healthMu.Unlock()
		}
		return nil
	}
	if s.closed.Load() {
		// A call cut short by Close says nothing about Redis.
		return ErrClosed
	}
	s.healthMu.Lock()
	s.health.lastErr = err
	if !now.IsZero() {
		s.health.retryAt = now.Add(s.retryInterval)
	}
	if !s.health.down {
		s.health.down = true
		s.down.Store(true)
		s.notify(false, err)
	}
	s.healthMu.Unlock()
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

func (s *RedisStore) notify(available bool, err error) {
	if s.report != nil {
		s.report(available, err)
	}
}

func (s *RedisStore) call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.callTimeout)
}

// Get implements Store. A value that is not a session this package wrote,
// or is over MaxValueBytes, reads as an unknown id, like a corrupt file.
func (s *RedisStore) Get(id string, now time.Time) (Values, bool, error) {
	if !ValidID(id) {
		return nil, false, nil
	}
	if err := s.admit(now); err != nil {
		return nil, false, err
	}
	ctx, cancel := s.call()
	defer cancel()
	raw, getErr := s.client.Get(ctx, RedisKeyPrefix+id).Result()
	if err := s.settle(getErr, now); err != nil {
		return nil, false, err
	}
	if errors.Is(getErr, redis.Nil) {
		return nil, false, nil
	}
	v, err := decodeRedisValue(raw, s.opts.MaxValueBytes)
	if err != nil {
		return nil, false, nil
	}
	return v, true, nil
}

// Save implements Store. The expiry is now + TTL on Redis's clock.
func (s *RedisStore) Save(id string, v Values, now time.Time) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	if err := checkSize(v, s.opts.MaxValueBytes); err != nil {
		return err
	}
	if err := s.admit(now); err != nil {
		return err
	}
	ctx, cancel := s.call()
	defer cancel()
	return s.settle(s.client.Set(ctx, RedisKeyPrefix+id, encodeRedisValue(v), s.opts.TTL).Err(), now)
}

// Delete implements Store. It has no clock, so it always tries Redis.
func (s *RedisStore) Delete(id string) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	if s.closed.Load() {
		return ErrClosed
	}
	ctx, cancel := s.call()
	defer cancel()
	return s.settle(s.client.Del(ctx, RedisKeyPrefix+id).Err(), time.Time{})
}

// Sweep implements Store. Redis expires the keys itself, so there is never
// anything to sweep, and no call is made.
func (s *RedisStore) Sweep(time.Time) int { return 0 }

// Close implements Store. Sessions stay in Redis.
func (s *RedisStore) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("session: closing redis client: %w", err)
	}
	return nil
}

func encodeRedisValue(v Values) string {
	return redisValuePrefix + EncodeValues(v)
}

func decodeRedisValue(raw string, maxValueBytes int) (Values, error) {
	if len(raw) > fileOverheadBytes+encodedBytesPerValueByte*maxValueBytes {
		return nil, fmt.Errorf("%w: larger than %d value bytes allow", errCorrupt, maxValueBytes)
	}
	encoded, ok := strings.CutPrefix(raw, redisValuePrefix)
	if !ok {
		return nil, fmt.Errorf("%w: unknown format", errCorrupt)
	}
	v, err := decodeValues(encoded)
	if err != nil {
		return nil, fmt.Errorf("%w: values: %w", errCorrupt, err)
	}
	if valuesSize(v) > maxValueBytes {
		return nil, fmt.Errorf("%w: values over %d bytes", errCorrupt, maxValueBytes)
	}
	return v, nil
}
