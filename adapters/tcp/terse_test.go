package tcp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	mrand "math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

func TestTerseCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give     string
		t        terse
		wantCode int // 0: not terse
	}{
		{"250 ok", terse2xx, 250},
		{"250", terse2xx, 250},
		{"250 ", terse2xx, 250},
		{"221 2.0.0 bye", terse2xx, 221},
		{"250 ok", terseNone, 0},
		{"354 go", terse2xx, 0},
		{"354 go", terseData, 354},
		{"334 VXNlcm5hbWU6", terseData, 0},
		{"250-more", terse2xx, 0},
		{"550 5.1.1 no", terseData, 0},
		{"421 bye", terseData, 0},
		{"250ok", terse2xx, 0},
		{"260 x", terse2xx, 0},
		{"25", terse2xx, 0},
		{"250 a\rb", terse2xx, 0},
		{"250 a\x00", terse2xx, 0},
		{"2x0 ok", terse2xx, 0},
	}
	for _, tt := range tests {
		code, ok := terseCode([]byte(tt.give), tt.t)
		if ok != (tt.wantCode != 0) || code != tt.wantCode {
			t.Errorf("terseCode(%q, %d) = %d, %v; want %d", tt.give, tt.t, code, ok, tt.wantCode)
		}
	}
}

// TestTerseCodeOnlyWhatParseReplyTakes checks, on random lines, that a line
// terseCode takes is a whole reply to parseReply, of the same code.
func TestTerseCodeOnlyWhatParseReplyTakes(t *testing.T) {
	t.Parallel()
	r := mrand.New(mrand.NewPCG(7, 8))
	alphabet := []byte("0123456789 -\r\n\x00ab.")
	for range 200000 {
		line := make([]byte, r.IntN(8))
		for i := range line {
			line[i] = alphabet[r.IntN(len(alphabet))]
		}
		if r.IntN(2) == 0 && len(line) >= 3 { // mostly plausible codes
			copy(line, []string{"250", "354", "251", "220", "550", "421"}[r.IntN(6)])
		}
		checkTerse(t, line)
	}
}

func checkTerse(t *testing.T, line []byte) {
	t.Helper()
	for _, mode := range []terse{terseNone, terse2xx, terseData} {
		code, ok := terseCode(line, mode)
		if !ok {
			continue
		}
		r, err := parseReply([]string{string(line)})
		if err != nil || r.Code != code {
			t.Fatalf("terseCode(%q, %d) = %d, but ParseReply gives %v, %v", line, mode, code, r, err)
		}
		if !(code >= 200 && code < 300 || mode == terseData && code == 354) {
			t.Fatalf("terseCode(%q, %d) = %d, a code the mode does not allow", line, mode, code)
		}
	}
}

// readBoth reads in one stream with readAck in mode t and in a copy with
// readReply, until either fails, and fails the test when they disagree on
// a code, a reply, an error, the lines seen or what is left.
func readBoth(t *testing.T, in []byte, mode terse) {
	t.Helper()
	var seenA, seenR []string
	ba := bufio.NewReaderSize(bytes.NewReader(in), maxLineLength)
	br := bufio.NewReaderSize(bytes.NewReader(in), maxLineLength)
	for range len(in) + 1 {
		code, full, errA := readAck(ba, func(l string) { seenA = append(seenA, l) }, mode)
		r, errR := readReply(br, func(l string) { seenR = append(seenR, l) })
		if errText(errA) != errText(errR) || domain.KindOf(errA) != domain.KindOf(errR) {
			t.Fatalf("%q: readAck error %v; readReply error %v", in, errA, errR)
		}
		if strings.Join(seenA, "\n") != strings.Join(seenR, "\n") || ba.Buffered() != br.Buffered() {
			t.Fatalf("%q: readAck saw %q (%d left); readReply %q (%d left)", in, seenA, ba.Buffered(), seenR, br.Buffered())
		}
		if errR != nil {
			return
		}
		if code != r.Code {
			t.Fatalf("%q: readAck code %d; readReply %d", in, code, r.Code)
		}
		if full == nil {
			if mode == terseNone || len(r.Lines) != 1 {
				t.Fatalf("%q: terse answer for %+v in mode %d", in, r, mode)
			}
		} else if full.String() != r.String() || len(full.Lines) != len(r.Lines) {
			t.Fatalf("%q: readAck reply %+v; readReply %+v", in, full, r)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestReadAckAgreesWithReadReply(t *testing.T) {
	t.Parallel()
	r := mrand.New(mrand.NewPCG(9, 10))
	pieces := []string{"250 ok\r\n", "250-a\r\n", "354 go\r\n", "550 5.1.1 no\r\n", "421 bye\r\n", "250\n", "250 a\rb\r\n",
		"251 x\r\n", "2", "50 ", "\r\n", "\n", "SSH\r\n", "250 \x00\r\n", "220 hi", "334 x\r\n"}
	for range 20000 {
		var in []byte
		for range r.IntN(6) {
			in = append(in, pieces[r.IntN(len(pieces))]...)
		}
		for _, mode := range []terse{terseNone, terse2xx, terseData} {
			readBoth(t, in, mode)
		}
	}
}

func FuzzReadAck(f *testing.F) {
	for _, s := range []string{"250 ok\r\n354 go\r\n", "250-a\r\n250 b\r\n", "354\n", "250 a\rb\r\n", "550 5.1.1 no\r\n"} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		for _, line := range bytes.Split(in, []byte("\n")) {
			checkTerse(t, bytes.TrimSuffix(line, []byte("\r")))
		}
		readBoth(t, in, terse(mode%3))
	})
}

func TestWriteEnvelope(t *testing.T) {
	t.Parallel()
	addrs := []domain.Address{{}}
	for _, s := range []string{"a@example.org", "Ann <ann@example.com>", "user@bücher.de", "\"a.b\"@example.org", "\"a..b\"@example.org",
		"x@[192.0.2.1]", "y@[IPv6:2001:db8::1]", "müller@bücher.de", "o'neil+tag@sub.example.net"} {
		addrs = append(addrs, domain.MustParseAddress(s))
	}
	for _, a := range addrs {
		for _, ascii := range []bool{true, false} {
			var b strings.Builder
			writeEnvelope(&b, a, ascii)
			want := "<>"
			switch {
			case a.IsZero():
			case ascii:
				want = "<" + a.LocalPart() + "@" + a.ASCIIDomain() + ">"
			default:
				want = "<" + a.Email() + ">"
			}
			if b.String() != want || envelopeLen(a, ascii) != len(want) {
				t.Errorf("writeEnvelope(%v, %v) = %q (length %d); want %q", a, ascii, b.String(), envelopeLen(a, ascii), want)
			}
		}
	}
}

// TestTerseRepliesReachTheTranscript: replies that are read without their
// text still show in the transcript.
func TestTerseRepliesReachTheTranscript(t *testing.T) {
	t.Parallel()
	tr := &transcript{}
	f, s := mustOpen(t, testConfig(), Deps{Transcript: tr}, ehlo("PIPELINING")+firstGroup+`
		C: hello
		C| .
		S: 250 2.0.0 queued`+quit)
	if _, err := s.Send(context.Background(), env("a@example.org", "b@example.net"), body("hello")); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	f.wait(t)
	if want := "C: DATA\nS: 250 ok\nS: 250 ok\nS: 354 go\nC: ."; !strings.Contains(tr.String(), want) {
		t.Errorf("transcript:\n%s\nwant it to hold\n%s", tr, want)
	}
}

// deadlineConn counts the reads and the read deadlines set on it.
type deadlineConn struct {
	net.Conn
	reads, deadlines atomic.Int32
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.Conn.Read(p)
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.deadlines.Add(1)
	return c.Conn.SetReadDeadline(t)
}

func TestReplyDeadlineOnlyBeforeANetworkRead(t *testing.T) {
	t.Parallel()
	client, server := tcpPair(t)
	defer server.Close()
	conn := &deadlineConn{Conn: client}
	w := newWire(conn, nil, 0)
	if _, err := server.Write([]byte("250 one\r\n250 two\r\n")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{250, 250} {
		r, err := w.reply("test", time.Minute)
		if err != nil || r.Code != want {
			t.Fatalf("reply = %v, %v", r, err)
		}
	}
	// Both replies may come in one read or in more: a reply sets its
	// deadline only before it reads, so never more deadlines than reads.
	if d, r := conn.deadlines.Load(), conn.reads.Load(); d < 1 || d > r {
		t.Errorf("%d read deadlines for two replies and %d reads", d, r)
	}
	before := conn.deadlines.Load()
	if _, err := w.reply("test", 100*time.Millisecond); domain.KindOf(err) != domain.KindReadTimeout {
		t.Errorf("stalled reply: %v; want a read timeout", err)
	}
	if n := conn.deadlines.Load() - before; n != 1 {
		t.Errorf("stalled reply set %d deadlines; want 1", n)
	}
}

func TestBufferedReplyFailsOnceTheContextEnded(t *testing.T) {
	t.Parallel()
	client, server := tcpPair(t)
	defer server.Close()
	w := newWire(client, nil, 0)
	if _, err := server.Write([]byte("250 one\r\n250 two\r\n")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stop := w.watch(ctx)
	defer stop()
	if r, err := w.reply("test", time.Minute); err != nil || r.Code != 250 {
		t.Fatalf("reply = %v, %v", r, err)
	}
	cancel()
	for deadline := time.Now().Add(10 * time.Second); w.cancelled() == nil; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the cancellation never reached the wire")
		}
	}
	_, err := w.reply("test", time.Minute)
	if !errors.Is(err, context.Canceled) || domain.KindOf(err) != domain.KindCancelled {
		t.Errorf("reply after the context ended = %v; want KindCancelled, even with the reply buffered", err)
	}
}

// TestSendAllocations keeps the pipelined send path lean: the allocations
// of one transaction (one recipient, 1 KB body written through WriteCRLF)
// stay within a budget well above today's 8, most of them the final
// reply's and the result's.
func TestSendAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	cfg := testConfig()
	cfg.Host, cfg.Port = autoServer(t, "PIPELINING", "8BITMIME", "SIZE 1000000")
	tr, err := New(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := tr.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := ps.(*Session)
	defer s.Close()
	msg := &crlfBody{data: realisticBody(1024)}
	txs := make([]ports.Transaction, 50)
	for i := range txs {
		txs[i] = ports.Transaction{Envelope: env("a@example.org", "b@example.net"), Body: msg}
		txs[i].Envelope.Size = 1024
	}
	for _, bc := range []struct {
		name string
		send func()
	}{
		{"Send", func() {
			if _, err := s.Send(context.Background(), txs[0].Envelope, msg); err != nil {
				t.Fatal(err)
			}
		}},
		{"SendMany of 50, per message", func() {
			for _, o := range s.SendMany(context.Background(), txs) {
				if o.Err != nil {
					t.Fatal(o.Err)
				}
			}
		}},
	} {
		allocs := testing.AllocsPerRun(20, bc.send)
		if bc.name != "Send" {
			allocs /= float64(len(txs))
		}
		if allocs > 12 {
			t.Errorf("%s: %.1f allocations a message; want at most 12", bc.name, allocs)
		}
	}
}
