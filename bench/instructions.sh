#!/usr/bin/env bash
# Instructions per request (not a test): the server's own CPU work for one query, counted by
# valgrind's callgrind, which counts the same for the same binary and input whatever else the
# machine does (wrk's rps moves ±15 % run to run on a shared 2-core box; this does not). Counts
# only while the requests run (`callgrind_control -i`), after a warm-up.
#
# Usage: bench/instructions.sh [DATABASE] [QUERY...]   # default pingan_100k, (a) and (b)
#        BIN=/tmp/old/pingan bench/instructions.sh     # another build, for a before/after
# Needs: valgrind, a database seeded by `pingan seed` on the harness cluster (see run.sh).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-55432}" PGUSER="${PGUSER:-postgres}"
BIN="${BIN:-$HERE/../target/release/pingan}" N="${N:-30}" PORT="${PORT:-8091}"
DB="${1:-pingan_100k}"; shift || true
QUERIES=("$@"); [ ${#QUERIES[@]} -gt 0 ] || QUERIES=(a_basic b_nested)
OUT="$(mktemp -d)"; URL="http://127.0.0.1:$PORT/graphql"
for q in "${QUERIES[@]}"; do
  PINGAN_JWT_SECRET="$(head -c 32 /dev/urandom | base64)" RUST_LOG=warn \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/cg.%p" "$BIN" serve \
    --database-url "postgres://$PGUSER@$PGHOST:$PGPORT/$DB?sslmode=disable" --bind "127.0.0.1:$PORT" \
    --rule-interval 0 --access-token-ttl 7200 > "$OUT/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.5; done
  token=$(curl -sf "$URL" -H 'content-type: application/json' \
    -d '{"query":"mutation { login(input:{username:\"police\", password:\"demo-pass-2026\"}) { accessToken } }"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])')
  python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read()}))' "$HERE/queries/$q.graphql" > "$OUT/body.json"
  send() { for _ in $(seq 1 "$1"); do
    curl -sf -o "$OUT/answer.json" "$URL" -H 'content-type: application/json' -H "authorization: Bearer $token" \
      --data-binary @"$OUT/body.json"; done; }
  send 10
  grep -q '"errors"' "$OUT/answer.json" && { echo "$q answered with errors: $(head -c 300 "$OUT/answer.json")" >&2; exit 1; }
  callgrind_control -i on "$pid" > /dev/null
  send "$N"
  callgrind_control -i off "$pid" > /dev/null
  kill "$pid"; wait "$pid" 2> /dev/null || true
  total=$(callgrind_annotate "$(ls -S "$OUT"/cg.* | head -1)" 2> /dev/null | awk '/PROGRAM TOTALS/ && !n++ {gsub(",", "", $1); print $1}')
  printf '%s\t%s\tinstructions/request=%s\tbytes=%s\n' "$(basename "$BIN")" "$q" "$((total / N))" "$(wc -c < "$OUT/answer.json")"
  rm -f "$OUT"/cg.*
done
rm -rf "$OUT"
