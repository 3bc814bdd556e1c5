// Package mime is the streaming MIME encoder: it implements ports.Encoder
// and turns a domain.Email into an RFC 5322 message.
//
// Encoder (made by New) prepares a message once: it validates the Email,
// fixes the Message-ID, the Date and the multipart boundaries, encodes the
// text bodies and computes the size. The returned ports.Message then
// writes the same bytes on every WriteTo, base64-encoding attachments as it
// streams them, so a 25 MB file is never held in memory.
//
// Message structure, as Thunderbird builds it:
//
//	multipart/mixed                        only when there are attachments
//	├── multipart/alternative              only when there are text and HTML
//	│   ├── text/plain
//	│   └── multipart/related              only when there are inline images
//	│       ├── text/html
//	│       └── image/png (inline, Content-ID)
//	└── application/pdf (attachment)
//
// The text part stays outside multipart/related because it never shows the
// images; Gmail's related(alternative(text, html), images) makes some
// clients list the images as attachments next to the plain text. Without an
// HTML body, inline images go into multipart/mixed with an inline
// disposition.
//
// A prepared message knows its exact Size, except when an attachment comes
// from a one-shot io.Reader without a Len method: Size is then 0
// ("unknown") until the first WriteTo. Such a reader can be written once; a
// second WriteTo fails with KindAttachment before writing anything.
//
// Small pure helpers are exported for the CLI and tests: EncodeHeaderValue,
// FormatDate, ContentTypeByFilename and NewMessageID.
//
// The RFCs it follows: RFC 5322 (message format, folding, 998/78 octet
// lines), RFC 2045 and 2046 (MIME, transfer encodings, multipart), RFC 2047
// (encoded words), RFC 2183 and 2231 (Content-Disposition and encoded,
// continued parameters), RFC 2387 (multipart/related), RFC 2392
// (Content-ID), RFC 6152 (8BITMIME) and RFC 6532 (UTF-8 headers).
package mime
