package database

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// JSONBatch is how many rows one statement of InsertJSON writes.
var JSONBatch = 5000

// InsertJSON inserts rows into table, JSONBatch rows to a statement, each
// batch as ONE JSON parameter that PostgreSQL reads back with
// jsonb_to_recordset. A multi-row VALUES list costs a parameter per value,
// and encoding those costs the driver more than PostgreSQL needs to read
// the rows: a payment run writes hundreds of thousands of them.
//
// rows is a slice of structs whose JSON field names are the columns;
// columns lists each column with its SQL type ("amount numeric(14,2)"), in
// the order of the INSERT. Every listed column is written: a missing or
// null JSON value is SQL NULL, not the column's default. Write dates as
// "2006-01-02" strings. It runs inside the caller's transaction.
func InsertJSON[T any](ctx context.Context, tx *gorm.DB, table string, rows []T, columns ...string) error {
	names := make([]string, len(columns))
	for i, c := range columns {
		name, _, ok := strings.Cut(strings.TrimSpace(c), " ")
		if !ok {
			return fmt.Errorf("insert into %s: column %q has no type", table, c)
		}
		names[i] = name
	}
	list := strings.Join(names, ", ")
	q := "INSERT INTO " + table + " (" + list + ") SELECT " + list +
		" FROM jsonb_to_recordset(?::jsonb) AS r(" + strings.Join(columns, ", ") + ")"
	for start := 0; start < len(rows); start += JSONBatch {
		b, err := json.Marshal(rows[start:min(start+JSONBatch, len(rows))])
		if err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		if err := tx.WithContext(ctx).Exec(q, string(b)).Error; err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}
