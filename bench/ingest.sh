#!/usr/bin/env bash
# Ingest benchmark: requests/s and latency of POST /api/event against the
# no-op GET /healthz in the same run, on PostgreSQL; then /api/event at half
# its peak rate; then checks that every 202 is stored.
#   bash bench/ingest.sh            (DURATION=15 by default)
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-15}"
CONNS="${CONNS:-64}"
build
fresh_db trackr_bench_ingest
start_server
make_site bench.example

run() { wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@"; }
field() { grep -E "$1" | awk '{print $2}' | head -n1; }

echo "== no-op route: GET /healthz"
NOOP=$(run "$BASE/healthz")
echo "$NOOP" | grep -E "Requests/sec|50%|99%"
echo "== POST /api/event (peak)"
PEAK=$(run -s "$(dirname "$0")/event.lua" "$BASE/api/event")
echo "$PEAK" | grep -E "Requests/sec|50%|99%|Non-2xx|ACCEPTED"
noop_rps=$(echo "$NOOP" | field "Requests/sec")
peak_rps=$(echo "$PEAK" | field "Requests/sec")
python3 -c "print(f'ratio event/no-op: {float($peak_rps)/float($noop_rps):.2f}')"

# Half the peak rate: CONNS connections each pausing so the total is ~half.
half=$(python3 -c "print(float($peak_rps)/2)")
delay=$(python3 -c "print(max(1, int(1000*$CONNS/$half)))")
echo "== POST /api/event at ~half the peak rate ($half/s target, ${delay} ms pause per connection)"
HALF=$(DELAY_MS=$delay run -s "$(dirname "$0")/event.lua" "$BASE/api/event")
echo "$HALF" | grep -E "Requests/sec|50%|99%|Non-2xx|ACCEPTED"

accepted=$(( $(echo "$PEAK" | field ACCEPTED_202) + $(echo "$HALF" | field ACCEPTED_202) ))
stored=$(psql "$DB_URL" -qAtc "select count(*) from events")
echo "== durability: $accepted answered 202, $stored stored"
[ "$stored" -ge "$accepted" ] || { echo "LOST EVENTS"; exit 1; }
