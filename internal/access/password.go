package access

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"

	"github.com/alexedwards/argon2id"
	"github.com/euregio/tranche/internal/fault"
)

// Argon2id parameters sized for a small server (2 cores): 64 MiB, 2 passes.
var passwordParams = &argon2id.Params{Memory: 64 * 1024, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 32}

// The password policy is OWASP ASVS level 2 (V2.1): at least 12 characters,
// at most 128 (so anything up to 64 and beyond is allowed), every character
// allowed and no composition rules, but never a password that is blank, one
// character repeated, or among the most common passwords.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
)

// Field error codes of the password policy.
const (
	CodePasswordTooShort = "password_too_short"
	CodePasswordTooLong  = "password_too_long"
	CodePasswordBlank    = "password_blank"
	CodePasswordRepeated = "password_repeated"
	CodePasswordCommon   = "password_common"
)

//go:embed common_passwords.txt
var commonPasswordList string

// commonPasswords holds the list's entries of at least MinPasswordLength
// characters (shorter ones are refused by length anyway), lower-cased.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonPasswordList, "\n") {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	return m
}()

// CheckPassword applies the password policy to pw and adds what is wrong
// with it to errs under field.
func CheckPassword(errs *fault.Fields, field, pw string) {
	n := len([]rune(pw))
	switch {
	case strings.TrimFunc(pw, unicode.IsSpace) == "":
		errs.Add(field, CodePasswordBlank, "a password cannot be only spaces")
	case n < MinPasswordLength:
		errs.Add(field, CodePasswordTooShort, fmt.Sprintf("a password needs at least %d characters", MinPasswordLength))
	case n > MaxPasswordLength:
		errs.Add(field, CodePasswordTooLong, fmt.Sprintf("a password has at most %d characters", MaxPasswordLength))
	case oneCharacter(pw):
		errs.Add(field, CodePasswordRepeated, "a password cannot be one character repeated")
	case commonPasswords[strings.ToLower(strings.TrimSpace(pw))]:
		errs.Add(field, CodePasswordCommon, "this password is one of the most common ones; choose another")
	}
}

func oneCharacter(pw string) bool {
	r := []rune(pw)
	for _, c := range r[1:] {
		if c != r[0] {
			return false
		}
	}
	return true
}

func hashPassword(pw string) (string, error) { return argon2id.CreateHash(pw, passwordParams) }

func checkPassword(pw, hash string) bool {
	if hash == "" {
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(pw, hash)
	return err == nil && ok
}

// dummyHash keeps the time of a failed login the same whether or not the user exists.
var dummyHash, _ = hashPassword("tranche-no-such-user")
