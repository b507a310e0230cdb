#!/usr/bin/env bash
# Side-by-side comparison of Tessera, redis-server and the ceiling server (Tessera's network path
# answering from constants), each pinned to one core and held to half of it, with the load
# pinned to the other core.
#
#   bash bench/compare.sh                       full run: 3 interleaved rounds (~10-15 minutes)
#   bash bench/compare.sh --quick               every workload once, briefly (~1-2 minutes; CI)
#   bash bench/compare.sh --rounds 5 --seconds 10
#   bash bench/compare.sh --no-quota            no CPU quota: every run unthrottled
#   bash bench/compare.sh --quota 25            servers held to 25% of a core instead of 50%
#
# Needs redis-server, redis-benchmark and redis-cli (redis-server, redis-tools) and taskset
# (util-linux); root (or a writable cgroup) for the CPU quota. Every number comes from this run
# on this machine. See bench/README.md for what each row means and why servers get half a core.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

QUICK=0
NO_QUOTA=0
QUOTA_PCT=50
ROUNDS=3
SECONDS_PER_RUN=8
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; ROUNDS=1; SECONDS_PER_RUN=2 ;;
        --rounds) ROUNDS=${2:-}; shift ;;
        --seconds) SECONDS_PER_RUN=${2:-}; shift ;;
        --no-quota) NO_QUOTA=1 ;;
        --quota) QUOTA_PCT=${2:-}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "compare.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
for n in "$ROUNDS" "$SECONDS_PER_RUN" "$QUOTA_PCT"; do
    case "$n" in ''|*[!0-9]*|0) echo "compare.sh: --rounds, --seconds and --quota take a positive integer" >&2; exit 2 ;; esac
done
[ "$QUOTA_PCT" -le 100 ] || { echo "compare.sh: --quota is a percentage of one core, at most 100" >&2; exit 2; }
QUOTA_US=$((QUOTA_PCT * 100))

# Requests per redis-benchmark test (SET, then GET), sized so a half-core server takes a few
# seconds on each; keys and values of the memory measurement.
if [ "$QUICK" = 1 ]; then
    RB_P16=300000
    RB_P1=30000
    MEM_KEYS=100000
else
    RB_P16=2000000
    RB_P1=200000
    MEM_KEYS=1000000
fi
KEYS=100000

for tool in cargo redis-server redis-benchmark redis-cli taskset getconf awk; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "compare.sh: $tool is missing (apt-get install redis-server redis-tools util-linux)" >&2
        exit 1
    fi
done

echo "== building (release)"
cargo build --release --quiet -p tessera -p tessera-bench
TESSERA=$ROOT/target/release/tessera
LOAD=$ROOT/target/release/tessera-load
CEILING=$ROOT/target/release/tessera-ceiling

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-compare.XXXXXX")
RESULTS=$WORK/results
: > "$RESULTS"
PIDS=()
CGROUPS=()

# Stops every server this script started (TERM, then KILL after 5 s), removes the cgroups it
# made and its scratch directory. Runs on every exit: success, failure, Ctrl-C.
cleanup() {
    local status=$? pid i
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for cg in "${CGROUPS[@]}"; do
        [ -d "$cg" ] && { rmdir "$cg" 2>/dev/null || echo "compare.sh: could not remove cgroup $cg" >&2; }
    done
    rm -rf "$WORK"
    if [ "$status" -ne 0 ]; then echo "compare.sh: FAILED (exit status $status)" >&2; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "compare.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# The machine, and the cores: the load on the first CPU this process may use, the server on the
# second (cpu 0 and cpu 1 on a plain 2-core machine; whatever a container's cpuset allows).
# ---------------------------------------------------------------------------------------------
ALLOWED=$(python3 -c 'import os; print(" ".join(map(str, sorted(os.sched_getaffinity(0)))))' 2>/dev/null \
    || taskset -cp $$ | sed 's/.*: //' | tr ',' '\n' | awk -F- '{ if (NF == 2) for (i = $1; i <= $2; i++) print i; else print $1 }' | tr '\n' ' ')
read -r -a ALLOWED_CPUS <<< "$ALLOWED"
CPUS=${#ALLOWED_CPUS[@]}
LOAD_CPU=${ALLOWED_CPUS[0]}
SERVER_CPU=${ALLOWED_CPUS[1]:-${ALLOWED_CPUS[0]}}
if [ "$CPUS" -lt 2 ]; then
    echo "== WARNING: one core only: server and load share it, so the numbers say little"
fi
CLK_TCK=$(getconf CLK_TCK)
PAGE_SIZE=$(getconf PAGESIZE)
MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || true)
echo "== machine: ${MODEL:-unknown cpu}, $CPUS cores, kernel $(uname -r), $(redis-server --version | awk '{print $1, $2, $3}')"
echo "== servers on cpu $SERVER_CPU, load on cpu $LOAD_CPU; $ROUNDS round(s), ${SECONDS_PER_RUN}s per tessera-load run"

# ---------------------------------------------------------------------------------------------
# The CPU quota that holds each server to half a core: one cgroup per server (v2 or v1), whose
# quota is switched on for the server-bound runs and off for the unthrottled ones.
# ---------------------------------------------------------------------------------------------
QUOTA_KIND=none
CG_BASE=""
if [ "$NO_QUOTA" = 1 ]; then
    :
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
        grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null \
            || echo "+cpu" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
        CG_BASE=/sys/fs/cgroup
        QUOTA_KIND="cgroup v2: cpu.max $QUOTA_US 10000 ($QUOTA_PCT% of a core)"
    fi
elif [ -w /sys/fs/cgroup/cpu ] && [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    CG_BASE=/sys/fs/cgroup/cpu
    QUOTA_KIND="cgroup v1: cpu.cfs_quota_us $QUOTA_US of cpu.cfs_period_us 10000 ($QUOTA_PCT% of a core)"
fi

# make_cgroup NAME VAR: creates the server's cgroup (unthrottled) and sets VAR to its path; VAR
# stays empty when that fails.
make_cgroup() {
    local cg=$CG_BASE/tessera-compare-$$-$1
    printf -v "$2" '%s' ""
    [ -n "$CG_BASE" ] || return 0
    mkdir "$cg" 2>/dev/null || return 0
    CGROUPS+=("$cg")
    if [ -f "$cg/cpu.max" ]; then
        echo "max 10000" > "$cg/cpu.max" 2>/dev/null || return 0
    else
        { echo 10000 > "$cg/cpu.cfs_period_us" && echo -1 > "$cg/cpu.cfs_quota_us"; } 2>/dev/null || return 0
    fi
    printf -v "$2" '%s' "$cg"
}
# set_quota CGROUP on|off
set_quota() {
    local cg=$1
    if [ -f "$cg/cpu.max" ]; then
        if [ "$2" = on ]; then echo "$QUOTA_US 10000" > "$cg/cpu.max"; else echo "max 10000" > "$cg/cpu.max"; fi
    else
        if [ "$2" = on ]; then echo "$QUOTA_US" > "$cg/cpu.cfs_quota_us"; else echo -1 > "$cg/cpu.cfs_quota_us"; fi
    fi
}

make_cgroup tessera CG_TESSERA
make_cgroup redis CG_REDIS
make_cgroup ceiling CG_CEILING
# can_move CGROUP: whether a process can be put in it (a cgroup v2 parent that holds processes
# itself may refuse).
can_move() {
    local pid ok=0
    sleep 30 &
    pid=$!
    if (echo "$pid" > "$1/cgroup.procs") 2>/dev/null; then ok=1; fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    [ "$ok" = 1 ]
}
if [ -n "$CG_TESSERA" ] && [ -n "$CG_REDIS" ] && [ -n "$CG_CEILING" ] \
    && (set_quota "$CG_TESSERA" on && set_quota "$CG_TESSERA" off) 2>/dev/null \
    && can_move "$CG_TESSERA"; then
    THROTTLED=1
    echo "== server-bound runs: each server held to $QUOTA_PCT% of a core by its own $QUOTA_KIND"
else
    THROTTLED=0
    CG_TESSERA="" CG_REDIS="" CG_CEILING=""
    if [ "$NO_QUOTA" = 1 ]; then
        QUOTA_KIND="none (--no-quota)"
        echo "== WARNING: --no-quota:"
    else
        QUOTA_KIND="none (no writable cgroup cpu controller)"
        echo "== WARNING: no writable cgroup CPU controller here (needs root and cgroup v1 cpu or v2 +cpu):"
    fi
    echo "   every run is UNTHROTTLED, so one load thread, not the server, may be the bottleneck;"
    echo "   the server-bound rows then compare the load generator more than the servers"
fi

# throttle on|off: the quota of every server's cgroup.
throttle() {
    [ "$THROTTLED" = 1 ] || return 0
    set_quota "$CG_TESSERA" "$1"
    set_quota "$CG_REDIS" "$1"
    set_quota "$CG_CEILING" "$1"
}

# CPU time of a process, all its threads, in microseconds (utime + stime of /proc/PID/stat;
# the fields are counted after the command name, which ends at the last ')').
cpu_us() {
    local rest
    rest=$(sed 's/.*) //' "/proc/$1/stat") || fail "process $1 is gone"
    # shellcheck disable=SC2086
    set -- $rest
    echo $(( (${12} + ${13}) * 1000000 / CLK_TCK ))
}

# free_port VAR: sets VAR to a TCP port nothing listens on, not handed out before by this script.
USED_PORTS=" "
free_port() {
    local port low
    # Below the ephemeral range: a client connection's local port there would make the server's
    # bind fail, and the load opens thousands of connections.
    low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    [ "$low" -gt 12000 ] || low=32768
    for _ in $(seq 1 200); do
        port=$(( 10000 + RANDOM % (low - 10000) ))
        case "$USED_PORTS" in *" $port "*) continue ;; esac
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            USED_PORTS="$USED_PORTS$port "
            printf -v "$1" '%s' "$port"
            return 0
        fi
    done
    fail "found no free TCP port"
}

# wait_server PID PORT LOG: until the server answers PING; fails with its log if it died.
wait_server() {
    local pid=$1 port=$2 log=$3
    for _ in $(seq 1 200); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$log" "$WORK"/*.log >&2 2>/dev/null || true
            fail "the server on port $port (pid $pid) exited at start-up; its log is above"
        fi
        if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then return 0; fi
        sleep 0.05
    done
    fail "the server on port $port (pid $pid) did not answer PING within 10 s"
}

# start_server NAME CGROUP CPU command...: starts it in the background (in CGROUP when given,
# pinned to CPU when given) and sets PID_<NAME>.
start_server() {
    local name=$1 cg=$2 cpu=$3 port pid
    shift 3
    port=$(eval echo "\$PORT_$name")
    if [ -n "$cpu" ]; then
        taskset -c "$cpu" "$@" > "$WORK/$name.out" 2>&1 &
    else
        "$@" > "$WORK/$name.out" 2>&1 &
    fi
    pid=$!
    PIDS+=("$pid")
    if [ -n "$cg" ]; then echo "$pid" > "$cg/cgroup.procs"; fi
    eval "PID_$name=$pid"
    wait_server "$pid" "$port" "$WORK/$name.out"
    echo "   $name (pid $pid, port $port): $*"
}

# stop_server PID: TERM, and waits for it.
stop_server() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# run_logged LOG command...: runs it with stdout to LOG.out and stderr to LOG.err; on failure
# shows both and stops.
run_logged() {
    local log=$1
    shift
    if ! "$@" > "$log.out" 2> "$log.err"; then
        echo "compare.sh: this command failed:" >&2
        echo "   $*" >&2
        tail -n 30 "$log.err" "$log.out" >&2 || true
        exit 1
    fi
}

RUN=0
# The results file has one line per run and row:
#   WORKLOAD SERVER OPS P50_MS P99_MS P999_MS CPU_US_PER_REQ SERVER_BUSY_PCT
# SERVER_BUSY_PCT is the server's CPU time over the run's wall time, in % of one core: near the
# quota when the server was the bottleneck, below it when the load was.
now_us() { echo $(( $(date +%s%N) / 1000 )); }
busy_pct() { # cpu_before cpu_after wall_before wall_after
    awk -v c=$(($2 - $1)) -v w=$(($4 - $3)) 'BEGIN { printf "%.0f", (w > 0) ? c * 100 / w : 0 }'
}

# redis-benchmark exactly as the bars state it (-c 50 -P N -t set,get: one key, 3-byte values),
# plus the request count, one thread and CSV. Records each test and the worse of the two.
rb_command() { # port pipeline requests
    echo redis-benchmark -p "$1" -c 50 -P "$2" -t set,get -n "$3" --threads 1 --csv
}
run_redis_benchmark() { # server pipeline requests
    local server=$1 p=$2 n=$3 port pid before after t0 t1 log
    port=$(eval echo "\$PORT_$server"); pid=$(eval echo "\$PID_$server")
    RUN=$((RUN + 1)); log=$WORK/run$RUN
    before=$(cpu_us "$pid"); t0=$(now_us)
    # shellcheck disable=SC2046
    run_logged "$log" taskset -c "$LOAD_CPU" $(rb_command "$port" "$p" "$n")
    after=$(cpu_us "$pid"); t1=$(now_us)
    if grep -qi 'error' "$log.err" "$log.out"; then
        cat "$log.err" "$log.out" >&2
        fail "redis-benchmark against $server reported errors"
    fi
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    tr -d '"' < "$log.out" | awk -F, -v s="$server" -v p="$p" -v busy="$(busy_pct "$before" "$after" "$t0" "$t1")" \
        -v c="$(awk -v a="$after" -v b="$before" -v n="$n" 'BEGIN { printf "%.3f", (a - b) / (2 * n) }')" '
        $1 == "SET" || $1 == "GET" {
            seen++
            if ($2 + 0 <= 0) exit 1
            printf "rb-P%s-%s %s %s %s %s - %s %s\n", p, $1, s, $2, $5, $7, c, busy
            if (min == "" || $2 + 0 < min + 0) { min = $2; m50 = $5; m99 = $7 }
        }
        END {
            if (seen != 2) exit 1
            printf "rb-P%s %s %s %s %s - %s %s\n", p, s, min, m50, m99, c, busy
        }' >> "$RESULTS" || { cat "$log.out" >&2; fail "redis-benchmark against $server gave no SET and GET rates"; }
}

# tessera-load with one summary line; records ops/s, latencies and server CPU per request.
run_load() { # workload server cpu(or "") [tessera-load arguments...]
    local workload=$1 server=$2 cpu=$3 port pid before after t0 t1 log
    shift 3
    port=$(eval echo "\$PORT_$server"); pid=$(eval echo "\$PID_$server")
    RUN=$((RUN + 1)); log=$WORK/run$RUN
    local cmd=("$LOAD" --port "$port" --test-time "$SECONDS_PER_RUN" "$@" --summary-line "$workload $server")
    if [ -n "$cpu" ]; then cmd=(taskset -c "$cpu" "${cmd[@]}"); fi
    before=$(cpu_us "$pid"); t0=$(now_us)
    run_logged "$log" "${cmd[@]}"
    after=$(cpu_us "$pid"); t1=$(now_us)
    # WORKLOAD SERVER OPS P50 P99 P999 REQUESTS
    awk -v us=$((after - before)) -v busy="$(busy_pct "$before" "$after" "$t0" "$t1")" \
        'NF == 7 && $7 > 0 { printf "%s %s %s %s %s %s %.3f %s\n", $1, $2, $3, $4, $5, $6, us / $7, busy; ok = 1 }
        END { exit !ok }' "$log.out" >> "$RESULTS" \
        || { cat "$log.out" "$log.err" >&2; fail "tessera-load against $server ($workload) sent no request"; }
}

preload() { # port keys [more tessera-load arguments]
    local port=$1 keys=$2
    shift 2
    RUN=$((RUN + 1))
    run_logged "$WORK/run$RUN" "$LOAD" --port "$port" --keys "$keys" --preload --requests 0 "$@"
}

LOAD_A=(--threads 1 --clients 50 --pipeline 1 --ratio 1:10 --data-size 32 --keys $KEYS --key-pattern uniform)
LOAD_B=(--threads 1 --clients 50 --pipeline 16 --ratio 1:10 --data-size 32 --keys $KEYS --key-pattern uniform)
LOAD_C=(--threads 1 --clients 1 --pipeline 30 --ratio 0:1 --data-size 32 --keys $KEYS --key-pattern uniform)

echo "== commands (PORT and the server vary; load on cpu $LOAD_CPU via taskset -c $LOAD_CPU)"
echo "   rb-P16:  $(rb_command PORT 16 $RB_P16)"
echo "   rb-P1:   $(rb_command PORT 1 $RB_P1)"
echo "   A:       tessera-load --port PORT --test-time $SECONDS_PER_RUN ${LOAD_A[*]}"
echo "   B:       tessera-load --port PORT --test-time $SECONDS_PER_RUN ${LOAD_B[*]}"
echo "   C:       tessera-load --port PORT --test-time $SECONDS_PER_RUN ${LOAD_C[*]}"
echo "   A-free:  as A, quota off"
echo "   D:       tessera-load --port PORT --test-time $SECONDS_PER_RUN ${LOAD_B[*]} --shard-keys local|remote (unpinned)"
echo "   D1:      tessera-load --port PORT --test-time $SECONDS_PER_RUN ${LOAD_A[*]} --shard-keys local|remote (unpinned)"
echo "   preload: tessera-load --port PORT --keys $KEYS --preload --requests 0 (before A, B, C, D)"
echo "   M:       tessera-load --port PORT --keys $MEM_KEYS --key-digits 8 --data-size 16 --preload --requests 0"

# ---------------------------------------------------------------------------------------------
# Servers: started once, pinned, each in its own cgroup, kept for the rounds.
# ---------------------------------------------------------------------------------------------
free_port PORT_tessera
free_port PORT_redis
free_port PORT_ceiling
echo "== servers"
start_server tessera "$CG_TESSERA" "$SERVER_CPU" "$TESSERA" --port "$PORT_tessera" --threads 1 \
    --save "" --appendonly no --logfile "$WORK/tessera.log" --dir "$WORK"
start_server redis "$CG_REDIS" "$SERVER_CPU" redis-server --port "$PORT_redis" --save "" \
    --appendonly no --logfile "$WORK/redis.log" --dir "$WORK"
start_server ceiling "$CG_CEILING" "$SERVER_CPU" "$CEILING" --port "$PORT_ceiling" --threads 1 \
    --value-size 32
for server in tessera redis ceiling; do
    preload "$(eval echo "\$PORT_$server")" $KEYS --data-size 32
done

# The servers in a different order each round, so drift and warm-up hit all alike.
order() { # round
    case $(( $1 % 3 )) in
        1) echo tessera redis ceiling ;;
        2) echo redis ceiling tessera ;;
        0) echo ceiling tessera redis ;;
    esac
}

echo "== rounds"
START=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
    servers=$(order "$round")
    throttle on
    for server in $servers; do run_redis_benchmark "$server" 16 $RB_P16; done
    for server in $servers; do run_redis_benchmark "$server" 1 $RB_P1; done
    for server in $servers; do run_load A "$server" "$LOAD_CPU" "${LOAD_A[@]}"; done
    for server in $servers; do run_load B "$server" "$LOAD_CPU" "${LOAD_B[@]}"; done
    for server in $servers; do run_load C "$server" "$LOAD_CPU" "${LOAD_C[@]}"; done
    throttle off
    # Unthrottled: latency when the load generator, not the server, is the bottleneck.
    for server in $servers; do
        [ "$server" = ceiling ] || run_load A-free "$server" "$LOAD_CPU" "${LOAD_A[@]}"
    done
    echo "   round $round of $ROUNDS done ($(( $(date +%s) - START ))s)"
done
for server in tessera redis ceiling; do stop_server "$(eval echo "\$PID_$server")"; done

# ---------------------------------------------------------------------------------------------
# D: the cost of the hop. Two shards, unpinned, the load unpinned too; keys of the connection's
# own shard against keys of the other shard.
# ---------------------------------------------------------------------------------------------
echo "== D: tessera --threads 2, keys of the connection's own shard vs of the other shard"
free_port PORT_tessera
start_server tessera "" "" "$TESSERA" --port "$PORT_tessera" --threads 2 --save "" \
    --appendonly no --logfile "$WORK/tessera-d.log" --dir "$WORK"
preload "$PORT_tessera" $KEYS --data-size 32
for round in $(seq 1 "$ROUNDS"); do
    for keys in local remote; do
        run_load "D-$keys" tessera "" "${LOAD_B[@]}" --shard-keys "$keys"
        run_load "D1-$keys" tessera "" "${LOAD_A[@]}" --shard-keys "$keys"
    done
done
stop_server "$PID_tessera"

# ---------------------------------------------------------------------------------------------
# M: memory per key, Tessera beside Redis: used_memory (INFO memory) and RSS (/proc/PID/statm)
# before and after SETting MEM_KEYS keys key:00000000... with 16-byte values.
# ---------------------------------------------------------------------------------------------
echo "== M: $MEM_KEYS keys key:%08d with 16-byte values"
used_memory() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'; }
rss() { echo $(( $(awk '{ print $2 }' "/proc/$1/statm") * PAGE_SIZE )); }
memory_per_key() { # server command...
    local server=$1 port pid u0 u1 r0 r1 keys
    shift
    free_port "PORT_$server"
    port=$(eval echo "\$PORT_$server")
    start_server "$server" "" "$SERVER_CPU" "$@" --port "$port" --save "" --appendonly no \
        --logfile "$WORK/$server-mem.log" --dir "$WORK"
    pid=$(eval echo "\$PID_$server")
    u0=$(used_memory "$port"); r0=$(rss "$pid")
    preload "$port" "$MEM_KEYS" --key-digits 8 --data-size 16
    u1=$(used_memory "$port"); r1=$(rss "$pid")
    keys=$(redis-cli -p "$port" dbsize)
    [ "$keys" = "$MEM_KEYS" ] || fail "$server holds $keys keys after the M preload, not $MEM_KEYS"
    [ -n "$u0" ] && [ -n "$u1" ] || fail "$server reports no used_memory in INFO memory"
    stop_server "$pid"
    echo "M $server $keys $(( u1 - u0 )) $(( r1 - r0 ))" >> "$RESULTS"
}
memory_per_key tessera "$TESSERA" --threads 1
memory_per_key redis redis-server --dir "$WORK"

# ---------------------------------------------------------------------------------------------
# The table: medians over the rounds, and the ratios; then the bars, for reading it.
# ---------------------------------------------------------------------------------------------
echo
echo "== results $(date -u '+%Y-%m-%d %H:%M UTC'): medians of $ROUNDS round(s); spread = (max-min)/min of ops/s;"
echo "   latencies in ms; cpu = server CPU us per request; srv% = server CPU time / wall time, in % of a core"
echo "   (near the quota when the server was the bottleneck); quota: $QUOTA_KIND"
awk -v throttled="$THROTTLED" '
function sort(list, a,   n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n
}
function median(list,   n, a) {
    n = sort(list, a)
    if (n == 0 || a[1] == "-") return "-"
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function spread(list,   n, a) {
    n = sort(list, a)
    return (n > 1 && a[1] > 0) ? sprintf("%.1f%%", (a[n] - a[1]) * 100 / a[1]) : "-"
}
function ops(w, s) { return ((w SUBSEP s) in OPS) ? median(OPS[w SUBSEP s]) : "" }
function ratio(w, base,   t, b, r1, r2) {
    # The rb-Pn rows: the worse of the SET and GET ratios.
    if (w ~ /^rb-P[0-9]+$/ && ops(w "-SET", base) != "" && ops(w "-GET", base) != "") {
        r1 = ops(w "-SET", "tessera") / ops(w "-SET", base)
        r2 = ops(w "-GET", "tessera") / ops(w "-GET", base)
        return (r1 < r2) ? r1 : r2
    }
    t = ops(w, "tessera"); b = ops(w, base)
    return (t != "" && b > 0) ? t / b : ""
}
function fmt(x) { return (x == "") ? "" : sprintf("%.2fx", x) }
$1 == "M" { MEM[$2] = $0; next }
{
    if (!($1 in SEEN)) { SEEN[$1] = 1; WORKLOADS[++NW] = $1 }
    k = $1 SUBSEP $2
    OPS[k] = OPS[k] " " $3; P50[k] = P50[k] " " $4; P99[k] = P99[k] " " $5
    P999[k] = P999[k] " " $6; CPU[k] = CPU[k] " " $7; BUSY[k] = BUSY[k] " " $8
}
END {
    split("tessera redis ceiling", SERVERS, " ")
    printf "%-11s %-8s %10s %7s %7s %7s %7s %7s %5s %8s %9s\n", "workload", "server", "ops/s", "spread", "p50", "p99", "p99.9", "cpu", "srv%", "/redis", "/ceiling"
    for (i = 1; i <= NW; i++) {
        w = WORKLOADS[i]
        for (j = 1; j <= 3; j++) {
            s = SERVERS[j]; k = w SUBSEP s
            if (!(k in OPS)) continue
            vr = vc = ""
            if (s == "tessera") { vr = fmt(ratio(w, "redis")); vc = fmt(ratio(w, "ceiling")) }
            if (w == "D-remote" && ops("D-local", "tessera") > 0) vr = sprintf("%.2fx local", ops("D-remote", "tessera") / ops("D-local", "tessera"))
            if (w == "D1-remote" && ops("D1-local", "tessera") > 0) vr = sprintf("%.2fx local", ops("D1-remote", "tessera") / ops("D1-local", "tessera"))
            printf "%-11s %-8s %10.0f %7s %7s %7s %7s %7s %5s %8s %9s\n", w, s, median(OPS[k]), spread(OPS[k]), median(P50[k]), median(P99[k]), median(P999[k]), median(CPU[k]), median(BUSY[k]), vr, vc
        }
    }
    if (("tessera" in MEM) && ("redis" in MEM)) {
        split(MEM["tessera"], t, " "); split(MEM["redis"], r, " ")
        tu = t[4] / t[3]; ru = r[4] / r[3]; tr = t[5] / t[3]; rr = r[5] / r[3]
        printf "M           %d keys key:%%08d, 16-byte values: used_memory/key tessera %.1f B, redis %.1f B (%.2fx); RSS/key tessera %.1f B, redis %.1f B (%.2fx)\n", t[3], tu, ru, tu / ru, tr, rr, tr / rr
        MU = tu / ru; MR = tr / rr
    }
    # The bars (informational: the script does not fail on them).
    print ""
    print "== bars (met / NOT met; informational)"
    bar("rb-P16 vs redis, worse of SET/GET", ratio("rb-P16", "redis"), ">=", 1.5)
    bar("rb-P1 vs redis, worse of SET/GET", ratio("rb-P1", "redis"), ">=", 0.95)
    bar("A vs redis", ratio("A", "redis"), ">=", 0.95)
    bar("B vs redis", ratio("B", "redis"), ">=", 1.3)
    tp = median(P99["A-free" SUBSEP "tessera"]); rp = median(P99["A-free" SUBSEP "redis"])
    bar("A-free p99 tessera/redis", (rp > 0) ? tp / rp : "", "<=", 1.0)
    bar("C vs redis", ratio("C", "redis"), ">=", 1.0)
    bar("D remote/local (load B, pipeline 16)", (ops("D-local", "tessera") > 0) ? ops("D-remote", "tessera") / ops("D-local", "tessera") : "", ">=", 0.7)
    bar("D1 remote/local (load A, no pipelining)", (ops("D1-local", "tessera") > 0) ? ops("D1-remote", "tessera") / ops("D1-local", "tessera") : "", ">=", 0.7)
    bar("M used_memory/key vs redis", MU, "<=", 0.8)
    bar("M RSS/key vs redis", MR, "<=", 1.0)
    bar("rb-P16 vs ceiling, worse of SET/GET", ratio("rb-P16", "ceiling"), ">=", 0.85)
    bar("rb-P1 vs ceiling, worse of SET/GET", ratio("rb-P1", "ceiling"), ">=", 0.85)
    if (throttled != 1) print "   (unthrottled run: the server-bound bars are not meaningful here)"
}
function bar(name, value, op, limit,   ok) {
    if (value == "") { printf "   %-38s %8s  (no data)\n", name, "-"; return }
    ok = (op == ">=") ? (value >= limit) : (value <= limit)
    printf "   %-38s %7.2fx  %s %.2fx  %s\n", name, value, op, limit, ok ? "met" : "NOT met"
}' "$RESULTS"
echo
echo "== done in $(( $(date +%s) - START ))s of rounds, D and M"
