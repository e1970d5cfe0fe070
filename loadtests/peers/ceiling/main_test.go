//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const testDeadline = 10 * time.Second

func TestCeiling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		bodyBytes  int
		closeAfter bool
		sendfile   bool
		requests   int
	}{
		{name: "small body keep-alive", bodyBytes: 612, requests: 3},
		{name: "small body by sendfile", bodyBytes: 612, sendfile: true, requests: 3},
		// Larger than any loopback socket buffer, so the rest goes out on EPOLLOUT.
		{name: "body over the socket buffer", bodyBytes: 16 << 20, requests: 2},
		{name: "body over the socket buffer by sendfile", bodyBytes: 16 << 20, sendfile: true, requests: 2},
		{name: "connection close", bodyBytes: 612, closeAfter: true, requests: 1},
		{name: "connection close by sendfile", bodyBytes: 64 << 10, closeAfter: true, sendfile: true, requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := make([]byte, tt.bodyBytes)
			for i := range body {
				body[i] = byte('a' + i%26) // a pattern, so that a misplaced chunk shows
			}
			bodyFile := filepath.Join(t.TempDir(), "body")
			if err := os.WriteFile(bodyFile, body, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := loadCanned(bodyFile, tt.closeAfter, tt.sendfile)
			if err != nil {
				t.Fatal(err)
			}
			defer r.close()
			s, err := listen("127.0.0.1:0", r)
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			served := make(chan error, 1)
			go func() { served <- s.serve() }()
			defer func() {
				s.stop()
				if err := <-served; err != nil {
					t.Errorf("serve: %v", err)
				}
			}()
			port, err := s.port()
			if err != nil {
				t.Fatal(err)
			}
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(testDeadline))
			br := bufio.NewReader(c)
			for i := range tt.requests {
				if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("response %d: %v", i, err)
				}
				got, err := io.ReadAll(resp.Body)
				if err != nil || !bytes.Equal(got, body) {
					t.Fatalf("response %d: %d body bytes, %v; want %d", i, len(got), err, len(body))
				}
				if resp.Close != tt.closeAfter {
					t.Errorf("response %d: Close = %v, want %v", i, resp.Close, tt.closeAfter)
				}
			}
			if tt.closeAfter {
				if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
					t.Errorf("after the response: %v, want EOF", err)
				}
			}
		})
	}
}

func TestListenRefusesBadAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		addr string
	}{
		{name: "no port", addr: "127.0.0.1"},
		{name: "ipv6", addr: "[::1]:80"},
		{name: "host name", addr: "localhost:80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := listen(tt.addr, &canned{}); !errors.Is(err, ErrBadAddress) {
				t.Errorf("listen(%q) = %v, want ErrBadAddress", tt.addr, err)
			}
		})
	}
}
