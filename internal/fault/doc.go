// Package fault defines the domain error every Tranche capability returns:
// a stable snake_case code, a kind that decides the HTTP status in web/, a
// human-readable detail and, for bad input, errors per field.
//
// Capability packages declare their codes once with Define and return them
// with New or Invalid; web/ maps the Kind to a status in one table. Codes are
// registered so that a test can prove every one of them maps to a status.
//
// It imports nothing of Tranche's; every other package imports it.
package fault
