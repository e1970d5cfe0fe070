package multipart

import (
	"strings"
	"testing"
)

func TestBoundaryFromContentType(t *testing.T) {
	t.Parallel()
	boundary70 := strings.Repeat("x", 70)
	boundary71 := strings.Repeat("x", 71)
	tests := []struct {
		name    string
		ct      string
		want    string
		wantErr error
	}{
		{name: "plain", ct: "multipart/form-data; boundary=abc", want: "abc"},
		{name: "upper case type", ct: "Multipart/Form-Data; BOUNDARY=abc", want: "abc"},
		{name: "no space", ct: "multipart/form-data;boundary=abc", want: "abc"},
		{name: "OWS around semicolon", ct: " multipart/form-data \t; \tboundary=abc\t", want: "abc"},
		{name: "other params", ct: "multipart/form-data; charset=utf-8; boundary=abc; x=\"y\"", want: "abc"},
		{name: "empty parameters", ct: "multipart/form-data;; boundary=abc;", want: "abc"},
		{name: "quoted", ct: `multipart/form-data; boundary="a b:c"`, want: "a b:c"},
		{name: "quoted pair", ct: `multipart/form-data; boundary="a\bc"`, want: "abc"},
		{name: "browser style", ct: "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", want: "----WebKitFormBoundary7MA4YWxkTrZu0gW"},
		{name: "70 chars", ct: "multipart/form-data; boundary=" + boundary70, want: boundary70},
		{name: "all bchars", ct: `multipart/form-data; boundary="'()+_,-./:=? 09AZaz"`, want: "'()+_,-./:=? 09AZaz"},

		{name: "text/plain", ct: "text/plain; boundary=abc", wantErr: ErrNotMultipart},
		{name: "multipart/mixed", ct: "multipart/mixed; boundary=abc", wantErr: ErrNotMultipart},
		{name: "longer subtype", ct: "multipart/form-data-x; boundary=abc", wantErr: ErrNotMultipart},
		{name: "empty", ct: "", wantErr: ErrNotMultipart},
		{name: "no subtype", ct: "multipart/", wantErr: ErrNotMultipart},
		{name: "no slash", ct: "multipart", wantErr: ErrNotMultipart},

		{name: "missing boundary", ct: "multipart/form-data", wantErr: ErrBadBoundary},
		{name: "length 0", ct: `multipart/form-data; boundary=""`, wantErr: ErrBadBoundary},
		{name: "length 71", ct: "multipart/form-data; boundary=" + boundary71, wantErr: ErrBadBoundary},
		{name: "ends in space", ct: `multipart/form-data; boundary="abc "`, wantErr: ErrBadBoundary},
		{name: "non bchar", ct: `multipart/form-data; boundary="ab@c"`, wantErr: ErrBadBoundary},
		{name: "non ASCII", ct: "multipart/form-data; boundary=\"ab\xc3\xa9\"", wantErr: ErrBadBoundary},

		{name: "space before equals", ct: "multipart/form-data; boundary =abc", wantErr: ErrBadContentType},
		{name: "space after equals", ct: "multipart/form-data; boundary= abc", wantErr: ErrBadContentType},
		{name: "missing semicolon", ct: "multipart/form-data boundary=abc", wantErr: ErrBadContentType},
		{name: "unterminated quote", ct: `multipart/form-data; boundary="abc`, wantErr: ErrBadContentType},
		{name: "garbage after quote", ct: `multipart/form-data; boundary="abc"x`, wantErr: ErrBadContentType},
		{name: "duplicate boundary", ct: "multipart/form-data; boundary=abc; boundary=def", wantErr: ErrBadContentType},
		{name: "parameter without value", ct: "multipart/form-data; boundary", wantErr: ErrBadContentType},
		{name: "CR in quoted", ct: "multipart/form-data; boundary=\"a\rb\"", wantErr: ErrBadContentType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := BoundaryFromContentType([]byte(tt.ct))
			if err != tt.wantErr {
				t.Fatalf("BoundaryFromContentType(%q) error = %v, want %v", tt.ct, err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Fatalf("BoundaryFromContentType(%q) = %q, want %q", tt.ct, got, tt.want)
			}
		})
	}
}

func TestErrorStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    *Error
		status int
	}{
		{name: "not multipart", err: ErrNotMultipart, status: 415},
		{name: "bad boundary", err: ErrBadBoundary, status: 400},
		{name: "unexpected end", err: ErrUnexpectedEnd, status: 400},
		{name: "too many parts", err: ErrTooManyParts, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.err.Status != tt.status {
				t.Fatalf("%v: status %d, want %d", tt.err, tt.err.Status, tt.status)
			}
			if !strings.HasPrefix(tt.err.Error(), "multipart: ") {
				t.Fatalf("Error() = %q lacks the package prefix", tt.err.Error())
			}
		})
	}
}
