#!/usr/bin/env bash
# Memory per element of Tessera's collections beside redis-server's, loaded with the same data
# in the same run: one hash, one set and one sorted set of N elements each, and N/10 small hashes
# of 10 fields (N = 1,000,000 by default). Each figure is (used_memory after - before) / elements,
# from INFO memory, after the load.
#
#   bash bench/memory.sh            N = 1,000,000
#   bash bench/memory.sh --quick    N = 100,000
#
# Needs redis-server and redis-cli (Debian's redis-server and redis-tools); builds release.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=1000000
[ "${1:-}" = "--quick" ] && N=100000

cargo build --release -q --bin tessera
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

port_tessera=7611
port_redis=7612
target/release/tessera --port $port_tessera --threads 1 >"$WORK/tessera.log" 2>&1 &
PIDS+=($!)
redis-server --port $port_redis --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
for port in $port_tessera $port_redis; do
    for _ in $(seq 100); do redis-cli -p $port ping >/dev/null 2>&1 && break; sleep 0.1; done
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
        smallhash) awk -v n="$((N / 10))" 'BEGIN { for (i = 0; i < n; i++) { line = "HSET h:" i; for (f = 0; f < 10; f++) line = line " f" f " value" f; print line } }' ;;
    esac
}

declare -A per
printf "%-12s %12s %14s %14s %8s\n" case elements tessera_B redis_B ratio
for c in hash set zset smallhash; do
    elements=$N
    [ "$c" = smallhash ] && elements=$((N / 10))
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
echo "(per element: a field, a member, or a whole 10-field hash key for smallhash)"
