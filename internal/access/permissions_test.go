package access

import (
	"strings"
	"testing"
)

// The expected matrix, written out as a grid so that a change to who may do
// what shows up in review as a change to this picture.
const grid = `
action                  admin procurement casemanager verifier finance provider auditor evaluator
users.manage            x     .           .           .        .       .        .       .
settings.manage         x     .           .           .        .       .        .       .
audit.read              .     .           .           .        .       .        x       .
funding.write           .     x           .           .        .       .        .       .
funding.read            .     x           .           .        x       .        x       .
report.read             .     x           .           .        x       .        x       .
providers.write         .     x           .           .        .       .        .       .
providers.read          .     x           x           x        x       x        x       .
contracts.write         .     x           .           .        .       .        .       .
contracts.read          .     x           x           x        x       x        x       .
tenders.write           .     x           .           .        .       .        .       .
tenders.read            .     x           .           .        .       x        x       x
bids.submit             .     .           .           .        .       x        .       .
bids.score              .     .           .           .        .       .        .       x
participants.write      .     .           x           .        .       .        .       .
participants.read       .     .           x           x        .       x        x       .
participants.personal   .     .           x           x        .       x        x       .
trajectories.refer      .     .           x           .        .       .        .       .
trajectories.terminate  .     .           x           .        .       .        .       .
trajectories.start      .     .           .           .        .       x        .       .
trajectories.read       .     .           x           x        x       x        x       .
claims.submit           .     .           .           .        .       x        .       .
claims.verify           .     .           .           x        .       .        .       .
claims.read             .     .           x           x        x       x        x       .
claims.evidence         .     .           .           x        .       x        x       .
payments.write          .     .           .           .        x       .        .       .
payments.read           .     .           .           .        x       .        x       .
statements.read         .     .           .           .        x       x        x       .
`

func TestPermissionMatrix(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(grid), "\n")
	header := strings.Fields(lines[0])[1:]
	seen := map[Action]bool{}
	for _, line := range lines[1:] {
		cells := strings.Fields(line)
		action := Action(cells[0])
		seen[action] = true
		if _, ok := matrix[action]; !ok {
			t.Errorf("action %s is in the grid but not in the matrix", action)
			continue
		}
		for i, cell := range cells[1:] {
			role := Role(header[i])
			a := Actor{Roles: []Role{role}}
			if got, want := a.Can(action), cell == "x"; got != want {
				t.Errorf("%s may %s = %v, want %v", role, action, got, want)
			}
		}
	}
	for _, action := range Actions() {
		if !seen[action] {
			t.Errorf("action %s is in the matrix but not in the grid", action)
		}
	}
}

func TestAdminHasNoFinancialPowers(t *testing.T) {
	admin := Actor{Roles: []Role{Admin}}
	for _, action := range []Action{WritePayments, VerifyClaims, WriteFunding, WriteContracts} {
		if admin.Can(action) {
			t.Errorf("admin may %s; an application manager approves nothing financial", action)
		}
	}
}

func TestSeveralRolesUnite(t *testing.T) {
	a := Actor{Roles: []Role{Finance, Auditor}}
	if !a.Can(WritePayments) || !a.Can(ReadAudit) {
		t.Fatalf("finance+auditor cannot use both roles")
	}
	if a.Can(VerifyClaims) {
		t.Fatalf("finance+auditor may verify claims")
	}
	if err := a.Require(VerifyClaims); err == nil {
		t.Fatalf("Require(VerifyClaims) = nil, want forbidden")
	}
}

func TestParseRoles(t *testing.T) {
	tests := []struct {
		in      string
		want    []Role
		wantErr bool
	}{
		{"finance", []Role{Finance}, false},
		{"Finance, auditor,finance", []Role{Finance, Auditor}, false},
		{"", nil, true},
		{"banker", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseRoles(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseRoles(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if strings.Join(roleStrings(got), ",") != strings.Join(roleStrings(tt.want), ",") {
			t.Errorf("ParseRoles(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func roleStrings(rs []Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}
