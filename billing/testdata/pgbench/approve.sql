-- What ApproveRun writes when it approves the draft run {run}, as plain SQL
-- on the same database (same tables, triggers, constraints and indexes),
-- each step one statement for the whole run: lock the run, check that its
-- claims are still approved and payable, hold every claim for the run, lock
-- the year's statement counter and number the run's statements in provider
-- order, the run approved, the audit events. pgbench runs it once on a copy
-- of the database taken just before the Go code approved the same run.
BEGIN;
SELECT * FROM payment_runs WHERE id = '{run}' FOR UPDATE;
SELECT i.item_id FROM run_items i LEFT JOIN claims c ON c.id = i.item_id LEFT JOIN accruals a ON a.id = i.item_id
  WHERE i.run_id = '{run}' AND i.kind = 'claim' AND (c.state IS DISTINCT FROM 'approved' OR a.status IS DISTINCT FROM 'payable') LIMIT 5;
SELECT item_id, kind FROM run_items WHERE run_id = '{run}' ORDER BY kind, item_id;
UPDATE claims SET payment_run_id = '{run}', updated_at = now()
  WHERE id IN (SELECT item_id FROM run_items WHERE run_id = '{run}' AND kind = 'claim') AND state = 'approved' AND payment_run_id IS NULL;
SELECT audit_append(gen_random_uuid(), now(), NULL, 'Financiën', 'claims.hold_for_payment', 'payment_run', '{run}', NULL,
  (SELECT jsonb_build_object('claims', jsonb_agg(item_id ORDER BY item_id)) FROM run_items WHERE run_id = '{run}' AND kind = 'claim'), '');
INSERT INTO statement_numbers (year, last) VALUES ({year}, 0) ON CONFLICT (year) DO NOTHING;
SELECT last FROM statement_numbers WHERE year = {year} FOR UPDATE;
UPDATE statements s SET number = {year}::text || '-' || lpad((n.last + o.k)::text, 4, '0'), number_year = {year}, number_seq = n.last + o.k, issued_on = '{issued}'
  FROM (SELECT id, row_number() OVER (ORDER BY provider_name, provider_id) AS k FROM statements WHERE run_id = '{run}') o, statement_numbers n
  WHERE s.id = o.id AND n.year = {year} AND s.number IS NULL;
UPDATE statement_numbers SET last = last + (SELECT count(*) FROM statements WHERE run_id = '{run}') WHERE year = {year};
UPDATE payment_runs SET state = 'approved', approved_by_label = 'Financiën 2', approved_at = now() WHERE id = '{run}';
SELECT number FROM statements WHERE run_id = '{run}' ORDER BY number;
SELECT audit_append(gen_random_uuid(), now(), NULL, 'Financiën 2', 'payment_run.approve', 'payment_run', '{run}', NULL,
  (SELECT jsonb_build_object('run', to_jsonb(r), 'statement_numbers', (SELECT jsonb_agg(number ORDER BY number) FROM statements WHERE run_id = '{run}'))
   FROM payment_runs r WHERE r.id = '{run}'), '');
COMMIT;
