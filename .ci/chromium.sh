#!/usr/bin/env bash
# The topology page's browser test (tests/admin/topology-page.int.test.ts) drives Debian's
# Chromium through playwright-core (no browser download). Install it when it is missing.
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "installing chromium (the topology page's browser test)"
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ||
  echo "could not install chromium; the browser test will say so"
