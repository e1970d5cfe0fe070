//go:build linux

package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"ferrous/internal/session"
	"ferrous/internal/session/redistest"
)

const redisSessionTTL = 600 * time.Second

func redisSessions(redisURL string) string {
	return "sessions:\n  store: redis\n  url: " + redisURL + "\n  ttl_secs: 600\n  cookie_name: SID\n"
}

// get fetches u and returns the status and body.
func get(t *testing.T, client *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestRedisSessionsTwoInstances stands for two ferrous instances behind a
// load balancer sharing one Redis: a session started on one continues on
// the other, its key carries the TTL, and a Redis outage answers 503 on
// session routes (and only there) until Redis is back.
func TestRedisSessionsTwoInstances(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	cfg := dynamicConfig(5, redisSessions(rs.URL()))
	a, b := startDynamic(t, cfg), startDynamic(t, cfg)
	counter := func(ts *testServer) string { return "http://" + ts.addr + "/cgi/count.sh" }
	// Cookies are scoped by host, not port (RFC 6265 §8.5): one jar is one
	// browser whose requests the balancer spreads over both instances.
	client := sessionClient(t)

	for i, ts := range []*testServer{a, b, a, b} {
		want := "visits=" + strconv.Itoa(i+1)
		if got := visits(t, client, counter(ts)); got != want {
			t.Fatalf("request %d to instance %s: %s, want %s", i+1, ts.addr, got, want)
		}
	}

	u, _ := url.Parse(counter(a))
	var id string
	for _, c := range client.Jar.Cookies(u) {
		if c.Name == "SID" {
			id = c.Value
		}
	}
	if !session.ValidID(id) {
		t.Fatalf("session cookie %q", id)
	}
	raw := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer raw.Close()
	ctx := context.Background()
	key := session.RedisKeyPrefix + id
	ttl, err := raw.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl > redisSessionTTL || ttl < redisSessionTTL-5*time.Second {
		t.Errorf("PTTL %s = %v; want just under %v", key, ttl, redisSessionTTL)
	}
	if value, err := raw.Get(ctx, key).Result(); err != nil || !strings.Contains(value, "visits=4") {
		t.Errorf("stored session = %q, %v; want visits=4", value, err)
	}

	rs.Stop()
	for _, ts := range []*testServer{a, b} {
		if status, _ := get(t, client, counter(ts)); status != http.StatusServiceUnavailable {
			t.Errorf("session route on %s during the outage: %d, want 503", ts.addr, status)
		}
		if status, body := get(t, client, "http://"+ts.addr+"/index.html"); status != http.StatusOK || !strings.Contains(body, "home") {
			t.Errorf("static page on %s during the outage: %d %q, want 200", ts.addr, status, body)
		}
	}

	rs.Restart()
	for i, ts := range []*testServer{a, b} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			status, body := get(t, client, counter(ts))
			if status == http.StatusOK {
				// Redis ran without persistence, so the old session is gone:
				// the first instance back starts a fresh one, which the
				// second continues.
				if want := "visits=" + strconv.Itoa(i+1) + " "; !strings.HasPrefix(body, want) {
					t.Errorf("after recovery %s answered %q, want %q", ts.addr, body, want)
				}
				break
			}
			if status != http.StatusServiceUnavailable {
				t.Fatalf("while Redis comes back %s answered %d", ts.addr, status)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still answers 503 long after Redis came back", ts.addr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
