-- The shape of an allocation: read the budget, lock the funding stream,
-- insert the allocation, make sure the balance rows of budget and stream
-- exist, lock the two balance rows the postings touch, write a ledger
-- transaction with two postings (a trigger updates the running balances,
-- deferred triggers check the balance at commit), append an audit event.
\set b random(1, 5)
\set s random(6, 10)
BEGIN;
SELECT * FROM bench_rows WHERE id = :b;
SELECT * FROM bench_rows WHERE id = :s FOR UPDATE;
INSERT INTO bench_allocations VALUES (gen_random_uuid(), :b, :s, 1.00, now());
INSERT INTO bench_balances (budget, stream, account, amount) SELECT :b, :s, code, 0 FROM bench_accounts ORDER BY code ON CONFLICT (budget, stream, account) DO NOTHING;
SELECT account FROM bench_balances WHERE (budget, stream, account) IN ((:b, :s, 'funding'), (:b, :s, 'available')) ORDER BY budget, stream, account FOR UPDATE;
INSERT INTO bench_txns (id, kind, actor) VALUES (gen_random_uuid(), 'allocate', 'Inkoop') RETURNING id \gset
INSERT INTO bench_postings VALUES (':id', 1, 'funding', :b, :s, -1.00);
INSERT INTO bench_postings VALUES (':id', 2, 'available', :b, :s, 1.00);
SELECT audit_append(gen_random_uuid(), now(), NULL, 'bench', 'bench.allocate', 'allocation', :b::text, NULL, '{"amount": "1.00", "stream": "x"}'::jsonb, '');
COMMIT;
