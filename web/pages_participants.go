package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/outcomes"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

type participantsPage struct {
	outcomesBase
	Participants []outcomes.ParticipantView
	Query        string
	Genders      []string
	List         *listView
	// Personal: the reader sees names and BSNs.
	Personal bool
}

var outcomesGenders = []string{"female", "male", "other", "unknown"}

func (s *Server) participantsPage(c *gin.Context) {
	s.showParticipants(c, http.StatusOK, nil)
}

func (s *Server) showParticipants(c *gin.Context, status int, fill func(*participantsPage)) {
	p := &participantsPage{outcomesBase: s.outcomesBase(c, "outcomes.participants.title"), Query: strings.TrimSpace(c.Query("q")), Genders: outcomesGenders}
	p.Personal = p.Actor.Can(access.ReadPersonalData)
	l, err := parseList(c, "/participants", outcomes.ParticipantSorts, "q")
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.List = l
	l.Total, err = s.outcomes.SortedParticipants(c.Request.Context(), *p.Actor, outcomes.ParticipantFilter{Query: p.Query}, l.Sort,
		func(v outcomes.ParticipantView) error {
			p.Participants = append(p.Participants, v)
			return nil
		})
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Form["gender"] = "unknown"
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "outcomes_participants", p)
}

// participantsCSV exports the participants list as searched and sorted;
// names, dates of birth and BSNs only for who may see them.
func (s *Server) participantsCSV(c *gin.Context) {
	a, _ := actorOf(c)
	l, err := parseList(c, "/participants", outcomes.ParticipantSorts, "q")
	if err != nil {
		s.pageError(c, err)
		return
	}
	header := []string{"id", "reference", "registered_at"}
	personal := a.Can(access.ReadPersonalData)
	if personal {
		header = append(header, "given_names", "family_name", "date_of_birth", "gender", "bsn", "arrival_date", "status_group")
	}
	s.streamCSV(c, "participants.csv", header, func(write func([]string) error) error {
		_, err := s.outcomes.SortedParticipants(c.Request.Context(), a, outcomes.ParticipantFilter{Query: strings.TrimSpace(c.Query("q"))},
			l.exportSort(), func(v outcomes.ParticipantView) error {
				row := []string{v.ID.String(), v.Reference, v.CreatedAt.UTC().Format(time.RFC3339)}
				if personal && v.Personal != nil {
					d := v.Personal
					row = append(row, d.GivenNames, d.FamilyName, csvDateOf(d.DateOfBirth), d.Gender, d.BSN, csvDateOf(d.ArrivalDate), d.StatusGroup)
				}
				return write(row)
			})
		return err
	})
}

var outcomesParticipantFields = []string{"given_names", "family_name", "date_of_birth", "gender", "bsn", "arrival_date", "status_group"}

func (s *Server) registerParticipant(c *gin.Context) {
	a, _ := actorOf(c)
	form := map[string]string{}
	for _, f := range outcomesParticipantFields {
		form[f] = c.PostForm(f)
	}
	v, err := s.outcomes.CreateParticipant(c.Request.Context(), a, outcomes.ParticipantInput{GivenNames: form["given_names"],
		FamilyName: form["family_name"], DateOfBirth: form["date_of_birth"], Gender: form["gender"], BSN: form["bsn"],
		ArrivalDate: form["arrival_date"], StatusGroup: form["status_group"]})
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "outcomes.flash.registered")
		c.Redirect(http.StatusSeeOther, "/participants/"+v.ID.String())
		return
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	s.showParticipants(c, status, func(p *participantsPage) {
		p.Form = form
		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "outcomes", input: withoutIndex, orphan: func(code string) string {
			if code == outcomes.BSNTaken.Code {
				return "bsn"
			}
			return ""
		}})
	})
}

// referOption is one contract product a participant can be referred to.
type referOption struct {
	Value, Label string
}

// referGroup is an active contract with the products it offers.
type referGroup struct {
	Label   string
	Options []referOption
}

type participantPage struct {
	outcomesBase
	Participant  outcomes.ParticipantView
	Trajectories []outcomes.TrajectoryRow
	Contracts    map[uuid.UUID]string
	Offers       []referGroup
}

func (s *Server) participantPage(c *gin.Context) {
	s.showParticipant(c, http.StatusOK, nil)
}

func (s *Server) showParticipant(c *gin.Context, status int, fill func(*participantPage)) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	p := &participantPage{outcomesBase: s.outcomesBase(c, "outcomes.participant.title")}
	a := *p.Actor
	var err error
	if p.Participant, err = s.outcomes.GetParticipant(ctx, a, id); err != nil {
		s.pageError(c, err)
		return
	}
	if a.Can(access.ReadTrajectories) {
		if p.Trajectories, _, err = s.outcomes.ListTrajectories(ctx, a, outcomes.TrajectoryFilter{Page: database.Page{Limit: outcomesPickLimit}, ParticipantID: &id}); err != nil {
			s.pageError(c, err)
			return
		}
		if p.Contracts, err = s.contractLabels(ctx, a); err != nil {
			s.pageError(c, err)
			return
		}
	}
	if a.Can(access.Refer) {
		if p.Offers, err = s.referOffers(ctx, a); err != nil {
			s.pageError(c, err)
			return
		}
	}
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "outcomes_participant", p)
}

// referOffers lists the products of every active contract.
func (s *Server) referOffers(ctx context.Context, a access.Actor) ([]referGroup, error) {
	items, _, err := s.contracts.ListContracts(ctx, a, contracts.ContractFilter{Status: contracts.Active, Page: database.Page{Limit: outcomesPickLimit}})
	if err != nil {
		return nil, err
	}
	var out []referGroup
	for _, ct := range items {
		d, err := s.contracts.GetContract(ctx, a, ct.ID)
		if err != nil {
			return nil, err
		}
		g := referGroup{Label: fmt.Sprintf("%s · %s · %s", ct.Reference, ct.ProviderName, ct.Title)}
		for _, pr := range d.Current.Products {
			g.Options = append(g.Options, referOption{Value: ct.ID.String() + "/" + pr.Code, Label: pr.Code + " · " + pr.Name})
		}
		if len(g.Options) > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

func (s *Server) referParticipant(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	a, _ := actorOf(c)
	offer, note := c.PostForm("offer"), c.PostForm("note")
	contractID, product, _ := strings.Cut(offer, "/")
	in := outcomes.ReferInput{ParticipantID: id, ProductCode: product, Note: note}
	in.ContractID, _ = uuid.Parse(contractID)
	_, err := s.outcomes.Refer(c.Request.Context(), a, in)
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "outcomes.flash.referred")
		c.Redirect(http.StatusSeeOther, "/participants/"+id.String())
		return
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	s.showParticipant(c, status, func(p *participantPage) {
		p.Form["offer"], p.Form["note"] = offer, note
		// The contract and its product are one choice on the page.
		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "outcomes", input: func(f string) string {
			if f = withoutIndex(f); f == "contract_id" || f == "product_code" {
				return "offer"
			}
			return f
		}, orphan: beside("offer")})
	})
}
