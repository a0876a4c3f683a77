// Command loadtest drives a Tranche server on loopback the way its users do
// at once: 32 provider systems submitting claims with PDF evidence (each
// with an Idempotency-Key, retried with the same key on network errors),
// two verifiers approving from the queue, and finance creating a payment
// run half-way. It reports throughput, latency percentiles per operation
// and the server's peak RSS, then runs `tranche check` and verifies that
// every claim that got a 2xx is in the database. Exit 1 on any failure.
//
// By default it builds tranche, starts `tranche serve` on 127.0.0.1 with
// its own private PostgreSQL in a temporary folder, and stops both at the
// end. With --url (loopback only) and --database-url it drives a server
// that is already running.
//
//	go run ./cmd/loadtest --duration 60s --max-requests 200000
//
// It is a program at the top of the graph: it only parses flags and calls
// cmd/loadtest/load; nothing imports it.
package main
