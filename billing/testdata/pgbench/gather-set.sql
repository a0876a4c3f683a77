-- The same rows as gather.sql with the accruals and their parts read in one
-- statement instead of two per claim.
BEGIN;
SELECT * FROM bench_balances WHERE id = 0 FOR UPDATE;
SELECT * FROM bench_runs WHERE state = 'draft';
SELECT c.id, c.ref, c.amount, a.commitment, m.name FROM bench_claims c JOIN bench_accruals a ON a.id = c.id JOIN bench_commitments m ON m.id = a.commitment JOIN bench_parts p ON p.ref = c.id AND p.pos = 1 WHERE c.id BETWEEN 1 AND {n} AND c.state = 'approved' ORDER BY c.id % 50, c.id;
SELECT item FROM bench_items WHERE live;
SELECT a.id FROM bench_accruals a WHERE a.state = 'reclaiming';
SELECT * FROM bench_runs WHERE state = 'carried';
SELECT p.* FROM bench_parts p WHERE p.ref BETWEEN 1 AND {n} ORDER BY p.ref, p.pos;
SELECT * FROM bench_commitments WHERE id <= 50;
SELECT * FROM bench_commitments WHERE id <= 50;
INSERT INTO bench_runs (state) VALUES ('draft');
INSERT INTO bench_lines (run, statement, claim, description, net, vat, amount)
  SELECT currval('bench_runs_id_seq'), g % 50, g, 'Intake ' || g || ' P-2025-' || g, 200.00, 0, 200.00 FROM generate_series(1, {n}) g;
INSERT INTO bench_funding (line, stream, amount)
  SELECT l.id, p.stream, p.amount FROM bench_lines l JOIN bench_parts p ON p.ref = l.claim WHERE l.run = currval('bench_runs_id_seq');
INSERT INTO bench_items (run, item, live) SELECT currval('bench_runs_id_seq'), g, false FROM generate_series(1, {n}) g;
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.run_create', 'payment_run', 'run', NULL, (SELECT jsonb_build_object('statements', jsonb_agg(jsonb_build_object('id', gen_random_uuid(), 'lines', g, 'total', '1000.00'))) FROM generate_series(1, 50) g), '');
COMMIT;
