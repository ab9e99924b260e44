#!/usr/bin/env bash
# Runs schemathesis against the real `minsheng` binary's /api/v1/openapi.json.
#
#   scripts/schemathesis.sh [--quick|--full]
#
#   --quick (default)  up to 100 generated requests per operation (the test command runs this)
#   --full             up to 1000 per operation, plus the stateful phase (chains of calls
#                      following the document's links)
#   MINSHENG_SCHEMATHESIS_EXAMPLES overrides the count; MINSHENG_SCHEMATHESIS_USER the staff
#   user whose bearer token every request carries (default coord.donghu).
#
# It fails on any 5xx, any response that does not match its schema, any status the document
# does not list for the operation, and any wrong content type.
#
# What it sets up: a Python venv under $CARGO_TARGET_DIR (or target/) with a pinned
# schemathesis from PyPI; the debug `minsheng` binary (built if needed) serving demo data from a
# temporary SQLite directory on a free port, with the public rate limits off (they would turn
# the run into 429s); a bearer token from POST /api/v1/auth/login with the demo password.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

log() { printf '[schemathesis] %s\n' "$*" >&2; }

mode=quick
for a in "$@"; do
  case "$a" in
    --quick) mode=quick ;;
    --full) mode=full ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) log "unknown argument $a"; exit 2 ;;
  esac
done
if [ "$mode" = quick ]; then
  examples=${MINSHENG_SCHEMATHESIS_EXAMPLES:-100}
  phases=examples,coverage,fuzzing
else
  examples=${MINSHENG_SCHEMATHESIS_EXAMPLES:-1000}
  phases=examples,coverage,fuzzing,stateful
fi
user=${MINSHENG_SCHEMATHESIS_USER:-coord.donghu}
SCHEMATHESIS_VERSION=4.32.5
target=${CARGO_TARGET_DIR:-$root/target}
started=$(date +%s)

# A pinned schemathesis in its own venv.
venv="$target/schemathesis-venv"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    log "installing python3-venv from Debian's packages"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
  fi
  log "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
py="$venv/bin/python"

log "building the minsheng binary"
# The same build as the test command's `cargo test --workspace --all-targets`: after it this is a
# no-op, where `cargo build -p minsheng` would resolve other features and rebuild half the tree.
cargo test --quiet --workspace --all-targets --no-run
bin="$target/debug/minsheng"

data=$(mktemp -d)
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
log "serving demo data from $data on $base"
"$bin" serve --data "$data" --bind "127.0.0.1:$port" --demo --demo-cases 300 \
  --public-writes-per-minute 0 --public-tracks-per-minute 0 --submissions-per-phone-per-hour 0 \
  >"$data/serve.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

# Wait for the health check, then sign in.
token=$("$py" - "$base" "$user" "$server" <<'PY'
import json, os, sys, time, urllib.request
base, user, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.time() + 300
while True:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            if r.status == 200:
                break
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited before it was healthy")
    if time.time() > deadline:
        sys.exit("the server did not become healthy within 300 s")
    time.sleep(0.5)
body = json.dumps({"username": user, "password": "minsheng-demo-2026"}).encode()
req = urllib.request.Request(base + "/api/v1/auth/login", data=body,
                             headers={"content-type": "application/json"})
with urllib.request.urlopen(req, timeout=30) as r:
    print(json.load(r)["token"])
PY
) || { log "could not start the server or sign in; its log:"; tail -n 30 "$data/serve.log" >&2; exit 1; }
log "signed in as $user; running $phases with up to $examples examples per operation"

# Logging out would end the run's own session and leave the rest of the run unauthenticated.
# Run from the target directory: schemathesis keeps a cache in its working directory.
set +e
(cd "$target" && "$venv/bin/schemathesis" run "$base/api/v1/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --header "Authorization: Bearer $token" \
  --exclude-path /api/v1/auth/logout \
  --phases "$phases" --max-examples "$examples" --seed 2026 --workers 2 \
  --request-timeout 60 --suppress-health-check too_slow,filter_too_much \
  --report junit --report-dir "$target/schemathesis-report" --no-color)
rc=$?
set -e
if grep -qE 'panicked|ERROR' "$data/serve.log"; then
  log "the server logged errors:"
  grep -E 'panicked|ERROR' "$data/serve.log" | head -n 20 >&2
  rc=1
fi
log "schemathesis ($mode) took $(($(date +%s) - started)) s; exit $rc"
exit $rc
