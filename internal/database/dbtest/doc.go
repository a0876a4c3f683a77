// Package dbtest gives each test its own PostgreSQL database, cloned from a
// template that is migrated once per schema version (peterldowns/pgtestdb).
//
// The server is TEST_DATABASE_URL when set; otherwise each test binary starts
// a private cluster (the same code `tranche serve` uses) in a temporary folder
// when its first test asks for a database, and stops it when its tests end.
// Call Main from TestMain.
//
// It imports internal/database and migrations, and is imported only by
// tests.
package dbtest
