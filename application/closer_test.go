package application

import (
	"context"
	"errors"
	"testing"

	"github.com/integrations/smtp/domain"
)

type countingCloser struct {
	n   int
	err error
}

func (c *countingCloser) Close() error { c.n++; return c.err }

func TestCloseClosesTheClosersOnce(t *testing.T) {
	f := newFixture(t)
	cl := &countingCloser{}
	c := f.client(t, WithCloser(cl))
	if err := c.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if cl.n != 1 {
		t.Errorf("closer closed %d times; want once", cl.n)
	}
}

func TestCloseReportsAFailingCloser(t *testing.T) {
	f := newFixture(t)
	boom := errors.New("boom")
	c := f.client(t, WithCloser(&countingCloser{err: boom}))
	err := c.Close(context.Background())
	if !errors.Is(err, boom) || domain.AsError(err) == nil {
		t.Errorf("Close error = %v; want a *domain.Error wrapping the closer's", err)
	}
}
