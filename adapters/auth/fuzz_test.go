package auth_test

import (
	"strings"
	"testing"

	"github.com/integrations/smtp/adapters/auth"
	"github.com/integrations/smtp/domain"
)

// FuzzNext feeds arbitrary challenges to every mechanism: no panic, every
// error a *domain.Error, no secret in any error.
func FuzzNext(f *testing.F) {
	for _, s := range []string{"", "Username:", "Password:", "<1896.697170952@postoffice.reston.mci.net>", `{"status":"401"}`, "\x00\x01\xff"} {
		f.Add(s, s)
	}
	pw := domain.PasswordCredentials("alice", password)
	tok := domain.XOAuth2Credentials("alice", token)
	cases := []struct {
		mech  domain.AuthMechanism
		creds domain.Credentials
	}{{plain, pw}, {login, pw}, {cram, pw}, {xoauth2, tok}, {oauthbearer, tok}}
	a := auth.New()
	f.Fuzz(func(t *testing.T, first, second string) {
		for _, c := range cases {
			cl, err := a.Client(c.mech, c.creds)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := cl.Start(); err != nil {
				t.Fatal(err)
			}
			for _, ch := range []string{first, second, second} {
				if _, err := cl.Next([]byte(ch)); err != nil {
					if domain.AsError(err) == nil {
						t.Fatalf("%v: error %v is not a *domain.Error", c.mech, err)
					}
					if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), token) {
						t.Fatalf("%v: error %q shows a secret", c.mech, err)
					}
				}
			}
		}
	})
}
