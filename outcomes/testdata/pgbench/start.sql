-- The shape of starting a trajectory: lock the trajectory and the contract,
-- read version, products, milestones, running count and exposure, lock the
-- eligible balance rows, write the commitment with its parts and a balanced
-- ledger transaction, insert four milestones, update the trajectory, record
-- the spending level, append three audit events, read the trajectory back.
\set r random(1, 100000)
BEGIN;
SELECT * FROM bench_rows WHERE id = :r FOR UPDATE;
SELECT * FROM bench_rows WHERE id = 1 FOR UPDATE;
SELECT count(*) FROM bench_rows WHERE id BETWEEN 1 AND 40 AND state = 'open';
SELECT * FROM bench_rows WHERE id BETWEEN 2 AND 6;
SELECT * FROM bench_rows WHERE id BETWEEN 7 AND 10;
SELECT sum(amount) FROM bench_rows WHERE id BETWEEN 11 AND 20;
SELECT * FROM bench_rows WHERE id = 21;
SELECT count(*) FROM bench_log WHERE ref = :r;
SELECT * FROM bench_rows WHERE id IN (30, 31) ORDER BY id FOR UPDATE;
INSERT INTO bench_log (ref, amount) VALUES (:r, 2000.00);
INSERT INTO bench_log (ref, amount) VALUES (:r, 1500.00), (:r, 500.00);
INSERT INTO bench_log (ref, amount) VALUES (:r, 0);
INSERT INTO bench_log (ref, amount) VALUES (:r, -1500.00), (:r, 1500.00), (:r, -500.00), (:r, 500.00);
UPDATE bench_rows SET n = n + 1 WHERE id IN (30, 31, 32, 33);
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.reserve', 'bench', :r::text, NULL, '{"amount": "2000.00"}'::jsonb, '');
INSERT INTO bench_log (ref, amount) VALUES (:r, 200.00), (:r, 800.00), (:r, 400.00), (:r, 600.00);
UPDATE bench_rows SET state = 'active' WHERE id = :r;
SELECT * FROM bench_rows WHERE id = 1;
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.start', 'bench', :r::text, '{"state": "referred"}'::jsonb, '{"state": "active"}'::jsonb, '');
SELECT * FROM bench_rows WHERE id = :r;
SELECT * FROM bench_rows WHERE id = 2;
SELECT * FROM bench_log WHERE ref = :r ORDER BY id;
COMMIT;
