-- +goose Up
-- Pooling: funding streams. A stream is money a funder grants for a period,
-- earmarked for a set of service categories or unrestricted (earmark NULL).
-- allocated is the part already put into budgets; the CHECK keeps it within
-- the stream's amount under concurrent allocations.

CREATE TABLE funding_streams (
    id              uuid PRIMARY KEY,
    funder          text NOT NULL CONSTRAINT funding_streams_funder_present CHECK (btrim(funder) <> ''),
    name            text NOT NULL CONSTRAINT funding_streams_name_present CHECK (btrim(name) <> ''),
    reporting_code  text NOT NULL CONSTRAINT funding_streams_reporting_code_key UNIQUE
                    CONSTRAINT funding_streams_reporting_code_format CHECK (reporting_code ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$'),
    amount          numeric(14,2) NOT NULL CONSTRAINT funding_streams_amount_positive CHECK (amount > 0),
    allocated       numeric(14,2) NOT NULL DEFAULT 0
                    CONSTRAINT funding_streams_overallocated CHECK (allocated >= 0 AND allocated <= amount),
    currency        text NOT NULL DEFAULT 'EUR' CONSTRAINT funding_streams_currency_eur CHECK (currency = 'EUR'),
    valid_from      date NOT NULL,
    valid_to        date NOT NULL,
    earmark         text[] CONSTRAINT funding_streams_earmark_shape
                    CHECK (earmark IS NULL OR (cardinality(earmark) >= 1 AND array_position(earmark, NULL) IS NULL)),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT funding_streams_validity CHECK (valid_to >= valid_from)
);

-- An earmark names existing service categories (an array cannot carry a
-- foreign key, so a trigger checks it).
-- +goose StatementBegin
CREATE FUNCTION funding_streams_check_earmark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.earmark IS NOT NULL AND EXISTS (
        SELECT 1 FROM unnest(NEW.earmark) AS e(code)
        WHERE NOT EXISTS (SELECT 1 FROM service_categories c WHERE c.code = e.code)) THEN
        RAISE EXCEPTION 'funding stream earmark % names an unknown service category', NEW.earmark
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'funding_streams_earmark_categories';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER funding_streams_earmark_categories BEFORE INSERT OR UPDATE OF earmark ON funding_streams
    FOR EACH ROW EXECUTE FUNCTION funding_streams_check_earmark();

-- +goose Down
DROP TABLE funding_streams;
DROP FUNCTION funding_streams_check_earmark;
