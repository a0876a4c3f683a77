package outcomes

// ValidBSN reports whether s is a Dutch citizen service number: nine digits
// that pass the 11-check (9·d1 + 8·d2 + … + 2·d8 − 1·d9 divisible by 11, and
// not all zeros).
func ValidBSN(s string) bool {
	if len(s) != 9 || s == "000000000" {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		w := 9 - i
		if i == 8 {
			w = -1
		}
		sum += w * int(c-'0')
	}
	return sum%11 == 0
}
