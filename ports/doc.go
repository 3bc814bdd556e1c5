// Package ports declares the interfaces the application consumes and the
// adapters implement: Transport and Session (one SMTP connection), Dialer
// and TLSUpgrader (how bytes travel), Authenticator and SASLClient (AUTH),
// CredentialProvider, Encoder and Message (MIME), Pool, Interceptor, Logger
// and Transcript.
//
// Ports import only the domain package and the standard library. Every
// interface has a generated gomock double in package mocks; run
// `go generate ./...` after changing one.
package ports
