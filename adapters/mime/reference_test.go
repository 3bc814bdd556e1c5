package mime

import (
	"bytes"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
)

// The fast paths of the encoder must write exactly what the plain
// implementations they replaced wrote. Those are kept here, byte for byte,
// as references; the tests below compare both on random input.

// refNormalizeNewlines is the plain normalizeNewlines.
func refNormalizeNewlines(s string) []byte {
	out := make([]byte, 0, len(s)+len(s)/40+2)
	for len(s) > 0 {
		i := indexNewline(s)
		if i < 0 {
			return append(out, s...)
		}
		out = append(out, s[:i]...)
		out = append(out, '\r', '\n')
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return out
}

// refScanText is the plain scanText.
func refScanText(b []byte) textStats {
	st := textStats{ascii: true}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i-1], b[i+1:]
		} else {
			b = nil
		}
		st.longest = max(st.longest, len(line))
		for _, c := range line {
			if c >= 0x80 {
				st.ascii = false
			} else if c == 0 {
				st.nul = true
			}
		}
	}
	return st
}

// refQuotedPrintable is the plain, octet by octet quotedPrintable.
func refQuotedPrintable(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8+16)
	col := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			out = append(out, '\r', '\n')
			col = 0
			i++
			continue
		}
		escape := qpEscape[c]
		if c == ' ' || c == '\t' {
			escape = i+1 == len(b) || b[i+1] == '\r'
		}
		n := 1
		if escape {
			n = 3
		}
		if col+n > qpLineChar-1 {
			out = append(out, '=', '\r', '\n')
			col = 0
		}
		if escape {
			out = append(out, '=', upperHex[c>>4], upperHex[c&15])
		} else {
			out = append(out, c)
		}
		col += n
	}
	return out
}

// refCheckLines is the plain, line by line checkLines.
func refCheckLines(segs []segment) (eightBit bool, err error) {
	for _, s := range segs {
		b := s.static
		for len(b) > 0 {
			i := bytes.IndexByte(b, '\n')
			line := b
			if i >= 0 {
				if i == 0 || b[i-1] != '\r' {
					return false, newError(domain.KindEncodingFailed, "internal error: bare LF in output")
				}
				line, b = b[:i-1], b[i+1:]
			} else {
				b = nil
			}
			if len(line) > hardLine {
				return false, newError(domain.KindEncodingFailed, "internal error: line longer than 998 octets")
			}
			if bytes.IndexByte(line, '\r') >= 0 {
				return false, newError(domain.KindEncodingFailed, "internal error: bare CR in output")
			}
			if !eightBit {
				for _, c := range line {
					if c >= 0x80 {
						eightBit = true
						break
					}
				}
			}
		}
	}
	return eightBit, nil
}

// refFoldChunks is the plain foldChunks.
func refFoldChunks(s string) []string {
	var chunks []string
	start := 0
	for i := 1; i < len(s)-1; i++ {
		if s[i] == ' ' && !isBlank(s[i-1]) && !isBlank(s[i+1]) {
			chunks = append(chunks, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		chunks = append(chunks, s[start:])
	}
	return chunks
}

// refText is the plain headerWriter.text, which joined the chunks it
// encoded.
func (h *headerWriter) refText(value string, maxRaw int) {
	var run []string
	flush := func() {
		if len(run) > 0 {
			h.encoded(strings.Join(run, " "))
			run = run[:0]
		}
	}
	for _, chunk := range refFoldChunks(value) {
		if len(chunk) <= maxRaw && isPlainText(chunk) {
			flush()
			h.token(chunk)
			continue
		}
		run = append(run, chunk)
	}
	flush()
}

// randomText returns up to n octets drawn mostly from what makes the
// encoders take their branches: line ends of every kind, blanks before
// them, "=", controls, NUL, UTF-8 and stray high octets, long runs.
func randomText(r *mrand.Rand, n int) []byte {
	pieces := []string{"a", "Z", "0", " ", "\t", "=", ".", "\r", "\n", "\r\n", "\n\r", " \r\n", "\t\n", "\x00", "\x01",
		"\x7e", "\x7f", "é", "ü", "€", "😀", "\xff", "\xc3", "=?", "_", "-", "kings."}
	var b []byte
	want := r.IntN(n + 1)
	for len(b) < want {
		switch r.IntN(12) {
		case 0:
			b = append(b, strings.Repeat("x", r.IntN(1100))...)
		case 1:
			b = append(b, strings.Repeat("word ", r.IntN(40))...)
		default:
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
	}
	return b
}

func TestTextEncodingMatchesReference(t *testing.T) {
	t.Parallel()
	r := mrand.New(mrand.NewPCG(1, 2))
	for i := range 20000 {
		in := randomText(r, 3000)
		checkTextAgainstReference(t, i, in)
	}
}

func checkTextAgainstReference(t *testing.T, i int, in []byte) {
	t.Helper()
	s := string(in)
	wantNorm := refNormalizeNewlines(s)
	gotNorm, gotStats := normalizeText(s)
	if !bytes.Equal(gotNorm, wantNorm) {
		t.Fatalf("case %d: normalizeText(%q) = %q; want %q", i, s, gotNorm, wantNorm)
	}
	if want := refScanText(wantNorm); gotStats != want || scanText(wantNorm) != want {
		t.Fatalf("case %d: stats of %q = %+v (scanText %+v); want %+v", i, s, gotStats, scanText(wantNorm), want)
	}
	for _, b := range [][]byte{wantNorm, in} { // normalised, and raw with bare line ends
		if got, want := quotedPrintable(b), refQuotedPrintable(b); !bytes.Equal(got, want) {
			t.Fatalf("case %d: quotedPrintable(%q) =\n%q; want\n%q", i, b, got, want)
		}
	}
	segs := []segment{{static: in}, {static: wantNorm}}
	got8, gotErr := checkLines(segs)
	want8, wantErr := refCheckLines(segs)
	if got8 != want8 || errText(gotErr) != errText(wantErr) {
		t.Fatalf("case %d: checkLines(%q) = %v, %v; want %v, %v", i, in, got8, gotErr, want8, wantErr)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// FuzzTextReference compares the text encoding, quoted-printable and the
// line checks with their plain references on any input.
func FuzzTextReference(f *testing.F) {
	for _, s := range []string{"", "a \r\nb\t", "\r\r\n\n", strings.Repeat("é", 100), "x=y\x00\r", strings.Repeat("ab ", 40) + " \n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkTextAgainstReference(t, 0, in)
	})
}

func TestCheckLinesRejectsWhatTheReferenceRejects(t *testing.T) {
	t.Parallel()
	for _, give := range []string{"\r\n\n\r", "a\r", "\r", "\n", "a\r\nb\rc\r\n", strings.Repeat("x", hardLine+1), strings.Repeat("x", hardLine) + "\r\n" + strings.Repeat("y", hardLine+1) + "\r\n", "ok\r\n\r\r\n"} {
		segs := []segment{{static: []byte("fine\r\n")}, {static: []byte(give)}}
		_, gotErr := checkLines(segs)
		_, wantErr := refCheckLines(segs)
		if gotErr == nil || errText(gotErr) != errText(wantErr) {
			t.Errorf("checkLines(%q) = %v; want %v", give, gotErr, wantErr)
		}
	}
}

func TestAppendDateMatchesTimeFormat(t *testing.T) {
	t.Parallel()
	zones := []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.FixedZone("", -(4*3600 + 30*60)),
		time.FixedZone("", -30), time.FixedZone("", 59), time.FixedZone("", -61), time.FixedZone("", 14*3600),
		time.FixedZone("", 99*3600+59*60), time.FixedZone("", -100*3600), time.FixedZone("", 1000*3600+7)}
	if l, err := time.LoadLocation("America/New_York"); err == nil {
		zones = append(zones, l)
	}
	r := mrand.New(mrand.NewPCG(3, 4))
	times := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(999, 6, 15, 1, 2, 3, 0, time.UTC), {},
	}
	for range 20000 {
		times = append(times, time.Unix(r.Int64N(1<<40)-1<<39, r.Int64N(1e9)))
	}
	for _, tm := range times {
		for _, z := range zones {
			tz := tm.In(z)
			if got, want := FormatDate(tz), tz.Format(dateLayout); got != want {
				t.Fatalf("FormatDate(%v) = %q; want %q", tz, got, want)
			}
		}
	}
}

func TestFoldChunksMatchesReference(t *testing.T) {
	t.Parallel()
	r := mrand.New(mrand.NewPCG(5, 6))
	alphabet := []string{"a", "b", " ", "  ", "\t", "é", "=?", "x"}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		if got, want := foldChunks(s), refFoldChunks(s); strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Fatalf("foldChunks(%q) = %q; want %q", s, got, want)
		}
		for _, maxRaw := range []int{3, 20, hardLine} {
			var got, want headerWriter
			got.field("Subject")
			want.field("Subject")
			got.text(s, maxRaw)
			want.refText(s, maxRaw)
			if !bytes.Equal(got.buf, want.buf) {
				t.Fatalf("text(%q, %d) = %q; want %q", s, maxRaw, got.buf, want.buf)
			}
		}
	}
}

func TestTextHeadersAreBuilt(t *testing.T) {
	t.Parallel()
	for _, mt := range []string{"text/plain", "text/html", "text/x-other"} {
		for _, cte := range []string{cte7Bit, cte8Bit, cteQuotedPrintable, cteBase64} {
			if got, want := textHeader(mt, cte), buildTextHeader(mt, cte); !bytes.Equal(got, want) {
				t.Errorf("textHeader(%s, %s) = %q; want %q", mt, cte, got, want)
			}
		}
	}
}
