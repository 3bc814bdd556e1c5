package tcp

import (
	"strings"
	"unicode"
)

// queueID reads the queue ID from the text of common final replies:
// Postfix "queued as 4F2A", Exim "id=1abc-...", SES/others "Ok <id>".
func queueID(text string) string {
	for _, marker := range []string{"queued as ", "id=", "Ok "} {
		if i := strings.Index(text, marker); i >= 0 {
			// The first field after the marker, as strings.Fields would
			// cut it, without allocating the others.
			f := strings.TrimLeftFunc(text[i+len(marker):], unicode.IsSpace)
			if j := strings.IndexFunc(f, unicode.IsSpace); j >= 0 {
				f = f[:j]
			}
			if f != "" {
				return strings.Trim(f, "<>();,")
			}
		}
	}
	return ""
}
