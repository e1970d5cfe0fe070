package spec

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Status is a row's verdict in the conformance report.
type Status string

const (
	StatusProven        Status = "proven"
	StatusKnownBug      Status = "known bug"
	StatusDeviates      Status = "deviates"
	StatusUnproven      Status = "unproven"
	StatusNotApplicable Status = "not applicable"
)

// statuses is the column order of the report.
var statuses = []Status{StatusProven, StatusKnownBug, StatusDeviates, StatusUnproven, StatusNotApplicable}

// RowResult is a requirement with its verdict.
type RowResult struct {
	Requirement
	Status Status
	Proofs []string
	// Problems lists proofs that name no existing test.
	Problems []error
}

// Evaluate gives every row its verdict, resolving its proofs against the test index.
func Evaluate(idx *TestIndex) []RowResult {
	results := make([]RowResult, 0, len(Requirements))
	for _, r := range Requirements {
		res := RowResult{Requirement: r, Proofs: r.Proofs()}
		for _, p := range res.Proofs {
			if err := idx.Resolve(p); err != nil {
				res.Problems = append(res.Problems, fmt.Errorf("%s: %w", r.ID, err))
			}
		}
		switch {
		case r.NotApplicable():
			res.Status = StatusNotApplicable
		case len(r.KnownBugs()) > 0:
			res.Status = StatusKnownBug
		case r.Deviation != "":
			res.Status = StatusDeviates
		case len(res.Proofs) > 0 && len(res.Problems) == 0:
			res.Status = StatusProven
		default:
			res.Status = StatusUnproven
		}
		results = append(results, res)
	}
	return results
}

var (
	errUnprovenMust = errors.New("MUST-level requirement names no test")
	errTable        = errors.New("requirements table")
)

// CheckCoverage fails for every proof that names no existing test, and for every applicable MUST or MUST NOT
// row that names no test at all.
func CheckCoverage(results []RowResult) []error {
	var errs []error
	for _, res := range results {
		errs = append(errs, res.Problems...)
		if (res.Keyword == Must || res.Keyword == MustNot) && !res.NotApplicable() && len(res.Proofs) == 0 {
			errs = append(errs, fmt.Errorf("%w: %s", errUnprovenMust, res.ID))
		}
	}
	return errs
}

var idPattern = regexp.MustCompile(`^(\d{4})-([0-9][0-9.]*)-[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidateTable checks the tables for consistency: well-formed unique ids matching their RFC and section,
// known keywords, paraphrases present, not-applicable rows without proofs, deviations only where BCP 14
// allows them, and every row named by a property or mutation present and applicable.
func ValidateTable() []error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s", errTable, fmt.Sprintf(format, args...)))
	}
	ids := map[string]bool{}
	for _, r := range Requirements {
		if ids[r.ID] {
			fail("duplicate id %s", r.ID)
		}
		ids[r.ID] = true
		if !idPattern.MatchString(r.ID) || !strings.HasPrefix(r.ID, fmt.Sprintf("%d-%s-", r.RFC, r.Section)) {
			fail("id %s does not match RFC %d section %s", r.ID, r.RFC, r.Section)
		}
		if !containsKeyword(r.Keyword) {
			fail("%s: unknown keyword %q", r.ID, r.Keyword)
		}
		if !strings.HasSuffix(r.Says, ".") || r.Ferrous == "" {
			fail("%s: Says must be a sentence and Ferrous must be set", r.ID)
		}
		if r.NotApplicable() && (len(r.Tests) > 0 || len(r.Wire) > 0 || r.Deviation != "") {
			fail("%s: a not-applicable row carries no tests, wire examples or deviation", r.ID)
		}
		if r.Deviation != "" && r.Keyword != Should && r.Keyword != ShouldNot {
			fail("%s: only SHOULD and SHOULD NOT may deviate; a broken %s is a bug", r.ID, r.Keyword)
		}
		if r.Keyword == May && !r.NotApplicable() && !strings.HasPrefix(r.Ferrous, "Taken") && !strings.HasPrefix(r.Ferrous, "Not taken") {
			fail("%s: a MAY row says whether ferrous takes the option (\"Taken…\" or \"Not taken…\")", r.ID)
		}
		names := map[string]bool{}
		for _, w := range r.Wire {
			if w.Name == "" || names[w.Name] || w.Request == "" || len(w.Statuses) == 0 {
				fail("%s: wire example %q needs a unique name, a request and statuses", r.ID, w.Name)
			}
			names[w.Name] = true
		}
	}
	checkRef := func(owner, id string) {
		r, ok := RequirementByID(id)
		switch {
		case !ok:
			fail("%s names unknown row %s", owner, id)
		case r.NotApplicable():
			fail("%s cannot prove not-applicable row %s", owner, id)
		}
	}
	props := map[string]bool{}
	for _, p := range Properties {
		if props[p.Name] {
			fail("duplicate property %s", p.Name)
		}
		props[p.Name] = true
		for _, id := range p.Rows {
			checkRef("property "+p.Name, id)
		}
	}
	muts := map[string]bool{}
	for _, m := range Mutations {
		if muts[m.Name] {
			fail("duplicate mutation %s", m.Name)
		}
		muts[m.Name] = true
		checkRef("mutation "+m.Name, m.Row)
	}
	return errs
}

func containsKeyword(k Keyword) bool {
	for _, kw := range Keywords {
		if kw == k {
			return true
		}
	}
	return false
}

// Summary counts rows by keyword and status.
type Summary map[Keyword]map[Status]int

// Summarize counts the results.
func Summarize(results []RowResult) Summary {
	s := Summary{}
	for _, kw := range Keywords {
		s[kw] = map[Status]int{}
	}
	for _, r := range results {
		s[r.Keyword][r.Status]++
	}
	return s
}

func (s Summary) rows(kw Keyword) int {
	n := 0
	for _, c := range s[kw] {
		n += c
	}
	return n
}

const reportTitle = "ferrous conformance: RFC 9112 §2–§9, and the parts of RFC 9110, RFC 2046 and RFC 7578 a server needs"

// WriteText writes the console report: counts per keyword, then the rows that are not proven.
func WriteText(w io.Writer, results []RowResult) error {
	s := Summarize(results)
	var b strings.Builder
	b.WriteString(reportTitle + "\n\n")
	fmt.Fprintf(&b, "%-11s %5s", "keyword", "rows")
	for _, st := range statuses {
		fmt.Fprintf(&b, " %15s", st)
	}
	b.WriteString("\n")
	totals := map[Status]int{}
	total := 0
	for _, kw := range Keywords {
		fmt.Fprintf(&b, "%-11s %5d", kw, s.rows(kw))
		total += s.rows(kw)
		for _, st := range statuses {
			fmt.Fprintf(&b, " %15d", s[kw][st])
			totals[st] += s[kw][st]
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%-11s %5d", "total", total)
	for _, st := range statuses {
		fmt.Fprintf(&b, " %15d", totals[st])
	}
	b.WriteString("\n")
	for _, st := range []Status{StatusKnownBug, StatusDeviates, StatusUnproven} {
		var lines []string
		for _, r := range results {
			if r.Status != st {
				continue
			}
			lines = append(lines, fmt.Sprintf("  %-38s %-10s %s", r.ID, r.Keyword, notProvenReason(r)))
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n%s (%d):\n%s\n", st, len(lines), strings.Join(lines, "\n"))
		}
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

func notProvenReason(r RowResult) string {
	switch r.Status {
	case StatusKnownBug:
		return strings.Join(uniqueStrings(r.KnownBugs()), "; ")
	case StatusDeviates:
		return r.Deviation
	}
	if len(r.Problems) > 0 {
		return errors.Join(r.Problems...).Error()
	}
	return "no test names this row"
}

func uniqueStrings(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "<", "&lt;", ">", "&gt;", "\n", " ")

// WriteMarkdown writes the report kept in spec/CONFORMANCE.md: the counts, the rows that are not proven, and
// every row with its proofs.
func WriteMarkdown(w io.Writer, results []RowResult) error {
	s := Summarize(results)
	var b strings.Builder
	b.WriteString("# " + reportTitle + "\n\n")
	b.WriteString("Generated by `go run ./spec/cmd/conformance` from the tables in `spec/`; `go test ./spec/` fails when this file is stale " +
		"(refresh it with `go test ./spec/ -run TestConformanceReportIsCurrent -update`).\n\n")
	b.WriteString("A row is *proven* when every test it names exists and at least one does; *known bug* when one of its tests or wire " +
		"examples exposes a bug of ferrous (those are skipped unless `go test ./spec/ -spec.knownbugs` is run, and fail until the bug is " +
		"fixed); *deviates* when ferrous knowingly does not follow a SHOULD; *not applicable* when the statement binds only clients, " +
		"proxies, caches or TLS. Proofs: `TestWireReplay/<id>` replays the row's wire examples against a live server, " +
		"`TestProperties/<name>` and `TestRejections/<mutation>` are rapid properties generated from the tables.\n\n")
	b.WriteString("| keyword | rows |")
	for _, st := range statuses {
		b.WriteString(" " + string(st) + " |")
	}
	b.WriteString("\n|---|---:|" + strings.Repeat("---:|", len(statuses)) + "\n")
	for _, kw := range Keywords {
		fmt.Fprintf(&b, "| %s | %d |", kw, s.rows(kw))
		for _, st := range statuses {
			fmt.Fprintf(&b, " %d |", s[kw][st])
		}
		b.WriteString("\n")
	}
	for _, st := range []Status{StatusKnownBug, StatusDeviates, StatusUnproven} {
		var lines []string
		for _, r := range results {
			if r.Status == st {
				lines = append(lines, fmt.Sprintf("- `%s` (%s): %s", r.ID, r.Keyword, mdEscaper.Replace(notProvenReason(r))))
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n## %s%s\n\n%s\n", strings.ToUpper(string(st[:1])), st[1:], strings.Join(lines, "\n"))
		}
	}
	b.WriteString("\n## Requirements\n\n| id | keyword | requirement | ferrous | status | proofs |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		proofs := make([]string, len(r.Proofs))
		for i, p := range r.Proofs {
			proofs[i] = "`" + p + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", r.ID, r.Keyword, mdEscaper.Replace(r.Says),
			mdEscaper.Replace(r.Ferrous), r.Status, strings.Join(proofs, "<br>"))
	}
	b.WriteString("\n## Grammar\n\nThe generators and mutations are built from these rules (byte classes in `spec/grammar.go`).\n\n| rule | source | ABNF |\n|---|---|---|\n")
	for _, rule := range Rules {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", rule.Name, rule.Source, mdEscaper.Replace(rule.ABNF))
	}
	b.WriteString("\n## Mutations\n\nEach invalid-grammar mutation is `TestRejections/<name>`.\n\n| mutation | rule | status | row |\n|---|---|---|---|\n")
	for _, m := range Mutations {
		stage := ""
		if m.Stage == StageChunked {
			stage = " (chunked body)"
		}
		fmt.Fprintf(&b, "| %s | %s%s | %d | `%s` |\n", m.Name, m.Rule, stage, m.Status, m.Row)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}
