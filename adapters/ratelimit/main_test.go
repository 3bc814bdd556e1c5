package ratelimit_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a waiter or its timer outlives the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
