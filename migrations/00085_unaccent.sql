-- +goose Up
-- Participant search matches names without regard to accents or case
-- ("celik" finds "Çelik"). unaccent is in PostgreSQL's contrib (Debian's
-- postgresql-15 package, the official image) and is a trusted extension, so
-- the schema owner may create it without being a superuser. unaccent() itself
-- is only STABLE (its dictionary could change); search_fold pins the
-- dictionary so it can be IMMUTABLE and used in an index later.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

-- +goose StatementBegin
CREATE FUNCTION search_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION search_fold(text);
DROP EXTENSION IF EXISTS unaccent;
