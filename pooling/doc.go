// Package pooling is money in: funding streams, budgets, allocations, and the
// double-entry ledger with earmarks, commitments and attribution.
//
// It imports no other capability.
package pooling
