-- +goose Up
-- Foundation: provider organisations (grown by the contracts migrations),
-- users and their roles, API tokens, web sessions, the audit trail and
-- idempotency keys.

-- Refuses UPDATE and DELETE on append-only tables.
-- +goose StatementBegin
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TABLE providers (
    id          uuid PRIMARY KEY,
    kvk         text NOT NULL CONSTRAINT providers_kvk_key UNIQUE CONSTRAINT providers_kvk_format CHECK (kvk ~ '^[0-9]{8}$'),
    legal_name  text NOT NULL CHECK (legal_name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name           text NOT NULL DEFAULT '',
    password_hash  text NOT NULL DEFAULT '',
    provider_id    uuid REFERENCES providers(id),
    locale         text NOT NULL DEFAULT 'nl' CHECK (locale IN ('nl', 'en', 'de')),
    disabled_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE user_roles (
    user_id  uuid NOT NULL REFERENCES users(id),
    role     text NOT NULL CHECK (role IN ('admin', 'procurement', 'casemanager', 'verifier', 'finance', 'provider', 'auditor')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users(id),
    name          text NOT NULL DEFAULT '',
    token_hash    bytea NOT NULL CONSTRAINT api_tokens_hash_key UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

-- The session store's table (alexedwards/scs pgxstore).
CREATE TABLE sessions (
    token   text PRIMARY KEY,
    data    bytea NOT NULL,
    expiry  timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- The audit trail: one row per change of state, written in the same
-- transaction as the change, hash-chained in seq order.
CREATE TABLE audit_events (
    seq          bigint PRIMARY KEY,
    id           uuid NOT NULL UNIQUE,
    occurred_at  timestamptz NOT NULL,
    actor_id     uuid,
    actor        text NOT NULL,
    action       text NOT NULL,
    entity_type  text NOT NULL,
    entity_id    text NOT NULL,
    before       jsonb,
    after        jsonb,
    request_id   text NOT NULL DEFAULT '',
    prev_hash    bytea NOT NULL,
    hash         bytea NOT NULL
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq);
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at);

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The hash of one event: sha256 over the previous hash and every field in a
-- fixed text form. Computed here so that writing and checking agree byte for byte.
-- +goose StatementBegin
CREATE FUNCTION audit_event_hash(prev bytea, seq bigint, id uuid, occurred_at timestamptz, actor_id uuid,
        actor text, action text, entity_type text, entity_id text, before jsonb, after jsonb, request_id text)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(concat_ws(E'\x1f',
        seq::text, id::text,
        to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(actor_id::text, ''), actor, action, entity_type, entity_id,
        coalesce(before::text, 'null'), coalesce(after::text, 'null'), request_id), 'UTF8'))
$$;
-- +goose StatementEnd

-- Appends one event at the head of the chain. The advisory lock serialises
-- appends until the calling transaction ends, so the chain has no forks.
-- +goose StatementBegin
CREATE FUNCTION audit_append(p_id uuid, p_occurred_at timestamptz, p_actor_id uuid, p_actor text,
        p_action text, p_entity_type text, p_entity_id text, p_before jsonb, p_after jsonb, p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    head_seq  bigint;
    head_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(7461626);
    SELECT a.seq, a.hash INTO head_seq, head_hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
    IF head_seq IS NULL THEN
        head_seq := 0;
        head_hash := '\x'::bytea;
    END IF;
    INSERT INTO audit_events (seq, id, occurred_at, actor_id, actor, action, entity_type, entity_id,
                              before, after, request_id, prev_hash, hash)
    VALUES (head_seq + 1, p_id, p_occurred_at, p_actor_id, p_actor, p_action, p_entity_type, p_entity_id,
            p_before, p_after, p_request_id, head_hash,
            audit_event_hash(head_hash, head_seq + 1, p_id, p_occurred_at, p_actor_id, p_actor, p_action,
                             p_entity_type, p_entity_id, p_before, p_after, p_request_id));
    RETURN head_seq + 1;
END;
$$;
-- +goose StatementEnd

-- Idempotency keys for unsafe API requests (per actor).
CREATE TABLE idempotency_keys (
    actor_id      uuid NOT NULL,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method        text NOT NULL,
    path          text NOT NULL,
    request_hash  bytea NOT NULL,
    status        integer,
    content_type  text,
    body          bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz,
    PRIMARY KEY (actor_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP FUNCTION audit_append;
DROP FUNCTION audit_event_hash;
DROP TABLE audit_events;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE providers;
DROP FUNCTION refuse_change;
