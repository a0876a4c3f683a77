-- Tables for the raw PostgreSQL comparison: rows to lock and read, a log to insert into.
CREATE TABLE IF NOT EXISTS bench_rows (id bigint PRIMARY KEY, state text NOT NULL, amount numeric(14,2) NOT NULL, n integer NOT NULL DEFAULT 0);
INSERT INTO bench_rows SELECT g, 'open', 100.00, 0 FROM generate_series(1, 100000) g ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_log (id bigserial PRIMARY KEY, ref bigint NOT NULL, amount numeric(14,2) NOT NULL, data bytea, at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS bench_log_ref_idx ON bench_log (ref);
