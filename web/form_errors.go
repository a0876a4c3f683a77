package web

import (
	"github.com/euregio/tranche/internal/fault"
	"github.com/gin-gonic/gin"
)

// Every form page ends a failed use case the same way:
//
//	status, ok := s.formFailure(c, err)
//	if !ok {
//		return // an error page has been shown
//	}
//	s.showThing(c, status, func(p *thingPage) {
//		p.Form = form
//		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "things"})
//	})
//
// formFailure decides whether the error goes back on the form; fieldErrors
// puts each of its messages beside the input it is about, in the page's
// language.

// formFailure sorts an error from a form's use case. A rule the input or the
// object's state broke (invalid, conflict, too large, or a refusal with a
// reason of its own such as own_claim) comes back on the form: formFailure
// answers the error's status and true. Anything else — not found, a role
// that lacks the right, a fault of the server — is an error page, which
// formFailure has shown when it answers false.
func (s *Server) formFailure(c *gin.Context, err error) (status int, ok bool) {
	e, isFault := fault.As(err)
	if !isFault || !onTheForm(e.Code) {
		s.pageError(c, err)
		return 0, false
	}
	return problemFor(e.Code, "", nil).Status, true
}

// onTheForm says whether an error with this code is told beside the form's
// inputs rather than on an error page of its own.
func onTheForm(code fault.Code) bool {
	switch code.Kind {
	case fault.KindInvalid, fault.KindConflict, fault.KindTooLarge:
		return true
	case fault.KindForbidden:
		return code != fault.Forbidden
	}
	return false
}

// errorPlace says where a form shows a domain error's messages.
type errorPlace struct {
	// area is the locale area asked first: <area>.error.<field>.<code>, then
	// <area>.error.<code>; after it every area's <area>.error.<code>.
	area string
	// input turns a domain field (as the domain names it, e.g.
	// "milestones[2].share") into the id of the input beside which its
	// message goes; nil keeps the field as it is.
	input func(field string) string
	// orphan is the input beside which an error without fields goes, by
	// its code; nil (or "") is the top of the form.
	orphan func(code string) string
	// args fill the messages' templates.
	args []any
}

// fieldErrors puts each of a domain error's messages beside its input, in
// the page's language and never in the domain's English: the first of
// <area>.error.<field>.<code>, <area>.error.<code>, any area's
// <area>.error.<code>, else a generic "this value is not valid" ("this form
// is not valid" for an error without fields). An error that is not a domain
// error is an internal one, told at the top without its text. Of several
// errors for one input the first is shown.
func fieldErrors(p basePage, err error, at errorPlace) formErrors {
	e, ok := fault.As(err)
	if !ok {
		return formErrors{"": p.T("error.internal")}
	}
	if len(e.Fields) == 0 {
		where := ""
		if at.orphan != nil {
			where = at.orphan(e.Code.Code)
		}
		return formErrors{where: errorMessage(p, at, "", e.Code.Code, false)}
	}
	out := formErrors{}
	for _, f := range e.Fields {
		id := f.Field
		if at.input != nil {
			id = at.input(f.Field)
		}
		if _, dup := out[id]; !dup {
			out[id] = errorMessage(p, at, withoutIndex(f.Field), f.Code, true)
		}
	}
	return out
}

// errorMessage is the page's message for an error code, about a field (or
// the whole form when field is "").
func errorMessage(p basePage, at errorPlace, field, code string, isField bool) string {
	if at.area != "" {
		keys := []string{at.area + ".error." + code}
		if field != "" {
			keys = append([]string{at.area + ".error." + field + "." + code}, keys...)
		}
		for _, key := range keys {
			if msg := p.T(key, at.args...); msg != key {
				return msg
			}
		}
	}
	for _, area := range errorAreas {
		key := area + ".error." + code
		if msg := p.T(key, at.args...); msg != key {
			return msg
		}
	}
	if isField {
		return p.T("error.invalid_value")
	}
	return p.T("error.invalid_form")
}

// errorAreas are the locale areas whose <area>.error.<code> messages a page
// may show for a domain error of any capability.
var errorAreas = []string{"contracts", "procurement", "outcomes", "billing", "pooling", "users"}

// localMessage is the page's message for an error code of any capability,
// else a generic text (for a value, or for the whole form).
func localMessage(p basePage, code string, field bool) string {
	return errorMessage(p, errorPlace{}, "", code, field)
}

// prefixed is an errorPlace.input for a page with several forms: the
// domain's field, without its index, after the form's prefix.
func prefixed(prefix string) func(string) string {
	return func(f string) string { return prefix + withoutIndex(f) }
}

// suffixed is an errorPlace.input for a page with one form per row: the
// domain's field, without its index, before the row's suffix.
func suffixed(suffix string) func(string) string {
	return func(f string) string { return withoutIndex(f) + suffix }
}

// beside is an errorPlace.orphan that puts every error without fields
// beside one input.
func beside(input string) func(string) string {
	return func(string) string { return input }
}
