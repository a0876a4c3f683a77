-- +goose Up
-- A contract's budget must exist. The budgets table comes from the pooling
-- migrations, numbered after the contracts ones, so the key is added here.
ALTER TABLE contracts ADD CONSTRAINT contracts_budget_id_fkey FOREIGN KEY (budget_id) REFERENCES budgets(id);

-- +goose Down
ALTER TABLE contracts DROP CONSTRAINT contracts_budget_id_fkey;
