package contracts

import (
	"regexp"
	"strings"
)

// Identifiers are checked by hand on purpose: the checks are tiny, and no
// maintained module for them resolves through this module proxy.

var (
	kvkPattern = regexp.MustCompile(`^[0-9]{8}$`)
	bicPattern = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
	vatFormats = map[string]*regexp.Regexp{
		"NL": regexp.MustCompile(`^NL[0-9]{9}B[0-9]{2}$`),
		"DE": regexp.MustCompile(`^DE[0-9]{9}$`),
		"BE": regexp.MustCompile(`^BE[01][0-9]{9}$`),
	}
)

// ibanLengths is the length of an IBAN per country (ISO 13616 registry),
// for the SEPA countries Tranche's providers are likely to bank in.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
	"DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27,
	"HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
	"SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}

// NormalizeKVK removes surrounding space from a KvK number.
func NormalizeKVK(s string) string { return strings.TrimSpace(s) }

// ValidKVK reports whether s is a Chamber of Commerce (KvK) number: exactly
// eight digits. KvK numbers carry no check digit.
func ValidKVK(s string) bool { return kvkPattern.MatchString(s) }

// NormalizeIBAN removes spaces and upper-cases, as an IBAN is stored.
func NormalizeIBAN(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// ValidIBAN reports whether s (normalised) is an IBAN: a known country with
// its length, two check digits, an alphanumeric account part, and the
// ISO 13616 check (the rearranged number mod 97 is 1).
func ValidIBAN(s string) bool {
	if len(s) < 5 {
		return false
	}
	want, ok := ibanLengths[s[:2]]
	if !ok || len(s) != want {
		return false
	}
	if s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9' {
		return false
	}
	rearranged := s[4:] + s[:4]
	rem := 0
	for i := 0; i < len(rearranged); i++ {
		c := rearranged[i]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// NormalizeBIC removes spaces and upper-cases.
func NormalizeBIC(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// ValidBIC reports whether s (normalised) has the ISO 9362 form: four
// letters for the bank, a two-letter country, two letters or digits for the
// location and an optional three for the branch.
func ValidBIC(s string) bool { return bicPattern.MatchString(s) }

// NormalizeVATNumber removes spaces and dots and upper-cases.
func NormalizeVATNumber(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	return strings.ReplaceAll(s, ".", "")
}

// ValidVATNumber reports whether s (normalised) has the form of a Dutch
// (NL#########B##), German (DE#########) or Belgian (BE0#########) VAT
// identification number, the countries of the Euregio's providers.
func ValidVATNumber(s string) bool {
	if len(s) < 2 {
		return false
	}
	re, ok := vatFormats[s[:2]]
	return ok && re.MatchString(s)
}
