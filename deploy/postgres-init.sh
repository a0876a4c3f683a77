#!/bin/sh
# Runs once, when the database volume is new (the postgres image runs
# /docker-entrypoint-initdb.d/*): the schema's owner and the application's
# role, neither a superuser, and the database, owned by the owner. Tranche
# migrates as tranche_owner (TRANCHE_MIGRATE_URL) and grants tranche_app
# (DATABASE_URL) only what `tranche serve` needs; see docs/operations.md.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
	-v owner_pw="$TRANCHE_OWNER_PASSWORD" -v app_pw="$TRANCHE_APP_PASSWORD" <<'SQL'
CREATE ROLE tranche_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_pw';
CREATE ROLE tranche_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_pw';
CREATE DATABASE tranche OWNER tranche_owner ENCODING 'UTF8';
SQL
