#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_conn_limits.py - connection limits and Redis-compatible configuration, black box.

What: maxclients rejection text, idle `timeout`, client-query-buffer-limit and
client-output-buffer-limit (hard and soft) closing a client, CONFIG SET port re-binding, a
stock Redis-style config file full of directives arenakv does not implement (they must load,
answer CONFIG GET with Redis's values and each produce one warning line), `daemonize yes` with
a pidfile, and CONFIG REWRITE round trips that keep comments and unknown lines.

Why: real deployments and Redis's own test suites start the server with stock config files; a
refused directive or a missing CONFIG REWRITE stops them before the first command.

Invariants: every server gets free ports and its own directory; daemonized servers are killed
through their pidfile in a finally block; the whole file runs in well under 30 s. The same file
passes against redis-server 7.0 (ARENAKV_TARGET=redis) except for arenakv's warning lines, which
are only checked against arenakv.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import IS_REDIS, Server, ServerTestCase, encode, free_port, wait_for  # noqa: E402


def closed_within(sock, timeout):
	"""True when the peer closes sock (EOF or reset) within timeout seconds; replies read on
	the way are discarded."""
	deadline = time.time() + timeout
	while time.time() < deadline:
		sock.settimeout(max(0.05, deadline - time.time()))
		try:
			data = sock.recv(1 << 20)
		except socket.timeout:
			return False
		except (ConnectionResetError, BrokenPipeError):
			return True
		if not data:
			return True
	return False


# The XDP fast path is not what these tests are about, and loading it (the verifier) can take
# seconds on a loaded 2-core machine: keep every arenakv server here on the plain TCP path.
FAST_ARGS = [] if IS_REDIS else ["--fastpath-mode", "off"]


def pids_with(marker):
	"""Pids of processes whose command line contains marker (a unique temp path)."""
	out = []
	for d in os.listdir("/proc"):
		if not d.isdigit():
			continue
		try:
			with open("/proc/%s/cmdline" % d, "rb") as f:
				if marker.encode() in f.read():
					out.append(int(d))
		except OSError:
			pass
	return out


def connect(port):
	return socket.create_connection(("127.0.0.1", port), timeout=5)


class LimitsTest(ServerTestCase):
	"""Limits on one server; every test restores what it changed."""

	server_args = tuple(FAST_ARGS)

	def test_maxclients_rejection(self):
		self.r.config_set("maxclients", 3)
		socks = []
		try:
			# self.r and self.raw may hold connections: fill up to the limit
			for _ in range(4):
				s = connect(self.server.port)
				s.sendall(b"PING\r\n")
				s.settimeout(5)
				line = s.recv(100)
				socks.append(s)
				if line.startswith(b"-"):
					self.assertEqual(line, b"-ERR max number of clients reached\r\n")
					self.assertTrue(closed_within(s, 5))
					break
			else:
				self.fail("no connection was refused with maxclients 3")
		finally:
			for s in socks:
				s.close()
			# our own clients may have been the ones refused: reconnect lazily
			wait_for(lambda: self._try_config_set("maxclients", "10000"), timeout=5)

	def _try_config_set(self, k, v):
		try:
			self.r.connection_pool.disconnect()
			return self.r.config_set(k, v)
		except Exception:
			return False

	def test_idle_timeout_closes(self):
		self.r.config_set("timeout", 1)
		try:
			idle = connect(self.server.port)
			busy = connect(self.server.port)
			t0 = time.time()
			# busy keeps talking, idle says nothing
			while time.time() - t0 < 2.5:
				busy.sendall(b"PING\r\n")
				self.assertEqual(busy.recv(100), b"+PONG\r\n")
				time.sleep(0.2)
			self.assertTrue(closed_within(idle, 3), "idle client not closed")
			busy.sendall(b"PING\r\n")
			self.assertEqual(busy.recv(100), b"+PONG\r\n")
			idle.close()
			busy.close()
		finally:
			self.r.connection_pool.disconnect()
			self.r.config_set("timeout", 0)

	def test_query_buffer_limit_closes(self):
		self.r.config_set("client-query-buffer-limit", "1mb")
		try:
			s = connect(self.server.port)
			# a bulk bigger than the limit, never completed
			s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n")
			try:
				s.sendall(b"x" * (1536 * 1024))
			except (ConnectionResetError, BrokenPipeError):
				pass
			self.assertTrue(closed_within(s, 5), "client over the query buffer limit kept")
			s.close()
			self.assertEqual(self.r.ping(), True)
			if not IS_REDIS:
				self.assertIn("Closing client that reached max query buffer length",
					      self.server.log())
		finally:
			self.r.config_set("client-query-buffer-limit", "1gb")

	def test_output_buffer_hard_limit(self):
		self.r.set("big", b"v" * 200000)
		self.r.config_set("client-output-buffer-limit", "normal 100kb 0 0")
		try:
			self.assertEqual(self.r.config_get("client-output-buffer-limit")
					 ["client-output-buffer-limit"][:22], "normal 102400 0 0 slav")
			s = connect(self.server.port)
			s.sendall(encode("GET", "big") * 50)	# 10 MB of replies, never read
			self.assertTrue(closed_within(s, 5), "slow reader over the hard limit kept")
			s.close()
			# other clients are unaffected
			self.assertTrue(self.r.ping())
			if not IS_REDIS:
				self.assertIn("scheduled to be closed ASAP for overcoming of output "
					      "buffer limits", self.server.log())
		finally:
			self.r.connection_pool.disconnect()
			self.r.config_set("client-output-buffer-limit", "normal 0 0 0")

	def _client_ids(self):
		return {int(c["id"]) for c in self.r.client_list()}

	def test_output_buffer_soft_limit(self):
		self.r.set("big", b"v" * (1 << 20))
		self.r.config_set("client-output-buffer-limit", "normal 0 256kb 1")
		try:
			slow = connect(self.server.port)
			slow.sendall(b"CLIENT ID\r\n")
			line = slow.recv(100)
			self.assertTrue(line.startswith(b":"), line)
			cid = int(line[1:].strip())
			# 40 MB of replies: far more than the socket buffers take, so the backlog
			# stays over the soft limit while nobody reads
			slow.sendall(encode("GET", "big") * 40)
			t0 = time.time()
			time.sleep(0.4)
			# over the soft limit for less than its seconds: still connected
			self.assertIn(cid, self._client_ids(), "closed before soft_seconds elapsed")
			# then closed by the server (the kernel may still be draining what was
			# written before, so ask the server rather than wait for EOF)
			self.assertTrue(wait_for(lambda: cid not in self._client_ids(), timeout=5),
					"slow reader over the soft limit kept")
			self.assertGreater(time.time() - t0, 0.9)
			slow.close()
			# a reader that keeps up is never closed
			fast = self.server.client()
			for _ in range(5):
				self.assertEqual(len(fast.get("big")), 1 << 20)
			self.assertTrue(fast.ping())
			fast.close()
		finally:
			self.r.connection_pool.disconnect()
			self.r.config_set("client-output-buffer-limit", "normal 0 0 0")

	def test_output_buffer_limit_validation(self):
		e = self.err("CONFIG", "SET", "client-output-buffer-limit", "normal 1 2")
		self.assertEqual(e, "CONFIG SET failed (possibly related to argument "
				 "'client-output-buffer-limit') - Wrong number of arguments in buffer "
				 "limit configuration.")
		e = self.err("CONFIG", "SET", "client-output-buffer-limit", "master 1 2 3")
		self.assertTrue(e.endswith("Invalid client class specified in buffer limit "
					   "configuration."), e)
		e = self.err("CONFIG", "SET", "client-output-buffer-limit", "normal 1x 2 3")
		self.assertTrue(e.endswith("Error in hard, soft or soft_seconds setting in buffer "
					   "limit configuration."), e)
		self.r.config_set("client-output-buffer-limit", "pubsub 64mb 16mb 30 replica 1gb 0 0")
		v = self.r.config_get("client-output-buffer-limit")["client-output-buffer-limit"]
		self.assertEqual(v, "normal 0 0 0 slave 1073741824 0 0 pubsub 67108864 16777216 30")
		self.r.config_set("client-output-buffer-limit",
				  "slave 256mb 64mb 60 pubsub 32mb 8mb 60")

	def test_config_set_port_rebinds(self):
		old = self.server.port
		new = free_port()
		try:
			self.assertTrue(self.r.config_set("port", new))
			c = redis.Redis(host="127.0.0.1", port=new, socket_timeout=5)
			self.assertTrue(c.ping())
			c.close()
			with self.assertRaises(OSError):
				connect(old).close()
		finally:
			c = redis.Redis(host="127.0.0.1", port=new, socket_timeout=5)
			c.config_set("port", old)
			c.close()
			self.r.connection_pool.disconnect()
		self.assertTrue(self.r.ping())


import redis  # noqa: E402  (after harness: same module harness uses)


# A file shaped like Redis's tests/assets/default.conf (7.0), with more directives arenakv
# accepts without implementing; port, bind, dir and save come from the harness's options.
STOCK_CONF = """# Redis configuration file example
always-show-logo yes
notify-keyspace-events KEA
daemonize no
pidfile /var/run/redis.pid
port 6379
timeout 0
bind 127.0.0.1
loglevel verbose
logfile ''
databases 16
latency-monitor-threshold 1
repl-diskless-sync-delay 0

# Note: you can disable saving at all commenting all the "save" lines.
save 900 1
save 300 10
save 60 10000
rdbcompression yes
dbfilename dump.rdb
dir ./
slave-serve-stale-data yes
appendonly no
appendfsync everysec
no-appendfsync-on-rewrite no
auto-aof-rewrite-percentage 100
activerehashing yes
enable-protected-configs yes
enable-debug-command yes
enable-module-command yes
propagation-error-behavior panic
shutdown-on-sigterm force
hash-max-ziplist-entries 64
hash-max-ziplist-value 512
list-max-ziplist-entries 512
list-max-ziplist-value 64
set-max-intset-entries 512
slowlog-log-slower-than 10000
slowlog-max-len 128
lua-time-limit 5000
client-output-buffer-limit normal 0 0 0
client-output-buffer-limit replica 256mb 64mb 60
client-output-buffer-limit pubsub 32mb 8mb 60
hz 10
rename-command KEYS ""
"""


class StockConfigTest(unittest.TestCase):
	def test_stock_config_starts_and_serves(self):
		srv = Server(FAST_ARGS, conf=STOCK_CONF)
		srv.start()
		try:
			r = srv.client(decode_responses=True)
			self.assertTrue(r.set("k", "v"))
			self.assertEqual(r.get("k"), "v")
			cfg = r.config_get("*")
			expect = {
				"notify-keyspace-events": "AKE",
				"slave-serve-stale-data": "yes",
				"replica-serve-stale-data": "yes",
				"hash-max-ziplist-entries": "64",
				"hash-max-listpack-entries": "64",
				"hash-max-listpack-value": "512",
				"dbfilename": "dump.rdb",
				"latency-monitor-threshold": "1",
				"slowlog-max-len": "128",
				"busy-reply-threshold": "5000",
				"always-show-logo": "yes",
				"client-output-buffer-limit":
					"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
				"appendonly": "no",
				"timeout": "0",
			}
			for k, v in expect.items():
				self.assertEqual(cfg.get(k), v, k)
			# CONFIG SET validates unimplemented directives with Redis's texts
			with self.assertRaises(redis.ResponseError) as cm:
				r.config_set("slowlog-max-len", "-1")
			self.assertEqual(str(cm.exception), "CONFIG SET failed (possibly related to "
					 "argument 'slowlog-max-len') - argument must be between 0 and "
					 "9223372036854775807 inclusive")
			with self.assertRaises(redis.ResponseError) as cm:
				r.config_set("activerehashing", "maybe")
			self.assertTrue(str(cm.exception).endswith("argument must be 'yes' or 'no'"))
			with self.assertRaises(redis.ResponseError) as cm:
				r.config_set("dbfilename", "a/b.rdb")
			self.assertTrue(str(cm.exception).endswith(
				"dbfilename can't be a path, just a filename"), str(cm.exception))
			with self.assertRaises(redis.ResponseError) as cm:
				r.config_set("always-show-logo", "no")
			self.assertTrue(str(cm.exception).endswith("can't set immutable config"))
			self.assertTrue(r.config_set("slowlog-max-len", "256"))
			self.assertEqual(r.config_get("slowlog-max-len"), {"slowlog-max-len": "256"})
			if not IS_REDIS:
				log = srv.log()
				for line in ("'always-show-logo yes' is accepted but not implemented",
					     "'notify-keyspace-events AKE' is accepted but not implemented",
					     "'latency-monitor-threshold 1' is accepted but not implemented",
					     "'rename-command KEYS \"\"' is accepted but not implemented",
					     "'slowlog-max-len 256' is accepted but not implemented"):
					self.assertEqual(log.count(line), 1, line)
				# defaults are not warned about
				self.assertNotIn("'dbfilename dump.rdb' is accepted", log)
			r.close()
		finally:
			srv.cleanup()


class DaemonizeTest(unittest.TestCase):
	def test_daemonize_pidfile(self):
		d = tempfile.mkdtemp(prefix="arenakv-daemon-")
		pidfile = os.path.join(d, "server.pid")
		logfile = os.path.join(d, "server.log")
		port = free_port()
		cmd = [harness.server_binary(), "--port", str(port), "--bind", "127.0.0.1",
		       "--daemonize", "yes", "--pidfile", pidfile, "--logfile", logfile,
		       "--save", "", "--dir", d] + harness.EXTRA_ARGS + FAST_ARGS
		pid = None
		try:
			t0 = time.time()
			rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
					    stderr=subprocess.STDOUT, timeout=10)
			self.assertEqual(rc.returncode, 0, rc.stdout)
			self.assertLess(time.time() - t0, 5)
			self.assertTrue(wait_for(lambda: os.path.exists(pidfile) and
						 open(pidfile).read().strip(), timeout=10),
					"no pidfile; log:\n" + (open(logfile).read()
							       if os.path.exists(logfile) else ""))
			pid = int(open(pidfile).read())
			self.assertNotEqual(pid, os.getpid())
			os.kill(pid, 0)
			# a daemon leads its own session, detached from ours
			self.assertEqual(os.getsid(pid), pid)
			r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
			self.assertTrue(wait_for(lambda: self._ping(r), timeout=10))
			self.assertEqual(r.config_get("daemonize"), {"daemonize": "yes"})
			r.close()
			with open(logfile) as f:
				self.assertIn("Ready to accept connections", f.read())
		finally:
			# the pidfile names the daemon; if it never appeared, find it by its
			# unique pidfile path on the command line so nothing is left running
			victims = [pid] if pid else pids_with(pidfile)
			for v in victims:
				try:
					os.kill(v, signal.SIGTERM)
				except ProcessLookupError:
					pass
			for v in victims:
				if not wait_for(lambda: not _alive(v), timeout=10):
					os.kill(v, signal.SIGKILL)
		try:
			self.assertFalse(_alive(pid))
			self.assertFalse(os.path.exists(pidfile), "pidfile left behind")
		finally:
			shutil.rmtree(d, ignore_errors=True)

	@staticmethod
	def _ping(r):
		try:
			return r.ping()
		except redis.ConnectionError:
			return False


def _alive(pid):
	try:
		os.kill(pid, 0)
	except ProcessLookupError:
		return False
	# a zombie child of ours would still answer kill(0); the daemon is not our child
	try:
		with open("/proc/%d/stat" % pid) as f:
			return f.read().split()[2] != "Z"
	except OSError:
		return False


REWRITE_CONF = """# my comment stays
# another comment

maxmemory 1gb
timeout 5   
slowlog-max-len 64
slave-read-only yes
rename-command FLUSHALL ""
client-output-buffer-limit normal 0 0 0

# trailing comment
"""


class RewriteTest(unittest.TestCase):
	def test_without_config_file(self):
		srv = Server(FAST_ARGS)
		srv.start()
		try:
			r = srv.client()
			with self.assertRaises(redis.ResponseError) as cm:
				r.execute_command("CONFIG", "REWRITE")
			self.assertEqual(str(cm.exception), "The server is running without a config file")
			r.close()
		finally:
			srv.cleanup()

	def test_rewrite_round_trip(self):
		srv = Server(FAST_ARGS, conf=REWRITE_CONF)
		srv.start()
		path = os.path.join(srv.dir, "server.conf")
		try:
			r = srv.client(decode_responses=True)
			r.config_set("maxmemory", "100mb")
			r.config_set("timeout", "0")		# back to default: line kept, rewritten
			r.config_set("slowlog-max-len", "200")
			r.config_set("replica-read-only", "no")	# set through the canonical name
			r.config_set("maxmemory-policy", "allkeys-lru")	# not in the file: appended
			r.config_set("client-output-buffer-limit", "normal 4mb 2mb 10")
			r.config_set("notify-keyspace-events", "Kx")
			self.assertTrue(r.execute_command("CONFIG", "REWRITE"))
			text = open(path).read()
			lines = text.splitlines()
			self.assertEqual(lines[0], "# my comment stays")
			self.assertEqual(lines[1], "# another comment")
			self.assertIn("# trailing comment", lines)
			self.assertIn('rename-command FLUSHALL ""', lines)
			self.assertIn("maxmemory 100mb", lines)
			self.assertIn("timeout 0", lines)
			self.assertIn("slowlog-max-len 200", lines)
			self.assertIn("replica-read-only no", lines)
			self.assertIn("maxmemory-policy allkeys-lru", lines)
			self.assertIn("client-output-buffer-limit normal 4mb 2mb 10", lines)
			# in place: the first comment lines and the order of old options are kept
			self.assertLess(lines.index("maxmemory 100mb"), lines.index("timeout 0"))
			self.assertLess(lines.index("slowlog-max-len 200"),
					lines.index("# trailing comment"))
			self.assertGreater(lines.index("maxmemory-policy allkeys-lru"),
					   lines.index("# trailing comment"))
			# rewriting again changes nothing (redis-server 7.0 may add a blank line)
			self.assertTrue(r.execute_command("CONFIG", "REWRITE"))
			self.assertEqual(open(path).read().rstrip("\n"), text.rstrip("\n"))
			r.close()
			srv.stop()
			# the rewritten file starts a server with the same configuration
			srv2 = Server(FAST_ARGS, conf=text)
			srv2.start()
			try:
				r2 = srv2.client(decode_responses=True)
				got = r2.config_get("*")
				self.assertEqual(got["maxmemory"], str(100 << 20))
				self.assertEqual(got["slowlog-max-len"], "200")
				self.assertEqual(got["slave-read-only"], "no")
				self.assertEqual(got["maxmemory-policy"], "allkeys-lru")
				self.assertTrue(got["client-output-buffer-limit"].startswith(
					"normal 4194304 2097152 10 "))
				self.assertIn(got["notify-keyspace-events"], ("xK", "Kx"))
				r2.close()
			finally:
				srv2.cleanup()
		finally:
			srv.cleanup()


if __name__ == "__main__":
	harness.main()
