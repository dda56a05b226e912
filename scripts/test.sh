#!/usr/bin/env bash
# The test command: makes sure PostgreSQL and Redis are installed and running
# (installing them on a fresh Debian machine), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trackr-target}"
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
  hba=$(su postgres -c "psql -qAtc 'show hba_file'")
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

# The real-browser test: Node.js with playwright-core, and Debian's Chromium.
command -v node >/dev/null 2>&1 || { echo "test.sh: installing Node.js"; apt_install nodejs npm; }
[ -x /usr/bin/chromium ] || { echo "test.sh: installing Chromium"; apt_install chromium; }
[ -d tests/browser/node_modules/playwright-core ] \
  || (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
# The session recorder's build (rrweb + esbuild): a test checks that the
# committed api/assets/recorder.js is what it makes.
[ -d tracker/node_modules/@rrweb/record ] \
  || (cd tracker && npm ci --no-audit --no-fund --loglevel=error)

# An S3 protocol server for the object-storage tests: moto, from PyPI.
if [ -x "$HOME/.cache/trackr-venv/bin/moto_server" ]; then export PATH="$HOME/.cache/trackr-venv/bin:$PATH"; fi
if ! command -v moto_server >/dev/null 2>&1; then
  echo "test.sh: installing moto"
  python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv python3-pip
  python3 -m venv "$HOME/.cache/trackr-venv"
  "$HOME/.cache/trackr-venv/bin/pip" install -q "moto[server]"
  export PATH="$HOME/.cache/trackr-venv/bin:$PATH"
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "test.sh: installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

cargo build --workspace --bins
cargo nextest run --workspace --no-fail-fast "$@"
