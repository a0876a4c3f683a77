package database

import (
	"database/sql/driver"
	"strings"

	"github.com/google/uuid"
)

// UUIDs passes a list of ids as ONE PostgreSQL array parameter. Write
// `id = ANY(?)` with it: unlike a slice with `IN ?`, which becomes one
// parameter per id, it has no limit of 65 535 parameters (a payment run
// over 100 000 claims) and keeps one prepared statement for any length.
type UUIDs []uuid.UUID

// Value renders the array literal {id,id,…}.
func (u UUIDs) Value() (driver.Value, error) {
	var b strings.Builder
	b.Grow(len(u)*37 + 2)
	b.WriteByte('{')
	for i, id := range u {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(id.String())
	}
	b.WriteByte('}')
	return b.String(), nil
}
