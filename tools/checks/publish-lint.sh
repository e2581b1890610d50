#!/usr/bin/env bash
# Every public package, as it would be published: builds, packs each with `npm pack`, then checks
# the tarball with `publint --strict` and `attw --profile node16` (node16 ESM + CJS and bundler
# resolution must all find JS and types), plus a README and LICENSE inside it.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/release/lib.sh
build_all || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/trawl-publint.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=()
count=0
for dir in $(public_packages); do
  count=$((count + 1))
  tarball=$(cd "packages/$dir" && npm pack --silent --pack-destination "$work" 2>"$work/pack.err" | tail -1)
  if [ -z "$tarball" ] || [ ! -f "$work/$tarball" ]; then
    echo "publish-lint: npm pack failed in packages/$dir:" >&2; cat "$work/pack.err" >&2
    failed+=("$dir(pack)"); continue
  fi
  contents=$(tar -tzf "$work/$tarball")
  for required in package/README.md package/LICENSE; do
    if ! grep -qx "$required" <<<"$contents"; then
      echo "publish-lint: packages/$dir ships no ${required#package/} (add it to the package folder; \"files\" lists it)" >&2
      failed+=("$dir(${required#package/})")
    fi
  done
  if ! out=$(npx publint run "$work/$tarball" --strict 2>&1); then
    echo "publish-lint: publint --strict failed for packages/$dir:" >&2; echo "$out" >&2
    failed+=("$dir(publint)")
  fi
  if ! out=$(npx attw "$work/$tarball" --profile node16 --format ascii --no-color --no-emoji 2>&1); then
    echo "publish-lint: attw (node16 ESM+CJS, bundler) failed for packages/$dir:" >&2; echo "$out" >&2
    failed+=("$dir(attw)")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "publish-lint: FAILED for ${failed[*]}" >&2
  exit 1
fi
echo "publish-lint: $count public packages pass publint --strict and attw (node16)"
