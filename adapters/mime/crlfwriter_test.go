package mime

import (
	"bytes"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// crlfRecorder is a ports.CRLFWriter that keeps what each method got.
type crlfRecorder struct {
	viaWrite, viaCRLF bytes.Buffer
}

func (r *crlfRecorder) Write(p []byte) (int, error)     { return r.viaWrite.Write(p) }
func (r *crlfRecorder) WriteCRLF(p []byte) (int, error) { return r.viaCRLF.Write(p) }

// TestWriteToUsesWriteCRLF writes every shared case and a message with a
// large attachment to a ports.CRLFWriter: every octet must go through
// WriteCRLF, be what a plain writer gets, and keep the promise (every CR
// and LF in a CRLF pair).
func TestWriteToUsesWriteCRLF(t *testing.T) {
	t.Parallel()
	type named struct {
		name  string
		email *domain.Email
		opts  ports.EncodeOptions
	}
	var all []named
	for _, tc := range encCases() {
		all = append(all, named{tc.name, tc.email(t), tc.opts})
	}
	big := base(t)
	big.TextBody = ".a line that starts with a dot\n"
	big.Attachments = []domain.Attachment{{Filename: "big.bin", Content: domain.BytesSource(bytes.Repeat([]byte{0xfb, 0xef, 0xbe}, 3*chunkOctets/2))}}
	all = append(all, named{"large attachment", big, ports.EncodeOptions{}})
	for _, c := range all {
		t.Run(c.name, func(t *testing.T) {
			want := encode(t, testEncoder(1), c.email, c.opts)
			m, err := testEncoder(1).Prepare(c.email, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			var r crlfRecorder
			n, err := m.WriteTo(&r)
			if err != nil || n != int64(len(want)) {
				t.Fatalf("WriteTo = %d, %v; want %d", n, err, len(want))
			}
			if r.viaWrite.Len() != 0 {
				t.Errorf("%d octets went through Write", r.viaWrite.Len())
			}
			got := r.viaCRLF.Bytes()
			if !bytes.Equal(got, want) {
				t.Fatal("WriteCRLF got other bytes than a plain writer")
			}
			for i, b := range got {
				if b == '\r' && (i+1 == len(got) || got[i+1] != '\n') || b == '\n' && (i == 0 || got[i-1] != '\r') {
					t.Fatalf("bare line end at %d", i)
				}
			}
		})
	}
}
