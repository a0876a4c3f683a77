package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// TestBackupAndRestore follows docs/operations.md, "Backup and restore":
// the demo is dumped with pg_dump -Fc and restored with pg_restore into a
// fresh database; the copy passes tranche check, and gives the same budget
// reports and the same latest audit hash as the original.
func TestBackupAndRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin, err := database.FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	origURL := dbtest.URL(t)
	setenv(t, "DATABASE_URL", origURL)
	if code, out, errOut := tranche(t, "", "demo"); code != 0 {
		t.Fatalf("demo = %d\n%s\n%s", code, out, errOut)
	}

	dump := filepath.Join(t.TempDir(), "tranche.dump")
	pgTool(t, filepath.Join(bin, "pg_dump"), "-Fc", "--file", dump, "--dbname", origURL)
	if fi, err := os.Stat(dump); err != nil || fi.Size() == 0 {
		t.Fatalf("pg_dump wrote no dump: %v", err)
	}

	copyName := "restored_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	admin, err := pgx.Connect(ctx, dbtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+copyName+` ENCODING 'UTF8'`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dbtest.ServerURL())
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP DATABASE IF EXISTS `+copyName+` WITH (FORCE)`); err != nil {
			t.Error(err)
		}
	})
	copyURL := withDatabase(t, dbtest.ServerURL(), copyName)
	pgTool(t, filepath.Join(bin, "pg_restore"), "--no-owner", "--exit-on-error", "--dbname", copyURL, dump)

	setenv(t, "DATABASE_URL", copyURL)
	code, out, errOut := tranche(t, "", "check")
	if code != 0 || !strings.Contains(out, "checks passed") {
		t.Fatalf("check on the restored copy = %d\n%s\n%s", code, out, errOut)
	}

	orig, restored := openURL(t, origURL), openURL(t, copyURL)
	reportsOf := func(db *database.DB) string {
		t.Helper()
		var ids []uuid.UUID
		if err := db.Gorm.Raw(`SELECT id FROM budgets ORDER BY id`).Scan(&ids).Error; err != nil {
			t.Fatal(err)
		}
		if len(ids) == 0 {
			t.Fatal("no budget to report on")
		}
		svc := pooling.NewService(db.Gorm)
		var all []pooling.Report
		for _, id := range ids {
			r, err := svc.Report(ctx, access.System("backup test"), id)
			if err != nil {
				t.Fatal(err)
			}
			r.GeneratedAt = time.Time{} // the moment of asking is not data
			all = append(all, r)
		}
		b, err := json.MarshalIndent(all, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	a, b := reportsOf(orig), reportsOf(restored)
	if a != b {
		t.Fatalf("the budget reports differ after the restore:\noriginal %s\nrestored %s", a, b)
	}
	if !strings.Contains(a, `"paid"`) {
		t.Fatalf("the demo's report has no paid figure: %s", a)
	}

	hashOf := func(db *database.DB) string {
		t.Helper()
		var h struct {
			Seq  int64
			Hash string
		}
		if err := db.Gorm.Raw(`SELECT seq, encode(hash, 'hex') AS hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&h).Error; err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d %s", h.Seq, h.Hash)
	}
	if ha, hb := hashOf(orig), hashOf(restored); ha != hb || strings.HasSuffix(ha, " ") {
		t.Fatalf("latest audit hash: original %q, restored %q", ha, hb)
	}
}

// pgTool runs a PostgreSQL client program and fails the test on an error.
func pgTool(t *testing.T, prog string, args ...string) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(prog), strings.Join(args, " "), err, out)
	}
}

// withDatabase returns url with another database name.
func withDatabase(t *testing.T, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func openURL(t *testing.T, url string) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}
