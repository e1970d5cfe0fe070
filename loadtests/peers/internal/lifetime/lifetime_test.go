package lifetime

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestServeStopsAtTheEndOfItsLifetime(t *testing.T) {
	block := make(chan struct{})
	shutDown := false
	err := Serve(50*time.Millisecond, time.Second,
		func() error { <-block; return nil },
		func(context.Context) error { shutDown = true; close(block); return nil })
	if err != nil || !shutDown {
		t.Fatalf("Serve = %v, shut down %v", err, shutDown)
	}
}

func TestServeReportsAServeFailure(t *testing.T) {
	boom := errors.New("boom")
	err := Serve(time.Hour, time.Second, func() error { return boom },
		func(context.Context) error { t.Error("shutdown called after a failure"); return nil })
	if !errors.Is(err, boom) {
		t.Fatalf("Serve = %v; want it to wrap %v", err, boom)
	}
}
