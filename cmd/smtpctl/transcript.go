package main

import (
	"fmt"
	"io"
	"sync"
)

// transcript prints protocol lines (already redacted by the transport) as
// "C: ..." and "S: ...".
type transcript struct {
	mu sync.Mutex
	w  io.Writer
}

func newTranscript(w io.Writer) *transcript { return &transcript{w: w} }

// Line prints one protocol line.
func (t *transcript) Line(sent bool, line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	dir := "S:"
	if sent {
		dir = "C:"
	}
	fmt.Fprintf(t.w, "%s %s\n", dir, oneLine(line))
}
