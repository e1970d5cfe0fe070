// Package lifetime runs a peer server until it is told to stop or its lifetime runs out, so that a peer the
// comparison script failed to stop (the script was killed) still exits by itself.
package lifetime

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"
	"time"
)

// Serve runs serve until it fails, SIGINT or SIGTERM arrives, or lifetime passes; then it calls shutdown with
// grace to finish in-flight requests.
func Serve(lifetime, grace time.Duration, serve func() error, shutdown func(context.Context) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, lifetime)
	defer cancel()
	serveErr := make(chan error, 1)
	go func() { serveErr <- serve() }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), grace)
	defer cancelShutdown()
	if err := shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}
