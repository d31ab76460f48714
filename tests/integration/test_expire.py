#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_expire.py - key expiry of the running server, against Redis 7 semantics.

What: EXPIRE PEXPIRE EXPIREAT PEXPIREAT with NX XX GT LT, TTL PTTL PERSIST EXPIRETIME
PEXPIRETIME, deletion by a non-positive or past deadline, lazy expiry (a key read after its
deadline is gone), active expiry (expired keys disappear without being touched and INFO
expired_keys grows), which commands keep or clear a TTL, INFO keyspace expires= counts.

Why: arenakv stores deadlines as CLOCK_MONOTONIC ns in the entry and converts to and from
unix time at the edges; conversions and both expiry paths are checked here.

Invariants: deadlines in the tests are short (<= 300 ms) and every wait polls with a generous
timeout, so a loaded 2-core machine slows the file down but does not make it fail.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class Expire(harness.ServerTestCase):

	def test_ttl_pttl_states(self):
		r = self.r
		self.assertEqual(r.ttl("nokey"), -2)
		self.assertEqual(r.pttl("nokey"), -2)
		r.set("k", "v")
		self.assertEqual(r.ttl("k"), -1)
		self.assertEqual(r.pttl("k"), -1)
		self.assertEqual(self.ex("EXPIRE", "k", "100"), 1)
		self.assertEqual(r.ttl("k"), 100)			# rounded, just set
		self.assertTrue(99000 < r.pttl("k") <= 100000)
		self.assertEqual(self.ex("PEXPIRE", "k", "1500"), 1)
		self.assertIn(r.ttl("k"), (1, 2))			# TTL rounds to nearest second
		self.assertEqual(self.ex("EXPIRE", "nokey", "100"), 0)
		self.assertEqual(r.exists("nokey"), 0)

	def test_expireat_and_expiretime(self):
		r = self.r
		r.set("k", "v")
		self.assertEqual(self.ex("EXPIRETIME", "k"), -1)
		self.assertEqual(self.ex("PEXPIRETIME", "k"), -1)
		self.assertEqual(self.ex("EXPIRETIME", "nokey"), -2)
		self.assertEqual(self.ex("PEXPIRETIME", "nokey"), -2)
		at = int(time.time()) + 1000
		self.assertEqual(self.ex("EXPIREAT", "k", str(at)), 1)
		self.assertEqual(self.ex("EXPIRETIME", "k"), at)
		self.assertEqual(self.ex("PEXPIRETIME", "k"), at * 1000)
		self.assertTrue(990 <= r.ttl("k") <= 1000)
		pat = int(time.time() * 1000) + 500123
		self.assertEqual(self.ex("PEXPIREAT", "k", str(pat)), 1)
		# Redis is exact to the millisecond; arenakv keeps monotonic deadlines and
		# converts back through the current realtime offset: 1 ms of slack allowed.
		self.assertLessEqual(abs(self.ex("PEXPIRETIME", "k") - pat), 1)
		self.assertIn(self.ex("EXPIRETIME", "k"), ((pat + 500) // 1000,	# rounded
							   (pat + 499) // 1000, (pat + 501) // 1000))
		# relative deadlines report the matching absolute time (within clock slack)
		r.set("rel", "v", px=200000)
		want = int(time.time() * 1000) + 200000
		self.assertLess(abs(self.ex("PEXPIRETIME", "rel") - want), 1000)

	def test_nx_xx_gt_lt(self):
		r = self.r
		r.set("k", "v")
		self.assertEqual(self.ex("EXPIRE", "k", "100", "XX"), 0)	# no TTL yet
		self.assertEqual(r.ttl("k"), -1)
		self.assertEqual(self.ex("EXPIRE", "k", "100", "GT"), 0)	# none = infinite
		self.assertEqual(r.ttl("k"), -1)
		self.assertEqual(self.ex("EXPIRE", "k", "100", "NX"), 1)
		self.assertEqual(self.ex("EXPIRE", "k", "200", "NX"), 0)	# has one now
		self.assertTrue(95 <= r.ttl("k") <= 100)
		self.assertEqual(self.ex("EXPIRE", "k", "200", "XX"), 1)
		self.assertTrue(195 <= r.ttl("k") <= 200)
		self.assertEqual(self.ex("EXPIRE", "k", "100", "GT"), 0)
		self.assertEqual(self.ex("EXPIRE", "k", "300", "GT"), 1)
		self.assertTrue(295 <= r.ttl("k") <= 300)
		self.assertEqual(self.ex("EXPIRE", "k", "400", "LT"), 0)
		self.assertEqual(self.ex("EXPIRE", "k", "50", "LT"), 1)
		self.assertTrue(45 <= r.ttl("k") <= 50)
		self.assertEqual(self.ex("PEXPIRE", "k", "60000", "XX", "GT"), 1)
		self.assertTrue(55 <= r.ttl("k") <= 60)
		r.persist("k")
		self.assertEqual(self.ex("EXPIRE", "k", "100", "LT"), 1)	# any < infinite
		self.assertTrue(95 <= r.ttl("k") <= 100)
		at = int(time.time()) + 5000
		self.assertEqual(self.ex("EXPIREAT", "k", str(at), "GT"), 1)
		self.assertEqual(self.ex("PEXPIREAT", "k", str(at * 1000 - 1000), "GT"), 0)
		for opts in (("NX", "XX"), ("NX", "GT"), ("NX", "LT")):
			self.assertEqual(self.err("EXPIRE", "k", "10", *opts),
					 "NX and XX, GT or LT options at the same time are not compatible")
		self.assertEqual(self.err("EXPIRE", "k", "10", "GT", "LT"),
				 "GT and LT options at the same time are not compatible")
		self.assertEqual(self.err("EXPIRE", "k", "10", "FOO"), "Unsupported option FOO")
		self.assertEqual(self.ex("EXPIRETIME", "k"), at)	# no error changed it

	def test_expire_errors(self):
		r = self.r
		r.set("k", "v")
		self.assertEqual(self.err("EXPIRE", "k", "abc"), "value is not an integer or out of range")
		self.assertEqual(self.err("EXPIRE", "k", "9223372036854775807"),
				 "invalid expire time in 'expire' command")
		self.assertEqual(self.err("PEXPIRE", "k", "9223372036854775807"),
				 "invalid expire time in 'pexpire' command")
		self.assertEqual(self.err("EXPIREAT", "k", "9223372036854775807"),
				 "invalid expire time in 'expireat' command")
		self.assertEqual(r.ttl("k"), -1)
		self.assertEqual(self.err("EXPIRE", "k"), "wrong number of arguments for 'expire' command")
		# seconds that overflow once converted to milliseconds
		self.assertEqual(self.err("EXPIRE", "k", "10000000000000000"),
				 "invalid expire time in 'expire' command")
		self.assertEqual(self.err("SET", "k", "v", "EX", "10000000000000000"),
				 "invalid expire time in 'set' command")
		self.assertEqual(self.err("SET", "k", "v", "EX", "-9999999999999999"),
				 "invalid expire time in 'set' command")
		self.assertEqual(self.err("GETEX", "k", "EX", "10000000000000000"),
				 "invalid expire time in 'getex' command")
		self.assertEqual(r.ttl("k"), -1)

	def test_far_future_deadline(self):
		# 1000 years: valid for Redis (ms fit in 64 bits) but beyond a u64 of nanoseconds
		# of CLOCK_MONOTONIC; arenakv may clamp, but the key must not expire early.
		r = self.r
		thousand_years = 1000 * 365 * 86400
		r.set("k", "v", ex=thousand_years)
		self.assertEqual(r.get("k"), b"v")
		self.assertGreater(r.ttl("k"), 100 * 365 * 86400)
		self.assertEqual(self.ex("EXPIRE", "k2", str(thousand_years)), 0)
		r.set("k2", "v")
		self.assertEqual(self.ex("EXPIRE", "k2", str(thousand_years)), 1)
		self.assertGreater(r.ttl("k2"), 100 * 365 * 86400)
		r.set("k3", "v", pxat=(int(time.time()) + thousand_years) * 1000)
		time.sleep(0.05)
		self.assertEqual(r.exists("k", "k2", "k3"), 3)
		self.assertGreater(self.ex("EXPIRETIME", "k3"), time.time() + 100 * 365 * 86400)

	def test_nonpositive_or_past_deletes(self):
		r = self.r
		for cmd, arg in (("EXPIRE", "0"), ("EXPIRE", "-10"), ("PEXPIRE", "-1"),
				 ("EXPIREAT", "1"), ("PEXPIREAT", "1000")):
			r.set("k", "v")
			self.assertEqual(self.ex(cmd, "k", arg), 1, cmd)
			self.assertEqual(r.exists("k"), 0, cmd)
		r.set("k", "v")
		self.assertEqual(self.ex("EXPIRE", "k", "-9999999999"), 1)	# large negative too
		self.assertEqual(r.exists("k"), 0)
		r.set("k", "v")
		# with a condition that fails, a negative time does not delete
		self.assertEqual(self.ex("EXPIRE", "k", "-10", "XX"), 0)
		self.assertEqual(r.exists("k"), 1)

	def test_persist(self):
		r = self.r
		self.assertEqual(r.persist("nokey"), False)
		r.set("k", "v")
		self.assertEqual(r.persist("k"), False)		# no TTL to remove
		r.expire("k", 100)
		self.assertEqual(r.persist("k"), True)
		self.assertEqual(r.ttl("k"), -1)
		time.sleep(0.01)
		self.assertEqual(r.get("k"), b"v")

	def test_lazy_expiry(self):
		r = self.r
		r.set("k", "v", px=100)
		r.set("k2", "v", px=100)
		r.set("keep", "v")
		self.assertEqual(r.get("k"), b"v")
		before = harness.info_field(self.raw, "expired_keys", "stats")
		time.sleep(0.25)
		# each kind of access sees the key gone, whoever reclaims it
		self.assertIsNone(r.get("k"))
		self.assertEqual(r.exists("k2"), 0)
		self.assertEqual(r.ttl("k"), -2)
		self.assertEqual(r.mget("k", "k2", "keep"), [None, None, b"v"])
		self.assertEqual(r.keys("*"), [b"keep"])
		self.assertEqual(self.ex("TYPE", "k"), b"none")
		self.assertEqual(r.setnx("k", "new"), True)	# a write sees it missing too
		self.assertEqual(r.get("k"), b"new")
		self.assertEqual(r.ttl("k"), -1)
		after = harness.info_field(self.raw, "expired_keys", "stats")
		self.assertGreaterEqual(after - before, 2)

	def test_active_expiry(self):
		r = self.r
		r1 = self.server.client(db=3)
		# read before the keys exist: on a loaded machine some 100 ms keys expire while the
		# others are still being written
		before = harness.info_field(self.raw, "expired_keys", "stats")
		p = r.pipeline(transaction=False)
		for i in range(300):
			p.set("a:%d" % i, "v", px=100)
		p.execute()
		for i in range(100):
			r1.set("b:%d" % i, "v", px=100)
		r.set("keep", "v")
		# DBSIZE and INFO do not touch keys: only the active cycle can lower them
		ok = harness.wait_for(lambda: r.dbsize() == 1 and r1.dbsize() == 0, timeout=10)
		self.assertTrue(ok, "expired keys not reclaimed actively: dbsize %d/%d"
				% (r.dbsize(), r1.dbsize()))
		after = harness.info_field(self.raw, "expired_keys", "stats")
		self.assertGreaterEqual(after - before, 400)
		self.assertEqual(r.get("keep"), b"v")
		r1.close()

	def test_active_expiry_spares_live_keys(self):
		# many keys, one in three with a short TTL: the active cycle removes exactly those
		r = self.r
		p = r.pipeline(transaction=False)
		for i in range(6000):
			if i % 3 == 0:
				p.set("m:%d" % i, i, px=100)
			elif i % 3 == 1:
				p.set("m:%d" % i, i, ex=1000)
			else:
				p.set("m:%d" % i, i)
		p.execute()
		ok = harness.wait_for(lambda: r.dbsize() == 4000, timeout=15)
		self.assertTrue(ok, "dbsize %d, expected 4000 after the short TTLs" % r.dbsize())
		p = r.pipeline(transaction=False)
		for i in range(6000):
			p.exists("m:%d" % i)
		self.assertEqual(p.execute(), [0 if i % 3 == 0 else 1 for i in range(6000)])
		_, flat = harness.parse_info(self.raw.execute_command("INFO", "keyspace"))
		self.assertTrue(flat["db0"].startswith("keys=4000,expires=2000,"), flat["db0"])

	def test_commands_that_keep_or_clear_ttl(self):
		r = self.r
		keep = {
			"INCR": lambda k: r.incr(k),
			"APPEND": lambda k: r.append(k, "1"),
			"SETRANGE": lambda k: r.setrange(k, 0, "9"),
			"SETBIT": lambda k: r.setbit(k, 0, 1),
			"INCRBYFLOAT": lambda k: r.incrbyfloat(k, 1.5),
			"SET KEEPTTL": lambda k: r.set(k, "3", keepttl=True),
		}
		for name, fn in keep.items():
			r.set("k", "1", ex=100)
			fn("k")
			self.assertTrue(90 <= r.ttl("k") <= 100, name + " should keep the TTL")
		clear = {
			"SET": lambda k: r.set(k, "2"),
			"GETSET": lambda k: r.getset(k, "2"),
			"MSET": lambda k: r.mset({k: "2"}),
			"GETEX PERSIST": lambda k: r.getex(k, persist=True),
		}
		for name, fn in clear.items():
			r.set("k", "1", ex=100)
			fn("k")
			self.assertEqual(r.ttl("k"), -1, name + " should clear the TTL")
		r.set("k", "1", ex=100)
		r.delete("k")
		r.set("k", "1")
		self.assertEqual(r.ttl("k"), -1, "a deleted key's TTL must not come back")

	def test_keyspace_info_expires(self):
		r = self.r
		for i in range(10):
			r.set("p%d" % i, 1)
		for i in range(4):
			r.set("v%d" % i, 1, ex=1000)
		sections, flat = harness.parse_info(self.raw.execute_command("INFO", "keyspace"))
		db0 = flat.get("db0")
		self.assertIsNotNone(db0, "INFO keyspace lacks db0")
		fields = dict(kv.split("=") for kv in db0.split(","))
		self.assertEqual(int(fields["keys"]), 14)
		self.assertEqual(int(fields["expires"]), 4)
		r.persist("v0")
		_, flat = harness.parse_info(self.raw.execute_command("INFO", "keyspace"))
		fields = dict(kv.split("=") for kv in flat["db0"].split(","))
		self.assertEqual(int(fields["expires"]), 3)
		self.assertNotIn("db1", flat)			# empty databases are not listed

	def test_expire_in_transaction_and_overwrite(self):
		r = self.r
		r.set("k", "v", px=150)
		r.set("k", "v2", px=100000)		# the new deadline replaces the old
		time.sleep(0.3)
		self.assertEqual(r.get("k"), b"v2")
		p = r.pipeline()			# MULTI/EXEC
		p.set("t", "v").pexpire("t", 100).ttl("t")
		res = p.execute()
		self.assertEqual(res[:2], [True, True])
		self.assertIn(res[2], (0, 1))
		self.assertTrue(harness.wait_for(lambda: r.exists("t") == 0, 3))


if __name__ == "__main__":
	harness.main()
