-- +goose Up
-- Appends many events at the head of the chain in one call, exactly as that
-- many calls of audit_append would (same lock, same hash, same order), but
-- without a round trip per event: a payment run that pays 100 000 accruals
-- writes an event per accrual. p_events is a JSON array of objects with id,
-- action, entity_type, entity_id and, where there is one, before and after
-- (a missing key is SQL NULL, as audit_append's NULL arguments).

-- +goose StatementBegin
CREATE FUNCTION audit_append_many(p_occurred_at timestamptz, p_actor_id uuid, p_actor text, p_events jsonb, p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    head_seq  bigint;
    head_hash bytea;
    h         bytea;
    e         record;
BEGIN
    IF jsonb_typeof(p_events) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'audit_append_many: the events must be a JSON array';
    END IF;
    PERFORM pg_advisory_xact_lock(7461626);
    SELECT a.seq, a.hash INTO head_seq, head_hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
    IF head_seq IS NULL THEN
        head_seq := 0;
        head_hash := '\x'::bytea;
    END IF;
    FOR e IN SELECT * FROM ROWS FROM (jsonb_to_recordset(p_events)
                 AS (id uuid, action text, entity_type text, entity_id text, before jsonb, after jsonb)) WITH ORDINALITY
             AS t(id, action, entity_type, entity_id, before, after, n) ORDER BY n LOOP
        head_seq := head_seq + 1;
        h := audit_event_hash(head_hash, head_seq, e.id, p_occurred_at, p_actor_id, p_actor, e.action,
                              e.entity_type, e.entity_id, e.before, e.after, p_request_id);
        INSERT INTO audit_events (seq, id, occurred_at, actor_id, actor, action, entity_type, entity_id,
                                  before, after, request_id, prev_hash, hash)
        VALUES (head_seq, e.id, p_occurred_at, p_actor_id, p_actor, e.action, e.entity_type,
                e.entity_id, e.before, e.after, p_request_id, head_hash, h);
        head_hash := h;
    END LOOP;
    RETURN head_seq;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION audit_append_many;
