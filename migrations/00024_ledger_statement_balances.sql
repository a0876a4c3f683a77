-- +goose Up
-- The running balances are kept by one trigger per INSERT statement instead
-- of one per posting: it adds the statement's postings up per budget, stream
-- and account (and per commitment, stream and account) and applies each sum
-- with one UPDATE, inserting the rows that do not exist yet. A payment run
-- that writes thousands of postings in a few statements then updates each
-- balance row a few times, not once per posting (every update adds a row
-- version the next one walks past). Callers still lock the balance rows
-- first (lockBalances), in a fixed order; the CHECKs on the balances and the
-- deferred per-row balance checks are unchanged. The trigger keeps its name,
-- so `tranche check` and BulkLedger.Flush find it as before.

DROP TRIGGER ledger_postings_apply ON ledger_postings;
DROP FUNCTION ledger_apply_posting;

-- +goose StatementBegin
CREATE FUNCTION ledger_apply_postings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- UPDATE first: INSERT … ON CONFLICT would check the CHECK constraint
    -- against the bare sum before it found the existing row.
    UPDATE ledger_balances b SET balance = b.balance + d.total
    FROM (SELECT budget_id, funding_stream_id, account, sum(amount) AS total
          FROM new_postings GROUP BY 1, 2, 3) d
    WHERE b.budget_id = d.budget_id AND b.funding_stream_id = d.funding_stream_id AND b.account = d.account;
    INSERT INTO ledger_balances (budget_id, funding_stream_id, account, balance)
    SELECT d.budget_id, d.funding_stream_id, d.account, d.total
    FROM (SELECT budget_id, funding_stream_id, account, sum(amount) AS total
          FROM new_postings GROUP BY 1, 2, 3) d
    WHERE NOT EXISTS (SELECT 1 FROM ledger_balances b
                      WHERE b.budget_id = d.budget_id AND b.funding_stream_id = d.funding_stream_id AND b.account = d.account)
    ORDER BY 1, 2, 3;

    UPDATE commitment_balances b SET balance = b.balance + d.total
    FROM (SELECT t.commitment_id, p.funding_stream_id, p.account, sum(p.amount) AS total
          FROM new_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
          WHERE t.commitment_id IS NOT NULL AND p.account IN ('committed', 'payable', 'paid', 'clawback_receivable')
          GROUP BY 1, 2, 3) d
    WHERE b.commitment_id = d.commitment_id AND b.funding_stream_id = d.funding_stream_id AND b.account = d.account;
    INSERT INTO commitment_balances (commitment_id, funding_stream_id, account, balance)
    SELECT d.commitment_id, d.funding_stream_id, d.account, d.total
    FROM (SELECT t.commitment_id, p.funding_stream_id, p.account, sum(p.amount) AS total
          FROM new_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
          WHERE t.commitment_id IS NOT NULL AND p.account IN ('committed', 'payable', 'paid', 'clawback_receivable')
          GROUP BY 1, 2, 3) d
    WHERE NOT EXISTS (SELECT 1 FROM commitment_balances b
                      WHERE b.commitment_id = d.commitment_id AND b.funding_stream_id = d.funding_stream_id AND b.account = d.account)
    ORDER BY 1, 2, 3;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER ledger_postings_apply AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_apply_postings();

-- +goose Down
DROP TRIGGER ledger_postings_apply ON ledger_postings;
DROP FUNCTION ledger_apply_postings;

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
