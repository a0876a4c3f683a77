-- +goose Up
-- Procurement: how a contract is bought. A tender (open procedure or open
-- house) has award criteria and lots; providers ask questions and submit
-- bids per lot, sealed until two procurement users open the tender; a
-- committee of evaluators scores the bids blind; two procurement users
-- decide the award per lot; after the standstill each awarded bid becomes a
-- draft contract. The evaluator is a role of its own.

ALTER TABLE user_roles DROP CONSTRAINT user_roles_role_check;
ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_check
    CHECK (role IN ('admin', 'procurement', 'casemanager', 'verifier', 'finance', 'provider', 'auditor', 'evaluator'));

CREATE TABLE tenders (
    id                   uuid PRIMARY KEY,
    reference            text NOT NULL
                         CONSTRAINT tenders_reference_key UNIQUE
                         CONSTRAINT tenders_reference_format CHECK (reference ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,23}$'),
    title                text NOT NULL CHECK (title <> ''),
    description          text NOT NULL DEFAULT '',
    procedure            text NOT NULL CONSTRAINT tenders_procedure_known CHECK (procedure IN ('open', 'open_house')),
    budget_id            uuid NOT NULL REFERENCES budgets(id),
    publication_date     date NOT NULL,
    questions_deadline   timestamptz NOT NULL,
    -- The opening time: bids are accepted strictly before it. For an open
    -- house it is the end of the admission period.
    submission_deadline  timestamptz NOT NULL,
    bid_validity_days    integer NOT NULL DEFAULT 90 CHECK (bid_validity_days BETWEEN 1 AND 730),
    standstill_days      integer NOT NULL DEFAULT 20 CHECK (standstill_days BETWEEN 0 AND 365),
    contract_start       date NOT NULL,
    contract_end         date NOT NULL,
    -- Stored states; "closed" is a published tender whose deadline passed
    -- and is derived when read.
    state                text NOT NULL DEFAULT 'draft' CONSTRAINT tenders_state_known
                         CHECK (state IN ('draft', 'published', 'opened', 'evaluated', 'awarded', 'concluded', 'cancelled')),
    cancel_reason        text,
    amendments           integer NOT NULL DEFAULT 0 CHECK (amendments >= 0),
    created_by           uuid,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    published_at         timestamptz,
    -- Opening, four-eyes: the first procurement user asks, a second opens.
    opening_requested_by uuid REFERENCES users(id),
    opening_requested_at timestamptz,
    opened_by            uuid REFERENCES users(id),
    opened_at            timestamptz,
    evaluated_at         timestamptz,
    concluded_at         timestamptz,
    CONSTRAINT tenders_deadlines CHECK (questions_deadline <= submission_deadline),
    CONSTRAINT tenders_contract_period CHECK (contract_end >= contract_start),
    CONSTRAINT tenders_cancel_reason CHECK ((state = 'cancelled') = (cancel_reason IS NOT NULL)),
    CONSTRAINT tenders_opening_four_eyes CHECK (opened_by IS NULL OR (opening_requested_by IS NOT NULL AND opened_by <> opening_requested_by))
);
CREATE INDEX tenders_state_idx ON tenders (state, id);

CREATE TABLE tender_criteria (
    id         uuid PRIMARY KEY,
    tender_id  uuid NOT NULL REFERENCES tenders(id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 0),
    code       text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name       text NOT NULL CHECK (name <> ''),
    -- price: scored by the formula; quality: scored by the evaluators;
    -- admission: an open house's yes/no requirement.
    kind       text NOT NULL CHECK (kind IN ('price', 'quality', 'admission')),
    weight     numeric(5,2) NOT NULL CHECK (weight >= 0 AND weight <= 100),
    CONSTRAINT tender_criteria_code_key UNIQUE (tender_id, code),
    CONSTRAINT tender_criteria_position_key UNIQUE (tender_id, position),
    CONSTRAINT tender_criteria_id_tender_key UNIQUE (id, tender_id)
);

CREATE TABLE lots (
    id             uuid PRIMARY KEY,
    tender_id      uuid NOT NULL REFERENCES tenders(id) ON DELETE CASCADE,
    number         integer NOT NULL CHECK (number > 0),
    title          text NOT NULL CHECK (title <> ''),
    category_code  text NOT NULL REFERENCES service_categories(code),
    volume         integer NOT NULL CHECK (volume > 0),
    -- The highest price per trajectory a bid may ask; an open house's
    -- fixed price.
    max_price      numeric(14,2) NOT NULL CHECK (max_price > 0),
    awardees       integer NOT NULL DEFAULT 1 CHECK (awardees > 0),
    -- The milestone schedule the contracts will pay by, as contracts'
    -- schedule rules checked it (shares only: the price is the bid's).
    schedule       jsonb NOT NULL,
    CONSTRAINT lots_number_key UNIQUE (tender_id, number),
    CONSTRAINT lots_id_tender_key UNIQUE (id, tender_id)
);

CREATE TABLE tender_amendments (
    id            uuid PRIMARY KEY,
    tender_id     uuid NOT NULL REFERENCES tenders(id),
    number        integer NOT NULL CHECK (number > 0),
    note          text NOT NULL CHECK (note <> ''),
    old_deadline  timestamptz NOT NULL,
    new_deadline  timestamptz NOT NULL,
    changed       text[] NOT NULL,
    created_by    uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tender_amendments_number_key UNIQUE (tender_id, number)
);

CREATE TABLE tender_questions (
    id           uuid PRIMARY KEY,
    tender_id    uuid NOT NULL REFERENCES tenders(id),
    provider_id  uuid NOT NULL REFERENCES providers(id),
    asked_by     uuid,
    question     text NOT NULL CHECK (question <> ''),
    asked_at     timestamptz NOT NULL,
    answer       text,
    answered_by  uuid,
    answered_at  timestamptz,
    CONSTRAINT tender_questions_answered CHECK ((answer IS NULL) = (answered_at IS NULL))
);
CREATE INDEX tender_questions_tender_idx ON tender_questions (tender_id, asked_at);

CREATE TABLE bids (
    id               uuid PRIMARY KEY,
    tender_id        uuid NOT NULL REFERENCES tenders(id),
    lot_id           uuid NOT NULL,
    provider_id      uuid NOT NULL REFERENCES providers(id),
    status           text NOT NULL CHECK (status IN ('submitted', 'withdrawn')),
    price            numeric(14,2) NOT NULL CHECK (price > 0),
    capacity         integer NOT NULL CHECK (capacity > 0),
    vat_exempt       boolean NOT NULL,
    vat_rate         numeric(5,2),
    declaration      boolean NOT NULL,
    content_sha256   bytea NOT NULL CHECK (length(content_sha256) = 32),
    submitted_by     uuid,
    submitted_at     timestamptz NOT NULL,
    -- Set by an amendment; cleared when the bidder confirms or replaces.
    needs_confirmation boolean NOT NULL DEFAULT false,
    excluded_reason  text CHECK (excluded_reason IN ('late', 'above_maximum', 'incomplete', 'exclusion_ground', 'not_admitted')),
    excluded_note    text,
    excluded_by      uuid,
    CONSTRAINT bids_lot_fk FOREIGN KEY (lot_id, tender_id) REFERENCES lots (id, tender_id),
    CONSTRAINT bids_one_per_provider UNIQUE (lot_id, provider_id),
    CONSTRAINT bids_id_lot_key UNIQUE (id, lot_id),
    CONSTRAINT bids_vat CHECK (CASE WHEN vat_exempt THEN vat_rate IS NULL
                                    ELSE vat_rate IS NOT NULL AND vat_rate >= 0 AND vat_rate <= 100 END),
    CONSTRAINT bids_exclusion CHECK ((excluded_reason IS NULL) = (excluded_note IS NULL))
);
CREATE INDEX bids_provider_idx ON bids (provider_id, id);

CREATE TABLE bid_answers (
    bid_id        uuid NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    criterion_id  uuid NOT NULL REFERENCES tender_criteria(id),
    text          text NOT NULL,
    PRIMARY KEY (bid_id, criterion_id)
);

CREATE TABLE bid_attachments (
    id            uuid PRIMARY KEY,
    bid_id        uuid NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    criterion_id  uuid NOT NULL REFERENCES tender_criteria(id),
    n             integer NOT NULL CHECK (n > 0),
    filename      text NOT NULL,
    content_type  text NOT NULL,
    size          integer NOT NULL CHECK (size >= 0),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    data          bytea NOT NULL,
    CONSTRAINT bid_attachments_n_key UNIQUE (bid_id, n)
);

-- The committee: who scores a tender's bids.
CREATE TABLE tender_evaluators (
    tender_id  uuid NOT NULL REFERENCES tenders(id),
    user_id    uuid NOT NULL REFERENCES users(id),
    named_by   uuid,
    named_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tender_id, user_id)
);

-- One evaluator's score of one bid on one quality criterion, 0 to 10.
CREATE TABLE bid_scores (
    bid_id        uuid NOT NULL REFERENCES bids(id),
    criterion_id  uuid NOT NULL REFERENCES tender_criteria(id),
    evaluator_id  uuid NOT NULL REFERENCES users(id),
    score         numeric(4,2) NOT NULL CHECK (score >= 0 AND score <= 10),
    note          text NOT NULL DEFAULT '',
    scored_at     timestamptz NOT NULL,
    PRIMARY KEY (bid_id, criterion_id, evaluator_id)
);

-- The committee's agreed score with its written rationale.
CREATE TABLE bid_consensus (
    bid_id        uuid NOT NULL REFERENCES bids(id),
    criterion_id  uuid NOT NULL REFERENCES tender_criteria(id),
    score         numeric(4,2) NOT NULL CHECK (score >= 0 AND score <= 10),
    rationale     text NOT NULL CHECK (rationale <> ''),
    decided_by    uuid,
    decided_at    timestamptz NOT NULL,
    PRIMARY KEY (bid_id, criterion_id)
);

-- The award decision per lot, four-eyes: proposed by one procurement user,
-- approved by another; the standstill runs from the approval.
CREATE TABLE lot_awards (
    lot_id          uuid PRIMARY KEY REFERENCES lots(id),
    proposed_by     uuid NOT NULL REFERENCES users(id),
    proposed_at     timestamptz NOT NULL,
    approved_by     uuid REFERENCES users(id),
    approved_at     timestamptz,
    standstill_end  date,
    concluded_at    timestamptz,
    CONSTRAINT lot_awards_four_eyes CHECK (approved_by IS NULL OR approved_by <> proposed_by),
    CONSTRAINT lot_awards_standstill CHECK ((approved_at IS NULL) = (standstill_end IS NULL))
);

-- Every admissible bid of an awarded lot with its rank and points; winners
-- carry the volume they are awarded.
CREATE TABLE award_ranks (
    lot_id          uuid NOT NULL REFERENCES lot_awards(lot_id) ON DELETE CASCADE,
    bid_id          uuid NOT NULL,
    rank            integer NOT NULL CHECK (rank > 0),
    price_points    numeric(7,2) NOT NULL,
    quality_points  numeric(7,2) NOT NULL,
    total_points    numeric(7,2) NOT NULL,
    winner          boolean NOT NULL,
    awarded_volume  integer CHECK (awarded_volume > 0),
    PRIMARY KEY (lot_id, bid_id),
    CONSTRAINT award_ranks_bid_fk FOREIGN KEY (bid_id, lot_id) REFERENCES bids (id, lot_id),
    CONSTRAINT award_ranks_rank_key UNIQUE (lot_id, rank),
    CONSTRAINT award_ranks_winner_volume CHECK (winner = (awarded_volume IS NOT NULL))
);

-- A bidder's objection to a lot's award, lodged during the standstill.
CREATE TABLE objections (
    id           uuid PRIMARY KEY,
    lot_id       uuid NOT NULL REFERENCES lots(id),
    bid_id       uuid NOT NULL REFERENCES bids(id),
    provider_id  uuid NOT NULL REFERENCES providers(id),
    text         text NOT NULL CHECK (text <> ''),
    lodged_by    uuid,
    lodged_at    timestamptz NOT NULL,
    decision     text CHECK (decision IN ('upheld', 'rejected')),
    decision_note text,
    decided_by   uuid,
    decided_at   timestamptz,
    CONSTRAINT objections_decided CHECK ((decision IS NULL) = (decided_at IS NULL) AND (decision IS NULL) = (decision_note IS NULL))
);
CREATE INDEX objections_lot_idx ON objections (lot_id) WHERE decision IS NULL;

-- Which contract an awarded bid (or an admitted open-house application)
-- became: at most one per bid, so that concluding twice creates nothing.
CREATE TABLE bid_contracts (
    bid_id       uuid PRIMARY KEY REFERENCES bids(id),
    contract_id  uuid NOT NULL UNIQUE REFERENCES contracts(id),
    tender_id    uuid NOT NULL REFERENCES tenders(id),
    lot_id       uuid NOT NULL REFERENCES lots(id),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- An open house's admission, four-eyes: approved by one procurement user,
-- confirmed by another.
CREATE TABLE admissions (
    bid_id        uuid PRIMARY KEY REFERENCES bids(id),
    approved_by   uuid NOT NULL REFERENCES users(id),
    approved_at   timestamptz NOT NULL,
    confirmed_by  uuid REFERENCES users(id),
    confirmed_at  timestamptz,
    CONSTRAINT admissions_four_eyes CHECK (confirmed_by IS NULL OR confirmed_by <> approved_by)
);

-- +goose Down
DROP TABLE admissions;
DROP TABLE bid_contracts;
DROP TABLE objections;
DROP TABLE award_ranks;
DROP TABLE lot_awards;
DROP TABLE bid_consensus;
DROP TABLE bid_scores;
DROP TABLE tender_evaluators;
DROP TABLE bid_attachments;
DROP TABLE bid_answers;
DROP TABLE bids;
DROP TABLE tender_questions;
DROP TABLE tender_amendments;
DROP TABLE lots;
DROP TABLE tender_criteria;
DROP TABLE tenders;
DELETE FROM user_roles WHERE role = 'evaluator';
ALTER TABLE user_roles DROP CONSTRAINT user_roles_role_check;
ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_check
    CHECK (role IN ('admin', 'procurement', 'casemanager', 'verifier', 'finance', 'provider', 'auditor'));
