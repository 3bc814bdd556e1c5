//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// env reads a variable written by scripts/servers/start.sh; a missing one
// fails the test (the servers must be running).
func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: start the servers with scripts/servers/start.sh and source $SMTP_TEST_DIR/env (make integration does both)", name)
	}
	return v
}

func hostPort(t *testing.T, addrVar string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(env(t, addrVar))
	if err != nil {
		t.Fatalf("%s: %v", addrVar, err)
	}
	port, _ := strconv.Atoi(p)
	return h, port
}

// config returns a configuration for the server at addrVar.
func config(t *testing.T, addrVar string, mode tcp.TLSMode) bootstrap.Config {
	t.Helper()
	cfg := bootstrap.Config{}
	cfg.Host, cfg.Port = hostPort(t, addrVar)
	cfg.TLSMode = mode
	cfg.TLS.CAFile = env(t, "SMTP_TEST_CA")
	cfg.TLS.ServerName = "localhost"
	cfg.LocalName = "client.example.test"
	cfg.Retry.MaxAttempts = 1
	cfg.CircuitBreaker.Disabled = true
	cfg.Pool.MinIdle = -1 // the tests count connections: no warm spare
	cfg.Timeouts = tcp.Timeouts{Connect: 10 * time.Second, Greeting: 30 * time.Second, Command: 30 * time.Second,
		Mail: 30 * time.Second, Rcpt: 30 * time.Second, DataInit: 30 * time.Second, DataBlock: time.Minute, DataTerm: 2 * time.Minute}
	return cfg
}

// capture is an encoder that records the bytes of every message it writes,
// so a test can compare what was sent with what the server received.
type capture struct {
	inner ports.Encoder
	mu    sync.Mutex
	sent  map[string][]byte // by Message-ID: the last full write
}

func newCapture() *capture { return &capture{inner: bootstrap.NewEncoder(), sent: map[string][]byte{}} }

func (c *capture) Prepare(e *domain.Email, o ports.EncodeOptions) (ports.Message, error) {
	m, err := c.inner.Prepare(e, o)
	if err != nil {
		return nil, err
	}
	return &capturedMessage{Message: m, c: c}, nil
}

func (c *capture) bytes(t *testing.T, id string) []byte {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.sent[id]
	if !ok {
		t.Fatalf("no message %s was written", id)
	}
	return b
}

type capturedMessage struct {
	ports.Message
	c *capture
}

func (m *capturedMessage) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	n, err := m.Message.WriteTo(io.MultiWriter(w, &buf))
	if err == nil {
		m.c.mu.Lock()
		m.c.sent[m.MessageID()] = buf.Bytes()
		m.c.mu.Unlock()
	}
	return n, err
}

// transcript records protocol lines for assertions and failure logs.
type transcript struct {
	mu    sync.Mutex
	lines []string
}

func (tr *transcript) Line(sent bool, line string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	dir := "S: "
	if sent {
		dir = "C: "
	}
	tr.lines = append(tr.lines, dir+line)
}

func (tr *transcript) String() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return strings.Join(tr.lines, "\n")
}

type harness struct {
	client *application.Client
	cap    *capture
	tr     *transcript
}

func newClient(t *testing.T, cfg bootstrap.Config) *harness {
	t.Helper()
	h := &harness{cap: newCapture(), tr: &transcript{}}
	c, err := bootstrap.NewClient(cfg, bootstrap.WithEncoder(h.cap), bootstrap.WithTranscript(h.tr))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() {
		_ = c.Close(context.Background())
		if t.Failed() {
			t.Logf("transcript:\n%s", h.tr)
		}
	})
	h.client = c
	return h
}

func (h *harness) send(t *testing.T, e *domain.Email) *domain.SendResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := h.client.Send(ctx, e)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return res
}

// unique returns a string no earlier run has used, for subjects and IDs.
func unique(t *testing.T) string {
	return fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
}

// delivered is a message the Postfix pipe transport wrote.
type delivered struct {
	Sender     string
	Recipients []string
	Data       []byte
}

// postfixMessage polls POSTFIX_MAILDIR for the message carrying marker in its
// header (delivery is asynchronous) and returns it.
func postfixMessage(t *testing.T, marker string) delivered {
	t.Helper()
	dir := env(t, "POSTFIX_MAILDIR")
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil || !bytes.Contains(headerOf(data), []byte(marker)) {
				continue
			}
			envData, err := os.ReadFile(strings.TrimSuffix(f, ".eml") + ".env")
			if err != nil {
				t.Fatalf("envelope of %s: %v", f, err)
			}
			lines := strings.Split(strings.TrimRight(string(envData), "\n"), "\n")
			rcpts := append([]string(nil), lines[1:]...)
			sort.Strings(rcpts) // Postfix sorts and de-duplicates recipients
			return delivered{Sender: lines[0], Recipients: rcpts, Data: data}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no message with %q reached %s within 60 s", marker, dir)
	return delivered{}
}

func headerOf(data []byte) []byte {
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		return data[:i]
	}
	return data
}

// mailpitRaw polls a Mailpit API for the message with messageID and returns
// its raw source.
func mailpitRaw(t *testing.T, api, messageID string) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(api + "/api/v1/search?query=" + urlQuery("message-id:"+messageID))
		if err == nil {
			var list struct {
				Messages []struct {
					ID        string `json:"ID"`
					MessageID string `json:"MessageID"`
				} `json:"messages"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
			for _, m := range list.Messages {
				if m.MessageID == messageID {
					raw, err := http.Get(api + "/api/v1/message/" + m.ID + "/raw")
					if err != nil {
						t.Fatalf("mailpit raw: %v", err)
					}
					defer raw.Body.Close()
					b, err := io.ReadAll(raw.Body)
					if err != nil {
						t.Fatalf("mailpit raw: %v", err)
					}
					return b
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("mailpit at %s has no message %s", api, messageID)
	return nil
}

func urlQuery(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", ":", "%3A", "@", "%40", "+", "%2B", "&", "%26", "#", "%23", "=", "%3D")
	return r.Replace(s)
}

// assertSameMessage checks that got ends with want (Mailpit prepends
// Return-Path and Received) or equals it (Postfix read-back).
func assertSuffix(t *testing.T, got, want []byte) {
	t.Helper()
	if !bytes.HasSuffix(got, want) && !bytes.HasSuffix(bytes.ReplaceAll(got, []byte("\r\n"), []byte("\n")), bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))) {
		t.Fatalf("received message differs from the one sent:\n--- sent (%d bytes, head)\n%s\n--- received (%d bytes, head)\n%s", len(want), head(want), len(got), head(got))
	}
}

func head(b []byte) string {
	if len(b) > 1500 {
		b = b[:1500]
	}
	return string(b)
}
