package main

import (
	"flag"
	"os"
	"strings"

	"github.com/integrations/smtp/domain"
)

// messageFlags are the flags that describe a message (render and send).
type messageFlags struct {
	from, replyTo, subject        string
	text, textFile, html, htmlFil string
	to, cc, bcc                   listFlag
	attach, inline, headers       listFlag
}

func (m *messageFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.from, "from", "", "author `address` (From)")
	fs.Var(&m.to, "to", "To `address` (repeatable)")
	fs.Var(&m.cc, "cc", "Cc `address` (repeatable)")
	fs.Var(&m.bcc, "bcc", "Bcc `address` (repeatable; envelope only)")
	fs.StringVar(&m.replyTo, "reply-to", "", "Reply-To `address`")
	fs.StringVar(&m.subject, "subject", "", "subject `text`")
	fs.StringVar(&m.text, "text", "", "plain-text body")
	fs.StringVar(&m.textFile, "text-file", "", "read the plain-text body from `file`")
	fs.StringVar(&m.html, "html", "", "HTML body")
	fs.StringVar(&m.htmlFil, "html-file", "", "read the HTML body from `file`")
	fs.Var(&m.attach, "attach", "attach the file at `path` (repeatable)")
	fs.Var(&m.inline, "inline", "inline image `CID=PATH` for the HTML body (repeatable)")
	fs.Var(&m.headers, "header", "custom header `\"Name: value\"` (repeatable)")
}

// checkUsage reports flag combinations that make no sense (exit 64).
func (m *messageFlags) checkUsage() error {
	if m.text != "" && m.textFile != "" {
		return &usageError{"--text and --text-file exclude each other"}
	}
	if m.html != "" && m.htmlFil != "" {
		return &usageError{"--html and --html-file exclude each other"}
	}
	if m.from == "" {
		return &usageError{"--from is required"}
	}
	if len(m.to)+len(m.cc)+len(m.bcc) == 0 {
		return &usageError{"at least one --to, --cc or --bcc is required"}
	}
	return nil
}

// build turns the flags into a validated Email; problems are *domain.Error
// of a Message kind (exit 65).
func (m *messageFlags) build() (*domain.Email, error) {
	b := domain.NewEmail().From(m.from).To(m.to...).Cc(m.cc...).Bcc(m.bcc...).Subject(m.subject)
	if m.replyTo != "" {
		b.ReplyTo(m.replyTo)
	}
	text, err := bodyFrom(m.text, m.textFile)
	if err != nil {
		return nil, err
	}
	html, err := bodyFrom(m.html, m.htmlFil)
	if err != nil {
		return nil, err
	}
	b.Text(text).HTML(html)
	for _, p := range m.attach {
		b.AttachFile(p, "")
	}
	for _, in := range m.inline {
		cid, path, ok := strings.Cut(in, "=")
		if !ok || cid == "" || path == "" {
			return nil, domain.NewError(domain.KindAttachment, "inline", "--inline wants CID=PATH, got "+quote(in))
		}
		b.InlineFile(cid, path, "")
	}
	for _, h := range m.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, domain.NewError(domain.KindInvalidHeader, "header", "--header wants \"Name: value\", got "+quote(h))
		}
		b.Header(strings.TrimSpace(name), strings.TrimLeft(value, " \t"))
	}
	return b.Build()
}

func bodyFrom(inline, file string) (string, error) {
	if file == "" {
		return inline, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", &domain.Error{Kind: domain.KindInvalidInput, Op: "read body", Message: "cannot read " + quote(file), Err: err}
	}
	return string(data), nil
}

func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return strings.NewReplacer("\r", `\r`, "\n", `\n`, "\x00", `\x00`).Replace(`"` + s + `"`)
}
