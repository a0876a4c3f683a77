-- +goose Up
-- Stored files are append-only like the ledger: a generated SEPA file or
-- journal, a statement PDF, a claim's evidence and the record of a register
-- import are never changed or removed, so the database refuses UPDATE,
-- DELETE and TRUNCATE on them. A claim's history is kept the same way.
-- `tranche check` recomputes every stored file's sha256 and the downloads
-- refuse a body that does not match its stored hash, for what a superuser
-- could still do behind the triggers' back.

CREATE TRIGGER run_files_append_only BEFORE UPDATE OR DELETE ON run_files
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER run_files_no_truncate BEFORE TRUNCATE ON run_files
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TRIGGER statement_pdfs_append_only BEFORE UPDATE OR DELETE ON statement_pdfs
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER statement_pdfs_no_truncate BEFORE TRUNCATE ON statement_pdfs
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TRIGGER evidence_append_only BEFORE UPDATE OR DELETE ON evidence
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON evidence
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TRIGGER register_imports_append_only BEFORE UPDATE OR DELETE ON register_imports
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER register_imports_no_truncate BEFORE TRUNCATE ON register_imports
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TRIGGER claim_history_append_only BEFORE UPDATE OR DELETE ON claim_history
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER claim_history_no_truncate BEFORE TRUNCATE ON claim_history
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TRIGGER claim_history_no_truncate ON claim_history;
DROP TRIGGER claim_history_append_only ON claim_history;
DROP TRIGGER register_imports_no_truncate ON register_imports;
DROP TRIGGER register_imports_append_only ON register_imports;
DROP TRIGGER evidence_no_truncate ON evidence;
DROP TRIGGER evidence_append_only ON evidence;
DROP TRIGGER statement_pdfs_no_truncate ON statement_pdfs;
DROP TRIGGER statement_pdfs_append_only ON statement_pdfs;
DROP TRIGGER run_files_no_truncate ON run_files;
DROP TRIGGER run_files_append_only ON run_files;
