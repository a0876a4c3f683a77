-- The same rows as confirm.sql in a handful of set-based statements: the
-- {n} ledger transactions, their postings (through the same triggers), the
-- accruals, the claims and their history each written by one statement; the
-- audit events still appended one by one (the trail's hash chain), but from
-- one statement.
BEGIN;
INSERT INTO bench_runs (state) VALUES ('exported');
SELECT * FROM bench_runs WHERE id = currval('bench_runs_id_seq') FOR UPDATE;
SELECT id FROM bench_claims WHERE id BETWEEN 1 AND {n} ORDER BY id FOR UPDATE;
SELECT a.id FROM bench_accruals a WHERE a.id BETWEEN 1 AND {n} ORDER BY a.id FOR UPDATE;
SELECT id FROM bench_balances ORDER BY id FOR UPDATE;
CREATE TEMP TABLE bench_new ON COMMIT DROP AS
  WITH t AS (INSERT INTO bench_txns (commitment, accrual, kind, actor) SELECT g / 4 + 1, g, 'pay', 'Financiën' FROM generate_series(1, {n}) g RETURNING id, accrual)
  SELECT * FROM t;
INSERT INTO bench_postings (txn, line, account, stream, amount)
  SELECT t.id, l.line, l.account, t.accrual % 10, l.amount FROM bench_new t, (VALUES (1, 'payable', -200.00), (2, 'paid', 200.00)) l(line, account, amount);
UPDATE bench_accruals SET state = 'paid', n = n + 1 WHERE id BETWEEN 1 AND {n};
SELECT count(audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.pay', 'accrual', g::text, '{"status": "payable", "amount": "200.00"}'::jsonb, '{"status": "paid", "amount": "200.00"}'::jsonb, '')) FROM generate_series(1, {n}) g;
UPDATE bench_claims SET state = 'paid', n = n + 1 WHERE id BETWEEN 1 AND {n};
INSERT INTO bench_history (ref, seq, action, note)
  SELECT h.ref, max(h.seq) + 1, 'pay', 'payment run' FROM bench_history h WHERE h.ref BETWEEN 1 AND {n} GROUP BY h.ref;
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.claims_pay', 'payment_run', 'run', NULL, (SELECT jsonb_build_object('claims', jsonb_agg(gen_random_uuid())) FROM generate_series(1, {n})), '');
UPDATE bench_runs SET state = 'paid' WHERE id = currval('bench_runs_id_seq');
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.confirm', 'payment_run', 'run', '{"state": "exported"}'::jsonb, '{"state": "paid"}'::jsonb, '');
COMMIT;
