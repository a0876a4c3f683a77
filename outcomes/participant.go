package outcomes

import (
	"context"
	"fmt"
	"github.com/euregio/tranche/internal/civil"
	"regexp"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Participant is a newcomer. Everywhere a name is not needed Tranche shows
// only the pseudonymous Reference.
type Participant struct {
	ID           uuid.UUID
	Reference    string
	GivenNames   string
	FamilyName   string
	DateOfBirth  *time.Time
	Gender       string
	BSN          *string `gorm:"column:bsn"`
	ArrivalDate  *time.Time
	StatusGroup  string
	Municipality string
	CreatedBy    *uuid.UUID
	CreatedAt    time.Time
}

// Personal is the part of a participant only some may see.
type Personal struct {
	GivenNames   string     `json:"given_names"`
	FamilyName   string     `json:"family_name"`
	DateOfBirth  *time.Time `json:"date_of_birth,omitempty"`
	Gender       string     `json:"gender"`
	BSN          string     `json:"bsn,omitempty"`
	ArrivalDate  *time.Time `json:"arrival_date,omitempty"`
	StatusGroup  string     `json:"status_group"`
	Municipality string     `json:"municipality"`
}

// ParticipantView is a participant as one actor may see it: Personal is nil
// for whoever may not see personal data.
type ParticipantView struct {
	ID        uuid.UUID `json:"id"`
	Reference string    `json:"reference"`
	CreatedAt time.Time `json:"created_at"`
	Personal  *Personal `json:"personal,omitempty"`
}

// Name is the participant's full name.
func (p Personal) Name() string { return strings.TrimSpace(p.GivenNames + " " + p.FamilyName) }

func (p Participant) view(personal bool) ParticipantView {
	v := ParticipantView{ID: p.ID, Reference: p.Reference, CreatedAt: p.CreatedAt}
	if personal {
		v.Personal = &Personal{GivenNames: p.GivenNames, FamilyName: p.FamilyName, DateOfBirth: p.DateOfBirth, Gender: p.Gender,
			ArrivalDate: p.ArrivalDate, StatusGroup: p.StatusGroup, Municipality: p.Municipality}
		if p.BSN != nil {
			v.Personal.BSN = *p.BSN
		}
	}
	return v
}

// ParticipantInput registers a participant; dates are YYYY-MM-DD.
type ParticipantInput struct {
	GivenNames   string
	FamilyName   string
	DateOfBirth  string
	Gender       string
	BSN          string
	ArrivalDate  string
	StatusGroup  string
	Municipality string
}

func (in ParticipantInput) parse(today time.Time) (Participant, error) {
	var errs fault.Fields
	p := Participant{GivenNames: strings.TrimSpace(in.GivenNames), FamilyName: strings.TrimSpace(in.FamilyName),
		Gender: strings.TrimSpace(in.Gender), StatusGroup: strings.TrimSpace(in.StatusGroup), Municipality: strings.TrimSpace(in.Municipality)}
	// A person with one name only has it as family name; given names may be empty.
	if p.FamilyName == "" {
		errs.Add("family_name", "required", "the family name is required; a person with one name has it here")
	}
	if len(p.GivenNames) > 200 || len(p.FamilyName) > 200 {
		errs.Add("family_name", "too_long", "at most 200 characters")
	}
	if p.Gender == "" {
		p.Gender = "unknown"
	}
	switch p.Gender {
	case "female", "male", "other", "unknown":
	default:
		errs.Add("gender", "not_allowed_value", "choose female, male, other or unknown")
	}
	p.DateOfBirth = civil.Optional(&errs, "date_of_birth", in.DateOfBirth)
	if p.DateOfBirth != nil && p.DateOfBirth.After(today) {
		errs.Add("date_of_birth", "in_future", "the date of birth lies in the future")
	}
	p.ArrivalDate = civil.Optional(&errs, "arrival_date", in.ArrivalDate)
	switch {
	case p.ArrivalDate == nil:
	case p.ArrivalDate.After(today):
		errs.Add("arrival_date", "in_future", "the arrival date lies in the future")
	case p.DateOfBirth != nil && p.ArrivalDate.Before(*p.DateOfBirth):
		errs.Add("arrival_date", "before_birth", "the arrival date lies before the date of birth")
	}
	if bsn := strings.ReplaceAll(strings.TrimSpace(in.BSN), ".", ""); bsn != "" {
		if !ValidBSN(bsn) {
			errs.Add("bsn", "invalid_bsn", "not a valid BSN (nine digits passing the 11-check)")
		} else {
			p.BSN = &bsn
		}
	}
	return p, errs.Err()
}

// CreateParticipant registers a participant and gives them the next
// reference of the year.
func (s *Service) CreateParticipant(ctx context.Context, actor access.Actor, in ParticipantInput) (ParticipantView, error) {
	if err := actor.Require(access.WriteParticipant); err != nil {
		return ParticipantView{}, err
	}
	p, err := in.parse(s.today())
	if err != nil {
		return ParticipantView{}, err
	}
	p.ID = uuid.Must(uuid.NewV7())
	p.CreatedAt = s.now()
	p.CreatedBy = userID(actor)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		n, err := nextReference(ctx, tx, p.CreatedAt.Year())
		if err != nil {
			return err
		}
		p.Reference = fmt.Sprintf("P-%d-%04d", p.CreatedAt.Year(), n)
		if err := insertParticipant(ctx, tx, p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "participant.create", EntityType: "participant", EntityID: p.ID.String(),
			After: map[string]any{"reference": p.Reference}})
	})
	if err != nil {
		return ParticipantView{}, err
	}
	return p.view(true), nil
}

// mayReadParticipant says whether actor may see the participant at all and
// whether it may see personal data. A provider may, while it holds a
// referred or active trajectory for the participant.
func mayReadParticipant(ctx context.Context, tx *gorm.DB, actor access.Actor, id uuid.UUID) (see, personal bool, err error) {
	if !actor.Can(access.ReadParticipants) {
		return false, false, fault.New(fault.Forbidden, "your roles do not allow reading participants")
	}
	if !actor.IsProvider() {
		return true, actor.Can(access.ReadPersonalData), nil
	}
	holds, err := holdsParticipant(ctx, tx, *actor.ProviderID, id)
	return holds, holds, err
}

// GetParticipant returns a participant as actor may see it.
func (s *Service) GetParticipant(ctx context.Context, actor access.Actor, id uuid.UUID) (ParticipantView, error) {
	see, personal, err := mayReadParticipant(ctx, s.db, actor, id)
	if err != nil {
		return ParticipantView{}, err
	}
	p, found, err := findParticipant(ctx, s.db, id)
	if err != nil {
		return ParticipantView{}, err
	}
	if !found || !see {
		return ParticipantView{}, fault.New(ParticipantNotFound, "no participant %s", id)
	}
	return p.view(personal), nil
}

// ParticipantFilter narrows a list.
type ParticipantFilter struct {
	Page database.Page
	// Query matches a participant's reference (part of it, any case) and,
	// for who may see personal data, part of the name regardless of accents
	// and case ("celik" finds "Çelik") or the BSN (all nine digits).
	Query string
}

// ParticipantSorts are the keys a list of participants may be sorted by;
// "name" only for who may see names.
var ParticipantSorts = database.NewSortKeys("p.id",
	"reference", "p.reference",
	"registered", "p.created_at",
	"name", "search_fold(p.family_name || ' ' || p.given_names)")

var nineDigits = regexp.MustCompile(`^[0-9]{9}$`)

// participantQuery selects the participants actor may see that f matches,
// and says whether actor sees their personal data.
func (s *Service) participantQuery(ctx context.Context, actor access.Actor, f ParticipantFilter) (*gorm.DB, bool, error) {
	if err := actor.Require(access.ReadParticipants); err != nil {
		return nil, false, err
	}
	personal := actor.Can(access.ReadPersonalData)
	q := participantRows(ctx, s.db, actor, f.Query, personal)
	return q, personal, nil
}

// ListParticipants lists the participants actor may see.
func (s *Service) ListParticipants(ctx context.Context, actor access.Actor, f ParticipantFilter) ([]ParticipantView, string, error) {
	q, personal, err := s.participantQuery(ctx, actor, f)
	if err != nil {
		return nil, "", err
	}
	var rows []Participant
	if err := f.Page.Apply(q, "p.id").Find(&rows).Error; err != nil {
		return nil, "", err
	}
	rows, next := database.Trim(f.Page, rows, func(p Participant) uuid.UUID { return p.ID })
	out := make([]ParticipantView, len(rows))
	for i, p := range rows {
		out[i] = p.view(personal)
	}
	return out, next, nil
}

// SortedParticipants calls fn with the participants f matches that actor may
// see, sorted and paged as srt asks (all of them, streamed, without a limit),
// as actor may see them, and returns how many f matches in all. Sorting by
// name needs the right to see names.
func (s *Service) SortedParticipants(ctx context.Context, actor access.Actor, f ParticipantFilter, srt database.Sort, fn func(ParticipantView) error) (int64, error) {
	q, personal, err := s.participantQuery(ctx, actor, f)
	if err != nil {
		return 0, err
	}
	if srt.Key == "name" && !personal {
		return 0, fault.Invalid(fault.Field("sort", "sort_unknown", "this list cannot be sorted by that"))
	}
	return database.Sorted(q, ParticipantSorts, srt, func(p Participant) error { return fn(p.view(personal)) })
}
