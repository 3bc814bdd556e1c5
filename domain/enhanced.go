package domain

import "strconv"

// EnhancedCode is an RFC 3463 status code such as 5.1.1. The zero value
// means "absent".
type EnhancedCode struct {
	Class, Subject, Detail int
}

// IsZero reports whether c is absent.
func (c EnhancedCode) IsZero() bool { return c.Class == 0 }

// String returns "class.subject.detail", or "" when c is absent.
func (c EnhancedCode) String() string {
	if c.IsZero() {
		return ""
	}
	return strconv.Itoa(c.Class) + "." + strconv.Itoa(c.Subject) + "." + strconv.Itoa(c.Detail)
}
