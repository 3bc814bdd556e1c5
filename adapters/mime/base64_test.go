package mime

import (
	"bytes"
	"encoding/base64"
	mrand "math/rand/v2"
	"strings"
	"testing"
)

// stdLines is src in base64 as encoding/base64 gives it, cut into lines of
// 76 characters joined by CRLF, with a CRLF before the first when started.
func stdLines(src []byte, started bool) string {
	enc := base64.StdEncoding.EncodeToString(src)
	var lines []string
	for len(enc) > b64LineChars {
		lines = append(lines, enc[:b64LineChars])
		enc = enc[b64LineChars:]
	}
	if enc != "" {
		lines = append(lines, enc)
	}
	out := strings.Join(lines, "\r\n")
	if started && out != "" {
		out = "\r\n" + out
	}
	return out
}

// TestAppendBase64MatchesStdlib compares the line encoder with
// encoding/base64 for every length up to a few lines, every octet value
// in every position of a line, and random content.
func TestAppendBase64MatchesStdlib(t *testing.T) {
	t.Parallel()
	r := mrand.New(mrand.NewPCG(1, 2))
	var inputs [][]byte
	for n := range 4*b64LineOctets + 2 {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		inputs = append(inputs, data)
	}
	for v := range 256 { // each octet value at each offset of a line
		inputs = append(inputs, bytes.Repeat([]byte{byte(v)}, 2*b64LineOctets))
	}
	for _, data := range inputs {
		for _, started := range []bool{false, true} {
			prefix := []byte("kept")
			got := appendBase64(prefix, data, started)
			if want := "kept" + stdLines(data, started); string(got) != want {
				t.Fatalf("appendBase64(%d octets, started=%v) = %q; want %q", len(data), started, got, want)
			}
		}
	}
}

// TestB64PairsIsTheAlphabet checks the lookup table against the standard
// alphabet for every 12-bit value.
func TestB64PairsIsTheAlphabet(t *testing.T) {
	t.Parallel()
	for v := range len(b64Pairs) {
		in := []byte{byte(v >> 4), byte(v << 4)} // the 12 bits, then zeros
		want := base64.StdEncoding.EncodeToString(in)[:2]
		if got := string([]byte{byte(b64Pairs[v]), byte(b64Pairs[v] >> 8)}); got != want {
			t.Fatalf("b64Pairs[%#x] = %q; want %q", v, got, want)
		}
	}
}

// BenchmarkAppendBase64 encodes 1 MiB in 64 KiB chunks, as WriteTo does;
// "stdlib" is encoding/base64 line by line, the encoder before encodeLine.
func BenchmarkAppendBase64(b *testing.B) {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i*131 + i>>8)
	}
	out := make([]byte, 0, chunkLines*(b64LineChars+2))
	b.Run("lines", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			for p, started := data, false; len(p) > 0; started = true {
				n := min(len(p), chunkOctets)
				out = appendBase64(out[:0], p[:n], started)
				p = p[n:]
			}
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			for p, started := data, false; len(p) > 0; started = true {
				n := min(len(p), chunkOctets)
				out = out[:0]
				for q := p[:n]; len(q) > 0; started = true {
					k := min(len(q), b64LineOctets)
					if started {
						out = append(out, '\r', '\n')
					}
					out = base64.StdEncoding.AppendEncode(out, q[:k])
					q = q[k:]
				}
				p = p[n:]
			}
		}
	})
}
