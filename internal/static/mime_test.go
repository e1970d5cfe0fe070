package static

import (
	"strings"
	"testing"
)

func TestContentType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		want string
	}{
		{name: "html", file: "index.html", want: "text/html; charset=utf-8"},
		{name: "upper case", file: "INDEX.HTML", want: "text/html; charset=utf-8"},
		{name: "mixed case", file: "photo.JpEg", want: "image/jpeg"},
		{name: "nested path", file: "css/site.min.css", want: "text/css; charset=utf-8"},
		{name: "javascript", file: "app.mjs", want: "text/javascript; charset=utf-8"},
		{name: "json has no charset", file: "data.json", want: "application/json"},
		{name: "svg", file: "logo.svg", want: "image/svg+xml"},
		{name: "woff2", file: "f.woff2", want: "font/woff2"},
		{name: "wasm", file: "m.wasm", want: "application/wasm"},
		{name: "last extension wins", file: "archive.tar.gz", want: "application/gzip"},
		{name: "unknown", file: "file.unknownext", want: defaultContentType},
		{name: "no extension", file: "Makefile", want: defaultContentType},
		{name: "trailing dot", file: "file.", want: defaultContentType},
		{name: "dot in directory only", file: "v1.2/README", want: defaultContentType},
		{name: "dotfile", file: ".htaccess", want: defaultContentType},
		{name: "overlong extension", file: "x." + strings.Repeat("a", maxExtLen+1), want: defaultContentType},
		{name: "empty", file: "", want: defaultContentType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ContentType(tt.file); got != tt.want {
				t.Fatalf("ContentType(%q) = %q, want %q", tt.file, got, tt.want)
			}
		})
	}
}

func TestContentTypeTable(t *testing.T) {
	t.Parallel()
	for ext, typ := range contentTypes {
		if ext != strings.ToLower(ext) || len(ext) > maxExtLen || strings.Contains(ext, ".") {
			t.Errorf("key %q must be lower case, without dot, at most %d bytes", ext, maxExtLen)
		}
		if strings.HasPrefix(typ, "text/") != strings.HasSuffix(typ, "; charset=utf-8") {
			t.Errorf("%s: %q: text types and only text types carry charset=utf-8", ext, typ)
		}
	}
	if len(contentTypes) < 70 {
		t.Errorf("table has %d entries, want at least 70", len(contentTypes))
	}
}

// Not parallel: AllocsPerRun refuses to run alongside parallel tests.
func TestContentTypeNoAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if ContentType("Photo.PNG") != "image/png" {
			t.Fatal("wrong type")
		}
	})
	if allocs != 0 {
		t.Fatalf("ContentType allocated %v times", allocs)
	}
}
