#!/usr/bin/env bash
# Prepare a local PostgreSQL for the Rust test suite (idempotent).
#
#   bash scripts/pg-test-setup.sh [--ensure-server]
#
# Creates the login role and database named in TEST_DATABASE_URL
# (default postgres://iap:iap@127.0.0.1:5432/iap_test); the role gets
# CREATEDB because the tests create a fresh database or schema per test.
#
# --ensure-server (needs root): install Debian's `postgresql` when no server
# is installed, create a cluster when there is none, and start the cluster
# when it is down (never restarts a running one). Used by .ci/run.
#
# Administrative access is tried in this order: $PG_ADMIN_URL, the `postgres`
# OS user over the Unix socket (peer auth, as root), then the `postgres` role
# over TCP (works with trust auth). Exits non-zero when it cannot set up.
set -euo pipefail

ENSURE_SERVER=0
for arg in "$@"; do
  case "$arg" in
    --ensure-server) ENSURE_SERVER=1 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "pg-test-setup: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

URL="${TEST_DATABASE_URL:-postgres://iap:iap@127.0.0.1:5432/iap_test}"
# postgres[ql]://user[:password]@host[:port]/dbname[?params]
re='^postgres(ql)?://([^:@/]+)(:([^@]*))?@([^:/?]+)(:([0-9]+))?/([^?]+)'
if [[ ! "$URL" =~ $re ]]; then
  echo "pg-test-setup: cannot parse TEST_DATABASE_URL ($URL)" >&2
  exit 2
fi
PG_USER="${BASH_REMATCH[2]}"
PG_PASS="${BASH_REMATCH[4]}"
PG_HOST="${BASH_REMATCH[5]}"
PG_PORT="${BASH_REMATCH[7]:-5432}"
PG_DB="${BASH_REMATCH[8]}"
for v in "$PG_USER" "$PG_DB"; do
  if [[ ! "$v" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    echo "pg-test-setup: role/database name '$v' is not a plain identifier" >&2
    exit 2
  fi
done

log() { echo "pg-test-setup: $*"; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@"
}

ensure_server() {
  if [[ $EUID -ne 0 ]]; then
    echo "pg-test-setup: --ensure-server needs root" >&2
    exit 1
  fi
  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    log "no PostgreSQL server installed: installing Debian's postgresql"
    apt_install postgresql
  fi
  local line ver cluster port status
  # Prefer the cluster on the wanted port; otherwise take the first one.
  line="$(pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p { print; exit }')"
  [[ -n "$line" ]] || line="$(pg_lsclusters -h | head -n 1)"
  if [[ -z "$line" ]]; then
    ver="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
    log "no cluster found: creating $ver/main on port $PG_PORT"
    pg_createcluster --port "$PG_PORT" "$ver" main >/dev/null
    line="$(pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p { print; exit }')"
  fi
  read -r ver cluster port status _ <<<"$line"
  if [[ "$port" != "$PG_PORT" ]]; then
    echo "pg-test-setup: cluster $ver/$cluster listens on $port, not $PG_PORT" >&2
    exit 1
  fi
  if [[ "$status" == online* ]]; then
    log "cluster $ver/$cluster on port $port is already running"
  else
    log "starting cluster $ver/$cluster (was: $status)"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start
  fi
  local _
  for _ in $(seq 1 30); do
    if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then return 0; fi
    sleep 1
  done
  echo "pg-test-setup: PostgreSQL at $PG_HOST:$PG_PORT is not ready after 30 s" >&2
  exit 1
}

if [[ $ENSURE_SERVER -eq 1 ]]; then
  ensure_server
fi

if ! command -v psql >/dev/null 2>&1; then
  echo "pg-test-setup: psql not found (install postgresql-client)" >&2
  exit 1
fi

# Find a way in as a superuser.
ADMIN=()
candidates=()
[[ -n "${PG_ADMIN_URL:-}" ]] && candidates+=("url")
if [[ $EUID -eq 0 ]] && id postgres >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1; then
  candidates+=("peer")
fi
candidates+=("tcp")
for c in "${candidates[@]}"; do
  case "$c" in
    url) try=(psql "$PG_ADMIN_URL") ;;
    peer) try=(runuser -u postgres -- psql -p "$PG_PORT" -d postgres) ;;
    tcp) try=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -w) ;;
  esac
  if "${try[@]}" -X -qAt -c 'select 1' >/dev/null 2>&1; then
    ADMIN=("${try[@]}")
    log "admin access via $c"
    break
  fi
done
if [[ ${#ADMIN[@]} -eq 0 ]]; then
  echo "pg-test-setup: no superuser access to PostgreSQL at $PG_HOST:$PG_PORT" \
    "(set PG_ADMIN_URL, or run as root on the server's machine)" >&2
  exit 1
fi

# Quote the password as an SQL literal.
pass_sql="'${PG_PASS//\'/\'\'}'"
if [[ -z "$PG_PASS" ]]; then pass_sql="NULL"; fi

"${ADMIN[@]}" -X -q -v ON_ERROR_STOP=1 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE "$PG_USER" LOGIN CREATEDB PASSWORD $pass_sql;
    RAISE NOTICE 'created role $PG_USER';
  ELSE
    ALTER ROLE "$PG_USER" LOGIN CREATEDB PASSWORD $pass_sql;
  END IF;
END
\$\$;
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DB', '$PG_USER')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DB')
\gexec
SQL

# Check the way the tests will connect (TCP, the role's own password).
if ! PGCONNECT_TIMEOUT=10 psql "$URL" -X -qAt -w -c 'select 1' >/dev/null; then
  echo "pg-test-setup: role $PG_USER cannot connect with $URL" >&2
  exit 1
fi
if [[ "$(PGCONNECT_TIMEOUT=10 psql "$URL" -X -qAt -w -c 'select rolcreatedb from pg_roles where rolname = current_user')" != "t" ]]; then
  echo "pg-test-setup: role $PG_USER lacks CREATEDB" >&2
  exit 1
fi
log "ready: $PG_USER@$PG_HOST:$PG_PORT/$PG_DB (CREATEDB)"
