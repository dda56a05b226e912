#!/usr/bin/env bash
# Purge benchmark on PostgreSQL: rows/s deleting N expired events (and
# their visits), and ingest latency with and without a purge running, in
# the same run.
#   bash bench/purge.sh            (N=10000000, DURATION=15, RATE_CONNS=32, DELAY_MS=20)
source "$(dirname "$0")/lib.sh"
N="${N:-10000000}"
DURATION="${DURATION:-15}"
RATE_CONNS="${RATE_CONNS:-32}"
export DELAY_MS="${DELAY_MS:-20}"
build
fresh_db trackr_bench_purge
start_server
make_site bench.example

echo "== generating $N expired events (60–90 days old; the free plan keeps 30)"
t0=$(date +%s)
NOW_MS=$(python3 -c "import time; print(int(time.time()*1000))")
DAY_MS=86400000
psql "$DB_URL" -q <<SQL
INSERT INTO events (site_id, ts, name, pathname, hostname, referrer_source, browser, os, device, visitor_hash, session_id)
SELECT '$SITE_ID'::uuid, $NOW_MS - 90 * $DAY_MS::bigint + (g::bigint * 30 * $DAY_MS) / $N,
       'pageview', '/page/' || (g % 200), 'bench.example', 'Direct / None', 'Chrome', 'Linux', 'Desktop',
       ((g / 30)::bigint * 2654435761) % 9223372036854775807, g / 5
FROM generate_series(0, $N - 1) g;
INSERT INTO visits (session_id, site_id, visitor_hash, started_at, ended_at, entry_page, exit_page, pageviews, events, referrer_source)
SELECT s, '$SITE_ID'::uuid, s, $NOW_MS - 90 * $DAY_MS::bigint + (s::bigint * 5 * 30 * $DAY_MS) / $N,
       $NOW_MS - 90 * $DAY_MS::bigint + (s::bigint * 5 * 30 * $DAY_MS) / $N + 60000, '/', '/', 5, 5, 'Direct / None'
FROM generate_series(0, $N / 5 - 1) s;
ANALYZE events; ANALYZE visits;
SQL
echo "   generated in $(( $(date +%s) - t0 )) s"

rate() { wrk -t2 -c"$RATE_CONNS" -d"${DURATION}s" --latency -s "$(dirname "$0")/event.lua" "$BASE/api/event"; }
echo "== ingest without a purge (~$((RATE_CONNS * 1000 / DELAY_MS)) req/s offered)"
rate | grep -E "Requests/sec|50%|99%"

echo "== ingest while the purge runs"
TRACKR_DATABASE_URL="$DB_URL" TRACKR_DATA_DIR="$DATA_DIR" RUST_LOG=warn \
  /usr/bin/time -f "%e" -o /tmp/purge-seconds "$TRACKR" jobs run purge > /tmp/purge-report.json &
PURGE=$!
rate | grep -E "Requests/sec|50%|99%"
wait $PURGE
seconds=$(cat /tmp/purge-seconds)
python3 - "$seconds" <<'PY'
import json, sys
report = json.load(open("/tmp/purge-report.json"))
events = sum(s["events"] for s in report["sites"]); visits = sum(s["visits"] for s in report["sites"])
secs = float(sys.argv[1])
print(f"== purge: {events} events + {visits} visits in {secs:.1f} s = {events/secs:,.0f} events/s ({(events+visits)/secs:,.0f} rows/s), complete={report['complete']}")
PY
echo "   left: $(psql "$DB_URL" -qAtc "select count(*) from events") events"
