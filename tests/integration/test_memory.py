#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_memory.py - maxmemory and the eviction policies, against Redis 7 semantics.

What: noeviction refuses writes with Redis's exact -OOM error once used memory passes
maxmemory, leaves every old value intact (no partial write: SET over an existing key, MSET,
APPEND), keeps reads and DEL working and accepts writes again once memory is freed; the
allkeys-lru / allkeys-lfu / allkeys-random / volatile-lru / volatile-ttl policies evict
(INFO evicted_keys grows, dbsize falls short of what was written) and keep used_memory
bounded; LRU prefers keys idle for longest; volatile policies never evict keys without a
TTL and fall back to -OOM when only such keys remain; a value larger than maxmemory fails
cleanly.

Why: the issue requires Redis's -OOM error "and no partial write" for every policy, and the
arena being full is the same case.

Invariants: maxmemory is always set relative to the server's own INFO used_memory at the
start of a test (arenakv's baseline is its arena header and tables, redis-server's is its
heap), so the same test works for both; values are 10 kB and written in small batches so
client buffers never dominate used_memory.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import redis  # noqa: E402

OOM = "OOM command not allowed when used memory > 'maxmemory'."
VAL = 10 * 1024
HEADROOM = 4 * 1024 * 1024		# maxmemory = baseline + HEADROOM


class Memory(harness.ServerTestCase):

	def setUp(self):
		super().setUp()
		self.r.config_set("maxmemory", "0")
		self.r.config_set("maxmemory-policy", "noeviction")
		self.addCleanup(self._reset)

	def _reset(self):
		if self.server.alive():
			self.r.config_set("maxmemory", "0")
			self.r.config_set("maxmemory-policy", "noeviction")
			self.r.flushall()

	def used(self):
		return harness.info_field(self.raw, "used_memory", "memory")

	def evicted(self):
		return harness.info_field(self.raw, "evicted_keys", "stats")

	def limit(self, policy):
		"""Set maxmemory to the current usage plus HEADROOM under `policy`; return it."""
		mm = self.used() + HEADROOM
		self.r.config_set("maxmemory-policy", policy)
		self.r.config_set("maxmemory", str(mm))
		self.maxmemory = mm
		return mm

	@staticmethod
	def val(i):
		return (b"%08d" % i) * (VAL // 8)

	def fill(self, n, prefix="k", ttl=None, start=0):
		"""SET n keys of VAL bytes (batches of 10); returns (written, first OOM text)."""
		r = self.r
		for b in range(start, start + n, 10):
			p = r.pipeline(transaction=False)
			for i in range(b, min(b + 10, start + n)):
				p.set("%s:%d" % (prefix, i), self.val(i), ex=ttl)
			res = p.execute(raise_on_error=False)
			for j, x in enumerate(res):
				if isinstance(x, redis.ResponseError):
					return b + j - start, str(x)
		return n, None

	def test_noeviction_oom_and_no_partial_write(self):
		r = self.r
		mm = self.limit("noeviction")
		ev0 = self.evicted()
		written, err = self.fill(2000)
		self.assertEqual(err, OOM, "writes past maxmemory must fail with -OOM")
		# the limit is honoured within reason: 4 MB of headroom holds ~400 values
		self.assertGreater(written, HEADROOM // VAL // 2, "OOM far too early")
		self.assertLess(written, HEADROOM // VAL * 2, "OOM far too late")
		self.assertLessEqual(self.used(), mm + 2 * VAL + 65536)
		# everything written before the error is intact; the failed key is absent
		p = r.pipeline(transaction=False)
		for i in range(written):
			p.get("k:%d" % i)
		self.assertEqual(p.execute(), [self.val(i) for i in range(written)])
		self.assertEqual(r.exists("k:%d" % written), 0)
		# writes over existing keys fail and leave the old value. The limit is lowered
		# below the data first: right at the limit, client buffers (counted by
		# redis-server) coming and going would let a write through now and then.
		r.config_set("maxmemory", str(self.used() - HEADROOM // 4))
		for args in (("SET", "k:0", "x" * VAL), ("APPEND", "k:0", "more"),
			     ("SETRANGE", "k:0", "0", "zz"), ("MSET", "k:0", "a", "new", "b"),
			     ("INCR", "n"), ("GETSET", "k:1", "x"), ("SETEX", "k:0", "10", "x"),
			     ("SETNX", "new", "x"), ("COPY", "k:0", "copy")):
			self.assertEqual(self.err(*args), OOM, args)
		self.assertEqual(r.get("k:0"), self.val(0))
		self.assertEqual(r.get("k:1"), self.val(1))
		self.assertEqual(r.exists("new", "n", "copy"), 0)
		self.assertEqual(self.evicted(), ev0)
		# reads, DEL and admin commands still work; freeing memory re-enables writes
		self.assertEqual(r.strlen("k:0"), VAL)
		self.assertEqual(r.delete(*["k:%d" % i for i in range(written // 2)]), written // 2)
		self.assertTrue(r.set("after", "ok"))
		self.assertEqual(r.get("after"), b"ok")

	def test_huge_value_over_maxmemory(self):
		r = self.r
		r.set("small", "v")
		mm = self.limit("noeviction")
		self.assertEqual(self._huge_set(mm + (1 << 20)), OOM)
		self.assertEqual(r.exists("huge"), 0)
		self.assertEqual(r.get("small"), b"v")
		self.assertTrue(r.set("small2", "v"))		# memory was given back
		# same under an evicting policy: it may evict, but cannot fit the value
		self.limit("allkeys-lru")
		self.assertEqual(self._huge_set(mm + (1 << 20)), OOM)
		self.assertEqual(r.exists("huge"), 0)
		self.assertTrue(r.ping())
		self.assertTrue(r.set("after", "v"))

	def _huge_set(self, size):
		"""SET a value of `size` bytes on a connection of its own, closed afterwards so
		its query buffer (counted in redis-server's used_memory) is freed; returns the
		error text or None."""
		c = self.server.client()
		try:
			c.set("huge", b"x" * size)
			return None
		except redis.ResponseError as e:
			return str(e)
		finally:
			c.close()
			harness.wait_for(lambda: self.used() < self.maxmemory, 5)

	def _evicting_policy(self, policy, ttl=None):
		r = self.r
		mm = self.limit(policy)
		before = self.evicted()
		n = 1500					# ~15 MB through a 4 MB limit
		written, err = self.fill(n, ttl=ttl)
		self.assertIsNone(err, "%s: write refused after %d keys: %s" % (policy, written, err))
		self.assertGreater(self.evicted() - before, 0, policy)
		size = r.dbsize()
		self.assertLess(size, n, policy)
		self.assertGreater(size, HEADROOM // VAL // 3, "%s evicted far too much" % policy)
		self.assertLessEqual(self.used(), mm + 2 * VAL + 65536, policy)
		self.assertEqual(r.get("k:%d" % (n - 1)), self.val(n - 1))	# just written
		# whatever survived is intact (a key may still be evicted between SCAN and GET:
		# redis-server evicts before any command while over the limit)
		for k in list(r.scan_iter(count=500))[:200]:
			i = int(k.split(b":")[1])
			self.assertIn(r.get(k), (self.val(i), None))

	def test_allkeys_lru(self):
		self._evicting_policy("allkeys-lru")

	def test_allkeys_lfu(self):
		self._evicting_policy("allkeys-lfu")

	def test_allkeys_random(self):
		self._evicting_policy("allkeys-random")

	def test_volatile_lru(self):
		self._evicting_policy("volatile-lru", ttl=10000)

	def test_lru_keeps_recently_used(self):
		# cold keys idle for 2 s, hot keys touched just before the pressure: eviction takes
		# (nearly) only cold keys. LRU clocks tick in seconds, hence the sleep.
		r = self.r
		mm = self.limit("allkeys-lru")
		ev0 = self.evicted()
		self.fill(300, prefix="cold")
		self.fill(20, prefix="hot")
		time.sleep(2.2)
		for i in range(20):
			r.get("hot:%d" % i)
		# fewer new keys than cold ones: sampled LRU (as Redis's) only protects recent keys
		# while older candidates remain; once cold keys run out, hot and new are equally idle
		self.fill(150, prefix="new")
		self.assertGreater(self.evicted() - ev0, 20, "used %d max %d dbsize %d"
				   % (self.used(), mm, r.dbsize()))
		hot = r.exists(*["hot:%d" % i for i in range(20)])
		cold = r.exists(*["cold:%d" % i for i in range(300)])
		self.assertGreaterEqual(hot, 18, "recently used keys were evicted (%d/20 left, "
					"cold %d/300 left)" % (hot, cold))
		self.assertLess(cold, 300)
		self.assertLessEqual(self.used(), mm + 2 * VAL + 65536)

	def test_lfu_keeps_frequently_used(self):
		# hot keys read a few hundred times carry a higher LFU counter than keys written
		# once (both cold and new start at LFU_INIT_VAL): eviction spares them
		r = self.r
		mm = self.limit("allkeys-lfu")
		ev0 = self.evicted()
		self.fill(300, prefix="cold")
		self.fill(20, prefix="hot")
		p = r.pipeline(transaction=False)
		for _ in range(300):
			for i in range(20):
				p.strlen("hot:%d" % i)	# touches; EXISTS does not, GET replies are big
		p.execute()
		self.fill(300, prefix="new")
		self.assertGreater(self.evicted() - ev0, 20)
		hot = r.exists(*["hot:%d" % i for i in range(20)])
		self.assertGreaterEqual(hot, 18, "frequently used keys were evicted (%d/20 left)" % hot)
		self.assertLessEqual(self.used(), mm + 2 * VAL + 65536)

	def test_volatile_ttl(self):
		r = self.r
		self.fill(50, prefix="keep")			# no TTL: never evicted
		self.limit("volatile-ttl")
		before = self.evicted()
		self.fill(100, prefix="long", ttl=100000)
		written, err = self.fill(500, prefix="short", ttl=1000, start=0)
		self.assertIsNone(err, "volatile-ttl refused a write: %s" % err)
		self.assertGreater(self.evicted() - before, 0)
		self.assertEqual(r.exists(*["keep:%d" % i for i in range(50)]), 50)
		# shortest TTL first: the long-TTL keys survive better than the short ones
		long_left = r.exists(*["long:%d" % i for i in range(100)])
		short_left = r.exists(*["short:%d" % i for i in range(500)])
		self.assertGreater(long_left / 100.0, short_left / 500.0,
				   "long %d/100 short %d/500 left" % (long_left, short_left))

	def test_volatile_without_candidates_is_oom(self):
		for policy in ("volatile-lru", "volatile-ttl"):
			self.r.flushall()
			self.limit(policy)
			ev0 = self.evicted()
			written, err = self.fill(2000, prefix=policy)
			self.assertEqual(err, OOM, "%s with no volatile keys must refuse writes" % policy)
			self.assertEqual(self.evicted(), ev0)
			self.assertEqual(self.r.dbsize(), written)
			self.r.config_set("maxmemory", "0")

	def test_oom_inside_multi(self):
		r = self.r
		r.set("pre", "v")
		self.limit("noeviction")
		self.fill(2000)
		r.config_set("maxmemory", str(self.used() - HEADROOM // 4))	# well over
		s = self.server.sock()
		s.cmd("MULTI")
		# Redis refuses to queue any command while over the limit (queuing itself uses
		# memory) and then aborts the EXEC
		self.assertEqual(s.cmd("SET", "m", "v"), ("error", OOM))
		self.assertEqual(s.cmd("GET", "pre"), ("error", OOM))
		self.assertEqual(s.cmd("EXEC"),
				 ("error", "EXECABORT Transaction discarded because of previous errors."))
		self.assertEqual(r.exists("m"), 0)
		s.close()


if __name__ == "__main__":
	harness.main()
