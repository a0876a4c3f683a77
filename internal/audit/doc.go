// Package audit writes and checks Tranche's audit trail: one event per change
// of state (who, what, which object, before and after, when, which request),
// appended in the same database transaction as the change. The database
// refuses to update or delete events, and each event's hash covers the one
// before it, so Verify detects any row edited behind the application's back.
//
// It imports only internal/check; every package that changes state imports
// it.
package audit
