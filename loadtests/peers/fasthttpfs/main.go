// Command fasthttpfs is the fasthttp peer of compare.sh: files by fasthttp.FS (with its own open-file cache, as a
// fasthttp user gets by default), a POST route whose body fasthttp has already read whole, and a multipart upload
// route that stores each file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"os"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"ferrous/loadtests/peers/internal/lifetime"
	"ferrous/loadtests/peers/internal/storedname"
)

const (
	// The same limits and timeouts the comparison gives ferrous and nginx.
	maxBodyBytes   = 1 << 20
	idleTimeout    = 60 * time.Second
	readTimeout    = 10 * time.Second
	shutdownGrace  = 5 * time.Second
	uploadFileMode = 0o644
	uploadPrefix   = "/upload/"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18087", "listen address")
	docroot := flag.String("root", "", "directory of the files to serve")
	uploads := flag.String("uploads", "", "directory that stores uploaded files")
	lifetime := flag.Duration("lifetime", time.Hour, "exit after this long even when nobody stops the server")
	flag.Parse()
	if err := run(*addr, *docroot, *uploads, *lifetime); err != nil {
		fmt.Fprintln(os.Stderr, "fasthttpfs:", err)
		os.Exit(1)
	}
}

func run(addr, docroot, uploads string, life time.Duration) error {
	h, err := newHandler(docroot, uploads)
	if err != nil {
		return err
	}
	defer h.close()
	srv := &fasthttp.Server{
		Handler:            h.serve,
		Name:               "fasthttp",
		ReadTimeout:        readTimeout,
		IdleTimeout:        idleTimeout,
		MaxRequestBodySize: maxBodyBytes,
	}
	return lifetime.Serve(life, shutdownGrace, func() error { return srv.ListenAndServe(addr) }, srv.ShutdownWithContext)
}

type handler struct {
	files   fasthttp.RequestHandler
	uploads *os.Root
}

func newHandler(docroot, uploads string) (*handler, error) {
	up, err := os.OpenRoot(uploads)
	if err != nil {
		return nil, fmt.Errorf("opening upload directory: %w", err)
	}
	files := &fasthttp.FS{
		Root:            docroot,
		AcceptByteRange: true,
		// Nobody else in the comparison compresses or lists directories.
		Compress:           false,
		GenerateIndexPages: false,
	}
	return &handler{files: files.NewRequestHandler(), uploads: up}, nil
}

func (h *handler) close() { h.uploads.Close() }

func (h *handler) serve(ctx *fasthttp.RequestCtx) {
	path := string(ctx.Path())
	switch {
	case ctx.IsPost() && path == "/post":
		// fasthttp reads the whole body before calling the handler (StreamRequestBody is off).
		ctx.Response.Header.Set("Location", "/")
		ctx.SetStatusCode(fasthttp.StatusSeeOther)
	case ctx.IsPost() && strings.HasPrefix(path, uploadPrefix):
		h.storeUpload(ctx)
	case ctx.IsGet() || ctx.IsHead():
		h.files(ctx)
	default:
		ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
	}
}

// storeUpload stores every file of a multipart/form-data body in its own new file (201), never over an existing
// one (409).
func (h *handler) storeUpload(ctx *fasthttp.RequestCtx) {
	form, err := ctx.MultipartForm()
	if errors.Is(err, fasthttp.ErrNoMultipartForm) {
		ctx.Error("multipart/form-data expected", fasthttp.StatusUnsupportedMediaType)
		return
	}
	if err != nil {
		ctx.Error("broken multipart body", fasthttp.StatusBadRequest)
		return
	}
	stored := ""
	for _, files := range form.File {
		for _, fh := range files {
			name, err := storedname.Clean(fh.Filename)
			if err != nil {
				ctx.Error("unsafe file name", fasthttp.StatusBadRequest)
				return
			}
			if err := h.store(name, fh); err != nil {
				status := fasthttp.StatusInternalServerError
				if errors.Is(err, fs.ErrExist) {
					status = fasthttp.StatusConflict
				}
				ctx.Error(fasthttp.StatusMessage(status), status)
				return
			}
			stored = name
		}
	}
	if stored == "" {
		ctx.Error("no file in the form", fasthttp.StatusBadRequest)
		return
	}
	ctx.Response.Header.Set("Location", uploadPrefix+stored)
	ctx.SetStatusCode(fasthttp.StatusCreated)
}

// store creates name exclusively and removes it again if copying fails, so no partial file stays behind.
func (h *handler) store(name string, fh *multipart.FileHeader) error {
	src, err := fh.Open()
	if err != nil {
		return fmt.Errorf("opening form file: %w", err)
	}
	defer src.Close()
	f, err := h.uploads.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, uploadFileMode)
	if err != nil {
		return fmt.Errorf("creating upload: %w", err)
	}
	_, copyErr := io.Copy(f, src)
	closeErr := f.Close()
	if err := errors.Join(copyErr, closeErr); err != nil {
		h.uploads.Remove(name)
		return fmt.Errorf("writing upload %s: %w", name, err)
	}
	return nil
}
