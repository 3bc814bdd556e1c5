package domain

// Stage names the SMTP command a reply answers; it refines the mapping of
// reply codes to kinds (a 550 to MAIL is a bad sender, to RCPT a bad
// recipient).
type Stage string

// The stages of an SMTP session.
const (
	StageGreeting Stage = "greeting"
	StageEHLO     Stage = "ehlo"
	StageHELO     Stage = "helo"
	StageStartTLS Stage = "starttls"
	StageAuth     Stage = "auth"
	StageMail     Stage = "mail"
	StageRcpt     Stage = "rcpt"
	StageData     Stage = "data"
	StageBody     Stage = "data-end" // the reply after the final dot or the last BDAT
	StageReset    Stage = "rset"
	StageNoop     Stage = "noop"
	StageQuit     Stage = "quit"
	StageVerify   Stage = "vrfy"
)

// ReplyError maps a negative reply (4xx or 5xx) to an *Error following the
// specification's section 6.3, refined by the enhanced status code and the
// stage it answered. It returns nil for a 2xx or 3xx reply.
func ReplyError(stage Stage, r *Reply) *Error {
	if r == nil || r.Code < 400 {
		return nil
	}
	return &Error{
		Kind:     replyKind(stage, r.Code, r.Enhanced),
		Op:       string(stage),
		Code:     r.Code,
		Enhanced: r.Enhanced,
		Message:  r.Text(),
	}
}

func replyKind(stage Stage, code int, enh EnhancedCode) Kind {
	if code == 421 {
		return KindServerShutdown
	}
	if k := enhancedKind(stage, enh); k != KindUnknown {
		return k
	}
	if stage == StageAuth {
		switch code {
		case 454, 432:
			return KindAuth
		case 535:
			return KindCredentialsInvalid
		case 534, 504:
			return KindAuthMethodNotSupported
		case 538:
			return KindAuthRequired // encryption required for the mechanism
		}
	}
	switch code {
	case 450, 451, 452:
		return KindTemporaryFailure
	case 500:
		return KindProtocol
	case 501:
		if stage == StageMail {
			return KindInvalidFromAddress
		}
		if stage == StageRcpt {
			return KindInvalidRecipientAddress
		}
		return KindProtocol
	case 502:
		return KindCapabilityMismatch
	case 503:
		return KindCommandSequence
	case 504:
		return KindCapabilityMismatch
	case 530:
		return KindAuthRequired
	case 534:
		return KindAuthMethodNotSupported
	case 535:
		return KindCredentialsInvalid
	case 550, 551:
		if stage == StageMail {
			return KindInvalidFromAddress
		}
		if stage == StageRcpt {
			return KindInvalidRecipientAddress
		}
		return KindPermanentFailure
	case 552:
		if stage == StageRcpt {
			// RFC 5321 4.5.3.1.10: 552 to RCPT means too many recipients.
			return KindTemporaryFailure
		}
		return KindMessageTooLarge
	case 553:
		if stage == StageRcpt {
			return KindInvalidRecipientAddress
		}
		return KindInvalidFromAddress
	case 554:
		return KindPermanentFailure
	}
	if code >= 500 {
		return KindPermanentFailure
	}
	return KindTemporaryFailure
}

// enhancedKind refines by RFC 3463 / RFC 5248 codes where they are more
// precise than the basic code. The catch-all X.7.0 ("other security
// status") is not one of them at AUTH: older Postfix answers a wrong
// password with "535 5.7.0", and the 535 is what counts.
func enhancedKind(stage Stage, e EnhancedCode) Kind {
	if e.IsZero() {
		return KindUnknown
	}
	switch {
	case e.Subject == 7 && e.Detail == 8:
		if e.Class == 5 {
			return KindCredentialsInvalid
		}
		return KindAuth
	case e.Subject == 7 && e.Detail == 9:
		return KindAuthMethodNotSupported
	case e.Subject == 7 && e.Detail == 11:
		return KindAuthRequired // encryption required
	case e.Class == 5 && (e.Subject == 3 && e.Detail == 4 || e.Subject == 2 && e.Detail == 3):
		return KindMessageTooLarge
	case e.Class == 4 && e.Subject == 7 && e.Detail == 28 && stage != StageAuth && stage != StageStartTLS:
		return KindServerRateLimit
	case e.Class == 5 && e.Subject == 1 && (e.Detail == 7 || e.Detail == 8):
		return KindInvalidFromAddress
	case e.Class == 5 && e.Subject == 1 && stage == StageRcpt:
		return KindInvalidRecipientAddress
	case e.Class == 5 && e.Subject == 1 && stage == StageMail:
		return KindInvalidFromAddress
	case e.Subject == 6 && e.Detail == 7:
		return KindCapabilityMismatch // non-ASCII addresses not permitted (SMTPUTF8)
	}
	return KindUnknown
}
