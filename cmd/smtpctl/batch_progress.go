package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how far a batch is. Its methods are called from one
// goroutine at a time.
type progress interface {
	add(n int)           // n more emails are done
	println(line string) // prints a line without garbling the progress
	finish()             // removes what is left of the progress display
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgress returns a progress bar on a terminal, else plain lines about
// every 10%. out is where the progress goes, tty whether it is a terminal.
func newProgress(out io.Writer, total int, tty bool) progress {
	if !tty || total == 0 {
		return &plainProgress{w: out, total: total}
	}
	return &barProgress{w: out, bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription("sending"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("msg"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

// barProgress is a progress bar redrawn in place.
type barProgress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (p *barProgress) add(n int) { _ = p.bar.Add(n) }

func (p *barProgress) println(line string) {
	_ = p.bar.Clear()
	fmt.Fprintln(p.w, line)
	_ = p.bar.RenderBlank()
}

func (p *barProgress) finish() { _ = p.bar.Finish() }

// plainProgress prints "N of TOTAL done" each time another tenth is done.
type plainProgress struct {
	w           io.Writer
	total, done int
}

func (p *plainProgress) add(n int) {
	if p.total == 0 {
		return
	}
	before := p.done * 10 / p.total
	p.done += n
	if after := p.done * 10 / p.total; after > before {
		fmt.Fprintf(p.w, "batch: %d of %d done (%d%%)\n", p.done, p.total, p.done*100/p.total)
	}
}

func (p *plainProgress) println(line string) { fmt.Fprintln(p.w, line) }

func (p *plainProgress) finish() {}
