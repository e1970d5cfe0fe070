package config

import (
	"net/url"
	"strconv"
	"strings"
)

// redisURL reads `url:` of the sessions block, which only the redis store
// takes and requires, and refuses `max_sessions:` there, which Redis does not
// honour.
func (w *walker) redisURL(s *section, store string, out *Sessions) {
	raw, un, ok := w.str(s, "url")
	switch {
	case un == nil:
		if store == StoreRedis {
			w.errorf(s.node.Line, "url is required when store is redis")
		}
	case !ok:
	case store == StoreMemory || store == StoreFile:
		w.errorf(un.Line, "url is only used when store is redis")
	default:
		if problem := redisURLProblem(raw); problem != "" {
			w.errorf(un.Line, "url %s", problem)
		} else {
			out.URL = raw
		}
	}
	if store == StoreRedis {
		if n := s.lookup("max_sessions"); n != nil {
			w.errorf(n.Line, "max_sessions is not used when store is redis (bound Redis with its maxmemory)")
		}
	}
}

// redisURLProblem checks a session store URL and says what is wrong with it,
// or returns "":
//
//	redis-url = ( "redis" / "rediss" ) "://" [ userinfo "@" ] host [ ":" port ] [ "/" [ db ] ]
//	db        = 1*DIGIT
//
// The URL is never quoted back: it may hold a password. Query parameters are
// refused because the store sets the client's timeouts itself; anything else
// there would be either overridden or a typo found only at the first
// connection.
func redisURLProblem(raw string) string {
	lower := strings.ToLower(raw)
	if !strings.HasPrefix(lower, "redis://") && !strings.HasPrefix(lower, "rediss://") {
		return "must start with redis:// or rediss://"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a valid URL"
	case u.Hostname() == "":
		return "must name a host"
	case u.RawQuery != "" || u.ForceQuery:
		return "must not have query parameters"
	case u.Fragment != "" || strings.HasSuffix(raw, "#"):
		return "must not have a fragment"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > maxPort {
			return "port must be between 1 and 65535"
		}
	}
	if db, hasPath := strings.CutPrefix(u.Path, "/"); hasPath && db != "" {
		if !isDigits(db) {
			return "path must be a database number such as /0"
		}
		if _, err := strconv.Atoi(db); err != nil {
			return "database number is out of range"
		}
	}
	return ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
