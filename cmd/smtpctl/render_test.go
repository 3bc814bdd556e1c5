package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type pyPart struct {
	ContentType string `json:"content_type"`
	Filename    string `json:"filename"`
	ContentID   string `json:"content_id"`
	Content     string `json:"content_b64"`
}

type pyMessage struct {
	Subject string `json:"subject"`
	From    []struct {
		Name string `json:"name"`
		Addr string `json:"addr"`
	} `json:"from"`
	HasBcc  bool                `json:"has_bcc"`
	Headers map[string][]string `json:"headers"`
	Parts   []pyPart            `json:"parts"`
}

// parsePython parses a message with Python's email package (policy=default)
// through the encoder's round-trip script. A missing python3 fails the test.
func parsePython(t *testing.T, msg []byte) pyMessage {
	t.Helper()
	cmd := exec.Command("python3", filepath.Join("..", "..", "adapters", "mime", "testdata", "roundtrip.py"))
	cmd.Stdin = bytes.NewReader(msg)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 email parse: %v (python3 is required: make deps installs it)", err)
	}
	var m pyMessage
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("python output: %v\n%s", err, out)
	}
	return m
}

func checkLineRules(t *testing.T, msg []byte, allow8bit bool) {
	t.Helper()
	for i, line := range bytes.Split(msg, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets long", i, len(line))
		}
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i, line)
		}
		if !allow8bit {
			for _, b := range line {
				if b > 127 {
					t.Fatalf("line %d holds a byte above 127 without --8bit: %q", i, line)
				}
			}
		}
	}
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		t.Error("message does not end with CRLF")
	}
}

func TestRenderRoundTripsThroughPython(t *testing.T) {
	dir := t.TempDir()
	att := make([]byte, 50000)
	_, _ = rand.Read(att)
	img := make([]byte, 2000)
	_, _ = rand.Read(img)
	attPath := writeFile(t, dir, "Übersicht — ✓.pdf", att)
	imgPath := writeFile(t, dir, "logo.png", img)
	text := "Grüße aus Köln ✓\nline two\n"
	html := "<p>Grüße <img src=\"cid:logo@x\"></p>\n"
	for _, eightBit := range []bool{false, true} {
		args := []string{"render", "--from", "Jörg Sender <joerg@example.com>", "--to", "Zoë <zoe@example.org>", "--bcc", "hidden@example.net",
			"--subject", "Grüße — quarterly ✓ " + strings.Repeat("long ", 20), "--text", text, "--html", html,
			"--attach", attPath, "--inline", "logo@x=" + imgPath, "--header", "X-Campaign: spring ✓"}
		if eightBit {
			args = append(args, "--8bit")
		}
		code, out, errOut := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("render exit %d: %s", code, errOut)
		}
		checkLineRules(t, []byte(out), eightBit)
		m := parsePython(t, []byte(out))
		if m.Subject != "Grüße — quarterly ✓ "+strings.TrimSpace(strings.Repeat("long ", 20)) && m.Subject != "Grüße — quarterly ✓ "+strings.Repeat("long ", 20) {
			t.Errorf("subject = %q", m.Subject)
		}
		if len(m.From) != 1 || m.From[0].Name != "Jörg Sender" || m.From[0].Addr != "joerg@example.com" {
			t.Errorf("from = %+v", m.From)
		}
		if m.HasBcc || strings.Contains(out, "hidden@example.net") {
			t.Error("Bcc leaked into the rendered message")
		}
		if got := m.Headers["x-campaign"]; len(got) != 1 || got[0] != "spring ✓" {
			t.Errorf("X-Campaign = %q", got)
		}
		want := map[string][]byte{"text/plain": []byte(strings.ReplaceAll(text, "\n", "\r\n")), "text/html": []byte(strings.ReplaceAll(html, "\n", "\r\n")), "application/pdf": att, "image/png": img}
		for _, p := range m.Parts {
			got, _ := base64.StdEncoding.DecodeString(p.Content)
			w, ok := want[p.ContentType]
			if !ok {
				t.Errorf("unexpected part %s", p.ContentType)
				continue
			}
			if !bytes.Equal(bytes.ReplaceAll(got, []byte("\r\n"), []byte("\n")), bytes.ReplaceAll(w, []byte("\r\n"), []byte("\n"))) {
				t.Errorf("%s part differs (%d vs %d bytes)", p.ContentType, len(got), len(w))
			}
			if p.ContentType == "application/pdf" && p.Filename != "Übersicht — ✓.pdf" {
				t.Errorf("filename = %q", p.Filename)
			}
			if p.ContentType == "image/png" && strings.Trim(p.ContentID, "<>") != "logo@x" {
				t.Errorf("Content-ID = %q", p.ContentID)
			}
			delete(want, p.ContentType)
		}
		if len(want) != 0 {
			t.Errorf("parts missing: %v", want)
		}
	}
}

func TestRenderRefusesInjection(t *testing.T) {
	dir := t.TempDir()
	evilFile := writeFile(t, dir, "a\r\nBcc: evil@example.net.txt", []byte("x"))
	base := []string{"render", "--from", "a@example.com", "--to", "b@example.org", "--text", "hi"}
	tests := []struct {
		name string
		args []string
	}{
		{"subject", []string{"--subject", "hi\r\nBcc: evil@example.net"}},
		{"subject LF", []string{"--subject", "hi\nX-Evil: 1"}},
		{"display name", []string{"--cc", "\"Evil\r\nBcc: evil@example.net\" <c@example.org>"}},
		{"header value", []string{"--header", "X-Test: ok\r\nBcc: evil@example.net"}},
		{"header name", []string{"--header", "X Evil: 1"}},
		{"reserved header", []string{"--header", "Bcc: evil@example.net"}},
		{"filename", []string{"--attach", evilFile}},
		{"address", []string{"--to", "x@example.org>\r\nRCPT TO:<evil@example.net"}},
		{"missing attachment", []string{"--attach", filepath.Join(dir, "nope.pdf")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append(append([]string{}, base...), tt.args...)...)
			if code != exitDataErr {
				t.Fatalf("exit %d, want 65; stderr %q", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout is not empty on failure: %q", out)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.HasPrefix(errOut, "smtpctl render: ") {
				t.Errorf("stderr is not one clear line: %q", errOut)
			}
		})
	}
}

func TestRenderUsage(t *testing.T) {
	tests := [][]string{
		{"render"},
		{"render", "--from", "a@example.com"},
		{"render", "--from", "a@example.com", "--to", "b@example.org", "--text", "x", "--text-file", "f"},
		{"render", "--bogus"},
		{"render", "--from", "a@example.com", "--to", "b@example.org", "extra"},
		{"nosuchcommand"},
		{},
	}
	for _, args := range tests {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want 64", args, code)
		}
	}
	if code, _, errOut := runCLI(t, "help"); code != 0 || !strings.Contains(errOut, "render") {
		t.Errorf("help: exit %d, %q", code, errOut)
	}
}
