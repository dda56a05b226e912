#!/usr/bin/env bash
# Where ingest time goes: a release server on PostgreSQL with the writer's
# debug log on, wrk at peak against POST /api/event, vmstat while it runs;
# prints requests/s, latency, the writer's batch sizes and commit times,
# and the machine's CPU split.
#   bash bench/ingest-profile.sh        (CONNS=64, DURATION=15; BENCH_NO_BUILD=1 to reuse a build)
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-15}"
CONNS="${CONNS:-64}"
build
fresh_db trackr_bench_profile
DATA_DIR=$(mktemp -d)
TRACKR_LISTEN="127.0.0.1:$PORT" TRACKR_DATABASE_URL="$DB_URL" TRACKR_REDIS_URL=redis://127.0.0.1:6379 \
TRACKR_REDIS_PREFIX="bench-$$" TRACKR_DATA_DIR="$DATA_DIR" TRACKR_LOG_FORMAT=json \
RUST_LOG=warn,trackr_api::ingest::writer=debug \
TRACKR_PLANS__FREE__MONTHLY_EVENTS=1000000000 TRACKR_INGEST__EVENTS_PER_IP_PER_MINUTE=1000000000 \
  "$TRACKR" serve >"$DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
make_site bench.example
OUT=$(mktemp)
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$(dirname "$0")/event.lua" "$BASE/api/event" >"$OUT" 2>&1 &
WRK=$!
sleep 3
echo "== vmstat during the load"
vmstat 1 5
wait $WRK
echo "== wrk ($CONNS connections)"
grep -E "Requests/sec|50%|99%" "$OUT"
echo "== writer batches"
grep '"batch committed"' "$DATA_DIR/server.log" | python3 -c '
import sys, json
rows = [json.loads(l) for l in sys.stdin]
get = lambda r, k: r.get(k, r.get("fields", {}).get(k))
ev = sorted(get(r, "events") for r in rows); ms = sorted(get(r, "ms") for r in rows)
print(f"{len(ev)} batches; events per batch median {ev[len(ev)//2]}; commit ms median {ms[len(ms)//2]:.2f}, p90 {ms[int(len(ms)*0.9)]:.2f}")
'
