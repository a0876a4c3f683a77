-- +goose Up
-- Billing: the files a run produces, kept in the database (bytea with their
-- sha256) so that one backup holds everything.

CREATE TABLE run_files (
    run_id        uuid NOT NULL REFERENCES payment_runs(id),
    kind          text NOT NULL CONSTRAINT run_files_kind CHECK (kind IN ('sepa', 'journal')),
    filename      text NOT NULL,
    content_type  text NOT NULL,
    sha256        bytea NOT NULL CONSTRAINT run_files_sha256 CHECK (length(sha256) = 32),
    data          bytea NOT NULL CONSTRAINT run_files_data CHECK (length(data) > 0),
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (run_id, kind)
);

CREATE TABLE statement_pdfs (
    statement_id  uuid PRIMARY KEY REFERENCES statements(id),
    sha256        bytea NOT NULL CONSTRAINT statement_pdfs_sha256 CHECK (length(sha256) = 32),
    data          bytea NOT NULL CONSTRAINT statement_pdfs_data CHECK (length(data) > 0),
    created_at    timestamptz NOT NULL
);

-- +goose Down
DROP TABLE statement_pdfs;
DROP TABLE run_files;
