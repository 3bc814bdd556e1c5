package bootstrap

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestEnvTableMatchesTheCode: the table of docs/CONFIGURATION.md and the
// code list the same variables, in the same order.
func TestEnvTableMatchesTheCode(t *testing.T) {
	doc, err := os.ReadFile("../docs/CONFIGURATION.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(SMTP_[A-Z0-9_]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	var code []string
	for _, e := range envVars {
		code = append(code, e.name)
	}
	if !slices.Equal(documented, code) {
		t.Errorf("docs/CONFIGURATION.md lists\n%v\nthe code reads\n%v", documented, code)
	}
}
