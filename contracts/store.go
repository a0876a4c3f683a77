package contracts

// Every query of contracts: the locks, loads, inserts and updates the use
// cases run, and the reads of the lists. The dialect is gorm's builder,
// without exception; the only plain SQL of the package is check.go's.

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Codes is a list of short codes stored as a PostgreSQL text[] (outcome
// domains, prerequisites, evidence kinds).
type Codes []string

var arrayTypes = pgtype.NewMap()

// Scan reads a text[].
func (c *Codes) Scan(src any) error {
	var out []string
	if err := arrayTypes.SQLScanner(&out).Scan(src); err != nil {
		return fmt.Errorf("scan text[]: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	*c = out
	return nil
}

// Value writes a text[] literal.
func (c Codes) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

func lockRow(q *gorm.DB, lock bool) *gorm.DB {
	if lock {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// ---- providers

func insertProvider(ctx context.Context, tx *gorm.DB, p *Provider) error {
	err := tx.WithContext(ctx).Table("providers").Create(p).Error
	if database.IsUniqueViolation(err, "providers_kvk_key") {
		return conflictOn(KVKTaken, "kvk", "a provider with KvK number "+p.KVK+" is already registered")
	}
	return err
}

func findProvider(ctx context.Context, tx *gorm.DB, id uuid.UUID, lock bool) (Provider, error) {
	var p Provider
	err := lockRow(tx.WithContext(ctx).Table("providers"), lock).Where("id = ?", id).Take(&p).Error
	if database.ErrNotFound(err) {
		return Provider{}, providerNotFound(id)
	}
	return p, err
}

func updateProvider(ctx context.Context, tx *gorm.DB, p Provider) error {
	err := tx.WithContext(ctx).Table("providers").Where("id = ?", p.ID).
		Select("kvk", "legal_name", "iban", "bic", "vat_number", "address_line1", "address_line2", "postcode",
			"city", "country", "contact_name", "contact_email", "contact_phone", "updated_at").
		Updates(&p).Error
	if database.IsUniqueViolation(err, "providers_kvk_key") {
		return conflictOn(KVKTaken, "kvk", "a provider with KvK number "+p.KVK+" is already registered")
	}
	return err
}

func listProviders(ctx context.Context, tx *gorm.DB, f ProviderFilter, only *uuid.UUID) ([]Provider, error) {
	q := tx.WithContext(ctx).Table("providers")
	if only != nil {
		q = q.Where("id = ?", *only)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		q = q.Where("kvk = ? OR lower(legal_name) LIKE ?", s, "%"+strings.ToLower(escapeLike(s))+"%")
	}
	var out []Provider
	err := f.Page.Apply(q, "id").Find(&out).Error
	return out, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ---- categories

func listCategories(ctx context.Context, tx *gorm.DB, activeOnly bool) ([]Category, error) {
	q := tx.WithContext(ctx).Table("service_categories").Order("code")
	if activeOnly {
		q = q.Where("active")
	}
	var out []Category
	err := q.Find(&out).Error
	return out, err
}

func categoryMap(ctx context.Context, tx *gorm.DB) (map[string]Category, error) {
	all, err := listCategories(ctx, tx, false)
	if err != nil {
		return nil, err
	}
	m := make(map[string]Category, len(all))
	for _, c := range all {
		m[c.Code] = c
	}
	return m, nil
}

func findCategory(ctx context.Context, tx *gorm.DB, code string, lock bool) (Category, error) {
	var c Category
	err := lockRow(tx.WithContext(ctx).Table("service_categories"), lock).Where("code = ?", code).Take(&c).Error
	if database.ErrNotFound(err) {
		return Category{}, fault.New(CategoryNotFound, "no service category %q", code)
	}
	return c, err
}

func insertCategory(ctx context.Context, tx *gorm.DB, c *Category) error {
	err := tx.WithContext(ctx).Table("service_categories").Create(c).Error
	if database.IsUniqueViolation(err, "service_categories_pkey") {
		return conflictOn(CategoryExists, "code", "a category with code "+c.Code+" exists already")
	}
	return err
}

func updateCategory(ctx context.Context, tx *gorm.DB, c Category) error {
	return tx.WithContext(ctx).Table("service_categories").Where("code = ?", c.Code).
		Select("name_nl", "name_en", "name_de", "outcome_domains", "active").Updates(&c).Error
}

// ---- contracts

var contractColumns = []string{"provider_id", "reference", "title", "period_start", "period_end", "ceiling", "capacity",
	"vat_exempt", "vat_rate", "budget_id", "updated_at"}

func insertContract(ctx context.Context, tx *gorm.DB, c *Contract) error {
	err := tx.WithContext(ctx).Table("contracts").Omit("provider_name").Create(c).Error
	switch {
	case database.IsUniqueViolation(err, "contracts_reference_key"):
		return conflictOn(ReferenceTaken, "reference", "a contract with reference "+c.Reference+" exists already")
	case isForeignKeyViolation(err, "contracts_provider_id_fkey"):
		return fault.Invalid(fault.Field("provider_id", ProviderUnknown.Code, ProviderUnknown.Title))
	case isForeignKeyViolation(err, "contracts_budget_id_fkey"):
		return fault.Invalid(fault.Field("budget_id", "budget_unknown", "no such budget"))
	}
	return err
}

func isForeignKeyViolation(err error, constraint string) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23503" && pg.ConstraintName == constraint
}

// conflictOn is a conflict that one input field caused, so that a form can
// show it beside the field.
func conflictOn(code fault.Code, field, detail string) error {
	return &fault.Error{Code: code, Detail: detail, Fields: []fault.FieldError{fault.Field(field, code.Code, code.Title)}}
}

func updateContractTerms(ctx context.Context, tx *gorm.DB, c Contract) error {
	err := tx.WithContext(ctx).Table("contracts").Where("id = ?", c.ID).Select(contractColumns).Updates(&c).Error
	switch {
	case database.IsUniqueViolation(err, "contracts_reference_key"):
		return conflictOn(ReferenceTaken, "reference", "a contract with reference "+c.Reference+" exists already")
	case isForeignKeyViolation(err, "contracts_provider_id_fkey"):
		return fault.Invalid(fault.Field("provider_id", ProviderUnknown.Code, ProviderUnknown.Title))
	case isForeignKeyViolation(err, "contracts_budget_id_fkey"):
		return fault.Invalid(fault.Field("budget_id", "budget_unknown", "no such budget"))
	}
	return err
}

func updateContractColumns(ctx context.Context, tx *gorm.DB, id uuid.UUID, cols map[string]any) error {
	return tx.WithContext(ctx).Table("contracts").Where("id = ?", id).Updates(cols).Error
}

const contractSelect = "contracts.*, providers.legal_name AS provider_name"

func findContract(ctx context.Context, tx *gorm.DB, id uuid.UUID, lock bool) (Contract, error) {
	var c Contract
	q := tx.WithContext(ctx).Table("contracts").Select(contractSelect).
		Joins("JOIN providers ON providers.id = contracts.provider_id").Where("contracts.id = ?", id)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "contracts"}})
	}
	err := q.Take(&c).Error
	if database.ErrNotFound(err) {
		return Contract{}, contractNotFound(id)
	}
	return c, err
}

func contractQuery(ctx context.Context, tx *gorm.DB, f ContractFilter) *gorm.DB {
	q := tx.WithContext(ctx).Table("contracts").Select(contractSelect).
		Joins("JOIN providers ON providers.id = contracts.provider_id")
	if f.ProviderID != nil {
		q = q.Where("contracts.provider_id = ?", *f.ProviderID)
	}
	if f.Status != "" {
		q = q.Where("contracts.status = ?", f.Status)
	}
	return q
}

func listContracts(ctx context.Context, tx *gorm.DB, f ContractFilter) ([]Contract, error) {
	var out []Contract
	err := f.Page.Apply(contractQuery(ctx, tx, f), "contracts.id").Find(&out).Error
	return out, err
}

// ---- versions, products, milestones

func insertVersion(ctx context.Context, tx *gorm.DB, v *Version) error {
	return tx.WithContext(ctx).Table("contract_versions").Omit("frozen_at").Create(v).Error
}

func freezeVersion(ctx context.Context, tx *gorm.DB, id uuid.UUID, at time.Time) error {
	err := tx.WithContext(ctx).Table("contract_versions").Where("id = ?", id).Update("frozen_at", at).Error
	if database.IsCheckViolation(err, "contract_versions_schedule") {
		return fault.New(ShareSum, "the schedule of version %s does not add up to its price", id)
	}
	return err
}

func findVersion(ctx context.Context, tx *gorm.DB, id uuid.UUID) (Version, error) {
	var v Version
	err := tx.WithContext(ctx).Table("contract_versions").Where("id = ?", id).Take(&v).Error
	if database.ErrNotFound(err) {
		return Version{}, versionNotFound(id)
	}
	return v, err
}

func listVersions(ctx context.Context, tx *gorm.DB, contractID uuid.UUID) ([]Version, error) {
	var out []Version
	err := tx.WithContext(ctx).Table("contract_versions").Where("contract_id = ?", contractID).Order("number").Find(&out).Error
	return out, err
}

func lastVersionNumber(ctx context.Context, tx *gorm.DB, contractID uuid.UUID) (int, error) {
	var row struct{ N int }
	err := tx.WithContext(ctx).Table("contract_versions").Select("coalesce(max(number), 0) AS n").
		Where("contract_id = ?", contractID).Take(&row).Error
	return row.N, err
}

// insertProducts stores products planned by planProducts with their
// milestones.
func insertProducts(ctx context.Context, tx *gorm.DB, products []Product) error {
	for _, p := range products {
		ms := p.Milestones
		if err := tx.WithContext(ctx).Table("contract_products").Create(&p).Error; err != nil {
			return fmt.Errorf("insert product %s: %w", p.Code, err)
		}
		if len(ms) > 0 {
			if err := tx.WithContext(ctx).Table("contract_milestones").Create(&ms).Error; err != nil {
				return fmt.Errorf("insert milestones of %s: %w", p.Code, err)
			}
		}
	}
	return nil
}

func deleteProducts(ctx context.Context, tx *gorm.DB, versionID uuid.UUID) error {
	products := tx.WithContext(ctx).Table("contract_products").Select("id").Where("version_id = ?", versionID)
	if err := tx.WithContext(ctx).Table("contract_milestones").Where("product_id IN (?)", products).Delete(&Milestone{}).Error; err != nil {
		return err
	}
	return tx.WithContext(ctx).Table("contract_products").Where("version_id = ?", versionID).Delete(&Product{}).Error
}

// loadProducts returns a version's products (optionally only the one with
// code) in position order, each with its milestones in schedule order.
func loadProducts(ctx context.Context, tx *gorm.DB, versionID uuid.UUID, code string) ([]Product, error) {
	q := tx.WithContext(ctx).Table("contract_products").Where("version_id = ?", versionID).Order("position")
	if code != "" {
		q = q.Where("code = ?", code)
	}
	var products []Product
	if err := q.Find(&products).Error; err != nil {
		return nil, err
	}
	if len(products) == 0 {
		return products, nil
	}
	ids := make([]uuid.UUID, len(products))
	for i, p := range products {
		ids[i] = p.ID
	}
	var ms []Milestone
	if err := tx.WithContext(ctx).Table("contract_milestones").Where("product_id IN ?", ids).Order("product_id, position").Find(&ms).Error; err != nil {
		return nil, err
	}
	byProduct := map[uuid.UUID][]Milestone{}
	for _, m := range ms {
		byProduct[m.ProductID] = append(byProduct[m.ProductID], m)
	}
	for i := range products {
		products[i].Milestones = byProduct[products[i].ID]
	}
	return products, nil
}

// ---- alerts

// insertAlert stores a, unless the contract has raised its alert at that
// threshold already (the constraint contract_alerts_once decides, also
// between concurrent transactions), and reports whether it did.
func insertAlert(ctx context.Context, tx *gorm.DB, a Alert) (bool, error) {
	res := tx.WithContext(ctx).Table("contract_alerts").
		Clauses(clause.OnConflict{OnConstraint: "contract_alerts_once", DoNothing: true}).
		Select("id", "contract_id", "threshold_percent", "exposure", "ceiling", "raised_at").Create(&a)
	return res.RowsAffected == 1, res.Error
}

const alertSelect = `contract_alerts.*, contracts.reference, contracts.provider_id, providers.legal_name AS provider_name`

func alertQuery(ctx context.Context, tx *gorm.DB) *gorm.DB {
	return tx.WithContext(ctx).Table("contract_alerts").Select(alertSelect).
		Joins("JOIN contracts ON contracts.id = contract_alerts.contract_id").
		Joins("JOIN providers ON providers.id = contracts.provider_id")
}

func listOpenAlerts(ctx context.Context, tx *gorm.DB, provider *uuid.UUID) ([]Alert, error) {
	q := alertQuery(ctx, tx).Where("contract_alerts.acknowledged_at IS NULL").Order("contract_alerts.raised_at, contract_alerts.id")
	if provider != nil {
		q = q.Where("contracts.provider_id = ?", *provider)
	}
	var out []Alert
	err := q.Find(&out).Error
	return out, err
}

func findAlert(ctx context.Context, tx *gorm.DB, id uuid.UUID, lock bool) (Alert, error) {
	q := alertQuery(ctx, tx).Where("contract_alerts.id = ?", id)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "contract_alerts"}})
	}
	var a Alert
	err := q.Take(&a).Error
	if database.ErrNotFound(err) {
		return Alert{}, alertNotFound(id)
	}
	return a, err
}

func acknowledgeAlert(ctx context.Context, tx *gorm.DB, id uuid.UUID, at time.Time, by string) error {
	return tx.WithContext(ctx).Table("contract_alerts").Where("id = ?", id).
		Updates(map[string]any{"acknowledged_at": at, "acknowledged_by": by}).Error
}

// startTermsRow is what LockForStart reads.
type startTermsRow struct {
	ID               uuid.UUID
	ProviderID       uuid.UUID
	Status           Status
	Ceiling          decimal.Decimal
	Capacity         int
	BudgetID         *uuid.UUID
	CurrentVersionID *uuid.UUID
	PeriodStart      time.Time
	PeriodEnd        time.Time
	VATExempt        bool
	VATRate          *decimal.Decimal
}

func lockContractTerms(ctx context.Context, tx *gorm.DB, id uuid.UUID) (startTermsRow, error) {
	var r startTermsRow
	err := tx.WithContext(ctx).Table("contracts").
		Select("id, provider_id, status, ceiling, capacity, budget_id, current_version_id, period_start, period_end, vat_exempt, vat_rate").
		Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&r).Error
	if database.ErrNotFound(err) {
		return startTermsRow{}, contractNotFound(id)
	}
	return r, err
}

func contractCeiling(ctx context.Context, tx *gorm.DB, id uuid.UUID) (decimal.Decimal, error) {
	var row struct{ Ceiling decimal.Decimal }
	err := tx.WithContext(ctx).Table("contracts").Select("ceiling").Where("id = ?", id).Take(&row).Error
	if database.ErrNotFound(err) {
		return decimal.Zero, contractNotFound(id)
	}
	return row.Ceiling, err
}

// loadDetail reads a contract, its versions, and its current version's products.
func loadDetail(ctx context.Context, tx *gorm.DB, id uuid.UUID) (ContractDetail, error) {
	c, err := findContract(ctx, tx, id, false)
	if err != nil {
		return ContractDetail{}, err
	}
	d := ContractDetail{Contract: c}
	if d.Versions, err = listVersions(ctx, tx, id); err != nil {
		return ContractDetail{}, err
	}
	for _, v := range d.Versions {
		if c.CurrentVersionID != nil && v.ID == *c.CurrentVersionID {
			d.Current = v
		}
	}
	if d.Current.Products, err = loadProducts(ctx, tx, d.Current.ID, ""); err != nil {
		return ContractDetail{}, err
	}
	return d, nil
}
