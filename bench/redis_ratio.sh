#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# redis_ratio.sh - throughput of arenakv-server against redis-server, measured in one run.
#
# What: starts redis-server and build/arenakv-server on spare loopback ports (both with
# --save '' --appendonly no), runs redis-benchmark SET and GET with 50 clients, unpipelined
# and with -P 16, against each server in turn, ROUNDS times with the servers alternating, and
# prints a table of the median req/s of each server and the ratio arenakv/redis.
#
# Why: the issue's performance claim ("the TCP path at least matches redis-server on this
# 2-core machine") is only meaningful as a ratio measured on the same machine in the same run;
# absolute req/s on a shared VM move by tens of percent from one hour to the next.
#
# Fairness: both servers are single event-loop threads; on a machine with >= 2 CPUs each
# server is pinned to CPU 0 and redis-benchmark to CPU 1 (PIN=0 disables), so the client never
# steals the server's core. Same key space (-r), value size (-d), request count for both.
# Rounds alternate redis, arenakv, redis, ... so slow drifts of the VM hit both alike.
#
# Usage: bench/redis_ratio.sh            (env: ARENAKV_BUILD, ARENAKV_SERVER, REDIS_SERVER,
#        N=400000 NP=2000000 ROUNDS=3 CLIENTS=50 KEYSPACE=100000 DSIZE=3 PIN=1)
# Validation of the script itself: ARENAKV_SERVER=/usr/bin/redis-server gives ratios near 1.
# Invariant: every server this script starts is killed on exit (trap), by its own PID.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${ARENAKV_BUILD:-$src/build}
arenakv=${ARENAKV_SERVER:-$build/arenakv-server}
redis=${REDIS_SERVER:-/usr/bin/redis-server}
bench=${REDIS_BENCHMARK:-redis-benchmark}
N=${N:-400000}			# requests per unpipelined test
NP=${NP:-2000000}		# requests per -P 16 test
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-50}
KEYSPACE=${KEYSPACE:-100000}
DSIZE=${DSIZE:-3}
PIN=${PIN:-1}

for b in "$redis" "$arenakv"; do
	if [ ! -x "$b" ]; then
		echo "redis_ratio: $b not found or not executable (build arenakv, or set ARENAKV_BUILD)" >&2
		exit 1
	fi
done
command -v "$bench" >/dev/null || { echo "redis_ratio: redis-benchmark not found" >&2; exit 1; }

tmp=$(mktemp -d /tmp/arenakv-bench.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

srv_pin=()
cli_pin=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	srv_pin=(taskset -c 0)
	cli_pin=(taskset -c 1)
fi

# below the default ephemeral range (32768-60999), so client sockets do not take it meanwhile
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# start_server NAME BINARY -> sets port_NAME; waits for PONG; retries when the port was taken
start_server() {
	local name=$1 bin=$2 port i try pid
	mkdir -p "$tmp/$name"
	for try in 1 2 3 4 5; do
		port=$(free_port)
		"${srv_pin[@]}" "$bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
			--dir "$tmp/$name" >"$tmp/$name.log" 2>&1 &
		pid=$!
		pids+=("$pid")
		for i in $(seq 100); do
			if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then
				printf -v "port_$name" '%s' "$port"
				printf -v "pid_$name" '%s' "$pid"
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		grep -q "in use" "$tmp/$name.log" || break
	done
	echo "redis_ratio: $name ($bin) did not answer PING; log:" >&2
	tail -20 "$tmp/$name.log" >&2
	exit 1
}

# run_bench PORT PIPELINE N -> prints "SET rps" and "GET rps" lines
run_bench() {
	local port=$1 pipe=$2 n=$3
	"${cli_pin[@]}" "$bench" -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" -r "$KEYSPACE" \
		-d "$DSIZE" -P "$pipe" -t set,get --csv 2>/dev/null |
		awk -F'"' '$2 == "SET" || $2 == "GET" { print $2, $4 }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

start_server redis "$redis"
start_server arenakv "$arenakv"

echo "# redis_ratio: $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  $(lscpu 2>/dev/null |
	sed -n 's/^Model name: *//p' | head -1)  kernel $(uname -r)"
echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
echo "# redis: $($redis --version | head -1)"
echo "# arenakv: $arenakv"
echo "# clients=$CLIENTS keyspace=$KEYSPACE value=${DSIZE}B n=$N (unpipelined) n=$NP (-P 16)" \
	"rounds=$ROUNDS pinning=${srv_pin[*]:-none}/${cli_pin[*]:-none}"

for r in $(seq "$ROUNDS"); do
	for name in redis arenakv; do
		port_var=port_$name
		run_bench "${!port_var}" 1 "$N" | sed "s/^/$name P1 /" >>"$tmp/results"
		run_bench "${!port_var}" 16 "$NP" | sed "s/^/$name P16 /" >>"$tmp/results"
		if ! kill -0 "$pid_redis" 2>/dev/null || ! kill -0 "$pid_arenakv" 2>/dev/null; then
			echo "redis_ratio: a server died during the benchmark" >&2
			tail -20 "$tmp/$name.log" >&2
			exit 1
		fi
	done
	echo "# round $r done" >&2
done

printf '\n%-12s %14s %14s %8s\n' test "redis req/s" "arenakv req/s" ratio
for pipe in P1 P16; do
	for t in SET GET; do
		rr=$(awk -v p=$pipe -v t=$t '$1 == "redis" && $2 == p && $3 == t { print $4 }' "$tmp/results" | median)
		ar=$(awk -v p=$pipe -v t=$t '$1 == "arenakv" && $2 == p && $3 == t { print $4 }' "$tmp/results" | median)
		label=$t
		[ "$pipe" = P16 ] && label="$t -P 16"
		if [ -z "$rr" ] || [ -z "$ar" ]; then
			printf '%-12s %14s %14s %8s\n' "$label" "${rr:-fail}" "${ar:-fail}" "-"
		else
			printf '%-12s %14.0f %14.0f %8.2f\n' "$label" "$rr" "$ar" \
				"$(awk -v a="$ar" -v b="$rr" 'BEGIN { print a / b }')"
		fi
	done
done
echo
echo "# load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# every run (server pipeline test req/s):"
sed 's/^/#   /' "$tmp/results"
