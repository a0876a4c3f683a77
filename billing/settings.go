package billing

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"gorm.io/gorm"
)

// The pain.001 versions a bank may ask for.
const (
	Pain09 = "pain.001.001.09" // EPC SEPA Credit Transfer rulebook 2023 (the default)
	Pain03 = "pain.001.001.03" // the older version some banks still accept
)

// Settings are how the municipality pays: the debtor of every transfer (its
// name, account and address, shown on the statements too), the pain.001
// version and the number of weekdays (AddWeekdays) between export and
// execution.
type Settings struct {
	DebtorName    string    `json:"debtor_name"`
	DebtorIBAN    string    `json:"debtor_iban" gorm:"column:debtor_iban"`
	DebtorBIC     string    `json:"debtor_bic" gorm:"column:debtor_bic"`
	Street        string    `json:"street"`
	Postcode      string    `json:"postcode"`
	Town          string    `json:"town"`
	Country       string    `json:"country"`
	PainVersion   string    `json:"pain_version"`
	ExecutionDays int       `json:"execution_days"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// TableName is the settings row's table.
func (Settings) TableName() string { return "billing_settings" }

// Validate normalises the settings and returns the field errors.
func (st *Settings) Validate() error {
	st.DebtorName = strings.TrimSpace(st.DebtorName)
	st.DebtorIBAN = contracts.NormalizeIBAN(st.DebtorIBAN)
	st.DebtorBIC = contracts.NormalizeBIC(st.DebtorBIC)
	st.Street, st.Postcode, st.Town = strings.TrimSpace(st.Street), strings.TrimSpace(st.Postcode), strings.TrimSpace(st.Town)
	st.Country = strings.ToUpper(strings.TrimSpace(st.Country))
	if st.Country == "" {
		st.Country = "NL"
	}
	if st.PainVersion == "" {
		st.PainVersion = Pain09
	}
	var errs fault.Fields
	if st.DebtorName == "" || utf8.RuneCountInString(st.DebtorName) > 70 {
		errs.Add("debtor_name", codeRequired, "the municipality's name, at most 70 characters")
	}
	if !contracts.ValidIBAN(st.DebtorIBAN) {
		errs.Add("debtor_iban", codeInvalid, "not a valid IBAN")
	}
	if st.DebtorBIC != "" && !contracts.ValidBIC(st.DebtorBIC) {
		errs.Add("debtor_bic", codeInvalid, "a BIC is 8 or 11 letters and digits, like BNGHNL2G")
	}
	if len(st.Country) != 2 {
		errs.Add("country", codeInvalid, "a two-letter country code such as NL")
	}
	if st.PainVersion != Pain09 && st.PainVersion != Pain03 {
		errs.Add("pain_version", codeInvalid, "pain.001.001.09 or pain.001.001.03")
	}
	if st.ExecutionDays < 0 || st.ExecutionDays > 30 {
		errs.Add("execution_days", codeInvalid, "between 0 and 30 working days")
	}
	return errs.Err()
}

// Settings returns the payment settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	return loadSettings(ctx, s.db, false)
}

// UpdateSettings changes the payment settings (admin).
func (s *Service) UpdateSettings(ctx context.Context, actor access.Actor, in Settings) (Settings, error) {
	if err := actor.Require(access.ManageSettings); err != nil {
		return Settings{}, err
	}
	if err := in.Validate(); err != nil {
		return Settings{}, err
	}
	var out Settings
	err := s.tx(ctx, func(tx *gorm.DB) error {
		before, err := loadSettings(ctx, tx, true)
		if err != nil {
			return err
		}
		in.UpdatedAt = s.timestamp()
		if err := saveSettings(ctx, tx, in); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "billing_settings.update", EntityType: "billing_settings",
			EntityID: "1", Before: before, After: in}); err != nil {
			return err
		}
		out = in
		return nil
	})
	return out, err
}
