package application

import (
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

func TestCheckRaw(t *testing.T) {
	tests := []struct {
		name, give, want string
		wantErr          bool
	}{
		{name: "unchanged", give: "From: a@x\r\nTo: b@y\r\n\r\nbody\r\n", want: "From: a@x\r\nTo: b@y\r\n\r\nbody\r\n"},
		{name: "bcc removed with its continuation", give: "From: a@x\r\nBcc: c@z,\r\n d@z\r\nTo: b@y\r\n\r\nBcc: in body stays\r\n",
			want: "From: a@x\r\nTo: b@y\r\n\r\nBcc: in body stays\r\n"},
		{name: "lower-case bcc with LF ends", give: "bcc: c@z\nSubject: s\n\nx\n", want: "Subject: s\n\nx\n"},
		{name: "line of 998 octets", give: "S: s\r\n\r\n" + strings.Repeat("a", 998) + "\r\n", want: "S: s\r\n\r\n" + strings.Repeat("a", 998) + "\r\n"},
		{name: "line of 999 octets", give: "S: s\r\n\r\n" + strings.Repeat("a", 999) + "\r\n", wantErr: true},
		{name: "NUL", give: "S: s\r\n\r\na\x00b\r\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkRaw([]byte(tt.give))
			if tt.wantErr {
				if domain.KindOf(err) != domain.KindInvalidInput {
					t.Fatalf("err = %v; want invalid input", err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("checkRaw = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
