// Command idleconns measures what idle keep-alive connections cost a server: it opens many connections, makes one
// request on each (so the server has set up whatever per-connection state a served client costs it), then holds
// them all open without traffic. It prints "ready open=N failed=M" once they are all open, so the caller can read
// the server's memory, and exits after -hold or on SIGINT/SIGTERM.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// ErrNotKept means the server answered but would not keep the connection open, or answered with an error.
var ErrNotKept = errors.New("idleconns: response does not leave a usable keep-alive connection")

type options struct {
	addr     string
	host     string
	path     string
	conns    int
	parallel int           // connections being set up at once; more would overflow the server's accept backlog
	timeout  time.Duration // per connection: dial, request and response
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "server address")
	flag.StringVar(&o.host, "host", "127.0.0.1", "Host header")
	flag.StringVar(&o.path, "path", "/", "path requested once on each connection")
	flag.IntVar(&o.conns, "n", 10000, "connections to open")
	flag.IntVar(&o.parallel, "parallel", 64, "connections set up at once")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Second, "per connection: dial, request and response")
	hold := flag.Duration("hold", time.Minute, "how long to hold the connections open")
	flag.Parse()
	if err := run(o, *hold); err != nil {
		fmt.Fprintln(os.Stderr, "idleconns:", err)
		os.Exit(1)
	}
}

func run(o options, hold time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	conns, errs := openAll(ctx, o)
	defer closeAll(conns)
	fmt.Printf("ready open=%d failed=%d\n", len(conns), len(errs))
	if len(errs) > 0 {
		fmt.Fprintln(os.Stderr, "idleconns: first failure:", errs[0])
	}
	if len(conns) == 0 {
		return fmt.Errorf("no connection opened: %w", errors.Join(errs...))
	}
	select {
	case <-ctx.Done():
	case <-time.After(hold):
	}
	return nil
}

// openAll opens o.conns connections, at most o.parallel at a time, and returns those that made it, plus an
// error for each that did not.
func openAll(ctx context.Context, o options) ([]net.Conn, []error) {
	var (
		mu    sync.Mutex
		conns = make([]net.Conn, 0, o.conns)
		errs  []error
		wg    sync.WaitGroup
		slots = make(chan struct{}, max(o.parallel, 1))
	)
	request := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", o.path, o.host)
	for range o.conns {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return conns, append(errs, ctx.Err())
		}
		wg.Go(func() {
			defer func() { <-slots }()
			c, err := openOne(ctx, o.addr, request, o.timeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			conns = append(conns, c)
		})
	}
	wg.Wait()
	return conns, errs
}

// openOne dials, makes one request and reads the whole response, leaving the connection idle.
func openOne(ctx context.Context, addr, request string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dialing: %w", err)
	}
	if err := exchange(c, request, timeout); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func exchange(c net.Conn, request string, timeout time.Duration) error {
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("setting deadline: %w", err)
	}
	if _, err := io.WriteString(c, request); err != nil {
		return fmt.Errorf("sending request: %w", err)
	}
	// The bufio.Reader is dropped afterwards: nothing more will arrive, and holding it would only bloat
	// this process, not the server being measured.
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading body: %w", err)
	}
	if resp.StatusCode != http.StatusOK || resp.Close {
		return fmt.Errorf("%w: %s, close=%v", ErrNotKept, resp.Status, resp.Close)
	}
	if err := c.SetDeadline(time.Time{}); err != nil {
		return fmt.Errorf("clearing deadline: %w", err)
	}
	return nil
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}
