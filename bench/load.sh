#!/usr/bin/env bash
# The load benchmark of issue #7: a national-size register (20,000 clients, 12,000
# dwellings, 342 municipalities, 1,500 contingents) behind `serve`, driven by wrk at 64
# connections, on SQLite and on PostgreSQL. Prints requests/s and p50/p99 per scenario,
# and checks after the mixed workload that every acknowledged write is in the database.
#
#   bench/load.sh [sqlite|postgres|both]      (default both)
#   DURATION=30s MIXED_DURATION=600s CONNECTIONS=64 bench/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
DURATION=${DURATION:-30s}
MIXED_DURATION=${MIXED_DURATION:-600s}
CONNECTIONS=${CONNECTIONS:-64}
export BENCH_DIR=$PWD/bench

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release --quiet
BIN=$PWD/target/release/uitstroomtafel
work=$(mktemp -d /tmp/ut-load.XXXXXX)
chmod 755 "$work"
port=18080
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -d "$work/pg" ] && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

results=()
say() { results+=("$(printf '| %-9s | %-26s | %9s | %7s | %7s | %6s | %6s |' "$@")"); }

scenario() { # backend name lua-env... ; runs wrk with get.lua
    local backend=$1 name=$2 path=$3 header=$4 dur=$5
    local out
    out=$(BENCH_PATH="$path" BENCH_HEADER="$header" wrk -t2 -c"$CONNECTIONS" -d"$dur" --timeout 5s --latency -s bench/get.lua "http://127.0.0.1:$port" | grep RESULT)
    echo "$backend $name: $out" >&2
    eval "$(echo "$out" | sed 's/RESULT //; s/ /;/g')"
    say "$backend" "$name" "$rps" "$p50_ms" "$p99_ms" "$non2xx" "$socket_errors"
}

run() { # backend url count-command
    local backend=$1 url=$2
    echo "== $backend: seeding" >&2
    "$BIN" --database "$url" seed >&2
    UITSTROOMTAFEL_LOG=warn UITSTROOMTAFEL_POOL_SIZE=${POOL:-16} UITSTROOMTAFEL_BODY_LIMIT_BYTES=262144 \
        "$BIN" --database "$url" serve --bind "127.0.0.1:$port" >"$work/$backend.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
    local jar="$work/$backend.jar"
    curl -s -c "$jar" -o /dev/null -d "username=coordinator&password=demo" "http://127.0.0.1:$port/login"
    local cookie csrf
    cookie=$(awk '/ut_sessie/ {print "ut_sessie=" $7}' "$jar")
    csrf=$(curl -s -b "$jar" "http://127.0.0.1:$port/" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
    token() {
        local j="$work/$1.jar"
        curl -s -c "$j" -o /dev/null -d "username=$1&password=demo" "http://127.0.0.1:$port/login"
        local c
        c=$(curl -s -b "$j" "http://127.0.0.1:$port/" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
        curl -s -b "$j" -H "X-CSRF-Token: $c" -H 'Content-Type: application/json' -d '{"name":"load"}' "http://127.0.0.1:$port/api/v1/tokens" \
            | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
    }
    export TOKEN_COORD TOKEN_CORP
    TOKEN_COORD=$(token coordinator)
    TOKEN_CORP=$(token corporatie)
    scenario "$backend" "GET /healthz" "/healthz" "X-Bench: 1" "$DURATION"
    scenario "$backend" "dwelling list API" "/api/v1/dwellings?per_page=50" "Authorization: Bearer $TOKEN_COORD" "$DURATION"
    # Any of the 240 pages (12,000 dwellings): the page cache fills as they are asked for.
    scenario "$backend" "list API, random page" "/api/v1/dwellings?per_page=50&page={page}" "Authorization: Bearer $TOKEN_COORD" "$DURATION"
    # A different query each time (an ignored parameter): never from the cache.
    scenario "$backend" "list API, uncached" "/api/v1/dwellings?per_page=50&q={rand}" "Authorization: Bearer $TOKEN_COORD" "$DURATION"
    scenario "$backend" "a client's page" "/clienten/{rand}" "Cookie: $cookie" "$DURATION"
    scenario "$backend" "coordinator overview" "/" "Cookie: $cookie" "$DURATION"
    echo "== $backend: mixed workload, $MIXED_DURATION" >&2
    local out
    out=$(WRITE_PREFIX="mix$backend" wrk -t2 -c"$CONNECTIONS" -d"$MIXED_DURATION" --timeout 5s --latency -s bench/mixed.lua "http://127.0.0.1:$port" | grep RESULT)
    echo "$backend mixed: $out" >&2
    eval "$(echo "$out" | sed 's/RESULT //; s/ /;/g')"
    say "$backend" "mixed (10 % writes)" "$rps" "$p50_ms" "$p99_ms" "$non2xx" "$socket_errors"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    local stored
    stored=$(count_written "$url" "mix$backend")
    results+=("$backend: writes acknowledged (201) $created, found in the database $stored")
    [ "$stored" -ge "$created" ] || { echo "LOST WRITES on $backend: $created acknowledged, $stored stored" >&2; exit 1; }
}

count_written() {
    case $1 in
        sqlite://*) python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(\"select count(*) from dwellings where external_ref like ?\", (sys.argv[2]+'-%',)).fetchone()[0])" "${1#sqlite://}" "$2" ;;
        *) psql "$1" -Atc "select count(*) from dwellings where external_ref like '$2-%'" ;;
    esac
}

if [ "$which" = sqlite ] || [ "$which" = both ]; then
    run sqlite "sqlite://$work/load.db"
fi
if [ "$which" = postgres ] || [ "$which" = both ]; then
    chown postgres "$work"
    runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$work/pg" -A trust -U postgres --no-sync >/dev/null
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg" -l "$work/pg.log" -w \
        -o "-k $work -p 15432 -c listen_addresses='' -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
    psql "postgresql:///postgres?host=$work&port=15432&user=postgres" -qc "create database load"
    run postgres "postgresql:///load?host=$work&port=15432&user=postgres"
fi

echo
echo "| backend   | scenario                   | requests/s |  p50 ms |  p99 ms | non-2xx | socket errors |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${results[@]}"
