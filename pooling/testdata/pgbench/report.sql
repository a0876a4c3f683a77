-- The budget report's own statements on the same database: find the budget
-- (one of the five), then the report's one aggregate over the ledger (the query of
-- pooling.reportLines) for it.
\set k random(0, 4)
SELECT id AS bid, name, period_start, period_end, created_at FROM budgets ORDER BY name OFFSET :k LIMIT 1 \gset
SELECT p.budget_id, b.name AS budget_name, p.funding_stream_id, s.name AS stream_name, s.funder, s.reporting_code,
       -coalesce(sum(p.amount) FILTER (WHERE p.account = 'funding'), 0) AS allocated,
       coalesce(sum(p.amount) FILTER (WHERE p.account = 'committed'), 0) AS committed,
       coalesce(sum(p.amount) FILTER (WHERE p.account = 'payable'), 0) AS payable,
       coalesce(sum(p.amount) FILTER (WHERE p.account = 'paid'), 0) AS paid,
       coalesce(sum(p.amount) FILTER (WHERE p.account = 'clawback_receivable'), 0) AS clawback_receivable,
       coalesce(sum(p.amount) FILTER (WHERE t.kind = 'release' AND p.account = 'available'), 0) AS released,
       coalesce(sum(p.amount) FILTER (WHERE t.kind = 'claw_back' AND p.amount > 0), 0) AS clawed_back,
       coalesce(sum(p.amount) FILTER (WHERE p.account = 'available'), 0) AS available
FROM ledger_postings p
JOIN ledger_transactions t ON t.id = p.transaction_id
JOIN budgets b ON b.id = p.budget_id
JOIN funding_streams s ON s.id = p.funding_stream_id
WHERE p.budget_id = ':bid'
GROUP BY p.budget_id, b.name, p.funding_stream_id, s.name, s.funder, s.reporting_code
ORDER BY b.name, p.budget_id, s.reporting_code, p.funding_stream_id;
