-- +goose Up
-- The accountability report's two totals of movements, per budget and
-- stream, kept beside the running balances by the same statement trigger:
-- released (what commitments gave back to available) and clawed back (what
-- claw-back transactions moved back, before or after payment). The report
-- then reads a few rows per stream instead of every posting of its budget
-- (437 ms at 100 000 participants). tranche check recomputes both from the
-- postings.
CREATE TABLE ledger_flows (
    budget_id          uuid NOT NULL REFERENCES budgets(id),
    funding_stream_id  uuid NOT NULL REFERENCES funding_streams(id),
    flow               text NOT NULL CONSTRAINT ledger_flows_flow CHECK (flow IN ('released', 'clawed_back')),
    total              numeric(14,2) NOT NULL,
    PRIMARY KEY (budget_id, funding_stream_id, flow)
);

INSERT INTO ledger_flows (budget_id, funding_stream_id, flow, total)
SELECT p.budget_id, p.funding_stream_id, CASE t.kind WHEN 'release' THEN 'released' ELSE 'clawed_back' END, sum(p.amount)
FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
WHERE (t.kind = 'release' AND p.account = 'available') OR (t.kind = 'claw_back' AND p.amount > 0)
GROUP BY 1, 2, 3;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ledger_apply_postings() RETURNS trigger LANGUAGE plpgsql AS $$
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

    -- The report's totals of movements (no CHECK on them, so one upsert).
    INSERT INTO ledger_flows AS f (budget_id, funding_stream_id, flow, total)
    SELECT p.budget_id, p.funding_stream_id, CASE t.kind WHEN 'release' THEN 'released' ELSE 'clawed_back' END, sum(p.amount)
    FROM new_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
    WHERE (t.kind = 'release' AND p.account = 'available') OR (t.kind = 'claw_back' AND p.amount > 0)
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (budget_id, funding_stream_id, flow) DO UPDATE SET total = f.total + EXCLUDED.total;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ledger_apply_postings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
DROP TABLE ledger_flows;
