//go:build linux

package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"

	"golang.org/x/sys/unix"

	"ferrous/internal/config"
	"ferrous/internal/netpoll"
)

// errStopping refuses a reload that races a shutdown.
var errStopping = errors.New("server is shutting down")

// Reload puts a new config into service without dropping connections: routes, virtual hosts, limits and
// timeouts apply to the next request on every connection; listeners the new config no longer names stop
// accepting (their open connections finish the request in progress and close), and new ones start. workers,
// sessions and access_log are fixed for the process's life; changing them is reported and needs a restart.
func (s *Server) Reload(cfg *config.Config) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.stopping {
		return errStopping
	}
	old := s.set.Load().cfg
	groups, err := buildGroups(cfg)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	// Old groups are known by the port they are bound to (port 0 in the config is the one it picked); a new
	// group asking for port 0 always gets a fresh one.
	current := map[netip.AddrPort]*listener{}
	for _, ln := range s.groups {
		current[netip.AddrPortFrom(ln.addr.Addr(), uint16(ln.port))] = ln
	}
	var final, added []*listener
	var replaced [][]*vhost
	for _, ng := range groups {
		if og := current[ng.addr]; og != nil && ng.addr.Port() != 0 {
			delete(current, ng.addr)
			replaced = append(replaced, og.hosts())
			og.vhosts.Store(ng.vhosts.Load())
			final = append(final, og)
			continue
		}
		added = append(added, ng)
		final = append(final, ng)
	}
	var removed []*listener
	for _, ln := range s.groups {
		if !slices.Contains(final, ln) {
			removed = append(removed, ln)
			ln.retired.Store(true)
		}
	}
	// One socket per new group per loop, all opened before any loop changes, so a bind failure (port in use)
	// leaves the running config alone.
	fds := make([]map[int]*listener, len(s.loops))
	for i := range s.loops {
		fds[i] = map[int]*listener{}
		for _, ln := range added {
			fd, err := ln.open()
			if err != nil {
				for _, m := range fds {
					for fd := range m {
						unix.Close(fd)
					}
				}
				s.undoReload(final, replaced, removed)
				closeAll(groups)
				return fmt.Errorf("reload: %w", err)
			}
			fds[i][fd] = ln
		}
	}
	s.set.Store(newSettings(cfg))
	var wg sync.WaitGroup
	for i, l := range s.loops {
		wg.Add(1)
		newFds := fds[i]
		l.post(func() {
			defer wg.Done()
			l.applyReload(newFds, removed)
		})
	}
	wg.Wait()
	// Every loop has switched; no request can reach the replaced routes' directories any more.
	for _, vhs := range replaced {
		closeRoots(vhs)
	}
	for _, ln := range removed {
		closeRoots(ln.hosts())
	}
	s.groups = final
	warnFixedSettings(old, cfg)
	slog.Info("config reloaded", "file", cfg.File, "listeners", len(final), "added", len(added), "removed", len(removed))
	return nil
}

// undoReload puts the previous virtual hosts back after a failed reload.
func (s *Server) undoReload(final []*listener, replaced [][]*vhost, removed []*listener) {
	i := 0
	for _, ln := range final {
		if slices.Contains(s.groups, ln) {
			vhs := replaced[i]
			ln.vhosts.Store(&vhs)
			i++
		}
	}
	for _, ln := range removed {
		ln.retired.Store(false)
	}
}

// closeAll closes the directories of freshly built groups that did not go into service.
func closeAll(groups []*listener) {
	for _, ln := range groups {
		closeRoots(ln.hosts())
	}
}

// applyReload runs on the loop: start accepting on new sockets, stop on removed ones, forget cached files of the
// old routes, and close idle connections of removed listeners.
func (l *loop) applyReload(newFds map[int]*listener, removed []*listener) {
	for fd, ln := range newFds {
		if l.draining {
			unix.Close(fd)
			continue
		}
		l.listeners[fd] = ln
		if !l.paused {
			if err := l.poller.Add(fd, netpoll.Readable); err != nil {
				slog.Error("reload: registering listener", "err", err)
			}
		}
	}
	for fd, ln := range l.listeners {
		if slices.Contains(removed, ln) {
			if !l.paused {
				_ = l.poller.Del(fd)
			}
			unix.Close(fd)
			delete(l.listeners, fd)
		}
	}
	l.cache = fileCache{}
	l.parsers = nil // built with the old limits
	for _, c := range l.conns {
		if c.ln.retired.Load() && c.idle() {
			c.close()
		}
	}
}

func warnFixedSettings(old, cfg *config.Config) {
	if old.Workers != cfg.Workers {
		slog.Warn("reload: workers changes need a restart", "running", old.Workers, "config", cfg.Workers)
	}
	if old.AccessLog != cfg.AccessLog {
		slog.Warn("reload: access_log changes need a restart", "running", old.AccessLog)
	}
	if (old.Sessions == nil) != (cfg.Sessions == nil) || (old.Sessions != nil && *old.Sessions != *cfg.Sessions) {
		slog.Warn("reload: sessions changes need a restart")
	}
}
