package readme

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/integrations/smtp"

// repoRoot is the directory of this module's go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

var moduleLine = regexp.MustCompile(`(?m)^module .*$`)

// newModule makes a temporary module that requires this one, replaced by
// the repository, with the repository's requirements and checksums, so that
// it builds offline from the module cache.
func newModule(t *testing.T, root string) string {
	t.Helper()
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mod := moduleLine.ReplaceAllString(string(gomod), "module readmeblocks") +
		fmt.Sprintf("\nrequire %s v0.0.0-00010101000000-000000000000\n\nreplace %s => %s\n", module, module, root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), gosum, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// compile type-checks b (go vet) as the package dir/sub, offline. The
// error holds the compiler's output, with README line numbers.
func compile(dir, sub string, b block) error {
	pkg := filepath.Join(dir, sub)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte(b.source()), 0o644); err != nil {
		return err
	}
	cmd := exec.Command("go", "vet", "./"+sub)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s does not compile: %v\n%s", b.label, err, out)
	}
	return nil
}

func readmeBlocks(t *testing.T, root string) []block {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := extract("README.md", string(doc))
	if err != nil {
		t.Fatal(err)
	}
	return blocks
}

// TestReadmeBlocksCompile compiles every ```go block of README.md.
func TestReadmeBlocksCompile(t *testing.T) {
	root := repoRoot(t)
	blocks := readmeBlocks(t, root)
	if len(blocks) < 4 {
		t.Fatalf("found %d go blocks in README.md; the extraction is broken or blocks were lost", len(blocks))
	}
	dir := newModule(t, root)
	for i, b := range blocks {
		t.Run(b.label, func(t *testing.T) {
			if err := compile(dir, fmt.Sprintf("block%02d", i), b); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestQuickStartIsAFrontDoorProgram checks that the README's first Go
// block is a whole program, as pasted, that uses the front door.
func TestQuickStartIsAFrontDoorProgram(t *testing.T) {
	blocks := readmeBlocks(t, repoRoot(t))
	if len(blocks) == 0 {
		t.Fatal("README.md has no go block")
	}
	q := blocks[0]
	for _, want := range []string{"package main\n", "\nfunc main() {\n", "\t\"" + module + "\"\n", "smtp.NewClient(", "smtp.NewEmail()", "if res != nil {"} {
		if !strings.Contains(q.code, want) {
			t.Errorf("the quick start (%s) lacks %q", q.label, want)
		}
	}
	for _, layer := range []string{module + "/domain\"", module + "/bootstrap\"", module + "/application\""} {
		if strings.Contains(q.code, layer) {
			t.Errorf("the quick start (%s) imports %s: the front door should be enough", q.label, layer)
		}
	}
}

// TestCompileFailsOnBrokenBlocks checks the checker: a program, and a
// fragment, that do not compile are reported with the README's line.
func TestCompileFailsOnBrokenBlocks(t *testing.T) {
	root := repoRoot(t)
	doc := "# x\n\n```go\npackage main\n\nfunc main() { undefinedThing() }\n```\n\n" +
		"<!-- compile: fragment\nimport: github.com/integrations/smtp\nafter: _ = cfg\n-->\n```go\ncfg := smtp.Config{}\ncfg.NoSuchField = 1\n```\n\n" +
		"<!-- compile: fragment\nimport: github.com/integrations/smtp\nafter: _ = cfg\n-->\n```go\ncfg := smtp.Config{}\ncfg.Host = \"ok\"\n```\n"
	blocks, err := extract("README.md", doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 3 {
		t.Fatalf("extracted %d blocks, want 3", len(blocks))
	}
	dir := newModule(t, root)
	for i, want := range []string{"README.md:6", "README.md:15", ""} {
		err := compile(dir, fmt.Sprintf("broken%d", i), blocks[i])
		switch {
		case want == "" && err != nil:
			t.Errorf("block %d: %v, want it to compile", i, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("block %d: err = %v, want a compile error at %s", i, err, want)
		}
	}
}

// TestExtractRefusesUnmarkedFragments checks that a fragment cannot slip
// through uncompiled.
func TestExtractRefusesUnmarkedFragments(t *testing.T) {
	for name, doc := range map[string]string{
		"unmarked fragment":      "```go\nx := 1\n```\n",
		"marker without a block": "<!-- compile: fragment\n-->\ntext\n```go\nx := 1\n```\n",
		"marker before sh":       "<!-- compile: fragment\n-->\n```sh\nls\n```\n",
		"unknown marker key":     "<!-- compile: fragment\nimports: os\n-->\n```go\nx := 1\n```\n",
		"unknown marker":         "<!-- compile: skip\n-->\n```go\nx := 1\n```\n",
		"unterminated block":     "```go\npackage main\n",
	} {
		if _, err := extract("README.md", doc); err == nil {
			t.Errorf("%s: extract accepted it", name)
		}
	}
	blocks, err := extract("README.md", "```sh\nls\n```\n\n```go\n// Command x.\npackage main\n\nfunc main() {}\n```\n")
	if err != nil || len(blocks) != 1 || !blocks[0].complete() || blocks[0].line != 6 {
		t.Fatalf("extract = %+v, %v; want one complete block at line 6", blocks, err)
	}
}
