#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_kernel_lookup.py - the kernel reads exactly what the clients wrote.

What: keys written through redis-py (small, inline-sized, large-ish, binary, in several
databases, after overwrites, resizes and SWAPDB) are read back by the BPF program through
the server command ARENAKV.KGET (server/t_arenakv.c): the kernel walks the arena's hash
table with its lock-free reader and copies the value out. Values must be byte-identical to
GET; deleted, flushed and expired keys must miss (nil). The kernel checks expiry with its
own clock, and KGET does no lazy expiry, so an expired-but-unreclaimed key must still miss.

Why: this is the proof that the index is shared with the kernel, not copied.

Skips (exit 77, with the reason) only for a missing kernel feature: the server log says
"BPF arena unavailable", ARENAKV.BACKEND is "mmap", or KGET answers "kernel lookup
unavailable". Not applicable to redis-server (ARENAKV_TARGET=redis): skipped likewise.

Invariants: KGET never changes the keyspace, so tests freely interleave it with GET.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import redis  # noqa: E402

KEY_MAX = 1024		# AKV_KEY_MAX in bpf/arenakv.h


def _kernel_unavailable(server):
	"""Reason string when the running server has no BPF arena, else None."""
	for line in server.log().splitlines():
		if "BPF arena unavailable" in line:
			return line.strip()
	c = server.raw_client()
	try:
		try:
			if c.execute_command("ARENAKV.BACKEND") == b"mmap":
				return "ARENAKV.BACKEND reports mmap (no BPF arena)"
		except redis.ResponseError:
			pass		# no such command: KGET below decides (or fails the tests)
		try:
			c.execute_command("ARENAKV.KGET", "probe")
		except redis.ResponseError as e:
			if str(e).startswith("kernel lookup unavailable"):
				return str(e)
		return None
	finally:
		c.close()


class KernelLookup(harness.ServerTestCase):

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		why = _kernel_unavailable(cls.server)
		if why:
			cls.server.cleanup()
			harness.skip_file("kernel lookup unavailable: " + why)

	def kget(self, key):
		return self.raw.execute_command("ARENAKV.KGET", key)

	def same(self, key):
		"""Kernel and GET agree on key (and it exists)."""
		v = self.r.get(key)
		self.assertIsNotNone(v, key)
		self.assertEqual(self.kget(key), v, "kernel read differs for key %r" % (key[:40],))

	def test_small_and_inline_sizes(self):
		r = self.r
		sizes = [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 127, 128,
			 129, 255, 256, 257, 1000, 4095, 4096, 4097]
		for n in sizes:
			r.set("s:%d" % n, bytes((i * 7 + n) & 0xFF for i in range(n)))
		for n in sizes:
			self.same("s:%d" % n)

	def test_large_values(self):
		r = self.r
		for n in (65535, 65536, 65537, 300000, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 17):
			v = bytes((i * 131 + n) & 0xFF for i in range(n))
			r.set("big:%d" % n, v)
			self.assertEqual(self.kget("big:%d" % n), v, n)

	def test_binary_keys_and_values(self):
		r = self.r
		allbytes = bytes(range(256))
		r.set(allbytes, allbytes[::-1])
		self.assertEqual(self.kget(allbytes), allbytes[::-1])
		r.set(b"k\r\n\x00", b"v\r\n\x00\xff")
		self.assertEqual(self.kget(b"k\r\n\x00"), b"v\r\n\x00\xff")
		for i in range(256):
			r.set(bytes([i]), bytes([i]) * 3)
		for i in range(256):
			self.assertEqual(self.kget(bytes([i])), bytes([i]) * 3, i)
		for klen in (1, 31, 32, 33, 255, 256, 257, 512, KEY_MAX - 1, KEY_MAX):
			k = bytes((j * 3 + klen) & 0xFF for j in range(klen))
			r.set(k, b"klen%d" % klen)
			self.assertEqual(self.kget(k), b"klen%d" % klen, klen)
		r.set(b"", b"empty key")
		self.assertEqual(self.kget(b""), b"empty key")

	def test_misses(self):
		r = self.r
		self.assertIsNone(self.kget("never"))
		r.set("gone", "v")
		self.assertEqual(self.kget("gone"), b"v")
		r.delete("gone")
		self.assertIsNone(self.kget("gone"))
		r.set("unlinked", "v")
		r.unlink("unlinked")
		self.assertIsNone(self.kget("unlinked"))
		r.set("renamed", "v")
		r.rename("renamed", "target")
		self.assertIsNone(self.kget("renamed"))
		self.assertEqual(self.kget("target"), b"v")
		r.set("f", "v")
		r.flushall()
		self.assertIsNone(self.kget("f"))
		self.assertIsNone(self.kget("target"))

	def test_expired_misses_without_reclaim(self):
		r = self.r
		r.set("exp", "v", px=100)
		r.set("live", "v", ex=1000)
		self.assertEqual(self.kget("exp"), b"v")
		time.sleep(0.2)
		# the kernel compares the deadline with its own clock, so the key misses whether
		# or not the server has reclaimed it yet
		self.assertIsNone(self.kget("exp"))
		self.assertEqual(self.kget("live"), b"v")
		self.assertIsNone(r.get("exp"))

	def test_overwrite_and_grow(self):
		r = self.r
		r.set("o", "short")
		self.assertEqual(self.kget("o"), b"short")
		r.set("o", "x" * 5000)
		self.assertEqual(self.kget("o"), b"x" * 5000)
		r.append("o", "tail")
		self.assertEqual(self.kget("o"), b"x" * 5000 + b"tail")
		r.setrange("o", 0, "HEAD")
		self.assertEqual(self.kget("o"), b"HEAD" + b"x" * 4996 + b"tail")
		r.set("o", "s")
		self.assertEqual(self.kget("o"), b"s")
		r.incr("n")
		r.incrby("n", 41)
		self.assertEqual(self.kget("n"), b"42")
		r.setbit("bits", 7, 1)
		self.assertEqual(self.kget("bits"), b"\x01")

	def test_many_keys_through_resizes(self):
		r = self.r
		n = 30000
		p = r.pipeline(transaction=False)
		for i in range(n):
			p.set("m:%d" % i, "val-%d" % i)
		p.execute()
		p = self.raw.pipeline(transaction=False)
		for i in range(0, n, 13):
			p.execute_command("ARENAKV.KGET", "m:%d" % i)
		got = p.execute()
		self.assertEqual(got, [b"val-%d" % i for i in range(0, n, 13)])
		p = r.pipeline(transaction=False)
		for i in range(0, n, 2):
			p.delete("m:%d" % i)
		p.execute()
		p = self.raw.pipeline(transaction=False)
		for i in range(0, 2000):
			p.execute_command("ARENAKV.KGET", "m:%d" % i)
		got = p.execute()
		self.assertEqual(got, [None if i % 2 == 0 else b"val-%d" % i for i in range(2000)])

	def test_evicted_keys_miss(self):
		# under maxmemory eviction the kernel sees exactly the surviving keys
		r = self.r
		used = harness.info_field(self.raw, "used_memory", "memory")
		r.config_set("maxmemory-policy", "allkeys-random")
		r.config_set("maxmemory", str(used + 4 * 1024 * 1024))
		try:
			for b in range(0, 1500, 50):
				p = r.pipeline(transaction=False)
				for i in range(b, b + 50):
					p.set("ev:%d" % i, (b"%06d" % i) * 1700)
				p.execute()
			self.assertGreater(harness.info_field(self.raw, "evicted_keys", "stats"), 0)
		finally:
			r.config_set("maxmemory", "0")
			r.config_set("maxmemory-policy", "noeviction")
		p = self.raw.pipeline(transaction=False)
		for i in range(1500):
			p.execute_command("GET", "ev:%d" % i)
			p.execute_command("ARENAKV.KGET", "ev:%d" % i)
		res = p.execute()
		gets, kgets = res[::2], res[1::2]
		self.assertEqual(kgets, gets)
		self.assertIn(None, gets)
		self.assertTrue(any(g is not None for g in gets))

	def test_databases_and_swapdb(self):
		s = self.server.sock()
		s.cmd("SELECT", "3")
		s.cmd("SET", "k", "in-db3")
		self.r.set("k", "in-db0")
		self.assertEqual(s.cmd("ARENAKV.KGET", "k"), b"in-db3")
		self.assertEqual(self.kget("k"), b"in-db0")
		self.r.swapdb(0, 3)
		self.assertEqual(s.cmd("ARENAKV.KGET", "k"), b"in-db0")
		self.assertEqual(self.kget("k"), b"in-db3")
		s.cmd("SELECT", "9")
		self.assertIsNone(s.cmd("ARENAKV.KGET", "k"))
		self.r.move("k", 9)
		self.assertEqual(s.cmd("ARENAKV.KGET", "k"), b"in-db3")
		s.close()

	def test_kget_does_not_touch_keyspace(self):
		r = self.r
		r.set("t", "v", px=100)
		before = harness.info_field(self.raw, "keyspace_hits", "stats")
		self.kget("t")
		self.assertEqual(harness.info_field(self.raw, "keyspace_hits", "stats"), before)
		time.sleep(0.2)
		self.kget("t")
		self.assertEqual(self.err("ARENAKV.KGET", b"x" * (KEY_MAX + 1)),
				 "key too long for the kernel lookup (max %d bytes)" % KEY_MAX)


if __name__ == "__main__":
	if harness.IS_REDIS:
		harness.skip_file("ARENAKV.KGET is arenakv's own command: not applicable to redis-server")
	harness.main()
