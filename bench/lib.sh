# Shared by the benchmarks: a release build of trackr on a fresh PostgreSQL
# database with Redis, and a user, organization and site to measure with.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trackr-target}"
PG_ADMIN="${TRACKR_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_SERVER="${PG_ADMIN%/*}"
PORT="${BENCH_PORT:-18080}"
BASE="http://127.0.0.1:$PORT"

# TRACKR_BIN=path measures that binary (no build), e.g. to compare two.
build() {
  [ -n "${BENCH_NO_BUILD:-}${TRACKR_BIN:-}" ] || (cd "$ROOT" && cargo build --release -q -p trackr-api)
  TRACKR="${TRACKR_BIN:-$CARGO_TARGET_DIR/release/trackr}"
}

# fresh_db NAME → sets DB_URL
fresh_db() {
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS \"$1\"" >/dev/null
  psql "$PG_ADMIN" -qc "CREATE DATABASE \"$1\"" >/dev/null
  DB_URL="$PG_SERVER/$1"
}

start_server() {
  DATA_DIR=$(mktemp -d)
  TRACKR_LISTEN="127.0.0.1:$PORT" TRACKR_DATABASE_URL="$DB_URL" TRACKR_REDIS_URL=redis://127.0.0.1:6379 \
  TRACKR_REDIS_PREFIX="bench-$$" TRACKR_DATA_DIR="$DATA_DIR" TRACKR_LOG_FORMAT=json RUST_LOG=warn \
  TRACKR_PLANS__FREE__MONTHLY_EVENTS=1000000000 TRACKR_PLANS__FREE__MAX_SITES=unlimited \
  TRACKR_INGEST__EVENTS_PER_IP_PER_MINUTE=1000000000 \
    "$TRACKR" serve >"$DATA_DIR/server.log" 2>&1 &
  SERVER_PID=$!
  trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "server did not start"; cat "$DATA_DIR/server.log"; exit 1
}

gql() { # gql TOKEN QUERY → data JSON
  curl -sf "$BASE/graphql" -H 'content-type: application/json' ${1:+-H "authorization: Bearer $1"} \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$2")"
}

# make_site DOMAIN → sets TOKEN, SITE_ID
make_site() {
  TOKEN=$(gql "" 'mutation { signUp(email: "bench@example.com", username: "bench", password: "benchmark password") { token } }' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["signUp"]["token"])')
  ORG=$(gql "$TOKEN" 'mutation { createOrganization(name: "Bench") { id } }' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["createOrganization"]["id"])')
  SITE_ID=$(gql "$TOKEN" "mutation { createSite(organizationId: \"$ORG\", domain: \"$1\") { id } }" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["createSite"]["id"])')
}
