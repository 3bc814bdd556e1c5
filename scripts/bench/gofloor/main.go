// Command gofloor is the protocol floor of rows a-c of scripts/bench/pool.sh
// written in Go: what a Go client pays on this machine for the SMTP
// exchanges alone, with none of a library's work.
//
//	gofloor -addr HOST:PORT -count N -c CONNECTIONS -size OCTETS
//
// Each connection is a goroutine doing blocking I/O, as net/smtp and this
// module do; a message is pre-rendered once. After the greeting and EHLO,
// a session writes each message's body and final dot together with the
// next message's MAIL, RCPT and DATA (RFC 2920 pipelining) in one write and
// reads the four replies: one round trip a message and session, the least
// SMTP allows without CHUNKING, since the body waits for DATA's 354 (RFC
// 5321 4.1.1.4). No validation, no MIME encoding, no pool, no results: a
// ceiling for any Go client, read beside smtp-source and the C floor
// (scripts/bench/floor). It exits 1 on any reply other than 2xx or 3xx.
//
// With -sync a session waits for each message's final reply before it
// writes the next message's MAIL, RCPT and DATA: two round trips a
// message, the least a synchronous send of one message at a time (a
// caller that wants each outcome before its next message, as row a's
// single goroutine calling Send) can do.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
)

const envelope = "MAIL FROM:<bench@example.test>\r\nRCPT TO:<sink@example.test>\r\nDATA\r\n"

func main() {
	addr := flag.String("addr", "127.0.0.1:25", "the sink's `host:port`")
	count := flag.Int("count", 1000, "`number` of messages")
	conns := flag.Int("c", 1, "`number` of connections")
	size := flag.Int("size", 1024, "body `octets`")
	syncSend := flag.Bool("sync", false, "wait for each message's final reply before the next message's commands")
	flag.Parse()
	if *count < 1 || *conns < 1 || *size < 0 {
		fmt.Fprintln(os.Stderr, "gofloor: -count and -c must be positive, -size not negative")
		os.Exit(64)
	}
	body := render(*size)
	var left atomic.Int64
	left.Store(int64(*count))
	var wg sync.WaitGroup
	errs := make(chan error, *conns)
	for range *conns {
		wg.Go(func() {
			if err := session(*addr, body, &left, *syncSend); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		fmt.Fprintln(os.Stderr, "gofloor:", err)
		os.Exit(1)
	}
}

// render returns a message with size octets of body in 80-octet lines,
// ending with the final dot.
func render(size int) []byte {
	b := []byte("From: <bench@example.test>\r\nTo: <sink@example.test>\r\nSubject: floor\r\n\r\n")
	for n := range size {
		switch n % 80 {
		case 78:
			b = append(b, '\r')
		case 79:
			b = append(b, '\n')
		default:
			b = append(b, 'x')
		}
	}
	return append(b, "\r\n.\r\n"...)
}

// session sends messages on one connection while left allows it; with
// sync, one message at a time.
func session(addr string, body []byte, left *atomic.Int64, sync bool) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	r := bufio.NewReader(c)
	send := func(p []byte, replies int) error {
		if p != nil {
			if _, err := c.Write(p); err != nil {
				return err
			}
		}
		return expect(r, replies)
	}
	if err := send(nil, 1); err != nil {
		return err
	}
	if err := send([]byte("EHLO floor.example.test\r\n"), 1); err != nil {
		return err
	}
	if left.Add(-1) < 0 {
		return send([]byte("QUIT\r\n"), 1)
	}
	if err := send([]byte(envelope), 3); err != nil {
		return err
	}
	if sync {
		for {
			if err := send(body, 1); err != nil {
				return err
			}
			if left.Add(-1) < 0 {
				return send([]byte("QUIT\r\n"), 1)
			}
			if err := send([]byte(envelope), 3); err != nil {
				return err
			}
		}
	}
	out := make([]byte, 0, len(body)+len(envelope))
	for {
		out = append(out[:0], body...)
		if left.Add(-1) < 0 {
			return send(append(out, "QUIT\r\n"...), 2)
		}
		if err := send(append(out, envelope...), 4); err != nil {
			return err
		}
	}
}

// expect reads n replies, each 2xx or 3xx.
func expect(r *bufio.Reader, n int) error {
	for n > 0 {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) < 4 || (line[0] != '2' && line[0] != '3') {
			return errors.New("reply " + string(line))
		}
		if line[3] != '-' {
			n--
		}
	}
	return nil
}
