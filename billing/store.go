package billing

// Queries. Billing owns the tables of migrations 00040–00042. It also reads,
// here and only here, tables it does not own: providers and contracts (the
// snapshot copied into a statement and the VAT treatment), and pooling's
// accruals joined with outcomes' claims, trajectories, participants and
// milestones (the open clawbacks, which pooling's API lists only per
// provider and without the claim's details). It never writes them; claims
// are locked (FOR UPDATE) while a run is confirmed, then changed through
// outcomes.MarkPaid.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Item kinds of run_items.
const (
	itemClaim    = "claim"
	itemClawback = "clawback"
	itemCarry    = "carry"
)

// --- settings ---

func loadSettings(ctx context.Context, db *gorm.DB, lock bool) (Settings, error) {
	var st Settings
	q := db.WithContext(ctx).Where("id = 1")
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&st).Error; err != nil {
		return Settings{}, fmt.Errorf("billing settings: %w", err)
	}
	return st, nil
}

func saveSettings(ctx context.Context, tx *gorm.DB, st Settings) error {
	return tx.WithContext(ctx).Model(&Settings{}).Where("id = 1").Updates(map[string]any{
		"debtor_name": st.DebtorName, "debtor_iban": st.DebtorIBAN, "debtor_bic": st.DebtorBIC, "street": st.Street,
		"postcode": st.Postcode, "town": st.Town, "country": st.Country, "pain_version": st.PainVersion,
		"execution_days": st.ExecutionDays, "updated_at": st.UpdatedAt}).Error
}

// --- runs ---

func runNotFound(id uuid.UUID) error { return fault.New(RunNotFound, "no payment run %s", id) }

func findRun(ctx context.Context, db *gorm.DB, id uuid.UUID) (Run, error) {
	var r Run
	if err := db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		if database.ErrNotFound(err) {
			return Run{}, runNotFound(id)
		}
		return Run{}, fmt.Errorf("find payment run %s: %w", id, err)
	}
	return r, nil
}

func lockRun(ctx context.Context, tx *gorm.DB, id uuid.UUID) (Run, error) {
	var r Run
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&r).Error
	if err != nil {
		if database.ErrNotFound(err) {
			return Run{}, runNotFound(id)
		}
		return Run{}, fmt.Errorf("lock payment run %s: %w", id, err)
	}
	return r, nil
}

func findDraft(ctx context.Context, tx *gorm.DB, start, end time.Time) (Run, bool, error) {
	var rs []Run
	err := tx.WithContext(ctx).Where("period_start = ? AND period_end = ? AND state = ?", start, end, Draft).Limit(1).Find(&rs).Error
	if err != nil || len(rs) == 0 {
		return Run{}, false, err
	}
	return rs[0], true, nil
}

func updateRun(ctx context.Context, tx *gorm.DB, id uuid.UUID, cols map[string]any) error {
	return tx.WithContext(ctx).Model(&Run{}).Where("id = ?", id).Updates(cols).Error
}

func runQuery(ctx context.Context, db *gorm.DB, f RunFilter) *gorm.DB {
	q := db.WithContext(ctx).Table("payment_runs")
	if len(f.States) > 0 {
		q = q.Where("state IN ?", f.States)
	}
	return q
}

func listRuns(ctx context.Context, db *gorm.DB, f RunFilter) ([]Run, error) {
	var out []Run
	return out, f.Page.Apply(runQuery(ctx, db, f), "id").Find(&out).Error
}

// insertRun writes a gathered run: the run, its statements, lines and their
// funding, and the items it holds, each table with one statement per
// database.JSONBatch rows (a run of 100 000 claims writes 300 000 rows).
func insertRun(ctx context.Context, tx *gorm.DB, d RunDetail) error {
	run := d.Run
	if err := tx.WithContext(ctx).Create(&run).Error; err != nil {
		return fmt.Errorf("insert payment run: %w", err)
	}
	type lineRow struct {
		ID                   uuid.UUID        `json:"id"`
		StatementID          uuid.UUID        `json:"statement_id"`
		Position             int              `json:"position"`
		Kind                 string           `json:"kind"`
		ClaimID              *uuid.UUID       `json:"claim_id"`
		CarriedFrom          *uuid.UUID       `json:"carried_from"`
		ParticipantReference string           `json:"participant_reference"`
		TrajectoryID         *uuid.UUID       `json:"trajectory_id"`
		ContractID           *uuid.UUID       `json:"contract_id"`
		MilestoneCode        string           `json:"milestone_code"`
		MilestoneName        string           `json:"milestone_name"`
		AchievedOn           *string          `json:"achieved_on"`
		Description          string           `json:"description"`
		NetAmount            decimal.Decimal  `json:"net_amount"`
		VATRate              *decimal.Decimal `json:"vat_rate"`
		VATAmount            decimal.Decimal  `json:"vat_amount"`
		Amount               decimal.Decimal  `json:"amount"`
	}
	type fundingRow struct {
		LineID          uuid.UUID       `json:"line_id"`
		FundingStreamID uuid.UUID       `json:"funding_stream_id"`
		BudgetID        uuid.UUID       `json:"budget_id"`
		StreamName      string          `json:"stream_name"`
		ReportingCode   string          `json:"reporting_code"`
		Amount          decimal.Decimal `json:"amount"`
	}
	type itemRow struct {
		RunID  uuid.UUID `json:"run_id"`
		ItemID uuid.UUID `json:"item_id"`
		Kind   string    `json:"kind"`
	}
	statements := make([]Statement, len(d.Statements))
	var lines []lineRow
	var funding []fundingRow
	var items []itemRow
	for i, st := range d.Statements {
		statements[i] = st.Statement
		for _, l := range st.Lines {
			var achieved *string
			if l.AchievedOn != nil {
				a := l.AchievedOn.Format(time.DateOnly)
				achieved = &a
			}
			lines = append(lines, lineRow{l.ID, l.StatementID, l.Position, l.Kind, l.ClaimID, l.CarriedFrom, l.ParticipantReference,
				l.TrajectoryID, l.ContractID, l.MilestoneCode, l.MilestoneName, achieved, l.Description, l.NetAmount, l.VATRate, l.VATAmount, l.Amount})
			for _, f := range l.Funding {
				funding = append(funding, fundingRow{l.ID, f.FundingStreamID, f.BudgetID, f.StreamName, f.ReportingCode, f.Amount})
			}
			switch l.Kind {
			case LineClaim:
				items = append(items, itemRow{run.ID, *l.ClaimID, itemClaim})
			case LineClawback:
				items = append(items, itemRow{run.ID, *l.ClaimID, itemClawback})
			case LineCarried:
				items = append(items, itemRow{run.ID, *l.CarriedFrom, itemCarry})
			}
		}
	}
	if len(statements) > 0 {
		if err := tx.WithContext(ctx).Create(&statements).Error; err != nil {
			return fmt.Errorf("insert statements: %w", err)
		}
	}
	if err := database.InsertJSON(ctx, tx, "statement_lines", lines, "id uuid", "statement_id uuid", "position integer", "kind text",
		"claim_id uuid", "carried_from uuid", "participant_reference text", "trajectory_id uuid", "contract_id uuid", "milestone_code text",
		"milestone_name text", "achieved_on date", "description text", "net_amount numeric(14,2)", "vat_rate numeric(5,2)",
		"vat_amount numeric(14,2)", "amount numeric(14,2)"); err != nil {
		return err
	}
	if err := database.InsertJSON(ctx, tx, "statement_line_funding", funding, "line_id uuid", "funding_stream_id uuid", "budget_id uuid",
		"stream_name text", "reporting_code text", "amount numeric(14,2)"); err != nil {
		return err
	}
	return database.InsertJSON(ctx, tx, "run_items", items, "run_id uuid", "item_id uuid", "kind text")
}

type runItem struct {
	RunID  uuid.UUID
	ItemID uuid.UUID
	Kind   string
	Live   bool
}

func (runItem) TableName() string { return "run_items" }

// liveItems returns the ids of the items of a kind held by live runs.
func liveItems(ctx context.Context, tx *gorm.DB, kind string) (map[uuid.UUID]bool, error) {
	var ids []uuid.UUID
	if err := tx.WithContext(ctx).Model(&runItem{}).Where("kind = ? AND live", kind).Pluck("item_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("live run items: %w", err)
	}
	out := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// runItemIDs returns the run's items by kind, each in id order.
func runItemIDs(ctx context.Context, tx *gorm.DB, runID uuid.UUID) (map[string][]uuid.UUID, error) {
	var items []runItem
	if err := tx.WithContext(ctx).Where("run_id = ?", runID).Order("kind, item_id").Find(&items).Error; err != nil {
		return nil, err
	}
	out := map[string][]uuid.UUID{}
	for _, it := range items {
		out[it.Kind] = append(out[it.Kind], it.ItemID)
	}
	return out, nil
}

func freeItems(ctx context.Context, tx *gorm.DB, runID uuid.UUID) error {
	return tx.WithContext(ctx).Model(&runItem{}).Where("run_id = ?", runID).Update("live", false).Error
}

// lockClaims locks the claims' rows in id order.
func lockClaims(ctx context.Context, tx *gorm.DB, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	var locked []uuid.UUID
	return tx.WithContext(ctx).Raw(`SELECT id FROM claims WHERE id = ANY(?::uuid[]) ORDER BY id FOR UPDATE`, database.UUIDs(ids)).Scan(&locked).Error
}

// checkFresh fails with payment_run_stale when a claim line's claim is no
// longer approved and payable, or a clawback line's accrual no longer open
// (a claim revoked after the run was created).
func checkFresh(ctx context.Context, tx *gorm.DB, runID uuid.UUID) error {
	var faults []string
	err := tx.WithContext(ctx).Raw(`
		SELECT format('claim %s is %s, its accrual %s', i.item_id, coalesce(c.state, 'missing'), coalesce(a.status, 'missing')) AS fault
		FROM run_items i LEFT JOIN claims c ON c.id = i.item_id LEFT JOIN accruals a ON a.id = i.item_id
		WHERE i.run_id = ? AND (
		      (i.kind = 'claim' AND (c.state IS DISTINCT FROM 'approved' OR a.status IS DISTINCT FROM 'payable'))
		   OR (i.kind = 'clawback' AND a.status IS DISTINCT FROM 'reclaiming'))
		ORDER BY i.item_id LIMIT 5`, runID).Scan(&faults).Error
	if err != nil {
		return err
	}
	if len(faults) > 0 {
		return fault.New(RunStale, "%v; cancel the run and create it again", faults)
	}
	return nil
}

// --- gathering ---

// clawbackRow is an open clawback with the details of its claim.
type clawbackRow struct {
	ClaimID              uuid.UUID
	TrajectoryID         uuid.UUID
	ContractID           uuid.UUID
	ProviderID           uuid.UUID
	ParticipantReference string
	MilestoneCode        string
	MilestoneName        string
	AchievedOn           time.Time
	Amount               decimal.Decimal
}

// openClawbacks lists the accruals clawed back after payment (reclaiming)
// before until that no live run holds, oldest first.
func openClawbacks(ctx context.Context, tx *gorm.DB, until time.Time) ([]clawbackRow, error) {
	var out []clawbackRow
	err := tx.WithContext(ctx).Raw(`
		SELECT a.id AS claim_id, c.trajectory_id, t.contract_id, c.provider_id, p.reference AS participant_reference,
		       c.milestone_code, m.name AS milestone_name, c.achieved_on, a.amount
		FROM accruals a
		JOIN claims c ON c.id = a.id
		JOIN trajectories t ON t.id = c.trajectory_id
		JOIN participants p ON p.id = t.participant_id
		JOIN trajectory_milestones m ON m.trajectory_id = c.trajectory_id AND m.code = c.milestone_code
		WHERE a.status = 'reclaiming' AND a.clawed_back_at < ?
		  AND NOT EXISTS (SELECT 1 FROM run_items i WHERE i.item_id = a.id AND i.kind = 'clawback' AND i.live)
		ORDER BY c.provider_id, a.clawed_back_at, a.id`, until).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("open clawbacks: %w", err)
	}
	return out, nil
}

type carryRow struct {
	StatementID uuid.UUID
	ProviderID  uuid.UUID
	Number      string
	CarriedOut  decimal.Decimal
}

// openCarries lists, per provider, the negative balances of statements of
// paid runs that no live run has carried in yet.
func openCarries(ctx context.Context, tx *gorm.DB) (map[uuid.UUID][]carryRow, error) {
	var rows []carryRow
	err := tx.WithContext(ctx).Raw(`
		SELECT s.id AS statement_id, s.provider_id, coalesce(s.number, '') AS number, s.carried_out
		FROM statements s JOIN payment_runs r ON r.id = s.run_id
		WHERE r.state = 'paid' AND s.carried_out < 0
		  AND NOT EXISTS (SELECT 1 FROM run_items i WHERE i.item_id = s.id AND i.kind = 'carry' AND i.live)
		ORDER BY s.provider_id, s.number`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("open carried balances: %w", err)
	}
	out := map[uuid.UUID][]carryRow{}
	for _, r := range rows {
		out[r.ProviderID] = append(out[r.ProviderID], r)
	}
	return out, nil
}

// providerSnapshots reads the providers' name, KvK, address and account as
// a statement copies them.
func providerSnapshots(ctx context.Context, tx *gorm.DB, ids []uuid.UUID) (map[uuid.UUID]Statement, error) {
	var rows []struct {
		ID                                         uuid.UUID
		LegalName, KVK, AddressLine1, AddressLine2 string
		Postcode, City, Country, IBAN, BIC         string
	}
	err := tx.WithContext(ctx).Raw(`
		SELECT id, legal_name, kvk, address_line1, address_line2, postcode, city, country, iban, bic
		FROM providers WHERE id = ANY(?::uuid[])`, database.UUIDs(ids)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("providers: %w", err)
	}
	out := make(map[uuid.UUID]Statement, len(rows))
	for _, r := range rows {
		out[r.ID] = Statement{ProviderName: r.LegalName, ProviderKVK: r.KVK, AddressLine1: r.AddressLine1, AddressLine2: r.AddressLine2,
			Postcode: r.Postcode, City: r.City, Country: r.Country, IBAN: r.IBAN, BIC: r.BIC}
	}
	return out, nil
}

// contractVAT reads the VAT rate of each contract: nil when it is exempt.
func contractVAT(ctx context.Context, tx *gorm.DB, ids []uuid.UUID) (map[uuid.UUID]*decimal.Decimal, error) {
	out := map[uuid.UUID]*decimal.Decimal{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID        uuid.UUID
		VATExempt bool             `gorm:"column:vat_exempt"`
		VATRate   *decimal.Decimal `gorm:"column:vat_rate"`
	}
	if err := tx.WithContext(ctx).Raw(`SELECT id, vat_exempt, vat_rate FROM contracts WHERE id = ANY(?::uuid[])`, database.UUIDs(ids)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("contract VAT: %w", err)
	}
	for _, r := range rows {
		if r.VATExempt {
			out[r.ID] = nil
		} else {
			out[r.ID] = r.VATRate
		}
	}
	return out, nil
}

// --- statements ---

func findStatement(ctx context.Context, db *gorm.DB, id uuid.UUID) (Statement, error) {
	var st Statement
	if err := db.WithContext(ctx).Where("id = ?", id).Take(&st).Error; err != nil {
		if database.ErrNotFound(err) {
			return Statement{}, fault.New(StatementNotFound, "no statement %s", id)
		}
		return Statement{}, err
	}
	return st, nil
}

func listStatements(ctx context.Context, db *gorm.DB, f StatementFilter, numberedOnly bool) ([]Statement, error) {
	q := db.WithContext(ctx).Model(&Statement{})
	if f.RunID != nil {
		q = q.Where("run_id = ?", *f.RunID)
	}
	if f.ProviderID != nil {
		q = q.Where("provider_id = ?", *f.ProviderID)
	}
	if numberedOnly {
		q = q.Where("number IS NOT NULL")
	}
	var out []Statement
	return out, f.Page.Apply(q, "id").Find(&out).Error
}

// statementIDs lists the run's statements in numbering order.
func statementIDs(ctx context.Context, tx *gorm.DB, runID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := tx.WithContext(ctx).Model(&Statement{}).Where("run_id = ?", runID).Order("provider_name, provider_id").Pluck("id", &ids).Error
	return ids, err
}

func statementNumbers(ctx context.Context, tx *gorm.DB, runID uuid.UUID) ([]string, error) {
	var out []string
	err := tx.WithContext(ctx).Model(&Statement{}).Where("run_id = ?", runID).Order("number").Pluck("number", &out).Error
	return out, err
}

func setStatementNumber(ctx context.Context, tx *gorm.DB, id uuid.UUID, year, seq int, number string, issued time.Time) error {
	return tx.WithContext(ctx).Model(&Statement{}).Where("id = ? AND number IS NULL", id).
		Updates(map[string]any{"number": number, "number_year": year, "number_seq": seq, "issued_on": issued}).Error
}

// lockCounter creates the year's counter when missing and locks it.
func lockCounter(ctx context.Context, tx *gorm.DB, year int) (int, error) {
	tx = tx.WithContext(ctx)
	if err := tx.Exec(`INSERT INTO statement_numbers (year, last) VALUES (?, 0) ON CONFLICT (year) DO NOTHING`, year).Error; err != nil {
		return 0, err
	}
	var last int
	if err := tx.Raw(`SELECT last FROM statement_numbers WHERE year = ? FOR UPDATE`, year).Scan(&last).Error; err != nil {
		return 0, err
	}
	return last, nil
}

func setCounter(ctx context.Context, tx *gorm.DB, year, last int) error {
	return tx.WithContext(ctx).Exec(`UPDATE statement_numbers SET last = ? WHERE year = ?`, last, year).Error
}

// loadRunDetail reads the run's statements with their lines and funding.
func loadRunDetail(ctx context.Context, tx *gorm.DB, run Run) (RunDetail, error) {
	var sts []Statement
	if err := tx.WithContext(ctx).Where("run_id = ?", run.ID).Order("provider_name, provider_id").Find(&sts).Error; err != nil {
		return RunDetail{}, err
	}
	d := RunDetail{Run: run, Statements: make([]StatementDetail, len(sts))}
	for i, st := range sts {
		var err error
		if d.Statements[i], err = loadStatementDetail(ctx, tx, st); err != nil {
			return RunDetail{}, err
		}
	}
	return d, nil
}

func loadStatementDetail(ctx context.Context, tx *gorm.DB, st Statement) (StatementDetail, error) {
	d := StatementDetail{Statement: st}
	if err := tx.WithContext(ctx).Where("statement_id = ?", st.ID).Order("position").Find(&d.Lines).Error; err != nil {
		return StatementDetail{}, err
	}
	ids := make([]uuid.UUID, len(d.Lines))
	for i, l := range d.Lines {
		ids[i] = l.ID
	}
	var funding []Funding
	if len(ids) > 0 {
		if err := tx.WithContext(ctx).Where("line_id = ANY(?::uuid[])", database.UUIDs(ids)).Order("line_id, reporting_code, funding_stream_id").Find(&funding).Error; err != nil {
			return StatementDetail{}, err
		}
	}
	byLine := map[uuid.UUID][]Funding{}
	for _, f := range funding {
		byLine[f.LineID] = append(byLine[f.LineID], f)
	}
	for i := range d.Lines {
		d.Lines[i].Funding = byLine[d.Lines[i].ID]
		if d.Lines[i].Funding == nil {
			d.Lines[i].Funding = []Funding{}
		}
	}
	if d.Lines == nil {
		d.Lines = []Line{}
	}
	return d, nil
}

// --- files ---

type runFileRow struct {
	RunID       uuid.UUID
	Kind        string
	Filename    string
	ContentType string
	SHA256      []byte `gorm:"column:sha256"`
	Data        []byte
	CreatedAt   time.Time
}

func (runFileRow) TableName() string { return "run_files" }

func insertRunFile(ctx context.Context, tx *gorm.DB, runID uuid.UUID, kind string, f File) error {
	return tx.WithContext(ctx).Create(&runFileRow{RunID: runID, Kind: kind, Filename: f.Name, ContentType: f.ContentType,
		SHA256: f.SHA256, Data: f.Data, CreatedAt: f.CreatedAt}).Error
}

func findRunFile(ctx context.Context, db *gorm.DB, runID uuid.UUID, kind string) (File, error) {
	var r runFileRow
	if err := db.WithContext(ctx).Where("run_id = ? AND kind = ?", runID, kind).Take(&r).Error; err != nil {
		if database.ErrNotFound(err) {
			return File{}, fault.New(FileNotFound, "payment run %s has no %s file (it is produced at export, the SEPA file only when anything is transferred)", runID, kind)
		}
		return File{}, err
	}
	if !hashMatches(r.Data, r.SHA256) {
		return File{}, fmt.Errorf("%w: the %s file of payment run %s", database.ErrStoredFileAltered, kind, runID)
	}
	return File{Name: r.Filename, ContentType: r.ContentType, SHA256: r.SHA256, Data: r.Data, CreatedAt: r.CreatedAt}, nil
}

// hashMatches tells whether data still has the sha256 it was stored with.
func hashMatches(data, stored []byte) bool {
	sum := sha256.Sum256(data)
	return bytes.Equal(sum[:], stored)
}

type statementPDFRow struct {
	StatementID uuid.UUID
	SHA256      []byte `gorm:"column:sha256"`
	Data        []byte
	CreatedAt   time.Time
}

func (statementPDFRow) TableName() string { return "statement_pdfs" }

func findStatementPDF(ctx context.Context, tx *gorm.DB, st Statement) (File, bool, error) {
	var rows []statementPDFRow
	if err := tx.WithContext(ctx).Where("statement_id = ?", st.ID).Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return File{}, false, err
	}
	r := rows[0]
	if !hashMatches(r.Data, r.SHA256) {
		return File{}, false, fmt.Errorf("%w: the PDF of statement %s", database.ErrStoredFileAltered, st.ID)
	}
	return File{Name: pdfName(st), ContentType: "application/pdf", SHA256: r.SHA256, Data: r.Data, CreatedAt: r.CreatedAt}, true, nil
}

// insertStatementPDF stores a PDF unless one is stored already (a second
// generator at the same moment); it reports whether it stored this one.
func insertStatementPDF(ctx context.Context, tx *gorm.DB, statementID uuid.UUID, f File, at time.Time) (bool, error) {
	res := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&statementPDFRow{StatementID: statementID, SHA256: f.SHA256, Data: f.Data, CreatedAt: at})
	return res.RowsAffected == 1, res.Error
}

func statementsWithoutPDF(ctx context.Context, db *gorm.DB, runID uuid.UUID) ([]Statement, error) {
	var out []Statement
	err := db.WithContext(ctx).Where("run_id = ? AND NOT EXISTS (SELECT 1 FROM statement_pdfs p WHERE p.statement_id = statements.id)", runID).
		Order("number, id").Find(&out).Error
	return out, err
}

func pdfProgress(ctx context.Context, db *gorm.DB, runID uuid.UUID) (done, total int, err error) {
	var r struct{ Done, Total int }
	err = db.WithContext(ctx).Raw(`
		SELECT count(p.statement_id) AS done, count(*) AS total
		FROM statements s LEFT JOIN statement_pdfs p ON p.statement_id = s.id WHERE s.run_id = ?`, runID).Scan(&r).Error
	return r.Done, r.Total, err
}
