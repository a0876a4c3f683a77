package outcomes

import (
	"testing"
	"time"
)

func TestValidBSN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"111222333", true},
		{"123456782", true},
		{"123456789", false},
		{"000000000", false},
		{"11122233", false},
		{"1112223334", false},
		{"11122233a", false},
	}
	for _, tt := range tests {
		if got := ValidBSN(tt.in); got != tt.want {
			t.Errorf("ValidBSN(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestEaster(t *testing.T) {
	for y, want := range map[int]string{2005: "2005-03-27", 2024: "2024-03-31", 2026: "2026-04-05", 2027: "2027-03-28"} {
		if got := easterSunday(y).Format(time.DateOnly); got != want {
			t.Errorf("Easter %d = %s, want %s", y, got, want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-23", 10, "2026-12-07"}, // Monday + two weeks
		{"2026-11-27", 1, "2026-11-30"},  // Friday → Monday
		{"2026-12-23", 3, "2026-12-29"},  // over Christmas
		{"2026-04-02", 2, "2026-04-07"},  // Good Friday counts, Easter Monday does not
		{"2005-04-29", 1, "2005-05-02"},  // Queen's Day 2005 was Saturday 30 April
		{"2026-05-13", 1, "2026-05-15"},  // Ascension Day 2026 is 14 May
	}
	for _, tt := range tests {
		if got := AddWorkingDays(date(tt.from), tt.n).Format(time.DateOnly); got != tt.want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}
