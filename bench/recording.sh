#!/usr/bin/env bash
# What a one-minute session recording costs: headless Chromium keeps a
# visitor busy on tests/browser/pages/recording.html for a minute through
# /js/recorder.js at its default flush (every 5 s; tests/browser/run.mjs
# record-minute), then this prints
# the chunks stored (rows, gzipped bytes in the object store) and the
# recorder's own size, raw and gzipped. Needs what the test command
# installs (PostgreSQL, Redis, node + tests/browser/node_modules, Chromium).
#   bash bench/recording.sh          (TRACKR_BIN=path skips the release build)
source "$(dirname "$0")/lib.sh"
if [ -n "${TRACKR_BIN:-}" ]; then TRACKR="$TRACKR_BIN"; else build; fi
fresh_db trackr_bench_recording
start_server
make_site example.test
psql "$DB_URL" -qc "UPDATE organizations SET plan = 'growth'" >/dev/null
sleep 11 # the ingest site cache forgets a plan within 10 s
gql "$TOKEN" "mutation { updateSite(id: \"$SITE_ID\", input: {recordingsEnabled: true}) { id } }" >/dev/null

PAGES=$(mktemp -d)
sed -e "s|{{SCRIPT_SRC}}|$BASE/js/script.js|" -e "s|{{RECORDER_SRC}}|$BASE/js/recorder.js|" \
  -e "s| data-flush-ms=\"500\"||" "$ROOT/tests/browser/pages/recording.html" >"$PAGES/recording.html"
PAGE_PORT=$((PORT + 1))
(cd "$PAGES" && exec python3 -m http.server "$PAGE_PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
PAGE_PID=$!
trap 'kill $SERVER_PID $PAGE_PID 2>/dev/null || true' EXIT
sleep 1
node "$ROOT/tests/browser/run.mjs" record-minute "http://example.test:$PAGE_PORT/recording.html"

echo "chunks, events, stored gzipped bytes, largest chunk, recorded seconds:"
psql "$DB_URL" -qAtF ' | ' -c "SELECT COUNT(*), SUM(events), SUM(bytes), MAX(bytes), (MAX(ended_at) - MIN(started_at)) / 1000.0 FROM recordings"
echo "bytes in the object store:"
find "$DATA_DIR/objects/recordings" -type f -printf '%s\n' | awk '{s += $1} END {print s}'
echo "recorder: raw $(wc -c <"$ROOT/api/assets/recorder.js") bytes, gzip -9 $(gzip -9 -c "$ROOT/api/assets/recorder.js" | wc -c) bytes"
