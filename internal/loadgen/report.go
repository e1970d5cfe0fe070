package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/tsenart/vegeta/v12/lib/plot"
)

const (
	// maxReportedErrors bounds the distinct error texts a report lists;
	// connection errors name ports, so they can be as many as requests.
	maxReportedErrors = 20
	// plotThreshold is how many points per series the plot keeps (vegeta's default).
	plotThreshold = 4000
)

// Load models as reports name them.
const (
	ModelClosed = "closed"
	ModelOpen   = "open"
	ModelMerged = "merged"
)

// Report is what one run (or a merge of result files) measured.
type Report struct {
	Name        string        `json:"name"`
	Scenario    string        `json:"scenario"`
	Kind        Kind          `json:"kind,omitempty"`
	Model       string        `json:"model"`
	Concurrency int           `json:"concurrency,omitempty"`
	Rate        string        `json:"rate,omitempty"` // open loop: the target arrival rate
	Planned     time.Duration `json:"-"`              // the run's duration as asked

	Requests     uint64         `json:"requests"`
	OK           uint64         `json:"ok"`
	Failures     Failures       `json:"failures"`
	Availability float64        `json:"availability_percent"`
	PerSecond    float64        `json:"requests_per_second"` // requests over the time they were sent in
	Throughput   float64        `json:"ok_per_second"`       // successful requests over the time until the last answer
	Elapsed      time.Duration  `json:"-"`
	Latency      Latency        `json:"latency"`
	BytesIn      uint64         `json:"bytes_in"`
	BytesOut     uint64         `json:"bytes_out"`
	StatusCodes  map[string]int `json:"status_codes"`
	Errors       []string       `json:"errors"`
	Interrupted  bool           `json:"interrupted,omitempty"`

	plot *plot.Plot
}

// Latency summarises response times.
type Latency struct {
	Mean, P50, P90, P99, Max, Min time.Duration
}

// MarshalJSON writes latencies in milliseconds, the unit people read them in.
func (l Latency) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return json.Marshal(struct {
		Mean float64 `json:"mean_ms"`
		P50  float64 `json:"p50_ms"`
		P90  float64 `json:"p90_ms"`
		P99  float64 `json:"p99_ms"`
		Max  float64 `json:"max_ms"`
		Min  float64 `json:"min_ms"`
	}{ms(l.Mean), ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), ms(l.Min)})
}

// MarshalJSON adds the durations in seconds to the report's fields.
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(struct {
		*plain
		ElapsedSeconds float64 `json:"elapsed_seconds"`
		PlannedSeconds float64 `json:"planned_seconds,omitempty"`
	}{(*plain)(r), r.Elapsed.Seconds(), r.Planned.Seconds()})
}

// Collector accumulates results into a report, a latency plot and,
// optionally, a raw results stream. One goroutine feeds it; the progress
// counters may be read from another.
type Collector struct {
	metrics  vegeta.Metrics
	failures Failures
	plot     *plot.Plot
	enc      vegeta.Encoder
	encErr   error

	done   atomic.Uint64
	failed atomic.Uint64
}

// NewCollector starts an empty collection; enc, if not nil, receives every result.
func NewCollector(title string, enc vegeta.Encoder) *Collector {
	return &Collector{
		plot: plot.New(plot.Title(title), plot.Downsample(plotThreshold), plot.Label(plot.ErrorLabeler)),
		enc:  enc,
	}
}

// Add takes one judged result (see Checker.Check). It returns the first
// error writing the raw stream; the collection goes on regardless.
func (c *Collector) Add(r *vegeta.Result, cause Cause) error {
	c.metrics.Add(r)
	c.failures.add(cause)
	c.done.Add(1)
	if cause != CauseNone {
		c.failed.Add(1)
	}
	// The plot refuses only results out of sequence order, which a merge of
	// unrelated files can produce; the figures do not depend on it.
	_ = c.plot.Add(r)
	if c.enc != nil && c.encErr == nil {
		if err := c.enc.Encode(r); err != nil {
			c.encErr = fmt.Errorf("writing results: %w", err)
		}
	}
	return c.encErr
}

// Progress returns the requests collected and failed so far.
func (c *Collector) Progress() (done, failed uint64) { return c.done.Load(), c.failed.Load() }

// Close computes the report. The caller fills in how the load was made.
func (c *Collector) Close() *Report {
	m := &c.metrics
	m.Close()
	c.plot.Close()
	r := &Report{
		Requests:    m.Requests,
		Failures:    c.failures,
		PerSecond:   m.Rate,
		Elapsed:     m.Duration + m.Wait,
		BytesIn:     m.BytesIn.Total,
		BytesOut:    m.BytesOut.Total,
		StatusCodes: m.StatusCodes,
		Latency: Latency{
			Mean: m.Latencies.Mean, P50: m.Latencies.P50, P90: m.Latencies.P90,
			P99: m.Latencies.P99, Max: m.Latencies.Max, Min: m.Latencies.Min,
		},
		plot: c.plot,
	}
	if r.StatusCodes == nil {
		r.StatusCodes = map[string]int{}
	}
	r.OK = r.Requests - r.Failures.Total()
	if r.Requests > 0 {
		r.Availability = 100 * float64(r.OK) / float64(r.Requests)
	}
	if secs := r.Elapsed.Seconds(); secs > 0 {
		r.Throughput = float64(r.OK) / secs
	}
	r.Errors = m.Errors[:min(len(m.Errors), maxReportedErrors)]
	if r.Errors == nil {
		r.Errors = []string{}
	}
	return r
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WritePlot writes vegeta's interactive HTML latency plot of the run.
func (r *Report) WritePlot(w io.Writer) error {
	if r.plot == nil {
		return fmt.Errorf("report %q has no plot", r.Name)
	}
	_, err := r.plot.WriteTo(w)
	return err
}

// WriteText writes the report as an aligned table.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\n", r.Name, r.describeLoad())
	fmt.Fprintf(tw, "  requests\t%d (ok %d, failed %d)\n", r.Requests, r.OK, r.Failures.Total())
	fmt.Fprintf(tw, "  requests/s\t%.1f\n", r.PerSecond)
	fmt.Fprintf(tw, "  latency\tmean %s  p50 %s  p90 %s  p99 %s  max %s\n",
		ms(r.Latency.Mean), ms(r.Latency.P50), ms(r.Latency.P90), ms(r.Latency.P99), ms(r.Latency.Max))
	fmt.Fprintf(tw, "  bytes in/out\t%s / %s\n", bytesText(r.BytesIn), bytesText(r.BytesOut))
	fmt.Fprintf(tw, "  errors\tstatus %d  body %d  timeout %d  connection %d\n",
		r.Failures.Status, r.Failures.Body, r.Failures.Timeout, r.Failures.Connection)
	fmt.Fprintf(tw, "  availability\t%.2f %%\n", r.Availability)
	fmt.Fprintf(tw, "  status codes\t%s\n", statusCodesText(r.StatusCodes))
	for i, e := range r.Errors {
		label := ""
		if i == 0 {
			label = "first errors"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", label, e)
	}
	return tw.Flush()
}

func (r *Report) describeLoad() string {
	var s string
	switch r.Model {
	case ModelClosed:
		s = fmt.Sprintf("closed loop, %d workers", r.Concurrency)
	case ModelOpen:
		s = fmt.Sprintf("open loop, %s", r.Rate)
	default:
		s = r.Model
	}
	if r.Planned > 0 {
		s += ", " + r.Planned.String()
	}
	if r.Interrupted {
		s += ", interrupted"
	}
	return "(" + s + ")"
}

// WriteSummary writes one line per report, for comparing runs at a glance.
func WriteSummary(w io.Writer, reports []*Report) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\treq/s\tmean\tp50\tp90\tp99\tmax\tfailed\tavailability\t")
	for _, r := range reports {
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%d\t%.2f %%\t\n", r.Name, r.PerSecond,
			ms(r.Latency.Mean), ms(r.Latency.P50), ms(r.Latency.P90), ms(r.Latency.P99), ms(r.Latency.Max),
			r.Failures.Total(), r.Availability)
	}
	return tw.Flush()
}

// ms formats a latency in milliseconds with two decimals, as the seed did.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

func bytesText(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	div, exp := uint64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func statusCodesText(codes map[string]int) string {
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		label := k
		if k == "0" {
			label = "none"
		}
		parts[i] = label + ":" + strconv.Itoa(codes[k])
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}
