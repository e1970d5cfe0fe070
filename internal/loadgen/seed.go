package loadgen

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"
)

// BaselineSeed names the seed's published figures for --compare.
const BaselineSeed = "seed"

// ErrUnknownBaseline is returned for a --compare value other than BaselineSeed.
var ErrUnknownBaseline = errors.New("unknown baseline")

// SeedFigure is one measurement the seed published. Mean is zero where the
// seed gave no latency.
type SeedFigure struct {
	Kind         Kind
	Concurrency  int
	PerSecond    float64
	Mean         time.Duration
	Availability float64
}

// SeedFigures are the seed's published closed-loop measurements, keyed by
// what was sent and at what concurrency.
var SeedFigures = []SeedFigure{
	{Kind: KindGet, Concurrency: 50, PerSecond: 10204, Mean: 4740 * time.Microsecond, Availability: 100},
	{Kind: KindPost, Concurrency: 100, PerSecond: 9456, Mean: 10570 * time.Microsecond, Availability: 100},
	{Kind: KindPost, Concurrency: 500, PerSecond: 8304, Availability: 100},
	{Kind: KindUpload, Concurrency: 100, PerSecond: 1871, Availability: 100},
	{Kind: KindUpload, Concurrency: 500, PerSecond: 3047, Mean: 56710 * time.Microsecond, Availability: 100},
}

// SeedNote is printed with every comparison.
const SeedNote = "The seed's hardware is unknown: these figures compare only loosely."

// CheckBaseline accepts the --compare values that exist.
func CheckBaseline(name string) error {
	if name != BaselineSeed {
		return fmt.Errorf("%w %q: the only baseline is %q", ErrUnknownBaseline, truncate(name), BaselineSeed)
	}
	return nil
}

// seedFigureFor finds the seed's figure for a run; only closed loops were measured.
func seedFigureFor(r *Report) (SeedFigure, bool) {
	if r.Model != ModelClosed {
		return SeedFigure{}, false
	}
	for _, f := range SeedFigures {
		if f.Kind == r.Kind && f.Concurrency == r.Concurrency {
			return f, true
		}
	}
	return SeedFigure{}, false
}

// WriteSeedComparison prints each measured figure beside the seed's.
func WriteSeedComparison(w io.Writer, reports []*Report) error {
	if _, err := fmt.Fprintf(w, "Compared with the seed's published figures.\n%s\n\n", SeedNote); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\treq/s\tseed req/s\tratio\tmean\tseed mean\tavailability\tseed availability\t")
	for _, r := range reports {
		f, ok := seedFigureFor(r)
		if !ok {
			fmt.Fprintf(tw, "%s\t%.0f\t-\t-\t%s\t-\t%.2f %%\t-\t\n", r.Name, r.PerSecond, ms(r.Latency.Mean), r.Availability)
			continue
		}
		seedMean := "-"
		if f.Mean > 0 {
			seedMean = ms(f.Mean)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%.2f\t%s\t%s\t%.2f %%\t%.2f %%\t\n", r.Name, r.PerSecond,
			thousands(f.PerSecond), r.PerSecond/f.PerSecond, ms(r.Latency.Mean), seedMean, r.Availability, f.Availability)
	}
	return tw.Flush()
}

// thousands writes a whole number with comma separators, as the seed published them.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
