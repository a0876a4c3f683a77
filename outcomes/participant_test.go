package outcomes_test

import (
	"sync"
	"testing"

	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
)

func TestParticipantReferencesAndBSN(t *testing.T) {
	f := newFx(t)
	p1 := f.participant()
	if p1.Reference != "P-2005-0001" || p1.Personal == nil || p1.Personal.FamilyName == "" {
		t.Fatalf("participant = %+v", p1)
	}
	tests := []struct {
		in          outcomes.ParticipantInput
		field, code string
	}{
		{outcomes.ParticipantInput{FamilyName: "Nguyễn", BSN: "123456789"}, "bsn", "invalid_bsn"},
		{outcomes.ParticipantInput{}, "family_name", "required"},
		{outcomes.ParticipantInput{GivenNames: "Amina", FamilyName: "  "}, "family_name", "required"},
		{outcomes.ParticipantInput{FamilyName: "Müller", DateOfBirth: "17-05-1980"}, "date_of_birth", "invalid_date"},
		{outcomes.ParticipantInput{FamilyName: "Müller", DateOfBirth: "0000-01-01"}, "date_of_birth", "date_out_of_range"},
		{outcomes.ParticipantInput{FamilyName: "Müller", DateOfBirth: "0001-01-01"}, "date_of_birth", "date_out_of_range"},
		{outcomes.ParticipantInput{FamilyName: "Müller", ArrivalDate: "0001-01-01"}, "arrival_date", "date_out_of_range"},
		{outcomes.ParticipantInput{FamilyName: "Müller", DateOfBirth: "1980-05-17", ArrivalDate: "1979-12-31"}, "arrival_date", "before_birth"},
		{outcomes.ParticipantInput{FamilyName: "Müller", Gender: "f"}, "gender", "not_allowed_value"},
		{outcomes.ParticipantInput{FamilyName: "Müller", ArrivalDate: "2030-01-01"}, "arrival_date", "in_future"},
	}
	for _, tt := range tests {
		_, err := f.s.CreateParticipant(ctx, casemanager, tt.in)
		e, ok := fault.As(err)
		if !ok || len(e.Fields) != 1 || e.Fields[0].Field != tt.field || e.Fields[0].Code != tt.code {
			t.Errorf("CreateParticipant(%+v) = %v, want %s on %s", tt.in, err, tt.code, tt.field)
		}
	}
	// A person with one name has it as family name.
	one, err := f.s.CreateParticipant(ctx, casemanager, outcomes.ParticipantInput{FamilyName: "Mohammed", DateOfBirth: "1980-05-17", ArrivalDate: "1980-05-17"})
	check(t, err)
	if one.Personal == nil || one.Personal.Name() != "Mohammed" {
		t.Errorf("one-name participant = %+v", one.Personal)
	}
	_, err = f.s.CreateParticipant(ctx, casemanager, outcomes.ParticipantInput{FamilyName: "Ćosić", BSN: "111222333"})
	check(t, err)
	_, err = f.s.CreateParticipant(ctx, casemanager, outcomes.ParticipantInput{FamilyName: "Abdi", BSN: "111.222.333"})
	wantCode(t, err, outcomes.BSNTaken)
	_, err = f.s.CreateParticipant(ctx, f.provider, outcomes.ParticipantInput{FamilyName: "Abdi"})
	wantCode(t, err, fault.Forbidden)
}

func TestParticipantNumbersGaplessUnderConcurrency(t *testing.T) {
	f := newFx(t)
	const n = 20
	var wg sync.WaitGroup
	refs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := f.s.CreateParticipant(ctx, casemanager, outcomes.ParticipantInput{FamilyName: "Haidari"})
			if err != nil {
				t.Error(err)
				return
			}
			refs <- p.Reference
		}()
	}
	wg.Wait()
	close(refs)
	seen := map[string]bool{}
	for r := range refs {
		seen[r] = true
	}
	for i := 1; i <= n; i++ {
		ref := "P-2005-" + pad4(i)
		if !seen[ref] {
			t.Fatalf("reference %s missing; got %v", ref, seen)
		}
	}
}

func pad4(i int) string {
	s := "000" + itoa(i)
	return s[len(s)-4:]
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// A provider sees a participant only while it holds a trajectory for them.
func TestParticipantVisibility(t *testing.T) {
	f := newFx(t)
	p := f.participant()
	_, err := f.s.GetParticipant(ctx, f.provider, p.ID)
	wantCode(t, err, outcomes.ParticipantNotFound)
	list, _, err := f.s.ListParticipants(ctx, f.provider, outcomes.ParticipantFilter{})
	check(t, err)
	if len(list) != 0 {
		t.Fatalf("provider lists %d participants before any referral", len(list))
	}

	tr, err := f.s.Refer(ctx, casemanager, outcomes.ReferInput{ParticipantID: p.ID, ContractID: f.contract.ID, ProductCode: "NT2"})
	check(t, err)
	v, err := f.s.GetParticipant(ctx, f.provider, p.ID)
	check(t, err)
	if v.Personal == nil || v.Personal.GivenNames != "Ayşe" {
		t.Fatalf("provider with a referral sees %+v, want personal data", v)
	}
	_, err = f.s.GetParticipant(ctx, f.other, p.ID)
	wantCode(t, err, outcomes.ParticipantNotFound)

	v, err = f.s.GetParticipant(ctx, auditor, p.ID)
	check(t, err)
	if v.Personal == nil {
		t.Fatal("the auditor does not see personal data")
	}
	_, err = f.s.GetParticipant(ctx, finance, p.ID)
	wantCode(t, err, fault.Forbidden)

	_, err = f.s.Decline(ctx, f.provider, tr.ID, "no place")
	check(t, err)
	_, err = f.s.GetParticipant(ctx, f.provider, p.ID)
	wantCode(t, err, outcomes.ParticipantNotFound)
}
