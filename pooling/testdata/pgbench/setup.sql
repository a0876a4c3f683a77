-- Tables for the raw PostgreSQL comparison of an allocation: a budget and a
-- stream row to read and lock, allocations, balance rows created on demand,
-- and a ledger whose postings update running balances in a trigger and are
-- checked to balance by deferred constraint triggers at commit (as
-- ledger_postings_apply and ledger_*_balanced do).
CREATE TABLE IF NOT EXISTS bench_rows (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(14,2) NOT NULL, allocated numeric(14,2) NOT NULL DEFAULT 0);
INSERT INTO bench_rows SELECT g, 'row ' || g, 1000000000.00, 0 FROM generate_series(1, 1000) g ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_allocations (id uuid PRIMARY KEY, budget bigint NOT NULL, stream bigint NOT NULL, amount numeric(14,2) NOT NULL, at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS bench_accounts (code text PRIMARY KEY, position integer NOT NULL);
INSERT INTO bench_accounts VALUES ('funding', 1), ('available', 2), ('committed', 3), ('payable', 4), ('paid', 5), ('clawback_receivable', 6) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_balances (budget bigint NOT NULL, stream bigint NOT NULL, account text NOT NULL, amount numeric(14,2) NOT NULL, PRIMARY KEY (budget, stream, account));
CREATE TABLE IF NOT EXISTS bench_txns (id uuid PRIMARY KEY, allocation uuid, kind text NOT NULL, actor text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS bench_postings (txn uuid NOT NULL REFERENCES bench_txns, line integer NOT NULL, account text NOT NULL, budget bigint NOT NULL, stream bigint NOT NULL, amount numeric(14,2) NOT NULL, PRIMARY KEY (txn, line));
CREATE INDEX IF NOT EXISTS bench_postings_attr ON bench_postings (budget, stream, account);
CREATE OR REPLACE FUNCTION bench_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE bench_balances SET amount = amount + NEW.amount WHERE budget = NEW.budget AND stream = NEW.stream AND account = NEW.account;
    PERFORM 1 FROM bench_txns WHERE id = NEW.txn;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION bench_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t uuid;
BEGIN
    IF TG_TABLE_NAME = 'bench_txns' THEN t := NEW.id; ELSE t := NEW.txn; END IF;
    IF EXISTS (SELECT 1 FROM bench_postings WHERE txn = t GROUP BY budget, stream HAVING sum(amount) <> 0) THEN
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
ANALYZE;
