#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_protocol.py - the RESP wire protocol of the running server, through raw sockets.

What: pipelining (thousands of commands in one write, replies in order), requests split at
every byte boundary, inline commands (quoting, escapes, bare LF, blank lines), every Redis
protocol error text with the connection closed after it, the bulk length limit
(proto-max-bulk-len), huge multibulk counts, unknown command and arity errors, empty
requests, and RESP3 through HELLO 3 (map, null, double, verbatim encodings).

Why: the request parser is our own, zero-copy and streaming; these are the cases where a
streaming parser goes wrong (state kept across reads, limits checked before allocation,
desync after an error). Expected bytes were confirmed on redis-server 7.0.15.

Invariants: every test opens its own connections; a test that expects the server to close a
connection waits at most a few seconds for it.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import encode  # noqa: E402

PE = "ERR Protocol error: "


class Protocol(harness.ServerTestCase):

	def conn(self):
		c = self.server.sock()
		self.addCleanup(c.close)
		return c

	def expect_protocol_error(self, data, text):
		"""Send data; the server answers exactly -ERR Protocol error: text and closes."""
		c = self.conn()
		c.send(data)
		got = c.read_until_closed(timeout=5)
		self.assertEqual(got, b"-" + (PE + text).encode() + b"\r\n", repr(data[:60]))
		# the server itself is fine
		self.assertTrue(self.r.ping())

	def test_pipelining_one_write(self):
		c = self.conn()
		n = 10000
		req = b"".join(encode("SET", "k%d" % i, "v%d" % i) + encode("GET", "k%d" % i)
			       + encode("INCR", "ctr") for i in range(n))
		c.send(req)
		for i in range(n):
			self.assertEqual(c.read(), ("simple", "OK"))
			self.assertEqual(c.read(), b"v%d" % i)
			self.assertEqual(c.read(), i + 1)
		self.assertEqual(c.cmd("DBSIZE"), n + 1)

	def test_pipelining_without_reading(self):
		# a client that writes far more than its replies fit in socket buffers, and only
		# then reads: the server must buffer or pace output without losing order
		c = self.conn()
		val = b"x" * 1000
		c.send(encode("SET", "big", val))
		self.assertEqual(c.read(), ("simple", "OK"))
		n = 20000				# ~20 MB of replies
		c.send(encode("GET", "big") * n)
		for i in range(n):
			self.assertEqual(c.read(), val)

	def test_split_byte_by_byte(self):
		c = self.conn()
		c.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
		req = (encode("SET", "split", b"a\r\nb") + encode("GET", "split")
		       + b"ECHO inline\r\n" + encode("MGET", "split", "nokey"))
		for b in req:
			c.send(bytes([b]))
			time.sleep(0.0005)
		self.assertEqual(c.read(), ("simple", "OK"))
		self.assertEqual(c.read(), b"a\r\nb")
		self.assertEqual(c.read(), b"inline")
		self.assertEqual(c.read(), [b"a\r\nb", None])

	def test_split_at_every_offset(self):
		# each request cut in two at every possible offset
		req = encode("SET", "key", "0123456789") + encode("GET", "key")
		for cut in range(1, len(req)):
			c = self.server.sock()
			c.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
			c.send(req[:cut])
			time.sleep(0.002)
			c.send(req[cut:])
			self.assertEqual(c.read(), ("simple", "OK"), cut)
			self.assertEqual(c.read(), b"0123456789", cut)
			c.close()

	def test_large_bulk_in_pieces(self):
		c = self.conn()
		val = bytes(range(256)) * 4096			# 1 MiB
		req = encode("SET", "big", val)
		for i in range(0, len(req), 7919):
			c.send(req[i:i + 7919])
		self.assertEqual(c.read(), ("simple", "OK"))
		self.assertEqual(c.cmd("GET", "big"), val)

	def test_inline_commands(self):
		c = self.conn()
		c.send(b"SET \"a b\" \"c\\x41d\\n\"\r\n")
		self.assertEqual(c.read(), ("simple", "OK"))
		c.send(b"GET \"a b\"\r\n")
		self.assertEqual(c.read(), b"cAd\n")
		c.send(b"set 'x y' z\r\n")			# single quotes, lower case
		self.assertEqual(c.read(), ("simple", "OK"))
		c.send(b"get 'x y'\n")				# bare LF ends a line too
		self.assertEqual(c.read(), b"z")
		c.send(b"   PING    \r\n")			# surrounding spaces
		self.assertEqual(c.read(), ("simple", "PONG"))
		c.send(b"\r\n\n\r\nPING\r\n")			# empty lines are ignored
		self.assertEqual(c.read(), ("simple", "PONG"))
		c.send(b"ECHO \"\\xff\\x00\\t\"\r\n")
		self.assertEqual(c.read(), b"\xff\x00\t")
		c.send(b"PING\r\n" + encode("PING", "x") + b"PING\r\n")	# mixed in one write
		self.assertEqual(c.read(), ("simple", "PONG"))
		self.assertEqual(c.read(), b"x")
		self.assertEqual(c.read(), ("simple", "PONG"))

	def test_empty_and_negative_multibulk(self):
		c = self.conn()
		c.send(b"*0\r\n*-1\r\n*-10\r\nPING\r\n")	# no command, no reply
		self.assertEqual(c.read(), ("simple", "PONG"))
		c.send(encode("ECHO", ""))
		self.assertEqual(c.read(), b"")

	def test_protocol_errors(self):
		cases = [
			(b"*3000000000\r\n", "invalid multibulk length"),
			(b"*abc\r\n", "invalid multibulk length"),
			(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "expected '$', got 'f'"),
			(b"*1\r\nfoo\r\n", "expected '$', got 'f'"),
			(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n", "invalid bulk length"),
			(b"*1\r\n$-1\r\n", "invalid bulk length"),
			(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n", "invalid bulk length"),
			(b"*1\r\n$blabla\r\n", "invalid bulk length"),
			(b"SET \"a\r\n", "unbalanced quotes in request"),
			(b"GET \"a\"b\r\n", "unbalanced quotes in request"),
			(b"GET 'a\r\n", "unbalanced quotes in request"),
			(b"A" * 70000, "too big inline request"),
			(b"*" + b"1" * 70000, "too big mbulk count string"),
			(b"*1\r\n$" + b"1" * 70000, "too big bulk count string"),
		]
		for data, text in cases:
			self.expect_protocol_error(data, text)

	def test_error_after_good_commands(self):
		# replies to the commands before the bad one arrive, then the error, then EOF
		c = self.conn()
		c.send(encode("SET", "a", "1") + encode("GET", "a") + b"*1\r\nxyz\r\n"
		       + encode("SET", "after", "1"))
		got = c.read_until_closed()
		self.assertEqual(got, b"+OK\r\n$1\r\n1\r\n-ERR Protocol error: expected '$', got 'x'\r\n")
		self.assertEqual(self.r.exists("after"), 0)	# nothing after the error ran

	def test_bulk_length_limit(self):
		# default proto-max-bulk-len is 512 MB: one byte more is refused before any data
		self.expect_protocol_error(b"*2\r\n$4\r\nECHO\r\n$536870913\r\n", "invalid bulk length")
		# exactly the limit is accepted as a header (the server waits for the data)
		c = self.conn()
		c.send(b"*2\r\n$4\r\nECHO\r\n$536870912\r\n")
		c.s.settimeout(0.5)
		with self.assertRaises(socket.timeout):
			c.s.recv(100)
		# a lowered limit applies to later requests
		self.assertTrue(self.r.config_set("proto-max-bulk-len", "1mb"))
		try:
			self.assertEqual(self.r.config_get("proto-max-bulk-len"),
					 {"proto-max-bulk-len": "1048576"})
			self.expect_protocol_error(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n",
						   "invalid bulk length")
			self.assertTrue(self.r.set("k", b"x" * 1048576))
		finally:
			self.r.config_set("proto-max-bulk-len", "512mb")
		self.assertEqual(self.err("CONFIG", "SET", "proto-max-bulk-len", "1000"),
				 "CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - "
				 "argument must be between 1048576 and 9223372036854775807 inclusive")

	def test_client_query_buffer_limit(self):
		# a request that cannot complete within client-query-buffer-limit closes the
		# connection (Redis sends no reply); requests under the limit are fine
		self.assertTrue(self.r.config_set("client-query-buffer-limit", "1mb"))
		try:
			c = self.conn()
			try:
				c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n" + b"x" * 1500000)
			except (BrokenPipeError, ConnectionResetError):
				pass
			try:
				got = c.read_until_closed(timeout=5)
			except ConnectionResetError:
				got = b""
			self.assertEqual(got, b"")
			self.assertEqual(self.r.exists("k"), 0)
			c2 = self.conn()
			c2.send(encode("SET", "k2", b"x" * 900000) * 3)
			self.assertEqual([c2.read() for _ in range(3)], [("simple", "OK")] * 3)
		finally:
			self.r.config_set("client-query-buffer-limit", "1gb")
		self.assertEqual(self.r.strlen("k2"), 900000)

	def test_huge_multibulk_count_accepted_lazily(self):
		# a large (but legal) count must not make the server allocate it up front: it
		# waits for arguments, and other clients are served meanwhile
		c = self.conn()
		c.send(b"*20000000\r\n")
		c.s.settimeout(0.5)
		with self.assertRaises(socket.timeout):
			c.s.recv(100)
		self.assertTrue(self.r.ping())
		rss = _rss_kb(self.server.proc.pid)
		self.assertLess(rss, 2 * 1024 * 1024, "server RSS %d kB after *20000000" % rss)

	def test_unknown_command_and_arity(self):
		c = self.conn()
		self.assertEqual(c.cmd("NOSUCHCMD", "a", "b"),
				 ("error", "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' "))
		self.assertEqual(c.cmd("nosuchcmd"),
				 ("error", "ERR unknown command 'nosuchcmd', with args beginning with: "))
		self.assertEqual(c.cmd("GET"), ("error", "ERR wrong number of arguments for 'get' command"))
		self.assertEqual(c.cmd("get", "a", "b"),
				 ("error", "ERR wrong number of arguments for 'get' command"))
		self.assertEqual(c.cmd("PING", "a", "b"),
				 ("error", "ERR wrong number of arguments for 'ping' command"))
		self.assertEqual(c.cmd("SET", "k"), ("error", "ERR wrong number of arguments for 'set' command"))
		self.assertEqual(c.cmd("CONFIG", "NOSUB"),
				 ("error", "ERR unknown subcommand 'NOSUB'. Try CONFIG HELP."))
		self.assertEqual(c.cmd("CLIENT", "NOSUB"),
				 ("error", "ERR unknown subcommand 'NOSUB'. Try CLIENT HELP."))
		# the connection stays usable after command errors
		self.assertEqual(c.cmd("PING"), ("simple", "PONG"))
		# a reply that looks like a request is just an unknown command
		c.send(b"$4\r\nPING\r\n")
		self.assertEqual(c.read(), ("error", "ERR unknown command '$4', with args beginning with: "))
		self.assertEqual(c.read(), ("simple", "PONG"))

	def test_resp3_hello(self):
		c = self.conn()
		rep = c.cmd("HELLO", "3")
		self.assertEqual(rep[0], "map", rep)
		d = {k: v for k, v in rep[1]}
		for field in (b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"):
			self.assertIn(field, d)
		self.assertEqual(d[b"proto"], 3)
		self.assertEqual(d[b"mode"], b"standalone")
		self.assertEqual(d[b"role"], b"master")
		self.assertEqual(c.cmd("GET", "nokey"), None)
		c.send(encode("GET", "nokey"))			# RESP3 null is "_"
		self.assertEqual(c.read_raw_until(b"\r\n"), b"_\r\n")
		c.cmd("SET", "a", "b")
		c.send(encode("MGET", "nokey", "a"))
		self.assertEqual(c.read_raw_until(b"b\r\n"), b"*2\r\n_\r\n$1\r\nb\r\n")
		rep = c.cmd("CONFIG", "GET", "maxmemory")
		self.assertEqual(rep, ("map", [(b"maxmemory", b"0")]))
		rep = c.cmd("INFO", "server")
		self.assertEqual(rep[0], "verbatim")
		self.assertEqual(rep[1], "txt")
		self.assertIn(b"# Server", rep[2])
		c.send(encode("WATCH", "a") + encode("SET", "a", "2") + encode("MULTI"))
		self.assertEqual([c.read() for _ in range(3)], [("simple", "OK")] * 3)
		c.send(encode("EXEC"))
		self.assertEqual(c.read_raw_until(b"\r\n"), b"_\r\n")	# aborted EXEC: null
		# back to RESP2
		rep = c.cmd("HELLO", "2")
		self.assertIsInstance(rep, list)
		self.assertEqual(len(rep), 14)
		c.send(encode("GET", "nokey"))
		self.assertEqual(c.read_raw_until(b"\r\n"), b"$-1\r\n")
		self.assertEqual(c.cmd("HELLO", "4"), ("error", "NOPROTO unsupported protocol version"))
		self.assertEqual(c.cmd("HELLO", "x"),
				 ("error", "ERR Protocol version is not an integer or out of range"))
		rep = c.cmd("HELLO", "3", "SETNAME", "resp3client")
		self.assertEqual(rep[0], "map")
		self.assertEqual(c.cmd("CLIENT", "GETNAME"), b"resp3client")

	def test_resp3_double(self):
		if not harness.has_command(self.r, "ZADD"):
			self.skipTest("no command returns a RESP3 double without sorted sets")
		c = self.conn()
		c.cmd("HELLO", "3")
		c.cmd("ZADD", "z", "1.5", "m")
		c.send(encode("ZSCORE", "z", "m"))
		self.assertEqual(c.read_raw_until(b"\r\n"), b",1.5\r\n")
		c.send(encode("ZSCORE", "z", "nomember"))
		self.assertEqual(c.read_raw_until(b"\r\n"), b"_\r\n")

	def test_quit_closes_after_reply(self):
		c = self.conn()
		c.send(encode("SET", "q", "1") + encode("QUIT") + encode("SET", "q", "2"))
		self.assertEqual(c.read_until_closed(), b"+OK\r\n+OK\r\n")
		self.assertEqual(self.r.get("q"), b"1")

	def test_many_connections_interleaved(self):
		# several connections with half-sent requests at once: parser state is per client
		conns = [self.server.sock() for _ in range(20)]
		reqs = [encode("SET", "c%d" % i, "v" * (i * 100)) for i in range(20)]
		for c, r in zip(conns, reqs):
			c.send(r[:len(r) // 2])
		for c, r in reversed(list(zip(conns, reqs))):
			c.send(r[len(r) // 2:])
		for c in conns:
			self.assertEqual(c.read(), ("simple", "OK"))
			c.close()
		for i in range(20):
			self.assertEqual(self.r.get("c%d" % i), b"v" * (i * 100))


def _rss_kb(pid):
	with open("/proc/%d/status" % pid) as f:
		for line in f:
			if line.startswith("VmRSS:"):
				return int(line.split()[1])
	return 0


if __name__ == "__main__":
	harness.main()
