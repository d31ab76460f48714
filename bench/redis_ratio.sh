#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# redis_ratio.sh - throughput of arenakv-server against redis-server, measured in one run.
#
# What: starts redis-server and build/arenakv-server on spare loopback ports (both with
# --save '' --appendonly no), runs redis-benchmark SET and GET with 50 clients, unpipelined
# and with -P 16, against each server in turn, ROUNDS times with the servers alternating, and
# prints a table of the median req/s of each server and the ratio arenakv/redis, plus the
# server's own CPU time (user + system, /proc/PID/stat) per request and that ratio.
#
# Why: the issue's performance claim ("the TCP path at least matches redis-server on this
# 2-core machine") is only meaningful as a ratio measured on the same machine in the same run;
# absolute req/s on a shared VM move by tens of percent from one hour to the next.
#
# Fairness: both servers are single event-loop threads; on a machine with >= 2 CPUs each
# server is pinned to CPU 0 and redis-benchmark to CPU 1 (PIN=0 disables), so the client never
# steals the server's core. Same key space (-r), value size (-d), request count for both.
# Each round runs both servers back to back, the first one alternating from round to round,
# so slow drifts of the VM's load hit both alike; the table also gives the median of the
# per-round ratios.
#
# Usage: bench/redis_ratio.sh            (env: ARENAKV_BUILD, ARENAKV_SERVER, REDIS_SERVER,
#        N=200000 NP=1000000 ROUNDS=5 CLIENTS=50 KEYSPACE=100000 DSIZE=3 PIN=1)
# Validation of the script itself: ARENAKV_SERVER=/usr/bin/redis-server gives ratios near 1.
# Invariant: every server this script starts is killed on exit (trap), by its own PID.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${ARENAKV_BUILD:-$src/build}
arenakv=${ARENAKV_SERVER:-$build/arenakv-server}
redis=${REDIS_SERVER:-/usr/bin/redis-server}
bench=${REDIS_BENCHMARK:-redis-benchmark}
N=${N:-200000}			# requests per unpipelined test
NP=${NP:-1000000}		# requests per -P 16 test
ROUNDS=${ROUNDS:-5}
CLIENTS=${CLIENTS:-50}
KEYSPACE=${KEYSPACE:-100000}
DSIZE=${DSIZE:-3}
PIN=${PIN:-1}

BENCH_NAME=redis_ratio
. "$here/lib.sh"

bench_require "$redis" "$arenakv"
bench_require_cmd "$bench" redis-cli

tmp=$(mktemp -d /tmp/arenakv-bench.XXXXXX)
cleanup() {
	bench_stop_servers
	rm -rf "$tmp"
}
trap cleanup EXIT
bench_pin

# cpu_ticks PID -> utime + stime of the whole process (all threads, io_uring workers included)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
clk_tck=$(getconf CLK_TCK)

# run_bench NAME PIPELINE N TEST -> prints "req/s cpu-us-per-request": the benchmark's figure
# and the server's CPU time (user + system) spent during the run divided by the requests
run_bench() {
	local name=$1 pipe=$2 n=$3 t=$4 port_var=port_$1 pid_var=pid_$1 c0 c1 rps
	c0=$(cpu_ticks "${!pid_var}")
	rps=$("${cli_pin[@]}" "$bench" -h 127.0.0.1 -p "${!port_var}" -c "$CLIENTS" -n "$n" \
		-r "$KEYSPACE" -d "$DSIZE" -P "$pipe" -t "$t" --csv 2>/dev/null |
		awk -F'"' -v t="$t" 'toupper($2) == toupper(t) { print $4 }')
	c1=$(cpu_ticks "${!pid_var}")
	echo "${rps:-0} $(awk -v d=$((c1 - c0)) -v hz="$clk_tck" -v n="$n" 'BEGIN { printf "%.3f", d * 1e6 / hz / n }')"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

bench_start_server redis "$redis" 100
bench_start_server arenakv "$arenakv" 100

echo "# redis_ratio: $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  $(lscpu 2>/dev/null |
	sed -n 's/^Model name: *//p' | head -1)  kernel $(uname -r)"
echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
echo "# redis: $($redis --version | head -1)"
echo "# arenakv: $arenakv"
echo "# clients=$CLIENTS keyspace=$KEYSPACE value=${DSIZE}B n=$N (unpipelined) n=$NP (-P 16)" \
	"rounds=$ROUNDS pinning=${srv_pin[*]:-none}/${cli_pin[*]:-none}"

for r in $(seq "$ROUNDS"); do
	order="redis arenakv"
	[ $((r % 2)) = 0 ] && order="arenakv redis"	# who goes first alternates too
	for name in $order; do
		for t in SET GET; do
			echo "$name P1 $t $(run_bench "$name" 1 "$N" "$t") $r" >>"$tmp/results"
			echo "$name P16 $t $(run_bench "$name" 16 "$NP" "$t") $r" >>"$tmp/results"
		done
		if ! kill -0 "$pid_redis" 2>/dev/null || ! kill -0 "$pid_arenakv" 2>/dev/null; then
			echo "redis_ratio: a server died during the benchmark" >&2
			tail -20 "$tmp/$name.log" >&2
			exit 1
		fi
	done
	echo "# round $r done" >&2
done

# results: name pipe test req/s cpu-us-per-request round
# col FIELD NAME PIPE TEST -> median of FIELD over the rounds
col() { awk -v f="$1" -v s="$2" -v p="$3" -v t="$4" '$1 == s && $2 == p && $3 == t { print $f }' \
	"$tmp/results" | median; }
# pair FIELD PIPE TEST -> median over the rounds of arenakv/redis for FIELD within one round
pair() { awk -v f="$1" -v p="$2" -v t="$3" '$2 == p && $3 == t { v[$1, $6] = $f; n = $6 }
	END { for (i = 1; i <= n; i++) if (v["redis", i] > 0 && v["arenakv", i] != "")
		print v["arenakv", i] / v["redis", i] }' "$tmp/results" | median; }

# Throughput: median req/s of each server and the median of the per-round ratios (each round
# runs both back to back, so a pair shares the machine's load). Server CPU: user + system time
# of the server process per request; it barely depends on how busy the rest of the machine is,
# so on a shared VM it is the steadier comparison. ratio > 1 = arenakv faster; CPU ratio < 1 =
# arenakv cheaper per request.
printf '\n%-10s %12s %12s %7s   %11s %11s %9s\n' test "redis req/s" "arenakv req/s" "ratio*" \
	"redis us/req" "akv us/req" "CPU ratio"
for pipe in P1 P16; do
	for t in SET GET; do
		label=$t
		[ "$pipe" = P16 ] && label="$t -P16"
		printf '%-10s %12.0f %12.0f %7.2f   %11.2f %11.2f %9.2f\n' "$label" \
			"$(col 4 redis $pipe $t)" "$(col 4 arenakv $pipe $t)" "$(pair 4 $pipe $t)" \
			"$(col 5 redis $pipe $t)" "$(col 5 arenakv $pipe $t)" "$(pair 5 $pipe $t)"
	done
done
echo "* ratio and CPU ratio: median over the rounds of arenakv/redis within a round, not the"
echo "  ratio of the two medians; us/req: server CPU (user+system) microseconds per request"
echo
echo "# load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# every run (server pipeline test req/s server-cpu-us-per-request round):"
sed 's/^/#   /' "$tmp/results"
