package billing_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/internal/pdftest"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// pdfText extracts the text of pages first..last (0: to the end).
func pdfText(t testing.TB, data []byte, first, last int) string {
	t.Helper()
	return pdftest.Text(t, data, first, last)
}

func TestStatementPDFs(t *testing.T) {
	f := newFx(t)
	trA := f.started(f.a, f.contractA)
	trB := f.started(f.b, f.contractB)
	f.clock.Set("2005-03-10")
	f.verified(f.a, trA.ID, "intake", "2005-03-02")
	f.verified(f.a, trA.ID, "a2", "2005-03-08")
	f.verified(f.b, trB.ID, "intake", "2005-03-02")
	f.clock.Set("2005-04-01")
	run, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	err = f.bill.GenerateStatementPDFs(ctx, run.ID, nil)
	wantCode(t, err, billing.RunStateConflict)
	_, err = f.bill.ApproveRun(ctx, finance2, run.ID)
	check(t, err)
	done, total, err := f.bill.RunProgress(ctx, run.ID)
	check(t, err)
	if done != 0 || total != 2 {
		t.Fatalf("progress before generating %d/%d", done, total)
	}

	// Two generators at once, as a page might start one twice: each PDF is stored once.
	var mu sync.Mutex
	var seen [][2]int
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.bill.GenerateStatementPDFs(ctx, run.ID, func(done, total int) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, [2]int{done, total})
			})
		}()
	}
	wg.Wait()
	check(t, errs[0])
	check(t, errs[1])
	done, total, err = f.bill.RunProgress(ctx, run.ID)
	check(t, err)
	if done != 2 || total != 2 || len(seen) < 2 || seen[len(seen)-1][1] != 2 {
		t.Fatalf("progress after generating %d/%d, reported %v", done, total, seen)
	}
	if n := f.count("statement_pdfs"); n != 2 {
		t.Fatalf("%d PDFs stored, want 2", n)
	}

	approved := mustRun(t, f, run.ID)
	stA := statementOf(t, approved, f.a)
	file, err := f.bill.StatementPDF(ctx, f.a, stA.ID)
	check(t, err)
	if sum := sha256.Sum256(file.Data); !bytes.Equal(sum[:], file.SHA256) {
		t.Fatal("the stored sha256 is not the PDF's")
	}
	if !strings.HasPrefix(string(file.Data), "%PDF-") || !strings.Contains(file.Name, *stA.Number) {
		t.Fatalf("file %s is not the statement's PDF", file.Name)
	}
	text := pdfText(t, file.Data, 0, 0)
	for _, want := range []string{"Gemeente Enschede", "Specificatie " + *stA.Number, "Stichting Ćosić & Şahin", "Oldenzaalsestraat 12",
		"Taalniveau A2 behaald —", "Nguyễn-groep", "02-03-2005", "€ 1.000,00", "Over te maken", "NL91ABNA0417164300", "Pagina 1 van 1",
		"INB-2005", stA.Lines[0].ParticipantReference} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Çağrı") || strings.Contains(text, "Nguyễn 1") {
		t.Errorf("the PDF names a participant:\n%s", text)
	}
	// Rendered again, the statement gives the same bytes.
	// (The stored PDFs are append-only: the owner switches the guard off.)
	err = f.db.Gorm.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`ALTER TABLE statement_pdfs DISABLE TRIGGER statement_pdfs_append_only`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM statement_pdfs WHERE statement_id = ?`, stA.ID).Error; err != nil {
			return err
		}
		return tx.Exec(`ALTER TABLE statement_pdfs ENABLE TRIGGER statement_pdfs_append_only`).Error
	})
	check(t, err)
	again, err := f.bill.StatementPDF(ctx, finance, stA.ID)
	check(t, err)
	if !bytes.Equal(again.Data, file.Data) {
		t.Fatal("rendering the statement again gives other bytes")
	}
}

// A statement of many lines spans several pages, each with the table's
// header row and "Pagina n van m".
func TestManyLinesSpanPages(t *testing.T) {
	at := time.Date(2005, 4, 4, 10, 0, 0, 0, time.UTC)
	number, issued := "2005-0042", date("2005-04-04")
	run := billing.Run{ID: uuid.Must(uuid.NewV7()), PeriodStart: date("2005-03-01"), PeriodEnd: date("2005-03-31"), State: billing.Approved,
		CreatedAt: at, ApprovedAt: &at}
	var st billing.StatementDetail
	st.ID, st.RunID, st.Number, st.IssuedOn = uuid.Must(uuid.NewV7()), run.ID, &number, &issued
	st.ProviderName, st.ProviderKVK, st.IBAN = "Stichting Ćosić & Şahin", "11111111", "NL91ABNA0417164300"
	st.AddressLine1, st.Postcode, st.City, st.Country = "Müllerstraße 4", "48143", "Münster", "DE"
	total := dec("0")
	const lines = 140
	for i := range lines {
		tr, achieved := uuid.Must(uuid.NewV7()), date("2005-03-01").AddDate(0, 0, i%28)
		amount := dec("121.00")
		net, vat := billing.VATOf(amount, decp("21"))
		st.Lines = append(st.Lines, billing.Line{ID: uuid.Must(uuid.NewV7()), Position: i + 1, Kind: billing.LineClaim,
			ParticipantReference: fmt.Sprintf("P-2005-%04d", i+1), TrajectoryID: &tr, MilestoneCode: "a2",
			MilestoneName: "Taalniveau A2 behaald — Nguyễn-groep", AchievedOn: &achieved, NetAmount: net, VATRate: decp("21"), VATAmount: vat, Amount: amount})
		total = total.Add(amount)
	}
	st.Subtotal, st.VATTotal, st.Total = dec("14000.00"), dec("2940.00"), total
	st.Balance, st.ToTransfer, st.CarriedIn, st.CarriedOut, st.LineCount = total, total, dec("0"), dec("0"), lines
	settings := billing.Settings{DebtorName: "Gemeente Enschede", DebtorIBAN: "NL14BNGH0285001234", Street: "Langestraat 24", Postcode: "7511 HC", Town: "Enschede"}
	data, err := billing.RenderStatementPDF(run, st, settings)
	check(t, err)
	again, err := billing.RenderStatementPDF(run, st, settings)
	check(t, err)
	if !bytes.Equal(data, again) {
		t.Fatal("the same statement renders to other bytes")
	}
	all := pdfText(t, data, 0, 0)
	pages := strings.Count(all, "\f")
	if pages < 3 {
		t.Fatalf("%d lines on %d page(s), want at least 3", lines, pages)
	}
	for p := 1; p <= pages; p++ {
		text := pdfText(t, data, p, p)
		if want := fmt.Sprintf("Pagina %d van %d", p, pages); !strings.Contains(text, want) {
			t.Errorf("page %d lacks %q", p, want)
		}
		if !strings.Contains(text, "Deelnemer") || !strings.Contains(text, "Mijlpaal") || !strings.Contains(text, "Specificatie 2005-0042") {
			t.Errorf("page %d lacks the header rows:\n%s", p, text)
		}
	}
	for _, want := range []string{"P-2005-0001", fmt.Sprintf("P-2005-%04d", lines), "Münster", "Duitsland", "€ 16.940,00", "€ 2.940,00", "€ 14.000,00"} {
		if !strings.Contains(all, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
}

// A plain document: facts, paragraphs and a table long enough for a second
// page, whose header row repeats there; names print as written; the same
// document renders the same bytes.
func TestDocumentPDF(t *testing.T) {
	doc := billing.Document{Issuer: "Gemeente Enschede", Title: "Proces-verbaal van opening T-1", PageLabel: "Pagina %d van %d",
		Date:  time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC),
		Facts: [][2]string{{"Aanbesteding", "T-1 — Taal en participatie"}, {"Geopend door", "Nguyễn Thị Ánh"}},
		Sections: []billing.DocumentSection{{Heading: "Perceel 1: Taaltrajecten", Paragraphs: []string{"Şahin Ćosić — sha256 " + strings.Repeat("ab", 32)},
			Table: &billing.DocumentTable{Header: []string{"Inschrijver", "Prijs"}, Widths: []float64{120, 60}}}}}
	for i := range 80 {
		doc.Sections[0].Table.Rows = append(doc.Sections[0].Table.Rows, []string{fmt.Sprintf("Inschrijver %02d met een heel erg lange naam die niet in de kolom past en wordt afgekapt", i), "1.000,00"})
	}
	b, err := billing.RenderDocumentPDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := billing.RenderDocumentPDF(doc)
	if !bytes.Equal(b, again) {
		t.Fatal("the same document rendered twice differs")
	}
	first, second := pdfText(t, b, 1, 1), pdfText(t, b, 2, 2)
	for _, want := range []string{"Gemeente Enschede", "Nguyễn Thị Ánh", "Şahin Ćosić", strings.Repeat("ab", 32), "Inschrijver 00", "Pagina 1 van 2"} {
		if !strings.Contains(first, want) {
			t.Errorf("page 1 lacks %q", want)
		}
	}
	for _, want := range []string{"Inschrijver 79", "Prijs", "Pagina 2 van 2"} {
		if !strings.Contains(second, want) {
			t.Errorf("page 2 lacks %q:\n%s", want, second)
		}
	}
	if strings.Contains(first, "wordt afgekapt") {
		t.Error("a cell too long for its column runs over")
	}
}
