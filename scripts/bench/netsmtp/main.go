// Command netsmtp sends N messages of a given size with Go's net/smtp, the
// baseline that most Go mail libraries build on, over one connection or
// over -c connections in parallel (net/smtp's Client is not safe for
// concurrent use: one goroutine a connection), and prints messages per
// second. It is a benchmark peer for scripts/bench/run.sh and pool.sh.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2527", "server `host:port`")
	count := flag.Int("count", 1000, "messages to send in all")
	size := flag.Int("size", 1024, "body size in `bytes`, headers not included (as smtp-source -l)")
	conns := flag.Int("c", 1, "`connections` in parallel, each sending its share of -count in turn (as smtp-source -s with -d)")
	timeout := flag.Duration("timeout", 2*time.Minute, "overall time limit")
	flag.Parse()
	if *count < 1 || *count > 1_000_000 || *size < 0 || *conns < 1 || *conns > 1000 || *conns > *count {
		fmt.Fprintln(os.Stderr, "netsmtp: -count must be 1..1000000, -size not negative, -c 1..1000 and at most -count")
		os.Exit(2)
	}
	body := message(*size)
	deadline := time.Now().Add(*timeout)
	start := time.Now()
	errs := make(chan error, *conns)
	var wg sync.WaitGroup
	for i := range *conns {
		n := *count / *conns
		if i < *count%*conns {
			n++
		}
		wg.Go(func() { errs <- session(*addr, deadline, n, body) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, "netsmtp:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("net/smtp: %d messages of %d bytes over %d connection(s) in %v: %.0f msg/s\n",
		*count, *size, *conns, elapsed.Round(time.Millisecond), float64(*count)/elapsed.Seconds())
}

// session sends n messages over one connection, then QUIT.
func session(addr string, deadline time.Time, n int, body []byte) error {
	conn, err := net.DialTimeout("tcp", addr, time.Until(deadline))
	if err != nil {
		return err
	}
	// The deadline bounds the whole run: every later read or write fails after it.
	_ = conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	for range n {
		if err := send(c, body); err != nil {
			return err
		}
	}
	return c.Quit()
}

func send(c *smtp.Client, body []byte) error {
	if err := c.Mail("bench@example.test"); err != nil {
		return err
	}
	if err := c.Rcpt("sink@example.test"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	return w.Close()
}

// message returns the headers and a body of size octets of text in CRLF
// lines; like smtp-source -l and smtpctl bench --size, size excludes the
// headers.
func message(size int) []byte {
	head := "From: bench@example.test\r\nTo: sink@example.test\r\nSubject: bench\r\n\r\n"
	line := "The quick brown fox jumps over the lazy dog; seven wizards hex jolly kings.\r\n"
	b := make([]byte, 0, len(head)+size+len(line))
	b = append(b, head...)
	for len(b)-len(head) < size {
		b = append(b, line...)
	}
	b = b[:len(head)+size]
	if size >= 2 {
		copy(b[len(b)-2:], "\r\n")
	}
	return b
}
