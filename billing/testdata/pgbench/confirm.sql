-- What ConfirmRun writes when it confirms the exported run {run}, as plain
-- SQL on the same database (same tables, triggers, constraints and indexes),
-- each step one statement for all of the run's claims: lock the run, its
-- claims, their commitments and accruals and the balance rows they touch;
-- one ledger transaction per accrual with its postings payable -> paid (the
-- statement trigger keeps the balances, the deferred triggers check every
-- transaction at commit); the accruals paid; an audit event per accrual
-- through audit_append_many; the claims paid with a history step each and
-- one audit event; the run paid and audited. pgbench runs it once on a copy
-- of the database taken just before the Go code confirmed the same run.
BEGIN;
SELECT * FROM payment_runs WHERE id = '{run}' FOR UPDATE;
CREATE TEMP TABLE bench_items ON COMMIT DROP AS
  SELECT item_id AS id FROM run_items WHERE run_id = '{run}' AND kind = 'claim' AND live;
SELECT id FROM claims WHERE id IN (SELECT id FROM bench_items) ORDER BY id FOR UPDATE;
SELECT id FROM commitments WHERE id IN (SELECT commitment_id FROM accruals WHERE id IN (SELECT id FROM bench_items)) ORDER BY id FOR UPDATE;
CREATE TEMP TABLE bench_pay ON COMMIT DROP AS
  SELECT a.id AS accrual_id, a.commitment_id, c.budget_id, gen_random_uuid() AS txn
  FROM accruals a JOIN commitments c ON c.id = a.commitment_id
  WHERE a.id IN (SELECT id FROM bench_items) AND a.status = 'payable'
  ORDER BY a.id FOR UPDATE OF a;
CREATE TEMP TABLE bench_parts ON COMMIT DROP AS
  SELECT p.txn, p.budget_id, ap.funding_stream_id, ap.amount, row_number() OVER (PARTITION BY ap.accrual_id ORDER BY cp.position) AS n
  FROM bench_pay p JOIN accrual_parts ap ON ap.accrual_id = p.accrual_id
  JOIN commitment_parts cp ON cp.commitment_id = p.commitment_id AND cp.funding_stream_id = ap.funding_stream_id;
SELECT b.account FROM ledger_balances b
  WHERE (b.budget_id, b.funding_stream_id, b.account) IN (SELECT DISTINCT budget_id, funding_stream_id, x.account FROM bench_parts, (VALUES ('payable'), ('paid')) x(account))
  ORDER BY b.budget_id, b.funding_stream_id, b.account FOR UPDATE;
INSERT INTO ledger_transactions (id, kind, commitment_id, accrual_id, memo, actor, created_at)
  SELECT txn, 'pay', commitment_id, accrual_id, '', 'Financiën', now() FROM bench_pay ORDER BY accrual_id;
INSERT INTO ledger_postings (transaction_id, line, account, budget_id, funding_stream_id, amount)
  SELECT txn, 2 * n - 1 + x.k, x.account, budget_id, funding_stream_id, CASE x.k WHEN 0 THEN -amount ELSE amount END
  FROM bench_parts, (VALUES (0, 'payable'), (1, 'paid')) x(k, account);
UPDATE accruals SET status = 'paid', payment_id = '{run}', paid_at = now() WHERE id IN (SELECT accrual_id FROM bench_pay);
SELECT audit_append_many(now(), NULL, 'Financiën',
  (SELECT jsonb_agg(jsonb_build_object('id', gen_random_uuid(), 'action', 'accrual.pay', 'entity_type', 'accrual', 'entity_id', a.id::text,
     'before', to_jsonb(a) || '{"status": "payable", "payment_id": null, "paid_at": null}'::jsonb, 'after', to_jsonb(a)) ORDER BY a.id)
   FROM accruals a WHERE a.id IN (SELECT accrual_id FROM bench_pay)), '');
UPDATE claims SET state = 'paid', updated_at = now() WHERE id IN (SELECT id FROM bench_items) AND state = 'approved';
INSERT INTO claim_history (claim_id, seq, at, actor_id, actor, action, from_state, to_state, note)
  SELECT i.id, coalesce((SELECT max(h.seq) FROM claim_history h WHERE h.claim_id = i.id), 0) + 1, now(), NULL, 'Financiën',
         'pay', 'approved', 'paid', 'payment run {run}'
  FROM bench_items i;
SELECT audit_append(gen_random_uuid(), now(), NULL, 'Financiën', 'claims.pay', 'payment_run', '{run}', NULL,
  (SELECT jsonb_build_object('claims', jsonb_agg(id ORDER BY id)) FROM bench_items), '');
UPDATE payment_runs SET state = 'paid', paid_by_label = 'Financiën', paid_at = now() WHERE id = '{run}';
SELECT audit_append(gen_random_uuid(), now(), NULL, 'Financiën', 'payment_run.confirm', 'payment_run', '{run}', NULL,
  (SELECT jsonb_build_object('run', to_jsonb(r), 'claims_paid', (SELECT count(*) FROM bench_items)) FROM payment_runs r WHERE r.id = '{run}'), '');
COMMIT;
