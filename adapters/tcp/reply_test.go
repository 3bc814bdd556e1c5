package tcp

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

func readOne(s string) (*smtpReply, []string, error) {
	var seen []string
	r, err := readReply(bufio.NewReaderSize(strings.NewReader(s), maxLineLength), func(l string) { seen = append(seen, l) })
	return r, seen, err
}

func TestReadReply(t *testing.T) {
	tests := []struct {
		name      string
		give      string
		wantCode  int
		wantLines int
		wantEnh   string
		wantErr   error // a Kind, or an I/O error
	}{
		{"single", "250 ok\r\n", 250, 1, "", nil},
		{"bare code", "250\r\n", 250, 1, "", nil},
		{"multi", "250-a\r\n250-b\r\n250 c\r\n", 250, 3, "", nil},
		{"enhanced", "550 5.1.1 no such user\r\n", 550, 1, "5.1.1", nil},
		{"LF only", "220 hi\n", 220, 1, "", nil},
		{"longest line", "250 " + strings.Repeat("x", maxLineLength-6) + "\r\n", 250, 1, "", nil},
		{"line too long", "250 " + strings.Repeat("x", maxLineLength-5) + "\r\n", 0, 0, "", domain.KindInvalidResponse},
		{"most lines", strings.Repeat("250-x\r\n", maxReplyLines-1) + "250 x\r\n", 250, maxReplyLines, "", nil},
		{"too many lines", strings.Repeat("250-x\r\n", maxReplyLines) + "250 x\r\n", 0, 0, "", domain.KindInvalidResponse},
		{"not SMTP", "SSH-2.0-OpenSSH_9.6\r\n", 0, 0, "", domain.KindInvalidResponse},
		{"bad separator", "250_x\r\n", 0, 0, "", domain.KindInvalidResponse},
		{"codes differ", "250-a\r\n251 b\r\n", 0, 0, "", domain.KindInvalidResponse},
		{"bare CR inside", "250 a\rb\r\n", 0, 0, "", domain.KindInvalidResponse},
		{"empty stream", "", 0, 0, "", io.EOF},
		{"cut mid-line", "250 o", 0, 0, "", io.ErrUnexpectedEOF},
		{"cut mid-reply", "250-a\r\n", 0, 0, "", io.ErrUnexpectedEOF},
		{"last line continued", "250-a\r\n250-b\r\n", 0, 0, "", domain.KindInvalidResponse},
		{"cut mid-line of a multi-line reply", "250-a\r\n250 b", 0, 0, "", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, seen, err := readOne(tt.give)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if r.Code != tt.wantCode || len(r.Lines) != tt.wantLines || r.Enhanced.String() != tt.wantEnh || len(seen) != tt.wantLines {
				t.Errorf("reply = %+v, seen %d lines", r, len(seen))
			}
		})
	}
}

func TestReadReplyKeepsTheRest(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("250 one\r\n354 two\r\n"), maxLineLength)
	r1, err1 := readReply(br, nil)
	r2, err2 := readReply(br, nil)
	if err1 != nil || err2 != nil || r1.Code != 250 || r2.Code != 354 {
		t.Fatalf("got %v %v, %v %v", r1, err1, r2, err2)
	}
}
