// Package tlstest makes throw-away certificates for tests and demos: a CA
// (CA, NewCA), server and client certificates it signs (Cert), self-signed
// and expired ones, PEM files on disk (WritePEM) and ready server
// configurations (CA.ServerConfig).
//
// Every key is ECDSA P-256 and lives only in memory until written. Nothing
// here is fit for production: the keys are fresh for each process and the
// files are written without any protection beyond 0600 permissions.
package tlstest
