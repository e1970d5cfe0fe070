package main

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func multipartBody(t *testing.T, filename, content string) (body *bytes.Buffer, contentType string) {
	t.Helper()
	body = &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	if err := mw.WriteField("note", "not a file"); err != nil {
		t.Fatal(err)
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return body, mw.FormDataContentType()
}

func TestHandler(t *testing.T) {
	t.Parallel()
	page := strings.Repeat("p", 612)
	tests := []struct {
		name        string
		method      string
		target      string
		filename    string // with method POST to /upload/: a multipart body holding this file
		contentType string // overrides the multipart content type
		wantStatus  int
		wantBody    string
		wantStored  string
	}{
		{name: "file", method: "GET", target: "/612.html", wantStatus: 200, wantBody: page},
		{name: "head", method: "HEAD", target: "/612.html", wantStatus: 200},
		{name: "missing", method: "GET", target: "/nope.html", wantStatus: 404},
		{name: "directory", method: "GET", target: "/", wantStatus: 404},
		{name: "dot segments are redirected to the clean path", method: "GET", target: "/../612.html", wantStatus: 307},
		{name: "post discards body", method: "POST", target: "/post", wantStatus: 303},
		{name: "upload stores file", method: "POST", target: "/upload/", filename: "u1.bin", wantStatus: 201, wantStored: "u1.bin"},
		{name: "upload never overwrites", method: "POST", target: "/upload/", filename: "taken.bin", wantStatus: 409},
		{name: "upload of hidden name", method: "POST", target: "/upload/", filename: ".hidden", wantStatus: 400},
		{name: "upload without file", method: "POST", target: "/upload/", wantStatus: 400},
		{name: "upload not multipart", method: "POST", target: "/upload/", filename: "x.bin", contentType: "text/plain", wantStatus: 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docroot, uploads := t.TempDir(), t.TempDir()
			if err := os.WriteFile(filepath.Join(docroot, "612.html"), []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(uploads, "taken.bin"), []byte("first"), 0o644); err != nil {
				t.Fatal(err)
			}
			h, err := newHandler(docroot, uploads)
			if err != nil {
				t.Fatal(err)
			}
			defer h.close()

			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(strings.Repeat("b", 1024)))
			if tt.target == "/upload/" {
				body, ct := multipartBody(t, tt.filename, "uploaded")
				if tt.contentType != "" {
					ct = tt.contentType
				}
				req = httptest.NewRequest(tt.method, tt.target, body)
				req.Header.Set("Content-Type", ct)
			}
			rec := httptest.NewRecorder()
			h.mux().ServeHTTP(rec, req)

			if rec.Code != tt.wantStatus {
				t.Fatalf("%s %s = %d, want %d (%s)", tt.method, tt.target, rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
				t.Errorf("body = %d bytes, want %d", rec.Body.Len(), len(tt.wantBody))
			}
			if tt.wantStored != "" {
				got, err := os.ReadFile(filepath.Join(uploads, tt.wantStored))
				if err != nil || string(got) != "uploaded" {
					t.Errorf("stored file = %q, %v; want %q", got, err, "uploaded")
				}
				if loc := rec.Header().Get("Location"); loc != "/upload/"+tt.wantStored {
					t.Errorf("Location = %q", loc)
				}
			}
			if tt.wantStatus == 409 {
				if got, _ := os.ReadFile(filepath.Join(uploads, "taken.bin")); string(got) != "first" {
					t.Errorf("existing file overwritten with %q", got)
				}
			}
		})
	}
}
