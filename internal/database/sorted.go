package database

import (
	"slices"

	"github.com/euregio/tranche/internal/fault"
	"gorm.io/gorm"
)

// SortKeys whitelists the columns a list may be sorted by: the key a URL
// names and the SQL expression it orders by. Rows that tie on the key are
// ordered by the id column, so the order is total and a page never shows a
// row twice or skips one. Only these expressions ever reach the SQL.
type SortKeys struct {
	id   string
	keys []string
	expr map[string]string
}

// NewSortKeys takes the id column and pairs of key and expression; the
// first key is the default.
func NewSortKeys(id string, pairs ...string) SortKeys {
	k := SortKeys{id: id, expr: map[string]string{}}
	for i := 0; i+1 < len(pairs); i += 2 {
		k.keys = append(k.keys, pairs[i])
		k.expr[pairs[i]] = pairs[i+1]
	}
	return k
}

// Keys are the sort keys in the order they were given.
func (k SortKeys) Keys() []string { return slices.Clone(k.keys) }

// Default is the key a list is sorted by when none is asked for.
func (k SortKeys) Default() string { return k.keys[0] }

// Sort asks for one page of a sorted list. Page counts from 1; Limit 0 means
// every row (an export).
type Sort struct {
	Key   string
	Desc  bool
	Page  int
	Limit int
}

// MaxPage bounds ?page= so that an offset never grows absurd.
const MaxPage = 100000

// Parse checks a key, a direction ("asc", "desc" or "") and a page number
// read from a URL: an unknown key or direction, or a page outside
// 1..MaxPage, is a field error.
func (k SortKeys) Parse(key, dir string, page, limit int) (Sort, error) {
	s := Sort{Key: key, Page: page, Limit: limit}
	var errs fault.Fields
	if s.Key == "" {
		s.Key = k.Default()
	} else if _, ok := k.expr[s.Key]; !ok {
		errs.Add("sort", "sort_unknown", "this list cannot be sorted by that")
	}
	switch dir {
	case "", "asc":
	case "desc":
		s.Desc = true
	default:
		errs.Add("dir", "dir_unknown", "the direction is asc or desc")
	}
	if s.Page == 0 {
		s.Page = 1
	}
	if s.Page < 1 || s.Page > MaxPage {
		errs.Add("page", "out_of_range", "no such page")
	}
	if err := errs.Err(); err != nil {
		return Sort{}, err
	}
	return s, nil
}

func (k SortKeys) order(s Sort) string {
	expr, ok := k.expr[s.Key]
	if !ok {
		expr = k.expr[k.Default()]
	}
	dir := " ASC"
	if s.Desc {
		dir = " DESC"
	}
	return expr + dir + " NULLS LAST, " + k.id + dir
}

// Sorted runs q in the order s asks for and calls fn with each row, one at
// a time, reading them from the server as it goes (an export never holds
// the whole list). With a limit it reads only the page and also returns how
// many rows q has in all; without one the total is the number of rows read.
func Sorted[T any](q *gorm.DB, k SortKeys, s Sort, fn func(T) error) (total int64, err error) {
	if s.Limit > 0 {
		if err := q.Session(&gorm.Session{NewDB: true}).Raw("SELECT count(*) FROM (?) AS counted", q.Session(&gorm.Session{})).
			Scan(&total).Error; err != nil {
			return 0, err
		}
		page := max(s.Page, 1)
		q = q.Offset((page - 1) * s.Limit).Limit(s.Limit)
	}
	rows, err := q.Order(k.order(s)).Rows()
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var v T
		if err := q.ScanRows(rows, &v); err != nil {
			return 0, err
		}
		if err := fn(v); err != nil {
			return 0, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if s.Limit == 0 {
		total = n
	}
	return total, nil
}
