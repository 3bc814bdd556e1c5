package domain_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
)

func emails(list []domain.Address) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Email()
	}
	return out
}

func TestBuilderSetsEveryField(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.pdf")
	logo := filepath.Join(dir, "logo.png")
	for _, p := range []string{report, logo} {
		if err := os.WriteFile(p, []byte("data"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	date := time.Date(2025, 12, 9, 10, 0, 0, 0, time.UTC)
	body := strings.NewReader("streamed")

	e, err := domain.NewEmail().
		From("Alice <alice@example.com>").
		Sender("bounces@example.com").
		To("bob@example.com", "Carol <carol@example.org>").
		To([]string{"dave@example.net"}...).
		Cc("erin@example.com").
		Cc([]string{"frank@example.com"}...).
		Bcc("grace@example.com").
		Bcc([]string{"heidi@example.com"}...).
		ReplyTo("replies@example.com").
		ToAddress(domain.MustParseAddress("ivan@example.com")).
		FromAddress(domain.MustParseAddress("Alice <alice@example.com>")).
		Subject("Quarterly report ✓").
		Text("plain body").
		HTML("<p>html body</p>").
		AttachFile(report, "").
		AttachBytes("notes.txt", "text/plain; charset=utf-8", []byte("notes")).
		AttachReader("stream.bin", "application/octet-stream", body).
		InlineImage("logo1", "image/png", []byte("png")).
		InlineFile("logo2", logo, "image/png").
		Header("X-Campaign", "q4").
		Header("X-Campaign", "second").
		MessageID("abc123@example.com").
		InReplyTo("parent@example.com").
		References("root@example.com", "parent@example.com").
		Priority(domain.PriorityHigh).
		Date(date).
		Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"From", e.From.String(), `"Alice" <alice@example.com>`},
		{"Sender", e.Sender.Email(), "bounces@example.com"},
		{"To", emails(e.To), []string{"bob@example.com", "carol@example.org", "dave@example.net", "ivan@example.com"}},
		{"Cc", emails(e.Cc), []string{"erin@example.com", "frank@example.com"}},
		{"Bcc", emails(e.Bcc), []string{"grace@example.com", "heidi@example.com"}},
		{"ReplyTo", emails(e.ReplyTo), []string{"replies@example.com"}},
		{"Subject", e.Subject, "Quarterly report ✓"},
		{"TextBody", e.TextBody, "plain body"},
		{"HTMLBody", e.HTMLBody, "<p>html body</p>"},
		{"attachments", len(e.Attachments), 3},
		{"file name", e.Attachments[0].Filename, "report.pdf"},
		{"file source", e.Attachments[0].Content.Type(), domain.SourceFile},
		{"file path", e.Attachments[0].Content.Path(), report},
		{"bytes name", e.Attachments[1].Filename, "notes.txt"},
		{"bytes type", e.Attachments[1].ContentType, "text/plain; charset=utf-8"},
		{"bytes source", e.Attachments[1].Content.Type(), domain.SourceBytes},
		{"bytes data", string(e.Attachments[1].Content.Bytes()), "notes"},
		{"reader source", e.Attachments[2].Content.Type(), domain.SourceReader},
		{"reader", e.Attachments[2].Content.Reader() == body, true},
		{"inline images", len(e.InlineImages), 2},
		{"inline bytes", e.InlineImages[0].ContentID + " " + string(e.InlineImages[0].Content.Bytes()), "logo1 png"},
		{"inline file", e.InlineImages[1].Filename + " " + e.InlineImages[1].Content.Path(), "logo.png " + logo},
		{"headers", e.Headers, []domain.Header{{Name: "X-Campaign", Value: "q4"}, {Name: "X-Campaign", Value: "second"}}},
		{"MessageID", e.MessageID, "abc123@example.com"},
		{"InReplyTo", e.InReplyTo, "parent@example.com"},
		{"References", e.References, []string{"root@example.com", "parent@example.com"}},
		{"Priority", e.Priority, domain.PriorityHigh},
		{"Date", e.Date, date},
		{"EnvelopeFrom", e.EnvelopeFrom().Email(), "bounces@example.com"},
		{"Recipients", emails(e.Recipients()), []string{
			"bob@example.com", "carol@example.org", "dave@example.net", "ivan@example.com",
			"erin@example.com", "frank@example.com", "grace@example.com", "heidi@example.com",
		}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if err := e.Validate(); err != nil {
		t.Errorf("a built Email does not pass Validate: %v", err)
	}
}

func TestBuildReportsEveryProblem(t *testing.T) {
	_, err := domain.NewEmail().
		From("not an address").
		To("bob@@example.com").
		Cc("carol@example.com").
		Subject("hi\r\nBcc: victim@example.com").
		Header("Bad:Name", "x").
		Header("Content-Type", "text/html").
		AttachReader("x.bin", "", nil).
		AttachFile(filepath.Join(t.TempDir(), "missing.pdf"), "").
		Priority(9).
		MessageID("no-at-sign").
		Build()
	if err == nil {
		t.Fatal("Build() = nil error")
	}
	want := []domain.Kind{
		domain.KindInvalidFromAddress,      // From
		domain.KindInvalidRecipientAddress, // To
		domain.KindInvalidHeader,           // Subject
		domain.KindInvalidHeader,           // header name
		domain.KindInvalidHeader,           // reserved header
		domain.KindAttachment,              // nil reader
		domain.KindAttachment,              // missing file
		domain.KindInvalidInput,            // priority
		domain.KindInvalidHeader,           // message ID
	}
	if got := kindsOf(err); !sameKinds(got, want) {
		t.Errorf("Build() kinds = %v, want %v\n%v", got, want, err)
	}
	for _, k := range []domain.Kind{domain.KindInvalidFromAddress, domain.KindInvalidRecipientAddress, domain.KindInvalidHeader, domain.KindAttachment, domain.KindInvalidInput, domain.KindMessage} {
		if !errors.Is(err, k) {
			t.Errorf("errors.Is(err, %v) = false", k)
		}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("the missing file's cause is lost")
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Error("errors.As finds no *domain.Error")
	}
}

func TestBuildDoesNotRepeatParseFailures(t *testing.T) {
	tests := []struct {
		name string
		b    *domain.EmailBuilder
		want []domain.Kind
	}{
		{name: "bad From only", b: domain.NewEmail().From("bad").To("a@example.com"), want: []domain.Kind{domain.KindInvalidFromAddress}},
		{name: "missing From", b: domain.NewEmail().To("a@example.com"), want: []domain.Kind{domain.KindInvalidFromAddress}},
		{name: "bad From then good", b: domain.NewEmail().From("bad").From("a@example.com").To("b@example.com"), want: []domain.Kind{domain.KindInvalidFromAddress}},
		{name: "bad recipient only", b: domain.NewEmail().From("a@example.com").To("bad"), want: []domain.Kind{domain.KindInvalidRecipientAddress}},
		{name: "bad Bcc only", b: domain.NewEmail().From("a@example.com").Bcc("bad"), want: []domain.Kind{domain.KindInvalidRecipientAddress}},
		{name: "no recipients", b: domain.NewEmail().From("a@example.com"), want: []domain.Kind{domain.KindInvalidRecipientAddress}},
		{
			name: "bad Reply-To does not excuse missing recipients", b: domain.NewEmail().From("a@example.com").ReplyTo("bad"),
			want: []domain.Kind{domain.KindInvalidRecipientAddress, domain.KindInvalidRecipientAddress},
		},
		{name: "bad Sender", b: domain.NewEmail().From("a@example.com").Sender("bad").To("b@example.com"), want: []domain.Kind{domain.KindInvalidFromAddress}},
		{name: "nothing at all", b: domain.NewEmail(), want: []domain.Kind{domain.KindInvalidFromAddress, domain.KindInvalidRecipientAddress}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.b.Build()
			if got := kindsOf(err); !sameKinds(got, tt.want) {
				t.Errorf("Build() kinds = %v, want %v\n%v", got, tt.want, err)
			}
		})
	}
}

func TestBuildResultIsIndependent(t *testing.T) {
	b := domain.NewEmail().From("a@example.com").To("b@example.com").Header("X-A", "1").References("r1@example.com")
	first, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.To("c@example.com").Header("X-B", "2").Build()
	if err != nil {
		t.Fatal(err)
	}
	first.To[0] = domain.MustParseAddress("changed@example.com")
	first.Headers[0].Value = "changed"
	first.References[0] = "changed@example.com"
	if second.To[0].Email() != "b@example.com" || second.Headers[0].Value != "1" || second.References[0] != "r1@example.com" {
		t.Error("two built Emails share their slices")
	}
	if len(first.To) != 1 || len(second.To) != 2 || len(second.Headers) != 2 {
		t.Errorf("lengths: first To %d, second To %d, second Headers %d", len(first.To), len(second.To), len(second.Headers))
	}
}

func TestAttachFileAndInlineFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ok.txt")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope.txt")
	tests := []struct {
		name    string
		add     func(*domain.EmailBuilder) *domain.EmailBuilder
		wantErr bool
	}{
		{name: "attach file", add: func(b *domain.EmailBuilder) *domain.EmailBuilder { return b.AttachFile(file, "text/plain") }},
		{name: "attach missing", add: func(b *domain.EmailBuilder) *domain.EmailBuilder { return b.AttachFile(missing, "") }, wantErr: true},
		{name: "attach directory", add: func(b *domain.EmailBuilder) *domain.EmailBuilder { return b.AttachFile(dir, "") }, wantErr: true},
		{name: "inline file", add: func(b *domain.EmailBuilder) *domain.EmailBuilder { return b.InlineFile("cid1", file, "image/png") }},
		{name: "inline missing", add: func(b *domain.EmailBuilder) *domain.EmailBuilder { return b.InlineFile("cid1", missing, "") }, wantErr: true},
		{name: "inline directory", add: func(b *domain.EmailBuilder) *domain.EmailBuilder { return b.InlineFile("cid1", dir, "") }, wantErr: true},
		{name: "nil reader", add: func(b *domain.EmailBuilder) *domain.EmailBuilder { return b.AttachReader("r.bin", "", nil) }, wantErr: true},
		{name: "reader", add: func(b *domain.EmailBuilder) *domain.EmailBuilder {
			return b.AttachReader("r.bin", "", strings.NewReader("x"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.add(domain.NewEmail().From("a@example.com").To("b@example.com")).Build()
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Build() = %v", err)
				}
				return
			}
			if got := kindsOf(err); !sameKinds(got, []domain.Kind{domain.KindAttachment}) {
				t.Errorf("Build() kinds = %v, want one KindAttachment (%v)", got, err)
			}
		})
	}
}

func TestReservedHeadersRefused(t *testing.T) {
	reserved := []string{
		"From", "sender", "TO", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To",
		"References", "MIME-Version", "content-type", "Content-Transfer-Encoding", "X-Priority", "Importance",
	}
	for _, name := range reserved {
		t.Run(name, func(t *testing.T) {
			_, err := domain.NewEmail().From("a@example.com").To("b@example.com").Header(name, "x").Build()
			if got := kindsOf(err); !sameKinds(got, []domain.Kind{domain.KindInvalidHeader}) {
				t.Errorf("Header(%q) kinds = %v, want one KindInvalidHeader", name, got)
			}
		})
	}
	for _, name := range []string{"X-Mailer", "List-Unsubscribe", "Auto-Submitted", "X-From"} {
		if _, err := domain.NewEmail().From("a@example.com").To("b@example.com").Header(name, "x").Build(); err != nil {
			t.Errorf("Header(%q) refused: %v", name, err)
		}
	}
}

func TestCheckHeaderName(t *testing.T) {
	tests := []struct {
		give    string
		wantErr bool
	}{
		{give: "X-Custom"},
		{give: "x"},
		{give: "!#$%&'*+-.^_`|~"},
		{give: "X-\"quoted\""},
		{give: strings.Repeat("X", 76)},
		{give: "", wantErr: true},
		{give: strings.Repeat("X", 77), wantErr: true},
		{give: "X-Bad:Name", wantErr: true},
		{give: "X Bad", wantErr: true},
		{give: "X-Tab\t", wantErr: true},
		{give: "X-CR\r", wantErr: true},
		{give: "X-LF\nBcc", wantErr: true},
		{give: "X-NUL\x00", wantErr: true},
		{give: "X-DEL\x7f", wantErr: true},
		{give: "X-Ünicode", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			err := domain.CheckHeaderName(tt.give)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckHeaderName(%q) = %v, want error %v", tt.give, err, tt.wantErr)
			}
			if err != nil && domain.KindOf(err) != domain.KindInvalidHeader {
				t.Errorf("kind = %v, want KindInvalidHeader", domain.KindOf(err))
			}
		})
	}
}

func TestCheckHeaderValue(t *testing.T) {
	tests := []struct {
		give    string
		wantErr bool
	}{
		{give: ""},
		{give: "plain value"},
		{give: "tab\tinside"},
		{give: "ünïcödé ✓"},
		{give: "a\rb", wantErr: true},
		{give: "a\nb", wantErr: true},
		{give: "a\r\n b", wantErr: true}, // even a folded line: folding is the encoder's job
		{give: "a\x00b", wantErr: true},
		{give: "a\x1bb", wantErr: true},
		{give: "a\x7fb", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			err := domain.CheckHeaderValue("X-Test", tt.give)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckHeaderValue(%q) = %v, want error %v", tt.give, err, tt.wantErr)
			}
			if err != nil && domain.KindOf(err) != domain.KindInvalidHeader {
				t.Errorf("kind = %v, want KindInvalidHeader", domain.KindOf(err))
			}
		})
	}
}

func TestInjectionRefused(t *testing.T) {
	valid := func() domain.Email {
		return domain.Email{
			From: domain.MustParseAddress("a@example.com"),
			To:   []domain.Address{domain.MustParseAddress("b@example.com")},
		}
	}
	bad := []string{"x\r\nBcc: evil@example.com", "x\ny", "x\rY", "x\x00y"}
	tests := []struct {
		name   string
		modify func(e *domain.Email, v string)
		want   domain.Kind
	}{
		{name: "subject", modify: func(e *domain.Email, v string) { e.Subject = v }, want: domain.KindInvalidHeader},
		{name: "header value", modify: func(e *domain.Email, v string) { e.Headers = []domain.Header{{Name: "X-A", Value: v}} }, want: domain.KindInvalidHeader},
		{name: "header name", modify: func(e *domain.Email, v string) { e.Headers = []domain.Header{{Name: "X-" + v, Value: "ok"}} }, want: domain.KindInvalidHeader},
		{name: "message ID", modify: func(e *domain.Email, v string) { e.MessageID = "a" + v + "@example.com" }, want: domain.KindInvalidHeader},
		{name: "in-reply-to", modify: func(e *domain.Email, v string) { e.InReplyTo = "a" + v + "@example.com" }, want: domain.KindInvalidHeader},
		{name: "references", modify: func(e *domain.Email, v string) { e.References = []string{"ok@example.com", v + "@x"} }, want: domain.KindInvalidHeader},
		{name: "attachment filename", modify: func(e *domain.Email, v string) {
			e.Attachments = []domain.Attachment{{Filename: "a" + v + ".txt", Content: domain.BytesSource(nil)}}
		}, want: domain.KindAttachment},
		{name: "attachment content type", modify: func(e *domain.Email, v string) {
			e.Attachments = []domain.Attachment{{Filename: "a.txt", ContentType: "text/plain" + v, Content: domain.BytesSource(nil)}}
		}, want: domain.KindAttachment},
		{name: "attachment content ID", modify: func(e *domain.Email, v string) {
			e.Attachments = []domain.Attachment{{Filename: "a.txt", ContentID: "c" + v, Content: domain.BytesSource(nil)}}
		}, want: domain.KindAttachment},
		{name: "inline content ID", modify: func(e *domain.Email, v string) {
			e.InlineImages = []domain.InlineImage{{ContentID: "c" + v, Content: domain.BytesSource(nil)}}
		}, want: domain.KindAttachment},
		{name: "inline content type", modify: func(e *domain.Email, v string) {
			e.InlineImages = []domain.InlineImage{{ContentID: "c1", ContentType: "image/png" + v, Content: domain.BytesSource(nil)}}
		}, want: domain.KindAttachment},
		{name: "inline filename", modify: func(e *domain.Email, v string) {
			e.InlineImages = []domain.InlineImage{{ContentID: "c1", Filename: v, Content: domain.BytesSource(nil)}}
		}, want: domain.KindAttachment},
	}
	for _, tt := range tests {
		for _, v := range bad {
			t.Run(tt.name, func(t *testing.T) {
				e := valid()
				tt.modify(&e, v)
				err := e.Validate()
				if got := kindsOf(err); !sameKinds(got, []domain.Kind{tt.want}) {
					t.Errorf("Validate() kinds = %v, want [%v] for %q", got, tt.want, v)
				}
				if err != nil && strings.ContainsAny(err.Error(), "\r\n\x00") {
					t.Errorf("error message carries the raw control character: %q", err.Error())
				}
			})
		}
	}
}

func TestValidateAttachmentsAndIDs(t *testing.T) {
	base := func() domain.Email {
		return domain.Email{From: domain.MustParseAddress("a@example.com"), Bcc: []domain.Address{domain.MustParseAddress("b@example.com")}}
	}
	img := func(id string) domain.InlineImage {
		return domain.InlineImage{ContentID: id, ContentType: "image/png", Content: domain.BytesSource([]byte("x"))}
	}
	tests := []struct {
		name   string
		modify func(*domain.Email)
		want   []domain.Kind
	}{
		{name: "valid", modify: func(e *domain.Email) {
			e.Attachments = []domain.Attachment{{Filename: "a.pdf", ContentType: `application/pdf; name="a.pdf"`, ContentID: "part1.abc@example.com", Content: domain.FileSource("a.pdf")}}
			e.InlineImages = []domain.InlineImage{img("logo"), img("banner")}
			e.MessageID, e.InReplyTo, e.References = "x@example.com", "y@example.com", []string{"z@example.com"}
			e.Priority = domain.PriorityLowest
		}},
		{name: "no filename", modify: func(e *domain.Email) {
			e.Attachments = []domain.Attachment{{Content: domain.BytesSource(nil)}}
		}, want: []domain.Kind{domain.KindAttachment}},
		{name: "no content", modify: func(e *domain.Email) {
			e.Attachments = []domain.Attachment{{Filename: "a.txt"}}
		}, want: []domain.Kind{domain.KindAttachment}},
		{name: "multipart content type", modify: func(e *domain.Email) {
			e.Attachments = []domain.Attachment{{Filename: "a", ContentType: "multipart/mixed; boundary=x", Content: domain.BytesSource(nil)}}
		}, want: []domain.Kind{domain.KindAttachment}},
		{name: "malformed content type", modify: func(e *domain.Email) {
			e.Attachments = []domain.Attachment{{Filename: "a", ContentType: "text/", Content: domain.BytesSource(nil)}}
		}, want: []domain.Kind{domain.KindAttachment}},
		{name: "content ID with brackets", modify: func(e *domain.Email) {
			e.Attachments = []domain.Attachment{{Filename: "a", ContentID: "<x@y>", Content: domain.BytesSource(nil)}}
		}, want: []domain.Kind{domain.KindAttachment}},
		{name: "inline without content ID", modify: func(e *domain.Email) { e.InlineImages = []domain.InlineImage{img("")} }, want: []domain.Kind{domain.KindAttachment}},
		{name: "inline without content", modify: func(e *domain.Email) {
			e.InlineImages = []domain.InlineImage{{ContentID: "c"}}
		}, want: []domain.Kind{domain.KindAttachment}},
		{name: "inline bad content type", modify: func(e *domain.Email) {
			e.InlineImages = []domain.InlineImage{{ContentID: "c", ContentType: "multipart/related", Content: domain.BytesSource(nil)}}
		}, want: []domain.Kind{domain.KindAttachment}},
		{name: "inline duplicate ID", modify: func(e *domain.Email) { e.InlineImages = []domain.InlineImage{img("a"), img("a")} }, want: []domain.Kind{domain.KindAttachment}},
		{name: "content ID too long", modify: func(e *domain.Email) { e.InlineImages = []domain.InlineImage{img(strings.Repeat("c", 251))} }, want: []domain.Kind{domain.KindAttachment}},
		{name: "message ID without at", modify: func(e *domain.Email) { e.MessageID = "nope" }, want: []domain.Kind{domain.KindInvalidHeader}},
		{name: "message ID with brackets", modify: func(e *domain.Email) { e.MessageID = "<x@example.com>" }, want: []domain.Kind{domain.KindInvalidHeader}},
		{name: "message ID with space", modify: func(e *domain.Email) { e.InReplyTo = "x y@example.com" }, want: []domain.Kind{domain.KindInvalidHeader}},
		{name: "message ID non-ASCII", modify: func(e *domain.Email) { e.References = []string{"ü@example.com"} }, want: []domain.Kind{domain.KindInvalidHeader}},
		{name: "priority too high", modify: func(e *domain.Email) { e.Priority = 6 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "zero address in list", modify: func(e *domain.Email) { e.Cc = []domain.Address{{}} }, want: []domain.Kind{domain.KindInvalidRecipientAddress}},
		{name: "zero Reply-To", modify: func(e *domain.Email) { e.ReplyTo = []domain.Address{{}} }, want: []domain.Kind{domain.KindInvalidRecipientAddress}},
		{name: "no From", modify: func(e *domain.Email) { e.From = domain.Address{} }, want: []domain.Kind{domain.KindInvalidFromAddress}},
		{name: "no recipient", modify: func(e *domain.Email) { e.Bcc = nil }, want: []domain.Kind{domain.KindInvalidRecipientAddress}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base()
			tt.modify(&e)
			err := e.Validate()
			if got := kindsOf(err); !sameKinds(got, tt.want) {
				t.Errorf("Validate() kinds = %v, want %v (%v)", got, tt.want, err)
			}
			if err != nil && !errors.Is(err, domain.KindMessage) {
				t.Errorf("error %v is not in the message category", err)
			}
		})
	}
}

func TestRecipientsDedupe(t *testing.T) {
	e, err := domain.NewEmail().
		From("a@example.com").
		To("Bob <bob@example.com>", "carol@example.com", "bob@EXAMPLE.com").
		Cc("carol@example.com", "dave@bücher.de").
		Bcc("Bob Again <bob@example.com>", "dave@xn--bcher-kva.de", "erin@example.com", "Bob@example.com").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	got := emails(e.Recipients())
	want := []string{"bob@example.com", "carol@example.com", "dave@bücher.de", "erin@example.com", "Bob@example.com"}
	if !slices.Equal(got, want) {
		t.Errorf("Recipients() = %q, want %q", got, want)
	}
	if len(e.To) != 3 || len(e.Bcc) != 4 {
		t.Error("Recipients changed the lists")
	}
}

func TestRecipientsDedupeMany(t *testing.T) {
	var e domain.Email
	for i := range 3000 {
		a := domain.MustParseAddress("user" + strconv.Itoa(i%1000) + "@Example.com")
		switch i % 3 {
		case 0:
			e.To = append(e.To, a)
		case 1:
			e.Cc = append(e.Cc, a)
		default:
			e.Bcc = append(e.Bcc, a)
		}
	}
	got := e.Recipients()
	if len(got) != 1000 {
		t.Fatalf("Recipients() has %d addresses, want 1000", len(got))
	}
	// To holds users 0, 3, 6 ... and comes first; Cc and Bcc add the rest.
	seen := map[string]bool{}
	for i, a := range got {
		seen[a.Email()] = true
		if i < 334 {
			if want := "user" + strconv.Itoa(3*i) + "@Example.com"; a.Email() != want {
				t.Fatalf("Recipients()[%d] = %q, want %q (To first, in order)", i, a.Email(), want)
			}
		}
	}
	if len(seen) != 1000 {
		t.Errorf("Recipients() holds %d distinct mailboxes, want 1000", len(seen))
	}
}

func TestEnvelopeFrom(t *testing.T) {
	e := domain.Email{From: domain.MustParseAddress("author@example.com")}
	if got := e.EnvelopeFrom().Email(); got != "author@example.com" {
		t.Errorf("EnvelopeFrom() without Sender = %q", got)
	}
	e.Sender = domain.MustParseAddress("bounce@example.com")
	if got := e.EnvelopeFrom().Email(); got != "bounce@example.com" {
		t.Errorf("EnvelopeFrom() with Sender = %q", got)
	}
}

func TestEmailNeedsSMTPUTF8(t *testing.T) {
	ascii := domain.MustParseAddress("a@example.com")
	utf := domain.MustParseAddress("jörg@example.com")
	idn := domain.MustParseAddress("a@bücher.de")
	named := domain.MustParseAddress("Jörg <j@example.com>")
	tests := []struct {
		name string
		give domain.Email
		want bool
	}{
		{name: "all ASCII", give: domain.Email{From: ascii, To: []domain.Address{ascii}}},
		{name: "IDN domain only", give: domain.Email{From: idn, To: []domain.Address{idn}}},
		{name: "non-ASCII name only", give: domain.Email{From: named, To: []domain.Address{named}}},
		{name: "From", give: domain.Email{From: utf, To: []domain.Address{ascii}}, want: true},
		{name: "From behind ASCII Sender", give: domain.Email{From: utf, Sender: ascii, To: []domain.Address{ascii}}, want: true},
		{name: "Sender", give: domain.Email{From: ascii, Sender: utf, To: []domain.Address{ascii}}, want: true},
		{name: "To", give: domain.Email{From: ascii, To: []domain.Address{ascii, utf}}, want: true},
		{name: "Cc", give: domain.Email{From: ascii, Cc: []domain.Address{utf}}, want: true},
		{name: "Bcc", give: domain.Email{From: ascii, Bcc: []domain.Address{utf}}, want: true},
		{name: "Reply-To", give: domain.Email{From: ascii, To: []domain.Address{ascii}, ReplyTo: []domain.Address{utf}}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give.NeedsSMTPUTF8(); got != tt.want {
				t.Errorf("NeedsSMTPUTF8() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSourcesAndEnums(t *testing.T) {
	var zero domain.Source
	if zero.Type() != 0 || zero.Bytes() != nil || zero.Path() != "" || zero.Reader() != nil {
		t.Error("the zero Source is not empty")
	}
	priorities := map[domain.Priority]string{
		domain.PriorityNone: "none", domain.PriorityHighest: "highest", domain.PriorityHigh: "high",
		domain.PriorityNormal: "normal", domain.PriorityLow: "low", domain.PriorityLowest: "lowest", 9: "none",
	}
	for p, want := range priorities {
		if got := p.String(); got != want {
			t.Errorf("Priority(%d).String() = %q, want %q", p, got, want)
		}
	}
}

func TestNewMessageID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := domain.NewMessageID("example.com")
		if len(id) != 26+len("@example.com") || !strings.HasSuffix(id, "@example.com") || seen[id] {
			t.Fatalf("NewMessageID = %q (seen before: %v)", id, seen[id])
		}
		if err := domain.CheckMessageID(id); err != nil {
			t.Fatalf("NewMessageID gave an invalid ID %q: %v", id, err)
		}
		seen[id] = true
	}
	for _, host := range []string{"", "[127.0.0.1]"} {
		if id := domain.NewMessageID(host); !strings.HasSuffix(id, "@localhost") {
			t.Errorf("NewMessageID(%q) = %q; want @localhost", host, id)
		}
	}
	if _, err := domain.MessageIDFrom(strings.NewReader("short"), "x"); err == nil {
		t.Error("MessageIDFrom with a failing reader succeeded")
	}
}
