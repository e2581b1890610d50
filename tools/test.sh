#!/usr/bin/env bash
# The one test command (`npm test`): installs what is missing, starts every service the tests
# need (each tools/services/<name>.sh defines start_<name> / stop_<name>), type-checks, runs all
# unit and integration tests, then every check in tools/checks/, and stops what it started.
# Results land in .tmp/results/ for the summary line printed by tools/summary.mjs.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source tools/services/common.sh

RESULTS=$ROOT/.tmp/results
rm -rf "$RESULTS" && mkdir -p "$RESULTS"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi

SERVICES=()
for script in tools/services/*.sh; do
  name=$(basename "$script" .sh)
  [ "$name" = common ] && continue
  source "$script"
  SERVICES+=("$name")
done

cleanup() {
  local i
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do "stop_${SERVICES[$i]}" || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for name in "${SERVICES[@]}"; do
  "start_$name" || { log "could not start $name"; echo "FAIL service:$name" >>"$RESULTS/checks.txt"; exit 1; }
done

status=0
run_check() {
  local name=$1
  shift
  log "check: $name"
  if "$@"; then echo "PASS $name" >>"$RESULTS/checks.txt"; else echo "FAIL $name" >>"$RESULTS/checks.txt"; status=1; fi
}

run_check typecheck npx tsc -p tools/tsconfig.check.json
log "vitest: unit and integration tests"
npx vitest run --config tools/vitest.config.ts --reporter=default --reporter=json --outputFile.json="$RESULTS/vitest.json" || status=1
for check in tools/checks/*.sh; do
  [ -e "$check" ] || continue
  run_check "$(basename "$check" .sh)" bash "$check"
done

node tools/summary.mjs "$RESULTS" >&2
exit $status
