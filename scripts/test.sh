#!/usr/bin/env bash
# iap-studio: the whole test run.    bash scripts/test.sh
#
#  1. frontend: `npm ci` when frontend/node_modules is missing or stale,
#     then `npm run lint`, `npm run typecheck`, `npm test`
#  2. `cargo build` (the binary, with the frontend embedded)
#  3. the Rust suite on SQLite (cargo nextest when installed, else cargo test)
#  4. the same suite on PostgreSQL: with TEST_DATABASE_URL when set, else with
#     a local server at 127.0.0.1:5432 prepared by scripts/pg-test-setup.sh
#  5. the browser end-to-end tests (`npm run e2e`) when /usr/bin/chromium exists
#
# Fails fast: the first failing step stops the run. A summary closes the output,
# its last line being `checks: N passed, N failed, N skipped`.
# Logs of every step: test-output/logs/.
#
# With CI=true nothing may be skipped: a missing PostgreSQL or Chromium is an error.
# Outside CI, IAP_TEST_SKIP=frontend,pg,e2e (any of them, comma-separated)
# skips those parts on purpose.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

IS_CI=0
case "${CI:-}" in true | TRUE | True | 1 | yes) IS_CI=1 ;; esac

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
[[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
LOG_DIR="$ROOT/test-output/logs"
mkdir -p "$LOG_DIR"
PG_DEFAULT_URL="postgres://iap:iap@127.0.0.1:5432/iap_test"
CHROMIUM=/usr/bin/chromium
CARGO_LOCKED=()
[[ $IS_CI -eq 1 ]] && CARGO_LOCKED=(--locked)

SKIP=",${IAP_TEST_SKIP:-},"
if [[ $IS_CI -eq 1 && "$SKIP" != ",," ]]; then
  echo "error: IAP_TEST_SKIP is not allowed in CI (CI=true)" >&2
  exit 2
fi
skipped_on_purpose() { [[ "$SKIP" == *",$1,"* ]]; }

# ---------------------------------------------------------------- bookkeeping
S_NAME=()
S_STATUS=()
S_NOTE=()
CURRENT=""
record() { S_NAME+=("$1"); S_STATUS+=("$2"); S_NOTE+=("${3:-}"); }
set_last() { local i=$((${#S_STATUS[@]} - 1)); S_STATUS[i]="$1"; S_NOTE[i]="$2"; }

section() {
  printf '\n========================================================================\n'
  printf '==== %s\n' "$*"
  printf '========================================================================\n'
}

summary() {
  local rc=$?
  trap - EXIT
  if [[ -n "$CURRENT" ]]; then
    record "$CURRENT" failed "interrupted or errored (exit $rc)"
  elif [[ $rc -ne 0 ]]; then
    local any_failed=0 s
    for s in "${S_STATUS[@]+"${S_STATUS[@]}"}"; do [[ "$s" == failed ]] && any_failed=1; done
    [[ $any_failed -eq 1 ]] || record "test.sh" failed "exit $rc"
  fi
  local passed=0 failed=0 skipped=0 i
  section "Summary"
  for i in "${!S_NAME[@]}"; do
    case "${S_STATUS[i]}" in
      passed) passed=$((passed + 1)) ;;
      failed) failed=$((failed + 1)) ;;
      *) skipped=$((skipped + 1)) ;;
    esac
    printf '  %-8s %-34s %s\n' "${S_STATUS[i]^^}" "${S_NAME[i]}" "${S_NOTE[i]}"
  done
  echo
  if [[ $rc -eq 0 ]]; then
    echo "All checks passed."
  else
    echo "FAILED (exit $rc); logs in test-output/logs/"
  fi
  echo "checks: $passed passed, $failed failed, $skipped skipped"
  exit "$rc"
}
trap summary EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { # die "step" "message"
  echo "error: $2" >&2
  record "$1" failed "$2"
  exit 1
}

# run_step "name" command args...   (output shown and kept in test-output/logs/)
LAST_LOG=""
run_step() {
  local name="$1"
  shift
  local slug
  slug="$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '-' | tr -s '-' | tr '[:upper:]' '[:lower:]')"
  LAST_LOG="$LOG_DIR/${slug%-}.log"
  section "$name"
  CURRENT="$name"
  local start=$SECONDS rc
  set +e
  "$@" </dev/null 2>&1 | tee "$LAST_LOG"
  rc=${PIPESTATUS[0]}
  set -e
  CURRENT=""
  local took=$((SECONDS - start))
  if [[ $rc -ne 0 ]]; then
    record "$name" failed "exit $rc after ${took}s, log: ${LAST_LOG#"$ROOT"/}"
    echo "FAILED: $name (exit $rc)"
    exit "$rc"
  fi
  record "$name" passed "${took}s"
}

skip() { # skip "name" "why"
  section "$1"
  echo "SKIPPED: $2"
  record "$1" skipped "$2"
}

# ---------------------------------------------------------------- the steps
rust_suite() {
  if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace "${CARGO_LOCKED[@]}" --no-tests=warn
  else
    echo "(cargo-nextest not installed: using cargo test)"
    cargo test --workspace "${CARGO_LOCKED[@]}"
  fi
}

# run_step runs its command in a pipeline (a subshell), so these settings stay local.
rust_suite_sqlite() { unset TEST_DATABASE_URL; rust_suite; }
rust_suite_pg() { export TEST_DATABASE_URL="$PG_URL"; rust_suite; }

# After a Rust suite: note how many tests ran; a suite that ran none is marked EMPTY.
rust_counts() {
  local line n
  line="$(grep -E 'Summary \[.*\] [0-9]+ tests? run' "$LAST_LOG" | tail -n 1 || true)"
  if [[ -n "$line" ]]; then
    n="$(sed -E 's/.*\] ([0-9]+) tests? run.*/\1/' <<<"$line")"
  else
    n="$(grep -E '^test result: ' "$LAST_LOG" | sed -E 's/^test result: [a-zA-Z]+\. ([0-9]+) passed.*/\1/' | awk '{ s += $1 } END { print s + 0 }')"
  fi
  local i=$((${#S_NOTE[@]} - 1))
  if [[ "$n" -eq 0 ]]; then
    set_last empty "no tests found (${S_NOTE[i]})"
  else
    set_last passed "$n tests, ${S_NOTE[i]}"
  fi
}

pg_reachable() { # pg_reachable URL
  if command -v psql >/dev/null 2>&1; then
    PGCONNECT_TIMEOUT=5 psql "$1" -X -qAt -w -c 'select 1' >/dev/null 2>&1
  elif command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -t 5 -d "$1"
  else
    return 0 # nothing to check with: let the tests tell
  fi
}

echo "iap-studio tests in $ROOT (CI=${CI:-unset})"

# 1. Frontend ---------------------------------------------------------------
[[ -f frontend/package.json ]] || die "frontend" "frontend/package.json not found"
if skipped_on_purpose frontend; then
  skip "frontend lint, typecheck, unit" "IAP_TEST_SKIP=frontend"
else
  if [[ ! -d frontend/node_modules ]]; then
    run_step "frontend: npm ci" npm --prefix frontend ci --no-audit --no-fund
  elif [[ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]]; then
    echo "(frontend/package-lock.json is newer than node_modules: reinstalling)"
    run_step "frontend: npm ci" npm --prefix frontend ci --no-audit --no-fund
  fi
  run_step "frontend: lint" npm --prefix frontend run lint
  run_step "frontend: typecheck" npm --prefix frontend run typecheck
  run_step "frontend: unit tests" npm --prefix frontend test
fi

# 2. Build ------------------------------------------------------------------
run_step "cargo build" cargo build --workspace "${CARGO_LOCKED[@]}"
BIN="$TARGET_DIR/debug/iap-studio"
[[ -x "$BIN" ]] || die "cargo build" "the build did not produce $BIN"
if ! skipped_on_purpose frontend; then
  # The web app's API types must match the server's OpenAPI document, and the
  # first page must stay within its JavaScript budget (the build above ran Vite).
  run_step "frontend: API types match the server" env IAP_BIN="$BIN" npm --prefix frontend run check:api
  run_step "frontend: bundle budget" npm --prefix frontend run size
fi

# 3. Rust on SQLite ---------------------------------------------------------
run_step "rust tests (SQLite)" rust_suite_sqlite
rust_counts

# 4. Rust on PostgreSQL -----------------------------------------------------
PG_URL=""
PG_WHY=""
if skipped_on_purpose pg; then
  PG_WHY="IAP_TEST_SKIP=pg"
elif [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  if pg_reachable "$TEST_DATABASE_URL"; then
    PG_URL="$TEST_DATABASE_URL"
  else
    echo "TEST_DATABASE_URL does not connect yet: trying scripts/pg-test-setup.sh"
    if bash scripts/pg-test-setup.sh && pg_reachable "$TEST_DATABASE_URL"; then
      PG_URL="$TEST_DATABASE_URL"
    else
      die "rust tests (PostgreSQL)" "TEST_DATABASE_URL is set but PostgreSQL does not accept it"
    fi
  fi
elif command -v pg_isready >/dev/null 2>&1 && pg_isready -q -t 3 -h 127.0.0.1 -p 5432; then
  echo "PostgreSQL answers at 127.0.0.1:5432: preparing role iap and database iap_test"
  if TEST_DATABASE_URL="$PG_DEFAULT_URL" bash scripts/pg-test-setup.sh; then
    PG_URL="$PG_DEFAULT_URL"
  else
    PG_WHY="a server answers at 127.0.0.1:5432 but scripts/pg-test-setup.sh could not prepare it (set TEST_DATABASE_URL)"
  fi
else
  PG_WHY="no TEST_DATABASE_URL and no PostgreSQL at 127.0.0.1:5432"
fi
if [[ -n "$PG_URL" ]]; then
  run_step "rust tests (PostgreSQL)" rust_suite_pg
  rust_counts
elif [[ $IS_CI -eq 1 ]]; then
  die "rust tests (PostgreSQL)" "CI needs PostgreSQL: $PG_WHY"
else
  skip "rust tests (PostgreSQL)" "$PG_WHY"
fi

# 5. End-to-end in Chromium -------------------------------------------------
if skipped_on_purpose e2e; then
  skip "e2e (Chromium)" "IAP_TEST_SKIP=e2e"
elif [[ -x "$CHROMIUM" ]]; then
  run_step "e2e (Chromium)" env IAP_BIN="$BIN" npm --prefix frontend run e2e
elif [[ $IS_CI -eq 1 ]]; then
  die "e2e (Chromium)" "CI needs $CHROMIUM (apt-get install --no-install-recommends chromium fonts-dejavu-core)"
else
  skip "e2e (Chromium)" "$CHROMIUM not found (apt-get install --no-install-recommends chromium fonts-dejavu-core)"
fi
# The EXIT trap prints the summary and the closing `checks:` line.
