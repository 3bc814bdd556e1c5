// Package fault drives the pooled client wired by bootstrap.NewClient
// against the in-process smtptest server while faults are injected: 421
// storms, slow replies, a server whose connections are all cut mid-run, an
// exhausted pool. Each test accounts for every email (accepted, failed with
// a typed error, or delivery status unknown) against what the server
// stored: nothing accepted is lost, nothing failed arrives, nothing arrives
// twice. TestMain checks with goleak that no goroutine outlives the tests.
package fault
