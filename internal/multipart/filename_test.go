package multipart

import (
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

func TestSanitizeFileName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 300)
	longEuro := strings.Repeat("€", 100) // 300 bytes, 3 per rune
	tests := []struct {
		name   string
		in     string
		want   string
		wantOK bool
	}{
		{name: "plain", in: "report.pdf", want: "report.pdf", wantOK: true},
		{name: "unix traversal", in: "../../etc/passwd", want: "passwd", wantOK: true},
		{name: "absolute unix path", in: "/etc/shadow", want: "shadow", wantOK: true},
		{name: "windows path", in: `C:\x\y.txt`, want: "y.txt", wantOK: true},
		{name: "windows traversal", in: `..\..\boot.ini`, want: "boot.ini", wantOK: true},
		{name: "mixed separators", in: `a/b\c/d.txt`, want: "d.txt", wantOK: true},
		{name: "UNC path", in: `\\server\share\f.doc`, want: "f.doc", wantOK: true},
		{name: "dot", in: ".", wantOK: false},
		{name: "dot dot", in: "..", wantOK: false},
		{name: "three dots", in: "...", wantOK: false},
		{name: "trailing slash", in: "dir/", wantOK: false},
		{name: "path ending in dot dot", in: "a/..", wantOK: false},
		{name: "hidden file loses its dot", in: ".bashrc", want: "bashrc", wantOK: true},
		{name: "htaccess", in: "../.htaccess", want: "htaccess", wantOK: true},
		{name: "dots and spaces", in: ". . .x", want: "x", wantOK: true},
		{name: "only spaces", in: "  ", wantOK: false},
		{name: "empty", in: "", wantOK: false},
		{name: "spaces trimmed", in: "  a b.txt  ", want: "a b.txt", wantOK: true},
		{name: "inner dots kept", in: "archive.tar.gz", want: "archive.tar.gz", wantOK: true},
		{name: "trailing dot kept", in: "name.", want: "name.", wantOK: true},
		{name: "NUL", in: "a\x00.txt", wantOK: false},
		{name: "NUL in directory part", in: "dir\x00/a.txt", wantOK: false},
		{name: "escape", in: "\x1b[31mred.txt", wantOK: false},
		{name: "newline", in: "a\nb.txt", wantOK: false},
		{name: "tab", in: "a\tb.txt", wantOK: false},
		{name: "DEL", in: "a\x7fb", wantOK: false},
		{name: "C1 control", in: "a\u0085b", wantOK: false},
		{name: "right-to-left override", in: "invoice\u202Efdp.exe", wantOK: false},
		{name: "invalid UTF-8", in: "a\xffb.txt", wantOK: false},
		{name: "overlong UTF-8 slash", in: "a\xc0\xafb", wantOK: false},
		{name: "unicode", in: "résumé 履歴書 😀.pdf", want: "résumé 履歴書 😀.pdf", wantOK: true},
		{name: "unicode path", in: "папка/файл.txt", want: "файл.txt", wantOK: true},
		{name: "shell characters kept", in: "$(rm -rf);`x`|&.txt", want: "$(rm -rf);`x`|&.txt", wantOK: true},
		{name: "exactly 255 bytes", in: strings.Repeat("b", 251) + ".txt", want: strings.Repeat("b", 251) + ".txt", wantOK: true},
		{name: "long keeps extension", in: long + ".txt", want: strings.Repeat("a", 251) + ".txt", wantOK: true},
		{name: "long without extension", in: long, want: strings.Repeat("a", 255), wantOK: true},
		{name: "long extension is not kept", in: "a." + long, want: ("a." + long)[:255], wantOK: true},
		{name: "long multibyte cut on rune boundary", in: longEuro + ".txt", want: strings.Repeat("€", 83) + ".txt", wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := SanitizeFileName(tt.in)
			if ok != tt.wantOK || got != tt.want {
				t.Fatalf("SanitizeFileName(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
			if !ok {
				return
			}
			if len(got) > maxFileNameBytes || !utf8.ValidString(got) || strings.ContainsAny(got, "/\\\x00") ||
				got == "." || got == ".." || strings.HasPrefix(got, ".") {
				t.Fatalf("SanitizeFileName(%q) = %q is unsafe", tt.in, got)
			}
			if again, _ := SanitizeFileName(got); again != got {
				t.Fatalf("SanitizeFileName is not idempotent: %q then %q", got, again)
			}
		})
	}
}

func TestSanitizeFileNameProperty(t *testing.T) {
	t.Parallel()
	nameGen := rapid.OneOf(
		rapid.String(),
		rapid.StringMatching(`[./\\ a€]{0,300}`),
		rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 300), func(b []byte) string { return string(b) }),
	)
	rapid.Check(t, func(t *rapid.T) {
		in := nameGen.Draw(t, "name")
		got, ok := SanitizeFileName(in)
		if !ok {
			if got != "" {
				t.Fatalf("rejected name came with %q", got)
			}
			return
		}
		if got == "" || len(got) > maxFileNameBytes || !utf8.ValidString(got) || strings.ContainsAny(got, "/\\\x00") ||
			strings.HasPrefix(got, ".") || strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") {
			t.Fatalf("SanitizeFileName(%q) = %q is unsafe", in, got)
		}
		if again, ok := SanitizeFileName(got); !ok || again != got {
			t.Fatalf("SanitizeFileName is not idempotent: %q then %q", got, again)
		}
	})
}
