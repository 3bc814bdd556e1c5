package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// sendOutput is the --json document of send.
type sendOutput struct {
	MessageID  string         `json:"message_id"`
	Accepted   []string       `json:"accepted"`
	Rejected   []rejectedJSON `json:"rejected"`
	Response   string         `json:"response"`
	DurationMS int64          `json:"duration_ms"`
	Error      *errorJSON     `json:"error,omitempty"`
	ExitCode   int            `json:"exit_code"`
	Warnings   []string       `json:"warnings,omitempty"`
}

type rejectedJSON struct {
	Address      string `json:"address"`
	Code         int    `json:"code"`
	EnhancedCode string `json:"enhanced_code"`
	Message      string `json:"message"`
}

type errorJSON struct {
	Kind         string `json:"kind"`
	Code         int    `json:"code"`
	EnhancedCode string `json:"enhanced_code"`
	Message      string `json:"message"`
}

func newErrorJSON(err error) *errorJSON {
	out := &errorJSON{Kind: domain.KindOf(err).String(), Message: oneLine(err.Error())}
	if e := domain.AsError(err); e != nil {
		out.Code, out.EnhancedCode = e.Code, e.Enhanced.String()
	}
	return out
}

func runSend(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c connFlags
	var m messageFlags
	var rl rateLimitFlags
	c.register(fs)
	m.register(fs)
	rl.register(fs)
	messageFile := fs.String("message-file", "", "send the prebuilt RFC 5322 message in `file`, streamed (- for stdin; envelope from --from/--to/--cc/--bcc)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	verbose := fs.Bool("verbose", false, "print the protocol transcript to stderr (secrets redacted)")
	eightBit := fs.Bool("8bit", true, "send text as 8bit when the server has 8BITMIME")
	traceTree := fs.Bool("trace", false, "print the send's span tree, with durations, to stderr at the end")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	start := time.Now()
	out := sendOutput{Accepted: []string{}, Rejected: []rejectedJSON{}}
	finish := func(err error) int {
		out.DurationMS = time.Since(start).Milliseconds()
		code := exitOK
		if err != nil {
			code = exitCode(err)
			out.Error = newErrorJSON(err)
			fmt.Fprintf(stderr, "smtpctl send: %s\n", oneLine(err.Error()))
		} else if len(out.Rejected) > 0 {
			code = exitUnavailable
			fmt.Fprintf(stderr, "smtpctl send: %d of %d recipients rejected\n", len(out.Rejected), len(out.Rejected)+len(out.Accepted))
		}
		out.ExitCode = code
		if *asJSON && code != exitUsage {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(out)
		} else if code == exitOK || code == exitUnavailable && err == nil {
			fmt.Fprintf(stdout, "sent %s: %d accepted, %d rejected; server said %q\n", out.MessageID, len(out.Accepted), len(out.Rejected), out.Response)
			for _, r := range out.Rejected {
				fmt.Fprintf(stdout, "rejected %s: %d %s %s\n", r.Address, r.Code, r.EnhancedCode, oneLine(r.Message))
			}
		}
		return code
	}
	if fs.NArg() > 0 {
		return finish(&usageError{"unexpected argument " + quote(fs.Arg(0))})
	}
	cfg, err := c.config()
	if err != nil {
		return finish(err)
	}
	if err := rl.apply(&cfg); err != nil {
		return finish(err)
	}
	// A server may quote the secret back; finish and the transcript write
	// through these.
	stdout, stderr = scrub(stdout, cfg.Credentials), scrub(stderr, cfg.Credentials)
	cfg.Allow8BitMIME = *eightBit
	var opts []bootstrap.ClientOption
	if *verbose {
		opts = append(opts, bootstrap.WithTranscript(newTranscript(stderr)))
	}
	printTree := func() {}
	if *traceTree {
		printTree = installTrace(stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	var res *domain.SendResult
	if *messageFile != "" {
		res, err = sendFile(ctx, cfg, opts, &m, *messageFile)
	} else {
		res, err = sendBuilt(ctx, cfg, opts, &m)
	}
	if res != nil {
		out.MessageID, out.Response = res.MessageID, res.Response
		out.Accepted = append(out.Accepted, res.Accepted...)
		for _, r := range res.Rejected {
			out.Rejected = append(out.Rejected, rejectedJSON{r.Address, r.Code, r.Enhanced.String(), r.Message})
		}
	}
	printTree()
	return finish(err)
}

func sendBuilt(ctx context.Context, cfg bootstrap.Config, opts []bootstrap.ClientOption, m *messageFlags) (*domain.SendResult, error) {
	if err := m.checkUsage(); err != nil {
		return nil, err
	}
	e, err := m.build()
	if err != nil {
		return nil, err
	}
	client, err := bootstrap.NewClient(cfg, append(opts, bootstrap.WithoutPool())...) // one message: nothing to reuse
	if err != nil {
		return nil, &configError{err}
	}
	defer client.Close(context.Background())
	return client.Send(ctx, e)
}

func sendFile(ctx context.Context, cfg bootstrap.Config, opts []bootstrap.ClientOption, m *messageFlags, path string) (*domain.SendResult, error) {
	if m.from == "" || len(m.to)+len(m.cc)+len(m.bcc) == 0 {
		return nil, &usageError{"--message-file needs --from and at least one --to, --cc or --bcc for the envelope"}
	}
	if m.subject != "" || m.text != "" || m.textFile != "" || m.html != "" || m.htmlFil != "" || len(m.attach)+len(m.inline)+len(m.headers) > 0 {
		return nil, &usageError{"--message-file excludes --subject, body, --attach, --inline and --header flags"}
	}
	src := os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, &domain.Error{Kind: domain.KindInvalidInput, Op: "read message", Message: "cannot read " + quote(path), Err: err}
		}
		defer f.Close()
		src = f
	}
	from, err := domain.ParseAddress(m.from)
	if err != nil {
		return nil, &domain.Error{Kind: domain.KindInvalidFromAddress, Op: "envelope", Message: "--from", Err: err}
	}
	var to []domain.Address
	for _, list := range [][]string{m.to, m.cc, m.bcc} {
		for _, s := range list {
			a, err := domain.ParseAddress(s)
			if err != nil {
				return nil, &domain.Error{Kind: domain.KindInvalidRecipientAddress, Op: "envelope", Message: "recipient", Err: err}
			}
			to = append(to, a)
		}
	}
	client, err := bootstrap.NewClient(cfg, append(opts, bootstrap.WithoutPool())...) // one message: nothing to reuse
	if err != nil {
		return nil, &configError{err}
	}
	defer client.Close(context.Background())
	return client.SendRawReader(ctx, from, to, src) // streamed: any size in bounded memory
}
