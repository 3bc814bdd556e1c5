// Command netsmtp sends N messages of a given size over one connection with
// Go's net/smtp, the baseline that most Go mail libraries build on, and
// prints messages per second. It is a benchmark peer for scripts/bench/run.sh.
package main

import (
	"flag"
	"fmt"
	"net/smtp"
	"os"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2527", "server `host:port`")
	count := flag.Int("count", 1000, "messages to send")
	size := flag.Int("size", 1024, "message size in `bytes`")
	flag.Parse()
	c, err := smtp.Dial(*addr)
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

func message(size int) []byte {
	head := "From: bench@example.test\r\nTo: sink@example.test\r\nSubject: bench\r\n\r\n"
	var b strings.Builder
	b.WriteString(head)
	line := strings.Repeat("x", 72) + "\r\n"
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	return []byte(b.String())
}
