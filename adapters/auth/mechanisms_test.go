package auth_test

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/integrations/smtp/adapters/auth"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// step is one server challenge and the response it must get. wantKind set
// means Next must fail with that kind instead.
type step struct {
	challenge string
	want      string
	wantKind  domain.Kind
}

// exchange drives a fresh client for mech through steps after checking
// its Start.
func exchange(t *testing.T, mech domain.AuthMechanism, creds domain.Credentials, wantIR *string, steps []step) {
	t.Helper()
	c, err := auth.New().Client(mech, creds)
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	run(t, c, mech.String(), wantIR, steps)
}

func run(t *testing.T, c ports.SASLClient, wantMech string, wantIR *string, steps []step) {
	t.Helper()
	mech, ir, err := c.Start()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if mech != wantMech {
		t.Errorf("mechanism = %q, want %q", mech, wantMech)
	}
	switch {
	case wantIR == nil && ir != nil:
		t.Errorf("initial response = %q, want none", ir)
	case wantIR != nil && (ir == nil || string(ir) != *wantIR):
		t.Errorf("initial response = %q, want %q", ir, *wantIR)
	}
	for i, s := range steps {
		resp, err := c.Next([]byte(s.challenge))
		if s.wantKind != domain.KindUnknown {
			if resp != nil {
				t.Errorf("step %d: response %q with an error", i+1, resp)
			}
			wantKind(t, err, s.wantKind)
			continue
		}
		if err != nil {
			t.Fatalf("step %d: Next(%q): %v", i+1, s.challenge, err)
		}
		if resp == nil || string(resp) != s.want {
			t.Errorf("step %d: Next(%q) = %q, want %q", i+1, s.challenge, resp, s.want)
		}
	}
}

func ptr(s string) *string { return &s }

var tooMany = step{challenge: "more?", wantKind: domain.KindUnexpectedResponse}

// RFC 4616 section 4: message = [authzid] UTF8NUL authcid UTF8NUL passwd.
func TestPlain(t *testing.T) {
	creds := domain.PasswordCredentials("tim", "tanstaaftanstaaf")
	ir := "\x00tim\x00tanstaaftanstaaf"
	t.Run("initial response", func(t *testing.T) {
		exchange(t, plain, creds, ptr(ir), nil)
	})
	t.Run("empty challenge gets the initial response", func(t *testing.T) {
		exchange(t, plain, creds, ptr(ir), []step{{challenge: "", want: ir}, tooMany})
	})
	t.Run("a real challenge is unexpected", func(t *testing.T) {
		exchange(t, plain, creds, ptr(ir), []step{{challenge: "what?", wantKind: domain.KindUnexpectedResponse}})
	})
}

func TestLogin(t *testing.T) {
	creds := domain.PasswordCredentials("alice@example.com", password)
	user, pass := "alice@example.com", password
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "standard prompts", steps: []step{{challenge: "Username:", want: user}, {challenge: "Password:", want: pass}, tooMany}},
		{name: "lower-case prompts", steps: []step{{challenge: "username:", want: user}, {challenge: "password:", want: pass}}},
		{name: "other wording", steps: []step{{challenge: "User Name", want: user}, {challenge: "Passwort", want: pass}}},
		{name: "unknown prompts go by order", steps: []step{{challenge: "Who are you?", want: user}, {challenge: "Prove it", want: pass}}},
		{name: "empty prompts go by order", steps: []step{{challenge: "", want: user}, {challenge: "", want: pass}, tooMany}},
		{name: "unknown then password prompt", steps: []step{{challenge: "?", want: user}, {challenge: "PASSWORD:", want: pass}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exchange(t, login, creds, nil, tt.steps)
		})
	}
}

// The example of RFC 2195 section 2.
func TestCRAMMD5(t *testing.T) {
	creds := domain.PasswordCredentials("tim", "tanstaaftanstaaf")
	exchange(t, cram, creds, nil, []step{
		{challenge: "<1896.697170952@postoffice.reston.mci.net>", want: "tim b913a602c7eda7a495b4e6e7334d3890"},
		tooMany,
	})
	t.Run("empty challenge", func(t *testing.T) {
		exchange(t, cram, creds, nil, []step{{challenge: "", wantKind: domain.KindUnexpectedResponse}})
	})
	// The wire form of the RFC's exchange, to pin down what the session
	// sends after base64.
	resp := "tim b913a602c7eda7a495b4e6e7334d3890"
	if got := base64.StdEncoding.EncodeToString([]byte(resp)); got != "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw" {
		t.Errorf("base64 = %s, want the RFC's", got)
	}
}

// The example of https://developers.google.com/gmail/imap/xoauth2-protocol.
func TestXOAuth2(t *testing.T) {
	creds := domain.XOAuth2Credentials("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
	ir := "user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
	const wire = "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
	if got := base64.StdEncoding.EncodeToString([]byte(ir)); got != wire {
		t.Fatalf("base64 = %s, want Google's example", got)
	}
	errChallenge := `{"status":"401","schemes":"bearer mac","scope":"https://mail.google.com/"}`
	t.Run("success", func(t *testing.T) {
		exchange(t, xoauth2, creds, ptr(ir), nil)
	})
	t.Run("error challenge gets an empty response", func(t *testing.T) {
		exchange(t, xoauth2, creds, ptr(ir), []step{{challenge: errChallenge, want: ""}, tooMany})
	})
	t.Run("empty challenge gets the initial response", func(t *testing.T) {
		exchange(t, xoauth2, creds, ptr(ir), []step{{challenge: "", want: ir}, {challenge: errChallenge, want: ""}, tooMany})
	})
}

// RFC 7628 sections 3.1 and 3.2.3 (without host and port, which are
// optional).
func TestOAuthBearer(t *testing.T) {
	tok := "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg=="
	errChallenge := `{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}`
	tests := []struct {
		name  string
		creds domain.Credentials
		ir    string
		steps []step
	}{
		{name: "with username", creds: domain.OAuthBearerCredentials("user@example.com", tok),
			ir: "n,a=user@example.com,\x01auth=Bearer " + tok + "\x01\x01"},
		{name: "from XOAUTH2 credentials", creds: domain.XOAuth2Credentials("user@example.com", tok),
			ir: "n,a=user@example.com,\x01auth=Bearer " + tok + "\x01\x01"},
		{name: "without username", creds: domain.OAuthBearerCredentials("", tok),
			ir: "n,,\x01auth=Bearer " + tok + "\x01\x01"},
		{name: "saslname escaping (RFC 5801)", creds: domain.OAuthBearerCredentials("a,b=c", tok),
			ir: "n,a=a=2Cb=3Dc,\x01auth=Bearer " + tok + "\x01\x01"},
		{name: "error challenge gets %x01", creds: domain.OAuthBearerCredentials("user@example.com", tok),
			ir:    "n,a=user@example.com,\x01auth=Bearer " + tok + "\x01\x01",
			steps: []step{{challenge: errChallenge, want: "\x01"}, tooMany}},
		{name: "non-JSON error challenge gets %x01", creds: domain.OAuthBearerCredentials("", tok),
			ir:    "n,,\x01auth=Bearer " + tok + "\x01\x01",
			steps: []step{{challenge: "garbage", want: "\x01"}}},
		{name: "empty challenge gets the initial response", creds: domain.OAuthBearerCredentials("", tok),
			ir:    "n,,\x01auth=Bearer " + tok + "\x01\x01",
			steps: []step{{challenge: "", want: "n,,\x01auth=Bearer " + tok + "\x01\x01"}, {challenge: errChallenge, want: "\x01"}, tooMany}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exchange(t, oauthbearer, tt.creds, ptr(tt.ir), tt.steps)
		})
	}
	if base64.StdEncoding.EncodeToString([]byte{0x01}) != "AQ==" {
		t.Error("0x01 does not encode as AQ==")
	}
}

// Each Client call makes an independent client: one exchange's state does
// not leak into another's.
func TestClientsAreFresh(t *testing.T) {
	a := auth.New()
	creds := domain.PasswordCredentials("alice", password)
	first, err := a.Client(login, creds)
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.Client(login, creds)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := first.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Next([]byte("?")); err != nil {
		t.Fatal(err)
	}
	run(t, second, "LOGIN", nil, []step{{challenge: "?", want: "alice"}})
	if resp, err := first.Next([]byte("?")); err != nil || !bytes.Equal(resp, []byte(password)) {
		t.Errorf("first client's second answer = %q, %v", resp, err)
	}
}
