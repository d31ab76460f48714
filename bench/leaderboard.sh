#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# leaderboard.sh - the leaderboard query rate, `ZREVRANGE lb 0 9 WITHSCORES` (QUERY=top, the
# default) or a player's place, `ZREVRANK lb player:500` (QUERY=rank: the rank walk of
# bpf/fp_zset.h), through every path in one run:
#   xdp    arenakv, UDP, answered by the XDP program (generic mode on lo)
#   tc     arenakv, UDP, answered by the tcx ingress program on lo
#   udp    arenakv, UDP, answered by user space (--fastpath-mode off)
#   tcp    arenakv, TCP, redis-benchmark
#   redis  redis-server 7, TCP, redis-benchmark
# with the ratios of each to redis-server and to the user-space UDP path.
#
# What: for each path a fresh server on a spare loopback port, loaded with one sorted set `lb` of
# MEMBERS members (player:<i>, integer scores, so the kernel can print them), then one load
# generator for SECS seconds: for UDP a small C client built here from the heredoc below
# (bench/udp_load only sends `<CMD> key:<n>`, it cannot send a ZREVRANGE with arguments): one
# socket, INFLIGHT requests in flight, every reply refills its slot at once; for TCP
# redis-benchmark with CLIENTS connections, unpipelined. ROUNDS rounds, paths alternating; the
# table shows the median round of each path.
#
# Why: issue 4 asks for the fast-path leaderboard rate, side by side with user space and Redis
# on the same machine in the same run (absolute numbers on a shared 2-core VM drift).
#
# Reading: on lo, generic XDP and tcx run in the softirq of the SENDING CPU (the client's), so
# the xdp/tc rows are "kernel answers on the client's core, server idle"; the client's own
# syscalls bound them. The `kernel` column is the share of replies flagged KERNEL: a row whose
# share is low did not measure the fast path.
#
# Usage: bench/leaderboard.sh   (env: ARENAKV_BUILD, REDIS_SERVER, SECS=3 ROUNDS=3 INFLIGHT=32
#        CLIENTS=32 MEMBERS=1000 N=200000 PIN=1 QUERY=top|rank ISOLATE=1 (root: run in a
#        private netns))
# Loopback only. Invariant: every server started here is stopped by its own PID (trap on exit);
# XDP/tcx programs go with their server; the private namespace is deleted by the same trap.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${ARENAKV_BUILD:-$src/build}
arenakv=$build/arenakv-server
redis=${REDIS_SERVER:-/usr/bin/redis-server}
bench=${REDIS_BENCHMARK:-redis-benchmark}
SECS=${SECS:-3}
ROUNDS=${ROUNDS:-3}
INFLIGHT=${INFLIGHT:-32}
CLIENTS=${CLIENTS:-32}
MEMBERS=${MEMBERS:-1000}
N=${N:-200000}
PIN=${PIN:-1}
QUERY=${QUERY:-top}
case "$QUERY" in
top) query=(ZREVRANGE lb 0 9 WITHSCORES) ;;
rank) query=(ZREVRANK lb player:500) ;; # no WITHSCORE: redis-server 7.0 lacks it
*) echo "leaderboard.sh: QUERY must be top or rank" >&2; exit 1 ;;
esac

BENCH_NAME=leaderboard.sh
. "$here/lib.sh"
bench_isolate "$@" # root: the rest runs in a private network namespace (lib.sh)
bench_require "$arenakv" "$redis"
bench_require_cmd "$bench" redis-cli "${CC:-cc}"

tmp=$(mktemp -d /tmp/arenakv-lbbench.XXXXXX)
srv_pid=
cleanup() {
	bench_stop_servers
	rm -rf "$tmp"
}
trap cleanup EXIT
bench_pin

# The UDP client. Frame: magic 0xAE4B, version 1, flags 0, request id, token 0 (docs/PROTOCOL.md).
# Output: "ok= kernel= lost= errors= secs= rps=". A request unanswered for 200 ms is counted lost
# and its slot reissued; a reply whose id is not outstanding (late) is ignored.
cat > "$tmp/lb_udp.c" << 'EOF'
#include <arpa/inet.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const char top[] = "*5\r\n$9\r\nZREVRANGE\r\n$2\r\nlb\r\n$1\r\n0\r\n$1\r\n9\r\n"
				  "$10\r\nWITHSCORES\r\n";
	static const char rank[] = "*3\r\n$8\r\nZREVRANK\r\n$2\r\nlb\r\n$10\r\nplayer:500\r\n";
	int is_rank = argc > 4 && !strcmp(argv[4], "rank");
	const char *cmd = is_rank ? rank : top;
	size_t cmdlen = is_rank ? sizeof(rank) - 1 : sizeof(top) - 1;
	int port = atoi(argv[1]), inflight = atoi(argv[2]), i, fd;
	double secs = atof(argv[3]), t0, end, *sent;
	unsigned char req[128], rep[2048];
	uint32_t id;
	uint64_t ok = 0, kernel = 0, lost = 0, errors = 0;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	sent = calloc(inflight, sizeof(*sent));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (!sent || fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return perror("socket"), 1;
	memset(req, 0, 16);
	req[0] = 0xAE, req[1] = 0x4B, req[2] = 1;
	memcpy(req + 16, cmd, cmdlen);
	t0 = now();
	end = t0 + secs;
	for (i = 0; i < inflight; i++) {
		id = htonl(i);
		memcpy(req + 4, &id, 4);
		sent[i] = now();
		if (send(fd, req, 16 + cmdlen, 0) < 0)
			return perror("send"), 1;
	}
	while (now() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 50) <= 0) {
			double t = now();

			for (i = 0; i < inflight; i++)
				if (t - sent[i] > 0.2) {	/* lost: reissue */
					lost++;
					id = htonl(i);
					memcpy(req + 4, &id, 4);
					sent[i] = t;
					send(fd, req, 16 + cmdlen, 0);
				}
			continue;
		}
		n = recv(fd, rep, sizeof(rep), 0);
		if (n < 16)
			continue;
		memcpy(&id, rep + 4, 4);
		i = ntohl(id);
		if (i < 0 || i >= inflight)
			continue;
		ok++;
		kernel += !!(rep[3] & 0x02);
		errors += n > 16 && rep[16] != (is_rank ? ':' : '*');
		memcpy(req + 4, &id, 4);
		sent[i] = now();
		send(fd, req, 16 + cmdlen, 0);
	}
	t0 = now() - t0;
	printf("ok=%llu kernel=%llu lost=%llu errors=%llu secs=%.2f rps=%.0f\n",
	       (unsigned long long)ok, (unsigned long long)kernel, (unsigned long long)lost,
	       (unsigned long long)errors, t0, ok / t0);
	return 0;
}
EOF
"${CC:-cc}" -O2 -o "$tmp/lb_udp" "$tmp/lb_udp.c"

# The leaderboard as RESP: ZADD lb <score> player:<i> ..., 100 members per command.
awk -v n="$MEMBERS" 'BEGIN {
	for (i = 0; i < n; i += 100) {
		m = (n - i < 100) ? n - i : 100;
		printf "*%d\r\n$4\r\nZADD\r\n$2\r\nlb\r\n", 2 + 2 * m;
		for (j = i; j < i + m; j++) {
			s = sprintf("%d", (j * 7919) % 1000003); p = sprintf("player:%d", j);
			printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(s), s, length(p), p;
		}
	}
}' > "$tmp/load.resp"

# start NAME BINARY [ARGS...]: start, wait for PONG, load the leaderboard; sets $port, $srv_pid
start() {
	local name=$1 bin=$2 port_var=port_$1 pid_var=pid_$1
	shift 2
	bench_start_server "$name" "$bin" 150 "$@"
	port=${!port_var}
	srv_pid=${!pid_var}
	redis-cli -p "$port" --pipe < "$tmp/load.resp" > "$tmp/$name.pipe" 2>&1 ||
		{ echo "leaderboard.sh: loading $name failed" >&2; exit 1; }
	[ "$(redis-cli -p "$port" zcard lb)" = "$MEMBERS" ] ||
		{ echo "leaderboard.sh: $name: lb not loaded" >&2; exit 1; }
}

stop() {
	bench_stop_servers
	srv_pid=
}

fp_field() { redis-cli -p "$port" INFO fastpath | tr -d '\r' | sed -n "s/^$1://p"; }

one_udp() {	# PATH MODE -> "PATH rps kernel_share" in results
	local path=$1 mode=$2 out got
	start "$path" "$arenakv" --fastpath-iface lo --fastpath-mode "$mode"
	got=$(fp_field fastpath_mode)
	if [ "$got" != "$mode" ]; then
		echo "# $path: fast path mode $mode unavailable ($(fp_field fastpath_off_reason))" >&2
		echo "$path - -" >> "$tmp/results"
		stop
		return
	fi
	out=$("${cli_pin[@]}" "$tmp/lb_udp" "$port" "$INFLIGHT" "$SECS" "$QUERY")
	echo "#   $path: $out" >> "$tmp/raw"
	awk -v p="$path" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
		END { if (f["errors"] + 0) print "# " p ": error replies" > "/dev/stderr";
		      printf "%s %s %.2f\n", p, f["rps"], f["ok"] ? f["kernel"] / f["ok"] : 0 }' \
		<<< "$out" >> "$tmp/results"
	stop
}

one_tcp() {	# PATH BINARY [ARGS...]
	local path=$1 bin=$2 out
	shift 2
	start "$path" "$bin" "$@"
	out=$("${cli_pin[@]}" "$bench" -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$N" --csv \
		"${query[@]}" 2> /dev/null | tail -1)
	echo "#   $path: $out" >> "$tmp/raw"
	awk -F'"' -v p="$path" '{ printf "%s %s 0\n", p, $4 }' <<< "$out" >> "$tmp/results"
	stop
}

echo "# leaderboard.sh: $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  kernel $(uname -r)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg); netns: ${AKV_BENCH_NETNS:-host}"
echo "# ${query[*]}, lb = $MEMBERS members; udp: inflight=$INFLIGHT ${SECS}s;" \
	"tcp: clients=$CLIENTS n=$N; rounds=$ROUNDS; pin server=${srv_pin[*]:-none}" \
	"client=${cli_pin[*]:-none}"

: > "$tmp/results"
for r in $(seq "$ROUNDS"); do
	one_udp xdp generic
	one_udp tc tc
	one_udp udp off
	one_tcp tcp "$arenakv" --fastpath-mode off
	one_tcp redis "$redis"
	echo "# round $r done" >&2
done

median_of() {	# PATH COLUMN -> the median round's column (by rps)
	awk -v p="$1" '$1 == p && $2 != "-"' "$tmp/results" | sort -k2,2g |
		awk -v c="$2" '{ a[NR] = $c } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'
}

redis_rps=$(median_of redis 2)
udp_rps=$(median_of udp 2)
printf '\n%-6s %12s %8s %9s %9s\n' path "req/s" kernel "x redis" "x udp"
for p in xdp tc udp tcp redis; do
	rps=$(median_of $p 2)
	if [ "$rps" = - ]; then
		printf '%-6s %12s\n' "$p" unavailable
		continue
	fi
	printf '%-6s %12.0f %8s %9s %9s\n' "$p" "$rps" "$(median_of $p 3)" \
		"$(awk -v a="$rps" -v b="$redis_rps" 'BEGIN { if (b == "-" || !b) print "-"; else printf "%.2f", a / b }')" \
		"$(awk -v a="$rps" -v b="$udp_rps" 'BEGIN { if (b == "-" || !b) print "-"; else printf "%.2f", a / b }')"
done
echo
echo "# kernel = share of UDP replies flagged KERNEL (answered by XDP/tc)"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# every run:"
cat "$tmp/raw"
