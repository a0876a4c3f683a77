// Package migrations holds Tranche's schema as numbered SQL files, applied in
// order by goose. They are the only source of the schema.
//
// It imports nothing; internal/database and its tests embed the files.
package migrations
