-- The shape of submitting a claim: lock the trajectory, read its schedule and
-- live claims and the settings, insert the claim, its evidence and its
-- history, append an audit event, read the claim back with its evidence and history.
\set r random(1, 100000)
BEGIN;
SELECT * FROM bench_rows WHERE id = :r FOR UPDATE;
SELECT * FROM bench_rows WHERE id BETWEEN :r AND :r + 3 ORDER BY id;
SELECT count(*) FROM bench_log WHERE ref = :r;
SELECT amount FROM bench_rows WHERE id = 1;
INSERT INTO bench_log (ref, amount) VALUES (:r, 200.00);
INSERT INTO bench_log (ref, amount, data) VALUES (:r, 0, decode(repeat('25', 60), 'hex'));
INSERT INTO bench_log (ref, amount) SELECT :r, coalesce(max(amount), 0) FROM bench_log WHERE ref = :r;
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.submit', 'bench', :r::text, NULL, '{"claim": {"amount": "200.00"}}'::jsonb, '');
SELECT * FROM bench_log WHERE ref = :r ORDER BY id LIMIT 1;
SELECT * FROM bench_rows WHERE id = :r;
SELECT id, ref, amount, at FROM bench_log WHERE ref = :r AND data IS NOT NULL;
SELECT * FROM bench_log WHERE ref = :r ORDER BY id;
COMMIT;
