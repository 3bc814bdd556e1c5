package tcp

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
)

// reference normalises in the slow, obvious way: every CRLF, bare CR and
// bare LF becomes CRLF and, with stuff, a line starting with "." gets
// another.
func reference(in []byte, stuff bool) []byte {
	s := strings.ReplaceAll(string(in), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	var b bytes.Buffer
	for i, l := range lines {
		last := i == len(lines)-1
		if last && l == "" {
			break
		}
		if stuff && strings.HasPrefix(l, ".") {
			b.WriteByte('.')
		}
		b.WriteString(l)
		if !last {
			b.WriteString("\r\n")
		}
	}
	return b.Bytes()
}

// dataOutput is what DATA sends for in: the reference, the last line ended,
// and the final dot.
func dataOutput(in []byte) []byte {
	out := reference(in, true)
	if len(out) > 0 && !bytes.HasSuffix(out, crlf) {
		out = append(out, crlf...)
	}
	return append(out, terminator...)
}

// writeSplit writes parts through a bodyWriter and terminates it when stuff
// is set.
func writeSplit(t testing.TB, stuff bool, parts ...[]byte) []byte {
	var out bytes.Buffer
	w := newBodyWriter(&out, stuff)
	for _, p := range parts {
		n, err := w.Write(p)
		if err != nil || n != len(p) {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
	}
	if stuff {
		if err := w.terminate(); err != nil {
			t.Fatalf("terminate: %v", err)
		}
	}
	return out.Bytes()
}

func TestBodyWriter(t *testing.T) {
	tests := []struct {
		name string
		give []string // the Write calls
		want string
	}{
		{"empty", nil, ".\r\n"},
		{"one line without end", []string{"a"}, "a\r\n.\r\n"},
		{"crlf kept", []string{"a\r\nb\r\n"}, "a\r\nb\r\n.\r\n"},
		{"bare LF", []string{"a\nb\n"}, "a\r\nb\r\n.\r\n"},
		{"bare CR", []string{"a\rb\r"}, "a\r\nb\r\n.\r\n"},
		{"CR CR LF", []string{"a\r\r\nb"}, "a\r\n\r\nb\r\n.\r\n"},
		{"LF CR", []string{"a\n\rb"}, "a\r\n\r\nb\r\n.\r\n"},
		{"leading dot", []string{".a"}, "..a\r\n.\r\n"},
		{"lone dot line", []string{"a\r\n.\r\nb"}, "a\r\n..\r\nb\r\n.\r\n"},
		{"smuggling LF.LF", []string{"a\n.\nb"}, "a\r\n..\r\nb\r\n.\r\n"},
		{"smuggling CR.CR", []string{"a\r.\rb"}, "a\r\n..\r\nb\r\n.\r\n"},
		{"smuggling CRLF.CR", []string{"a\r\n.\rb"}, "a\r\n..\r\nb\r\n.\r\n"},
		{"smuggling CRLF.LF", []string{"a\r\n.\nb"}, "a\r\n..\r\nb\r\n.\r\n"},
		{"dot not at line start", []string{"a.b\r\n"}, "a.b\r\n.\r\n"},
		{"CRLF split", []string{"a\r", "\nb"}, "a\r\nb\r\n.\r\n"},
		{"dot after split line end", []string{"a\r\n", ".b"}, "a\r\n..b\r\n.\r\n"},
		{"dot after split CR", []string{"a\r", ".b"}, "a\r\n..b\r\n.\r\n"},
		{"dot after split CR then LF", []string{"a\r", "\n", ".b"}, "a\r\n..b\r\n.\r\n"},
		{"dot in its own write", []string{"a\r\n", ".", "\r\n"}, "a\r\n..\r\n.\r\n"},
		{"dot mid-line across writes", []string{"a", ".b"}, "a.b\r\n.\r\n"},
		{"CRs across writes", []string{"\r", "\r", "\n"}, "\r\n\r\n.\r\n"},
		{"ends with CRLF", []string{"x\r\n"}, "x\r\n.\r\n"},
		{"ends with CR", []string{"x\r"}, "x\r\n.\r\n"},
		{"empty writes", []string{"", "a", "", "\r", "", "\n"}, "a\r\n.\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts [][]byte
			for _, p := range tt.give {
				parts = append(parts, []byte(p))
			}
			if got := string(writeSplit(t, true, parts...)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBodyWriterWithoutStuffing(t *testing.T) {
	got := writeSplit(t, false, []byte(".a\n.\r"), []byte("\n"), []byte(".b\r"))
	if want := ".a\r\n.\r\n.b\r\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestBodyWriterEverySplit(t *testing.T) {
	inputs := []string{
		"Subject: x\r\n\r\n.hidden\r\n..two\n.\n\r.\r\r\n.\rend",
		"\n\n\r\r\r\n\n.\n..\r\n.",
		"no line end at all. . .",
	}
	for _, in := range inputs {
		want := dataOutput([]byte(in))
		for i := 0; i <= len(in); i++ {
			for j := i; j <= len(in); j++ {
				got := writeSplit(t, true, []byte(in[:i]), []byte(in[i:j]), []byte(in[j:]))
				if !bytes.Equal(got, want) {
					t.Fatalf("%q split at %d,%d: got %q, want %q", in, i, j, got, want)
				}
			}
		}
	}
}

type errWriter struct{ after int }

func (w *errWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errBoom
	}
	w.after--
	return len(p), nil
}

func TestBodyWriterStopsOnWriteError(t *testing.T) {
	for after := 0; after < 4; after++ {
		w := newBodyWriter(&errWriter{after: after}, true)
		var err error
		for _, p := range []string{".a\n", "b\rc", "d"} {
			if _, err = w.Write([]byte(p)); err != nil {
				break
			}
		}
		if err == nil {
			err = w.terminate()
		}
		if !errors.Is(err, errBoom) {
			t.Errorf("after %d writes: err = %v", after, err)
		}
		if _, err := w.Write([]byte("more")); !errors.Is(err, errBoom) {
			t.Errorf("after %d writes: later Write err = %v", after, err)
		}
		if err := w.terminate(); !errors.Is(err, errBoom) {
			t.Errorf("after %d writes: later terminate err = %v", after, err)
		}
	}
}

// writeMixed writes parts through a DATA bodyWriter, part i with WriteCRLF
// when crlf[i] is set and with Write otherwise, and terminates it.
func writeMixed(t testing.TB, parts [][]byte, crlf []bool) []byte {
	var out bytes.Buffer
	w := newBodyWriter(&out, true)
	for i, p := range parts {
		write := w.Write
		if crlf[i] {
			write = w.WriteCRLF
		}
		n, err := write(p)
		if err != nil || n != len(p) {
			t.Fatalf("write(%q) = %d, %v", p, n, err)
		}
	}
	if err := w.terminate(); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	return out.Bytes()
}

func TestBodyWriterWriteCRLF(t *testing.T) {
	tests := []struct {
		name string
		give []string // the WriteCRLF calls
		want string
	}{
		{"empty", nil, ".\r\n"},
		{"lines", []string{"a\r\nb\r\n"}, "a\r\nb\r\n.\r\n"},
		{"open last line", []string{"a\r\nb"}, "a\r\nb\r\n.\r\n"},
		{"leading dot", []string{".a\r\n"}, "..a\r\n.\r\n"},
		{"dot line", []string{"a\r\n.\r\nb\r\n"}, "a\r\n..\r\nb\r\n.\r\n"},
		{"dot after a write that ends a line", []string{"a\r\n", ".b\r\n"}, "a\r\n..b\r\n.\r\n"},
		{"dot after a split CRLF", []string{"a\r", "\n.b"}, "a\r\n..b\r\n.\r\n"},
		{"dot after a split CRLF, own write", []string{"a\r", "\n", ".b"}, "a\r\n..b\r\n.\r\n"},
		{"CRLF split without dot", []string{"a\r", "\nb\r\n"}, "a\r\nb\r\n.\r\n"},
		{"dot mid-line", []string{"a", ".b\r\n"}, "a.b\r\n.\r\n"},
		{"empty writes", []string{"", "a\r", "", "\n"}, "a\r\n.\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts [][]byte
			for _, p := range tt.give {
				parts = append(parts, []byte(p))
			}
			crlf := make([]bool, len(parts))
			for i := range crlf {
				crlf[i] = true
			}
			if got := string(writeMixed(t, parts, crlf)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBodyWriterFalseCRLFPromise writes bare line ends through WriteCRLF,
// breaking its promise: they may go out bare, but a line that starts with
// "." is still stuffed.
func TestBodyWriterFalseCRLFPromise(t *testing.T) {
	tests := []struct {
		name string
		give []string
		want string
	}{
		{"bare LF then dot", []string{"a\n", ".\nb"}, "a\r\n..\r\nb\r\n.\r\n"},
		{"bare LF alone then dot", []string{"a", "\n", ".b"}, "a\r\n..b\r\n.\r\n"},
		{"bare LF at the end", []string{"a\n"}, "a\r\n.\r\n"},
		{"bare CR then dot", []string{"a\r", ".\rb"}, "a\r\n..\r\nb\r\n.\r\n"},
		{"bare line ends without dot pass", []string{"a\nb\rc"}, "a\nb\rc\r\n.\r\n"},
		{"LF CR at the end", []string{"a\n\r"}, "a\n\r\n.\r\n"},
		{"LF.LF in one write", []string{"a\n.\nb"}, "a\r\n..\r\nb\r\n.\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts [][]byte
			for _, p := range tt.give {
				parts = append(parts, []byte(p))
			}
			crlf := make([]bool, len(parts))
			for i := range crlf {
				crlf[i] = true
			}
			got := writeMixed(t, parts, crlf)
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			assertNoEarlyEnd(t, got)
		})
	}
}

// assertNoEarlyEnd fails when out, a DATA body with its final dot, holds a
// line of a lone "." before the end under any reading of line ends (CRLF,
// bare CR, bare LF), or a line that starts with a single ".".
func assertNoEarlyEnd(t testing.TB, out []byte) {
	t.Helper()
	if !bytes.HasSuffix(out, []byte("\r\n.\r\n")) && !bytes.Equal(out, terminator) {
		t.Fatalf("%q does not end with CRLF.CRLF", out)
	}
	content := out[:len(out)-len(terminator)]
	for i, c := range content {
		if c != '.' || (i > 0 && content[i-1] != '\r' && content[i-1] != '\n') {
			continue
		}
		if i+1 == len(content) || content[i+1] != '.' {
			t.Fatalf("unstuffed dot at line start, offset %d of %q", i, content)
		}
	}
}

// TestBodyWriterWriteCRLFEverySplit checks that CRLF input written in
// three parts, each with Write or WriteCRLF, always gives what Write alone
// gives.
func TestBodyWriterWriteCRLFEverySplit(t *testing.T) {
	inputs := []string{
		"Subject: x\r\n\r\n.hidden\r\n..two\r\n.\r\nend",
		"\r\n\r\n.\r\n..\r\n.",
		"QUJD\r\nREVG\r\n",
	}
	for _, in := range inputs {
		want := dataOutput([]byte(in))
		for i := 0; i <= len(in); i++ {
			for j := i; j <= len(in); j++ {
				parts := [][]byte{[]byte(in[:i]), []byte(in[i:j]), []byte(in[j:])}
				for mode := range 8 {
					crlf := []bool{mode&1 != 0, mode&2 != 0, mode&4 != 0}
					if got := writeMixed(t, parts, crlf); !bytes.Equal(got, want) {
						t.Fatalf("%q split at %d,%d, WriteCRLF %v: got %q, want %q", in, i, j, crlf, got, want)
					}
				}
			}
		}
	}
}

// FuzzBodyWriterWriteCRLF mixes Write and WriteCRLF on any input: CRLF
// input must come out as Write alone makes it, and no input may end the
// message early.
func FuzzBodyWriterWriteCRLF(f *testing.F) {
	for _, s := range []string{"", ".", "a\r\n.\r\nb", "\n.\n", "\r.\r", "\r\n.\r", "x\r", "QUJD\r\nREVG"} {
		f.Add([]byte(s), []byte{1, 0x82, 3})
	}
	f.Fuzz(func(t *testing.T, in, cuts []byte) {
		var parts [][]byte
		var crlf []bool
		rest := in
		for _, c := range cuts {
			n := min(int(c&0x7f)%8, len(rest))
			parts = append(parts, rest[:n])
			crlf = append(crlf, c&0x80 != 0)
			rest = rest[n:]
		}
		parts, crlf = append(parts, rest), append(crlf, true)
		out := writeMixed(t, parts, crlf)
		assertNoEarlyEnd(t, out)
		if isCRLFOnly(in) {
			if want := dataOutput(in); !bytes.Equal(out, want) {
				t.Fatalf("got %q, want %q", out, want)
			}
		}
	})
}

// isCRLFOnly reports whether every CR and LF of p is in a CRLF pair.
func isCRLFOnly(p []byte) bool {
	for i, c := range p {
		if c == '\r' && (i+1 == len(p) || p[i+1] != '\n') || c == '\n' && (i == 0 || p[i-1] != '\r') {
			return false
		}
	}
	return true
}

// BenchmarkBodyWriterBase64 writes what the MIME encoder writes for a
// 1 MiB attachment (base64 lines of 76 characters, CRLF, in writes of
// 4096 lines) with Write and with WriteCRLF. SetBytes is the content size.
func BenchmarkBodyWriterBase64(b *testing.B) {
	content := make([]byte, 1<<20)
	for i := range content {
		content[i] = byte(i*131 + i>>8)
	}
	enc := []byte(base64.StdEncoding.EncodeToString(content))
	var body []byte
	for len(enc) > 0 {
		n := min(len(enc), 76)
		body = append(append(body, enc[:n]...), crlf...)
		enc = enc[n:]
	}
	const write = 4096 * 78
	sink := bufio.NewWriterSize(io.Discard, writeBufferSize)
	for _, bc := range []struct {
		name string
		crlf bool
	}{{"Write", false}, {"WriteCRLF", true}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			b.ReportAllocs()
			for b.Loop() {
				w := newBodyWriter(sink, true)
				put := w.Write
				if bc.crlf {
					put = w.WriteCRLF
				}
				for p := body; len(p) > 0; {
					n := min(len(p), write)
					_, _ = put(p[:n])
					p = p[n:]
				}
				_ = w.terminate()
				_ = sink.Flush()
			}
		})
	}
}
