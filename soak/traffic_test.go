package main

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// TestBuildForm reads the form back with the standard library: the server must see the same files.
func TestBuildForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		names    []string
		contents [][]byte
	}{
		{name: "one file", names: []string{"a.bin"}, contents: [][]byte{[]byte("hello")}},
		{name: "empty file", names: []string{"empty.bin"}, contents: [][]byte{{}}},
		{name: "delimiter lookalikes", names: []string{"x.bin", "y.bin"}, contents: [][]byte{[]byte("\r\n--\r\n--x"), []byte("--\r\n")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, contentType, err := buildForm(tc.names, tc.contents)
			if err != nil {
				t.Fatal(err)
			}
			mediaType, params, err := mime.ParseMediaType(contentType)
			if err != nil || mediaType != "multipart/form-data" {
				t.Fatalf("content type %q: %v", contentType, err)
			}
			mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
			field, err := mr.NextPart()
			if err != nil || field.FormName() != "note" || field.FileName() != "" {
				t.Fatalf("first part: %v, %v", field, err)
			}
			for i, name := range tc.names {
				p, err := mr.NextPart()
				if err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
				got, err := io.ReadAll(p)
				if err != nil || p.FileName() != name || !bytes.Equal(got, tc.contents[i]) {
					t.Fatalf("part %d: file %q, %q, %v; want %q, %q", i, p.FileName(), got, err, name, tc.contents[i])
				}
			}
			if _, err := mr.NextPart(); !errors.Is(err, io.EOF) {
				t.Fatalf("after the files: %v, want EOF", err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		want     []byte
		wantFail bool
		late     bool // the failure is one of timing only
	}{
		{name: "status and body", status: 200, body: "abc", want: []byte("abc")},
		{name: "status only", status: 200, body: "anything", want: nil},
		{name: "wrong status", status: 500, body: "abc", want: []byte("abc"), wantFail: true},
		{name: "script timed out", status: 504, body: "abc", want: []byte("abc"), wantFail: true, late: true},
		{name: "request timed out", status: 408, body: "abc", want: []byte("abc"), wantFail: true, late: true},
		{name: "shorter body", status: 200, body: "ab", want: []byte("abc"), wantFail: true},
		{name: "different byte", status: 200, body: "abd", want: []byte("abc"), wantFail: true},
		{name: "body where none is expected", status: 200, body: "x", want: []byte{}, wantFail: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := check("GET /", &http.Response{StatusCode: tc.status}, []byte(tc.body), 200, tc.want)
			if (err != nil) != tc.wantFail || (err != nil && !errors.Is(err, errWrongAnswer)) {
				t.Fatalf("check = %v, want failure %v", err, tc.wantFail)
			}
			if errors.Is(err, errLate) != tc.late {
				t.Fatalf("check = %v, want late %v", err, tc.late)
			}
		})
	}
}

func TestDescribeDiff(t *testing.T) {
	t.Parallel()
	got := describeDiff([]byte("abcX"), []byte("abcd"))
	if !strings.Contains(got, "at byte 3") || !strings.Contains(got, `"X"`) {
		t.Fatalf("describeDiff = %q", got)
	}
}

func TestEchoAnswer(t *testing.T) {
	t.Parallel()
	if got := string(echoAnswer("POST", "a=1", []byte("body"))); got != "method=POST\nquery=a=1\nbody" {
		t.Fatalf("echoAnswer = %q", got)
	}
}
