#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# test_node_redis.sh - node-redis v4 against the real server binary.
#
# What: installs the npm package "redis" (exact version pinned in node/package.json, lock file
# node/package-lock.json) into tests/integration/node/node_modules with `npm ci`, starts
# build/arenakv-server (or redis-server when ARENAKV_TARGET=redis, to prove the test itself)
# on a free loopback port, and runs node/node_redis_test.js against it, which prints
# "N passed, N failed". Exit 0 (all passed), 1 (a failure, or the server died), 77 (skip:
# node/npm missing, or the npm registry unreachable - the reason is printed).
#
# Why: a second, independent client implementation (JS, pipelining by default, strict reply
# parsing) catches what redis-py and redis-cli tolerate.
#
# Invariants:
#  - The lock file records no download URL (node/.npmrc sets omit-lockfile-registry-resolved):
#    npm resolves each pinned version against the machine's configured registry. The script
#    checks this before installing and fails if a URL slipped into the lock file.
#  - node_modules is reinstalled only when package.json/package-lock.json changed (stamp file
#    inside node_modules); installs are serialised with flock on the node/ directory, and a
#    run holds a shared lock, so parallel ctest runs from several build dirs never see a
#    half-installed tree.
#  - The server is started here and always stopped (trap), by its pid; nothing is left running.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${ARENAKV_SRC:-$(cd "$HERE/../.." && pwd)}
BUILD=${ARENAKV_BUILD:-$SRC/build}
NODEDIR=$HERE/node
TARGET=${ARENAKV_TARGET:-arenakv}

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	echo "0 passed, 1 failed"
	exit 1
}

command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v npm >/dev/null 2>&1 || skip "npm is not installed"

# ---- dependencies ----------------------------------------------------------------------------

if grep -Eq '"resolved"|://' "$NODEDIR/package-lock.json"; then
	fail "node/package-lock.json records download URLs; regenerate it with node/.npmrc in place"
fi

stamp_want=$(cat "$NODEDIR/package.json" "$NODEDIR/package-lock.json" | sha256sum | cut -d' ' -f1)
stamp_file=$NODEDIR/node_modules/.arenakv-stamp

exec 9<"$NODEDIR"
if [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp_want" ]; then
	flock -x 9
	if [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp_want" ]; then
		# a network failure is a skip with the reason; anything else is a failure
		out=$(cd "$NODEDIR" && timeout 30 npm ping --fetch-retries=1 --fetch-timeout=15000 2>&1)
		rc=$?
		if [ "$rc" -ne 0 ]; then
			skip "npm cannot reach its registry ($(cd "$NODEDIR" && npm config get registry 2>/dev/null)):" \
				"npm ping exit $rc: $(echo "$out" | grep -v 'Unknown user config' | tail -3 | tr '\n' ' ')"
		fi
		if ! out=$(cd "$NODEDIR" && timeout 300 npm ci --no-audit --no-fund 2>&1); then
			if echo "$out" | grep -Eq 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network'; then
				skip "npm ci could not download: $(echo "$out" | grep -E 'ERR|error' | head -3 | tr '\n' ' ')"
			fi
			echo "$out" | tail -20
			fail "npm ci failed"
		fi
		echo "$stamp_want" >"$stamp_file" || fail "cannot write $stamp_file"
	fi
fi
flock -s 9	# keep the installed tree from being replaced while node runs

# ---- server ----------------------------------------------------------------------------------

if [ "$TARGET" = redis ]; then
	BIN=${REDIS_SERVER:-/usr/bin/redis-server}
	EXTRA=()
else
	BIN=$BUILD/arenakv-server
	read -r -a EXTRA <<<"${ARENAKV_SERVER_ARGS:-}"
fi
[ -x "$BIN" ] || fail "server binary $BIN not found (set ARENAKV_BUILD)"

TMP=$(mktemp -d /tmp/arenakv-node.XXXXXX) || fail "mktemp"
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID"
		for _ in $(seq 100); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ping_server() {
	# one PING over bash's /dev/tcp: "+PONG" means ready
	local reply
	{ exec 8<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
	printf 'PING\r\n' >&8
	read -r -t 2 reply <&8
	exec 8<&- 8>&-
	[[ "$reply" == +PONG* ]]
}

PORT=
for attempt in 1 2 3 4 5; do
	port=$(free_port) || fail "no free port"
	"$BIN" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP" "${EXTRA[@]}" \
		>"$TMP/server.log" 2>&1 </dev/null &
	SERVER_PID=$!
	for _ in $(seq 150); do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			break
		fi
		if ping_server "$port"; then
			PORT=$port
			break 2
		fi
		sleep 0.1
	done
	kill -KILL "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
	grep -q "in use" "$TMP/server.log" || break
done
[ -n "$PORT" ] || fail "server did not start: $(tail -20 "$TMP/server.log")"

# ---- the client test -------------------------------------------------------------------------

echo "target=$TARGET binary=$BIN port=$PORT node=$(node --version)" \
	"redis=$(cd "$NODEDIR" && node -p 'require("redis/package.json").version')"
(cd "$NODEDIR" && timeout 120 node node_redis_test.js "$PORT")
rc=$?
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
	echo "server died; log tail:"
	tail -20 "$TMP/server.log"
	echo "0 passed, 1 failed"
	exit 1
fi
[ "$rc" -eq 0 ] && exit 0
if [ "$rc" -eq 124 ]; then
	echo "FAIL: node test timed out after 120 s"
	echo "0 passed, 1 failed"
fi
exit 1
