package mime

import (
	"io"
	"os"

	"github.com/integrations/smtp/domain"
)

// source is the content of one attachment or inline image, as fixed by
// Prepare.
type source struct {
	typ    domain.SourceType
	data   []byte
	path   string
	reader io.Reader
	length int64  // octets of content; -1 when a one-shot reader does not say
	used   bool   // a reader source has been read
	label  string // "attachment \"a.pdf\"", for errors
}

// newSource checks s and records its length: a file is stat'ed (not read),
// a reader is asked for Len() when it has one. Errors are *domain.Error of
// KindAttachment.
func newSource(s domain.Source, label string) (*source, error) {
	src := &source{typ: s.Type(), label: label, length: -1}
	switch s.Type() {
	case domain.SourceBytes:
		src.data = s.Bytes()
		src.length = int64(len(src.data))
	case domain.SourceFile:
		src.path = s.Path()
		n, err := fileLength(src.path, label)
		if err != nil {
			return nil, err
		}
		src.length = n
	case domain.SourceReader:
		src.reader = s.Reader()
		if src.reader == nil {
			return nil, newError(domain.KindAttachment, label+" has a nil reader")
		}
		if l, ok := src.reader.(interface{ Len() int }); ok {
			src.length = int64(l.Len())
		}
	default:
		return nil, newError(domain.KindAttachment, label+" has no content")
	}
	return src, nil
}

func fileLength(path, label string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, wrapError(domain.KindAttachment, label+": cannot read file "+quote(path), err)
	}
	if !st.Mode().IsRegular() {
		return 0, newError(domain.KindAttachment, label+": "+quote(path)+" is not a regular file")
	}
	return st.Size(), nil
}

// open returns the file of a file source, checked to have kept the length
// Prepare saw, so that every write has the same size.
func (s *source) open() (*os.File, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, wrapError(domain.KindAttachment, s.label+": cannot open file "+quote(s.path), err)
	}
	st, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, wrapError(domain.KindAttachment, s.label+": cannot read file "+quote(s.path), err)
	case st.Size() != s.length:
		f.Close()
		return nil, newError(domain.KindAttachment, s.label+": file "+quote(s.path)+" changed size since the message was prepared")
	}
	return f, nil
}
