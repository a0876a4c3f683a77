package migrations

import "embed"

// FS holds every migration.
//
//go:embed *.sql
var FS embed.FS
