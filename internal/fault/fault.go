package fault

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Kind classifies an error for the transport layer.
type Kind int

const (
	KindInternal        Kind = iota // anything unexpected: logged, never echoed
	KindInvalid                     // the input breaks a rule (422)
	KindMalformed                   // the input cannot be parsed at all (400)
	KindNotFound                    // no such object, or not the caller's to see (404)
	KindConflict                    // the object's state or a business rule forbids it now (409)
	KindForbidden                   // the caller's role does not allow the action (403)
	KindUnauthenticated             // nobody is logged in (401)
	KindTooMany                     // rate limited (429)
	KindTooLarge                    // the request or a file in it is too large (413)
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindMalformed:
		return "malformed"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindTooMany:
		return "too_many"
	case KindTooLarge:
		return "too_large"
	}
	return "internal"
}

// Code is a registered error code with its kind and a short English title.
type Code struct {
	Code  string
	Kind  Kind
	Title string
}

var (
	registryMu sync.Mutex
	registry   = map[string]Code{}
)

// Define registers a code. Defining the same code twice with another kind is
// a programming error and panics at start-up.
func Define(code string, kind Kind, title string) Code {
	registryMu.Lock()
	defer registryMu.Unlock()
	if prev, ok := registry[code]; ok && prev.Kind != kind {
		panic(fmt.Sprintf("fault: code %q defined twice with different kinds", code))
	}
	c := Code{Code: code, Kind: kind, Title: title}
	registry[code] = c
	return c
}

// Codes returns every registered code, sorted.
func Codes() []Code {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]Code, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// The codes shared by every capability.
var (
	InvalidInput    = Define("invalid_input", KindInvalid, "Invalid input")
	MalformedInput  = Define("malformed_input", KindMalformed, "Malformed input")
	NotFound        = Define("not_found", KindNotFound, "Not found")
	Forbidden       = Define("forbidden", KindForbidden, "Forbidden")
	Unauthenticated = Define("unauthenticated", KindUnauthenticated, "Authentication required")
	Conflict        = Define("conflict", KindConflict, "Conflict")
	TooManyRequests = Define("too_many_requests", KindTooMany, "Too many requests")
	InvalidState    = Define("invalid_state", KindConflict, "Not allowed in the current state")
)

// FieldError names one input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is the domain error.
type Error struct {
	Code   Code
	Detail string
	Fields []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Code.Code + ": " + e.Detail
	}
	return fmt.Sprintf("%s: %s %v", e.Code.Code, e.Detail, e.Fields)
}

// Is lets errors.Is match on the code: errors.Is(err, fault.New(pooling.BudgetInsufficient, "")).
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code.Code == e.Code.Code
}

// New returns an error with the given code and a detail for the user.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Field builds a FieldError.
func Field(field, code, message string) FieldError {
	return FieldError{Field: field, Code: code, Message: message}
}

// Invalid returns an invalid_input error with the given field errors, or nil
// when there are none, so that validation can end with `return fault.Invalid(errs...)`.
func Invalid(fields ...FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: InvalidInput, Detail: "The input has errors; see the fields.", Fields: fields}
}

// As extracts the domain error from err, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// HasCode reports whether err is a domain error with the given code.
func HasCode(err error, code Code) bool {
	e, ok := As(err)
	return ok && e.Code.Code == code.Code
}

// IsKind reports whether err is a domain error of the given kind, whatever
// its code: IsKind(err, KindNotFound) holds for contract_not_found,
// user_not_found … alike.
func IsKind(err error, kind Kind) bool {
	e, ok := As(err)
	return ok && e.Code.Kind == kind
}

// Fields collects field errors during validation.
type Fields []FieldError

// Add appends a field error.
func (f *Fields) Add(field, code, message string) {
	*f = append(*f, FieldError{Field: field, Code: code, Message: message})
}

// Err returns the collected errors as an invalid_input error, or nil.
func (f Fields) Err() error { return Invalid(f...) }
