#!/bin/sh
# The `migrate` container's command (docker-compose.yml): create and migrate every shard database,
# then stay up, idle, so Compose does not start it again on a later `up`, `--scale` or `run`
# (docs/decisions/0010-compose-smoke-test.md). The healthcheck looks for /tmp/migrated.
#
# Up to 5 attempts, 5 s apart: on a loaded machine a first connection can outlast the admin
# client's 3 s connect timeout ("timeout expired", seen at load average 77). Migrations are
# idempotent and knex holds a lock per shard, so an attempt after a failed one is safe.
set -u
rm -f /tmp/migrated
attempt=1
until node scripts/migrate.js; do
  if [ "$attempt" -ge 5 ]; then
    echo "migrate: giving up after $attempt attempts" >&2
    exit 1
  fi
  echo "migrate: attempt $attempt failed; trying again in 5 s" >&2
  attempt=$((attempt + 1))
  sleep 5
done
touch /tmp/migrated
exec sleep infinity
