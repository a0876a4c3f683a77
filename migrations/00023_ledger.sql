-- +goose Up
-- Pooling: the double-entry ledger. Amounts are signed (debit positive,
-- credit negative); the postings of one transaction sum to zero per budget
-- and funding stream, so money never moves between streams and every euro is
-- attributed to exactly one budget and one stream. Transactions and postings
-- are never updated or deleted; a correction is a reversing transaction.

CREATE TABLE ledger_accounts (
    code         text PRIMARY KEY,
    position     smallint NOT NULL UNIQUE,
    normal_side  text NOT NULL CHECK (normal_side IN ('debit', 'credit')),
    description  text NOT NULL
);

INSERT INTO ledger_accounts (code, position, normal_side, description) VALUES
    ('funding',             1, 'credit', 'Money allocated from a funding stream into a budget (the source of every euro)'),
    ('available',           2, 'debit',  'Allocated and not reserved'),
    ('committed',           3, 'debit',  'Reserved for a reference (a trajectory), not yet payable'),
    ('payable',             4, 'debit',  'Owed to a provider for a verified claim, not yet paid'),
    ('paid',                5, 'debit',  'Paid to a provider'),
    ('clawback_receivable', 6, 'debit',  'Paid, then clawed back; to be netted in a later payment run');

CREATE TABLE ledger_transactions (
    id             uuid PRIMARY KEY,
    kind           text NOT NULL CONSTRAINT ledger_transactions_kind
                   CHECK (kind IN ('allocate', 'reserve', 'release', 'accrue', 'pay', 'claw_back', 'settle_claw_back')),
    allocation_id  uuid REFERENCES allocations(id),
    commitment_id  uuid REFERENCES commitments(id),
    accrual_id     uuid REFERENCES accruals(id),
    reverses_id    uuid CONSTRAINT ledger_transactions_reversed_once UNIQUE REFERENCES ledger_transactions(id),
    memo           text NOT NULL DEFAULT '',
    actor          text NOT NULL,
    created_at     timestamptz NOT NULL,
    CONSTRAINT ledger_transactions_links CHECK (
        (kind = 'allocate') = (allocation_id IS NOT NULL)
        AND (kind = 'allocate' OR commitment_id IS NOT NULL)
        AND ((kind IN ('accrue', 'pay', 'claw_back', 'settle_claw_back')) = (accrual_id IS NOT NULL)))
);
CREATE INDEX ledger_transactions_commitment_idx ON ledger_transactions (commitment_id);
CREATE INDEX ledger_transactions_accrual_idx ON ledger_transactions (accrual_id);

CREATE TABLE ledger_postings (
    transaction_id     uuid NOT NULL REFERENCES ledger_transactions(id),
    line               smallint NOT NULL CHECK (line >= 1),
    account            text NOT NULL REFERENCES ledger_accounts(code),
    budget_id          uuid NOT NULL REFERENCES budgets(id),
    funding_stream_id  uuid NOT NULL REFERENCES funding_streams(id),
    amount             numeric(14,2) NOT NULL CONSTRAINT ledger_postings_amount_nonzero CHECK (amount <> 0),
    PRIMARY KEY (transaction_id, line)
);
CREATE INDEX ledger_postings_attribution_idx ON ledger_postings (budget_id, funding_stream_id, account);

-- Running balances per budget, stream and account, kept by a trigger on every
-- posting. The CHECK is the last guard against overdraft under concurrency:
-- no available, committed, payable, paid or receivable balance below zero.
CREATE TABLE ledger_balances (
    budget_id          uuid NOT NULL REFERENCES budgets(id),
    funding_stream_id  uuid NOT NULL REFERENCES funding_streams(id),
    account            text NOT NULL REFERENCES ledger_accounts(code),
    balance            numeric(14,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (budget_id, funding_stream_id, account),
    CONSTRAINT ledger_balances_sign CHECK (CASE WHEN account = 'funding' THEN balance <= 0 ELSE balance >= 0 END)
);

-- The same per commitment: what one reference still has committed, payable,
-- paid or receivable on each stream. Never below zero.
CREATE TABLE commitment_balances (
    commitment_id      uuid NOT NULL REFERENCES commitments(id),
    funding_stream_id  uuid NOT NULL REFERENCES funding_streams(id),
    account            text NOT NULL REFERENCES ledger_accounts(code),
    balance            numeric(14,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (commitment_id, funding_stream_id, account),
    CONSTRAINT commitment_balances_sign CHECK (balance >= 0)
);

-- +goose StatementBegin
CREATE FUNCTION ledger_apply_posting() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c uuid;
BEGIN
    -- UPDATE first: INSERT … ON CONFLICT would check the CHECK constraint
    -- against the bare posting amount before it found the existing row.
    UPDATE ledger_balances SET balance = balance + NEW.amount
    WHERE budget_id = NEW.budget_id AND funding_stream_id = NEW.funding_stream_id AND account = NEW.account;
    IF NOT FOUND THEN
        INSERT INTO ledger_balances (budget_id, funding_stream_id, account, balance)
        VALUES (NEW.budget_id, NEW.funding_stream_id, NEW.account, NEW.amount);
    END IF;

    SELECT t.commitment_id INTO c FROM ledger_transactions t WHERE t.id = NEW.transaction_id;
    IF c IS NOT NULL AND NEW.account IN ('committed', 'payable', 'paid', 'clawback_receivable') THEN
        UPDATE commitment_balances SET balance = balance + NEW.amount
        WHERE commitment_id = c AND funding_stream_id = NEW.funding_stream_id AND account = NEW.account;
        IF NOT FOUND THEN
            INSERT INTO commitment_balances (commitment_id, funding_stream_id, account, balance)
            VALUES (c, NEW.funding_stream_id, NEW.account, NEW.amount);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER ledger_postings_apply AFTER INSERT ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting();

-- At commit: a transaction has at least two postings and they sum to zero
-- per budget and stream. Deferred, so the postings of one transaction may be
-- inserted one by one.
-- +goose StatementBegin
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t uuid;
BEGIN
    IF TG_TABLE_NAME = 'ledger_transactions' THEN
        t := NEW.id;
        IF (SELECT count(*) FROM ledger_postings p WHERE p.transaction_id = t) < 2 THEN
            RAISE EXCEPTION 'ledger transaction % has fewer than two postings', t
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_transaction_balanced';
        END IF;
    ELSE
        t := NEW.transaction_id;
    END IF;
    IF EXISTS (SELECT 1 FROM ledger_postings p WHERE p.transaction_id = t
               GROUP BY p.budget_id, p.funding_stream_id HAVING sum(p.amount) <> 0) THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', t
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_transaction_balanced';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER ledger_transactions_balanced AFTER INSERT ON ledger_transactions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_transactions_no_truncate BEFORE TRUNCATE ON ledger_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TABLE commitment_balances;
DROP TABLE ledger_balances;
DROP TABLE ledger_postings;
DROP TABLE ledger_transactions;
DROP FUNCTION ledger_check_balanced;
DROP FUNCTION ledger_apply_posting;
DROP TABLE ledger_accounts;
