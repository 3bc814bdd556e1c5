package smtp_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// maxFrontDoorNames keeps the front door small: what the first hour needs.
// Everything else stays in the layers (domain, bootstrap, ...).
const maxFrontDoorNames = 40

// frontDoorNames returns the exported names of the package's non-test
// files, and whether each has a doc comment.
func frontDoorNames(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() && d.Recv == nil {
					names[d.Name.Name] = d.Doc != nil
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names[s.Name.Name] = d.Doc != nil || s.Doc != nil
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names[n.Name] = s.Doc != nil || (d.Doc != nil && len(d.Specs) == 1)
							}
						}
					}
				}
			}
		}
	}
	return names
}

// TestEveryNameIsDocumentedAndUsed checks the front door's rules: at most
// maxFrontDoorNames exported names, each with its own doc comment and used
// as smtp.Name by at least one example or test of this package.
func TestEveryNameIsDocumentedAndUsed(t *testing.T) {
	names := frontDoorNames(t)
	if len(names) < 20 || len(names) > maxFrontDoorNames {
		t.Fatalf("%d exported names; want between 20 and %d", len(names), maxFrontDoorNames)
	}
	tests, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, path := range tests {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		if !names[n] {
			t.Errorf("%s has no doc comment of its own", n)
		}
		if !regexp.MustCompile(`\bsmtp\.` + n + `\b`).MatchString(src.String()) {
			t.Errorf("%s is used by no example or test (smtp.%s)", n, n)
		}
	}
	t.Logf("%d exported names: %s", len(names), strings.Join(sorted, " "))
}
