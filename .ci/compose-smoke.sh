#!/usr/bin/env bash
# CI: the full topology run for real (`npm run compose:smoke`, issue 14). Installs docker.io and
# docker-compose if missing, starts dockerd if it is not running, builds the stand-in base images
# (../shared/tools/docker-standins.sh: no image registry is reachable) when they are absent.
# Exit 0 passed, 1 failed, 2 skipped: Docker cannot run on this machine — said plainly, and
# counted as skipped by .ci/run, never as passed. A broken compose file or Dockerfile fails.
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

# Off by default for now: on this machine (2 cores, load average 50-100 from parallel jobs) the
# topology did not get healthy within the step timeouts, so the steps after `up` have not yet
# passed end to end (issue 14). COMPOSE_SMOKE=1 bash .ci/run turns it on.
if [ "${COMPOSE_SMOKE:-0}" != 1 ]; then
  skip "off until it has passed end to end on this machine (COMPOSE_SMOKE=1 turns it on)"
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
for image in "${node_image:-node:20-bookworm-slim}" postgres:15 redis:7; do
  docker image inspect "$image" >/dev/null 2>&1 || missing="$missing $image"
done
if [ -n "$missing" ]; then
  step "building stand-ins for$missing (no image registry here)"
  [ -f ../shared/tools/docker-standins.sh ] || skip "../shared/tools/docker-standins.sh is not beside the clone"
  WORK="$WORK/standins" bash ../shared/tools/docker-standins.sh || skip "the stand-in images could not be built"
fi

step "npm run compose:smoke"
# The smoke test bounds every step itself; this is the backstop (a cold image build included).
timeout --signal=TERM --kill-after=60 40m npm run compose:smoke && exit 0
echo "compose smoke FAILED"
exit 1
