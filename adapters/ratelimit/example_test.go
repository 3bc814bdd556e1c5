package ratelimit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Two emails a minute, refused beyond that with the time until the next
// window.
func ExampleLimiter_Acquire() {
	l, err := ratelimit.New(ratelimit.Config{MaxEmails: 2, Window: time.Minute})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 1; i <= 3; i++ {
		err := l.Acquire(context.Background(), ports.QuotaEmails)
		if err == nil {
			fmt.Printf("email %d: go\n", i)
			continue
		}
		retry := domain.AsError(err).RetryAfter
		fmt.Printf("email %d: %v, retry within a minute: %v\n", i, domain.KindOf(err).String(), retry > 0 && retry <= time.Minute)
	}
	// Output:
	// email 1: go
	// email 2: go
	// email 3: local_rate_limit_exceeded, retry within a minute: true
}
