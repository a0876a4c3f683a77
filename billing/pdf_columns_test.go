package billing

import (
	"bytes"
	"testing"

	"github.com/jung-kurt/gofpdf"
)

// Every column header of the statement's line table fits its column with
// room to spare, so neighbouring headers never run together ("Excl. btwBtw %").
func TestStatementColumnHeadersFit(t *testing.T) {
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(pdfFont, "B", bytes.Clone(fontBold))
	pdf.SetFont(pdfFont, "B", 8)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	left, _, right, _ := pdf.GetMargins()
	pageW, _ := pdf.GetPageSize()
	cell := pdf.GetCellMargin()
	total := 0.0
	for _, c := range lineColumns {
		if w := pdf.GetStringWidth(c.title) + 2*cell + minHeaderGap; w > c.width {
			t.Errorf("header %q needs %.1f mm, its column is %.1f mm", c.title, w, c.width)
		}
		total += c.width
	}
	if total > pageW-left-right+0.01 {
		t.Errorf("the columns take %.1f mm, the page has %.1f mm between its margins", total, pageW-left-right)
	}
}
