#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_clients.py - many clients at once, real client tools, and clients that die.

What: 1000 connections open at the same time, each writing and reading back its own keys
through one selector loop (all connected before any finishes, so the server really holds
1000 clients); redis-cli as users run it (one-shot commands, -x, -r, --scan, --bigkeys,
--pipe mass insertion with its "errors: 0, replies: N" summary); and clients killed with
SIGKILL in the middle of a request or while their replies pile up: the server keeps
serving, nothing half-written becomes visible, connected_clients drops back.

Why: the event loop's per-client state (partial reads, output queues, close paths) is where
concurrency bugs live; redis-cli is the tool the issue promises works.

Invariants: RLIMIT_NOFILE is raised before the server starts (the server inherits it);
every socket and child process opened here is closed or reaped before the test returns.
"""

import errno
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import encode  # noqa: E402

NCLIENTS = 1000
KEYS_PER_CLIENT = 5


class Clients(harness.ServerTestCase):

	@classmethod
	def setUpClass(cls):
		harness.raise_nofile(16384)
		super().setUpClass()

	def connected(self):
		return harness.info_field(self.raw, "connected_clients", "clients")

	def test_1000_concurrent_clients(self):
		base = self.connected()
		sel = selectors.DefaultSelector()
		conns = []
		for i in range(NCLIENTS):
			s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
			s.setblocking(False)
			err = s.connect_ex(("127.0.0.1", self.server.port))
			self.assertIn(err, (0, errno.EINPROGRESS), os.strerror(err))
			req, exp = b"", b""
			for j in range(KEYS_PER_CLIENT):
				val = b"client%d-key%d-" % (i, j) + bytes([i & 0xFF]) * (j * 50)
				req += encode("SET", "c:%d:%d" % (i, j), val)
				exp += b"+OK\r\n"
			for j in range(KEYS_PER_CLIENT):
				val = b"client%d-key%d-" % (i, j) + bytes([i & 0xFF]) * (j * 50)
				req += encode("GET", "c:%d:%d" % (i, j))
				exp += b"$%d\r\n%s\r\n" % (len(val), val)
			st = {"sock": s, "out": req, "exp": exp, "got": b"", "i": i}
			conns.append(st)
			sel.register(s, selectors.EVENT_WRITE, st)
		pending = NCLIENTS
		deadline = time.time() + 40
		while pending and time.time() < deadline:
			for key, mask in sel.select(timeout=1):
				st = key.data
				s = st["sock"]
				if mask & selectors.EVENT_WRITE and st["out"]:
					try:
						n = s.send(st["out"])
					except BlockingIOError:
						continue
					st["out"] = st["out"][n:]
					if not st["out"]:
						sel.modify(s, selectors.EVENT_READ, st)
				elif mask & selectors.EVENT_READ:
					chunk = s.recv(65536)
					self.assertTrue(chunk, "server closed client %d" % st["i"])
					st["got"] += chunk
					if len(st["got"]) >= len(st["exp"]):
						self.assertEqual(st["got"], st["exp"],
								 "client %d replies" % st["i"])
						sel.unregister(s)
						pending -= 1
		self.assertEqual(pending, 0, "%d clients unfinished after 40 s" % pending)
		# every connection is still open here: the server holds all of them at once
		self.assertGreaterEqual(self.connected() - base, NCLIENTS)
		self.assertEqual(self.r.dbsize(), NCLIENTS * KEYS_PER_CLIENT)
		# a second round on the same connections, all written before any is read
		for st in conns:
			st["sock"].setblocking(True)
			st["sock"].sendall(encode("INCR", "shared"))
		seen = set()
		for st in conns:
			line = b""
			while not line.endswith(b"\r\n"):
				line += st["sock"].recv(64)
			seen.add(int(line[1:-2]))
		self.assertEqual(seen, set(range(1, NCLIENTS + 1)), "INCR must be atomic per call")
		for st in conns:
			st["sock"].close()
		sel.close()
		ok = harness.wait_for(lambda: self.connected() <= base, 10)
		self.assertTrue(ok, "connected_clients stays at %d after closing" % self.connected())
		self.assertEqual(self.r.get("c:999:4"), b"client999-key4-" + b"\xe7" * 200)

	def test_redis_cli_oneshot(self):
		cli = self.server.cli
		self.assertEqual(cli("set", "k", "v").stdout, b"OK\n")
		self.assertEqual(cli("get", "k").stdout, b"v\n")
		self.assertEqual(cli("incr", "n").stdout, b"1\n")
		self.assertEqual(cli("--no-raw", "get", "nokey").stdout, b"(nil)\n")
		self.assertEqual(cli("--no-raw", "incr", "n").stdout, b"(integer) 2\n")
		self.assertEqual(cli("--no-raw", "mget", "k", "nokey").stdout, b'1) "v"\n2) (nil)\n')
		self.assertEqual(cli("--no-raw", "get").stdout,
				 b"(error) ERR wrong number of arguments for 'get' command\n")
		self.assertEqual(cli("dbsize").stdout, b"2\n")
		self.assertEqual(cli("ping").stdout, b"PONG\n")
		out = cli("info", "server").stdout
		self.assertIn(b"# Server", out)
		self.assertIn(b"tcp_port:%d" % self.server.port, out)
		# -x: last argument from stdin, binary safe
		data = bytes(range(256)) * 10
		self.assertEqual(cli("-x", "set", "bin", stdin=data).stdout, b"OK\n")
		self.assertEqual(self.r.get("bin"), data)
		# -r: repeat
		self.assertEqual(cli("-r", "100", "incr", "rep").stdout.count(b"\n"), 100)
		self.assertEqual(self.r.get("rep"), b"100")
		# -n: database
		self.assertEqual(cli("-n", "4", "set", "db4key", "x").stdout, b"OK\n")
		self.assertEqual(self.server.client(db=4).get("db4key"), b"x")

	def test_redis_cli_scan_bigkeys(self):
		r = self.r
		for i in range(300):
			r.set("scan:%d" % i, "x" * i)
		r.set("other", "1")
		out = self.server.cli("--scan", "--pattern", "scan:*").stdout.split()
		self.assertEqual(sorted(out), sorted(b"scan:%d" % i for i in range(300)))
		res = self.server.cli("--bigkeys")
		self.assertEqual(res.returncode, 0, res.stderr)
		self.assertIn(b"Biggest string found", res.stdout)
		self.assertIn(b"scan:299", res.stdout)

	def test_redis_cli_pipe_mass_insert(self):
		n = 50000
		proto = b"".join(encode("SET", "mass:%d" % i, "value-%d" % i) for i in range(n))
		res = self.server.cli("--pipe", stdin=proto, timeout=60)
		self.assertEqual(res.returncode, 0, res.stderr)
		text = (res.stdout + res.stderr).decode()
		self.assertIn("errors: 0, replies: %d" % n, text)
		self.assertEqual(self.r.dbsize(), n)
		self.assertEqual(self.r.get("mass:12345"), b"value-12345")
		# inline commands through --pipe too, with one error counted
		res = self.server.cli("--pipe", stdin=b"SET a 1\r\nINCR a\r\nINCR mass:1\r\n")
		text = (res.stdout + res.stderr).decode()
		self.assertIn("errors: 1, replies: 3", text)

	def _child(self, code):
		"""A python child that runs `code` with `port` defined, prints READY, then sleeps."""
		script = ("import socket, sys, time\nport=%d\n%s\nsys.stdout.write('READY\\n')\n"
			  "sys.stdout.flush()\ntime.sleep(60)\n" % (self.server.port, code))
		p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
		self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait()))
		line = p.stdout.readline()
		self.assertEqual(line, b"READY\n")
		return p

	def test_kill9_mid_request(self):
		base = self.connected()
		self.r.set("victim", "old")
		# a SET whose 10 MB value is only 1 MB sent when the client dies
		p = self._child(
			"s = socket.create_connection(('127.0.0.1', port))\n"
			"s.sendall(b'*3\\r\\n$3\\r\\nSET\\r\\n$6\\r\\nvictim\\r\\n$10000000\\r\\n' + b'x' * 1000000)\n"
			"s2 = socket.create_connection(('127.0.0.1', port))\n"
			"s2.sendall(b'*3\\r\\n$3\\r\\nSET\\r\\n$7\\r\\nvictim2\\r\\n$5\\r\\nab')\n"
			"s3 = socket.create_connection(('127.0.0.1', port))\n"
			"s3.sendall(b'MULTI\\r\\nSET victim3 x\\r\\n')\n")
		self.assertTrue(harness.wait_for(lambda: self.connected() - base >= 3, 5))
		time.sleep(0.1)
		os.kill(p.pid, signal.SIGKILL)
		p.wait()
		self.assertTrue(self.r.ping())
		self.assertEqual(self.r.get("victim"), b"old")
		self.assertEqual(self.r.exists("victim2", "victim3"), 0)
		ok = harness.wait_for(lambda: self.connected() <= base, 5)
		self.assertTrue(ok, "dead clients still counted: %d" % self.connected())

	def test_kill9_with_pending_replies(self):
		base = self.connected()
		self.r.set("big", b"y" * 100000)
		# 2000 GETs of 100 kB (200 MB of replies) never read, then the client dies
		p = self._child(
			"s = socket.create_connection(('127.0.0.1', port))\n"
			"s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
			"s.setblocking(False)\n"
			"req = b'*2\\r\\n$3\\r\\nGET\\r\\n$3\\r\\nbig\\r\\n' * 2000\n"
			"try:\n    s.send(req)\nexcept BlockingIOError:\n    pass\n")
		harness.wait_for(lambda: self.connected() > base, 5)
		time.sleep(0.3)
		# the server keeps serving others while that client's output is stuck
		t0 = time.time()
		self.assertTrue(self.r.ping())
		self.assertEqual(self.r.get("big"), b"y" * 100000)
		self.assertLess(time.time() - t0, 2, "a stuck reader slowed other clients down")
		os.kill(p.pid, signal.SIGKILL)
		p.wait()
		ok = harness.wait_for(lambda: self.connected() <= base, 5)
		self.assertTrue(ok, "dead client still counted: %d" % self.connected())
		for i in range(100):
			self.r.set("after:%d" % i, i)
		self.assertEqual(self.r.get("after:99"), b"99")

	def test_abrupt_close_many(self):
		# connections closed right after sending (RST when unread data remains)
		for i in range(200):
			s = socket.create_connection(("127.0.0.1", self.server.port))
			s.sendall(encode("SET", "abrupt:%d" % i, "v") + encode("GET", "abrupt:%d" % i))
			if i % 2:
				s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
			s.close()
		self.assertTrue(self.r.ping())
		harness.wait_for(lambda: self.r.exists(*["abrupt:%d" % i for i in range(0, 200, 2)]) == 100, 3)
		# the even ones closed gracefully: their SET was read and ran
		self.assertEqual(self.r.exists(*["abrupt:%d" % i for i in range(0, 200, 2)]), 100)


if __name__ == "__main__":
	harness.main()
