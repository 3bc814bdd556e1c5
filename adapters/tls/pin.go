package tls

import (
	"crypto/sha256"
	stdtls "crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/integrations/smtp/domain"
)

// pins is a set of SHA-256 digests of SubjectPublicKeyInfo.
type pins map[[sha256.Size]byte]struct{}

// parsePins decodes base64 SHA-256 digests; a leading "sha256/" (the HPKP
// and curl spelling) is accepted.
func parsePins(list []string) (pins, error) {
	if len(list) == 0 {
		return nil, nil
	}
	p := make(pins, len(list))
	for i, s := range list {
		s = strings.TrimPrefix(strings.TrimSpace(s), "sha256/")
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw) != sha256.Size {
			return nil, domain.NewError(domain.KindInvalidInput, opConfig,
				"pin "+strconv.Itoa(i+1)+" is not the base64 of a SHA-256 digest (44 characters)")
		}
		p[[sha256.Size]byte(raw)] = struct{}{}
	}
	return p, nil
}

func (p pins) match(cert *x509.Certificate) bool {
	_, ok := p[sha256.Sum256(cert.RawSubjectPublicKeyInfo)]
	return ok
}

// errPinMismatch is returned from VerifyConnection when no certificate
// matches a pin.
var errPinMismatch = errors.New("no certificate matches a configured SPKI pin")

// verify is a VerifyConnection callback. With verified chains (normal
// verification) any certificate of any verified chain may match, so an
// intermediate or root can be pinned. Without them (InsecureSkipVerify)
// only the leaf counts: the rest of the presented chain is unverified and
// anyone could append a pinned certificate to it.
func (p pins) verify(cs stdtls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errPinMismatch
	}
	if p.match(cs.PeerCertificates[0]) {
		return nil
	}
	for _, chain := range cs.VerifiedChains {
		for _, c := range chain {
			if p.match(c) {
				return nil
			}
		}
	}
	return errPinMismatch
}
