package application

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

const rawWithBcc = "From: a@example.com\r\nTo: b@example.org\r\nBcc: hidden@example.net\r\nMessage-ID: <r1@example.com>\r\n\r\nbody\r\n"

func rawEnvelope() (domain.Address, []domain.Address) {
	return domain.MustParseAddress("a@example.com"), []domain.Address{domain.MustParseAddress("b@example.org")}
}

// onlyReader hides every method of r but Read (a pipe).
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestSendRawReaderStreamsWithoutBccAndCountsTheSize(t *testing.T) {
	f := newFixture(t)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
	var sent string
	f.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).
		DoAndReturn(func(_ context.Context, env ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
			if env.Size != 0 || env.Measure || !env.Unscanned {
				t.Errorf("envelope %+v; a stream's size is unknown before it is sent, and nobody scanned it", env)
			}
			var b strings.Builder
			if _, err := body.WriteTo(&b); err != nil {
				t.Fatal(err)
			}
			sent = b.String()
			return &ports.TxResult{Accepted: env.To, Response: "250"}, nil
		})
	f.session.EXPECT().Close().Return(nil)
	from, to := rawEnvelope()
	res, err := f.client(t, noRetry()).SendRawReader(context.Background(), from, to, onlyReader{strings.NewReader(rawWithBcc)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sent, "hidden") || !strings.Contains(sent, "Message-ID") {
		t.Errorf("sent %q; want the message without its Bcc field", sent)
	}
	if res.Size != int64(len(sent)) || res.MessageID != "r1@example.com" {
		t.Errorf("result Size %d MessageID %q; want %d and r1@example.com", res.Size, res.MessageID, len(sent))
	}
}

func TestSendRawReaderRetriesASeekableMessageButNotAStream(t *testing.T) {
	reset := &domain.Error{Kind: domain.KindConnectionReset, Op: "data"}
	for _, tt := range []struct {
		name  string
		r     func() io.Reader
		sends int
	}{
		{"seekable: retried", func() io.Reader { return strings.NewReader(rawWithBcc) }, 2},
		{"stream: the first failure stands", func() io.Reader { return onlyReader{strings.NewReader(rawWithBcc)} }, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil).Times(tt.sends)
			f.session.EXPECT().Info().Return(caps(false)).AnyTimes()
			f.session.EXPECT().Close().Return(nil).Times(tt.sends)
			f.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Times(tt.sends).
				DoAndReturn(func(_ context.Context, _ ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
					_, _ = body.WriteTo(io.Discard)
					return nil, reset
				})
			from, to := rawEnvelope()
			_, err := f.client(t, retries(2)).SendRawReader(context.Background(), from, to, tt.r())
			if domain.KindOf(err) != domain.KindConnectionReset {
				t.Fatalf("SendRawReader = %v; want the reset itself", err)
			}
		})
	}
}

func TestSendRawRefusesBadInputBeforeTheNetwork(t *testing.T) {
	f := newFixture(t) // no Open expected
	c := f.client(t, WithLimits(Limits{MaxMessageSize: 100, MaxRecipients: 1}))
	from, to := rawEnvelope()
	tests := []struct {
		name string
		to   []domain.Address
		data string
		want domain.Kind
	}{
		{"long line", to, "Subject: x\r\n\r\n" + strings.Repeat("a", 999) + "\r\n", domain.KindInvalidInput},
		{"NUL", to, "Subject: x\r\n\r\na\x00b\r\n", domain.KindInvalidInput},
		{"too large", to, "Subject: x\r\n\r\n" + strings.Repeat("a", 200) + "\r\n", domain.KindMessageTooLarge},
		{"too many recipients", append(to, from), "Subject: x\r\n\r\nx\r\n", domain.KindInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.SendRaw(context.Background(), from, tt.to, []byte(tt.data)); domain.KindOf(err) != tt.want {
				t.Fatalf("SendRaw = %v; want %s", err, tt.want)
			}
		})
	}
}
