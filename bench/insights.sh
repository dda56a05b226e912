#!/usr/bin/env bash
# Insights benchmark (issue 17): goal conversions, a property breakdown, a
# 4-step funnel and a GOAL-filtered stats over 30 days, on PostgreSQL with
# generated events (bench/lib.sh's generate_events; one event in ten is a
# "Signup" carrying a plan property and 19.99 EUR of revenue), after the
# rollup job. Times each GraphQL request with curl, RUNS times; goal:
# < 300 ms each at 10 M events.
#   bash bench/insights.sh          (SIZES="10000000", RUNS=5)
source "$(dirname "$0")/lib.sh"
SIZES="${SIZES:-10000000}"
RUNS="${RUNS:-5}"
build
NOW_MS=$(python3 -c "import time; print(int(time.time()*1000))")
START_MS=$((NOW_MS - 30 * 86400000))
TO=$(date -u +%F)
FROM=$(date -u -d '29 days ago' +%F)
R="range: {from: \"$FROM\", to: \"$TO\"}"
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

# time_query NAME QUERY: the median and range of RUNS requests.
time_query() {
  local times=() t body
  body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$2")
  out=$(curl -sf "$BASE/graphql" -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" -d "$body")
  case "$out" in *'"errors"'*) echo "$1: $out"; exit 1 ;; esac
  for _ in $(seq 1 "$RUNS"); do
    t=$(curl -sf -o /dev/null -w '%{time_total}' "$BASE/graphql" -H 'content-type: application/json' \
      -H "authorization: Bearer $TOKEN" -d "$body")
    times+=("$t")
  done
  python3 - "$1" "${times[@]}" <<'PY'
import statistics, sys
ms = sorted(float(t) * 1000 for t in sys.argv[2:])
print(f"   {sys.argv[1]}: {statistics.median(ms):.0f} ms (median of {len(ms)}; {ms[0]:.0f}–{ms[-1]:.0f})")
PY
}

for n in $SIZES; do
  fresh_db "trackr_bench_insights_$n"
  start_server
  make_site "insights$n.example"
  echo "== generating $n events over 30 days"
  t0=$(date +%s)
  generate_events "$n" "$START_MS"
  psql "$DB_URL" -qc "UPDATE events SET props = CASE WHEN id % 3 = 0 THEN '{\"plan\":\"pro\"}' ELSE '{\"plan\":\"free\"}' END, revenue_minor = 1999, revenue_currency = 'EUR' WHERE name = 'Signup'; ANALYZE events;"
  TRACKR_DATABASE_URL="$DB_URL" TRACKR_DATA_DIR="$DATA_DIR" RUST_LOG=warn "$TRACKR" jobs run rollup >/dev/null
  echo "   generated and rolled up in $(( $(date +%s) - t0 )) s"
  SIGNUP=$(gql "$TOKEN" "mutation { createGoal(input: {siteId: \"$SITE_ID\", name: \"Signup\", eventName: \"Signup\", currency: \"EUR\"}) { id } }" | field '["data"]["createGoal"]["id"]')
  gql "$TOKEN" "mutation { createGoal(input: {siteId: \"$SITE_ID\", name: \"Page 7\", pagePattern: \"/page/7\"}) { id } }" >/dev/null
  gql "$TOKEN" "mutation { createGoal(input: {siteId: \"$SITE_ID\", name: \"Pages 1x\", pagePattern: \"/page/1*\"}) { id } }" >/dev/null
  FUNNEL=$(gql "$TOKEN" "mutation { createFunnel(input: {siteId: \"$SITE_ID\", name: \"Four\", steps: [{pagePattern: \"/page/1\"}, {pagePattern: \"/page/2\"}, {pagePattern: \"/page/3\"}, {pagePattern: \"/page/4\"}]}) { id } }" | field '["data"]["createFunnel"]["id"]')
  # The goals and the funnel are newer than the rolled-up days: the next
  # run rolls those days up for them (the backfill), as the worker would.
  t0=$(date +%s%N)
  TRACKR_DATABASE_URL="$DB_URL" TRACKR_DATA_DIR="$DATA_DIR" RUST_LOG=warn "$TRACKR" jobs run rollup >/dev/null
  echo "   goals and funnel rolled up for the 30 days in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  echo "== $n events, 30 days"
  time_query "goal conversions (3 goals: an event with revenue, a page, a pattern)" \
    "{ site(id: \"$SITE_ID\") { goalConversions($R) { visitors conversions conversionRate revenue { total } } } }"
  time_query "stats under a GOAL filter" \
    "{ site(id: \"$SITE_ID\") { stats($R, filters: [{dimension: GOAL, op: IS, value: \"$SIGNUP\"}]) { visitors visits } } }"
  time_query "property breakdown (plan)" \
    "{ site(id: \"$SITE_ID\") { breakdown($R, dimension: PROPERTY, key: \"plan\") { value visitors events } } }"
  time_query "property keys" \
    "{ site(id: \"$SITE_ID\") { propertyKeys($R) { key visitors } } }"
  time_query "4-step funnel" \
    "{ site(id: \"$SITE_ID\") { funnel(id: \"$FUNNEL\", $R) { steps { visitors } } } }"
  kill $SERVER_PID; wait $SERVER_PID 2>/dev/null || true
done
