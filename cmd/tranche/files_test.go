package main

import (
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/database/dbtest"
	"gorm.io/gorm"
)

// TestCheckRecomputesStoredFileHashes: a SEPA file, a statement PDF and an
// evidence file changed in SQL behind the guards (as a superuser could) make
// `tranche check` fail, naming each file by id and quoting none of them.
func TestCheckRecomputesStoredFileHashes(t *testing.T) {
	t.Parallel()
	setenv(t, "DATABASE_URL", dbtest.URL(t))
	if code, out, errOut := tranche(t, "", "demo"); code != 0 {
		t.Fatalf("demo = %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ := tranche(t, "", "check")
	if code != 0 || !strings.Contains(out, "ok   stored_files_match_hash") || !strings.Contains(out, "ok   evidence_matches_hash") {
		t.Fatalf("check after the demo = %d\n%s", code, out)
	}
	db := openTestDB(t)
	var ids struct{ Run, Statement, Claim string }
	err := db.Raw(`SELECT (SELECT run_id::text FROM run_files WHERE kind = 'sepa' LIMIT 1) AS run,
		(SELECT statement_id::text FROM statement_pdfs LIMIT 1) AS statement,
		(SELECT claim_id::text FROM evidence WHERE n = 1 LIMIT 1) AS claim`).Scan(&ids).Error
	if err != nil || ids.Run == "" || ids.Statement == "" || ids.Claim == "" {
		t.Fatalf("the demo lacks a stored file: %+v %v", ids, err)
	}
	for _, c := range []struct{ table, stmt, id string }{
		{"run_files", `UPDATE run_files SET data = data || convert_to('<!-- forged -->', 'UTF8') WHERE kind = 'sepa' AND run_id = ?`, ids.Run},
		{"statement_pdfs", `UPDATE statement_pdfs SET data = data || convert_to('forged', 'UTF8') WHERE statement_id = ?`, ids.Statement},
		{"evidence", `UPDATE evidence SET data = overlay(data placing convert_to('forged', 'UTF8') from 1) WHERE n = 1 AND claim_id = ?`, ids.Claim},
	} {
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`ALTER TABLE ` + c.table + ` DISABLE TRIGGER ` + c.table + `_append_only`).Error; err != nil {
				return err
			}
			if err := tx.Exec(c.stmt, c.id).Error; err != nil {
				return err
			}
			return tx.Exec(`ALTER TABLE ` + c.table + ` ENABLE TRIGGER ` + c.table + `_append_only`).Error
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	code, out, _ = tranche(t, "", "check")
	for _, want := range []string{"FAIL stored_files_match_hash", "sepa file of run " + ids.Run, "PDF of statement " + ids.Statement,
		"FAIL evidence_matches_hash", "evidence 1 of claim " + ids.Claim} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("check after tampering = %d, lacks %q:\n%s", code, want, out)
		}
	}
	if strings.Contains(out, "forged") {
		t.Errorf("check quotes a file's content:\n%s", out)
	}
}
