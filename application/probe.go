package application

import (
	"context"

	"github.com/integrations/smtp/domain"
)

// TestConnection opens a session (connect, TLS, AUTH as configured), sends
// NOOP, and describes it, without sending mail. Useful at start-up to check
// the configuration. Errors are *domain.Error.
func (c *Client) TestConnection(ctx context.Context) (*domain.ConnectionInfo, error) {
	if err := c.enter("test connection"); err != nil {
		return nil, err
	}
	defer c.wg.Done()
	s, err := c.acquireDirect(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Noop(ctx); err != nil {
		c.releaseDirect(s, err)
		return nil, err
	}
	defer c.releaseDirect(s, nil)
	info := s.Info()
	return &info, nil
}
