-- The shape of confirming a payment run of {n} claims, statement by
-- statement as ConfirmRun sends them: lock the run, read its items, lock
-- the claims in one statement and check them; then per claim (pooling's
-- Pay) lock the accrual with its commitment, read its parts, lock the
-- balance rows, write a ledger transaction and its postings (a trigger
-- updates the running balances, deferred triggers check the balance at
-- commit), update the accrual and append an audit event; then (outcomes'
-- MarkPaid) read the claims, update them in one statement, add a history
-- row per claim and one audit event listing them; update the run and
-- append its audit event.
BEGIN;
INSERT INTO bench_runs (state) VALUES ('exported');
SELECT * FROM bench_runs WHERE id = currval('bench_runs_id_seq') FOR UPDATE;
SELECT id, 'claim' FROM bench_claims WHERE id BETWEEN 1 AND {n} ORDER BY id;
SELECT id FROM bench_claims WHERE id BETWEEN 1 AND {n} ORDER BY id FOR UPDATE;
SELECT c.id FROM bench_claims c LEFT JOIN bench_accruals a ON a.id = c.id WHERE c.id BETWEEN 1 AND {n} AND (c.state IS DISTINCT FROM 'approved' OR a.state IS DISTINCT FROM 'payable') AND c.n < 0 LIMIT 5;
-- each claim {
SELECT a.*, c.name FROM bench_accruals a JOIN bench_commitments c ON c.id = a.commitment WHERE a.id = {i} FOR UPDATE OF a;
SELECT * FROM bench_parts WHERE ref = {i} ORDER BY pos;
SELECT id FROM bench_balances WHERE id IN (({i} % 10) * 10 + 1, ({i} % 10) * 10 + 2) ORDER BY id FOR UPDATE;
INSERT INTO bench_txns (commitment, accrual, kind, actor) VALUES ({i} / 4 + 1, {i}, 'pay', 'Financiën');
INSERT INTO bench_postings (txn, line, account, stream, amount) VALUES (currval('bench_txns_id_seq'), 1, 'payable', {i} % 10, -200.00);
INSERT INTO bench_postings (txn, line, account, stream, amount) VALUES (currval('bench_txns_id_seq'), 2, 'paid', {i} % 10, 200.00);
UPDATE bench_accruals SET state = 'paid', n = n + 1 WHERE id = {i};
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.pay', 'accrual', '{i}', '{"status": "payable", "amount": "200.00"}'::jsonb, '{"status": "paid", "amount": "200.00"}'::jsonb, '');
-- }
SELECT * FROM bench_claims WHERE id BETWEEN 1 AND {n} ORDER BY id;
UPDATE bench_claims SET state = 'paid', n = n + 1 WHERE id BETWEEN 1 AND {n};
-- each claim {
INSERT INTO bench_history (ref, seq, action, note) SELECT {i}, coalesce(max(seq), 0) + 1, 'pay', 'payment run' FROM bench_history WHERE ref = {i};
-- }
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.claims_pay', 'payment_run', 'run', NULL, (SELECT jsonb_build_object('claims', jsonb_agg(gen_random_uuid())) FROM generate_series(1, {n})), '');
UPDATE bench_runs SET state = 'paid' WHERE id = currval('bench_runs_id_seq');
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.confirm', 'payment_run', 'run', '{"state": "exported"}'::jsonb, '{"state": "paid"}'::jsonb, '');
COMMIT;
