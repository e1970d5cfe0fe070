package session

import (
	"net/http"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestCookieValue(t *testing.T) {
	t.Parallel()
	junkPairs := func(n int) string { return strings.Repeat("j=1; ", n) }
	tests := []struct {
		name   string
		header string
		cookie string
		want   string
		found  bool
	}{
		{name: "empty header", header: "", cookie: "SID"},
		{name: "only separators", header: " ; ;; ", cookie: "SID"},
		{name: "single pair", header: "SID=abc", cookie: "SID", want: "abc", found: true},
		{name: "among others", header: "a=1; SID=abc; b=2", cookie: "SID", want: "abc", found: true},
		{name: "no spaces", header: "a=1;SID=abc;b=2", cookie: "SID", want: "abc", found: true},
		{name: "extra semicolons", header: ";;SID=abc;;", cookie: "SID", want: "abc", found: true},
		{name: "spaces around name and value", header: "a=1;   SID  =  abc   ; b=2", cookie: "SID", want: "abc", found: true},
		{name: "tabs", header: "\tSID=\tabc\t", cookie: "SID", want: "abc", found: true},
		{name: "quoted", header: `SID="abc"`, cookie: "SID", want: "abc", found: true},
		{name: "quoted empty", header: `SID=""`, cookie: "SID", want: "", found: true},
		{name: "empty value", header: "SID=; b=2", cookie: "SID", want: "", found: true},
		{name: "unbalanced quote skipped", header: `SID="abc; SID=def`, cookie: "SID", want: "def", found: true},
		{name: "lone quote skipped", header: `SID="`, cookie: "SID"},
		{name: "inner quote skipped", header: `SID="a"b"; SID=ok`, cookie: "SID", want: "ok", found: true},
		{name: "first duplicate wins", header: "SID=first; SID=second", cookie: "SID", want: "first", found: true},
		{name: "longer name with same suffix", header: "xSID=evil; SID=good", cookie: "SID", want: "good", found: true},
		{name: "longer name with same prefix", header: "SIDx=evil; SID_=evil", cookie: "SID"},
		{name: "names are case-sensitive", header: "sid=evil", cookie: "SID"},
		{name: "name split by space", header: "S ID=evil", cookie: "SID"},
		{name: "pair without equals skipped", header: "SID; SID=abc", cookie: "SID", want: "abc", found: true},
		{name: "bare name", header: "SID", cookie: "SID"},
		{name: "space inside value skipped", header: "SID=a b; SID=ok", cookie: "SID", want: "ok", found: true},
		{name: "comma inside value skipped", header: "SID=a,b", cookie: "SID"},
		{name: "backslash inside value skipped", header: `SID=a\b`, cookie: "SID"},
		{name: "control byte skipped", header: "SID=a\x00b; SID=ok", cookie: "SID", want: "ok", found: true},
		{name: "non-ASCII skipped", header: "SID=caf\xc3\xa9", cookie: "SID"},
		{name: "equals inside value", header: "SID=a=b", cookie: "SID", want: "a=b", found: true},
		{name: "junk before", header: "garbage;;==;=x;\x01; SID=abc", cookie: "SID", want: "abc", found: true},
		{name: "empty wanted name", header: "=abc", cookie: ""},
		{name: "last of the pair budget", header: junkPairs(maxCookiePairs-1) + "SID=abc", cookie: "SID", want: "abc", found: true},
		{name: "beyond the pair budget", header: junkPairs(maxCookiePairs) + "SID=abc", cookie: "SID"},
		{name: "empty segments are free", header: strings.Repeat(";", 2*maxCookiePairs) + "SID=abc", cookie: "SID", want: "abc", found: true},
		{
			name:   "pair ending at the byte bound",
			header: "SID=" + strings.Repeat("v", maxCookieScanBytes-len("SID=")-1) + "; rest=1",
			cookie: "SID", want: strings.Repeat("v", maxCookieScanBytes-len("SID=")-1), found: true,
		},
		{name: "pair cut by the byte bound", header: "SID=" + strings.Repeat("v", maxCookieScanBytes) + "; rest=1", cookie: "SID"},
		{name: "pair cut after an earlier pair", header: "a=1; SID=" + strings.Repeat("v", maxCookieScanBytes) + "; rest=1", cookie: "SID"},
		{name: "pair beyond the byte bound", header: "pad=" + strings.Repeat("v", maxCookieScanBytes) + "; SID=abc", cookie: "SID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, found := CookieValue([]byte(tt.header), tt.cookie)
			if found != tt.found || string(got) != tt.want {
				t.Errorf("CookieValue(%.60q, %q) = %.60q, %v; want %.60q, %v", tt.header, tt.cookie, got, found, tt.want, tt.found)
			}
		})
	}
}

func TestCookieValueNilHeader(t *testing.T) {
	t.Parallel()
	if v, ok := CookieValue(nil, "SID"); ok || v != nil {
		t.Errorf("CookieValue(nil) = %q, %v; want nil, false", v, ok)
	}
}

func TestCookieValueDoesNotAllocate(t *testing.T) {
	header := []byte(`theme=dark; xSID=1; lang="en"; SID=0123456789abcdef0123456789abcdef; tail=1`)
	tests := []struct {
		name   string
		cookie string
	}{
		{name: "present", cookie: "SID"},
		{name: "absent", cookie: "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() { CookieValue(header, tt.cookie) })
			if allocs != 0 {
				t.Errorf("CookieValue allocated %v times per run", allocs)
			}
		})
	}
}

// A well-formed header of generated pairs must give the first pair with the
// wanted name, whatever the spacing, and agree with net/http.
func TestCookieValueProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		names := rapid.SampledFrom([]string{"SID", "xSID", "SIDx", "sid", "a"})
		values := rapid.StringMatching(`[!#-+\--:<-\[\]-~]{0,12}`)
		seps := rapid.SampledFrom([]string{"; ", ";", " ; ", ";;", ";\t"})
		n := rapid.IntRange(0, 8).Draw(t, "pairs")
		var b strings.Builder
		want, found := "", false
		for i := range n {
			if i > 0 {
				b.WriteString(seps.Draw(t, "sep"))
			}
			name, value := names.Draw(t, "name"), values.Draw(t, "value")
			quoted := rapid.Bool().Draw(t, "quoted")
			b.WriteString(name + "=")
			if quoted {
				b.WriteString(`"` + value + `"`)
			} else {
				b.WriteString(value)
			}
			if name == "SID" && !found {
				want, found = value, true
			}
		}
		header := b.String()
		got, ok := CookieValue([]byte(header), "SID")
		if ok != found || string(got) != want {
			t.Fatalf("CookieValue(%q) = %q, %v; want %q, %v", header, got, ok, want, found)
		}
		req := http.Request{Header: http.Header{"Cookie": {header}}}
		c, err := req.Cookie("SID")
		if (err == nil) != found || (found && c.Value != want) {
			t.Fatalf("net/http disagrees on %q: %v, %v; want %q", header, c, err, want)
		}
	})
}

func TestAppendSetCookie(t *testing.T) {
	t.Parallel()
	const id = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name  string
		value string
		opts  CookieOptions
		want  string
	}{
		{
			name: "defaults", value: id, opts: CookieOptions{Name: "SID"},
			want: "SID=" + id + "; Path=/; HttpOnly; SameSite=Lax",
		},
		{
			name: "max age", value: id, opts: CookieOptions{Name: "SID", MaxAge: 3600},
			want: "SID=" + id + "; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax",
		},
		{
			name: "negative max age deletes", value: "", opts: CookieOptions{Name: "SID", MaxAge: -1},
			want: "SID=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
		},
		{
			name: "secure with path", value: id, opts: CookieOptions{Name: "SID", Path: "/app", MaxAge: 60, Secure: true},
			want: "SID=" + id + "; Path=/app; Max-Age=60; HttpOnly; SameSite=Lax; Secure",
		},
		{
			name: "header injection in value dropped", value: "abc\r\nSet-Cookie: x=1; Domain=evil",
			opts: CookieOptions{Name: "SID"},
			want: "SID=abcSet-Cookie:x=1Domain=evil; Path=/; HttpOnly; SameSite=Lax",
		},
		{
			name: "attribute injection in path dropped", value: id, opts: CookieOptions{Name: "SID", Path: "/a; Domain=evil\n"},
			want: "SID=" + id + "; Path=/a Domain=evil; HttpOnly; SameSite=Lax",
		},
		{
			name: "separators in name dropped", value: "v", opts: CookieOptions{Name: "S;I D="},
			want: "SID=v; Path=/; HttpOnly; SameSite=Lax",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix := []byte("Set-Cookie: ")
			got := AppendSetCookie(prefix, tt.value, tt.opts)
			if want := "Set-Cookie: " + tt.want; string(got) != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

func TestValidCookieName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		want  bool
	}{
		{name: "plain", input: "SID", want: true},
		{name: "token punctuation", input: "__Host-sid.v1!#$%&'*+^`|~", want: true},
		{name: "empty", input: ""},
		{name: "space", input: "S ID"},
		{name: "equals", input: "SID="},
		{name: "semicolon", input: "SID;"},
		{name: "quote", input: `"SID"`},
		{name: "separator", input: "a/b"},
		{name: "control", input: "a\tb"},
		{name: "non-ASCII", input: "s\xc3\xa9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ValidCookieName(tt.input); got != tt.want {
				t.Errorf("ValidCookieName(%q) = %v; want %v", tt.input, got, tt.want)
			}
		})
	}
}

func BenchmarkCookieValue(b *testing.B) {
	header := []byte(`_ga=GA1.2.1234567890.1234567890; theme=dark; lang="en"; ferrous_sid=0123456789abcdef0123456789abcdef; _gid=GA1.2.99`)
	b.ReportAllocs()
	b.SetBytes(int64(len(header)))
	for b.Loop() {
		if _, ok := CookieValue(header, "ferrous_sid"); !ok {
			b.Fatal("cookie not found")
		}
	}
}
