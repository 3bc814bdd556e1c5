// Package readme compiles every Go code block of the repository's
// README.md, so that the documentation cannot rot: a block that does not
// compile fails the test, with the README's line numbers.
//
// A block that starts with "package" is a complete program and is built as
// it is. Any other block is a fragment: it must follow an HTML comment that
// says how to wrap it in a function body,
//
//	<!-- compile: fragment
//	import: os time sdkmetric=go.opentelemetry.io/otel/sdk/metric
//	before: cfg := bootstrap.Config{}
//	after: _, _ = client, err
//	-->
//
// with "import:" lines (paths, or NAME=path for a named import), "before:"
// statements that declare what the fragment takes as given, and "after:"
// statements that use what it declares. Blocks are compiled (go vet, which
// type-checks everything) in a temporary module that requires this one
// through a replace directive, offline (GOPROXY=off), with the go.mod and
// go.sum of this repository.
package readme

import (
	"bufio"
	"fmt"
	"strings"
)

// block is one ```go block of a Markdown file.
type block struct {
	line  int    // the line of the block's first code line, counting from 1
	code  string // the code, ending with a newline
	frag  *fragment
	label string // "README.md:LINE"
}

// fragment is how a fragment block is wrapped.
type fragment struct {
	imports       []string // "path" or "name=path"
	before, after []string
}

const markerStart = "<!-- compile:"

// extract returns the ```go blocks of a Markdown document named name. A
// fragment without its marker, a marker not followed by a go block, or an
// unknown marker line is an error.
func extract(name, doc string) ([]block, error) {
	var (
		blocks  []block
		pending *fragment // a marker waiting for its block
		inMark  bool
		inCode  bool
		isGo    bool
		cur     block
		code    strings.Builder
	)
	sc := bufio.NewScanner(strings.NewReader(doc))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case inCode:
			if trimmed == "```" {
				inCode = false
				if isGo {
					cur.code = code.String()
					blocks = append(blocks, cur)
				}
				continue
			}
			code.WriteString(line)
			code.WriteString("\n")
		case inMark:
			if trimmed == "-->" {
				inMark = false
				continue
			}
			if err := pending.add(trimmed); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, n, err)
			}
		case strings.HasPrefix(trimmed, markerStart):
			if pending != nil {
				return nil, fmt.Errorf("%s:%d: a compile marker follows another one", name, n)
			}
			kind := strings.TrimSpace(strings.TrimPrefix(trimmed, markerStart))
			if kind != "fragment" {
				return nil, fmt.Errorf("%s:%d: unknown compile marker %q (want \"fragment\" alone on its line)", name, n, kind)
			}
			pending, inMark = &fragment{}, true
		case strings.HasPrefix(trimmed, "```"):
			inCode, isGo = true, strings.TrimPrefix(trimmed, "```") == "go"
			code.Reset()
			cur = block{line: n + 1, label: fmt.Sprintf("%s:%d", name, n+1)}
			if !isGo {
				if pending != nil {
					return nil, fmt.Errorf("%s:%d: a compile marker before a block that is not ```go", name, n)
				}
				continue
			}
			cur.frag, pending = pending, nil
		case trimmed != "" && pending != nil:
			return nil, fmt.Errorf("%s:%d: a compile marker must be followed by its ```go block", name, n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if inCode || inMark || pending != nil {
		return nil, fmt.Errorf("%s: unterminated code block or compile marker", name)
	}
	for _, b := range blocks {
		if !b.complete() && b.frag == nil {
			return nil, fmt.Errorf("%s: a Go fragment without a <!-- compile: fragment ... --> marker: make it a complete program, or mark it", b.label)
		}
		if b.complete() && b.frag != nil {
			return nil, fmt.Errorf("%s: a complete program needs no compile marker", b.label)
		}
	}
	return blocks, nil
}

// add reads one line of a marker.
func (f *fragment) add(line string) error {
	key, val, ok := strings.Cut(line, ":")
	val = strings.TrimSpace(val)
	switch {
	case line == "":
		return nil
	case !ok:
		return fmt.Errorf("marker line %q is not KEY: VALUE", line)
	case key == "import":
		f.imports = append(f.imports, strings.Fields(val)...)
	case key == "before":
		f.before = append(f.before, val)
	case key == "after":
		f.after = append(f.after, val)
	default:
		return fmt.Errorf("unknown marker key %q (import, before, after)", key)
	}
	return nil
}

// complete reports whether b is a whole Go file (it starts with "package").
func (b block) complete() bool {
	for _, line := range strings.Split(b.code, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		return strings.HasPrefix(t, "package ")
	}
	return false
}

// source returns the Go file that compiles b. //line directives make the
// compiler report the block's own lines as LABEL lines (README.md:N).
func (b block) source() string {
	name, line, _ := strings.Cut(b.label, ":")
	directive := func(l string) string { return "//line " + name + ":" + l + "\n" }
	if b.complete() {
		return directive(line) + b.code
	}
	var s strings.Builder
	s.WriteString("package main\n\nimport (\n")
	for _, imp := range b.frag.imports {
		if alias, path, ok := strings.Cut(imp, "="); ok {
			fmt.Fprintf(&s, "\t%s %q\n", alias, path)
		} else {
			fmt.Fprintf(&s, "\t%q\n", imp)
		}
	}
	s.WriteString(")\n\nfunc main() {\n")
	for _, l := range b.frag.before {
		s.WriteString(l + "\n")
	}
	s.WriteString(directive(line))
	s.WriteString(b.code)
	s.WriteString("//line wrapper-after:1\n")
	for _, l := range b.frag.after {
		s.WriteString(l + "\n")
	}
	s.WriteString("}\n")
	return s.String()
}
