// Package migrations holds Tranche's schema as numbered SQL files, applied in
// order by goose. They are the only source of the schema.
package migrations

import "embed"

// FS holds every migration.
//
//go:embed *.sql
var FS embed.FS
