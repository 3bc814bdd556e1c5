// Package arch checks the import directions of the hexagonal layout:
// domain imports nothing of ours; ports import only domain; adapters and
// application import only ports and domain (adapters never each other);
// only cmd and the module's root package (the front door, package smtp)
// import bootstrap.
package arch

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/integrations/smtp"

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 3 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// layer returns the layer of an import path of this module, e.g. "domain",
// "ports", "adapters/tcp", "application", "bootstrap", "cmd", "mocks".
func layer(path string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	parts := strings.Split(rel, "/")
	if parts[0] == "adapters" && len(parts) > 1 {
		return "adapters/" + parts[1]
	}
	return parts[0]
}

// allowed says which layers of ours a layer may import.
func allowed(from, to string) bool {
	if from == to {
		return true
	}
	switch {
	case from == "internal": // internal/rfc5322: shared RFC helpers, importing nothing of ours
		return false
	case from == "domain":
		return to == "internal"
	case from == "ports":
		return to == "domain"
	case strings.HasPrefix(from, "adapters/"), from == "application":
		return to == "domain" || to == "ports" || to == "internal"
	case from == "smtptest":
		return to == "domain"
	case from == "mocks":
		return to == "domain" || to == "ports"
	case from == "bootstrap":
		return to != "cmd" && to != "test"
	case from == "cmd":
		return true
	}
	return true // test/ and scripts may import anything
}

func TestImportDirections(t *testing.T) {
	for _, p := range listPackages(t) {
		from := layer(p.ImportPath)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") && imp != module {
				continue
			}
			to := layer(imp)
			if !allowed(from, to) {
				t.Errorf("%s imports %s: %s may not import %s", p.ImportPath, imp, from, to)
			}
		}
	}
}

func TestDomainUsesNoThirdParty(t *testing.T) {
	for _, p := range listPackages(t) {
		if layer(p.ImportPath) != "domain" && layer(p.ImportPath) != "ports" && layer(p.ImportPath) != "internal" {
			continue
		}
		for _, imp := range p.Imports {
			first := strings.Split(imp, "/")[0]
			if !strings.Contains(first, ".") || strings.HasPrefix(imp, module+"/") {
				continue // standard library or ours (checked above)
			}
			if strings.HasPrefix(imp, "golang.org/x/net/idna") && layer(p.ImportPath) == "domain" {
				continue
			}
			t.Errorf("%s imports third-party package %s", p.ImportPath, imp)
		}
	}
}

func TestAllowedTable(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		{"domain", "ports", false},
		{"domain", "internal", true},
		{"internal", "domain", false},
		{"adapters/mime", "internal", true},
		{"ports", "domain", true},
		{"ports", "adapters/tcp", false},
		{"adapters/tcp", "adapters/tls", false},
		{"adapters/tcp", "ports", true},
		{"adapters/mime", "application", false},
		{"application", "adapters/mime", false},
		{"application", "bootstrap", false},
		{"bootstrap", "adapters/tcp", true},
		{"cmd", "bootstrap", true},
	}
	for _, tt := range tests {
		if got := allowed(tt.from, tt.to); got != tt.want {
			t.Errorf("allowed(%q, %q) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}
