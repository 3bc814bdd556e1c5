package mime

import (
	stdmime "mime"
	"sort"
	"strings"

	"github.com/integrations/smtp/domain"
)

// builder makes the attachment parts of one message and collects their
// sources.
type builder struct {
	sources []*source
}

// attachmentPart makes the part of a, with an inline disposition when it
// has a Content-ID (it then goes into multipart/related).
func (b *builder) attachmentPart(a *domain.Attachment) (*part, error) {
	label := "attachment " + quote(a.Filename)
	ct := a.ContentType
	if ct == "" {
		ct = ContentTypeByFilename(a.Filename)
	}
	return b.leaf(label, ct, a.Filename, a.ContentID, a.Content)
}

// inlinePart makes the part of an inline image. Without a content type it
// is taken from the filename or, for bytes without one, sniffed.
func (b *builder) inlinePart(img *domain.InlineImage) (*part, error) {
	label := "inline image " + quote(img.ContentID)
	ct := img.ContentType
	switch {
	case ct != "":
	case img.Filename != "":
		ct = ContentTypeByFilename(img.Filename)
	case img.Content.Type() == domain.SourceBytes:
		ct = sniffImage(img.Content.Bytes())
	default:
		ct = octetStream
	}
	return b.leaf(label, ct, img.Filename, img.ContentID, img.Content)
}

func (b *builder) leaf(label, contentType, filename, contentID string, content domain.Source) (*part, error) {
	mediaType, params, err := stdmime.ParseMediaType(contentType)
	if err != nil {
		return nil, wrapError(domain.KindAttachment, label+": invalid content type "+quote(contentType), err)
	}
	if strings.HasPrefix(mediaType, "multipart/") || strings.HasPrefix(mediaType, "message/") {
		return nil, newError(domain.KindAttachment, label+": content type "+mediaType+" cannot be sent base64-encoded; use application/octet-stream")
	}
	src, err := newSource(content, label)
	if err != nil {
		return nil, err
	}
	b.sources = append(b.sources, src)

	var ctParams [][]string
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "name" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		ctParams = append(ctParams, param(k, params[k]))
	}
	disposition := "attachment"
	if contentID != "" {
		disposition = "inline"
	}
	var dispParams [][]string
	if filename != "" {
		ctParams = append(ctParams, nameParam(filename))
		dispParams = append(dispParams, filenameParam("filename", filename))
	}

	var h headerWriter
	h.withParams("Content-Type", mediaType, ctParams...)
	h.withParams("Content-Disposition", disposition, dispParams...)
	if contentID != "" {
		h.simple("Content-ID", "<"+contentID+">")
	}
	h.simple("Content-Transfer-Encoding", cteBase64)
	return &part{mediaType: mediaType, header: h.buf, src: src}, nil
}
