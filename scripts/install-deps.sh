#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Install everything arenakv needs to build and test on Debian 12 (bookworm), as root.
#
# Idempotent and quiet when all is there. clang-19 comes from bookworm main; libbpf >= 1.4 and
# bpftool >= 7.4 only exist in bookworm-backports, which is enabled by deriving the mirror from
# the machine's own apt sources (no registry host is written in this repo).
set -euo pipefail

need_pkgs=(cmake make pkg-config gcc clang-19 llvm-19 lld-19 libelf-dev zlib1g-dev
	liburing-dev libxxhash-dev libhiredis-dev redis-tools redis-server python3-redis tcl
	iproute2 linux-perf)
bp_pkgs=(libbpf-dev bpftool)

log() { [ -n "${QUIET:-}" ] || echo "install-deps: $*"; }

if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

# Print "mirror-uri" of the first apt source that serves the bookworm suite.
bookworm_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1=="deb" && $0 ~ / bookworm[ \t]/ { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk 'BEGIN{RS=""; FS="\n"}
		     /(^|\n)Suites:[^\n]*bookworm([ \t]|$|\n)/ && !/bookworm-security/ {
		        for (i=1;i<=NF;i++) if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, u, /[ \t]+/); print u[1]; exit } }' "$f"
	done
}

pkg_ok() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

bp_version_ok() {
	local v
	v=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge "1:1.4" || return 1
	pkg_ok bpftool || return 1
	v=$(dpkg-query -W -f='${Version}' bpftool 2>/dev/null) || return 1
	dpkg --compare-versions "${v#*:}" ge "7.4"
}

missing=()
for p in "${need_pkgs[@]}"; do pkg_ok "$p" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ] && bp_version_ok; then
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
bp_list=/etc/apt/sources.list.d/arenakv-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	mirror=$(bookworm_mirror | head -n1)
	if [ -z "$mirror" ]; then
		echo "install-deps: no apt source serves bookworm; cannot derive a backports mirror" >&2
		exit 1
	fi
	log "enabling bookworm-backports from $mirror"
	echo "deb $mirror bookworm-backports main" | $SUDO tee "$bp_list" >/dev/null
fi

log "installing: ${missing[*]} ${bp_pkgs[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
$SUDO apt-get install -y -qq -t bookworm-backports "${bp_pkgs[@]}" >/dev/null
bp_version_ok || { echo "install-deps: libbpf-dev >= 1.4 / bpftool >= 7.4 not available" >&2; exit 1; }
log "done"
