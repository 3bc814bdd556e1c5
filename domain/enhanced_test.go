package domain_test

import (
	"testing"

	"github.com/integrations/smtp/domain"
)

func TestEnhancedCodeString(t *testing.T) {
	tests := []struct {
		give domain.EnhancedCode
		want string
	}{
		{give: domain.EnhancedCode{}, want: ""},
		{give: domain.EnhancedCode{Class: 5, Subject: 7, Detail: 8}, want: "5.7.8"},
		{give: domain.EnhancedCode{Class: 2, Subject: 0, Detail: 0}, want: "2.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.give.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got := tt.give.IsZero(); got != (tt.want == "") {
				t.Errorf("IsZero() = %v", got)
			}
		})
	}
}
