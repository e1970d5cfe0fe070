package static

import (
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		raw         string
		prefix      string
		allowHidden bool
		wantRel     string
		wantSlash   bool
		wantErr     *PathError
	}{
		{name: "root", raw: "/", prefix: "/", wantRel: "", wantSlash: true},
		{name: "plain file", raw: "/index.html", prefix: "/", wantRel: "index.html"},
		{name: "nested", raw: "/css/site.css", prefix: "/", wantRel: "css/site.css"},
		{name: "dots inside names", raw: "/a.b/c.d.e", prefix: "/", wantRel: "a.b/c.d.e"},
		{name: "trailing slash", raw: "/docs/", prefix: "/", wantRel: "docs", wantSlash: true},
		{name: "double slash collapses", raw: "/a//b", prefix: "/", wantRel: "a/b"},
		{name: "leading double slash", raw: "//a", prefix: "/", wantRel: "a"},
		{name: "many slashes trailing", raw: "/a///", prefix: "/", wantRel: "a", wantSlash: true},
		{name: "dot segment", raw: "/a/./b", prefix: "/", wantRel: "a/b"},
		{name: "only dot", raw: "/./", prefix: "/", wantRel: "", wantSlash: true},
		{name: "trailing dot becomes slash", raw: "/a/.", prefix: "/", wantRel: "a", wantSlash: true},
		{name: "dotdot inside", raw: "/a/../b", prefix: "/", wantRel: "b"},
		{name: "trailing dotdot becomes slash", raw: "/a/b/..", prefix: "/", wantRel: "a", wantSlash: true},
		{name: "dotdot back to root", raw: "/a/..", prefix: "/", wantRel: "", wantSlash: true},
		{name: "two dotdots inside", raw: "/a/b/../../c", prefix: "/", wantRel: "c"},
		{name: "dotdot then dot", raw: "/a/b/.././c/", prefix: "/", wantRel: "a/c", wantSlash: true},
		{name: "encoded dotdot inside", raw: "/a/%2E%2e/b", prefix: "/", wantRel: "b"},
		{name: "encoded single dot", raw: "/%2e", prefix: "/", wantRel: "", wantSlash: true},
		{name: "mixed encoded dot", raw: "/a/b/.%2E", prefix: "/", wantRel: "a", wantSlash: true},
		{name: "climb at root", raw: "/..", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "climb etc passwd", raw: "/../etc/passwd", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "climb after descent", raw: "/a/../../etc", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "encoded climb", raw: "/%2e%2e/%2e%2e/etc/passwd", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "upper encoded climb", raw: "/%2E%2E/x", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "encoded slash after dotdot", raw: "/..%2fetc", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "encoded slash upper", raw: "/%2F", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "encoded slash lower", raw: "/a%2fb", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "encoded backslash", raw: "/a%5c..%5c", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "encoded backslash upper", raw: "/a%5C", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "raw backslash", raw: "/a\\b", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "raw backslash climb", raw: "/..\\..\\etc", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "encoded NUL", raw: "/%00", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "encoded NUL before ext", raw: "/secret.php%00.txt", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "raw NUL", raw: "/a\x00b", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "raw tab", raw: "/a\tb", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "raw DEL", raw: "/a\x7f", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "encoded CRLF", raw: "/a%0d%0a", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "encoded DEL", raw: "/%7F", prefix: "/", wantErr: ErrForbiddenPath},
		{name: "bad hex", raw: "/x%zz", prefix: "/", wantErr: ErrBadPath},
		{name: "lone percent", raw: "/%", prefix: "/", wantErr: ErrBadPath},
		{name: "short escape", raw: "/%4", prefix: "/", wantErr: ErrBadPath},
		{name: "short escape before slash", raw: "/%4/a", prefix: "/", wantErr: ErrBadPath},
		{name: "half bad hex", raw: "/%4g", prefix: "/", wantErr: ErrBadPath},
		{name: "empty", raw: "", prefix: "/", wantErr: ErrBadPath},
		{name: "no leading slash", raw: "index.html", prefix: "/", wantErr: ErrBadPath},
		{name: "asterisk form", raw: "*", prefix: "/", wantErr: ErrBadPath},
		{name: "double encoded dotdot is a name", raw: "/%252e%252e", prefix: "/", wantRel: "%2e%2e"},
		{name: "double encoded climb stays literal", raw: "/%252e%252e/%252e%252e/etc", prefix: "/", wantRel: "%2e%2e/%2e%2e/etc"},
		{name: "double encoded slash is a name", raw: "/a%252fb", prefix: "/", wantRel: "a%2fb"},
		{name: "encoded letter", raw: "/a/%62", prefix: "/", wantRel: "a/b"},
		{name: "utf8 escape", raw: "/caf%C3%A9", prefix: "/", wantRel: "café"},
		{name: "encoded space", raw: "/my%20file.txt", prefix: "/", wantRel: "my file.txt"},
		{name: "git config hidden", raw: "/.git/config", prefix: "/", wantErr: ErrHidden},
		{name: "nested env hidden", raw: "/app/.env", prefix: "/", wantErr: ErrHidden},
		{name: "encoded dot hidden", raw: "/%2egit/HEAD", prefix: "/", wantErr: ErrHidden},
		{name: "triple dot hidden", raw: "/a/...", prefix: "/", wantErr: ErrHidden},
		{name: "hidden allowed", raw: "/.git/config", prefix: "/", allowHidden: true, wantRel: ".git/config"},
		{name: "hidden removed by dotdot", raw: "/.git/../index.html", prefix: "/", wantRel: "index.html"},
		{name: "well-known", raw: "/.well-known/acme-challenge/tok", prefix: "/", wantRel: ".well-known/acme-challenge/tok"},
		{name: "well-known dir", raw: "/.well-known/", prefix: "/", wantRel: ".well-known", wantSlash: true},
		{name: "well-known only at top", raw: "/a/.well-known/x", prefix: "/", wantErr: ErrHidden},
		{name: "hidden below well-known", raw: "/.well-known/.secret", prefix: "/", wantErr: ErrHidden},
		{name: "prefix file", raw: "/static/css/a.css", prefix: "/static/", wantRel: "css/a.css"},
		{name: "prefix root with slash", raw: "/static/", prefix: "/static/", wantRel: "", wantSlash: true},
		{name: "prefix root without slash", raw: "/static", prefix: "/static/", wantRel: "", wantSlash: false},
		{name: "prefix configured without slash", raw: "/static/x", prefix: "/static", wantRel: "x"},
		{name: "prefix collapse after", raw: "/static//x", prefix: "/static/", wantRel: "x"},
		{name: "prefix is not a name prefix", raw: "/staticfoo", prefix: "/static/", wantErr: ErrOutsideRoute},
		{name: "other route", raw: "/other/x", prefix: "/static/", wantErr: ErrOutsideRoute},
		{name: "encoded prefix does not match", raw: "/st%61tic/x", prefix: "/static/", wantErr: ErrOutsideRoute},
		{name: "climb out of prefix", raw: "/static/../etc/passwd", prefix: "/static/", wantErr: ErrForbiddenPath},
		{name: "climb out of prefix deep", raw: "/static/a/../../x", prefix: "/static/", wantErr: ErrForbiddenPath},
		{name: "encoded climb out of prefix", raw: "/static/%2e%2e/x", prefix: "/static/", wantErr: ErrForbiddenPath},
		{name: "empty prefix means root", raw: "/x", prefix: "", wantRel: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rel, slash, err := Resolve(tt.raw, tt.prefix, tt.allowHidden)
			if tt.wantErr != nil {
				if err != tt.wantErr {
					t.Fatalf("Resolve(%q, %q) = %q, %v, %v; want error %v", tt.raw, tt.prefix, rel, slash, err, tt.wantErr)
				}
				return
			}
			if err != nil || rel != tt.wantRel || slash != tt.wantSlash {
				t.Fatalf("Resolve(%q, %q) = %q, %v, %v; want %q, %v, nil", tt.raw, tt.prefix, rel, slash, err, tt.wantRel, tt.wantSlash)
			}
		})
	}
}

// Not parallel: AllocsPerRun refuses to run alongside parallel tests.
func TestResolveCleanPathDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := Resolve("/static/css/site.min.css", "/static/", false); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("clean path allocated %v times", allocs)
	}
}

func TestPathErrorStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *PathError
		want int
	}{
		{name: "bad path", err: ErrBadPath, want: 400},
		{name: "forbidden", err: ErrForbiddenPath, want: 403},
		{name: "hidden", err: ErrHidden, want: 404},
		{name: "outside route", err: ErrOutsideRoute, want: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.err.Status != tt.want || StatusForOpenError(tt.err) != tt.want {
				t.Fatalf("status %d / %d, want %d", tt.err.Status, StatusForOpenError(tt.err), tt.want)
			}
			if !strings.HasPrefix(tt.err.Error(), "static: ") {
				t.Fatalf("Error() = %q", tt.err.Error())
			}
		})
	}
}

// pathPieces mixes separators, dot segments in raw and encoded forms, and the
// bytes Resolve must refuse, so random paths hit every branch.
var pathPieces = []string{
	"/", "/", "/", "..", ".", "%2e", "%2E", "%2e%2e", "%2f", "%2F", "%5c", "\\", "%00", "%",
	"%25", "%41", "a", "b", "etc", "passwd", ".git", ".well-known", "~", " ", "%20",
}

func TestResolveStaysInsideRoot(t *testing.T) {
	t.Parallel()
	const root = "/srv/www"
	rapid.Check(t, func(t *rapid.T) {
		pieces := rapid.SliceOfN(rapid.SampledFrom(pathPieces), 0, 16).Draw(t, "pieces")
		allowHidden := rapid.Bool().Draw(t, "allowHidden")
		raw := "/" + strings.Join(pieces, "")
		rel, _, err := Resolve(raw, "/", allowHidden)
		if err != nil {
			if _, ok := err.(*PathError); !ok {
				t.Fatalf("Resolve(%q): error %T is not a *PathError", raw, err)
			}
			return
		}
		if strings.HasPrefix(rel, "/") || strings.ContainsAny(rel, "\\\x00") {
			t.Fatalf("Resolve(%q) = %q: leading slash or forbidden byte", raw, rel)
		}
		if rel != "" {
			for i, seg := range strings.Split(rel, "/") {
				if seg == "" || seg == "." || seg == ".." {
					t.Fatalf("Resolve(%q) = %q: segment %q", raw, rel, seg)
				}
				if !allowHidden && seg[0] == '.' && (i != 0 || seg != ".well-known") {
					t.Fatalf("Resolve(%q) = %q: hidden segment %q", raw, rel, seg)
				}
			}
		}
		joined := filepath.Join(root, rel)
		if joined != root && !strings.HasPrefix(joined, root+"/") {
			t.Fatalf("Resolve(%q) = %q escapes: %q", raw, rel, joined)
		}
		// Model: with no encoded slash (success implies none), decoding each
		// segment once and cleaning lexically must agree.
		decoded, uerr := url.PathUnescape(raw)
		if uerr != nil {
			t.Fatalf("Resolve(%q) succeeded but the path does not decode: %v", raw, uerr)
		}
		if want := strings.TrimPrefix(path.Clean(decoded), "/"); rel != want {
			t.Fatalf("Resolve(%q) = %q, lexical clean gives %q", raw, rel, want)
		}
	})
}

func BenchmarkResolve(b *testing.B) {
	benchmarks := []struct {
		name string
		raw  string
	}{
		{name: "clean", raw: "/static/css/site.min.css"},
		{name: "escaped", raw: "/static/img/caf%C3%A9/./logo%20large.png"},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.raw)))
			for b.Loop() {
				if _, _, err := Resolve(bm.raw, "/static/", false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
