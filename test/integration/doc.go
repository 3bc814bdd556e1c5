// Package integration sends real mail through real servers on loopback:
// Postfix (with Dovecot SASL) and Mailpit, installed and started by
// scripts/servers, and reads back the bytes they received. The tests are
// behind the build tag `integration` and run from `make test`; a missing
// server fails them, nothing is skipped.
package integration
