// Package auth implements SMTP authentication (RFC 4954): Authenticator
// chooses a SASL mechanism and makes its client (ports.Authenticator), and
// the credential providers StaticCredentials and TokenProvider supply what
// the clients send (ports.CredentialProvider).
//
// The mechanisms, in the order in which Authenticator.Select chooses when
// the configuration leaves the choice to it (domain.AuthAuto), most
// preferred first (specification section 8.3.1):
//
//   - OAUTHBEARER (RFC 7628), from github.com/emersion/go-sasl, answering an
//     error challenge with the %x01 the RFC requires;
//   - XOAUTH2 (Google and Microsoft), answering an error challenge with the
//     empty response the protocol requires;
//   - CRAM-MD5 (RFC 2195);
//   - PLAIN (RFC 4616), from go-sasl;
//   - LOGIN (draft-murchison-sasl-login), tolerant of the prompt text.
//
// Every client bounds the number of challenges it answers, and answers an
// empty first challenge with its initial response (RFC 4954 section 4), so
// a session may leave the initial response off the AUTH line.
//
// No secret ever appears in an error or a String: errors name the
// mechanism and the problem, never a password or a token.
package auth
