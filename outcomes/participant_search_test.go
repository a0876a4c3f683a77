package outcomes_test

import (
	"slices"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
)

// Search ignores accents and case in names, matches a whole BSN and part of
// the reference, for each role only among the participants it may see.
func TestParticipantSearch(t *testing.T) {
	f := newFx(t)
	add := func(given, family, bsn string) outcomes.ParticipantView {
		p, err := f.s.CreateParticipant(ctx, casemanager, outcomes.ParticipantInput{GivenNames: given, FamilyName: family, BSN: bsn})
		check(t, err)
		return p
	}
	celik := add("Ayşe", "Çelik", "111222333")
	muller := add("Hans", "Müller", "")
	nguyen := add("Thi Lan", "Nguyễn", "")
	_, err := f.s.Refer(ctx, casemanager, outcomes.ReferInput{ParticipantID: celik.ID, ContractID: f.contract.ID, ProductCode: "NT2"})
	check(t, err)

	names := func(vs []outcomes.ParticipantView) []string {
		var out []string
		for _, v := range vs {
			if v.Personal == nil {
				out = append(out, "("+v.Reference+")")
				continue
			}
			out = append(out, v.Personal.FamilyName)
		}
		return out
	}
	for _, tc := range []struct {
		who   string
		actor access.Actor
		q     string
		want  []string
	}{
		{"case manager", casemanager, "celik", []string{"Çelik"}},
		{"case manager", casemanager, "ÇELİK", []string{"Çelik"}},
		{"case manager", casemanager, "ayse celik", []string{"Çelik"}},
		{"case manager", casemanager, "nguyen", []string{"Nguyễn"}},
		{"case manager", casemanager, "MULLER", []string{"Müller"}},
		{"case manager", casemanager, "111222333", []string{"Çelik"}},
		{"case manager", casemanager, "11122233", nil}, // a BSN matches whole only
		{"case manager", casemanager, muller.Reference, []string{"Müller"}},
		{"case manager", casemanager, "p-2005-000", []string{"Çelik", "Müller", "Nguyễn"}},
		{"case manager", casemanager, "%", nil}, // LIKE's wildcards match themselves
		{"case manager", casemanager, "_", nil},
		{"auditor", auditor, "celik", []string{"Çelik"}},
		{"provider", f.provider, "celik", []string{"Çelik"}},
		{"provider", f.provider, "111222333", []string{"Çelik"}},
		{"provider", f.provider, "muller", nil},
		{"provider", f.provider, nguyen.Reference, nil},
		{"other provider", f.other, "celik", nil},
		{"other provider", f.other, "111222333", nil},
		{"other provider", f.other, celik.Reference, nil},
	} {
		var got []outcomes.ParticipantView
		_, err := f.s.SortedParticipants(ctx, tc.actor, outcomes.ParticipantFilter{Query: tc.q}, database.Sort{Key: "reference", Page: 1, Limit: 50},
			func(v outcomes.ParticipantView) error { got = append(got, v); return nil })
		check(t, err)
		if !slices.Equal(names(got), tc.want) {
			t.Errorf("%s searching %q finds %v, want %v", tc.who, tc.q, names(got), tc.want)
		}
		// The cursor-paged list (the API's) searches the same way.
		list, _, err := f.s.ListParticipants(ctx, tc.actor, outcomes.ParticipantFilter{Query: tc.q})
		check(t, err)
		if !slices.Equal(names(list), tc.want) {
			t.Errorf("%s: ListParticipants(%q) = %v, want %v", tc.who, tc.q, names(list), tc.want)
		}
	}

	// Sorted by name, accents do not push Çelik behind Nguyễn.
	var got []outcomes.ParticipantView
	_, err = f.s.SortedParticipants(ctx, casemanager, outcomes.ParticipantFilter{}, database.Sort{Key: "name", Page: 1, Limit: 50},
		func(v outcomes.ParticipantView) error { got = append(got, v); return nil })
	check(t, err)
	if want := []string{"Çelik", "Müller", "Nguyễn"}; !slices.Equal(names(got), want) {
		t.Errorf("by name = %v, want %v", names(got), want)
	}
	_, err = f.s.SortedParticipants(ctx, finance, outcomes.ParticipantFilter{Query: "celik"}, database.Sort{Key: "reference", Page: 1, Limit: 50},
		func(outcomes.ParticipantView) error { return nil })
	wantCode(t, err, fault.Forbidden)
}
