// Package csvexport writes the CSV files Tranche hands out (the journal, the
// accountability report, the lists' exports) so that no cell can run as a
// spreadsheet formula.
//
// A cell that begins with =, +, -, @, a tab or a carriage return is written
// as text by prefixing it with a single quote (OWASP's advice against CSV
// injection). The one exception is a cell that is a plain decimal number in
// the canonical form Tranche writes amounts in ("-12.50", "1234", "0.5"): a
// spreadsheet or a finance system reads it as the number it is and it can
// carry no formula, so it is left alone. "+12", "-1+1", "-12,50" and
// "=SUM(A1)" are all escaped.
//
// It imports only the standard library.
//
// It imports nothing of Tranche's; web uses it for every CSV download.
package csvexport
