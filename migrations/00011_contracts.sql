-- +goose Up
-- Contracts: what is bought from a provider. A contract has versions; each
-- version holds the products with their prices and milestone schedules. A
-- draft's first version may be edited; activation freezes it, and an
-- amendment adds a new frozen version, so that a trajectory keeps the
-- version it started under.

CREATE TABLE contracts (
    id                  uuid PRIMARY KEY,
    provider_id         uuid NOT NULL REFERENCES providers(id),
    reference           text NOT NULL
                        CONSTRAINT contracts_reference_key UNIQUE
                        CONSTRAINT contracts_reference_format CHECK (reference ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$'),
    title               text NOT NULL DEFAULT '',
    period_start        date NOT NULL,
    period_end          date NOT NULL,
    ceiling             numeric(14,2) NOT NULL CONSTRAINT contracts_ceiling_positive CHECK (ceiling > 0),
    capacity            integer NOT NULL CONSTRAINT contracts_capacity_positive CHECK (capacity > 0),
    vat_exempt          boolean NOT NULL,
    vat_rate            numeric(5,2),
    status              text NOT NULL DEFAULT 'draft' CONSTRAINT contracts_status_known CHECK (status IN ('draft', 'active', 'suspended', 'ended')),
    -- Which budget pays for the contract. Budgets live in the pooling
    -- migrations (numbered later), so there is no foreign key here.
    budget_id           uuid,
    current_version_id  uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    activated_at        timestamptz,
    ended_at            timestamptz,
    CONSTRAINT contracts_period CHECK (period_end >= period_start),
    CONSTRAINT contracts_vat CHECK (CASE WHEN vat_exempt THEN vat_rate IS NULL
                                         ELSE vat_rate IS NOT NULL AND vat_rate >= 0 AND vat_rate <= 100 END)
);
CREATE INDEX contracts_provider_idx ON contracts (provider_id, id);
CREATE INDEX contracts_status_idx ON contracts (status, id);
CREATE INDEX contracts_budget_idx ON contracts (budget_id) WHERE budget_id IS NOT NULL;

CREATE TABLE contract_versions (
    id           uuid PRIMARY KEY,
    contract_id  uuid NOT NULL REFERENCES contracts(id),
    number       integer NOT NULL CHECK (number > 0),
    note         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Set when the version can no longer change: at activation for the
    -- first version, at once for an amendment.
    frozen_at    timestamptz,
    CONSTRAINT contract_versions_number_key UNIQUE (contract_id, number),
    CONSTRAINT contract_versions_id_contract_key UNIQUE (id, contract_id)
);

-- The current version must be one of the contract's own versions.
ALTER TABLE contracts ADD CONSTRAINT contracts_current_version_fk
    FOREIGN KEY (current_version_id, id) REFERENCES contract_versions (id, contract_id);
-- Only a draft may be without a frozen version; checked at commit by the
-- trigger below because the version is inserted after the contract.

CREATE TABLE contract_products (
    id             uuid PRIMARY KEY,
    version_id     uuid NOT NULL REFERENCES contract_versions(id) ON DELETE CASCADE,
    position       integer NOT NULL CHECK (position >= 0),
    code           text NOT NULL CONSTRAINT contract_products_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$'),
    name           text NOT NULL CHECK (name <> ''),
    category_code  text NOT NULL REFERENCES service_categories(code),
    price          numeric(14,2) NOT NULL CONSTRAINT contract_products_price_positive CHECK (price > 0),
    CONSTRAINT contract_products_code_key UNIQUE (version_id, code),
    CONSTRAINT contract_products_position_key UNIQUE (version_id, position)
);

CREATE TABLE contract_milestones (
    id                 uuid PRIMARY KEY,
    product_id         uuid NOT NULL REFERENCES contract_products(id) ON DELETE CASCADE,
    position           integer NOT NULL CHECK (position >= 0),
    code               text NOT NULL CONSTRAINT contract_milestones_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$'),
    name               text NOT NULL CHECK (name <> ''),
    outcome_domain     text NOT NULL CONSTRAINT contract_milestones_domain_known
                       CHECK (outcome_domain IN ('intake', 'language', 'social', 'labour', 'participation')),
    -- Either a share of the price in percent or a fixed amount.
    share              numeric(9,6) CONSTRAINT contract_milestones_share_range CHECK (share > 0 AND share <= 100),
    fixed_amount       numeric(14,2) CONSTRAINT contract_milestones_fixed_amount_positive CHECK (fixed_amount > 0),
    -- What the milestone pays: share × price rounded half-up to the cent,
    -- the last milestone taking the remainder; or the fixed amount.
    tranche            numeric(14,2) NOT NULL CONSTRAINT contract_milestones_tranche_positive CHECK (tranche > 0),
    deadline_months    integer NOT NULL CONSTRAINT contract_milestones_deadline_positive CHECK (deadline_months > 0),
    prerequisites      text[] NOT NULL DEFAULT '{}' CONSTRAINT contract_milestones_not_own_prerequisite CHECK (NOT (code = ANY (prerequisites))),
    evidence_required  boolean NOT NULL DEFAULT false,
    evidence_kinds     text[] NOT NULL DEFAULT '{}',
    CONSTRAINT contract_milestones_share_or_amount CHECK ((share IS NULL) <> (fixed_amount IS NULL)),
    CONSTRAINT contract_milestones_code_key UNIQUE (product_id, code),
    CONSTRAINT contract_milestones_position_key UNIQUE (product_id, position)
);

-- A frozen version's products and milestones never change.
-- +goose StatementBegin
CREATE FUNCTION contract_products_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (SELECT 1 FROM contract_versions v WHERE v.id = OLD.version_id AND v.frozen_at IS NOT NULL) THEN
        RAISE EXCEPTION 'contract version % is frozen: % on % refused', OLD.version_id, TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (SELECT 1 FROM contract_versions v WHERE v.id = NEW.version_id AND v.frozen_at IS NOT NULL) THEN
        RAISE EXCEPTION 'contract version % is frozen: % on % refused', NEW.version_id, TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER contract_products_frozen BEFORE INSERT OR UPDATE OR DELETE ON contract_products
    FOR EACH ROW EXECUTE FUNCTION contract_products_frozen();

-- +goose StatementBegin
CREATE FUNCTION contract_milestones_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (SELECT 1 FROM contract_products p JOIN contract_versions v ON v.id = p.version_id
                                                  WHERE p.id = OLD.product_id AND v.frozen_at IS NOT NULL) THEN
        RAISE EXCEPTION 'contract version of product % is frozen: % on % refused', OLD.product_id, TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (SELECT 1 FROM contract_products p JOIN contract_versions v ON v.id = p.version_id
                                                  WHERE p.id = NEW.product_id AND v.frozen_at IS NOT NULL) THEN
        RAISE EXCEPTION 'contract version of product % is frozen: % on % refused', NEW.product_id, TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER contract_milestones_frozen BEFORE INSERT OR UPDATE OR DELETE ON contract_milestones
    FOR EACH ROW EXECUTE FUNCTION contract_milestones_frozen();

-- A frozen version is never changed or removed, and a version is frozen
-- only with a complete, consistent schedule: at least one product, each with
-- milestones of one kind whose shares sum to exactly 100 or whose fixed
-- amounts sum to the price, and whose tranches sum to the price.
-- +goose StatementBegin
CREATE FUNCTION contract_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.frozen_at IS NOT NULL THEN
        RAISE EXCEPTION 'contract version % is frozen: % refused', OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.frozen_at IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM contract_products p WHERE p.version_id = NEW.id) THEN
            RAISE EXCEPTION 'contract version % has no products', NEW.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'contract_versions_schedule';
        END IF;
        IF EXISTS (
            SELECT 1
            FROM contract_products p
            LEFT JOIN contract_milestones m ON m.product_id = p.id
            WHERE p.version_id = NEW.id
            GROUP BY p.id, p.price
            HAVING count(m.id) = 0
                OR (count(m.share) > 0 AND count(m.fixed_amount) > 0)
                OR coalesce(sum(m.share), 100) <> 100
                OR coalesce(sum(m.fixed_amount), p.price) <> p.price
                OR sum(m.tranche) <> p.price
        ) THEN
            RAISE EXCEPTION 'contract version % has a schedule that does not add up to its price', NEW.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'contract_versions_schedule';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER contract_versions_guard BEFORE UPDATE OR DELETE ON contract_versions
    FOR EACH ROW EXECUTE FUNCTION contract_versions_guard();

-- A contract that is not a draft runs on a frozen version of its own.
-- +goose StatementBegin
CREATE FUNCTION contracts_version_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'draft' AND NOT EXISTS (
        SELECT 1 FROM contract_versions v
        WHERE v.id = NEW.current_version_id AND v.contract_id = NEW.id AND v.frozen_at IS NOT NULL) THEN
        RAISE EXCEPTION 'contract % is %, but its current version is missing or not frozen', NEW.id, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contracts_frozen_version';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER contracts_version_check AFTER INSERT OR UPDATE ON contracts
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION contracts_version_check();

CREATE INDEX contract_versions_contract_idx ON contract_versions (contract_id, number);
CREATE INDEX contract_products_version_idx ON contract_products (version_id, position);
CREATE INDEX contract_milestones_product_idx ON contract_milestones (product_id, position);

-- +goose Down
DROP TABLE contract_milestones;
DROP TABLE contract_products;
ALTER TABLE contracts DROP CONSTRAINT contracts_current_version_fk;
DROP TABLE contract_versions;
DROP TABLE contracts;
DROP FUNCTION contracts_version_check;
DROP FUNCTION contract_versions_guard;
DROP FUNCTION contract_milestones_frozen;
DROP FUNCTION contract_products_frozen;
