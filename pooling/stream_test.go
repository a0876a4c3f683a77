package pooling

import (
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

func validStreamInput() CreateFundingStreamInput {
	return CreateFundingStreamInput{Funder: "Ministerie van Justitie", Name: "Rijksbijdrage inburgering 2005", ReportingCode: "NIG-2005",
		Amount: "250000.00", ValidFrom: "2005-01-01", ValidTo: "2005-12-31", Earmark: []string{"language", "civic_integration"}}
}

func TestCreateFundingStreamValidation(t *testing.T) {
	e := newEnv(t)
	e.stream("TAKEN-1", "100.00", "language")
	tests := []struct {
		name      string
		change    func(*CreateFundingStreamInput)
		field     string
		fieldCode string
	}{
		{"funder missing", func(in *CreateFundingStreamInput) { in.Funder = " " }, "funder", codeRequired},
		{"name missing", func(in *CreateFundingStreamInput) { in.Name = "" }, "name", codeRequired},
		{"name too long", func(in *CreateFundingStreamInput) { in.Name = string(make([]rune, 201)) }, "name", codeTooLong},
		{"reporting code missing", func(in *CreateFundingStreamInput) { in.ReportingCode = "" }, "reporting_code", codeRequired},
		{"reporting code with spaces", func(in *CreateFundingStreamInput) { in.ReportingCode = "NIG 2005" }, "reporting_code", codeInvalidFormat},
		{"reporting code taken", func(in *CreateFundingStreamInput) { in.ReportingCode = "TAKEN-1" }, "reporting_code", codeTaken},
		{"amount missing", func(in *CreateFundingStreamInput) { in.Amount = "" }, "amount", "required"},
		{"amount not a number", func(in *CreateFundingStreamInput) { in.Amount = "lots" }, "amount", "invalid_amount"},
		{"amount with English thousands", func(in *CreateFundingStreamInput) { in.Amount = "1,000.00" }, "amount", "invalid_amount"},
		{"amount in Dutch notation", func(in *CreateFundingStreamInput) { in.Amount = "1.000,00" }, "amount", "invalid_amount"},
		{"amount zero", func(in *CreateFundingStreamInput) { in.Amount = "0.00" }, "amount", "not_positive"},
		{"amount negative", func(in *CreateFundingStreamInput) { in.Amount = "-5.00" }, "amount", "not_positive"},
		{"amount three decimals", func(in *CreateFundingStreamInput) { in.Amount = "1000.005" }, "amount", "too_many_decimals"},
		{"currency other than EUR", func(in *CreateFundingStreamInput) { in.Currency = "USD" }, "currency", codeCurrency},
		{"valid_from missing", func(in *CreateFundingStreamInput) { in.ValidFrom = "" }, "valid_from", codeRequired},
		{"valid_to not a date", func(in *CreateFundingStreamInput) { in.ValidTo = "31-12-2005" }, "valid_to", codeInvalidDate},
		{"validity ends before it starts", func(in *CreateFundingStreamInput) { in.ValidTo = "2004-12-31" }, "valid_to", codeEndBeforeStart},
		{"no earmark and not unrestricted", func(in *CreateFundingStreamInput) { in.Earmark = nil }, "earmark", codeEarmarkChoice},
		{"earmark and unrestricted", func(in *CreateFundingStreamInput) { in.Unrestricted = true }, "earmark", codeEarmarkChoice},
		{"unknown category", func(in *CreateFundingStreamInput) { in.Earmark = []string{"language", "astrology"} }, "earmark", codeUnknownCategory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validStreamInput()
			in.ReportingCode = "OK-" + uuid.NewString()[:8]
			tt.change(&in)
			_, err := e.s.CreateFundingStream(e.ctx, procurement, in)
			fe, ok := fault.As(err)
			if !ok || fe.Code != fault.InvalidInput {
				t.Fatalf("err = %v, want invalid_input", err)
			}
			found := false
			for _, f := range fe.Fields {
				found = found || (f.Field == tt.field && f.Code == tt.fieldCode)
			}
			if !found {
				t.Fatalf("fields = %+v, want %s/%s", fe.Fields, tt.field, tt.fieldCode)
			}
		})
	}
	var n int64
	e.db.Gorm.Raw(`SELECT count(*) FROM funding_streams`).Scan(&n)
	if n != 1 {
		t.Fatalf("funding streams after invalid input = %d, want 1", n)
	}
}

func TestCreateFundingStreamStoresWhatWasGiven(t *testing.T) {
	e := newEnv(t)
	in := validStreamInput()
	in.Earmark = []string{" Language", "civic_integration", "language"}
	f, err := e.s.CreateFundingStream(e.ctx, procurement, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetFundingStream(e.ctx, auditor, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Amount.StringFixed(2) != "250000.00" || got.Currency != "EUR" || got.ReportingCode != "NIG-2005" ||
		got.ValidFrom.Format(dateLayout) != "2005-01-01" || got.ValidTo.Format(dateLayout) != "2005-12-31" ||
		len(got.Earmark) != 2 || got.Earmark[0] != "civic_integration" || got.Earmark[1] != "language" || got.Unrestricted() {
		t.Fatalf("stored stream = %+v", got)
	}
	if !got.Allows("language") || got.Allows("reintegration") {
		t.Fatalf("Allows: language %v reintegration %v, want true false", got.Allows("language"), got.Allows("reintegration"))
	}
	own := e.stream("OWN-2005", "1000.00")
	got, err = e.s.GetFundingStream(e.ctx, finance, own.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Unrestricted() || !got.Allows("care") {
		t.Fatalf("unrestricted stream read back as %+v", got)
	}
	if _, err := e.s.GetFundingStream(e.ctx, finance, uuid.Must(uuid.NewV7())); !fault.HasCode(err, FundingStreamNotFound) {
		t.Fatalf("unknown stream: err = %v, want funding_stream_not_found", err)
	}
	var events int64
	e.db.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'funding_stream.create' AND entity_id = ?`, f.ID.String()).Scan(&events)
	if events != 1 {
		t.Fatalf("audit events for the stream = %d, want 1", events)
	}
}

func TestListFundingStreamsPages(t *testing.T) {
	e := newEnv(t)
	var want []uuid.UUID
	for _, code := range []string{"A-1", "A-2", "A-3", "A-4", "A-5"} {
		want = append(want, e.stream(code, "10.00").ID)
	}
	var got []uuid.UUID
	page := database.Page{Limit: 2}
	for pages := 0; ; pages++ {
		items, next, err := e.s.ListFundingStreams(e.ctx, procurement, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range items {
			got = append(got, f.ID)
		}
		if next == "" {
			if pages != 2 {
				t.Fatalf("pages = %d, want 3", pages+1)
			}
			break
		}
		page, err = database.ParsePage(2, next)
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d streams, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("stream %d = %s, want %s", i, got[i], want[i])
		}
	}
}

// A stream's details can be corrected until money of it is allocated;
// every correction is audited with before and after.
func TestUpdateFundingStreamBeforeItIsUsed(t *testing.T) {
	e := newEnv(t)
	other := e.stream("OTHER-1", "100.00", "language")
	f, err := e.s.CreateFundingStream(e.ctx, procurement, validStreamInput())
	if err != nil {
		t.Fatal(err)
	}
	in := validStreamInput()
	in.Name, in.Amount, in.ValidTo, in.Earmark, in.Unrestricted = "Rijksbijdrage inburgering 2005 (herzien)", "260000.00", "2006-06-30", nil, true
	got, err := e.s.UpdateFundingStream(e.ctx, procurement, f.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := e.s.GetFundingStream(e.ctx, auditor, f.ID)
	if stored.Name != in.Name || stored.Amount.StringFixed(2) != "260000.00" || stored.ValidTo.Format(dateLayout) != "2006-06-30" || !stored.Unrestricted() || got.ID != f.ID {
		t.Fatalf("stream after the correction = %+v", stored)
	}
	var audited struct{ Before, After string }
	e.db.Gorm.Raw(`SELECT before::text AS before, after::text AS after FROM audit_events WHERE action = 'funding_stream.update' AND entity_id = ?`, f.ID.String()).Scan(&audited)
	if !strings.Contains(audited.Before, `"amount": "250000"`) || !strings.Contains(audited.After, `"amount": "260000"`) {
		t.Fatalf("audit of the correction: before %s after %s", audited.Before, audited.After)
	}

	taken := validStreamInput()
	taken.ReportingCode = other.ReportingCode
	_, err = e.s.UpdateFundingStream(e.ctx, procurement, f.ID, taken)
	if fe, ok := fault.As(err); !ok || len(fe.Fields) != 1 || fe.Fields[0].Code != codeTaken {
		t.Fatalf("another stream's reporting code: %v", err)
	}
	if _, err := e.s.UpdateFundingStream(e.ctx, casemanager, f.ID, in); !fault.HasCode(err, fault.Forbidden) {
		t.Fatalf("a case manager correcting a stream: %v", err)
	}

	e.allocate(e.budget("Integratie 2005"), stored, "1000.00")
	_, err = e.s.UpdateFundingStream(e.ctx, procurement, f.ID, validStreamInput())
	if !fault.HasCode(err, FundingStreamInUse) {
		t.Fatalf("correcting a used stream: %v, want %s", err, FundingStreamInUse.Code)
	}
	if after, _ := e.s.GetFundingStream(e.ctx, auditor, f.ID); after.Amount.StringFixed(2) != "260000.00" {
		t.Fatalf("a used stream changed: %+v", after)
	}
}
