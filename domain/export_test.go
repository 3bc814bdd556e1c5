package domain

// KindCount is the number of kinds, for tests that walk every Kind.
const KindCount = kindCount
