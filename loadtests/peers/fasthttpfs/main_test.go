package main

import (
	"bytes"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func multipartBody(t *testing.T, filename, content string) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
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
	return buf.Bytes(), mw.FormDataContentType()
}

func TestHandler(t *testing.T) {
	t.Parallel()
	page := strings.Repeat("p", 612)
	tests := []struct {
		name        string
		method      string
		target      string
		filename    string // with POST to /upload/: a multipart body holding this file
		contentType string // overrides the multipart content type
		wantStatus  int
		wantBody    string
		wantStored  string
	}{
		{name: "file", method: "GET", target: "/612.html", wantStatus: 200, wantBody: page},
		{name: "missing", method: "GET", target: "/nope.html", wantStatus: 404},
		{name: "post discards body", method: "POST", target: "/post", wantStatus: 303},
		{name: "put refused", method: "PUT", target: "/612.html", wantStatus: 405},
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

			var req fasthttp.Request
			req.Header.SetMethod(tt.method)
			req.SetRequestURI(tt.target)
			req.SetBodyString(strings.Repeat("b", 1024))
			if tt.target == "/upload/" {
				body, ct := multipartBody(t, tt.filename, "uploaded")
				if tt.contentType != "" {
					ct = tt.contentType
				}
				req.SetBody(body)
				req.Header.SetContentType(ct)
			}
			var ctx fasthttp.RequestCtx
			ctx.Init(&req, nil, nil)
			h.serve(&ctx)

			if got := ctx.Response.StatusCode(); got != tt.wantStatus {
				t.Fatalf("%s %s = %d, want %d (%s)", tt.method, tt.target, got, tt.wantStatus, ctx.Response.Body())
			}
			if tt.wantBody != "" && string(ctx.Response.Body()) != tt.wantBody {
				t.Errorf("body = %d bytes, want %d", len(ctx.Response.Body()), len(tt.wantBody))
			}
			if tt.wantStored != "" {
				got, err := os.ReadFile(filepath.Join(uploads, tt.wantStored))
				if err != nil || string(got) != "uploaded" {
					t.Errorf("stored file = %q, %v; want %q", got, err, "uploaded")
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
