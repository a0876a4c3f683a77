package billing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/billing"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func TestStatementPDFRendersEveryText(t *testing.T) {
	day := time.Date(2005, 4, 1, 0, 0, 0, 0, time.UTC)
	run := billing.Run{ID: uuid.New(), CreatedAt: day}
	st := billing.StatementDetail{}
	st.ProviderName = "Taalhuis 🌍 Twente\u202e\x01"
	st.Lines = []billing.Line{{ParticipantReference: "P-1", MilestoneName: "A2 behaald 🎓 𝔄", Amount: decimal.RequireFromString("800.00"),
		NetAmount: decimal.RequireFromString("800.00")}}
	data, err := billing.RenderStatementPDF(run, st, billing.Settings{DebtorName: "Gemeente 😀 Enschede", Town: "Enschede"})
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, data, 0, 0)
	for _, want := range []string{"Taalhuis \uFFFD Twente", "A2 behaald \uFFFD \uFFFD", "Gemeente \uFFFD Enschede"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
}

// One statement that cannot be rendered does not keep the run's other
// statements from their PDF.
func TestOneBadStatementDoesNotStopThePDFJob(t *testing.T) {
	f := newFx(t)
	trA := f.started(f.a, f.contractA)
	trB := f.started(f.b, f.contractB)
	f.clock.Set("2005-03-10")
	f.verified(f.a, trA.ID, "intake", "2005-03-02")
	f.verified(f.b, trB.ID, "intake", "2005-03-02")
	f.clock.Set("2005-04-01")
	run, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	_, err = f.bill.ApproveRun(ctx, finance2, run.ID)
	check(t, err)
	approved := mustRun(t, f, run.ID)
	bad := statementOf(t, approved, f.a)
	defer billing.SetStatementRenderer(func(r billing.Run, st billing.StatementDetail, s billing.Settings) ([]byte, error) {
		if st.ID == bad.ID {
			return nil, errors.New("the PDF library failed")
		}
		return billing.RenderStatementPDF(r, st, s)
	})()
	err = f.bill.GenerateStatementPDFs(ctx, run.ID, nil)
	if err == nil || !strings.Contains(err.Error(), bad.ID.String()) {
		t.Errorf("GenerateStatementPDFs = %v, want the bad statement's error", err)
	}
	if n := f.count("statement_pdfs"); n != 1 {
		t.Fatalf("%d PDFs stored, want 1 (the good statement's)", n)
	}
}
