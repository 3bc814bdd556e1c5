package tcp

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

const (
	maxCommandLength = 512 // RFC 5321 command line, CRLF included
	maxAuthRounds    = 10  // server challenges answered in one AUTH exchange
)

// authenticate runs AUTH (RFC 4954) when there are credentials. It refuses,
// before sending anything, to authenticate over a connection without TLS
// unless Config.AllowInsecureAuth is set, whatever the mechanism.
//
// Once there are credentials it is an smtp.auth span (its mechanism AuthAuto
// when none was chosen), which ends here when the server accepts them and
// otherwise in Open, with the error Open's caller gets.
func (s *Session) authenticate(ctx context.Context) error {
	if s.t.creds == nil {
		return nil
	}
	creds, err := s.t.creds.Credentials(ctx)
	if err != nil {
		return authError(err, "credentials")
	}
	if creds.IsZero() {
		return nil
	}
	// From here on a server may quote the secret back, in a refusal or any
	// later reply: scrub it from the transcript and from every error.
	s.w.scrub = creds.Scrubber()
	tokens := creds.Type == domain.CredentialXOAuth2 || creds.Type == domain.CredentialOAuthBearer
	mech, client, err := s.authClient(creds)
	_, s.trace.auth = s.t.start(ctx, ports.StageAuth, ports.Attrs{Mechanism: mech})
	if err != nil {
		return err
	}
	if err := s.exchange(mech, client); err != nil {
		// Only a refused token is worth a refresh (specification 8.3.2).
		s.refused = s.refused && tokens
		return err
	}
	end(s.trace.auth, nil)
	s.trace.auth = nil
	s.info.AuthMechanism = mech
	s.info.AuthenticatedAs = creds.Username
	return nil
}

// authClient checks that authentication may go ahead, chooses the
// mechanism and makes its SASL client. mech is AuthAuto when the failure came
// before the choice.
func (s *Session) authClient(creds domain.Credentials) (mech domain.AuthMechanism, c ports.SASLClient, err error) {
	op := string(stageAuth)
	if !s.secure && !s.cfg.AllowInsecureAuth {
		return domain.AuthAuto, nil, domain.NewError(domain.KindAuthRequired, op,
			"refusing to authenticate over a connection without TLS (set AllowInsecureAuth to permit it)")
	}
	if len(s.caps.AuthRaw) == 0 {
		return domain.AuthAuto, nil, domain.NewError(domain.KindAuthMethodNotSupported, op, "server does not offer AUTH")
	}
	mech, err = s.t.auth.Select(s.caps.Auth, creds, s.cfg.AuthMechanism)
	if err != nil {
		return domain.AuthAuto, nil, authError(err, op)
	}
	if !s.caps.SupportsAuth(mech) {
		return mech, nil, domain.NewError(domain.KindAuthMethodNotSupported, op, "server does not offer "+mech.String()+" (it offers "+strings.Join(s.caps.AuthRaw, " ")+")")
	}
	c, err = s.t.auth.Client(mech, creds)
	if err != nil {
		return mech, nil, authError(err, op)
	}
	return mech, c, nil
}

// exchange runs one SASL exchange. The initial response goes in the AUTH
// line unless the line would pass 512 octets; then it answers the first
// challenge. Every client response is redacted in the transcript.
func (s *Session) exchange(mech domain.AuthMechanism, c ports.SASLClient) error {
	op := string(stageAuth)
	timeout := s.cfg.Timeouts.Command
	name, ir, err := c.Start()
	if err != nil {
		return authError(err, op)
	}
	if name == "" {
		name = mech.String()
	}
	if hasControl(name) || strings.ContainsAny(name, " ") {
		return domain.NewError(domain.KindInvalidInput, op, "SASL mechanism name holds a space, CR, LF or NUL")
	}
	line, shown := "AUTH "+name, "AUTH "+name
	var deferred *string
	if ir != nil {
		enc := encodeResponse(ir, true)
		s.w.scrub.Add(enc)
		if len(line)+1+len(enc)+2 <= maxCommandLength {
			line, shown = line+" "+enc, shown+" "+domain.Redacted
		} else {
			deferred = &enc
		}
	}
	if err := s.sync(op); err != nil {
		return err
	}
	if err := s.write(op, line, shown); err != nil {
		return err
	}
	if err := s.flush(op, timeout); err != nil {
		return err
	}
	serverSaid := "" // the decoded error challenge of an OAuth mechanism
	errorChallenge := false
	for round := 0; ; round++ {
		r, err := s.reply(stageAuth, timeout)
		if err != nil {
			return err
		}
		switch {
		case r.Code == 235:
			return nil
		case r.Code >= 400:
			e := negativeReplyError(stageAuth, r)
			if serverSaid != "" {
				e.Message += " (server said " + serverSaid + ")"
			}
			s.refused = refusal(r, errorChallenge)
			return e
		case r.Code != 334:
			s.broken = true
			return replyError(stageAuth, r)
		}
		if round == maxAuthRounds {
			return s.cancelAuth(domain.NewError(domain.KindInvalidResponse, op, "more than 10 AUTH challenges"))
		}
		var resp string
		if deferred != nil {
			resp, deferred = *deferred, nil
		} else {
			challenge, err := base64.StdEncoding.DecodeString(strings.Join(r.Lines, ""))
			if err != nil {
				return s.cancelAuth(domain.NewError(domain.KindInvalidResponse, op, "AUTH challenge is not valid base64"))
			}
			if mech.UsesToken() {
				// The initial response says everything: a challenge is the
				// error status, and the server must end the exchange after
				// the client's answer to it (RFC 7628 section 3.2.3).
				if errorChallenge {
					return s.cancelAuth(domain.NewError(domain.KindUnexpectedResponse, op, "another AUTH challenge after the error challenge (server said "+serverSaid+")"))
				}
				errorChallenge, serverSaid = true, printable(challenge)
			}
			// The client answers every challenge, an OAuth error challenge
			// too (XOAUTH2 with an empty response, OAUTHBEARER with %x01:
			// the SASL clients of adapters/auth); the session relays it.
			out, err := c.Next(challenge)
			if err != nil {
				return s.cancelAuth(authError(err, op))
			}
			resp = encodeResponse(out, false)
		}
		s.w.scrub.Add(resp)
		if err := s.write(op, resp, domain.Redacted); err != nil {
			return err
		}
		if err := s.flush(op, timeout); err != nil {
			return err
		}
	}
}

// refusal reports whether the final reply r of an AUTH exchange refuses
// the credentials themselves: a 535 or a 5.7.8, or any 5xx after the error
// challenge of XOAUTH2 or OAUTHBEARER. A 4xx is a temporary failure and
// another 5xx (534, 538, 504 ...) is about the mechanism, not the secret.
func refusal(r *smtpReply, errorChallenge bool) bool {
	if r.Code < 500 {
		return false
	}
	return r.Code == 535 || r.Enhanced == domain.EnhancedCode{Class: 5, Subject: 7, Detail: 8} || errorChallenge
}

// cancelAuth sends "*" to abandon the exchange, reads the server's answer
// and returns e.
func (s *Session) cancelAuth(e *domain.Error) error {
	op := string(stageAuth)
	if s.write(op, "*", "*") == nil && s.flush(op, s.cfg.Timeouts.Command) == nil {
		_, _ = s.reply(stageAuth, s.cfg.Timeouts.Command)
	}
	return e
}

// encodeResponse encodes a SASL response in base64; an empty initial
// response is "=" (RFC 4954 section 4), an empty later one an empty line.
func encodeResponse(b []byte, initial bool) string {
	if len(b) == 0 {
		if initial {
			return "="
		}
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

// authError makes err a *domain.Error of an auth kind; the cause is kept,
// and SASL clients never put the secret in their errors.
func authError(err error, op string) *domain.Error {
	if de := domain.AsError(err); de != nil {
		return de
	}
	return &domain.Error{Kind: domain.KindAuth, Op: op, Err: err}
}

// printable keeps the printable ASCII of b, at most 200 characters, for an
// error message.
func printable(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if sb.Len() == 200 {
			sb.WriteString("...")
			break
		}
		if c >= 0x20 && c < 0x7f {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}
