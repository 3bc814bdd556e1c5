// Command fastsink is a minimal SMTP sink for benchmarks with large
// messages, where Postfix's smtp-sink (about 300 MB/s here) would be the
// bottleneck. It accepts every message and discards it.
//
// It greets with 220, answers EHLO with PIPELINING, 8BITMIME and SIZE, and
// HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT; anything else gets 502.
// Pipelined commands are answered together, flushed only when no further
// complete command is buffered. The end of DATA, CRLF "." CRLF, is found
// with bytes.Index over reads of up to 1 MiB, across read boundaries; the
// data is neither stored, unstuffed nor checked.
//
// It is a benchmark tool, not a test server: no TLS, no AUTH, no limits
// besides the line length, and no checking of command order.
//
//	fastsink [-addr 127.0.0.1:2599] [-size 1073741824] [-buffer 1048576]
//
// It prints "fastsink: listening on ADDR" once it listens, and on SIGINT
// or SIGTERM the messages and octets it received, then exits.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
)

// maxLine bounds a command line; a longer one closes the connection.
const maxLine = 4096

var (
	messages atomic.Int64 // messages received (final dot seen)
	octets   atomic.Int64 // octets read in DATA, dots and CRLFs included
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen `address`")
	size := flag.Int64("size", 1<<30, "SIZE to advertise in `octets` (not enforced)")
	buffer := flag.Int("buffer", 1<<20, "read buffer `octets` per connection")
	flag.Parse()
	if *buffer < 2*maxLine {
		fmt.Fprintf(os.Stderr, "fastsink: -buffer must be at least %d\n", 2*maxLine)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fastsink:", err)
		os.Exit(1)
	}
	fmt.Printf("fastsink: listening on %s\n", ln.Addr())
	ehlo := []byte("250-fastsink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE " + strconv.FormatInt(*size, 10) + "\r\n")

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		fmt.Printf("fastsink: %d messages, %d octets of DATA\n", messages.Load(), octets.Load())
		os.Exit(0)
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go serve(c, ehlo, *buffer)
	}
}

// conn is one client connection: buf[r:w] holds received octets not yet
// handled, out the replies not yet written.
type conn struct {
	c    net.Conn
	buf  []byte
	r, w int
	out  []byte
}

var errLineTooLong = errors.New("command line too long")

func serve(nc net.Conn, ehlo []byte, bufSize int) {
	defer nc.Close()
	c := &conn{c: nc, buf: make([]byte, bufSize), out: make([]byte, 0, 4096)}
	c.out = append(c.out, "220 fastsink ESMTP\r\n"...)
	for {
		line, err := c.line()
		if err != nil {
			return
		}
		verb := line
		if len(verb) > 4 {
			verb = verb[:4]
		}
		switch string(bytes.ToUpper(verb)) {
		case "EHLO":
			c.out = append(c.out, ehlo...)
		case "HELO":
			c.out = append(c.out, "250 fastsink\r\n"...)
		case "MAIL", "RSET", "NOOP":
			c.out = append(c.out, "250 2.0.0 Ok\r\n"...)
		case "RCPT":
			c.out = append(c.out, "250 2.1.5 Ok\r\n"...)
		case "DATA":
			c.out = append(c.out, "354 End data with <CR><LF>.<CR><LF>\r\n"...)
			if err := c.data(); err != nil {
				return
			}
			messages.Add(1)
			c.out = append(c.out, "250 2.0.0 Ok: queued\r\n"...)
		case "QUIT":
			c.out = append(c.out, "221 2.0.0 Bye\r\n"...)
			_ = c.flush()
			return
		default:
			c.out = append(c.out, "502 5.5.2 Error: command not recognized\r\n"...)
		}
	}
}

// line returns the next command line without its line end. When none is
// buffered it first writes the pending replies (the client may be waiting
// for them), then reads.
func (c *conn) line() ([]byte, error) {
	for {
		if i := bytes.IndexByte(c.buf[c.r:c.w], '\n'); i >= 0 {
			line := c.buf[c.r : c.r+i]
			c.r += i + 1
			return bytes.TrimSuffix(line, []byte{'\r'}), nil
		}
		if c.w-c.r >= maxLine {
			return nil, errLineTooLong
		}
		if err := c.flush(); err != nil {
			return nil, err
		}
		c.compact(c.r)
		if err := c.fill(); err != nil {
			return nil, err
		}
	}
}

// data consumes octets up to and including the CRLF "." CRLF that ends
// the message. The CRLF of the DATA line counts as the start of the first
// line, so an empty message (a lone ".") ends at once.
func (c *conn) data() error {
	// The DATA line is at least 5 octets long and ends just before c.r:
	// overwrite its line end so that the search can start 2 octets early.
	from, base, total := c.r-2, c.r, 0 // base: where the uncounted data starts
	c.buf[from], c.buf[from+1] = '\r', '\n'
	for {
		if i := bytes.Index(c.buf[from:c.w], []byte("\r\n.\r\n")); i >= 0 {
			c.r = from + i + 5
			octets.Add(int64(total + c.r - base))
			return nil
		}
		// Keep the last 4 octets: the terminator may straddle the reads.
		keep := max(from, c.w-4)
		total += max(0, keep-base)
		base = max(0, base-keep)
		if err := c.flush(); err != nil { // the 354, if a pipelining client waits for it
			return err
		}
		c.compact(keep)
		from = 0
		if err := c.fill(); err != nil {
			return err
		}
	}
}

// compact moves buf[from:w] to the start of buf.
func (c *conn) compact(from int) {
	c.w = copy(c.buf, c.buf[from:c.w])
	c.r = 0
}

// fill reads at least one octet into buf[w:].
func (c *conn) fill() error {
	n, err := c.c.Read(c.buf[c.w:])
	c.w += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// flush writes the pending replies.
func (c *conn) flush() error {
	if len(c.out) == 0 {
		return nil
	}
	_, err := c.c.Write(c.out)
	c.out = c.out[:0]
	return err
}
