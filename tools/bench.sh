#!/usr/bin/env bash
# Runs every package benchmark (packages/*/bench/*.bench.ts) and prints their tables.
# Starts the services they need the way the test command does (PostgreSQL, Zoekt).
#   npm run bench                      all benchmarks, default (quick) sizes
#   npm run bench -- chunk-store       only benchmarks whose path contains "chunk-store"
# Benchmarks are not tests: nothing here passes or fails on a number.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source tools/services/common.sh
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
SERVICES=()
for script in tools/services/*.sh; do
  name=$(basename "$script" .sh)
  [ "$name" = common ] && continue
  source "$script"
  SERVICES+=("$name")
done
cleanup() { local i; for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do "stop_${SERVICES[$i]}" || true; done; }
trap cleanup EXIT
for name in "${SERVICES[@]}"; do "start_$name" || exit 1; done
filter=${1:-}
for bench in packages/*/bench/*.bench.ts; do
  [ -n "$filter" ] && [[ "$bench" != *"$filter"* ]] && continue
  echo
  echo "=== $bench"
  npx tsx --tsconfig tools/tsconfig.check.json "$bench" "${@:2}" || echo "(benchmark failed)"
done
