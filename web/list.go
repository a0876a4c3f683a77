package web

import (
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/euregio/tranche/internal/csvexport"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/gin-gonic/gin"
)

// The lists (claims, trajectories, contracts, participants) share one way of
// sorting, paging and exporting: ?sort= names a whitelisted key (the
// capability's SortKeys), ?dir= is asc or desc, ?page= counts from 1 and
// ?per_page= sets the page's size. The same list with ".csv" after its path
// is the CSV export of every row the filters select, in the same order and
// under the same access rules, streamed to the client.

const (
	listPerPage    = 50
	listMaxPerPage = 200
)

// listView is a list's sort, page and filters as the page shows them, and
// the links to the other pages, the other orders and the export.
type listView struct {
	path    string
	filters url.Values
	keys    database.SortKeys
	Sort    database.Sort
	Total   int64
}

// parseList reads a list's sort and page from the request and keeps the
// named filters for the links. An unknown sort key, direction or page is an
// invalid_input error.
func parseList(c *gin.Context, path string, keys database.SortKeys, filters ...string) (*listView, error) {
	l := &listView{path: path, filters: url.Values{}, keys: keys}
	for _, f := range filters {
		if v := c.Query(f); v != "" {
			l.filters.Set(f, v)
		}
	}
	var errs fault.Fields
	number := func(name string, def int) int {
		v := c.Query(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs.Add(name, "not_a_number", "a whole number")
			return def
		}
		return n
	}
	page, per := number("page", 1), number("per_page", listPerPage)
	if page < 1 || page > database.MaxPage {
		errs.Add("page", "out_of_range", "no such page")
	}
	if per < 1 || per > listMaxPerPage {
		errs.Add("per_page", "out_of_range", "between 1 and 200")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	s, err := keys.Parse(c.Query("sort"), c.Query("dir"), page, per)
	if err != nil {
		return nil, err
	}
	l.Sort = s
	return l, nil
}

// exportSort is the order of an export: the page's, every row.
func (l *listView) exportSort() database.Sort {
	s := l.Sort
	s.Page, s.Limit = 1, 0
	return s
}

func (l *listView) href(path string, page int, key string, desc bool, paged bool) string {
	v := url.Values{}
	for k, vs := range l.filters {
		v[k] = vs
	}
	if key != l.keys.Default() || desc {
		v.Set("sort", key)
	}
	if desc {
		v.Set("dir", "desc")
	}
	if paged {
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		if l.Sort.Limit != listPerPage {
			v.Set("per_page", strconv.Itoa(l.Sort.Limit))
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// Pages is how many pages the list has (at least one).
func (l *listView) Pages() int {
	if l.Total == 0 || l.Sort.Limit == 0 {
		return 1
	}
	return int((l.Total + int64(l.Sort.Limit) - 1) / int64(l.Sort.Limit))
}

// From and To number the rows this page shows (From is 0 for an empty list).
func (l *listView) From() int64 {
	if l.Total == 0 {
		return 0
	}
	return int64((l.Sort.Page-1)*l.Sort.Limit) + 1
}

// To is the number of the page's last row.
func (l *listView) To() int64 { return min(int64(l.Sort.Page*l.Sort.Limit), l.Total) }

// PrevHref is the previous page's link, "" on the first page.
func (l *listView) PrevHref() string {
	if l.Sort.Page <= 1 {
		return ""
	}
	return l.href(l.path, min(l.Sort.Page-1, l.Pages()), l.Sort.Key, l.Sort.Desc, true)
}

// NextHref is the next page's link, "" on the last page.
func (l *listView) NextHref() string {
	if l.Sort.Page >= l.Pages() {
		return ""
	}
	return l.href(l.path, l.Sort.Page+1, l.Sort.Key, l.Sort.Desc, true)
}

// CSVHref is the export of the whole list as filtered and sorted.
func (l *listView) CSVHref() string {
	return l.href(l.path+".csv", 1, l.Sort.Key, l.Sort.Desc, false)
}

// Th is a sortable column header: a link that sorts by key, ascending, or
// descending when the list is sorted by key ascending already.
func (l *listView) Th(key, label string) template.HTML {
	desc := key == l.Sort.Key && !l.Sort.Desc
	attr, mark := "", ""
	if key == l.Sort.Key {
		attr, mark = ` aria-sort="ascending"`, " ▲"
		if l.Sort.Desc {
			attr, mark = ` aria-sort="descending"`, " ▼"
		}
	}
	return template.HTML(`<th scope="col"` + attr + `><a href="` + html.EscapeString(l.href(l.path, 1, key, desc, true)) + `">` +
		html.EscapeString(label) + mark + `</a></th>`)
}

// streamCSV answers with a CSV file written row by row as run produces the
// rows (through csvexport, so no cell runs as a formula). An error before
// the first row is answered as a page; after it the response is cut off and
// the error logged, since the status is sent already.
func (s *Server) streamCSV(c *gin.Context, filename string, header []string, run func(write func([]string) error) error) {
	var w *csvexport.Writer
	start := func() error {
		if w != nil {
			return nil
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
		c.Header("Cache-Control", "no-store")
		c.Status(http.StatusOK)
		w = csvexport.NewWriter(c.Writer)
		return w.Write(header)
	}
	err := run(func(row []string) error {
		if err := start(); err != nil {
			return err
		}
		return w.Write(row)
	})
	if err != nil {
		if w == nil {
			s.pageError(c, err)
			return
		}
		s.log.ErrorContext(c.Request.Context(), "csv export cut off", "file", filename, "error", err)
		c.Abort()
		return
	}
	if err := start(); err == nil {
		err = w.Close()
	}
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "csv export cut off", "file", filename, "error", err)
	}
}

// csvDate writes a date as 2005-03-31.
func csvDate(t time.Time) string { return t.Format(time.DateOnly) }

// csvDateOf writes an optional date, "" when there is none.
func csvDateOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return csvDate(*t)
}
