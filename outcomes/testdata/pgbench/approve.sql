-- The shape of approving a claim: lock the claim, the trajectory and the
-- commitment, read the settings, milestone and holdings, write the accrual
-- with its stream parts and a balanced ledger transaction (whose postings
-- update running balances), update milestone and claim, add history, append
-- three audit events, read the claim back.
\set r random(1, 100000)
BEGIN;
SELECT * FROM bench_rows WHERE id = :r FOR UPDATE;
SELECT amount FROM bench_rows WHERE id = 1;
SELECT * FROM bench_rows WHERE id = :r + 1 FOR UPDATE;
SELECT * FROM bench_rows WHERE id = :r + 2;
SELECT * FROM bench_rows WHERE id = :r + 3 FOR UPDATE;
SELECT sum(amount) FROM bench_log WHERE ref = :r;
INSERT INTO bench_log (ref, amount) VALUES (:r, 200.00);
INSERT INTO bench_log (ref, amount) VALUES (:r, 150.00), (:r, 50.00);
INSERT INTO bench_log (ref, amount) VALUES (:r, 0);
INSERT INTO bench_log (ref, amount) VALUES (:r, -150.00), (:r, 150.00), (:r, -50.00), (:r, 50.00);
UPDATE bench_rows SET amount = amount - 0, n = n + 1 WHERE id IN (:r + 10, :r + 11, :r + 12, :r + 13);
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.accrue', 'bench', :r::text, NULL, '{"amount": "200.00"}'::jsonb, '');
UPDATE bench_rows SET state = 'verified' WHERE id = :r + 2;
UPDATE bench_rows SET state = 'approved', n = n + 1 WHERE id = :r;
INSERT INTO bench_log (ref, amount) SELECT :r, 0 FROM bench_rows WHERE id = :r;
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.approve', 'bench', :r::text, '{"state": "submitted"}'::jsonb, '{"state": "approved"}'::jsonb, '');
SELECT count(*) FROM bench_rows WHERE id BETWEEN :r AND :r + 3 AND state = 'open';
SELECT * FROM bench_rows WHERE id = :r;
SELECT * FROM bench_log WHERE ref = :r ORDER BY id;
COMMIT;
