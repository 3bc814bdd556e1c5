// Command exported counts the exported identifiers of each package of the
// module: package-level types, functions, constants and variables, plus the
// exported methods of exported types and the methods of exported
// interfaces; exported struct fields are counted apart. Test files,
// internal/, cmd/, test/ and main packages are left out.
//
//	go run ./scripts/exported [DIR]
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	type cnt struct{ ids, fields, methods int }
	res := map[string]*cnt{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && p != root && (info.Name() == "testdata" || strings.HasPrefix(info.Name(), ".")) {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		dir, _ := filepath.Rel(root, filepath.Dir(p))
		if strings.Contains(dir, "internal") || strings.HasPrefix(dir, "test") || strings.HasPrefix(dir, "cmd") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil || f.Name.Name == "main" {
			return nil
		}
		c := res[dir]
		if c == nil {
			c = &cnt{}
			res[dir] = c
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil {
					t := d.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if ix, ok := t.(*ast.IndexExpr); ok {
						t = ix.X
					}
					if id, ok := t.(*ast.Ident); ok && !id.IsExported() {
						continue
					}
					c.methods++
				}
				c.ids++
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							c.ids++
							if st, ok := s.Type.(*ast.StructType); ok {
								for _, fl := range st.Fields.List {
									for _, n := range fl.Names {
										if n.IsExported() {
											c.fields++
										}
									}
								}
							}
							if it, ok := s.Type.(*ast.InterfaceType); ok {
								for _, fl := range it.Methods.List {
									for _, n := range fl.Names {
										if n.IsExported() {
											c.ids++
										}
									}
								}
							}
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								c.ids++
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "exported:", err)
		os.Exit(1)
	}
	keys := []string{}
	for k := range res {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ti, tf := 0, 0
	for _, k := range keys {
		fmt.Printf("%-32s %5d ids %5d fields (%d of the ids are methods)\n", k, res[k].ids, res[k].fields, res[k].methods)
		ti += res[k].ids
		tf += res[k].fields
	}
	fmt.Printf("%-32s %5d ids %5d fields\n", "TOTAL", ti, tf)
}
