// Command crashtest kills Tranche at bad moments and checks that nothing
// acknowledged is lost and nothing is paid twice. On one tranche server
// (a child process on its own private PostgreSQL in a temporary folder) it
// runs, per round:
//
//   - kill -9 of the server while 32 provider clients submit claims;
//   - kill -9 of the PostgreSQL postmaster during the same kind of load;
//   - kill -9 of the server, and separately of the postmaster, while the
//     confirmation of an exported payment run writes the ledger, and right
//     after it committed.
//
// After each crash it restarts the server, runs `tranche check`, looks up
// every acknowledged claim, retries every unacknowledged request with its
// Idempotency-Key, and (for the run) confirms again. Exit 1 on any failure.
//
//	go run ./cmd/crashtest --rounds 5
//
// It is a program at the top of the graph: it drives `tranche serve` as a
// child process and reads the results through cmd/loadtest/load, outcomes,
// pooling and internal/ (access, database); nothing imports it.
package main
