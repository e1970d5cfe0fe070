package loadgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ErrNoResults is returned when the files to merge hold no results.
var ErrNoResults = errors.New("no results")

// MergeResults reads raw result files (vegeta's gob, JSON or CSV encoding)
// and reports them as one run, as when several load machines attacked the
// same server at once. name, if empty, is made from the attack names.
func MergeResults(paths []string, name string) (*Report, error) {
	attacks := map[string]bool{}
	title := name
	if title == "" {
		title = "merged results"
	}
	collector := NewCollector(title, nil)
	for _, path := range paths {
		if err := mergeFile(collector, path, len(paths) > 1, attacks); err != nil {
			return nil, err
		}
	}
	rep := collector.Close()
	if rep.Requests == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoResults, strings.Join(paths, ", "))
	}
	if name == "" {
		names := make([]string, 0, len(attacks))
		for a := range attacks {
			names = append(names, a)
		}
		sort.Strings(names)
		name = strings.Join(names, " + ")
	}
	rep.Name, rep.Scenario, rep.Model = name, name, ModelMerged
	return rep, nil
}

func mergeFile(c *Collector, path string, relabel bool, attacks map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	dec := vegeta.DecoderFor(f)
	if dec == nil {
		return fmt.Errorf("results %s: not in a vegeta results encoding (gob, JSON or CSV)", path)
	}
	for n := 0; ; n++ {
		var r vegeta.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("results %s: result %d: %w", path, n+1, err)
		}
		attacks[r.Attack] = true
		// Each machine numbers its own requests from 0: the plot needs
		// one series per file so the numbering does not collide.
		if relabel {
			r.Attack += " [" + filepath.Base(path) + "]"
		}
		_ = c.Add(&r, Classify(&r))
	}
}

// writeJSONList writes several reports as one indented JSON array.
func writeJSONList(w io.Writer, reports []*Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(reports)
}
