// Package check runs the consistency checks of `tranche check`: each
// capability states its invariants over its own tables as checks, and this
// package runs them and reports each as one Result. It imports gorm only;
// every capability and internal/audit import it.
//
// It imports nothing of Tranche's; the packages that own tables (pooling,
// contracts, outcomes, billing, access, audit) import it for their checks,
// and cmd/tranche runs them.
package check
