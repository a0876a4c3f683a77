// Package load drives a Tranche server over HTTP the way provider systems,
// verifiers and finance do, measures it, and checks afterwards that nothing
// acknowledged was lost. cmd/loadtest and cmd/crashtest use it.
//
// It imports the capabilities it prepares data with (billing, contracts,
// outcomes, pooling) and internal/ (access, database); cmd/loadtest and
// cmd/crashtest import it, nothing else.
package load
