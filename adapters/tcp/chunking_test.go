package tcp

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

func chunkConfig() Config {
	cfg := testConfig()
	cfg.EnableChunking = true
	return cfg
}

func TestBDATExactCounts(t *testing.T) {
	big := strings.Repeat("y", chunkSize+3)
	tests := []struct {
		name   string
		caps   []string
		body   string
		script string
	}{
		{"one chunk, normalised, not stuffed", []string{"CHUNKING"}, ".a\nb\r.\r\n", `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: BDAT 10 LAST
			!data ".a\r\nb\r\n.\r\n"
			S: 250 queued`},
		{"empty body", []string{"CHUNKING"}, "", `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: BDAT 0 LAST
			S: 250 queued`},
		{"two chunks lock-step", []string{"CHUNKING"}, big, `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: BDAT ` + strconv.Itoa(chunkSize) + `
			!data "` + big[:chunkSize] + `"
			S: 250 chunk ok
			C: BDAT 3 LAST
			!data "yyy"
			S: 250 queued`},
		{"two chunks pipelined", []string{"CHUNKING", "PIPELINING"}, big, `
			C: MAIL FROM:<a@example.org>
			C| RCPT TO:<b@example.net>
			S: 250 ok
			S: 250 ok
			C: BDAT ` + strconv.Itoa(chunkSize) + `
			!data "` + big[:chunkSize] + `"
			C: BDAT 3 LAST
			!data "yyy"
			S: 250 chunk ok
			S: 250 queued`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &transcript{}
			f, s := mustOpen(t, chunkConfig(), Deps{Transcript: tr}, ehlo(tt.caps...)+tt.script+quit)
			res, err := send(t, s, env("a@example.org", "b@example.net"), body(tt.body))
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if responseText(res) != "queued" || !s.Reusable() {
				t.Errorf("reply %q, reusable %v", res.Response, s.Reusable())
			}
			_ = s.Close()
			f.wait(t)
			if strings.Contains(tr.String(), "yyy") {
				t.Error("message content in the transcript")
			}
		})
	}
}

func TestBDATFailures(t *testing.T) {
	big := strings.Repeat("y", chunkSize+3)
	n := strconv.Itoa(chunkSize)
	tests := []struct {
		name     string
		caps     []string
		give     string
		script   string
		want     domain.Kind
		reusable bool
	}{
		{"first chunk refused: RSET", []string{"CHUNKING"}, big, `
			C: BDAT ` + n + `
			!data "` + big[:chunkSize] + `"
			S: 552 5.3.4 too big
			C: RSET
			S: 250 ok`, domain.KindMessageTooLarge, true},
		{"first chunk refused, pipelined: replies drained, then RSET", []string{"CHUNKING", "PIPELINING"}, big, `
			C: BDAT ` + n + `
			!data "` + big[:chunkSize] + `"
			C: BDAT 3 LAST
			!data "yyy"
			S: 552 5.3.4 too big
			S: 503 5.5.1 no
			C: RSET
			S: 250 ok`, domain.KindMessageTooLarge, true},
		{"last chunk refused", []string{"CHUNKING"}, "x", `
			C: BDAT 1 LAST
			!data "x"
			S: 554 5.6.0 spam
			C: RSET
			S: 250 ok`, domain.KindPermanentFailure, true},
		{"421 to the last chunk", []string{"CHUNKING"}, "x", `
			C: BDAT 1 LAST
			!data "x"
			S: 421 bye`, domain.KindServerShutdown, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := `
				C: MAIL FROM:<a@example.org>
				S: 250 ok
				C: RCPT TO:<b@example.net>
				S: 250 ok`
			if len(tt.caps) > 1 {
				head = `
				C: MAIL FROM:<a@example.org>
				C| RCPT TO:<b@example.net>
				S: 250 ok
				S: 250 ok`
			}
			script := ehlo(tt.caps...) + head + tt.script
			if tt.reusable {
				script += quit
			}
			f, s := mustOpen(t, chunkConfig(), Deps{}, script)
			_, err := send(t, s, env("a@example.org", "b@example.net"), body(tt.give))
			wantKind(t, err, tt.want)
			if s.Reusable() != tt.reusable {
				t.Errorf("reusable = %v", s.Reusable())
			}
			_ = s.Close()
			f.wait(t)
		})
	}
}

func TestBDATBodyFailsCleanly(t *testing.T) {
	big := strings.Repeat("z", chunkSize)
	f, s := mustOpen(t, chunkConfig(), Deps{}, ehlo("CHUNKING")+`
		C: MAIL FROM:<a@example.org>
		S: 250 ok
		C: RCPT TO:<b@example.net>
		S: 250 ok
		C: BDAT `+strconv.Itoa(chunkSize)+`
		!data "`+big+`"
		S: 250 ok
		C: RSET
		S: 250 ok`+quit)
	_, err := s.Send(context.Background(), env("a@example.org", "b@example.net"), failingBody{big + "tail", errBoom})
	wantKind(t, err, domain.KindEncodingFailed)
	if !s.Reusable() {
		t.Error("an abandoned BDAT transaction broke the session")
	}
	_ = s.Close()
	f.wait(t)
}
