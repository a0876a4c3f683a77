-- +goose Up
-- Outcomes: participants, referrals and trajectories, outcome claims with
-- evidence, verification, register imports.

-- The rules a municipality sets for verification (one row).
CREATE TABLE outcome_settings (
    id                      smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    answer_working_days     integer NOT NULL DEFAULT 10 CHECK (answer_working_days BETWEEN 1 AND 90),
    second_approval_above   numeric(14,2) NOT NULL DEFAULT 5000.00 CHECK (second_approval_above >= 0),
    objection_days          integer NOT NULL DEFAULT 14 CHECK (objection_days BETWEEN 1 AND 365),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
INSERT INTO outcome_settings (id) VALUES (1);

-- Gapless participant numbers per year: P-2005-0001, P-2005-0002 …
CREATE TABLE participant_numbers (
    year  integer PRIMARY KEY,
    last  integer NOT NULL CHECK (last >= 0)
);

CREATE TABLE participants (
    id             uuid PRIMARY KEY,
    reference      text NOT NULL CONSTRAINT participants_reference_key UNIQUE CHECK (reference ~ '^P-[0-9]{4}-[0-9]{4,}$'),
    given_names    text NOT NULL,
    family_name    text NOT NULL,
    date_of_birth  date,
    gender         text NOT NULL DEFAULT 'unknown' CHECK (gender IN ('female', 'male', 'other', 'unknown')),
    bsn            text CHECK (bsn ~ '^[0-9]{9}$'),
    arrival_date   date,
    status_group   text NOT NULL DEFAULT '',
    municipality   text NOT NULL DEFAULT '',
    created_by     uuid,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX participants_bsn_key ON participants (bsn) WHERE bsn IS NOT NULL;

CREATE TABLE trajectories (
    id                   uuid PRIMARY KEY,
    participant_id       uuid NOT NULL REFERENCES participants(id),
    contract_id          uuid NOT NULL REFERENCES contracts(id),
    provider_id          uuid NOT NULL REFERENCES providers(id),
    product_code         text NOT NULL,
    state                text NOT NULL CHECK (state IN ('referred', 'active', 'completed', 'terminated', 'declined')),
    contract_version_id  uuid REFERENCES contract_versions(id),
    budget_id            uuid,
    category_code        text,
    price                numeric(14,2) CHECK (price > 0),
    start_date           date,
    end_date             date,
    referred_by          uuid,
    referred_at          timestamptz NOT NULL,
    note                 text NOT NULL DEFAULT '',
    end_reason           text NOT NULL DEFAULT '',
    updated_at           timestamptz NOT NULL,
    CHECK (state IN ('referred', 'declined') OR (contract_version_id IS NOT NULL AND price IS NOT NULL AND start_date IS NOT NULL AND budget_id IS NOT NULL))
);
CREATE INDEX trajectories_participant_idx ON trajectories (participant_id);
CREATE INDEX trajectories_provider_idx ON trajectories (provider_id, state);
CREATE INDEX trajectories_contract_idx ON trajectories (contract_id, state);

-- A started trajectory's milestones with their tranche amounts, frozen at
-- the start from the contract version it started under.
CREATE TABLE trajectory_milestones (
    trajectory_id      uuid NOT NULL REFERENCES trajectories(id),
    code               text NOT NULL,
    position           integer NOT NULL,
    name               text NOT NULL,
    outcome_domain     text NOT NULL,
    amount             numeric(14,2) NOT NULL CHECK (amount >= 0),
    deadline           date NOT NULL,
    prerequisites      text[] NOT NULL DEFAULT '{}',
    evidence_required  boolean NOT NULL DEFAULT false,
    -- open: can be claimed; verified: an approved (or paid) claim holds it;
    -- released: its money went back to the budget (deadline passed, or the
    -- trajectory ended early).
    state              text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'verified', 'released')),
    released_at        timestamptz,
    PRIMARY KEY (trajectory_id, code)
);

CREATE TABLE claims (
    id                    uuid PRIMARY KEY,
    trajectory_id         uuid NOT NULL,
    milestone_code        text NOT NULL,
    provider_id           uuid NOT NULL REFERENCES providers(id),
    state                 text NOT NULL CHECK (state IN ('submitted', 'changes_requested', 'awaiting_second_approval',
                                                        'approved', 'rejected', 'objected', 'paid', 'revoked')),
    amount                numeric(14,2) NOT NULL CHECK (amount >= 0),
    achieved_on           date NOT NULL,
    note                  text NOT NULL DEFAULT '',
    source                text NOT NULL DEFAULT 'verifier' CHECK (source IN ('verifier', 'register')),
    submitted_by          uuid,
    submitted_at          timestamptz NOT NULL,
    due_on                date NOT NULL,
    first_approved_by     uuid,
    decided_by            uuid,
    decided_at            timestamptz,
    reason_code           text,
    decision_note         text NOT NULL DEFAULT '',
    objected_at           timestamptz,
    objection_note        text NOT NULL DEFAULT '',
    revoked_reason        text NOT NULL DEFAULT '',
    updated_at            timestamptz NOT NULL,
    FOREIGN KEY (trajectory_id, milestone_code) REFERENCES trajectory_milestones (trajectory_id, code)
);
-- At most one live claim per milestone: rejected and revoked claims are dead.
CREATE UNIQUE INDEX claims_one_live_per_milestone ON claims (trajectory_id, milestone_code)
    WHERE state NOT IN ('rejected', 'revoked');
CREATE INDEX claims_state_due_idx ON claims (state, due_on);
CREATE INDEX claims_provider_idx ON claims (provider_id, state);

-- What happened to a claim, for the people who work on it.
CREATE TABLE claim_history (
    claim_id    uuid NOT NULL REFERENCES claims(id),
    seq         integer NOT NULL,
    at          timestamptz NOT NULL,
    actor_id    uuid,
    actor       text NOT NULL,
    action      text NOT NULL,
    from_state  text,
    to_state    text NOT NULL,
    note        text NOT NULL DEFAULT '',
    PRIMARY KEY (claim_id, seq)
);

CREATE TABLE evidence (
    claim_id      uuid NOT NULL REFERENCES claims(id),
    n             integer NOT NULL CHECK (n > 0),
    filename      text NOT NULL,
    content_type  text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size          integer NOT NULL CHECK (size > 0 AND size <= 10485760),
    sha256        bytea NOT NULL,
    data          bytea NOT NULL,
    uploaded_by   uuid,
    uploaded_at   timestamptz NOT NULL,
    PRIMARY KEY (claim_id, n)
);

CREATE TABLE register_imports (
    id           uuid PRIMARY KEY,
    filename     text NOT NULL,
    sha256       bytea NOT NULL,
    imported_by  uuid,
    imported_at  timestamptz NOT NULL,
    rows         integer NOT NULL,
    matched      integer NOT NULL,
    verified     integer NOT NULL,
    unmatched    jsonb NOT NULL
);

-- +goose Down
DROP TABLE register_imports;
DROP TABLE evidence;
DROP TABLE claim_history;
DROP TABLE claims;
DROP TABLE trajectory_milestones;
DROP TABLE trajectories;
DROP TABLE participants;
DROP TABLE participant_numbers;
DROP TABLE outcome_settings;
