// Command conformance prints ferrous's RFC 9112 conformance report and rewrites spec/CONFORMANCE.md from the
// requirement tables and the repository's tests. It exits 1 when a test named by the tables does not exist or
// a MUST-level requirement names no test.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"ferrous/spec"
)

func main() {
	markdown := flag.String("md", "", "where to write the Markdown report (default: spec/CONFORMANCE.md in the module)")
	flag.Parse()
	if err := run(*markdown); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
}

func run(markdownPath string) error {
	wd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	root, err := spec.FindModuleRoot(wd)
	if err != nil {
		return err
	}
	idx, err := spec.IndexTests(root)
	if err != nil {
		return err
	}
	if errs := spec.ValidateTable(); len(errs) > 0 {
		return errors.Join(errs...)
	}
	results := spec.Evaluate(idx)
	if err := spec.WriteText(os.Stdout, results); err != nil {
		return err
	}
	if markdownPath == "" {
		markdownPath = filepath.Join(root, "spec", "CONFORMANCE.md")
	}
	var md bytes.Buffer
	if err := spec.WriteMarkdown(&md, results); err != nil {
		return err
	}
	if err := os.WriteFile(markdownPath, md.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", markdownPath, err)
	}
	shown := markdownPath
	if rel, err := filepath.Rel(wd, markdownPath); err == nil {
		shown = rel
	}
	fmt.Printf("\nwrote %s\n", shown)
	return errors.Join(spec.CheckCoverage(results)...)
}
