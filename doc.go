// Package smtp is the front door of this module: one import for the first
// email.
//
//	cfg := smtp.Config{Host: "smtp.example.com", Port: 587} // STARTTLS required, TLS 1.2+, certificates verified
//	cfg.Credentials = smtp.PasswordCredentials("me@example.com", os.Getenv("SMTP_PASSWORD"))
//	client, err := smtp.NewClient(cfg)
//	...
//	email, err := smtp.NewEmail().From("me@example.com").To("you@example.org").
//		Subject("Hello").Text("Hello, world").Build()
//	...
//	res, err := client.Send(ctx, email)
//	if smtp.IsTemporary(err) { ... }
//
// The zero Config plus Host and Port is the secure default; ConfigFromEnv
// reads it from SMTP_* environment variables instead.
//
// Every name here is an alias of, or a thin call to, a name of the layers
// below, which stay public for whoever wants more: package domain (mail
// values, the error Kinds, Credentials), application (Client and its
// limits, retry and breaker settings), the adapters (each with its own
// configuration: tcp, tls, pool, ratelimit), bootstrap (Config, every
// ClientOption, the go.uber.org/fx Module, NewRedisRateLimiter), ports
// (the interfaces an adapter implements) and smtptest (an in-process
// server for tests). A value made here is the same type as the layer's: an
// smtp.Config is a bootstrap.Config, an smtp.Option is a
// bootstrap.ClientOption, an *smtp.Error is a *domain.Error.
package smtp
