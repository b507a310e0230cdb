#!/usr/bin/env bash
# GET/SET latency while snapshots are written, Tessera beside redis-server in the same run: each
# server in turn (pinned to core 1, the load to core 0) holds KEYS keys, serves an open-loop
# load at a fixed rate (latency measured from each request's intended time, so a stall cannot
# hide), first with no snapshot, then while BGSAVE runs back to back. Prints ops/s, p50, p99
# and p99.9 of each phase, how many snapshots completed, and the ratios.
#
#   bash bench/snapshot.sh            1,000,000 keys, 10 s per phase, 40,000 requests/s
#   bash bench/snapshot.sh --quick    100,000 keys, 3 s per phase
#
# Needs redis-server and redis-cli (Debian's redis-server and redis-tools); builds release.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
KEYS=1000000
SECS=10
RATE=40000
if [ "${1:-}" = "--quick" ]; then
    KEYS=100000
    SECS=3
fi

cargo build --release -q -p tessera -p tessera-bench
LOAD=target/release/tessera-load
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$(nproc)" -ge 2 ]; then
    SERVER_PIN=(taskset -c 1)
    LOAD_PIN=(taskset -c 0)
else
    SERVER_PIN=()
    LOAD_PIN=()
fi
echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, kernel $(uname -r)"
echo "== $KEYS keys of 32 bytes, 50 clients, SET:GET 1:1, open loop at $RATE requests/s, $SECS s per phase"

port=7621
cli() { timeout 10 redis-cli -p "$port" "$@"; }
field() { cli info persistence | tr -d '\r' | awk -F: -v f="$1" '$1 == f { print $2 }'; }

start() {
    local name=$1
    shift
    mkdir -p "$WORK/$name"
    "${SERVER_PIN[@]}" "$@" --port "$port" --save "" --appendonly no --dir "$WORK/$name" \
        >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 200); do cli ping >/dev/null 2>&1 && return; sleep 0.05; done
    echo "$name did not start" >&2
    exit 1
}

stop() {
    cli shutdown nosave >/dev/null 2>&1 || true
    sleep 0.5
}

# Asks for a BGSAVE every 10 ms from one redis-cli on the load's core (refused while one runs),
# so snapshots run back to back. One long-lived process: a poll that started a redis-cli per
# check (about 100 a second) cost the load's core as much as the snapshots cost the server, and
# doubled p99 by itself with no snapshot at all.
save_loop() {
    exec "${LOAD_PIN[@]}" redis-cli -p "$port" -r -1 -i 0.01 bgsave >/dev/null 2>&1
}

measure() {
    local label=$1
    "${LOAD_PIN[@]}" "$LOAD" -p "$port" --rate "$RATE" --test-time "$SECS" --keys "$KEYS" \
        --ratio 1:1 -c 50 --data-size 32 --summary-line "$label" 2>/dev/null
}

declare -A P99
printf "%-28s %10s %8s %8s %8s %6s\n" phase ops/s p50_ms p99_ms p999_ms saves
for server in tessera redis; do
    case $server in
        tessera) start tessera target/release/tessera --threads 1 ;;
        redis) start redis redis-server ;;
    esac
    "${LOAD_PIN[@]}" "$LOAD" -p "$port" --preload -n 0 --keys "$KEYS" --data-size 32 >/dev/null 2>&1
    read -r _ ops p50 p99 p999 _ <<<"$(measure "$server")"
    printf "%-28s %10s %8s %8s %8s %6s\n" "$server, no snapshot" "$ops" "$p50" "$p99" "$p999" -
    P99[$server-base]=$p99
    saves_before=$(field rdb_saves)
    save_loop &
    saver=$!
    PIDS+=("$saver")
    read -r _ ops p50 p99 p999 _ <<<"$(measure "$server")"
    kill "$saver"
    wait "$saver" 2>/dev/null || true
    while [ "$(field rdb_bgsave_in_progress)" != "0" ]; do sleep 0.01; done
    printf "%-28s %10s %8s %8s %8s %6s\n" "$server, BGSAVE back to back" "$ops" "$p50" "$p99" "$p999" \
        "$(($(field rdb_saves) - saves_before))"
    P99[$server-save]=$p99
    stop
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
echo "== p99 during snapshots / p99 without: tessera $(ratio "${P99[tessera-save]}" "${P99[tessera-base]}"), redis $(ratio "${P99[redis-save]}" "${P99[redis-base]}")"
echo "== p99 during snapshots, tessera/redis: $(ratio "${P99[tessera-save]}" "${P99[redis-save]}")"
