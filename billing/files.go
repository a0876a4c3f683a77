package billing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// File is a file billing produced: a SEPA file, a journal or a statement PDF.
type File struct {
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	SHA256      []byte    `json:"-"`
	Data        []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// SHA256Hex is the file's sha256 in hex.
func (f File) SHA256Hex() string { return hex.EncodeToString(f.SHA256) }

func newFile(name, contentType string, data []byte, at time.Time) File {
	sum := sha256.Sum256(data)
	return File{Name: name, ContentType: contentType, SHA256: sum[:], Data: data, CreatedAt: at}
}

func runSlug(r Run) string {
	return r.PeriodStart.Format("20060102") + "-" + r.PeriodEnd.Format("20060102") + "-" + shortID(r.ID)
}

func sepaName(r Run, version string) string {
	return "betaalrun-" + runSlug(r) + "." + strings.TrimPrefix(version, "pain.") + ".xml"
}

func journalName(r Run) string { return "journaal-betaalrun-" + runSlug(r) + ".csv" }

func pdfName(st Statement) string {
	return "specificatie-" + st.Label() + "-" + st.ProviderKVK + ".pdf"
}

// RunSEPA returns the run's SEPA credit-transfer file (finance, auditor).
// A run without anything to transfer has none: payment_file_not_found.
func (s *Service) RunSEPA(ctx context.Context, actor access.Actor, runID uuid.UUID) (File, error) {
	return s.runFile(ctx, actor, runID, "sepa")
}

// RunJournal returns the run's journal CSV (finance, auditor).
func (s *Service) RunJournal(ctx context.Context, actor access.Actor, runID uuid.UUID) (File, error) {
	return s.runFile(ctx, actor, runID, "journal")
}

func (s *Service) runFile(ctx context.Context, actor access.Actor, runID uuid.UUID, kind string) (File, error) {
	if err := actor.Require(access.ReadPayments); err != nil {
		return File{}, err
	}
	if _, err := findRun(ctx, s.db, runID); err != nil {
		return File{}, err
	}
	return findRunFile(ctx, s.db, runID, kind)
}

// StatementPDF returns a statement's PDF: the stored one once
// GenerateStatementPDFs made it, else one rendered now (the same bytes: the
// PDF's dates come from the run). A provider user gets only its own
// numbered statements.
func (s *Service) StatementPDF(ctx context.Context, actor access.Actor, statementID uuid.UUID) (File, error) {
	if err := actor.Require(access.ReadStatements); err != nil {
		return File{}, err
	}
	var out File
	err := s.tx(ctx, func(tx *gorm.DB) error {
		st, err := visibleStatement(ctx, tx, actor, statementID)
		if err != nil {
			return err
		}
		if f, found, err := findStatementPDF(ctx, tx, st); err != nil || found {
			out = f
			return err
		}
		out, err = renderStored(ctx, tx, st)
		return err
	})
	return out, err
}

// renderStatementPDF is RenderStatementPDF; tests replace it to make one
// statement fail.
var renderStatementPDF = RenderStatementPDF

// renderStored renders the PDF of a statement as read from the database.
func renderStored(ctx context.Context, tx *gorm.DB, st Statement) (File, error) {
	run, err := findRun(ctx, tx, st.RunID)
	if err != nil {
		return File{}, err
	}
	d, err := loadStatementDetail(ctx, tx, st)
	if err != nil {
		return File{}, err
	}
	settings, err := loadSettings(ctx, tx, false)
	if err != nil {
		return File{}, err
	}
	data, err := renderStatementPDF(run, d, settings)
	if err != nil {
		return File{}, fmt.Errorf("render statement %s: %w", st.ID, err)
	}
	return newFile(pdfName(st), "application/pdf", data, pdfDate(run)), nil
}

// GenerateStatementPDFs renders and stores the PDF of every statement of an
// approved (exported or paid) run that has none yet, one statement per
// transaction, and calls progress (when not nil) after each with how many of
// the run's statements have their PDF. It may run in the background after
// approval; running it again, or twice at once, stores each PDF once.
func (s *Service) GenerateStatementPDFs(ctx context.Context, runID uuid.UUID, progress func(done, total int)) error {
	run, err := findRun(ctx, s.db, runID)
	if err != nil {
		return err
	}
	if run.State != Approved && run.State != Exported && run.State != Paid {
		return fault.New(RunStateConflict, "the run is %s; statements get their PDF once the run is approved", run.State)
	}
	missing, err := statementsWithoutPDF(ctx, s.db, runID)
	if err != nil {
		return err
	}
	done, total, err := pdfProgress(ctx, s.db, runID)
	if err != nil {
		return err
	}
	if progress != nil {
		progress(done, total)
	}
	actor := access.System("statement_pdfs")
	// A statement that cannot be rendered keeps its error and the others
	// get their PDF all the same.
	var failed []error
	for _, st := range missing {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.tx(ctx, func(tx *gorm.DB) error {
			f, err := renderStored(ctx, tx, st)
			if err != nil {
				return err
			}
			stored, err := insertStatementPDF(ctx, tx, st.ID, f, s.timestamp())
			if err != nil || !stored {
				return err
			}
			return audit.Record(ctx, tx, actor, audit.Event{Action: "statement.pdf", EntityType: "statement", EntityID: st.ID.String(),
				After: map[string]any{"run_id": runID, "number": st.Number, "sha256": f.SHA256Hex(), "size": len(f.Data)}})
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed = append(failed, fmt.Errorf("statement %s: %w", st.ID, err))
			continue
		}
		if progress != nil {
			done, total, err = pdfProgress(ctx, s.db, runID)
			if err != nil {
				return err
			}
			progress(done, total)
		}
	}
	return errors.Join(failed...)
}

// RunProgress tells how many of the run's statements have their stored PDF,
// out of how many, so that a page can show the progress of
// GenerateStatementPDFs.
func (s *Service) RunProgress(ctx context.Context, runID uuid.UUID) (done, total int, err error) {
	if _, err := findRun(ctx, s.db, runID); err != nil {
		return 0, 0, err
	}
	return pdfProgress(ctx, s.db, runID)
}

// shortID is the part of an id people can tell apart: the last eight hex
// digits (the first ones of a UUIDv7 are its creation time, shared by ids
// made in the same millisecond).
func shortID(id uuid.UUID) string { return id.String()[28:] }
