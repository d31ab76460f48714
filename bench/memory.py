#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""memory.py - resident bytes per key of arenakv-server against redis-server, in one run.

What: starts redis-server and build/arenakv-server (both --save '' --appendonly no) on spare
ports, loads the same KEYS keys (default 1M) of exactly 16 bytes ("key:%012d") with 32-byte
values into each through redis-cli --pipe, checks the load (DBSIZE, a sample of GETs), then
reads the process's VmRSS (/proc/PID/status; RssAnon and RssFile shown too: BPF arena pages
are accounted as file pages) and INFO used_memory, before and after loading. Prints bytes
per key (RSS growth / KEYS, and used_memory growth / KEYS) for each server and the ratios
arenakv/redis.

Why: the issue asks for resident bytes per key against redis-server's for 1M 16-byte keys
with 32-byte values; growth over the just-started process isolates the keyspace from the
fixed cost (binary, allocator arenas, the arena header and empty tables).

Usage: /usr/bin/python3 bench/memory.py   (env: ARENAKV_BUILD, ARENAKV_SERVER,
       REDIS_SERVER, KEYS=1000000). Validation: ARENAKV_SERVER=/usr/bin/redis-server gives
       ratios near 1. Invariant: both servers are stopped before exit (harness atexit).
"""

import os
import random
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import harness  # noqa: E402

KEYS = int(os.environ.get("KEYS", "1000000"))
KLEN, VLEN = 16, 32


def status(pid):
	"""VmRSS, RssAnon, RssFile in bytes from /proc/PID/status."""
	out = {}
	with open("/proc/%d/status" % pid) as f:
		for line in f:
			k, _, v = line.partition(":")
			if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
				out[k] = int(v.split()[0]) * 1024
	return out


def used_memory(raw):
	return harness.info_field(raw, "used_memory", "memory")


def key(i):
	k = b"key:%012d" % i
	assert len(k) == KLEN
	return k


def val(i):
	v = b"%032d" % (i * 7919)
	assert len(v) == VLEN
	return v


def load(server):
	"""Mass-insert KEYS SETs with redis-cli --pipe, in chunks to bound this process."""
	chunk = 200000
	for start in range(0, KEYS, chunk):
		proto = b"".join(b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$32\r\n%s\r\n" % (key(i), val(i))
				 for i in range(start, min(start + chunk, KEYS)))
		res = server.cli("--pipe", stdin=proto, timeout=600)
		text = (res.stdout + res.stderr).decode()
		want = "errors: 0, replies: %d" % min(chunk, KEYS - start)
		if res.returncode != 0 or want not in text:
			raise RuntimeError("mass insert failed: %s" % text[-300:])


def measure(name, binary):
	s = harness.Server(binary=binary)
	s.start()
	try:
		raw = s.raw_client()
		time.sleep(0.5)
		before = status(s.proc.pid)
		um0 = used_memory(raw)
		t0 = time.time()
		load(s)
		secs = time.time() - t0
		n = raw.execute_command("DBSIZE")
		if n != KEYS:
			raise RuntimeError("%s holds %d keys, expected %d" % (name, n, KEYS))
		for i in random.sample(range(KEYS), 1000):
			got = raw.execute_command("GET", key(i))
			if got != val(i):
				raise RuntimeError("%s: GET %r = %r" % (name, key(i), got))
		time.sleep(0.5)
		after = status(s.proc.pid)
		um1 = used_memory(raw)
		raw.close()
		return {"name": name, "binary": binary, "load_s": secs, "before": before,
			"after": after, "um0": um0, "um1": um1,
			"rss_per_key": (after["VmRSS"] - before["VmRSS"]) / KEYS,
			"um_per_key": (um1 - um0) / KEYS}
	finally:
		s.cleanup()


def main():
	build = os.environ.get("ARENAKV_BUILD") or os.path.join(SRC, "build")
	arenakv = os.environ.get("ARENAKV_SERVER") or os.path.join(build, "arenakv-server")
	redis_bin = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
	for b in (redis_bin, arenakv):
		if not os.access(b, os.X_OK):
			sys.exit("memory.py: %s not found or not executable" % b)
	cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p' | head -1"],
			     stdout=subprocess.PIPE).stdout.decode().strip()
	print("# memory.py: %s  %d CPUs  %s  kernel %s" % (
		time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.cpu_count(), cpu,
		os.uname().release))
	print("# %d keys of %d bytes, values of %d bytes, loaded with redis-cli --pipe"
	      % (KEYS, KLEN, VLEN))
	with open("/proc/loadavg") as f:
		print("# load average: %s" % " ".join(f.read().split()[:3]))
	res = [measure("redis", redis_bin), measure("arenakv", arenakv)]
	print("\n%-8s %12s %12s %10s %14s %12s %9s" % ("server", "RSS before", "RSS after",
	      "RSS B/key", "used_memory", "used B/key", "load s"))
	for r in res:
		print("%-8s %12d %12d %10.1f %14d %12.1f %9.1f" % (
			r["name"], r["before"]["VmRSS"], r["after"]["VmRSS"], r["rss_per_key"],
			r["um1"], r["um_per_key"], r["load_s"]))
	red, ak = res
	print("\nratio arenakv/redis: RSS bytes/key %.2f, used_memory bytes/key %.2f"
	      % (ak["rss_per_key"] / red["rss_per_key"], ak["um_per_key"] / red["um_per_key"]))
	for r in res:
		a = r["after"]
		print("# %s after: VmRSS %d = RssAnon %d + RssFile %d + RssShmem %d" % (
			r["name"], a["VmRSS"], a.get("RssAnon", 0), a.get("RssFile", 0),
			a.get("RssShmem", 0)))


if __name__ == "__main__":
	main()
