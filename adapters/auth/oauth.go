package auth

import (
	"strings"

	"github.com/emersion/go-sasl"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// xoauth2Client speaks XOAUTH2, the Google and Microsoft mechanism:
// https://developers.google.com/gmail/imap/xoauth2-protocol
type xoauth2Client struct {
	username, token string
}

// Start returns "XOAUTH2" and the initial response
// "user=USER^Aauth=Bearer TOKEN^A^A".
func (c *xoauth2Client) Start() (string, []byte, error) {
	ir := "user=" + c.username + "\x01auth=Bearer " + c.token + "\x01\x01"
	return domain.AuthXOAuth2.String(), []byte(ir), nil
}

// Next answers the server's error challenge (a base64 JSON status) with the
// empty response the protocol requires; the server then sends its final
// error reply (535 or 4xx). This is the one place that answer is made: the
// SMTP session (adapters/tcp) relays whatever Next returns.
func (c *xoauth2Client) Next([]byte) ([]byte, error) { return []byte{}, nil }

// oauthBearerClient is go-sasl's OAUTHBEARER client with RFC 7628 section
// 3.2.3 error handling: go-sasl's Next returns the server's error challenge
// as an error and no response, which would leave the exchange hanging; the
// RFC has the client answer with a single %x01 so that the server sends
// its final error reply.
type oauthBearerClient struct {
	ports.SASLClient
}

// newOAuthBearerClient encodes the username as an RFC 5801 saslname ("="
// and "," escaped) for the gs2 authzid, which go-sasl writes as it is.
func newOAuthBearerClient(username, token string) *oauthBearerClient {
	authzid := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(username)
	return &oauthBearerClient{sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: authzid, Token: token})}
}

// Next answers any challenge, the server's error status, with %x01 (RFC
// 7628 section 3.2.3). This is the one place that answer is made: the SMTP
// session (adapters/tcp) relays whatever Next returns.
func (c *oauthBearerClient) Next([]byte) ([]byte, error) { return []byte{0x01}, nil }
