#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_udp.py - the UDP protocol, answered by user space and then by the kernel fast path.

What:
 1. With the fast path off (--fastpath-mode off) every request is answered by server/udp.c:
    replies are byte-identical to what TCP sends for the same command (GET SET MGET EXISTS TTL
    PTTL STRLEN INCR DEL ...), the header is echoed with REPLY set and the token zeroed, errors
    (unknown command, arity, protocol errors, refused MULTI/EXEC/WATCH, unsupported flags) are
    RESP errors, malformed frames (short, bad magic/version, REPLY bit) get no reply at all and
    are counted, oversized replies become "-ERR reply too large for UDP, use TCP" with TRUNC
    (exactly at the 65507-byte boundary), UDP always addresses db 0, IPv6 works like IPv4.
 2. requirepass: a request without the token from ARENAKV.FASTTOKEN gets -NOAUTH; with it, it
    is served; CONFIG SET requirepass changes the token.
 3. Unproven sources (an allow-list that excludes loopback): a reply larger than 2 x request +
    64 bytes becomes the TRUNC error, small replies pass, admin commands are refused.
    --udp-port 0 and a port of its own.
 4. Fast path ON (generic XDP on lo, then tcx ingress on lo): the same requests get the same
    payload bytes, GET/MGET/EXISTS/TTL/PTTL/STRLEN hits carry the KERNEL flag, INFO
    fastpath_hits grows, ARENAKV.HOTKEYS ranks and names the hot keys, the token gates the
    kernel, two interfaces attach at once, and after SIGTERM no XDP program is left.

Why: the protocol must not depend on who answers; the kernel may only make it faster.

Isolation: when run as root the file re-executes itself in a private network namespace
(`unshare --net`, lo brought up there), so its XDP/tcx attachments never meet those of other
servers on the host's lo (only one XDP program fits on an interface), and nothing it attaches
can outlive it: the namespace goes away with the process. Without unshare it runs in place.

Skips: the whole file for redis-server (UDP is arenakv's own protocol); part 4 alone with exit
77 and the reason when the host cannot attach XDP (no BPF arena, lo busy with another program,
verifier refusal) - parts 1-3 still run and any failure there fails the file.
"""

import os
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MAGIC = 0xAE4B
F_REPLY, F_KERNEL, F_TRUNC, F_PAD = 0x01, 0x02, 0x04, 0x08
TOO_LARGE = b"-ERR reply too large for UDP, use TCP\r\n"
NO_REPLY_WAIT = 0.3	# seconds a dropped frame is given to (not) answer


def frame(payload, rid=7, token=0, flags=0, magic=MAGIC, version=1):
	if not isinstance(payload, bytes):
		payload = harness.encode(*payload)
	return struct.pack(">HBBIQ", magic, version, flags, rid, token) + payload


def udp_ask(port, data, host="127.0.0.1", timeout=2.0):
	"""Send one datagram, return (header tuple, payload) or None when nothing came back."""
	fam = socket.AF_INET6 if ":" in host else socket.AF_INET
	s = socket.socket(fam, socket.SOCK_DGRAM)
	s.settimeout(timeout)
	try:
		s.sendto(data, (host, port))
		r, _ = s.recvfrom(70000)
	except socket.timeout:
		return None
	finally:
		s.close()
	return struct.unpack(">HBBIQ", r[:16]), r[16:]


def resp_end(buf, pos=0):
	"""Index just past one complete RESP2 reply starting at pos, or None if incomplete."""
	nl = buf.find(b"\r\n", pos)
	if nl < 0:
		return None
	t, line = buf[pos:pos + 1], buf[pos + 1:nl]
	if t in (b"+", b"-", b":"):
		return nl + 2
	if t == b"$":
		n = int(line)
		if n < 0:
			return nl + 2
		return nl + 2 + n + 2 if len(buf) >= nl + 2 + n + 2 else None
	if t == b"*":
		n = int(line)
		p = nl + 2
		for _ in range(max(n, 0)):
			p = resp_end(buf, p)
			if p is None:
				return None
		return p
	raise ValueError("not RESP2: %r" % buf[pos:pos + 20])


def tcp_raw(port, *args, password=None):
	"""The exact reply bytes TCP sends for one command (RESP2, db 0)."""
	s = socket.create_connection(("127.0.0.1", port), timeout=5)
	try:
		data = b""
		if password:
			s.sendall(harness.encode("AUTH", password))
			while resp_end(data) is None:
				data += s.recv(65536)
			data = data[resp_end(data):]
		s.sendall(harness.encode(*args))
		while resp_end(data) is None:
			chunk = s.recv(1 << 20)
			if not chunk:
				raise harness.Closed()
			data += chunk
		return data[:resp_end(data)]
	finally:
		s.close()


def fp_info(server, password=None):
	r = server.raw_client(password=password) if password else server.raw_client()
	try:
		_, flat = harness.parse_info(r.execute_command("INFO", "fastpath"))
		return flat
	finally:
		r.close()


# The dataset and the read requests both parts replay.
def load_dataset(r):
	r.set("k1", "hello")
	r.set("k2", b"\x00bin\r\nary\xff")
	r.set("n", "41")
	r.set("ttl", "v", ex=1000)
	r.set("pttl", "v", px=500000)
	r.set("empty", "")
	r.set("mid", "m" * 700)


READS = [
	("GET", "k1"), ("GET", "k2"), ("GET", "missing"), ("GET", "empty"), ("GET", "mid"),
	("MGET", "k1", "missing", "k2"), ("MGET", "k1"), ("EXISTS", "k1"),
	("EXISTS", "k1", "k2", "missing", "k1"), ("EXISTS", "missing"), ("TTL", "k1"),
	("TTL", "missing"), ("STRLEN", "k2"), ("STRLEN", "missing"), ("STRLEN", "mid"),
	("get", "k1"), ("GeT", "k2"),
]


class UdpBase(harness.ServerTestCase):
	def udp(self, *args, **kw):
		r = udp_ask(self.server.port, frame(args, **kw))
		self.assertIsNotNone(r, "no UDP reply to %r" % (args,))
		return r

	def assertSameAsTcp(self, *args):
		hdr, payload = self.udp(*args)
		self.assertEqual(payload, tcp_raw(self.server.port, *args), args)
		return hdr

	def assertNoReply(self, data):
		self.assertIsNone(udp_ask(self.server.port, data, timeout=NO_REPLY_WAIT))


class UserSpace(UdpBase):
	"""Part 1: the fast path is off, user space answers everything."""
	server_args = ("--fastpath-mode", "off", "--bind", "127.0.0.1 -::1")

	def test_mode_off(self):
		info = fp_info(self.server)
		self.assertEqual(info["fastpath_mode"], "off")
		self.assertEqual(int(info["fastpath_udp_port"]), self.server.port)
		self.assertIn("fastpath_hits", info)
		self.assertIn("fastpath_passed_miss", info)

	def test_header_echo(self):
		hdr, payload = self.udp("PING", rid=0xDEADBEEF)
		self.assertEqual(hdr, (MAGIC, 1, F_REPLY, 0xDEADBEEF, 0))
		self.assertEqual(payload, b"+PONG\r\n")

	def test_reads_identical_to_tcp(self):
		load_dataset(self.r)
		for args in READS:
			hdr = self.assertSameAsTcp(*args)
			self.assertEqual(hdr[2], F_REPLY, args)
		_, p = self.udp("PTTL", "pttl")
		self.assertTrue(p.startswith(b":") and 0 < int(p[1:-2]) <= 500000, p)

	def test_writes(self):
		self.assertEqual(self.udp("SET", "w", "1")[1], b"+OK\r\n")
		self.assertEqual(self.udp("INCR", "w")[1], b":2\r\n")
		self.assertEqual(self.udp("INCRBY", "w", "40")[1], b":42\r\n")
		self.assertEqual(self.r.get("w"), b"42")
		self.assertEqual(self.udp("APPEND", "w", "x")[1], b":3\r\n")
		self.assertEqual(self.udp("INCR", "w")[1],
				 b"-ERR value is not an integer or out of range\r\n")
		self.assertEqual(self.udp("EXPIRE", "w", "100")[1], b":1\r\n")
		self.assertSameAsTcp("TTL", "w")
		self.assertEqual(self.udp("DEL", "w", "nope")[1], b":1\r\n")
		self.assertIsNone(self.r.get("w"))
		self.assertEqual(self.udp("MSET", "a", "1", "b", "2")[1], b"+OK\r\n")
		self.assertSameAsTcp("MGET", "a", "b", "c")

	def test_errors(self):
		self.assertSameAsTcp("NOSUCHCMD", "x", "y")
		self.assertSameAsTcp("GET")
		self.assertSameAsTcp("GET", "a", "b")
		self.assertSameAsTcp("SET", "k", "v", "XX", "NX")
		self.assertEqual(self.udp("MULTI")[1],
				 b"-ERR 'multi' is not allowed over UDP, use TCP\r\n")
		self.assertEqual(self.udp("EXEC")[1],
				 b"-ERR 'exec' is not allowed over UDP, use TCP\r\n")
		self.assertEqual(self.udp("WATCH", "k")[1],
				 b"-ERR 'watch' is not allowed over UDP, use TCP\r\n")
		hdr, p = udp_ask(self.server.port, frame(("PING",), flags=0x10))
		self.assertEqual((hdr[2], p), (F_REPLY, b"-ERR unsupported frame flags\r\n"))
		hdr, p = udp_ask(self.server.port, frame(("PING",), flags=F_KERNEL))
		self.assertEqual((hdr[2], p), (F_REPLY, b"-ERR unsupported frame flags\r\n"))

	def test_protocol_errors(self):
		port = self.server.port
		_, p = udp_ask(port, frame(b"*1\r\n$x\r\n"))
		self.assertEqual(p, b"-ERR Protocol error: invalid bulk length\r\n")
		_, p = udp_ask(port, frame(b"*2\r\n$3\r\nGET\r\n"))
		self.assertEqual(p, b"-ERR Protocol error: incomplete command in UDP datagram\r\n")
		_, p = udp_ask(port, frame(b""))
		self.assertEqual(p, b"-ERR Protocol error: empty UDP request\r\n")
		_, p = udp_ask(port, frame(harness.encode("PING") + harness.encode("PING")))
		self.assertEqual(p, b"-ERR Protocol error: one command per UDP datagram\r\n")
		_, p = udp_ask(port, frame(b"ECHO inline\r\n"))
		self.assertEqual(p, b"$6\r\ninline\r\n")

	def test_padding(self):
		self.r.set("pk", "pv")
		req = harness.encode("GET", "pk")
		for pad in (b"", b"\0" * 200, b"*1\r\n$4\r\nPING\r\n", b"garbage\r\n"):
			hdr, p = udp_ask(self.server.port, frame(req + pad, flags=F_PAD, rid=5))
			self.assertEqual(hdr, (MAGIC, 1, F_REPLY, 5, 0), pad)
			self.assertEqual(p, b"$2\r\npv\r\n", pad)
		_, p = udp_ask(self.server.port, frame(req + b"\0" * 10))	# no PAD flag
		self.assertEqual(p, b"-ERR Protocol error: one command per UDP datagram\r\n")

	def test_malformed_dropped(self):
		before = int(fp_info(self.server)["udp_malformed"])
		good = frame(("PING",))
		self.assertNoReply(good[:10])				# shorter than the header
		self.assertNoReply(b"")					# empty datagram
		self.assertNoReply(frame(("PING",), magic=0x1234))	# bad magic
		self.assertNoReply(frame(("PING",), version=2))	# unknown version
		self.assertNoReply(frame(("PING",), flags=F_REPLY))	# a reply: never answered
		after = harness.wait_for(lambda: int(fp_info(self.server)["udp_malformed"])
					 >= before + 5, timeout=2)
		self.assertTrue(after, fp_info(self.server))
		self.assertEqual(self.udp("PING")[1], b"+PONG\r\n")	# still serving

	def test_too_large(self):
		self.r.set("big", b"x" * 70000)
		self.r.set("fits", b"y" * 65000)
		hdr, p = self.udp("GET", "big", rid=99)
		self.assertEqual(hdr, (MAGIC, 1, F_REPLY | F_TRUNC, 99, 0))
		self.assertEqual(p, TOO_LARGE)
		hdr, p = self.udp("GET", "fits")
		self.assertEqual(hdr[2], F_REPLY)
		self.assertEqual(p, b"$65000\r\n" + b"y" * 65000 + b"\r\n")
		# the boundary: 16 + 8 + 65481 + 2 = 65507, the largest IPv4 UDP payload
		self.r.set("edge", b"e" * 65481)
		self.r.set("over", b"o" * 65482)
		hdr, p = self.udp("GET", "edge")
		self.assertEqual((hdr[2], len(p)), (F_REPLY, 65491))
		hdr, p = self.udp("GET", "over")
		self.assertEqual((hdr[2], p), (F_REPLY | F_TRUNC, TOO_LARGE))

	def test_db_is_always_zero(self):
		self.r.set("dbk", "zero")
		c = self.server.client(db=1)
		c.set("dbk", "one")
		c.close()
		self.assertEqual(self.udp("SELECT", "1")[1], b"+OK\r\n")
		self.assertEqual(self.udp("GET", "dbk")[1], b"$4\r\nzero\r\n")

	def test_reply_off_is_silence(self):
		self.assertIsNone(udp_ask(self.server.port, frame(("CLIENT", "REPLY", "OFF")),
					  timeout=NO_REPLY_WAIT))
		self.assertEqual(self.udp("PING")[1], b"+PONG\r\n")	# transient: next one answers

	def test_ipv6(self):
		try:
			r = udp_ask(self.server.port, frame(("PING",), rid=6), host="::1")
		except OSError as e:
			self.skipTest("no IPv6 loopback: %s" % e)
		if r is None and "Skipping optional UDP bind address ::1" in self.server.log():
			self.skipTest("::1 not bindable here")
		self.assertEqual(r, ((MAGIC, 1, F_REPLY, 6, 0), b"+PONG\r\n"))

	def test_admin_from_allowed_source(self):
		hdr, p = self.udp("CONFIG", "GET", "maxmemory")
		self.assertEqual(p, b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n")

	def test_counters(self):
		info = fp_info(self.server)
		before = int(info["udp_requests"])
		self.udp("PING")
		info = fp_info(self.server)
		self.assertGreaterEqual(int(info["udp_requests"]), before + 1)
		self.assertGreater(int(info["udp_bytes_out"]), 0)


class Auth(UdpBase):
	"""Part 2: requirepass and the token."""
	password = "s3cret"
	server_args = ("--fastpath-mode", "off", "--requirepass", "s3cret")

	def token(self):
		return int(self.r.execute_command("ARENAKV.FASTTOKEN"), 16)

	def test_no_token(self):
		self.assertEqual(self.udp("GET", "k")[1], b"-NOAUTH Authentication required.\r\n")
		self.assertEqual(self.udp("GET", "k", token=self.token() ^ 1)[1],
				 b"-NOAUTH Authentication required.\r\n")
		self.assertGreater(int(fp_info(self.server, "s3cret")["udp_noauth"]), 0)

	def test_token(self):
		self.r.set("k", "v")
		t = self.token()
		self.assertNotEqual(t, 0)
		self.assertEqual(len(self.r.execute_command("ARENAKV.FASTTOKEN")), 16)
		hdr, p = self.udp("GET", "k", token=t)
		self.assertEqual(p, b"$1\r\nv\r\n")
		self.assertEqual(hdr[4], 0)	# token never echoed

	def test_token_follows_password(self):
		old = self.token()
		self.r.config_set("requirepass", "other")
		try:
			c = self.server.client(password="other")
			new = int(c.execute_command("ARENAKV.FASTTOKEN"), 16)
			self.assertNotEqual(old, new)
			self.assertEqual(self.udp("PING", token=old)[1],
					 b"-NOAUTH Authentication required.\r\n")
			self.assertEqual(self.udp("PING", token=new)[1], b"+PONG\r\n")
		finally:
			c = self.server.client(password="other")
			c.config_set("requirepass", "s3cret")
			c.close()

	def test_fasttoken_needs_auth(self):
		s = self.server.sock()
		s.send(harness.encode("ARENAKV.FASTTOKEN"))
		self.assertEqual(s.read(), ("error", "NOAUTH Authentication required."))
		s.close()


class Amplification(UdpBase):
	"""Part 3: loopback is NOT in the allow-list here, so the 2x + 64 rule applies."""
	server_args = ("--fastpath-mode", "off", "--fastpath-allow", "10.0.0.0/8")

	def test_rule(self):
		self.r.set("small", "v" * 10)
		self.r.set("large", "v" * 300)
		req = frame(("GET", "small"))
		_, p = udp_ask(self.server.port, req)
		self.assertEqual(p, b"$10\r\n" + b"v" * 10 + b"\r\n")
		hdr, p = udp_ask(self.server.port, frame(("GET", "large")))
		self.assertEqual(hdr[2], F_REPLY | F_TRUNC)
		self.assertEqual(p, TOO_LARGE)
		# the same value passes when the request is big enough: 2 x 201 + 64 >= 16 + 315
		big = frame(("MGET", "large", "z" * 150))
		hdr, p = udp_ask(self.server.port, big)
		self.assertEqual(hdr[2], F_REPLY, (len(big), len(p)))
		self.assertTrue(p.startswith(b"*2\r\n$300\r\n"))
		self.assertGreater(int(fp_info(self.server)["udp_amplification"]), 0)

	def test_admin_refused_from_unproven_source(self):
		for args, name in ((("CONFIG", "GET", "maxmemory"), "config"),
				   (("SHUTDOWN", "NOSAVE"), "shutdown"),
				   (("CLIENT", "LIST"), "client")):
			hdr, p = udp_ask(self.server.port, frame(args))
			self.assertEqual(p, b"-ERR '%s' is not allowed over UDP from this source, use "
					 b"TCP\r\n" % name.encode())
		self.assertTrue(self.server.alive())
		self.assertEqual(udp_ask(self.server.port, frame(("SET", "d", "1")))[1], b"+OK\r\n")
		self.assertGreaterEqual(int(fp_info(self.server)["udp_admin_refused"]), 3)

	def test_prefix_boundaries(self):
		"""127.0.0.1 is inside 127.0.0.0/31 and outside 127.0.0.0/32 (and ::1 likewise)."""
		for allow, ok4, ok6 in (("127.0.0.0/31", True, False), ("127.0.0.0/32,::1", False, True),
					("0.0.0.0/0", True, False), ("::/1,127.0.0.2", False, True)):
			srv = harness.Server(("--fastpath-mode", "off", "--fastpath-allow", allow,
					      "--bind", "127.0.0.1 -::1"))
			srv.start()
			try:
				c = srv.client()
				c.set("large", "v" * 300)
				c.close()
				for host, ok in (("127.0.0.1", ok4), ("::1", ok6)):
					try:
						r = udp_ask(srv.port, frame(("GET", "large")), host=host)
					except OSError:
						continue	# no IPv6 loopback here
					if r is None and host == "::1":
						continue	# ::1 not bindable here
					self.assertEqual(r[0][2], F_REPLY if ok else F_REPLY | F_TRUNC,
							 (allow, host))
			finally:
				srv.cleanup()

	def test_bad_cidr_refused(self):
		srv = harness.Server(("--fastpath-allow", "300.1.2.3/8"))
		with self.assertRaises(RuntimeError) as cm:
			srv.start()
		self.assertIn("fastpath-allow", str(cm.exception))
		srv.cleanup()


class Ports(unittest.TestCase):
	"""--udp-port: a port of its own, or 0 = no UDP (and then no fast path)."""

	def test_udp_port_zero(self):
		srv = harness.Server(("--udp-port", "0"))
		srv.start()
		try:
			self.assertIsNone(udp_ask(srv.port, frame(("PING",)), timeout=NO_REPLY_WAIT))
			info = fp_info(srv)
			self.assertEqual(info["fastpath_mode"], "off")
			self.assertEqual(info["fastpath_udp_port"], "0")
			self.assertIn("UDP listener disabled", srv.log())
		finally:
			srv.cleanup()

	def test_udp_port_own(self):
		uport = harness.free_port()
		srv = harness.Server(("--udp-port", str(uport), "--fastpath-mode", "off"))
		srv.start()
		try:
			self.assertEqual(udp_ask(uport, frame(("PING",), rid=3)),
					 ((MAGIC, 1, F_REPLY, 3, 0), b"+PONG\r\n"))
			self.assertEqual(int(fp_info(srv)["fastpath_udp_port"]), uport)
			self.assertEqual(srv.raw_client().execute_command("CONFIG", "GET", "udp-port"),
					 [b"udp-port", str(uport).encode()])
		finally:
			srv.cleanup()


# ---- part 4: the kernel answers -------------------------------------------------------------

FP_WHY = None	# reason the fast path could not be attached (part 4 skipped)


class FastPath(UdpBase):
	mode = "generic"
	server_args = ("--fastpath-mode", "generic", "--fastpath-iface", "lo")

	@classmethod
	def setUpClass(cls):
		global FP_WHY
		super().setUpClass()
		info = fp_info(cls.server)
		if info.get("fastpath_mode") != cls.mode:
			why = "%s fast path not attached: %s" % (cls.mode,
								 info.get("fastpath_off_reason", "?"))
			FP_WHY = FP_WHY or why
			raise unittest.SkipTest(why)

	def kernel(self, *args):
		"""Ask until the kernel answers (the first request may race the attach) or give up."""
		for _ in range(20):
			hdr, p = self.udp(*args)
			if hdr[2] & F_KERNEL:
				return hdr, p
			time.sleep(0.01)
		return hdr, p

	def test_kernel_replies_identical(self):
		load_dataset(self.r)
		hits0 = int(fp_info(self.server)["fastpath_hits"])
		kernel_answered = 0
		for args in READS + [("PTTL", "missing"), ("TTL", "ttl")]:
			hdr, p = self.kernel(*args)
			exp = tcp_raw(self.server.port, *args)
			self.assertEqual(p, exp, (args, hdr))
			self.assertEqual(hdr[0:2], (MAGIC, 1))
			self.assertTrue(hdr[2] & F_REPLY)
			self.assertEqual(hdr[3:], (7, 0))
			kernel_answered += bool(hdr[2] & F_KERNEL)
		hdr, _ = self.kernel("GET", "k1")
		self.assertEqual(hdr[2], F_REPLY | F_KERNEL, "GET of a present key not answered "
				 "by the kernel")
		info = fp_info(self.server)
		self.assertGreater(int(info["fastpath_hits"]), hits0)
		self.assertGreater(int(info["fastpath_requests"]), 0)
		self.assertGreater(kernel_answered, 0)

	def test_padded_large_get(self):
		"""FP_F_PAD gives the kernel room for a reply larger than the request."""
		self.r.set("large", b"L" * 1000)
		req = harness.encode("GET", "large")
		data = frame(req + b"\0" * (1100 - len(req)), flags=F_PAD)
		exp = tcp_raw(self.server.port, "GET", "large")
		for _ in range(20):
			hdr, p = udp_ask(self.server.port, data)
			if hdr[2] & F_KERNEL:
				break
		self.assertEqual(p, exp)
		self.assertEqual(hdr[2], F_REPLY | F_KERNEL, fp_info(self.server))

	def test_user_space_still_answers_the_rest(self):
		hdr, p = self.udp("SET", "x", "1")
		self.assertEqual((hdr[2], p), (F_REPLY, b"+OK\r\n"))
		hdr, p = self.udp("INCR", "x")
		self.assertEqual((hdr[2], p), (F_REPLY, b":2\r\n"))
		hdr, p = self.kernel("GET", "x")
		self.assertEqual(p, b"$1\r\n2\r\n")
		self.assertNoReply(frame(("PING",), magic=0x1111))

	def test_writes_seen_at_once(self):
		for i in range(20):
			self.r.set("w", "v%d" % i)
			self.assertEqual(self.kernel("GET", "w")[1], tcp_raw(self.server.port, "GET", "w"))

	def test_hotkeys(self):
		for k, n in (("hot", 320), ("warm", 120), ("cool", 16)):
			self.r.set(k, k * 2)
			for _ in range(n):
				self.udp("GET", k)
		top = harness.wait_for(lambda: self.r.execute_command("ARENAKV.HOTKEYS", "2"), 2)
		self.assertTrue(top, fp_info(self.server))
		self.assertEqual([t[0] for t in top], [b"hot", b"warm"], top)
		self.assertGreater(top[0][1], top[1][1])
		self.assertEqual(top[0][2], 6)		# value length
		self.assertGreater(int(fp_info(self.server)["fastpath_hot_samples"]), 0)
		self.assertEqual(self.err("ARENAKV.HOTKEYS", "0"),
				 "value is out of range, must be positive")
		self.assertEqual(self.err("ARENAKV.HOTKEYS", "x"),
				 "value is not an integer or out of range")


class FastPathTc(FastPath):
	"""Part 4, same tests with the tcx ingress program instead of XDP."""
	mode = "tc"
	server_args = ("--fastpath-mode", "tc", "--fastpath-iface", "lo")


class FastPathAuth(UdpBase):
	"""Part 4, requirepass: the kernel answers only requests carrying the current token."""
	password = "k3rnel"
	server_args = ("--fastpath-mode", "generic", "--fastpath-iface", "lo",
		       "--requirepass", "k3rnel")

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		info = fp_info(cls.server, cls.password)
		if info.get("fastpath_mode") != "generic":
			raise unittest.SkipTest("generic fast path not attached: %s"
						% info.get("fastpath_off_reason", "?"))

	def token(self, r=None):
		return int((r or self.r).execute_command("ARENAKV.FASTTOKEN"), 16)

	def test_token_gates_the_kernel(self):
		self.r.set("s", "secret-value")
		t = self.token()
		hdr, p = None, None
		for _ in range(20):
			hdr, p = self.udp("GET", "s", token=t)
			if hdr[2] & F_KERNEL:
				break
		self.assertEqual((hdr[2], p), (F_REPLY | F_KERNEL, b"$12\r\nsecret-value\r\n"))
		before = int(fp_info(self.server, self.password)["fastpath_passed_auth"])
		hdr, p = self.udp("GET", "s")
		self.assertEqual((hdr[2], p), (F_REPLY, b"-NOAUTH Authentication required.\r\n"))
		hdr, p = self.udp("GET", "s", token=t ^ 0x10)
		self.assertEqual((hdr[2], p), (F_REPLY, b"-NOAUTH Authentication required.\r\n"))
		self.assertGreaterEqual(int(fp_info(self.server, self.password)
					    ["fastpath_passed_auth"]), before + 2)

	def test_password_change_reaches_the_kernel_at_once(self):
		self.r.set("s", "v")
		old = self.token()
		self.r.config_set("requirepass", "changed")
		c = self.server.client(password="changed")
		try:
			# no wait: config.c's hook pushed the new token before CONFIG SET replied
			hdr, p = self.udp("GET", "s", token=old)
			self.assertEqual((hdr[2], p), (F_REPLY, b"-NOAUTH Authentication required.\r\n"))
			new = self.token(c)
			hdr, p = self.udp("GET", "s", token=new)
			self.assertEqual(p, b"$1\r\nv\r\n")
		finally:
			c.config_set("requirepass", self.password)
			c.close()


class Detach(unittest.TestCase):
	"""Part 4b: SIGTERM detaches the program from lo; several interfaces at once."""

	def test_two_interfaces(self):
		if FP_WHY:
			self.skipTest(FP_WHY)
		if os.environ.get("ARENAKV_UDP_NETNS") != "1":
			self.skipTest("needs the private network namespace (creates a veth pair)")
		if subprocess.run(["ip", "link", "add", "fpveth0", "type", "veth",
				   "peer", "name", "fpveth1"]).returncode:
			self.skipTest("cannot create a veth pair")
		subprocess.run(["ip", "link", "set", "fpveth0", "up"], check=True)
		srv = harness.Server(("--fastpath-mode", "generic", "--fastpath-iface", "lo,fpveth0"))
		srv.start()
		try:
			info = fp_info(srv)
			self.assertEqual((info["fastpath_mode"], info["fastpath_ifaces"]),
					 ("generic", "lo,fpveth0"), info)
			for dev in ("lo", "fpveth0"):
				out = subprocess.run(["ip", "link", "show", dev],
						     stdout=subprocess.PIPE).stdout
				self.assertIn(b"xdpgeneric", out, dev)
			srv.stop()
			for dev in ("lo", "fpveth0"):
				out = subprocess.run(["ip", "link", "show", dev],
						     stdout=subprocess.PIPE).stdout
				self.assertNotIn(b"xdp", out, dev)
		finally:
			srv.cleanup()
			subprocess.run(["ip", "link", "del", "fpveth0"])

	def test_bad_interface_is_logged_not_fatal(self):
		srv = harness.Server(("--fastpath-mode", "generic", "--fastpath-iface", "lo,nosuch9"))
		srv.start()
		try:
			info = fp_info(srv)
			self.assertEqual(info["fastpath_mode"], "off")
			self.assertEqual(info["fastpath_off_reason"], "no interface nosuch9")
			self.assertIn("Fast path off: fastpath-mode generic requested but no interface "
				      "nosuch9", srv.log())
			self.assertEqual(udp_ask(srv.port, frame(("PING",)))[1], b"+PONG\r\n")
		finally:
			srv.cleanup()

	def test_sigterm_detaches(self):
		if FP_WHY:
			self.skipTest(FP_WHY)
		srv = harness.Server(("--fastpath-mode", "generic", "--fastpath-iface", "lo"))
		srv.start()
		try:
			info = fp_info(srv)
			if info.get("fastpath_mode") != "generic":
				self.skipTest("XDP not attached: %s" % info.get("fastpath_off_reason"))
			out = subprocess.run(["ip", "link", "show", "lo"], stdout=subprocess.PIPE).stdout
			self.assertIn(b"xdp", out)
			srv.proc.send_signal(signal.SIGTERM)
			srv.proc.wait(10)
			self.assertIn("Fast path detached from lo", srv.log())
			out = subprocess.run(["ip", "link", "show", "lo"], stdout=subprocess.PIPE).stdout
			self.assertNotIn(b"xdp", out)
		finally:
			srv.cleanup()


def main():
	harness.raise_nofile()
	loader = unittest.defaultTestLoader
	suite = unittest.TestSuite()
	for cls in (UserSpace, Auth, Amplification, Ports, FastPath, FastPathTc, FastPathAuth,
		    Detach):
		suite.addTests(loader.loadTestsFromTestCase(cls))
	runner = unittest.TextTestRunner(verbosity=2, stream=sys.stdout)
	t0 = time.time()
	res = runner.run(suite)
	failed = len(res.failures) + len(res.errors)
	skipped = len(res.skipped)
	print("target=%s binary=%s time=%.1fs" % (harness.TARGET, harness.server_binary(),
						  time.time() - t0))
	print("%d passed, %d failed, %d skipped" % (res.testsRun - failed - skipped, failed,
						    skipped))
	harness._stop_all()
	if failed:
		sys.exit(1)
	if FP_WHY:
		print("SKIP (fast-path part): %s" % FP_WHY)
		sys.exit(77)
	sys.exit(0)


if __name__ == "__main__":
	if harness.IS_REDIS:
		harness.skip_file("UDP is arenakv's own protocol: not applicable to redis-server")
	harness.enter_private_netns(__file__)
	main()
