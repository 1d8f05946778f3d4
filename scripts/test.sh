#!/usr/bin/env bash
# `npm test`: set up everything the suite needs (npm packages, build, Chromium, PostgreSQL), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json "$@" || status=$?
# One plain closing line for CI: "N passed, N failed".
node -e 'const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8")); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' || true
exit $status
