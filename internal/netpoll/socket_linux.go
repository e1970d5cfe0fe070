//go:build linux

package netpoll

import (
	"fmt"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// listenBacklog is generous because accept happens in batches from the loop; the kernel caps it at somaxconn.
const listenBacklog = 4096

// DeferAcceptSecs is how long the kernel holds a connection that has sent nothing before handing it to accept
// anyway (one SYN-ACK retransmission later, about a second), where the server's idle timeout takes over.
const DeferAcceptSecs = 1

// Listen opens a non-blocking TCP listening socket on addr. With reusePort every loop can own a socket on the same
// port and the kernel spreads new connections across them, which avoids handing accepted fds between threads.
// It returns the fd and the bound port (useful when port 0 asked for an ephemeral one).
func Listen(addr netip.AddrPort, reusePort bool) (fd int, port int, err error) {
	family := unix.AF_INET
	if addr.Addr().Is6() && !addr.Addr().Is4In6() {
		family = unix.AF_INET6
	}
	fd, err = unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, 0, os.NewSyscallError("socket", err)
	}
	fail := func(op string, err error) (int, int, error) {
		unix.Close(fd)
		return -1, 0, fmt.Errorf("listen on %s: %w", addr, os.NewSyscallError(op, err))
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt SO_REUSEADDR", err)
	}
	if reusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fail("setsockopt SO_REUSEPORT", err)
		}
	}
	var sa unix.Sockaddr
	if family == unix.AF_INET6 {
		sa6 := &unix.SockaddrInet6{Port: int(addr.Port()), Addr: addr.Addr().As16()}
		sa = sa6
	} else {
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().Unmap().As4()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	// Accept a connection only once its first bytes have arrived (or the timeout has passed): the loop then reads
	// the request in the same turn as the accept, and a client that connects and says nothing costs no descriptor
	// for that long.
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, DeferAcceptSecs); err != nil {
		return fail("setsockopt TCP_DEFER_ACCEPT", err)
	}
	if err := unix.Listen(fd, listenBacklog); err != nil {
		return fail("listen", err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	switch b := bound.(type) {
	case *unix.SockaddrInet4:
		port = b.Port
	case *unix.SockaddrInet6:
		port = b.Port
	}
	return fd, port, nil
}

// Accept takes one pending connection as a non-blocking fd. The returned address is the peer's.
func Accept(listenFd int) (fd int, peer netip.AddrPort, err error) {
	fd, sa, err := unix.Accept4(listenFd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		return -1, netip.AddrPort{}, err
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		peer = netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		peer = netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	}
	return fd, peer, nil
}

// SetNoDelay turns Nagle's algorithm off. Responses are written whole, so Nagle only matters when a second write
// follows an unacknowledged one, which is what keep-alive does: a response held back for the client's delayed ACK.
func SetNoDelay(fd int) error {
	return os.NewSyscallError("setsockopt TCP_NODELAY", unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1))
}
