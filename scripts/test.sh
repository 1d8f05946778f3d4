#!/usr/bin/env bash
# `npm test`: set up everything the suite needs (npm packages, build, Chromium, PostgreSQL), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
exec npx vitest run "$@"
