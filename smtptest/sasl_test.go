package smtptest

import (
	"errors"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func TestParseXOAuth2(t *testing.T) {
	tests := []struct {
		give      string
		wantUser  string
		wantToken string
		wantOK    bool
	}{
		{give: "user=a@b\x01auth=Bearer t0k\x01\x01", wantUser: "a@b", wantToken: "t0k", wantOK: true},
		{give: "auth=bearer t0k\x01user=a@b\x01\x01", wantUser: "a@b", wantToken: "t0k", wantOK: true},
		{give: "user=a@b\x01auth=Bearer t0k\x01", wantOK: false},
		{give: "user=a@b\x01auth=Basic t0k\x01\x01", wantOK: false},
		{give: "user=\x01auth=Bearer t0k\x01\x01", wantToken: "t0k", wantOK: false},
		{give: "", wantOK: false},
	}
	for _, tt := range tests {
		user, token, ok := parseXOAuth2([]byte(tt.give))
		if ok != tt.wantOK || (ok && (user != tt.wantUser || token != tt.wantToken)) {
			t.Errorf("parseXOAuth2(%q) = %q, %q, %v", tt.give, user, token, ok)
		}
	}
}

func TestParseOAuthBearer(t *testing.T) {
	tests := []struct {
		give      string
		wantUser  string
		wantToken string
		wantOK    bool
	}{
		{give: "n,a=alice,\x01host=h\x01port=25\x01auth=Bearer t\x01\x01", wantUser: "alice", wantToken: "t", wantOK: true},
		{give: "n,,\x01auth=Bearer t\x01\x01", wantToken: "t", wantOK: true},
		{give: "y,,\x01auth=Bearer t\x01\x01", wantOK: false},
		{give: "n,alice,\x01auth=Bearer t\x01\x01", wantOK: false},
		{give: "n,,\x01auth=Bearer t\x01", wantOK: false},
		{give: "n,,\x01auth=MAC t\x01\x01", wantOK: false},
		{give: "n,,\x01host=h\x01\x01", wantOK: false},
		{give: "n,,", wantOK: false},
		{give: "\x01", wantOK: false},
	}
	for _, tt := range tests {
		user, token, ok := parseOAuthBearer([]byte(tt.give))
		if ok != tt.wantOK || (ok && (user != tt.wantUser || token != tt.wantToken)) {
			t.Errorf("parseOAuthBearer(%q) = %q, %q, %v", tt.give, user, token, ok)
		}
	}
}

func TestMechanismEdges(t *testing.T) {
	creds := credentials{passwords: map[string]string{"alice": "pw"}, tokens: map[string]string{"bob": "tok"}, domain: "d"}
	if newMechanism("SCRAM-SHA-1", creds) != nil {
		t.Error("unknown mechanism made")
	}

	login := newMechanism(MechLogin, creds)
	for _, resp := range []string{"alice", "pw"} {
		login.Next([]byte(resp))
	}
	if _, done, err := login.Next([]byte("more")); !done || !errors.Is(err, sasl.ErrUnexpectedClientResponse) {
		t.Errorf("LOGIN after the end = %v, %v", done, err)
	}

	cram := newMechanism(MechCRAMMD5, creds)
	if _, done, err := cram.Next([]byte("initial")); !done || err != smtp.ErrAuthFailed {
		t.Errorf("CRAM-MD5 with an initial response = %v, %v", done, err)
	}
	for _, give := range []string{"nospace", "mallory 00", "alice 00"} {
		cram := newMechanism(MechCRAMMD5, creds)
		cram.Next(nil)
		if _, _, err := cram.Next([]byte(give)); err != smtp.ErrAuthFailed {
			t.Errorf("CRAM-MD5 %q = %v", give, err)
		}
	}

	for _, mech := range []string{MechXOAuth2, MechOAuthBearer} {
		m := newMechanism(mech, creds)
		if ch, done, err := m.Next(nil); len(ch) != 0 || done || err != nil {
			t.Errorf("%s without initial response = %q, %v, %v", mech, ch, done, err)
		}
		if _, done, _ := m.Next([]byte("garbage")); done {
			t.Errorf("%s with garbage ended without an error challenge", mech)
		}
		if _, done, err := m.Next([]byte{}); !done || err != smtp.ErrAuthFailed {
			t.Errorf("%s after the error challenge = %v, %v", mech, done, err)
		}
		if m.User() != "" {
			t.Errorf("%s user = %q after failure", mech, m.User())
		}
	}
}

func TestCredentials(t *testing.T) {
	c := credentials{passwords: map[string]string{"alice": "pw"}, tokens: map[string]string{"bob": "tok", "carol": "tok2"}}
	tests := []struct {
		user, token string
		want        string
		wantOK      bool
	}{
		{user: "bob", token: "tok", want: "bob", wantOK: true},
		{user: "", token: "tok2", want: "carol", wantOK: true},
		{user: "carol", token: "tok", wantOK: false},
		{user: "alice", token: "pw", wantOK: false},
	}
	for _, tt := range tests {
		if got, ok := c.token(tt.user, tt.token); got != tt.want || ok != tt.wantOK {
			t.Errorf("token(%q, %q) = %q, %v", tt.user, tt.token, got, ok)
		}
	}
	if !c.password("alice", "pw") || c.password("alice", "PW") || c.password("bob", "tok") {
		t.Error("password check is wrong")
	}
}

func TestReplyFormat(t *testing.T) {
	tests := []struct {
		give reply
		want string
	}{
		{give: newReply(250, "ok"), want: "250 ok\r\n"},
		{give: newReply(550, "a\r\nb\rc"), want: "550-a\r\n550-b\r\n550 c\r\n"},
		{give: newReply(421, ""), want: "421 \r\n"},
	}
	for _, tt := range tests {
		if got := tt.give.String(); got != tt.want {
			t.Errorf("%+v = %q, want %q", tt.give, got, tt.want)
		}
	}
	for _, tt := range []struct {
		give      string
		wantCode  int
		wantFinal bool
	}{{"250-x\r\n", 250, false}, {"250 x\r\n", 250, true}, {"250\r\n", 250, true}, {"25", 0, true}, {"abc\r\n", 0, true}} {
		if code, final := replyCode(tt.give); code != tt.wantCode || final != tt.wantFinal {
			t.Errorf("replyCode(%q) = %d, %v", tt.give, code, final)
		}
	}
}

func TestBDATSize(t *testing.T) {
	tests := []struct {
		give   string
		want   int64
		wantOK bool
	}{
		{give: "BDAT 10", want: 10, wantOK: true},
		{give: "bdat 10 last\r\n", want: 10, wantOK: true},
		{give: "BDAT  7   LAST", want: 7, wantOK: true},
		{give: "BDAT", wantOK: false},
		{give: " BDAT 10", wantOK: false},
		{give: "BDATX 10", wantOK: false},
		{give: "BDAT -1", wantOK: false},
		{give: "BDAT 10 FIRST", wantOK: false},
		{give: "BDAT 1 LAST more", wantOK: false},
		{give: "BDAT 99999999999", wantOK: false},
	}
	for _, tt := range tests {
		if got, ok := bdatSize(tt.give); got != tt.want || ok != tt.wantOK {
			t.Errorf("bdatSize(%q) = %d, %v", tt.give, got, ok)
		}
	}
}
