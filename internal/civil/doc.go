// Package civil reads calendar days as pages, the API and uploaded files
// give them (YYYY-MM-DD), and refuses days no record of Tranche can carry:
// year 0000 or 0001, or the year 9999, are typing errors, not dates.
//
// It imports only internal/fault; any package that reads dates from input
// may use it.
package civil
