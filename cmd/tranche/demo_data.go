package main

import (
	"fmt"
	"math/big"
	"strings"
)

// The demo's people and organisations are fictional; the identifiers are
// valid by their check digits and clearly fictional (bank code TRAN).

var demoGivenFemale = []string{"Ayşe", "Thi Lan", "Fatima", "Amina", "Guðrún", "Maryam", "Zeynep", "Hodan", "Olena", "Nadia",
	"Mariam", "Leyla", "Shirin", "Ana", "Jelena", "Kateryna", "Hawa", "Sara", "Yasmin", "Elif", "Aylin", "Farah", "Malika", "Nour"}
var demoGivenMale = []string{"Mehmet", "Minh", "Abdullahi", "Dragan", "Ahmad", "Yusuf", "Bilal", "Tariq", "Mustafa", "Omar",
	"Goran", "Hamid", "Jónas", "Andriy", "Kerem", "Samir", "Karim", "Mohammed", "Daniel", "Ali", "Faisal", "Hassan", "Milan", "Rahim"}
var demoFamily = []string{"Şahin", "Nguyễn", "Müller", "Ćosić", "Abdi", "Haidari", "Ólafsdóttir", "Yılmaz", "Trần", "Hussein",
	"Kovačević", "Rahimi", "El Amrani", "Demir", "Popović", "Mohamud", "Ahmadi", "Çelik", "Phạm", "Shevchenko", "Jovanović",
	"Karimi", "Osman", "Öztürk", "Bakr", "Lê", "Hadžić", "Warsame", "Sultani", "Ibrahim"}
var demoStatusGroups = []string{"asielmigrant", "gezinsmigrant", "oudkomer", "geestelijk bedienaar", "overig"}

type demoProvider struct {
	kvk, name, city, street, postcode, login string
}

var demoProviders = []demoProvider{
	{"90000011", "ROC van Twente (demo)", "Hengelo", "Gieterij 200", "7553 VZ", "roc"},
	{"90000028", "Saxion Hogeschool (demo)", "Enschede", "M.H. Tromplaan 28", "7513 AB", "saxion"},
	{"90000035", "Stichting Wijkwelzijn Enschede (demo)", "Enschede", "Pathmossingel 1", "7513 CL", "welzijn"},
	{"90000042", "VluchtelingenWerk Oost (demo)", "Enschede", "Deurningerstraat 12", "7514 BC", "vluchtelingenwerk"},
	{"90000059", "Tactus Verslavingszorg (demo)", "Enschede", "Hengelosestraat 4", "7514 AA", "tactus"},
	{"90000066", "Twente Werkt Re-integratie (demo)", "Enschede", "Hoge Bothofstraat 30", "7511 ZB", "twentewerkt"},
}

// demoIBAN makes a valid Dutch IBAN at the fictional bank TRAN.
func demoIBAN(account int) string {
	bban := fmt.Sprintf("TRAN%010d", account)
	// Check digits: move "NL00" to the end, letters to numbers, mod 97.
	var digits strings.Builder
	for _, r := range bban + "NL00" {
		if r >= 'A' && r <= 'Z' {
			digits.WriteString(fmt.Sprint(int(r-'A') + 10))
		} else {
			digits.WriteRune(r)
		}
	}
	n, _ := new(big.Int).SetString(digits.String(), 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("NL%02d%s", check, bban)
}

// demoBSN returns the i-th fictional BSN: nine digits passing the 11-check,
// from a range starting at 900000000.
func demoBSN(i int) string {
	n := 900000000 + i*100 // ten blocks of ten: each holds at most one valid number, most hold one
	for {
		s := fmt.Sprintf("%09d", n)
		sum := 0
		for k := 0; k < 9; k++ {
			w := 9 - k
			if k == 8 {
				w = -1
			}
			sum += w * int(s[k]-'0')
		}
		if sum%11 == 0 {
			return s
		}
		n++
	}
}
