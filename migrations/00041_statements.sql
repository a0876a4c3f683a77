-- +goose Up
-- Billing: statements (one per provider per run), their lines and the
-- funding attribution of each line.

-- Amounts: subtotal (excl. VAT) + vat_total = total, this run's own money,
-- negative when clawbacks exceed claims. carried_in (≤ 0) is an earlier
-- statement's negative balance. balance = total + carried_in; a positive
-- balance is transferred, a negative one is carried out to the provider's
-- next run. Never a negative transfer.
CREATE TABLE statements (
    id             uuid PRIMARY KEY,
    run_id         uuid NOT NULL REFERENCES payment_runs(id),
    provider_id    uuid NOT NULL REFERENCES providers(id),
    number         text CONSTRAINT statements_number_key UNIQUE
                   CONSTRAINT statements_number_format CHECK (number ~ '^[0-9]{4}-[0-9]{4,}$'),
    number_year    integer,
    number_seq     integer CONSTRAINT statements_number_seq CHECK (number_seq >= 1),
    issued_on      date,
    -- The provider as it was when the run was created.
    provider_name  text NOT NULL,
    provider_kvk   text NOT NULL,
    address_line1  text NOT NULL DEFAULT '',
    address_line2  text NOT NULL DEFAULT '',
    postcode       text NOT NULL DEFAULT '',
    city           text NOT NULL DEFAULT '',
    country        text NOT NULL DEFAULT 'NL',
    iban           text NOT NULL CONSTRAINT statements_iban CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$'),
    bic            text NOT NULL DEFAULT '',
    subtotal       numeric(14,2) NOT NULL,
    vat_total      numeric(14,2) NOT NULL,
    total          numeric(14,2) NOT NULL,
    carried_in     numeric(14,2) NOT NULL DEFAULT 0 CONSTRAINT statements_carried_in_not_positive CHECK (carried_in <= 0),
    balance        numeric(14,2) NOT NULL,
    to_transfer    numeric(14,2) NOT NULL CONSTRAINT statements_transfer_not_negative CHECK (to_transfer >= 0),
    carried_out    numeric(14,2) NOT NULL CONSTRAINT statements_carried_out_not_positive CHECK (carried_out <= 0),
    line_count     integer NOT NULL CONSTRAINT statements_line_count CHECK (line_count >= 1),
    CONSTRAINT statements_one_per_provider UNIQUE (run_id, provider_id),
    CONSTRAINT statements_year_seq_key UNIQUE (number_year, number_seq),
    CONSTRAINT statements_number_parts CHECK (
        (number IS NULL AND number_year IS NULL AND number_seq IS NULL AND issued_on IS NULL)
        OR (number IS NOT NULL AND issued_on IS NOT NULL AND number = number_year::text || '-' || CASE WHEN number_seq < 10000 THEN lpad(number_seq::text, 4, '0') ELSE number_seq::text END)),
    CONSTRAINT statements_total CHECK (total = subtotal + vat_total),
    CONSTRAINT statements_balance CHECK (balance = total + carried_in),
    CONSTRAINT statements_transfer CHECK (to_transfer = greatest(balance, 0) AND carried_out = least(balance, 0))
);
CREATE INDEX statements_run_idx ON statements (run_id);
CREATE INDEX statements_provider_idx ON statements (provider_id);

-- kind claim: an approved claim paid by the run (amount > 0); clawback: a
-- paid claim revoked since, netted (amount < 0); carried: an earlier
-- statement's negative balance (amount < 0, no VAT). Never a name or BSN:
-- the participant appears by reference only.
CREATE TABLE statement_lines (
    id                     uuid PRIMARY KEY,
    statement_id           uuid NOT NULL REFERENCES statements(id),
    position               integer NOT NULL CONSTRAINT statement_lines_position CHECK (position >= 1),
    kind                   text NOT NULL CONSTRAINT statement_lines_kind CHECK (kind IN ('claim', 'clawback', 'carried')),
    claim_id               uuid REFERENCES claims(id),
    carried_from           uuid REFERENCES statements(id),
    participant_reference  text NOT NULL DEFAULT '',
    trajectory_id          uuid,
    contract_id            uuid,
    milestone_code         text NOT NULL DEFAULT '',
    milestone_name         text NOT NULL DEFAULT '',
    achieved_on            date,
    description            text NOT NULL DEFAULT '',
    net_amount             numeric(14,2) NOT NULL,
    vat_rate               numeric(5,2) CONSTRAINT statement_lines_vat_rate CHECK (vat_rate BETWEEN 0 AND 100),
    vat_amount             numeric(14,2) NOT NULL,
    amount                 numeric(14,2) NOT NULL,
    CONSTRAINT statement_lines_position_key UNIQUE (statement_id, position),
    CONSTRAINT statement_lines_links CHECK (
        (kind = 'carried') = (claim_id IS NULL) AND (kind = 'carried') = (carried_from IS NOT NULL)),
    CONSTRAINT statement_lines_claim_fields CHECK (kind = 'carried' OR (
        participant_reference ~ '^P-[0-9]{4}-[0-9]{4,}$' AND trajectory_id IS NOT NULL AND contract_id IS NOT NULL
        AND milestone_code <> '' AND achieved_on IS NOT NULL)),
    CONSTRAINT statement_lines_amount CHECK (amount = net_amount + vat_amount),
    CONSTRAINT statement_lines_sign CHECK (CASE WHEN kind = 'claim' THEN amount > 0 AND net_amount >= 0 AND vat_amount >= 0
                                                ELSE amount < 0 AND net_amount <= 0 AND vat_amount <= 0 END),
    CONSTRAINT statement_lines_vat CHECK ((vat_rate IS NOT NULL) OR vat_amount = 0),
    CONSTRAINT statement_lines_carried_no_vat CHECK (kind <> 'carried' OR (vat_rate IS NULL AND vat_amount = 0))
);
CREATE INDEX statement_lines_claim_idx ON statement_lines (claim_id);

-- Which funding streams pay a line (pooling's split of the accrual, signed
-- like the line). The parts of a claim or clawback line sum to its amount.
CREATE TABLE statement_line_funding (
    line_id            uuid NOT NULL REFERENCES statement_lines(id),
    funding_stream_id  uuid NOT NULL REFERENCES funding_streams(id),
    budget_id          uuid NOT NULL REFERENCES budgets(id),
    stream_name        text NOT NULL,
    reporting_code     text NOT NULL,
    amount             numeric(14,2) NOT NULL CONSTRAINT statement_line_funding_nonzero CHECK (amount <> 0),
    PRIMARY KEY (line_id, funding_stream_id)
);

-- +goose Down
DROP TABLE statement_line_funding;
DROP TABLE statement_lines;
DROP TABLE statements;
