package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// describeParts parses a received message and lists its headers of
// interest and its MIME tree.
func describeParts(data []byte) (string, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	dec := new(mime.WordDecoder)
	for _, h := range []string{"From", "To", "Cc", "Subject", "Date", "Message-Id"} {
		v := msg.Header.Get(h)
		if d, err := dec.DecodeHeader(v); err == nil {
			v = d
		}
		fmt.Fprintf(&b, "%-11s %s\n", h+":", v)
	}
	fmt.Fprintf(&b, "%-11s %v\n", "Bcc header:", msg.Header.Get("Bcc") != "")
	b.WriteString("parts:\n")
	err = walkParts(&b, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body, 1)
	return b.String(), err
}

func walkParts(b *strings.Builder, ctype, cte, disp string, body io.Reader, depth int) error {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return err
	}
	indent := strings.Repeat("  ", depth)
	if strings.HasPrefix(mt, "multipart/") {
		fmt.Fprintf(b, "%s%s\n", indent, mt)
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkParts(b, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p, depth+1); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch strings.ToLower(cte) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	extra := ""
	if _, dp, err := mime.ParseMediaType(disp); err == nil && dp["filename"] != "" {
		extra = fmt.Sprintf(", file %q", dp["filename"])
	}
	fmt.Fprintf(b, "%s%s (%s, %d bytes decoded%s)\n", indent, mt, cte, n, extra)
	return nil
}
