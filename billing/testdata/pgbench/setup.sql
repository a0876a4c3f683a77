-- Tables for the raw PostgreSQL comparison of payment runs, each row a
-- stand-in for a row of the real schema: claims and accruals (200 000 each),
-- commitments (one per four claims), the parts of an accrual (one or two
-- streams), a ledger whose postings update running balances in a trigger
-- and are checked to balance by deferred constraint triggers at commit (as
-- ledger_postings_apply and ledger_*_balanced do), claim history, run lines.
CREATE TABLE IF NOT EXISTS bench_claims (id bigint PRIMARY KEY, state text NOT NULL, amount numeric(14,2) NOT NULL, ref text NOT NULL, n integer NOT NULL DEFAULT 0);
INSERT INTO bench_claims SELECT g, 'approved', 200.00, 'P-2025-' || g, 0 FROM generate_series(1, 200000) g ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_accruals (id bigint PRIMARY KEY, commitment bigint NOT NULL, state text NOT NULL, amount numeric(14,2) NOT NULL, n integer NOT NULL DEFAULT 0);
INSERT INTO bench_accruals SELECT g, g / 4 + 1, 'payable', 200.00, 0 FROM generate_series(1, 200000) g ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_commitments (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(14,2) NOT NULL);
INSERT INTO bench_commitments SELECT g, 'Intake ' || g, 2000.00 FROM generate_series(1, 50001) g ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_parts (ref bigint NOT NULL, pos integer NOT NULL, stream integer NOT NULL, amount numeric(14,2) NOT NULL, PRIMARY KEY (ref, pos));
INSERT INTO bench_parts SELECT g, 1, g % 10, 150.00 FROM generate_series(1, 200000) g ON CONFLICT DO NOTHING;
INSERT INTO bench_parts SELECT g, 2, (g + 1) % 10, 50.00 FROM generate_series(1, 200000) g WHERE g % 5 = 0 ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_balances (id integer PRIMARY KEY, amount numeric(14,2) NOT NULL);
INSERT INTO bench_balances SELECT g, 0 FROM generate_series(0, 99) g ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_cbal (commitment bigint NOT NULL, account text NOT NULL, amount numeric(14,2) NOT NULL, PRIMARY KEY (commitment, account));
INSERT INTO bench_cbal SELECT g, a, 0 FROM generate_series(1, 50001) g, (VALUES ('payable'), ('paid')) x(a) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_txns (id bigserial PRIMARY KEY, commitment bigint, accrual bigint, kind text NOT NULL, actor text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS bench_postings (txn bigint NOT NULL REFERENCES bench_txns, line integer NOT NULL, account text NOT NULL, stream integer NOT NULL, amount numeric(14,2) NOT NULL, PRIMARY KEY (txn, line));
CREATE OR REPLACE FUNCTION bench_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE c bigint;
BEGIN
    UPDATE bench_balances SET amount = amount + NEW.amount WHERE id = NEW.stream * 10 + CASE NEW.account WHEN 'payable' THEN 1 ELSE 2 END;
    SELECT commitment INTO c FROM bench_txns WHERE id = NEW.txn;
    UPDATE bench_cbal SET amount = amount + NEW.amount WHERE commitment = c AND account = NEW.account;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION bench_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t bigint;
BEGIN
    IF TG_TABLE_NAME = 'bench_txns' THEN t := NEW.id; ELSE t := NEW.txn; END IF;
    IF EXISTS (SELECT 1 FROM bench_postings WHERE txn = t GROUP BY stream HAVING sum(amount) <> 0) THEN
        RAISE EXCEPTION 'transaction % does not balance', t;
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS bench_postings_apply ON bench_postings;
CREATE TRIGGER bench_postings_apply AFTER INSERT ON bench_postings FOR EACH ROW EXECUTE FUNCTION bench_apply();
DROP TRIGGER IF EXISTS bench_postings_balanced ON bench_postings;
CREATE CONSTRAINT TRIGGER bench_postings_balanced AFTER INSERT ON bench_postings DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bench_balanced();
DROP TRIGGER IF EXISTS bench_txns_balanced ON bench_txns;
CREATE CONSTRAINT TRIGGER bench_txns_balanced AFTER INSERT ON bench_txns DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bench_balanced();
CREATE TABLE IF NOT EXISTS bench_history (ref bigint NOT NULL, seq integer NOT NULL, action text NOT NULL, note text NOT NULL, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (ref, seq));
INSERT INTO bench_history SELECT g, s, 'submit', 'Behaald volgens het dossier.' FROM generate_series(1, 200000) g, generate_series(1, 2) s ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_lines (id bigserial PRIMARY KEY, run integer NOT NULL, statement integer NOT NULL, claim bigint NOT NULL, description text NOT NULL, net numeric(14,2) NOT NULL, vat numeric(14,2) NOT NULL, amount numeric(14,2) NOT NULL);
CREATE INDEX IF NOT EXISTS bench_lines_claim ON bench_lines (claim);
CREATE TABLE IF NOT EXISTS bench_funding (line bigint NOT NULL, stream integer NOT NULL, amount numeric(14,2) NOT NULL);
CREATE TABLE IF NOT EXISTS bench_items (run integer NOT NULL, item bigint NOT NULL, live boolean NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS bench_items_live ON bench_items (item) WHERE live;
CREATE TABLE IF NOT EXISTS bench_runs (id serial PRIMARY KEY, state text NOT NULL);
ANALYZE;
