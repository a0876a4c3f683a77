package billing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/euregio/tranche/outcomes"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// RunState is where a payment run stands.
type RunState string

// A run goes draft → approved → exported → paid, or draft → cancelled.
const (
	Draft     RunState = "draft"
	Approved  RunState = "approved"
	Exported  RunState = "exported"
	Paid      RunState = "paid"
	Cancelled RunState = "cancelled"
)

// Run is a payment run for a period.
type Run struct {
	ID               uuid.UUID       `json:"id"`
	PeriodStart      time.Time       `json:"period_start" gorm:"type:date"`
	PeriodEnd        time.Time       `json:"period_end" gorm:"type:date"`
	State            RunState        `json:"state"`
	StatementCount   int             `json:"statement_count"`
	TotalTransfer    decimal.Decimal `json:"total_transfer"`
	CreatedBy        *uuid.UUID      `json:"-"`
	CreatedByLabel   string          `json:"created_by"`
	CreatedAt        time.Time       `json:"created_at"`
	ApprovedBy       *uuid.UUID      `json:"-"`
	ApprovedByLabel  *string         `json:"approved_by,omitempty"`
	ApprovedAt       *time.Time      `json:"approved_at,omitempty"`
	ExportedByLabel  *string         `json:"exported_by,omitempty"`
	ExportedAt       *time.Time      `json:"exported_at,omitempty"`
	PaidByLabel      *string         `json:"paid_by,omitempty"`
	PaidAt           *time.Time      `json:"paid_at,omitempty"`
	CancelledByLabel *string         `json:"cancelled_by,omitempty"`
	CancelledAt      *time.Time      `json:"cancelled_at,omitempty"`
	CancelReason     string          `json:"cancel_reason,omitempty"`
}

// TableName is the payment runs table.
func (Run) TableName() string { return "payment_runs" }

// RunDetail is a run with its statements and their lines.
type RunDetail struct {
	Run
	Statements []StatementDetail `json:"statements"`
	// Created is set by CreateRun when this call made the draft, and not
	// when it returned one that was there already (the same period's draft,
	// perhaps made a moment before by the same user in a parallel request).
	Created bool `json:"-" gorm:"-"`
}

// CreateRun gathers, for the period, every approved claim decided on or
// before the period's last day and every open clawback (a paid claim
// revoked since) that no live run holds, into a draft with one statement per
// provider; a provider's negative balance from an earlier paid run is
// carried in. While a draft for the same period exists it is returned
// instead (idempotent), with Created false: only the one call that
// inserted the draft reports Created. Nothing to pay gives payment_run_empty.
//
// Runs are gathered one at a time (the settings row is locked first), so
// two runs created at the same moment never share a claim; the unique index
// run_items_one_live_run is the backstop.
func (s *Service) CreateRun(ctx context.Context, actor access.Actor, periodStart, periodEnd time.Time) (RunDetail, error) {
	if err := requireMunicipal(actor, access.WritePayments); err != nil {
		return RunDetail{}, err
	}
	if err := requirePerson(actor); err != nil {
		return RunDetail{}, err
	}
	periodStart, periodEnd, err := checkPeriod(periodStart, periodEnd)
	if err != nil {
		return RunDetail{}, err
	}
	var out RunDetail
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := loadSettings(ctx, tx, true); err != nil {
			return err
		}
		draft, found, err := findDraft(ctx, tx, periodStart, periodEnd)
		if err != nil {
			return err
		}
		if found {
			out, err = loadRunDetail(ctx, tx, draft)
			return err
		}
		out, err = s.gather(ctx, tx, actor, periodStart, periodEnd)
		if err != nil {
			return err
		}
		if err := insertRun(ctx, tx, out); err != nil {
			return err
		}
		out.Created = true
		return audit.Record(ctx, tx, actor, audit.Event{Action: "payment_run.create", EntityType: "payment_run", EntityID: out.ID.String(),
			After: runSummary(out)})
	})
	switch {
	case database.IsUniqueViolation(err, "payment_runs_one_draft_per_period"):
		// Another creator's draft for this period committed first: it is the run.
		err = s.tx(ctx, func(tx *gorm.DB) error {
			draft, found, err := findDraft(ctx, tx, periodStart, periodEnd)
			if err != nil {
				return err
			}
			if !found {
				return fault.New(RunStateConflict, "the draft for this period changed at the same moment; try again")
			}
			out, err = loadRunDetail(ctx, tx, draft)
			out.Created = false
			return err
		})
	case database.IsUniqueViolation(err, "run_items_one_live_run"):
		return RunDetail{}, fault.New(ItemInLiveRun, "another payment run took some of these claims at the same moment; create the run again")
	}
	if err != nil {
		return RunDetail{}, err
	}
	return out, nil
}

// runSummary is what the audit trail keeps of a run: the run and, per
// statement, its provider and amounts (the lines are in the tables).
func runSummary(d RunDetail) map[string]any {
	sts := make([]map[string]any, len(d.Statements))
	for i, st := range d.Statements {
		sts[i] = map[string]any{"id": st.ID, "provider_id": st.ProviderID, "lines": st.LineCount, "total": money.String(st.Total),
			"carried_in": money.String(st.CarriedIn), "to_transfer": money.String(st.ToTransfer), "carried_out": money.String(st.CarriedOut)}
	}
	return map[string]any{"run": d.Run, "statements": sts}
}

// gather builds a draft run from what is payable now; it writes nothing.
func (s *Service) gather(ctx context.Context, tx *gorm.DB, actor access.Actor, start, end time.Time) (RunDetail, error) {
	until := end.AddDate(0, 0, 1) // claims decided on the period's last day belong to it
	claims, err := outcomes.PayableClaims(ctx, tx, until, nil)
	if err != nil {
		return RunDetail{}, fmt.Errorf("gather payable claims: %w", err)
	}
	live, err := liveItems(ctx, tx, itemClaim)
	if err != nil {
		return RunDetail{}, err
	}
	clawbacks, err := openClawbacks(ctx, tx, until)
	if err != nil {
		return RunDetail{}, err
	}
	carries, err := openCarries(ctx, tx)
	if err != nil {
		return RunDetail{}, err
	}
	g, err := gatherLines(claims, live, clawbacks, end)
	if err != nil {
		return RunDetail{}, err
	}
	providers, err := providerSnapshots(ctx, tx, g.Providers)
	if err != nil {
		return RunDetail{}, err
	}
	vat, err := contractVAT(ctx, tx, g.Contracts)
	if err != nil {
		return RunDetail{}, err
	}
	splits, err := s.pool.AccrualSplits(ctx, tx, g.Claims)
	if err != nil {
		return RunDetail{}, fmt.Errorf("funding of the run's claims: %w", err)
	}
	run := RunDetail{Run: Run{ID: uuid.Must(uuid.NewV7()), PeriodStart: start, PeriodEnd: end, State: Draft,
		CreatedBy: userID(actor), CreatedByLabel: label(actor), CreatedAt: s.timestamp(), TotalTransfer: decimal.Zero}}
	return planStatements(run, g, providers, carries, vat, splits)
}

// ApproveRun approves a draft (finance, not the run's creator) and numbers
// its statements, gapless per year of the approval date.
func (s *Service) ApproveRun(ctx context.Context, actor access.Actor, id uuid.UUID) (Run, error) {
	if err := requireMunicipal(actor, access.WritePayments); err != nil {
		return Run{}, err
	}
	if err := requirePerson(actor); err != nil {
		return Run{}, err
	}
	var out Run
	err := s.tx(ctx, func(tx *gorm.DB) error {
		run, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkApprove(run, actor); err != nil {
			return err
		}
		if err := checkFresh(ctx, tx, run.ID); err != nil {
			return err
		}
		// From approval to confirmation the run's claims cannot be revoked.
		items, err := runItemIDs(ctx, tx, run.ID)
		if err != nil {
			return err
		}
		if err := outcomes.HoldForPayment(ctx, tx, actor, items[itemClaim], run.ID); err != nil {
			if fault.HasCode(err, outcomes.ClaimState) {
				return fault.New(RunStale, "%v; cancel the run and create it again", err)
			}
			return err
		}
		issued := s.today()
		if err := assignNumbers(ctx, tx, run.ID, issued); err != nil {
			return err
		}
		before := run
		run, cols := approve(run, actor, s.timestamp())
		if err := updateRun(ctx, tx, run.ID, cols); err != nil {
			return err
		}
		numbers, err := statementNumbers(ctx, tx, run.ID)
		if err != nil {
			return err
		}
		out = run
		return audit.Record(ctx, tx, actor, audit.Event{Action: "payment_run.approve", EntityType: "payment_run", EntityID: run.ID.String(),
			Before: before, After: map[string]any{"run": run, "statement_numbers": numbers}})
	})
	return out, err
}

// CancelRun cancels a draft and frees its claims, clawbacks and carried
// balances for a later run.
func (s *Service) CancelRun(ctx context.Context, actor access.Actor, id uuid.UUID, reason string) (Run, error) {
	if err := requireMunicipal(actor, access.WritePayments); err != nil {
		return Run{}, err
	}
	reason = strings.TrimSpace(reason)
	var out Run
	err := s.tx(ctx, func(tx *gorm.DB) error {
		run, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkCancel(run); err != nil {
			return err
		}
		before := run
		run, cols := cancel(run, actor, s.timestamp(), reason)
		if err := freeItems(ctx, tx, run.ID); err != nil {
			return err
		}
		if err := updateRun(ctx, tx, run.ID, cols); err != nil {
			return err
		}
		out = run
		return audit.Record(ctx, tx, actor, audit.Event{Action: "payment_run.cancel", EntityType: "payment_run", EntityID: run.ID.String(),
			Before: before, After: run})
	})
	return out, err
}

// ExportRun produces the run's SEPA credit-transfer file (when anything is
// to be transferred) and its journal, stores both, and marks the run
// exported. Only an approved run is exported.
func (s *Service) ExportRun(ctx context.Context, actor access.Actor, id uuid.UUID) (Run, error) {
	if err := requireMunicipal(actor, access.WritePayments); err != nil {
		return Run{}, err
	}
	var out Run
	err := s.tx(ctx, func(tx *gorm.DB) error {
		run, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkExport(run); err != nil {
			return err
		}
		if err := checkFresh(ctx, tx, run.ID); err != nil {
			return err
		}
		settings, err := loadSettings(ctx, tx, false)
		if err != nil {
			return err
		}
		before := run
		now := s.timestamp()
		run, cols := export(run, actor, now)
		detail, err := loadRunDetail(ctx, tx, run)
		if err != nil {
			return err
		}
		files := map[string]File{}
		if run.TotalTransfer.IsPositive() {
			data, err := BuildSEPA(detail, settings, now)
			if err != nil {
				return err
			}
			files["sepa"] = newFile(sepaName(run, settings.PainVersion), "application/xml", data, now)
		}
		journal, err := BuildJournal(detail)
		if err != nil {
			return err
		}
		files["journal"] = newFile(journalName(run), "text/csv; charset=utf-8", journal, now)
		hashes := map[string]string{}
		for kind, f := range files {
			if err := insertRunFile(ctx, tx, run.ID, kind, f); err != nil {
				return err
			}
			hashes[kind] = f.SHA256Hex()
		}
		if err := updateRun(ctx, tx, run.ID, cols); err != nil {
			return err
		}
		out = run
		return audit.Record(ctx, tx, actor, audit.Event{Action: "payment_run.export", EntityType: "payment_run", EntityID: run.ID.String(),
			Before: before, After: map[string]any{"run": run, "sha256": hashes}})
	})
	return out, err
}

// ConfirmRun records that the bank executed the run: in one transaction,
// pooling pays every claim line (payable → paid) and settles every clawback
// line, outcomes marks the claims paid, and the run becomes paid. Confirming
// a paid run changes nothing and returns it.
func (s *Service) ConfirmRun(ctx context.Context, actor access.Actor, id uuid.UUID) (Run, error) {
	if err := requireMunicipal(actor, access.WritePayments); err != nil {
		return Run{}, err
	}
	var out Run
	err := s.tx(ctx, func(tx *gorm.DB) error {
		run, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		done, err := checkConfirm(run)
		if err != nil {
			return err
		}
		if done {
			out = run
			return nil
		}
		items, err := runItemIDs(ctx, tx, run.ID)
		if err != nil {
			return err
		}
		// Claims first, in id order: the order outcomes' revocation takes
		// its locks in (claim, then pooling), so the two cannot deadlock.
		all := append(slices.Clone(items[itemClaim]), items[itemClawback]...)
		if err := lockClaims(ctx, tx, all); err != nil {
			return err
		}
		if err := checkFresh(ctx, tx, run.ID); err != nil {
			return err
		}
		if err := s.pool.PayMany(ctx, tx, actor, items[itemClaim], run.ID); err != nil {
			return fmt.Errorf("pay claims: %w", err)
		}
		for _, claimID := range items[itemClawback] {
			if _, err := s.pool.SettleClawBack(ctx, tx, actor, claimID, run.ID); err != nil {
				return fmt.Errorf("settle clawback %s: %w", claimID, err)
			}
		}
		if err := outcomes.MarkPaid(ctx, tx, actor, items[itemClaim], run.ID); err != nil {
			return err
		}
		before := run
		run, cols := confirm(run, actor, s.timestamp())
		if err := updateRun(ctx, tx, run.ID, cols); err != nil {
			return err
		}
		out = run
		return audit.Record(ctx, tx, actor, audit.Event{Action: "payment_run.confirm", EntityType: "payment_run", EntityID: run.ID.String(),
			Before: before, After: map[string]any{"run": run, "claims_paid": len(items[itemClaim]), "clawbacks_settled": len(items[itemClawback])}})
	})
	return out, err
}

// GetRun returns a run with its statements, lines and funding.
func (s *Service) GetRun(ctx context.Context, actor access.Actor, id uuid.UUID) (RunDetail, error) {
	if err := actor.Require(access.ReadPayments); err != nil {
		return RunDetail{}, err
	}
	var out RunDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		run, err := findRun(ctx, tx, id)
		if err != nil {
			return err
		}
		out, err = loadRunDetail(ctx, tx, run)
		return err
	})
	return out, err
}

// RunFilter narrows ListRuns.
type RunFilter struct {
	States []RunState
	Page   database.Page
}

// ListRuns lists runs in id (creation) order, a page at a time; the second
// result is the next page's cursor, "" on the last page.
// RunSorts are the keys a list of payment runs may be sorted by.
var RunSorts = database.NewSortKeys("id",
	"created", "created_at",
	"period", "period_start",
	"state", "state",
	"statements", "statement_count",
	"total", "total_transfer")

// SortedRuns calls fn with the runs f selects, sorted and paged as srt asks
// (all of them, streamed, without a limit), and returns how many f selects.
func (s *Service) SortedRuns(ctx context.Context, actor access.Actor, f RunFilter, srt database.Sort, fn func(Run) error) (int64, error) {
	if err := actor.Require(access.ReadPayments); err != nil {
		return 0, err
	}
	return database.Sorted(runQuery(ctx, s.db, f), RunSorts, srt, fn)
}

func (s *Service) ListRuns(ctx context.Context, actor access.Actor, f RunFilter) ([]Run, string, error) {
	if err := actor.Require(access.ReadPayments); err != nil {
		return nil, "", err
	}
	rows, err := listRuns(ctx, s.db, f)
	if err != nil {
		return nil, "", err
	}
	items, next := database.Trim(f.Page, rows, func(r Run) uuid.UUID { return r.ID })
	return items, next, nil
}
