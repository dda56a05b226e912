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

# generate_events N START_MS: N events of $SITE_ID over the 30 days from
# START_MS, straight into the tables (as ingestion would store them): 5
# events per visit, ~6 visits per visitor-day; 200 pages; 3 sources, 4
# browsers, 12 countries, 4 screen widths and 3 UTM contents per visit,
# skewed (one value in two, one in four, …), as real traffic is.
generate_events() {
  local N=$1 START=$2 DAY_MS=86400000 HOST
  HOST=$(psql "$DB_URL" -Atc "SELECT domain FROM sites WHERE id = '$SITE_ID'")
  psql "$DB_URL" -q <<SQL
-- The value of visit n among k (the first one in two, the next one in four,
-- …), from a hash of n and a salt, so that dimensions are independent.
CREATE FUNCTION pg_temp.skewed(n bigint, k int, salt int) RETURNS int LANGUAGE sql IMMUTABLE AS
  \$\$ SELECT LEAST(k, 1 + floor(-ln(((hashint8(n * 64 + salt)::bigint & 2147483647) + 1)::float8 / 2147483649.0) / ln(2))::int) \$\$;
INSERT INTO events (site_id, ts, name, pathname, hostname, referrer, referrer_source, browser, os, device, country, visitor_hash, session_id, viewport_width, utm_content)
SELECT '$SITE_ID'::uuid, $START + (g::bigint * 30 * $DAY_MS) / $N,
       CASE WHEN g % 10 = 0 THEN 'Signup' ELSE 'pageview' END,
       '/page/' || (g % 200), '$HOST', NULL,
       (ARRAY['Direct / None', 'Google', 'Twitter'])[pg_temp.skewed(g / 5, 3, 1)],
       (ARRAY['Chrome', 'Safari', 'Firefox', 'Edge'])[pg_temp.skewed(g / 5, 4, 2)], 'Linux', 'Desktop',
       (ARRAY['US', 'DE', 'GB', 'FR', 'IN', 'BR', 'CA', 'NL', 'JP', 'ES', 'IT', 'PL'])[pg_temp.skewed(g / 5, 12, 3)],
       ((g / 30)::bigint * 2654435761) % 9223372036854775807, g / 5,
       (ARRAY[1920, 390, 1280, 800])[pg_temp.skewed(g / 5, 4, 4)],
       (ARRAY[NULL, 'banner', 'text-ad'])[pg_temp.skewed(g / 5, 3, 5)]
FROM generate_series(0, $N - 1) g;
INSERT INTO visits (session_id, site_id, visitor_hash, started_at, ended_at, entry_page, exit_page, pageviews, events, referrer_source)
SELECT s, '$SITE_ID'::uuid, ((s / 6)::bigint * 2654435761) % 9223372036854775807,
       $START + (s::bigint * 5 * 30 * $DAY_MS) / $N, $START + (s::bigint * 5 * 30 * $DAY_MS) / $N + 120000,
       '/page/' || (s * 5 % 200), '/page/' || ((s * 5 + 4) % 200), 4, 5, (ARRAY['Direct / None', 'Google', 'Twitter'])[pg_temp.skewed(s, 3, 1)]
FROM generate_series(0, $N / 5 - 1) s;
ANALYZE events; ANALYZE visits;
SQL
}
