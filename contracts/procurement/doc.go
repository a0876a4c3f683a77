// Package procurement is how Tranche buys what contracts hold: a tender
// (the open procedure, or an open house) with award criteria and lots,
// questions and answers, bids sealed until two procurement users open the
// tender, blind scoring by a committee of evaluators, the award decision per
// lot with its standstill and objections, and the conclusion that turns
// every awarded bid into a draft contract.
//
// It imports contracts (an awarded bid becomes a contract by contracts'
// rules) and nothing above it. rules.go holds the pure rules (the price
// formula, the ranking, the states), tested without a database; the other
// files hold the use cases, each in one transaction with its audit events.
//
// A bid is sealed: before the opening nothing but its author reads it. Every
// read of bids goes through sealedFor, and the audit trail records of a
// submitted bid only who submitted it and the sha256 of its content.
package procurement
