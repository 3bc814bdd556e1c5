package auth_test

import (
	"context"
	"testing"

	"github.com/integrations/smtp/adapters/auth"
	"github.com/integrations/smtp/domain"
)

func TestStaticCredentials(t *testing.T) {
	want := domain.PasswordCredentials("alice", password)
	p := auth.StaticCredentials(want)
	for range 2 {
		got, err := p.Credentials(context.Background())
		if err != nil || got != want {
			t.Fatalf("Credentials = %v, %v; want %v", got, err, want)
		}
	}
	changed, err := p.Refresh(context.Background())
	if err != nil || changed {
		t.Fatalf("Refresh = %v, %v; want false, nil", changed, err)
	}
}
