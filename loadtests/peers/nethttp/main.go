// Command nethttp is the Go net/http peer of compare.sh. It does the three jobs ferrous does in that comparison,
// the way a plain net/http program would: files by http.ServeContent, a POST route that reads and discards its
// body, and a multipart upload route that stores each file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"time"

	"ferrous/loadtests/peers/internal/lifetime"
	"ferrous/loadtests/peers/internal/storedname"
)

const (
	// The same limits and timeouts the comparison gives ferrous and nginx.
	maxBodyBytes      = 1 << 20
	idleTimeout       = 60 * time.Second
	readHeaderTimeout = 10 * time.Second
	shutdownGrace     = 5 * time.Second
	uploadFileMode    = 0o644
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18086", "listen address")
	docroot := flag.String("root", "", "directory of the files to serve")
	uploads := flag.String("uploads", "", "directory that stores uploaded files")
	lifetime := flag.Duration("lifetime", time.Hour, "exit after this long even when nobody stops the server")
	flag.Parse()
	if err := run(*addr, *docroot, *uploads, *lifetime); err != nil {
		fmt.Fprintln(os.Stderr, "nethttp:", err)
		os.Exit(1)
	}
}

func run(addr, docroot, uploads string, life time.Duration) error {
	h, err := newHandler(docroot, uploads)
	if err != nil {
		return err
	}
	defer h.close()
	srv := &http.Server{
		Addr:              addr,
		Handler:           h.mux(),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
	}
	return lifetime.Serve(life, shutdownGrace, srv.ListenAndServe, srv.Shutdown)
}

// handler confines every file access to its two directories with os.Root, as ferrous does with RESOLVE_BENEATH.
type handler struct {
	docs    *os.Root
	uploads *os.Root
}

func newHandler(docroot, uploads string) (*handler, error) {
	docs, err := os.OpenRoot(docroot)
	if err != nil {
		return nil, fmt.Errorf("opening docroot: %w", err)
	}
	up, err := os.OpenRoot(uploads)
	if err != nil {
		docs.Close()
		return nil, fmt.Errorf("opening upload directory: %w", err)
	}
	return &handler{docs: docs, uploads: up}, nil
}

func (h *handler) close() {
	h.docs.Close()
	h.uploads.Close()
}

func (h *handler) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /", h.serveFile)
	m.HandleFunc("POST /post", h.discardBody)
	m.HandleFunc("POST /upload/", h.storeUpload)
	return m
}

func (h *handler) serveFile(w http.ResponseWriter, r *http.Request) {
	name := path.Clean("/" + r.URL.Path)[1:]
	if name == "" {
		name = "."
	}
	f, err := h.docs.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
}

// discardBody reads the whole body before answering, which is what ferrous's `return: 303` route and nginx's
// `return 303` location do with a POST body.
func (h *handler) discardBody(w http.ResponseWriter, r *http.Request) {
	if _, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxBodyBytes)); err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// storeUpload streams every file part of a multipart/form-data body into its own new file (201), never over an
// existing one (409).
func (h *handler) storeUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, "multipart/form-data expected", http.StatusUnsupportedMediaType)
		return
	}
	stored := ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			http.Error(w, "broken multipart body", http.StatusBadRequest)
			return
		}
		if part.FileName() == "" {
			continue // a plain form field; NextPart skips its content
		}
		name, err := storedname.Clean(part.FileName())
		if err != nil {
			http.Error(w, "unsafe file name", http.StatusBadRequest)
			return
		}
		if err := h.store(name, part); err != nil {
			status := http.StatusInternalServerError
			if errors.Is(err, fs.ErrExist) {
				status = http.StatusConflict
			}
			http.Error(w, http.StatusText(status), status)
			return
		}
		stored = name
	}
	if stored == "" {
		http.Error(w, "no file in the form", http.StatusBadRequest)
		return
	}
	w.Header().Set("Location", "/upload/"+stored)
	w.WriteHeader(http.StatusCreated)
}

// store creates name exclusively and removes it again if the body breaks off, so no partial file stays behind.
func (h *handler) store(name string, src io.Reader) error {
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
