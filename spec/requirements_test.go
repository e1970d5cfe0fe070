package spec

import (
	"bytes"
	"errors"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite spec/CONFORMANCE.md")

func TestRequirementsTable(t *testing.T) {
	t.Parallel()
	for _, err := range ValidateTable() {
		t.Error(err)
	}
}

// indexOnce parses the module's tests once per test binary; several tests read the index.
var indexOnce = sync.OnceValues(func() (*indexedRepo, error) {
	root, err := FindModuleRoot(".")
	if err != nil {
		return nil, err
	}
	idx, err := IndexTests(root)
	if err != nil {
		return nil, err
	}
	return &indexedRepo{idx: idx, root: root}, nil
})

type indexedRepo struct {
	idx  *TestIndex
	root string
}

func repoIndex(t *testing.T) (*TestIndex, string) {
	t.Helper()
	repo, err := indexOnce()
	if err != nil {
		t.Fatal(err)
	}
	return repo.idx, repo.root
}

// TestEveryMustIsProven fails when a MUST or MUST NOT row names no test, or any row names a test that does not
// exist.
func TestEveryMustIsProven(t *testing.T) {
	t.Parallel()
	idx, _ := repoIndex(t)
	for _, err := range CheckCoverage(Evaluate(idx)) {
		t.Error(err)
	}
}

// TestTestIndexResolve indexes a small synthetic repository, so that it depends on no other package's tests.
func TestTestIndexResolve(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":                   "module example\n",
		"other/a_test.go":          "package other\nimport \"testing\"\nfunc TestAlpha(t *testing.T) { t.Run(\"sub case\", nil) }\nfunc helper(t *testing.T) {}\n",
		"spec/s_test.go":           "package spec\nimport \"testing\"\nfunc TestWireReplay(t *testing.T) {}\nfunc TestProperties(t *testing.T) {}\n",
		"other/testdata/x_test.go": "package x\nimport \"testing\"\nfunc TestInTestdata(t *testing.T) {}\n",
		"other/not_a_test_file.go": "package other\nimport \"testing\"\nfunc TestNotInTestFile(t *testing.T) {}\n",
	}
	for name, src := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := IndexTests(root)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		test    string
		wantErr bool
	}{
		{name: "function", test: "TestAlpha"},
		{name: "literal subtest", test: "TestAlpha/sub_case"},
		{name: "generated wire subtest", test: "TestWireReplay/9112-2.2-bare-cr"},
		{name: "generated property subtest", test: "TestProperties/RoundTrip"},
		{name: "missing function", test: "TestNoSuchThing", wantErr: true},
		{name: "helper", test: "helper", wantErr: true},
		{name: "missing literal subtest", test: "TestAlpha/no_such_case", wantErr: true},
		{name: "missing generated subtest", test: "TestWireReplay/9112-0-nothing", wantErr: true},
		{name: "row without wire examples", test: "TestWireReplay/9112-2.2-ua-count-crlf", wantErr: true},
		{name: "test function not indexed", test: "TestRejections/obs-fold", wantErr: true},
		{name: "testdata skipped", test: "TestInTestdata", wantErr: true},
		{name: "only _test.go files", test: "TestNotInTestFile", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := idx.Resolve(tt.test)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Resolve(%q) = %v, want error: %v", tt.test, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errNoSuchTest) {
				t.Fatalf("error %v is not errNoSuchTest", err)
			}
		})
	}
}

func TestIsTestFunc(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want bool
	}{
		{name: "test", src: "func TestX(t *testing.T) {}", want: true},
		{name: "bare Test", src: "func Test(t *testing.T) {}", want: true},
		{name: "lowercase after Test", src: "func Testable(t *testing.T) {}"},
		{name: "benchmark signature", src: "func TestB(b *testing.B) {}"},
		{name: "no parameter", src: "func TestNone() {}"},
		{name: "two parameters", src: "func TestTwo(t *testing.T, x int) {}"},
		{name: "value parameter", src: "func TestValue(t testing.T) {}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := parser.ParseFile(token.NewFileSet(), "x_test.go", "package x\n"+tt.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := isTestFunc(f.Decls[0].(*ast.FuncDecl)); got != tt.want {
				t.Fatalf("isTestFunc(%q) = %v, want %v", tt.src, got, tt.want)
			}
		})
	}
}

func TestCheckCoverageFlagsUnprovenMust(t *testing.T) {
	t.Parallel()
	results := []RowResult{
		{Requirement: Requirement{ID: "9112-0-unproven", Keyword: Must, Ferrous: "does it"}},
		{Requirement: Requirement{ID: "9112-0-client", Keyword: Must, Ferrous: na(clientOnly)}},
		{Requirement: Requirement{ID: "9112-0-should", Keyword: Should, Ferrous: "does it"}},
		{Requirement: Requirement{ID: "9112-0-typo", Keyword: May, Ferrous: "Taken."}, Problems: []error{errNoSuchTest}},
	}
	errs := CheckCoverage(results)
	if len(errs) != 2 || !errors.Is(errs[0], errUnprovenMust) || !errors.Is(errs[1], errNoSuchTest) {
		t.Fatalf("CheckCoverage = %v, want the unproven MUST and the missing test", errs)
	}
}

// TestConformanceReportIsCurrent regenerates the Markdown report and compares it with spec/CONFORMANCE.md.
func TestConformanceReportIsCurrent(t *testing.T) {
	t.Parallel()
	idx, root := repoIndex(t)
	var md bytes.Buffer
	if err := WriteMarkdown(&md, Evaluate(idx)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, specPackageDir, "CONFORMANCE.md")
	if *update {
		if err := os.WriteFile(path, md.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go run ./spec/cmd/conformance)", err)
	}
	if !bytes.Equal(got, md.Bytes()) {
		t.Fatal("spec/CONFORMANCE.md is stale: run go run ./spec/cmd/conformance, or go test ./spec/ -run TestConformanceReportIsCurrent -update")
	}
}

func TestTextReportListsWhatIsNotProven(t *testing.T) {
	t.Parallel()
	idx, _ := repoIndex(t)
	results := Evaluate(idx)
	var out bytes.Buffer
	if err := WriteText(&out, results); err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Status != StatusProven && r.Status != StatusNotApplicable && !bytes.Contains(out.Bytes(), []byte(r.ID)) {
			t.Errorf("%s is %s but missing from the text report", r.ID, r.Status)
		}
	}
	for _, kw := range Keywords {
		if !bytes.Contains(out.Bytes(), []byte(string(kw)+" ")) {
			t.Errorf("no line for %s", kw)
		}
	}
}
