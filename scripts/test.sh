#!/usr/bin/env bash
# Runs every test of minsheng on SQLite and PostgreSQL.
#
# PostgreSQL: uses $MINSHENG_TEST_PG if set; otherwise the local server on 127.0.0.1:5432
# (started if installed but stopped, installed from Debian's packages if missing); if that
# server does not let the postgres user in without a password, a throw-away cluster is created
# on port 55432 under target/. No test is ever skipped for want of a database: if none can be
# reached this script fails.
#
# Browser tests: Debian's Chromium and ChromeDriver (/usr/bin/chromium, /usr/bin/chromedriver)
# and a CJK font for readable screenshots, installed from Debian's packages when missing. No
# browser is downloaded at test time, and a missing browser fails the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test] %s\n' "$*" >&2; }

pg_ok() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

pg_bin() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$v" ] && echo "/usr/lib/postgresql/$v/bin"
}

ensure_postgres() {
  if [ -n "${MINSHENG_TEST_PG:-}" ]; then
    pg_ok "$MINSHENG_TEST_PG" || { log "MINSHENG_TEST_PG=$MINSHENG_TEST_PG is not reachable"; exit 1; }
    return
  fi
  local url="postgres://postgres@127.0.0.1:5432/postgres"
  if ! command -v psql >/dev/null 2>&1 || [ -z "$(pg_bin)" ]; then
    log "PostgreSQL is not installed: installing it from Debian's packages"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  fi
  if ! pg_ok "$url" && command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | while read -r ver name port status _; do
      if [ "$status" != "online" ]; then
        log "starting PostgreSQL cluster $ver/$name"
        pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start || true
      fi
    done
    for _ in $(seq 1 20); do pg_ok "$url" && break; sleep 0.5; done
  fi
  if pg_ok "$url"; then
    export MINSHENG_TEST_PG="$url"
    return
  fi
  # Fall back to a throw-away cluster with trust authentication on a spare port.
  local bin dir port=55432
  bin=$(pg_bin)
  dir="$PWD/target/pg-test"
  url="postgres://postgres@127.0.0.1:$port/postgres"
  if ! pg_ok "$url"; then
    log "creating a throw-away PostgreSQL cluster in $dir on port $port"
    rm -rf "$dir" && mkdir -p "$dir"
    local run=()
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; run=(runuser -u postgres --); fi
    "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" -l "$dir/log" -w start >/dev/null
  fi
  pg_ok "$url" || { log "no PostgreSQL could be reached or started; failing"; exit 1; }
  export MINSHENG_TEST_PG="$url"
}

ensure_browser() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk' || missing+=(fonts-wqy-microhei)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from Debian's packages for the browser tests"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { log "Chromium could not be installed; failing"; exit 1; }
}

ensure_browser
ensure_postgres
log "PostgreSQL for tests: $MINSHENG_TEST_PG"
# Databases left behind by interrupted runs.
psql "$MINSHENG_TEST_PG" -Atqc \
  "select datname from pg_database where datname ~ '^minsheng_(test|store|cli)_[0-9a-f]{32}$'" |
  while read -r db; do psql "$MINSHENG_TEST_PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; done
cargo test --workspace --all-targets "$@"

# Hostile input: libFuzzer on every parser of outside bytes, then schemathesis against the real
# binary's OpenAPI document. Quick modes here; the full ones are in README.md (Operations).
log "fuzzing every target (scripts/fuzz.sh --quick)"
./scripts/fuzz.sh --quick
log "schemathesis against /api/v1/openapi.json (scripts/schemathesis.sh --quick)"
./scripts/schemathesis.sh --quick
