# SPDX-License-Identifier: BSD-2-Clause
#
# lib.sh - server start/stop, port picking and CPU pinning shared by the benchmark scripts
# (redis_ratio.sh, zset.sh, fastpath.sh, leaderboard.sh), and their private network namespace.
# Sourced, never run: `. "$here/lib.sh"`.
#
# The caller sets before use: BENCH_NAME (prefix of error messages), tmp (its private
# scratch directory), PIN (1 = pin the server to CPU 0 and the client to CPU 1), optionally
# cli (the redis-cli to use; default redis-cli).
# Invariant: every server started through bench_start_server is recorded in pids and is
# stopped, by its own PID, by bench_stop_servers (which the callers' EXIT traps run); nothing
# here kills by name.

pids=()

# bench_isolate "$@" -> as root, with ISOLATE=1 (the default) and ip(8) present: re-run the calling
# script with the same arguments inside a private network namespace and exit with its status.
# Every arenakv-server started with the default configuration attaches XDP to the host's lo,
# which would make a benchmark's own attach fail or sit in front of its TCP runs; the private
# namespace's lo is the script's alone, and goes away with it. Returns at once inside that
# namespace (AKV_BENCH_NETNS names it) or when isolation is off or unavailable.
bench_isolate() {
	local ns=akvbench$$ rc=0
	[ "${ISOLATE:-1}" = 1 ] && [ -z "${AKV_BENCH_NETNS:-}" ] && [ "$(id -u)" = 0 ] &&
		command -v ip >/dev/null || return 0
	ip netns add "$ns" 2>/dev/null || return 0
	trap "ip netns del $ns 2>/dev/null" EXIT
	trap 'exit 130' INT TERM
	ip -n "$ns" link set lo up
	ip netns exec "$ns" env AKV_BENCH_NETNS="$ns" bash "$0" "$@" || rc=$?
	exit $rc
}

# bench_require BINARY... -> exits 1 unless every BINARY is an executable file
bench_require() {
	local b
	for b in "$@"; do
		if [ ! -x "$b" ]; then
			echo "$BENCH_NAME: $b not found or not executable (build arenakv, or set ARENAKV_BUILD)" >&2
			exit 1
		fi
	done
}

# bench_require_cmd COMMAND... -> exits 1 unless every COMMAND is on PATH
bench_require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "$BENCH_NAME: $c not found" >&2; exit 1; }
	done
}

# bench_pin -> sets the arrays srv_pin and cli_pin (empty unless PIN=1, taskset and >= 2 CPUs),
# so the load generator never steals the server's core
bench_pin() {
	srv_pin=()
	cli_pin=()
	if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
		srv_pin=(taskset -c 0)
		cli_pin=(taskset -c 1)
	fi
}

# bench_free_port -> a loopback port nobody answers on, below the default ephemeral range
# (32768-60999) so that client sockets do not take it meanwhile
bench_free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# bench_start_server NAME BINARY WAIT [ARGS...] -> starts BINARY (pinned, no persistence, its
# own directory $tmp/NAME, log $tmp/NAME.log) on a free port and waits up to WAIT tenths of a
# second for PONG; sets port_NAME and pid_NAME. Retries on another port when the port was
# taken meanwhile; exits 1 with the log's tail when the server does not answer.
bench_start_server() {
	local name=$1 bin=$2 wait=$3 port i try pid
	shift 3
	mkdir -p "$tmp/$name"
	for try in 1 2 3 4 5; do
		port=$(bench_free_port)
		"${srv_pin[@]}" "$bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
			--dir "$tmp/$name" "$@" >"$tmp/$name.log" 2>&1 &
		pid=$!
		pids+=("$pid")
		for i in $(seq "$wait"); do
			if [ "$("${cli:-redis-cli}" -p "$port" ping 2>/dev/null)" = PONG ]; then
				printf -v "port_$name" '%s' "$port"
				printf -v "pid_$name" '%s' "$pid"
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		grep -q "in use" "$tmp/$name.log" || break
	done
	echo "$BENCH_NAME: $name ($bin) did not answer PING; log:" >&2
	tail -20 "$tmp/$name.log" >&2
	exit 1
}

# bench_stop_servers -> SIGTERM every server bench_start_server started, wait for each
bench_stop_servers() {
	local p
	for p in ${pids[@]+"${pids[@]}"}; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in ${pids[@]+"${pids[@]}"}; do
		wait "$p" 2>/dev/null || true
	done
	pids=()
}
