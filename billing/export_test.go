package billing

// SetStatementRenderer replaces the statement PDF renderer until the
// returned function is called.
func SetStatementRenderer(f func(Run, StatementDetail, Settings) ([]byte, error)) (restore func()) {
	old := renderStatementPDF
	renderStatementPDF = f
	return func() { renderStatementPDF = old }
}
