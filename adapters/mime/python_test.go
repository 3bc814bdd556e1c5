package mime

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

type pyAddress struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
}

type pyPart struct {
	ContentType string   `json:"content_type"`
	Filename    *string  `json:"filename"`
	Disposition *string  `json:"disposition"`
	ContentID   *string  `json:"content_id"`
	Charset     *string  `json:"charset"`
	CTE         *string  `json:"cte"`
	ContentB64  string   `json:"content_b64"`
	Defects     []string `json:"defects"`
}

type pyMessage struct {
	Subject   string              `json:"subject"`
	From      []pyAddress         `json:"from"`
	To        []pyAddress         `json:"to"`
	Cc        []pyAddress         `json:"cc"`
	ReplyTo   []pyAddress         `json:"reply_to"`
	HasBcc    bool                `json:"has_bcc"`
	MessageID string              `json:"message_id"`
	Headers   map[string][]string `json:"headers"`
	Structure string              `json:"structure"`
	Defects   []string            `json:"defects"`
	Parts     []pyPart            `json:"parts"`
}

// parsePython runs testdata/roundtrip.py once on all messages. It fails
// (never skips) when python3 is missing: CI installs it.
func parsePython(t *testing.T, messages [][]byte) []pyMessage {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is required for the round-trip test: %v", err)
	}
	in, err := json.Marshal(messages) // []byte marshals as base64
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "testdata/roundtrip.py", "--batch")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("roundtrip.py: %v\n%s", err, stderr.Bytes())
	}
	var parsed []pyMessage
	if err := json.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("roundtrip.py output: %v\n%s", err, out)
	}
	if len(parsed) != len(messages) {
		t.Fatalf("roundtrip.py parsed %d messages; sent %d", len(parsed), len(messages))
	}
	return parsed
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestRoundTripPython parses every shared case with Python's email package
// (policy.default) and compares what it reads with the input.
func TestRoundTripPython(t *testing.T) {
	cases := encCases()
	emails := make([]*domain.Email, len(cases))
	ids := make([]string, len(cases))
	data := make([][]byte, len(cases))
	for i, tc := range cases {
		emails[i] = tc.email(t)
		m, err := testEncoder(1).Prepare(emails[i], tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		ids[i], data[i] = m.MessageID(), buf.Bytes()
	}
	parsed := parsePython(t, data)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			verifyPython(t, tc, emails[i], parsed[i], ids[i])
		})
	}
}

func verifyPython(t *testing.T, tc encCase, e *domain.Email, py pyMessage, id string) {
	t.Helper()
	if len(py.Defects) > 0 {
		t.Errorf("message defects: %v", py.Defects)
	}
	if py.Structure != tc.structure {
		t.Errorf("structure = %s; want %s", py.Structure, tc.structure)
	}
	if py.Subject != e.Subject {
		t.Errorf("subject = %q; want %q", py.Subject, e.Subject)
	}
	if py.MessageID != "<"+id+">" {
		t.Errorf("message id = %q; want <%s>", py.MessageID, id)
	}
	if py.HasBcc {
		t.Error("Bcc header present")
	}
	cmp := func(field string, got []pyAddress, want []domain.Address) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d addresses; want %d", field, len(got), len(want))
		}
		for i, w := range want {
			mailbox := w.Email()
			if !tc.opts.UTF8 {
				mailbox, _ = w.ASCIIEmail()
			}
			if got[i].Name != w.Name() || got[i].Addr != mailbox {
				t.Errorf("%s[%d] = %+v; want %q <%s>", field, i, got[i], w.Name(), mailbox)
			}
		}
	}
	cmp("From", py.From, []domain.Address{e.From})
	cmp("To", py.To, e.To)
	cmp("Cc", py.Cc, e.Cc)
	cmp("Reply-To", py.ReplyTo, e.ReplyTo)
	for _, h := range e.Headers {
		vals := py.Headers[strings.ToLower(h.Name)]
		found := false
		for _, v := range vals {
			found = found || v == h.Value
		}
		if !found {
			t.Errorf("header %s: Python read %q; want %q among them", h.Name, vals, h.Value)
		}
	}

	single := !strings.HasPrefix(tc.structure, "multipart/")
	want := wantLeaves(t, e)
	for _, p := range py.Parts {
		if len(p.Defects) > 0 {
			t.Errorf("%s part defects: %v", p.ContentType, p.Defects)
		}
		content, err := base64.StdEncoding.DecodeString(p.ContentB64)
		if err != nil {
			t.Fatal(err)
		}
		if p.Disposition == nil && (p.ContentType == "text/plain" || p.ContentType == "text/html") {
			body := e.TextBody
			if p.ContentType == "text/html" {
				body = e.HTMLBody
			}
			if str(p.Charset) != "utf-8" {
				t.Errorf("%s charset %q", p.ContentType, str(p.Charset))
			}
			if string(content) != wantText(body, single) {
				t.Errorf("%s = %q; want %q", p.ContentType, content, wantText(body, single))
			}
			continue
		}
		key := "file:" + str(p.Filename)
		if cid := strings.Trim(str(p.ContentID), "<>"); cid != "" {
			key = "cid:" + cid
		}
		w, ok := want[key]
		if !ok {
			t.Errorf("unexpected part %s %q", p.ContentType, key)
			continue
		}
		delete(want, key)
		if str(p.Filename) != w.filename {
			t.Errorf("%s: filename %q; want %q", key, str(p.Filename), w.filename)
		}
		if str(p.Disposition) != w.disposition {
			t.Errorf("%s: disposition %q; want %q", key, str(p.Disposition), w.disposition)
		}
		if !bytes.Equal(content, w.content) {
			t.Errorf("%s: content differs", key)
		}
	}
	for key := range want {
		t.Errorf("part %s missing", key)
	}
}
