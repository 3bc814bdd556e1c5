package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// probeOutput is the --json document of probe.
type probeOutput struct {
	Host            string     `json:"host"`
	Port            int        `json:"port"`
	Banner          string     `json:"banner"`
	Capabilities    []string   `json:"capabilities"`
	TLS             bool       `json:"tls"`
	TLSVersion      string     `json:"tls_version,omitempty"`
	CipherSuite     string     `json:"cipher_suite,omitempty"`
	CertSubject     string     `json:"certificate_subject,omitempty"`
	CertIssuer      string     `json:"certificate_issuer,omitempty"`
	CertExpiry      string     `json:"certificate_expiry,omitempty"`
	AuthMechanisms  []string   `json:"auth_mechanisms"`
	AuthenticatedAs string     `json:"authenticated_as,omitempty"`
	Error           *errorJSON `json:"error,omitempty"`
	Hint            string     `json:"hint,omitempty"`
	ExitCode        int        `json:"exit_code"`
}

func runProbe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c connFlags
	c.register(fs)
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	verbose := fs.Bool("verbose", false, "print the protocol transcript to stderr (secrets redacted)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail(stderr, "probe", &usageError{"unexpected argument " + quote(fs.Arg(0))})
	}
	cfg, err := c.config()
	if err != nil {
		return fail(stderr, "probe", err)
	}
	stdout, stderr = scrub(stdout, cfg.Credentials), scrub(stderr, cfg.Credentials)
	var opts []bootstrap.ClientOption
	if *verbose {
		opts = append(opts, bootstrap.WithTranscript(newTranscript(stderr)))
	}
	out := probeOutput{Host: cfg.Host, Port: cfg.Port, Capabilities: []string{}, AuthMechanisms: []string{}}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	client, err := bootstrap.NewClient(cfg, append(opts, bootstrap.WithoutPool())...) // one message: nothing to reuse
	var info *domain.ConnectionInfo
	if err != nil {
		err = &configError{err}
	} else {
		info, err = client.TestConnection(ctx)
		_ = client.Close(context.Background())
	}
	if info != nil {
		fillProbe(&out, info)
	}
	code := exitOK
	if err != nil {
		code = exitCode(err)
		out.Error = newErrorJSON(err)
		out.Hint = probeHint(cfg, err)
	}
	out.ExitCode = code
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	} else if err == nil {
		printProbe(stdout, &out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "smtpctl probe: %s\n", oneLine(err.Error()))
		if out.Hint != "" {
			fmt.Fprintf(stderr, "hint: %s\n", out.Hint)
		}
	}
	return code
}

func fillProbe(out *probeOutput, info *domain.ConnectionInfo) {
	out.Banner = info.Banner
	out.Capabilities = append(out.Capabilities, info.Extensions.Lines...)
	out.TLS = info.TLS
	out.TLSVersion = info.TLSVersion
	out.CipherSuite = info.CipherSuite
	if cert := info.Certificate; cert != nil {
		out.CertSubject, out.CertIssuer = cert.Subject, cert.Issuer
		out.CertExpiry = cert.NotAfter.UTC().Format(time.RFC3339)
	}
	out.AuthMechanisms = append(out.AuthMechanisms, info.Extensions.Auth...)
	out.AuthenticatedAs = info.AuthenticatedAs
}

func printProbe(w io.Writer, out *probeOutput) {
	fmt.Fprintf(w, "server:        %s:%d\n", out.Host, out.Port)
	fmt.Fprintf(w, "banner:        %s\n", oneLine(out.Banner))
	if out.TLS {
		fmt.Fprintf(w, "tls:           TLS %s, %s\n", out.TLSVersion, out.CipherSuite)
		fmt.Fprintf(w, "certificate:   %s (issuer %s, expires %s)\n", oneLine(out.CertSubject), oneLine(out.CertIssuer), out.CertExpiry)
	} else {
		fmt.Fprintln(w, "tls:           none (plaintext)")
	}
	fmt.Fprintf(w, "capabilities:  %s\n", oneLine(strings.Join(out.Capabilities, ", ")))
	fmt.Fprintf(w, "auth:          %s\n", oneLine(strings.Join(out.AuthMechanisms, " ")))
	if out.AuthenticatedAs != "" {
		fmt.Fprintf(w, "authenticated: %s\n", out.AuthenticatedAs)
	}
}

// probeHint names the usual mix-ups of port and TLS mode.
func probeHint(cfg bootstrap.Config, err error) string {
	mode := cfg.EffectiveTLSMode()
	k := domain.KindOf(err)
	switch {
	case mode == tcp.TLSImplicit && (k == domain.KindTLSHandshake || k.Category() == domain.KindTimeout):
		return "the server may expect a plaintext greeting and STARTTLS on this port: try --tls starttls-required (port 587 or 25)"
	case mode != tcp.TLSImplicit && (k == domain.KindInvalidResponse || k.Category() == domain.KindTimeout || k == domain.KindConnectionReset):
		return "the server may speak TLS from the first byte on this port: try --tls implicit (port 465)"
	case k == domain.KindStartTLSNotSupported:
		return "the server offers no STARTTLS here: use a submission port with TLS, or --tls starttls to allow plaintext"
	}
	return ""
}
