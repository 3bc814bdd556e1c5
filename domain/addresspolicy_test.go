package domain_test

import (
	"testing"

	"github.com/integrations/smtp/domain"
)

func TestAddressPolicyMask(t *testing.T) {
	cases := []struct {
		p    domain.AddressPolicy
		in   string
		want string
	}{
		{domain.AddressLocalPart, "alice@example.com", "alice@***"},
		{domain.AddressFull, "alice@example.com", "alice@example.com"},
		{domain.AddressNone, "alice@example.com", "***"},
		{domain.AddressLocalPart, "no-at-sign", "no-at-sign"},
	}
	for _, c := range cases {
		if got := c.p.Mask(c.in); got != c.want {
			t.Errorf("%v.Mask(%q) = %q, want %q", c.p, c.in, got, c.want)
		}
	}
}

func TestAddressPolicyMaskText(t *testing.T) {
	in := "recipient <bob.smith@mail.example.org> refused: 550 5.1.1 bob.smith@mail.example.org unknown; write to x@y.z. Or @ alone"
	cases := map[domain.AddressPolicy]string{
		domain.AddressLocalPart: "recipient <bob.smith@***> refused: 550 5.1.1 bob.smith@*** unknown; write to x@***. Or @ alone",
		domain.AddressNone:      "recipient <***> refused: 550 5.1.1 *** unknown; write to ***. Or @ alone",
		domain.AddressFull:      in,
	}
	for p, want := range cases {
		if got := p.MaskText(in); got != want {
			t.Errorf("%v.MaskText:\n got %q\nwant %q", p, got, want)
		}
	}
}

func TestParseAddressPolicy(t *testing.T) {
	for _, p := range []domain.AddressPolicy{domain.AddressLocalPart, domain.AddressFull, domain.AddressNone} {
		got, err := domain.ParseAddressPolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParseAddressPolicy(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := domain.ParseAddressPolicy("domain"); domain.KindOf(err) != domain.KindInvalidInput {
		t.Errorf("ParseAddressPolicy(domain) error = %v, want invalid input", err)
	}
}
