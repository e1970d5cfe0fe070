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

// maxRequestsPerConn bounds requests on one keep-alive connection, as nginx's keepalive_requests does, so that
// one client cannot pin a connection (and its loop's share of work) forever.
const maxRequestsPerConn = 10000

// Server is a running ferrous instance built from one config.
type Server struct {
	cfg       *config.Config
	loops     []*loop
	groups    []*listener
	connCount atomic.Int64
	maxConns  int64
	accessLog *accessLog
	sessions  *session.Manager
	limits    h1.Limits
	// Timeouts in whole seconds: the timer wheel has one-second resolution.
	headerTimeout, bodyTimeout, idleTimeout int64

	startOnce sync.Once
	stopOnce  sync.Once
	done      chan struct{}
}

// listener is the set of virtual hosts sharing one host:port; each loop has its own socket for it.
type listener struct {
	addr   netip.AddrPort
	port   int
	vhosts []*vhost
}

// New builds a server from a validated config: it resolves routes and loads error pages, but opens no socket.
func New(cfg *config.Config) (*Server, error) {
	al, err := openAccessLog(cfg.AccessLog)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, accessLog: al, done: make(chan struct{}), maxConns: int64(cfg.MaxConnections),
		limits:        h1.DefaultLimits(),
		headerTimeout: wholeSeconds(cfg.HeaderTimeout),
		bodyTimeout:   wholeSeconds(cfg.BodyTimeout),
		idleTimeout:   wholeSeconds(cfg.ConnectionTimeout),
	}
	if s.maxConns <= 0 {
		s.maxConns = 10000
	}
	if cfg.Sessions != nil {
		if s.sessions, err = openSessions(cfg.Sessions); err != nil {
			return nil, err
		}
	}
	byAddr := map[netip.AddrPort]*listener{}
	for i := range cfg.Servers {
		sc := &cfg.Servers[i]
		vh, err := newVhost(sc)
		if err != nil {
			return nil, err
		}
		addr, err := resolveListenAddr(sc.Host, sc.Port)
		if err != nil {
			return nil, err
		}
		ln := byAddr[addr]
		if ln == nil || addr.Port() == 0 {
			ln = &listener{addr: addr}
			s.groups = append(s.groups, ln)
			if addr.Port() != 0 {
				byAddr[addr] = ln
			}
		}
		ln.vhosts = append(ln.vhosts, vh)
	}
	return s, nil
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
	default:
		store = session.NewMemoryStore(opts)
	}
	return session.NewManager(store, session.CookieOptions{
		Name: sc.CookieName, Path: "/", MaxAge: int(sc.TTL / time.Second), Secure: sc.Secure,
	}), nil
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

// Start opens the listening sockets and starts the loops. It returns once the server accepts connections.
func (s *Server) Start() error {
	n := s.cfg.Workers
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
			addr := ln.addr
			if ln.port != 0 {
				// Port 0 was asked for: every loop must bind the port the first one got.
				addr = netip.AddrPortFrom(addr.Addr(), uint16(ln.port))
			}
			fd, port, err := netpoll.Listen(addr, true)
			if err != nil {
				s.closeLoops()
				return err
			}
			ln.port = port
			if err := l.addListener(fd, ln); err != nil {
				unix.Close(fd)
				s.closeLoops()
				return err
			}
		}
	}
	s.accessLog.start()
	for _, l := range s.loops {
		go l.run()
	}
	for _, ln := range s.groups {
		slog.Info("listening", "addr", net.JoinHostPort(ln.addr.Addr().String(), strconv.Itoa(ln.port)), "loops", len(s.loops))
	}
	return nil
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
	out := make([]string, 0, len(s.groups))
	for _, ln := range s.groups {
		out = append(out, net.JoinHostPort(ln.addr.Addr().String(), strconv.Itoa(ln.port)))
	}
	return out
}

func (s *Server) atConnectionCap() bool { return s.connCount.Load() >= s.maxConns }

// Shutdown stops accepting, lets in-flight requests finish until ctx ends, then closes whatever is left.
// It returns ctx's error if connections had to be cut.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
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
		for _, vh := range ln.vhosts {
			for _, rt := range vh.routes {
				if rt.root != nil {
					rt.root.Close()
				}
			}
		}
	}
}

// Done is closed once Shutdown has finished.
func (s *Server) Done() <-chan struct{} { return s.done }
