// Package access knows who acts: users with their roles, the provider a
// provider user belongs to, passwords, API tokens, and the one permission
// matrix (role × action) every capability consults through Actor.Can.
//
// Separation of duties that depends on the object (nobody approves a claim
// they submitted, nobody approves a payment run they created) is checked by
// the capability that owns the object; the matrix says who may act at all.
//
// It imports only internal/ (audit, check, database, fault); every
// capability and web import it.
package access
