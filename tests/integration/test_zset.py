#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_zset.py - the sorted-set commands of the running server, checked against Redis 7.

What: ZADD (NX XX GT LT CH INCR) ZINCRBY ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK,
the ZRANGE family (BYSCORE BYLEX REV LIMIT WITHSCORES, the legacy ZRANGEBY*/ZREV* commands,
ZRANGESTORE), ZREM and the ZREMRANGEBY* commands, ZPOPMIN/ZPOPMAX, ZRANDMEMBER, ZSCAN, the set
operations (ZUNION ZINTER ZDIFF, their *STORE forms, WEIGHTS AGGREGATE, ZINTERCARD LIMIT), score
formatting (RESP2 bulk "%.17g", inf/-inf, RESP3 doubles and [member, score] pairs), exact error
texts on the wire, WRONGTYPE in both directions, key-level behaviour (TYPE, DEL, RENAME, MOVE,
EXPIRE, FLUSHALL, WATCH) and a randomized differential run against redis-server.

Why: clients see these replies directly. Every expectation here was first run against
redis-server 7.0.15 (ARENAKV_TARGET=redis); the few places where arenakv knowingly differs are
marked IS_REDIS with the reason (ZRANK WITHSCORE is Redis 7.2's, 7.0 refuses it).

Invariants: one server per class, FLUSHALL before each test; the differential class starts its
own redis-server (skipped only when the binary is missing) and stops it in tearDownClass.
"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import redis  # noqa: E402

WT = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"


def flat(pairs):
	out = []
	for m, s in pairs:
		out += [m, s]
	return out


class Zset(harness.ServerTestCase):

	def wire(self, *args):
		"""Reply exactly as sent, through a raw RESP2 socket (errors keep their code)."""
		if not hasattr(self, "_sock"):
			self._sock = self.server.sock()
		return self._sock.cmd(*args)

	def tearDown(self):
		if hasattr(self, "_sock"):
			self._sock.close()
			del self._sock
		super().tearDown()

	def werr(self, *args):
		rep = self.wire(*args)
		self.assertIsInstance(rep, tuple, args)
		self.assertEqual(rep[0], "error", (args, rep))
		return rep[1]

	# ---- ZADD -----------------------------------------------------------------------------

	def test_zadd_basic_and_update(self):
		r = self.r
		self.assertEqual(r.zadd("z", {"a": 1, "b": 2, "c": 3}), 3)
		self.assertEqual(r.zadd("z", {"a": 1, "b": 5}), 0)	# updates are not counted
		self.assertEqual(r.zscore("z", "b"), 5.0)
		self.assertEqual(r.zcard("z"), 3)
		self.assertEqual(r.type("z"), b"zset")
		# duplicates in one call: the last score wins, the member is added once
		self.assertEqual(self.wire("ZADD", "d", "1", "x", "2", "x"), 1)
		self.assertEqual(self.wire("ZSCORE", "d", "x"), b"2")

	def test_zadd_options(self):
		w = self.wire
		self.assertEqual(w("ZADD", "z", "XX", "1", "a"), 0)
		self.assertEqual(w("EXISTS", "z"), 0)			# XX on a missing key creates nothing
		self.assertEqual(w("ZADD", "z", "NX", "1", "a"), 1)
		self.assertEqual(w("ZADD", "z", "NX", "5", "a", "2", "b"), 1)
		self.assertEqual(w("ZSCORE", "z", "a"), b"1")		# NX left a alone
		self.assertEqual(w("ZADD", "z", "XX", "CH", "7", "a", "9", "new"), 1)
		self.assertEqual(w("ZSCORE", "z", "new"), None)
		self.assertEqual(w("ZADD", "z", "GT", "CH", "3", "a", "8", "b"), 1)	# only b grows
		self.assertEqual(w("ZRANGE", "z", "0", "-1", "WITHSCORES"), [b"a", b"7", b"b", b"8"])
		self.assertEqual(w("ZADD", "z", "LT", "CH", "3", "a", "9", "b", "1", "c"), 2)
		self.assertEqual(w("ZRANGE", "z", "0", "-1", "WITHSCORES"),
				 [b"c", b"1", b"a", b"3", b"b", b"8"])
		self.assertEqual(w("ZADD", "z", "CH", "3", "a", "4", "b"), 1)	# same score: no change
		self.assertEqual(w("ZADD", "z", "XX", "GT", "CH", "10", "c", "1", "a"), 1)

	def test_zadd_incr_and_zincrby(self):
		w = self.wire
		self.assertEqual(w("ZADD", "z", "INCR", "2.5", "a"), b"2.5")
		self.assertEqual(w("ZADD", "z", "INCR", "1", "a"), b"3.5")
		self.assertEqual(w("ZADD", "z", "NX", "INCR", "1", "a"), None)	# not processed
		self.assertEqual(w("ZADD", "z", "XX", "INCR", "1", "nope"), None)
		self.assertEqual(w("ZADD", "z", "GT", "INCR", "-1", "a"), None)
		self.assertEqual(w("ZADD", "z", "LT", "INCR", "-1", "a"), b"2.5")
		self.assertEqual(w("ZINCRBY", "z", "10", "b"), b"10")
		self.assertEqual(w("ZINCRBY", "z", "-0.1", "b"), b"9.9000000000000004")
		self.assertEqual(w("ZINCRBY", "z", "inf", "b"), b"inf")
		self.assertEqual(self.werr("ZINCRBY", "z", "-inf", "b"),
				 "ERR resulting score is not a number (NaN)")
		self.assertEqual(w("ZSCORE", "z", "b"), b"inf")		# unchanged after the NaN
		self.assertEqual(self.werr("ZINCRBY", "z", "abc", "b"), "ERR value is not a valid float")
		self.assertEqual(self.werr("ZINCRBY", "z", "nan", "b"), "ERR value is not a valid float")

	def test_zadd_errors(self):
		e = self.werr
		self.assertEqual(e("ZADD", "z", "XX", "NX", "1", "a"),
				 "ERR XX and NX options at the same time are not compatible")
		for opts in (("GT", "LT"), ("GT", "NX"), ("LT", "NX")):
			self.assertEqual(e("ZADD", "z", *opts, "1", "a"),
					 "ERR GT, LT, and/or NX options at the same time are not compatible")
		self.assertEqual(e("ZADD", "z", "INCR", "1", "a", "2", "b"),
				 "ERR INCR option supports a single increment-element pair")
		self.assertEqual(e("ZADD", "z", "1"), "ERR wrong number of arguments for 'zadd' command")
		self.assertEqual(e("ZADD", "z", "NX", "1"), SYNTAX)
		self.assertEqual(e("ZADD", "z", "1", "a", "2"), SYNTAX)
		self.assertEqual(e("ZADD", "z", "NX", "XX"), SYNTAX)
		self.assertEqual(e("ZADD", "z", "nan", "a"), "ERR value is not a valid float")
		self.assertEqual(e("ZADD", "z", "1", "a", "x", "b"), "ERR value is not a valid float")
		self.assertEqual(e("ZADD", "z", "1 ", "a"), "ERR value is not a valid float")
		self.assertEqual(e("ZADD", "z"), "ERR wrong number of arguments for 'zadd' command")
		self.assertEqual(self.wire("EXISTS", "z"), 0)	# all or nothing: no key was made

	def test_scores_format(self):
		w = self.wire
		w("ZADD", "z", "1.5", "a", "0.1", "b", "1e300", "c", "-0", "d", "inf", "e", "-inf", "f",
		  "10", "g", "-3.25", "h", "123456789012345678", "i")
		self.assertEqual(w("ZRANGE", "z", "0", "-1", "WITHSCORES"), [
			b"f", b"-inf", b"h", b"-3.25", b"d", b"0", b"b", b"0.10000000000000001",
			b"a", b"1.5", b"g", b"10", b"i", b"1.2345678901234568e+17",
			b"c", b"1.0000000000000001e+300", b"e", b"inf"])
		self.assertEqual(w("ZSCORE", "z", "d"), b"0")

	# ---- reads ----------------------------------------------------------------------------

	def test_zscore_zmscore_zcard(self):
		w = self.wire
		w("ZADD", "z", "1", "a", "2", "b")
		self.assertEqual(w("ZSCORE", "z", "a"), b"1")
		self.assertIsNone(w("ZSCORE", "z", "nope"))
		self.assertIsNone(w("ZSCORE", "nokey", "a"))
		self.assertEqual(w("ZMSCORE", "z", "a", "nope", "b"), [b"1", None, b"2"])
		self.assertEqual(w("ZMSCORE", "nokey", "a", "b"), [None, None])
		self.assertEqual(w("ZCARD", "z"), 2)
		self.assertEqual(w("ZCARD", "nokey"), 0)

	def test_zrank(self):
		w = self.wire
		w("ZADD", "z", "1", "a", "2", "b", "3", "c")
		self.assertEqual(w("ZRANK", "z", "a"), 0)
		self.assertEqual(w("ZRANK", "z", "c"), 2)
		self.assertEqual(w("ZREVRANK", "z", "c"), 0)
		self.assertEqual(w("ZREVRANK", "z", "a"), 2)
		self.assertIsNone(w("ZRANK", "z", "nope"))
		self.assertIsNone(w("ZRANK", "nokey", "a"))
		if harness.IS_REDIS:
			# WITHSCORE arrived in Redis 7.2; 7.0 has arity 3
			self.assertEqual(self.werr("ZRANK", "z", "b", "WITHSCORE"),
					 "ERR wrong number of arguments for 'zrank' command")
		else:
			self.assertEqual(w("ZRANK", "z", "b", "WITHSCORE"), [1, b"2"])
			self.assertEqual(w("ZREVRANK", "z", "b", "withscore"), [1, b"2"])
			self.assertIsNone(w("ZRANK", "z", "nope", "WITHSCORE"))
			self.assertIsNone(w("ZRANK", "nokey", "a", "WITHSCORE"))
			self.assertEqual(self.werr("ZRANK", "z", "b", "FOO"), SYNTAX)

	def test_zcount_zlexcount(self):
		w = self.wire
		w("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
		self.assertEqual(w("ZCOUNT", "z", "-inf", "+inf"), 4)
		self.assertEqual(w("ZCOUNT", "z", "(1", "3"), 2)
		self.assertEqual(w("ZCOUNT", "z", "(1", "(2"), 0)
		self.assertEqual(w("ZCOUNT", "z", "5", "1"), 0)
		self.assertEqual(w("ZCOUNT", "nokey", "0", "1"), 0)
		self.assertEqual(self.werr("ZCOUNT", "z", "a", "1"), "ERR min or max is not a float")
		self.assertEqual(self.werr("ZCOUNT", "z", "1", "(nan"), "ERR min or max is not a float")
		w("ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d")
		self.assertEqual(w("ZLEXCOUNT", "l", "-", "+"), 4)
		self.assertEqual(w("ZLEXCOUNT", "l", "[b", "(d"), 2)
		self.assertEqual(w("ZLEXCOUNT", "l", "(a", "[a"), 0)
		self.assertEqual(w("ZLEXCOUNT", "l", "+", "-"), 0)
		for bad in (("a", "+"), ("-", "b"), ("", "+"), ("++", "+")):
			self.assertEqual(self.werr("ZLEXCOUNT", "l", *bad),
					 "ERR min or max not valid string range item")

	# ---- ranges ---------------------------------------------------------------------------

	def test_zrange_by_rank(self):
		w = self.wire
		w("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
		self.assertEqual(w("ZRANGE", "z", "0", "-1"), [b"a", b"b", b"c", b"d"])
		self.assertEqual(w("ZRANGE", "z", "1", "2", "WITHSCORES"), [b"b", b"2", b"c", b"3"])
		self.assertEqual(w("ZRANGE", "z", "-2", "100"), [b"c", b"d"])
		self.assertEqual(w("ZRANGE", "z", "-100", "0"), [b"a"])
		self.assertEqual(w("ZRANGE", "z", "3", "1"), [])
		self.assertEqual(w("ZRANGE", "z", "5", "10"), [])
		self.assertEqual(w("ZRANGE", "z", "0", "1", "REV"), [b"d", b"c"])
		self.assertEqual(w("ZREVRANGE", "z", "0", "-1", "WITHSCORES"),
				 [b"d", b"4", b"c", b"3", b"b", b"2", b"a", b"1"])
		self.assertEqual(w("ZRANGE", "nokey", "0", "-1"), [])
		self.assertEqual(self.werr("ZRANGE", "z", "a", "1"),
				 "ERR value is not an integer or out of range")
		self.assertEqual(self.werr("ZRANGE", "z", "0", "1", "LIMIT", "0", "1"),
				 "ERR syntax error, LIMIT is only supported in combination with either "
				 "BYSCORE or BYLEX")
		self.assertEqual(self.werr("ZRANGE", "z", "0", "1", "REV", "REV"), SYNTAX)
		self.assertEqual(self.werr("ZREVRANGE", "z", "0", "1", "REV"), SYNTAX)
		self.assertEqual(self.werr("ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"), SYNTAX)

	def test_zrange_by_score(self):
		w = self.wire
		w("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
		self.assertEqual(w("ZRANGE", "z", "(1", "3", "BYSCORE"), [b"b", b"c"])
		self.assertEqual(w("ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "WITHSCORES"),
				 [b"c", b"3", b"b", b"2"])
		self.assertEqual(w("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"),
				 [b"b", b"c"])
		self.assertEqual(w("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"), [])
		self.assertEqual(w("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "-1"),
				 [b"c", b"d", b"e"])
		self.assertEqual(w("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "5", "1"), [])
		self.assertEqual(w("ZRANGEBYSCORE", "z", "2", "4", "WITHSCORES", "LIMIT", "0", "0"), [])
		self.assertEqual(w("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "2",
				   "WITHSCORES"), [b"d", b"4", b"c", b"3"])
		self.assertEqual(w("ZREVRANGEBYSCORE", "z", "2", "4"), [])
		# strtod semantics of Redis's range parser: "" is 0, leading space allowed
		self.assertEqual(w("ZRANGEBYSCORE", "z", "", "1"), [b"a"])
		self.assertEqual(w("ZRANGEBYSCORE", "z", " 4", "+inf"), [b"d", b"e"])
		self.assertEqual(self.werr("ZRANGE", "z", "(1", "b", "BYSCORE"),
				 "ERR min or max is not a float")
		self.assertEqual(self.werr("ZRANGEBYSCORE", "z", "nan", "1"),
				 "ERR min or max is not a float")
		self.assertEqual(self.werr("ZRANGEBYSCORE", "z", "0", "1", "REV"), SYNTAX)
		self.assertEqual(self.werr("ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "0"), SYNTAX)
		self.assertEqual(self.werr("ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "x", "1"),
				 "ERR value is not an integer or out of range")

	def test_zrange_by_lex(self):
		w = self.wire
		w("ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "ab")
		self.assertEqual(w("ZRANGE", "z", "[b", "(d", "BYLEX"), [b"b", b"c"])
		self.assertEqual(w("ZRANGEBYLEX", "z", "-", "[ab"), [b"a", b"ab"])
		self.assertEqual(w("ZRANGEBYLEX", "z", "(a", "+", "LIMIT", "1", "2"), [b"b", b"c"])
		self.assertEqual(w("ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "0", "2"), [b"e", b"d"])
		self.assertEqual(w("ZRANGE", "z", "[d", "(b", "BYLEX", "REV"), [b"d", b"c"])
		self.assertEqual(w("ZRANGE", "z", "+", "-", "BYLEX", "REV"),
				 [b"e", b"d", b"c", b"b", b"ab", b"a"])
		self.assertEqual(w("ZRANGE", "z", "-", "+", "BYLEX", "REV"), [])	# max first
		self.assertEqual(w("ZRANGEBYLEX", "z", "+", "-"), [])
		self.assertEqual(self.werr("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"),
				 "ERR syntax error, WITHSCORES not supported in combination with BYLEX")
		self.assertEqual(self.werr("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"),
				 "ERR syntax error, WITHSCORES not supported in combination with BYLEX")
		self.assertEqual(self.werr("ZRANGE", "z", "a", "b", "BYLEX"),
				 "ERR min or max not valid string range item")

	def test_zrangestore(self):
		w = self.wire
		w("ZADD", "src", "1", "a", "2", "b", "3", "c")
		self.assertEqual(w("ZRANGESTORE", "dst", "src", "0", "1"), 2)
		self.assertEqual(w("ZRANGE", "dst", "0", "-1", "WITHSCORES"), [b"a", b"1", b"b", b"2"])
		self.assertEqual(w("ZRANGESTORE", "dst", "src", "(1", "+inf", "BYSCORE", "LIMIT", "1",
				   "5"), 1)
		self.assertEqual(w("ZRANGE", "dst", "0", "-1"), [b"c"])
		self.assertEqual(w("ZRANGESTORE", "dst", "src", "+", "-", "BYLEX", "REV"), 3)
		w("SET", "str", "x")
		self.assertEqual(w("ZRANGESTORE", "str", "src", "0", "0"), 1)	# overwrites any type
		self.assertEqual(w("TYPE", "str"), ("simple", "zset"))
		self.assertEqual(w("ZRANGESTORE", "dst", "src", "5", "10"), 0)	# empty: dst deleted
		self.assertEqual(w("EXISTS", "dst"), 0)
		self.assertEqual(w("ZRANGESTORE", "dst", "nokey", "0", "-1"), 0)
		self.assertEqual(self.werr("ZRANGESTORE", "dst", "src", "0", "-1", "WITHSCORES"), SYNTAX)
		w("SET", "s", "x")
		self.assertEqual(self.werr("ZRANGESTORE", "dst", "s", "0", "-1"), WT)

	# ---- removal --------------------------------------------------------------------------

	def test_zrem_deletes_empty_key(self):
		w = self.wire
		w("ZADD", "z", "1", "a", "2", "b")
		self.assertEqual(w("ZREM", "z", "a", "nope", "a"), 1)
		self.assertEqual(w("ZREM", "nokey", "a"), 0)
		self.assertEqual(w("ZREM", "z", "b"), 1)
		self.assertEqual(w("EXISTS", "z"), 0)
		self.assertEqual(w("TYPE", "z"), ("simple", "none"))

	def test_zremrange(self):
		w = self.wire
		args = []
		for i in range(10):
			args += [str(i), "m%d" % i]
		w("ZADD", "z", *args)
		self.assertEqual(w("ZREMRANGEBYRANK", "z", "0", "1"), 2)
		self.assertEqual(w("ZREMRANGEBYRANK", "z", "-1", "-1"), 1)
		self.assertEqual(w("ZREMRANGEBYRANK", "z", "5", "1"), 0)
		self.assertEqual(w("ZREMRANGEBYSCORE", "z", "(2", "4"), 2)
		self.assertEqual(w("ZREMRANGEBYSCORE", "z", "100", "200"), 0)
		self.assertEqual(w("ZRANGE", "z", "0", "-1"), [b"m2", b"m5", b"m6", b"m7", b"m8"])
		self.assertEqual(w("ZREMRANGEBYSCORE", "nokey", "0", "1"), 0)
		self.assertEqual(self.werr("ZREMRANGEBYSCORE", "z", "x", "1"),
				 "ERR min or max is not a float")
		self.assertEqual(self.werr("ZREMRANGEBYRANK", "z", "x", "1"),
				 "ERR value is not an integer or out of range")
		w("ZADD", "l", "0", "a", "0", "b", "0", "c")
		self.assertEqual(w("ZREMRANGEBYLEX", "l", "(a", "+"), 2)
		self.assertEqual(self.werr("ZREMRANGEBYLEX", "l", "a", "+"),
				 "ERR min or max not valid string range item")
		self.assertEqual(w("ZREMRANGEBYLEX", "l", "-", "+"), 1)
		self.assertEqual(w("EXISTS", "l"), 0)
		self.assertEqual(w("ZREMRANGEBYRANK", "z", "0", "-1"), 5)
		self.assertEqual(w("EXISTS", "z"), 0)

	def test_zpop(self):
		w = self.wire
		w("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
		self.assertEqual(w("ZPOPMIN", "z"), [b"a", b"1"])
		self.assertEqual(w("ZPOPMAX", "z"), [b"d", b"4"])
		self.assertEqual(w("ZPOPMAX", "z", "5"), [b"c", b"3", b"b", b"2"])
		self.assertEqual(w("EXISTS", "z"), 0)
		self.assertEqual(w("ZPOPMIN", "z"), [])
		self.assertEqual(w("ZPOPMIN", "z", "3"), [])
		w("ZADD", "z", "1", "a")
		self.assertEqual(w("ZPOPMIN", "z", "0"), [])
		self.assertEqual(self.werr("ZPOPMIN", "z", "-1"),
				 "ERR value is out of range, must be positive")
		self.assertEqual(self.werr("ZPOPMIN", "z", "x"),
				 "ERR value is out of range, must be positive")
		self.assertEqual(self.werr("ZPOPMIN", "z", "1", "2"), SYNTAX)

	# ---- random and scan ------------------------------------------------------------------

	def test_zrandmember(self):
		w = self.wire
		members = {b"m%d" % i: i for i in range(20)}
		args = []
		for m, s in members.items():
			args += [str(s), m]
		w("ZADD", "z", *args)
		self.assertIn(w("ZRANDMEMBER", "z"), members)
		self.assertIsNone(w("ZRANDMEMBER", "nokey"))
		self.assertEqual(w("ZRANDMEMBER", "nokey", "5"), [])
		self.assertEqual(w("ZRANDMEMBER", "z", "0"), [])
		got = w("ZRANDMEMBER", "z", "5")
		self.assertEqual(len(got), 5)
		self.assertEqual(len(set(got)), 5)			# positive count: distinct
		self.assertTrue(set(got) <= set(members))
		got = w("ZRANDMEMBER", "z", "15", "WITHSCORES")
		self.assertEqual(len(got), 30)
		self.assertEqual(len(set(got[0::2])), 15)
		for m, s in zip(got[0::2], got[1::2]):
			self.assertEqual(int(s), members[m])
		got = w("ZRANDMEMBER", "z", "100")			# more than there are: all of them
		self.assertEqual(sorted(got), sorted(members))
		got = w("ZRANDMEMBER", "z", "-50")			# negative: repetitions allowed
		self.assertEqual(len(got), 50)
		self.assertTrue(set(got) <= set(members))
		got = w("ZRANDMEMBER", "z", "-3", "WITHSCORES")
		self.assertEqual(len(got), 6)
		self.assertEqual(self.werr("ZRANDMEMBER", "z", "1", "FOO"), SYNTAX)
		self.assertEqual(self.werr("ZRANDMEMBER", "z", "x"),
				 "ERR value is not an integer or out of range")
		self.assertEqual(self.werr("ZRANDMEMBER", "z", str(2 ** 62), "WITHSCORES"),
				 "ERR value is out of range")

	def test_zscan_small_and_big(self):
		w = self.wire
		w("ZADD", "z", "1", "a", "2", "b", "3", "c")
		self.assertEqual(w("ZSCAN", "z", "0"), [b"0", [b"a", b"1", b"b", b"2", b"c", b"3"]])
		self.assertEqual(w("ZSCAN", "z", "0", "MATCH", "[ab]"), [b"0", [b"a", b"1", b"b", b"2"]])
		self.assertEqual(w("ZSCAN", "nokey", "0"), [b"0", []])
		self.assertEqual(self.werr("ZSCAN", "z", "abc"), "ERR invalid cursor")
		self.assertEqual(self.werr("ZSCAN", "z", "0", "COUNT", "0"), SYNTAX)
		self.assertEqual(self.werr("ZSCAN", "z", "0", "TYPE", "zset"), SYNTAX)
		self.assertEqual(self.werr("ZSCAN", "z", "0", "COUNT"), SYNTAX)
		# a big zset is scanned in steps; every member comes back at least once
		expect = {}
		args = []
		for i in range(1000):
			expect[b"member:%d" % i] = i * 0.5
			args += [repr(i * 0.5), "member:%d" % i]
		w("ZADD", "big", *args)
		seen, cursor, calls = {}, b"0", 0
		while True:
			cursor, items = w("ZSCAN", "big", cursor, "COUNT", "50")
			calls += 1
			for m, s in zip(items[0::2], items[1::2]):
				seen[m] = float(s)
			if cursor == b"0":
				break
		self.assertEqual(seen, expect)
		self.assertGreater(calls, 2)
		_, items = w("ZSCAN", "big", "0", "MATCH", "member:99*", "COUNT", "100000")
		self.assertEqual(sorted(items[0::2]), sorted(m for m in expect
							      if m.startswith(b"member:99")))

	# ---- set operations -------------------------------------------------------------------

	def test_union_inter_diff(self):
		w = self.wire
		w("ZADD", "z1", "1", "a", "2", "b", "3", "c")
		w("ZADD", "z2", "10", "b", "20", "c", "30", "d")
		self.assertEqual(w("ZUNION", "2", "z1", "z2", "WITHSCORES"),
				 [b"a", b"1", b"b", b"12", b"c", b"23", b"d", b"30"])
		self.assertEqual(w("ZINTER", "2", "z1", "z2"), [b"b", b"c"])
		self.assertEqual(w("ZINTER", "2", "z1", "z2", "WEIGHTS", "2", "3", "AGGREGATE", "MAX",
				   "WITHSCORES"), [b"b", b"30", b"c", b"60"])
		self.assertEqual(w("ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "0", "AGGREGATE", "MIN",
				   "WITHSCORES"), [b"b", b"0", b"c", b"0", b"d", b"0", b"a", b"1"])
		self.assertEqual(w("ZDIFF", "2", "z1", "z2", "WITHSCORES"), [b"a", b"1"])
		self.assertEqual(w("ZDIFF", "2", "nokey", "z2"), [])
		self.assertEqual(w("ZINTER", "2", "z1", "nokey"), [])
		self.assertEqual(w("ZUNION", "2", "z1", "nokey"), [b"a", b"b", b"c"])
		self.assertEqual(w("ZINTER", "2", "z1", "z1", "WITHSCORES"),
				 [b"a", b"2", b"b", b"4", b"c", b"6"])
		self.assertEqual(w("ZINTERCARD", "2", "z1", "z2"), 2)
		self.assertEqual(w("ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"), 1)
		self.assertEqual(w("ZINTERCARD", "2", "z1", "z2", "LIMIT", "0"), 2)
		self.assertEqual(w("ZINTERCARD", "1", "nokey"), 0)

	def test_store_variants(self):
		w = self.wire
		w("ZADD", "z1", "1", "a", "2", "b")
		w("ZADD", "z2", "5", "b", "7", "c")
		self.assertEqual(w("ZUNIONSTORE", "out", "2", "z1", "z2"), 3)
		self.assertEqual(w("ZRANGE", "out", "0", "-1", "WITHSCORES"),
				 [b"a", b"1", b"b", b"7", b"c", b"7"])	# equal scores: member order
		self.assertEqual(w("ZINTERSTORE", "out", "2", "z1", "z2", "AGGREGATE", "MIN"), 1)
		self.assertEqual(w("ZRANGE", "out", "0", "-1", "WITHSCORES"), [b"b", b"2"])
		self.assertEqual(w("ZDIFFSTORE", "out", "2", "z1", "z2"), 1)
		self.assertEqual(w("ZRANGE", "out", "0", "-1"), [b"a"])
		w("EXPIRE", "out", "100")
		self.assertEqual(w("ZUNIONSTORE", "out", "1", "z1"), 2)
		self.assertEqual(w("TTL", "out"), -1)			# a new value: no TTL
		self.assertEqual(w("ZINTERSTORE", "out", "2", "z1", "nokey"), 0)
		self.assertEqual(w("EXISTS", "out"), 0)			# empty result deletes dst
		self.assertEqual(w("ZUNIONSTORE", "z1", "2", "z1", "z2"), 3)	# dst among the sources
		self.assertEqual(w("ZRANGE", "z1", "0", "-1", "WITHSCORES"),
				 [b"a", b"1", b"b", b"7", b"c", b"7"])

	def test_inf_and_nan_arithmetic(self):
		w = self.wire
		w("ZADD", "i1", "inf", "a")
		w("ZADD", "i2", "-inf", "a")
		self.assertEqual(w("ZUNION", "2", "i1", "i2", "WITHSCORES"), [b"a", b"0"])	# inf-inf
		self.assertEqual(w("ZUNION", "2", "i1", "i2", "WEIGHTS", "0", "0", "WITHSCORES"),
				 [b"a", b"0"])					# inf*0
		self.assertEqual(w("ZINTER", "2", "i1", "i2", "WEIGHTS", "0", "1", "WITHSCORES"),
				 [b"a", b"-inf"])
		self.assertEqual(w("ZINTER", "2", "i1", "i2", "AGGREGATE", "MAX", "WITHSCORES"),
				 [b"a", b"inf"])
		# -0: a direct reply shows it (Redis replies from its skiplist), a stored small result
		# shows "0" (Redis's listpack), as does ZADD -0 into a small zset
		w("ZADD", "zero", "0", "a")
		self.assertEqual(w("ZUNION", "1", "zero", "WEIGHTS", "-1", "WITHSCORES"), [b"a", b"-0"])
		self.assertEqual(w("ZUNIONSTORE", "st", "1", "zero", "WEIGHTS", "-1"), 1)
		self.assertEqual(w("ZSCORE", "st", "a"), b"0")
		self.assertEqual(w("ZADD", "nz", "-0", "x"), 1)
		self.assertEqual(w("ZSCORE", "nz", "x"), b"0")

	def test_setop_errors(self):
		e = self.werr
		self.assertEqual(e("ZUNIONSTORE", "d", "0", "z"),
				 "ERR at least 1 input key is needed for 'zunionstore' command")
		self.assertEqual(e("ZINTER", "-1", "z"),
				 "ERR at least 1 input key is needed for 'zinter' command")
		self.assertEqual(e("ZINTERCARD", "0", "z"),
				 "ERR at least 1 input key is needed for 'zintercard' command")
		self.assertEqual(e("ZUNION", "x", "z"), "ERR value is not an integer or out of range")
		self.assertEqual(e("ZUNION", "2", "z"), SYNTAX)
		self.assertEqual(e("ZUNION", "1", "z", "WEIGHTS", "x"), "ERR weight value is not a float")
		self.assertEqual(e("ZUNION", "1", "z", "WEIGHTS"), SYNTAX)
		self.assertEqual(e("ZUNION", "1", "z", "AGGREGATE", "AVG"), SYNTAX)
		self.assertEqual(e("ZDIFF", "1", "z", "WEIGHTS", "1"), SYNTAX)
		self.assertEqual(e("ZDIFF", "1", "z", "AGGREGATE", "SUM"), SYNTAX)
		self.assertEqual(e("ZUNIONSTORE", "d", "1", "z", "WITHSCORES"), SYNTAX)
		self.assertEqual(e("ZINTERCARD", "2", "z"), SYNTAX)
		self.assertEqual(e("ZINTERCARD", "1", "z", "LIMIT", "-1"), "ERR LIMIT can't be negative")
		self.assertEqual(e("ZINTERCARD", "1", "z", "LIMIT", "abc"), "ERR LIMIT can't be negative")
		self.assertEqual(e("ZINTERCARD", "1", "z", "LIMIT"), SYNTAX)
		self.assertEqual(e("ZINTERCARD", "1", "z", "WITHSCORES"), SYNTAX)

	# ---- RESP3 ----------------------------------------------------------------------------

	def test_resp3_shapes(self):
		s = self.server.sock()
		try:
			s.cmd("HELLO", "3")
			s.cmd("ZADD", "z", "1", "a", "2.5", "b", "inf", "c")
			D = lambda v: ("double", v)  # noqa: E731
			self.assertEqual(s.cmd("ZSCORE", "z", "b"), D(2.5))
			self.assertEqual(s.cmd("ZSCORE", "z", "c"), D(float("inf")))
			self.assertEqual(s.cmd("ZMSCORE", "z", "a", "x"), [D(1.0), None])
			self.assertEqual(s.cmd("ZINCRBY", "z", "1", "a"), D(2.0))
			self.assertEqual(s.cmd("ZRANGE", "z", "0", "-1", "WITHSCORES"),
					 [[b"a", D(2.0)], [b"b", D(2.5)], [b"c", D(float("inf"))]])
			self.assertEqual(s.cmd("ZRANGE", "z", "0", "0"), [b"a"])
			self.assertEqual(s.cmd("ZUNION", "1", "z", "WITHSCORES")[0], [b"a", D(2.0)])
			self.assertEqual(s.cmd("ZRANDMEMBER", "z", "1", "WITHSCORES")[0][0] in
					 (b"a", b"b", b"c"), True)
			self.assertEqual(s.cmd("ZSCAN", "z", "0"),
					 [b"0", [b"a", b"2", b"b", b"2.5", b"c", b"inf"]])
			self.assertEqual(s.cmd("ZPOPMIN", "z"), [b"a", D(2.0)])	# no count: flat
			self.assertEqual(s.cmd("ZPOPMAX", "z", "1"), [[b"c", D(float("inf"))]])
			self.assertIsNone(s.cmd("ZSCORE", "z", "nope"))
		finally:
			s.close()

	# ---- types and keys -------------------------------------------------------------------

	def test_wrongtype_both_ways(self):
		w = self.wire
		w("SET", "s", "x")
		w("ZADD", "z", "1", "a")
		for args in (("ZADD", "s", "1", "a"), ("ZINCRBY", "s", "1", "a"), ("ZSCORE", "s", "a"),
			     ("ZMSCORE", "s", "a"), ("ZCARD", "s"), ("ZCOUNT", "s", "0", "1"),
			     ("ZLEXCOUNT", "s", "-", "+"), ("ZRANK", "s", "a"), ("ZREVRANK", "s", "a"),
			     ("ZRANGE", "s", "0", "1"), ("ZRANGEBYSCORE", "s", "0", "1"),
			     ("ZREVRANGEBYLEX", "s", "+", "-"), ("ZREM", "s", "a"),
			     ("ZREMRANGEBYRANK", "s", "0", "1"), ("ZREMRANGEBYSCORE", "s", "0", "1"),
			     ("ZREMRANGEBYLEX", "s", "-", "+"), ("ZPOPMIN", "s"), ("ZPOPMAX", "s", "2"),
			     ("ZRANDMEMBER", "s"), ("ZRANDMEMBER", "s", "2"), ("ZSCAN", "s", "0"),
			     ("ZUNION", "2", "z", "s"), ("ZINTERSTORE", "d", "2", "z", "s"),
			     ("ZDIFF", "2", "z", "s"), ("ZINTERCARD", "2", "z", "s")):
			self.assertEqual(self.werr(*args), WT, args)
		for args in (("GET", "z"), ("APPEND", "z", "x"), ("INCR", "z"), ("STRLEN", "z"),
			     ("GETRANGE", "z", "0", "1"), ("SETRANGE", "z", "0", "x"),
			     ("GETSET", "z", "x")):
			self.assertEqual(self.werr(*args), WT, args)
		self.assertEqual(w("TYPE", "z"), ("simple", "zset"))
		self.assertEqual(w("SET", "z", "v"), ("simple", "OK"))	# SET replaces a zset
		self.assertEqual(w("GET", "z"), b"v")

	def test_key_commands_on_zsets(self):
		w = self.wire
		w("ZADD", "z", "1", "a", "2", "b")
		self.assertEqual(w("RENAME", "z", "z2"), ("simple", "OK"))
		self.assertEqual(w("ZRANGE", "z2", "0", "-1", "WITHSCORES"), [b"a", b"1", b"b", b"2"])
		self.assertEqual(w("MOVE", "z2", "1"), 1)
		w("SELECT", "1")
		self.assertEqual(w("ZCARD", "z2"), 2)
		self.assertEqual(w("DEL", "z2"), 1)
		self.assertEqual(w("EXISTS", "z2"), 0)
		w("SELECT", "0")
		w("ZADD", "e", "1", "a")
		w("PEXPIRE", "e", "1")
		self.assertTrue(harness.wait_for(lambda: w("EXISTS", "e") == 0, 2))
		w("ZADD", "f", "1", "a")
		self.assertEqual(w("FLUSHALL"), ("simple", "OK"))
		self.assertEqual(w("DBSIZE"), 0)
		w("ZADD", "u", "1", "a")
		self.assertEqual(w("UNLINK", "u"), 1)

	def test_copy_zset(self):
		w = self.wire
		w("ZADD", "z", "1", "a", "2", "b")
		self.assertEqual(w("COPY", "z", "c"), 1)
		w("ZADD", "z", "3", "c")				# deep copy: independent
		self.assertEqual(w("ZRANGE", "c", "0", "-1", "WITHSCORES"), [b"a", b"1", b"b", b"2"])
		self.assertEqual(w("COPY", "z", "c"), 0)
		self.assertEqual(w("COPY", "z", "c", "REPLACE"), 1)
		self.assertEqual(w("ZCARD", "c"), 3)
		self.assertEqual(w("COPY", "z", "c", "DB", "2"), 1)
		w("SELECT", "2")
		self.assertEqual(w("ZSCORE", "c", "c"), b"3")
		w("SELECT", "0")

	def test_memory_is_returned(self):
		"""Deleting, overwriting, popping and flushing zsets give their memory back."""
		raw = self.raw

		def used():
			return harness.info_field(raw, "used_memory", "memory")

		base = used()
		for round_ in range(3):
			args = []
			for i in range(20000):
				args += [str(i), "member-%d-%d" % (round_, i)]
			self.wire("ZADD", "z", *args)
			self.assertGreater(used() - base, 500000)
			if round_ == 0:
				self.wire("DEL", "z")
			elif round_ == 1:
				self.wire("SET", "z", "x")			# overwrite by another type
				self.wire("DEL", "z")
			else:
				self.wire("ZPOPMIN", "z", "20000")	# popped empty: key deleted
			self.assertEqual(self.wire("EXISTS", "z"), 0)
			self.assertLess(abs(used() - base), 200000, "round %d" % round_)
		self.wire("ZADD", "y", *args)
		self.wire("FLUSHALL")
		self.assertLess(abs(used() - base), 200000, "flushall")

	def test_watch_sees_zset_writes(self):
		r = self.r
		r.zadd("z", {"a": 1})
		for write in (lambda o: o.zadd("z", {"d": 4}), lambda o: o.zincrby("z", 1, "a"),
			      lambda o: o.zrem("z", "a"), lambda o: o.zpopmin("z"),
			      lambda o: o.zremrangebyrank("z", 0, 0),
			      lambda o: o.zunionstore("z", ["z", "other"])):
			r.delete("z")
			r.zadd("z", {"a": 1, "b": 2, "c": 3})
			other = self.server.client()
			p = r.pipeline(transaction=True)
			p.watch("z")
			write(other)
			p.multi()
			p.set("marker", "x")
			with self.assertRaises(redis.WatchError, msg=write.__code__.co_firstlineno):
				p.execute()
			other.close()
		# a no-op write (same score) does not break the transaction
		r.delete("z")
		r.zadd("z", {"a": 1})
		p = r.pipeline(transaction=True)
		p.watch("z")
		self.server.client().zadd("z", {"a": 1})
		p.multi()
		p.set("marker", "y")
		self.assertEqual(p.execute(), [True])

	def test_multi_and_expiry(self):
		w = self.wire
		self.assertEqual(w("MULTI"), ("simple", "OK"))
		self.assertEqual(w("ZADD", "z", "1", "a", "2", "b"), ("simple", "QUEUED"))
		self.assertEqual(w("ZINCRBY", "z", "5", "a"), ("simple", "QUEUED"))
		self.assertEqual(w("ZRANGE", "z", "0", "-1", "WITHSCORES"), ("simple", "QUEUED"))
		self.assertEqual(w("ZPOPMAX", "z"), ("simple", "QUEUED"))
		self.assertEqual(w("EXEC"), [2, b"6", [b"b", b"2", b"a", b"6"], [b"a", b"6"]])
		# a zset keeps its TTL across in-place writes, and an expired one is gone for every
		# command (lazy expiry) including writes, which then start from an empty set
		w("PEXPIRE", "z", "100000")
		w("ZADD", "z", "3", "c")
		self.assertGreater(w("PTTL", "z"), 0)
		w("PEXPIRE", "z", "30")
		self.assertTrue(harness.wait_for(lambda: w("ZCARD", "z") == 0, 3))
		self.assertEqual(w("ZADD", "z", "XX", "1", "b"), 0)
		self.assertEqual(w("ZADD", "z", "1", "x"), 1)
		self.assertEqual(w("ZRANGE", "z", "0", "-1"), [b"x"])
		self.assertEqual(w("PTTL", "z"), -1)

	def test_binary_members_and_large_sets(self):
		r = self.r
		mem = {bytes([i, 0, 255 - i]) * (i % 7 + 1): i for i in range(256)}
		self.assertEqual(r.zadd("b", mem), 256)
		got = r.zrange("b", 0, -1, withscores=True)
		self.assertEqual(len(got), 256)
		self.assertEqual({m: int(s) for m, s in got}, mem)
		longm = b"x" * 5000
		self.assertEqual(r.zadd("b", {longm: -1}), 1)
		self.assertEqual(r.zrange("b", 0, 0), [longm])
		self.assertEqual(r.zscore("b", longm), -1.0)
		n = 20000
		r.zadd("large", {"m%06d" % i: i for i in range(n)})
		self.assertEqual(r.zcard("large"), n)
		self.assertEqual(r.zrank("large", "m012345"), 12345)
		self.assertEqual(r.zrange("large", 19998, -1), [b"m019998", b"m019999"])
		self.assertEqual(r.zcount("large", 100, "(200"), 100)
		self.assertEqual(r.zremrangebyscore("large", 0, 9999), 10000)
		self.assertEqual(r.zrange("large", 0, 0), [b"m010000"])


# ---- randomized differential run against redis-server -------------------------------------

class ZsetDifferential(harness.ServerTestCase):
	"""Same random command stream to the server under test and to a private redis-server; every
	reply must be identical (RESP2 and RESP3). Commands with random replies are left out."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.ref = None
		if os.access(harness.REDIS_SERVER, os.X_OK):
			cls.ref = harness.Server(binary=harness.REDIS_SERVER)
			cls.ref.start()

	@classmethod
	def tearDownClass(cls):
		if cls.ref:
			cls.ref.cleanup()
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		if not self.ref:
			self.skipTest("no redis-server at %s to compare with" % harness.REDIS_SERVER)
		c = self.ref.sock()
		c.cmd("FLUSHALL")
		c.close()

	def gen(self, rnd):
		keys = ["k1", "k2", "k3"]
		mems = ["a", "b", "c", "d", "e", "f", "g", "aa", "ab", ""]
		scores = ["0", "1", "-1", "2.5", "1e10", "-inf", "+inf", "(1", "(2.5", "3"]
		lex = ["-", "+", "[a", "(a", "[c", "(d", "[aa", "(g"]
		k = rnd.choice(keys)

		def m():
			return rnd.choice(mems)

		def sc():
			return rnd.choice(scores[:7] + ["3", "4", "0.5"])

		def rng():
			return rnd.choice(scores)

		def ix():
			return str(rnd.randint(-6, 6))

		ops = [
			lambda: ["ZADD", k] + rnd.sample(["NX", "XX", "GT", "LT", "CH"], rnd.randint(0, 2))
			+ sum([[sc(), m()] for _ in range(rnd.randint(1, 4))], []),
			lambda: ["ZADD", k, "INCR", sc(), m()],
			lambda: ["ZINCRBY", k, rnd.choice(["1", "-2", "0.25", "inf"]), m()],
			lambda: ["ZSCORE", k, m()],
			lambda: ["ZMSCORE", k, m(), m()],
			lambda: ["ZCARD", k],
			lambda: ["ZRANK", k, m()],
			lambda: ["ZREVRANK", k, m()],
			lambda: ["ZCOUNT", k, rng(), rng()],
			lambda: ["ZRANGE", k, ix(), ix()] + rnd.choice([[], ["WITHSCORES"], ["REV"]]),
			lambda: ["ZRANGE", k, rng(), rng(), "BYSCORE"] + rnd.choice(
				[[], ["REV"], ["LIMIT", ix(), ix()], ["WITHSCORES"]]),
			lambda: ["ZRANGEBYSCORE", k, rng(), rng(), "WITHSCORES"],
			lambda: ["ZREVRANGEBYSCORE", k, rng(), rng(), "LIMIT", ix(), ix()],
			lambda: ["ZREVRANGE", k, ix(), ix(), "WITHSCORES"],
			lambda: ["ZREM", k, m(), m()],
			lambda: ["ZREMRANGEBYRANK", k, ix(), ix()],
			lambda: ["ZREMRANGEBYSCORE", k, rng(), rng()],
			lambda: ["ZPOPMIN", k] + rnd.choice([[], [str(rnd.randint(0, 3))]]),
			lambda: ["ZPOPMAX", k] + rnd.choice([[], [str(rnd.randint(0, 3))]]),
			lambda: ["ZUNION", "2", k, rnd.choice(keys), "WITHSCORES"],
			lambda: ["ZINTER", "2", k, rnd.choice(keys), "WEIGHTS", sc(), sc(), "WITHSCORES"],
			lambda: ["ZDIFF", "2", k, rnd.choice(keys), "WITHSCORES"],
			lambda: ["ZUNIONSTORE", rnd.choice(keys), "2", k, rnd.choice(keys), "AGGREGATE",
				 rnd.choice(["SUM", "MIN", "MAX"])],
			lambda: ["ZINTERSTORE", rnd.choice(keys), "2", k, rnd.choice(keys)],
			lambda: ["ZINTERCARD", "2", k, rnd.choice(keys)],
			lambda: ["ZRANGESTORE", rnd.choice(keys), k, ix(), ix()],
			lambda: ["ZSCAN", k, "0"],
			lambda: ["EXISTS", k],
			lambda: ["TYPE", k],
			lambda: ["ZRANDMEMBER", k, "50", "WITHSCORES"],	# >= size: all, deterministic
		]
		lexops = [
			lambda: ["ZADD", "lx"] + sum([["0", m()] for _ in range(rnd.randint(1, 3))], []),
			lambda: ["ZRANGEBYLEX", "lx", rnd.choice(lex), rnd.choice(lex)],
			lambda: ["ZREVRANGEBYLEX", "lx", rnd.choice(lex), rnd.choice(lex), "LIMIT", ix(),
				 ix()],
			lambda: ["ZLEXCOUNT", "lx", rnd.choice(lex), rnd.choice(lex)],
			lambda: ["ZREMRANGEBYLEX", "lx", rnd.choice(lex), rnd.choice(lex)],
			lambda: ["ZRANGE", "lx", rnd.choice(lex), rnd.choice(lex), "BYLEX", "REV"],
		]
		return rnd.choice(ops if rnd.random() < 0.8 else lexops)()

	def run_stream(self, proto, seed, n):
		rnd = random.Random(seed)
		a, b = self.server.sock(), self.ref.sock()
		try:
			if proto == 3:
				a.cmd("HELLO", "3")
				b.cmd("HELLO", "3")
			for i in range(n):
				cmd = self.gen(rnd)
				ra, rb = a.cmd(*cmd), b.cmd(*cmd)
				self.assertEqual(ra, rb, "seed %d step %d: %r" % (seed, i, cmd))
		finally:
			a.close()
			b.close()

	def test_random_big(self):
		"""Hundreds of members with many equal scores: deep skip lists, ranks, ranges."""
		rnd = random.Random(7)
		a, b = self.server.sock(), self.ref.sock()
		try:
			for i in range(4000):
				op = rnd.random()
				m = "m%d" % rnd.randint(0, 600)
				lo, hi = sorted([rnd.randint(-10, 60), rnd.randint(-10, 60)])
				if op < 0.45:
					cmd = ["ZADD", "big", str(rnd.randint(0, 50)), m, str(rnd.randint(0, 50)),
					       "m%d" % rnd.randint(0, 600)]
				elif op < 0.55:
					cmd = ["ZREM", "big", m]
				elif op < 0.65:
					cmd = ["ZRANK", "big", m]
				elif op < 0.72:
					cmd = ["ZRANGE", "big", str(lo * 5), str(hi * 5), "WITHSCORES"]
				elif op < 0.79:
					cmd = ["ZRANGEBYSCORE", "big", "(%d" % lo, str(hi), "LIMIT",
					       str(rnd.randint(0, 20)), str(rnd.randint(-1, 20))]
				elif op < 0.84:
					cmd = ["ZREVRANGEBYSCORE", "big", str(hi), str(lo), "WITHSCORES"]
				elif op < 0.88:
					cmd = ["ZCOUNT", "big", str(lo), "(%d" % hi]
				elif op < 0.91:
					cmd = ["ZREMRANGEBYSCORE", "big", str(hi), str(hi)]
				elif op < 0.93:
					cmd = ["ZREMRANGEBYRANK", "big", str(lo), str(lo + 2)]
				elif op < 0.96:
					cmd = ["ZINCRBY", "big", str(rnd.randint(-3, 3)), m]
				else:
					cmd = ["ZREVRANK", "big", m]
				self.assertEqual(a.cmd(*cmd), b.cmd(*cmd), "step %d: %r" % (i, cmd))
			self.assertEqual(a.cmd("ZRANGE", "big", "0", "-1", "WITHSCORES"),
					 b.cmd("ZRANGE", "big", "0", "-1", "WITHSCORES"))
			self.assertGreater(a.cmd("ZCARD", "big"), 200)
		finally:
			a.close()
			b.close()

	def test_random_resp2(self):
		self.run_stream(2, 1234, 3000)

	def test_random_resp3(self):
		self.run_stream(3, 99, 2000)


if __name__ == "__main__":
	harness.main()
