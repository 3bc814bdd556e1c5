package domain

// KindCount is the number of kinds, for tests that walk every Kind.
const KindCount = kindCount

// The address limits, for tests.
const (
	MaxLocalPartLength = maxLocalPartLength
	MaxAddressLength   = maxAddressLength
)
