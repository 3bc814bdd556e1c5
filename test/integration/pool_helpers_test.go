//go:build integration

package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
)

// pooledEmail is a one-recipient message whose Message-ID is id.
func pooledEmail(t *testing.T, id, subject string) *domain.Email {
	t.Helper()
	e, err := domain.NewEmail().From("sender@example.test").To("pool@example.test").
		Subject(subject).Text("pooled session test\n").MessageID(id).Build()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// messageIDOf returns the Message-ID of a stored message, without angle
// brackets, or "".
func messageIDOf(data []byte) string {
	for _, line := range bytes.Split(headerOf(data), []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(name), "Message-ID") {
			return strings.Trim(strings.TrimSpace(string(value)), "<>")
		}
	}
	return ""
}

// arrivals is what Postfix delivered, by Message-ID: the queue IDs of the
// transactions that carried it (one per time a client sent it and smtpd
// took it), each with the number of files delivered for it. Postfix
// delivers at least once: a delivery agent killed before it reported
// success (a "postfix stop") delivers the same queue file again, which is
// not the client sending twice.
type arrivals map[string]map[string]int

// accepted is how many transactions carrying id the server accepted.
func (a arrivals) accepted(id string) int { return len(a[id]) }

// redelivered counts the files Postfix delivered again for a queue ID it
// had delivered already.
func (a arrivals) redelivered() int {
	n := 0
	for _, queued := range a {
		for _, files := range queued {
			n += files - 1
		}
	}
	return n
}

// receivedIDs reads every message Postfix delivered into POSTFIX_MAILDIR
// ("<time>-<queue id>-<pid>.eml") whose Message-ID has suffix.
func receivedIDs(t *testing.T, suffix string) arrivals {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(env(t, "POSTFIX_MAILDIR"), "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	got := arrivals{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		id := messageIDOf(data)
		if !strings.HasSuffix(id, suffix) {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(filepath.Base(f), ".eml"), "-")
		if len(parts) != 3 {
			t.Fatalf("delivered file %s is not named <time>-<queue id>-<pid>.eml", f)
		}
		if got[id] == nil {
			got[id] = map[string]int{}
		}
		got[id][parts[1]]++
	}
	return got
}

// postfixQueueEmpty reports whether the test Postfix holds no message that
// it may still deliver (incoming, active, deferred and maildrop are empty).
func postfixQueueEmpty(t *testing.T) bool {
	t.Helper()
	queue := filepath.Join(env(t, "SMTP_TEST_DIR"), "postfix", "queue")
	for _, dir := range []string{"incoming", "active", "deferred", "maildrop"} {
		found := false
		_ = filepath.WalkDir(filepath.Join(queue, dir), func(_ string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				found = true
				return filepath.SkipAll
			}
			return nil
		})
		if found {
			return false
		}
	}
	return true
}

// awaitReceived polls the Postfix delivery directory until every ID of want
// is there and the queue is empty (so late deliveries have landed), or
// until timeout, and returns the counts by Message-ID of messages with
// suffix. It fails the test only when a wanted ID is still missing.
func awaitReceived(t *testing.T, suffix string, want []string, timeout time.Duration) arrivals {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := receivedIDs(t, suffix)
		var missing []string
		for _, id := range want {
			if got.accepted(id) == 0 {
				missing = append(missing, id)
			}
		}
		empty := postfixQueueEmpty(t)
		if len(missing) == 0 && empty {
			return got
		}
		if time.Now().After(deadline) {
			if len(missing) > 0 {
				t.Fatalf("%d of %d messages never reached %s within %s (queue empty: %v), e.g. %v",
					len(missing), len(want), env(t, "POSTFIX_MAILDIR"), timeout, empty, missing[:min(len(missing), 5)])
			}
			t.Logf("the Postfix queue is still not empty after %s (another run's mail?); counting what arrived", timeout)
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// awaitGreeting dials addr until a server answers with a 220 greeting,
// failing the test after timeout.
func awaitGreeting(t *testing.T, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if last = greeting(addr); last == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s gives no 220 greeting within %s: %v", addr, timeout, last)
}

func greeting(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "220") {
		return fmt.Errorf("greeting %q", line)
	}
	_, _ = c.Write([]byte("QUIT\r\n"))
	return nil
}

// postfixRun runs the test instance's postfix command, e.g. "start" or
// "quick-stop". It may be called off the test's goroutine.
func postfixRun(args ...string) error {
	dir := os.Getenv("POSTFIX_CONFIG_DIR")
	if dir == "" {
		return fmt.Errorf("POSTFIX_CONFIG_DIR is not set: restart the servers with scripts/servers/start.sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Output goes to a file, not a pipe: the daemons that "start" leaves
	// running would hold a pipe open, and the command would never return.
	out, err := os.CreateTemp("", "postfix-*.log")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := exec.CommandContext(ctx, "/usr/sbin/postfix", append([]string{"-c", dir}, args...)...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		text, _ := os.ReadFile(out.Name())
		return fmt.Errorf("postfix %s: %w\n%s", strings.Join(args, " "), err, text)
	}
	return nil
}
