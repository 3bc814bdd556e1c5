package smtp

import "github.com/integrations/smtp/domain"

// Email is a message to send (domain.Email). Build one with NewEmail.
type Email = domain.Email

// EmailBuilder builds an Email fluently (domain.EmailBuilder): From, To,
// Cc, Bcc, Subject, Text, HTML, AttachFile, InlineImage, Header ... then
// Build, which reports every problem at once.
type EmailBuilder = domain.EmailBuilder

// Address is a validated mailbox, such as "Ann <ann@example.com>"
// (domain.Address). Make one with ParseAddress.
type Address = domain.Address

// SendResult is what the server said about a message it took
// (domain.SendResult): MessageID, the Accepted recipients, the Rejected
// ones with their codes, and the final Response.
type SendResult = domain.SendResult

// NewEmail starts a message (domain.NewEmail).
func NewEmail() *EmailBuilder { return domain.NewEmail() }

// ParseAddress parses and validates "Name <local@domain>",
// "<local@domain>" or "local@domain" (domain.ParseAddress). Errors are
// *Error of KindMessage's category.
func ParseAddress(s string) (Address, error) { return domain.ParseAddress(s) }
