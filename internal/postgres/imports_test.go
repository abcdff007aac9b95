package postgres_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// sqlImports are the packages that speak SQL: the driver and the generated
// queries. Only internal/postgres may import them (the compiler already
// keeps the generated queries in internal/postgres/internal/ to it).
func sqlImport(path string) bool {
	return strings.HasPrefix(path, "github.com/jackc/pgx") ||
		strings.HasPrefix(path, "switchboard/internal/postgres/")
}

// rawAccessors hand out the pool or transaction under a DB or Tx. Calling
// a method on what they return needs no import, so they are checked by name.
var rawAccessors = map[string]bool{"RawPool": true, "RawTx": true}

// allowed are the other directories that may import them or call the raw
// accessors, and why.
var allowed = map[string]string{
	"internal/pglocal": "starts the embedded PostgreSQL and creates its role and database",
	"internal/pgtest":  "test helper: clones template databases for tests",
	"internal/apptest": "test helper: waits for the app's queued jobs",
	"internal/bench":   "benchmark harness: times the bare queries beside the app's paths",
}

// TestOnlyPostgresSpeaksSQL fails when a package outside internal/postgres
// imports pgx or the generated queries, or reaches the pool or a
// transaction through RawPool/RawTx, in its non-test code.
func TestOnlyPostgresSpeaksSQL(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	offenders := map[string][]string{} // dir -> "file: import or call"
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "internal/postgres" || strings.HasPrefix(rel, "internal/postgres/") ||
				strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if sqlImport(p) {
				offenders[dir] = append(offenders[dir], filepath.Base(rel)+": "+p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && rawAccessors[sel.Sel.Name] {
				offenders[dir] = append(offenders[dir], filepath.Base(rel)+": "+sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for d := range offenders {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if allowed[d] == "" {
			t.Errorf("%s speaks SQL; only internal/postgres may: %s", d, strings.Join(offenders[d], ", "))
		}
	}
}
