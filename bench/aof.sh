#!/usr/bin/env bash
# SET throughput and latency with the append-only file on, Tessera beside redis-server in the
# same run: each server in turn (pinned to core 1, the load to core 0) runs with `appendonly
# yes` and `appendfsync always`, then `everysec`, and serves 50 clients sending SETs of 32
# bytes over 100,000 keys, no pipelining, closed loop. Prints ops/s, p50, p99 and p99.9 of each
# and the Tessera/Redis ratios. The files go to a fresh directory under $AOF_DIR (default: a
# temporary directory; point it at the disk you mean to measure).
#
#   bash bench/aof.sh            10 s per run, 3 rounds (medians)
#   bash bench/aof.sh --quick    3 s per run, 1 round
#
# Needs redis-server and redis-cli (Debian's redis-server and redis-tools); builds release.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECS=10
ROUNDS=3
if [ "${1:-}" = "--quick" ]; then
    SECS=3
    ROUNDS=1
fi

cargo build --release -q -p tessera -p tessera-bench
LOAD=target/release/tessera-load
WORK=$(mktemp -d "${AOF_DIR:-${TMPDIR:-/tmp}}/tessera-aof.XXXXXX")
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
echo "== files on: $(df -h "$WORK" | awk 'NR == 2 { print $1 " (" $6 ")" }')"
echo "== 50 clients, SET only, 32-byte values, 100,000 keys, no pipelining, $SECS s per run, $ROUNDS round(s)"

port=7631
cli() { timeout 10 redis-cli -p "$port" "$@"; }

start() {
    local name=$1 fsync=$2
    shift 2
    rm -rf "$WORK/$name"
    mkdir -p "$WORK/$name"
    "${SERVER_PIN[@]}" "$@" --port "$port" --save "" --appendonly yes --appendfsync "$fsync" \
        --dir "$WORK/$name" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 200); do
        cli info persistence 2>/dev/null | grep -q '^loading:0' && return
        sleep 0.05
    done
    echo "$name did not start" >&2
    exit 1
}

stop() {
    cli shutdown nosave >/dev/null 2>&1 || true
    sleep 0.5
}

declare -A RESULT
for round in $(seq "$ROUNDS"); do
    for fsync in always everysec; do
        for server in tessera redis; do
            case $server in
                tessera) start tessera "$fsync" target/release/tessera --threads 1 ;;
                redis) start redis "$fsync" redis-server ;;
            esac
            line=$("${LOAD_PIN[@]}" "$LOAD" -p "$port" --test-time "$SECS" --keys 100000 \
                --ratio 1:0 -c 50 --data-size 32 --summary-line "$server" 2>"$WORK/load.err") || { cat "$WORK/load.err" >&2; exit 1; }
            RESULT[$fsync-$server-$round]=$line
            stop
        done
    done
done

# The median of a column over the rounds.
median() {
    local key=$1 col=$2
    for r in $(seq "$ROUNDS"); do
        awk -v c="$col" '{ print $c }' <<<"${RESULT[$key-$r]}"
    done | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

printf "%-22s %10s %8s %8s %8s\n" run ops/s p50_ms p99_ms p999_ms
for fsync in always everysec; do
    for server in tessera redis; do
        printf "%-22s %10s %8s %8s %8s\n" "$server, $fsync" \
            "$(median "$fsync-$server" 2)" "$(median "$fsync-$server" 3)" \
            "$(median "$fsync-$server" 4)" "$(median "$fsync-$server" 5)"
    done
    echo "== $fsync, tessera/redis: ops/s $(ratio "$(median "$fsync-tessera" 2)" "$(median "$fsync-redis" 2)"), p99 $(ratio "$(median "$fsync-tessera" 4)" "$(median "$fsync-redis" 4)")"
done
