#!/usr/bin/env bash
# Fuzzes POST /graphql with schemathesis (property-based requests generated
# from the schema), as the README's test command runs it: on SQLite and on
# PostgreSQL + Redis, each anonymously and with a logged-in user's token,
# FUZZ_SECONDS (default 30) each, about two minutes in all.
#
# Fails on any HTTP 5xx, any error whose extensions.code is INTERNAL (see
# tests/fuzz/hooks.py), a lost connection, or a panic in the server's log.
#
# Needs: the debug binary built (cargo build --bins), schemathesis on PATH
# (scripts/test.sh installs it in its venv), PostgreSQL and Redis as the
# tests use them (TRACKR_TEST_DATABASE_URL, TRACKR_TEST_REDIS_URL).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-30}"
binary="${CARGO_TARGET_DIR:-$PWD/target}/debug/trackr"
admin_url="${TRACKR_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
redis_url="${TRACKR_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
[ -x "$binary" ] || { echo "fuzz: build first (cargo build --bins): no $binary" >&2; exit 1; }
command -v st >/dev/null || { echo "fuzz: schemathesis (st) is not on PATH" >&2; exit 1; }

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

gql() { # url token query → response
  curl -sf "$1/graphql" -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} \
    --data-binary "$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$3")"
}

fuzz_backend() { # name, then settings as VAR=value
  local name=$1; shift
  local port; port=$(free_port)
  local base="http://127.0.0.1:$port"
  local log="$work/$name.log"
  env TRACKR_LISTEN="127.0.0.1:$port" TRACKR_DATA_DIR="$work/$name" TRACKR_LOG_FORMAT=json \
    TRACKR_GRAPHIQL=false "$@" "$binary" serve >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf "$base/healthz" >/dev/null || { echo "fuzz: the server did not start"; cat "$log"; exit 1; }

  # A user with an organization and a site, so that a token reaches data.
  local token org
  token=$(gql "$base" "" 'mutation { signUp(email: "fuzz@example.com", username: "fuzz", password: "fuzzing every field today") { token } }' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["signUp"]["token"])')
  org=$(gql "$base" "$token" 'mutation { createOrganization(name: "Fuzz") { id } }' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["createOrganization"]["id"])')
  gql "$base" "$token" "mutation { createSite(organizationId: \"$org\", domain: \"fuzz.example\") { id } }" >/dev/null

  local status=0
  for who in anonymous user; do
    local auth=()
    # logOut would end the fuzzing user's session halfway.
    [ "$who" = user ] && auth=(-H "Authorization: Bearer $token" --exclude-name Mutation.logOut)
    echo "fuzz: $name, $who, ${seconds}s"
    SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$PWD/tests/fuzz${PYTHONPATH:+:$PYTHONPATH}" \
      st run "$base/graphql" --checks no_server_failure --max-time "$seconds" \
      --request-timeout 60 --generation-database none --no-color --report-dir "$work/report-$name-$who" "${auth[@]}" \
      >"$work/st-$name-$who.txt" 2>&1 || status=1
    tail -n 12 "$work/st-$name-$who.txt"
    [ "$status" = 0 ] || { sed -n '/FAILURES/,/SUMMARY/p' "$work/st-$name-$who.txt" | head -n 120; }
  done
  if ! curl -sf "$base/healthz" >/dev/null; then
    echo "fuzz: the server stopped answering on $name"; status=1
  fi
  if grep -E 'panicked|overflowed|"level":"ERROR"' "$log" | head -n 20 | grep .; then
    echo "fuzz: the server logged a panic or an error on $name"; status=1
  fi
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
  return "$status"
}

failed=0
fuzz_backend sqlite || failed=1

db="trackr_test_fuzz_$$"
psql "$admin_url" -qc "create database \"$db\"" >/dev/null
postgres_url="${admin_url%/*}/$db"
fuzz_backend postgres TRACKR_DATABASE_URL="$postgres_url" TRACKR_REDIS_URL="$redis_url" \
  TRACKR_REDIS_PREFIX="trackr-fuzz-$$" || failed=1
psql "$admin_url" -qc "drop database if exists \"$db\"" >/dev/null 2>&1 || true

[ "$failed" = 0 ] && echo "fuzz: no 5xx, no INTERNAL, no panic"
exit "$failed"
