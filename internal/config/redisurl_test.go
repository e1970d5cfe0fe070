package config

import (
	"strings"
	"testing"
	"time"
)

func TestRedisSessions(t *testing.T) {
	t.Parallel()
	yaml := "sessions:\n  store: redis\n  url: rediss://:s3cret@cache.internal:6380/2\n  ttl_secs: 900\n  cookie_name: SID\n" +
		strings.Replace(minimal, "file: www", "file: www\n        session: true", 1)
	got, err := Parse([]byte(yaml), ParseOptions{Filename: "config.yaml", BaseDir: "srv"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Sessions{Store: "redis", URL: "rediss://:s3cret@cache.internal:6380/2", TTL: 900 * time.Second,
		CookieName: "SID", MaxSessions: defaultMaxSessions}
	assertEqual(t, got.Sessions, want)
}

func TestRedisURLProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		want string
	}{
		{name: "host and port", url: "redis://127.0.0.1:6379"},
		{name: "database", url: "redis://127.0.0.1:6379/0"},
		{name: "trailing slash", url: "redis://localhost/"},
		{name: "tls with password", url: "rediss://:pw@cache.example:6380/15"},
		{name: "user and password", url: "redis://app:pw@[::1]:6379/1"},
		{name: "uppercase scheme", url: "REDIS://h:1/0"},
		{name: "empty", url: "", want: "must start with redis:// or rediss://"},
		{name: "no scheme", url: "127.0.0.1:6379", want: "must start with redis:// or rediss://"},
		{name: "http", url: "http://127.0.0.1:6379/0", want: "must start with redis:// or rediss://"},
		{name: "unix socket", url: "unix:///run/redis.sock", want: "must start with redis:// or rediss://"},
		{name: "opaque", url: "redis:127.0.0.1", want: "must start with redis:// or rediss://"},
		{name: "no host", url: "redis:///0", want: "must name a host"},
		{name: "only a port", url: "redis://:6379/0", want: "must name a host"},
		{name: "port not a number", url: "redis://h:port/0", want: "is not a valid URL"},
		{name: "port zero", url: "redis://h:0/0", want: "port must be between 1 and 65535"},
		{name: "port too large", url: "redis://h:65536/0", want: "port must be between 1 and 65535"},
		{name: "database not a number", url: "redis://h/zero", want: "path must be a database number such as /0"},
		{name: "negative database", url: "redis://h/-1", want: "path must be a database number such as /0"},
		{name: "nested path", url: "redis://h/0/1", want: "path must be a database number such as /0"},
		{name: "database out of range", url: "redis://h/99999999999999999999", want: "database number is out of range"},
		{name: "query", url: "redis://h/0?dial_timeout=10s", want: "must not have query parameters"},
		{name: "empty query", url: "redis://h/0?", want: "must not have query parameters"},
		{name: "fragment", url: "redis://h/0#x", want: "must not have a fragment"},
		{name: "empty fragment", url: "redis://h/0#", want: "must not have a fragment"},
		{name: "control character", url: "redis://h/0\n", want: "is not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := redisURLProblem(tt.url); got != tt.want {
				t.Errorf("redisURLProblem(%q) = %q; want %q", tt.url, got, tt.want)
			}
		})
	}
}

// A bad URL is reported at its line, without echoing it: it may hold a
// password.
func TestRedisURLErrorHidesURL(t *testing.T) {
	t.Parallel()
	yaml := "sessions:\n  store: redis\n  url: http://:hunter2@h/0\n" + minimal
	_, err := Parse([]byte(yaml), ParseOptions{Filename: "config.yaml", BaseDir: "srv"})
	got := messages(t, err)
	want := []string{"config.yaml:3: url must start with redis:// or rediss://"}
	assertEqual(t, got, want)
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q shows the password", err)
	}
}
