// Package contracts is what is bought: providers, service categories, and
// contracts with their products and milestone price schedules.
//
// It imports no other capability.
package contracts
