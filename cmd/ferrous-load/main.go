// Command ferrous-load reproduces the seed's published benchmarks against a
// ferrous server, or any HTTP/1.1 server; the work is in internal/loadgen.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"ferrous/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := loadgen.Main(ctx, os.Args[1:], loadgen.Streams{
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Terminal: loadgen.IsTerminal(os.Stderr),
	})
	stop()
	os.Exit(code)
}
