#!/usr/bin/env bash
# Memory per element of Tessera's collections beside redis-server's, loaded with the same data
# in the same run (N = 1,000,000 by default):
#   hash, set, zset     one big collection of N elements each (hashtable / hashtable / skiplist)
#   smallhash           N/10 hashes of 10 fields (listpack)
#   smallset            N/10 sets of 10 integers (intset)
#   smallzset           N/10 sorted sets of 10 members (listpack)
#   smalllist           N/10 lists of 10 elements (one quicklist node each)
# Each figure is (used_memory after - before) / elements, from INFO memory, after the load; an
# element is a field or member of a big collection, a whole key for the small ones.
#
#   bash bench/memory.sh            N = 1,000,000
#   bash bench/memory.sh --quick    N = 100,000
#   bash bench/memory.sh --small K  K small keys of each kind instead of N/10 (e.g. 1000000)
#   TESSERA_BIN=/path/to/tessera bash bench/memory.sh   another build (before/after comparisons)
#
# Needs redis-server and redis-cli (Debian's redis-server and redis-tools); builds release unless
# TESSERA_BIN names a binary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=1000000
SMALL=
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) N=100000 ;;
        --small) SMALL=${2:-}; shift ;;
        *) echo "memory.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
SMALL=${SMALL:-$((N / 10))}
case "$SMALL" in ''|*[!0-9]*|0) echo "memory.sh: --small takes a positive integer" >&2; exit 2 ;; esac

TESSERA=${TESSERA_BIN:-target/release/tessera}
[ -n "${TESSERA_BIN:-}" ] || cargo build --release -q --bin tessera
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# A port nothing listens on.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

port_tessera=$(free_port)
"$TESSERA" --port "$port_tessera" --threads 1 --save "" --dir "$WORK" >"$WORK/tessera.log" 2>&1 &
PIDS+=($!)
port_redis=$(free_port)
redis-server --port "$port_redis" --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
for i in 0 1; do
    port=$port_tessera log=$WORK/tessera.log
    [ $i = 1 ] && port=$port_redis log=$WORK/redis.log
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null || ! redis-cli -p "$port" ping >/dev/null 2>&1; then
        echo "memory.sh: the server on port $port did not start:" >&2
        cat "$log" >&2
        exit 1
    fi
done

used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'; }

# RESP for one command per line of words on stdin.
to_resp() {
    awk '{ printf "*%d\r\n", NF; for (i = 1; i <= NF; i++) printf "$%d\r\n%s\r\n", length($i), $i }'
}

# The commands of each case, 1000 elements per command where a command takes many.
gen() {
    case "$1" in
        hash) awk -v n="$N" 'BEGIN { for (i = 0; i < n; i += 1000) { line = "HSET bighash"; for (j = i; j < i + 1000 && j < n; j++) line = line " field:" j " value:" j; print line } }' ;;
        set) awk -v n="$N" 'BEGIN { for (i = 0; i < n; i += 1000) { line = "SADD bigset"; for (j = i; j < i + 1000 && j < n; j++) line = line " member:" j; print line } }' ;;
        zset) awk -v n="$N" 'BEGIN { for (i = 0; i < n; i += 1000) { line = "ZADD bigzset"; for (j = i; j < i + 1000 && j < n; j++) line = line " " j " member:" j; print line } }' ;;
        smallhash) awk -v n="$SMALL" 'BEGIN { for (i = 0; i < n; i++) { line = "HSET h:" i; for (f = 0; f < 10; f++) line = line " f" f " value" f; print line } }' ;;
        smallset) awk -v n="$SMALL" 'BEGIN { for (i = 0; i < n; i++) { line = "SADD s:" i; for (m = 0; m < 10; m++) line = line " " (m * 1000 + i % 1000); print line } }' ;;
        smallzset) awk -v n="$SMALL" 'BEGIN { for (i = 0; i < n; i++) { line = "ZADD z:" i; for (m = 0; m < 10; m++) line = line " " m " member" m; print line } }' ;;
        smalllist) awk -v n="$SMALL" 'BEGIN { for (i = 0; i < n; i++) { line = "RPUSH l:" i; for (e = 0; e < 10; e++) line = line " value" e; print line } }' ;;
    esac
}

MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || true)
echo "== machine: ${MODEL:-unknown cpu}, $(nproc) cores, kernel $(uname -r), $(redis-server --version | awk '{print $1, $2, $3}')"
echo "== tessera ${TESSERA_BIN:-$(git rev-parse --short HEAD 2>/dev/null || echo '?')} --threads 1, N = $N, $SMALL small keys; $(date -u '+%Y-%m-%d %H:%M UTC')"

declare -A per
printf "%-12s %12s %14s %14s %8s\n" case elements tessera_B redis_B ratio
for c in hash set zset smallhash smallset smallzset smalllist; do
    elements=$N
    case "$c" in small*) elements=$SMALL ;; esac
    gen "$c" | to_resp >"$WORK/$c.resp"
    for port in $port_tessera $port_redis; do
        redis-cli -p $port flushall >/dev/null
        sleep 0.2
        before=$(used $port)
        redis-cli -p $port --pipe <"$WORK/$c.resp" >/dev/null
        sleep 0.2
        after=$(used $port)
        per[$port]=$(awk -v a="$after" -v b="$before" -v n="$elements" 'BEGIN { printf "%.1f", (a - b) / n }')
    done
    printf "%-12s %12d %14s %14s %8s\n" "$c" "$elements" "${per[$port_tessera]}" "${per[$port_redis]}" \
        "$(awk -v t="${per[$port_tessera]}" -v r="${per[$port_redis]}" 'BEGIN { printf "%.2fx", t / r }')"
done
echo "(per element: a field or member of the big collections, a whole key of the small ones)"
