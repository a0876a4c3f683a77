package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
)

// statusOf is the one table from an error's kind to its HTTP status.
var statusOf = map[fault.Kind]int{
	fault.KindInvalid:         http.StatusUnprocessableEntity,
	fault.KindMalformed:       http.StatusBadRequest,
	fault.KindNotFound:        http.StatusNotFound,
	fault.KindConflict:        http.StatusConflict,
	fault.KindForbidden:       http.StatusForbidden,
	fault.KindUnauthenticated: http.StatusUnauthorized,
	fault.KindTooMany:         http.StatusTooManyRequests,
	fault.KindTooLarge:        http.StatusRequestEntityTooLarge,
	fault.KindInternal:        http.StatusInternalServerError,
}

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail,omitempty"`
	Code      string             `json:"code"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []fault.FieldError `json:"errors,omitempty"`
}

func (p *Problem) Error() string  { return p.Code + ": " + p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json.
func (p *Problem) ContentType(string) string { return "application/problem+json" }

func problemFor(code fault.Code, detail string, fields []fault.FieldError) *Problem {
	status, ok := statusOf[code.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	return &Problem{Type: "/problems/" + code.Code, Title: code.Title, Status: status, Detail: detail, Code: code.Code, Errors: fields}
}

// internalProblem is what the user sees of an unexpected error.
func internalProblem(requestID string) *Problem {
	return &Problem{Type: "/problems/internal_error", Title: "Internal error", Status: 500, Code: "internal_error",
		Detail: "Something went wrong on our side. Quote the request id when you report it.", RequestID: requestID}
}

// unavailableProblem is what the user sees when the database cannot be
// reached: nothing they can mend, and worth retrying.
func unavailableProblem(requestID string) *Problem {
	return &Problem{Type: "/problems/database_unavailable", Title: "Service unavailable", Status: http.StatusServiceUnavailable,
		Code: "database_unavailable", RequestID: requestID,
		Detail: "The database cannot be reached just now. Try again in a moment; a retry with the same Idempotency-Key never does anything twice."}
}

// problemFromError turns any error into a problem, logging the unexpected ones.
func problemFromError(ctx context.Context, log *slog.Logger, err error) *Problem {
	if p, ok := err.(*Problem); ok {
		return p
	}
	if e, ok := fault.As(err); ok {
		p := problemFor(e.Code, e.Detail, e.Fields)
		p.RequestID = audit.RequestID(ctx)
		return p
	}
	if database.IsUnavailable(err) {
		log.WarnContext(ctx, "database unavailable", "err", err, "request_id", audit.RequestID(ctx))
		return unavailableProblem(audit.RequestID(ctx))
	}
	log.ErrorContext(ctx, "internal error", "err", err, "request_id", audit.RequestID(ctx))
	return internalProblem(audit.RequestID(ctx))
}

// writeProblem sends p. A problem made without the request at hand gets
// the request's id from the X-Request-ID header requestContext put on the
// response, so that every problem carries it.
func writeProblem(w http.ResponseWriter, p *Problem) {
	if p.RequestID == "" {
		p.RequestID = w.Header().Get("X-Request-ID")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// humaProblemWithContext is humaProblem for the errors huma makes while it
// reads a request: they carry the request's id like every other problem.
func humaProblemWithContext(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
	se := humaProblem(status, msg, errs...)
	if p, ok := se.(*Problem); ok && ctx != nil && p.RequestID == "" {
		p.RequestID = audit.RequestID(ctx.Context())
	}
	return se
}

// humaProblem replaces huma's own error model, so that validation errors
// from request parsing look like every other Tranche error.
func humaProblem(status int, msg string, errs ...error) huma.StatusError {
	var fields []fault.FieldError
	for _, e := range errs {
		if e == nil {
			continue
		}
		if p := tooLargeProblem(e); p != nil {
			return p
		}
		if d, ok := e.(huma.ErrorDetailer); ok {
			det := d.ErrorDetail()
			field := fieldName(det.Location)
			if m := missingProperty.FindStringSubmatch(det.Message); m != nil {
				// huma reports a missing property on its parent ("body"); name the property itself.
				field = strings.TrimPrefix(field+"."+m[1], ".")
			}
			fields = append(fields, fault.Field(field, fieldCode(det.Message), det.Message))
			continue
		}
		fields = append(fields, fault.Field("", "invalid", e.Error()))
	}
	code := fault.Code{Code: "internal_error", Kind: fault.KindInternal, Title: "Internal error"}
	switch {
	case status == http.StatusUnprocessableEntity:
		code = fault.InvalidInput
	case status == http.StatusBadRequest:
		code = fault.MalformedInput
	case status == http.StatusNotFound:
		code = fault.NotFound
	case status == http.StatusUnauthorized:
		code = fault.Unauthenticated
	case status == http.StatusForbidden:
		code = fault.Forbidden
	case status == http.StatusConflict:
		code = fault.Conflict
	case status == http.StatusRequestEntityTooLarge:
		code = bodyTooLarge
	case status == http.StatusUnsupportedMediaType:
		code = unsupportedMedia
	case status == http.StatusNotAcceptable || status == http.StatusMethodNotAllowed:
		code = fault.Code{Code: strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_")), Kind: fault.KindMalformed, Title: http.StatusText(status)}
	}
	p := problemFor(code, mismatchDetail(msg, fields), fields)
	p.Status = status
	if m := humaTooLarge.FindStringSubmatch(msg); m != nil && status == http.StatusRequestEntityTooLarge {
		// huma's own bound on a JSON body refuses limit bytes or more:
		// say it as the server's limit says it.
		n, _ := strconv.ParseInt(m[1], 10, 64)
		p.Detail = fmt.Sprintf("the request body is larger than %d bytes", n-1)
	}
	if status >= 500 {
		p.Detail = "Something went wrong on our side."
		p.Errors = nil
	}
	return p
}

// mismatchDetail says what huma found wrong with a request, instead of its
// bare "validation failed": the first field and its message, and how many
// more there are.
func mismatchDetail(msg string, fields []fault.FieldError) string {
	if len(fields) == 0 {
		if msg == "validation failed" || msg == "" {
			return "the request does not match the API"
		}
		return msg
	}
	first := fields[0].Message
	if fields[0].Field != "" {
		first = fields[0].Field + ": " + first
	}
	d := "the request does not match the API: " + first
	if len(fields) > 1 {
		d += fmt.Sprintf(" (and %d more)", len(fields)-1)
	}
	return d
}

// tooLargeProblem is the one answer to a body over the size limit, whoever
// reads it first; nil when err is not that.
func tooLargeProblem(err error) *Problem {
	var tooLarge *http.MaxBytesError
	if !errors.As(err, &tooLarge) {
		return nil
	}
	return problemFor(bodyTooLarge, fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit), nil)
}

var (
	bodyTooLarge     = fault.Define("body_too_large", fault.KindTooLarge, "Request body too large")
	unsupportedMedia = fault.Define("unsupported_media_type", fault.KindMalformed, "Unsupported media type")
)

var humaTooLarge = regexp.MustCompile(`^request body is too large limit=(\d+) bytes$`)

var missingProperty = regexp.MustCompile(`^expected required property (\S+) to be present$`)

// fieldName turns huma's "body.items[0].amount" into "items[0].amount".
func fieldName(location string) string {
	for _, prefix := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(location, prefix) {
			return strings.TrimPrefix(location, prefix)
		}
	}
	if location == "body" {
		return ""
	}
	return location
}

// fieldCode gives huma's schema messages a stable code.
func fieldCode(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "required"):
		return "required"
	case strings.Contains(m, "expected string length"), strings.Contains(m, "length"):
		return "length"
	case strings.Contains(m, "minimum"), strings.Contains(m, "maximum"), strings.Contains(m, "expected number >"), strings.Contains(m, "expected number <"):
		// before wrong_type: "expected number >= 1" is a number out of range
		return "out_of_range"
	case strings.Contains(m, "expected number"), strings.Contains(m, "expected integer"), strings.Contains(m, "expected string"), strings.Contains(m, "expected boolean"), strings.Contains(m, "expected array"), strings.Contains(m, "expected object"):
		return "wrong_type"
	case strings.Contains(m, "format"), strings.Contains(m, "pattern"):
		return "format"
	case strings.Contains(m, "expected value to be one of"), strings.Contains(m, "enum"):
		return "not_allowed_value"
	case strings.Contains(m, "unexpected property"):
		return "unknown_field"
	}
	return "invalid"
}
