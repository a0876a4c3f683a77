package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/internal/check"
	"github.com/euregio/tranche/outcomes"
	"gorm.io/gorm"
)

// tamper changes an append-only table as its owner could: with the table's
// guard switched off for the one statement (a superuser could do the same).
func tamper(t *testing.T, db *gorm.DB, table, statement string, args ...any) {
	t.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`ALTER TABLE ` + table + ` DISABLE TRIGGER ` + table + `_append_only`).Error; err != nil {
			return err
		}
		if err := tx.Exec(statement, args...).Error; err != nil {
			return err
		}
		return tx.Exec(`ALTER TABLE ` + table + ` ENABLE TRIGGER ` + table + `_append_only`).Error
	})
	if err != nil {
		t.Fatalf("tamper with %s: %v", table, err)
	}
}

// TestStoredFilesAreAppendOnlyAndCheckedOnDownload: the database refuses to
// change a stored SEPA file, statement PDF or evidence file; one changed
// behind its back anyway is found by the checks and never served, least of
// all under the hash it was stored with.
func TestStoredFilesAreAppendOnlyAndCheckedOnDownload(t *testing.T) {
	t.Parallel()
	b := newBillingEnv(t)
	ctx := context.Background()
	b.approvedIntake(b.contract, b.provider)

	// A submitted claim with evidence.
	var p ParticipantBody
	b.postJSON("/api/v1/participants", b.casemanager, map[string]any{"given_names": "Sanne", "family_name": "Bakker"}).json(t, &p)
	var tr TrajectoryBody
	b.postJSON("/api/v1/trajectories", b.casemanager, map[string]any{"participant_id": p.ID, "contract_id": b.contract.ID, "product_code": "NT2"}).json(t, &tr)
	if r := b.postJSON("/api/v1/trajectories/"+tr.ID.String()+"/start", b.provider, map[string]any{"start_date": time.Now().AddDate(0, 0, -30).Format(time.DateOnly)}); r.Code != http.StatusOK {
		t.Fatalf("start = %d %s", r.Code, r.Body)
	}
	ct, body := claimForm(map[string]string{"trajectory_id": tr.ID.String(), "milestone_code": "intake",
		"achieved_on": time.Now().AddDate(0, 0, -1).Format(time.DateOnly)}, map[string][]byte{"intake.pdf": testPDF})
	var claim ClaimBody
	b.postForm("/api/v1/claims", b.provider, ct, body).json(t, &claim)
	evidenceURL := "/api/v1/claims/" + claim.ID.String() + "/evidence/1"
	if r := b.get(evidenceURL, b.verifier); r.Code != http.StatusOK || r.Body.String() != string(testPDF) {
		t.Fatalf("evidence = %d", r.Code)
	}

	run := b.createRun()
	id := run.ID.String()
	if r := b.postJSON("/api/v1/payment-runs/"+id+"/approve", b.finance2, nil); r.Code != http.StatusOK {
		t.Fatalf("approve = %d %s", r.Code, r.Body)
	}
	detail := b.waitForPDFs(id)
	var exported PaymentRunBody
	b.postJSON("/api/v1/payment-runs/"+id+"/export", b.finance, nil).json(t, &exported)
	sepa := b.get(exported.SEPAURL, b.finance)
	pdfURL := detail.Statements[0].PDFURL
	pdf := b.get(pdfURL, b.finance)
	if sepa.Code != http.StatusOK || pdf.Code != http.StatusOK || sepa.Header().Get("X-Content-SHA256") == "" {
		t.Fatalf("downloads before tampering: SEPA %d, PDF %d", sepa.Code, pdf.Code)
	}

	g := b.db.Gorm.WithContext(ctx)
	for _, stmt := range []string{
		`UPDATE run_files SET data = data || '\x20'::bytea`,
		`UPDATE run_files SET sha256 = sha256(data || '\x20'::bytea)`,
		`DELETE FROM run_files`,
		`TRUNCATE run_files`,
		`UPDATE statement_pdfs SET data = data || '\x20'::bytea`,
		`DELETE FROM statement_pdfs`,
		`UPDATE evidence SET data = data || '\x20'::bytea`,
		`DELETE FROM evidence`,
		`TRUNCATE evidence CASCADE`,
		`UPDATE claim_history SET note = 'rewritten'`,
		`DELETE FROM claim_history`,
	} {
		if err := g.Exec(stmt).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", stmt, err)
		}
	}

	checkFaults := func() string {
		t.Helper()
		var faults []string
		for _, run := range []func(context.Context, *gorm.DB) ([]check.Result, error){billing.Check, outcomes.Check} {
			results, err := run(ctx, b.db.Gorm)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				faults = append(faults, r.Faults...)
			}
		}
		return strings.Join(faults, "\n")
	}
	if f := checkFaults(); f != "" {
		t.Fatalf("faults before tampering:\n%s", f)
	}

	tamper(t, g, "run_files", `UPDATE run_files SET data = convert_to(replace(convert_from(data, 'UTF8'), 'Taalhuis', 'Taalhuys'), 'UTF8') WHERE run_id = ? AND kind = 'sepa'`, run.ID)
	tamper(t, g, "statement_pdfs", `UPDATE statement_pdfs SET data = data || '\x0a'::bytea WHERE statement_id = ?`, detail.Statements[0].ID)
	tamper(t, g, "evidence", `UPDATE evidence SET data = convert_to('%PDF-1.4 forged', 'UTF8'), size = 15 WHERE claim_id = ?`, claim.ID)

	faults := checkFaults()
	for _, want := range []string{"sepa file of run " + id, "PDF of statement " + detail.Statements[0].ID.String(), "evidence 1 of claim " + claim.ID.String()} {
		if !strings.Contains(faults, want) {
			t.Errorf("the checks do not report %q:\n%s", want, faults)
		}
	}
	if strings.Contains(faults, "Taalhuys") || strings.Contains(faults, "forged") {
		t.Errorf("the checks quote the files' content:\n%s", faults)
	}

	for _, d := range []struct{ path, token, forged string }{
		{exported.SEPAURL, b.finance, "Taalhuys"},
		{pdfURL, b.finance, ""},
		{evidenceURL, b.verifier, "forged"},
	} {
		r := b.get(d.path, d.token)
		if r.Code != http.StatusInternalServerError || r.Header().Get("X-Content-SHA256") != "" || (d.forged != "" && strings.Contains(r.Body.String(), d.forged)) {
			t.Errorf("%s after tampering = %d, X-Content-SHA256 %q, body %.200q; want a 500 and nothing served",
				d.path, r.Code, r.Header().Get("X-Content-SHA256"), r.Body.String())
		}
	}
	// Content and hash rewritten together: the download cannot tell, but
	// the audit trail recorded the hash each file was made with.
	tamper(t, g, "evidence", `UPDATE evidence SET data = convert_to('%PDF-1.4 forged again', 'UTF8'), size = 21,
		sha256 = sha256(convert_to('%PDF-1.4 forged again', 'UTF8')) WHERE claim_id = ?`, claim.ID)
	tamper(t, g, "run_files", `UPDATE run_files SET data = data || '\x0a'::bytea, sha256 = sha256(data || '\x0a'::bytea) WHERE run_id = ? AND kind = 'journal'`, run.ID)
	faults = checkFaults()
	for _, want := range []string{"evidence 1 of claim " + claim.ID.String() + " differs from what its upload recorded",
		"journal file of run " + id + " has another sha256 than its export recorded"} {
		if !strings.Contains(faults, want) {
			t.Errorf("the checks do not report %q:\n%s", want, faults)
		}
	}

	if !strings.Contains(b.logs.String(), "stored file altered") {
		t.Errorf("the refusals are not logged:\n%s", b.logs.String())
	}
}
