#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_fastpath_consistency.py - GETs over UDP never see a torn or a stale value while one
writer keeps overwriting the key.

What: one writer (this process, redis-py over TCP) SETs one key to value number 1, 2, 3, ...
as fast as it can; value n carries n and its own CRC32, and its length cycles through sizes
around the kernel's reply limit (FP_REPLY_MAX in bpf/fastpath.h, 1400 bytes of RESP), so the
entry is resized, replaced and alternately answered by the kernel and passed to user space.
READERS processes send `GET key` datagrams (wire format v1) back to back for a bounded time
and check every reply:
  - torn: the reply is not exactly "$<len>\r\n<value n>\r\n" for the value the writer made for
    its n (length, filler bytes and checksum all checked), or a nil/error reply (the key
    always exists once the run starts);
  - stale: n is older than the newest SET whose acknowledgement the writer had received before
    the reader sent the GET (both sides stamp time.monotonic_ns(), CLOCK_MONOTONIC, which is
    one clock for all processes of the machine).
Zero of either is required. The run is repeated per path: user-space UDP (fast path off), XDP
generic on lo, tc on lo; for the kernel paths INFO's fastpath_hits must grow and the replies
carrying the KERNEL flag must be a real share of all replies, or the kernel was not tested.

Multi-key variant (test_4): the writer pipelines MSETs of the same value n to 16 keys, readers
MGET the 16 keys; MSET is atomic in Redis, so a reply mixing two n's is torn too. Before the
keyspace write seqcount (arena_hdr.wseq) existed, this caught kernel MGETs answered in the middle
of an MSET in about one 2-second run out of three; with it, none in ~190k kernel MGETs.

Why: the fast path reads the arena with no lock while user space writes it; a torn or stale
reply is the one defect the issue forbids ("a false miss is fine").

Skips: a kernel path that cannot attach on this host (INFO fastpath_mode stays "off") is
skipped with the server's fastpath_off_reason; the user-space run still counts. Not applicable
to redis-server (no UDP): the whole file is skipped.

Isolation: as root the file re-runs itself inside a private network namespace (its own lo), so
servers of other tests that attach XDP to the host's lo cannot make ours fail to attach.

Bounded time: AKV_CONSISTENCY_SECS (default 10) split over the runs. AKV_CONSISTENCY_ONLY=<substring>
runs only the matching tests (debugging).
Invariants: every server and reader process started here is stopped before the test returns.
"""

import bisect
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import struct
import sys
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SECS = float(os.environ.get("AKV_CONSISTENCY_SECS", "10"))
READERS = int(os.environ.get("AKV_CONSISTENCY_READERS", "2"))
KEY = b"fp:consistency"
# MSET/MGET of 16 keys: the longer the MSET, the wider the window a non-atomic MGET could hit
MGET_KEYS = tuple(b"fp:multi:%02d" % i for i in range(16))
MSET_BATCH = 50
HDR = struct.Struct(">HBBIQ")	# magic, version, flags, id, token (bpf/fastpath.h struct fp_hdr)
FP_MAGIC, FP_VERSION = 0xAE4B, 1
F_REPLY, F_KERNEL = 0x01, 0x02
# value lengths: small, around the kernel's 1400-byte reply limit, and above it
LENGTHS = [1, 24, 100, 511, 1000, 1360, 1380, 1389, 1390, 1391, 1400, 2000, 4000]
_rng = random.Random(1234)
FILLERS = [bytes(_rng.getrandbits(8) for _ in range(4096)) for _ in range(16)]


def make_value(n, small=False):
	"""Value number n: b"<n>:" + filler + b":<crc32 of what precedes>", len from LENGTHS
	(small: 30 to 59 bytes, so MGET of 16 keys still fits the kernel's reply limit)."""
	head = b"%012d:" % n
	want = max(30 + n % 30 if small else LENGTHS[n % len(LENGTHS)], len(head) + 9)
	body = head + FILLERS[n % len(FILLERS)][:want - len(head) - 9]
	return body + b":%08x" % zlib.crc32(body)


def check_value(v):
	"""n when v is exactly make_value(n), else None (torn)."""
	if len(v) < 22 or v[12:13] != b":":
		return None
	try:
		n = int(v[:12])
		crc = int(v[-8:], 16)
	except ValueError:
		return None
	if v[-9:-8] != b":" or zlib.crc32(v[:-9]) != crc:
		return None
	if v != make_value(n) and v != make_value(n, small=True):
		return None
	return n


def count_stale(acks_t, acks_n, sent, seqs, examples):
	"""Reads (sent[i], seqs[i]) older than the newest SET acknowledged before sent[i].
	acks_t ascending (one writer), acks_n ascending with it."""
	stale = 0
	for t, n in zip(sent, seqs):
		i = bisect.bisect_right(acks_t, t) - 1
		if i >= 0 and n < acks_n[i]:
			stale += 1
			if len(examples) < 10:
				examples.append(("stale", n, acks_n[i]))
	return stale


def resp_cmd(*args):
	out = [b"*%d\r\n" % len(args)]
	for a in args:
		out.append(b"$%d\r\n%s\r\n" % (len(a), a))
	return b"".join(out)


def parse_bulk(p, i):
	"""(value, next index) of the bulk string at p[i:], or (None, -1)."""
	if p[i:i + 1] != b"$":
		return None, -1
	j = p.find(b"\r\n", i)
	try:
		ln = int(p[i + 1:j])
	except ValueError:
		return None, -1
	end = j + 2 + ln
	if ln < 0 or p[end:end + 2] != b"\r\n":
		return None, -1
	return p[j + 2:end], end + 2


def parse_reply(p, nkeys):
	"""n when the reply is exactly what GET (nkeys 0) or MGET of nkeys keys returns for keys
	that all hold make_value(n) for the same n; else None (torn, or mixed versions)."""
	if nkeys == 0:
		v, end = parse_bulk(p, 0)
		return check_value(v) if v is not None and end == len(p) else None
	head = b"*%d\r\n" % nkeys
	if not p.startswith(head):
		return None
	i, seen = len(head), set()
	for _ in range(nkeys):
		v, i = parse_bulk(p, i)
		if v is None:
			return None
		seen.add(check_value(v))
	if i != len(p) or len(seen) != 1 or None in seen:
		return None
	return seen.pop()


def describe(p, nkeys):
	"""A short account of a rejected reply, for the failure message."""
	if nkeys and p.startswith(b"*%d\r\n" % nkeys):
		i, ns = len(b"*%d\r\n" % nkeys), []
		for _ in range(nkeys):
			v, i = parse_bulk(p, i)
			if v is None:
				break
			ns.append(check_value(v))
		if len(ns) == nkeys and None not in ns:
			return "versions per key %r" % (ns,)
	return repr(p[:80])


def reader(port, deadline_ns, conn, seed, keys):
	"""One reader process: GET KEY (keys None) or MGET keys back to back until deadline;
	sends its log through conn."""
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.connect(("127.0.0.1", port))
	s.settimeout(0.5)
	req = resp_cmd(b"GET", KEY) if keys is None else resp_cmd(b"MGET", *keys)
	nkeys = 0 if keys is None else len(keys)
	rid = random.Random(seed).getrandbits(32)
	sent, seqs = [], []
	torn, timeouts, kernel = [], 0, 0
	while time.monotonic_ns() < deadline_ns:
		rid = (rid + 1) & 0xFFFFFFFF
		t = time.monotonic_ns()
		s.send(HDR.pack(FP_MAGIC, FP_VERSION, 0, rid, 0) + req)
		while True:
			try:
				d = s.recv(70000)
			except socket.timeout:
				timeouts += 1
				break
			if len(d) < 16:
				continue
			magic, ver, flags, got, _ = HDR.unpack_from(d)
			if magic != FP_MAGIC or ver != FP_VERSION or not flags & F_REPLY or got != rid:
				continue	# a late reply to a request we gave up on
			n = parse_reply(d[16:], nkeys)
			if n is None:
				torn.append((flags, describe(d[16:], nkeys)) if len(torn) < 5 else None)
			else:
				sent.append(t)
				seqs.append(n)
				if flags & F_KERNEL:
					kernel += 1
			break
	conn.send((sent, seqs, [x for x in torn if x], len(torn), timeouts, kernel))
	conn.close()


class FastpathConsistency(unittest.TestCase):
	"""One server per path; each test is a bounded run with a writer and READERS readers."""

	def run_path(self, mode, secs, mset_keys=None):
		args = ["--fastpath-iface", "lo", "--fastpath-mode", mode]
		srv = harness.Server(args)
		srv.start()
		try:
			self._run(srv, mode, secs, mset_keys)
		finally:
			srv.cleanup()

	def _run(self, srv, mode, secs, mset_keys):
		raw = srv.raw_client()
		sec, flat = harness.parse_info(raw.execute_command("INFO", "fastpath"))
		got_mode = flat.get("fastpath_mode")
		self.assertIsNotNone(got_mode, "INFO has no fastpath_mode field")
		if mode != "off" and got_mode == "off":
			why = flat.get("fastpath_off_reason", "?")
			# a program the verifier refuses is our defect, not a missing feature
			self.assertNotIn("load", why, "the fast-path program does not load")
			self.skipTest("fast path mode %s unavailable on lo: %s" % (mode, why))
		self.assertEqual(got_mode, mode)
		hits0 = int(flat.get("fastpath_hits", "0"))

		w = srv.client()
		seq = 1
		if mset_keys:
			# pipelined: the server runs MSETs back to back, so the MGETs meet one mid-way
			# often; a batch is acknowledged (for the stale check) when all its replies came
			def write(n):
				p = w.pipeline(transaction=False)
				for i in range(n, n + MSET_BATCH):
					v = make_value(i, small=True)
					p.mset({k: v for k in mset_keys})
				p.execute()
				return n + MSET_BATCH - 1
		else:
			def write(n):
				w.set(KEY, make_value(n))
				return n
		seq = write(seq)
		acks_t, acks_n = [time.monotonic_ns()], [seq]
		deadline = time.monotonic_ns() + int(secs * 1e9)
		ctx = multiprocessing.get_context("fork")
		procs = []
		for i in range(READERS):
			a, b = ctx.Pipe(duplex=False)
			p = ctx.Process(target=reader, args=(srv.port, deadline, b, i + 1, mset_keys))
			p.start()
			b.close()
			procs.append((p, a))
		try:
			while time.monotonic_ns() < deadline:
				seq = write(seq + 1)
				acks_t.append(time.monotonic_ns())
				acks_n.append(seq)
			logs = [a.recv() for _, a in procs]
		finally:
			for p, a in procs:
				p.join(5)
				if p.is_alive():
					p.kill()
					p.join()
		w.close()

		reads = stale = torn = timeouts = kernel = 0
		examples = []
		for sent, seqs, torn_ex, ntorn, tmo, k in logs:
			reads += len(seqs)
			torn += ntorn
			timeouts += tmo
			kernel += k
			examples += torn_ex
			stale += count_stale(acks_t, acks_n, sent, seqs, examples)
		_, flat = harness.parse_info(raw.execute_command("INFO", "fastpath"))
		hits = int(flat.get("fastpath_hits", "0")) - hits0
		raw.close()
		print("  %s: %d %s, %d %s (%d kernel-flagged, fastpath_hits +%d), %d torn, "
		      "%d stale, %d timeouts, %.1f s" % (mode, seq, "MSETs" if mset_keys else "SETs",
							 reads, "MGETs" if mset_keys else "GETs", kernel,
							 hits, torn, stale, timeouts, secs))
		sys.stdout.flush()
		self.assertEqual(torn, 0, "torn replies: %r" % examples[:5])
		self.assertEqual(stale, 0, "stale replies (n, newest acked): %r" % examples[:5])
		self.assertGreater(reads, 1000, "too few reads to mean anything")
		self.assertGreater(seq, 100, "too few writes to mean anything")
		if mode == "off":
			self.assertEqual(kernel, 0, "KERNEL flag with the fast path off")
		else:
			self.assertGreater(hits, 0, "the kernel answered nothing (fastpath_hits)")
			self.assertGreater(kernel, reads // 20,
					   "under 5%% of the replies came from the kernel: "
					   "the kernel path was barely exercised")

	def test_0_checkers(self):
		"""The checkers themselves catch what they claim to (no server needed)."""
		v = make_value(77)
		self.assertEqual(check_value(v), 77)
		for i in (0, 5, 13, len(v) // 2, len(v) - 1):
			bad = v[:i] + bytes([v[i] ^ 1]) + v[i + 1:]
			self.assertIsNone(check_value(bad), "flip at %d not caught" % i)
		self.assertIsNone(check_value(v[:-1]))
		self.assertIsNone(check_value(make_value(78)[:40] + v[40:]))	# torn mix of two
		a, b = make_value(5), make_value(6)
		self.assertEqual(parse_reply(b"$%d\r\n%s\r\n" % (len(a), a), 0), 5)
		self.assertEqual(parse_reply(b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
					     % (len(a), a, len(a), a), 2), 5)
		self.assertIsNone(parse_reply(b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
					      % (len(a), a, len(b), b), 2), "mixed versions")
		self.assertIsNone(parse_reply(b"$%d\r\n%s\r\n+" % (len(a), a), 0), "trailing")
		self.assertIsNone(parse_reply(b"$-1\r\n", 0))
		# acks: value 1 at t=10, 2 at t=20, 3 at t=30
		ex = []
		self.assertEqual(count_stale([10, 20, 30], [1, 2, 3], [5, 15, 25, 35, 35],
					     [1, 1, 2, 3, 4], ex), 0)
		self.assertEqual(count_stale([10, 20, 30], [1, 2, 3], [21, 31, 31],
					     [1, 2, 3], ex), 2)
		self.assertEqual(ex[0], ("stale", 1, 2))

	def test_1_userspace_udp(self):
		self.run_path("off", SECS * 0.15)

	def test_2_xdp_generic_lo(self):
		self.run_path("generic", SECS * 0.3)

	def test_3_tc_lo(self):
		self.run_path("tc", SECS * 0.3)

	def test_4_mget_of_mset_xdp_generic_lo(self):
		"""MSET k1..k16 is atomic in Redis: an MGET of them never mixes two MSETs."""
		self.run_path("generic", SECS * 0.2, mset_keys=MGET_KEYS)


def run_isolated():
	"""Re-run this file inside a private network namespace (root only) and return its exit
	status, or None when that is not possible. Why: every arenakv-server started with the
	default configuration attaches its XDP program to lo, so servers of concurrent tests (or
	of people) on the same host would make our lo attach fail; a namespace has its own lo.
	The namespace is deleted on every exit path of this process (finally; SIGTERM -> exit)."""
	if os.environ.get("AKV_CONSISTENCY_NETNS") or os.geteuid() != 0 or not shutil.which("ip"):
		return None
	ns = "akvcons%d" % os.getpid()
	if subprocess.run(["ip", "netns", "add", ns], stderr=subprocess.DEVNULL).returncode:
		return None
	signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
	try:
		subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
		env = dict(os.environ, AKV_CONSISTENCY_NETNS=ns)
		return subprocess.run(["ip", "netns", "exec", ns, sys.executable,
				       os.path.abspath(__file__)], env=env).returncode
	finally:
		subprocess.run(["ip", "netns", "del", ns])


if __name__ == "__main__":
	if harness.IS_REDIS:
		harness.skip_file("redis-server has no UDP fast path")
	rc = run_isolated()
	if rc is not None:
		sys.exit(rc)
	print("network namespace: %s" % os.environ.get("AKV_CONSISTENCY_NETNS",
		"none (not root or no ip netns): lo is shared with other servers"))
	only = os.environ.get("AKV_CONSISTENCY_ONLY")	# debugging: a substring of test names
	if only:
		harness.main(suite=unittest.TestSuite(
			FastpathConsistency(n) for n in unittest.defaultTestLoader.getTestCaseNames(
				FastpathConsistency) if only in n))
	harness.main()
