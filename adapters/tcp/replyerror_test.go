package tcp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

func parsed(t *testing.T, lines ...string) *smtpReply {
	t.Helper()
	r, err := parseReply(lines)
	if err != nil {
		t.Fatalf("parseReply(%q): %v", lines, err)
	}
	return r
}

func TestReplyError(t *testing.T) {
	tests := []struct {
		name      string
		stage     smtpStage
		give      string
		want      domain.Kind
		wantRetry bool
	}{
		// Section 6.3 of the specification, code by code.
		{name: "421 any stage", stage: stageMail, give: "421 4.3.2 Service shutting down", want: domain.KindServerShutdown, wantRetry: true},
		{name: "421 at greeting", stage: stageGreeting, give: "421 Too many connections", want: domain.KindServerShutdown, wantRetry: true},
		{name: "421 4.7.0 Gmail", stage: stageRcpt, give: "421 4.7.0 Try again later", want: domain.KindServerShutdown, wantRetry: true},
		{name: "450", stage: stageRcpt, give: "450 4.2.1 Mailbox busy", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "450 greylisted", stage: stageRcpt, give: "450 4.7.1 Greylisted, try again", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "451", stage: stageBody, give: "451 4.3.0 Local error", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "452", stage: stageRcpt, give: "452 4.5.3 Too many recipients", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "452 storage", stage: stageMail, give: "452 Insufficient system storage", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "500", stage: stageEHLO, give: "500 5.5.1 Command unrecognized", want: domain.KindProtocol},
		{name: "501 at MAIL", stage: stageMail, give: "501 5.5.4 Syntax error in parameters", want: domain.KindInvalidFromAddress},
		{name: "501 at RCPT", stage: stageRcpt, give: "501 Bad recipient address syntax", want: domain.KindInvalidRecipientAddress},
		{name: "501 elsewhere", stage: stageEHLO, give: "501 Syntax: EHLO hostname", want: domain.KindProtocol},
		{name: "502", stage: stageVerify, give: "502 5.5.1 VRFY command is disabled", want: domain.KindCapabilityMismatch},
		{name: "503", stage: stageData, give: "503 5.5.1 Error: need RCPT command", want: domain.KindCommandSequence},
		{name: "504 at AUTH", stage: stageAuth, give: "504 5.5.4 Unrecognized authentication type", want: domain.KindAuthMethodNotSupported},
		{name: "504 elsewhere", stage: stageMail, give: "504 Command parameter not implemented", want: domain.KindCapabilityMismatch},
		{name: "530", stage: stageMail, give: "530 5.7.0 Authentication required", want: domain.KindAuthRequired},
		{name: "530 at AUTH", stage: stageAuth, give: "530 5.7.0 Must issue a STARTTLS command first", want: domain.KindAuthRequired},
		{name: "534", stage: stageAuth, give: "534 5.7.9 Authentication mechanism is too weak", want: domain.KindAuthMethodNotSupported},
		{name: "534 Gmail web login", stage: stageAuth, give: "534 5.7.14 Please log in via your web browser", want: domain.KindAuthMethodNotSupported},
		{name: "534 outside AUTH", stage: stageMail, give: "534 mechanism too weak", want: domain.KindAuthMethodNotSupported},
		{name: "535", stage: stageAuth, give: "535 5.7.8 Username and Password not accepted", want: domain.KindCredentialsInvalid},
		{name: "535 plain", stage: stageAuth, give: "535 Authentication failed", want: domain.KindCredentialsInvalid},
		{name: "535 outside AUTH", stage: stageMail, give: "535 no", want: domain.KindCredentialsInvalid},
		{name: "550 at RCPT", stage: stageRcpt, give: "550 5.1.1 User unknown", want: domain.KindInvalidRecipientAddress},
		{name: "550 relay denied at RCPT", stage: stageRcpt, give: "550 5.7.1 Relaying denied", want: domain.KindInvalidRecipientAddress},
		{name: "550 at MAIL", stage: stageMail, give: "550 5.7.1 Sender rejected", want: domain.KindInvalidFromAddress},
		{name: "550 at DATA end", stage: stageBody, give: "550 5.7.1 Message rejected as spam", want: domain.KindPermanentFailure},
		{name: "551 at RCPT", stage: stageRcpt, give: "551 User not local; please try <b@example.org>", want: domain.KindInvalidRecipientAddress},
		{name: "551 at MAIL", stage: stageMail, give: "551 no", want: domain.KindInvalidFromAddress},
		{name: "552 at DATA end", stage: stageBody, give: "552 5.3.4 Message size exceeds fixed limit", want: domain.KindMessageTooLarge},
		{name: "552 plain at DATA end", stage: stageBody, give: "552 Too much mail data", want: domain.KindMessageTooLarge},
		{name: "552 at MAIL", stage: stageMail, give: "552 Message size exceeds maximum", want: domain.KindMessageTooLarge},
		{name: "552 at RCPT is too many recipients", stage: stageRcpt, give: "552 Too many recipients", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "552 5.5.3 at RCPT", stage: stageRcpt, give: "552 5.5.3 Too many recipients", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "553 at MAIL", stage: stageMail, give: "553 5.1.8 Domain of sender address does not exist", want: domain.KindInvalidFromAddress},
		{name: "553 plain at MAIL", stage: stageMail, give: "553 Sender address rejected", want: domain.KindInvalidFromAddress},
		{name: "553 at RCPT", stage: stageRcpt, give: "553 Mailbox name not allowed", want: domain.KindInvalidRecipientAddress},
		{name: "554", stage: stageBody, give: "554 5.0.0 Transaction failed", want: domain.KindPermanentFailure},
		{name: "554 greeting", stage: stageGreeting, give: "554 No SMTP service here", want: domain.KindPermanentFailure},
		{name: "other 5xx", stage: stageData, give: "555 5.5.4 Unsupported option", want: domain.KindPermanentFailure},
		{name: "other 4xx", stage: stageData, give: "455 Server unable to accommodate parameters", want: domain.KindTemporaryFailure, wantRetry: true},
		// Stage AUTH specifics.
		{name: "454 at AUTH", stage: stageAuth, give: "454 4.7.0 Temporary authentication failure", want: domain.KindAuth, wantRetry: true},
		{name: "432 at AUTH", stage: stageAuth, give: "432 4.7.12 A password transition is needed", want: domain.KindAuth, wantRetry: true},
		{name: "538 at AUTH", stage: stageAuth, give: "538 Encryption required for requested authentication mechanism", want: domain.KindAuthRequired},
		// Enhanced-code refinements.
		{name: "5.7.8 refines any code", stage: stageAuth, give: "554 5.7.8 Authentication credentials invalid", want: domain.KindCredentialsInvalid},
		{name: "4.7.8", stage: stageAuth, give: "454 4.7.8 try later", want: domain.KindAuth, wantRetry: true},
		{name: "5.7.9", stage: stageAuth, give: "535 5.7.9 Mechanism too weak", want: domain.KindAuthMethodNotSupported},
		{name: "535 5.7.0 at AUTH (older Postfix)", stage: stageAuth, give: "535 5.7.0 Error: authentication failed", want: domain.KindCredentialsInvalid},
		{name: "530 5.7.0 at AUTH", stage: stageAuth, give: "530 5.7.0 Authentication required", want: domain.KindAuthRequired},
		{name: "5.7.11", stage: stageAuth, give: "535 5.7.11 Encryption required", want: domain.KindAuthRequired},
		{name: "5.3.4 at DATA end", stage: stageBody, give: "554 5.3.4 Message too big for system", want: domain.KindMessageTooLarge},
		{name: "5.3.4 at RCPT", stage: stageRcpt, give: "552 5.3.4 Message too big", want: domain.KindMessageTooLarge},
		{name: "5.2.3", stage: stageBody, give: "554 5.2.3 Message length exceeds administrative limit", want: domain.KindMessageTooLarge},
		{name: "4.7.28 at MAIL", stage: stageMail, give: "450 4.7.28 Rate limited", want: domain.KindServerRateLimit, wantRetry: true},
		{name: "4.7.0 at MAIL is a policy refusal, not a rate limit", stage: stageMail, give: "451 4.7.0 Slow down", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "4.7.28 at MAIL", stage: stageMail, give: "451 4.7.28 Flood", want: domain.KindServerRateLimit, wantRetry: true},
		{name: "454 4.7.0 at STARTTLS", stage: stageStartTLS, give: "454 4.7.0 TLS not available", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "4.7.0 at RCPT", stage: stageRcpt, give: "450 4.7.0 Greylisted", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "5.1.7 at MAIL", stage: stageMail, give: "553 5.1.7 Bad sender address syntax", want: domain.KindInvalidFromAddress},
		{name: "5.1.1 at RCPT", stage: stageRcpt, give: "554 5.1.1 No such user", want: domain.KindInvalidRecipientAddress},
		{name: "5.1.3 at RCPT", stage: stageRcpt, give: "501 5.1.3 Bad recipient address syntax", want: domain.KindInvalidRecipientAddress},
		{name: "5.1.0 at MAIL", stage: stageMail, give: "550 5.1.0 Sender rejected", want: domain.KindInvalidFromAddress},
		{name: "5.6.7", stage: stageRcpt, give: "553 5.6.7 Non-ASCII addresses not permitted", want: domain.KindCapabilityMismatch},
		{name: "unknown enhanced falls back", stage: stageBody, give: "554 5.6.0 Content error", want: domain.KindPermanentFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := parsed(t, tt.give)
			e := negativeReplyError(tt.stage, r)
			if e == nil {
				t.Fatalf("negativeReplyError(%s, %q) = nil", tt.stage, tt.give)
			}
			if e.Kind != tt.want {
				t.Errorf("negativeReplyError(%s, %q).Kind = %v, want %v", tt.stage, tt.give, e.Kind, tt.want)
			}
			if domain.IsTemporary(e) != tt.wantRetry || domain.IsPermanent(e) == tt.wantRetry {
				t.Errorf("IsTemporary = %v, IsPermanent = %v, want temporary %v", domain.IsTemporary(e), domain.IsPermanent(e), tt.wantRetry)
			}
			if e.Code != r.Code || e.Enhanced != r.Enhanced || e.Op != string(tt.stage) || e.Message != r.Text() {
				t.Errorf("ReplyError fields = %+v, want code %d enhanced %v op %s message %q", e, r.Code, r.Enhanced, tt.stage, r.Text())
			}
			if !strings.Contains(e.Error(), fmt.Sprint(r.Code)) || !strings.Contains(e.Error(), r.Enhanced.String()) {
				t.Errorf("Error() = %q lacks the reply code or enhanced code", e.Error())
			}
		})
	}
}

func TestReplyErrorPositive(t *testing.T) {
	for _, give := range []string{"220 ready", "250 ok", "354 go ahead", "334 VXNlcm5hbWU6"} {
		if e := negativeReplyError(stageData, parsed(t, give)); e != nil {
			t.Errorf("negativeReplyError(%q) = %v, want nil", give, e)
		}
	}
	if e := negativeReplyError(stageData, nil); e != nil {
		t.Errorf("negativeReplyError(nil) = %v, want nil", e)
	}
}

func TestReplyErrorMultiline(t *testing.T) {
	r := parsed(t, "550-5.1.1 The email account that you tried to reach does not exist.", "550 5.1.1 https://support.google.com/mail/?p=NoSuchUser")
	e := negativeReplyError(stageRcpt, r)
	if e.Kind != domain.KindInvalidRecipientAddress || e.Enhanced.String() != "5.1.1" {
		t.Fatalf("got %v %v", e.Kind, e.Enhanced)
	}
	want := "The email account that you tried to reach does not exist. https://support.google.com/mail/?p=NoSuchUser"
	if e.Message != want {
		t.Errorf("Message = %q, want %q", e.Message, want)
	}
}
