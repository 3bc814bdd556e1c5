// Package smtptest provides SMTP servers for tests, in the spirit of
// net/http/httptest: an in-process server built on github.com/emersion/go-smtp
// that records what clients send and misbehaves on request, and a scripted
// raw-socket fake for byte-exact transcripts. Both listen on 127.0.0.1 on a
// free port.
//
// The main types:
//
//   - Server, made by NewServer or Start(t): a working SMTP server. Options
//     (WithAuth, WithSTARTTLS, WithImplicitTLS, WithMaxSize, WithoutExtensions,
//     ...) fix its behaviour; Messages, WaitForMessages, Commands and
//     Connections show what happened; FailAt, FailTimes, DropAt,
//     DropAfterData, Delay, RejectRecipient and MaxRecipientsPerTransaction
//     inject faults, also while clients are connected.
//   - Message: one accepted message, with its envelope and raw content.
//   - ScriptServer, made by NewScript(t, steps...): plays a fixed script of
//     Steps (Send, Expect, ReadData, StartTLS, ExpectClosed, ...) to one
//     client and records every byte it sends.
//
// Each server generates its own certificate authority (ECDSA P-256) and a
// certificate for localhost, 127.0.0.1 and ::1; CAPool, CACertPEM, WriteCA
// and ClientTLSConfig let a client trust it.
//
// # How Server is built
//
// go-smtp parses commands and parameters, reads DATA and BDAT content and
// runs the SASL exchanges. Between it and the TCP connection sits a layer
// that hands go-smtp one line at a time, so that it knows which command each
// reply answers. That layer records commands, applies faults and delays to
// any command, rewrites the EHLO reply to hide or add extensions, closes the
// connection after any 421 reply, and terminates TLS itself (go-smtp's own
// STARTTLS would hide the commands that follow it); after STARTTLS it hands
// the client to a fresh go-smtp connection, which gives the state reset RFC
// 3207 asks for.
//
// Limits: hiding PIPELINING does not stop a client from pipelining, hiding
// ENHANCEDSTATUSCODES does not remove the codes from replies, and the
// server does not speak LMTP although go-smtp could.
//
// # Standards
//
// RFC 5321 (SMTP), RFC 3207 (STARTTLS), RFC 8314 (implicit TLS), RFC 4954
// (AUTH) with RFC 4616 (PLAIN), draft-murchison-sasl-login (LOGIN), RFC 2195
// (CRAM-MD5), RFC 7628 (OAUTHBEARER) and Google's XOAUTH2, RFC 1870 (SIZE),
// RFC 6152 (8BITMIME), RFC 3030 (CHUNKING, BINARYMIME), RFC 2920
// (PIPELINING), RFC 6531 (SMTPUTF8), RFC 3461 (DSN, passed to go-smtp) and
// RFC 2034 (ENHANCEDSTATUSCODES).
package smtptest
