//go:build integration

package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/bootstrap"
)

// idleWait is how long the tests leave a pooled session idle: well past
// the idle listener's smtpd_timeout (2 s), with margin for a loaded machine.
const idleWait = 5 * time.Second

// idleConfig is a client of the Postfix listener that hangs up on idle
// connections: no retries and no MinIdle, so nothing but the pool's own
// handling of a dead session can make the second send succeed.
func idleConfig(t *testing.T, pool pool.Config) bootstrap.Config {
	cfg := config(t, "POSTFIX_IDLE_ADDR", tcp.TLSNone)
	cfg.Pool = pool
	cfg.Retry.MaxAttempts = 1
	cfg.CircuitBreaker.Disabled = true
	return cfg
}

// sendTwiceAcrossIdle sends one message, leaves the session idle for
// idleWait, sends another, and checks that both succeeded and each reached
// Postfix exactly once.
func sendTwiceAcrossIdle(t *testing.T, h *harness) {
	t.Helper()
	run := unique(t)
	ids := []string{"first." + run + "@example.test", "second." + run + "@example.test"}
	for i, id := range ids {
		if i > 0 {
			time.Sleep(idleWait)
		}
		res, err := h.client.Send(t.Context(), pooledEmail(t, id, fmt.Sprintf("idle %d %s", i, run)))
		if err != nil {
			t.Fatalf("send %d after %s idle: %v", i+1, idleWait*time.Duration(i), err)
		}
		if res.MessageID != id || len(res.Accepted) != 1 {
			t.Fatalf("send %d = %+v; want %s accepted", i+1, res, id)
		}
	}
	got := awaitReceived(t, run+"@example.test", ids, time.Minute)
	for _, id := range ids {
		if got.accepted(id) != 1 || got.redelivered() != 0 {
			t.Errorf("%s received %v (files by queue ID); want exactly once", id, got[id])
		}
	}
	if len(got) != len(ids) {
		t.Errorf("received %v; want only %v", got, ids)
	}
}

// replies returns the server lines of the transcript that answer the
// command cmd ("MAIL", "NOOP"), i.e. the first server line after it.
func replies(tr *transcript, cmd string) []string {
	lines := strings.Split(tr.String(), "\n")
	var out []string
	for i, l := range lines {
		if !strings.HasPrefix(l, "C: "+cmd) {
			continue
		}
		for _, r := range lines[i+1:] {
			if strings.HasPrefix(r, "S: ") {
				out = append(out, strings.TrimPrefix(r, "S: "))
				break
			}
		}
	}
	return out
}

func count(tr *transcript, prefix string) int {
	n := 0
	for _, l := range strings.Split(tr.String(), "\n") {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// Postfix hangs up on a session idle longer than smtpd_timeout with
// "421 4.4.2 ... timeout exceeded". Without health checks the pool lends it
// as it is; the MAIL on it meets the 421, and the pool replays the send on
// a fresh session in the same slot: no error, no duplicate.
func TestPoolReplaysASendOnASessionPostfixClosedWhileIdle(t *testing.T) {
	h := newClient(t, idleConfig(t, pool.Config{MaxConnections: 2, MinIdle: -1, HealthCheckInterval: -1, IdleTimeout: 5 * time.Minute}))
	sendTwiceAcrossIdle(t, h)

	st := h.client.PoolStatus()
	if st.Total != 1 || st.Idle != 1 || st.InUse != 0 {
		t.Errorf("PoolStatus = %+v; want the one replacement session, idle", st)
	}
	mail := replies(h.tr, "MAIL FROM")
	if len(mail) != 3 || !strings.HasPrefix(mail[1], "421 4.4.2 ") || !strings.HasPrefix(mail[2], "250") {
		t.Errorf("replies to MAIL = %q; want 250, then the idle session's 421 4.4.2, then 250 on the fresh one", mail)
	}
	if n := count(h.tr, "S: 220 "); n != 2 {
		t.Errorf("%d greetings; want 2 (the first session and its replacement)", n)
	}
}

// With health checks every 4 s (longer than smtpd_timeout, so the checks
// never keep the session alive) the NOOP finds the session dead before any
// MAIL is written to it, and a fresh session carries the second message.
func TestPoolHealthCheckFindsASessionPostfixClosedWhileIdle(t *testing.T) {
	h := newClient(t, idleConfig(t, pool.Config{MaxConnections: 1, MinIdle: -1,
		HealthCheckInterval: 4 * time.Second, IdleTimeout: 5 * time.Minute}))
	sendTwiceAcrossIdle(t, h)

	if st := h.client.PoolStatus(); st.Total != 1 || st.InUse != 0 {
		t.Errorf("PoolStatus = %+v; want one session", st)
	}
	noop := replies(h.tr, "NOOP")
	if len(noop) == 0 || !strings.HasPrefix(noop[0], "421 4.4.2 ") {
		t.Errorf("replies to NOOP = %q; want the dead session's 421 4.4.2", noop)
	}
	for _, r := range replies(h.tr, "MAIL FROM") {
		if !strings.HasPrefix(r, "250") {
			t.Errorf("a MAIL got %q: the health check should have caught the dead session first", r)
		}
	}
	if n := count(h.tr, "S: 220 "); n != 2 {
		t.Errorf("%d greetings; want 2", n)
	}
}

// With HealthCheckInterval 1s, shorter than smtpd_timeout, the pool's
// background NOOPs may keep the session alive, or the server may time it
// out between two checks and the NOOP on acquire find it dead: either way
// the second send succeeds on one session, and nothing is sent twice.
func TestPoolHealthCheckEverySecondAgainstPostfixIdleTimeout(t *testing.T) {
	h := newClient(t, idleConfig(t, pool.Config{MaxConnections: 1, MinIdle: -1,
		HealthCheckInterval: time.Second, IdleTimeout: 5 * time.Minute}))
	sendTwiceAcrossIdle(t, h)

	if st := h.client.PoolStatus(); st.Total != 1 || st.InUse != 0 {
		t.Errorf("PoolStatus = %+v; want one session", st)
	}
	t.Logf("replies to NOOP %q, to MAIL %q; greetings: %d", replies(h.tr, "NOOP"), replies(h.tr, "MAIL FROM"), count(h.tr, "S: 220 "))
}
