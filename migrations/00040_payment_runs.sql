-- +goose Up
-- Billing: payment runs, the claims and clawbacks each run holds, and the
-- municipality's payment settings. See docs/billing.md.

-- How the municipality pays (one row): the debtor of every SEPA transfer
-- and the pain.001 version its bank wants.
CREATE TABLE billing_settings (
    id              smallint PRIMARY KEY DEFAULT 1 CONSTRAINT billing_settings_one_row CHECK (id = 1),
    debtor_name     text NOT NULL CONSTRAINT billing_settings_name CHECK (length(debtor_name) BETWEEN 1 AND 70),
    debtor_iban     text NOT NULL CONSTRAINT billing_settings_iban CHECK (debtor_iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$'),
    debtor_bic      text NOT NULL DEFAULT '' CONSTRAINT billing_settings_bic
                    CHECK (debtor_bic = '' OR debtor_bic ~ '^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$'),
    street          text NOT NULL DEFAULT '',
    postcode        text NOT NULL DEFAULT '',
    town            text NOT NULL DEFAULT '',
    country         text NOT NULL DEFAULT 'NL' CONSTRAINT billing_settings_country CHECK (country ~ '^[A-Z]{2}$'),
    pain_version    text NOT NULL DEFAULT 'pain.001.001.09'
                    CONSTRAINT billing_settings_pain_version CHECK (pain_version IN ('pain.001.001.09', 'pain.001.001.03')),
    execution_days  integer NOT NULL DEFAULT 1 CONSTRAINT billing_settings_execution_days CHECK (execution_days BETWEEN 0 AND 30),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Demo defaults: a fictional account at BNG Bank, valid by its check digits.
INSERT INTO billing_settings (id, debtor_name, debtor_iban, debtor_bic, street, postcode, town, country)
VALUES (1, 'Gemeente Enschede', 'NL14BNGH0285001234', 'BNGHNL2G', 'Langestraat 24', '7511 HC', 'Enschede', 'NL');

-- state: draft → approved → exported → paid, or draft → cancelled.
CREATE TABLE payment_runs (
    id                uuid PRIMARY KEY,
    period_start      date NOT NULL,
    period_end        date NOT NULL,
    state             text NOT NULL CONSTRAINT payment_runs_state
                      CHECK (state IN ('draft', 'approved', 'exported', 'paid', 'cancelled')),
    statement_count   integer NOT NULL DEFAULT 0 CONSTRAINT payment_runs_statement_count CHECK (statement_count >= 0),
    total_transfer    numeric(14,2) NOT NULL DEFAULT 0 CONSTRAINT payment_runs_total_not_negative CHECK (total_transfer >= 0),
    created_by        uuid,
    created_by_label  text NOT NULL,
    created_at        timestamptz NOT NULL,
    approved_by       uuid,
    approved_by_label text,
    approved_at       timestamptz,
    exported_by_label text,
    exported_at       timestamptz,
    paid_by_label     text,
    paid_at           timestamptz,
    cancelled_by_label text,
    cancelled_at      timestamptz,
    cancel_reason     text NOT NULL DEFAULT '',
    CONSTRAINT payment_runs_period CHECK (period_end >= period_start),
    CONSTRAINT payment_runs_approved CHECK ((state IN ('approved', 'exported', 'paid')) = (approved_at IS NOT NULL AND approved_by_label IS NOT NULL)),
    CONSTRAINT payment_runs_exported CHECK ((state IN ('exported', 'paid')) = (exported_at IS NOT NULL AND exported_by_label IS NOT NULL)),
    CONSTRAINT payment_runs_paid CHECK ((state = 'paid') = (paid_at IS NOT NULL AND paid_by_label IS NOT NULL)),
    CONSTRAINT payment_runs_cancelled CHECK ((state = 'cancelled') = (cancelled_at IS NOT NULL AND cancelled_by_label IS NOT NULL)),
    -- Separation of duties: nobody approves a run they created.
    CONSTRAINT payment_runs_four_eyes CHECK (approved_by IS NULL OR created_by IS NULL OR approved_by <> created_by)
);
-- At most one draft per period: creating a run for a period while its draft
-- exists returns that draft.
CREATE UNIQUE INDEX payment_runs_one_draft_per_period ON payment_runs (period_start, period_end) WHERE state = 'draft';
CREATE INDEX payment_runs_state_idx ON payment_runs (state);

-- What a run holds: approved claims it pays (kind claim), paid-then-revoked
-- claims whose money it nets (kind clawback, item = the claim, which is also
-- the pooling accrual), and negative balances of earlier statements it
-- carries in (kind carry, item = that statement). live is false once the run
-- is cancelled. The partial unique index is the database's rule that an item
-- is in at most one run that is not cancelled.
CREATE TABLE run_items (
    run_id   uuid NOT NULL REFERENCES payment_runs(id),
    item_id  uuid NOT NULL,
    kind     text NOT NULL CONSTRAINT run_items_kind CHECK (kind IN ('claim', 'clawback', 'carry')),
    live     boolean NOT NULL DEFAULT true,
    PRIMARY KEY (run_id, item_id, kind)
);
CREATE UNIQUE INDEX run_items_one_live_run ON run_items (item_id, kind) WHERE live;

-- Gapless statement numbers per year: 2005-0001, 2005-0002 … The row of a
-- year is locked while a run's statements are numbered.
CREATE TABLE statement_numbers (
    year  integer PRIMARY KEY CONSTRAINT statement_numbers_year CHECK (year BETWEEN 2000 AND 9999),
    last  integer NOT NULL CONSTRAINT statement_numbers_last CHECK (last >= 0)
);

-- +goose Down
DROP TABLE statement_numbers;
DROP TABLE run_items;
DROP TABLE payment_runs;
DROP TABLE billing_settings;
