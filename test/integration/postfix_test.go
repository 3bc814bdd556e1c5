//go:build integration

package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// richEmail builds a message with every kind of part: text, HTML, an inline
// image and an attachment with a UTF-8 filename.
func richEmail(t *testing.T, marker string, to ...string) (*domain.Email, []byte, []byte) {
	t.Helper()
	img := make([]byte, 3000)
	_, _ = rand.Read(img)
	att := make([]byte, 20000)
	_, _ = rand.Read(att)
	e, err := domain.NewEmail().
		From("Ålice Sender <sender@example.test>").
		To(to...).
		Subject("Grüße — "+marker).
		Text("Hello ✓\nplain text line\n.\nA line with a dot above.\n").
		HTML(`<p>Hello <b>✓</b><img src="cid:logo@test"></p>`).
		InlineImage("logo@test", "image/png", img).
		AttachBytes("résumé ✓.bin", "application/octet-stream", att).
		Header("X-Test-Marker", marker).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	return e, img, att
}

// parts walks a received message and returns every leaf part's decoded body
// by content type (and filename for attachments).
func parts(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse received message: %v", err)
	}
	out := map[string][]byte{}
	walk(t, mail.Header(msg.Header).Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body, out)
	return out
}

func walk(t *testing.T, ctype, cte, disp string, body io.Reader, out map[string][]byte) {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("content type %q: %v", ctype, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			walk(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p, out)
		}
	}
	data := decode(t, cte, body)
	key := mt
	if _, dp, err := mime.ParseMediaType(disp); err == nil && dp["filename"] != "" {
		key += ";" + dp["filename"]
	}
	out[key] = data
}

func TestPostfixPlainListenerDeliversExactBytes(t *testing.T) {
	marker := unique(t)
	e, img, att := richEmail(t, marker, "Bob <bob@example.test>", "carol@example.test")
	e.Bcc = append(e.Bcc, domain.MustParseAddress("hidden@example.test"))
	h := newClient(t, config(t, "POSTFIX_PLAIN_ADDR", tcp.TLSNone))
	res := h.send(t, e)
	if len(res.Accepted) != 3 || len(res.Rejected) != 0 {
		t.Fatalf("result = %+v; want three accepted", res)
	}
	got := postfixMessage(t, marker)
	assertSuffix(t, got.Data, h.cap.bytes(t, res.MessageID))
	if got.Sender != "sender@example.test" || strings.Join(got.Recipients, ",") != "bob@example.test,carol@example.test,hidden@example.test" {
		t.Errorf("envelope = %q %q", got.Sender, got.Recipients)
	}
	if bytes.Contains(got.Data, []byte("hidden@example.test")) {
		t.Error("the Bcc address appears in the delivered message")
	}
	p := parts(t, got.Data)
	if !bytes.Equal(p["image/png"], img) || !bytes.Equal(p["application/octet-stream;résumé ✓.bin"], att) {
		t.Errorf("parts came back different: have %d parts %v", len(p), keys(p))
	}
	if !strings.Contains(string(p["text/plain"]), "plain text line\r\n.\r\nA line") {
		t.Errorf("text part = %q; want the lone dot line intact", p["text/plain"])
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPostfixSubmissionEveryMechanismOverSTARTTLS(t *testing.T) {
	for _, mech := range []domain.AuthMechanism{domain.AuthPlain, domain.AuthLogin, domain.AuthCRAMMD5, domain.AuthAuto} {
		t.Run(mech.String(), func(t *testing.T) {
			cfg := config(t, "POSTFIX_SUBMISSION_ADDR", tcp.TLSStartTLSRequired)
			cfg.Credentials = domain.PasswordCredentials(env(t, "SMTP_TEST_USER"), env(t, "SMTP_TEST_PASSWORD"))
			cfg.AuthMechanism = mech
			h := newClient(t, cfg)
			marker := unique(t)
			e, err := domain.NewEmail().From("sender@example.test").To("dave@example.test").Subject(marker).
				HTML("<h1>HTML only</h1>").Header("X-Test-Marker", marker).Build()
			if err != nil {
				t.Fatal(err)
			}
			res := h.send(t, e)
			got := postfixMessage(t, marker)
			assertSuffix(t, got.Data, h.cap.bytes(t, res.MessageID))
			want := mech
			if mech == domain.AuthAuto {
				want = domain.AuthCRAMMD5 // the most preferred that a password drives
			}
			if !strings.Contains(h.tr.String(), "C: AUTH "+want.String()) {
				t.Errorf("transcript has no AUTH %s:\n%s", want, h.tr)
			}
			if strings.Contains(h.tr.String(), env(t, "SMTP_TEST_PASSWORD")) {
				t.Error("the password appears in the transcript")
			}
		})
	}
}

func TestPostfixWrongPasswordIsAnAuthError(t *testing.T) {
	cfg := config(t, "POSTFIX_SUBMISSION_ADDR", tcp.TLSStartTLSRequired)
	cfg.Credentials = domain.PasswordCredentials(env(t, "SMTP_TEST_USER"), "wrong-password")
	cfg.AuthMechanism = domain.AuthPlain
	h := newClient(t, cfg)
	e, _ := domain.NewEmail().From("sender@example.test").To("dave@example.test").Subject("x").Text("x").Build()
	_, err := h.client.Send(context.Background(), e)
	if !errors.Is(err, domain.KindAuth) || domain.KindOf(err) != domain.KindCredentialsInvalid {
		t.Fatalf("err = %v; want credentials invalid", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatal("the password appears in the error")
	}
}

func TestPostfixImplicitTLSWithAuth(t *testing.T) {
	cfg := config(t, "POSTFIX_SMTPS_ADDR", tcp.TLSImplicit)
	cfg.Credentials = domain.PasswordCredentials(env(t, "SMTP_TEST_USER"), env(t, "SMTP_TEST_PASSWORD"))
	h := newClient(t, cfg)
	marker := unique(t)
	e, _, _ := richEmail(t, marker, "erin@example.test")
	res := h.send(t, e)
	got := postfixMessage(t, marker)
	assertSuffix(t, got.Data, h.cap.bytes(t, res.MessageID))
	info, err := h.client.TestConnection(context.Background())
	if err != nil || !info.TLS || (info.TLSVersion != "1.2" && info.TLSVersion != "1.3") || info.AuthenticatedAs != env(t, "SMTP_TEST_USER") {
		t.Fatalf("TestConnection = %+v, %v; want TLS 1.2+ authenticated", info, err)
	}
}

func TestPostfixTLSModes(t *testing.T) {
	t.Run("starttls-required against a server without STARTTLS fails closed", func(t *testing.T) {
		h := newClient(t, config(t, "POSTFIX_PLAIN_ADDR", tcp.TLSStartTLSRequired))
		e, _ := domain.NewEmail().From("sender@example.test").To("x@example.test").Subject("x").Text("x").Build()
		_, err := h.client.Send(context.Background(), e)
		if domain.KindOf(err) != domain.KindStartTLSNotSupported {
			t.Fatalf("err = %v; want starttls not supported", err)
		}
		if strings.Contains(h.tr.String(), "C: MAIL") {
			t.Fatal("MAIL was sent in plaintext")
		}
	})
	t.Run("opportunistic goes on in plaintext", func(t *testing.T) {
		h := newClient(t, config(t, "POSTFIX_PLAIN_ADDR", tcp.TLSStartTLS))
		marker := unique(t)
		e, _ := domain.NewEmail().From("sender@example.test").To("x@example.test").Subject(marker).Text("x").Header("X-Test-Marker", marker).Build()
		h.send(t, e)
		postfixMessage(t, marker)
	})
	t.Run("opportunistic upgrades where offered", func(t *testing.T) {
		h := newClient(t, config(t, "POSTFIX_SUBMISSION_ADDR", tcp.TLSStartTLS))
		info, err := h.client.TestConnection(context.Background())
		if err != nil || !info.TLS {
			t.Fatalf("TestConnection = %+v, %v; want TLS", info, err)
		}
	})
	t.Run("an untrusted certificate fails", func(t *testing.T) {
		cfg := config(t, "POSTFIX_SUBMISSION_ADDR", tcp.TLSStartTLSRequired)
		cfg.TLS.CAFile = ""
		h := newClient(t, cfg)
		_, err := h.client.TestConnection(context.Background())
		if !errors.Is(err, domain.KindTLS) {
			t.Fatalf("err = %v; want a TLS error", err)
		}
	})
	t.Run("AUTH is never sent in plaintext without opt-in", func(t *testing.T) {
		cfg := config(t, "POSTFIX_PLAIN_ADDR", tcp.TLSStartTLS)
		cfg.Credentials = domain.PasswordCredentials(env(t, "SMTP_TEST_USER"), env(t, "SMTP_TEST_PASSWORD"))
		h := newClient(t, cfg)
		_, err := h.client.TestConnection(context.Background())
		if err == nil || strings.Contains(h.tr.String(), "C: AUTH") {
			t.Fatalf("err = %v; transcript:\n%s\nwant a refusal before any AUTH", err, h.tr)
		}
	})
}

func TestPostfixRecipients(t *testing.T) {
	t.Run("partial rejection goes on with the accepted ones", func(t *testing.T) {
		h := newClient(t, config(t, "POSTFIX_PLAIN_ADDR", tcp.TLSNone))
		marker := unique(t)
		e, _ := domain.NewEmail().From("sender@example.test").To("ok@example.test", env(t, "POSTFIX_REJECT_RCPT"), env(t, "POSTFIX_DEFER_RCPT")).
			Subject(marker).Text("x").Header("X-Test-Marker", marker).Build()
		res := h.send(t, e)
		if len(res.Accepted) != 1 || len(res.Rejected) != 2 {
			t.Fatalf("result = %+v; want one accepted, two rejected", res)
		}
		codes := map[string]int{}
		for _, r := range res.Rejected {
			codes[r.Address] = r.Code
		}
		if codes[env(t, "POSTFIX_REJECT_RCPT")] != 550 || codes[env(t, "POSTFIX_DEFER_RCPT")] != 451 {
			t.Errorf("rejections = %+v; want 550 and 451", res.Rejected)
		}
		got := postfixMessage(t, marker)
		if strings.Join(got.Recipients, ",") != "ok@example.test" {
			t.Errorf("delivered to %v", got.Recipients)
		}
	})
	t.Run("total rejection sends no data", func(t *testing.T) {
		h := newClient(t, config(t, "POSTFIX_PLAIN_ADDR", tcp.TLSNone))
		e, _ := domain.NewEmail().From("sender@example.test").To(env(t, "POSTFIX_REJECT_RCPT")).Subject("x").Text("x").Build()
		_, err := h.client.Send(context.Background(), e)
		if domain.KindOf(err) != domain.KindInvalidRecipientAddress || !domain.IsPermanent(err) {
			t.Fatalf("err = %v; want a permanent recipient error", err)
		}
		// With PIPELINING, DATA is part of the command group (RFC 2920) and
		// the server refuses it; the body itself must never go out.
		if strings.Contains(h.tr.String(), "\nC: .\n") || !strings.Contains(h.tr.String(), "C: RSET") {
			t.Errorf("the body was sent, or the transaction not reset, although no recipient was accepted:\n%s", h.tr)
		}
	})
	t.Run("many recipients", func(t *testing.T) {
		cfg := config(t, "POSTFIX_PLAIN_ADDR", tcp.TLSNone)
		cfg.Limits.MaxRecipients = application.MaxRecipientsLimit // 100, the specification's maximum
		h := newClient(t, cfg)
		marker := unique(t)
		var to []string
		for i := 0; i < 99; i++ {
			to = append(to, fmt.Sprintf("user%03d@example.test", i))
		}
		e, _ := domain.NewEmail().From("sender@example.test").Bcc(to...).To("list@example.test").Subject(marker).Text("x").Header("X-Test-Marker", marker).Build()
		res := h.send(t, e)
		if len(res.Accepted) != 100 {
			t.Fatalf("accepted %d of 100", len(res.Accepted))
		}
		e, _ = domain.NewEmail().From("sender@example.test").Bcc(append(to, "one-more@example.test")...).To("list@example.test").Subject(marker).Text("x").Build()
		if _, err := h.client.Send(context.Background(), e); domain.KindOf(err) != domain.KindInvalidInput {
			t.Fatalf("101 recipients: err = %v; want the client-side limit, before any connection", err)
		}
	})
}

func TestPostfixSizeLimits(t *testing.T) {
	big := strings.Repeat("0123456789abcdef ", 1500) // ~25 KB > the 10 KB listener limit
	t.Run("local SIZE check refuses before MAIL", func(t *testing.T) {
		h := newClient(t, config(t, "POSTFIX_SMALL_ADDR", tcp.TLSNone))
		e, _ := domain.NewEmail().From("sender@example.test").To("x@example.test").Subject("big").Text(big).Build()
		_, err := h.client.Send(context.Background(), e)
		if domain.KindOf(err) != domain.KindMessageTooLarge {
			t.Fatalf("err = %v; want message too large", err)
		}
		if strings.Contains(h.tr.String(), "C: MAIL") {
			t.Error("MAIL was sent although the message exceeds the advertised SIZE")
		}
	})
	t.Run("a message over the limit is refused by the server with 552", func(t *testing.T) {
		// Hide SIZE from the client so that only the server can refuse,
		// after the body: the real 552 must map to message-too-large.
		cfg := config(t, "POSTFIX_SMALL_ADDR", tcp.TLSNone)
		inner, err := bootstrap.NewTransport(cfg)
		if err != nil {
			t.Fatal(err)
		}
		client, err := bootstrap.NewClient(cfg, bootstrap.WithTransport(noSizeTransport{inner}))
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close(context.Background())
		e, _ := domain.NewEmail().From("sender@example.test").To("x@example.test").Subject("big").Text(big).Build()
		_, err = client.Send(context.Background(), e)
		if domain.KindOf(err) != domain.KindMessageTooLarge || domain.AsError(err).Code != 552 {
			t.Fatalf("err = %v; want a 552 message too large from the server", err)
		}
	})
}

// noSizeTransport hides the SIZE extension from the client.
type noSizeTransport struct{ ports.Transport }

func (t noSizeTransport) Open(ctx context.Context) (ports.Session, error) {
	s, err := t.Transport.Open(ctx)
	if err != nil {
		return nil, err
	}
	return noSizeSession{s}, nil
}

type noSizeSession struct{ ports.Session }

func (s noSizeSession) Info() domain.ConnectionInfo {
	info := s.Session.Info()
	info.Extensions.Size, info.Extensions.MaxSize = false, 0
	return info
}

func (s noSizeSession) Send(ctx context.Context, env ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
	env.Size, env.Measure = 0, false
	return s.Session.Send(ctx, env, body)
}

func TestPostfix25MBAttachmentFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.Reader, 25_000_000); err != nil { // 25 MB, within the 25 MiB content limit
		t.Fatal(err)
	}
	f.Close()
	marker := unique(t)
	e, err := domain.NewEmail().From("sender@example.test").To("big@example.test").Subject(marker).Text("see attachment").
		AttachFile(path, "").Header("X-Test-Marker", marker).Build()
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(t, "POSTFIX_SUBMISSION_ADDR", tcp.TLSStartTLSRequired)
	cfg.Credentials = domain.PasswordCredentials(env(t, "SMTP_TEST_USER"), env(t, "SMTP_TEST_PASSWORD"))
	cfg.Limits.MaxMessageSize = application.MaxMessageSizeLimit
	h := newClient(t, cfg)
	res := h.send(t, e)
	got := postfixMessage(t, marker)
	want, _ := os.ReadFile(path)
	if p := parts(t, got.Data); !bytes.Equal(p["application/octet-stream;big.bin"], want) {
		t.Fatalf("the 25 MB attachment came back different (parts %v)", keys(p))
	}
	if res.Size < 25_000_000*4/3 {
		t.Errorf("SIZE = %d; want the encoded size", res.Size)
	}
}

func TestPostfixBatchOnOneConnection(t *testing.T) {
	h := newClient(t, config(t, "POSTFIX_PLAIN_ADDR", tcp.TLSNone))
	marker := unique(t)
	var batch []*domain.Email
	for i := 0; i < 5; i++ {
		e, _ := domain.NewEmail().From("sender@example.test").To("batch@example.test").Subject(fmt.Sprintf("%s-%d", marker, i)).
			Text("x").Header("X-Test-Marker", fmt.Sprintf("%s-%d", marker, i)).Build()
		batch = append(batch, e)
	}
	res, err := h.client.SendBatch(context.Background(), batch)
	if err != nil || res.Succeeded != 5 {
		t.Fatalf("batch = %+v, %v", res, err)
	}
	for i := 0; i < 5; i++ {
		postfixMessage(t, fmt.Sprintf("%s-%d", marker, i))
	}
	if n := strings.Count(h.tr.String(), "S: 220 "); n != 1 {
		t.Errorf("saw %d greetings; want one connection for the batch", n)
	}
}
