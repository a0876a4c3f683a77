package web

import (
	"net/http"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
	"github.com/gin-gonic/gin"
)

type verifyPage struct {
	outcomesBase
	Claims           []outcomes.ClaimRow
	Waiting, Overdue int64
}

func (s *Server) verifyPage(c *gin.Context) {
	ctx := c.Request.Context()
	p := &verifyPage{outcomesBase: s.outcomesBase(c, "outcomes.verify.title")}
	var err error
	if p.Claims, err = s.outcomes.Queue(ctx, *p.Actor, 500); err != nil {
		s.pageError(c, err)
		return
	}
	if p.Waiting, p.Overdue, err = s.outcomes.QueueCounts(ctx, *p.Actor); err != nil {
		s.pageError(c, err)
		return
	}
	s.render(c, http.StatusOK, "outcomes_verify", p)
}

type registerImportPage struct {
	outcomesBase
	Result *outcomes.ImportResult
}

// Reason names why a register row verified nothing, in the page's language
// where there is a message for it.
func (p registerImportPage) Reason(r outcomes.UnmatchedRow) string {
	// A row the approval refused carries the refusal's error code.
	for _, key := range []string{"outcomes.register.reason." + r.Reason, "outcomes.error." + r.Reason} {
		if m := p.T(key); m != key {
			return m
		}
	}
	return r.Reason + ": " + r.Detail
}

func (s *Server) registerImportPage(c *gin.Context) {
	p := &registerImportPage{outcomesBase: s.outcomesBase(c, "outcomes.register.title")}
	if err := mayImportRegister(*p.Actor); err != nil {
		s.pageError(c, err)
		return
	}
	s.render(c, http.StatusOK, "outcomes_register", p)
}

func mayImportRegister(a access.Actor) error {
	if err := a.Require(access.VerifyClaims); err != nil {
		return err
	}
	if a.IsProvider() {
		return fault.New(fault.Forbidden, "providers never verify claims")
	}
	return nil
}

func (s *Server) importRegister(c *gin.Context) {
	p := &registerImportPage{outcomesBase: s.outcomesBase(c, "outcomes.register.title")}
	if err := mayImportRegister(*p.Actor); err != nil {
		s.pageError(c, err)
		return
	}
	res, err := s.importFile(c, *p.Actor)
	if err == nil {
		p.Result = &res
		p.Flash = p.T("outcomes.flash.imported")
		s.render(c, http.StatusOK, "outcomes_register", p)
		return
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "outcomes", input: beside("file"), orphan: beside("file")})
	s.render(c, status, "outcomes_register", p)
}

func (s *Server) importFile(c *gin.Context, a access.Actor) (outcomes.ImportResult, error) {
	form, err := outcomesMultipartForm(c)
	if err != nil {
		return outcomes.ImportResult{}, err
	}
	defer form.RemoveAll()
	files := form.File["file"]
	if len(files) == 0 {
		return outcomes.ImportResult{}, fault.Invalid(fault.Field("file", "required", "choose a CSV file"))
	}
	f, err := files[0].Open()
	if err != nil {
		return outcomes.ImportResult{}, err
	}
	defer f.Close()
	return s.outcomes.ImportExamResults(c.Request.Context(), a, files[0].Filename, f)
}
