package billing

import (
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/euregio/tranche/internal/money"
	"github.com/jung-kurt/gofpdf"
	"github.com/shopspring/decimal"
)

// The statement PDF: A4, the municipality's header on every page, the
// provider's address, the statement's number and date, the lines in a table
// whose header row repeats on every page, the totals, the funding streams
// that pay, and "Pagina n van m". The DejaVu Sans font (fonts/LICENSE) is
// embedded so that Şahin, Nguyễn, Ćosić and Müller print as written. The
// PDF's dates come from the run, so the same statement renders the same.
// Other documents (a tender's opening record, an award notice) render
// through RenderDocumentPDF below. This is the only file that imports gofpdf.

//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

const (
	pdfFont   = "dejavu"
	pdfMargin = 15.0
	pdfBottom = 20.0 // room for the footer
)

// pdfDate is the date a statement's PDF carries: the run's approval, or its
// creation for a draft.
func pdfDate(r Run) time.Time {
	if r.ApprovedAt != nil {
		return r.ApprovedAt.UTC()
	}
	return r.CreatedAt.UTC()
}

// column of the line table.
type column struct {
	title string
	width float64
	align string
}

// The widths (mm) add up to the 180 mm between the margins; each header
// fits its column with at least minHeaderGap to spare, so that neighbouring
// headers stay apart (a test measures them).
var lineColumns = []column{
	{"Deelnemer", 23, "L"}, {"Traject", 16, "L"}, {"Mijlpaal", 47, "L"}, {"Datum", 19, "L"},
	{"Excl. btw", 21, "R"}, {"Btw %", 14, "R"}, {"Btw", 19, "R"}, {"Bedrag", 21, "R"},
}

// minHeaderGap is the least room (mm) a header leaves in its column.
const minHeaderGap = 2.0

// RenderStatementPDF renders a statement of a run. The page count is known
// only after a first rendering, so the statement is laid out twice.
//
// Every text goes through pdfSafe first; should gofpdf panic all the same,
// the panic is this statement's error and nobody else's.
func RenderStatementPDF(run Run, st StatementDetail, settings Settings) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("statement pdf %s: the PDF library failed: %v", st.Label(), v)
		}
	}()
	first, err := layoutStatement(run, st, settings, 0)
	if err != nil {
		return nil, err
	}
	pages := first.PageNo()
	final, err := layoutStatement(run, st, settings, pages)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := final.Output(&buf); err != nil {
		return nil, fmt.Errorf("statement pdf: %w", err)
	}
	return buf.Bytes(), nil
}

func layoutStatement(run Run, st StatementDetail, settings Settings, pages int) (*gofpdf.Fpdf, error) {
	pdf := gofpdf.New("P", "mm", "A4", "")
	// gofpdf writes into the font bytes while it subsets them: each document
	// gets its own copy, so that PDFs can be rendered concurrently.
	pdf.AddUTF8FontFromBytes(pdfFont, "", bytes.Clone(fontRegular))
	pdf.AddUTF8FontFromBytes(pdfFont, "B", bytes.Clone(fontBold))
	at := pdfDate(run)
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.SetCatalogSort(true)
	pdf.SetProducer("Tranche", true)
	pdf.SetCreator("Tranche", true)
	pdf.SetAuthor(pdfSafe(settings.DebtorName), true)
	pdf.SetTitle(pdfSafe("Specificatie "+st.Label()+" "+st.ProviderName), true)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(false, pdfBottom)
	_, pageH := pdf.GetPageSize()
	limit := pageH - pdfBottom

	inTable := false
	pdf.SetHeaderFunc(func() {
		pdf.SetFont(pdfFont, "B", 13)
		cellFormat(pdf, 110, 6, settings.DebtorName, "", 0, "L", false, 0, "")
		pdf.SetFont(pdfFont, "B", 11)
		cellFormat(pdf, 0, 6, "Specificatie "+st.Label(), "", 1, "R", false, 0, "")
		pdf.SetFont(pdfFont, "", 8)
		cellFormat(pdf, 110, 4, joinNonEmpty(", ", settings.Street, strings.TrimSpace(settings.Postcode+" "+settings.Town)), "", 0, "L", false, 0, "")
		cellFormat(pdf, 0, 4, "IBAN "+settings.DebtorIBAN, "", 1, "R", false, 0, "")
		pdf.Line(pdfMargin, pdf.GetY()+1, 210-pdfMargin, pdf.GetY()+1)
		pdf.Ln(4)
		if inTable {
			tableHeader(pdf)
		}
	})
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfBottom + 6)
		pdf.SetFont(pdfFont, "", 8)
		cellFormat(pdf, 90, 4, st.ProviderName+" · specificatie "+st.Label(), "", 0, "L", false, 0, "")
		pageText := fmt.Sprintf("Pagina %d", pdf.PageNo())
		if pages > 0 {
			pageText += fmt.Sprintf(" van %d", pages)
		}
		cellFormat(pdf, 0, 4, pageText, "", 0, "R", false, 0, "")
	})
	pdf.AddPage()

	// The provider's address and the statement's particulars.
	y := pdf.GetY()
	pdf.SetFont(pdfFont, "B", 10)
	cellFormat(pdf, 95, 5, st.ProviderName, "", 2, "L", false, 0, "")
	pdf.SetFont(pdfFont, "", 10)
	for _, l := range []string{st.AddressLine1, st.AddressLine2, strings.TrimSpace(st.Postcode + "  " + st.City), countryName(st.Country)} {
		if strings.TrimSpace(l) != "" {
			cellFormat(pdf, 95, 5, l, "", 2, "L", false, 0, "")
		}
	}
	addrEnd := pdf.GetY()
	pdf.SetXY(115, y)
	issued := "concept (nog niet goedgekeurd)"
	if st.IssuedOn != nil {
		issued = st.IssuedOn.Format("02-01-2006")
	}
	for _, kv := range [][2]string{
		{"Specificatie", st.Label()},
		{"Datum", issued},
		{"Periode", run.PeriodStart.Format("02-01-2006") + " t/m " + run.PeriodEnd.Format("02-01-2006")},
		{"KvK", st.ProviderKVK},
		{"IBAN", st.IBAN},
		{"Betaalrun", shortID(run.ID)},
	} {
		pdf.SetX(115)
		pdf.SetFont(pdfFont, "", 8)
		cellFormat(pdf, 25, 5, kv[0], "", 0, "L", false, 0, "")
		pdf.SetFont(pdfFont, "B", 8)
		cellFormat(pdf, 0, 5, kv[1], "", 1, "L", false, 0, "")
	}
	pdf.SetY(max(addrEnd, pdf.GetY()) + 6)

	// The lines.
	inTable = true
	tableHeader(pdf)
	pdf.SetFont(pdfFont, "", 8)
	for _, l := range st.Lines {
		cells := lineCells(l)
		wrapped := make([][]string, len(cells))
		rows := 1
		for i, c := range cells {
			// Only the milestone wraps; references, dates and amounts fit their columns.
			wrapped[i] = []string{c}
			if i == 2 {
				wrapped[i] = pdf.SplitText(pdfSafe(c), lineColumns[i].width-2)
			}
			if len(wrapped[i]) == 0 {
				wrapped[i] = []string{""}
			}
			rows = max(rows, len(wrapped[i]))
		}
		h := float64(rows) * 4
		if pdf.GetY()+h > limit {
			pdf.AddPage()
			pdf.SetFont(pdfFont, "", 8)
		}
		x0, y0 := pdf.GetX(), pdf.GetY()
		x := x0
		for i, c := range lineColumns {
			for j, text := range wrapped[i] {
				pdf.SetXY(x, y0+float64(j)*4)
				cellFormat(pdf, c.width, 4, text, "", 0, c.align, false, 0, "")
			}
			x += c.width
		}
		pdf.SetXY(x0, y0+h)
		pdf.SetDrawColor(220, 220, 220)
		pdf.Line(pdfMargin, pdf.GetY(), 210-pdfMargin, pdf.GetY())
		pdf.SetDrawColor(0, 0, 0)
	}
	inTable = false

	// The totals.
	totals := [][2]string{
		{"Subtotaal excl. btw", money.Dutch(st.Subtotal)},
		{"Btw", money.Dutch(st.VATTotal)},
		{"Totaal deze specificatie", money.Dutch(st.Total)},
	}
	if !st.CarriedIn.IsZero() {
		totals = append(totals, [2]string{"Saldo eerdere specificatie", money.Dutch(st.CarriedIn)})
	}
	totals = append(totals, [2]string{"Over te maken", money.Dutch(st.ToTransfer)})
	if !st.CarriedOut.IsZero() {
		totals = append(totals, [2]string{"Te verrekenen in de volgende betaalrun", money.Dutch(st.CarriedOut)})
	}
	if pdf.GetY()+float64(len(totals))*5+6 > limit {
		pdf.AddPage()
	}
	pdf.Ln(3)
	for i, kv := range totals {
		style := ""
		if kv[0] == "Over te maken" || i == 2 {
			style = "B"
		}
		pdf.SetFont(pdfFont, style, 9)
		cellFormat(pdf, 140, 5, kv[0], "", 0, "R", false, 0, "")
		cellFormat(pdf, 0, 5, kv[1], "", 1, "R", false, 0, "")
	}
	if st.ToTransfer.IsPositive() {
		pdf.SetFont(pdfFont, "", 8)
		pdf.Ln(1)
		cellFormat(pdf, 0, 4, "Wij maken "+money.Dutch(st.ToTransfer)+" over op "+st.IBAN+" onder vermelding van specificatie "+st.Label()+".",
			"", 1, "R", false, 0, "")
	}

	// The funding streams that pay the statement.
	funding := fundingSummary(st)
	if len(funding) > 0 {
		if pdf.GetY()+float64(len(funding))*4+12 > limit {
			pdf.AddPage()
		}
		pdf.Ln(5)
		pdf.SetFont(pdfFont, "B", 9)
		cellFormat(pdf, 0, 5, "Financiering per geldstroom", "", 1, "L", false, 0, "")
		pdf.SetFont(pdfFont, "", 8)
		for _, f := range funding {
			cellFormat(pdf, 30, 4, f.ReportingCode, "", 0, "L", false, 0, "")
			cellFormat(pdf, 110, 4, f.StreamName, "", 0, "L", false, 0, "")
			cellFormat(pdf, 0, 4, money.Dutch(f.Amount), "", 1, "R", false, 0, "")
		}
	}
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("statement pdf: %w", err)
	}
	return pdf, nil
}

// pdfSafe makes a text printable with the embedded font: gofpdf knows only
// the Basic Multilingual Plane (a character beyond it, such as an emoji,
// makes it panic), so such a character becomes U+FFFD, the visible
// replacement character; control and bidirectional-format characters,
// which print nothing and could reorder what the reader sees, are dropped.
func pdfSafe(s string) string {
	clean := true
	for _, r := range s {
		if r > 0xFFFF || r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n':
			b.WriteRune(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		case r > 0xFFFF || r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cellFormat is gofpdf's CellFormat for any text.
func cellFormat(pdf *gofpdf.Fpdf, w, h float64, text, border string, ln int, align string, fill bool, link int, linkStr string) {
	pdf.CellFormat(w, h, pdfSafe(text), border, ln, align, fill, link, linkStr)
}

func tableHeader(pdf *gofpdf.Fpdf) {
	pdf.SetFont(pdfFont, "B", 8)
	pdf.SetFillColor(235, 235, 235)
	for _, c := range lineColumns {
		cellFormat(pdf, c.width, 6, c.title, "B", 0, c.align, true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont(pdfFont, "", 8)
}

// lineCells is a line as the table shows it.
func lineCells(l Line) []string {
	date, rate, traject := "", "vrij", ""
	if l.AchievedOn != nil {
		date = l.AchievedOn.Format("02-01-2006")
	}
	if l.VATRate != nil {
		rate = l.VATRate.StringFixed(0)
		if !l.VATRate.Equal(l.VATRate.Round(0)) {
			rate = l.VATRate.String()
		}
	}
	if l.TrajectoryID != nil {
		traject = shortID(*l.TrajectoryID)
	}
	what := l.MilestoneName
	switch l.Kind {
	case LineClawback:
		what = "Terugvordering: " + l.MilestoneName
	case LineCarried:
		what, rate = l.Description, ""
	}
	return []string{l.ParticipantReference, traject, what, date, money.Dutch(l.NetAmount), rate, money.Dutch(l.VATAmount), money.Dutch(l.Amount)}
}

// fundingSummary adds up the statement's funding per stream.
func fundingSummary(st StatementDetail) []Funding {
	sums := map[string]Funding{}
	for _, l := range st.Lines {
		for _, f := range l.Funding {
			k := f.ReportingCode + "\x00" + f.FundingStreamID.String()
			s, ok := sums[k]
			if !ok {
				s = f
				s.Amount = decimal.Zero
			}
			s.Amount = s.Amount.Add(f.Amount)
			sums[k] = s
		}
	}
	out := make([]Funding, 0, len(sums))
	for _, f := range sums {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ReportingCode != out[j].ReportingCode {
			return out[i].ReportingCode < out[j].ReportingCode
		}
		return out[i].FundingStreamID.String() < out[j].FundingStreamID.String()
	})
	return out
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			keep = append(keep, strings.TrimSpace(p))
		}
	}
	return strings.Join(keep, sep)
}

// countryName prints a foreign country on the address; a Dutch address has none.
func countryName(code string) string {
	switch code {
	case "", "NL":
		return ""
	case "DE":
		return "Duitsland"
	case "BE":
		return "België"
	}
	return code
}

// Document is a plain A4 document Tranche issues besides statements (a
// tender's opening record, an award notice): the issuer and title on every
// page, facts as label–value lines, then sections of paragraphs and
// tables whose header row repeats on a new page. PageLabel is the footer
// in the document's language, with %d for the page and %d for the count
// ("Pagina %d van %d"). Date is the document's own, so the same document
// renders the same bytes.
type Document struct {
	Issuer    string
	Title     string
	Date      time.Time
	Facts     [][2]string
	Sections  []DocumentSection
	PageLabel string
}

// DocumentSection is a heading with paragraphs and at most one table.
type DocumentSection struct {
	Heading    string
	Paragraphs []string
	Table      *DocumentTable
}

// DocumentTable is a table; Widths are millimetres (at most 180 in all),
// a cell too long for its column is cut with an ellipsis.
type DocumentTable struct {
	Header []string
	Widths []float64
	Rows   [][]string
}

// RenderDocumentPDF renders d, laid out twice so that the footer knows the
// page count.
func RenderDocumentPDF(d Document) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("document pdf %q: the PDF library failed: %v", d.Title, v)
		}
	}()
	first := layoutDocument(d, 0)
	final := layoutDocument(d, first.PageNo())
	var buf bytes.Buffer
	if err := final.Output(&buf); err != nil {
		return nil, fmt.Errorf("document pdf: %w", err)
	}
	return buf.Bytes(), nil
}

func layoutDocument(d Document, pages int) *gofpdf.Fpdf {
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(pdfFont, "", bytes.Clone(fontRegular))
	pdf.AddUTF8FontFromBytes(pdfFont, "B", bytes.Clone(fontBold))
	pdf.SetCreationDate(d.Date)
	pdf.SetModificationDate(d.Date)
	pdf.SetCatalogSort(true)
	pdf.SetProducer("Tranche", true)
	pdf.SetCreator("Tranche", true)
	pdf.SetAuthor(pdfSafe(d.Issuer), true)
	pdf.SetTitle(pdfSafe(d.Title), true)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfBottom)
	_, pageH := pdf.GetPageSize()
	limit := pageH - pdfBottom
	var header *DocumentTable
	pdf.SetHeaderFunc(func() {
		pdf.SetFont(pdfFont, "B", 13)
		cellFormat(pdf, 0, 6, d.Issuer, "", 1, "L", false, 0, "")
		pdf.SetFont(pdfFont, "B", 11)
		cellFormat(pdf, 0, 6, d.Title, "", 1, "L", false, 0, "")
		pdf.Line(pdfMargin, pdf.GetY()+1, 210-pdfMargin, pdf.GetY()+1)
		pdf.Ln(4)
		if header != nil {
			documentTableHeader(pdf, header)
		}
	})
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfBottom + 6)
		pdf.SetFont(pdfFont, "", 8)
		label := d.PageLabel
		if label == "" {
			label = "%d / %d"
		}
		cellFormat(pdf, 0, 4, fmt.Sprintf(label, pdf.PageNo(), max(pages, pdf.PageNo())), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont(pdfFont, "", 10)
	for _, f := range d.Facts {
		pdf.SetFont(pdfFont, "B", 10)
		cellFormat(pdf, 55, 5, f[0], "", 0, "L", false, 0, "")
		pdf.SetFont(pdfFont, "", 10)
		pdf.MultiCell(0, 5, pdfSafe(f[1]), "", "L", false)
	}
	for _, s := range d.Sections {
		pdf.Ln(4)
		if s.Heading != "" {
			pdf.SetFont(pdfFont, "B", 11)
			cellFormat(pdf, 0, 6, s.Heading, "", 1, "L", false, 0, "")
		}
		pdf.SetFont(pdfFont, "", 10)
		for _, p := range s.Paragraphs {
			pdf.MultiCell(0, 5, pdfSafe(p), "", "L", false)
			pdf.Ln(1)
		}
		if t := s.Table; t != nil {
			documentTableHeader(pdf, t)
			header = t
			for _, row := range t.Rows {
				if pdf.GetY()+5 > limit {
					pdf.AddPage() // the header function repeats the table's header row
				}
				for i, cell := range row {
					if i < len(t.Widths) {
						cellFormat(pdf, t.Widths[i], 5, fitText(pdf, cell, t.Widths[i]-1), "", 0, "L", false, 0, "")
					}
				}
				pdf.Ln(-1)
			}
			header = nil
		}
	}
	return pdf
}

func documentTableHeader(pdf *gofpdf.Fpdf, t *DocumentTable) {
	pdf.SetFont(pdfFont, "B", 8)
	pdf.SetFillColor(235, 235, 235)
	for i, h := range t.Header {
		if i < len(t.Widths) {
			cellFormat(pdf, t.Widths[i], 6, fitText(pdf, h, t.Widths[i]-1), "B", 0, "L", true, 0, "")
		}
	}
	pdf.Ln(-1)
	pdf.SetFont(pdfFont, "", 8)
}

// fitText cuts s with an ellipsis to fit width millimetres in the current font.
func fitText(pdf *gofpdf.Fpdf, s string, width float64) string {
	s = pdfSafe(s)
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
