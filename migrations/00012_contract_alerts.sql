-- +goose Up
-- Spending alerts: raised once per contract and threshold when the money
-- committed, payable and paid under a contract reaches the threshold share
-- of its ceiling (70 %, the bestedingsruimte rule of the Wmo contract
-- standard). Procurement sees open alerts on its start page and
-- acknowledges them.
CREATE TABLE contract_alerts (
    id                 uuid PRIMARY KEY,
    contract_id        uuid NOT NULL REFERENCES contracts(id),
    threshold_percent  integer NOT NULL CHECK (threshold_percent BETWEEN 1 AND 100),
    exposure           numeric(14,2) NOT NULL CHECK (exposure >= 0),
    ceiling            numeric(14,2) NOT NULL CHECK (ceiling > 0),
    raised_at          timestamptz NOT NULL DEFAULT now(),
    acknowledged_at    timestamptz,
    acknowledged_by    text NOT NULL DEFAULT '',
    CONSTRAINT contract_alerts_once UNIQUE (contract_id, threshold_percent),
    CONSTRAINT contract_alerts_reached CHECK (exposure * 100 >= ceiling * threshold_percent)
);
CREATE INDEX contract_alerts_open_idx ON contract_alerts (raised_at, id) WHERE acknowledged_at IS NULL;

-- +goose Down
DROP TABLE contract_alerts;
