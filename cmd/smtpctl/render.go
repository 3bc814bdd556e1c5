package main

import (
	"bufio"
	"flag"
	"io"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/ports"
)

func runRender(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var m messageFlags
	m.register(fs)
	eightBit := fs.Bool("8bit", false, "allow 8bit text parts (as for a server with 8BITMIME)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail(stderr, "render", &usageError{"unexpected argument " + quote(fs.Arg(0))})
	}
	if err := m.checkUsage(); err != nil {
		return fail(stderr, "render", err)
	}
	e, err := m.build()
	if err != nil {
		return fail(stderr, "render", err)
	}
	msg, err := bootstrap.NewEncoder().Prepare(e, ports.EncodeOptions{Allow8Bit: *eightBit})
	if err != nil {
		return fail(stderr, "render", err)
	}
	// The message streams to stdout, so a failure half-way would leave
	// partial output. Size is a counting pass that opens every attachment:
	// a problem shows here, before the first byte (stdout stays empty).
	if _, err := msg.Size(); err != nil {
		return fail(stderr, "render", err)
	}
	w := bufio.NewWriterSize(stdout, 64<<10)
	if _, err := msg.WriteTo(w); err != nil {
		return fail(stderr, "render", err)
	}
	if err := w.Flush(); err != nil {
		return fail(stderr, "render", err)
	}
	return exitOK
}
