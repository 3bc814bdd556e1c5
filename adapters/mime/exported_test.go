package mime

import (
	"bytes"
	"encoding/base64"
	"io"
	stdmime "mime"
	"mime/quotedprintable"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/integrations/smtp/domain"
)

func TestEncodeHeaderValue(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{"", ""},
		{"Hello world", "Hello world"},
		{"tab\tok", "tab\tok"},
		{"héllo", "=?utf-8?b?aMOpbGxv?="},               // B is shorter
		{"hello wörld", "=?utf-8?q?hello_w=C3=B6rld?="}, // Q is shorter
		{"日本語", "=?utf-8?b?5pel5pys6Kqe?="},
		{"=?utf-8?q?x?=", "=?utf-8?b?PT91dGYtOD9xP3g/PQ==?="},
		{"a=?b", "=?utf-8?q?a=3D=3Fb?="}, // a stray "=?" stops Go's decoder
		{"under_score é", "=?utf-8?q?under=5Fscore_=C3=A9?="},
	}
	for _, tt := range tests {
		if got := EncodeHeaderValue(tt.give); got != tt.want {
			t.Errorf("EncodeHeaderValue(%q) = %q; want %q", tt.give, got, tt.want)
		}
	}
}

// TestEncodeHeaderValueWords checks long values: every word at most 75
// characters, each decodable alone to valid UTF-8 (no split sequence), and
// the whole decoding back to the input.
func TestEncodeHeaderValueWords(t *testing.T) {
	inputs := []string{
		strings.Repeat("🎉", 100),
		strings.Repeat("aé", 200),
		strings.Repeat("x", 500) + "ü",
		strings.Repeat("日本", 77),
	}
	word := regexp.MustCompile(`^=\?utf-8\?[bq]\?[^? ]*\?=$`)
	dec := new(stdmime.WordDecoder)
	for _, in := range inputs {
		out := EncodeHeaderValue(in)
		for _, w := range strings.Split(out, " ") {
			if len(w) > maxWordLen || !word.MatchString(w) {
				t.Fatalf("bad word %q (%d characters)", w, len(w))
			}
			d, err := dec.Decode(w)
			if err != nil || !utf8.ValidString(d) {
				t.Fatalf("word %q decodes to %q, %v", w, d, err)
			}
		}
		if got, err := dec.DecodeHeader(out); err != nil || got != in {
			t.Errorf("round trip of %q... = %q, %v", in[:10], got, err)
		}
	}
}

func TestFormatDate(t *testing.T) {
	tests := []struct {
		give time.Time
		want string
	}{
		{time.Date(2026, 3, 3, 14, 5, 9, 0, time.UTC), "Tue, 03 Mar 2026 14:05:09 +0000"},
		{time.Date(2025, 12, 24, 8, 0, 0, 0, time.FixedZone("", -(4*3600+30*60))), "Wed, 24 Dec 2025 08:00:00 -0430"},
	}
	for _, tt := range tests {
		got := FormatDate(tt.give)
		if got != tt.want {
			t.Errorf("FormatDate = %q; want %q", got, tt.want)
		}
		if back, err := (mailHeaderDate(got)); err != nil || !back.Equal(tt.give) {
			t.Errorf("net/mail reads %q as %v, %v", got, back, err)
		}
	}
}

func TestContentTypeByFilename(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{"report.pdf", "application/pdf"},
		{"PHOTO.JPG", "image/jpeg"},
		{"a.jpeg", "image/jpeg"},
		{"a.png", "image/png"},
		{"a.gif", "image/gif"},
		{"notes.txt", "text/plain"},
		{"page.html", "text/html"},
		{"data.csv", "text/csv"},
		{"archive.zip", "application/zip"},
		{"a.json", "application/json"},
		{"a.xml", "application/xml"},
		{"a.doc", "application/msword"},
		{"a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"a.xls", "application/vnd.ms-excel"},
		{"a.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"a.tar.gz", "application/gzip"},
		{"no-extension", "application/octet-stream"},
		{"a.unknown-ext-xyz", "application/octet-stream"},
		{"mail.eml", "application/octet-stream"}, // message/rfc822 cannot be base64
		{"dir.d/file", "application/octet-stream"},
	}
	for _, tt := range tests {
		if got := ContentTypeByFilename(tt.give); got != tt.want {
			t.Errorf("ContentTypeByFilename(%q) = %q; want %q", tt.give, got, tt.want)
		}
	}
	// An extension only the standard library knows still gets a type.
	stdmime.AddExtensionType(".mimetest", "application/x-mime-test; charset=utf-8")
	if got := ContentTypeByFilename("f.mimetest"); got != "application/x-mime-test" {
		t.Errorf("stdlib fallback = %q; want the media type without parameters", got)
	}
}

func TestSniffImage(t *testing.T) {
	tests := []struct {
		give []byte
		want string
	}{
		{pngData, "image/png"},
		{[]byte("\xff\xd8\xff\xe0JFIF"), "image/jpeg"},
		{[]byte("GIF87a..."), "image/gif"},
		{[]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), "image/webp"},
		{[]byte("BM...."), "image/bmp"},
		{[]byte("%PDF"), "application/octet-stream"},
		{nil, "application/octet-stream"},
	}
	for _, tt := range tests {
		if got := sniffImage(tt.give); got != tt.want {
			t.Errorf("sniffImage(%q) = %q; want %q", tt.give, got, tt.want)
		}
	}
}

func TestNewMessageID(t *testing.T) {
	id := regexp.MustCompile(`^[A-Z2-7]{26}@example\.com$`)
	seen := map[string]bool{}
	for range 100 {
		got := NewMessageID("example.com")
		if !id.MatchString(got) || domain.CheckMessageID(got) != nil {
			t.Fatalf("NewMessageID = %q", got)
		}
		if seen[got] {
			t.Fatalf("NewMessageID repeated %q", got)
		}
		seen[got] = true
	}
	if got := NewMessageID(""); !strings.HasSuffix(got, "@localhost") {
		t.Errorf("NewMessageID(\"\") = %q; want @localhost", got)
	}
}

func TestQuotedPrintable(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{"plain", "plain"},
		{"a=b", "a=3Db"},
		{"trailing space \r\nand tab\t", "trailing space=20\r\nand tab=09"},
		{"caf\xc3\xa9", "caf=C3=A9"},
		{"nul\x00", "nul=00"},
		{strings.Repeat("x", 80), strings.Repeat("x", 75) + "=\r\n" + "xxxxx"},
		{strings.Repeat("x", 74) + "é", strings.Repeat("x", 74) + "=\r\n=C3=A9"},
	}
	for _, tt := range tests {
		if got := string(quotedPrintable([]byte(tt.give))); got != tt.want {
			t.Errorf("quotedPrintable(%q) = %q; want %q", tt.give, got, tt.want)
		}
	}
}

func TestQuotedPrintableRoundTrip(t *testing.T) {
	var in bytes.Buffer
	for i := range 5000 {
		in.WriteByte(byte(i * 31))
		if i%97 == 0 {
			in.WriteString(" \r\n")
		}
	}
	b := normalizeNewlines(in.String())
	enc := quotedPrintable(b)
	for _, line := range strings.Split(string(enc), "\r\n") {
		if len(line) > qpLineChar {
			t.Fatalf("QP line of %d characters", len(line))
		}
		if strings.Contains(line, "=_") {
			t.Fatalf("QP output holds =_ : %q", line)
		}
	}
	dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc)))
	if err != nil || !bytes.Equal(dec, b) {
		t.Errorf("QP round trip differs (%v)", err)
	}
}

func TestEncodeTextChoice(t *testing.T) {
	long := strings.Repeat("a", hardLine+1)
	tests := []struct {
		name  string
		give  string
		allow bool
		want  string
	}{
		{"ascii", "hello\nworld", false, cte7Bit},
		{"ascii 998", strings.Repeat("a", hardLine), false, cte7Bit},
		{"ascii 999", long, false, cteQuotedPrintable},
		{"nul", "a\x00b", true, cteQuotedPrintable},
		{"utf-8", "héllo", false, cteQuotedPrintable},
		{"utf-8 allowed", "héllo", true, cte8Bit},
		{"utf-8 long line", strings.Repeat("é", 500), true, cteQuotedPrintable},
		{"empty", "", false, cte7Bit},
	}
	for _, tt := range tests {
		if _, got := encodeText(tt.give, tt.allow); got != tt.want {
			t.Errorf("%s: encoding %s; want %s", tt.name, got, tt.want)
		}
	}
}

func TestNormalizeNewlines(t *testing.T) {
	tests := []struct{ give, want string }{
		{"", ""},
		{"a", "a"},
		{"a\nb", "a\r\nb"},
		{"a\rb", "a\r\nb"},
		{"a\r\nb", "a\r\nb"},
		{"\n\r", "\r\n\r\n"},
		{"\r\r\n\n", "\r\n\r\n\r\n"},
		{"end\r", "end\r\n"},
	}
	for _, tt := range tests {
		if got := string(normalizeNewlines(tt.give)); got != tt.want {
			t.Errorf("normalizeNewlines(%q) = %q; want %q", tt.give, got, tt.want)
		}
	}
}

func TestBase64Size(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 56, 57, 58, 114, 1000, chunkOctets - 1, chunkOctets, chunkOctets + 1, 3*chunkOctets + 5, outOctets - 1, outOctets, outOctets + 1, 2*outOctets + chunkOctets + 7} {
		data := bytes.Repeat([]byte{0xa5}, n)
		ws := &writeState{}
		var buf bytes.Buffer
		ws.bw = bufioWriter(&buf)
		if err := ws.writeBytes(data); err != nil {
			t.Fatal(err)
		}
		ws.bw.Flush()
		if int64(buf.Len()) != base64Size(int64(n)) {
			t.Errorf("n=%d: wrote %d; base64Size says %d", n, buf.Len(), base64Size(int64(n)))
		}
		var viaReader bytes.Buffer
		ws.bw = bufioWriter(&viaReader)
		if _, err := ws.writeReader(bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		ws.bw.Flush()
		if c := cap(ws.out); c != outLines*(b64LineChars+2) {
			t.Errorf("n=%d: the output buffer grew to %d", n, c)
		}
		if !bytes.Equal(buf.Bytes(), viaReader.Bytes()) {
			t.Errorf("n=%d: bytes and reader paths differ", n)
		}
		got, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(buf.String(), "\r\n", ""))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("n=%d: base64 does not decode back (%v)", n, err)
		}
	}
}

func TestExtendedParam(t *testing.T) {
	if got := extendedParam("filename", "é.txt"); len(got) != 1 || got[0] != "filename*=utf-8''%C3%A9.txt" {
		t.Errorf("short = %q", got)
	}
	segs := extendedParam("filename", longFilename)
	for i, s := range segs {
		if len(s)+1 > maxLine {
			t.Errorf("segment %d has %d characters", i, len(s))
		}
		if want := "filename*" + itoa(i) + "*="; !strings.HasPrefix(s, want) {
			t.Errorf("segment %d = %q; want prefix %q", i, s, want)
		}
		if (i < len(segs)-1) != strings.HasSuffix(s, ";") {
			t.Errorf("segment %d = %q: only the last has no ;", i, s)
		}
	}
	_, params, err := stdmime.ParseMediaType("attachment; " + strings.Join(segs, " "))
	if err != nil || params["filename"] != longFilename {
		t.Errorf("ParseMediaType reads %q, %v", params["filename"], err)
	}
}

func TestParam(t *testing.T) {
	tests := []struct{ attr, give, want string }{
		{"charset", "utf-8", "charset=utf-8"},
		{"type", "text/html", `type="text/html"`},
		{"x", "", `x=""`},
		{"x", "wört", "x*=utf-8''w%C3%B6rt"},
		{"x", strings.Repeat("t", 61), "x*=utf-8''" + strings.Repeat("t", 61)},
	}
	for _, tt := range tests {
		if got := strings.Join(param(tt.attr, tt.give), " "); got != tt.want {
			t.Errorf("param(%q, %q) = %q; want %q", tt.attr, tt.give, got, tt.want)
		}
	}
}

func TestDisplayName(t *testing.T) {
	tests := []struct {
		give      string
		wantPhr   string
		wantPlain bool
	}{
		{"", "", true},
		{"Ann Example", "Ann Example", true},
		{"B. Person", `"B. Person"`, true},
		{`Say "hi"`, `"Say \"hi\""`, true},
		{"Doe, Jane", `"Doe, Jane"`, true},
		{" padded ", `" padded "`, true},
		{"Jörg", "=?utf-8?b?SsO2cmc=?=", false},
		{strings.Repeat("n", 65), strings.Repeat("n", 65), false},
	}
	for _, tt := range tests {
		phr, plain := displayName(tt.give)
		if phr != tt.wantPhr || plain != tt.wantPlain {
			t.Errorf("displayName(%q) = %q, %v; want %q, %v", tt.give, phr, plain, tt.wantPhr, tt.wantPlain)
		}
	}
}
