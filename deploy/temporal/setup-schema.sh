#!/bin/sh
# Creates or updates the Temporal server's two PostgreSQL databases (default store and visibility)
# with the server's own SQL tool, `temporal-sql-tool` (go.temporal.io/server/cmd/tools/sql), and
# the schema embedded in it (schema/postgresql/v12 of the same server version). Safe to run at
# every start: an existing database is kept, and only newer schema versions are applied.
#
# Run by `npm run cluster` (scripts/cluster/temporalServer.ts) and by docker-compose.yml's one-shot
# `temporal-schema`, with the variables of the server's config template:
#   DB (postgres12), POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, POSTGRES_PWD, DBNAME, VISIBILITY_DBNAME;
#   TEMPORAL_SQL_TOOL: the tool's path (default: temporal-sql-tool on the PATH).
set -eu

tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
: "${DB:?DB is required (postgres12)}"
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${POSTGRES_PWD:?POSTGRES_PWD is required}"

export SQL_PLUGIN="$DB"
export SQL_HOST="$POSTGRES_SEEDS"
export SQL_PORT="${DB_PORT:-5432}"
export SQL_USER="$POSTGRES_USER"
export SQL_PASSWORD="$POSTGRES_PWD"

setup() {
  database="$1"
  schema="$2"
  # create-database has no "if missing": a database that already exists is what a second start finds.
  if ! out="$("$tool" --db "$database" create-database 2>&1)"; then
    case "$out" in
      *"already exists"*) ;;
      *) printf '%s\n' "$out" >&2; echo "setup-schema: could not create database $database" >&2; exit 1 ;;
    esac
  fi
  "$tool" --db "$database" setup-schema -v 0.0
  "$tool" --db "$database" update-schema --schema-name "$schema"
  echo "setup-schema: $database is at the $schema schema of this server version"
}

setup "${DBNAME:-temporal}" postgresql/v12/temporal
setup "${VISIBILITY_DBNAME:-temporal_visibility}" postgresql/v12/visibility
