#!/usr/bin/env bash
# A cache at its memory limit, Tessera beside redis-server in the same run: SETs of random keys
# over a key range far larger than `maxmemory` holds, so that nearly every write evicts. Each
# server in turn runs alone on cpu 1 (one shard for Tessera), `redis-benchmark` on cpu 0, for
# every policy given (default allkeys-lru allkeys-lfu allkeys-random), ROUNDS times interleaved.
# Printed per server and policy: ops/s (median of the rounds), server CPU time per request from
# /proc, keys evicted per second, and used_memory at the end against the limit.
#
#   bash bench/eviction.sh                      3 rounds, 64mb, 4,000,000 SETs of 100 bytes
#   bash bench/eviction.sh --quick              1 round, 500,000 SETs
#   POLICIES="volatile-lru" bash bench/eviction.sh
#   TESSERA_BIN=/path/to/tessera bash bench/eviction.sh   another build
#
# Needs redis-server, redis-cli and redis-benchmark (Debian's redis-server and redis-tools), and
# two cpus; builds release unless TESSERA_BIN names a binary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=3
REQUESTS=4000000
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) ROUNDS=1 REQUESTS=500000 ;;
        *) echo "eviction.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
POLICIES=${POLICIES:-allkeys-lru allkeys-lfu allkeys-random}
LIMIT=${LIMIT:-64mb}
KEYS=10000000
VALUE=100

TESSERA=${TESSERA_BIN:-target/release/tessera}
[ -n "${TESSERA_BIN:-}" ] || cargo build --release -q --bin tessera
WORK=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

# Starts server $1 (tessera|redis) on port $2 with policy $3; sets PID.
start() {
    local log=$WORK/$1.log
    case "$1" in
        tessera) taskset -c 1 "$TESSERA" --port "$2" --threads 1 --save "" --appendonly no \
            --dir "$WORK" --maxmemory "$LIMIT" --maxmemory-policy "$3" >"$log" 2>&1 & ;;
        redis) taskset -c 1 redis-server --port "$2" --save '' --appendonly no --dir "$WORK" \
            --maxmemory "$LIMIT" --maxmemory-policy "$3" >"$log" 2>&1 & ;;
    esac
    PID=$!
    for _ in $(seq 100); do redis-cli -p "$2" ping >/dev/null 2>&1 && return; sleep 0.1; done
    echo "eviction.sh: $1 did not start:" >&2
    cat "$log" >&2
    exit 1
}

stop() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=
}

field() { redis-cli -p "$1" info | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || true)
echo "== machine: ${MODEL:-unknown cpu}, $(nproc) cores, kernel $(uname -r), $(redis-server --version | awk '{print $1, $2, $3}')"
echo "== tessera ${TESSERA_BIN:-$(git rev-parse --short HEAD 2>/dev/null || echo '?')} --threads 1; maxmemory $LIMIT; $REQUESTS SETs of $VALUE bytes over $KEYS keys; $ROUNDS round(s); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "== load: taskset -c 0 redis-benchmark -c 50 -P 16 -t set -r $KEYS -d $VALUE -n $REQUESTS"

TCK=$(getconf CLK_TCK)
printf "%-15s %-8s %12s %10s %14s %12s %8s\n" policy server ops/s cpu_us/req evicted/s used_MB ratio
for policy in $POLICIES; do
    declare -A ops=()
    for server in tessera redis; do ops[$server]=""; done
    for _ in $(seq "$ROUNDS"); do
        for server in tessera redis; do
            port=$(free_port)
            start "$server" "$port" "$policy"
            t0=$(cpu_ticks "$PID")
            started=$(date +%s.%N)
            rps=$(taskset -c 0 redis-benchmark -p "$port" -c 50 -P 16 -t set -r "$KEYS" -d "$VALUE" \
                -n "$REQUESTS" --threads 1 --csv 2>/dev/null | awk -F, '/^"SET"/ { gsub(/"/, "", $2); print $2 }')
            ended=$(date +%s.%N)
            t1=$(cpu_ticks "$PID")
            evicted=$(field "$port" evicted_keys)
            used=$(field "$port" used_memory)
            stop
            ops[$server]="${ops[$server]} $rps"
            printf "%-15s %-8s %12.0f %10.3f %14.0f %12.1f\n" "$policy" "$server" "$rps" \
                "$(awk -v a="$t0" -v b="$t1" -v t="$TCK" -v n="$REQUESTS" 'BEGIN { print (b - a) / t * 1e6 / n }')" \
                "$(awk -v e="$evicted" -v s="$started" -v x="$ended" 'BEGIN { print e / (x - s) }')" \
                "$(awk -v u="$used" 'BEGIN { print u / 1048576 }')"
        done
    done
    median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
    t=$(echo "${ops[tessera]}" | median)
    r=$(echo "${ops[redis]}" | median)
    printf "%-15s %-8s %12.0f %10s %14s %12s %8s\n" "$policy" median-t "$t" "" "" "" \
        "$(awk -v t="$t" -v r="$r" 'BEGIN { printf "%.2fx", t / r }')"
    printf "%-15s %-8s %12.0f\n" "$policy" median-r "$r"
done
echo "(ratio: Tessera's median ops/s over redis-server's; used_MB: used_memory at the end)"
