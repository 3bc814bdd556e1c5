package tcp

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/integrations/smtp/domain"
)

// refWireSize is the size of data on the wire by the rules of RFC 5321
// written out plainly: every CRLF, bare CR and bare LF is one CRLF, and an
// open last line gets one (when DATA ends it).
func refWireSize(data []byte, terminate bool) int64 {
	n := int64(len(data))
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			} else {
				n++
			}
		case '\n':
			n++
		}
	}
	if last := len(data) - 1; terminate && last >= 0 && data[last] != '\n' && data[last] != '\r' {
		n += 2
	}
	return n
}

// crlfPieces writes its text through WriteCRLF when the writer has it, in
// pieces of step octets, as a raw message of CRLF lines does.
type crlfPieces struct {
	text []byte
	step int
}

func (b crlfPieces) WriteTo(w io.Writer) (int64, error) {
	write := w.Write
	if c, ok := w.(interface{ WriteCRLF([]byte) (int, error) }); ok {
		write = c.WriteCRLF
	}
	var n int64
	for p := b.text; len(p) > 0; {
		k := min(b.step, len(p))
		m, err := write(p[:k])
		n += int64(m)
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// TestMeasure checks measure against the plain rules, and against what the
// DATA writer sends: the octets before the final dot, stuffed dots left
// out. (It holds the normalised sizes that application's raw tests held
// when the application counted them itself.)
func TestMeasure(t *testing.T) {
	gives := []string{
		"", "a", "a\r\n", "a\n", "a\r", "a\r\r\n", "\n\r\r\n\n", "line ends only\r",
		"From: a@example.com\nTo: b@example.org\nMessage-ID: <raw-1@example.com>\nSubject: raw\n\nbody é\r\nlast",
		"From: a@x\r\nBcc: c@z\n d@z\rTo: b@y\n\r\nbody\rmore\nend\r\n",
		"S: s\r\n\r\n.\r\n..x\r\n.", ".\n.\r.\r\n",
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		b := make([]byte, r.IntN(300))
		for i := range b {
			b[i] = "ab.\r\n"[r.IntN(5)]
		}
		gives = append(gives, string(b))
	}
	for _, give := range gives {
		for _, terminate := range []bool{true, false} {
			want := refWireSize([]byte(give), terminate)
			if got, err := measure(body(give), terminate); err != nil || got != want {
				t.Fatalf("measure(%q, %v) = %d, %v; want %d", give, terminate, got, err, want)
			}
			if !bytes.ContainsAny([]byte(give), "\r\n") || bytes.Count([]byte(give), []byte("\r\n"))*2 == bytes.Count([]byte(give), []byte("\r"))+bytes.Count([]byte(give), []byte("\n")) {
				for _, step := range []int{1, 3, 1 << 20} {
					if got, err := measure(crlfPieces{[]byte(give), step}, terminate); err != nil || got != want {
						t.Fatalf("measure(%q through WriteCRLF by %d) = %d, %v; want %d", give, step, got, err, want)
					}
				}
			}
		}
		var out bytes.Buffer
		bw := newBodyWriter(&out, true)
		if _, err := body(give).WriteTo(bw); err != nil {
			t.Fatal(err)
		}
		if err := bw.terminate(); err != nil {
			t.Fatal(err)
		}
		if sent := int64(out.Len()-len(terminator)) - bw.stuffed; bw.size() != sent || sent != refWireSize([]byte(give), true) {
			t.Fatalf("%q: DATA sent %d octets before the dot and its stuffing, size() says %d; want %d", give, sent, bw.size(), refWireSize([]byte(give), true))
		}
	}
}

func TestMeasureReturnsTheBodysError(t *testing.T) {
	if _, err := measure(failingBody{"a\r\n", errBoom}, true); err != errBoom {
		t.Fatalf("measure = %v; want the body's error", err)
	}
}

// TestSendMeasuresWhenAsked: with Envelope.Measure the session measures the
// body before MAIL for a server with SIZE, declares it, and reports the
// octets sent; without SIZE it writes the body once.
func TestSendMeasuresWhenAsked(t *testing.T) {
	give := "a\nb" // on the wire "a\r\nb\r\n": 6 octets
	t.Run("SIZE", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo("SIZE 1000")+`
			C: MAIL FROM:<a@example.org> SIZE=6
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: DATA
			S: 354 go
			C: a
			C: b
			C: .
			S: 250 2.0.0 Ok: queued as Q7`+quit)
		e := env("a@example.org", "b@example.net")
		e.Measure = true
		b := body(give)
		res, err := send(t, s, e, b)
		if err != nil || res.Size != 6 || res.QueueID != "Q7" || b.writes.Load() != 2 {
			t.Fatalf("Send = %+v, %v; body written %d times; want Size 6, queue id Q7, two writes", res, err, b.writes.Load())
		}
		_ = s.Close()
		f.wait(t)
	})
	t.Run("no SIZE", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo("8BITMIME")+`
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: DATA
			S: 354 go
			C: a
			C: b
			C: .
			S: 250 ok`+quit)
		e := env("a@example.org", "b@example.net")
		e.Measure = true
		b := body(give)
		res, err := send(t, s, e, b)
		if err != nil || res.Size != 6 || b.writes.Load() != 1 {
			t.Fatalf("Send = %+v, %v; body written %d times; want Size 6 and one write", res, err, b.writes.Load())
		}
		_ = s.Close()
		f.wait(t)
	})
}

// TestSendMeasuredRefusals: a measured message over the server's limit,
// and a body that fails while it is measured, are refused before MAIL.
func TestSendMeasuredRefusals(t *testing.T) {
	for _, tt := range []struct {
		name string
		body interface {
			WriteTo(io.Writer) (int64, error)
		}
		want domain.Kind
	}{
		{"over the limit", body("a\nb"), domain.KindMessageTooLarge},
		{"bad body", failingBody{"a\r\n", domain.NewError(domain.KindInvalidInput, "send raw", "line 2 is 999 octets long")}, domain.KindInvalidInput},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, s := mustOpen(t, testConfig(), Deps{}, ehlo("SIZE 5")+quit)
			e := env("a@example.org", "b@example.net")
			e.Measure = true
			_, err := s.Send(t.Context(), e, tt.body)
			wantKind(t, err, tt.want)
			if !s.Reusable() {
				t.Error("a refusal before MAIL left the session unusable")
			}
			_ = s.Close()
			f.wait(t)
		})
	}
}

// TestSendUnscannedBody: BODY=8BITMIME for a body nobody scanned when the
// server offers 8BITMIME, and nothing (no refusal either) when it does not.
func TestSendUnscannedBody(t *testing.T) {
	for _, ext := range []string{"8BITMIME", "PIPELINING"} {
		t.Run(ext, func(t *testing.T) {
			mail := "MAIL FROM:<a@example.org>"
			if ext == "8BITMIME" {
				mail += " BODY=8BITMIME"
			}
			script := ehlo(ext) + `
				C: ` + mail + `
				S: 250 ok
				C: RCPT TO:<b@example.net>
				S: 250 ok
				C: DATA
				S: 354 go
				C: hi
				C: .
				S: 250 ok` + quit
			if ext == "PIPELINING" {
				script = ehlo(ext) + `
				C: ` + mail + `
				C| RCPT TO:<b@example.net>
				C| DATA
				S: 250 ok
				S: 250 ok
				S: 354 go
				C: hi
				C: .
				S: 250 ok` + quit
			}
			f, s := mustOpen(t, testConfig(), Deps{}, script)
			e := env("a@example.org", "b@example.net")
			e.Unscanned = true
			if _, err := send(t, s, e, body("hi\r\n")); err != nil {
				t.Fatalf("Send: %v", err)
			}
			_ = s.Close()
			f.wait(t)
		})
	}
}

// BenchmarkMeasure is the pass the session makes over a message that asks
// to be measured (Envelope.Measure) for a server with SIZE: 1.4 MB of
// 78-octet lines, handed over in runs of 1 MiB through WriteCRLF as a
// checked raw message in memory is ("crlf"), and with bare LF line ends
// through Write ("lf").
func BenchmarkMeasure(b *testing.B) {
	line := bytes.Repeat([]byte("x"), 76)
	var crlfMsg, lfMsg []byte
	for len(crlfMsg) < 1400<<10 {
		crlfMsg = append(append(crlfMsg, line...), '\r', '\n')
		lfMsg = append(append(lfMsg, line...), '\n')
	}
	for _, bb := range []struct {
		name string
		body io.WriterTo
		size int
	}{
		{"crlf", crlfPieces{crlfMsg, 1 << 20}, len(crlfMsg)},
		{"lf", plainPieces{lfMsg}, len(lfMsg)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(bb.size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := measure(bb.body, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// plainPieces writes its text in one Write.
type plainPieces struct{ text []byte }

func (b plainPieces) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(b.text)
	return int64(n), err
}
