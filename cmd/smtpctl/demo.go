package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// runDemo starts the in-process test server with STARTTLS (a generated CA)
// and AUTH, sends a multipart message with an attachment and an inline
// image through the full client stack, and prints the redacted transcript
// and what the server received. It needs no network and no setup.
func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if err := demo(stdout); err != nil {
		return fail(stderr, "demo", err)
	}
	return exitOK
}

func demo(out io.Writer) error {
	dir, err := os.MkdirTemp("", "smtpctl-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	const user = "demo@example.test"
	password := randomHex(12)
	srv, err := smtptest.NewServer(smtptest.WithSTARTTLS(), smtptest.WithRequireTLS(), smtptest.WithAuth(user, password))
	if err != nil {
		return err
	}
	defer srv.Close()
	caFile := filepath.Join(dir, "ca.pem")
	if err := srv.WriteCA(caFile); err != nil {
		return err
	}
	fmt.Fprintf(out, "== test server on %s: STARTTLS required (CA %s), AUTH for %s\n\n", srv.Addr(), caFile, user)

	cfg := bootstrap.Config{}
	cfg.Host, cfg.Port = srv.Host(), srv.Port()
	cfg.TLSMode = tcp.TLSStartTLSRequired
	cfg.TLS.CAFile = caFile
	cfg.TLS.ServerName = "localhost"
	cfg.Credentials = domain.PasswordCredentials(user, password)
	cfg.LocalName = "demo.example.test"
	cfg.Pool.MinIdle = -1 // one message: no warm spare session in the transcript
	cfg.Retry.MaxAttempts = 1
	client, err := bootstrap.NewClient(cfg, bootstrap.WithTranscript(newTranscript(out)))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	email, err := demoEmail(dir)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "== transcript (secrets redacted)")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := client.Send(ctx, email)
	if err != nil {
		return err
	}
	msgs, err := srv.WaitForMessages(ctx, 1)
	if err != nil {
		return err
	}
	m := msgs[0]
	fmt.Fprintf(out, "\n== result\nmessage id: %s\naccepted:   %v\nresponse:   %s\n", res.MessageID, res.Accepted, res.Response)
	fmt.Fprintf(out, "\n== what the server received\nenvelope:   from %s to %v\nsecurity:   TLS %v, authenticated as %q, EHLO %s\nsize:       %d octets (SIZE=%d declared)\n",
		m.From, m.To, m.TLS, m.Auth, m.Helo, len(m.Data), m.Size)
	summary, err := describeParts(m.Data)
	if err != nil {
		return err
	}
	fmt.Fprint(out, summary)
	if bytes.Contains(m.Data, []byte("audit@example.test")) {
		return fmt.Errorf("the Bcc address leaked into the message")
	}
	return nil
}

func demoEmail(dir string) (*domain.Email, error) {
	report := filepath.Join(dir, "quarterly-report.csv")
	var csv bytes.Buffer
	csv.WriteString("quarter,revenue\n")
	for q := 1; q <= 4; q++ {
		fmt.Fprintf(&csv, "Q%d,%d\n", q, 1000*q)
	}
	if err := os.WriteFile(report, csv.Bytes(), 0o600); err != nil {
		return nil, err
	}
	return domain.NewEmail().
		From("Demo Sender <sender@example.test>").
		To("Zoë Recipient <zoe@example.test>").
		Cc("team@example.test").
		Bcc("audit@example.test").
		Subject("Quarterly report — résumé ✓").
		Text("Hello Zoë,\n\nthe quarterly report is attached.\n\n-- \nDemo\n").
		HTML(`<p>Hello Zoë,</p><p>the quarterly report is attached.</p><p><img src="cid:logo@demo" alt="logo"></p>`).
		InlineImage("logo@demo", "image/png", logoPNG()).
		AttachFile(report, "").
		Header("X-Mailer", "smtpctl demo").
		Build()
}

// logoPNG draws a small image so the demo needs no files.
func logoPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			img.Set(x, y, color.RGBA{uint8(8 * x), uint8(8 * y), 160, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
