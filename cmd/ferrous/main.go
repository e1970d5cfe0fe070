// Command ferrous serves HTTP/1.1 from one YAML config file.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"ferrous/internal/config"
	"ferrous/internal/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ferrous", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("c", "config.yaml", "config file")
	checkOnly := fs.Bool("t", false, "check the config file and exit (0 = valid)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file until shutdown (for performance work)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		if *checkOnly {
			fmt.Fprintf(stderr, "ferrous: configuration file %s test failed\n", *configPath)
		}
		return 1
	}
	if *checkOnly {
		fmt.Fprintf(stdout, "ferrous: configuration file %s test is successful\n", *configPath)
		return 0
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel(cfg.LogLevel)})))

	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			slog.Error("cpu profile", "err", err)
			return 1
		}
		defer stop()
	}
	srv, err := server.New(cfg)
	if err != nil {
		slog.Error("cannot start", "err", err)
		return 1
	}
	if err := srv.Start(); err != nil {
		slog.Error("cannot start", "err", err)
		return 1
	}
	for _, addr := range srv.Addrs() {
		fmt.Fprintf(stderr, "ferrous: serving http://%s\n", addr)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	for sig := range sigs {
		if sig == syscall.SIGHUP {
			if next := reload(srv, *configPath); next != nil {
				cfg = next
			}
			continue
		}
		slog.Info("shutting down", "signal", sig.String(), "grace", cfg.ShutdownTimeout)
		break
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		slog.Warn("shutdown", "err", err)
	}
	return 0
}

// reload re-reads the config on SIGHUP. An invalid file is reported (every FILE:LINE problem) and the running
// config keeps serving.
func reload(srv *server.Server, path string) *config.Config {
	cfg, err := config.Load(path)
	if err != nil {
		slog.Error("reload refused, keeping the running config", "file", path, "errors", err.Error())
		return nil
	}
	if err := srv.Reload(cfg); err != nil {
		slog.Error("reload failed, keeping the running config", "err", err)
		return nil
	}
	return cfg
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func logLevel(name string) slog.Level {
	switch name {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
