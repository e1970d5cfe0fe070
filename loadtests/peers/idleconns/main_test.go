package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestOpenAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		conns     int
		parallel  int
		wantOpen  int
		wantErrIs error
	}{
		{
			name:     "all kept open",
			handler:  func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(strings.Repeat("x", 612))) },
			conns:    40,
			parallel: 8,
			wantOpen: 40,
		},
		{
			name:     "parallel below one still works",
			handler:  func(w http.ResponseWriter, r *http.Request) {},
			conns:    3,
			parallel: 0,
			wantOpen: 3,
		},
		{
			name:      "error status",
			handler:   func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			conns:     5,
			parallel:  2,
			wantErrIs: ErrNotKept,
		},
		{
			name: "server closes",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Connection", "close")
			},
			conns:     5,
			parallel:  2,
			wantErrIs: ErrNotKept,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var open atomic.Int64
			srv := httptest.NewUnstartedServer(tt.handler)
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				switch s {
				case http.StateNew:
					open.Add(1)
				case http.StateClosed, http.StateHijacked:
					open.Add(-1)
				}
			}
			srv.Start()
			defer srv.Close()
			o := options{
				addr:     srv.Listener.Addr().String(),
				host:     "localhost",
				path:     "/612.html",
				conns:    tt.conns,
				parallel: tt.parallel,
				timeout:  5 * time.Second,
			}
			conns, errs := openAll(context.Background(), o)
			defer closeAll(conns)
			if len(conns) != tt.wantOpen {
				t.Errorf("open = %d, want %d", len(conns), tt.wantOpen)
			}
			if tt.wantErrIs == nil && len(errs) > 0 {
				t.Fatalf("errors: %v", errs[0])
			}
			if tt.wantErrIs != nil && (len(errs) != tt.conns || !errors.Is(errs[0], tt.wantErrIs)) {
				t.Fatalf("%d errors, first %v; want %d × %v", len(errs), errors.Join(errs...), tt.conns, tt.wantErrIs)
			}
			if got := open.Load(); int(got) < tt.wantOpen {
				t.Errorf("server sees %d open connections, want at least %d", got, tt.wantOpen)
			}
		})
	}
}

func TestOpenAllStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	conns, errs := openAll(ctx, options{addr: srv.Listener.Addr().String(), host: "x", path: "/", conns: 100, parallel: 1, timeout: time.Second})
	defer closeAll(conns)
	if len(conns) == 100 || len(errs) == 0 || !errors.Is(errs[len(errs)-1], context.Canceled) {
		t.Errorf("cancelled before starting: %d open, errors %v", len(conns), errors.Join(errs...))
	}
}
