package domain_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

const (
	testPassword = "hunter2-Sup3rSecret"
	testToken    = "ya29.a0AfH6SMBx-token-value"
)

// leaks reports which forms of the secret s appear in out.
func leaks(out, s string) bool {
	return strings.Contains(out, s) || strings.Contains(strings.ToLower(out), hex.EncodeToString([]byte(s)))
}

type exportedField struct {
	Host  string
	Creds domain.Credentials
}

type embedded struct {
	domain.Credentials
	Host string
}

type unexportedField struct {
	host  string
	creds domain.Credentials
}

type unexportedSecret struct {
	name string
	pw   domain.Secret
}

func TestSecretNeverPrinted(t *testing.T) {
	s := domain.NewSecret(testPassword)
	pw := domain.PasswordCredentials("alice", testPassword)
	tok := domain.XOAuth2Credentials("alice@example.com", testToken)
	values := map[string]any{
		"secret":                     s,
		"secret pointer":             &s,
		"credentials":                pw,
		"credentials pointer":        &pw,
		"token credentials":          tok,
		"bearer credentials":         domain.OAuthBearerCredentials("", testToken),
		"exported field":             exportedField{Host: "h", Creds: pw},
		"exported field pointer":     &exportedField{Host: "h", Creds: tok},
		"embedded":                   embedded{Credentials: pw, Host: "h"},
		"embedded pointer":           &embedded{Credentials: tok, Host: "h"},
		"unexported field":           unexportedField{host: "h", creds: pw},
		"unexported field pointer":   &unexportedField{host: "h", creds: tok},
		"unexported secret":          unexportedSecret{name: "x", pw: s},
		"unexported secret pointer":  &unexportedSecret{name: "x", pw: s},
		"slice":                      []domain.Credentials{pw, tok},
		"map":                        map[string]domain.Secret{"pw": s},
		"anonymous struct of secret": struct{ S domain.Secret }{s},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%-20v", "%t", "%p"}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			for _, verb := range verbs {
				out := fmt.Sprintf(verb, v)
				if leaks(out, testPassword) || leaks(out, testToken) {
					t.Errorf("fmt %s leaks the secret: %s", verb, out)
				}
			}
			if out := fmt.Sprint(v); leaks(out, testPassword) || leaks(out, testToken) {
				t.Errorf("fmt.Sprint leaks the secret: %s", out)
			}
		})
	}
}

func TestSecretNeverMarshalled(t *testing.T) {
	s := domain.NewSecret(testPassword)
	pw := domain.PasswordCredentials("alice", testPassword)
	values := map[string]any{
		"secret":           s,
		"credentials":      pw,
		"exported field":   exportedField{Host: "h", Creds: pw},
		"embedded":         embedded{Credentials: pw, Host: "h"},
		"unexported field": unexportedField{host: "h", creds: pw},
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			js, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			if leaks(string(js), testPassword) {
				t.Errorf("JSON leaks the secret: %s", js)
			}
			if x, err := xml.Marshal(v); err == nil && leaks(string(x), testPassword) {
				t.Errorf("XML leaks the secret: %s", x)
			}
		})
	}
	js, err := json.Marshal(pw)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"type": "password", "username": "alice", "secret": domain.Redacted}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("json.Marshal(credentials) = %s, want %v", js, want)
	}
	if text, _ := s.MarshalText(); string(text) != domain.Redacted {
		t.Errorf("MarshalText = %q", text)
	}
}

func TestSecretNeverLogged(t *testing.T) {
	pw := domain.PasswordCredentials("alice", testPassword)
	tok := domain.OAuthBearerCredentials("bob", testToken)
	handlers := map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(h(&buf))
			log.Info("auth", "creds", pw, "token", tok, "secret", pw.Secret)
			log.Info("cfg", slog.Any("exported", exportedField{Creds: pw}), slog.Any("embedded", embedded{Credentials: tok}),
				slog.Any("unexported", unexportedField{creds: pw}), slog.Any("ptr", &pw))
			log.With("creds", tok).WithGroup("g").Info("nested", "secret", domain.NewSecret(testPassword))
			out := buf.String()
			if leaks(out, testPassword) || leaks(out, testToken) {
				t.Errorf("slog output leaks the secret:\n%s", out)
			}
			if !strings.Contains(out, domain.Redacted) || !strings.Contains(out, "alice") {
				t.Errorf("slog output lacks the redaction marker or the username:\n%s", out)
			}
		})
	}
}

func TestSecretReveal(t *testing.T) {
	s := domain.NewSecret(testPassword)
	if s.Reveal() != testPassword || s.IsEmpty() {
		t.Errorf("Reveal() = %q, IsEmpty() = %v", s.Reveal(), s.IsEmpty())
	}
	var zero domain.Secret
	if zero.Reveal() != "" || !zero.IsEmpty() || !domain.NewSecret("").IsEmpty() {
		t.Error("the zero or empty Secret is not empty")
	}
	if domain.NewSecret("") != zero {
		t.Error("NewSecret(\"\") differs from the zero Secret")
	}
	if !reflect.DeepEqual(domain.NewSecret("a"), domain.NewSecret("a")) || reflect.DeepEqual(domain.NewSecret("a"), domain.NewSecret("b")) {
		t.Error("reflect.DeepEqual does not compare Secret values")
	}
	if s.String() != domain.Redacted || s.GoString() != domain.Redacted {
		t.Errorf("String/GoString = %q/%q", s.String(), s.GoString())
	}
}

func TestCredentialsStrings(t *testing.T) {
	tests := []struct {
		give       domain.Credentials
		wantString string
		wantGo     string
	}{
		{
			give:       domain.PasswordCredentials("alice", testPassword),
			wantString: "password(user=alice, secret=[REDACTED])",
			wantGo:     `domain.Credentials{Type:"password", Username:"alice", Secret:[REDACTED]}`,
		},
		{
			give:       domain.XOAuth2Credentials("a@example.com", testToken),
			wantString: "xoauth2(user=a@example.com, secret=[REDACTED])",
			wantGo:     `domain.Credentials{Type:"xoauth2", Username:"a@example.com", Secret:[REDACTED]}`,
		},
		{
			give:       domain.OAuthBearerCredentials("", testToken),
			wantString: "oauthbearer(user=, secret=[REDACTED])",
			wantGo:     `domain.Credentials{Type:"oauthbearer", Username:"", Secret:[REDACTED]}`,
		},
		{give: domain.Credentials{}, wantString: "none(user=, secret=[REDACTED])", wantGo: `domain.Credentials{Type:"none", Username:"", Secret:[REDACTED]}`},
	}
	for _, tt := range tests {
		t.Run(tt.wantString, func(t *testing.T) {
			if got := fmt.Sprintf("%v", tt.give); got != tt.wantString {
				t.Errorf("%%v = %q, want %q", got, tt.wantString)
			}
			if got := fmt.Sprintf("%#v", tt.give); got != tt.wantGo {
				t.Errorf("%%#v = %q, want %q", got, tt.wantGo)
			}
		})
	}
}

func TestCredentialsAllows(t *testing.T) {
	mechs := []domain.AuthMechanism{domain.AuthAuto, domain.AuthPlain, domain.AuthLogin, domain.AuthCRAMMD5, domain.AuthXOAuth2, domain.AuthOAuthBearer}
	tests := []struct {
		name string
		give domain.Credentials
		want []domain.AuthMechanism
	}{
		{name: "none", give: domain.Credentials{}},
		{name: "password", give: domain.PasswordCredentials("u", "p"), want: []domain.AuthMechanism{domain.AuthPlain, domain.AuthLogin, domain.AuthCRAMMD5}},
		{name: "xoauth2", give: domain.XOAuth2Credentials("u", "t"), want: []domain.AuthMechanism{domain.AuthXOAuth2, domain.AuthOAuthBearer}},
		{name: "bearer with user", give: domain.OAuthBearerCredentials("u", "t"), want: []domain.AuthMechanism{domain.AuthXOAuth2, domain.AuthOAuthBearer}},
		{name: "bearer without user", give: domain.OAuthBearerCredentials("", "t"), want: []domain.AuthMechanism{domain.AuthOAuthBearer}},
		{name: "unknown type", give: domain.Credentials{Type: 42, Username: "u", Secret: domain.NewSecret("p")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range mechs {
				want := false
				for _, w := range tt.want {
					want = want || w == m
				}
				if got := tt.give.Allows(m); got != want {
					t.Errorf("Allows(%v) = %v, want %v", m, got, want)
				}
			}
		})
	}
}

func TestCredentialsValidate(t *testing.T) {
	tests := []struct {
		name    string
		give    domain.Credentials
		wantErr bool
	}{
		{name: "none", give: domain.Credentials{}},
		{name: "password", give: domain.PasswordCredentials("alice", testPassword)},
		{name: "password no user", give: domain.PasswordCredentials("", testPassword), wantErr: true},
		{name: "password no secret", give: domain.PasswordCredentials("alice", ""), wantErr: true},
		{name: "xoauth2", give: domain.XOAuth2Credentials("alice", testToken)},
		{name: "xoauth2 no user", give: domain.XOAuth2Credentials("", testToken), wantErr: true},
		{name: "xoauth2 no token", give: domain.XOAuth2Credentials("alice", ""), wantErr: true},
		{name: "bearer without user", give: domain.OAuthBearerCredentials("", testToken)},
		{name: "bearer no token", give: domain.OAuthBearerCredentials("bob", ""), wantErr: true},
		{name: "unknown type", give: domain.Credentials{Type: 9, Username: "u", Secret: domain.NewSecret(testPassword)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.give.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if !errors.Is(err, domain.KindInvalidInput) {
				t.Errorf("error %v is not KindInvalidInput", err)
			}
			if leaks(err.Error(), testPassword) || leaks(err.Error(), testToken) {
				t.Errorf("error message leaks the secret: %v", err)
			}
		})
	}
	if domain.PasswordCredentials("a", "b").IsZero() || !(domain.Credentials{}).IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestCredentialTypeString(t *testing.T) {
	tests := []struct {
		give domain.CredentialType
		want string
	}{
		{domain.CredentialNone, "none"}, {domain.CredentialPassword, "password"}, {domain.CredentialXOAuth2, "xoauth2"},
		{domain.CredentialOAuthBearer, "oauthbearer"}, {domain.CredentialType(77), "none"},
	}
	for _, tt := range tests {
		if got := tt.give.String(); got != tt.want {
			t.Errorf("CredentialType(%d).String() = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestAuthMechanism(t *testing.T) {
	tests := []struct {
		give      string
		want      domain.AuthMechanism
		wantOK    bool
		wantName  string
		wantToken bool
	}{
		{give: "PLAIN", want: domain.AuthPlain, wantOK: true, wantName: "PLAIN"},
		{give: "login", want: domain.AuthLogin, wantOK: true, wantName: "LOGIN"},
		{give: " cram-md5 ", want: domain.AuthCRAMMD5, wantOK: true, wantName: "CRAM-MD5"},
		{give: "XOAuth2", want: domain.AuthXOAuth2, wantOK: true, wantName: "XOAUTH2", wantToken: true},
		{give: "OAUTHBEARER", want: domain.AuthOAuthBearer, wantOK: true, wantName: "OAUTHBEARER", wantToken: true},
		{give: "auto", want: domain.AuthAuto, wantOK: true, wantName: "AUTO"},
		{give: "", want: domain.AuthAuto, wantOK: true, wantName: "AUTO"},
		{give: "GSSAPI", want: domain.AuthAuto, wantName: "AUTO"},
		{give: "XOAUTH", want: domain.AuthAuto, wantName: "AUTO"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, ok := domain.ParseAuthMechanism(tt.give)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseAuthMechanism(%q) = %v, %v; want %v, %v", tt.give, got, ok, tt.want, tt.wantOK)
			}
			if got.String() != tt.wantName || got.UsesToken() != tt.wantToken {
				t.Errorf("String/UsesToken = %q/%v, want %q/%v", got.String(), got.UsesToken(), tt.wantName, tt.wantToken)
			}
		})
	}
}
