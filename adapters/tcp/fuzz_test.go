package tcp

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

func FuzzBodyWriter(f *testing.F) {
	for _, s := range []string{"", ".", "a\r\n.\r\nb", "\n.\n", "\r.\r", "\r\n.\r", "..\r\n\r\n.\r\n", "x\r", "\r\r\n\n\r"} {
		f.Add([]byte(s), []byte{1, 2, 3})
	}
	f.Fuzz(func(t *testing.T, in, cuts []byte) {
		var parts [][]byte
		rest := in
		for _, c := range cuts {
			n := min(int(c)%8, len(rest))
			parts = append(parts, rest[:n])
			rest = rest[n:]
		}
		parts = append(parts, rest)
		out := writeSplit(t, true, parts...)

		if want := dataOutput(in); !bytes.Equal(out, want) {
			t.Fatalf("got %q, want %q", out, want)
		}
		if !bytes.HasSuffix(out, []byte("\r\n.\r\n")) && !bytes.Equal(out, terminator) {
			t.Fatalf("%q does not end with CRLF.CRLF", out)
		}
		content := out[:len(out)-len(terminator)]
		for i, c := range content {
			if c == '\r' && (i+1 == len(content) || content[i+1] != '\n') {
				t.Fatalf("bare CR at %d in %q", i, content)
			}
			if c == '\n' && (i == 0 || content[i-1] != '\r') {
				t.Fatalf("bare LF at %d in %q", i, content)
			}
		}
		// Un-stuffing gives back the normalised input.
		var unstuffed bytes.Buffer
		for _, line := range bytes.SplitAfter(content, crlf) {
			if len(line) == 0 {
				continue
			}
			if line[0] == '.' {
				if len(line) < 2 || line[1] != '.' {
					t.Fatalf("line %q starts with an unstuffed dot", line)
				}
				line = line[1:]
			}
			unstuffed.Write(line)
		}
		norm := reference(in, false)
		if len(norm) > 0 && !bytes.HasSuffix(norm, crlf) {
			norm = append(norm, crlf...)
		}
		if !bytes.Equal(unstuffed.Bytes(), norm) {
			t.Fatalf("unstuffed %q, normalised input %q", unstuffed.Bytes(), norm)
		}
	})
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"250 ok\r\n", "250-a\r\n250 b\r\n", "220 hi\n", "SSH-2.0-x\r\n", "250-x\r\n", "550 5.1.1 no\r\n354 go\r\n",
		"250 \x00\r\n", "999 x\r\n", "250-a\r\n251 b\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(in), maxLineLength)
		for range len(in) + 1 {
			r, err := readReply(br, nil)
			if err != nil {
				return
			}
			if len(r.Lines) == 0 || len(r.Lines) > maxReplyLines || r.Code < 200 || r.Code > 559 {
				t.Fatalf("reply out of bounds: %+v", r)
			}
			for _, l := range r.Lines {
				if len(l) > maxLineLength || bytes.ContainsAny([]byte(l), "\r\n\x00") {
					t.Fatalf("bad line %q", l)
				}
			}
		}
		t.Fatal("readReply returned more replies than there are octets")
	})
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		"250 OK", "250", "250-mx.example.com\r\n250-SIZE 1000\r\n250 8BITMIME", "550 5.1.1 no such user",
		"421-4.7.0 Try again\r\n421 4.7.0 later", "250 5.1.1 odd", "550 5.1.1000 x", "550 6.1.1 x",
		"250-a\r\n251 b", "250-a", "250 a\r\n250 b", "99 x", "", "\r\n", "2500 x", "250 a\nb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Split(s, "\r\n")
		for _, line := range lines {
			code, more, text, err := parseReplyLine(line)
			if err != nil {
				if domain.KindOf(err) != domain.KindInvalidResponse {
					t.Fatalf("parseReplyLine(%q) error kind %v", line, domain.KindOf(err))
				}
				continue
			}
			if code < 200 || code > 559 || code%100 > 59 {
				t.Fatalf("parseReplyLine(%q) code %d", line, code)
			}
			if strings.ContainsAny(text, "\r\n\x00") {
				t.Fatalf("parseReplyLine(%q) text %q has a control character", line, text)
			}
			if more && line[3] != '-' {
				t.Fatalf("parseReplyLine(%q) says more without a hyphen", line)
			}
		}
		r, err := parseReply(lines)
		if err != nil {
			if domain.KindOf(err) != domain.KindInvalidResponse {
				t.Fatalf("parseReply(%q) error kind %v", lines, domain.KindOf(err))
			}
			return
		}
		if r.Code < 200 || r.Code > 599 {
			t.Fatalf("parseReply(%q) code %d", lines, r.Code)
		}
		if len(r.Lines) != len(lines) {
			t.Fatalf("parseReply(%q) has %d lines, want %d", lines, len(r.Lines), len(lines))
		}
		if !r.Enhanced.IsZero() && r.Enhanced.Class != r.Code/100 {
			t.Fatalf("parseReply(%q): enhanced %v does not match code %d", lines, r.Enhanced, r.Code)
		}
		kinds := 0
		for _, b := range []bool{r.Positive(), r.Intermediate(), r.TransientNegative(), r.PermanentNegative()} {
			if b {
				kinds++
			}
		}
		if kinds != 1 {
			t.Fatalf("parseReply(%q): code %d falls in %d classes", lines, r.Code, kinds)
		}
		e := negativeReplyError(stageRcpt, r)
		if (e != nil) != (r.Code >= 400) {
			t.Fatalf("negativeReplyError(%d) = %v", r.Code, e)
		}
		if e != nil && (e.Kind == domain.KindUnknown || e.Code != r.Code || domain.IsTemporary(e) == domain.IsPermanent(e)) {
			t.Fatalf("negativeReplyError(%q) = %+v", lines, e)
		}
		for i, line := range lines {
			if strings.Contains(r.Lines[i], "\r") || len(r.Lines[i]) > len(line) {
				t.Fatalf("parseReply(%q): line %d text %q", lines, i, r.Lines[i])
			}
		}
	})
}

func FuzzParseEHLO(f *testing.F) {
	for _, s := range []string{
		"mx.example.com\nPIPELINING\nSIZE 10240000\nSTARTTLS\nAUTH PLAIN LOGIN\n8BITMIME",
		"smtp.gmail.com at your service\nAUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH",
		"x\nAUTH=LOGIN PLAIN\nAUTH LOGIN", "x\nauth auto\nsize", "x\nSIZE 0\nSIZE -1\nSIZE 99999999999999999999",
		"", "\n\n", "x\n=\nAUTH=\n AUTH", "x\nAUTH\tPLAIN",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := parseEHLO(strings.Split(s, "\n"))
		for _, m := range c.Auth {
			if m == domain.AuthAuto {
				t.Fatalf("parseEHLO(%q): AuthAuto in Auth", s)
			}
			found := false
			for _, raw := range c.AuthRaw {
				found = found || raw == m.String()
			}
			if !found {
				t.Fatalf("parseEHLO(%q): %v in Auth but not in AuthRaw %q", s, m, c.AuthRaw)
			}
			if !c.SupportsAuth(m) {
				t.Fatalf("parseEHLO(%q): SupportsAuth(%v) = false", s, m)
			}
		}
		seen := map[string]bool{}
		for _, raw := range c.AuthRaw {
			if seen[raw] || raw != refUpper(raw) || raw == "" {
				t.Fatalf("parseEHLO(%q): AuthRaw %q has a duplicate, lower-case or empty name", s, c.AuthRaw)
			}
			seen[raw] = true
		}
		if c.MaxSize < 0 || (c.MaxSize > 0 && !c.Size) {
			t.Fatalf("parseEHLO(%q): Size %v MaxSize %d", s, c.Size, c.MaxSize)
		}
		for kw := range c.Params {
			if kw != refUpper(kw) || !c.Has(kw) || !c.Has(refLower(kw)) {
				t.Fatalf("parseEHLO(%q): keyword %q not upper-case or not found by Has", s, kw)
			}
		}
		if len(c.AuthRaw) > 0 && !c.Has("AUTH") {
			t.Fatalf("parseEHLO(%q): mechanisms without an AUTH keyword", s)
		}
	})
}

// refUpper and refLower change ASCII letters only, byte by byte, so
// that invalid UTF-8 survives them.
func refUpper(s string) string { return mapASCII(s, 'a', 'z', 'A'-'a') }

func refLower(s string) string { return mapASCII(s, 'A', 'Z', 'a'-'A') }

func mapASCII(s string, lo, hi byte, delta int) string {
	b := []byte(s)
	for i, c := range b {
		if c >= lo && c <= hi {
			b[i] = byte(int(c) + delta)
		}
	}
	return string(b)
}
