#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# zset.sh - sorted-set throughput of arenakv-server against redis-server, in one run.
#
# What: starts redis-server and build/arenakv-server on spare loopback ports, fills one sorted
# set (bench:z, MEMBERS members "member:%012d" with score = index, the same on both) and then
# runs redis-benchmark with custom commands against each server in turn:
#   ZADD     ZADD bench:z <rand> member:<rand>      (update or insert, keyspace MEMBERS)
#   ZSCORE   ZSCORE bench:z member:<rand>
#   ZRANK    ZRANK bench:z member:<rand>
#   TOP10    ZREVRANGE bench:z 0 9 WITHSCORES       (a leaderboard's top 10)
#   BYSCORE  ZRANGEBYSCORE bench:z <rand> +inf LIMIT 0 10
# ROUNDS times with the order of the servers alternating, and prints the median req/s per
# server and the median of the per-round ratios arenakv/redis (> 1 = arenakv faster).
#
# Why: the issue asks for ZADD / ZRANGE / ZSCORE throughput as a ratio measured on the same
# machine in the same run; absolute numbers on a shared 2-core VM drift from hour to hour.
# Fairness: with >= 2 CPUs each server is pinned to CPU 0 and the benchmark to CPU 1 (PIN=0
# disables). Both servers get the same commands, clients, request counts and data.
#
# Usage: bench/zset.sh   (env: ARENAKV_BUILD, ARENAKV_SERVER, REDIS_SERVER, N=100000
#        ROUNDS=3 CLIENTS=50 MEMBERS=100000 PIPE=1 PIN=1, ARENAKV_ARGS="..." extra arguments for
#        arenakv-server only, e.g. "--fastpath-mode off")
# Self-check: ARENAKV_SERVER=/usr/bin/redis-server must give ratios near 1.
# Invariant: every server started here is stopped on exit (trap), by its own PID.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${ARENAKV_BUILD:-$src/build}
arenakv=${ARENAKV_SERVER:-$build/arenakv-server}
redis=${REDIS_SERVER:-/usr/bin/redis-server}
bench=${REDIS_BENCHMARK:-redis-benchmark}
cli=${REDIS_CLI:-redis-cli}
N=${N:-100000}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-50}
MEMBERS=${MEMBERS:-100000}
PIPE=${PIPE:-1}
PIN=${PIN:-1}
read -r -a akv_args <<<"${ARENAKV_ARGS:-}"

BENCH_NAME=zset.sh
. "$here/lib.sh"

bench_require "$redis" "$arenakv"
bench_require_cmd "$bench" "$cli"

tmp=$(mktemp -d /tmp/arenakv-zbench.XXXXXX)
cleanup() {
	bench_stop_servers
	rm -rf "$tmp"
}
trap cleanup EXIT
bench_pin

# fill NAME: the same MEMBERS members on both servers, 1000 per ZADD, through --pipe
fill() {
	local port_var=port_$1
	awk -v n="$MEMBERS" 'BEGIN {
		for (i = 0; i < n; i += 1000) {
			line = "ZADD bench:z"
			for (j = i; j < i + 1000 && j < n; j++)
				line = line sprintf(" %d member:%012d", j, j)
			print line
		}
	}' | "$cli" -p "${!port_var}" --pipe >/dev/null
	local card
	card=$("$cli" -p "${!port_var}" zcard bench:z)
	if [ "$card" != "$MEMBERS" ]; then
		echo "zset.sh: $1 holds $card members after the fill, expected $MEMBERS" >&2
		exit 1
	fi
}

# run_bench NAME TEST -> req/s of one redis-benchmark run of TEST's command
run_bench() {
	local name=$1 t=$2 port_var=port_$1
	local -a cmd
	case $t in
	ZADD) cmd=(ZADD bench:z __rand_int__ member:__rand_int__) ;;
	ZSCORE) cmd=(ZSCORE bench:z member:__rand_int__) ;;
	ZRANK) cmd=(ZRANK bench:z member:__rand_int__) ;;
	TOP10) cmd=(ZREVRANGE bench:z 0 9 WITHSCORES) ;;
	BYSCORE) cmd=(ZRANGEBYSCORE bench:z __rand_int__ +inf LIMIT 0 10) ;;
	esac
	"${cli_pin[@]}" "$bench" -h 127.0.0.1 -p "${!port_var}" -c "$CLIENTS" -n "$N" \
		-r "$MEMBERS" -P "$PIPE" --csv "${cmd[@]}" 2>/dev/null |
		awk -F'"' 'NR == 2 { print $4 }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# up to 60 s for PING: loading the BPF fast path can take a while
bench_start_server redis "$redis" 600
bench_start_server arenakv "$arenakv" 600 ${akv_args[@]+"${akv_args[@]}"}
fill redis
fill arenakv

tests="ZADD ZSCORE ZRANK TOP10 BYSCORE"
echo "# zset.sh: $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  kernel $(uname -r)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# redis: $($redis --version | head -1)"
echo "# arenakv: $arenakv ${ARENAKV_ARGS:-}"
echo "# clients=$CLIENTS members=$MEMBERS n=$N pipeline=$PIPE rounds=$ROUNDS" \
	"pinning=${srv_pin[*]:-none}/${cli_pin[*]:-none}"

for r in $(seq "$ROUNDS"); do
	order="redis arenakv"
	[ $((r % 2)) = 0 ] && order="arenakv redis"
	for name in $order; do
		for t in $tests; do
			echo "$name $t $(run_bench "$name" "$t") $r" >>"$tmp/results"
		done
		if ! kill -0 "$pid_redis" 2>/dev/null || ! kill -0 "$pid_arenakv" 2>/dev/null; then
			echo "zset.sh: a server died during the benchmark" >&2
			tail -20 "$tmp/$name.log" >&2
			exit 1
		fi
	done
	echo "# round $r done" >&2
done

# results: name test req/s round
col() { awk -v s="$1" -v t="$2" '$1 == s && $2 == t { print $3 }' "$tmp/results" | median; }
pair() { awk -v t="$1" '$2 == t { v[$1, $4] = $3; n = $4 }
	END { for (i = 1; i <= n; i++) if (v["redis", i] > 0 && v["arenakv", i] != "")
		print v["arenakv", i] / v["redis", i] }' "$tmp/results" | median; }

printf '\n%-8s %13s %13s %7s\n' test "redis req/s" "arenakv req/s" "ratio*"
for t in $tests; do
	printf '%-8s %13.0f %13.0f %7.2f\n' "$t" "$(col redis "$t")" "$(col arenakv "$t")" \
		"$(pair "$t")"
done
echo "* median over the rounds of arenakv/redis within one round (> 1 = arenakv faster)"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# every run (server test req/s round):"
sed 's/^/#   /' "$tmp/results"
