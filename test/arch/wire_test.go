package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// wireNames are the names of the SMTP wire protocol of the client: reply
// parsing, EHLO capabilities, the stages a reply answers and the mapping of
// replies to errors, the queue ID read from the final reply. They live in
// adapters/tcp, the only code that speaks the protocol; no other package
// may declare them, exported or not, so that nobody parses replies or
// decides by capabilities a second time. (References cannot be checked
// the same way: domain.Reply and the like no longer exist, so a reference
// does not compile.) Names compare ASCII-case-insensitively: parseEHLO in
// adapters/tcp is ParseEHLO anywhere else.
//
// Two things are not wire protocol and stay allowed: ports.Stage, the
// telemetry stages of a send (its StageAuth and StageData name spans, not
// SMTP replies), which is why the SMTP stage constants are listed one by
// one and Stage, StageAuth and StageData are not; and the unexported
// declarations of smtptest, the server side of the protocol (a test server
// writes replies; it does not read them as a client).
var wireNames = []string{
	"Reply", "ParseReply", "ParseReplyLine", "ErrMalformedReply", "ParseEnhancedCode",
	"Capabilities", "ParseEHLO", "SupportsAuth",
	"ReplyError", "ReplyKind", "EnhancedKind",
	"StageGreeting", "StageEHLO", "StageHELO", "StageStartTLS", "StageMail", "StageRcpt",
	"StageBody", "StageReset", "StageNoop", "StageQuit", "StageVerify",
	"TransferEncoding", "QueueID",
}

// wireOwner is the package that declares the wire protocol.
const wireOwner = "adapters/tcp"

// declaration is a top-level name a source file declares.
type declaration struct {
	dir, name, pos string
	exported       bool
}

// declarations parses every Go file of the module (tests included,
// testdata left out) and returns its top-level declarations: types,
// functions, methods, variables and constants.
func declarations(t *testing.T) []declaration {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var out []declaration
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		add := func(id *ast.Ident) {
			out = append(out, declaration{dir: filepath.ToSlash(rel), name: id.Name, pos: fset.Position(id.Pos()).String(), exported: id.IsExported()})
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				add(d.Name)
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						add(s.Name)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							add(n)
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("parsing the module's sources: %v", err)
	}
	if len(out) < 1000 {
		t.Fatalf("found only %d declarations: the walk missed the sources", len(out))
	}
	return out
}

// isWireName reports whether name is one of wireNames, ASCII case aside.
func isWireName(name string) bool {
	for _, w := range wireNames {
		if strings.EqualFold(name, w) {
			return true
		}
	}
	return false
}

// wireAllowed reports whether a declaration of a wire name is allowed
// where d is.
func wireAllowed(d declaration) bool {
	switch {
	case d.dir == wireOwner:
		return true
	case d.dir == "smtptest" && !d.exported: // the server side of the protocol
		return true
	}
	return false
}

func TestWireProtocolOnlyInTheProtocolAdapter(t *testing.T) {
	seen := map[string]bool{} // lower-case wire names adapters/tcp declares
	for _, d := range declarations(t) {
		if !isWireName(d.name) {
			continue
		}
		if d.dir == wireOwner {
			seen[strings.ToLower(d.name)] = true
		}
		if !wireAllowed(d) {
			t.Errorf("%s: %s declares %s, a name of the SMTP wire protocol, which only %s may declare", d.pos, d.dir, d.name, wireOwner)
		}
	}
	// The check finds what it looks for: the rules are declared where they
	// belong, once.
	var missing []string
	for _, w := range []string{"parseReply", "parseReplyLine", "errMalformedReply", "parseEnhancedCode", "capabilities", "parseEHLO", "queueID", "stageRcpt"} {
		if !seen[strings.ToLower(w)] {
			missing = append(missing, w)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%s no longer declares %v: the check no longer finds the wire protocol where it lives", wireOwner, missing)
	}
}

func TestWireAllowedTable(t *testing.T) {
	tests := []struct {
		d    declaration
		want bool
	}{
		{declaration{dir: "adapters/tcp", name: "parseReply"}, true},
		{declaration{dir: "domain", name: "Reply", exported: true}, false},
		{declaration{dir: "application", name: "queueID"}, false},
		{declaration{dir: "smtptest", name: "reply"}, true},
		{declaration{dir: "smtptest", name: "Reply", exported: true}, false},
		{declaration{dir: "adapters/tcp/sub", name: "parseEHLO"}, false},
	}
	for _, tt := range tests {
		if got := isWireName(tt.d.name) && !wireAllowed(tt.d); got == tt.want {
			t.Errorf("%s in %s: forbidden = %v, want %v", tt.d.name, tt.d.dir, got, !tt.want)
		}
	}
	for _, name := range []string{"Stage", "StageAuth", "StageData", "stage", "smtpReply"} {
		if isWireName(name) {
			t.Errorf("%s counts as a wire name; ports.Stage and its spans must stay allowed", name)
		}
	}
}
