package domain

// asciiLower lower-cases the ASCII letters of s and leaves every other byte
// alone (strings.ToLower would also map non-ASCII and invalid UTF-8).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}
