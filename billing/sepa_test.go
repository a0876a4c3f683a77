package billing_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/billing"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func TestSEPAText(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"Çağrı", 70, "Cagri"},
		{"Nguyễn Thị Minh", 70, "Nguyen Thi Minh"},
		{"Straße", 70, "Strasse"},
		{"Stichting Ćosić & Şahin", 70, "Stichting Cosic + Sahin"},
		{"Müller Ølsen Łódź Þór", 70, "Muller Olsen Lodz Thor"},
		{"Ólafsdóttir  —  “quoted”_x", 70, "Olafsdottir - 'quoted'-x"},
		{"tab\there; semi;colon!", 70, "tab here semi colon"},
		{"abcdefghij", 4, "abcd"},
		{"ab   cd", 3, "ab"},
	} {
		if got := billing.SEPAText(c.in, c.max); got != c.want {
			t.Errorf("SEPAText(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestAddWeekdays(t *testing.T) {
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2005-04-01", 1, "2005-04-04"}, // Friday → Monday
		{"2005-04-02", 0, "2005-04-04"}, // Saturday → Monday
		{"2005-04-04", 0, "2005-04-04"},
		{"2005-04-04", 5, "2005-04-11"},
	} {
		if got := billing.AddWeekdays(date(c.from), c.n).Format(time.DateOnly); got != c.want {
			t.Errorf("AddWeekdays(%s, %d) = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

// sepaRun is an approved run in memory: three statements, one of them
// negative, names and addresses needing transliteration, one creditor
// without a BIC and one without a town.
func sepaRun() billing.RunDetail {
	num := func(s string) *string { return &s }
	st := func(number, name, street, town, bic string, transfer, carried string) billing.StatementDetail {
		var s billing.StatementDetail
		s.ID = uuid.Must(uuid.NewV7())
		s.Number, s.ProviderName, s.AddressLine1, s.Postcode, s.City, s.Country = num(number), name, street, "7511 AA", town, "NL"
		s.IBAN, s.BIC, s.ProviderKVK = "NL91ABNA0417164300", bic, "11111111"
		s.ToTransfer, s.CarriedOut = dec(transfer), dec(carried)
		return s
	}
	r := billing.RunDetail{Run: billing.Run{ID: uuid.Must(uuid.NewV7()), PeriodStart: date("2005-03-01"), PeriodEnd: date("2005-03-31"),
		State: billing.Approved, TotalTransfer: dec("1234.56")}}
	r.Statements = []billing.StatementDetail{
		st("2005-0001", "Çağrı Şahin Taaltrainingen — Straße", "Molenstraat 1", "Enschede", "ABNANL2A", "1000.06", "0"),
		st("2005-0002", "Nguyễn & Ćosić", "Kuipersdijk 9", "", "", "234.50", "0"),
		st("2005-0003", "Müller Reïntegratie", "Brinkstraat 3", "Hengelo", "", "0", "-50.00"),
	}
	return r
}

func TestSEPAFileValidatesInBothVersions(t *testing.T) {
	run := sepaRun()
	at := time.Date(2005, 4, 1, 9, 30, 0, 0, time.UTC)
	settings := billing.Settings{DebtorName: "Gemeente Enschede", DebtorIBAN: "NL14BNGH0285001234", DebtorBIC: "BNGHNL2G",
		Street: "Langestraat 24", Postcode: "7511 HC", Town: "Enschede", Country: "NL", ExecutionDays: 1}
	for _, c := range []struct{ version, schema, bic, exec string }{
		{billing.Pain09, "pain.001.001.09.xsd", "<BICFI>ABNANL2A</BICFI>", "<Dt>2005-04-04</Dt>"},
		{billing.Pain03, "pain.001.001.03.xsd", "<BIC>ABNANL2A</BIC>", "<ReqdExctnDt>2005-04-04</ReqdExctnDt>"},
	} {
		t.Run(c.version, func(t *testing.T) {
			settings.PainVersion = c.version
			data, err := billing.BuildSEPA(run, settings, at)
			check(t, err)
			xmllint(t, c.schema, data)
			s := string(data)
			for _, want := range []string{"urn:iso:std:iso:20022:tech:xsd:" + c.version, c.bic, c.exec,
				"<NbOfTxs>2</NbOfTxs>", "<CtrlSum>1234.56</CtrlSum>", `<InstdAmt Ccy="EUR">1000.06</InstdAmt>`,
				"<Nm>Cagri Sahin Taaltrainingen - Strasse</Nm>", "<Nm>Nguyen + Cosic</Nm>", "<EndToEndId>2005-0002</EndToEndId>",
				"<Ustrd>Specificatie 2005-0001 betaalrun 01-03-2005 tot en met 31-03-2005</Ustrd>",
				"<StrtNm>Molenstraat 1</StrtNm>", "<TwnNm>Enschede</TwnNm>", "<ChrgBr>SLEV</ChrgBr>", "<Cd>SEPA</Cd>"} {
				if !strings.Contains(s, want) {
					t.Errorf("file lacks %s", want)
				}
			}
			if strings.Contains(s, "2005-0003") || strings.Contains(s, "Kuipersdijk") {
				t.Error("the file pays a negative balance or gives an address without a town")
			}
			if n := strings.Count(s, "<CdtrAgt>"); n != 1 {
				t.Errorf("%d creditor agents, want 1 (one creditor has no BIC)", n)
			}
			for _, r := range s {
				if r > 127 {
					t.Fatalf("non-ASCII %q in the file", r)
				}
			}
		})
	}
	// The control sum must equal the run's total.
	run.TotalTransfer = run.TotalTransfer.Add(decimal.NewFromInt(1))
	if _, err := billing.BuildSEPA(run, settings, at); err == nil {
		t.Fatal("a file whose amounts do not sum to the run's total was written")
	}
	// Nothing to transfer: no file.
	for i := range run.Statements {
		run.Statements[i].ToTransfer = decimal.Zero
	}
	run.TotalTransfer = decimal.Zero
	if _, err := billing.BuildSEPA(run, settings, at); err == nil {
		t.Fatal("a file without transfers was written")
	}
}

func TestSettingsChooseTheVersion(t *testing.T) {
	f := newFx(t)
	st, err := f.bill.Settings(ctx)
	check(t, err)
	if st.PainVersion != billing.Pain09 || st.DebtorName != "Gemeente Enschede" {
		t.Fatalf("default settings %+v", st)
	}
	st.PainVersion = billing.Pain03
	_, err = f.bill.UpdateSettings(ctx, finance, st)
	if err == nil {
		t.Fatal("finance changed the settings; only the admin may")
	}
	bad := st
	bad.DebtorIBAN = "NL00BNGH0285001234"
	_, err = f.bill.UpdateSettings(ctx, admin, bad)
	if err == nil {
		t.Fatal("an invalid IBAN was accepted")
	}
	_, err = f.bill.UpdateSettings(ctx, admin, st)
	check(t, err)

	tr := f.started(f.b, f.contractB)
	f.verified(f.b, tr.ID, "intake", "2005-03-01")
	run, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	_, err = f.bill.ApproveRun(ctx, finance2, run.ID)
	check(t, err)
	_, err = f.bill.ExportRun(ctx, finance, run.ID)
	check(t, err)
	file, err := f.bill.RunSEPA(ctx, finance, run.ID)
	check(t, err)
	xmllint(t, "pain.001.001.03.xsd", file.Data)
	if !bytes.Contains(file.Data, []byte("pain.001.001.03")) || !strings.HasSuffix(file.Name, ".001.001.03.xml") {
		t.Fatalf("file %s is not pain.001.001.03", file.Name)
	}
}
