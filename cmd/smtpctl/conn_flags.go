package main

import (
	"flag"
	"os"
	"strings"
	"time"

	"github.com/integrations/smtp/adapters/tcp"
	smtptls "github.com/integrations/smtp/adapters/tls"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// connFlags are the connection, TLS and auth flags (send and probe).
type connFlags struct {
	host, tlsMode, caFile, clientCert, clientKey, serverName, tlsMin string
	insecureSkipVerify, allowInsecureAuth                            bool
	port                                                             int
	user, passwordEnv, passwordFile, tokenEnv, auth, heloName        string
	timeout                                                          time.Duration
	maxSize                                                          int64
	pins                                                             listFlag
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.host, "host", "", "SMTP server `host`")
	fs.IntVar(&c.port, "port", 587, "SMTP server `port`")
	fs.StringVar(&c.tlsMode, "tls", "", "TLS `mode`: none, starttls, starttls-required (default; implicit on port 465) or implicit")
	fs.StringVar(&c.caFile, "ca-file", "", "trust the PEM CA certificates in `file`")
	fs.StringVar(&c.clientCert, "client-cert", "", "PEM client certificate `file` (mutual TLS)")
	fs.StringVar(&c.clientKey, "client-key", "", "PEM client key `file` (mutual TLS)")
	fs.StringVar(&c.serverName, "server-name", "", "TLS server `name` (SNI and verification; default the host)")
	fs.StringVar(&c.tlsMin, "tls-min", "1.2", "minimum TLS `version`: 1.2 or 1.3")
	fs.BoolVar(&c.insecureSkipVerify, "insecure-skip-verify", false, "do not verify the server certificate (development only)")
	fs.Var(&c.pins, "pin-sha256", "accept only a server key whose base64 SPKI SHA-256 is `pin` (repeatable)")
	fs.StringVar(&c.user, "user", "", "AUTH `username`")
	fs.StringVar(&c.passwordEnv, "password-env", "", "read the password from environment `variable`")
	fs.StringVar(&c.passwordFile, "password-file", "", "read the password from `file`")
	fs.StringVar(&c.tokenEnv, "token-env", "", "read the OAuth2 access token from environment `variable` (XOAUTH2, OAUTHBEARER)")
	fs.StringVar(&c.auth, "auth", "auto", "AUTH `mechanism`: auto, plain, login, cram-md5, xoauth2, oauthbearer")
	fs.BoolVar(&c.allowInsecureAuth, "allow-insecure-auth", false, "permit AUTH over a connection without TLS")
	fs.StringVar(&c.heloName, "helo-name", "", "`name` to say in EHLO/HELO (default the host name when fully qualified, else localhost)")
	fs.Int64Var(&c.maxSize, "max-size", 0, "refuse a message over `octets` before connecting (default 10 MiB, at most 25 MiB)")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "overall `duration` limit")
}

// config builds and validates the client configuration. Flag misuse is a
// usageError (64); an invalid configuration a configError (78).
func (c *connFlags) config() (bootstrap.Config, error) {
	var cfg bootstrap.Config
	if c.host == "" {
		return cfg, &usageError{"--host is required"}
	}
	cfg.Host, cfg.Port = c.host, c.port
	mode, err := tcp.ParseTLSMode(c.tlsMode)
	if err != nil {
		return cfg, &usageError{err.Error()}
	}
	cfg.TLSMode = mode
	v, err := smtptls.ParseVersion(c.tlsMin)
	if err != nil || (v != smtptls.VersionTLS12 && v != smtptls.VersionTLS13) {
		return cfg, &usageError{"--tls-min must be 1.2 or 1.3"}
	}
	cfg.TLS = smtptls.Config{
		MinVersion: v, InsecureSkipVerify: c.insecureSkipVerify, CAFile: c.caFile,
		ClientCertFile: c.clientCert, ClientKeyFile: c.clientKey, ServerName: c.serverName, PinnedSPKISHA256: c.pins,
	}
	mech, ok := domain.ParseAuthMechanism(c.auth)
	if !ok {
		return cfg, &usageError{"--auth must be auto, plain, login, cram-md5, xoauth2 or oauthbearer"}
	}
	cfg.AuthMechanism = mech
	cfg.AllowInsecureAuth = c.allowInsecureAuth
	if c.heloName != "" {
		cfg.LocalName = c.heloName
	}
	cfg.Limits.MaxMessageSize = c.maxSize // 0: the default; above the maximum: refused by Validate
	creds, err := c.credentials(mech)
	if err != nil {
		return cfg, err
	}
	cfg.Credentials = creds
	// A command-line send is one attempt: the exit code tells the caller
	// whether to try again.
	cfg.Retry.MaxAttempts = 1
	cfg.CircuitBreaker.Disabled = true
	if c.timeout > 0 {
		cfg.Timeouts = scaleTimeouts(c.timeout)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, &configError{err}
	}
	return cfg, nil
}

// scaleTimeouts caps every stage timeout at the overall limit.
func scaleTimeouts(limit time.Duration) tcp.Timeouts {
	t := tcp.DefaultTimeouts()
	for _, p := range []*time.Duration{&t.Connect, &t.Greeting, &t.Command, &t.Mail, &t.Rcpt, &t.DataInit, &t.DataBlock, &t.DataTerm} {
		if *p > limit {
			*p = limit
		}
	}
	return t
}

// credentials reads secrets from the environment or a file, never from the
// command line.
func (c *connFlags) credentials(mech domain.AuthMechanism) (domain.Credentials, error) {
	sources := 0
	for _, s := range []string{c.passwordEnv, c.passwordFile, c.tokenEnv} {
		if s != "" {
			sources++
		}
	}
	if sources > 1 {
		return domain.Credentials{}, &usageError{"use only one of --password-env, --password-file and --token-env"}
	}
	switch {
	case c.tokenEnv != "":
		token, ok := os.LookupEnv(c.tokenEnv)
		token = strings.TrimRight(token, "\r\n")
		if !ok || token == "" {
			return domain.Credentials{}, &usageError{"environment variable " + c.tokenEnv + " (--token-env) is empty or unset"}
		}
		if mech == domain.AuthXOAuth2 || (mech == domain.AuthAuto && c.user != "") {
			if c.user == "" {
				return domain.Credentials{}, &usageError{"XOAUTH2 needs --user"}
			}
			return domain.XOAuth2Credentials(c.user, token), nil
		}
		return domain.OAuthBearerCredentials(c.user, token), nil
	case c.passwordEnv != "" || c.passwordFile != "":
		if c.user == "" {
			return domain.Credentials{}, &usageError{"a password needs --user"}
		}
		pw, err := c.password()
		if err != nil {
			return domain.Credentials{}, err
		}
		return domain.PasswordCredentials(c.user, pw), nil
	case c.user != "":
		return domain.Credentials{}, &usageError{"--user needs --password-env, --password-file or --token-env"}
	}
	return domain.Credentials{}, nil
}

func (c *connFlags) password() (string, error) {
	if c.passwordEnv != "" {
		pw, ok := os.LookupEnv(c.passwordEnv)
		pw = strings.TrimRight(pw, "\r\n") // a trailing line end is not part of it, as with --password-file
		if !ok || pw == "" {
			return "", &usageError{"environment variable " + c.passwordEnv + " (--password-env) is empty or unset"}
		}
		return pw, nil
	}
	data, err := os.ReadFile(c.passwordFile)
	if err != nil {
		return "", &usageError{"cannot read --password-file: " + err.Error()}
	}
	pw := strings.TrimRight(string(data), "\r\n")
	if pw == "" {
		return "", &usageError{"--password-file is empty"}
	}
	return pw, nil
}
