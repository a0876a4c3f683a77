package database_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
)

type insertRow struct {
	ID     uuid.UUID        `json:"id"`
	N      int              `json:"n"`
	Name   string           `json:"name"`
	Amount decimal.Decimal  `json:"amount"`
	Rate   *decimal.Decimal `json:"rate"`
	On     string           `json:"on"`
	Ref    *uuid.UUID       `json:"ref"`
}

// TestInsertJSON writes rows of every kind of value the capabilities store
// (ids, text with quotes and diacritics, amounts, nulls, dates) over
// several batches and reads back exactly what went in.
func TestInsertJSON(t *testing.T) {
	defer func(n int) { database.JSONBatch = n }(database.JSONBatch)
	database.JSONBatch = 3
	db := dbtest.New(t)
	ctx := context.Background()
	if err := db.Gorm.Exec(`CREATE TABLE ins (id uuid PRIMARY KEY, n smallint NOT NULL, name text NOT NULL DEFAULT 'default',
		amount numeric(14,2) NOT NULL CHECK (amount <> 0), rate numeric(5,2), "on" date NOT NULL, ref uuid)`).Error; err != nil {
		t.Fatal(err)
	}
	rate := decimal.RequireFromString("21.00")
	var rows []insertRow
	for i := range 8 {
		r := insertRow{ID: uuid.Must(uuid.NewV7()), N: i + 1, Name: fmt.Sprintf(`Şahin "%d" \ Nguyễn`, i), Amount: decimal.RequireFromString("1234.50").Neg(),
			On: fmt.Sprintf("2005-03-%02d", i+1)}
		if i%2 == 0 {
			r.Rate, r.Ref = &rate, &r.ID
		}
		rows = append(rows, r)
	}
	err := database.InsertJSON(ctx, db.Gorm, "ins", rows, "id uuid", "n smallint", "name text", "amount numeric(14,2)", "rate numeric(5,2)", `"on" date`, "ref uuid")
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		ID     uuid.UUID
		N      int
		Name   string
		Amount string
		Rate   *string
		On     string
		Ref    *uuid.UUID
	}
	if err := db.Gorm.Raw(`SELECT id, n, name, amount::text AS amount, rate::text AS rate, "on"::text AS on, ref FROM ins ORDER BY n`).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("read back %d rows, want %d", len(got), len(rows))
	}
	for i, g := range got {
		w := rows[i]
		wantRate, wantRef := "<nil>", "<nil>"
		if w.Rate != nil {
			wantRate, wantRef = "21.00", w.ID.String()
		}
		gotRate, gotRef := "<nil>", "<nil>"
		if g.Rate != nil {
			gotRate = *g.Rate
		}
		if g.Ref != nil {
			gotRef = g.Ref.String()
		}
		if g.ID != w.ID || g.N != w.N || g.Name != w.Name || g.Amount != "-1234.50" || gotRate != wantRate || g.On != w.On || gotRef != wantRef {
			t.Errorf("row %d: got %+v (rate %s, ref %s), want %+v", i+1, g, gotRate, gotRef, w)
		}
	}

	// A rule of the table broken: PostgreSQL's own error comes back.
	bad := []insertRow{{ID: uuid.Must(uuid.NewV7()), N: 9, Name: "x", Amount: decimal.Zero, On: "2005-04-01"}}
	err = database.InsertJSON(ctx, db.Gorm, "ins", bad, "id uuid", "n smallint", "name text", "amount numeric(14,2)", `"on" date`)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
		t.Fatalf("a zero amount: %v, want a check violation", err)
	}
	if err := database.InsertJSON(ctx, db.Gorm, "ins", rows, "id"); err == nil {
		t.Fatal("a column without a type was accepted")
	}
}
