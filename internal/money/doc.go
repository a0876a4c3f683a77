// Package money parses, checks and prints euro amounts. Amounts are
// decimal.Decimal with two decimals, numeric(14,2) in PostgreSQL and strings
// in JSON ("1234.50"); a float never holds money. An amount is read in one
// of two unambiguous notations or refused, never guessed at or scaled: the
// API's canonical "1234.50" (Parse), and on pages also the Dutch "1.234,50"
// (Canonical, ParseLocal).
//
// It imports only internal/fault; every package that reads or prints amounts
// uses it.
package money
