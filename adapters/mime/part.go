package mime

import (
	"bytes"
	"io"
	"strings"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// part is one node of the MIME tree: a multipart with children, or a leaf
// with either an encoded text body or an attachment source.
type part struct {
	sub      string // multipart subtype ("mixed", "alternative", "related"); "" for a leaf
	rootType string // multipart/related: the media type of its first child
	children []*part
	boundary string

	mediaType string // leaf: its media type, without parameters
	header    []byte // leaf: its content header fields
	body      []byte // leaf: encoded text
	// lf, when not empty, is the leaf's text instead of body: text without
	// a CR that goes as it is (7bit or 8bit) but for its LFs, written as
	// CRLF. It is the caller's string, not a copy.
	lf      string
	textual bool // body is 7bit or 8bit, so it is searched for boundaries
	// checked says that body keeps by construction what checkLines checks
	// (CRLF line ends, lines of at most 998 octets): encodeText made it.
	checked  bool
	eightBit bool    // body has octets above 127 (8bit text); meaningful when checked
	src      *source // leaf: attachment content, base64-encoded while writing
}

func newMultipart(sub string, children ...*part) *part {
	p := &part{sub: sub, children: children}
	if sub == "related" {
		p.rootType = children[0].contentType()
	}
	return p
}

// contentType returns the media type of p without parameters.
func (p *part) contentType() string {
	if p.sub != "" {
		return "multipart/" + p.sub
	}
	return p.mediaType
}

// textPart encodes a text body of type mediaType ("text/plain" or
// "text/html").
func textPart(mediaType, s string, allow8Bit bool) *part {
	if s != "" && strings.IndexByte(s, '\r') < 0 { // the usual text: no copy of it is made
		if st := lfTextStats(s); !st.nul && st.longest <= hardLine && (st.ascii || allow8Bit) {
			cte := cte7Bit
			if !st.ascii {
				cte = cte8Bit
			}
			return &part{mediaType: mediaType, header: textHeader(mediaType, cte), lf: s, textual: true, checked: true, eightBit: !st.ascii}
		}
	}
	body, cte := encodeText(s, allow8Bit)
	return &part{mediaType: mediaType, header: textHeader(mediaType, cte), body: body, textual: cte == cte7Bit || cte == cte8Bit,
		checked: true, eightBit: cte == cte8Bit}
}

// textHeaders holds the content fields of every text part textPart makes,
// by media type and transfer encoding; they are the same for every message.
var textHeaders = func() (t [2][3][]byte) {
	for i, mt := range [...]string{"text/plain", "text/html"} {
		for j, cte := range [...]string{cte7Bit, cte8Bit, cteQuotedPrintable} {
			t[i][j] = buildTextHeader(mt, cte)
		}
	}
	return t
}()

// textHeader returns the content fields of a text part. They are shared:
// callers must not modify them.
func textHeader(mediaType, cte string) []byte {
	i, j := 0, 0
	switch mediaType {
	case "text/plain":
	case "text/html":
		i = 1
	default:
		return buildTextHeader(mediaType, cte)
	}
	switch cte {
	case cte7Bit:
	case cte8Bit:
		j = 1
	case cteQuotedPrintable:
		j = 2
	default:
		return buildTextHeader(mediaType, cte)
	}
	return textHeaders[i][j]
}

func buildTextHeader(mediaType, cte string) []byte {
	var h headerWriter
	h.withParams("Content-Type", mediaType, []string{"charset=utf-8"})
	h.simple("Content-Transfer-Encoding", cte)
	return h.buf
}

// tree makes every part of e and arranges them (see structure). An empty
// body still gets an empty text/plain part.
func (b *builder) tree(e *domain.Email, opts ports.EncodeOptions) (*part, error) {
	var text, html *part
	if e.TextBody != "" || e.HTMLBody == "" {
		text = textPart("text/plain", e.TextBody, opts.Allow8Bit)
	}
	if e.HTMLBody != "" {
		html = textPart("text/html", e.HTMLBody, opts.Allow8Bit)
	}
	var inline, attached []*part
	for i := range e.InlineImages {
		p, err := b.inlinePart(&e.InlineImages[i])
		if err != nil {
			return nil, err
		}
		inline = append(inline, p)
	}
	for i := range e.Attachments {
		a := &e.Attachments[i]
		p, err := b.attachmentPart(a)
		if err != nil {
			return nil, err
		}
		if a.ContentID != "" {
			inline = append(inline, p)
		} else {
			attached = append(attached, p)
		}
	}
	return structure(text, html, inline, attached), nil
}

// structure arranges the parts as mail clients expect (see the package
// documentation): mixed(alternative(text, related(html, inline...)),
// attachments...), each multipart only when needed.
func structure(text, html *part, inline, attached []*part) *part {
	body := text
	if html != nil {
		htmlNode := html
		if len(inline) > 0 {
			htmlNode = newMultipart("related", append([]*part{html}, inline...)...)
			inline = nil
		}
		body = htmlNode
		if text != nil {
			body = newMultipart("alternative", text, htmlNode)
		}
	}
	rest := append(inline, attached...)
	if len(rest) == 0 {
		return body
	}
	return newMultipart("mixed", append([]*part{body}, rest...)...)
}

// assignBoundaries gives every multipart in the tree a random boundary
// that differs from the others (all have the same length, so none is a
// prefix of another) and occurs in no 7bit or 8bit body. Quoted-printable
// and base64 bodies cannot hold one (see boundaryPrefix). Errors are
// *domain.Error of KindEncodingFailed.
func assignBoundaries(root *part, rnd io.Reader) error {
	if root.sub == "" { // no multipart: nothing to read from rnd
		return nil
	}
	var texts [][]byte
	var lfTexts []string
	var nodes []*part
	var walk func(p *part)
	walk = func(p *part) {
		if p.sub != "" {
			nodes = append(nodes, p)
		}
		if p.textual {
			texts = append(texts, p.body) // a boundary has no LF: searching lf as it is will do
			if p.lf != "" {
				lfTexts = append(lfTexts, p.lf)
			}
		}
		for _, c := range p.children {
			walk(c)
		}
	}
	walk(root)
	used := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		for attempt := 0; n.boundary == ""; attempt++ {
			if attempt == 8 {
				return newError(domain.KindEncodingFailed, "the random source gives no usable boundary")
			}
			b, err := newBoundary(rnd)
			if err != nil {
				return wrapError(domain.KindEncodingFailed, "reading the random source", err)
			}
			if !used[b] && !containsIn(texts, b) && !containsInStrings(lfTexts, b) {
				used[b] = true
				n.boundary = b
			}
		}
	}
	return nil
}

func containsInStrings(texts []string, s string) bool {
	for _, t := range texts {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

func containsIn(texts [][]byte, s string) bool {
	for _, t := range texts {
		if bytes.Contains(t, []byte(s)) {
			return true
		}
	}
	return false
}
