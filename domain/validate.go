package domain

import (
	"errors"
	"mime"
	"strings"
)

// reservedHeaders are written by the encoder from Email's own fields; a
// custom header of that name would duplicate or break them.
var reservedHeaders = map[string]string{
	"from": "From", "sender": "Sender", "to": "To", "cc": "Cc", "bcc": "Bcc", "reply-to": "ReplyTo",
	"subject": "Subject", "date": "Date", "message-id": "MessageID", "in-reply-to": "InReplyTo",
	"references": "References", "mime-version": "", "content-type": "", "content-transfer-encoding": "",
	"x-priority": "Priority", "importance": "Priority",
}

// Validate checks every field and reports every problem at once, joined
// with errors.Join; each is an *Error of a Message kind
// (KindInvalidFromAddress, KindInvalidRecipientAddress, KindInvalidHeader,
// KindAttachment, KindInvalidInput). It returns nil for a valid Email.
func (e *Email) Validate() error { return errors.Join(e.problems(false, false)...) }

// problems lists what Validate reports; the builder skips "From is
// required" and "a recipient is required" when it has already reported the
// address that failed to parse.
func (e *Email) problems(skipFrom, skipRcpt bool) []error {
	var errs []error
	add := func(k Kind, msg string) { errs = append(errs, &Error{Kind: k, Op: "validate", Message: msg}) }
	if e.From.IsZero() && !skipFrom {
		add(KindInvalidFromAddress, "From is required")
	}
	if len(e.To)+len(e.Cc)+len(e.Bcc) == 0 && !skipRcpt {
		add(KindInvalidRecipientAddress, "at least one To, Cc or Bcc recipient is required")
	}
	for _, list := range [][]Address{e.To, e.Cc, e.Bcc, e.ReplyTo} {
		for _, a := range list {
			if a.IsZero() {
				add(KindInvalidRecipientAddress, "an address list holds an empty address")
			}
		}
	}
	if err := CheckHeaderValue("Subject", e.Subject); err != nil {
		errs = append(errs, err)
	}
	for _, h := range e.Headers {
		if err := CheckHeaderName(h.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		if field, ok := reservedHeaders[strings.ToLower(h.Name)]; ok {
			msg := "header " + h.Name + " is written by the encoder and cannot be set as a custom header"
			if field != "" {
				msg += "; use the Email field " + field
			}
			add(KindInvalidHeader, msg)
			continue
		}
		if err := CheckHeaderValue(h.Name, h.Value); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range append([]string{e.MessageID, e.InReplyTo}, e.References...) {
		if id != "" {
			if err := CheckMessageID(id); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if e.Priority > PriorityLowest {
		add(KindInvalidInput, "priority must be between 1 and 5")
	}
	for i := range e.Attachments {
		errs = append(errs, validateAttachment(&e.Attachments[i])...)
	}
	seen := map[string]bool{}
	for i := range e.InlineImages {
		img := &e.InlineImages[i]
		errs = append(errs, validateInline(img)...)
		if seen[img.ContentID] {
			add(KindAttachment, "inline image Content-ID "+quoteForError(img.ContentID)+" used twice")
		}
		seen[img.ContentID] = true
	}
	return errs
}

func validateAttachment(a *Attachment) []error {
	var errs []error
	add := func(msg string) { errs = append(errs, &Error{Kind: KindAttachment, Op: "validate", Message: msg}) }
	if a.Filename == "" {
		add("attachment needs a filename")
	} else if hasControl(a.Filename) {
		add("attachment filename " + quoteForError(a.Filename) + " contains a control character")
	}
	if a.ContentType != "" {
		if err := checkMediaType(a.ContentType); err != nil {
			add("attachment " + quoteForError(a.Filename) + ": " + err.Error())
		}
	}
	if a.ContentID != "" {
		if err := CheckContentID(a.ContentID); err != nil {
			errs = append(errs, err)
		}
	}
	if a.Content.Type() == 0 {
		add("attachment " + quoteForError(a.Filename) + " has no content")
	}
	return errs
}

func validateInline(img *InlineImage) []error {
	var errs []error
	add := func(msg string) { errs = append(errs, &Error{Kind: KindAttachment, Op: "validate", Message: msg}) }
	if err := CheckContentID(img.ContentID); err != nil {
		errs = append(errs, err)
	}
	if img.ContentType != "" {
		if err := checkMediaType(img.ContentType); err != nil {
			add("inline image " + quoteForError(img.ContentID) + ": " + err.Error())
		}
	}
	if hasControl(img.Filename) {
		add("inline image filename contains a control character")
	}
	if img.Content.Type() == 0 {
		add("inline image " + quoteForError(img.ContentID) + " has no content")
	}
	return errs
}

func checkMediaType(ct string) error {
	if hasControl(ct) {
		return errors.New("content type contains a control character")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return errors.New("invalid content type " + quoteForError(ct))
	}
	if strings.HasPrefix(mt, "multipart/") {
		return errors.New("content type must not be multipart")
	}
	return nil
}

// CheckHeaderName reports whether name is an RFC 5322 field name: 1 to 76
// printable ASCII characters other than ":" (76 keeps "Name: " folding
// possible). Errors are *Error of KindInvalidHeader.
func CheckHeaderName(name string) error {
	if name == "" || len(name) > 76 {
		return &Error{Kind: KindInvalidHeader, Op: "validate", Message: "header name must be 1 to 76 characters"}
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return &Error{Kind: KindInvalidHeader, Op: "validate", Message: "header name " + quoteForError(name) + " has a character not allowed by RFC 5322"}
		}
	}
	return nil
}

// CheckHeaderValue refuses CR, LF, NUL and other control characters
// (horizontal tab excepted) in a header value, so no value can start a new
// header line. Errors are *Error of KindInvalidHeader.
func CheckHeaderValue(name, value string) error {
	for _, r := range value {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return &Error{Kind: KindInvalidHeader, Op: "validate", Message: "header " + name + " contains a control character " + quoteRune(r)}
		}
	}
	return nil
}

// CheckMessageID accepts "left@right" message IDs without angle brackets:
// printable ASCII, no space, "<" or ">". Errors are *Error of
// KindInvalidHeader.
func CheckMessageID(id string) error {
	if !isIDText(id) || !strings.Contains(id, "@") {
		return &Error{Kind: KindInvalidHeader, Op: "validate", Message: "message ID " + quoteForError(id) + " must be printable ASCII of the form left@right, without spaces or angle brackets"}
	}
	return nil
}

// CheckContentID accepts a Content-ID without angle brackets (printable
// ASCII, no space, "<" or ">"). Errors are *Error of KindAttachment.
func CheckContentID(id string) error {
	if !isIDText(id) {
		return &Error{Kind: KindAttachment, Op: "validate", Message: "Content-ID " + quoteForError(id) + " must be printable ASCII without spaces or angle brackets"}
	}
	return nil
}

func isIDText(id string) bool {
	if id == "" || len(id) > 250 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= 32 || c >= 127 || c == '<' || c == '>' || c == '"' || c == '\\' || c == ',' {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}
