// Package application is the use-case layer: Client sends messages through
// the ports (Transport or Pool, Encoder), with retries, a circuit breaker and
// interceptors around each send.
//
// Main types: Client (Send, SendBatch, TestConnection, PoolStatus, Close),
// made by New with Options. It depends only on ports and domain; bootstrap
// wires the adapters in.
package application
