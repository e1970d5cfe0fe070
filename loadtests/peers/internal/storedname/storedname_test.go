package storedname

import (
	"errors"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "plain", in: "u17.bin", want: "u17.bin"},
		{name: "unix path keeps last element", in: "../../etc/passwd", want: "passwd"},
		{name: "windows path keeps last element", in: `C:\Users\a\photo.jpg`, want: "photo.jpg"},
		{name: "utf-8 kept", in: "été.txt", want: "été.txt"},
		{name: "longest allowed", in: strings.Repeat("a", maxNameBytes), want: strings.Repeat("a", maxNameBytes)},
		{name: "empty", in: "", wantErr: ErrUnsafe},
		{name: "trailing slash leaves nothing", in: "dir/", wantErr: ErrUnsafe},
		{name: "dot", in: ".", wantErr: ErrUnsafe},
		{name: "dot dot", in: "a/..", wantErr: ErrUnsafe},
		{name: "hidden", in: ".htaccess", wantErr: ErrUnsafe},
		{name: "nul", in: "a\x00b", wantErr: ErrUnsafe},
		{name: "newline", in: "a\nb", wantErr: ErrUnsafe},
		{name: "delete", in: "a\x7fb", wantErr: ErrUnsafe},
		{name: "too long", in: strings.Repeat("a", maxNameBytes+1), wantErr: ErrUnsafe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Clean(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Clean(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
