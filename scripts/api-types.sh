#!/bin/sh
# Regenerates the web app's API types from the server's OpenAPI document:
#   server (iap-studio openapi) -> frontend/src/api/openapi.json -> frontend/src/api/schema.d.ts
# With --check, fails when either file differs from what is committed (types drifted from the API).
# Uses $IAP_BIN when set (a built server binary), otherwise `cargo run`.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${IAP_BIN:-}
# A relative IAP_BIN is relative to where the script was called from.
case "$bin" in "" | /*) ;; *) bin="$(pwd)/$bin" ;; esac
cd "$repo"
spec=frontend/src/api/openapi.json
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if [ -n "$bin" ]; then
  "$bin" openapi >"$tmp"
else
  cargo run --quiet -- openapi >"$tmp"
fi
# Pretty-print with a trailing newline so diffs stay readable and stable.
node -e 'const fs=require("fs");const [src,dst]=process.argv.slice(1);fs.writeFileSync(dst,JSON.stringify(JSON.parse(fs.readFileSync(src,"utf8")),null,2)+"\n")' "$tmp" "$spec"
(cd frontend && npx --no-install openapi-typescript src/api/openapi.json -o src/api/schema.d.ts >/dev/null)
if [ "${1:-}" = "--check" ]; then
  if ! git diff --exit-code -- "$spec" frontend/src/api/schema.d.ts; then
    echo "API types are out of date: run 'npm run gen:api:server' in frontend/ and commit the result" >&2
    exit 1
  fi
fi
