// Package database opens Tranche's PostgreSQL connection (one pgx pool shared
// by gorm and the session store), applies the embedded migrations with goose,
// and runs a private PostgreSQL cluster from the locally installed binaries
// when no DATABASE_URL is given.
//
// It imports only internal/fault and migrations; every package with tables
// imports it.
package database
