#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_keys.py - the keyspace commands of the running server, against Redis 7 semantics.

What: DEL UNLINK EXISTS TYPE KEYS (glob patterns) SCAN (MATCH COUNT TYPE, the guarantee that
a full iteration returns every key present throughout, even while keys are added and the
table resizes) RANDOMKEY RENAME RENAMENX MOVE COPY SWAPDB SELECT DBSIZE FLUSHDB FLUSHALL.

Why: these touch the index directly (lookups across 16 databases, unlink, resize, iteration);
a wrong cursor or a lost key on resize shows up here first.

Invariants: one server for the file, FLUSHALL before each test; every expected reply was
confirmed on redis-server 7.0.15 (ARENAKV_TARGET=redis).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class Keys(harness.ServerTestCase):

	def test_del_unlink_exists_counts(self):
		r = self.r
		r.mset({"a": 1, "b": 2, "c": 3})
		self.assertEqual(r.exists("a", "a", "nokey", "b"), 3)	# duplicates count twice
		self.assertEqual(r.delete("a", "nokey", "a"), 1)	# deleted once
		self.assertEqual(r.unlink("b", "c", "nokey"), 2)
		self.assertEqual(r.exists("a", "b", "c"), 0)
		self.assertEqual(r.delete("nokey"), 0)
		self.assertEqual(r.dbsize(), 0)
		self.assertEqual(self.err("DEL"), "wrong number of arguments for 'del' command")

	def test_type(self):
		r = self.r
		r.set("s", "v")
		self.assertEqual(self.ex("TYPE", "s"), b"string")
		self.assertEqual(self.ex("TYPE", "nokey"), b"none")

	def test_keys_glob(self):
		r = self.r
		names = ["hello", "hallo", "hxllo", "hllo", "heeeello", "hillo", "h*llo", "h?llo",
			 "h[e]llo", "x", "foo:1", "foo:2", "foo:10", "bar"]
		for n in names:
			r.set(n, 1)

		def keys(p):
			return sorted(k.decode() for k in r.keys(p))
		self.assertEqual(keys("*"), sorted(names))
		self.assertEqual(keys("h?llo"), sorted(["hello", "hallo", "hxllo", "hillo", "h*llo",
							"h?llo"]))
		self.assertEqual(keys("h*llo"), sorted(["hello", "hallo", "hxllo", "hllo",
							"heeeello", "hillo", "h*llo", "h?llo",
							"h[e]llo"]))
		self.assertEqual(keys("h[ae]llo"), ["hallo", "hello"])
		self.assertEqual(keys("h[^e]llo"), sorted(["hallo", "hxllo", "hillo", "h*llo",
							   "h?llo"]))
		self.assertEqual(keys("h[a-f]llo"), ["hallo", "hello"])
		self.assertEqual(keys("h\\*llo"), ["h*llo"])
		self.assertEqual(keys("h\\?llo"), ["h?llo"])
		self.assertEqual(keys("foo:?"), ["foo:1", "foo:2"])
		self.assertEqual(keys("foo:*"), ["foo:1", "foo:10", "foo:2"])
		self.assertEqual(keys("nomatch*"), [])
		self.assertEqual(keys("x"), ["x"])

	def test_keys_skips_expired(self):
		r = self.r
		r.set("live", 1)
		r.set("dead", 1, px=1)
		harness.wait_for(lambda: r.pttl("dead") == -2, 2)
		self.assertEqual(r.keys("*"), [b"live"])

	def test_scan_full_iteration(self):
		r = self.r
		p = r.pipeline(transaction=False)
		for i in range(3000):
			p.set("key:%d" % i, i)
		p.execute()
		seen, cursor, rounds = set(), 0, 0
		while True:
			cursor, batch = r.scan(cursor, count=50)
			seen.update(batch)
			rounds += 1
			if cursor == 0:
				break
			self.assertLess(rounds, 10000, "SCAN does not terminate")
		self.assertEqual(seen, {b"key:%d" % i for i in range(3000)})
		self.assertGreater(rounds, 3, "COUNT 50 over 3000 keys should take several calls")

	def test_scan_while_adding(self):
		# Keys present for the whole iteration are returned at least once, even while new
		# keys are added (forcing the table to grow); nothing returned never existed.
		r = self.r
		base = {b"old:%d" % i for i in range(1000)}
		p = r.pipeline(transaction=False)
		for k in base:
			p.set(k, 1)
		p.execute()
		seen, cursor, added = [], 0, 0
		while True:
			cursor, batch = r.scan(cursor, count=20)
			seen.extend(batch)
			p = r.pipeline(transaction=False)
			for _ in range(100):
				p.set(b"new:%d" % added, 1)
				added += 1
			p.execute()
			if cursor == 0:
				break
		seen_set = set(seen)
		self.assertEqual(base - seen_set, set(), "keys present throughout were missed")
		extra = seen_set - base
		self.assertTrue(all(k.startswith(b"new:") for k in extra))

	def test_scan_while_deleting(self):
		# Keys present for the whole iteration are returned even while most other keys are
		# deleted under it (the table may shrink); deleted keys may or may not appear.
		r = self.r
		keep = {b"keep:%d" % i for i in range(500)}
		drop = [b"drop:%d" % i for i in range(5000)]
		p = r.pipeline(transaction=False)
		for k in list(keep) + drop:
			p.set(k, 1)
		p.execute()
		seen, cursor, i = set(), 0, 0
		while True:
			cursor, batch = r.scan(cursor, count=25)
			seen.update(batch)
			if i < len(drop):
				r.delete(*drop[i:i + 400])
				i += 400
			if cursor == 0:
				break
		self.assertEqual(keep - seen, set(), "keys present throughout were missed")
		self.assertTrue(all(k.startswith(b"keep:") or k.startswith(b"drop:") for k in seen))

	def test_scan_match_count_type(self):
		r = self.r
		for i in range(200):
			r.set("a:%d" % i, i)
			r.set("b:%d" % i, i)
		got = set()
		for k in r.scan_iter(match="a:1*", count=30):
			got.add(k)
		self.assertEqual(got, {b"a:%d" % i for i in range(200) if str(i).startswith("1")})
		got = set(r.scan_iter(_type="string", count=100))
		self.assertEqual(len(got), 400)
		self.assertEqual(set(r.scan_iter(_type="zset")), set())
		self.assertEqual(self.err("SCAN", "abc"), "invalid cursor")
		self.assertEqual(self.err("SCAN", "0", "COUNT", "0"), "syntax error")
		self.assertEqual(self.err("SCAN", "0", "COUNT", "x"),
				 "value is not an integer or out of range")
		self.assertEqual(self.err("SCAN", "0", "FOO"), "syntax error")
		# empty database: cursor 0, no keys
		r.flushdb()
		self.assertEqual(self.ex("SCAN", "0"), [b"0", []])

	def test_randomkey(self):
		r = self.r
		self.assertIsNone(r.randomkey())
		r.set("only", 1)
		self.assertEqual(r.randomkey(), b"only")
		for i in range(50):
			r.set("k%d" % i, i)
		seen = {r.randomkey() for _ in range(200)}
		self.assertTrue(seen <= {b"only"} | {b"k%d" % i for i in range(50)})
		self.assertGreater(len(seen), 5, "RANDOMKEY should not keep returning the same key")

	def test_rename(self):
		r = self.r
		r.set("a", "va", ex=100)
		self.assertTrue(r.rename("a", "b"))
		self.assertEqual(r.exists("a"), 0)
		self.assertEqual(r.get("b"), b"va")
		self.assertTrue(90 <= r.ttl("b") <= 100)	# TTL travels with the value
		r.set("c", "vc", ex=100)
		r.rename("b", "c")				# overwrites, value and TTL of source
		self.assertEqual(r.get("c"), b"va")
		r.persist("c")
		r.set("d", "vd", ex=100)
		r.rename("c", "d")
		self.assertEqual(r.ttl("d"), -1)		# destination's old TTL is gone
		self.assertEqual(self.err("RENAME", "nokey", "x"), "no such key")
		self.assertTrue(r.rename("d", "d"))		# same key: OK, unchanged
		self.assertEqual(r.get("d"), b"va")
		self.assertEqual(self.err("RENAME", "nokey", "nokey"), "no such key")

	def test_renamenx(self):
		r = self.r
		r.mset({"a": 1, "b": 2})
		self.assertEqual(r.renamenx("a", "b"), False)
		self.assertEqual(r.mget("a", "b"), [b"1", b"2"])
		self.assertEqual(r.renamenx("a", "c"), True)
		self.assertEqual(r.mget("a", "c"), [None, b"1"])
		self.assertEqual(self.ex("RENAMENX", "c", "c"), 0)
		self.assertEqual(self.err("RENAMENX", "nokey", "x"), "no such key")

	def test_select_dbsize_isolation(self):
		r0 = self.server.client(db=0)
		r5 = self.server.client(db=5)
		r0.set("k", "zero")
		r5.set("k", "five")
		r5.set("k2", "x")
		self.assertEqual(r0.get("k"), b"zero")
		self.assertEqual(r5.get("k"), b"five")
		self.assertEqual(r0.dbsize(), 1)
		self.assertEqual(r5.dbsize(), 2)
		self.assertEqual(self.err("SELECT", "16"), "DB index is out of range")
		self.assertEqual(self.err("SELECT", "-1"), "DB index is out of range")
		self.assertEqual(self.err("SELECT", "x"), "value is not an integer or out of range")
		# on one connection SELECT switches the current database
		c = self.server.sock()
		self.assertEqual(c.cmd("SELECT", "5"), ("simple", "OK"))
		self.assertEqual(c.cmd("GET", "k"), b"five")
		self.assertEqual(c.cmd("SELECT", "15"), ("simple", "OK"))
		self.assertEqual(c.cmd("GET", "k"), None)
		c.close()
		r0.close()
		r5.close()

	def test_flushdb_flushall(self):
		r0 = self.server.client(db=0)
		r1 = self.server.client(db=1)
		for i in range(100):
			r0.set("k%d" % i, i)
			r1.set("k%d" % i, i)
		self.assertTrue(r1.flushdb())
		self.assertEqual(r1.dbsize(), 0)
		self.assertEqual(r0.dbsize(), 100)
		r1.set("x", 1)
		self.assertEqual(self.ex("FLUSHALL", "SYNC"), b"OK")
		self.assertEqual(r0.dbsize() + r1.dbsize(), 0)
		r0.set("y", 1)
		self.assertEqual(self.ex("FLUSHALL", "ASYNC"), b"OK")
		self.assertEqual(r0.dbsize(), 0)
		r0.set("z", 1)
		self.assertEqual(self.ex("FLUSHDB", "ASYNC"), b"OK")
		self.assertEqual(r0.dbsize(), 0)
		self.assertEqual(self.err("FLUSHDB", "FOO"), "syntax error")
		# the database works normally after a flush
		r0.set("after", "v")
		self.assertEqual(r0.get("after"), b"v")
		r0.close()
		r1.close()

	def test_move(self):
		r = self.r
		r1 = self.server.client(db=1)
		r.set("k", "v", ex=100)
		self.assertEqual(r.move("k", 1), True)
		self.assertEqual(r.exists("k"), 0)
		self.assertEqual(r1.get("k"), b"v")
		self.assertTrue(90 <= r1.ttl("k") <= 100)
		r.set("k", "other")
		self.assertEqual(r1.move("k", 0), False)	# destination exists: nothing moves
		self.assertEqual(r.get("k"), b"other")
		self.assertEqual(r1.get("k"), b"v")
		self.assertEqual(r.move("nokey", 1), False)
		self.assertEqual(self.err("MOVE", "k", "0"), "source and destination objects are the same")
		self.assertEqual(self.err("MOVE", "k", "16"), "DB index is out of range")
		r1.close()

	def test_copy(self):
		r = self.r
		r1 = self.server.client(db=1)
		r.set("src", "v", ex=100)
		self.assertEqual(self.ex("COPY", "src", "dst"), 1)
		self.assertEqual(r.get("dst"), b"v")
		self.assertTrue(90 <= r.ttl("dst") <= 100)
		r.set("src", "changed")				# a copy, not a reference
		self.assertEqual(r.get("dst"), b"v")
		self.assertEqual(self.ex("COPY", "src", "dst"), 0)	# exists, no REPLACE
		self.assertEqual(r.get("dst"), b"v")
		self.assertEqual(self.ex("COPY", "src", "dst", "REPLACE"), 1)
		self.assertEqual(r.get("dst"), b"changed")
		self.assertEqual(r.ttl("dst"), -1)
		self.assertEqual(self.ex("COPY", "src", "dst", "DB", "1"), 1)
		self.assertEqual(r1.get("dst"), b"changed")
		self.assertEqual(self.ex("COPY", "nokey", "x"), 0)
		self.assertEqual(self.err("COPY", "src", "src"), "source and destination objects are the same")
		self.assertEqual(self.err("COPY", "src", "x", "DB", "99"), "DB index is out of range")
		self.assertEqual(self.err("COPY", "src", "x", "FOO"), "syntax error")
		big = bytes(range(256)) * 1000
		r.set("big", big)
		self.ex("COPY", "big", "big2")
		self.assertEqual(r.get("big2"), big)
		r1.close()

	def test_swapdb(self):
		r0 = self.server.client(db=0)
		r1 = self.server.client(db=1)
		r0.set("k", "zero")
		r0.set("only0", 1)
		r1.set("k", "one", ex=100)
		self.assertTrue(r0.swapdb(0, 1))
		self.assertEqual(r0.get("k"), b"one")
		self.assertTrue(90 <= r0.ttl("k") <= 100)
		self.assertEqual(r1.get("k"), b"zero")
		self.assertEqual(r1.get("only0"), b"1")
		self.assertEqual(r0.dbsize(), 1)
		self.assertEqual(r1.dbsize(), 2)
		self.assertTrue(r0.swapdb(1, 1))
		self.assertEqual(self.err("SWAPDB", "0", "16"), "DB index is out of range")
		self.assertEqual(self.err("SWAPDB", "x", "0"), "invalid first DB index")
		self.assertEqual(self.err("SWAPDB", "0", "y"), "invalid second DB index")
		r0.swapdb(0, 1)
		self.assertEqual(r0.get("k"), b"zero")
		r0.close()
		r1.close()

	def test_binary_keys(self):
		r = self.r
		keys = [bytes([i, 255 - i, 0, 13, 10]) for i in range(256)]
		for k in keys:
			r.set(k, k)
		self.assertEqual(r.dbsize(), 256)
		self.assertEqual(set(r.keys("*")), set(keys))
		self.assertEqual(set(r.scan_iter(count=40)), set(keys))
		self.assertEqual(r.delete(*keys[:128]), 128)
		self.assertEqual(r.exists(*keys), 128)
		r.rename(keys[200], b"\x00renamed\r\n")
		self.assertEqual(r.get(b"\x00renamed\r\n"), keys[200])

	def test_many_keys_grow_and_shrink(self):
		# many inserts then deletes: the table grows and (perhaps) shrinks without losing
		# any key still present
		r = self.r
		n = 50000
		p = r.pipeline(transaction=False)
		for i in range(n):
			p.set("g:%d" % i, i)
		p.execute()
		self.assertEqual(r.dbsize(), n)
		p = r.pipeline(transaction=False)
		for i in range(0, n, 2):
			p.delete("g:%d" % i)
		p.execute()
		self.assertEqual(r.dbsize(), n // 2)
		p = r.pipeline(transaction=False)
		for i in range(n):
			p.exists("g:%d" % i)
		got = p.execute()
		self.assertEqual(got, [i % 2 for i in range(n)])


if __name__ == "__main__":
	harness.main()
