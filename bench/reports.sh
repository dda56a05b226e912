#!/usr/bin/env bash
# Reports benchmark: stats + timeseries(DAY) + breakdown(PAGE) for the last
# 30 days (today included), asked in one GraphQL request, over generated
# events on PostgreSQL: unfiltered, with one filter (page, source, country,
# browser) and with two; first from the raw events, then from the rollups
# (`trackr jobs run rollup`), whose answers must equal the raw ones.
#   bash bench/reports.sh                 (SIZES="1000000 10000000", RUNS=7)
#   ONLY="none page" bash bench/reports.sh   (those cases only, e.g. to
#                                            compare two binaries)
source "$(dirname "$0")/lib.sh"
SIZES="${SIZES:-1000000 10000000}"
RUNS="${RUNS:-7}"
build
# The events span the 30 days up to now, and the reports ask for the last
# 30 days including today, as a dashboard does: closed days come from the
# rollups, today from its rollup up to two minutes ago and raw events after.
NOW_MS=$(python3 -c "import time; print(int(time.time()*1000))")
START_MS=$((NOW_MS - 30 * 86400000))
FROM=$(python3 -c "import datetime; print(datetime.date.fromtimestamp($NOW_MS/1000 - 29*86400))")
TO=$(python3 -c "import datetime; print(datetime.date.fromtimestamp($NOW_MS/1000))")
DAY_MS=86400000

for n in $SIZES; do
  fresh_db "trackr_bench_reports_$n"
  start_server
  make_site "bench$n.example"
  echo "== generating $n events over 30 days"
  t0=$(date +%s)
  generate_events "$n" "$START_MS"
  echo "   generated in $(( $(date +%s) - t0 )) s"
  R="range: {from: \"$FROM\", to: \"$TO\"}"
  q_for() { echo "{ site(id: \"$SITE_ID\") { stats($1) { visitors visits pageviews bounceRate } timeseries($1, interval: DAY) { visitors } breakdown($1, dimension: PAGE, limit: 10) { value visitors } } }"; }
  body_for() { python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$(q_for "$1")"; }
  f() { echo "{dimension: $1, op: IS, value: \"$2\"}"; }
  # name|filters: the unfiltered report, one filter on each of page,
  # source, country and browser, two filters; and a filter that keeps
  # every event, which only the raw events answer.
  CASES=(
    "none|"
    "page|$(f PAGE /page/17)"
    "source|$(f SOURCE Google)"
    "country|$(f COUNTRY DE)"
    "browser|$(f BROWSER Safari)"
    "source+browser|$(f SOURCE Google), $(f BROWSER Chrome)"
    "page+country|$(f PAGE /page/17), $(f COUNTRY US)"
    "country+source|$(f COUNTRY GB), $(f SOURCE Twitter)"
  )
  if [ -n "${ONLY:-}" ]; then
    kept=()
    for c in "${CASES[@]}"; do [[ " $ONLY " == *" ${c%%|*} "* ]] && kept+=("$c"); done
    CASES=("${kept[@]}")
  fi
  args_of() { [ -z "$1" ] && echo "$R" || echo "$R, filters: [$1]"; }
  time_runs() { # time_runs LABEL BODY RUNS
    local times=()
    for _ in $(seq 1 "$3"); do
      times+=("$(curl -s -o /dev/null -w '%{time_total}' "$BASE/graphql" -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" -d "$2")")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v n="$n" -v l="$1" '{a[NR]=$1} END {printf "== %d events, %s: stats+timeseries+breakdown median %.0f ms (min %.0f, max %.0f, %d runs)\n", n, l, a[int((NR+1)/2)]*1000, a[1]*1000, a[NR]*1000, NR}'
  }
  # Before the rollup: every report is read from the raw events.
  for c in "${CASES[@]}"; do
    name=${c%%|*}; filters=${c#*|}
    gql "$TOKEN" "$(q_for "$(args_of "$filters")")" > "$DATA_DIR/raw-$name.json"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "errors" not in d, d; print("   " + sys.argv[2] + ":", d["data"]["site"]["stats"])' "$DATA_DIR/raw-$name.json" "$name"
    time_runs "raw events, $name" "$(body_for "$(args_of "$filters")")" "${RAW_RUNS:-1}"
  done
  t0=$(date +%s.%N)
  TRACKR_DATABASE_URL="$DB_URL" TRACKR_DATA_DIR="$DATA_DIR" RUST_LOG=warn "$TRACKR" jobs run rollup
  echo "   rollup of 30 days: $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
  psql "$DB_URL" -Atc "SELECT 'rollup rows: ' || COUNT(*) FROM rollups"
  for c in "${CASES[@]}"; do
    name=${c%%|*}; filters=${c#*|}
    # The rollups must give the raw events' answer, to the visitor.
    gql "$TOKEN" "$(q_for "$(args_of "$filters")")" | python3 -c 'import json,sys; d=json.load(sys.stdin); r=json.load(open(sys.argv[1])); assert "errors" not in d, d; assert d == r, (d, r); print("   " + sys.argv[2] + ": the rollups answer exactly as the raw events")' "$DATA_DIR/raw-$name.json" "$name"
    time_runs "rollups, $name" "$(body_for "$(args_of "$filters")")" "$RUNS"
  done
  ALL="$(args_of "{dimension: EVENT_NAME, op: IS_NOT, value: \"-\"}")"
  time_runs "raw events (a filter the rollups do not answer)" "$(body_for "$ALL")" "${RAW_RUNS:-1}"
  kill $SERVER_PID; wait $SERVER_PID 2>/dev/null || true
done
