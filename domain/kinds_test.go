package domain_test

import "github.com/integrations/smtp/domain"

// kindsOf returns the kind of every *domain.Error joined in err.
func kindsOf(err error) []domain.Kind {
	var out []domain.Kind
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, kindsOf(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []domain.Kind{domain.KindOf(err)}
}

// sameKinds compares two multisets of kinds.
func sameKinds(a, b []domain.Kind) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[domain.Kind]int{}
	for _, k := range a {
		count[k]++
	}
	for _, k := range b {
		count[k]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
