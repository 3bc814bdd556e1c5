package tcp

import (
	"slices"
	"strconv"
	"strings"

	"github.com/integrations/smtp/domain"
)

// capabilities are the ESMTP extensions a server advertised in its EHLO
// reply. The zero value means a server that knows none (HELO).
type capabilities struct {
	Domain              string                 // the server's name from the first EHLO line
	Size                bool                   // SIZE advertised
	MaxSize             int64                  // SIZE limit in octets; 0 means no limit stated
	Auth                []domain.AuthMechanism // mechanisms we know, in the server's order (never domain.AuthAuto)
	AuthRaw             []string               // every mechanism name advertised, ASCII upper-case
	StartTLS            bool
	EightBitMIME        bool
	Pipelining          bool
	SMTPUTF8            bool
	Chunking            bool
	BinaryMIME          bool
	EnhancedStatusCodes bool
	DSN                 bool
	Raw                 []string          // the extension lines as sent (after the first line)
	Params              map[string]string // keyword (ASCII upper-case) → parameters as sent
}

// Has reports whether keyword was advertised. Keywords are ASCII (RFC 5321
// section 4.1.1.1) and compared ASCII-case-insensitively.
func (c *capabilities) Has(keyword string) bool {
	_, ok := c.Params[asciiUpper(keyword)]
	return ok
}

// SupportsAuth reports whether m was advertised.
func (c *capabilities) SupportsAuth(m domain.AuthMechanism) bool {
	for _, a := range c.Auth {
		if a == m {
			return true
		}
	}
	return false
}

// parseEHLO builds capabilities from the lines of a positive EHLO reply (the
// Lines of a smtpReply: the first names the server, each further line is
// "KEYWORD [PARAM ...]"). It accepts the legacy "AUTH=MECH ..." form and a
// SIZE without a value; a keyword that repeats has its parameters joined in
// Params, and the first SIZE line with a value sets MaxSize. It never fails:
// unknown keywords are kept in Raw and Params, malformed parameters are
// ignored. Its time is linear in the size of the reply, however hostile.
func parseEHLO(lines []string) capabilities {
	c := capabilities{Params: map[string]string{}}
	if len(lines) == 0 {
		return c
	}
	if f := strings.Fields(lines[0]); len(f) > 0 {
		c.Domain = f[0]
	}
	params := map[string][]string{} // joined into c.Params at the end, not line by line
	mechs := map[string]bool{}
	sizeStated := false
	for _, line := range lines[1:] {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		c.Raw = append(c.Raw, line)
		keyword, param, _ := strings.Cut(line, " ")
		if k, v, ok := strings.Cut(keyword, "="); ok && asciiUpper(k) == "AUTH" {
			keyword, param = k, v+" "+param
		}
		keyword = asciiUpper(keyword)
		param = strings.TrimSpace(param)
		if _, seen := params[keyword]; !seen {
			params[keyword] = nil
		}
		if param != "" {
			params[keyword] = append(params[keyword], param)
		}
		switch keyword {
		case "SIZE":
			c.Size = true
			if f := strings.Fields(param); len(f) > 0 && !sizeStated {
				sizeStated = true
				if n, err := strconv.ParseInt(f[0], 10, 64); err == nil && n > 0 {
					c.MaxSize = n
				}
			}
		case "AUTH":
			for _, name := range strings.Fields(param) {
				name = asciiUpper(name)
				if mechs[name] {
					continue
				}
				mechs[name] = true
				c.AuthRaw = append(c.AuthRaw, name)
				if m, ok := domain.ParseAuthMechanism(name); ok && m != domain.AuthAuto {
					c.Auth = append(c.Auth, m)
				}
			}
		default:
			c.setFlag(keyword)
		}
	}
	for k, p := range params {
		c.Params[k] = strings.Join(p, " ")
	}
	return c
}

func (c *capabilities) setFlag(keyword string) {
	switch keyword {
	case "STARTTLS":
		c.StartTLS = true
	case "8BITMIME":
		c.EightBitMIME = true
	case "PIPELINING":
		c.Pipelining = true
	case "SMTPUTF8":
		c.SMTPUTF8 = true
	case "CHUNKING":
		c.Chunking = true
	case "BINARYMIME":
		c.BinaryMIME = true
	case "ENHANCEDSTATUSCODES":
		c.EnhancedStatusCodes = true
	case "DSN":
		c.DSN = true
	}
}

// asciiUpper upper-cases the ASCII letters of s and leaves every other byte
// alone (strings.ToUpper would also map non-ASCII and invalid UTF-8).
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// summary is what Session.Info shows of c: what a caller chooses an
// encoding by, and the lines as advertised. Its slices are c's own copies.
func (c *capabilities) summary() domain.Extensions {
	return domain.Extensions{
		Size:         c.Size,
		MaxSize:      c.MaxSize,
		EightBitMIME: c.EightBitMIME,
		SMTPUTF8:     c.SMTPUTF8,
		Pipelining:   c.Pipelining,
		Chunking:     c.Chunking,
		StartTLS:     c.StartTLS,
		Auth:         slices.Clone(c.AuthRaw),
		Lines:        slices.Clone(c.Raw),
	}
}
