// Command smtpctl renders, sends and probes email with the integrations-smtp
// client, and demonstrates it against an embedded test server.
//
//	smtpctl render --from A --to B --subject S --text T > message.eml
//	smtpctl send   --host H --port P --tls starttls-required --user U --password-env VAR --from A --to B ...
//	smtpctl batch  --host H --port P --file emails.jsonl --connections 5 --rate-limit 100/1m --json
//	smtpctl probe  --host H --port P
//	smtpctl demo
//
// Exit codes follow sysexits: 0 success, 64 usage, 65 bad input data, 69
// permanent failure, 75 temporary failure, 76 protocol error, 77
// authentication failure, 78 TLS or configuration failure.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"render", "write a message built from flags to stdout", runRender},
		{"send", "send a message through an SMTP server", runSend},
		{"batch", "send the emails of a JSON-lines file concurrently, with a report per email", runBatch},
		{"probe", "connect, negotiate TLS and AUTH, and describe the server", runProbe},
		{"demo", "send a rich message through an embedded test server", runDemo},
		{"bench", "send many messages to a server; report msg/s, MB/s, latency percentiles and errors", runBench},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "smtpctl: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: smtpctl COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nrun 'smtpctl COMMAND -h' for a command's flags")
}

// fail prints a one-line reason and returns the exit code of err.
func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "smtpctl %s: %s\n", cmd, oneLine(err.Error()))
	return exitCode(err)
}

// oneLine makes s safe to print as one line of a terminal: CR goes, LF
// becomes "; ", and every other control character (C0, DEL, C1) and any
// invalid UTF-8 is shown escaped, so that server text cannot move the
// cursor, retitle the window or fake output lines with escape sequences.
func oneLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\r':
		case r == '\n':
			b.WriteString("; ")
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
