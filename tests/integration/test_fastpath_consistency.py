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

Why: the fast path reads the arena with no lock while user space writes it; a torn or stale
reply is the one defect the issue forbids ("a false miss is fine").

Skips: a kernel path that cannot attach on this host (INFO fastpath_mode stays "off") is
skipped with the server's fastpath_off_reason; the user-space run still counts. Not applicable
to redis-server (no UDP): the whole file is skipped.

Bounded time: AKV_CONSISTENCY_SECS (default 10) split over the three runs.
Invariants: every server and reader process started here is stopped before the test returns.
"""

import bisect
import multiprocessing
import os
import random
import socket
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
HDR = struct.Struct(">HBBIQ")	# magic, version, flags, id, token (bpf/fastpath.h struct fp_hdr)
FP_MAGIC, FP_VERSION = 0xAE4B, 1
F_REPLY, F_KERNEL = 0x01, 0x02
# value lengths: small, around the kernel's 1400-byte reply limit, and above it
LENGTHS = [1, 24, 100, 511, 1000, 1360, 1380, 1389, 1390, 1391, 1400, 2000, 4000]
_rng = random.Random(1234)
FILLERS = [bytes(_rng.getrandbits(8) for _ in range(4096)) for _ in range(16)]


def make_value(n):
	"""Value number n: b"<n>:" + filler + b":<crc32 of what precedes>", len from LENGTHS."""
	head = b"%012d:" % n
	want = max(LENGTHS[n % len(LENGTHS)], len(head) + 9)
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
	if v[-9:-8] != b":" or zlib.crc32(v[:-9]) != crc or v != make_value(n):
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


def resp_get(key):
	return b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key)


def reader(port, deadline_ns, conn, seed):
	"""One reader process: GET back to back until deadline; sends its log through conn."""
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.connect(("127.0.0.1", port))
	s.settimeout(0.5)
	req = resp_get(KEY)
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
			p = d[16:]
			n = None
			if p[:1] == b"$":
				i = p.find(b"\r\n")
				try:
					ln = int(p[1:i])
				except ValueError:
					ln = -2
				if ln >= 0 and len(p) == i + 2 + ln + 2 and p.endswith(b"\r\n"):
					n = check_value(p[i + 2:i + 2 + ln])
			if n is None:
				if len(torn) < 5:
					torn.append((flags, p[:80]))
				else:
					torn.append(None)
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

	def run_path(self, mode, secs):
		args = ["--fastpath-iface", "lo", "--fastpath-mode", mode]
		srv = harness.Server(args)
		srv.start()
		try:
			self._run(srv, mode, secs)
		finally:
			srv.cleanup()

	def _run(self, srv, mode, secs):
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
		w.set(KEY, make_value(seq))
		acks_t, acks_n = [time.monotonic_ns()], [seq]
		deadline = time.monotonic_ns() + int(secs * 1e9)
		ctx = multiprocessing.get_context("fork")
		procs = []
		for i in range(READERS):
			a, b = ctx.Pipe(duplex=False)
			p = ctx.Process(target=reader, args=(srv.port, deadline, b, i + 1))
			p.start()
			b.close()
			procs.append((p, a))
		try:
			while time.monotonic_ns() < deadline:
				seq += 1
				w.set(KEY, make_value(seq))
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
		print("  %s: %d SETs, %d GETs (%d kernel-flagged, fastpath_hits +%d), %d torn, "
		      "%d stale, %d timeouts, %.1f s" % (mode, seq, reads, kernel, hits, torn, stale,
							 timeouts, secs))
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
		# acks: value 1 at t=10, 2 at t=20, 3 at t=30
		ex = []
		self.assertEqual(count_stale([10, 20, 30], [1, 2, 3], [5, 15, 25, 35, 35],
					     [1, 1, 2, 3, 4], ex), 0)
		self.assertEqual(count_stale([10, 20, 30], [1, 2, 3], [21, 31, 31],
					     [1, 2, 3], ex), 2)
		self.assertEqual(ex[0], ("stale", 1, 2))

	def test_1_userspace_udp(self):
		self.run_path("off", SECS * 0.2)

	def test_2_xdp_generic_lo(self):
		self.run_path("generic", SECS * 0.4)

	def test_3_tc_lo(self):
		self.run_path("tc", SECS * 0.4)


if __name__ == "__main__":
	if harness.IS_REDIS:
		harness.skip_file("redis-server has no UDP fast path")
	harness.main()
