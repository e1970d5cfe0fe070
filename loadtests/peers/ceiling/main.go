//go:build linux

// Command ceiling is the "how fast can this machine answer at all" reference of compare.sh: one epoll loop that
// answers every read with the same canned response, without parsing anything. No real server can beat it on the
// same core, so it shows how much of a server's time goes to HTTP work rather than to the kernel.
//
// It answers one response per read. That is right only while each request arrives in one read and the client
// waits for the answer before sending the next (wrk does both for small requests); it is a measuring stick, not
// a server. With -sendfile the body goes out by sendfile(2) from the file, as file servers send large files;
// otherwise it is copied from memory with write(2), which is cheaper for small bodies.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	readBufferBytes = 64 << 10
	maxEvents       = 256
	listenBacklog   = 4096
)

// ErrBadAddress means -addr is not an IPv4 "ip:port".
var ErrBadAddress = errors.New("ceiling: listen address must be an IPv4 ip:port")

func main() {
	addr := flag.String("addr", "127.0.0.1:18088", "listen address (IPv4)")
	bodyFile := flag.String("body", "", "file whose content is the canned response body")
	closeAfter := flag.Bool("close", false, "answer with Connection: close and close after each response")
	sendfile := flag.Bool("sendfile", false, "send the body from the file with sendfile(2) instead of from memory")
	lifetime := flag.Duration("lifetime", time.Hour, "exit after this long even when nobody stops the server")
	flag.Parse()
	if err := run(*addr, *bodyFile, *closeAfter, *sendfile, *lifetime); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}

func run(addr, bodyFile string, closeAfter, sendfile bool, lifetime time.Duration) error {
	r, err := loadCanned(bodyFile, closeAfter, sendfile)
	if err != nil {
		return err
	}
	defer r.close()
	s, err := listen(addr, r)
	if err != nil {
		return err
	}
	defer s.close()
	// A lifetime bounds the process even if the script that started it is killed before it can stop it.
	stopAfter := time.AfterFunc(lifetime, s.stop)
	defer stopAfter.Stop()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		s.stop()
	}()
	return s.serve()
}

// canned is the one response: head and body in memory, or the head in memory and the body in a file.
type canned struct {
	inline     []byte
	file       *os.File // nil when the body is in inline
	fileBytes  int
	closeAfter bool
}

func loadCanned(bodyFile string, closeAfter, sendfile bool) (*canned, error) {
	if !sendfile {
		body, err := os.ReadFile(bodyFile)
		if err != nil {
			return nil, fmt.Errorf("reading body: %w", err)
		}
		return &canned{inline: append(cannedHead(len(body), closeAfter), body...), closeAfter: closeAfter}, nil
	}
	f, err := os.Open(bodyFile)
	if err != nil {
		return nil, fmt.Errorf("opening body: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening body: %w", err)
	}
	n := int(fi.Size())
	return &canned{inline: cannedHead(n, closeAfter), file: f, fileBytes: n, closeAfter: closeAfter}, nil
}

func (c *canned) size() int { return len(c.inline) + c.fileBytes }

func (c *canned) close() {
	if c.file != nil {
		c.file.Close()
	}
}

// send writes what follows the first sent bytes of the response to fd, as much as the socket takes.
func (c *canned) send(fd, sent int) (int, error) {
	if sent < len(c.inline) {
		if c.file == nil {
			return unix.Write(fd, c.inline[sent:])
		}
		// MSG_MORE lets the head share a segment with the start of the body, as nginx's and ferrous's heads do.
		return unix.SendmsgN(fd, c.inline[sent:], nil, nil, unix.MSG_MORE)
	}
	// An explicit offset leaves the shared file's position alone, so every connection can use the one descriptor.
	off := int64(sent - len(c.inline))
	return unix.Sendfile(fd, int(c.file.Fd()), &off, c.size()-sent)
}

// cannedHead is a complete, valid HTTP/1.1 head, so clients that check framing (wrk, Go) accept the response.
func cannedHead(bodyBytes int, closeAfter bool) []byte {
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nServer: ceiling\r\nContent-Type: text/html\r\nContent-Length: %d\r\n", bodyBytes)
	if closeAfter {
		head += "Connection: close\r\n"
	}
	return []byte(head + "\r\n")
}

// output is a connection's response still in flight: sent bytes of the current copy, and how many more copies
// reads since then have asked for.
type output struct {
	sent int
	owed int
}

type server struct {
	lfd, epfd, stopfd int
	response          *canned
	buf               []byte
	// pending holds only connections whose socket buffer filled; an idle connection costs no Go memory.
	pending map[int]*output
}

func listen(addr string, response *canned) (*server, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Is4() {
		return nil, fmt.Errorf("%w: %q", ErrBadAddress, addr)
	}
	s := &server{lfd: -1, epfd: -1, stopfd: -1, response: response,
		buf: make([]byte, readBufferBytes), pending: make(map[int]*output)}
	if err := s.open(ap); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *server) open(ap netip.AddrPort) error {
	var err error
	if s.lfd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0); err != nil {
		return os.NewSyscallError("socket", err)
	}
	// A restarted comparison must be able to bind while old connections sit in TIME_WAIT.
	if err := unix.SetsockoptInt(s.lfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	if err := unix.Bind(s.lfd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return os.NewSyscallError("bind", err)
	}
	if err := unix.Listen(s.lfd, listenBacklog); err != nil {
		return os.NewSyscallError("listen", err)
	}
	if s.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	if s.stopfd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
		return os.NewSyscallError("eventfd", err)
	}
	for _, fd := range []int{s.lfd, s.stopfd} {
		if err := s.watch(unix.EPOLL_CTL_ADD, fd, unix.EPOLLIN); err != nil {
			return err
		}
	}
	return nil
}

// port is the bound port (useful after listening on port 0).
func (s *server) port() (int, error) {
	sa, err := unix.Getsockname(s.lfd)
	if err != nil {
		return 0, os.NewSyscallError("getsockname", err)
	}
	in4, ok := sa.(*unix.SockaddrInet4)
	if !ok {
		return 0, ErrBadAddress
	}
	return in4.Port, nil
}

func (s *server) watch(op, fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	if err := unix.EpollCtl(s.epfd, op, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// stop may be called from any goroutine: the eventfd wakes the loop, which returns.
func (s *server) stop() {
	one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	unix.Write(s.stopfd, one)
}

// close releases the loop's descriptors; connections still open are closed with the process.
func (s *server) close() {
	for _, fd := range []int{s.lfd, s.epfd, s.stopfd} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// serve runs the loop until stop. Level-triggered epoll keeps it simple: whatever is left unread is reported
// again on the next wait.
func (s *server) serve() error {
	events := make([]unix.EpollEvent, maxEvents)
	for {
		n, err := unix.EpollWait(s.epfd, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return os.NewSyscallError("epoll_wait", err)
		}
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			switch fd {
			case s.stopfd:
				return nil
			case s.lfd:
				if err := s.acceptAll(); err != nil {
					return err
				}
			default:
				if ev.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 && !s.readable(fd) {
					continue
				}
				if ev.Events&unix.EPOLLOUT != 0 {
					s.flush(fd)
				}
			}
		}
	}
}

func (s *server) acceptAll() error {
	for {
		fd, _, err := unix.Accept4(s.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch {
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.ECONNABORTED), errors.Is(err, unix.EINTR):
			return nil
		case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE):
			return nil // the backlog keeps the rest until a descriptor frees up
		case err != nil:
			return os.NewSyscallError("accept4", err)
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		if err := s.watch(unix.EPOLL_CTL_ADD, fd, unix.EPOLLIN); err != nil {
			unix.Close(fd)
		}
	}
}

// readable drains what arrived and owes one response for it. It reports false when it closed fd.
func (s *server) readable(fd int) bool {
	n, err := unix.Read(fd, s.buf)
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
		return true
	case err != nil, n == 0:
		s.drop(fd)
		return false
	}
	if out, busy := s.pending[fd]; busy {
		out.owed++
		return true
	}
	// The usual case: the whole response fits in the socket buffer, with no bookkeeping at all.
	out := output{}
	if !s.write(fd, &out) {
		return false
	}
	if out.sent < s.response.size() {
		inFlight := out // a copy, so that out itself stays on the stack in the usual case
		s.pending[fd] = &inFlight
		s.watch(unix.EPOLL_CTL_MOD, fd, unix.EPOLLIN|unix.EPOLLOUT)
	}
	return true
}

// flush continues a response the socket buffer could not take at once.
func (s *server) flush(fd int) {
	out, ok := s.pending[fd]
	if !ok || !s.write(fd, out) {
		return
	}
	if out.sent == s.response.size() {
		delete(s.pending, fd)
		s.watch(unix.EPOLL_CTL_MOD, fd, unix.EPOLLIN)
	}
}

// write sends owed responses until the socket buffer fills or all are out (out.sent == s.response.size()).
// It reports false when it closed fd.
func (s *server) write(fd int, out *output) bool {
	total := s.response.size()
	for {
		n, err := s.response.send(fd, out.sent)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return true
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil, n == 0: // n == 0: the body file shrank under us
			s.drop(fd)
			return false
		}
		out.sent += n
		if out.sent < total {
			continue
		}
		if s.response.closeAfter {
			s.drop(fd)
			return false
		}
		if out.owed == 0 {
			return true
		}
		out.owed--
		out.sent = 0
	}
}

func (s *server) drop(fd int) {
	delete(s.pending, fd)
	unix.Close(fd) // closing removes fd from the epoll set
}
