-- +goose Up
-- Provider details for contracting and payment: bank account, VAT number,
-- address and contact. The foundation created the table with the KvK number
-- and legal name only; rows made before this migration get empty details,
-- which the contracts package refuses on every new registration.
ALTER TABLE providers
    ADD COLUMN iban          text NOT NULL DEFAULT '' CONSTRAINT providers_iban_format CHECK (iban = '' OR iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
    ADD COLUMN bic           text NOT NULL DEFAULT '' CONSTRAINT providers_bic_format CHECK (bic = '' OR bic ~ '^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$'),
    ADD COLUMN vat_number    text NOT NULL DEFAULT '' CONSTRAINT providers_vat_number_format CHECK (vat_number = '' OR vat_number ~ '^[A-Z]{2}[A-Z0-9]{8,12}$'),
    ADD COLUMN address_line1 text NOT NULL DEFAULT '',
    ADD COLUMN address_line2 text NOT NULL DEFAULT '',
    ADD COLUMN postcode      text NOT NULL DEFAULT '',
    ADD COLUMN city          text NOT NULL DEFAULT '',
    ADD COLUMN country       text NOT NULL DEFAULT 'NL' CONSTRAINT providers_country_format CHECK (country ~ '^[A-Z]{2}$'),
    ADD COLUMN contact_name  text NOT NULL DEFAULT '',
    ADD COLUMN contact_email text NOT NULL DEFAULT '' CONSTRAINT providers_contact_email_format CHECK (contact_email = '' OR (contact_email = lower(contact_email) AND contact_email LIKE '%_@_%')),
    ADD COLUMN contact_phone text NOT NULL DEFAULT '',
    ADD COLUMN updated_at    timestamptz NOT NULL DEFAULT now();

CREATE INDEX providers_legal_name_idx ON providers (lower(legal_name));

-- +goose Down
DROP INDEX providers_legal_name_idx;
ALTER TABLE providers
    DROP COLUMN iban, DROP COLUMN bic, DROP COLUMN vat_number,
    DROP COLUMN address_line1, DROP COLUMN address_line2, DROP COLUMN postcode, DROP COLUMN city, DROP COLUMN country,
    DROP COLUMN contact_name, DROP COLUMN contact_email, DROP COLUMN contact_phone, DROP COLUMN updated_at;
