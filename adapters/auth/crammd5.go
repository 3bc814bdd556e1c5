package auth

import (
	"crypto/hmac"
	"crypto/md5" // RFC 2195 defines CRAM-MD5 with HMAC-MD5
	"encoding/hex"

	"github.com/integrations/smtp/domain"
)

// cramMD5Client speaks CRAM-MD5 (RFC 2195): the answer to the server's
// challenge is the username, a space and the hex HMAC-MD5 of the challenge
// keyed with the password.
type cramMD5Client struct {
	username, password string
}

// Start returns "CRAM-MD5" and no initial response: the server speaks
// first.
func (c *cramMD5Client) Start() (string, []byte, error) {
	return domain.AuthCRAMMD5.String(), nil, nil
}

// Next answers the challenge. An empty challenge is an error: there would
// be nothing to prove.
func (c *cramMD5Client) Next(challenge []byte) ([]byte, error) {
	if len(challenge) == 0 {
		return nil, domain.NewError(domain.KindUnexpectedResponse, opAuth, "the server sent an empty CRAM-MD5 challenge")
	}
	mac := hmac.New(md5.New, []byte(c.password))
	mac.Write(challenge)
	return []byte(c.username + " " + hex.EncodeToString(mac.Sum(nil))), nil
}
