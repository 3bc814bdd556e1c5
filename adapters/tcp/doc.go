// Package tcp is the SMTP protocol engine: it speaks SMTP over a byte stream
// and implements ports.Transport and ports.Session.
//
// Main types:
//
//   - Transport opens sessions to one configured server; make one with New.
//   - Deps are its collaborators (dialer, TLS upgrader, authenticator,
//     credential provider, transcript, telemetry), all ports.
//   - Session is one greeted, possibly secured and authenticated connection.
//
// A session reads the greeting, says EHLO (HELO when the server answers 500,
// 501, 502 or 504), negotiates TLS as configured (implicit, STARTTLS required
// or opportunistic, or none), authenticates when credentials are configured,
// and then runs mail transactions: MAIL, RCPT, DATA or BDAT, pipelined when
// the server allows it; with SendMany each message's MAIL, RCPT and DATA go
// out behind the previous message's final dot, one round trip a message.
// Replies are read with bounded memory (4096 octets a
// line, 256 lines a reply); message bodies stream through a writer that
// normalises every line end to CRLF and dot-stuffs, so bare CR and LF cannot
// smuggle an end of data. Every failure is a *domain.Error with a Kind.
//
// It is the only code that speaks the wire protocol (test/arch checks it):
// reply and EHLO parsing, the stage each reply answers and the mapping of
// replies to error kinds, the queue ID read from the final reply
// (ports.TxResult.QueueID), and every decision made by the server's
// extensions: SIZE declared and held against the server's limit (the
// session measures a body by the body writer's own line-end rules when
// ports.Envelope.Measure asks it to), BODY=8BITMIME, SMTPUTF8 and the
// refusals of a message the server cannot take. Callers see only the
// summary in domain.ConnectionInfo.Extensions. The SASL clients answer
// every challenge, the OAuth error challenges too; the session relays
// their answers.
//
// Each stage of a session (connect, lookup, TLS, AUTH, every transaction
// and its MAIL, RCPT and DATA) is a span of the Telemetry in Deps, and each
// connection closed reports its lifetime; with no Telemetry nothing of it
// costs anything.
//
// The RFCs it follows: RFC 5321 (SMTP), RFC 1870 (SIZE), RFC 2920
// (PIPELINING), RFC 3030 (CHUNKING, BDAT), RFC 3207 (STARTTLS), RFC 4954
// (AUTH), RFC 6152 (8BITMIME) and RFC 6531 (SMTPUTF8), with the OAuth error
// exchanges of RFC 7628 (OAUTHBEARER) and Google's XOAUTH2.
package tcp
