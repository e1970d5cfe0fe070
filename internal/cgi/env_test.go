package cgi

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// canaryVar is set in the test process by TestMain; neither BuildEnv nor a
// script may ever see it.
const canaryVar = "FERROUS_CGI_TEST_CANARY"

func TestMain(m *testing.M) {
	if err := os.Setenv(canaryVar, "leaked"); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func baseMeta() Meta {
	return Meta{
		Method:         "GET",
		ScriptName:     "/cgi-bin/hello.py",
		ServerName:     "example.test",
		ServerPort:     "8080",
		ServerProtocol: "HTTP/1.1",
		RemoteAddr:     "192.0.2.7",
		RemotePort:     "51234",
		ContentLength:  -1,
		DocumentRoot:   "/srv/www",
		ScriptFilename: "/srv/www/cgi-bin/hello.py",
	}
}

func envMap(t *testing.T, env []string) map[string]string {
	t.Helper()
	m := make(map[string]string, len(env))
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("variable without '=': %q", kv)
		}
		if _, dup := m[name]; dup {
			t.Fatalf("variable %s set twice in %q", name, env)
		}
		m[name] = value
	}
	return m
}

func TestBuildEnvExact(t *testing.T) {
	t.Parallel()
	m := baseMeta()
	m.Method = "POST"
	m.PathInfo = "/extra"
	m.Query = "a=1&b=2"
	m.ContentType = "application/x-www-form-urlencoded"
	m.ContentLength = 7
	m.Headers = [][2]string{
		{"Host", "example.test"},
		{"Accept", "text/html"},
		{"User-Agent", "test"},
		{"accept", "text/plain"},
	}
	m.Extra = [][2]string{{"FERROUS_SESSION_ID", "abc"}, {"FERROUS_SESSION_VALUES", "visits=2"}}
	want := []string{
		"PATH=" + SafePath,
		"GATEWAY_INTERFACE=CGI/1.1",
		"SERVER_SOFTWARE=ferrous",
		"SERVER_PROTOCOL=HTTP/1.1",
		"SERVER_NAME=example.test",
		"SERVER_PORT=8080",
		"REQUEST_METHOD=POST",
		"SCRIPT_NAME=/cgi-bin/hello.py",
		"PATH_INFO=/extra",
		"QUERY_STRING=a=1&b=2",
		"CONTENT_TYPE=application/x-www-form-urlencoded",
		"CONTENT_LENGTH=7",
		"REMOTE_ADDR=192.0.2.7",
		"REMOTE_PORT=51234",
		"SCRIPT_FILENAME=/srv/www/cgi-bin/hello.py",
		"DOCUMENT_ROOT=/srv/www",
		"REDIRECT_STATUS=200",
		"HTTP_HOST=example.test",
		"HTTP_ACCEPT=text/html, text/plain",
		"HTTP_USER_AGENT=test",
		"FERROUS_SESSION_ID=abc",
		"FERROUS_SESSION_VALUES=visits=2",
	}
	got := BuildEnv(m)
	if !slices.Equal(got, want) {
		t.Fatalf("BuildEnv:\n got %q\nwant %q", got, want)
	}
	if again := BuildEnv(m); !slices.Equal(again, got) {
		t.Fatalf("BuildEnv is not deterministic:\n%q\n%q", got, again)
	}
}

func TestBuildEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(m *Meta)
		want    map[string]string
		missing []string
	}{
		{
			name:    "no body omits content variables",
			edit:    func(m *Meta) { m.ContentType = "text/plain" },
			want:    map[string]string{"QUERY_STRING": "", "PATH_INFO": ""},
			missing: []string{"CONTENT_TYPE", "CONTENT_LENGTH"},
		},
		{
			name:    "empty body keeps length zero",
			edit:    func(m *Meta) { m.ContentLength = 0 },
			want:    map[string]string{"CONTENT_LENGTH": "0"},
			missing: []string{"CONTENT_TYPE"},
		},
		{
			name: "default protocol",
			edit: func(m *Meta) { m.ServerProtocol = "" },
			want: map[string]string{"SERVER_PROTOCOL": "HTTP/1.1"},
		},
		{
			name: "httpoxy",
			edit: func(m *Meta) {
				m.Headers = [][2]string{{"Proxy", "http://evil.test:3128"}, {"proxy", "x"}, {"PROXY", "y"}}
			},
			missing: []string{"HTTP_PROXY"},
		},
		{
			name: "underscore names dropped",
			edit: func(m *Meta) {
				m.Headers = [][2]string{{"X_Forwarded_For", "203.0.113.9"}, {"X-Forwarded-For", "198.51.100.1"}}
			},
			want: map[string]string{"HTTP_X_FORWARDED_FOR": "198.51.100.1"},
		},
		{
			name: "names outside letters digits and dash dropped",
			edit: func(m *Meta) {
				m.Headers = [][2]string{{"X.Y", "1"}, {"X!", "2"}, {"", "3"}, {"X Y", "4"}}
			},
			missing: []string{"HTTP_X_Y", "HTTP_X", "HTTP_"},
		},
		{
			name: "repeated fields joined in order across spellings",
			edit: func(m *Meta) {
				m.Headers = [][2]string{{"Cookie", "a=1"}, {"X-Trace", " t1 "}, {"COOKIE", "b=2"}, {"cookie", "c=3"}}
			},
			want: map[string]string{"HTTP_COOKIE": "a=1, b=2, c=3", "HTTP_X_TRACE": "t1"},
		},
		{
			name: "content fields only as CONTENT_*",
			edit: func(m *Meta) {
				m.ContentLength = 3
				m.ContentType = "text/plain"
				m.Headers = [][2]string{{"Content-Type", "text/plain"}, {"Content-Length", "3"}}
			},
			want:    map[string]string{"CONTENT_TYPE": "text/plain", "CONTENT_LENGTH": "3"},
			missing: []string{"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"},
		},
		{
			name: "credentials and hop-by-hop fields dropped",
			edit: func(m *Meta) {
				m.Headers = [][2]string{
					{"Authorization", "Basic Zm9vOmJhcg=="}, {"Proxy-Authorization", "Basic eA=="},
					{"Connection", "keep-alive"}, {"Keep-Alive", "timeout=5"}, {"TE", "trailers"},
					{"Transfer-Encoding", "chunked"}, {"Upgrade", "websocket"}, {"Trailer", "X"},
					{"Proxy-Connection", "close"},
				}
			},
			missing: []string{
				"HTTP_AUTHORIZATION", "HTTP_PROXY_AUTHORIZATION", "HTTP_CONNECTION", "HTTP_KEEP_ALIVE",
				"HTTP_TE", "HTTP_TRANSFER_ENCODING", "HTTP_UPGRADE", "HTTP_TRAILER", "HTTP_PROXY_CONNECTION",
			},
		},
		{
			name: "fields named by Connection dropped",
			edit: func(m *Meta) {
				m.Headers = [][2]string{
					{"X-Hop", "1"}, {"Connection", "close, x-hop"}, {"X-End", "2"}, {"connection", " X-Other "},
					{"x-other", "3"},
				}
			},
			want:    map[string]string{"HTTP_X_END": "2"},
			missing: []string{"HTTP_X_HOP", "HTTP_X_OTHER", "HTTP_CLOSE"},
		},
		{
			name: "NUL values dropped",
			edit: func(m *Meta) {
				m.PathInfo = "/a\x00b"
				m.Headers = [][2]string{{"X-A", "ok"}, {"X-A", "b\x00d"}, {"X-B", "\x00"}}
			},
			want:    map[string]string{"HTTP_X_A": "ok"},
			missing: []string{"PATH_INFO", "HTTP_X_B"},
		},
		{
			name: "extras cannot shadow or be malformed",
			edit: func(m *Meta) {
				m.Headers = [][2]string{{"Host", "example.test"}}
				m.Extra = [][2]string{
					{"PATH", "/tmp/evil"}, {"REQUEST_METHOD", "DELETE"}, {"HTTP_HOST", "evil"},
					{"A=B", "x"}, {"", "y"}, {"N\x00", "z"}, {"FERROUS_SESSION_ID", "s1"},
					{"FERROUS_SESSION_ID", "s2"}, {"FERROUS_SESSION_VALUES", "a=%20&b="},
				}
			},
			want: map[string]string{
				"PATH": SafePath, "REQUEST_METHOD": "GET", "HTTP_HOST": "example.test",
				"FERROUS_SESSION_ID": "s1", "FERROUS_SESSION_VALUES": "a=%20&b=",
			},
			missing: []string{"A", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := baseMeta()
			tt.edit(&m)
			env := envMap(t, BuildEnv(m))
			for name, value := range tt.want {
				got, ok := env[name]
				if !ok || got != value {
					t.Errorf("%s = %q (set %v), want %q", name, got, ok, value)
				}
			}
			for _, name := range tt.missing {
				if value, ok := env[name]; ok {
					t.Errorf("%s = %q is set, want it absent", name, value)
				}
			}
		})
	}
}

func TestBuildEnvLeaksNothing(t *testing.T) {
	t.Parallel()
	if os.Getenv(canaryVar) == "" {
		t.Fatal("canary not set in the test process")
	}
	m := baseMeta()
	m.Headers = [][2]string{{"Host", "example.test"}}
	allowed := map[string]bool{
		"PATH": true, "GATEWAY_INTERFACE": true, "SERVER_SOFTWARE": true, "SERVER_PROTOCOL": true,
		"SERVER_NAME": true, "SERVER_PORT": true, "REQUEST_METHOD": true, "SCRIPT_NAME": true,
		"PATH_INFO": true, "QUERY_STRING": true, "REMOTE_ADDR": true, "REMOTE_PORT": true,
		"SCRIPT_FILENAME": true, "DOCUMENT_ROOT": true, "REDIRECT_STATUS": true, "HTTP_HOST": true,
	}
	env := envMap(t, BuildEnv(m))
	for name, value := range env {
		if !allowed[name] {
			t.Errorf("unexpected variable %s=%q", name, value)
		}
		if strings.Contains(value, "leaked") {
			t.Errorf("%s carries the canary", name)
		}
	}
	if env["PATH"] != SafePath {
		t.Errorf("PATH = %q, want %q", env["PATH"], SafePath)
	}
}

func BenchmarkBuildEnv(b *testing.B) {
	m := baseMeta()
	m.Query = "q=search&page=2"
	m.Headers = [][2]string{
		{"Host", "example.test"}, {"User-Agent", "bench/1.0"}, {"Accept", "*/*"},
		{"Accept-Encoding", "gzip"}, {"Cookie", "a=1"}, {"Cookie", "b=2"},
	}
	m.Extra = [][2]string{{"FERROUS_SESSION_ID", "abc"}}
	size := 0
	for _, kv := range BuildEnv(m) {
		size += len(kv)
	}
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		BuildEnv(m)
	}
}
