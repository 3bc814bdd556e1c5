package tcp

import "github.com/integrations/smtp/domain"

// smtpStage names the SMTP command a reply answers; it refines the mapping of
// reply codes to kinds (a 550 to MAIL is a bad sender, to RCPT a bad
// recipient).
type smtpStage string

// The stages of an SMTP session.
const (
	stageGreeting smtpStage = "greeting"
	stageEHLO     smtpStage = "ehlo"
	stageHELO     smtpStage = "helo"
	stageStartTLS smtpStage = "starttls"
	stageAuth     smtpStage = "auth"
	stageMail     smtpStage = "mail"
	stageRcpt     smtpStage = "rcpt"
	stageData     smtpStage = "data"
	stageBody     smtpStage = "data-end" // the reply after the final dot or the last BDAT
	stageReset    smtpStage = "rset"
	stageNoop     smtpStage = "noop"
	stageQuit     smtpStage = "quit"
	stageVerify   smtpStage = "vrfy"
)

// negativeReplyError maps a negative reply (4xx or 5xx) to an *domain.Error following the
// specification's section 6.3, refined by the enhanced status code and the
// stage it answered. It returns nil for a 2xx or 3xx reply.
func negativeReplyError(stage smtpStage, r *smtpReply) *domain.Error {
	if r == nil || r.Code < 400 {
		return nil
	}
	return &domain.Error{
		Kind:     replyKind(stage, r.Code, r.Enhanced),
		Op:       string(stage),
		Code:     r.Code,
		Enhanced: r.Enhanced,
		Message:  r.Text(),
	}
}

func replyKind(stage smtpStage, code int, enh domain.EnhancedCode) domain.Kind {
	if code == 421 {
		return domain.KindServerShutdown
	}
	if k := enhancedKind(stage, enh); k != domain.KindUnknown {
		return k
	}
	if stage == stageAuth {
		switch code {
		case 454, 432:
			return domain.KindAuth
		case 535:
			return domain.KindCredentialsInvalid
		case 534, 504:
			return domain.KindAuthMethodNotSupported
		case 538:
			return domain.KindAuthRequired // encryption required for the mechanism
		}
	}
	switch code {
	case 450, 451, 452:
		return domain.KindTemporaryFailure
	case 500:
		return domain.KindProtocol
	case 501:
		if stage == stageMail {
			return domain.KindInvalidFromAddress
		}
		if stage == stageRcpt {
			return domain.KindInvalidRecipientAddress
		}
		return domain.KindProtocol
	case 502:
		return domain.KindCapabilityMismatch
	case 503:
		return domain.KindCommandSequence
	case 504:
		return domain.KindCapabilityMismatch
	case 530:
		return domain.KindAuthRequired
	case 534:
		return domain.KindAuthMethodNotSupported
	case 535:
		return domain.KindCredentialsInvalid
	case 550, 551:
		if stage == stageMail {
			return domain.KindInvalidFromAddress
		}
		if stage == stageRcpt {
			return domain.KindInvalidRecipientAddress
		}
		return domain.KindPermanentFailure
	case 552:
		if stage == stageRcpt {
			// RFC 5321 4.5.3.1.10: 552 to RCPT means too many recipients.
			return domain.KindTemporaryFailure
		}
		return domain.KindMessageTooLarge
	case 553:
		if stage == stageRcpt {
			return domain.KindInvalidRecipientAddress
		}
		return domain.KindInvalidFromAddress
	case 554:
		return domain.KindPermanentFailure
	}
	if code >= 500 {
		return domain.KindPermanentFailure
	}
	return domain.KindTemporaryFailure
}

// enhancedKind refines by RFC 3463 / RFC 5248 codes where they are more
// precise than the basic code. The catch-all X.7.0 ("other security
// status") is not one of them at AUTH: older Postfix answers a wrong
// password with "535 5.7.0", and the 535 is what counts.
func enhancedKind(stage smtpStage, e domain.EnhancedCode) domain.Kind {
	if e.IsZero() {
		return domain.KindUnknown
	}
	switch {
	case e.Subject == 7 && e.Detail == 8:
		if e.Class == 5 {
			return domain.KindCredentialsInvalid
		}
		return domain.KindAuth
	case e.Subject == 7 && e.Detail == 9:
		return domain.KindAuthMethodNotSupported
	case e.Subject == 7 && e.Detail == 11:
		return domain.KindAuthRequired // encryption required
	case e.Class == 5 && (e.Subject == 3 && e.Detail == 4 || e.Subject == 2 && e.Detail == 3):
		return domain.KindMessageTooLarge
	case e.Class == 4 && e.Subject == 7 && e.Detail == 28 && stage != stageAuth && stage != stageStartTLS:
		return domain.KindServerRateLimit
	case e.Class == 5 && e.Subject == 1 && (e.Detail == 7 || e.Detail == 8):
		return domain.KindInvalidFromAddress
	case e.Class == 5 && e.Subject == 1 && stage == stageRcpt:
		return domain.KindInvalidRecipientAddress
	case e.Class == 5 && e.Subject == 1 && stage == stageMail:
		return domain.KindInvalidFromAddress
	case e.Subject == 6 && e.Detail == 7:
		return domain.KindCapabilityMismatch // non-ASCII addresses not permitted (SMTPUTF8)
	}
	return domain.KindUnknown
}
