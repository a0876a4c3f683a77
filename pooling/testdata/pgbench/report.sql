-- The budget report's own statements on the same database: find the budget
-- (one of the five), then the report's one query (pooling.reportLines) for
-- it: balances from ledger_balances, released and clawed back from
-- ledger_flows.
\set k random(0, 4)
SELECT id AS bid, name, period_start, period_end, created_at FROM budgets ORDER BY name OFFSET :k LIMIT 1 \gset
WITH bal AS (
    SELECT budget_id, funding_stream_id,
           -coalesce(sum(balance) FILTER (WHERE account = 'funding'), 0) AS allocated,
           coalesce(sum(balance) FILTER (WHERE account = 'committed'), 0) AS committed,
           coalesce(sum(balance) FILTER (WHERE account = 'payable'), 0) AS payable,
           coalesce(sum(balance) FILTER (WHERE account = 'paid'), 0) AS paid,
           coalesce(sum(balance) FILTER (WHERE account = 'clawback_receivable'), 0) AS clawback_receivable,
           coalesce(sum(balance) FILTER (WHERE account = 'available'), 0) AS available
    FROM ledger_balances WHERE budget_id = ':bid'
    GROUP BY budget_id, funding_stream_id
), flows AS (
    SELECT budget_id, funding_stream_id,
           coalesce(sum(total) FILTER (WHERE flow = 'released'), 0) AS released,
           coalesce(sum(total) FILTER (WHERE flow = 'clawed_back'), 0) AS clawed_back
    FROM ledger_flows WHERE budget_id = ':bid'
    GROUP BY budget_id, funding_stream_id
)
SELECT bal.budget_id, b.name AS budget_name, bal.funding_stream_id, s.name AS stream_name, s.funder, s.reporting_code,
       bal.allocated, bal.committed, bal.payable, bal.paid, bal.clawback_receivable,
       coalesce(f.released, 0) AS released, coalesce(f.clawed_back, 0) AS clawed_back, bal.available
FROM bal
LEFT JOIN flows f ON f.budget_id = bal.budget_id AND f.funding_stream_id = bal.funding_stream_id
JOIN budgets b ON b.id = bal.budget_id
JOIN funding_streams s ON s.id = bal.funding_stream_id
ORDER BY b.name, bal.budget_id, s.reporting_code, bal.funding_stream_id;
