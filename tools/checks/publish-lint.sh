#!/usr/bin/env bash
# Every public package, as it would be published: builds, packs all of them with one `npm pack`,
# then lints each tarball in one Node process (tools/release/lint-tarballs.mjs): publint --strict
# (errors and warnings fail), the attw engine with the CLI's node16 profile (node16 ESM, node16
# CJS and bundler resolution must all find JS and types), README.md and LICENSE inside.
# By hand, per package: npx publint --strict packages/<x> && npx attw --pack packages/<x> --profile node16
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/release/lib.sh
build_all || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/trawl-publint.XXXXXX")
trap 'rm -rf "$work"' EXIT
workspaces=()
for dir in $(public_packages); do workspaces+=(-w "packages/$dir"); done
[ ${#workspaces[@]} -gt 0 ] || { echo "publish-lint: no public packages under packages/" >&2; exit 1; }
if ! npm pack --silent --pack-destination "$work" "${workspaces[@]}" >"$work/pack.log" 2>&1; then
  cat "$work/pack.log" >&2
  echo "publish-lint: npm pack failed" >&2
  exit 1
fi
node tools/release/lint-tarballs.mjs "$work"/*.tgz
