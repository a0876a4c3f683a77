// Package idempotency stores the outcome of unsafe API requests by
// Idempotency-Key, so that a provider system may safely retry: the same key
// with the same request replays the first answer, the same key with another
// request is refused, and a retry while the first is still running waits for
// it a moment and is then told so.
//
// A key is claimed, and its answer stored, in the request's database unit
// (database.BeginUnit): the same transaction as the change the request makes.
// A crash therefore leaves either the change with its answer or neither, and
// a retry after it replays the answer or makes the change afresh.
//
// It imports only internal/ (database, fault); web uses it for the
// Idempotency-Key of unsafe requests.
package idempotency
