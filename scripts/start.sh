#!/usr/bin/env bash
# `npm start`: set up what is missing, then serve on $PORT (3000) with SQLite and local storage in $DATA_DIR (./data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh app
exec node build/server.js
