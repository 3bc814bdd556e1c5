package tcp

import (
	"errors"
	"reflect"
	"testing"

	"github.com/integrations/smtp/domain"
)

func TestParseReplyLine(t *testing.T) {
	tests := []struct {
		name     string
		give     string
		wantCode int
		wantMore bool
		wantText string
		wantErr  bool
	}{
		{name: "last line", give: "250 OK", wantCode: 250, wantText: "OK"},
		{name: "continued", give: "250-PIPELINING", wantCode: 250, wantMore: true, wantText: "PIPELINING"},
		{name: "bare code", give: "250", wantCode: 250},
		{name: "code and space", give: "354 ", wantCode: 354},
		{name: "continued empty", give: "220-", wantCode: 220, wantMore: true},
		{name: "lowest", give: "200 x", wantCode: 200, wantText: "x"},
		{name: "highest", give: "559 x", wantCode: 559, wantText: "x"},
		{name: "text keeps spaces", give: "550  two  spaces ", wantCode: 550, wantText: " two  spaces "},
		{name: "text keeps tab", give: "250 a\tb", wantCode: 250, wantText: "a\tb"},
		{name: "empty", give: "", wantErr: true},
		{name: "short", give: "25", wantErr: true},
		{name: "first digit 1", give: "150 x", wantErr: true},
		{name: "first digit 6", give: "650 x", wantErr: true},
		{name: "second digit 6", give: "260 x", wantErr: true},
		{name: "second digit 9", give: "590 x", wantErr: true},
		{name: "third not digit", give: "25x x", wantErr: true},
		{name: "letters", give: "abc", wantErr: true},
		{name: "bad separator", give: "250_OK", wantErr: true},
		{name: "four digits", give: "2500 OK", wantErr: true},
		{name: "embedded CR", give: "250 a\rb", wantErr: true},
		{name: "embedded LF", give: "250 a\nb", wantErr: true},
		{name: "embedded NUL", give: "250 a\x00b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, more, text, err := parseReplyLine(tt.give)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseReplyLine(%q) = %d %v %q, want an error", tt.give, code, more, text)
				}
				if !errors.Is(err, errMalformedReply) || domain.KindOf(err) != domain.KindInvalidResponse {
					t.Errorf("error %v: want ErrMalformedReply of KindInvalidResponse", err)
				}
				if !errors.Is(err, domain.KindProtocol) {
					t.Errorf("error %v is not in the protocol category", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseReplyLine(%q) error: %v", tt.give, err)
			}
			if code != tt.wantCode || more != tt.wantMore || text != tt.wantText {
				t.Errorf("parseReplyLine(%q) = %d %v %q, want %d %v %q", tt.give, code, more, text, tt.wantCode, tt.wantMore, tt.wantText)
			}
		})
	}
}

func TestParseReply(t *testing.T) {
	tests := []struct {
		name         string
		give         []string
		wantCode     int
		wantEnhanced string
		wantLines    []string
		wantErr      bool
	}{
		{name: "single", give: []string{"250 OK"}, wantCode: 250, wantLines: []string{"OK"}},
		{name: "bare code", give: []string{"250"}, wantCode: 250, wantLines: []string{""}},
		{name: "enhanced", give: []string{"250 2.0.0 Ok: queued as 4F2A"}, wantCode: 250, wantEnhanced: "2.0.0", wantLines: []string{"Ok: queued as 4F2A"}},
		{name: "enhanced alone", give: []string{"550 5.1.1"}, wantCode: 550, wantEnhanced: "5.1.1", wantLines: []string{""}},
		{name: "enhanced three-digit parts", give: []string{"550 5.123.456 x"}, wantCode: 550, wantEnhanced: "5.123.456", wantLines: []string{"x"}},
		{name: "class mismatch kept in text", give: []string{"250 5.1.1 odd"}, wantCode: 250, wantLines: []string{"5.1.1 odd"}},
		{name: "class 6 not enhanced", give: []string{"550 6.1.1 x"}, wantCode: 550, wantLines: []string{"6.1.1 x"}},
		{name: "detail too long", give: []string{"550 5.1.1000 x"}, wantCode: 550, wantLines: []string{"5.1.1000 x"}},
		{name: "two-part code", give: []string{"550 5.1 x"}, wantCode: 550, wantLines: []string{"5.1 x"}},
		{name: "class two digits", give: []string{"550 55.1.1 x"}, wantCode: 550, wantLines: []string{"55.1.1 x"}},
		{name: "empty part", give: []string{"550 5..1 x"}, wantCode: 550, wantLines: []string{"5..1 x"}},
		{name: "letters in code", give: []string{"550 5.a.1 x"}, wantCode: 550, wantLines: []string{"5.a.1 x"}},
		{name: "version-like text", give: []string{"220 mail.example.com ESMTP Postfix 3.7.2"}, wantCode: 220, wantLines: []string{"mail.example.com ESMTP Postfix 3.7.2"}},
		{
			name: "multiline Gmail", wantCode: 421, wantEnhanced: "4.7.0",
			give:      []string{"421-4.7.0 Try again later, closing connection.", "421 4.7.0  https://support.google.com/mail/answer/81126"},
			wantLines: []string{"Try again later, closing connection.", " https://support.google.com/mail/answer/81126"},
		},
		{
			name: "enhanced only on later line", wantCode: 550, wantEnhanced: "5.1.1",
			give:      []string{"550-Mailbox unavailable", "550 5.1.1 no such user"},
			wantLines: []string{"Mailbox unavailable", "no such user"},
		},
		{
			name: "EHLO", wantCode: 250,
			give:      []string{"250-mx.example.com Hello", "250-SIZE 10240000", "250 8BITMIME"},
			wantLines: []string{"mx.example.com Hello", "SIZE 10240000", "8BITMIME"},
		},
		{name: "empty", give: nil, wantErr: true},
		{name: "bad line", give: []string{"250-ok", "xyz"}, wantErr: true},
		{name: "codes differ", give: []string{"250-a", "251 b"}, wantErr: true},
		{name: "continued last", give: []string{"250-a"}, wantErr: true},
		{name: "continued last of many", give: []string{"250-a", "250-b"}, wantErr: true},
		{name: "early last", give: []string{"250 a", "250 b"}, wantErr: true},
		{name: "early bare", give: []string{"250", "250 b"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseReply(tt.give)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseReply(%q) = %+v, want an error", tt.give, r)
				}
				if !errors.Is(err, domain.KindInvalidResponse) || !errors.Is(err, errMalformedReply) {
					t.Errorf("error %v: want KindInvalidResponse wrapping ErrMalformedReply", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseReply(%q) error: %v", tt.give, err)
			}
			if r.Code != tt.wantCode || r.Enhanced.String() != tt.wantEnhanced || !reflect.DeepEqual(r.Lines, tt.wantLines) {
				t.Errorf("parseReply(%q) = %d %q %q, want %d %q %q", tt.give, r.Code, r.Enhanced, r.Lines, tt.wantCode, tt.wantEnhanced, tt.wantLines)
			}
		})
	}
}

func TestParseEnhancedCode(t *testing.T) {
	tests := []struct {
		give     string
		want     domain.EnhancedCode
		wantRest string
		wantOK   bool
	}{
		{give: "5.1.1", want: domain.EnhancedCode{Class: 5, Subject: 1, Detail: 1}, wantOK: true},
		{give: "2.0.0 ok", want: domain.EnhancedCode{Class: 2}, wantRest: "ok", wantOK: true},
		{give: "4.7.28 slow down", want: domain.EnhancedCode{Class: 4, Subject: 7, Detail: 28}, wantRest: "slow down", wantOK: true},
		{give: "5.999.999 x y", want: domain.EnhancedCode{Class: 5, Subject: 999, Detail: 999}, wantRest: "x y", wantOK: true},
		{give: "5.1.1000", wantRest: "5.1.1000"},
		{give: "5.1000.1", wantRest: "5.1000.1"},
		{give: "6.1.1", wantRest: "6.1.1"},
		{give: "3.1.1", wantRest: "3.1.1"},
		{give: "0.0.0", wantRest: "0.0.0"},
		{give: "5.1", wantRest: "5.1"},
		{give: "5.1.1.1", wantRest: "5.1.1.1"},
		{give: "5.1.", wantRest: "5.1."},
		{give: ".1.1", wantRest: ".1.1"},
		{give: "5.-1.1", wantRest: "5.-1.1"},
		{give: "5.1.1x", wantRest: "5.1.1x"},
		{give: "5.1.1\tx", wantRest: "5.1.1\tx"},
		{give: "", wantRest: ""},
		{give: "hello world", wantRest: "hello world"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, rest, ok := parseEnhancedCode(tt.give)
			if got != tt.want || rest != tt.wantRest || ok != tt.wantOK {
				t.Errorf("parseEnhancedCode(%q) = %v %q %v, want %v %q %v", tt.give, got, rest, ok, tt.want, tt.wantRest, tt.wantOK)
			}
			if ok && got.IsZero() {
				t.Error("an accepted code is zero")
			}
		})
	}
}

func TestReplyMethods(t *testing.T) {
	tests := []struct {
		give                                                []string
		wantString, wantText                                string
		wantPositive, wantInter, wantTransient, wantPermNeg bool
	}{
		{give: []string{"250 2.1.0 Ok"}, wantString: "250 2.1.0 Ok", wantText: "Ok", wantPositive: true},
		{give: []string{"250"}, wantString: "250", wantPositive: true},
		{give: []string{"354 End data with <CR><LF>.<CR><LF>"}, wantString: "354 End data with <CR><LF>.<CR><LF>", wantText: "End data with <CR><LF>.<CR><LF>", wantInter: true},
		{give: []string{"451-4.3.0 Temporary", "451 4.3.0 failure"}, wantString: "451 4.3.0 Temporary failure", wantText: "Temporary failure", wantTransient: true},
		{give: []string{"554 Transaction failed"}, wantString: "554 Transaction failed", wantText: "Transaction failed", wantPermNeg: true},
	}
	for _, tt := range tests {
		t.Run(tt.wantString, func(t *testing.T) {
			r, err := parseReply(tt.give)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
			if got := r.Text(); got != tt.wantText {
				t.Errorf("Text() = %q, want %q", got, tt.wantText)
			}
			got := [4]bool{r.Positive(), r.Intermediate(), r.TransientNegative(), r.PermanentNegative()}
			want := [4]bool{tt.wantPositive, tt.wantInter, tt.wantTransient, tt.wantPermNeg}
			if got != want {
				t.Errorf("Positive/Intermediate/TransientNegative/PermanentNegative = %v, want %v", got, want)
			}
		})
	}
}
