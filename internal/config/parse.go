package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// ParseOptions tell Parse where the bytes came from.
type ParseOptions struct {
	Filename string                                 // used in messages, e.g. "config.yaml"
	BaseDir  string                                 // relative paths are resolved against it
	Stat     func(path string) (fs.FileInfo, error) // nil skips existence checks
}

// fallbackFilename names the input in messages when the caller gave no name.
const fallbackFilename = "<config>"

// Load reads the config file at path and parses it, checking that every file
// it refers to exists.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	// One byte over the limit is enough for Parse to see that it is too big.
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, ParseOptions{Filename: path, BaseDir: filepath.Dir(path), Stat: os.Stat})
}

// Parse decodes and validates a config. On failure the error is either a
// single *Error (the bytes are not a usable YAML document at all) or Errors
// listing every problem found, sorted by line.
func Parse(data []byte, opts ParseOptions) (*Config, error) {
	file := opts.Filename
	if file == "" {
		file = fallbackFilename
	}
	fatal := func(line int, msg string) error {
		return &Error{File: file, Line: max(line, 1), Msg: msg}
	}
	if len(data) > maxConfigBytes {
		return nil, fatal(1, fmt.Sprintf("config is larger than %d bytes", maxConfigBytes))
	}
	if line, msg, ok := checkText(data); !ok {
		return nil, fatal(line, msg)
	}

	w := &walker{file: file, baseDir: opts.BaseDir, stat: opts.Stat, covered: map[int]bool{}}

	// Strict pass: the typed schema catches unknown fields and wrong types,
	// each with the line yaml reports.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var raw rawConfig
	var strict []*Error
	switch err := dec.Decode(&raw); {
	case errors.Is(err, io.EOF):
		return nil, fatal(1, "empty config")
	case err != nil:
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, fatal(yamlError(err.Error()))
		}
		for _, msg := range te.Errors {
			line, text := yamlError(msg)
			strict = append(strict, &Error{File: file, Line: line, Msg: text})
		}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		line, text := yamlError(err.Error())
		w.errorf(line, "%s", text)
	default:
		w.errorf(extra.Line, "only one YAML document is allowed")
	}

	// Semantic pass: walk the node tree, which knows the line of every
	// value, and build the Config.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fatal(yamlError(err.Error()))
	}
	cfg := w.config(&doc)
	if cfg != nil {
		cfg.File = opts.Filename
	}

	errs := w.errs
	for _, e := range strict {
		// The walker re-reports type errors naming the field; yaml's
		// version of the same problem would only repeat it less clearly.
		if w.covered[e.Line] && strings.HasPrefix(e.Msg, typeErrorPrefix) {
			continue
		}
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
		return nil, errs
	}
	return cfg, nil
}

// checkText rejects what yaml would reject without a line number: bytes
// that are not UTF-8 and characters YAML does not allow in a document.
func checkText(data []byte) (line int, msg string, ok bool) {
	line = 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return line, fmt.Sprintf("invalid UTF-8 byte 0x%02x", data[i]), false
		case r == '\n':
			line++
		case r == '\r':
			if i+1 >= len(data) || data[i+1] != '\n' {
				line++
			}
		case !yamlPrintable(r):
			return line, fmt.Sprintf("character %U is not allowed in YAML", r), false
		}
		i += size
	}
	return line, "", true
}

// yamlPrintable is YAML 1.2's c-printable set (minus the line breaks
// handled by the caller).
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t', r >= 0x20 && r <= 0x7e, r == 0x85:
		return true
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// rawConfig and its children are the schema for the strict pass: field
// names are the YAML keys, field types the accepted YAML shapes.
type rawConfig struct {
	Workers               int               `yaml:"workers"`
	ConnectionTimeoutSecs int               `yaml:"connection_timeout_secs"`
	HeaderTimeoutSecs     int               `yaml:"header_timeout_secs"`
	BodyTimeoutSecs       int               `yaml:"body_timeout_secs"`
	CGITimeoutSecs        int               `yaml:"cgi_timeout_secs"`
	ShutdownTimeoutSecs   int               `yaml:"shutdown_timeout_secs"`
	MaxConnections        int               `yaml:"max_connections"`
	WriteTimeoutSecs      int               `yaml:"write_timeout_secs"`
	MaxRequests           int               `yaml:"max_requests_per_connection"`
	MaxCGIProcesses       int               `yaml:"max_cgi_processes"`
	AccessLog             string            `yaml:"access_log"`
	LogLevel              string            `yaml:"log_level"`
	CGIInterpreters       map[string]string `yaml:"cgi_interpreters"`
	Sessions              *rawSessions      `yaml:"sessions"`
	Servers               []rawServer       `yaml:"servers"`
}

type rawSessions struct {
	Store       string `yaml:"store"`
	Dir         string `yaml:"dir"`
	URL         string `yaml:"url"`
	TTLSecs     int    `yaml:"ttl_secs"`
	CookieName  string `yaml:"cookie_name"`
	Secure      bool   `yaml:"secure"`
	MaxSessions int    `yaml:"max_sessions"`
}

type rawServer struct {
	Host              string         `yaml:"host"`
	Port              int            `yaml:"port"`
	ServerName        stringList     `yaml:"server_name"`
	ErrorPages        map[int]string `yaml:"error_pages"`
	ClientMaxBodySize string         `yaml:"client_max_body_size"`
	Index             stringList     `yaml:"index"`
	Routes            []rawRoute     `yaml:"routes"`
}

type rawRoute struct {
	Path              string     `yaml:"path"`
	Methods           []string   `yaml:"methods"`
	Handler           string     `yaml:"handler"`
	File              string     `yaml:"file"`
	Index             stringList `yaml:"index"`
	DirectoryListing  bool       `yaml:"directory_listing"`
	CGIExtension      string     `yaml:"cgi_extension"`
	Return            string     `yaml:"return"`
	Session           bool       `yaml:"session"`
	ClientMaxBodySize string     `yaml:"client_max_body_size"`
	AllowHidden       bool       `yaml:"allow_hidden"`
}

// stringList accepts either a single string or a list of strings.
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		var s string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*l = stringList{s}
		return nil
	}
	var items []string
	if err := n.Decode(&items); err != nil {
		return err
	}
	*l = items
	return nil
}

// sectionNames turns the raw type names yaml puts in its messages into the
// words a config author knows.
var sectionNames = map[string]string{
	"config.rawConfig":   "",
	"config.rawSessions": "sessions ",
	"config.rawServer":   "server ",
	"config.rawRoute":    "route ",
}

// sectionFields lists the keys of each section, for "did you mean" hints.
var sectionFields = map[string][]string{
	"config.rawConfig":   yamlKeys(rawConfig{}),
	"config.rawSessions": yamlKeys(rawSessions{}),
	"config.rawServer":   yamlKeys(rawServer{}),
	"config.rawRoute":    yamlKeys(rawRoute{}),
}

const typeErrorPrefix = "cannot unmarshal "

var (
	yamlLineRe     = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)
	unknownFieldRe = regexp.MustCompile(`^field (.*) not found in type (\S+)$`)
	duplicateKeyRe = regexp.MustCompile(`^mapping key (".*") already defined at line (\d+)$`)
	typeErrorRe    = regexp.MustCompile(`^cannot unmarshal (.*) into (\S+)$`)
)

// goTypeNames spells out the Go types yaml names, for the rare type error
// the walker does not report itself.
var goTypeNames = map[string]string{
	"config.rawConfig":   "a mapping",
	"config.rawSessions": "a sessions mapping",
	"config.rawServer":   "a server mapping",
	"config.rawRoute":    "a route mapping",
	"[]config.rawServer": "a list of servers",
	"[]config.rawRoute":  "a list of routes",
	"map[int]string":     "a mapping of status codes to files",
	"map[string]string":  "a mapping of strings",
	"[]string":           "a list of strings",
	"int":                "an integer",
	"bool":               "true or false",
	"string":             "a string",
}

// yamlError splits a yaml message into its line and a reworded text.
// Messages without a line (rare: limits hit mid-document) land on line 1.
func yamlError(msg string) (int, string) {
	line := 1
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			line = n
		}
		msg = msg[len(m[0]):]
	}
	if m := unknownFieldRe.FindStringSubmatch(msg); m != nil {
		text := fmt.Sprintf("unknown %sfield %q", sectionNames[m[2]], m[1])
		if guess := closest(m[1], sectionFields[m[2]]); guess != "" {
			text += fmt.Sprintf(" (did you mean %q?)", guess)
		}
		return line, text
	}
	if m := duplicateKeyRe.FindStringSubmatch(msg); m != nil {
		return line, fmt.Sprintf("duplicate key %s (first defined at line %s)", m[1], m[2])
	}
	if m := typeErrorRe.FindStringSubmatch(msg); m != nil {
		if want, ok := goTypeNames[m[2]]; ok {
			msg = fmt.Sprintf("%s%s as %s", typeErrorPrefix, m[1], want)
		}
	}
	return line, oneLine(msg)
}

// oneLine keeps a message on one line whatever the input held.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// maxHintDistance is how many edits a typo may be from the key it meant.
const maxHintDistance = 2

// closest returns the candidate within maxHintDistance edits of s, if any.
func closest(s string, candidates []string) string {
	best, bestDist := "", maxHintDistance+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short keys.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// yamlKeys lists the yaml tag names of a raw struct's fields.
func yamlKeys(v any) []string {
	t := reflect.TypeOf(v)
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		keys = append(keys, name)
	}
	return keys
}

// walker builds a Config from the node tree, collecting errors as it goes.
type walker struct {
	file    string
	baseDir string
	stat    func(path string) (fs.FileInfo, error)
	errs    Errors
	// covered holds the lines of type errors the walker reported itself,
	// so that yaml's terser report of the same problem can be dropped.
	covered map[int]bool
}

func (w *walker) errorf(line int, format string, args ...any) {
	w.errs = append(w.errs, &Error{File: w.file, Line: max(line, 1), Msg: fmt.Sprintf(format, args...)})
}

// typeError reports that the value n of key is not what it should be. It
// points at the first line yaml blamed, which for a list is the bad item.
func (w *walker) typeError(n *yaml.Node, key, want string, cause error) {
	line := n.Line
	var te *yaml.TypeError
	if errors.As(cause, &te) {
		for i, msg := range te.Errors {
			l, _ := yamlError(msg)
			w.covered[l] = true
			if i == 0 {
				line = l
			}
		}
	}
	w.covered[n.Line] = true
	w.errorf(line, "%s must be %s, got %s", key, want, describe(n))
}

// describe names a node's value the way a config author would.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(truncate(n.Value))
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func isMergeKey(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "<<" && (n.Tag == "" || n.Tag == "!" || n.ShortTag() == "!!merge")
}

// section is a YAML mapping flattened to its effective keys.
type section struct {
	node   *yaml.Node            // the mapping, for "is required" errors
	values map[string]*yaml.Node // alias-resolved values
}

// section checks that n is a mapping and flattens it. A mapping with
// duplicate keys is skipped: the strict pass already reported it and, like
// yaml, we do not guess which copy was meant.
func (w *walker) section(n *yaml.Node, key, want string) (*section, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		w.typeError(n, key, want, nil)
		return nil, false
	}
	if hasDuplicateKeys(n) {
		return nil, false
	}
	s := &section{node: n, values: map[string]*yaml.Node{}}
	flatten(n, s.values)
	return s, true
}

func hasDuplicateKeys(m *yaml.Node) bool {
	type key struct {
		kind  yaml.Kind
		value string
	}
	seen := make(map[key]bool, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := key{m.Content[i].Kind, m.Content[i].Value}
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

// flatten adds m's entries to into, following merge keys the way yaml's
// decoder does: explicit keys win over merged ones, earlier merge sources
// over later ones.
func flatten(m *yaml.Node, into map[string]*yaml.Node) {
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch {
		case isMergeKey(k):
			merges = append(merges, resolve(v))
		case k.Kind == yaml.ScalarNode:
			if _, ok := into[k.Value]; !ok {
				into[k.Value] = resolve(v)
			}
		}
	}
	for _, src := range merges {
		switch src.Kind {
		case yaml.MappingNode:
			flatten(src, into)
		case yaml.SequenceNode:
			for _, item := range src.Content {
				if item = resolve(item); item.Kind == yaml.MappingNode {
					flatten(item, into)
				}
			}
		}
	}
}

// lookup returns key's value node, or nil when the key is absent or null:
// a null value means "use the default", as if the key were not there.
func (s *section) lookup(key string) *yaml.Node {
	n := s.values[key]
	if n == nil || isNull(n) {
		return nil
	}
	return n
}

// decode decodes key's value into a T. n is nil when the key is absent;
// ok is false when it is absent or not a T (reported).
func decode[T any](w *walker, s *section, key, want string) (v T, n *yaml.Node, ok bool) {
	return decodeNode[T](w, s.lookup(key), key, want)
}

// integer is decode for ints, refusing floats that yaml would truncate.
func (w *walker) integer(s *section, key string) (v int, n *yaml.Node, ok bool) {
	n = s.lookup(key)
	if n == nil {
		return 0, nil, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		w.typeError(n, key, "an integer", nil)
		return 0, n, false
	}
	if err := n.Decode(&v); err != nil {
		w.typeError(n, key, "an integer", err)
		return 0, n, false
	}
	return v, n, true
}

func (w *walker) str(s *section, key string) (string, *yaml.Node, bool) {
	return decode[string](w, s, key, "a string")
}

func (w *walker) boolean(s *section, key string) bool {
	v, _, _ := decode[bool](w, s, key, "true or false")
	return v
}

// list returns key's items, each alias-resolved. n is nil when absent.
func (w *walker) list(s *section, key, want string) (items []*yaml.Node, n *yaml.Node, ok bool) {
	n = s.lookup(key)
	if n == nil {
		return nil, nil, false
	}
	if n.Kind != yaml.SequenceNode {
		w.typeError(n, key, want, nil)
		return nil, n, false
	}
	items = make([]*yaml.Node, len(n.Content))
	for i, item := range n.Content {
		items[i] = resolve(item)
	}
	return items, n, true
}

// pairs returns key's mapping entries in order, merges flattened, each
// value alias-resolved. n is nil when absent.
func (w *walker) pairs(s *section, key, want string) (keys, values []*yaml.Node, n *yaml.Node, ok bool) {
	n = s.lookup(key)
	if n == nil {
		return nil, nil, nil, false
	}
	if n.Kind != yaml.MappingNode {
		w.typeError(n, key, want, nil)
		return nil, nil, n, false
	}
	if hasDuplicateKeys(n) {
		return nil, nil, n, false
	}
	collectPairs(n, &keys, &values, map[string]bool{})
	return keys, values, n, true
}

// collectPairs is flatten for mappings whose keys are data, not fields.
func collectPairs(m *yaml.Node, keys, values *[]*yaml.Node, seen map[string]bool) {
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if isMergeKey(k) {
			merges = append(merges, resolve(v))
			continue
		}
		if seen[k.Value] {
			continue
		}
		seen[k.Value] = true
		*keys = append(*keys, k)
		*values = append(*values, resolve(v))
	}
	for _, src := range merges {
		switch src.Kind {
		case yaml.MappingNode:
			collectPairs(src, keys, values, seen)
		case yaml.SequenceNode:
			for _, item := range src.Content {
				if item = resolve(item); item.Kind == yaml.MappingNode {
					collectPairs(item, keys, values, seen)
				}
			}
		}
	}
}
