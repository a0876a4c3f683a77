package access

import (
	"github.com/alexedwards/argon2id"
)

// Argon2id parameters sized for a small server (2 cores): 64 MiB, 2 passes.
var passwordParams = &argon2id.Params{Memory: 64 * 1024, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 32}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

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
