-- +goose Up
-- Pooling: budgets and the allocations of funding streams into them.

CREATE TABLE budgets (
    id            uuid PRIMARY KEY,
    name          text NOT NULL CONSTRAINT budgets_name_key UNIQUE
                  CONSTRAINT budgets_name_present CHECK (btrim(name) <> ''),
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT budgets_period CHECK (period_end >= period_start)
);

-- An allocation is never changed or removed; a mistake is corrected in the
-- ledger. Adding one raises the stream's allocated amount, which its CHECK
-- keeps within the stream's amount.
CREATE TABLE allocations (
    id                 uuid PRIMARY KEY,
    budget_id          uuid NOT NULL REFERENCES budgets(id),
    funding_stream_id  uuid NOT NULL REFERENCES funding_streams(id),
    amount             numeric(14,2) NOT NULL CONSTRAINT allocations_amount_positive CHECK (amount > 0),
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX allocations_budget_idx ON allocations (budget_id, funding_stream_id);
CREATE INDEX allocations_stream_idx ON allocations (funding_stream_id);

-- +goose StatementBegin
CREATE FUNCTION allocations_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM budgets b, funding_streams s
        WHERE b.id = NEW.budget_id AND s.id = NEW.funding_stream_id
          AND b.period_start >= s.valid_from AND b.period_end <= s.valid_to) THEN
        RAISE EXCEPTION 'budget period lies outside the validity of funding stream %', NEW.funding_stream_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'allocations_within_validity';
    END IF;
    UPDATE funding_streams SET allocated = allocated + NEW.amount WHERE id = NEW.funding_stream_id;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER allocations_apply BEFORE INSERT ON allocations
    FOR EACH ROW EXECUTE FUNCTION allocations_apply();
CREATE TRIGGER allocations_append_only BEFORE UPDATE OR DELETE ON allocations
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER allocations_no_truncate BEFORE TRUNCATE ON allocations
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TABLE allocations;
DROP FUNCTION allocations_apply;
DROP TABLE budgets;
