package database

import (
	"testing"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

func TestPageCursorRoundTrip(t *testing.T) {
	ids := make([]uuid.UUID, 5)
	for i := range ids {
		ids[i] = uuid.Must(uuid.NewV7())
	}
	p, err := ParsePage(2, "")
	if err != nil {
		t.Fatal(err)
	}
	items, cursor := Trim(p, ids[:3], func(u uuid.UUID) uuid.UUID { return u })
	if len(items) != 2 || cursor == "" {
		t.Fatalf("Trim = %d items, cursor %q; want 2 and a cursor", len(items), cursor)
	}
	next, err := ParsePage(2, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if next.After != ids[1] {
		t.Fatalf("cursor points after %v, want %v", next.After, ids[1])
	}
	if _, last := Trim(p, ids[:2], func(u uuid.UUID) uuid.UUID { return u }); last != "" {
		t.Fatalf("last page has cursor %q", last)
	}
}

func TestParsePageRejects(t *testing.T) {
	for _, tt := range []struct {
		limit  int
		cursor string
		field  string
	}{{-1, "", "limit"}, {501, "", "limit"}, {10, "not a cursor!", "cursor"}} {
		_, err := ParsePage(tt.limit, tt.cursor)
		e, ok := fault.As(err)
		if !ok || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
			t.Errorf("ParsePage(%d, %q) = %v, want a field error on %s", tt.limit, tt.cursor, err, tt.field)
		}
	}
}
