package domain_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

// leak returns the first run of 6 or more octets of a form that text still
// holds, or "" (checked naively, against every substring).
func leak(text string, forms ...string) string {
	for _, f := range forms {
		for i := 0; i+6 <= len(f); i++ {
			if strings.Contains(text, f[i:i+6]) {
				return f[i : i+6]
			}
		}
	}
	return ""
}

// alignments returns the base64 text of secret after 0, 1 and 2 octets.
func alignments(secret string) []string {
	var out []string
	for k := range 3 {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(strings.Repeat("u", k)+secret)))
	}
	return out
}

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

func TestScrubRemovesEveryRunOfSixOctets(t *testing.T) {
	const secret = "ya29.a0AfH6SMBx-token_value"
	sc := domain.NewScrubber(domain.NewSecret(secret))
	forms := append([]string{secret}, alignments(secret)...)
	for _, f := range forms[:2] { // the plain secret and its own base64
		for i := 0; i+6 <= len(f); i++ {
			for j := i + 6; j <= len(f); j++ {
				text := "535 5.7.8 refused " + f[i:j] + " (truncated)"
				got := sc.Scrub(text)
				if l := leak(got, f); l != "" {
					t.Fatalf("Scrub(%q) = %q still holds %q", text, got, l)
				}
				if !strings.HasPrefix(got, "535 5.7.8 refused ") || !strings.HasSuffix(got, " (truncated)") {
					t.Fatalf("Scrub(%q) = %q blanked the text around the secret", text, got)
				}
			}
		}
	}
	// Inside a longer base64 text the secret's octets show at any alignment.
	for k, enc := range alignments(secret) {
		first, end := (8*k+5)/6, 8*(k+len(secret))/6
		inner := enc[first:end]
		for i := 0; i+6 <= len(inner); i++ {
			got := sc.Scrub("x " + inner[i:i+6] + " y")
			if got != "x "+domain.Redacted+" y" {
				t.Errorf("alignment %d: run %q became %q", k, inner[i:i+6], got)
			}
		}
	}
}

func TestScrubLeavesOrdinaryText(t *testing.T) {
	sc := domain.NewScrubber(domain.NewSecret("Tr0ub4dor-and-3-horses"))
	for _, text := range []string{
		"250 2.1.0 Sender OK",
		"535 5.7.8 Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials",
		"horse Tr0ub 4dor", // runs of 5 and 4 octets only
		"",
	} {
		if got := sc.Scrub(text); got != text {
			t.Errorf("Scrub(%q) = %q", text, got)
		}
	}
	var none *domain.Scrubber
	if got := none.Scrub("Tr0ub4dor-and-3-horses"); got != "Tr0ub4dor-and-3-horses" {
		t.Errorf("a nil Scrubber changed text: %q", got)
	}
	if got := domain.NewScrubber().Scrub("anything at all"); got != "anything at all" {
		t.Errorf("a Scrubber of nothing changed text: %q", got)
	}
}

func TestScrubMergesRunsAndKeepsShortSecretsWhole(t *testing.T) {
	const secret = "abcdefghij"
	sc := domain.NewScrubber(domain.NewSecret(secret))
	// Two overlapping runs and an adjacent one make one redaction.
	if got := sc.Scrub("<abcdefgh" + "cdefghij>"); got != "<"+domain.Redacted+">" {
		t.Errorf("overlapping runs: %q", got)
	}
	if got := sc.Scrub("abcdef-ghij"); got != domain.Redacted+"-ghij" {
		t.Errorf("a run at the start: %q", got)
	}
	short := domain.NewScrubber(domain.NewSecret("p4ss"))
	if got := short.Scrub("p4ss and p4s and xp4ssx"); got != domain.Redacted+" and p4s and x"+domain.Redacted+"x" {
		t.Errorf("a 4-octet secret: %q", got)
	}
	if got := short.Scrub(base64.StdEncoding.EncodeToString([]byte("p4ss"))); got != domain.Redacted {
		t.Errorf("the base64 of a 4-octet secret: %q", got)
	}
}

func TestScrubJSONForm(t *testing.T) {
	const secret = `pa"ss\word`
	sc := domain.NewScrubber(domain.NewSecret(secret))
	got := sc.Scrub(`{"secret":"pa\"ss\\word"}`)
	if l := leak(got, `pa\"ss\\word`); l != "" || !strings.Contains(got, domain.Redacted) {
		t.Errorf("JSON form: %q", got)
	}
}

func TestScrubberAdd(t *testing.T) {
	sc := domain.NewScrubber()
	sc.Add("short") // under 6 octets: ignored
	if got := sc.Scrub("short"); got != "short" {
		t.Errorf("a short form was scrubbed: %q", got)
	}
	sc.Add("AHVzZXIAaHVudGVyMg==")
	if got := sc.Scrub("535 bad: AHVzZXIAaH"); got != "535 bad: "+domain.Redacted {
		t.Errorf("a prefix of an added form: %q", got)
	}
}

func TestCredentialsScrubberCoversSASLResponses(t *testing.T) {
	tests := []struct {
		name  string
		creds domain.Credentials
		blob  string
	}{
		{"plain", domain.PasswordCredentials("user", "hunter2-Secret"), "\x00user\x00hunter2-Secret"},
		{"xoauth2", domain.XOAuth2Credentials("me@example.com", "ya29.token-value"),
			"user=me@example.com\x01auth=Bearer ya29.token-value\x01\x01"},
		{"oauthbearer", domain.OAuthBearerCredentials("a=b,c", "ya29.token-value"),
			"n,a=a=3Db=2Cc,\x01auth=Bearer ya29.token-value\x01\x01"},
		{"oauthbearer without user", domain.OAuthBearerCredentials("", "ya29.token-value"),
			"n,,\x01auth=Bearer ya29.token-value\x01\x01"},
		{"xoauth2 credentials sent with OAUTHBEARER", domain.XOAuth2Credentials("me", "ya29.token-value"),
			"n,a=me,\x01auth=Bearer ya29.token-value\x01\x01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := tt.creds.Scrubber()
			enc := base64.StdEncoding.EncodeToString([]byte(tt.blob))
			for _, text := range []string{
				"535 5.7.8 bad: " + enc,
				"535 5.7.8 bad: " + enc[:10], // a server that truncates the echo
				"535 5.7.8 bad: " + enc[len(enc)-12:],
			} {
				got := sc.Scrub(text)
				if l := leak(got, enc, tt.creds.Secret.Reveal()); l != "" {
					t.Errorf("Scrub(%q) = %q still holds %q", text, got, l)
				}
				if !strings.HasPrefix(got, "535 5.7.8 bad: ") {
					t.Errorf("Scrub(%q) = %q", text, got)
				}
			}
		})
	}
	if got := domain.PasswordCredentials("user", "abc").Scrubber().Scrub("abc"); got != "abc" {
		t.Errorf("a 3-octet password was scrubbed: %q", got)
	}
	if got := (domain.Credentials{}).Scrubber().Scrub("text"); got != "text" {
		t.Errorf("no credentials changed text: %q", got)
	}
}

func BenchmarkScrubberScrub(b *testing.B) {
	token := strings.Repeat("ya29.a0AfH6SMBx", 100) // a long access token
	sc := domain.XOAuth2Credentials("me@example.com", token).Scrubber()
	line := "250 2.1.5 <recipient@example.org> recipient ok, queued as 4Xyz12AbC"
	b.ReportAllocs()
	for b.Loop() {
		_ = sc.Scrub(line)
	}
}
