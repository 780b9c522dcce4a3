#!/usr/bin/env bash
# CI: the full topology run for real (`npm run compose:smoke`). Installs docker.io and
# docker-compose if missing, starts dockerd if it is not running, builds the stand-in base images
# (../shared/tools/docker-standins.sh: no image registry is reachable) when they are absent.
# Exit 0 passed, 1 failed, 2 skipped: Docker cannot run on this machine — said plainly, and
# counted as skipped by .ci/run, never as passed. A broken compose file or Dockerfile fails.
# Then the RabbitMQ variant (docker-compose.rabbitmq.yml) when the CI run's time allows; both
# must pass.
set -uo pipefail
cd "$(dirname "$0")/.."
# Logs and the stand-ins' work folder: under TMPDIR, never in ../shared (read-only to CI).
WORK=${TMPDIR:-/tmp}/boxoffice-ci-docker
mkdir -p "$WORK"

step() { printf '\n=== %s\n' "$*"; }
skip() {
  echo "compose smoke SKIPPED: $* — the full topology was not run"
  exit 2
}

# On by default; COMPOSE_SMOKE=0 turns it off (reported as skipped).
if [ "${COMPOSE_SMOKE:-1}" = 0 ]; then
  skip "COMPOSE_SMOKE=0"
fi

need=""
command -v dockerd >/dev/null || need="$need docker.io"
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || need="$need docker-compose"
if [ -n "$need" ]; then
  step "apt-get install$need"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null) ||
    skip "could not install$need"
fi

if ! docker info >/dev/null 2>&1; then
  step "starting dockerd (log: $WORK/dockerd.log)"
  (dockerd >"$WORK/dockerd.log" 2>&1 &)
  for i in $(seq 1 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || skip "dockerd does not start here ($(tail -n 1 "$WORK/dockerd.log"))"
fi

# The images the compose file and the Dockerfile start from, as docker-standins.sh names them.
node_image=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile | head -n 1)
missing=""
for image in "${node_image:-node:24-bookworm-slim}" postgres:15 redis:7; do
  docker image inspect "$image" >/dev/null 2>&1 || missing="$missing $image"
done
if [ -n "$missing" ]; then
  step "building stand-ins for$missing (no image registry here)"
  [ -f ../shared/tools/docker-standins.sh ] || skip "../shared/tools/docker-standins.sh is not beside the clone"
  PATH="${MACHINE_PATH:-$PATH}" WORK="$WORK/standins" bash ../shared/tools/docker-standins.sh ||
    skip "the stand-in images could not be built"
fi

# deploy/rabbitmq/Dockerfile starts from debian:bookworm-slim; the stand-ins' Debian base is one.
if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1 && docker image inspect local/bookworm >/dev/null 2>&1; then
  echo "tagging the stand-ins' local/bookworm as debian:bookworm-slim (for deploy/rabbitmq)"
  docker tag local/bookworm debian:bookworm-slim
fi

step "npm run compose:smoke"
# The smoke test bounds every step itself; this is the backstop (a cold image build included).
timeout --signal=TERM --kill-after=60 40m npm run compose:smoke || { echo "compose smoke FAILED"; exit 1; }

# The same topology with the bus on RabbitMQ (docker-compose.rabbitmq.yml), when the CI run has the
# time: it takes ~4 minutes here, and the whole run must stay under 30 (CI_STARTED is set by .ci/run).
used=$(( $(date +%s) - ${CI_STARTED:-$(date +%s)} ))
if [ "$used" -gt $((21 * 60)) ]; then
  echo "compose smoke on RabbitMQ SKIPPED: this CI run has used $((used / 60)) of its 30 minutes (run it with: npm run compose:smoke -- --file docker-compose.yml --file docker-compose.rabbitmq.yml)"
  exit 0
fi
step "npm run compose:smoke -- --file docker-compose.yml --file docker-compose.rabbitmq.yml"
timeout --signal=TERM --kill-after=60 20m npm run compose:smoke -- --file docker-compose.yml --file docker-compose.rabbitmq.yml && exit 0
echo "compose smoke on RabbitMQ FAILED"
exit 1
