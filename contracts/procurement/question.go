package procurement

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Question is a provider's question about a tender (nota van
// inlichtingen). ProviderID is shown to procurement and to the provider
// that asked; the published answers carry neither.
type Question struct {
	ID         uuid.UUID  `json:"id"`
	TenderID   uuid.UUID  `json:"tender_id"`
	ProviderID *uuid.UUID `json:"provider_id,omitempty"`
	Question   string     `json:"question"`
	AskedAt    time.Time  `json:"asked_at"`
	Answer     *string    `json:"answer,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// TableName is the questions table.
func (Question) TableName() string { return "tender_questions" }

// AskQuestion records a provider's question until the question deadline.
func (s *Service) AskQuestion(ctx context.Context, actor access.Actor, tenderID uuid.UUID, text string) (Question, error) {
	if err := actor.Require(access.SubmitBids); err != nil {
		return Question{}, err
	}
	if !actor.IsProvider() {
		return Question{}, fault.New(fault.Forbidden, "only a provider's user asks")
	}
	text, err := requiredText("question", text, 4000)
	if err != nil {
		return Question{}, err
	}
	var out Question
	err = s.tx(ctx, func(tx *gorm.DB) error {
		t, err := lockTender(ctx, tx, tenderID, "SHARE")
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case t.State == Draft:
			return tenderNotFound(tenderID)
		case t.State != Published:
			return fault.New(TenderTransition, "tender %s is %s; it takes no questions", t.Reference, t.State)
		case !now.Before(t.QuestionsDeadline):
			return fault.New(DeadlinePassed, "questions were taken until %s", t.QuestionsDeadline.Format(time.RFC3339))
		}
		out = Question{ID: uuid.Must(uuid.NewV7()), TenderID: tenderID, ProviderID: actor.ProviderID, Question: text, AskedAt: now}
		if err := tx.WithContext(ctx).Exec(`INSERT INTO tender_questions (id, tender_id, provider_id, asked_by, question, asked_at) VALUES (?, ?, ?, ?, ?, ?)`,
			out.ID, tenderID, *actor.ProviderID, actorID(actor), text, now).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "tender.question", EntityType: "tender_question", EntityID: out.ID.String(),
			After: map[string]any{"tender_id": tenderID, "provider_id": *actor.ProviderID}})
	})
	return out, err
}

// AnswerQuestion answers a question (or corrects an answer) before the
// submission deadline; the answer is published to every provider at once.
func (s *Service) AnswerQuestion(ctx context.Context, actor access.Actor, id uuid.UUID, answer string) (Question, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return Question{}, err
	}
	answer, err := requiredText("answer", answer, 8000)
	if err != nil {
		return Question{}, err
	}
	var out Question
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var q Question
		if err := tx.WithContext(ctx).Where("id = ?", id).Take(&q).Error; err != nil {
			if database.ErrNotFound(err) {
				return fault.New(QuestionNotFound, "no question %s", id)
			}
			return err
		}
		t, err := lockTender(ctx, tx, q.TenderID, "SHARE")
		if err != nil {
			return err
		}
		now := s.now()
		if err := acceptsBids(t, now); err != nil {
			return err
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE tender_questions SET answer = ?, answered_by = ?, answered_at = ? WHERE id = ?`, answer, actorID(actor), now, id).Error; err != nil {
			return err
		}
		q.Answer, q.AnsweredAt = &answer, &now
		out = q
		return audit.Record(ctx, tx, actor, audit.Event{Action: "tender.answer", EntityType: "tender_question", EntityID: id.String(),
			After: map[string]any{"tender_id": q.TenderID, "answer": answer}})
	})
	return out, err
}

// Questions lists a tender's questions as actor may see them: procurement
// and auditors every question with the provider that asked; a provider
// its own questions and every answered one, without who asked it;
// evaluators the answered ones.
func (s *Service) Questions(ctx context.Context, actor access.Actor, tenderID uuid.UUID) ([]Question, error) {
	if err := actor.Require(access.ReadTenders); err != nil {
		return nil, err
	}
	out := []Question{}
	err := s.read(ctx, func(tx *gorm.DB) error {
		t, err := lockTender(ctx, tx, tenderID, "")
		if err != nil {
			return err
		}
		d, err := loadDetail(ctx, tx, t)
		if err != nil {
			return err
		}
		if !visibleTender(actor, d) {
			return tenderNotFound(tenderID)
		}
		q := tx.WithContext(ctx).Where("tender_id = ?", tenderID).Order("asked_at, id")
		switch {
		case actor.Has(access.Procurement) || actor.Has(access.Auditor):
		case actor.IsProvider():
			q = q.Where("answer IS NOT NULL OR provider_id = ?", *actor.ProviderID)
		default:
			q = q.Where("answer IS NOT NULL")
		}
		if err := q.Find(&out).Error; err != nil {
			return err
		}
		if !(actor.Has(access.Procurement) || actor.Has(access.Auditor)) {
			for i := range out {
				if !(actor.IsProvider() && out[i].ProviderID != nil && actor.OwnsProvider(*out[i].ProviderID)) {
					out[i].ProviderID = nil
				}
			}
		}
		return nil
	})
	return out, err
}
