#!/usr/bin/env bash
# The main job on the embedded default, nothing to install but Node: index this repository
# into ./.trawl (PGlite + Kuzu) and search it. Re-running updates the index incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[trawl-demo] installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
trawl() { npx tsx --tsconfig tools/tsconfig.check.json packages/cli/src/bin.ts "$@"; }
# Clear only the variables that would switch layers to servers: this is the embedded default.
unset DATABASE_URL ZOEKT_URL QDRANT_URL
trawl index . --repo trawl
for query in "${@:-weightedReciprocalRankFusion}" ; do
  echo
  echo "\$ trawl search \"$query\""
  trawl search "$query" --repo trawl --limit 5
done
echo
echo "\$ trawl search \"how are snapshots marked ready\" --limit 3"
trawl search "how are snapshots marked ready" --repo trawl --limit 3
