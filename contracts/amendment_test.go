package contracts

import (
	"testing"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

func TestAmendContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	draft := createContract(t, e, p.ID, "ENS-2005-001")
	if _, err := e.svc.AmendContract(ctx, procurement, draft.ID, Amendment{Products: []Product{languageProduct("2500.00")}}); !fault.HasCode(err, ContractTransition) {
		t.Fatalf("amending a draft: %v, want contract_transition_invalid", err)
	}
	c := activeContract(t, e, p.ID, "ENS-2005-002")
	v1 := c.Current

	// A trajectory that started under version 1 holds its id, as outcomes will.
	startedUnder := must(lockInTx(t, e.db, c.ID)).VersionID
	if startedUnder != v1.ID {
		t.Fatalf("LockForStart version = %s, want version 1 %s", startedUnder, v1.ID)
	}

	newLang := languageProduct("2600.00")
	newLang.Milestones[0].Share, newLang.Milestones[1].Share = decp("15"), decp("35")
	ceiling := dec("150000.00")
	capacity := 60
	amended, err := e.svc.AmendContract(ctx, procurement, c.ID, Amendment{
		Note: "Indexering 2005 en extra re-integratie", Products: []Product{newLang, reintegrationProduct("4000.00")},
		Ceiling: &ceiling, Capacity: &capacity,
	})
	if err != nil {
		t.Fatal(describe(err))
	}
	if amended.Current.Number != 2 || amended.Current.ID == v1.ID || len(amended.Versions) != 2 || amended.Current.FrozenAt == nil {
		t.Fatalf("after amendment: current v%d (%s), %d versions; want a frozen version 2", amended.Current.Number, amended.Current.ID, len(amended.Versions))
	}
	if !amended.Ceiling.Equal(ceiling) || amended.Capacity != 60 || amended.Status != Active {
		t.Errorf("terms after amendment: ceiling %s capacity %d status %s", amended.Ceiling, amended.Capacity, amended.Status)
	}

	// The old version is still readable, unchanged.
	old, err := e.svc.GetVersion(ctx, providerUser(p.ID), startedUnder)
	if err != nil {
		t.Fatal(err)
	}
	if old.Number != 1 || len(old.Products) != 1 || !old.Products[0].Price.Equal(dec("2450.55")) || !old.Products[0].Milestones[0].Tranche.Equal(dec("245.06")) {
		t.Errorf("version 1 after amendment = %+v", old)
	}
	oldSchedule := must(scheduleInTx(t, e.db, startedUnder, "NT2-A2"))
	if !oldSchedule.Price.Equal(dec("2450.55")) || !oldSchedule.Milestones[1].Tranche.Equal(dec("980.22")) {
		t.Errorf("VersionSchedule of version 1 = %s / %s", oldSchedule.Price, oldSchedule.Milestones[1].Tranche)
	}
	// The new one is what starts from now on use.
	now := must(lockInTx(t, e.db, c.ID))
	if now.VersionID != amended.Current.ID || !now.Ceiling.Equal(ceiling) {
		t.Errorf("LockForStart after amendment: version %s ceiling %s", now.VersionID, now.Ceiling)
	}
	newSchedule := must(scheduleInTx(t, e.db, now.VersionID, "NT2-A2"))
	if !newSchedule.Milestones[0].Tranche.Equal(dec("390.00")) || !newSchedule.Milestones[1].Tranche.Equal(dec("910.00")) {
		t.Errorf("new schedule tranches %s, %s; want 390.00, 910.00", newSchedule.Milestones[0].Tranche, newSchedule.Milestones[1].Tranche)
	}
	if _, ok := amended.Current.Product("REINT"); !ok {
		t.Error("the new version lacks the reintegration product")
	}

	// A third amendment numbers on; an invalid one changes nothing.
	bad := languageProduct("2600.00")
	bad.Milestones[3].Share = decp("31")
	if _, err := e.svc.AmendContract(ctx, procurement, c.ID, Amendment{Products: []Product{bad}}); !hasField(err, "products[0].milestones", ShareSum) {
		t.Errorf("invalid amendment: %s, want schedule_shares_not_100", describe(err))
	}
	low := dec("1000.00")
	if _, err := e.svc.AmendContract(ctx, procurement, c.ID, Amendment{Products: []Product{newLang}, Ceiling: &low}); !hasField(err, "ceiling", CeilingBelowPrice) {
		t.Errorf("amendment with a ceiling below the price: %s, want ceiling_below_price", describe(err))
	}
	third, err := e.svc.AmendContract(ctx, procurement, c.ID, Amendment{Products: []Product{newLang}})
	if err != nil || third.Current.Number != 3 || len(third.Versions) != 3 {
		t.Errorf("third amendment: %v, version %d", err, third.Current.Number)
	}
	if n := auditCount(t, e.db, "contract.amend", c.ID.String()); n != 2 {
		t.Errorf("contract.amend events = %d, want 2", n)
	}
}

func lockInTx(t *testing.T, db *gorm.DB, id uuid.UUID) (StartTerms, error) {
	t.Helper()
	var st StartTerms
	err := db.Transaction(func(tx *gorm.DB) error {
		var err error
		st, err = LockForStart(ctx, tx, id)
		return err
	})
	return st, err
}

func scheduleInTx(t *testing.T, db *gorm.DB, versionID uuid.UUID, code string) (Product, error) {
	t.Helper()
	var p Product
	err := db.Transaction(func(tx *gorm.DB) error {
		var err error
		p, err = VersionSchedule(ctx, tx, versionID, code)
		return err
	})
	return p, err
}
