#!/usr/bin/env bash
# A real release, end to end, against a throwaway local registry:
#   1. build; copy the workspace to a temp folder; `changeset version` there (the pending
#      changesets, or a synthetic patch one): all public packages move to one new version, each
#      gets a CHANGELOG entry, internal dependency ranges follow (tools/release/verify-version.mjs);
#   2. start Verdaccio on a free loopback port (tools/release/verdaccio.yaml: @trawl/* is local
#      only, everything else proxies the public npm registry), `changeset publish` every public
#      package to it;
#   3. fresh consumer projects in a temp folder outside the workspace:
#      - `npm install @trawl/chunk-store` alone: ESM import and CJS require work (in-memory store),
#        and the tree has no kuzu, @qdrant/*, undici or web-tree-sitter;
#      - `npm install @trawl/zoekt` alone: ESM + CJS work, and the tree has no pg or kuzu;
#      - when packages/cli exists: `npm install @trawl/cli` (kuzu's install script allowed through
#        the consumer's package.json "allowScripts"), `npx trawl --help`, then index a small
#        repository and search it on the embedded default (PGlite + Kuzu, no servers).
# Nothing is written inside the repository except nx's ignored build cache; the registry is
# stopped and every temp folder removed on exit.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source tools/services/common.sh
source tools/release/lib.sh

# `npm test` exports npm_config_* (local_prefix=/work/main, userconfig, ...): consumers must not
# inherit them, or npm would treat the workspace as their project.
for var in $(env | grep -io '^npm_config_[a-z0-9_]*'); do unset "$var"; done

fail() {
  echo "publish: $*" >&2
  exit 1
}
step() { printf '[publish] %s (%ss)\n' "$*" "$SECONDS" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/trawl-publish.XXXXXX")
REGISTRY_PID=
cleanup() {
  # The background CLI install (only still running when we fail early): npm, then its subshell.
  if [ -n "${CLI_PID:-}" ] && kill -0 "$CLI_PID" 2>/dev/null; then
    pkill -TERM -P "$CLI_PID" 2>/dev/null
    kill "$CLI_PID" 2>/dev/null
    wait "$CLI_PID" 2>/dev/null
  fi
  if [ -n "$REGISTRY_PID" ] && kill -0 "$REGISTRY_PID" 2>/dev/null; then
    kill "$REGISTRY_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$REGISTRY_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$REGISTRY_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "building"
build_all || fail "build failed"
PUBLIC=$(public_packages)
COUNT=$(wc -w <<<"$PUBLIC" | tr -d ' ')

# --- 1. version a copy of the workspace -----------------------------------------------------
step "changeset version in a temp copy"
WS=$WORK/workspace
mkdir -p "$WS"
tar -C "$ROOT" --exclude=node_modules --exclude=.nx -cf - package.json .changeset packages | tar -C "$WS" -xf - ||
  fail "could not copy the workspace"
ln -s "$ROOT/node_modules" "$WS/node_modules"
if [ -z "$(find "$WS/.changeset" -maxdepth 1 -name '*.md' ! -name README.md)" ]; then
  # No pending changeset (the last release consumed them): prove the flow with a synthetic one.
  {
    echo '---'
    for dir in $PUBLIC; do echo "\"@trawl/$dir\": patch"; done
    echo '---'
    echo
    echo 'Release check: synthetic patch changeset written by tools/checks/publish.sh.'
  } >"$WS/.changeset/release-check.md"
fi
(cd "$WS" && node node_modules/@changesets/cli/bin.js version >"$WORK/version.log" 2>&1) ||
  { cat "$WORK/version.log" >&2; fail "changeset version failed"; }
VERSION=$(node tools/release/verify-version.mjs "$ROOT" "$WS") || fail "changeset version did not produce a coherent release (see above)"
step "all public packages versioned to $VERSION, changelogs written, internal ranges updated"

# --- 2. registry + changeset publish ---------------------------------------------------------
mkdir -p "$WORK/registry"
cp tools/release/verdaccio.yaml "$WORK/registry/config.yaml"
PORT=$(free_port)
REGISTRY=http://127.0.0.1:$PORT/
node node_modules/verdaccio/bin/verdaccio --config "$WORK/registry/config.yaml" --listen "127.0.0.1:$PORT" >"$WORK/registry/log" 2>&1 &
REGISTRY_PID=$!
wait_for_http "${REGISTRY}-/ping" 30 || { cat "$WORK/registry/log" >&2; fail "Verdaccio did not start on port $PORT"; }
TOKEN=$(node -e '
  fetch(process.argv[1] + "-/user/org.couchdb.user:release-check", {
    method: "PUT", headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "release-check", password: "release-check-" + process.pid }),
  }).then(async (r) => { const b = await r.json(); if (!b.token) throw new Error(JSON.stringify(b)); console.log(b.token); })
    .catch((e) => { console.error(e.message); process.exit(1); });' "$REGISTRY") || fail "could not register a user on Verdaccio"
export npm_config_userconfig=$WORK/npmrc
cat >"$npm_config_userconfig" <<EOF
registry=$REGISTRY
//127.0.0.1:$PORT/:_authToken=$TOKEN
audit=false
fund=false
update-notifier=false
EOF
# changeset publish passes --registry from npm_config_registry (default: the public registry),
# not from the userconfig: set both, and refuse to go on unless npm points at the local one.
export npm_config_registry=$REGISTRY
[ "$(npm config get registry)" = "$REGISTRY" ] || fail "npm does not point at the local registry; refusing to publish"
step "Verdaccio on $REGISTRY; changeset publish"
(cd "$WS" && node node_modules/@changesets/cli/bin.js publish --no-git-tag >"$WORK/publish.log" 2>&1) ||
  { tail -40 "$WORK/publish.log" >&2; fail "changeset publish failed"; }
# One Node process asks the registry for every package (an `npm view` each would cost seconds).
node -e '
  const [registry, version, ...dirs] = process.argv.slice(1);
  Promise.all(dirs.map(async (dir) => {
    const response = await fetch(`${registry}@trawl%2f${dir}`);
    const body = response.ok ? await response.json() : {};
    if (!body.versions?.[version]) throw new Error(`@trawl/${dir}@${version} is not on the registry after changeset publish`);
  })).catch((error) => { console.error(error.message); process.exit(1); });
' "$REGISTRY" "$VERSION" $PUBLIC || { tail -40 "$WORK/publish.log" >&2; fail "changeset publish left packages unpublished"; }
step "published $COUNT packages at $VERSION"

# --- 3. fresh consumer projects ----------------------------------------------------------------
new_consumer() { # new_consumer NAME [allowScripts JSON]: an empty project outside the workspace
  local dir=$WORK/consumers/$1 scripts=${2:-'{}'}
  mkdir -p "$dir"
  printf '{ "name": "%s", "version": "1.0.0", "private": true, "allowScripts": %s }\n' "$1" "$scripts" >"$dir/package.json"
  echo "$dir"
}
npm_install() { # npm_install DIR SPEC...
  local dir=$1
  shift
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "$@" >"$dir/install.log" 2>&1) ||
    { tail -30 "$dir/install.log" >&2; fail "npm install $* failed in a fresh project"; }
}

# The CLI's tree is the big one (PGlite, Kuzu, grammars): install it in the background while the
# small consumers run. kuzu needs its install script (it puts the native binding in place);
# tree-sitter-c's only looks for a native build the parser never uses (it loads the grammar's
# .wasm): allow one, deny the other, as the READMEs tell consumers to.
CLI_PID=
if grep -qx cli <<<"$PUBLIC"; then
  step "consumer: npm install @trawl/cli (background)"
  CLI_DIR=$(new_consumer cli '{ "kuzu": true, "tree-sitter-c": false }')
  (cd "$CLI_DIR" && npm install --no-audit --no-fund --loglevel=warn "@trawl/cli@$VERSION" >"$CLI_DIR/install.log" 2>&1) &
  CLI_PID=$!
fi

step "consumer: npm install @trawl/chunk-store"
C=$(new_consumer chunk-store)
npm_install "$C" "@trawl/chunk-store@$VERSION"
cp tools/release/consumers/chunk-store.mjs tools/release/consumers/chunk-store.cjs "$C/"
(cd "$C" && node chunk-store.mjs && node chunk-store.cjs) || fail "@trawl/chunk-store does not work when installed alone (ESM or CJS above)"
node tools/release/assert-tree.mjs "$C" "@trawl/chunk-store" kuzu '@qdrant/*' undici web-tree-sitter || fail "@trawl/chunk-store pulls infra it does not use"
# Its published types, from ESM and CJS TypeScript files (node16 resolution, declaration files
# checked too: an import the .d.ts files need but the package does not install fails here). A
# TypeScript consumer on Node has @types/node, so add it now that the tree has been checked.
npm_install "$C" -D "@types/node@$(node -p 'require("./package.json").devDependencies["@types/node"]')"
cp tools/release/consumers/chunk-store-types.mts tools/release/consumers/chunk-store-types.cts "$C/"
cp tools/release/consumers/tsconfig.consumer.json "$C/tsconfig.json"
(cd "$C" && "$ROOT/node_modules/.bin/tsc" -p tsconfig.json) ||
  fail "the published @trawl/chunk-store types do not compile in a TypeScript consumer (above)"
echo "typescript consumer: @trawl/chunk-store types compile from .mts and .cts"

step "consumer: npm install @trawl/zoekt"
C=$(new_consumer zoekt)
npm_install "$C" "@trawl/zoekt@$VERSION"
cp tools/release/consumers/zoekt.mjs tools/release/consumers/zoekt.cjs "$C/"
(cd "$C" && node zoekt.mjs && node zoekt.cjs) || fail "@trawl/zoekt does not work when installed alone (ESM or CJS above)"
node tools/release/assert-tree.mjs "$C" "@trawl/zoekt" pg kysely kuzu '@electric-sql/*' || fail "@trawl/zoekt pulls infra it does not use"

if [ -n "$CLI_PID" ]; then
  step "consumer: waiting for npm install @trawl/cli"
  wait "$CLI_PID" || { tail -30 "$CLI_DIR/install.log" >&2; fail "npm install @trawl/cli failed in a fresh project"; }
  if grep -q 'not yet covered by allowScripts' "$CLI_DIR/install.log"; then
    echo "publish: warning: installing @trawl/cli leaves install scripts unreviewed; document them in the READMEs' allowScripts:" >&2
    grep 'install-scripts  ' "$CLI_DIR/install.log" >&2
  fi
  step "consumer: npx trawl --help, index, search"
  bash tools/release/consumers/cli.sh "$CLI_DIR" || fail "the published CLI does not work (see above)"
fi

step "done: version $VERSION published and consumed"
echo "publish: changesets version + publish of $COUNT packages to a local registry, consumers OK (${SECONDS}s)"
