package rfc5322_test

import (
	"strings"
	"testing"

	"github.com/integrations/smtp/internal/rfc5322"
)

func TestIsAtext(t *testing.T) {
	const special = "!#$%&'*+-/=?^_`{|}~"
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(special, b) >= 0
		if got := rfc5322.IsAtext(b); got != want {
			t.Errorf("IsAtext(%q) = %v, want %v", b, got, want)
		}
	}
}

func TestIsDotAtom(t *testing.T) {
	tests := []struct {
		give string
		want bool
	}{
		{"john.doe", true},
		{"a", true},
		{"o'brien+tag", true},
		{"jöhn.dœ", true}, // RFC 6531: UTF-8 counts as atext
		{"", false},
		{".john", false},
		{"john.", false},
		{"john..doe", false},
		{"john doe", false},
		{"john@doe", false},
		{`jo"hn`, false},
		{"a\x00b", false},
	}
	for _, tt := range tests {
		if got := rfc5322.IsDotAtom(tt.give); got != tt.want {
			t.Errorf("IsDotAtom(%q) = %v, want %v", tt.give, got, tt.want)
		}
	}
}

func TestIsAtomPhrase(t *testing.T) {
	tests := []struct {
		give string
		want bool
	}{
		{"Ann Smith", true},
		{"O'Brien", true},
		{"a b c", true},
		{"", false},
		{" Ann", false},
		{"Ann ", false},
		{"Ann  Smith", false},
		{"Smith, Ann", false},
		{"Ann.Smith", false},
		{"Ann\tSmith", false},
		{"Jöhn", false}, // ASCII only: a non-ASCII name is encoded
	}
	for _, tt := range tests {
		if got := rfc5322.IsAtomPhrase(tt.give); got != tt.want {
			t.Errorf("IsAtomPhrase(%q) = %v, want %v", tt.give, got, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ give, want string }{
		{"", `""`},
		{"Smith, Ann", `"Smith, Ann"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"jöhn", `"jöhn"`},
	}
	for _, tt := range tests {
		if got := rfc5322.Quote(tt.give); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.give, got, tt.want)
		}
	}
}

func TestIsPhraseQSafe(t *testing.T) {
	var safe []byte
	for c := 0; c < 256; c++ {
		if rfc5322.IsPhraseQSafe(byte(c)) {
			safe = append(safe, byte(c))
		}
	}
	const want = "!*+-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	if string(safe) != want {
		t.Errorf("IsPhraseQSafe accepts %q, want %q", safe, want)
	}
}

func TestIsASCII(t *testing.T) {
	for give, want := range map[string]bool{"": true, "abc\x7f": true, "ä": false, "a\x80": false} {
		if got := rfc5322.IsASCII(give); got != want {
			t.Errorf("IsASCII(%q) = %v, want %v", give, got, want)
		}
	}
}
