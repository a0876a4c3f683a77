package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Error codes of this package.
var (
	EmailTaken      = fault.Define("email_taken", fault.KindConflict, "Email address already in use")
	BadCredentials  = fault.Define("invalid_credentials", fault.KindUnauthenticated, "Invalid email or password")
	ProviderUnknown = fault.Define("provider_unknown", fault.KindInvalid, "No provider with that KvK number")
	RoleCombination = fault.Define("role_combination", fault.KindInvalid, "Roles cannot be combined")
	TokenUnknown    = fault.Define("token_invalid", fault.KindUnauthenticated, "Invalid or revoked API token")
	UserNotFound    = fault.Define("user_not_found", fault.KindNotFound, "User not found")
)

// User is an account.
type User struct {
	ID           uuid.UUID
	Email        string
	Name         string
	PasswordHash string `json:"-"`
	ProviderID   *uuid.UUID
	Locale       string
	DisabledAt   *time.Time
	CreatedAt    time.Time
	Roles        []Role `gorm:"-"`
}

// Service manages users and tokens.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// NewService returns the access service on db.
func NewService(db *gorm.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// NewUser is the input to CreateUser.
type NewUser struct {
	Email       string
	Name        string
	Password    string // may be empty: the user cannot log in with a password, only with tokens
	Roles       []Role
	ProviderKVK string // required with the provider role
	Locale      string
}

// CreateUser adds a user. Provider users belong to exactly one provider and
// hold no municipal role, so that a provider can never verify or pay.
func (s *Service) CreateUser(ctx context.Context, by Actor, in NewUser) (User, error) {
	if err := by.Require(ManageUsers); err != nil {
		return User{}, err
	}
	var errs fault.Fields
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		errs.Add("email", "invalid_email", "not a valid email address")
	}
	if in.Password != "" {
		CheckPassword(&errs, "password", in.Password)
	}
	if len(in.Roles) == 0 {
		errs.Add("roles", "required", "at least one role is required")
	}
	isProvider := false
	for _, r := range in.Roles {
		if r == Provider {
			isProvider = true
		}
	}
	if isProvider && len(in.Roles) > 1 {
		errs = append(errs, fault.Field("roles", RoleCombination.Code, "the provider role cannot be combined with municipal roles"))
	}
	if isProvider && in.ProviderKVK == "" {
		errs.Add("provider", "required", "a provider user needs the provider's KvK number")
	}
	if !isProvider && in.ProviderKVK != "" {
		errs.Add("provider", "not_allowed", "only provider users belong to a provider")
	}
	locale := in.Locale
	if locale == "" {
		locale = "nl"
	}
	if locale != "nl" && locale != "en" && locale != "de" {
		errs.Add("locale", "unknown_locale", "choose nl, en or de")
	}
	if err := errs.Err(); err != nil {
		return User{}, err
	}
	u := User{ID: uuid.Must(uuid.NewV7()), Email: email, Name: strings.TrimSpace(in.Name), Locale: locale, Roles: in.Roles, CreatedAt: s.now()}
	if in.Password != "" {
		h, err := hashPassword(in.Password)
		if err != nil {
			return User{}, err
		}
		u.PasswordHash = h
	}
	err := database.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		if isProvider {
			var p struct{ ID uuid.UUID }
			res := tx.Raw(`SELECT id FROM providers WHERE kvk = ?`, in.ProviderKVK).Scan(&p)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return fault.New(ProviderUnknown, "no provider is registered with KvK number %s", in.ProviderKVK)
			}
			u.ProviderID = &p.ID
		}
		if err := tx.Create(&u).Error; err != nil {
			if database.IsUniqueViolation(err, "users_email_key") || errors.Is(err, gorm.ErrDuplicatedKey) {
				return fault.New(EmailTaken, "a user with email %s exists already", email)
			}
			return err
		}
		for _, r := range u.Roles {
			if err := tx.Exec(`INSERT INTO user_roles (user_id, role) VALUES (?, ?)`, u.ID, r).Error; err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, by, audit.Event{Action: "user.create", EntityType: "user", EntityID: u.ID.String(),
			After: map[string]any{"email": u.Email, "name": u.Name, "roles": u.Roles, "provider_id": u.ProviderID, "locale": u.Locale}})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// Authenticate checks an email and password and returns the actor.
func (s *Service) Authenticate(ctx context.Context, email, password string) (Actor, error) {
	u, err := s.findByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		if fault.HasCode(err, UserNotFound) {
			checkPassword(password, dummyHash)
			return Actor{}, fault.New(BadCredentials, "the email address or the password is not right")
		}
		return Actor{}, err
	}
	if !checkPassword(password, u.PasswordHash) || u.DisabledAt != nil {
		return Actor{}, fault.New(BadCredentials, "the email address or the password is not right")
	}
	return u.actor(), nil
}

// ActorByID loads the actor of a user, for a session.
func (s *Service) ActorByID(ctx context.Context, id uuid.UUID) (Actor, error) {
	var u User
	res := s.db.WithContext(ctx).Where("id = ? AND disabled_at IS NULL", id).Limit(1).Find(&u)
	if res.Error != nil {
		return Actor{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Actor{}, fault.New(fault.Unauthenticated, "the user no longer exists or is disabled")
	}
	if err := s.loadRoles(ctx, &u); err != nil {
		return Actor{}, err
	}
	return u.actor(), nil
}

func (s *Service) findByEmail(ctx context.Context, email string) (User, error) {
	var u User
	res := s.db.WithContext(ctx).Where("email = ?", email).Limit(1).Find(&u)
	if res.Error != nil {
		return User{}, res.Error
	}
	if res.RowsAffected == 0 {
		return User{}, fault.New(UserNotFound, "no user %s", email)
	}
	return u, s.loadRoles(ctx, &u)
}

func (s *Service) loadRoles(ctx context.Context, u *User) error {
	var roles []string
	if err := s.db.WithContext(ctx).Raw(`SELECT role FROM user_roles WHERE user_id = ? ORDER BY role`, u.ID).Scan(&roles).Error; err != nil {
		return err
	}
	u.Roles = u.Roles[:0]
	for _, r := range roles {
		u.Roles = append(u.Roles, Role(r))
	}
	return nil
}

func (u User) actor() Actor {
	return Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Roles: u.Roles, ProviderID: u.ProviderID, Locale: u.Locale}
}

// ListUsers returns every user with roles, for the admin.
func (s *Service) ListUsers(ctx context.Context, by Actor) ([]User, error) {
	if err := by.Require(ManageUsers); err != nil {
		return nil, err
	}
	var users []User
	if err := s.db.WithContext(ctx).Order("email").Find(&users).Error; err != nil {
		return nil, err
	}
	for i := range users {
		if err := s.loadRoles(ctx, &users[i]); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// Token is a stored API token (its secret is never stored).
type Token struct {
	ID         uuid.UUID `gorm:"column:id"`
	UserID     uuid.UUID
	Name       string
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (Token) TableName() string { return "api_tokens" }

// tokenPrefix marks Tranche tokens so that secret scanners can find leaked ones.
const tokenPrefix = "trn_"

// CreateToken makes an API token for the user with the given email and
// returns its secret, which is shown once and stored only as a SHA-256 hash.
func (s *Service) CreateToken(ctx context.Context, by Actor, email, name string) (string, error) {
	if err := by.Require(ManageUsers); err != nil {
		return "", err
	}
	u, err := s.findByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return "", err
	}
	secret := tokenPrefix + rand.Text()
	sum := sha256.Sum256([]byte(secret))
	t := Token{ID: uuid.Must(uuid.NewV7()), UserID: u.ID, Name: name, TokenHash: sum[:], CreatedAt: s.now()}
	err = database.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, by, audit.Event{Action: "api_token.create", EntityType: "api_token", EntityID: t.ID.String(),
			After: map[string]any{"user_id": u.ID, "name": name}})
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// ActorByToken resolves a bearer token.
func (s *Service) ActorByToken(ctx context.Context, secret string) (Actor, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return Actor{}, fault.New(TokenUnknown, "the API token is not valid")
	}
	sum := sha256.Sum256([]byte(secret))
	var t Token
	res := s.db.WithContext(ctx).Where("token_hash = ? AND revoked_at IS NULL", sum[:]).Limit(1).Find(&t)
	if res.Error != nil {
		return Actor{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Actor{}, fault.New(TokenUnknown, "the API token is not valid or has been revoked")
	}
	// Last use is kept to the minute to spare a write on every request.
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		s.db.WithContext(ctx).Model(&Token{}).Where("id = ?", t.ID).Update("last_used_at", now)
	}
	a, err := s.ActorByID(ctx, t.UserID)
	if err != nil {
		return Actor{}, fault.New(TokenUnknown, "the API token's user is disabled")
	}
	return a, nil
}

// Error codes of the user administration.
var (
	OwnAdminRole     = fault.Define("own_admin_role", fault.KindConflict, "You cannot remove your own admin role")
	SelfDeactivation = fault.Define("self_deactivation", fault.KindConflict, "You cannot deactivate yourself")
)

// userByID loads a user with roles in tx, locked for the change.
func userByID(tx *gorm.DB, id uuid.UUID) (User, error) {
	var u User
	res := tx.Raw(`SELECT * FROM users WHERE id = ? FOR UPDATE`, id).Scan(&u)
	if res.Error != nil {
		return User{}, res.Error
	}
	if res.RowsAffected == 0 {
		return User{}, fault.New(UserNotFound, "no user %s", id)
	}
	var roles []string
	if err := tx.Raw(`SELECT role FROM user_roles WHERE user_id = ? ORDER BY role`, id).Scan(&roles).Error; err != nil {
		return User{}, err
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, Role(r))
	}
	return u, nil
}

// SetRoles replaces the roles of a user under the rules of CreateUser: a
// provider user keeps its provider and holds only the provider role, and
// a municipal user cannot become a provider user. An admin cannot remove
// their own admin role, so that there is always an admin.
func (s *Service) SetRoles(ctx context.Context, by Actor, userID uuid.UUID, roles []Role) (User, error) {
	if err := by.Require(ManageUsers); err != nil {
		return User{}, err
	}
	var errs fault.Fields
	var set []Role
	for _, r := range roles {
		if !slices.Contains(Roles, r) {
			errs.Add("roles", "unknown_role", "unknown role "+string(r))
			continue
		}
		if !slices.Contains(set, r) {
			set = append(set, r)
		}
	}
	if len(roles) == 0 {
		errs.Add("roles", "required", "at least one role is required")
	}
	if err := errs.Err(); err != nil {
		return User{}, err
	}
	slices.Sort(set)
	var u User
	err := database.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		if u, err = userByID(tx, userID); err != nil {
			return err
		}
		isProvider := slices.Contains(set, Provider)
		if u.ProviderID != nil && (!isProvider || len(set) > 1) {
			return fault.Invalid(fault.Field("roles", RoleCombination.Code, "a provider user holds the provider role only"))
		}
		if u.ProviderID == nil && isProvider {
			return fault.Invalid(fault.Field("roles", RoleCombination.Code, "a municipal user cannot become a provider user; create a new user for the provider"))
		}
		if u.ID == by.UserID && slices.Contains(u.Roles, Admin) && !slices.Contains(set, Admin) {
			return fault.New(OwnAdminRole, "you cannot remove your own admin role")
		}
		before := slices.Clone(u.Roles)
		if err := tx.Exec(`DELETE FROM user_roles WHERE user_id = ?`, u.ID).Error; err != nil {
			return err
		}
		for _, r := range set {
			if err := tx.Exec(`INSERT INTO user_roles (user_id, role) VALUES (?, ?)`, u.ID, r).Error; err != nil {
				return err
			}
		}
		u.Roles = set
		return audit.Record(ctx, tx, by, audit.Event{Action: "user.roles", EntityType: "user", EntityID: u.ID.String(),
			Before: map[string]any{"roles": before}, After: map[string]any{"roles": set}})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// SetActive deactivates or reactivates a user. A deactivated user cannot
// log in, and their sessions and API tokens stop working at once. An admin
// cannot deactivate themselves.
func (s *Service) SetActive(ctx context.Context, by Actor, userID uuid.UUID, active bool) (User, error) {
	if err := by.Require(ManageUsers); err != nil {
		return User{}, err
	}
	if !active && userID == by.UserID {
		return User{}, fault.New(SelfDeactivation, "you cannot deactivate yourself")
	}
	var u User
	err := database.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		if u, err = userByID(tx, userID); err != nil {
			return err
		}
		was := u.DisabledAt == nil
		if was == active {
			return nil
		}
		if active {
			u.DisabledAt = nil
		} else {
			now := s.now()
			u.DisabledAt = &now
		}
		if err := tx.Exec(`UPDATE users SET disabled_at = ? WHERE id = ?`, u.DisabledAt, u.ID).Error; err != nil {
			return err
		}
		action := "user.deactivate"
		if active {
			action = "user.reactivate"
		}
		return audit.Record(ctx, tx, by, audit.Event{Action: action, EntityType: "user", EntityID: u.ID.String(),
			Before: map[string]any{"active": was}, After: map[string]any{"active": active}})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// ResetPassword sets a new password for a user under the password policy.
// The audit event says only that a password was set, never the password
// or its hash.
func (s *Service) ResetPassword(ctx context.Context, by Actor, userID uuid.UUID, password string) error {
	if err := by.Require(ManageUsers); err != nil {
		return err
	}
	var errs fault.Fields
	if password == "" {
		errs.Add("password", "required", "a new password is required")
	} else {
		CheckPassword(&errs, "password", password)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	h, err := hashPassword(password)
	if err != nil {
		return err
	}
	return database.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		u, err := userByID(tx, userID)
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE users SET password_hash = ? WHERE id = ?`, h, u.ID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, by, audit.Event{Action: "user.password_reset", EntityType: "user", EntityID: u.ID.String(),
			Before: map[string]any{"password_set": u.PasswordHash != ""}, After: map[string]any{"password_set": true}})
	})
}
