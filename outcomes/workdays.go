package outcomes

import "time"

// AddWorkingDays returns the date n working days after from: Monday to
// Friday, not counting Dutch national holidays (New Year's Day, Easter
// Monday, King's Day, Liberation Day, Ascension Day, Whit Monday, Christmas).
func AddWorkingDays(from time.Time, n int) time.Time {
	d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// IsWorkingDay reports whether d is a working day in the Netherlands.
func IsWorkingDay(d time.Time) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !isDutchHoliday(d)
}

func isDutchHoliday(d time.Time) bool {
	y, m, day := d.Date()
	switch {
	case m == time.January && day == 1,
		m == time.April && day == kingsDay(y),
		m == time.May && day == 5,
		m == time.December && (day == 25 || day == 26):
		return true
	}
	easter := easterSunday(y)
	for _, offset := range []int{1, 39, 50} { // Easter Monday, Ascension, Whit Monday
		h := easter.AddDate(0, 0, offset)
		if h.Month() == m && h.Day() == day {
			return true
		}
	}
	return false
}

// kingsDay is 27 April, or the 26th when the 27th is a Sunday (the Queen's
// Day of 30 April before 2014).
func kingsDay(y int) int {
	if y < 2014 {
		if time.Date(y, time.April, 30, 0, 0, 0, 0, time.UTC).Weekday() == time.Sunday {
			return 29
		}
		return 30
	}
	if time.Date(y, time.April, 27, 0, 0, 0, 0, time.UTC).Weekday() == time.Sunday {
		return 26
	}
	return 27
}

// easterSunday computes Western Easter (the anonymous Gregorian algorithm).
func easterSunday(y int) time.Time {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}
