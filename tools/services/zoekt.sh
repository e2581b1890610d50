# Builds Zoekt (zoekt-webserver, zoekt-index, zoekt-git-index) at the version pinned in
# packages/zoekt/zoekt-tools/go.mod into .cache/bin/zoekt-<version>/ (once; skipped when there),
# installs Debian's universal-ctags if missing, then starts `zoekt-webserver -rpc` on a free
# loopback port over a temporary index folder. Exports:
#   ZOEKT_URL        http://127.0.0.1:<port>
#   ZOEKT_INDEX_DIR  the folder the webserver watches (tests index into it)
#   ZOEKT_BIN_DIR    where the three binaries are
#   CTAGS_COMMAND    ctags-universal, for Zoekt's symbol data
# Source it, call start_zoekt, and stop_zoekt when done.
#
# Why this version: the Go module proxy here serves github.com/sourcegraph/zoekt only at some
# exact pseudo-versions (no version list, so no @latest); v0.0.0-20240808144359-20c496e3680f
# is served, builds with Go 1.22+ and has the JSON API (/api/search, /api/list with -rpc).
# It has /healthz but no /readyz: readiness is /healthz answering 200.

ZOEKT_VERSION=v0.0.0-20240808144359-20c496e3680f

zoekt_tools_dir() { echo "${ROOT:-$PWD}/packages/zoekt/zoekt-tools"; }

ensure_zoekt_installed() {
  local root=${ROOT:-$PWD}
  export ZOEKT_BIN_DIR="$root/.cache/bin/zoekt-$ZOEKT_VERSION"
  if [ -x "$ZOEKT_BIN_DIR/zoekt-webserver" ] && [ -x "$ZOEKT_BIN_DIR/zoekt-index" ] && [ -x "$ZOEKT_BIN_DIR/zoekt-git-index" ]; then
    return 0
  fi
  if ! command -v go >/dev/null; then
    echo "Go is not installed: Zoekt is built from source with 'go install' (Go >= 1.22 needed)" >&2
    return 1
  fi
  grep -q "github.com/sourcegraph/zoekt $ZOEKT_VERSION" "$(zoekt_tools_dir)/go.mod" || {
    echo "packages/zoekt/zoekt-tools/go.mod does not pin zoekt $ZOEKT_VERSION: update both together" >&2
    return 1
  }
  log "building Zoekt $ZOEKT_VERSION into $ZOEKT_BIN_DIR (first run only, ~2 min)"
  mkdir -p "$ZOEKT_BIN_DIR"
  (cd "$(zoekt_tools_dir)" && GOFLAGS=-mod=mod GOBIN="$ZOEKT_BIN_DIR" go install \
    github.com/sourcegraph/zoekt/cmd/zoekt-webserver \
    github.com/sourcegraph/zoekt/cmd/zoekt-index \
    github.com/sourcegraph/zoekt/cmd/zoekt-git-index) || {
    echo "building Zoekt failed (see above)" >&2
    return 1
  }
}

ensure_ctags_installed() {
  command -v ctags-universal >/dev/null && return 0
  log "universal-ctags not found: installing Debian's universal-ctags package"
  if [ "$(id -u)" != 0 ]; then
    echo "universal-ctags is missing and this user cannot apt-get install it: run 'sudo apt-get install -y universal-ctags'" >&2
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q universal-ctags >/dev/null 2>&1 || {
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q universal-ctags >/dev/null
  }
}

start_zoekt() {
  ensure_zoekt_installed || return 1
  ensure_ctags_installed || return 1
  export CTAGS_COMMAND=ctags-universal
  local port dir
  port=$(free_port)
  dir=$(mktemp -d /tmp/trawl-zoekt.XXXXXX)
  mkdir -p "$dir/index"
  "$ZOEKT_BIN_DIR/zoekt-webserver" -rpc -html=false -index "$dir/index" -listen "127.0.0.1:$port" \
    >"$dir/webserver.log" 2>&1 &
  echo $! >"$dir/webserver.pid"
  export TRAWL_TEST_ZOEKT_DIR=$dir
  export ZOEKT_URL="http://127.0.0.1:$port"
  export ZOEKT_INDEX_DIR="$dir/index"
  wait_for_http "$ZOEKT_URL/healthz" 60 || {
    cat "$dir/webserver.log" >&2
    stop_zoekt
    return 1
  }
  log "Zoekt $ZOEKT_VERSION on $ZOEKT_URL (index in $ZOEKT_INDEX_DIR)"
}

stop_zoekt() {
  [ -n "${TRAWL_TEST_ZOEKT_DIR:-}" ] || return 0
  local pid
  pid=$(cat "$TRAWL_TEST_ZOEKT_DIR/webserver.pid" 2>/dev/null)
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$TRAWL_TEST_ZOEKT_DIR"
  unset TRAWL_TEST_ZOEKT_DIR
}
