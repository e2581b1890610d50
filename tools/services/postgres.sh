# Starts a throwaway PostgreSQL 15 cluster on a free loopback port and exports DATABASE_URL
# (the admin database; tests create their own databases in it). Installs Debian's PostgreSQL if
# it is missing. Source it, call start_postgres, and stop_postgres when done.

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

ensure_postgres_installed() {
  if [ -n "$(pg_bin_dir)" ] && [ -x "$(pg_bin_dir)/initdb" ]; then return 0; fi
  log "PostgreSQL server not found: installing Debian's postgresql package"
  if [ "$(id -u)" != 0 ]; then
    echo "PostgreSQL is not installed and this user cannot apt-get install it: run 'sudo apt-get install -y postgresql'" >&2
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1 || {
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
  }
  # Debian starts a default cluster on install; the tests use their own.
  command -v pg_ctlcluster >/dev/null && pg_ctlcluster --force "$(basename "$(dirname "$(pg_bin_dir)")")" main stop 2>/dev/null || true
}

# Runs a command as the cluster owner: initdb refuses to run as root.
as_pg_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  ensure_postgres_installed
  local bin port dir
  bin=$(pg_bin_dir)
  port=$(free_port)
  dir=$(mktemp -d /tmp/trawl-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_pg_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    return 1
  }
  as_pg_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || {
    cat "$dir/server.log" >&2
    return 1
  }
  export TRAWL_TEST_PG_DIR=$dir TRAWL_TEST_PG_BIN=$bin
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)"
}

stop_postgres() {
  [ -n "${TRAWL_TEST_PG_DIR:-}" ] || return 0
  as_pg_owner "$TRAWL_TEST_PG_BIN/pg_ctl" -D "$TRAWL_TEST_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$TRAWL_TEST_PG_DIR"
  unset TRAWL_TEST_PG_DIR
}
