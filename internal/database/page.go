package database

import (
	"encoding/base64"
	"errors"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Page asks for one page of a list ordered by id. IDs are UUIDv7, so id
// order is creation order and the last id seen is a stable cursor.
type Page struct {
	After uuid.UUID // zero: from the start
	Limit int
}

// DefaultLimit and MaxLimit bound a page.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ParsePage reads ?limit= and ?cursor= as the API gives them.
func ParsePage(limit int, cursor string) (Page, error) {
	p := Page{Limit: limit}
	if p.Limit == 0 {
		p.Limit = DefaultLimit
	}
	if p.Limit < 1 || p.Limit > MaxLimit {
		return Page{}, fault.Invalid(fault.Field("limit", "out_of_range", "limit must be between 1 and 500"))
	}
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err == nil && len(b) == 16 {
			copy(p.After[:], b)
		} else {
			return Page{}, fault.Invalid(fault.Field("cursor", "invalid_cursor", "the cursor is not one this API gave out"))
		}
	}
	return p, nil
}

// Apply narrows q to the page, fetching one row more than asked so that
// Cursor can tell whether another page follows. column is the id column,
// qualified when the query joins ("c.id").
func (p Page) Apply(q *gorm.DB, column string) *gorm.DB {
	if p.Limit == 0 {
		p.Limit = DefaultLimit
	}
	if p.After != uuid.Nil {
		q = q.Where(column+" > ?", p.After)
	}
	return q.Order(column).Limit(p.Limit + 1)
}

// Trim cuts the extra row Apply fetched and returns the cursor of the next
// page ("" when this is the last one). id returns an item's id.
func Trim[T any](p Page, items []T, id func(T) uuid.UUID) ([]T, string) {
	if p.Limit == 0 {
		p.Limit = DefaultLimit
	}
	if len(items) <= p.Limit {
		return items, ""
	}
	items = items[:p.Limit]
	last := id(items[len(items)-1])
	return items, base64.RawURLEncoding.EncodeToString(last[:])
}

// ErrNotFound reports whether err is gorm's record-not-found.
func ErrNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }
