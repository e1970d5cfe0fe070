package loadgen

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progressInterval is how often the live status line is redrawn.
const progressInterval = 500 * time.Millisecond

// IsTerminal reports whether f is a character device, which is how a
// terminal shows itself without a terminal library; the progress line is
// only drawn there.
func IsTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

type progressSource interface {
	Progress() (done, failed uint64)
}

// startProgress redraws one status line on w until the returned function is
// called, which erases it.
func startProgress(w io.Writer, name string, planned time.Duration, src progressSource) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		began := time.Now()
		last, lastAt := uint64(0), began
		ticker := time.NewTicker(progressInterval)
		defer ticker.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case now := <-ticker.C:
				done, failed := src.Progress()
				rate := float64(done-last) / now.Sub(lastAt).Seconds()
				last, lastAt = done, now
				elapsed := min(now.Sub(began), planned).Truncate(100 * time.Millisecond)
				fmt.Fprintf(w, "\r\x1b[K%s  %s/%s  %d requests  %.0f req/s  %d errors",
					name, elapsed, planned, done, rate, failed)
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
	}
}
