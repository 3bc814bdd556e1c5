package mime

import (
	"bytes"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// pngData is a tiny PNG signature followed by bytes, enough to be sniffed.
var pngData = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

// binaryData holds every octet value, so base64 round trips are byte-exact.
var binaryData = func() []byte {
	b := make([]byte, 1000)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

var longFilename = strings.Repeat("ünïcödé-", 36) + "rapport.pdf" // 300 characters

// encCase is one message of the shared table: golden files, Go and
// Python round trips all use it.
type encCase struct {
	name      string
	email     func(t testing.TB) *domain.Email
	opts      ports.EncodeOptions
	structure string // Content-Type tree as parsedPart.structure prints it
}

func base(t testing.TB) *domain.Email {
	return &domain.Email{
		From:    addr(t, "Ann Example <ann@example.com>"),
		To:      []domain.Address{addr(t, "bob@example.org")},
		Subject: "Quarterly report",
	}
}

func encCases() []encCase {
	return []encCase{
		{
			name: "text_only",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.TextBody = "Hello Bob,\n\nthe report is attached.\n"
				return e
			},
			structure: "text/plain",
		},
		{
			name: "html_only",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.HTMLBody = "<p>Hello <b>Bob</b></p>"
				return e
			},
			structure: "text/html",
		},
		{
			name: "alternative",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.TextBody = "Hello Bob"
				e.HTMLBody = "<p>Hello Bob</p>\r\n"
				return e
			},
			structure: "multipart/alternative(text/plain,text/html)",
		},
		{
			name: "related",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.HTMLBody = `<p><img src="cid:logo@example.com"></p>`
				e.InlineImages = []domain.InlineImage{{ContentID: "logo@example.com", Content: domain.BytesSource(pngData)}}
				return e
			},
			structure: "multipart/related(text/html,image/png)",
		},
		{
			name: "alternative_related",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.TextBody = "Logo below."
				e.HTMLBody = `<p>Logo: <img src="cid:logo"></p>`
				e.InlineImages = []domain.InlineImage{{ContentID: "logo", Filename: "logo.png", Content: domain.BytesSource(pngData)}}
				return e
			},
			structure: "multipart/alternative(text/plain,multipart/related(text/html,image/png))",
		},
		{
			name: "mixed_full",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.TextBody = "See the attachments."
				e.HTMLBody = `<p>See <img src="cid:logo"> and <img src="cid:chart"></p>`
				e.InlineImages = []domain.InlineImage{{ContentID: "logo", ContentType: "image/png", Content: domain.BytesSource(pngData)}}
				e.Attachments = []domain.Attachment{
					{Filename: "report.pdf", Content: domain.BytesSource(binaryData)},
					{Filename: "chart.gif", ContentID: "chart", Content: domain.BytesSource([]byte("GIF89a...."))},
					{Filename: "data.csv", ContentType: "text/csv; charset=utf-8; header=present", Content: domain.BytesSource([]byte("a,b\r\n1,2\r\n"))},
				}
				return e
			},
			structure: "multipart/mixed(multipart/alternative(text/plain,multipart/related(text/html,image/png,image/gif)),application/pdf,text/csv)",
		},
		{
			name: "empty_body",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.Subject = ""
				return e
			},
			structure: "text/plain",
		},
		{
			name: "attachment_only",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.Attachments = []domain.Attachment{{Filename: "empty.bin", Content: domain.BytesSource(nil)}, {Filename: "blob", Content: domain.BytesSource(binaryData[:58])}}
				return e
			},
			structure: "multipart/mixed(text/plain,application/octet-stream,application/octet-stream)",
		},
		{
			name: "inline_without_html",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.TextBody = "An image without HTML."
				e.InlineImages = []domain.InlineImage{{ContentID: "img1", Content: domain.BytesSource(pngData)}}
				return e
			},
			structure: "multipart/mixed(text/plain,image/png)",
		},
		{
			name: "international",
			email: func(t testing.TB) *domain.Email {
				return &domain.Email{
					From:    addr(t, "Jörg Müller <joerg@bücher.example>"),
					To:      []domain.Address{addr(t, `"Doe, Jane" <jane@example.org>`), addr(t, "Zoë Ünal <zoe@例え.jp>")},
					Cc:      []domain.Address{addr(t, "Пётр Чайковский <pyotr@example.ru>")},
					Subject: "Grüße aus Köln — 日本語のテキストと emoji 🎉 in a subject long enough to be folded several times",
					TextBody: "Grüße,\n\nthis line has ünïcödé and an emoji 🎉.\n" +
						strings.Repeat("Ölkanne ", 20) + "\n",
					HTMLBody: "<p>Grüße 🎉</p>",
					Headers:  []domain.Header{{Name: "X-Note", Value: "Wert mit Ümlaut"}, {Name: "Comments", Value: "=?utf-8?q?not_an_encoded_word?= really"}},
				}
			},
			structure: "multipart/alternative(text/plain,text/html)",
		},
		{
			name: "international_utf8_8bit",
			email: func(t testing.TB) *domain.Email {
				return &domain.Email{
					From:     addr(t, "Jörg Müller <jörg@bücher.example>"),
					To:       []domain.Address{addr(t, "用户@例え.jp")},
					Subject:  "Grüße",
					TextBody: "Grüße,\nein Text in UTF-8.\n",
					HTMLBody: "<p>" + strings.Repeat("é", 600) + "</p>", // 1207 octets on one line: QP even with 8BITMIME
				}
			},
			opts:      ports.EncodeOptions{Allow8Bit: true, UTF8: true},
			structure: "multipart/alternative(text/plain,text/html)",
		},
		{
			name: "filenames",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.TextBody = "Files."
				e.Attachments = []domain.Attachment{
					{Filename: "résumé.pdf", Content: domain.BytesSource([]byte("%PDF-1.4"))},
					{Filename: longFilename, Content: domain.BytesSource([]byte("long"))},
					{Filename: `quote " and \ backslash.txt`, Content: domain.BytesSource([]byte("q"))},
					{Filename: "=?utf-8?q?looks_encoded?=.txt", Content: domain.BytesSource([]byte("e"))},
					{Filename: strings.Repeat("plain-ascii-", 25) + "x.TXT", Content: domain.BytesSource([]byte("a"))},
					{Filename: "报告.xlsx", Content: domain.BytesSource([]byte("x"))},
				}
				return e
			},
			structure: "multipart/mixed(text/plain,application/pdf,application/pdf,text/plain,text/plain,text/plain," +
				"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)",
		},
		{
			name: "long_lines",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.TextBody = strings.Repeat("0123456789", 120) + "\ntrailing space \nend = equals\ttab\t"
				e.HTMLBody = "<div>" + strings.Repeat("word ", 300) + "</div>"
				return e
			},
			structure: "multipart/alternative(text/plain,text/html)",
		},
		{
			name: "headers",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.Sender = addr(t, "Mailer <mailer@example.com>")
				e.To = []domain.Address{addr(t, "a@example.org"), addr(t, "B. Person <b@example.org>"), addr(t, "c@example.org"),
					addr(t, "Some Long Display Name <some.long.address@subdomain.example.org>"), addr(t, "d@example.org")}
				e.Cc = []domain.Address{addr(t, "cc@example.org")}
				e.Bcc = []domain.Address{addr(t, "secret-bcc@example.org")}
				e.ReplyTo = []domain.Address{addr(t, "replies@example.com")}
				e.Subject = "Re: " + strings.Repeat("a long ASCII subject ", 6) + "end"
				e.TextBody = "Body."
				e.MessageID = "fixed.1@example.com"
				e.InReplyTo = "parent@example.com"
				e.References = []string{"root@example.com", "a-rather-long-message-id-to-force-folding@example.com", "parent@example.com"}
				e.Priority = domain.PriorityLowest
				e.Date = time.Date(2025, 12, 24, 18, 0, 0, 0, time.UTC)
				e.Headers = []domain.Header{
					{Name: "X-Mailer", Value: "integrations/smtp"},
					{Name: "List-Unsubscribe", Value: "<https://example.com/unsubscribe?id=" + strings.Repeat("x", 120) + ">"},
					{Name: "X-Repeated", Value: "one"},
					{Name: "X-Repeated", Value: "two\twith tab"},
					{Name: "X-Empty", Value: ""},
				}
				return e
			},
			structure: "text/plain",
		},
		{
			name: "bare_newlines",
			email: func(t testing.TB) *domain.Email {
				e := base(t)
				e.TextBody = "cr\rlf\ncrlf\r\nlfcr\n\rend"
				e.Attachments = []domain.Attachment{{Filename: "a.bin", Content: domain.BytesSource([]byte("\r\n\r"))}}
				return e
			},
			structure: "multipart/mixed(text/plain,application/octet-stream)",
		},
	}
}

// attachmentsOf returns every attachment and inline image of e keyed as
// leafKey keys the parsed parts.
type wantLeaf struct {
	filename, contentType, cid, disposition string
	content                                 []byte
}

func wantLeaves(t testing.TB, e *domain.Email) map[string]wantLeaf {
	t.Helper()
	content := func(s domain.Source) []byte {
		switch s.Type() {
		case domain.SourceBytes:
			return s.Bytes()
		case domain.SourceFile:
			b, err := os.ReadFile(s.Path())
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		t.Fatalf("source type %d not comparable", s.Type())
		return nil
	}
	out := map[string]wantLeaf{}
	for _, img := range e.InlineImages {
		out["cid:"+img.ContentID] = wantLeaf{filename: img.Filename, cid: img.ContentID, disposition: "inline", content: content(img.Content)}
	}
	for _, a := range e.Attachments {
		w := wantLeaf{filename: a.Filename, cid: a.ContentID, disposition: "attachment", content: content(a.Content)}
		key := "file:" + a.Filename
		if a.ContentID != "" {
			key, w.disposition = "cid:"+a.ContentID, "inline"
		}
		out[key] = w
	}
	return out
}

// verifyGo parses data with Go's parsers and checks that it says what e
// says.
func verifyGo(t *testing.T, tc encCase, e *domain.Email, data []byte, id string) {
	t.Helper()
	msg, root := parseMessage(t, data)
	if got := root.structure(); tc.structure != "" && got != tc.structure {
		t.Errorf("structure = %s; want %s", got, tc.structure)
	}
	h := msg.Header
	if got := decodeHeader(t, h.Get("Subject")); trimBlank(got) != trimBlank(e.Subject) {
		t.Errorf("Subject = %q; want %q", got, e.Subject)
	}
	if got := h.Get("Message-Id"); got != "<"+id+">" {
		t.Errorf("Message-ID = %q; want <%s>", got, id)
	}
	wantDate := e.Date
	if wantDate.IsZero() {
		wantDate = testDate
	}
	if d, err := h.Date(); err != nil || !d.Equal(wantDate) {
		t.Errorf("Date = %v, %v; want %v", d, err, wantDate)
	}
	if h.Get("Bcc") != "" || bytes.Contains(data, []byte("secret-bcc")) {
		t.Errorf("Bcc leaked into the message")
	}
	if got := h.Get("Mime-Version"); got != "1.0" {
		t.Errorf("MIME-Version = %q", got)
	}
	checkAddrs := func(field string, want []domain.Address) {
		t.Helper()
		if len(want) == 0 {
			if h.Get(field) != "" {
				t.Errorf("%s present: %q", field, h.Get(field))
			}
			return
		}
		got, err := h.AddressList(field)
		if err != nil {
			t.Fatalf("%s %q: %v", field, h.Get(field), err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s has %d addresses; want %d", field, len(got), len(want))
		}
		for i, w := range want {
			mailbox := w.Email()
			if !tc.opts.UTF8 {
				mailbox, _ = w.ASCIIEmail()
			}
			if got[i].Name != w.Name() || got[i].Address != mailbox {
				t.Errorf("%s[%d] = %q <%s>; want %q <%s>", field, i, got[i].Name, got[i].Address, w.Name(), mailbox)
			}
		}
	}
	checkAddrs("From", []domain.Address{e.From})
	var sender []domain.Address
	if !e.Sender.IsZero() {
		sender = []domain.Address{e.Sender}
	}
	checkAddrs("Sender", sender)
	checkAddrs("To", e.To)
	checkAddrs("Cc", e.Cc)
	checkAddrs("Reply-To", e.ReplyTo)
	if e.InReplyTo != "" && h.Get("In-Reply-To") != "<"+e.InReplyTo+">" {
		t.Errorf("In-Reply-To = %q", h.Get("In-Reply-To"))
	}
	if len(e.References) > 0 {
		var want []string
		for _, r := range e.References {
			want = append(want, "<"+r+">")
		}
		if got := h.Get("References"); got != strings.Join(want, " ") {
			t.Errorf("References = %q; want %q", got, strings.Join(want, " "))
		}
	}
	if e.Priority != domain.PriorityNone {
		if got := h.Get("X-Priority"); got != xPriority[e.Priority] {
			t.Errorf("X-Priority = %q", got)
		}
	}
	custom := map[string][]string{}
	for _, c := range e.Headers {
		k := textproto.CanonicalMIMEHeaderKey(c.Name)
		custom[k] = append(custom[k], c.Value)
	}
	for name, want := range custom {
		got := h[name]
		if len(got) != len(want) {
			t.Errorf("header %s = %q; want %q", name, got, want)
			continue
		}
		for i := range want {
			if d := decodeHeader(t, got[i]); trimBlank(d) != trimBlank(want[i]) {
				t.Errorf("header %s[%d] = %q (%q); want %q", name, i, d, got[i], want[i])
			}
		}
	}

	leaves := root.leaves()
	single := len(root.children) == 0
	textSeen, htmlSeen := false, false
	wantAtt := wantLeaves(t, e)
	for _, p := range leaves {
		if p.header.Get("Content-Disposition") == "" && (p.mediaType == "text/plain" || p.mediaType == "text/html") {
			want := e.TextBody
			if p.mediaType == "text/html" {
				want, htmlSeen = e.HTMLBody, true
			} else {
				textSeen = true
			}
			if p.params["charset"] != "utf-8" {
				t.Errorf("%s charset = %q", p.mediaType, p.params["charset"])
			}
			if got := string(p.content); got != wantText(want, single) {
				t.Errorf("%s body = %q; want %q", p.mediaType, got, wantText(want, single))
			}
			continue
		}
		filename, name := p.filename(t)
		cid := strings.Trim(p.header.Get("Content-Id"), "<>")
		key := "file:" + filename
		if cid != "" {
			key = "cid:" + cid
		}
		w, ok := wantAtt[key]
		if !ok {
			t.Errorf("unexpected part %s %q", p.mediaType, key)
			continue
		}
		delete(wantAtt, key)
		if filename != w.filename || name != w.filename {
			t.Errorf("%s: filename %q, name %q; want %q", key, filename, name, w.filename)
		}
		if d, _, _ := strings.Cut(p.header.Get("Content-Disposition"), ";"); d != w.disposition {
			t.Errorf("%s: disposition %q; want %q", key, d, w.disposition)
		}
		if !bytes.Equal(p.content, w.content) {
			t.Errorf("%s: content differs (%d octets, want %d)", key, len(p.content), len(w.content))
		}
	}
	for key := range wantAtt {
		t.Errorf("part %s missing", key)
	}
	if !textSeen && (e.TextBody != "" || e.HTMLBody == "") {
		t.Errorf("text/plain part missing")
	}
	if !htmlSeen && e.HTMLBody != "" {
		t.Errorf("text/html part missing")
	}
}

// trimBlank drops the blanks parsers trim around a header value.
func trimBlank(s string) string { return strings.Trim(s, " \t") }

func TestRoundTripGo(t *testing.T) {
	for _, tc := range encCases() {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.email(t)
			enc := testEncoder(1)
			m, err := enc.Prepare(e, tc.opts)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			data := encode(t, testEncoder(1), e, tc.opts)
			if err := checkLineRules(data, tc.opts.Allow8Bit || tc.opts.UTF8); err != nil {
				t.Fatal(err)
			}
			verifyGo(t, tc, e, data, m.MessageID())
		})
	}
}

// TestFileSourceRoundTrip streams a file attachment and an inline file.
func TestFileSourceRoundTrip(t *testing.T) {
	dir := t.TempDir()
	pdf := filepath.Join(dir, "report.pdf")
	img := filepath.Join(dir, "logo.png")
	if err := os.WriteFile(pdf, bytes.Repeat(binaryData, 300), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, pngData, 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := domain.NewEmail().From("ann@example.com").To("bob@example.org").Subject("files").
		Text("t").HTML(`<img src="cid:logo">`).AttachFile(pdf, "").InlineFile("logo", img, "").Build()
	if err != nil {
		t.Fatal(err)
	}
	tc := encCase{structure: "multipart/mixed(multipart/alternative(text/plain,multipart/related(text/html,image/png)),application/pdf)"}
	m, err := testEncoder(2).Prepare(e, tc.opts)
	if err != nil {
		t.Fatal(err)
	}
	data := encode(t, testEncoder(2), e, tc.opts)
	verifyGo(t, tc, e, data, m.MessageID())
}
