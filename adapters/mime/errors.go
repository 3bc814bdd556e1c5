package mime

import (
	"strconv"

	"github.com/integrations/smtp/domain"
)

const op = "encode"

func newError(k domain.Kind, msg string) *domain.Error {
	return &domain.Error{Kind: k, Op: op, Message: msg}
}

func wrapError(k domain.Kind, msg string, err error) *domain.Error {
	return &domain.Error{Kind: k, Op: op, Message: msg, Err: err}
}

// quote returns s quoted for an error message, cut to 80 bytes.
func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}
