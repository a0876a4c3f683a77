package pooling

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

func TestReportPerStream(t *testing.T) {
	s := newScenario(t)
	in := s.reserveInput("language", "500.00") // 300 ROC-NT2 + 200 NIG-2005
	if _, err := s.reserve(system, in); err != nil {
		t.Fatal(err)
	}
	reint := s.reserveInput("reintegration", "100.00")
	if _, err := s.reserve(system, reint); err != nil {
		t.Fatal(err)
	}
	c1, c2, c3 := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	err := s.in(func(tx *gorm.DB) error {
		steps := []func() error{
			func() error { _, err := s.s.Accrue(s.ctx, tx, system, in.Reference, c1, d("100.00")); return err }, // 60 / 40
			func() error { _, err := s.s.Accrue(s.ctx, tx, system, in.Reference, c2, d("50.00")); return err },  // 30 / 20
			func() error { _, err := s.s.Accrue(s.ctx, tx, system, in.Reference, c3, d("25.00")); return err },  // 15 / 10
			func() error { _, err := s.s.Pay(s.ctx, tx, system, c1, uuid.Must(uuid.NewV7())); return err },
			func() error { _, err := s.s.Pay(s.ctx, tx, system, c2, uuid.Must(uuid.NewV7())); return err },
			func() error { _, err := s.s.ClawBack(s.ctx, tx, system, c2, "exam fraud"); return err },         // paid → receivable
			func() error { _, err := s.s.ClawBack(s.ctx, tx, system, c3, "wrong milestone"); return err },    // payable → committed
			func() error { _, err := s.s.Release(s.ctx, tx, system, in.Reference, d("200.00")); return err }, // 120 / 80
			func() error { _, err := s.s.Release(s.ctx, tx, system, reint.Reference, d("100.00")); return err },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.s.Report(s.ctx, finance, s.b.ID)
	if err != nil {
		t.Fatal(err)
	}
	type figures struct{ allocated, committed, payable, paid, receivable, released, clawedBack, available string }
	want := map[string]figures{
		// ROC-NT2: 300 reserved; accrued 60+30+15, paid 60+30, 30 clawed back after payment, 15 before; 120 released.
		"ROC-NT2":  {"300.00", "90.00", "0.00", "60.00", "30.00", "120.00", "45.00", "120.00"},
		"NIG-2005": {"500.00", "60.00", "0.00", "40.00", "20.00", "80.00", "30.00", "380.00"},
		"REI-2005": {"400.00", "0.00", "0.00", "0.00", "0.00", "100.00", "0.00", "400.00"},
		"OWN-2005": {"1000.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "1000.00"},
	}
	if len(r.Lines) != len(want) {
		t.Fatalf("report has %d lines, want %d", len(r.Lines), len(want))
	}
	for _, l := range r.Lines {
		got := figures{l.Allocated.StringFixed(2), l.Committed.StringFixed(2), l.Payable.StringFixed(2), l.Paid.StringFixed(2),
			l.ClawbackReceivable.StringFixed(2), l.Released.StringFixed(2), l.ClawedBack.StringFixed(2), l.Available.StringFixed(2)}
		if got != want[l.ReportingCode] {
			t.Errorf("%s: got %+v, want %+v", l.ReportingCode, got, want[l.ReportingCode])
		}
		if !l.Reconciles() {
			t.Errorf("%s does not reconcile", l.ReportingCode)
		}
	}
	if r.Total.Allocated.StringFixed(2) != "2200.00" || r.Total.Available.StringFixed(2) != "1900.00" || r.Total.ClawedBack.StringFixed(2) != "75.00" {
		t.Fatalf("total = %+v", r.Total)
	}

	var buf bytes.Buffer
	if err := WriteReportCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, buf.String())
	}
	if len(rows) != 6 || strings.Join(rows[0], ",") != strings.Join(ReportCSVHeader, ",") {
		t.Fatalf("CSV rows = %d, header %v", len(rows), rows[0])
	}
	var nt2 []string
	for _, row := range rows[1:5] {
		if row[5] == "ROC-NT2" {
			nt2 = row
		}
	}
	if strings.Join(nt2[6:], ",") != "300.00,90.00,0.00,60.00,30.00,120.00,45.00,120.00" || nt2[1] != "Integratie 2005" {
		t.Fatalf("CSV line for ROC-NT2 = %v", nt2)
	}
	if last := rows[5]; last[1] != "total" || last[6] != "2200.00" || last[13] != "1900.00" {
		t.Fatalf("CSV total row = %v", last)
	}

	sr, err := s.s.StreamReport(s.ctx, auditor, s.lang.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Lines) != 1 || sr.Lines[0].BudgetID != s.b.ID || sr.Total.Paid.StringFixed(2) != "60.00" {
		t.Fatalf("stream report = %+v", sr)
	}
	s.mustCheck()
}

func TestReportOfEmptyBudget(t *testing.T) {
	e := newEnv(t)
	b := e.budget("Leeg")
	r, err := e.s.Report(e.ctx, procurement, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Lines) != 0 || !r.Total.Allocated.IsZero() {
		t.Fatalf("empty budget report = %+v", r)
	}
	var buf bytes.Buffer
	if err := WriteReportCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "\n"); got != 2 {
		t.Fatalf("CSV of an empty report has %d lines, want header and total:\n%s", got, buf.String())
	}
}
