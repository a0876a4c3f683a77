package billing

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/euregio/tranche/internal/money"
	"github.com/shopspring/decimal"
	"golang.org/x/text/unicode/norm"
)

// The SEPA credit-transfer file: ISO 20022 pain.001 as the EPC SEPA Credit
// Transfer customer-to-bank implementation guidelines restrict it. One
// payment information block (the municipality's account, service level
// SEPA, charges SLEV) with one transaction per statement that has a positive
// amount to transfer; end-to-end id = the statement number; remittance
// information names the statement. The structs are hand-written and cover
// both pain.001.001.09 (the default) and pain.001.001.03, which differ in
// the namespace, the BIC element (BICFI / BIC) and the execution date
// (wrapped in <Dt> / bare).

type sepaDocument struct {
	XMLName xml.Name       `xml:"Document"`
	Xmlns   string         `xml:"xmlns,attr"`
	Init    sepaInitiation `xml:"CstmrCdtTrfInitn"`
}

type sepaInitiation struct {
	GrpHdr sepaGroupHeader  `xml:"GrpHdr"`
	PmtInf []sepaPaymentInf `xml:"PmtInf"`
}

type sepaGroupHeader struct {
	MsgID    string    `xml:"MsgId"`
	CreDtTm  string    `xml:"CreDtTm"`
	NbOfTxs  string    `xml:"NbOfTxs"`
	CtrlSum  string    `xml:"CtrlSum"`
	InitgPty sepaParty `xml:"InitgPty"`
}

type sepaParty struct {
	Nm      string          `xml:"Nm"`
	PstlAdr *sepaPostalAddr `xml:"PstlAdr,omitempty"`
}

type sepaPostalAddr struct {
	StrtNm string `xml:"StrtNm,omitempty"`
	PstCd  string `xml:"PstCd,omitempty"`
	TwnNm  string `xml:"TwnNm"`
	Ctry   string `xml:"Ctry"`
}

type sepaPaymentInf struct {
	PmtInfID    string            `xml:"PmtInfId"`
	PmtMtd      string            `xml:"PmtMtd"`
	BtchBookg   string            `xml:"BtchBookg"`
	NbOfTxs     string            `xml:"NbOfTxs"`
	CtrlSum     string            `xml:"CtrlSum"`
	PmtTpInf    sepaPaymentType   `xml:"PmtTpInf"`
	ReqdExctnDt sepaDate          `xml:"ReqdExctnDt"`
	Dbtr        sepaParty         `xml:"Dbtr"`
	DbtrAcct    sepaAccount       `xml:"DbtrAcct"`
	DbtrAgt     sepaAgent         `xml:"DbtrAgt"`
	ChrgBr      string            `xml:"ChrgBr"`
	CdtTrfTxInf []sepaTransaction `xml:"CdtTrfTxInf"`
}

type sepaPaymentType struct {
	SvcLvl sepaCode `xml:"SvcLvl"`
}

type sepaCode struct {
	Cd string `xml:"Cd"`
}

// sepaDate is <ReqdExctnDt><Dt>…</Dt></ReqdExctnDt> in .09 and
// <ReqdExctnDt>…</ReqdExctnDt> in .03.
type sepaDate struct {
	Dt   string `xml:"Dt,omitempty"`
	Bare string `xml:",chardata"`
}

type sepaAccount struct {
	ID sepaAccountID `xml:"Id"`
}

type sepaAccountID struct {
	IBAN string `xml:"IBAN"`
}

type sepaAgent struct {
	FinInstnID sepaInstitution `xml:"FinInstnId"`
}

type sepaInstitution struct {
	BICFI string     `xml:"BICFI,omitempty"` // .09
	BIC   string     `xml:"BIC,omitempty"`   // .03
	Othr  *sepaOther `xml:"Othr,omitempty"`
}

type sepaOther struct {
	ID string `xml:"Id"`
}

type sepaTransaction struct {
	PmtID    sepaPaymentID  `xml:"PmtId"`
	Amt      sepaAmount     `xml:"Amt"`
	CdtrAgt  *sepaAgent     `xml:"CdtrAgt,omitempty"`
	Cdtr     sepaParty      `xml:"Cdtr"`
	CdtrAcct sepaAccount    `xml:"CdtrAcct"`
	RmtInf   sepaRemittance `xml:"RmtInf"`
}

type sepaPaymentID struct {
	InstrID    string `xml:"InstrId"`
	EndToEndID string `xml:"EndToEndId"`
}

type sepaAmount struct {
	InstdAmt sepaInstructed `xml:"InstdAmt"`
}

type sepaInstructed struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type sepaRemittance struct {
	Ustrd string `xml:"Ustrd"`
}

// BuildSEPA writes the run's credit-transfer file in the settings' pain.001
// version, created at at. The control sum, the sum of the amounts and the
// run's total to transfer are one and the same figure, or it fails.
func BuildSEPA(run RunDetail, settings Settings, at time.Time) ([]byte, error) {
	version := settings.PainVersion
	if version == "" {
		version = Pain09
	}
	if version != Pain09 && version != Pain03 {
		return nil, fmt.Errorf("sepa: unknown version %q", version)
	}
	v09 := version == Pain09
	id := strings.ReplaceAll(run.ID.String(), "-", "")
	agent := func(bic string) sepaInstitution {
		switch {
		case bic == "":
			return sepaInstitution{Othr: &sepaOther{ID: "NOTPROVIDED"}}
		case v09:
			return sepaInstitution{BICFI: bic}
		default:
			return sepaInstitution{BIC: bic}
		}
	}
	pmt := sepaPaymentInf{PmtInfID: id + "-1", PmtMtd: "TRF", BtchBookg: "true", PmtTpInf: sepaPaymentType{SvcLvl: sepaCode{Cd: "SEPA"}},
		Dbtr:     sepaParty{Nm: SEPAText(settings.DebtorName, 70), PstlAdr: sepaAddress(settings.Street, settings.Postcode, settings.Town, settings.Country)},
		DbtrAcct: sepaAccount{ID: sepaAccountID{IBAN: settings.DebtorIBAN}}, DbtrAgt: sepaAgent{FinInstnID: agent(settings.DebtorBIC)}, ChrgBr: "SLEV"}
	exec := AddWeekdays(dateOf(at), settings.ExecutionDays).Format(time.DateOnly)
	if v09 {
		pmt.ReqdExctnDt.Dt = exec
	} else {
		pmt.ReqdExctnDt.Bare = exec
	}
	sum := decimal.Zero
	for _, st := range run.Statements {
		if !st.ToTransfer.IsPositive() {
			continue
		}
		if st.Number == nil {
			return nil, fmt.Errorf("sepa: statement %s has no number; only an approved run is exported", st.ID)
		}
		trf := sepaTransaction{
			PmtID:    sepaPaymentID{InstrID: *st.Number, EndToEndID: *st.Number},
			Amt:      sepaAmount{InstdAmt: sepaInstructed{Ccy: "EUR", Value: money.String(st.ToTransfer)}},
			Cdtr:     sepaParty{Nm: SEPAText(st.ProviderName, 70), PstlAdr: sepaAddress(st.AddressLine1, st.Postcode, st.City, st.Country)},
			CdtrAcct: sepaAccount{ID: sepaAccountID{IBAN: st.IBAN}},
			RmtInf:   sepaRemittance{Ustrd: SEPAText(remittance(run.Run, st.Statement), 140)},
		}
		if st.BIC != "" {
			trf.CdtrAgt = &sepaAgent{FinInstnID: agent(st.BIC)}
		}
		pmt.CdtTrfTxInf = append(pmt.CdtTrfTxInf, trf)
		sum = sum.Add(st.ToTransfer)
	}
	if len(pmt.CdtTrfTxInf) == 0 {
		return nil, fmt.Errorf("sepa: run %s transfers nothing", run.ID)
	}
	if !sum.Equal(run.TotalTransfer) {
		return nil, fmt.Errorf("sepa: transfers sum to %s, the run's total is %s", money.String(sum), money.String(run.TotalTransfer))
	}
	n := strconv.Itoa(len(pmt.CdtTrfTxInf))
	pmt.NbOfTxs, pmt.CtrlSum = n, money.String(sum)
	doc := sepaDocument{Xmlns: "urn:iso:std:iso:20022:tech:xsd:" + version, Init: sepaInitiation{
		GrpHdr: sepaGroupHeader{MsgID: id, CreDtTm: at.UTC().Format("2006-01-02T15:04:05"), NbOfTxs: n, CtrlSum: money.String(sum),
			InitgPty: sepaParty{Nm: SEPAText(settings.DebtorName, 70)}},
		PmtInf: []sepaPaymentInf{pmt}}}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// remittance is the unstructured remittance text: the statement and the run's period.
func remittance(r Run, st Statement) string {
	return fmt.Sprintf("Specificatie %s betaalrun %s tot en met %s", st.Label(), r.PeriodStart.Format("02-01-2006"), r.PeriodEnd.Format("02-01-2006"))
}

// sepaAddress is a structured postal address, or nil when the town or the
// country is missing: the EPC rules want both in a structured address.
func sepaAddress(street, postcode, town, country string) *sepaPostalAddr {
	a := &sepaPostalAddr{StrtNm: SEPAText(street, 70), PstCd: SEPAText(postcode, 16), TwnNm: SEPAText(town, 35), Ctry: strings.ToUpper(strings.TrimSpace(country))}
	if a.TwnNm == "" || len(a.Ctry) != 2 {
		return nil
	}
	return a
}

// sepaFold maps letters that do not decompose into a base letter and a mark.
var sepaFold = map[rune]string{
	'ß': "ss", 'ẞ': "SS", 'æ': "ae", 'Æ': "AE", 'ø': "o", 'Ø': "O", 'œ': "oe", 'Œ': "OE",
	'đ': "d", 'Đ': "D", 'ð': "d", 'Ð': "D", 'ł': "l", 'Ł': "L", 'ı': "i", 'þ': "th", 'Þ': "Th",
	'ħ': "h", 'Ħ': "H", 'ŀ': "l", 'Ŀ': "L", 'ſ': "s", 'ĸ': "k", 'ŋ': "n", 'Ŋ': "N",
	'&': "+", '‘': "'", '’': "'", '‚': "'", '`': "'", '´': "'", '–': "-", '—': "-", '_': "-",
	'"': "'", '“': "'", '”': "'", '„': "'", '«': "'", '»': "'", '€': "EUR", '@': "(at)",
}

// sepaAllowed is the SEPA character set: a–z, A–Z, 0–9 and / - ? : ( ) . , ' + and space.
func sepaAllowed(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-?:().,'+ ", r)
}

// SEPAText brings s into the SEPA character set (Çağrı → Cagri, Nguyễn →
// Nguyen, ß → ss): letters lose their accents, a few letters are spelled
// out, anything else becomes a space; runs of spaces collapse and the
// result is cut to max characters.
func SEPAText(s string, max int) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case sepaAllowed(r):
			b.WriteRune(r)
		case sepaFold[r] != "":
			b.WriteString(sepaFold[r])
		default:
			b.WriteByte(' ')
		}
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	if len(out) > max {
		out = strings.TrimSpace(out[:max])
	}
	return out
}

// AddWeekdays returns the date n weekdays after d, skipping Saturdays and
// Sundays only (it knows no public holidays; outcomes.AddWorkingDays keeps
// the calendar of working days); with n = 0, d itself or the Monday after
// when d falls on a Saturday or Sunday. It gives a SEPA file's requested
// execution date.
func AddWeekdays(d time.Time, n int) time.Time {
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n--
		}
	}
	return d
}
