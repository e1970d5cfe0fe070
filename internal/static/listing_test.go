package static

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// listingEntries mixes ordinary names with ones that would break out of HTML
// text, out of the href attribute, or turn the href into another scheme or
// URL part.
func listingEntries() []Entry {
	return []Entry{
		{Name: "zeta.txt", Size: 12, ModTime: 1700000000},
		{Name: "<script>alert(1)</script>.txt", Size: 1536, ModTime: 1700000060},
		{Name: `a"b&c'd e?f#g%h`, Size: 5 << 20, ModTime: 0},
		{Name: "javascript:alert(1)", Size: 0, ModTime: 86400},
		{Name: "sub", IsDir: true, ModTime: 1600000000},
		{Name: "Alpha", IsDir: true, ModTime: 1600000000},
		{Name: "café.html", Size: 3 << 30, ModTime: 1700003600},
		{Name: "bad\xffutf8", Size: 1023, ModTime: 1700000000},
	}
}

func TestAppendListingGolden(t *testing.T) {
	t.Parallel()
	entries := listingEntries()
	before := slices.Clone(entries)
	got := AppendListing(nil, "/files/<b>&/", entries)
	if !slices.Equal(entries, before) {
		t.Fatalf("AppendListing reordered the caller's slice")
	}

	if bytes.Contains(got, []byte("<script>")) || bytes.Contains(got, []byte("<b>")) {
		t.Fatalf("raw markup from a name or path reached the page:\n%s", got)
	}

	golden := filepath.Join("testdata", "listing.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("listing differs from %s (run with -update after checking):\n%s", golden, got)
	}
}

func TestAppendListingEscaping(t *testing.T) {
	t.Parallel()
	page := string(AppendListing(nil, "/x/", listingEntries()))
	tests := []struct {
		name    string
		present string
		absent  string
	}{
		{name: "script name is inert", present: "&lt;script&gt;alert(1)&lt;/script&gt;.txt", absent: "<script>"},
		{name: "script href encoded", present: `href="%3Cscript%3Ealert%281%29%3C%2Fscript%3E.txt"`, absent: `href="<`},
		{name: "quote amp apostrophe text", present: ">a&#34;b&amp;c&#39;d e?f#g%h<", absent: `a"b&c`},
		{name: "quote amp href", present: `href="a%22b%26c%27d%20e%3Ff%23g%25h"`, absent: `href="a"`},
		{name: "no scheme in href", present: `href="javascript%3Aalert%281%29"`, absent: `href="javascript:`},
		{name: "directory link", present: `<a href="sub/">sub/</a>`},
		{name: "utf8 name", present: `href="caf%C3%A9.html">café.html<`},
		{name: "invalid utf8 replaced", present: ">bad\uFFFDutf8<", absent: "\xff"},
		{name: "parent link", present: `<a href="../">../</a>`},
		{name: "title escaped path", present: "<title>Index of /x/</title>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(page, tt.present) {
				t.Errorf("page lacks %q", tt.present)
			}
			if tt.absent != "" && strings.Contains(page, tt.absent) {
				t.Errorf("page contains %q", tt.absent)
			}
		})
	}
}

func TestAppendListingOrderAndRoot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		urlPath   string
		entries   []Entry
		wantOrder []string
		wantUp    bool
	}{
		{
			name:    "dirs first then byte order",
			urlPath: "/a/",
			entries: []Entry{
				{Name: "b.txt"}, {Name: "Z", IsDir: true}, {Name: "B.txt"}, {Name: "a", IsDir: true}, {Name: "_"},
			},
			wantOrder: []string{`href="Z/"`, `href="a/"`, `href="B.txt"`, `href="_"`, `href="b.txt"`},
			wantUp:    true,
		},
		{
			name:      "root has no parent link",
			urlPath:   "/",
			entries:   []Entry{{Name: "x"}},
			wantOrder: []string{`href="x"`},
		},
		{name: "empty directory", urlPath: "/empty/", wantUp: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page := string(AppendListing(nil, tt.urlPath, tt.entries))
			last := -1
			for _, want := range tt.wantOrder {
				i := strings.Index(page, want)
				if i <= last {
					t.Fatalf("%q at %d, not after previous entry at %d:\n%s", want, i, last, page)
				}
				last = i
			}
			if up := strings.Contains(page, `href="../"`); up != tt.wantUp {
				t.Fatalf("parent link present = %v, want %v", up, tt.wantUp)
			}
			if !strings.HasSuffix(page, "</html>\n") {
				t.Fatalf("page not terminated")
			}
		})
	}
}

func TestAppendHumanSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int64
		want string
	}{
		{name: "zero", n: 0, want: "0 B"},
		{name: "bytes", n: 1023, want: "1023 B"},
		{name: "one KiB", n: 1024, want: "1.0 KiB"},
		{name: "one and a half KiB", n: 1536, want: "1.5 KiB"},
		{name: "rounds half up", n: 1024 + 973, want: "2.0 KiB"},
		{name: "MiB", n: 5 << 20, want: "5.0 MiB"},
		{name: "GiB", n: 3<<30 + 1<<29, want: "3.5 GiB"},
		{name: "EiB no overflow", n: 1<<63 - 1, want: "8.0 EiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(appendHumanSize(nil, tt.n)); got != tt.want {
				t.Fatalf("appendHumanSize(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func BenchmarkAppendListing(b *testing.B) {
	entries := listingEntries()
	buf := AppendListing(nil, "/files/", entries)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = AppendListing(buf[:0], "/files/", entries)
	}
}
