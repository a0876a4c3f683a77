package pooling

import (
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
	if _, err := e.s.GetFundingStream(e.ctx, finance, uuid.Must(uuid.NewV7())); !fault.HasCode(err, fault.NotFound) {
		t.Fatalf("unknown stream: err = %v, want not_found", err)
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
