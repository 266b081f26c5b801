#!/usr/bin/env bash
# The pingan benchmark (not a test). For each world size it:
#   1. seeds a PostgreSQL database with `pingan seed --persons N` (once; kept for later runs),
#   2. starts pingan in release mode on it (not --demo; a signing key of its own),
#   3. runs every query once with statement logging and auto_explain, and records the statements
#      per request and any sequential scan of a case table (EXPLAIN, from the server's log),
#   4. measures each query with wrk (closed loop, CONNS connections): rps, p50, p99, and the
#      server's RSS,
#   5. exports every person as CSV and records the time and the server's peak RSS,
#   6. when the side-by-side harness of ../shared/bench is there (cluster, bench_<size> database,
#      PostGraphile peer), runs the floor, the peer and pingan's (a) and (b) in one run of it.
# Then it writes RESULTS.md from the measurements (bench/render.py).
#
# Usage: bench/run.sh                      # 100 000 and 1 000 000 persons
#        SIZES=100000 DURATION=10 bench/run.sh
# Needs: wrk, psql, a PostgreSQL it may create databases on (PGHOST/PGPORT/PGUSER, default the
# harness cluster 127.0.0.1:55432 as postgres), and its server log readable at PGLOG for step 3.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-55432}" PGUSER="${PGUSER:-postgres}"
PGLOG="${PGLOG:-/tmp/pgbench-data/server.log}"
SIZES="${SIZES:-100000 1000000}"
SHARED="${SHARED:-$ROOT/../shared/bench}"
DURATION="${DURATION:-20}" WARMUP="${WARMUP:-5}" CONNS="${CONNS:-8}" THREADS="${THREADS:-2}"
PORT="${PORT:-8090}"
BIN="${BIN:-$ROOT/target/release/pingan}"
OUT="${OUT:-${TMPDIR:-/tmp}/pingan-bench/$(date +%Y%m%dT%H%M%S)}"
RESULTS="${RESULTS:-$HERE/RESULTS.md}"
mkdir -p "$OUT"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
psql_() { psql -X -qAt -v ON_ERROR_STOP=1 "$@"; }

[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -p pingan)
MEASURED="$OUT/measured.tsv"
printf 'size\tcase\tuser\trps\tp50_ms\tp99_ms\trss_mb\tstatements\tseq_scans\tnotes\n' > "$MEASURED"
{
  echo "date: $(date -Is)"; echo "cores: $(nproc)"; echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"; uname -sr
  psql_ -d postgres -c 'select version()'; wrk --version 2>&1 | head -1 || true
  echo "pingan: $(git -C "$ROOT" rev-parse --short HEAD) ($(basename "$(dirname "$BIN")") build)"
  echo "wrk: $THREADS threads, $CONNS connections, ${WARMUP}s warm-up, ${DURATION}s measured"
} > "$OUT/env.txt" 2>&1

# case name, user, query file
CASES=(
  "a_basic police a_basic.graphql"
  "b_nested police b_nested.graphql"
  "c_leads_discipline jiwei c_leads_discipline.graphql"
  "d_my_tasks police d_my_tasks.graphql"
  "e_dashboard coord e_dashboard.graphql"
  "f_monthly_report coord f_monthly_report.graphql"
)
LAST_MONTH="$(date -d "$(date +%Y-%m-01) -1 day" +%Y-%m)"
SERVER_PID=""

body_of() {  # query file -> JSON body file
  local out="$OUT/body_$1.json"
  python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read().replace("MONTH", sys.argv[2])}))' \
    "$HERE/queries/$1" "$LAST_MONTH" > "$out"
  echo "$out"
}

start_server() {  # database
  PINGAN_JWT_SECRET="$(head -c 32 /dev/urandom | base64)" RUST_LOG=warn "$BIN" serve \
    --database-url "postgres://$PGUSER@$PGHOST:$PGPORT/$1" --bind "127.0.0.1:$PORT" \
    --rule-interval 0 --access-token-ttl 7200 > "$OUT/server_$1.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && return 0; sleep 0.2; done
  log "pingan did not start: $(tail -5 "$OUT/server_$1.log")"; return 1
}
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""; }
trap stop_server EXIT
rss_mb() { awk -v k="$1:" '$1 == k {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status"; }

token() {  # username
  curl -sf "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
    -d "{\"query\":\"mutation { login(input:{username:\\\"$1\\\", password:\\\"demo-pass-2026\\\"}) { accessToken } }\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])'
}

post() {  # token body-file -> response on stdout
  curl -sS "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' -H "authorization: Bearer $1" \
    --data-binary @"$2"
}

mark() { psql_ -d "$1" -c "DO \$\$ BEGIN RAISE LOG 'pingan-bench %', '$2'; END \$\$"; }

for size in $SIZES; do
  label=$([ "$size" -ge 1000000 ] && echo "$((size / 1000000))m" || echo "$((size / 1000))k")
  db="pingan_$label"
  if [ -z "$(psql_ -d postgres -c "select 1 from pg_database where datname = '$db'")" ]; then
    log "seeding $db with $size persons"
    psql_ -d postgres -c "create database $db"
    RUST_LOG=warn "$BIN" seed --database-url "postgres://$PGUSER@$PGHOST:$PGPORT/$db" --persons "$size" \
      | tee "$OUT/seed_$label.txt"
  fi
  psql_ -d "$db" -c 'vacuum analyze' || true

  # 3. One request per query with every statement and its plan in the server's log.
  if [ -r "$PGLOG" ]; then
    psql_ -d "$db" -c "alter database $db set log_statement = 'all'" \
      -c "alter database $db set session_preload_libraries = 'auto_explain'" \
      -c "alter database $db set auto_explain.log_min_duration = 0"
    start_server "$db"
    declare -A TOKENS=([police]="$(token police)" [jiwei]="$(token jiwei)" [coord]="$(token coord)")
    for c in "${CASES[@]}"; do
      read -r name user file <<<"$c"
      body=$(body_of "$file")
      post "${TOKENS[$user]}" "$body" > /dev/null   # warm the pool's connections first
      start=$(wc -l < "$PGLOG")
      mark "$db" "begin $name"; post "${TOKENS[$user]}" "$body" > "$OUT/sample_${label}_$name.json"; mark "$db" "end $name"
      tail -n +"$start" "$PGLOG" | sed -n "/pingan-bench begin $name/,/pingan-bench end $name/p" > "$OUT/explain_${label}_$name.log"
    done
    stop_server
    psql_ -d "$db" -c "alter database $db reset log_statement" \
      -c "alter database $db reset session_preload_libraries" -c "alter database $db reset auto_explain.log_min_duration"
  fi

  # 4. Load.
  start_server "$db"
  declare -A TOKENS=([police]="$(token police)" [jiwei]="$(token jiwei)" [coord]="$(token coord)")
  for c in "${CASES[@]}"; do
    read -r name user file <<<"$c"
    body=$(body_of "$file")
    post "${TOKENS[$user]}" "$body" > "$OUT/check_${label}_$name.json"
    if grep -q '"errors"' "$OUT/check_${label}_$name.json"; then
      log "$name failed: $(head -c 300 "$OUT/check_${label}_$name.json")"; exit 1
    fi
    statements=""; scans=""
    if [ -s "$OUT/explain_${label}_$name.log" ]; then
      # Less one: the end marker's own statement.
      statements=$(( $(grep -cE 'LOG: +(execute [^:]*|statement): ' "$OUT/explain_${label}_$name.log" || true) - 1 ))
      scans=$(grep -oE 'Seq Scan on [a-z_]+' "$OUT/explain_${label}_$name.log" | sort | uniq -c | awk '{printf "%s%s×%s", sep, $5, $1; sep=", "}' || true)
    fi
    log "wrk $label $name as $user"
    BODY_FILE="$body" TOKEN="${TOKENS[$user]}" EXPECT='"data"' wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" \
      -s "$HERE/post.lua" "http://127.0.0.1:$PORT/graphql" > /dev/null 2>&1 || true
    BODY_FILE="$body" TOKEN="${TOKENS[$user]}" EXPECT='"data"' wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" \
      --latency -s "$HERE/post.lua" "http://127.0.0.1:$PORT/graphql" > "$OUT/wrk_${label}_$name.out" 2>&1
    r=$(grep '^RESULT' "$OUT/wrk_${label}_$name.out")
    log "  $r rss=$(rss_mb VmRSS) MB"
    rps=$(sed -n 's/.*rps=\([0-9.]*\).*/\1/p' <<<"$r"); p50=$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$r")
    p99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$r")
    bad=$(sed -n 's/.*\(bad_bodies=[0-9]* non200=[0-9]* socket_errors=[0-9]*\).*/\1/p' <<<"$r")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$name" "$user" "$rps" "$p50" "$p99" "$(rss_mb VmRSS)" \
      "$statements" "${scans:-none}" "$bad" >> "$MEASURED"
  done
  peak_load=$(rss_mb VmHWM)

  # 5. Export every person of the police's town as CSV.
  log "export persons.csv ($label)"
  t0=$(date +%s.%N)
  bytes=$(curl -sS -o /dev/null -w '%{size_download}' -H "authorization: Bearer ${TOKENS[police]}" \
    "http://127.0.0.1:$PORT/export/persons.csv")
  t1=$(date +%s.%N)
  printf '%s\texport_persons_csv\tpolice\t\t%.0f\t\t%s\t\t\tbytes=%s peak_rss_load_mb=%s\n' "$size" \
    "$(echo "($t1 - $t0) * 1000" | bc)" "$(rss_mb VmHWM)" "$bytes" "$peak_load" >> "$MEASURED"

  # 6. Floor, PostGraphile and pingan's (a) and (b) in one run of the side-by-side harness.
  if [ -x "$SHARED/run.sh" ] && [ -n "$(psql_ -d postgres -c "select 1 from pg_database where datname = 'bench_$label'")" ]; then
    log "side by side: floor, PostGraphile, pingan on bench_$label / $db"
    DB="bench_$label" "$SHARED/peer.sh" > "$OUT/peer_$label.log" 2>&1 &
    peer=$!
    for _ in $(seq 1 300); do grep -q "listening" "$OUT/peer_$label.log" 2>/dev/null && break; sleep 1; done
    DB="bench_$label" OUT_DIR="$OUT/side_$label" DURATION="$DURATION" WARMUP="$WARMUP" CONNS="$CONNS" THREADS="$THREADS" \
      PINGAN_URL="http://127.0.0.1:$PORT/graphql" PINGAN_TOKEN="${TOKENS[police]}" PINGAN_EXPECT='"name"' \
      PINGAN_QUERY_A="$HERE/queries/a_basic.graphql" PINGAN_QUERY_B="$HERE/queries/b_nested.graphql" \
      "$SHARED/run.sh" || log "side-by-side run failed"
    kill "$peer" 2>/dev/null || true; wait "$peer" 2>/dev/null || true
  fi
  stop_server
done

python3 "$HERE/render.py" "$OUT" > "$RESULTS"
log "results in $OUT; wrote $RESULTS"
