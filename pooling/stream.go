package pooling

import (
	"context"
	"fmt"
	"github.com/euregio/tranche/internal/civil"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// FundingStream is money a funder grants for a period, earmarked for some
// service categories or unrestricted.
type FundingStream struct {
	ID            uuid.UUID       `json:"id"`
	Funder        string          `json:"funder"`
	Name          string          `json:"name"`
	ReportingCode string          `json:"reporting_code"`
	Amount        decimal.Decimal `json:"amount"`
	Allocated     decimal.Decimal `json:"allocated"`
	Currency      string          `json:"currency"`
	ValidFrom     time.Time       `json:"valid_from"`
	ValidTo       time.Time       `json:"valid_to"`
	Earmark       []string        `json:"earmark"` // service category codes; nil when unrestricted
	CreatedAt     time.Time       `json:"created_at"`
}

// Unrestricted reports whether the stream may pay for any category.
func (f FundingStream) Unrestricted() bool { return f.Earmark == nil }

// Allows reports whether the stream may pay for the category.
func (f FundingStream) Allows(category string) bool {
	return f.Earmark == nil || slices.Contains(f.Earmark, category)
}

// Unallocated is what may still be allocated to budgets.
func (f FundingStream) Unallocated() decimal.Decimal { return f.Amount.Sub(f.Allocated) }

// Covers reports whether the period from..to lies within the stream's validity.
func (f FundingStream) Covers(from, to time.Time) bool {
	return !from.Before(f.ValidFrom) && !to.After(f.ValidTo)
}

// CreateFundingStreamInput is a new stream as a form or the API sends it.
// Amounts and dates are strings ("1234.50", "2005-01-01") so that a bad
// value is reported on its field.
type CreateFundingStreamInput struct {
	Funder        string   `json:"funder"`
	Name          string   `json:"name"`
	ReportingCode string   `json:"reporting_code"`
	Amount        string   `json:"amount"`
	Currency      string   `json:"currency"` // empty or "EUR"
	ValidFrom     string   `json:"valid_from"`
	ValidTo       string   `json:"valid_to"`
	Earmark       []string `json:"earmark"`      // category codes; empty when Unrestricted
	Unrestricted  bool     `json:"unrestricted"` // must be said explicitly: no earmark by accident
}

var reportingCodeFormat = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$`)

const dateLayout = "2006-01-02"

// parseDate reads a required date for field.
func parseDate(errs *fault.Fields, field, s string) time.Time {
	return civil.Field(errs, field, s)
}

// requireText checks a required, bounded text field.
func requireText(errs *fault.Fields, field, s string, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		errs.Add(field, codeRequired, "this field is required")
	case len([]rune(s)) > max:
		errs.Add(field, codeTooLong, fmt.Sprintf("at most %d characters", max))
	}
	return s
}

// parse checks everything that needs no database and returns the stream.
func (in CreateFundingStreamInput) parse() (FundingStream, fault.Fields) {
	var errs fault.Fields
	f := FundingStream{Currency: "EUR"}
	f.Funder = requireText(&errs, "funder", in.Funder, 200)
	f.Name = requireText(&errs, "name", in.Name, 200)
	f.ReportingCode = strings.TrimSpace(in.ReportingCode)
	if f.ReportingCode == "" {
		errs.Add("reporting_code", codeRequired, "a reporting code is required")
	} else if !reportingCodeFormat.MatchString(f.ReportingCode) {
		errs.Add("reporting_code", codeInvalidFormat, "letters, digits and . _ / - only, at most 40")
	}
	f.Amount = money.ParseField(&errs, "amount", in.Amount, true)
	if c := strings.ToUpper(strings.TrimSpace(in.Currency)); c != "" && c != "EUR" {
		errs.Add("currency", codeCurrency, "only EUR is supported")
	}
	f.ValidFrom = parseDate(&errs, "valid_from", in.ValidFrom)
	f.ValidTo = parseDate(&errs, "valid_to", in.ValidTo)
	if !f.ValidFrom.IsZero() && !f.ValidTo.IsZero() && f.ValidTo.Before(f.ValidFrom) {
		errs.Add("valid_to", codeEndBeforeStart, "the validity ends before it starts")
	}
	var earmark []string
	for _, c := range in.Earmark {
		c = strings.TrimSpace(strings.ToLower(c))
		if c != "" && !slices.Contains(earmark, c) {
			earmark = append(earmark, c)
		}
	}
	slices.Sort(earmark)
	switch {
	case in.Unrestricted && len(earmark) > 0:
		errs.Add("earmark", codeEarmarkChoice, "choose service categories or unrestricted, not both")
	case !in.Unrestricted && len(earmark) == 0:
		errs.Add("earmark", codeEarmarkChoice, "choose the service categories the stream may pay for, or unrestricted")
	}
	if !in.Unrestricted {
		f.Earmark = earmark
	}
	return f, errs
}

// checkStreamInTx adds the rules that need the database (known categories,
// a reporting code no other stream has) to errs and returns them.
func checkStreamInTx(ctx context.Context, tx *gorm.DB, f FundingStream, errs fault.Fields, self uuid.UUID) error {
	if len(f.Earmark) > 0 {
		unknown, err := unknownCategories(ctx, tx, f.Earmark)
		if err != nil {
			return err
		}
		for _, c := range unknown {
			errs.Add("earmark", codeUnknownCategory, "unknown service category "+c)
		}
	}
	if f.ReportingCode != "" {
		taken, err := exists(ctx, tx, `SELECT 1 FROM funding_streams WHERE reporting_code = ? AND id <> ?`, f.ReportingCode, self)
		if err != nil {
			return err
		}
		if taken {
			errs.Add("reporting_code", codeTaken, "another funding stream has this reporting code")
		}
	}
	return errs.Err()
}

// UpdateFundingStream corrects a funding stream's details (funder, name,
// reporting code, amount, validity, earmark) as long as nothing has been
// allocated from it; once it is used, its details are the ledger's and are
// refused with funding_stream_in_use. Audited with before and after.
func (s *Service) UpdateFundingStream(ctx context.Context, actor access.Actor, id uuid.UUID, in CreateFundingStreamInput) (FundingStream, error) {
	if err := actor.Require(access.WriteFunding); err != nil {
		return FundingStream{}, err
	}
	f, errs := in.parse()
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		// The row lock orders this change after any allocation in flight,
		// which locks the stream too.
		before, err := findStream(ctx, tx, id, true)
		if err != nil {
			return err
		}
		used, err := exists(ctx, tx, `SELECT 1 FROM allocations WHERE funding_stream_id = ?`, id)
		if err != nil {
			return err
		}
		if used || before.Allocated.IsPositive() {
			return fault.New(FundingStreamInUse, "money of funding stream %s has been allocated; its details can no longer change", before.ReportingCode)
		}
		if err := checkStreamInTx(ctx, tx, f, slices.Clone(errs), id); err != nil {
			return err
		}
		f.ID, f.CreatedAt, f.Allocated = before.ID, before.CreatedAt, before.Allocated
		if err := tx.WithContext(ctx).Exec(`UPDATE funding_streams SET funder = ?, name = ?, reporting_code = ?, amount = ?, currency = ?,
			valid_from = ?, valid_to = ?, earmark = string_to_array(?::text, ',') WHERE id = ?`,
			f.Funder, f.Name, f.ReportingCode, f.Amount, f.Currency, f.ValidFrom, f.ValidTo, joinEarmark(f.Earmark), id).Error; err != nil {
			if database.IsUniqueViolation(err, "funding_streams_reporting_code_key") {
				return fault.Invalid(fault.Field("reporting_code", codeTaken, "another funding stream has this reporting code"))
			}
			return fmt.Errorf("update funding stream: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "funding_stream.update", EntityType: "funding_stream", EntityID: id.String(), Before: before, After: f})
	})
	if err != nil {
		return FundingStream{}, err
	}
	return f, nil
}

// CreateFundingStream records a new funding stream.
func (s *Service) CreateFundingStream(ctx context.Context, actor access.Actor, in CreateFundingStreamInput) (FundingStream, error) {
	if err := actor.Require(access.WriteFunding); err != nil {
		return FundingStream{}, err
	}
	f, errs := in.parse()
	f.ID = uuid.Must(uuid.NewV7())
	f.CreatedAt = s.timestamp()
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := checkStreamInTx(ctx, tx, f, slices.Clone(errs), uuid.Nil); err != nil {
			return err
		}
		if err := insertStream(ctx, tx, f); err != nil {
			if database.IsUniqueViolation(err, "funding_streams_reporting_code_key") {
				return fault.Invalid(fault.Field("reporting_code", codeTaken, "another funding stream has this reporting code"))
			}
			return fmt.Errorf("create funding stream: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "funding_stream.create", EntityType: "funding_stream", EntityID: f.ID.String(), After: f})
	})
	if err != nil {
		return FundingStream{}, err
	}
	return f, nil
}

// GetFundingStream returns one stream.
func (s *Service) GetFundingStream(ctx context.Context, actor access.Actor, id uuid.UUID) (FundingStream, error) {
	if err := actor.Require(access.ReadFunding); err != nil {
		return FundingStream{}, err
	}
	return findStream(ctx, s.db, id, false)
}

// ListFundingStreams returns one page of streams in creation order and the
// cursor of the next page ("" on the last).
func (s *Service) ListFundingStreams(ctx context.Context, actor access.Actor, page database.Page) ([]FundingStream, string, error) {
	if err := actor.Require(access.ReadFunding); err != nil {
		return nil, "", err
	}
	items, err := listStreams(ctx, s.db, page)
	if err != nil {
		return nil, "", err
	}
	items, next := database.Trim(page, items, func(f FundingStream) uuid.UUID { return f.ID })
	return items, next, nil
}
