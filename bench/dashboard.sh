#!/usr/bin/env bash
# Dashboard benchmark (issue 16): Chromium opens a site's dashboard for the
# last 30 days over generated events on PostgreSQL (after the rollup job,
# as in production), and reads from the page's own performance marks the
# time from navigation until the top stats, the chart and every panel show
# their data; it also counts the page's GraphQL requests and the bytes of
# JavaScript and CSS the dashboard loads. Goal at 10 M events: ≤ 1 s,
# ≤ 3 requests, the route's JS and CSS ≤ 250 KB gzipped.
#   bash bench/dashboard.sh          (SIZES="1000000 10000000", RUNS=5)
source "$(dirname "$0")/lib.sh"
SIZES="${SIZES:-1000000 10000000}"
RUNS="${RUNS:-5}"
build
NOW_MS=$(python3 -c "import time; print(int(time.time()*1000))")
START_MS=$((NOW_MS - 30 * 86400000))
for n in $SIZES; do
  fresh_db "trackr_bench_dashboard_$n"
  start_server
  make_site "dash$n.example"
  SLUG=$(gql "$TOKEN" "{ organization(id: \"$ORG\") { slug } }" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["organization"]["slug"])')
  echo "== generating $n events over 30 days"
  t0=$(date +%s)
  generate_events "$n" "$START_MS"
  TRACKR_DATABASE_URL="$DB_URL" TRACKR_DATA_DIR="$DATA_DIR" RUST_LOG=warn "$TRACKR" jobs run rollup >/dev/null
  echo "   generated and rolled up in $(( $(date +%s) - t0 )) s"
  node "$ROOT/bench/dashboard.mjs" "$BASE" "/orgs/$SLUG/sites/$SITE_ID?period=30d" "$RUNS" \
    | sed "s/^/   $n events: /"
  kill $SERVER_PID; wait $SERVER_PID 2>/dev/null || true
done
