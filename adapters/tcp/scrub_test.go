package tcp

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

const scrubPassword = "hunter2-Secret"

// plainResponse is the base64 PLAIN response of user and scrubPassword.
var plainResponse = base64.StdEncoding.EncodeToString([]byte("\x00user\x00" + scrubPassword))

// leaked returns the first run of 6 octets of the password or of its PLAIN
// response that text holds, or "".
func leaked(text string) string {
	for _, form := range []string{scrubPassword, plainResponse} {
		for i := 0; i+6 <= len(form); i++ {
			if strings.Contains(text, form[i:i+6]) {
				return form[i : i+6]
			}
		}
	}
	return ""
}

// openPlain authenticates with PLAIN over the script and returns the
// outcome of Open.
func openPlain(t *testing.T, tr *transcript, script string) (*fakeServer, *Session, error) {
	t.Helper()
	a := sasl(t, domain.AuthPlain, "PLAIN", []byte("\x00user\x00"+scrubPassword))
	cfg, creds := authConfig(), static{domain.PasswordCredentials("user", scrubPassword)}
	return open(t, cfg, Deps{Credentials: creds, TLS: sameConn{}, Auth: a, Transcript: tr}, tlsGreet+`
		C: AUTH PLAIN `+plainResponse+script)
}

func TestAuthRefusalEchoesArePartlyScrubbed(t *testing.T) {
	tests := []struct{ name, reply string }{
		{"the first 10 characters of the response", `
			S: 535 5.7.8 bad credentials ` + plainResponse[:10]},
		{"the response cut in the middle", `
			S: 535 5.7.8 bad credentials ` + plainResponse[7:19] + `...`},
		{"the response split over two lines", `
			S: 535-5.7.8 bad credentials ` + plainResponse[:13] + `
			S: 535 5.7.8 ` + plainResponse[13:]},
		{"part of the password", `
			S: 535 5.7.8 password ter2-Sec is wrong`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &transcript{}
			f, _, err := openPlain(t, tr, tt.reply+quit)
			wantKind(t, err, domain.KindCredentialsInvalid)
			f.wait(t)
			for _, text := range []string{err.Error(), tr.String()} {
				if l := leaked(text); l != "" {
					t.Errorf("%q shows in:\n%s", l, text)
				}
			}
			if !strings.Contains(err.Error(), domain.Redacted) || !strings.Contains(tr.String(), "S: 535 5.7.8 ") {
				t.Errorf("error %v, transcript:\n%s", err, tr.String())
			}
		})
	}
}

func TestSecretScrubbedFromLaterStages(t *testing.T) {
	tr := &transcript{}
	f, s, err := openPlain(t, tr, `
		S: 235 2.7.0 accepted
		C: MAIL FROM:<a@example.org>
		S: 550 5.7.1 sender hunter2-Secret refused (`+plainResponse[4:16]+`)
		C: VRFY hunter2-Secret
		S: 252 2.1.5 hunter2-Secret maybe
		C: NOOP
		S: 250 ok`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	_, err = send(t, s, env("a@example.org", "b@example.net"), body("hi\r\n"))
	e := wantKind(t, err, domain.KindInvalidFromAddress)
	r, verr := s.Verify(context.Background(), scrubPassword)
	if verr != nil {
		t.Fatalf("Verify: %v", verr)
	}
	if err := s.Noop(context.Background()); err != nil {
		t.Fatalf("Noop: %v", err)
	}
	_ = s.Close()
	f.wait(t)
	for _, text := range []string{err.Error(), e.Message, r, tr.String()} {
		if l := leaked(text); l != "" {
			t.Errorf("%q shows in:\n%s", l, text)
		}
	}
	if got := tr.String(); !strings.Contains(got, "C: VRFY [REDACTED]") || !strings.Contains(got, "S: 550 5.7.1 sender [REDACTED] refused") {
		t.Errorf("transcript:\n%s", got)
	}
}

func TestUnsolicited421ScrubbedToo(t *testing.T) {
	tr := &transcript{}
	f, s, err := openPlain(t, tr, `
		S: 235 2.7.0 accepted
		!raw "421 4.4.2 idle hunter2-Secret bye\r\n"
		!stall`)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// The 421 came in the same write as the 235: the NOOP finds it waiting.
	err = s.Noop(context.Background())
	e := wantKind(t, err, domain.KindServerShutdown)
	_ = s.Close()
	f.wait(t)
	for _, text := range []string{err.Error(), e.Message, tr.String()} {
		if l := leaked(text); l != "" {
			t.Errorf("%q shows in:\n%s", l, text)
		}
	}
}

func TestOAuthErrorChallengeScrubbed(t *testing.T) {
	// A server whose error challenge quotes the token back.
	const token = "ya29.quoted-back-token"
	creds := domain.XOAuth2Credentials("user", token)
	ir := []byte("user=user\x01auth=Bearer " + token + "\x01\x01")
	challenge := `{"status":"401","token":"` + token[3:15] + `"}`
	a := sasl(t, domain.AuthXOAuth2, "XOAUTH2", ir, nextReturns(challenge, "", nil))
	tr := &transcript{}
	f, _, err := open(t, authConfig(), Deps{Credentials: static{creds}, TLS: sameConn{}, Auth: a, Transcript: tr}, tlsGreet+`
		C: AUTH XOAUTH2 `+base64.StdEncoding.EncodeToString(ir)+`
		S: 334 `+base64.StdEncoding.EncodeToString([]byte(challenge))+`
		C: 
		S: 535 5.7.8 no`+quit)
	e := wantKind(t, err, domain.KindCredentialsInvalid)
	f.wait(t)
	if strings.Contains(err.Error(), token[3:15]) || !strings.Contains(e.Message, `"status":"401"`) {
		t.Errorf("error: %v", err)
	}
}

func TestScrubError(t *testing.T) {
	sc := domain.NewScrubber(domain.NewSecret(scrubPassword))
	cause := errors.New("client said " + scrubPassword)
	de := &domain.Error{Kind: domain.KindAuth, Op: "auth", Message: "bad " + scrubPassword, Err: cause}
	got := scrubError(sc, de)
	if strings.Contains(got.Error(), "hunter") || !errors.Is(got, cause) || domain.KindOf(got) != domain.KindAuth {
		t.Errorf("scrubError = %v", got)
	}
	if de.Message != "bad "+scrubPassword {
		t.Error("scrubError changed the original error")
	}
	clean := domain.NewError(domain.KindAuth, "auth", "nothing secret")
	if scrubError(sc, clean) != error(clean) {
		t.Error("an error without a secret was copied")
	}
	plain := errors.New("x " + scrubPassword)
	if got := scrubError(sc, plain); strings.Contains(got.Error(), "hunter") || !errors.Is(got, plain) {
		t.Errorf("scrubError(plain) = %v", got)
	}
	if scrubError(nil, plain) != plain || scrubError(sc, nil) != nil {
		t.Error("nil scrubber or nil error not passed through")
	}
	if got := refusedCredentials(plain, true); got != plain {
		t.Errorf("refusedCredentials changed a foreign error: %v", got)
	}
}
