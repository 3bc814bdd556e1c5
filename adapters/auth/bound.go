package auth

import (
	"strconv"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// bounded wraps every client Authenticator makes. It answers an empty first
// challenge with the initial response, for a session that left it off the
// AUTH line (RFC 4954 section 4), turns errors into *domain.Error, and
// refuses to answer more than max further challenges, so that a broken or
// hostile server cannot keep the exchange going.
type bounded struct {
	mech      domain.AuthMechanism
	inner     ports.SASLClient
	max       int
	ir        []byte
	pastFirst bool // the first challenge has been answered
	steps     int
}

func bound(m domain.AuthMechanism, c ports.SASLClient, maxChallenges int) *bounded {
	return &bounded{mech: m, inner: c, max: maxChallenges}
}

// Start returns the mechanism name and initial response of the wrapped
// client.
func (b *bounded) Start() (string, []byte, error) {
	mech, ir, err := b.inner.Start()
	if err != nil {
		return "", nil, b.wrap(err)
	}
	b.ir, b.pastFirst, b.steps = ir, false, 0
	return mech, ir, nil
}

// Next answers a decoded challenge. Errors are *domain.Error of
// KindUnexpectedResponse.
func (b *bounded) Next(challenge []byte) ([]byte, error) {
	if b.ir != nil && len(challenge) == 0 && !b.pastFirst {
		b.pastFirst = true
		return b.ir, nil
	}
	b.pastFirst = true // only the first challenge may ask for it
	b.steps++
	if b.steps > b.max {
		return nil, domain.NewError(domain.KindUnexpectedResponse, opAuth,
			"the server sent more challenges than "+b.mech.String()+" takes ("+strconv.Itoa(b.max)+")")
	}
	resp, err := b.inner.Next(challenge)
	if err != nil {
		return nil, b.wrap(err)
	}
	return resp, nil
}

func (b *bounded) wrap(err error) error {
	if domain.AsError(err) != nil {
		return err
	}
	return &domain.Error{Kind: domain.KindUnexpectedResponse, Op: opAuth,
		Message: b.mech.String() + " exchange failed", Err: err}
}
