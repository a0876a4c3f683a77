package billing

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// A provider, stream or reporting code that looks like a formula reaches the
// municipal ledger as text; negative amounts stay numbers.
func TestJournalEscapesFormulasKeepsNegativeAmounts(t *testing.T) {
	d := decimal.RequireFromString
	stream := uuid.New()
	st := StatementDetail{Statement: Statement{ProviderName: "=HYPERLINK(\"http://x\")", ProviderKVK: "+12345678",
		CarriedIn: d("-12.50")}}
	st.Lines = []Line{
		{Amount: d("100.00"), Funding: []Funding{{FundingStreamID: stream, StreamName: "@SUM(A1)", ReportingCode: "-1+1", Amount: d("100.00")}}},
		{Amount: d("-40.00"), Funding: []Funding{{FundingStreamID: uuid.New(), StreamName: "\tTab", ReportingCode: "R2", Amount: d("-40.00")}}},
	}
	run := RunDetail{Run: Run{ID: uuid.New(), PeriodEnd: time.Date(2005, 3, 31, 0, 0, 0, 0, time.UTC), TotalTransfer: d("47.50")},
		Statements: []StatementDetail{st}}
	out, err := BuildJournal(run)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"'-1+1", "'@SUM(A1)", "'+12345678", "'=HYPERLINK(\"http://x\")", "100.00"},
		{"R2", "'\tTab", "'+12345678", "'=HYPERLINK(\"http://x\")", "-40.00"},
		{"CARRIED-IN", "", "'+12345678", "'=HYPERLINK(\"http://x\")", "-12.50"},
	}
	if len(rows) != len(want)+1 {
		t.Fatalf("journal has %d rows, want %d:\n%s", len(rows), len(want)+1, out)
	}
	for i, w := range want {
		got := rows[i+1][3:]
		for j := range w {
			if got[j] != w[j] {
				t.Errorf("row %d cell %s = %q, want %q", i+1, JournalHeader[3+j], got[j], w[j])
			}
		}
	}
}
