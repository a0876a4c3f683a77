package pooling

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/shopspring/decimal"
)

// Names typed by users reach the report as text; negative figures stay numbers.
func TestReportCSVEscapesFormulasKeepsNegativeAmounts(t *testing.T) {
	l := ReportLine{BudgetName: "=cmd|' /C calc'!A0", StreamName: "+Rijk", Funder: "@funder", ReportingCode: "-R1",
		Allocated: decimal.RequireFromString("10.00"), Available: decimal.RequireFromString("-3.50")}
	var buf bytes.Buffer
	if err := WriteReportCSV(&buf, Report{Lines: []ReportLine{l}, Total: l}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	row := rows[1]
	for i, want := range map[int]string{1: "'=cmd|' /C calc'!A0", 3: "'+Rijk", 4: "'@funder", 5: "'-R1", 6: "10.00", 13: "-3.50"} {
		if row[i] != want {
			t.Errorf("cell %s = %q, want %q", ReportCSVHeader[i], row[i], want)
		}
	}
}
