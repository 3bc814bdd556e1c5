package mime

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestGolden compares the byte-exact output of every shared case with
// testdata/NAME.golden; run with -update after an intended change.
func TestGolden(t *testing.T) {
	for _, tc := range encCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := encode(t, testEncoder(1), tc.email(t), tc.opts)
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update after an intended change)\ngot:\n%s", path, got)
			}
		})
	}
}

// TestDeterministic checks that two encoders with the same seed and clock
// produce the same bytes and that another seed changes the Message-ID and
// boundaries.
func TestDeterministic(t *testing.T) {
	tc := encCases()[5] // mixed_full
	a := encode(t, testEncoder(7), tc.email(t), tc.opts)
	b := encode(t, testEncoder(7), tc.email(t), tc.opts)
	c := encode(t, testEncoder(8), tc.email(t), tc.opts)
	if !bytes.Equal(a, b) {
		t.Error("same seed, different output")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds, same output")
	}
}
