#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# fastpath.sh - GET throughput and p50/p99 latency of every way to read a key, in one run:
#   xdpn   arenakv, UDP, answered by the XDP program in NATIVE mode on a veth pair between two
#          network namespaces created here (VETH=1, the default when root; 10.199.N.x addresses
#          exist only inside them; the client-side veth runs a trivial XDP_PASS program, which
#          veth needs to deliver XDP_TX frames)
#   xdp    arenakv, UDP, answered by the XDP program (generic mode on lo)
#   tc     arenakv, UDP, answered by the tcx ingress program on lo
#   udp    arenakv, UDP, answered by user space (fast path off)
#   tcp    arenakv, TCP, redis-benchmark
#   redis  redis-server 7, TCP, redis-benchmark
# and the ratios of each to redis-server and to the user-space UDP path, and the CPU time the
# whole machine spent per request ("cpu us/req", /proc/stat around each load run): on lo the
# XDP/tc programs run on the load generator's core while the server idles, so with one
# generator core the req/s of those rows is bounded by that core, and CPU per request is what
# tells how much work each path costs.
#
# What: for each path a fresh server (same binary, only --fastpath-mode differs) on a spare
# loopback port, loaded with KEYS keys named like redis-benchmark's -r keys (key:%012d) holding
# DSIZE-byte values, then one load generator: build/udp_load (INFLIGHT requests in flight on
# one socket, sendmmsg/recvmmsg, random keys) for the UDP paths, redis-benchmark -t get
# (CLIENTS connections, unpipelined, random keys) for the TCP paths. ROUNDS rounds, paths
# alternating within a round; the table shows the median round of each path.
#
# Why: the issue asks for the ratios measured side by side on the same machine in one run;
# absolute numbers on a shared 2-core VM drift by tens of percent from hour to hour.
#
# Reading the numbers: with PIN=1 the server is pinned to CPU 0 and the load generator to
# CPU 1. On lo, XDP (generic) and tc run in the softirq of the SENDING CPU, i.e. on the load
# generator's core: the xdp/tc rows measure "kernel answers on the client's core, server idle",
# and a socket-based generator tops out near its own syscall rate (~200k req/s here), so those
# rows are a lower bound of the fast path. The in-kernel cost per lookup is measured separately
# with BPF_PROG_TEST_RUN (see docs/PERFORMANCE.md). In-flight depth sets latency: INFLIGHT for
# UDP and CLIENTS for TCP default to the same 50 so p50/p99 compare like with like.
#
# Usage: bench/fastpath.sh   (env: ARENAKV_BUILD, REDIS_SERVER, SECS=5 ROUNDS=3 INFLIGHT=50
#        CLIENTS=50 KEYS=100000 DSIZE=32 N=300000 HOT=0 (1: every request reads one key) PIN=1
#        VETH=1 when root (0: no namespaces, no xdpn row) ISOLATE=1 (0: use the host's lo))
# Only loopback addresses and the two namespaces' own 10.199.N.x addresses are used.
# Invariant: every server this script starts is killed on exit (trap), by its own PID; XDP/tc
# programs go away with their server (SIGTERM detaches); the namespaces (and with them the veth
# pair and the peer's XDP_PASS program) are deleted by the same trap.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${ARENAKV_BUILD:-$src/build}
arenakv=$build/arenakv-server
udp_load=$build/udp_load
redis=${REDIS_SERVER:-/usr/bin/redis-server}
bench=${REDIS_BENCHMARK:-redis-benchmark}
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-3}
INFLIGHT=${INFLIGHT:-50}
CLIENTS=${CLIENTS:-50}
KEYS=${KEYS:-100000}
DSIZE=${DSIZE:-32}
N=${N:-300000}
HOT=${HOT:-0}
PIN=${PIN:-1}
VETH=${VETH:-$([ "$(id -u)" = 0 ] && echo 1 || echo 0)}

BENCH_NAME=fastpath.sh
. "$here/lib.sh"
bench_isolate "$@" # root: the rest runs in a private network namespace (lib.sh)

bench_require "$arenakv" "$udp_load" "$redis"
bench_require_cmd "$bench" redis-cli

tmp=$(mktemp -d /tmp/arenakv-fpbench.XXXXXX)
srv_pid=
ns_s=akvbS$$
ns_c=akvbC$$
veth_up=0
cleanup() {
	if [ -n "$srv_pid" ]; then
		kill -TERM "$srv_pid" 2>/dev/null || true
		wait "$srv_pid" 2>/dev/null || true
	fi
	if [ "$veth_up" = 1 ]; then
		ip netns del "$ns_s" 2>/dev/null || true
		ip netns del "$ns_c" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
bench_pin

# The data set as RESP, generated once (redis-cli --pipe loads it in well under a second).
awk -v n="$KEYS" -v d="$DSIZE" 'BEGIN {
	v = ""; for (i = 0; i < d; i++) v = v "x";
	for (i = 0; i < n; i++) {
		k = sprintf("key:%012d", i);
		printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, d, v;
	}
}' > "$tmp/load.resp"

# start NAME BINARY [ARGS...]: start, wait for PONG, load the data set; sets $port, $srv_pid
start() {
	local name=$1 bin=$2 port_var=port_$1 pid_var=pid_$1
	shift 2
	bench_start_server "$name" "$bin" 150 "$@"
	port=${!port_var}
	srv_pid=${!pid_var}
	redis-cli -p "$port" --pipe < "$tmp/load.resp" > "$tmp/$name.pipe" 2>&1 ||
		{ echo "fastpath.sh: loading $name failed: $(tail -2 "$tmp/$name.pipe")" >&2; exit 1; }
}

stop() {
	kill -TERM "$srv_pid" 2>/dev/null || true
	wait "$srv_pid" 2>/dev/null || true
	srv_pid=
	pids=() # bench_start_server's record of the same server
}

fp_field() { redis-cli -p "$port" INFO fastpath | tr -d '\r' | sed -n "s/^$1://p"; }

# CPU the whole machine spent (user + nice + system + irq + softirq, in clock ticks, all CPUs;
# not idle, iowait or steal), read around each load run: "cpu us/req" = that time / requests.
# It counts the load generator too (udp_load for the UDP rows, redis-benchmark for the TCP
# ones) and anything else running, so compare rows of one run on a quiet machine.
hz=$(getconf CLK_TCK)
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
cpu_per_req() { # busy0 busy1 requests -> us of CPU per request
	awk -v a="$1" -v b="$2" -v n="$3" -v hz="$hz" 'BEGIN { printf "%.2f", n ? (b - a) * 1e6 / hz / n : 0 }'
}

# one_udp PATH MODE -> appends "PATH rps p50_us p99_us kernel_share" to results
one_udp() {
	local path=$1 mode=$2 got out b0 b1 keyarg=(-k "$KEYS" -r)
	[ "$HOT" = 1 ] && keyarg=(-k 1)
	start "$path" "$arenakv" --fastpath-iface lo --fastpath-mode "$mode"
	got=$(fp_field fastpath_mode)
	if [ "$got" != "$mode" ]; then
		echo "# $path: fast path mode $mode unavailable ($(fp_field fastpath_off_reason))" >&2
		echo "$path - - - - -" >> "$tmp/results"
		stop
		return
	fi
	b0=$(cpu_busy)
	out=$("${cli_pin[@]}" "$udp_load" -p "$port" -c "$INFLIGHT" -t "$SECS" "${keyarg[@]}")
	b1=$(cpu_busy)
	echo "#   $path: $out" >> "$tmp/raw"
	case "$out" in *" nil=0 "*) ;; *) echo "# $path: some keys missing: $out" >&2 ;; esac
	udp_result "$path" "$out" "$b0" "$b1"
	stop
}

# udp_result PATH UDP_LOAD_OUTPUT BUSY0 BUSY1 -> one line of results
udp_result() {
	local kshare ok cpu
	kshare=$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
		END { printf "%.2f", f["ok"] ? f["kernel"] / f["ok"] : 0 }' <<< "$2")
	ok=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<< "$2")
	cpu=$(cpu_per_req "$3" "$4" "${ok:-0}")
	awk -v p="$1" -v k="$kshare" -v c="$cpu" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
		END { print p, f["rps"], f["p50_us"], f["p99_us"], k, c }' <<< "$2" >> "$tmp/results"
}

# one_tcp PATH BINARY [ARGS...] -> redis-benchmark GET
one_tcp() {
	local path=$1 bin=$2 out krange=$KEYS
	shift 2
	[ "$HOT" = 1 ] && krange=1	# -r 1: every request reads key:000000000000
	start "$path" "$bin" "$@"
	b0=$(cpu_busy)
	out=$("${cli_pin[@]}" "$bench" -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$N" \
		-r "$krange" -d "$DSIZE" -t get --csv 2>/dev/null | grep '^"GET"')
	b1=$(cpu_busy)
	echo "#   $path: $out" >> "$tmp/raw"
	# "GET","rps","avg_ms","min_ms","p50_ms","p95_ms","p99_ms","max_ms"
	awk -F'"' -v p="$path" -v c="$(cpu_per_req "$b0" "$b1" "$N")" \
		'{ printf "%s %s %.1f %.1f 0 %s\n", p, $4, $10 * 1000, $14 * 1000, c }' \
		<<< "$out" >> "$tmp/results"
	stop
}

# ---- optional veth topology for native XDP ---------------------------------------------------
vnet=10.199.$(($$ % 200 + 20))
veth_setup() {
	local if_s=akvbs$$ if_c=akvbc$$
	ip netns add "$ns_s" && veth_up=1 && ip netns add "$ns_c" &&
		ip link add "$if_s" type veth peer name "$if_c" &&
		ip link set "$if_s" netns "$ns_s" && ip link set "$if_c" netns "$ns_c" &&
		ip -n "$ns_s" link set lo up && ip -n "$ns_c" link set lo up &&
		ip -n "$ns_s" addr add "$vnet.1/24" dev "$if_s" &&
		ip -n "$ns_c" addr add "$vnet.2/24" dev "$if_c" &&
		ip -n "$ns_s" link set "$if_s" up && ip -n "$ns_c" link set "$if_c" up || return 1
	printf '%s\n' 'struct xdp_md;' \
		'__attribute__((section("xdp"), used)) int peer_pass(struct xdp_md *c) { return 2; }' \
		'char _license[] __attribute__((section("license"), used)) = "GPL";' > "$tmp/peer.bpf.c"
	"${BPF_CLANG:-clang-19}" -O2 -target bpf -c "$tmp/peer.bpf.c" -o "$tmp/peer.o" &&
		ip -n "$ns_c" link set dev "$if_c" xdp obj "$tmp/peer.o" sec xdp || return 1
	veth_srv_if=$if_s
	ip netns exec "$ns_c" ping -c 1 -W 2 "$vnet.1" > /dev/null 2>&1 || true
}

# one_veth: native XDP on the server-side veth, udp_load in the client namespace
one_veth() {
	local out got b0 b1 keyarg=(-k "$KEYS" -r) vport=16379 i
	[ "$HOT" = 1 ] && keyarg=(-k 1)
	ip netns exec "$ns_s" "${srv_pin[@]}" "$arenakv" --port $vport --bind "$vnet.1" --save '' \
		--appendonly no --dir "$tmp" --fastpath-iface "$veth_srv_if" --fastpath-mode native \
		> "$tmp/xdpn.log" 2>&1 &
	srv_pid=$!
	for i in $(seq 150); do
		[ "$(ip netns exec "$ns_c" redis-cli -h "$vnet.1" -p $vport ping 2>/dev/null)" = PONG ] && break
		sleep 0.1
	done
	ip netns exec "$ns_c" redis-cli -h "$vnet.1" -p $vport --pipe < "$tmp/load.resp" > /dev/null 2>&1
	got=$(ip netns exec "$ns_c" redis-cli -h "$vnet.1" -p $vport INFO fastpath | tr -d '\r' |
		sed -n 's/^fastpath_mode://p')
	if [ "$got" != native ]; then
		echo "# xdpn: native XDP unavailable on the veth (mode=$got): $(tail -3 "$tmp/xdpn.log")" >&2
		echo "xdpn - - - - -" >> "$tmp/results"
		stop
		return
	fi
	b0=$(cpu_busy)
	out=$(ip netns exec "$ns_c" "${cli_pin[@]}" "$udp_load" -h "$vnet.1" -p $vport \
		-c "$INFLIGHT" -t "$SECS" "${keyarg[@]}")
	b1=$(cpu_busy)
	echo "#   xdpn: $out" >> "$tmp/raw"
	udp_result xdpn "$out" "$b0" "$b1"
	stop
}

if [ "$VETH" = 1 ] && ! veth_setup 2> "$tmp/veth.err"; then
	echo "# veth topology unavailable, xdpn skipped: $(head -2 "$tmp/veth.err")" >&2
	VETH=0
fi

echo "# fastpath.sh: $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  $(lscpu 2>/dev/null |
	sed -n 's/^Model name: *//p' | head -1)  kernel $(uname -r)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg); network namespace: ${AKV_BENCH_NETNS:-host}"
echo "# keys=$KEYS value=${DSIZE}B hot=$HOT udp: inflight=$INFLIGHT ${SECS}s; tcp: clients=$CLIENTS" \
	"n=$N; rounds=$ROUNDS; pinning server=${srv_pin[*]:-none} client=${cli_pin[*]:-none}"

: > "$tmp/results"
for r in $(seq "$ROUNDS"); do
	[ "$VETH" = 1 ] && one_veth
	one_udp xdp generic
	one_udp tc tc
	one_udp udp off
	one_tcp tcp "$arenakv" --fastpath-mode off
	one_tcp redis "$redis"
	echo "# round $r done" >&2
done

median_of() {	# $1 = path, $2 = column -> median over rounds (by rps order)
	awk -v p="$1" '$1 == p && $2 != "-"' "$tmp/results" | sort -k2,2g |
		awk -v c="$2" '{ a[NR] = $c } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'
}

redis_rps=$(median_of redis 2)
udp_rps=$(median_of udp 2)
printf '\n%-6s %12s %9s %9s %8s %10s %10s %12s\n' path "GET req/s" "p50 us" "p99 us" kernel "x redis" \
	"x udp" "cpu us/req"
for p in xdpn xdp tc udp tcp redis; do
	[ "$p" = xdpn ] && [ "$VETH" != 1 ] && continue
	rps=$(median_of $p 2)
	if [ "$rps" = - ]; then
		printf '%-6s %12s\n' "$p" unavailable
		continue
	fi
	# the p50/p99/kernel of the round whose rps is the median
	read -r _ rps p50 p99 k cpu < <(awk -v p="$p" '$1 == p && $2 != "-"' "$tmp/results" |
		sort -k2,2g | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }')
	printf '%-6s %12.0f %9.1f %9.1f %8s %10.2f %10s %12s\n' "$p" "$rps" "$p50" "$p99" "$k" \
		"$(awk -v a="$rps" -v b="$redis_rps" 'BEGIN { print b ? a / b : 0 }')" \
		"$(awk -v a="$rps" -v b="$udp_rps" 'BEGIN { if (b == "-" || !b) print "-"; else printf "%.2f", a / b }')" \
		"$cpu"
done
echo
echo "# kernel = share of UDP replies flagged KERNEL (answered by XDP/tc)"
echo "# cpu us/req = CPU time of the whole machine (server, kernel, load generator) per request"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# every run:"
cat "$tmp/raw"
