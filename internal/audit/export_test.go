package audit

// SetManyBatch makes RecordMany's batches n events long until the returned
// function restores them.
func SetManyBatch(n int) (restore func()) {
	old := manyBatch
	manyBatch = n
	return func() { manyBatch = old }
}
