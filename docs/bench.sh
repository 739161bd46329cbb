#!/bin/bash
# usage: bench.sh sqlite|postgres EDITORS SECTIONS RATE DURATION
# BIN=dir runs the binaries in dir (default target/release), to compare two builds in one sitting.
set -e
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release}
KIND=$1; N=$2; D=$3; R=$4; T=${5:-20}
PORT=$((8100 + RANDOM % 500))
if [ "$KIND" = sqlite ]; then
  rm -rf /tmp/iapbench && mkdir -p /tmp/iapbench
  DB="sqlite:///tmp/iapbench/bench.db?mode=rwc"
else
  psql -q postgres://iap:iap@127.0.0.1:5432/postgres -c "DROP DATABASE IF EXISTS iap_bench WITH (FORCE)" -c "CREATE DATABASE iap_bench"
  DB="postgres://iap:iap@127.0.0.1:5432/iap_bench"
fi
DATABASE_URL="$DB" IAP_BIND=127.0.0.1:$PORT IAP_LOG=warn "$BIN/iap-studio" serve > /tmp/iapbench-server.log 2>&1 &
PID=$!
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.2; done
"$BIN/loadgen" --url http://127.0.0.1:$PORT --database-url "$DB" --server-pid $PID --editors $N --sections $D --rate $R --duration $T --warmup 5 || true
kill $PID; wait $PID 2>/dev/null || true
