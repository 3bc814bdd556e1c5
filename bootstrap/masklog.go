package bootstrap

import (
	"go.uber.org/zap"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// maskingLogger shows the addresses in every string and error value it
// logs as the address policy says, whoever logs them (the application, the
// pool, the rate limiter). Message ids, which look like addresses but name
// no mailbox, are left alone.
type maskingLogger struct {
	l      *zap.SugaredLogger
	policy domain.AddressPolicy
}

// policyLogger returns the ports.Logger the adapters and the application
// write to, or nil for a nil l.
func policyLogger(l *zap.Logger, p domain.AddressPolicy) ports.Logger {
	if l == nil {
		return nil
	}
	return maskingLogger{l: l.Sugar(), policy: p}
}

func (m maskingLogger) Debugw(msg string, kv ...any) { m.l.Debugw(msg, m.mask(kv)...) }
func (m maskingLogger) Infow(msg string, kv ...any)  { m.l.Infow(msg, m.mask(kv)...) }
func (m maskingLogger) Warnw(msg string, kv ...any)  { m.l.Warnw(msg, m.mask(kv)...) }
func (m maskingLogger) Errorw(msg string, kv ...any) { m.l.Errorw(msg, m.mask(kv)...) }

// mask returns kv with its string and error values masked; kv itself is
// not changed.
func (m maskingLogger) mask(kv []any) []any {
	if m.policy == domain.AddressFull {
		return kv
	}
	out := kv
	for i := 1; i < len(kv); i += 2 {
		if k, _ := kv[i-1].(string); k == "smtp.message_id" {
			continue
		}
		var s string
		switch v := kv[i].(type) {
		case string:
			s = v
		case error:
			s = v.Error()
		default:
			continue
		}
		masked := m.policy.MaskText(s)
		if _, isErr := kv[i].(error); masked == s && !isErr {
			continue
		}
		if &out[0] == &kv[0] {
			out = append([]any(nil), kv...)
		}
		out[i] = masked
	}
	return out
}
