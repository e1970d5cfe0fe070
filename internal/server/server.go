//go:build linux

// Package server runs ferrous's event loops: accepting, reading, routing, answering and timing out connections.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"ferrous/internal/config"
	"ferrous/internal/h1"
	"ferrous/internal/netpoll"
	"ferrous/internal/session"
)

// Server is a running ferrous instance built from one config.
type Server struct {
	set       atomic.Pointer[settings] // replaced whole on reload; loops load it per use
	loops     []*loop
	groups    []*listener
	connCount atomic.Int64
	accessLog *accessLog
	sessions  *session.Manager
	cgiActive atomic.Int64
	disk      *diskPool // uploads' file-system calls, off the loops

	reloadMu sync.Mutex
	stopping bool // under reloadMu: no reload once shutdown has begun
	stopOnce sync.Once
	done     chan struct{}
}

// settings are the config-derived values the loops consult. A reload swaps in a new value, so a loop always sees
// one consistent config.
type settings struct {
	cfg      *config.Config
	limits   h1.Limits
	maxConns int64
	maxCGI   int64 // scripts running at once, server-wide
	// maxRequests bounds requests on one keep-alive connection, as nginx's keepalive_requests does, so that
	// one client cannot pin a connection (and its loop's share of work) forever.
	maxRequests int
	// Timeouts in whole seconds: the timer wheel has one-second resolution.
	headerTimeout, bodyTimeout, idleTimeout, writeTimeout int64
}

func newSettings(cfg *config.Config) *settings {
	st := &settings{
		cfg:           cfg,
		limits:        h1.DefaultLimits(),
		maxConns:      int64(cfg.MaxConnections),
		maxCGI:        int64(cfg.MaxCGIProcesses),
		maxRequests:   cfg.MaxRequests,
		writeTimeout:  wholeSeconds(cfg.WriteTimeout),
		headerTimeout: wholeSeconds(cfg.HeaderTimeout),
		bodyTimeout:   wholeSeconds(cfg.BodyTimeout),
		idleTimeout:   wholeSeconds(cfg.ConnectionTimeout),
	}
	if st.maxConns <= 0 {
		st.maxConns = 10000
	}
	return st
}

// listener is the set of virtual hosts sharing one host:port; each loop has its own socket for it. The virtual
// hosts are swapped as a whole on reload, while connections keep their listener.
type listener struct {
	addr   netip.AddrPort
	port   int
	vhosts atomic.Pointer[[]*vhost]
	// retired is set when a reload removed the listener: requests still arriving on its open connections are
	// refused, since its routes' directories are closed.
	retired atomic.Bool
}

func (ln *listener) hosts() []*vhost { return *ln.vhosts.Load() }

// New builds a server from a validated config: it resolves routes and loads error pages, but opens no socket.
func New(cfg *config.Config) (*Server, error) {
	al, err := openAccessLog(cfg.AccessLog)
	if err != nil {
		return nil, err
	}
	s := &Server{accessLog: al, done: make(chan struct{})}
	s.set.Store(newSettings(cfg))
	if cfg.Sessions != nil {
		if s.sessions, err = openSessions(cfg.Sessions); err != nil {
			return nil, err
		}
	}
	if s.groups, err = buildGroups(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// buildGroups resolves the config's servers into listener groups, one per host:port (every port 0 is its own).
func buildGroups(cfg *config.Config) ([]*listener, error) {
	var groups []*listener
	hosts := map[*listener][]*vhost{}
	byAddr := map[netip.AddrPort]*listener{}
	for i := range cfg.Servers {
		sc := &cfg.Servers[i]
		vh, err := newVhost(sc)
		if err != nil {
			closeGroupRoots(hosts)
			return nil, err
		}
		addr, err := resolveListenAddr(sc.Host, sc.Port)
		if err != nil {
			closeGroupRoots(hosts)
			return nil, err
		}
		ln := byAddr[addr]
		if ln == nil || addr.Port() == 0 {
			ln = &listener{addr: addr, port: int(addr.Port())}
			groups = append(groups, ln)
			if addr.Port() != 0 {
				byAddr[addr] = ln
			}
		}
		hosts[ln] = append(hosts[ln], vh)
	}
	for _, ln := range groups {
		vhs := hosts[ln]
		ln.vhosts.Store(&vhs)
	}
	return groups, nil
}

func closeGroupRoots(hosts map[*listener][]*vhost) {
	for _, vhs := range hosts {
		closeRoots(vhs)
	}
}

func openSessions(sc *config.Sessions) (*session.Manager, error) {
	opts := session.Options{TTL: sc.TTL, MaxSessions: sc.MaxSessions}
	var store session.Store
	switch sc.Store {
	case "file":
		fs, err := session.NewFileStore(sc.Dir, opts, time.Now())
		if err != nil {
			return nil, fmt.Errorf("opening session store: %w", err)
		}
		store = fs
	case config.StoreRedis:
		rs, err := session.NewRedisStore(opts, session.RedisOptions{
			URL:            sc.URL,
			OnAvailability: logSessionAvailability,
		}, time.Now())
		if err != nil {
			return nil, fmt.Errorf("opening session store: %w", err)
		}
		store = rs
	default:
		store = session.NewMemoryStore(opts)
	}
	return session.NewManager(store, session.CookieOptions{
		Name: sc.CookieName, Path: "/", MaxAge: int(sc.TTL / time.Second), Secure: sc.Secure,
	}), nil
}

// logSessionAvailability logs each change of a shared session store's
// availability once, not every request it fails; the URL is left out because
// it may hold a password.
func logSessionAvailability(available bool, err error) {
	if available {
		slog.Info("session store available again")
		return
	}
	slog.Error("session store unavailable: requests to session routes answer 503 until it returns", "err", err)
}

func wholeSeconds(d time.Duration) int64 {
	if s := int64(d / time.Second); s > 0 {
		return s
	}
	return 1
}

func resolveListenAddr(host string, port int) (netip.AddrPort, error) {
	if host == "" {
		host = "0.0.0.0"
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("listen address %q: %w", host, err)
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

// diskWorkersPerLoop sizes the disk pool. A few files created at once keep the disk busy while one waits for the
// journal; many more only contend for the same locks.
const diskWorkersPerLoop = 2

// reserveSpareProc makes sure the Go scheduler has one P more than there are loops. A loop blocks its thread in
// epoll_wait, a system call the scheduler cannot see into: with no spare P, every goroutine that is not a loop (disk
// workers, CGI pipes, the log writer) runs only after sysmon has taken a blocked loop's P away, and the loop then
// waits to get one back when its events arrive. 64 KiB uploads on one pinned core went from about 6,900 to 7,900
// req/s with the spare. An explicit GOMAXPROCS in the environment is left alone.
func reserveSpareProc(loops int) {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	if want := loops + 1; runtime.GOMAXPROCS(0) < want {
		runtime.GOMAXPROCS(want)
	}
}

// Start opens the listening sockets and starts the loops. It returns once the server accepts connections.
func (s *Server) Start() error {
	n := s.set.Load().cfg.Workers
	if n <= 0 {
		n = runtime.NumCPU()
	}
	for i := 0; i < n; i++ {
		l, err := newLoop(i, s)
		if err != nil {
			s.closeLoops()
			return err
		}
		s.loops = append(s.loops, l)
	}
	for _, ln := range s.groups {
		for _, l := range s.loops {
			fd, err := ln.open()
			if err != nil {
				s.closeLoops()
				return err
			}
			if err := l.addListener(fd, ln); err != nil {
				unix.Close(fd)
				s.closeLoops()
				return err
			}
		}
	}
	s.accessLog.start()
	reserveSpareProc(n)
	s.disk = newDiskPool(diskWorkersPerLoop * n)
	for _, l := range s.loops {
		go l.run()
	}
	for _, ln := range s.groups {
		slog.Info("listening", "addr", net.JoinHostPort(ln.addr.Addr().String(), strconv.Itoa(ln.port)), "loops", len(s.loops))
	}
	return nil
}

// open binds one more socket for the group. With port 0, the first socket picks the port and the others (one per
// loop) bind the same one.
func (ln *listener) open() (int, error) {
	fd, port, err := netpoll.Listen(netip.AddrPortFrom(ln.addr.Addr(), uint16(ln.port)), true)
	if err != nil {
		return -1, err
	}
	ln.port = port
	return fd, nil
}

func (s *Server) closeLoops() {
	for _, l := range s.loops {
		for fd := range l.listeners {
			unix.Close(fd)
		}
		l.poller.Close()
	}
	s.loops = nil
}

// Addrs returns the bound address of each listening group, in config order (ports resolved when 0 was asked).
func (s *Server) Addrs() []string {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	out := make([]string, 0, len(s.groups))
	for _, ln := range s.groups {
		out = append(out, net.JoinHostPort(ln.addr.Addr().String(), strconv.Itoa(ln.port)))
	}
	return out
}

func (s *Server) atConnectionCap() bool { return s.connCount.Load() >= s.set.Load().maxConns }

// Shutdown stops accepting, lets in-flight requests finish until ctx ends, then closes whatever is left.
// It returns ctx's error if connections had to be cut.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
		s.reloadMu.Lock()
		s.stopping = true
		s.reloadMu.Unlock()
		for _, l := range s.loops {
			l.post(l.beginDrain)
		}
		for _, l := range s.loops {
			select {
			case <-l.drainedCh:
			case <-ctx.Done():
				err = ctx.Err()
				l.post(l.forceClose)
				<-l.drainedCh
			}
		}
		for _, l := range s.loops {
			l.closePoller()
		}
		if s.disk != nil {
			s.disk.stop(ctx) // after the loops: their last cancellations queue clean-up here
		}
		s.closeRoots()
		if s.sessions != nil {
			if err := s.sessions.Store().Close(); err != nil {
				slog.Error("closing session store", "err", err)
			}
		}
		s.accessLog.close()
		close(s.done)
	})
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: connections cut after the grace period: %w", err)
	}
	return err
}

func (s *Server) closeRoots() {
	for _, ln := range s.groups {
		closeRoots(ln.hosts())
	}
}

func closeRoots(vhosts []*vhost) {
	for _, vh := range vhosts {
		for _, rt := range vh.routes {
			if rt.root != nil {
				rt.root.Close()
			}
		}
	}
}

// Done is closed once Shutdown has finished.
func (s *Server) Done() <-chan struct{} { return s.done }
