// Command netsmtp sends N messages of a given size over one connection with
// Go's net/smtp, the baseline that most Go mail libraries build on, and
// prints messages per second. It is a benchmark peer for scripts/bench/run.sh.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2527", "server `host:port`")
	count := flag.Int("count", 1000, "messages to send")
	size := flag.Int("size", 1024, "body size in `bytes`, headers not included (as smtp-source -l)")
	timeout := flag.Duration("timeout", 2*time.Minute, "overall time limit")
	flag.Parse()
	if *count < 1 || *count > 1_000_000 || *size < 0 {
		fmt.Fprintln(os.Stderr, "netsmtp: -count must be 1..1000000 and -size not negative")
		os.Exit(2)
	}
	conn, err := net.DialTimeout("tcp", *addr, *timeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The deadline bounds the whole run: every later read or write fails after it.
	_ = conn.SetDeadline(time.Now().Add(*timeout))
	host, _, _ := net.SplitHostPort(*addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	body := message(*size)
	start := time.Now()
	for i := 0; i < *count; i++ {
		if err := send(c, body); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	elapsed := time.Since(start)
	_ = c.Quit()
	fmt.Printf("net/smtp: %d messages of %d bytes in %v: %.0f msg/s\n", *count, *size, elapsed.Round(time.Millisecond), float64(*count)/elapsed.Seconds())
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
