#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# kernel.sh - the in-kernel measurements of issue 3 in one run, printed as one table:
#   1. ns per lookup inside the kernel (BPF_PROG_TEST_RUN, repeat): the arena table read with
#      htab_read_at() (the fast path's reader) versus a BPF_MAP_TYPE_HASH of the same keys and
#      values, hot key and random keys                                 (build/kernel_lookup)
#   2. ns per lookup from user space: the arena through its mmap (htab_read, htab_find) versus
#      bpf_map_lookup_elem() syscalls on that hash map                  (build/kernel_lookup)
#   3. the XDP fast path's rate on one core: real fp_xdp on the real arena, GET frames injected
#      with BPF_F_TEST_XDP_LIVE_FRAMES on a veth in a private network namespace, XDP_TX replies
#      counted at the peer                                              (build/live_frames)
# How each is measured, and why so: the top comments of bench/kernel_lookup.c,
# bench/live_frames.c and bpf/kbench.bpf.c; figures in docs/PERFORMANCE.md "In-kernel lookups".
#
# Usage: bench/kernel.sh   (root; env: ARENAKV_BUILD (default ./build), KEYS=100000 CPU=1
#        ROUNDS=5 (kernel/user rounds) LIVE_ROUNDS=3 FRAMES=2000000 (per live run) PEER_PASS=0)
# The header line gives date, kernel, CPU model and the load average before and after: other
# work on the machine moves every figure, so compare rows of one run, and rerun when quiet.
# Invariant: leaves nothing behind. Both programs run in the foreground; live_frames' veth pair,
# namespace and XDP attachment live in a namespace private to that process and vanish with it.
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
build=${ARENAKV_BUILD:-$src/build}
KEYS=${KEYS:-100000}
CPU=${CPU:-1}
ROUNDS=${ROUNDS:-5}
LIVE_ROUNDS=${LIVE_ROUNDS:-3}
FRAMES=${FRAMES:-2000000}
PEER_PASS=${PEER_PASS:-0}

for b in kernel_lookup live_frames; do
	if [ ! -x "$build/$b" ]; then
		echo "kernel.sh: $build/$b missing: cmake --build $build --target $b" >&2
		exit 1
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "kernel.sh: needs root (BPF arena, network namespace, XDP)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

load0=$(load)
peer=
[ "$PEER_PASS" = 1 ] && peer=-p
"$build/kernel_lookup" -k "$KEYS" -c "$CPU" -R "$ROUNDS" >"$tmp/kl" 2>"$tmp/kl.err"
rc1=$?
"$build/live_frames" -k "$KEYS" -c "$CPU" -R "$LIVE_ROUNDS" -n "$FRAMES" $peer \
	>"$tmp/lf" 2>"$tmp/lf.err"
rc2=$?
load1=$(load)

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs," \
	"$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), load $load0 before, $load1 after"
echo "# $KEYS keys of 16 B, 32 B values; pinned to CPU $CPU; medians of $ROUNDS (lookups)" \
	"/ $LIVE_ROUNDS (live) rounds"
if [ $rc1 != 0 ]; then
	echo "kernel_lookup failed (rc $rc1):"; cat "$tmp/kl" "$tmp/kl.err"
else
	echo
	echo "| lookup, ns per lookup (median)          | hot key | $KEYS random |"
	echo "|------------------------------------------|--------:|------------:|"
	awk '
	$1 == "kernel" { v[$2 "," $3] = $4; n[$2 "," $3] = ($5 == "net") ? $6 : "" }
	$1 == "user"   { v["u" $2 "," $3] = $4 }
	function cell(k, net) { return net && n[k] != "" ? sprintf("%s (net %s)", v[k], n[k]) : v[k] }
	END {
		printf "| kernel: loop overhead (no lookup)        | %7s | %11s |\n", v["base,hot"], v["base,random"]
		printf "| kernel: arena htab_read_at (net)         | %s | %s |\n", cell("arena,hot", 1), cell("arena,random", 1)
		printf "| kernel: BPF hash map lookup (net)        | %s | %s |\n", cell("hash,hot", 1), cell("hash,random", 1)
		printf "| user: arena mmap, htab_read              | %7s | %11s |\n", v["uhtab_read,hot"], v["uhtab_read,random"]
		printf "| user: arena mmap, htab_find              | %7s | %11s |\n", v["uhtab_find,hot"], v["uhtab_find,random"]
		printf "| user: bpf_map_lookup_elem syscall        | %7s | %11s |\n", v["usyscall,hot"], v["usyscall,random"]
	}' "$tmp/kl"
fi
if [ $rc2 = 77 ]; then
	echo; echo "live frames skipped: $(grep skip "$tmp/lf")"
elif [ $rc2 != 0 ]; then
	echo; echo "live_frames failed (rc $rc2):"; cat "$tmp/lf" "$tmp/lf.err"
else
	echo
	echo "| XDP on one core, live frames, Mpps        | hot: wall | kernel | random: wall | kernel | prog ns hot/random | answered (random) |"
	echo "|-------------------------------------------|----------:|-------:|-------------:|-------:|-------------------:|------------------:|"
	awk '
	$1 == "live" { m[$2 "," $3] = $5; k[$2 "," $3] = $11; h[$2 "," $3] = $13; p[$2 "," $3] = $19; note[$2 "," $3] = $20 }
	function r(name) { return sprintf("%9s | %6s | %12s | %6s | %18s", m[name ",hot"], k[name ",hot"], m[name ",random"], k[name ",random"], p[name ",hot"] " / " p[name ",random"]) }
	END {
		printf "| driver alone (rewrite frame, XDP_DROP)    | %s | %17s |\n", r("driver-only"), "-"
		printf "| driver + MAC swap + XDP_TX (no fast path) | %s | %17s |\n", r("tx-only"), "-"
		printf "| fast path: driver + fp_xdp + XDP_TX       | %s | %17s |\n", r("fastpath"), h["fastpath,random"] " " note["fastpath,random"]
		printf "| fp_xdp injected directly (see notes)      | %9s | %6s | %12s | %6s | %18s | %17s |\n", "-", "-", "-", "-", "-", h["fp_xdp-direct,hot"] " (hot)"
	}' "$tmp/lf"
	echo "(wall = frames / wall time of the test_run call; kernel = 1000 / the kernel's mean ns per frame,"
	echo " which leaves out time the test_run thread was descheduled by other work; prog ns = the injected"
	echo " program's own run time per frame from the kernel's BPF stats, driver + fp_xdp, no transmit path)"
	grep '^#   ' "$tmp/lf" | uniq
fi
echo
echo "# raw output"
sed 's/^/#   /' "$tmp/kl" "$tmp/lf" | grep -v 'BPF arena ready'
[ $rc1 = 0 ] && { [ $rc2 = 0 ] || [ $rc2 = 77 ]; }
