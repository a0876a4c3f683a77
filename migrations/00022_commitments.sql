-- +goose Up
-- Pooling: commitments (the money reserved for one reference, e.g. a
-- trajectory, split over funding streams) and accruals (the part of a
-- commitment that a verified claim made payable).

CREATE TABLE commitments (
    id           uuid PRIMARY KEY,
    reference    uuid NOT NULL CONSTRAINT commitments_reference_key UNIQUE,
    budget_id    uuid NOT NULL REFERENCES budgets(id),
    category     text NOT NULL REFERENCES service_categories(code),
    amount       numeric(14,2) NOT NULL CONSTRAINT commitments_amount_positive CHECK (amount > 0),
    contract_id  uuid NOT NULL,
    provider_id  uuid NOT NULL REFERENCES providers(id),
    created_at   timestamptz NOT NULL
);
CREATE INDEX commitments_budget_idx ON commitments (budget_id);
CREATE INDEX commitments_contract_idx ON commitments (contract_id);
CREATE INDEX commitments_provider_idx ON commitments (provider_id);

-- The split of the reservation, in the order the policy chose the streams.
CREATE TABLE commitment_parts (
    commitment_id      uuid NOT NULL REFERENCES commitments(id),
    position           smallint NOT NULL CHECK (position >= 1),
    funding_stream_id  uuid NOT NULL REFERENCES funding_streams(id),
    amount             numeric(14,2) NOT NULL CONSTRAINT commitment_parts_amount_positive CHECK (amount > 0),
    PRIMARY KEY (commitment_id, funding_stream_id),
    CONSTRAINT commitment_parts_position_key UNIQUE (commitment_id, position)
);

-- status: payable → paid → reclaiming → reclaimed, or payable → withdrawn.
--   withdrawn   clawed back before payment: the money went back to committed
--   reclaiming  clawed back after payment: a receivable billing nets later
--   reclaimed   billing netted the receivable: the money went back to committed
CREATE TABLE accruals (
    id                     uuid PRIMARY KEY,
    commitment_id          uuid NOT NULL REFERENCES commitments(id),
    amount                 numeric(14,2) NOT NULL CONSTRAINT accruals_amount_positive CHECK (amount > 0),
    status                 text NOT NULL CONSTRAINT accruals_status CHECK (status IN ('payable', 'paid', 'withdrawn', 'reclaiming', 'reclaimed')),
    payment_id             uuid,
    clawback_reason        text,
    settlement_payment_id  uuid,
    created_at             timestamptz NOT NULL,
    paid_at                timestamptz,
    clawed_back_at         timestamptz,
    settled_at             timestamptz,
    CONSTRAINT accruals_paid_has_payment CHECK ((status IN ('paid', 'reclaiming', 'reclaimed')) = (payment_id IS NOT NULL AND paid_at IS NOT NULL)),
    CONSTRAINT accruals_clawback_has_reason CHECK ((status IN ('withdrawn', 'reclaiming', 'reclaimed')) = (clawback_reason IS NOT NULL AND clawed_back_at IS NOT NULL)),
    CONSTRAINT accruals_settled_has_payment CHECK ((status = 'reclaimed') = (settlement_payment_id IS NOT NULL AND settled_at IS NOT NULL))
);
CREATE INDEX accruals_commitment_idx ON accruals (commitment_id);
CREATE INDEX accruals_status_idx ON accruals (status);

CREATE TABLE accrual_parts (
    accrual_id         uuid NOT NULL REFERENCES accruals(id),
    funding_stream_id  uuid NOT NULL REFERENCES funding_streams(id),
    amount             numeric(14,2) NOT NULL CONSTRAINT accrual_parts_amount_positive CHECK (amount > 0),
    PRIMARY KEY (accrual_id, funding_stream_id)
);

CREATE TRIGGER commitments_append_only BEFORE UPDATE OR DELETE ON commitments
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER commitment_parts_append_only BEFORE UPDATE OR DELETE ON commitment_parts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER accrual_parts_append_only BEFORE UPDATE OR DELETE ON accrual_parts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TABLE accrual_parts;
DROP TABLE accruals;
DROP TABLE commitment_parts;
DROP TABLE commitments;
