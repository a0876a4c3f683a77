package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/contracts/procurement"
	"github.com/google/uuid"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/shopspring/decimal"
)

// The PDFs of procurement: the record of a tender's opening (in Dutch, as
// the law's proces-verbaal) and a bidder's award notice (in the language
// asked for). Both are rendered from the stored facts on each request, by
// billing's one PDF file.

// translator is a page's translation, money and date helpers without a page.
func (s *Server) translator(lang string) basePage {
	return basePage{Lang: lang, Municipality: s.pages.municipality, loc: i18n.NewLocalizer(s.pages.bundle, lang, "en")}
}

func moment(p basePage, t time.Time) string {
	return p.Date(t) + " " + t.In(amsterdam).Format("15:04:05")
}

func openingDocument(p basePage, o procurement.Opening) billing.Document {
	d := billing.Document{Issuer: p.Municipality, Title: p.T("procurement.opening.title", "Reference", o.Reference), PageLabel: p.T("procurement.pdf.page"),
		Facts: [][2]string{
			{p.T("procurement.opening.tender"), o.Reference + " — " + o.Title},
			{p.T("procurement.opening.deadline"), moment(p, o.Deadline)},
			{p.T("procurement.opening.requested_by"), o.RequestedByName + ", " + moment(p, *o.RequestedAt)},
			{p.T("procurement.opening.opened_by"), o.OpenedByName + ", " + moment(p, *o.OpenedAt)},
		}}
	if o.OpenedAt != nil {
		d.Date = *o.OpenedAt
	}
	for _, l := range o.Lots {
		sec := billing.DocumentSection{Heading: p.T("procurement.opening.lot", "Number", l.Number, "Title", l.Title)}
		if len(l.Bids) == 0 {
			sec.Paragraphs = []string{p.T("procurement.opening.no_bids")}
		} else {
			t := &billing.DocumentTable{Header: []string{p.T("procurement.opening.bidder"), p.T("procurement.opening.price"), p.T("procurement.opening.submitted")},
				Widths: []float64{95, 40, 45}}
			for _, b := range l.Bids {
				t.Rows = append(t.Rows, []string{b.Provider, p.Money(b.Price), moment(p, b.SubmittedAt)})
				sec.Paragraphs = append(sec.Paragraphs, b.Provider+" — sha256 "+b.SHA256)
			}
			sec.Table = t
		}
		d.Sections = append(d.Sections, sec)
	}
	d.Sections = append(d.Sections, billing.DocumentSection{Paragraphs: []string{p.T("procurement.opening.closing")}})
	return d
}

func noticeDocument(p basePage, n procurement.Notice) billing.Document {
	result := p.T("procurement.notice.not_awarded")
	switch {
	case n.Excluded != nil:
		result = p.T("procurement.notice.excluded", "Note", *n.ExcludedNote)
	case n.Own != nil && n.Own.Winner:
		result = p.T("procurement.notice.awarded", "Volume", n.Own.AwardedVolume)
	}
	d := billing.Document{Issuer: p.Municipality, Date: n.ApprovedAt, PageLabel: p.T("procurement.pdf.page"),
		Title: p.T("procurement.notice.title", "Reference", n.Reference, "Lot", n.LotNumber),
		Facts: [][2]string{
			{p.T("procurement.notice.tender"), n.Reference + " — " + n.Title},
			{p.T("procurement.notice.lot"), fmt.Sprintf("%d — %s", n.LotNumber, n.LotTitle)},
			{p.T("procurement.notice.bidder"), n.Provider},
			{p.T("procurement.notice.decided"), p.Date(n.ApprovedAt)},
			{p.T("procurement.notice.result"), result},
		}}
	weights := map[string]decimal.Decimal{}
	names := map[string]string{}
	byID := map[string]procurement.Criterion{}
	for _, c := range n.Criteria {
		weights[c.ID.String()], names[c.ID.String()], byID[c.ID.String()] = c.Weight, c.Name, c
	}
	if n.Own != nil {
		t := &billing.DocumentTable{Header: []string{p.T("procurement.notice.criterion"), p.T("procurement.notice.weight"),
			p.T("procurement.notice.score"), p.T("procurement.notice.points")}, Widths: []float64{90, 30, 30, 30}}
		for _, c := range n.Criteria {
			if c.Kind == procurement.PriceCriterion {
				t.Rows = append(t.Rows, []string{c.Name, c.Weight.String(), "", n.Own.PricePoints.StringFixed(2)})
			}
		}
		var reasons []string
		for _, c := range n.OwnScores {
			crit := byID[c.CriterionID.String()]
			t.Rows = append(t.Rows, []string{crit.Name, crit.Weight.String(), c.Score.StringFixed(2), procurement.QualityPoints(crit.Weight, c.Score).StringFixed(2)})
			reasons = append(reasons, crit.Name+": "+c.Rationale)
		}
		t.Rows = append(t.Rows, []string{p.T("procurement.notice.total"), "100", "", n.Own.TotalPoints.StringFixed(2)})
		d.Sections = append(d.Sections,
			billing.DocumentSection{Heading: p.T("procurement.notice.own", "Rank", n.Own.Rank), Table: t},
			billing.DocumentSection{Heading: p.T("procurement.notice.reasons"), Paragraphs: reasons})
	}
	wt := &billing.DocumentTable{Header: []string{p.T("procurement.notice.rank"), p.T("procurement.notice.price_points"),
		p.T("procurement.notice.quality_points"), p.T("procurement.notice.total")}, Widths: []float64{45, 45, 45, 45}}
	for _, w := range n.Winners {
		wt.Rows = append(wt.Rows, []string{fmt.Sprint(w.Rank), w.PricePoints.StringFixed(2), w.QualityPoints.StringFixed(2), w.TotalPoints.StringFixed(2)})
	}
	d.Sections = append(d.Sections,
		billing.DocumentSection{Heading: p.T("procurement.notice.winners"), Table: wt},
		billing.DocumentSection{Heading: p.T("procurement.notice.standstill_heading"),
			Paragraphs: []string{p.T("procurement.notice.standstill", "Date", p.Date(n.StandstillEnd))}})
	return d
}

// ---- the two downloads

type pdfOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Digest             string `header:"X-Content-SHA256"`
	Body               []byte
}

type noticePDFInput struct {
	ID   uuid.UUID `path:"id"`
	Lang string    `query:"lang" enum:"nl,en,de," doc:"The notice's language; the user's own when left out."`
}

func pdfOp(path, id, summary, description string) huma.Operation {
	o := op(http.MethodGet, path, id, summary, "Procurement")
	o.Errors = append(o.Errors, http.StatusConflict)
	o.Description = description
	o.Responses = map[string]*huma.Response{"200": {Description: "The PDF", Headers: downloadHeaders(),
		Content: map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	return o
}

func (s *Server) registerProcurementPDFs(api huma.API) {
	registerRoutes(api,
		route(pdfOp("/api/v1/tenders/{id}/opening/pdf", "get-tender-opening-pdf", "Download the opening record as PDF (in Dutch)", ""), s.handleOpeningPDF),
		route(pdfOp("/api/v1/bids/{id}/notice/pdf", "get-bid-notice-pdf", "Download a bid's award notice as PDF", ""), s.handleNoticePDF),
	)
}

func pdfAnswer(name string, doc billing.Document) (*pdfOutput, error) {
	b, err := billing.RenderDocumentPDF(doc)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return &pdfOutput{ContentType: "application/pdf", ContentDisposition: contentDisposition("attachment", name), Digest: hex.EncodeToString(sum[:]), Body: b}, nil
}

func (s *Server) handleOpeningPDF(ctx context.Context, in *idPath) (*pdfOutput, error) {
	o, err := s.procurement.OpeningRecord(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out, err := pdfAnswer("proces-verbaal-opening-"+o.Reference+".pdf", openingDocument(s.translator("nl"), o))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

func (s *Server) handleNoticePDF(ctx context.Context, in *noticePDFInput) (*pdfOutput, error) {
	n, err := s.procurement.Notice(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	lang := in.Lang
	if lang == "" {
		lang = actorFrom(ctx).Locale
	}
	if !slices.Contains(Languages, lang) {
		lang = "nl"
	}
	out, err := pdfAnswer(fmt.Sprintf("notice-%s-lot-%d.pdf", n.Reference, n.LotNumber), noticeDocument(s.translator(lang), n))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}
