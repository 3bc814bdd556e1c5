package domain_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

func TestScrubCoversEveryBase64Alignment(t *testing.T) {
	const secret = "Tr0ub4dor-and-3-horses"
	s := domain.NewSecret(secret)
	for pre := range 6 {
		for post := range 4 {
			text := strings.Repeat("u", pre) + "\x00" + secret + strings.Repeat("\x01", post)
			enc := base64.StdEncoding.EncodeToString([]byte(text))
			got := s.Scrub("535 5.7.8 bad: " + enc)
			if !strings.Contains(got, domain.Redacted) {
				t.Errorf("Scrub left %q as it was", got)
			}
		}
	}
	if got := s.Scrub("server said " + secret + " and \"" + secret + "\""); strings.Contains(got, secret) || strings.Count(got, domain.Redacted) != 2 {
		t.Errorf("Scrub = %q", got)
	}
	if got := domain.NewSecret("abc").Scrub("abc abc"); got != "abc abc" {
		t.Errorf("a 3-octet secret blanked ordinary text: %q", got)
	}
	if got := (domain.Secret{}).Scrub("text"); got != "text" {
		t.Errorf("the empty secret changed text: %q", got)
	}
}
