#!/bin/sh
# Regenerates the web app's API types from the server's OpenAPI document:
#   server (iap-studio openapi) -> frontend/src/api/openapi.json -> frontend/src/api/schema.d.ts
# With --check, writes nothing and fails when either file differs from what the
# server produces now (the types drifted from the API).
# Uses $IAP_BIN when set (a built server binary), otherwise `cargo run`.
# Files are only replaced when their content changes: build.rs watches
# frontend/src, and a new mtime alone would make cargo rebuild the crate.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${IAP_BIN:-}
# A relative IAP_BIN is relative to where the script was called from.
case "$bin" in "" | /*) ;; *) bin="$(pwd)/$bin" ;; esac
cd "$repo"
spec=frontend/src/api/openapi.json
types=frontend/src/api/schema.d.ts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "$bin" ]; then
  "$bin" openapi >"$tmp/raw.json"
else
  cargo run --quiet -- openapi >"$tmp/raw.json"
fi
# Pretty-print with a trailing newline so diffs stay readable and stable.
node -e 'const fs=require("fs");const [src,dst]=process.argv.slice(1);fs.writeFileSync(dst,JSON.stringify(JSON.parse(fs.readFileSync(src,"utf8")),null,2)+"\n")' "$tmp/raw.json" "$tmp/openapi.json"
(cd frontend && npx --no-install openapi-typescript "$tmp/openapi.json" -o "$tmp/schema.d.ts" >/dev/null)
if [ "${1:-}" = "--check" ]; then
  drift=0
  for pair in "$spec:openapi.json" "$types:schema.d.ts"; do
    file=${pair%%:*}
    if ! diff -u "$file" "$tmp/${pair#*:}"; then drift=1; fi
  done
  if [ "$drift" -ne 0 ]; then
    echo "API types are out of date: run 'npm run gen:api:server' in frontend/ and commit the result" >&2
    exit 1
  fi
  echo "API types match the server"
else
  cmp -s "$tmp/openapi.json" "$spec" || cp "$tmp/openapi.json" "$spec"
  cmp -s "$tmp/schema.d.ts" "$types" || cp "$tmp/schema.d.ts" "$types"
fi
