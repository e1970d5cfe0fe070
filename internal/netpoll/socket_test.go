//go:build linux

package netpoll

import (
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestListenDefersAcceptUntilData checks the property the server's accept path relies on: a connection reaches
// accept with its first bytes already readable, and a silent one does not reach it before the deferral.
func TestListenDefersAcceptUntilData(t *testing.T) {
	fd, port, err := Listen(netip.MustParseAddrPort("127.0.0.1:0"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	addr := "127.0.0.1:" + strconv.Itoa(port)

	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	time.Sleep(300 * time.Millisecond)
	if cfd, _, err := Accept(fd); err == nil {
		unix.Close(cfd)
		t.Fatal("a connection that sent nothing was handed to accept at once")
	}

	talker, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer talker.Close()
	if _, err := talker.Write([]byte("GET / HTTP/1.1\r\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		cfd, peer, err := Accept(fd)
		if err == nil && peer.String() != talker.LocalAddr().String() {
			unix.Close(cfd) // the silent one, handed over after its deferral on a slow machine
			continue
		}
		if err == nil {
			defer unix.Close(cfd)
			buf := make([]byte, 64)
			n, err := unix.Read(cfd, buf)
			if err != nil || n == 0 {
				t.Fatalf("first read after accept = %d, %v; want the bytes already sent", n, err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the connection that sent data was never accepted: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
