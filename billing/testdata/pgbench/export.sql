-- What ExportRun reads and writes when it exports the approved run {run},
-- as plain SQL on the same database: lock the run, check its claims, read
-- the settings and the run's statements, lines and line funding (the Go
-- code builds the SEPA file and the journal from them, which PostgreSQL
-- does not do here), store two files of the size the Go code stores, the
-- run exported, the audit event. pgbench runs it once on a copy of the
-- database taken just before the Go code exported the same run.
BEGIN;
SELECT * FROM payment_runs WHERE id = '{run}' FOR UPDATE;
SELECT i.item_id FROM run_items i LEFT JOIN claims c ON c.id = i.item_id LEFT JOIN accruals a ON a.id = i.item_id
  WHERE i.run_id = '{run}' AND i.kind = 'claim' AND (c.state IS DISTINCT FROM 'approved' OR a.status IS DISTINCT FROM 'payable') LIMIT 5;
SELECT * FROM billing_settings WHERE id = 1;
SELECT * FROM statements WHERE run_id = '{run}' ORDER BY provider_name, provider_id;
SELECT l.* FROM statement_lines l JOIN statements s ON s.id = l.statement_id WHERE s.run_id = '{run}' ORDER BY l.statement_id, l.position;
SELECT f.* FROM statement_line_funding f JOIN statement_lines l ON l.id = f.line_id JOIN statements s ON s.id = l.statement_id WHERE s.run_id = '{run}';
INSERT INTO run_files (run_id, kind, filename, content_type, sha256, data, created_at)
  SELECT '{run}', k, k || '.dat', 'application/octet-stream', sha256(d), d, now()
  FROM (VALUES ('sepa', convert_to(repeat('x', {sepabytes}), 'UTF8')),
               ('journal', convert_to(repeat('x', {journalbytes}), 'UTF8'))) f(k, d);
UPDATE payment_runs SET state = 'exported', exported_by_label = 'Financiën', exported_at = now() WHERE id = '{run}';
SELECT audit_append(gen_random_uuid(), now(), NULL, 'Financiën', 'payment_run.export', 'payment_run', '{run}', NULL,
  (SELECT jsonb_build_object('run', to_jsonb(r)) FROM payment_runs r WHERE r.id = '{run}'), '');
COMMIT;
