package web

// Statement PDFs are made in the background once a payment run is
// approved: one job per run at a time, stopped when the server closes and
// taken up again when a reader of the run finds PDFs missing.

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

// pdfJobs runs GenerateStatementPDFs in the background for one server: at
// most one job per run at a time, all stopped when the server closes.
type pdfJobs struct {
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	running sync.Map // run id → struct{}
}

// pdfJobs returns the server's jobs, made at first use (again after Close).
func (s *Server) pdfJobs() *pdfJobs {
	s.jobsMu.Lock()
	defer s.jobsMu.Unlock()
	if s.jobs == nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.jobs = &pdfJobs{ctx: ctx, cancel: cancel}
	}
	return s.jobs
}

// Close stops the server's background work (statement PDFs being made)
// and waits for it to end. Call it once the HTTP server has shut down; a
// job it stops is taken up again when the run's page or detail is read.
func (s *Server) Close() {
	s.jobsMu.Lock()
	j := s.jobs
	s.jobs = nil
	s.jobsMu.Unlock()
	if j == nil {
		return
	}
	j.cancel()
	j.wg.Wait()
}

// startStatementPDFs makes the run's statement PDFs in the background
// unless this server is already at it; it reports whether it started. The
// job keeps the request's values (its request id, for the logs) but not its
// cancellation or database unit: it outlives the request and ends when the
// server closes.
func (s *Server) startStatementPDFs(ctx context.Context, runID uuid.UUID) bool {
	j := s.pdfJobs()
	if _, busy := j.running.LoadOrStore(runID, struct{}{}); busy {
		return false
	}
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		defer j.running.Delete(runID)
		ctx, cancel := context.WithCancel(context.WithoutCancel(database.Detach(ctx)))
		defer cancel()
		defer context.AfterFunc(j.ctx, cancel)()
		defer func() {
			if r := recover(); r != nil {
				s.log.ErrorContext(ctx, "statement PDFs", "run_id", runID, "panic", r)
			}
		}()
		began, total := time.Now(), 0
		err := s.billing.GenerateStatementPDFs(ctx, runID, func(_, t int) { total = t })
		switch {
		case err == nil:
			s.log.InfoContext(ctx, "statement PDFs ready", "run_id", runID, "statements", total, "took", time.Since(began))
		case errors.Is(err, context.Canceled):
			s.log.InfoContext(ctx, "statement PDFs stopped by shutdown", "run_id", runID)
		case fault.HasCode(err, billing.RunStateConflict):
			// A draft or cancelled run has no PDFs to make (a progress poll of one).
			s.log.DebugContext(ctx, "statement PDFs not due", "run_id", runID, "err", err)
		default:
			s.log.ErrorContext(ctx, "statement PDFs", "run_id", runID, "err", err)
		}
	}()
	return true
}

// statementPDFProgress tells how many of the run's statement PDFs are
// stored, for a reader of payment runs; the run is one whose statements get
// PDFs (the domain refuses others). While some are missing and no job of
// this server makes them (say it restarted since the approval), it starts one.
func (s *Server) statementPDFProgress(ctx context.Context, runID uuid.UUID) (done, total int, err error) {
	done, total, err = s.billing.RunProgress(ctx, runID)
	if err == nil && done < total {
		s.startStatementPDFs(ctx, runID)
	}
	return done, total, err
}
