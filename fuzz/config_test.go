package fuzz

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"ferrous/internal/config"
)

// configFile is the name every fuzzed config is parsed under; each error must carry it.
const configFile = "config.yaml"

// FuzzConfig parses arbitrary bytes as a config file. Parse must return a config or an error, never both and
// never neither; every error must name the file and a line that exists (counting the line after a final
// newline), carry a one-line message, and come sorted by line; and parsing the same bytes again must give the
// same answer. Parse never panics.
func FuzzConfig(f *testing.F) {
	f.Add([]byte("servers:\n  - port: 80\n    routes:\n      - {path: /, return: 301 /x}\n"))
	f.Add([]byte("servers: [{port: 80, routes: [{path: /, return: 301 /x}]}]"))
	f.Add([]byte("\xef\xbb\xbfworkers: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data, config.ParseOptions{Filename: configFile})
		switch {
		case err == nil && cfg == nil:
			t.Fatal("Parse returned neither a config nor an error")
		case err != nil && cfg != nil:
			t.Fatalf("Parse returned a config and the error %v", err)
		}
		if err != nil {
			checkConfigErrors(t, data, err)
		}
		_, again := config.Parse(data, config.ParseOptions{Filename: configFile})
		if (err == nil) != (again == nil) || err != nil && err.Error() != again.Error() {
			t.Fatalf("Parse is not deterministic: %v, then %v", err, again)
		}
	})
}

func checkConfigErrors(t *testing.T, data []byte, err error) {
	var list config.Errors
	var single *config.Error
	switch {
	case errors.As(err, &list):
		if len(list) == 0 {
			t.Fatal("Parse returned an empty error list")
		}
	case errors.As(err, &single):
		list = config.Errors{single}
	default:
		t.Fatalf("Parse returned %T %v, want *config.Error or config.Errors", err, err)
	}
	lines := configLines(data)
	for i, e := range list {
		switch {
		case e.File != configFile:
			t.Fatalf("error %q names file %q", e, e.File)
		case e.Line < 1 || e.Line > lines:
			t.Fatalf("error %q is on line %d of a %d-line file", e, e.Line, lines)
		case e.Msg == "" || strings.ContainsFunc(e.Msg, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			t.Fatalf("error %q has an empty or multi-line message", e)
		case i > 0 && e.Line < list[i-1].Line:
			t.Fatalf("errors are not sorted by line: %q after %q", e, list[i-1])
		}
	}
}

// configLines counts the lines an error may point at: one more than the line breaks YAML knows (LF, CRLF, a
// lone CR, NEL, LS and PS), since a message may point just past the last line.
func configLines(data []byte) int {
	breaks := bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\n"))
	for _, b := range []string{"\r", "\u0085", "\u2028", "\u2029"} {
		breaks += bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte(b))
	}
	return 1 + breaks
}
