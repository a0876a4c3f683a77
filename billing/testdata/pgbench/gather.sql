-- What CreateRun reads and writes when it gathers a run for {start} to
-- {end}, as plain SQL on the same database (same tables, triggers,
-- constraints and indexes), each step one statement for all claims: lock
-- the settings row, look for a draft, read the payable claims with their
-- trajectory, participant and milestone that no live run holds, the open
-- clawbacks and carried balances; work out each line's VAT and each
-- provider's totals; write the run, a statement per provider with the
-- provider's details, a line per claim with its funding per stream, the
-- run's items, and the audit event with the run's summary. pgbench runs it
-- once on a copy of the database the Go code gathered the same run from.
BEGIN;
SELECT * FROM billing_settings WHERE id = 1 FOR UPDATE;
SELECT * FROM payment_runs WHERE period_start = '{start}' AND period_end = '{end}' AND state = 'draft' LIMIT 1;
CREATE TEMP TABLE bench_lines ON COMMIT DROP AS
  SELECT gen_random_uuid() AS id, c.id AS claim_id, c.trajectory_id, t.contract_id, c.provider_id, p.reference AS participant_reference,
         c.milestone_code, m.name AS milestone_name, c.achieved_on, c.amount, k.vat_rate,
         CASE WHEN k.vat_rate IS NULL THEN c.amount ELSE round(c.amount * 100 / (100 + k.vat_rate), 2) END AS net_amount,
         row_number() OVER (PARTITION BY c.provider_id ORDER BY c.decided_at, c.id) AS position
  FROM claims c
  JOIN trajectories t ON t.id = c.trajectory_id
  JOIN participants p ON p.id = t.participant_id
  JOIN trajectory_milestones m ON m.trajectory_id = c.trajectory_id AND m.code = c.milestone_code
  JOIN (SELECT id, CASE WHEN vat_exempt THEN NULL ELSE vat_rate END AS vat_rate FROM contracts) k ON k.id = t.contract_id
  WHERE c.state = 'approved' AND c.decided_at < '{until}'
    AND NOT EXISTS (SELECT 1 FROM run_items i WHERE i.item_id = c.id AND i.kind = 'claim' AND i.live);
SELECT a.id FROM accruals a JOIN claims c ON c.id = a.id
  WHERE a.status = 'reclaiming' AND a.clawed_back_at < '{until}'
    AND NOT EXISTS (SELECT 1 FROM run_items i WHERE i.item_id = a.id AND i.kind = 'clawback' AND i.live);
SELECT s.id FROM statements s JOIN payment_runs r ON r.id = s.run_id
  WHERE r.state = 'paid' AND s.carried_out < 0
    AND NOT EXISTS (SELECT 1 FROM run_items i WHERE i.item_id = s.id AND i.kind = 'carry' AND i.live);
CREATE TEMP TABLE bench_statements ON COMMIT DROP AS
  SELECT gen_random_uuid() AS id, provider_id, sum(net_amount) AS subtotal, sum(amount - net_amount) AS vat_total,
         sum(amount) AS total, count(*) AS line_count
  FROM bench_lines GROUP BY provider_id;
CREATE TEMP TABLE bench_run ON COMMIT DROP AS SELECT gen_random_uuid() AS id;
INSERT INTO payment_runs (id, period_start, period_end, state, statement_count, total_transfer, created_by_label, created_at)
  SELECT r.id, '{start}', '{end}', 'draft', (SELECT count(*) FROM bench_statements), (SELECT sum(total) FROM bench_statements), 'Financiën', now()
  FROM bench_run r;
INSERT INTO statements (id, run_id, provider_id, provider_name, provider_kvk, address_line1, address_line2, postcode, city, country,
                        iban, bic, subtotal, vat_total, total, carried_in, balance, to_transfer, carried_out, line_count)
  SELECT s.id, r.id, s.provider_id, p.legal_name, p.kvk, p.address_line1, p.address_line2, p.postcode, p.city, p.country,
         p.iban, p.bic, s.subtotal, s.vat_total, s.total, 0, s.total, s.total, 0, s.line_count
  FROM bench_statements s JOIN providers p ON p.id = s.provider_id, bench_run r;
INSERT INTO statement_lines (id, statement_id, position, kind, claim_id, participant_reference, trajectory_id, contract_id,
                             milestone_code, milestone_name, achieved_on, net_amount, vat_rate, vat_amount, amount)
  SELECT l.id, s.id, l.position, 'claim', l.claim_id, l.participant_reference, l.trajectory_id, l.contract_id,
         l.milestone_code, l.milestone_name, l.achieved_on, l.net_amount, l.vat_rate, l.amount - l.net_amount, l.amount
  FROM bench_lines l JOIN bench_statements s ON s.provider_id = l.provider_id;
INSERT INTO statement_line_funding (line_id, funding_stream_id, budget_id, stream_name, reporting_code, amount)
  SELECT l.id, ap.funding_stream_id, c.budget_id, fs.name, fs.reporting_code, ap.amount
  FROM bench_lines l
  JOIN accrual_parts ap ON ap.accrual_id = l.claim_id
  JOIN accruals a ON a.id = ap.accrual_id
  JOIN commitments c ON c.id = a.commitment_id
  JOIN funding_streams fs ON fs.id = ap.funding_stream_id;
INSERT INTO run_items (run_id, item_id, kind, live) SELECT r.id, l.claim_id, 'claim', true FROM bench_lines l, bench_run r;
SELECT audit_append(gen_random_uuid(), now(), NULL, 'Financiën', 'payment_run.create', 'payment_run', r.id::text, NULL,
  (SELECT jsonb_build_object('run', to_jsonb(pr), 'statements', (SELECT jsonb_agg(jsonb_build_object('id', s.id, 'provider_id', s.provider_id,
     'lines', s.line_count, 'total', s.total, 'to_transfer', s.total)) FROM bench_statements s)) FROM payment_runs pr WHERE pr.id = r.id), '')
  FROM bench_run r;
COMMIT;
