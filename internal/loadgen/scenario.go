// Package loadgen drives ferrous-load: it reads benchmark scenarios, turns
// them into vegeta targeters, runs closed- or open-loop attacks, checks every
// response and reports the figures the way the seed published them.
package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"go.yaml.in/yaml/v3"

	"ferrous/internal/config"
)

// Kind names what a request sends.
type Kind string

// Scenario kinds accepted by `kind:`. A mix scenario holds weighted requests
// of the other three kinds.
const (
	KindGet    Kind = "get"
	KindPost   Kind = "post"
	KindUpload Kind = "upload"
	KindMix    Kind = "mix"
)

var requestKinds = []Kind{KindGet, KindPost, KindUpload}

// Limits on scenario values. They bound what a typo can do to the load
// machine (a body held in memory, a run that never ends), not the server.
const (
	MaxConcurrency   = 10000
	MaxDuration      = time.Hour
	MaxRatePerSecond = 1_000_000
	MaxBodySize      = 256 << 20
	maxMixEntries    = 64
	maxWeight        = 1000
	maxRuns          = 64
	maxScenarioBytes = 1 << 20
	maxNameLen       = 64
	// maxQuoted bounds how much of a bad value is echoed back in a message.
	maxQuoted = 40
)

// Defaults for fields a scenario leaves out.
const (
	DefaultPostContentType = "application/octet-stream"
	DefaultUploadField     = "file"
	defaultGetStatus       = 200
	defaultPostStatus      = 200
	defaultUploadStatus    = 201
	// UnknownLength marks a GET whose body length is learnt by a probe.
	UnknownLength = int64(-1)
)

// Scenario is a validated benchmark: what to send and how hard.
type Scenario struct {
	Name        string
	Description string
	Kind        Kind
	Requests    []Request // one entry unless Kind is KindMix
	Runs        []Run
	File        string // where it was read from, for messages
}

// Request is one kind of request a scenario sends, with what its answer must be.
type Request struct {
	Kind         Kind
	Path         string // absolute path, may carry a query
	Weight       int    // share of a mix; 1 otherwise
	BodySize     int64  // post: bytes of body
	ContentType  string // post: the body's media type
	FileSize     int64  // upload: bytes of the file part
	Field        string // upload: the form field holding the file
	ExpectStatus int
	ExpectBytes  int64 // get: body length, or UnknownLength until probed
	Line         int
}

// Method is the HTTP method the request kind uses.
func (r Request) Method() string {
	if r.Kind == KindGet {
		return "GET"
	}
	return "POST"
}

// Run is one measurement: a load model and a duration.
type Run struct {
	// Concurrency is the number of workers. In a closed loop each keeps one
	// keep-alive connection busy; in an open loop it is the initial pool.
	Concurrency int
	// Rate is zero for a closed loop (as fast as the workers go), otherwise
	// the constant arrival rate of an open loop.
	Rate     vegeta.Rate
	Duration time.Duration
	Line     int
}

// Closed reports whether the run is a closed loop.
func (r Run) Closed() bool { return r.Rate.Freq == 0 }

// Label names the run in reports and file names, e.g. "c=50" or "rate=1000/1s".
func (r Run) Label() string {
	if r.Closed() {
		return "c=" + strconv.Itoa(r.Concurrency)
	}
	return "rate=" + FormatRate(r.Rate)
}

// ScenarioError is one problem in a scenario file.
type ScenarioError struct {
	File string
	Line int // 0 when the YAML library gave no position
	Msg  string
}

func (e *ScenarioError) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ScenarioErrors is every problem found in a scenario file, sorted by line.
type ScenarioErrors []*ScenarioError

func (es ScenarioErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find the individual *ScenarioError values.
func (es ScenarioErrors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// LoadScenario reads and parses the scenario file at path.
func LoadScenario(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open scenario: %w", err)
	}
	defer f.Close()
	// One byte over the limit is enough for ParseScenario to see it is too big.
	data, err := io.ReadAll(io.LimitReader(f, maxScenarioBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return ParseScenario(data, path)
}

// The raw shapes keep every value as a node so that semantic errors can
// point at the line that holds the value.
type rawScenario struct {
	Name        yaml.Node     `yaml:"name"`
	Description yaml.Node     `yaml:"description"`
	Kind        yaml.Node     `yaml:"kind"`
	Request     rawRequest    `yaml:",inline"`
	Mix         []rawMixEntry `yaml:"mix"`
	Runs        []rawRun      `yaml:"runs"`
}

type rawRequest struct {
	Path         yaml.Node `yaml:"path"`
	BodySize     yaml.Node `yaml:"body_size"`
	ContentType  yaml.Node `yaml:"content_type"`
	FileSize     yaml.Node `yaml:"file_size"`
	Field        yaml.Node `yaml:"field"`
	ExpectStatus yaml.Node `yaml:"expect_status"`
	ExpectBytes  yaml.Node `yaml:"expect_bytes"`
}

type rawMixEntry struct {
	Kind    yaml.Node  `yaml:"kind"`
	Weight  yaml.Node  `yaml:"weight"`
	Request rawRequest `yaml:",inline"`
	line    int
}

type rawRun struct {
	Concurrency yaml.Node `yaml:"concurrency"`
	Rate        yaml.Node `yaml:"rate"`
	Duration    yaml.Node `yaml:"duration"`
	line        int
}

// ParseScenario decodes and validates a scenario. filename is used in
// messages. On failure the error is a ScenarioErrors listing every problem.
func ParseScenario(data []byte, filename string) (*Scenario, error) {
	p := &scenarioParser{file: filename}
	if len(data) > maxScenarioBytes {
		p.errorf(1, "scenario is larger than %d bytes", maxScenarioBytes)
		return nil, p.errs
	}
	var raw rawScenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			p.errorf(1, "scenario is empty")
			return nil, p.errs
		case errors.As(err, &te):
			// Unknown keys and mistyped lists leave the rest decoded: check it too.
			p.yamlError(err)
		default:
			p.yamlError(err)
			return nil, p.errs
		}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			p.yamlError(err)
		} else {
			p.errorf(extra.Line, "scenario must be a single YAML document")
		}
		return nil, p.errs
	}
	// The list items' own lines come from a second, position-only pass.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil {
		itemLines(&doc, "mix", len(raw.Mix), func(i, line int) { raw.Mix[i].line = line })
		itemLines(&doc, "runs", len(raw.Runs), func(i, line int) { raw.Runs[i].line = line })
	}
	sc := p.scenario(&raw)
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
		return nil, p.errs
	}
	sc.File = filename
	return sc, nil
}

type scenarioParser struct {
	file string
	errs ScenarioErrors
	// wrongShape is set when a list held something else; the list then
	// decodes empty, and saying it is missing would only repeat that.
	wrongShape bool
}

func (p *scenarioParser) errorf(line int, format string, args ...any) {
	p.errs = append(p.errs, &ScenarioError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

var (
	yamlLineRE     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlUnknownKey = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	yamlWrongShape = regexp.MustCompile("^cannot unmarshal !!\\w+ `(.*)` into (\\S+)$")
)

// shapeNames describes the raw types in messages, instead of Go type names.
var shapeNames = map[string]string{
	"loadgen.rawScenario":   "a mapping of scenario keys (name, kind, path, runs, …)",
	"[]loadgen.rawRun":      "a list of runs",
	"loadgen.rawRun":        "a run: a mapping with concurrency or rate, and duration",
	"[]loadgen.rawMixEntry": "a list of weighted requests",
	"loadgen.rawMixEntry":   "a request: a mapping with kind, weight, path, …",
}

// yamlError turns the YAML library's messages into file:line errors, one per problem.
func (p *scenarioParser) yamlError(err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, msg := range msgs {
		m := yamlLineRE.FindStringSubmatch(msg)
		if m == nil {
			p.errorf(0, "%s", strings.TrimPrefix(msg, "yaml: "))
			continue
		}
		line, _ := strconv.Atoi(m[1])
		text := m[2]
		if k := yamlUnknownKey.FindStringSubmatch(text); k != nil {
			text = fmt.Sprintf("unknown key %q", k[1])
		} else if w := yamlWrongShape.FindStringSubmatch(text); w != nil && shapeNames[w[2]] != "" {
			text = fmt.Sprintf("%q here must be %s", truncate(w[1]), shapeNames[w[2]])
			p.wrongShape = true
		}
		p.errorf(line, "%s", text)
	}
}

// itemLines reports where each item of the top-level list key starts, for
// messages about an item as a whole (a missing key has no line of its own).
func itemLines(doc *yaml.Node, key string, n int, set func(i, line int)) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return
	}
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != key || top.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for j, item := range top.Content[i+1].Content {
			if j < n {
				set(j, item.Line)
			}
		}
	}
}

func present(n *yaml.Node) bool { return n.Kind != 0 }

func (p *scenarioParser) scalar(n *yaml.Node, key string) (string, bool) {
	switch {
	case n.Kind != yaml.ScalarNode:
		p.errorf(n.Line, "%s must be a single value", key)
		return "", false
	case n.Tag == "!!null":
		p.errorf(n.Line, "%s has no value", key)
		return "", false
	}
	return n.Value, true
}

func (p *scenarioParser) scenario(raw *rawScenario) *Scenario {
	sc := &Scenario{}
	switch {
	case !present(&raw.Name):
		p.errorf(1, "name is required")
	default:
		if name, ok := p.scalar(&raw.Name, "name"); ok {
			if problem := checkName(name); problem != "" {
				p.errorf(raw.Name.Line, "name %q %s", truncate(name), problem)
			}
			sc.Name = name
		}
	}
	if present(&raw.Description) {
		sc.Description, _ = p.scalar(&raw.Description, "description")
	}
	kind, kindOK := p.kind(&raw.Kind, append(requestKinds[:len(requestKinds):len(requestKinds)], KindMix), 1)
	sc.Kind = kind
	switch {
	case !kindOK:
	case kind == KindMix:
		if line := firstPresent(&raw.Request); line > 0 {
			p.errorf(line, "a mix scenario lists its requests under mix:, not at the top level")
		}
		sc.Requests = p.mix(raw.Mix, raw.Kind.Line)
	default:
		if len(raw.Mix) > 0 {
			p.errorf(raw.Kind.Line, "mix: is only for kind: mix")
		}
		if req, ok := p.request(kind, &raw.Request, raw.Kind.Line); ok {
			req.Weight = 1
			sc.Requests = []Request{req}
		}
	}
	sc.Runs = p.runs(raw.Runs)
	return sc
}

// checkName keeps names usable in file names: reports are written as NAME-c=50.json.
func checkName(name string) string {
	if name == "" || len(name) > maxNameLen {
		return fmt.Sprintf("must be 1 to %d characters", maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "may hold only letters, digits, '-', '_' and '.'"
		}
	}
	return ""
}

func (p *scenarioParser) kind(n *yaml.Node, allowed []Kind, missingLine int) (Kind, bool) {
	names := make([]string, len(allowed))
	for i, k := range allowed {
		names[i] = string(k)
	}
	if !present(n) {
		p.errorf(missingLine, "kind is required (one of %s)", strings.Join(names, ", "))
		return "", false
	}
	v, ok := p.scalar(n, "kind")
	if !ok {
		return "", false
	}
	for _, k := range allowed {
		if string(k) == v {
			return k, true
		}
	}
	p.errorf(n.Line, "kind must be one of %s, got %q", strings.Join(names, ", "), truncate(v))
	return "", false
}

func firstPresent(r *rawRequest) int {
	for _, n := range []*yaml.Node{&r.Path, &r.BodySize, &r.ContentType, &r.FileSize, &r.Field, &r.ExpectStatus, &r.ExpectBytes} {
		if present(n) {
			return n.Line
		}
	}
	return 0
}

func (p *scenarioParser) mix(entries []rawMixEntry, kindLine int) []Request {
	if len(entries) == 0 {
		if !p.wrongShape {
			p.errorf(kindLine, "kind: mix needs a mix: list of weighted requests")
		}
		return nil
	}
	if len(entries) > maxMixEntries {
		p.errorf(entries[maxMixEntries].line, "mix lists more than %d requests", maxMixEntries)
		return nil
	}
	reqs := make([]Request, 0, len(entries))
	seen := map[string]int{}
	for i := range entries {
		e := &entries[i]
		kind, ok := p.kind(&e.Kind, requestKinds, e.line)
		if !ok {
			continue
		}
		req, ok := p.request(kind, &e.Request, e.line)
		if !ok {
			continue
		}
		req.Weight = 1
		if present(&e.Weight) {
			req.Weight, ok = p.intIn(&e.Weight, "weight", 1, maxWeight)
			if !ok {
				continue
			}
		}
		// Responses are matched to their request by method and URL, so two
		// entries may not share both.
		key := req.Method() + " " + req.Path
		if first, dup := seen[key]; dup {
			p.errorf(e.line, "mix already has a %s request (line %d): each entry needs its own method and path", key, first)
			continue
		}
		seen[key] = e.line
		reqs = append(reqs, req)
	}
	return reqs
}

func (p *scenarioParser) request(kind Kind, r *rawRequest, line int) (Request, bool) {
	req := Request{Kind: kind, Line: line, ExpectBytes: UnknownLength}
	ok := true
	if !present(&r.Path) {
		p.errorf(line, "path is required")
		ok = false
	} else if v, vok := p.scalar(&r.Path, "path"); vok {
		if problem := checkPath(v); problem != "" {
			p.errorf(r.Path.Line, "path %q %s", truncate(v), problem)
			ok = false
		}
		req.Path = v
	} else {
		ok = false
	}
	// Each kind names which of the optional keys it takes.
	allowed := map[Kind][]string{
		KindGet:    {"expect_bytes"},
		KindPost:   {"body_size", "content_type"},
		KindUpload: {"file_size", "field"},
	}[kind]
	for _, opt := range []struct {
		key string
		n   *yaml.Node
	}{
		{"body_size", &r.BodySize}, {"content_type", &r.ContentType},
		{"file_size", &r.FileSize}, {"field", &r.Field}, {"expect_bytes", &r.ExpectBytes},
	} {
		if present(opt.n) && !contains(allowed, opt.key) {
			p.errorf(opt.n.Line, "%s does not apply to kind %s", opt.key, kind)
			ok = false
		}
	}
	switch kind {
	case KindGet:
		req.ExpectStatus = defaultGetStatus
		if present(&r.ExpectBytes) {
			n, nok := p.intIn(&r.ExpectBytes, "expect_bytes", 0, MaxBodySize)
			req.ExpectBytes = int64(n)
			ok = ok && nok
		}
	case KindPost:
		req.ExpectStatus = defaultPostStatus
		req.ContentType = DefaultPostContentType
		n, nok := p.requiredSize(&r.BodySize, "body_size", KindPost, line, 1)
		req.BodySize = n
		ok = ok && nok
		if present(&r.ContentType) {
			v, vok := p.scalar(&r.ContentType, "content_type")
			if vok && !validHeaderValue(v) {
				p.errorf(r.ContentType.Line, "content_type %q is not a valid header value", truncate(v))
				vok = false
			}
			req.ContentType = v
			ok = ok && vok
		}
	case KindUpload:
		req.ExpectStatus = defaultUploadStatus
		req.Field = DefaultUploadField
		n, nok := p.requiredSize(&r.FileSize, "file_size", KindUpload, line, 0)
		req.FileSize = n
		ok = ok && nok
		if present(&r.Field) {
			v, vok := p.scalar(&r.Field, "field")
			if vok && (v == "" || !validHeaderValue(v) || strings.ContainsAny(v, `"\`)) {
				p.errorf(r.Field.Line, "field %q must be a non-empty name without quotes or backslashes", truncate(v))
				vok = false
			}
			req.Field = v
			ok = ok && vok
		}
	}
	if present(&r.ExpectStatus) {
		n, nok := p.intIn(&r.ExpectStatus, "expect_status", 100, 599)
		req.ExpectStatus = n
		ok = ok && nok
	}
	return req, ok
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkPath accepts an origin-form request target: "/" then URL path bytes, optionally "?query".
func checkPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "must start with /"
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return "must be ASCII without spaces or '#' (percent-encode the rest)"
		}
	}
	return ""
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func (p *scenarioParser) intIn(n *yaml.Node, key string, lo, hi int) (int, bool) {
	v, ok := p.scalar(n, key)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < lo || i > hi {
		p.errorf(n.Line, "%s must be a whole number from %d to %d, got %q", key, lo, hi, truncate(v))
		return 0, false
	}
	return i, true
}

// requiredSize is size for a key that the request's kind cannot do without; its absence is reported at line.
func (p *scenarioParser) requiredSize(n *yaml.Node, key string, kind Kind, line int, min int64) (int64, bool) {
	if !present(n) {
		p.errorf(line, "%s is required for kind %s", key, kind)
		return 0, false
	}
	return p.size(n, key, min)
}

func (p *scenarioParser) size(n *yaml.Node, key string, min int64) (int64, bool) {
	v, ok := p.scalar(n, key)
	if !ok {
		return 0, false
	}
	size, err := config.ParseSize(v)
	if err != nil {
		p.errorf(n.Line, "%s: %v", key, err)
		return 0, false
	}
	if size < min || size > MaxBodySize {
		p.errorf(n.Line, "%s must be from %d bytes to %dM, got %q", key, min, MaxBodySize>>20, truncate(v))
		return 0, false
	}
	return size, true
}

func (p *scenarioParser) runs(raws []rawRun) []Run {
	if len(raws) == 0 {
		if !p.wrongShape {
			p.errorf(1, "runs is required: a list of {concurrency, duration} or {rate, duration}")
		}
		return nil
	}
	if len(raws) > maxRuns {
		p.errorf(raws[maxRuns].line, "runs lists more than %d runs", maxRuns)
		return nil
	}
	runs := make([]Run, 0, len(raws))
	for i := range raws {
		if run, ok := p.run(&raws[i]); ok {
			runs = append(runs, run)
		}
	}
	return runs
}

func (p *scenarioParser) run(r *rawRun) (Run, bool) {
	line := r.line
	run := Run{Line: line}
	ok := true
	if present(&r.Concurrency) {
		run.Concurrency, ok = p.intIn(&r.Concurrency, "concurrency", 1, MaxConcurrency)
	}
	if present(&r.Rate) {
		if v, vok := p.scalar(&r.Rate, "rate"); vok {
			rate, err := ParseRate(v)
			if err != nil {
				p.errorf(r.Rate.Line, "rate: %v", err)
				ok = false
			}
			run.Rate = rate
		} else {
			ok = false
		}
	}
	if !present(&r.Concurrency) && !present(&r.Rate) {
		p.errorf(line, "a run needs concurrency (closed loop) or rate (open loop)")
		ok = false
	}
	if !present(&r.Duration) {
		p.errorf(line, "a run needs a duration: every attack stops by itself")
		ok = false
	} else if v, vok := p.scalar(&r.Duration, "duration"); vok {
		d, err := ParseDuration(v)
		if err != nil {
			p.errorf(r.Duration.Line, "duration: %v", err)
			ok = false
		}
		run.Duration = d
	} else {
		ok = false
	}
	return run, ok
}

// Sentinel errors for command-line and scenario values.
var (
	ErrInvalidRate     = errors.New("invalid rate")
	ErrInvalidDuration = errors.New("invalid duration")
)

// ParseDuration parses a run's duration, which must be positive and at most MaxDuration.
func ParseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%w %q: want e.g. 10s or 1m", ErrInvalidDuration, truncate(s))
	}
	if d <= 0 || d > MaxDuration {
		return 0, fmt.Errorf("%w %q: must be above 0 and at most %s", ErrInvalidDuration, truncate(s), MaxDuration)
	}
	return d, nil
}

// ParseRate parses an open-loop rate: "1000/s", "50/100ms", or a bare "1000" meaning per second.
//
//	rate = 1*DIGIT [ "/" [ duration-number ] unit ]
func ParseRate(s string) (vegeta.Rate, error) {
	freqText, perText, hasPer := strings.Cut(s, "/")
	freq, err := strconv.Atoi(freqText)
	if err != nil || freq <= 0 {
		return vegeta.Rate{}, fmt.Errorf("%w %q: want requests per time unit, e.g. 1000/s", ErrInvalidRate, truncate(s))
	}
	per := time.Second
	if hasPer {
		if perText != "" && (perText[0] < '0' || perText[0] > '9') {
			perText = "1" + perText
		}
		per, err = time.ParseDuration(perText)
		if err != nil || per <= 0 {
			return vegeta.Rate{}, fmt.Errorf("%w %q: the unit after / must be a duration such as s or 100ms", ErrInvalidRate, truncate(s))
		}
	}
	if perSecond := float64(freq) / per.Seconds(); perSecond > MaxRatePerSecond {
		return vegeta.Rate{}, fmt.Errorf("%w %q: above %d requests per second", ErrInvalidRate, truncate(s), MaxRatePerSecond)
	}
	return vegeta.Rate{Freq: freq, Per: per}, nil
}

// FormatRate writes a rate the way ParseRate reads it.
func FormatRate(r vegeta.Rate) string {
	return strconv.Itoa(r.Freq) + "/" + r.Per.String()
}

func truncate(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return s[:maxQuoted] + "…"
}
