#!/usr/bin/env bash
# `npm run bench`: builds when needed, then runs every benchmark in bench/ (bench/*.bench.ts) against the built web
# process on 127.0.0.1, prints what each measured against BRIEF.md's targets, and writes JSON to bench/results/.
#   npm run bench                     all of them
#   npm run bench -- edit-latency     only those whose name contains one of the arguments
# A benchmark that misses its target still exits 0; one that fails to run makes this script exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# 500 Yjs connections are 1,000 sockets on this machine (both ends): make sure there are descriptors for them.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 8192 ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 8192 2>/dev/null || echo "[bench] could not raise the open-file limit above $(ulimit -n)" >&2
fi

# Latencies are only worth reporting on an otherwise idle machine: say so when it is not.
load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if awk -v l="$load1" 'BEGIN { exit !(l > 1.0) }'; then
  echo "[bench] warning: load average is $load1 before starting: other work on this machine will skew the figures" >&2
fi

mkdir -p bench/results
selected=()
for file in bench/*.bench.ts; do
  name=$(basename "$file" .bench.ts)
  if [ $# -eq 0 ]; then selected+=("$name"); continue; fi
  for want in "$@"; do [[ "$name" == *"$want"* ]] && { selected+=("$name"); break; }; done
done
if [ ${#selected[@]} -eq 0 ]; then echo "[bench] no benchmark matches: $*" >&2; exit 1; fi

failed=()
for name in "${selected[@]}"; do
  printf '\n\033[1;34m[bench]\033[0m %s\n' "$name"
  rm -f "bench/results/$name.json"
  # Each benchmark bounds its own loops; this is the backstop (240 s, or its own `// bench-backstop-seconds: N` line).
  backstop=$(sed -n 's|^// bench-backstop-seconds: \([0-9]\+\)$|\1|p' "bench/$name.bench.ts" | head -1)
  if ! timeout --kill-after=10 "${backstop:-240}" node_modules/.bin/tsx "bench/$name.bench.ts"; then failed+=("$name"); fi
done

node_modules/.bin/tsx bench/summary.ts "${selected[@]}"
if [ ${#failed[@]} -gt 0 ]; then echo "[bench] failed to run: ${failed[*]}" >&2; exit 1; fi
