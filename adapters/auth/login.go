package auth

import (
	"bytes"

	"github.com/integrations/smtp/domain"
)

// loginClient speaks LOGIN. go-sasl's LOGIN client sends the username as
// an initial response, which some servers refuse, and insists on the exact
// prompt "Password:", which others do not send. This one sends no initial
// response and reads the prompt loosely: a prompt that mentions "pass" gets
// the password, one that mentions "user" the username, and any other text
// gets the username first and the password second.
type loginClient struct {
	username, password string
	sentUser           bool
}

// Start returns "LOGIN" and no initial response.
func (c *loginClient) Start() (string, []byte, error) {
	c.sentUser = false
	return domain.AuthLogin.String(), nil, nil
}

// Next answers a prompt with the username or the password.
func (c *loginClient) Next(challenge []byte) ([]byte, error) {
	prompt := bytes.ToLower(challenge)
	switch {
	case bytes.Contains(prompt, []byte("pass")):
		return []byte(c.password), nil
	case bytes.Contains(prompt, []byte("user")), !c.sentUser:
		c.sentUser = true
		return []byte(c.username), nil
	}
	return []byte(c.password), nil
}
