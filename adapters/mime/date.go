package mime

import "time"

// dateLayout is the RFC 5322 section 3.3 date-time.
const dateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

// FormatDate returns t as an RFC 5322 date-time, such as
// "Tue, 03 Mar 2026 14:05:09 +0100", in t's location.
func FormatDate(t time.Time) string { return t.Format(dateLayout) }
