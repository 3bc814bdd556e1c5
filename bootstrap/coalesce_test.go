package bootstrap_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/smtptest"
)

// wireLog records the protocol lines of every session.
type wireLog struct {
	mu    sync.Mutex
	lines []string // "C: ..." sent, "S: ..." received
}

func (w *wireLog) Line(sent bool, line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if sent {
		w.lines = append(w.lines, "C: "+line)
	} else {
		w.lines = append(w.lines, "S: "+line)
	}
}

// pipelinedMessages counts the MAIL commands sent after a message's final
// dot and before the server's reply to it: messages pipelined behind
// another one on the same session (one session here).
func (w *wireLog) pipelinedMessages() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, afterDot := 0, false
	for _, l := range w.lines {
		switch {
		case l == "C: .":
			afterDot = true
		case strings.HasPrefix(l, "S: "):
			afterDot = false
		case afterDot && strings.HasPrefix(l, "C: MAIL FROM:"):
			n++
		}
	}
	return n
}

// TestConfigCoalesce: Config.Coalesce reaches the client. Eight sends wait
// for the only session while the first one's final reply is late: by
// default they go together, pipelined; with Coalesce 1 each goes alone.
func TestConfigCoalesce(t *testing.T) {
	for _, tt := range []struct {
		coalesce  int
		pipelined bool
	}{{0, true}, {1, false}} {
		srv := smtptest.Start(t)
		srv.Delay("DATA", 200*time.Millisecond) // the session stays busy while the others queue
		cfg := plainConfig(srv)
		cfg.Pool.MaxConnections, cfg.Pool.MinIdle, cfg.Coalesce = 1, -1, tt.coalesce
		log := &wireLog{}
		client, err := bootstrap.NewClient(cfg, bootstrap.WithTranscript(log))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				_, err := client.Send(context.Background(), email(t))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("Coalesce %d: %v", tt.coalesce, err)
			}
		}
		if err := client.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Messages()); n != 8 {
			t.Errorf("Coalesce %d: server got %d messages; want 8", tt.coalesce, n)
		}
		if n := log.pipelinedMessages(); (n > 0) != tt.pipelined {
			t.Errorf("Coalesce %d: %d messages pipelined behind another; want pipelining %v", tt.coalesce, n, tt.pipelined)
		}
	}
}
