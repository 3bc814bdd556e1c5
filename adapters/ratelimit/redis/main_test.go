package redis_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/integrations/smtp/adapters/ratelimit/redis/redistest"
)

// TestMain fails the package when a waiter, a timer or a Redis connection
// outlives the tests. Without a redis-server (the unit run before
// scripts/servers/install.sh) it skips the package: test/integration runs
// the same contract against the servers' Redis and never skips.
func TestMain(m *testing.M) {
	if _, ok := redistest.Binary(); !ok {
		fmt.Println("adapters/ratelimit/redis: no redis-server installed; skipped (test/integration covers it)")
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}
