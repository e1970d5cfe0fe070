//go:build linux

// Package netpoll wraps Linux epoll for the server's event loops: one Poller per loop, level-triggered, plus an
// eventfd so that other goroutines can wake a loop that is blocked in epoll_wait.
package netpoll

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// Interest flags. Level-triggered on purpose: a loop that stops reading a connection (backpressure) must be able to
// come back to it later without having missed an edge.
const (
	Readable = unix.EPOLLIN | unix.EPOLLRDHUP
	Writable = unix.EPOLLOUT
)

// Event bits reported to the callback.
const (
	EventIn    = unix.EPOLLIN
	EventOut   = unix.EPOLLOUT
	EventHup   = unix.EPOLLHUP | unix.EPOLLRDHUP
	EventError = unix.EPOLLERR
)

// maxEventsPerWait bounds one epoll_wait batch so that a burst on many connections cannot starve timers.
const maxEventsPerWait = 512

// Poller is one epoll instance. It is not safe for concurrent use except Wake, which any goroutine may call.
type Poller struct {
	epfd   int
	wakeFd int
	events []unix.EpollEvent
}

// New creates an epoll instance and its wake-up eventfd.
func New() (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakeFd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &Poller{epfd: epfd, wakeFd: wakeFd, events: make([]unix.EpollEvent, maxEventsPerWait)}
	if err := p.Add(wakeFd, unix.EPOLLIN); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Add registers fd with the given interest set.
func (p *Poller) Add(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl add", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev))
}

// Mod replaces fd's interest set.
func (p *Poller) Mod(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl mod", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev))
}

// Del removes fd. Closing an fd removes it too; Del is for fds that stay open (paused listeners).
func (p *Poller) Del(fd int) error {
	return os.NewSyscallError("epoll_ctl del", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil))
}

// Wake makes a concurrent or future Wait return. Safe from any goroutine.
func (p *Poller) Wake() error {
	one := [8]byte{1}
	_, err := unix.Write(p.wakeFd, one[:])
	if errors.Is(err, unix.EAGAIN) {
		// The counter is saturated: a wake-up is already pending, which is all we need.
		return nil
	}
	return os.NewSyscallError("eventfd write", err)
}

// Wait blocks up to timeoutMs (-1 = forever) and calls fn for each ready fd. It reports woken=true when Wake was
// called, after draining the eventfd so that the next Wait blocks again.
func (p *Poller) Wait(timeoutMs int, fn func(fd int, events uint32)) (woken bool, err error) {
	n, err := unix.EpollWait(p.epfd, p.events, timeoutMs)
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return false, nil
		}
		return false, os.NewSyscallError("epoll_wait", err)
	}
	for i := 0; i < n; i++ {
		ev := &p.events[i]
		fd := int(ev.Fd)
		if fd == p.wakeFd {
			var buf [8]byte
			_, _ = unix.Read(p.wakeFd, buf[:])
			woken = true
			continue
		}
		fn(fd, ev.Events)
	}
	return woken, nil
}

// Close releases the epoll instance and the eventfd.
func (p *Poller) Close() error {
	err1 := unix.Close(p.wakeFd)
	err2 := unix.Close(p.epfd)
	return errors.Join(os.NewSyscallError("close", err1), os.NewSyscallError("close", err2))
}
