package pooling

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
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
		taken, err := reportingCodeTaken(ctx, tx, f.ReportingCode, self)
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
		used, err := streamAllocated(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkStreamChangeable(before, used); err != nil {
			return err
		}
		if err := checkStreamInTx(ctx, tx, f, slices.Clone(errs), id); err != nil {
			return err
		}
		f.ID, f.CreatedAt, f.Allocated = before.ID, before.CreatedAt, before.Allocated
		if err := updateStream(ctx, tx, f); err != nil {
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
