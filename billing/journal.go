package billing

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/euregio/tranche/internal/csvexport"
	"github.com/euregio/tranche/internal/money"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// The journal for the municipal ledger: one row per funding stream ×
// provider with the stream's reporting code (the ledger code the funder
// reports under), the provider's KvK number and name, and the amount
// (claims less clawbacks, incl. VAT). A provider's carried balances get a
// row each with the pseudo codes CARRIED-IN (an earlier negative balance
// set off now, negative) and CARRIED-OUT (a negative balance left for the
// next run, positive: money not transferred). The amounts of all rows sum
// to the run's total to transfer.

// Journal pseudo reporting codes for carried balances.
const (
	JournalCarriedIn  = "CARRIED-IN"
	JournalCarriedOut = "CARRIED-OUT"
)

// JournalHeader is the journal's first row.
var JournalHeader = []string{"booking_date", "run_id", "statement_number", "reporting_code", "funding_stream",
	"provider_kvk", "provider_name", "amount"}

// JournalRow is one row of the journal.
type JournalRow struct {
	StatementNumber string
	ReportingCode   string
	FundingStream   string
	ProviderKVK     string
	ProviderName    string
	Amount          decimal.Decimal
}

// JournalRows computes the journal's rows of a run: per statement (that
// is, per provider) one row per funding stream in reporting-code order, then
// the carried balances.
func JournalRows(run RunDetail) []JournalRow {
	var out []JournalRow
	for _, st := range run.Statements {
		type key struct {
			code   string
			stream uuid.UUID
		}
		sums := map[key]decimal.Decimal{}
		names := map[key]string{}
		for _, l := range st.Lines {
			for _, f := range l.Funding {
				k := key{f.ReportingCode, f.FundingStreamID}
				sums[k] = sums[k].Add(f.Amount)
				names[k] = f.StreamName
			}
		}
		keys := make([]key, 0, len(sums))
		for k := range sums {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].code != keys[j].code {
				return keys[i].code < keys[j].code
			}
			return keys[i].stream.String() < keys[j].stream.String()
		})
		row := func(code, stream string, amount decimal.Decimal) JournalRow {
			return JournalRow{StatementNumber: st.Label(), ReportingCode: code, FundingStream: stream, ProviderKVK: st.ProviderKVK,
				ProviderName: st.ProviderName, Amount: amount}
		}
		for _, k := range keys {
			if !sums[k].IsZero() {
				out = append(out, row(k.code, names[k], sums[k]))
			}
		}
		if !st.CarriedIn.IsZero() {
			out = append(out, row(JournalCarriedIn, "", st.CarriedIn))
		}
		if !st.CarriedOut.IsZero() {
			out = append(out, row(JournalCarriedOut, "", st.CarriedOut.Neg()))
		}
	}
	return out
}

// BuildJournal writes the run's journal as CSV: the header and the rows,
// amounts as 1234.50 (negative ones as -12.50, left as numbers), every
// other cell that could start a formula escaped (see csvexport). It fails if the rows do not sum to the run's total to
// transfer.
func BuildJournal(run RunDetail) ([]byte, error) {
	rows := JournalRows(run)
	sum := decimal.Zero
	var buf bytes.Buffer
	w := csvexport.NewWriter(&buf)
	if err := w.Write(JournalHeader); err != nil {
		return nil, err
	}
	booking := run.PeriodEnd.Format("2006-01-02")
	for _, r := range rows {
		sum = sum.Add(r.Amount)
		if err := w.Write([]string{booking, run.ID.String(), r.StatementNumber, r.ReportingCode, r.FundingStream,
			r.ProviderKVK, r.ProviderName, money.String(r.Amount)}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	if !sum.Equal(run.TotalTransfer) {
		return nil, fmt.Errorf("journal: rows sum to %s, the run transfers %s", money.String(sum), money.String(run.TotalTransfer))
	}
	return buf.Bytes(), nil
}
