#!/usr/bin/env bash
# Layer rules between packages (direction, no cycles, declared dependencies, infra clients only in
# their owner, nothing published depends on a private package) and the shared package.json shape.
# Logic: tools/release/check-layers.mjs (unit-tested in tools/release/check-layers.test.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
node tools/release/check-layers.mjs
node tools/release/package-metadata.mjs --check
