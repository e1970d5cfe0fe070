package loadgen

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"ferrous/internal/config"
)

// Exit codes of ferrous-load.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitFailures    = 3 // the runs completed but some requests failed
	ExitInterrupted = 130
)

// Command-line defaults.
const (
	defaultBaseURL      = "http://127.0.0.1:8080"
	defaultServerConfig = "loadtests/ferrous.yaml"
	defaultConcurrency  = 50
	defaultDuration     = 10 * time.Second
	commandLineName     = "command line"
)

// Streams is where the command writes; Terminal says whether Stderr is a
// terminal, which turns the live progress line on.
type Streams struct {
	Stdout, Stderr io.Writer
	Terminal       bool
}

const usage = `Usage:
  ferrous-load [flags] SCENARIO.yaml ...     run the scenario files' runs
  ferrous-load [flags] -scenario KIND ...    run a scenario given by flags
  ferrous-load report [flags] RESULTS ...    merge raw results and report them

Closed loop (how the seed measured): -c N workers on keep-alive connections,
each sending its next request as soon as the last is answered. Open loop:
-rate R/s, a constant arrival rate, whose latencies are free of coordinated
omission. -c or -rate replace the runs of every scenario file with one run;
-d alone changes the duration of each.

Flags:
`

// Main runs ferrous-load with args (without the program name) and returns
// the exit code. Cancelling ctx stops the current attack and skips the rest.
func Main(ctx context.Context, args []string, s Streams) int {
	if len(args) > 0 && args[0] == "report" {
		return mainReport(args[1:], s)
	}
	return mainAttack(ctx, args, s)
}

type attackFlags struct {
	url          string
	server       bool
	ferrous      string
	serverConfig string

	kind         string
	name         string
	path         string
	bodySize     string
	fileSize     string
	contentType  string
	field        string
	expectStatus int
	expectBytes  int64

	concurrency int
	rate        string
	duration    time.Duration
	timeout     time.Duration
	maxWorkers  uint64

	compare string
	output  string
	json    string
	html    string
	outDir  string
	quiet   bool

	set map[string]bool
}

func parseAttackFlags(args []string, stderr io.Writer) (*attackFlags, []string, error) {
	f := &attackFlags{}
	fs := flag.NewFlagSet("ferrous-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&f.url, "url", defaultBaseURL, "base URL of the server under test (scheme and host only)")
	fs.BoolVar(&f.server, "server", false, "start ferrous on a free loopback port for the runs, and stop it afterwards")
	fs.StringVar(&f.ferrous, "ferrous", "", "ferrous binary for -server (default: ferrous next to this program)")
	fs.StringVar(&f.serverConfig, "server-config", defaultServerConfig, "config for -server; its relative paths land in a temporary directory")

	fs.StringVar(&f.kind, "scenario", "", "run a command-line scenario of this kind: get, post or upload")
	fs.StringVar(&f.name, "name", "", "name of the command-line scenario (default: its kind)")
	fs.StringVar(&f.path, "path", "/", "command-line scenario: request path")
	fs.StringVar(&f.bodySize, "body-size", "", "command-line post: body size, e.g. 1K")
	fs.StringVar(&f.fileSize, "file-size", "", "command-line upload: file size, e.g. 1K")
	fs.StringVar(&f.contentType, "content-type", DefaultPostContentType, "command-line post: body media type")
	fs.StringVar(&f.field, "field", DefaultUploadField, "command-line upload: form field of the file")
	fs.IntVar(&f.expectStatus, "expect-status", 0, "command-line scenario: expected status (default 200, 201 for upload)")
	fs.Int64Var(&f.expectBytes, "expect-bytes", UnknownLength, "command-line get: expected body length; -1 learns it with a probe")

	fs.IntVar(&f.concurrency, "c", defaultConcurrency, "workers (closed loop), or initial workers with -rate")
	fs.StringVar(&f.rate, "rate", "", "open loop at this constant rate, e.g. 1000/s")
	fs.DurationVar(&f.duration, "d", defaultDuration, "duration of each run")
	fs.DurationVar(&f.timeout, "timeout", DefaultTimeout, "per-request timeout")
	fs.Uint64Var(&f.maxWorkers, "max-workers", DefaultOpenLoopMaxWorkers, "open loop: most workers to add when the server falls behind")

	fs.StringVar(&f.compare, "compare", "", `print each figure beside a baseline's; the one baseline is "seed"`)
	fs.StringVar(&f.output, "output", "", "write the raw results (vegeta encoding) of the single run here")
	fs.StringVar(&f.json, "json", "", "write the JSON report of the single run here")
	fs.StringVar(&f.html, "html", "", "write the HTML latency plot of the single run here")
	fs.StringVar(&f.outDir, "out-dir", "", "write every run's report (.txt, .json), plot (.html) and raw results (.bin) here")
	fs.BoolVar(&f.quiet, "quiet", false, "no live progress line")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, nil, err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	return f, files, nil
}

// parseInterspersed lets flags follow file names, as in
// "ferrous-load get.yaml -compare seed"; after "--" everything is a file.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func mainAttack(ctx context.Context, args []string, s Streams) int {
	f, files, err := parseAttackFlags(args, s.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(s.Stderr, "ferrous-load: %v\n", err)
		return code
	}
	scenarios, err := f.scenarios(files)
	if err != nil {
		return fail(ExitUsage, err)
	}
	runs := 0
	for _, sc := range scenarios {
		runs += len(sc.Runs)
	}
	if err := f.checkOutputs(runs); err != nil {
		return fail(ExitUsage, err)
	}

	base, stopServer, err := f.target(ctx, s)
	if err != nil {
		return fail(ExitError, err)
	}
	defer func() {
		if err := stopServer(); err != nil {
			fmt.Fprintf(s.Stderr, "ferrous-load: %v\n", err)
		}
	}()

	var reports []*Report
	for _, sc := range scenarios {
		if ctx.Err() != nil {
			break
		}
		reqs, err := Probe(ctx, base, sc.Requests)
		if err != nil {
			return fail(ExitError, fmt.Errorf("%s: %w", sc.Name, err))
		}
		for _, run := range sc.Runs {
			if ctx.Err() != nil {
				break
			}
			rep, err := f.runOne(ctx, s, AttackOptions{Scenario: sc, Requests: reqs, Run: run, Base: base})
			if rep != nil {
				reports = append(reports, rep)
			}
			if err != nil {
				return fail(ExitError, err)
			}
		}
	}
	if len(reports) > 1 {
		fmt.Fprintln(s.Stdout)
		if err := WriteSummary(s.Stdout, reports); err != nil {
			return fail(ExitError, err)
		}
	}
	if f.compare != "" {
		fmt.Fprintln(s.Stdout)
		if err := WriteSeedComparison(s.Stdout, reports); err != nil {
			return fail(ExitError, err)
		}
	}
	if f.outDir != "" && len(reports) > 0 {
		if err := writeSummaryFiles(f.outDir, reports, f.compare != ""); err != nil {
			return fail(ExitError, err)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(s.Stderr, "ferrous-load: interrupted")
		return ExitInterrupted
	}
	var failed uint64
	for _, r := range reports {
		failed += r.Failures.Total()
	}
	if failed > 0 {
		fmt.Fprintf(s.Stderr, "ferrous-load: %d requests failed\n", failed)
		return ExitFailures
	}
	return ExitOK
}

// scenarios builds the scenarios to run from files or from flags, then
// applies the load flags (see runs).
func (f *attackFlags) scenarios(files []string) ([]*Scenario, error) {
	var scenarios []*Scenario
	switch {
	case f.kind != "" && len(files) > 0:
		return nil, errors.New("give scenario files or -scenario, not both")
	case f.kind != "":
		sc, err := f.commandLineScenario()
		if err != nil {
			return nil, err
		}
		scenarios = []*Scenario{sc}
	case len(files) == 0:
		return nil, errors.New("nothing to run: give scenario files (see loadtests/) or -scenario get|post|upload; -h for help")
	default:
		for _, path := range files {
			sc, err := LoadScenario(path)
			if err != nil {
				return nil, err
			}
			scenarios = append(scenarios, sc)
		}
	}
	for _, sc := range scenarios {
		runs, err := f.runs(sc.Runs, f.kind != "")
		if err != nil {
			return nil, err
		}
		sc.Runs = runs
	}
	return scenarios, nil
}

// runs applies the load flags to a scenario's runs. -c or -rate replace them
// with the one run the flags describe; -d alone only shortens or lengthens
// each, so that "make bench BENCHFLAGS=-d=1s" still runs every level.
func (f *attackFlags) runs(fileRuns []Run, fromFlags bool) ([]Run, error) {
	if fromFlags || f.set["c"] || f.set["rate"] {
		run, err := f.run(fileRuns)
		if err != nil {
			return nil, err
		}
		return []Run{run}, nil
	}
	if !f.set["d"] {
		return fileRuns, nil
	}
	d, err := ParseDuration(f.duration.String())
	if err != nil {
		return nil, fmt.Errorf("-d: %w", err)
	}
	out := make([]Run, len(fileRuns))
	for i, r := range fileRuns {
		r.Duration = d
		out[i] = r
	}
	return out, nil
}

// run builds the run the flags describe; what they leave out comes from the
// scenario's first run, else from the defaults.
func (f *attackFlags) run(fileRuns []Run) (Run, error) {
	run := Run{Concurrency: defaultConcurrency, Duration: defaultDuration}
	if len(fileRuns) > 0 {
		run = fileRuns[0]
		run.Line = 0
	}
	if f.set["c"] {
		if f.concurrency < 1 || f.concurrency > MaxConcurrency {
			return Run{}, fmt.Errorf("-c must be from 1 to %d", MaxConcurrency)
		}
		run.Concurrency = f.concurrency
	}
	if f.set["d"] {
		d, err := ParseDuration(f.duration.String())
		if err != nil {
			return Run{}, fmt.Errorf("-d: %w", err)
		}
		run.Duration = d
	}
	if f.set["rate"] {
		rate, err := ParseRate(f.rate)
		if err != nil {
			return Run{}, fmt.Errorf("-rate: %w", err)
		}
		run.Rate = rate
		if !f.set["c"] {
			run.Concurrency = 0
		}
	} else if f.set["c"] {
		run.Rate = vegeta.Rate{}
	}
	return run, nil
}

func (f *attackFlags) commandLineScenario() (*Scenario, error) {
	var kind Kind
	for _, k := range requestKinds {
		if string(k) == f.kind {
			kind = k
		}
	}
	if kind == "" {
		return nil, fmt.Errorf("-scenario must be get, post or upload, got %q (a mix needs a scenario file)", truncate(f.kind))
	}
	name := f.name
	if name == "" {
		name = f.kind
	}
	if problem := checkName(name); problem != "" {
		return nil, fmt.Errorf("-name %q %s", truncate(name), problem)
	}
	if problem := checkPath(f.path); problem != "" {
		return nil, fmt.Errorf("-path %q %s", truncate(f.path), problem)
	}
	req := Request{Kind: kind, Path: f.path, Weight: 1, ExpectBytes: UnknownLength}
	size := func(flagName, v string, min int64) (int64, error) {
		if v == "" {
			return 0, fmt.Errorf("-scenario %s needs -%s", kind, flagName)
		}
		n, err := config.ParseSize(v)
		if err != nil {
			return 0, fmt.Errorf("-%s: %w", flagName, err)
		}
		if n < min || n > MaxBodySize {
			return 0, fmt.Errorf("-%s must be from %d bytes to %dM", flagName, min, MaxBodySize>>20)
		}
		return n, nil
	}
	var err error
	switch kind {
	case KindGet:
		req.ExpectStatus = defaultGetStatus
		if f.expectBytes != UnknownLength {
			if f.expectBytes < 0 || f.expectBytes > MaxBodySize {
				return nil, fmt.Errorf("-expect-bytes must be from 0 to %d", int64(MaxBodySize))
			}
			req.ExpectBytes = f.expectBytes
		}
	case KindPost:
		req.ExpectStatus = defaultPostStatus
		if req.BodySize, err = size("body-size", f.bodySize, 1); err != nil {
			return nil, err
		}
		if !validHeaderValue(f.contentType) {
			return nil, fmt.Errorf("-content-type %q is not a valid header value", truncate(f.contentType))
		}
		req.ContentType = f.contentType
	case KindUpload:
		req.ExpectStatus = defaultUploadStatus
		if req.FileSize, err = size("file-size", f.fileSize, 0); err != nil {
			return nil, err
		}
		if f.field == "" || !validHeaderValue(f.field) || strings.ContainsAny(f.field, `"\`) {
			return nil, fmt.Errorf("-field %q must be a non-empty name without quotes or backslashes", truncate(f.field))
		}
		req.Field = f.field
	}
	if f.expectStatus != 0 {
		if f.expectStatus < 100 || f.expectStatus > 599 {
			return nil, errors.New("-expect-status must be from 100 to 599")
		}
		req.ExpectStatus = f.expectStatus
	}
	return &Scenario{Name: name, Kind: kind, Requests: []Request{req}, File: commandLineName}, nil
}

// checkOutputs refuses single-run output flags when there are several runs.
func (f *attackFlags) checkOutputs(runs int) error {
	if f.compare != "" {
		if err := CheckBaseline(f.compare); err != nil {
			return err
		}
	}
	if runs <= 1 {
		return nil
	}
	for _, name := range []string{"output", "json", "html"} {
		if f.set[name] {
			return fmt.Errorf("-%s takes the results of one run, and there are %d: use -out-dir", name, runs)
		}
	}
	return nil
}

// target returns the base URL to attack, starting ferrous first if asked.
func (f *attackFlags) target(ctx context.Context, s Streams) (*url.URL, func() error, error) {
	noop := func() error { return nil }
	if !f.server {
		base, err := ParseBaseURL(f.url)
		return base, noop, err
	}
	if f.set["url"] {
		return nil, noop, errors.New("-server picks its own URL: drop -url")
	}
	bin, err := FindFerrous(f.ferrous)
	if err != nil {
		return nil, noop, err
	}
	srv, err := StartFerrous(ctx, bin, f.serverConfig)
	if err != nil {
		return nil, noop, err
	}
	base, err := ParseBaseURL(srv.URL)
	if err != nil {
		return nil, noop, errors.Join(err, srv.Stop())
	}
	fmt.Fprintf(s.Stderr, "ferrous-load: started %s at %s\n", bin, srv.URL)
	return base, srv.Stop, nil
}

// runOne runs one attack and writes its reports.
func (f *attackFlags) runOne(ctx context.Context, s Streams, o AttackOptions) (*Report, error) {
	o.Timeout, o.MaxWorkers = f.timeout, f.maxWorkers
	if s.Terminal && !f.quiet {
		o.Progress = s.Stderr
	}
	rawPath, jsonPath, htmlPath, textPath := f.output, f.json, f.html, ""
	if f.outDir != "" {
		if err := os.MkdirAll(f.outDir, 0o755); err != nil {
			return nil, fmt.Errorf("results directory: %w", err)
		}
		stem := filepath.Join(f.outDir, fileStem(o.Scenario.Name, o.Run))
		rawPath, jsonPath, htmlPath, textPath = stem+".bin", stem+".json", stem+".html", stem+".txt"
	}
	var raw *os.File
	if rawPath != "" {
		var err error
		if raw, err = os.Create(rawPath); err != nil {
			return nil, fmt.Errorf("raw results: %w", err)
		}
		o.Results = vegeta.NewEncoder(raw)
	}
	rep, err := Attack(ctx, o)
	if raw != nil {
		if cerr := raw.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("raw results: %w", cerr)
		}
	}
	if rep == nil {
		return nil, err
	}
	if werr := rep.WriteText(s.Stdout); werr != nil {
		return rep, werr
	}
	fmt.Fprintln(s.Stdout)
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{{textPath, rep.WriteText}, {jsonPath, rep.WriteJSON}, {htmlPath, rep.WritePlot}} {
		if out.path == "" {
			continue
		}
		if werr := writeFile(out.path, out.write); werr != nil && err == nil {
			err = werr
		}
	}
	return rep, err
}

// fileStem names a run's files, e.g. "get-c50" or "get-rate1000-per-1s".
func fileStem(scenario string, r Run) string {
	if r.Closed() {
		return scenario + "-c" + strconv.Itoa(r.Concurrency)
	}
	return fmt.Sprintf("%s-rate%d-per-%s", scenario, r.Rate.Freq, r.Rate.Per)
}

func writeSummaryFiles(dir string, reports []*Report, compare bool) error {
	err := writeFile(filepath.Join(dir, "summary.txt"), func(w io.Writer) error {
		if err := WriteSummary(w, reports); err != nil {
			return err
		}
		if !compare {
			return nil
		}
		fmt.Fprintln(w)
		return WriteSeedComparison(w, reports)
	})
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		return writeJSONList(w, reports)
	})
}

func writeFile(path string, write func(io.Writer) error) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := write(out); err != nil {
		out.Close()
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

func mainReport(args []string, s Streams) int {
	fs := flag.NewFlagSet("ferrous-load report", flag.ContinueOnError)
	fs.SetOutput(s.Stderr)
	fs.Usage = func() {
		fmt.Fprint(s.Stderr, "Usage: ferrous-load report [flags] RESULTS.bin ...\n\n"+
			"Merges raw results written with -output or -out-dir (by one or several load\n"+
			"machines) and reports them as one run.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	jsonPath := fs.String("json", "", "write the JSON report here")
	htmlPath := fs.String("html", "", "write the HTML latency plot here")
	title := fs.String("title", "", "report name (default: the attack names in the files)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if len(files) == 0 {
		fmt.Fprintln(s.Stderr, "ferrous-load report: give one or more results files")
		return ExitUsage
	}
	rep, err := MergeResults(files, *title)
	if err != nil {
		fmt.Fprintf(s.Stderr, "ferrous-load report: %v\n", err)
		return ExitError
	}
	if err := rep.WriteText(s.Stdout); err != nil {
		fmt.Fprintf(s.Stderr, "ferrous-load report: %v\n", err)
		return ExitError
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{{*jsonPath, rep.WriteJSON}, {*htmlPath, rep.WritePlot}} {
		if out.path == "" {
			continue
		}
		if err := writeFile(out.path, out.write); err != nil {
			fmt.Fprintf(s.Stderr, "ferrous-load report: %v\n", err)
			return ExitError
		}
	}
	return ExitOK
}
