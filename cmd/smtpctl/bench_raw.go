package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"time"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// How raw mode gets its message (benchOutput.RawSource).
const (
	rawRendered   = "rendered"    // one bench message rendered before the clock, SendRaw
	rawFileBytes  = "file-bytes"  // --message-file read into memory before the clock, SendRaw
	rawFileStream = "file-stream" // --message-file opened for every send, SendRawReader
)

// rawReaderSender is a client that streams a prebuilt message from a
// reader.
type rawReaderSender interface {
	SendRawReader(ctx context.Context, from domain.Address, to []domain.Address, r io.Reader) (*domain.SendResult, error)
}

// clientStreams reports whether the clients that newClient returns can
// stream a raw message (SendRawReader), without making one.
func clientStreams[C any](_ func(bootstrap.Config, ...bootstrap.ClientOption) (C, error)) bool {
	var zero C
	_, ok := any(zero).(rawReaderSender)
	return ok
}

// rawCall returns raw mode's call, and sets o.rawSource. Errors are
// usage errors for a --message-file that cannot be read and config errors
// for an envelope that does not parse.
func (o *benchOptions) rawCall() (benchCall, error) {
	from, err := domain.ParseAddress(o.from)
	if err != nil {
		return nil, &configError{&domain.Error{Kind: domain.KindInvalidFromAddress, Op: "envelope", Message: "--from", Err: err}}
	}
	rcpt, err := domain.ParseAddress(o.to)
	if err != nil {
		return nil, &configError{&domain.Error{Kind: domain.KindInvalidRecipientAddress, Op: "envelope", Message: "--to", Err: err}}
	}
	to := []domain.Address{rcpt}
	var data []byte
	switch {
	case o.messageFile == "":
		o.rawSource = rawRendered
		if data, err = benchRaw(o.size, o.from, o.to); err != nil {
			return nil, err
		}
	case !o.rawBytes && clientStreams(bootstrap.NewClient):
		o.rawSource = rawFileStream
		st, err := os.Stat(o.messageFile)
		if err != nil {
			return nil, &usageError{"--message-file: " + err.Error()}
		}
		o.size = int(st.Size())
		return func(ctx context.Context, c benchClient, _ int, r *benchResult) {
			t0 := time.Now()
			f, err := os.Open(o.messageFile)
			if err != nil {
				r.fail(&domain.Error{Kind: domain.KindInvalidInput, Op: "read message", Err: err}, 1)
				return
			}
			defer f.Close()
			res, err := c.(rawReaderSender).SendRawReader(ctx, from, to, f)
			r.record(res, err, time.Since(t0))
		}, nil
	default:
		o.rawSource = rawFileBytes
		if data, err = os.ReadFile(o.messageFile); err != nil {
			return nil, &usageError{"--message-file: " + err.Error()}
		}
		o.size = len(data)
	}
	return func(ctx context.Context, c benchClient, _ int, r *benchResult) {
		t0 := time.Now()
		res, err := c.SendRaw(ctx, from, to, data)
		r.record(res, err, time.Since(t0))
	}, nil
}

// benchRaw renders one bench message for SendRaw.
func benchRaw(size int, from, to string) ([]byte, error) {
	emails, err := benchMessages(1, size, 0, from, to)
	if err != nil {
		return nil, err
	}
	msg, err := bootstrap.NewEncoder().Prepare(emails[0], ports.EncodeOptions{})
	if err != nil {
		return nil, &configError{err}
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, &configError{err}
	}
	return buf.Bytes(), nil
}
