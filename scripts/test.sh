#!/usr/bin/env bash
# The test command: makes sure PostgreSQL and Redis are installed and running
# (installing them on a fresh Debian machine), then runs every test, then
# fuzzes the GraphQL API for about two minutes.
#
# What it does to the machine (the README says so too):
# - installs missing Debian packages (postgresql, redis-server, nodejs,
#   npm, chromium, curl, faketime, python3-venv) with apt-get, as root or
#   via sudo;
# - starts PostgreSQL and Redis if they are not running;
# - if PostgreSQL refuses password-less TCP connections from 127.0.0.1,
#   sets `trust` for local TCP in pg_hba.conf (it asks first, unless CI is
#   set);
# - drops the databases named trackr_test_% of earlier runs;
# - keeps a Python venv (moto, schemathesis) in ~/.cache/trackr-venv and
#   npm packages in tests/browser, tracker and web;
# - builds into the same target directory as `cargo run` (./target, or
#   $CARGO_TARGET_DIR when set).
# Pass nextest filters to run some tests only (the fuzz run is then skipped).
set -euo pipefail
cd "$(dirname "$0")/.."

export TRACKR_TEST_DATABASE_URL="${TRACKR_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TRACKR_TEST_REDIS_URL="${TRACKR_TEST_REDIS_URL:-redis://127.0.0.1:6379}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@"
}

# curl: the end-to-end billing test posts a signed webhook with it.
command -v curl >/dev/null 2>&1 || apt_install curl

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "test.sh: installing PostgreSQL"; apt_install postgresql
fi
if ! pg_up; then
  echo "test.sh: starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "test.sh: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
# Trust auth for local TCP, as the tests connect without a password.
if ! psql "$TRACKR_TEST_DATABASE_URL" -qAtc 'select 1' >/dev/null 2>&1; then
  hba=$(as_root su postgres -c "psql -qAtc 'show hba_file'")
  if [ -z "${CI:-}" ]; then
    echo "test.sh: PostgreSQL refuses $TRACKR_TEST_DATABASE_URL without a password."
    echo "test.sh: the tests need 'trust' for local TCP (127.0.0.1 and ::1) in $hba,"
    echo "test.sh: or set TRACKR_TEST_DATABASE_URL to a server and user that let them in."
    answer=""
    if [ -t 0 ]; then read -r -p "test.sh: change $hba to trust local TCP? [y/N] " answer; fi
    case "$answer" in
      y|Y|yes) ;;
      *) echo "test.sh: pg_hba.conf left as it is; stopping" >&2; exit 1 ;;
    esac
  fi
  as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main reload
fi
for db in test postgres; do
  psql "$TRACKR_TEST_DATABASE_URL" -qAtc "select 1 from pg_database where datname='$db'" | grep -q 1 \
    || psql "$TRACKR_TEST_DATABASE_URL" -qc "create database \"$db\""
done
# Each test makes its own database; drop those of earlier runs.
psql "$TRACKR_TEST_DATABASE_URL" -qAtc "select datname from pg_database where datname like 'trackr_test_%'" \
  | while read -r db; do psql "$TRACKR_TEST_DATABASE_URL" -qc "drop database if exists \"$db\"" >/dev/null 2>&1 || true; done

if ! command -v redis-server >/dev/null 2>&1; then
  echo "test.sh: installing Redis"; apt_install redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "test.sh: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

# libfaketime: the fleet test (api/tests/fleet.rs) moves the clocks of its
# servers and workers past a midnight with it.
if [ ! -e "/usr/lib/$(uname -m)-linux-gnu/faketime/libfaketime.so.1" ]; then
  echo "test.sh: installing faketime"; apt_install faketime
fi

# The real-browser test: Node.js with playwright-core, and Debian's Chromium.
command -v node >/dev/null 2>&1 || { echo "test.sh: installing Node.js"; apt_install nodejs npm; }
[ -x /usr/bin/chromium ] || { echo "test.sh: installing Chromium"; apt_install chromium; }
# npm packages, installed again whenever a lockfile is newer than what
# npm last installed from it (after a pull that changed dependencies).
npm_ready() {
  [ -f "$1/node_modules/.package-lock.json" ] && [ ! "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]
}
npm_ready tests/browser || (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
# The session recorder's build (rrweb + esbuild): a test checks that the
# committed api/assets/recorder.js is what it makes.
npm_ready tracker || (cd tracker && npm ci --no-audit --no-fund --loglevel=error)
# The web app (web/): tests rebuild it to check the committed build in
# api/assets/web, and run its unit tests (vitest).
npm_ready web || (cd web && npm ci --no-audit --no-fund --loglevel=error)

# From PyPI, in a venv of our own: moto (an S3 protocol server for the
# object-storage tests), aiosmtpd (an SMTP server for the email tests) and
# schemathesis (the GraphQL fuzz run).
venv="$HOME/.cache/trackr-venv"
if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/st" ] || [ ! -x "$venv/bin/aiosmtpd" ]; then
  echo "test.sh: installing moto, aiosmtpd and schemathesis in $venv"
  python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv python3-pip
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "moto[server]==5.2.5" "schemathesis==4.32.5" "aiosmtpd==1.4.6"
fi
export PATH="$venv/bin:$PATH"

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "test.sh: installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

cargo build --workspace --bins
cargo nextest run --workspace --no-fail-fast "$@"
if [ $# -eq 0 ]; then
  bash scripts/fuzz-graphql.sh
fi
