-- +goose Up
-- The payment run that holds an approved claim from the run's approval to
-- its confirmation (and that paid it, afterwards). While held, the claim
-- cannot be revoked: its money is on its way to the bank.
ALTER TABLE claims ADD COLUMN payment_run_id uuid;
CREATE INDEX claims_payment_run_idx ON claims (payment_run_id) WHERE payment_run_id IS NOT NULL;

-- +goose Down
ALTER TABLE claims DROP COLUMN payment_run_id;
