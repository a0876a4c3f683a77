package contracts

import (
	"sync"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

func TestSpendingOf(t *testing.T) {
	s := SpendingOf(dec("100000.00"), dec("50000.00"), dec("15000.00"), dec("4999.99"))
	if !s.Exposure.Equal(dec("69999.99")) || s.Alerted || !s.Available.Equal(dec("30000.01")) || !s.Percent.Equal(dec("70.0")) {
		t.Errorf("just below 70 %%: %+v", s)
	}
	s = SpendingOf(dec("100000.00"), dec("50000.00"), dec("15000.00"), dec("5000.00"))
	if !s.Alerted {
		t.Errorf("at exactly 70 %%: %+v, want alerted", s)
	}
	if got := AlertLevel(dec("3333.33")); !got.Equal(dec("2333.331")) {
		t.Errorf("AlertLevel(3333.33) = %s, want 2333.331 (not rounded: reaching it needs 2333.34)", got)
	}
}

func TestLockForStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	in := contractInput(p.ID, "ENS-2005-001")
	budget := e.budget
	in.BudgetID = &budget
	draft, err := e.svc.CreateContract(ctx, procurement, in)
	if err != nil {
		t.Fatal(err)
	}
	st := must(lockInTx(t, e.db, draft.ID))
	if err := st.CheckStart(day("2005-03-01")); !fault.HasCode(err, ContractNotActive) {
		t.Errorf("CheckStart on a draft: %v, want contract_not_active", err)
	}
	must(e.svc.ActivateContract(ctx, procurement, draft.ID))
	st = must(lockInTx(t, e.db, draft.ID))
	if st.Status != Active || st.ProviderID != p.ID || *st.BudgetID != budget || st.Capacity != 40 || !st.Ceiling.Equal(dec("100000")) || st.VersionID != draft.Current.ID {
		t.Errorf("StartTerms = %+v", st)
	}
	for _, tt := range []struct {
		on   string
		want *fault.Code
	}{{"2005-01-01", nil}, {"2005-12-31", nil}, {"2004-12-31", &ContractOutsidePeriod}, {"2006-01-01", &ContractOutsidePeriod}} {
		err := st.CheckStart(day(tt.on))
		if (tt.want == nil && err != nil) || (tt.want != nil && !fault.HasCode(err, *tt.want)) {
			t.Errorf("CheckStart(%s) = %v, want %v", tt.on, err, tt.want)
		}
	}
	if _, err := lockInTx(t, e.db, uuid.Must(uuid.NewV7())); !fault.HasCode(err, ContractNotFound) {
		t.Errorf("LockForStart of an unknown contract: %v, want contract_not_found", err)
	}
	if _, err := scheduleInTx(t, e.db, st.VersionID, "NOPE"); !hasField(err, "product_code", ProductUnknown) {
		t.Errorf("VersionSchedule of an unknown product: %s, want product_unknown", describe(err))
	}

	// The row stays locked until the caller's transaction ends: a second
	// start under the same contract waits.
	holding := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- e.db.Transaction(func(tx *gorm.DB) error {
			if _, err := LockForStart(ctx, tx, draft.ID); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	err = e.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL lock_timeout = '200ms'`).Error; err != nil {
			return err
		}
		_, err := LockForStart(ctx, tx, draft.ID)
		return err
	})
	if err == nil {
		t.Error("a second LockForStart got the row while the first transaction held it")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := lockInTx(t, e.db, draft.ID); err != nil {
		t.Errorf("LockForStart after the first transaction ended: %v", err)
	}
}

func noteInTx(db *gorm.DB, who access.Actor, id uuid.UUID, exposure decimal.Decimal) (bool, error) {
	var alerted bool
	err := database.Transaction(ctx, db, func(tx *gorm.DB) error {
		if _, err := LockForStart(ctx, tx, id); err != nil { // as outcomes does before committing
			return err
		}
		var err error
		alerted, err = NoteSpending(ctx, tx, who, id, exposure)
		return err
	})
	return alerted, err
}

func TestNoteSpending(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	c := activeContract(t, e, p.ID, "ENS-2005-001") // ceiling 100 000.00
	other := activeContract(t, e, registerProvider(t, e, "23456789", "Werkbedrijf Oost").ID, "WO-1")
	prov := providerUser(p.ID)

	for _, tt := range []struct {
		exposure string
		want     bool
	}{{"0.00", false}, {"69999.99", false}, {"70000.00", true}, {"85000.00", false}, {"100000.00", false}} {
		got, err := noteInTx(e.db, prov, c.ID, dec(tt.exposure))
		if err != nil || got != tt.want {
			t.Errorf("NoteSpending(%s) = %v, %v; want %v", tt.exposure, got, err, tt.want)
		}
	}
	if _, err := noteInTx(e.db, prov, c.ID, dec("-1.00")); !fault.HasCode(err, fault.InvalidInput) {
		t.Errorf("negative exposure: %v, want invalid_input", err)
	}
	if n := auditCount(t, e.db, "contract.spending_alert", c.ID.String()); n != 1 {
		t.Errorf("spending alert events = %d, want 1", n)
	}
	must(noteInTx(e.db, prov, other.ID, dec("99000.00")))

	alerts, err := e.svc.Alerts(ctx, procurement)
	if err != nil || len(alerts) != 2 {
		t.Fatalf("procurement's Alerts = %d, %v; want 2", len(alerts), err)
	}
	a := alerts[0]
	if a.ContractID != c.ID || a.Reference != "ENS-2005-001" || a.ProviderName != "Taalhuis Twente" || a.ThresholdPercent != 70 || !a.Exposure.Equal(dec("70000")) {
		t.Errorf("alert = %+v", a)
	}
	own, err := e.svc.Alerts(ctx, prov)
	if err != nil || len(own) != 1 || own[0].ContractID != c.ID {
		t.Errorf("provider's Alerts = %v, %v; want only its own", own, err)
	}
	if _, err := e.svc.AcknowledgeAlert(ctx, prov, a.ID); !fault.HasCode(err, fault.Forbidden) {
		t.Errorf("provider acknowledges: %v, want forbidden", err)
	}
	ack, err := e.svc.AcknowledgeAlert(ctx, procurement, a.ID)
	if err != nil || ack.AcknowledgedAt == nil || ack.AcknowledgedBy != procurement.Email {
		t.Fatalf("AcknowledgeAlert = %+v, %v", ack, err)
	}
	if _, err := e.svc.AcknowledgeAlert(ctx, procurement, a.ID); !fault.HasCode(err, AlertAlreadyAcknowledged) {
		t.Errorf("second acknowledgement: %v, want alert_already_acknowledged", err)
	}
	if left := must(e.svc.Alerts(ctx, procurement)); len(left) != 1 || left[0].ContractID != other.ID {
		t.Errorf("open alerts after acknowledging = %v", left)
	}
	if n := auditCount(t, e.db, "contract_alert.acknowledge", a.ID.String()); n != 1 {
		t.Errorf("acknowledge events = %d, want 1", n)
	}
	// Acknowledged, the alert is not raised again for the same threshold.
	if got := must(noteInTx(e.db, prov, c.ID, dec("90000.00"))); got {
		t.Error("the 70 % alert was raised a second time")
	}
}

// Many transactions noting spending at once raise the alert exactly once.
func TestNoteSpendingConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	c := activeContract(t, e, p.ID, "ENS-2005-001")
	const n = 24
	var wg sync.WaitGroup
	results := make(chan bool, n)
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			// Without the contract lock, to let the unique constraint alone decide.
			err := database.Transaction(ctx, e.db, func(tx *gorm.DB) error {
				alerted, err := NoteSpending(ctx, tx, access.System("test"), c.ID, dec("70000.00").Add(decimal.NewFromInt(int64(i))))
				if err == nil {
					time.Sleep(time.Millisecond) // keep the transactions overlapping
					results <- alerted
				}
				return err
			})
			if err != nil {
				errs <- err
			}
		}(i)
	}
	close(start)
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Errorf("NoteSpending: %v", err)
	}
	raised := 0
	for r := range results {
		if r {
			raised++
		}
	}
	if raised != 1 {
		t.Errorf("%d calls reported raising the alert, want exactly 1", raised)
	}
	var row struct{ N int }
	e.db.Raw(`SELECT count(*) AS n FROM contract_alerts WHERE contract_id = ?`, c.ID).Scan(&row)
	if row.N != 1 {
		t.Errorf("alerts stored = %d, want 1", row.N)
	}
	if got := auditCount(t, e.db, "contract.spending_alert", c.ID.String()); got != 1 {
		t.Errorf("spending alert events = %d, want 1", got)
	}
}
