package smtptest

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTB records what a ScriptServer reports instead of failing the test.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// finish runs the cleanups, as the end of a test does, and returns the
// reported errors.
func (f *fakeTB) finish() []string {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.errs
}

func TestScriptTranscript(t *testing.T) {
	ss := NewScript(t,
		Send("220 script.test ESMTP\r\n"),
		Expect("EHLO localhost"),
		Send("250-script.test\r\n250 8BITMIME\r\n"),
		ExpectPrefix("MAIL FROM:<a@example.com>"),
		Send("250 ok\r\n"),
		Expect("RCPT TO:<b@example.com>\r\n"),
		Send("250 ok\r\n"),
		Expect("DATA"),
		Send("354 go\r\n"),
		ReadData(),
		Send("250 queued\r\n"),
		Expect("QUIT"),
		Send("221 bye\r\n"),
		Close(),
	)
	if err := smtp.SendMail(ss.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(body)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	if err := ss.Wait(); err != nil {
		t.Fatal(err)
	}
	want := "EHLO localhost\r\nMAIL FROM:<a@example.com> BODY=8BITMIME\r\nRCPT TO:<b@example.com>\r\nDATA\r\n" +
		strings.Replace(body, "..dot", "...dot", 1) + ".\r\nQUIT\r\n"
	if got := ss.Transcript(); got != want {
		t.Errorf("transcript = %q, want %q", got, want)
	}
	if ss.Host() != "127.0.0.1" || ss.Port() == 0 {
		t.Errorf("Host, Port = %q, %d", ss.Host(), ss.Port())
	}
	if _, err := net.Dial("tcp", ss.Addr()); err == nil {
		t.Error("a second dial succeeded")
	}
}

func TestScriptReportsMismatch(t *testing.T) {
	ft := &fakeTB{TB: t}
	ss := NewScript(ft, Send("220 hi\r\n"), Expect("HELO localhost"), Send("250 never\r\n"))
	c, err := net.Dial("tcp", ss.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "EHLO localhost\r\n")
	err = ss.Wait()
	if err == nil || !strings.Contains(err.Error(), `step 2 Expect("HELO localhost\r\n"): got "EHLO localhost\r\n"`) {
		t.Errorf("Err = %v", err)
	}
	// The failed step closed the connection without running the rest.
	b, _ := io.ReadAll(c)
	if string(b) != "220 hi\r\n" {
		t.Errorf("client got %q", b)
	}
	errs := ft.finish()
	if len(errs) != 1 || !strings.Contains(errs[0], "client transcript:\nEHLO localhost\r\n") {
		t.Errorf("reported %q", errs)
	}
}

func TestScriptNoClient(t *testing.T) {
	ft := &fakeTB{TB: t}
	NewScript(ft, Send("220 hi\r\n"))
	errs := ft.finish()
	if len(errs) != 1 || !strings.Contains(errs[0], "no client connected") {
		t.Errorf("reported %q", errs)
	}
	ft = &fakeTB{TB: t}
	NewScript(ft) // no steps, no client: nothing to report
	if errs := ft.finish(); len(errs) != 0 {
		t.Errorf("reported %q", errs)
	}
}

func TestScriptSTARTTLSInjection(t *testing.T) {
	ss := NewScript(t,
		Send("220 hi\r\n"),
		Expect("EHLO localhost"),
		Send("250-hi\r\n250 STARTTLS\r\n"),
		Expect("STARTTLS"),
		Send("220 go ahead\r\n250 injected before the handshake\r\n"),
		StartTLS(nil),
		Expect("EHLO localhost"),
		Send("250 hi again\r\n"),
		Expect("NOOP"),
		Send("250 ok\r\n"),
	)
	c, err := smtp.Dial(ss.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// net/smtp drops what it buffered before the handshake, so the
	// injected reply does not answer the next command.
	if err := c.StartTLS(ss.ClientTLSConfig()); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if err := c.Noop(); err != nil {
		t.Errorf("Noop: %v", err)
	}
	c.Close()
	if err := ss.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := ss.Transcript(); got != "EHLO localhost\r\nSTARTTLS\r\nEHLO localhost\r\nNOOP\r\n" {
		t.Errorf("transcript = %q", got)
	}
}

func TestScriptImplicitTLS(t *testing.T) {
	ss := NewScript(t, StartTLS(nil), Send("220 tls\r\n"), Expect("EHLO localhost"), Send("250 hi\r\n"),
		Expect("QUIT"), Send("221 bye\r\n"), ExpectClosed())
	conn, err := tls.Dial("tcp", ss.Addr(), ss.ClientTLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, ss.Host())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Errorf("Quit: %v", err)
	}
	if err := ss.Wait(); err != nil {
		t.Error(err)
	}
	if len(ss.CACertPEM()) == 0 || ss.CAPool() == nil {
		t.Error("no CA")
	}
	if err := ss.WriteCA(t.TempDir() + "/ca.pem"); err != nil {
		t.Error(err)
	}
}

func TestScriptClientClosesAfter421(t *testing.T) {
	ss := NewScript(t, Send("421 4.3.2 shutting down\r\n"), ExpectClosed())
	_, err := smtp.Dial(ss.Addr())
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 421 {
		t.Errorf("Dial = %v", err)
	}
	if err := ss.Wait(); err != nil {
		t.Error(err)
	}
}

func TestScriptStepFailures(t *testing.T) {
	tests := []struct {
		name   string
		steps  []Step
		client string // sent, then the client closes
		want   string // in Err
	}{
		{name: "ExpectClosed gets data", steps: []Step{ExpectClosed()}, client: "QUIT\r\n",
			want: `step 1 ExpectClosed(): got "QUIT\r\n" before the close`},
		{name: "ExpectPrefix", steps: []Step{ExpectPrefix("EHLO")}, client: "HELO x\r\n",
			want: `step 1 ExpectPrefix("EHLO"): got "HELO x\r\n"`},
		{name: "EOF inside a line", steps: []Step{Expect("EHLO x")}, client: "EHL",
			want: "unexpected EOF in the middle of \"EHL\""},
		{name: "EOF before a line", steps: []Step{ReadLine()}, client: "", want: "step 1 ReadLine(): EOF"},
		{name: "ReadBytes short", steps: []Step{ReadBytes(10)}, client: "abc", want: "step 1 ReadBytes(10): EOF"},
		{name: "ReadData short", steps: []Step{ReadData()}, client: "a\r\n", want: "step 1 ReadData(): EOF"},
		{name: "ExpectPrefix EOF", steps: []Step{ExpectPrefix("X")}, client: "", want: "EOF"},
		{name: "TLS handshake", steps: []Step{StartTLS(nil)}, client: "EHLO x\r\n", want: "step 1 StartTLS()"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTB{TB: t}
			ss := NewScript(ft, tt.steps...)
			c, err := net.Dial("tcp", ss.Addr())
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(c, tt.client)
			c.(*net.TCPConn).CloseWrite()
			if err := ss.Wait(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Err = %v, want %q", err, tt.want)
			}
			c.Close()
			if errs := ft.finish(); len(errs) != 1 {
				t.Errorf("reported %q", errs)
			}
		})
	}
}

func TestScriptReadStepsAndSleep(t *testing.T) {
	ss := NewScript(t,
		Send("220 hi\r\n"),
		ReadLine(),
		Expect("BDAT 3 LAST"),
		ReadBytes(3),
		Sleep(time.Millisecond),
		Send("250 ok\r\n"),
	)
	d, greeting := dial(t, ss.Addr())
	if greeting != "220 hi\r\n" {
		t.Errorf("greeting = %q", greeting)
	}
	d.send("anything\r\nBDAT 3 LAST\r\nabc")
	if got := d.reply(); got != "250 ok\r\n" {
		t.Errorf("reply = %q", got)
	}
	d.send("trailing\r\n")
	d.conn.Close()
	if err := ss.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := ss.Transcript(); got != "anything\r\nBDAT 3 LAST\r\nabctrailing\r\n" {
		t.Errorf("transcript = %q", got)
	}
	if s := Sleep(time.Second).String(); s != "Sleep(1s)" {
		t.Errorf("String = %q", s)
	}
}

func TestScriptCloseEndsSteps(t *testing.T) {
	ss := NewScript(t, Send("220 hi\r\n"), Sleep(time.Hour), Send("never\r\n"))
	c, err := net.Dial("tcp", ss.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if line, _ := r.ReadString('\n'); line != "220 hi\r\n" {
		t.Fatalf("greeting = %q", line)
	}
	ss.Close() // ends the hour-long sleep
	ss.Close()
	if err := ss.Err(); err != nil {
		t.Errorf("Err after Close = %v", err)
	}
	if rest, _ := io.ReadAll(r); len(rest) != 0 {
		t.Errorf("got %q after Close", rest)
	}
}

func TestScriptLongLine(t *testing.T) {
	ft := &fakeTB{TB: t}
	ss := NewScript(ft, ReadLine())
	c, err := net.Dial("tcp", ss.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go io.WriteString(c, strings.Repeat("x", maxScriptLine+10))
	if err := ss.Wait(); err == nil || !strings.Contains(err.Error(), "line longer than") {
		t.Errorf("Err = %v", err)
	}
	ft.finish()
}
