package tcp

import "github.com/integrations/smtp/ports"

// responseText is the text of a result's final reply, without its code and
// enhanced code, as the reply's Text was before TxResult carried it as one
// line; "" for a nil result or one without a reply.
func responseText(r *ports.TxResult) string {
	if r == nil || len(r.Response) < 3 {
		return ""
	}
	text := r.Response[3:]
	if len(text) > 0 {
		text = text[1:]
	}
	if _, rest, ok := parseEnhancedCode(text); ok {
		text = rest
	}
	return text
}
