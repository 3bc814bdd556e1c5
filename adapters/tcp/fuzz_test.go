package tcp

import (
	"bufio"
	"bytes"
	"testing"
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
