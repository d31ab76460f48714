#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_fastpath_zset.py - sorted-set reads over UDP: the kernel's replies equal TCP's.

What:
 1. For ZSCORE (present / missing member / missing key, integers, inf, -inf, fractional scores),
    ZRANGE / ZREVRANGE by rank with and without WITHSCORES (inside the kernel's bounds: at most
    FP_ZRANGE_MAX = 16 members, non-negative start/stop; and outside them: 17 members,
    negative indexes, BYSCORE/REV, scores the kernel cannot print such as 1e-5 or 1e300),
    ZRANK / ZREVRANK with and without WITHSCORE (present and missing members), WRONGTYPE and
    missing keys, the UDP reply payload is byte-identical to the TCP reply of the same command
    on the same server.
 2. That runs three times: fast path off (user space answers all), generic XDP on lo, tcx on
    lo. With the fast path on, every request the table marks "k" must come back with the
    KERNEL flag (retried a few times: a reader in doubt passes up, which is allowed once),
    every request marked "u" must not, fastpath_hits must grow, and passed_zset must grow by
    at least the number of "u" requests the kernel passes for a zset bound.
 3. A writer racing UDP readers of `ZRANGE lb 0 9 WITHSCORES`. Two writers, each making every
    state it ever publishes computable from the reply alone:
     - ZADD of all 12 members per version v: member i gets v*16 + p_v(i), p_v a permutation
       of 0..12 (i*k + v mod 13, 13 prime). The reply names v (score // 16) and must equal the
       ranking of version v exactly: a reply mixing versions, a member with a score of another
       version, or a wrong order is a failure. ZADD is one command: atomicity is checked too.
     - ZINCRBY 5 on the 10 members round-robin (m0, m1, ..., m9, m0, ...), initial score 3*i:
       after t writes member i has count floor((t - i + 9) / 10) increments, so the reply's
       scores give t (the sum of counts) and the reply must equal the state after t writes.
     - the same ZADD writer against readers of `ZRANK lb m<j> WITHSCORE` / `ZREVRANK ...`: the
       score names the version and the rank must be m<j>'s rank in that version (a rank read
       in the middle of a ZADD, which moves one member at a time, never existed between
       commands).
    For all, a reader's versions (v, t) never go backwards (each reader is sequential, so a
    later reply must not show an older state), and the kernel must have answered at least one
    request during the race.
    Found with it: half-applied ZADDs (members of two versions) answered by the kernel's
    ZRANGE, until range and rank answers required the keyspace write seqcount (bpf/fp_zset.h).

Why: the kernel may only make sorted-set reads faster, never different (issue 4); a torn
ranking from the lock-free skip-list reader would be a wrong answer, not a miss.

Isolation: as root the file re-executes itself in a private network namespace (`unshare
--net`, as test_udp.py), so its XDP/tcx attachments meet nobody else's and die with it.
Skips with exit 77 and the reason when not root or XDP/tcx cannot be attached (part 1 with the
fast path off still runs first and its failures still fail the file).
Invariants: free ports only (harness), every server stopped by its class; < 40 s.
"""

import os
import socket
import struct
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_udp  # noqa: E402  (frame(), udp_ask(), tcp_raw(), fp_info(): one codec for tests)

F_REPLY, F_KERNEL = test_udp.F_REPLY, test_udp.F_KERNEL
frame, tcp_raw, fp_info = test_udp.frame, test_udp.tcp_raw, test_udp.fp_info
RACE_SECS = {"zadd": 3.0, "zrank": 2.0, "zincrby": 1.5}	# seconds per race, per mode
FP_WHY = None		# why the kernel part was skipped


def load_zsets(r):
	"""Data set of part 1. z: 32 members (ties ordered by member bytes, +inf and -inf)."""
	z = {"m%02d" % i: i // 2 for i in range(30)}
	z["top"] = float("inf")
	z["bot"] = float("-inf")
	r.zadd("z", z)
	r.zadd("zf", {"a": 1.5, "b": 2.25, "c": 0.1, "d": 3, "e": -0.5})
	r.zadd("zn", {"neg": -5, "big": 123456789012345, "e16": 10 ** 16, "zero": 0, "n7": -7})
	r.zadd("zs", {"only": 42})
	r.zadd("zx", {"tiny": 1e-5, "huge": 1e300, "ok": 2, "q": 0.3, "e": 2.0 ** -20})
	r.set("str", "x")


# (expectation, command): "k" the kernel must answer, "u" user space must (the kernel passes),
# "z" user space must and the kernel counts it in passed_zset, "?" either.
CASES = [
	("k", ("ZSCORE", "z", "m05")), ("k", ("ZSCORE", "z", "top")), ("k", ("ZSCORE", "z", "bot")),
	("k", ("ZSCORE", "z", "nosuch")), ("u", ("ZSCORE", "nokey", "m")),
	("k", ("ZSCORE", "zn", "big")), ("k", ("ZSCORE", "zn", "neg")), ("k", ("ZSCORE", "zn", "e16")),
	("k", ("ZSCORE", "zn", "zero")), ("k", ("zscore", "zs", "only")),
	("k", ("ZSCORE", "zf", "a")), ("k", ("ZSCORE", "zf", "c")), ("k", ("ZSCORE", "zf", "e")),
	("k", ("ZSCORE", "zx", "q")), ("k", ("ZSCORE", "zx", "e")), ("z", ("ZSCORE", "zx", "tiny")),
	("z", ("ZSCORE", "zx", "huge")), ("z", ("ZRANGE", "zx", "0", "4", "WITHSCORES")),
	("k", ("ZRANGE", "zx", "0", "4")),
	("k", ("ZSCORE", "zf", "d")), ("u", ("ZSCORE", "str", "x")),
	("k", ("ZRANGE", "z", "0", "15")), ("k", ("ZRANGE", "z", "0", "15", "WITHSCORES")),
	("k", ("ZREVRANGE", "z", "0", "9", "WITHSCORES")), ("k", ("ZREVRANGE", "z", "0", "15")),
	("k", ("ZRANGE", "z", "0", "0", "withscores")), ("k", ("zrevrange", "z", "3", "7")),
	("k", ("ZRANGE", "z", "16", "31", "WITHSCORES")), ("k", ("ZRANGE", "z", "28", "100")),
	("k", ("ZRANGE", "z", "100", "200")), ("k", ("ZRANGE", "z", "5", "3", "WITHSCORES")),
	("k", ("ZRANGE", "zn", "0", "10", "WITHSCORES")), ("k", ("ZRANGE", "zf", "0", "10")),
	("k", ("ZRANGE", "zs", "0", "0", "WITHSCORES")),
	("z", ("ZRANGE", "z", "0", "16")), ("z", ("ZREVRANGE", "z", "0", "31", "WITHSCORES")),
	("k", ("ZRANGE", "zf", "0", "10", "WITHSCORES")), ("k", ("ZREVRANGE", "zf", "0", "1", "WITHSCORES")),
	("k", ("ZREVRANGE", "zf", "0", "0", "WITHSCORES")),
	("u", ("ZRANGE", "z", "0", "-1")), ("u", ("ZRANGE", "z", "-3", "-1", "WITHSCORES")),
	("u", ("ZREVRANGE", "z", "-2", "5")), ("u", ("ZRANGE", "z", "0", "5", "REV")),
	("u", ("ZRANGE", "z", "0", "5", "BYSCORE")), ("u", ("ZRANGE", "nokey", "0", "5")),
	("u", ("ZRANGE", "str", "0", "1")), ("u", ("ZRANGE", "z", "0", "1", "WITHSCORE")),
	("u", ("ZRANGE", "z", "0")),
	("k", ("ZRANK", "z", "m05")), ("k", ("ZREVRANK", "z", "m05")), ("k", ("ZRANK", "z", "nosuch")),
	("k", ("ZRANK", "z", "top", "WITHSCORE")), ("k", ("zrevrank", "z", "bot", "withscore")),
	("k", ("ZRANK", "z", "nosuch", "WITHSCORE")), ("k", ("ZREVRANK", "zf", "c", "WITHSCORE")),
	("k", ("ZRANK", "zx", "tiny")), ("z", ("ZRANK", "zx", "tiny", "WITHSCORE")),
	("u", ("ZREVRANK", "nokey", "x")), ("u", ("ZRANK", "str", "x")),
	("u", ("ZRANK", "z", "m05", "WITHSCORES")), ("u", ("ZRANK", "z")),
]


def udp(port, args, timeout=2.0):
	r = test_udp.udp_ask(port, frame(args), timeout=timeout)
	if r is None:
		raise AssertionError("no UDP reply to %r" % (args,))
	return r


class ZsetOff(harness.ServerTestCase):
	"""Part 1/2 with the fast path off: every reply from user space, equal to TCP's."""
	mode = "off"
	server_args = ("--fastpath-mode", "off")

	@classmethod
	def setUpClass(cls):
		global FP_WHY
		super().setUpClass()
		info = fp_info(cls.server)
		if info.get("fastpath_mode") != cls.mode:
			why = "%s fast path not attached: %s" % (
				cls.mode, info.get("fastpath_off_reason", "?"))
			FP_WHY = FP_WHY or why
			raise unittest.SkipTest(why)

	def ask(self, args, want_kernel):
		"""UDP reply; when the kernel should answer, retry a few times (a reader in doubt
		passes up, and the first datagram may race the attach)."""
		for _ in range(20 if want_kernel else 1):
			hdr, p = udp(self.server.port, args)
			if hdr[2] & F_KERNEL or not want_kernel:
				break
			time.sleep(0.01)
		return hdr, p

	def test_replies_identical_to_tcp(self):
		load_zsets(self.r)
		on = self.mode != "off"
		info0 = fp_info(self.server)
		nz = 0
		bad = []
		for exp, args in CASES:
			hdr, p = self.ask(args, on and exp == "k")
			want = tcp_raw(self.server.port, *args)
			self.assertEqual(p, want, args)
			self.assertEqual(hdr[0:2], (test_udp.MAGIC, 1))
			self.assertEqual(hdr[3:], (7, 0))
			kern = bool(hdr[2] & F_KERNEL)
			if not on and kern:
				bad.append(("kernel flag with the fast path off", args))
			if on and exp == "k" and not kern:
				bad.append(("not answered by the kernel", args))
			if exp in ("u", "z") and kern:
				bad.append(("answered by the kernel beyond its bounds", args))
			nz += exp == "z"
		self.assertEqual(bad, [], fp_info(self.server))
		info = fp_info(self.server)
		d = {k: int(info[k]) - int(info0[k]) for k in
		     ("fastpath_hits", "fastpath_passed_zset", "fastpath_requests")}
		if on:
			nk = sum(e == "k" for e, _ in CASES)
			self.assertGreaterEqual(d["fastpath_hits"], nk, d)
			self.assertGreaterEqual(d["fastpath_passed_zset"], nz, d)
		else:
			self.assertEqual(d, {k: 0 for k in d})

	def test_writes_seen_at_once(self):
		"""Every ZADD/ZINCRBY/ZREM is visible to the next UDP read, kernel or not."""
		for i in range(15):
			self.r.zadd("w", {"a": i, "b": 20 - i})
			if i % 3 == 0:
				self.r.zincrby("w", 7, "c")
			if i % 5 == 4:
				self.r.zrem("w", "c")
			for args in (("ZRANGE", "w", "0", "9", "WITHSCORES"), ("ZSCORE", "w", "a"),
				     ("ZREVRANGE", "w", "0", "1")):
				_, p = self.ask(args, self.mode != "off")
				self.assertEqual(p, tcp_raw(self.server.port, *args), (i, args))

	# ---- part 3: the race ----

	def _race(self, kind, writer, check, nreaders=2, req=None, parse=None):
		"""Run writer(stop) against nreaders UDP readers for RACE_SECS[kind]; check(reply) returns
		the state number the reply shows or raises. Every reply is checked (the first three
		bad ones are described in errors, all are counted in it). Returns (replies, kernel,
		errors)."""
		stop = threading.Event()
		errors = []
		stats = [0, 0, 0, 0]	# replies, kernel replies, bad user, bad kernel
		lock = threading.Lock()

		def reader():
			s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
			s.settimeout(1.0)
			last, rid, k = -1, 0, 0
			try:
				while not stop.is_set():
					rid += 1
					k += 1
					args = req(k) if req else ("ZRANGE", "lb", "0", "9", "WITHSCORES")
					s.sendto(frame(args, rid=rid), ("127.0.0.1", self.server.port))
					try:
						while True:
							r = s.recv(4096)
							if struct.unpack(">I", r[4:8])[0] == rid:
								break
					except socket.timeout:
						continue
					kern = bool(r[3] & F_KERNEL)
					with lock:
						stats[0] += 1
						stats[1] += kern
					try:
						st = check((parse or parse_pairs)(r[16:]), args)
					except AssertionError as e:
						with lock:
							stats[2 + kern] += 1
						if len(errors) < 3:
							errors.append("%s reply %r: %s" % (
								"kernel" if kern else "user", r[16:], e))
						continue
					if st < last:
						with lock:
							stats[2 + kern] += 1
						if len(errors) < 3:
							errors.append("went back from state %d to %d (%s)"
								      % (last, st, "kernel" if kern else "user"))
						continue
					last = st
			finally:
				s.close()

		ths = [threading.Thread(target=reader) for _ in range(nreaders)]
		w = threading.Thread(target=writer, args=(stop, errors))
		for t in ths:
			t.start()
		w.start()
		time.sleep(RACE_SECS[kind])
		stop.set()
		w.join(10)
		for t in ths:
			t.join(10)
		if stats[2] or stats[3]:
			errors.append("%d of %d user-space and %d of %d kernel replies inconsistent"
				      % (stats[2], stats[0] - stats[1], stats[3], stats[1]))
		return stats[0], stats[1], errors

	def _zadd_writer(self, n):
		"""The writer of versions: ZADD of all n members of version 1, 2, ... (zadd_version)."""
		def writer(stop, errors):
			c = self.server.client()
			v = 0
			try:
				while not stop.is_set():
					v += 1
					c.zadd("lb", zadd_version(v, n))
			except Exception as e:	# noqa: BLE001 - reported as a failure
				errors.append("writer: %r" % e)
			finally:
				c.close()
		return writer

	def _race_verdict(self, kind, total, kern, errors):
		"""No inconsistent reply; some replies, and some from the kernel when it is on."""
		self.assertFalse(errors, "\n".join(errors))
		self.assertGreater(total, 0)
		if self.mode != "off":
			self.assertGreater(kern, 0, ("no kernel answer during the race", total,
						     fp_info(self.server)))
		print("  [%s %s race: %d replies, %d from the kernel]" % (self.mode, kind, total, kern))

	def test_race_zadd_versions(self):
		n = 12
		self.r.zadd("lb", zadd_version(0, n))
		writer = self._zadd_writer(n)

		def check(pairs, _args):
			self.assertTrue(pairs, "empty ranking")
			v = int(pairs[0][1]) // 16
			want = zadd_expected(v, n)
			if pairs != want:
				raise AssertionError("not version %d's ranking %r" % (v, want))
			return v

		total, kern, errors = self._race("zadd", writer, check)
		self._race_verdict("zadd", total, kern, errors)

	def test_race_zrank(self):
		n = 12
		self.r.zadd("lb", zadd_version(0, n))
		writer = self._zadd_writer(n)

		def req(k):
			return ("ZREVRANK" if k & 1 else "ZRANK", "lb", "m%d" % (k % n), "WITHSCORE")

		def check(rank_score, args):
			rank, score = rank_score
			v = int(score) // 16
			s = zadd_version(v, n)
			order = sorted(s, key=lambda m: (s[m], m))
			if args[0] == "ZREVRANK":
				order.reverse()
			if s[args[2]] != int(score) or order.index(args[2]) != rank:
				raise AssertionError("rank %d score %s of %s: not version %d's"
						     % (rank, score, args[2], v))
			return v

		total, kern, errors = self._race("zrank", writer, check, req=req,
						 parse=parse_rank_score)
		self._race_verdict("zrank", total, kern, errors)

	def test_race_zincrby(self):
		n = 10
		self.r.zadd("lb", {"m%d" % i: 3 * i for i in range(n)})

		def writer(stop, errors):
			c = self.server.client()
			t = 0
			try:
				while not stop.is_set():
					c.zincrby("lb", 5, "m%d" % (t % n))
					t += 1
			except Exception as e:	# noqa: BLE001 - reported as a failure
				errors.append("writer: %r" % e)
			finally:
				c.close()

		def check(pairs, _args):
			self.assertEqual(len(pairs), n, "not all members")
			t = 0
			for m, s in pairs:
				i = int(m[1:])
				cnt, rem = divmod(int(s) - 3 * i, 5)
				self.assertEqual(rem, 0, "score %s of %s never written" % (s, m))
				t += cnt
			want = zincr_expected(t, n)
			if pairs != want:
				raise AssertionError("not the state after %d writes %r" % (t, want))
			return t

		total, kern, errors = self._race("zincrby", writer, check)
		self._race_verdict("zincrby", total, kern, errors)


def parse_pairs(payload):
	"""A RESP2 flat array of member, score bulk strings -> [(member str, score str)]."""
	if not payload.startswith(b"*"):
		raise AssertionError("not an array")
	parts = payload.split(b"\r\n")
	n = int(parts[0][1:])
	if n % 2:
		raise AssertionError("odd WITHSCORES array")
	vals = []
	k = 1
	for _ in range(n):
		ln = int(parts[k][1:])
		val = parts[k + 1]
		if len(val) != ln:
			raise AssertionError("bad bulk length")
		vals.append(val.decode())
		k += 2
	if b"\r\n".join(parts[k:]) != b"":
		raise AssertionError("trailing bytes")
	return list(zip(vals[0::2], vals[1::2]))


def parse_rank_score(payload):
	"""ZRANK ... WITHSCORE's RESP2 reply *2 :rank $len score -> (rank int, score str)."""
	parts = payload.split(b"\r\n")
	if len(parts) != 5 or parts[0] != b"*2" or not parts[1].startswith(b":") or parts[4]:
		raise AssertionError("not [rank, score]")
	if int(parts[2][1:]) != len(parts[3]):
		raise AssertionError("bad bulk length")
	return int(parts[1][1:]), parts[3].decode()


def zadd_perm(v, i):
	return (i * (1 + v % 12) + v) % 13


def zadd_version(v, n):
	return {"m%d" % i: v * 16 + zadd_perm(v, i) for i in range(n)}


def zadd_expected(v, n):
	s = zadd_version(v, n)
	order = sorted(s, key=lambda m: (s[m], m))[:10]
	return [(m, str(s[m])) for m in order]


def zincr_expected(t, n):
	s = {}
	for i in range(n):
		cnt = (t - i + n - 1) // n if t > i else 0
		s["m%d" % i] = 3 * i + 5 * cnt
	order = sorted(s, key=lambda m: (s[m], m.encode()))[:10]
	return [(m, str(s[m])) for m in order]


class ZsetXdp(ZsetOff):
	"""Parts 1-3 with generic XDP on lo."""
	mode = "generic"
	server_args = ("--fastpath-mode", "generic", "--fastpath-iface", "lo")


class ZsetTc(ZsetOff):
	"""Parts 1-3 with tcx ingress on lo."""
	mode = "tc"
	server_args = ("--fastpath-mode", "tc", "--fastpath-iface", "lo")


def main():
	harness.raise_nofile()
	loader = unittest.defaultTestLoader
	suite = unittest.TestSuite()
	classes = [ZsetOff]
	if os.geteuid() == 0:
		classes += [ZsetXdp, ZsetTc]
	for cls in classes:
		suite.addTests(loader.loadTestsFromTestCase(cls))
	runner = unittest.TextTestRunner(verbosity=2, stream=sys.stdout)
	t0 = time.time()
	res = runner.run(suite)
	failed = len(res.failures) + len(res.errors)
	skipped = len(res.skipped)
	print("target=%s binary=%s time=%.1fs" % (harness.TARGET, harness.server_binary(),
						  time.time() - t0))
	print("%d passed, %d failed" % (res.testsRun - failed - skipped, failed))
	harness._stop_all()
	if failed:
		sys.exit(1)
	why = FP_WHY or (None if os.geteuid() == 0 else "not root: XDP/tcx cannot be attached")
	if why:
		print("SKIP (kernel part): %s" % why)
		sys.exit(77)
	sys.exit(0)


if __name__ == "__main__":
	if harness.IS_REDIS:
		harness.skip_file("UDP is arenakv's own protocol: not applicable to redis-server")
	harness.enter_private_netns(__file__)
	main()
