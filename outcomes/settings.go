package outcomes

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Settings are the verification rules a municipality sets.
type Settings struct {
	// AnswerWorkingDays: every claim is answered within this many working
	// days (default 10, as in the Dutch youth-care and Wmo message standards).
	AnswerWorkingDays int `json:"answer_working_days"`
	// SecondApprovalAbove: a claim for more than this needs a second,
	// different verifier.
	SecondApprovalAbove decimal.Decimal `json:"second_approval_above"`
	// ObjectionDays: a rejected claim may be objected to within this many days.
	ObjectionDays int       `json:"objection_days"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// TableName is the one-row settings table.
func (Settings) TableName() string { return "outcome_settings" }

// Settings returns the current rules.
func (s *Service) Settings(ctx context.Context) (Settings, error) { return loadSettings(ctx, s.db) }

// UpdateSettings changes the rules (admin).
func (s *Service) UpdateSettings(ctx context.Context, actor access.Actor, answerDays int, secondAbove string, objectionDays int) (Settings, error) {
	if err := actor.Require(access.ManageSettings); err != nil {
		return Settings{}, err
	}
	var errs fault.Fields
	if answerDays < 1 || answerDays > 90 {
		errs.Add("answer_working_days", "out_of_range", "between 1 and 90 working days")
	}
	if objectionDays < 1 || objectionDays > 365 {
		errs.Add("objection_days", "out_of_range", "between 1 and 365 days")
	}
	above := money.ParseField(&errs, "second_approval_above", secondAbove, false)
	if err := errs.Err(); err != nil {
		return Settings{}, err
	}
	var out Settings
	err := s.tx(ctx, func(tx *gorm.DB) error {
		before, err := loadSettings(ctx, tx)
		if err != nil {
			return err
		}
		out = Settings{AnswerWorkingDays: answerDays, SecondApprovalAbove: above, ObjectionDays: objectionDays, UpdatedAt: s.now()}
		if err := saveSettings(ctx, tx, out); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "outcome_settings.update", EntityType: "outcome_settings", EntityID: "1", Before: before, After: out})
	})
	return out, err
}
