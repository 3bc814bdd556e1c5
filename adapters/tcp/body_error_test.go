package tcp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// A body that refuses itself half-way (a raw message with a line over 998
// octets, say) must leave nothing delivered: no final dot, a session nobody
// reuses (DATA) or a reset transaction (BDAT), and the body's own error,
// which is neither a connection error nor delivery-unknown, and is not
// retried.

// errRefused is what a raw message says of a line SMTP cannot carry.
var errRefused = domain.NewError(domain.KindInvalidInput, "send raw", "line 3001 is 1203 octets long; SMTP allows 998")

// refusedBody writes lines valid lines, more than the session buffers, then
// fails with err as if the next line were bad.
type refusedBody struct {
	lines int
	err   error
}

func (b refusedBody) text() string {
	var sb strings.Builder
	sb.WriteString("Subject: s\r\n\r\n")
	for i := range b.lines {
		sb.WriteString("line " + strconv.Itoa(i) + " of a message that will not make it\r\n")
	}
	return sb.String()
}

func (b refusedBody) WriteTo(w io.Writer) (int64, error) {
	n, err := io.WriteString(w, b.text())
	if err != nil {
		return int64(n), err
	}
	return int64(n), b.err
}

// bodyCapture serves one transaction on conn, answering every command
// positively and DATA with 354, and then reports everything the client
// sends until it closes the connection.
func bodyCapture(conn net.Conn, exts ...string) <-chan []byte {
	got := make(chan []byte, 1)
	go func() {
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second)) // a watchdog
		r := bufio.NewReader(conn)
		ehlo := "250 mx.example.test\r\n"
		if len(exts) > 0 {
			ehlo = "250-mx.example.test\r\n250 " + strings.Join(exts, "\r\n250 ") + "\r\n"
		}
		if _, err := io.WriteString(conn, "220 mx.example.test ESMTP\r\n"); err != nil {
			got <- []byte("greeting: " + err.Error())
			return
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				got <- []byte(fmt.Sprintf("before DATA: %q, %v", line, err))
				return
			}
			reply := "250 ok\r\n"
			switch {
			case strings.HasPrefix(line, "EHLO"):
				reply = ehlo
			case line == "DATA\r\n":
				reply = "354 go\r\n"
			}
			if _, err := io.WriteString(conn, reply); err != nil {
				got <- []byte("reply: " + err.Error())
				return
			}
			if line == "DATA\r\n" {
				break
			}
		}
		data, _ := io.ReadAll(r)
		got <- data
	}()
	return got
}

func TestBodyRefusedDuringDATA(t *testing.T) {
	for _, exts := range [][]string{nil, {"PIPELINING"}} {
		t.Run(fmt.Sprint(exts), func(t *testing.T) {
			t.Parallel()
			client, server := net.Pipe()
			got := bodyCapture(server, exts...)
			tr, err := New(testConfig(), Deps{Dialer: &pipeDialer{conn: client}})
			if err != nil {
				t.Fatal(err)
			}
			ps, err := tr.Open(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			s := ps.(*Session)
			b := refusedBody{lines: 3000, err: errRefused}
			res, err := s.Send(context.Background(), env("a@example.org", "b@example.net"), b)

			de := wantKind(t, err, domain.KindInvalidInput)
			if de != errRefused {
				t.Errorf("err = %v; want the body's own error", err)
			}
			if domain.IsTemporary(err) || domain.IsDeliveryUnknown(err) || errors.Is(err, domain.KindDeliveryUnknown) ||
				errors.Is(err, domain.KindConnection) {
				t.Errorf("err = %v: retryable, temporary, a connection error or delivery-unknown", err)
			}
			if res != nil {
				t.Errorf("result %+v for a message that never ended", res)
			}
			if s.Reusable() {
				t.Error("a session stuck in DATA is reusable")
			}
			_ = s.Close()
			data := <-got
			if len(data) < writeBufferSize {
				t.Fatalf("the server got %d octets of the body (%q); the test wants some on the wire", len(data), data[:min(len(data), 80)])
			}
			if !strings.HasPrefix(b.text(), string(data)) {
				t.Errorf("the server got more than the body's lines: %q", data[max(0, len(data)-80):])
			}
			if bytes.Contains(data, []byte("\r\n.\r\n")) || bytes.Contains(data, []byte("QUIT")) {
				t.Error("a final dot or QUIT went out after the body failed")
			}
		})
	}
}

func TestBodyRefusedDuringBDAT(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("z", chunkSize)
	f, s := mustOpen(t, chunkConfig(), Deps{}, ehlo("CHUNKING")+`
		C: MAIL FROM:<a@example.org>
		S: 250 ok
		C: RCPT TO:<b@example.net>
		S: 250 ok
		C: BDAT `+strconv.Itoa(chunkSize)+`
		!data "`+big+`"
		S: 250 ok
		C: RSET
		S: 250 ok`+quit) // no BDAT LAST: the server never gets the end of the message
	_, err := s.Send(context.Background(), env("a@example.org", "b@example.net"), failingBody{big + "tail", errRefused})
	wantKind(t, err, domain.KindInvalidInput)
	if domain.IsTemporary(err) || domain.IsDeliveryUnknown(err) {
		t.Errorf("err = %v: retryable or delivery-unknown", err)
	}
	if !s.Reusable() {
		t.Error("a reset BDAT transaction left the session unusable")
	}
	_ = s.Close()
	f.wait(t)
}

func TestSendManyBodyRefused(t *testing.T) {
	t.Parallel()
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+
		overlapped("one", "250 first", "c@example.net"))
	out := s.SendMany(context.Background(), []ports.Transaction{
		tx(env("a@example.org", "b@example.net"), "one"),
		{Envelope: env("a@example.org", "c@example.net"), Body: failingBody{"partial\r\n", errRefused}},
		tx(env("a@example.org", "d@example.net"), "three"),
	})
	wantOK(t, 0, out[0], "first")
	wantKind(t, out[1].Err, domain.KindInvalidInput)
	if domain.IsTemporary(out[1].Err) || out[1].Result != nil {
		t.Errorf("refused body: %+v, %v; want no result and no retry", out[1].Result, out[1].Err)
	}
	wantNotSent(t, out[2].Err, domain.KindConnection) // nothing of it left: another session may send it
	_ = s.Close()
	f.wait(t)
}

// A body's own error cannot say the delivery is unknown: the final dot
// never left.
func TestBodyErrorIsNeverDeliveryUnknown(t *testing.T) {
	t.Parallel()
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+`
		C: MAIL FROM:<a@example.org>
		S: 250 ok
		C: RCPT TO:<b@example.net>
		S: 250 ok
		C: DATA
		S: 354 go`)
	odd := domain.NewError(domain.KindDeliveryUnknown, "encode", "a body that claims too much")
	_, err := s.Send(context.Background(), env("a@example.org", "b@example.net"), failingBody{"x", odd})
	wantKind(t, err, domain.KindEncodingFailed)
	if errors.Is(err, domain.KindDeliveryUnknown) || domain.IsTemporary(err) {
		t.Errorf("err = %v: delivery-unknown in the chain, or retryable", err)
	}
	if !strings.Contains(err.Error(), "a body that claims too much") {
		t.Errorf("err = %v: the body's words are lost", err)
	}
	_ = s.Close()
	f.wait(t)
}
