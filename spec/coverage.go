package spec

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// TestIndex knows the test functions of a repository, found by parsing its *_test.go files.
type TestIndex struct {
	// funcs maps a test function name to the packages (directories relative to the root) declaring it.
	funcs map[string][]string
	// literals maps a test function name to the string literals of the files declaring it, as t.Run would
	// name subtests after them (spaces become underscores).
	literals map[string]map[string]bool
}

var errNoModuleRoot = errors.New("no go.mod above the working directory")

// FindModuleRoot walks up from dir to the directory holding go.mod.
func FindModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errNoModuleRoot
		}
		dir = parent
	}
}

// IndexTests parses every *_test.go under root, skipping testdata, vendor and hidden directories.
func IndexTests(root string) (*TestIndex, error) {
	idx := &TestIndex{funcs: map[string][]string{}, literals: map[string]map[string]bool{}}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("parsing %s: %w", path, err)
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return fmt.Errorf("indexing %s: %w", path, err)
		}
		idx.add(f, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("indexing tests under %s: %w", root, err)
	}
	return idx, nil
}

func (idx *TestIndex) add(f *ast.File, pkg string) {
	lits := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil {
				lits[strings.ReplaceAll(s, " ", "_")] = true
			}
		}
		return true
	})
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || !isTestFunc(fn) {
			continue
		}
		name := fn.Name.Name
		idx.funcs[name] = append(idx.funcs[name], pkg)
		if idx.literals[name] == nil {
			idx.literals[name] = map[string]bool{}
		}
		for l := range lits {
			idx.literals[name][l] = true
		}
	}
}

// isTestFunc reports whether fn has the shape go test runs: TestXxx(t *testing.T).
func isTestFunc(fn *ast.FuncDecl) bool {
	name := fn.Name.Name
	if !strings.HasPrefix(name, "Test") || (len(name) > 4 && name[4] >= 'a' && name[4] <= 'z') {
		return false
	}
	params := fn.Type.Params.List
	if len(params) != 1 || len(params[0].Names) > 1 {
		return false
	}
	star, ok := params[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "T"
}

// generatedSubtests lists the subtests that the spec's table-driven tests derive from the tables, which no
// string literal names.
func generatedSubtests() map[string]map[string]bool {
	sub := map[string]map[string]bool{wireReplayTest: {}, propertiesTest: {}, rejectionsTest: {}}
	for _, r := range Requirements {
		if len(r.Wire) > 0 {
			sub[wireReplayTest][r.ID] = true
		}
	}
	for _, p := range Properties {
		sub[propertiesTest][p.Name] = true
	}
	for _, m := range Mutations {
		sub[rejectionsTest][m.Name] = true
	}
	return sub
}

var errNoSuchTest = errors.New("no such test")

// Resolve checks that name ("TestX" or "TestX/sub") names an existing test. A subtest must be one the spec
// tables generate, or appear as a string literal in the file of its test function.
func (idx *TestIndex) Resolve(name string) error {
	fn, sub, hasSub := strings.Cut(name, "/")
	pkgs, ok := idx.funcs[fn]
	switch {
	case !ok:
		return fmt.Errorf("%w: %s", errNoSuchTest, fn)
	case !hasSub:
		return nil
	}
	if gen, ok := generatedSubtests()[fn]; ok && containsString(pkgs, specPackageDir) {
		if !gen[sub] {
			return fmt.Errorf("%w: %s has no subtest %q generated from the tables", errNoSuchTest, fn, sub)
		}
		return nil
	}
	if !idx.literals[fn][sub] {
		return fmt.Errorf("%w: %s names no subtest %q", errNoSuchTest, fn, sub)
	}
	return nil
}

// specPackageDir is where this package lives, relative to the module root.
const specPackageDir = "spec"

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
