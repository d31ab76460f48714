# SPDX-License-Identifier: BSD-2-Clause
"""harness.py - shared machinery of the black-box integration tests.

What: starts one server process per test class (arenakv-server, or redis-server when
ARENAKV_TARGET=redis) on a free loopback port, waits until it answers PING, keeps its log,
stops it (SIGTERM, then SIGKILL after a grace period); gives tests redis-py clients, raw
sockets with a small RESP2/RESP3 reader, redis-cli runners and INFO parsing; and runs a test
file as a standalone program that prints "N passed, N failed" and exits 0, 1 or 77 (skip).

Why: the same test files must first be proven against real redis-server 7.0 (so a failure
against arenakv means arenakv differs from Redis, not that the test is wrong), then run
unchanged against arenakv. Every Redis-specific difference a test tolerates is therefore
written in the test itself, visibly, never hidden here.

Invariants:
 - A test never assumes a fixed port: ports come from free_port() and a start that loses the
   race for a port (the process exits early) is retried on another port.
 - Every server started is stopped by the class tear-down, and again at interpreter exit
   (atexit), so a crashed test leaves no process behind.
 - A server that died under a test is a failure of that test (check_alive in tearDown), with
   the tail of its log in the message: a crash is never mistaken for a wrong reply.
 - Runs under /usr/bin/python3 (Debian's python3-redis); no other third-party module.
 - Exit status 77 only for missing kernel features (skip_file), never for a missing binary
   or a server that does not start: those are failures.
"""

import atexit
import ctypes
import os
import random
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("ARENAKV_SRC") or os.path.normpath(os.path.join(HERE, "..", ".."))
TARGET = os.environ.get("ARENAKV_TARGET", "arenakv")
IS_REDIS = TARGET == "redis"
REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"

# extra redis-server style arguments for every arenakv server (e.g. "--arena-mode mmap");
# ignored for redis-server, which knows none of arenakv's own directives
EXTRA_ARGS = [] if IS_REDIS else shlex.split(os.environ.get("ARENAKV_SERVER_ARGS", ""))

START_TIMEOUT = 60.0	# seconds until the first PONG (BPF verification is slow on a loaded 2-core box)
STOP_GRACE = 10.0	# seconds between SIGTERM and SIGKILL

_live_servers = []
_all_dirs = []		# every Server's temporary directory, removed at exit


def server_binary():
	"""Path of the server under test (redis-server or build/arenakv-server)."""
	if IS_REDIS:
		return REDIS_SERVER
	build = os.environ.get("ARENAKV_BUILD") or os.path.join(SRC, "build")
	return os.path.join(build, "arenakv-server")


def free_port():
	"""A port nobody listens on right now; the caller retries if it loses the race."""
	for _ in range(100):
		port = random.randint(20000, 32000)	# below the ephemeral range
		s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		try:
			s.bind(("127.0.0.1", port))
		except OSError:
			continue
		finally:
			s.close()
		return port
	raise RuntimeError("no free port found")


def raise_nofile(want=16384):
	"""Raise RLIMIT_NOFILE (inherited by servers started afterwards); returns the new soft."""
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	target = want if hard == resource.RLIM_INFINITY else min(want, hard)
	if soft < target:
		try:
			resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
		except (ValueError, OSError):
			return soft
		return target
	return soft


def _die_with_parent():
	"""In the child before exec: SIGKILL it when the test process dies (a ctest timeout
	kills the runner with SIGKILL, which skips atexit)."""
	try:
		ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)	# PR_SET_PDEATHSIG
	except OSError:
		pass


PRIVATE_NETNS_ENV = "ARENAKV_UDP_NETNS"	# "1" inside the namespace enter_private_netns() made


def enter_private_netns(script):
	"""Re-exec script (the calling test file) in a fresh network namespace (`unshare --net`, lo
	brought up there), so its XDP/tcx attachments on lo never meet those of other servers and
	nothing attached can outlive it. Returns when already inside one, or when that is not
	possible (not root, no unshare, not permitted: the test then runs in the current
	namespace); otherwise exits with the re-executed test's status."""
	if os.environ.get(PRIVATE_NETNS_ENV) == "1":
		subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
		return
	if os.geteuid() != 0 or not shutil.which("unshare"):
		return
	if subprocess.run(["unshare", "--net", "--", "true"], stdout=subprocess.DEVNULL,
			  stderr=subprocess.DEVNULL).returncode:
		print("unshare --net not permitted here: running in the current namespace")
		return
	env = dict(os.environ, **{PRIVATE_NETNS_ENV: "1"})
	sys.stdout.flush()
	r = subprocess.run(["unshare", "--net", "--", sys.executable, os.path.abspath(script)],
			   env=env, preexec_fn=_die_with_parent)
	sys.exit(r.returncode)


class Server:
	"""One server process: start(), client(), log(), stop(). Extra args are redis-server style."""

	def __init__(self, args=(), env=None, password=None, binary=None, conf=None):
		self.binary = binary		# None: server_binary() (the target under test)
		self.conf = conf		# config file text, passed as the first argument
		self.args = list(args)
		self.env = dict(os.environ)
		if env:
			self.env.update(env)
		self.password = password
		self.proc = None
		self.port = None
		self.dir = tempfile.mkdtemp(prefix="arenakv-test-")
		_all_dirs.append(self.dir)
		self.logpath = os.path.join(self.dir, "server.log")

	def start(self):
		binary = self.binary or server_binary()
		if not os.access(binary, os.X_OK):
			raise RuntimeError("server binary %s not found or not executable "
					   "(set ARENAKV_BUILD, or ARENAKV_TARGET=redis)" % binary)
		last = ""
		for _ in range(5):
			self.port = free_port()
			cmd = [binary]
			if self.conf is not None:
				path = os.path.join(self.dir, "server.conf")
				with open(path, "w") as f:
					f.write(self.conf)
				cmd.append(path)
			cmd += ["--port", str(self.port), "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "no", "--dir", self.dir]
			if self.binary is None:
				cmd += EXTRA_ARGS
			cmd += self.args
			log = open(self.logpath, "ab")
			self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
						     stdin=subprocess.DEVNULL, env=self.env,
						     cwd=self.dir, preexec_fn=_die_with_parent)
			log.close()
			_live_servers.append(self)
			if self._wait_ready():
				return self
			last = self.log_tail()
			self.stop()
			if "in use" not in last:
				break
		raise RuntimeError("server did not start: %s\n--- log ---\n%s" % (" ".join(cmd), last))

	def _wait_ready(self):
		deadline = time.time() + START_TIMEOUT
		while time.time() < deadline:
			if self.proc.poll() is not None:
				return False
			try:
				with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
					s.sendall(b"PING\r\n")
					line = s.recv(64)
					# -NOAUTH counts as alive when a password is configured
					if line.startswith(b"+PONG") or line.startswith(b"-NOAUTH"):
						return True
			except OSError:
				pass
			time.sleep(0.05)
		return False

	def alive(self):
		return self.proc is not None and self.proc.poll() is None

	def log(self):
		try:
			with open(self.logpath, "rb") as f:
				return f.read().decode("utf-8", "replace")
		except OSError:
			return ""

	def log_tail(self, n=30):
		return "\n".join(self.log().splitlines()[-n:])

	def stop(self):
		"""SIGTERM, wait STOP_GRACE, then SIGKILL. Returns the exit status."""
		if self.proc is None:
			return None
		if self.proc.poll() is None:
			self.proc.send_signal(signal.SIGTERM)
			try:
				self.proc.wait(STOP_GRACE)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				self.proc.wait()
		if self in _live_servers:
			_live_servers.remove(self)
		return self.proc.returncode

	def cleanup(self):
		self.stop()
		shutil.rmtree(self.dir, ignore_errors=True)

	def client(self, **kw):
		"""A redis-py client; bytes in, bytes out unless decode_responses=True is passed."""
		kw.setdefault("password", self.password)
		kw.setdefault("socket_timeout", 30)
		return redis.Redis(host="127.0.0.1", port=self.port, **kw)

	def raw_client(self, **kw):
		"""A redis-py client without reply callbacks: replies exactly as RESP2 sent them
		(b"OK", ints, bytes, nested lists), so a test sees the wire types."""
		c = self.client(**kw)
		c.response_callbacks = {}
		return c

	def sock(self, timeout=10):
		return RawConn(self.port, timeout)

	def cli(self, *args, stdin=None, timeout=30, check=False):
		"""Run redis-cli against this server; returns CompletedProcess (bytes)."""
		cmd = [REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.port)]
		if self.password:
			cmd += ["--no-auth-warning", "-a", self.password]
		cmd += list(args)
		return subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
				      stderr=subprocess.PIPE, timeout=timeout, check=check)


@atexit.register
def _stop_all():
	for s in list(_live_servers):
		s.stop()
	for d in _all_dirs:
		shutil.rmtree(d, ignore_errors=True)


# ---- raw RESP connection --------------------------------------------------------------------

class RespError(Exception):
	pass


class Closed(Exception):
	"""The server closed the connection."""


class RawConn:
	"""A blocking socket with a RESP2/RESP3 reader, for protocol-level tests.

	read() tags every type so a test can tell RESP2 from RESP3 encodings apart:
	('simple', s), ('error', s), int, bytes (bulk), None (nil bulk, nil array or RESP3 null),
	list, ('map', [(k, v), ...]), ('double', float), ('bool', b), ('verbatim', fmt, bytes),
	('set', list), ('big', int), ('push', list), ('attr', pairs, reply).
	"""

	def __init__(self, port, timeout=10):
		self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
		self.buf = b""

	def close(self):
		self.s.close()

	def send(self, data):
		self.s.sendall(data)

	def cmd(self, *args):
		self.send(encode(*args))
		return self.read()

	def _fill(self):
		chunk = self.s.recv(65536)
		if not chunk:
			raise Closed()
		self.buf += chunk

	def _line(self):
		while True:
			i = self.buf.find(b"\r\n")
			if i >= 0:
				line, self.buf = self.buf[:i], self.buf[i + 2:]
				return line
			self._fill()

	def _exact(self, n):
		while len(self.buf) < n + 2:
			self._fill()
		data, self.buf = self.buf[:n], self.buf[n + 2:]
		return data

	def read(self):
		line = self._line()
		t, rest = line[:1], line[1:]
		if t == b"+":
			return ("simple", rest.decode())
		if t == b"-":
			return ("error", rest.decode("utf-8", "replace"))
		if t == b":":
			return int(rest)
		if t == b"$":
			n = int(rest)
			return None if n < 0 else self._exact(n)
		if t in (b"*", b">", b"~"):
			n = int(rest)
			if n < 0:
				return None
			items = [self.read() for _ in range(n)]
			if t == b">":
				return ("push", items)
			if t == b"~":
				return ("set", items)
			return items
		if t == b"%":
			n = int(rest)
			return ("map", [(self.read(), self.read()) for _ in range(n)])
		if t == b"|":
			n = int(rest)
			attrs = [(self.read(), self.read()) for _ in range(n)]
			return ("attr", attrs, self.read())
		if t == b"_":
			return None
		if t == b",":
			return ("double", float(rest.decode()))
		if t == b"#":
			return ("bool", rest == b"t")
		if t == b"(":
			return ("big", int(rest))
		if t == b"=":
			data = self._exact(int(rest))
			return ("verbatim", data[:3].decode(), data[4:])
		if t == b"!":
			return ("error", self._exact(int(rest)).decode("utf-8", "replace"))
		raise RespError("unexpected reply type line %r" % line)

	def read_raw_until(self, end):
		"""Raw bytes up to and including `end`, for checking exact encodings."""
		while end not in self.buf:
			self._fill()
		i = self.buf.index(end) + len(end)
		data, self.buf = self.buf[:i], self.buf[i:]
		return data

	def read_until_closed(self, timeout=5):
		"""Everything the server still sends until it closes; raises on timeout."""
		self.s.settimeout(timeout)
		data = self.buf
		self.buf = b""
		while True:
			chunk = self.s.recv(65536)
			if not chunk:
				return data
			data += chunk


def encode(*args):
	"""RESP2 multibulk request of str/bytes/int arguments."""
	out = [b"*%d\r\n" % len(args)]
	for a in args:
		if isinstance(a, str):
			a = a.encode()
		elif isinstance(a, int):
			a = str(a).encode()
		out.append(b"$%d\r\n%s\r\n" % (len(a), a))
	return b"".join(out)


# ---- INFO -------------------------------------------------------------------------------------

def parse_info(text):
	"""INFO text -> {section: {field: value}} and a flat {field: value}; values as str."""
	if isinstance(text, bytes):
		text = text.decode()
	sections, flat, cur = {}, {}, None
	for line in text.splitlines():
		line = line.strip()
		if not line:
			continue
		if line.startswith("#"):
			cur = line[1:].strip().lower()
			sections[cur] = {}
			continue
		if ":" in line:
			k, v = line.split(":", 1)
			flat[k] = v
			if cur is not None:
				sections[cur][k] = v
	return sections, flat


def info_field(r, field, section=None):
	"""One INFO field as int when it parses as one, else str; None when absent.
	r must be a raw client (Server.raw_client()): redis-py would parse INFO itself."""
	raw = r.execute_command("INFO", section) if section else r.execute_command("INFO")
	if not isinstance(raw, (bytes, str)):
		raise TypeError("info_field needs a raw client (Server.raw_client())")
	_, flat = parse_info(raw)
	v = flat.get(field)
	if v is None:
		return None
	try:
		return int(v)
	except ValueError:
		try:
			return float(v)
		except ValueError:
			return v


def wait_for(pred, timeout=5.0, interval=0.05):
	"""Poll pred() until it is truthy or timeout; returns the last value."""
	deadline = time.time() + timeout
	while True:
		v = pred()
		if v or time.time() >= deadline:
			return v
		time.sleep(interval)


def has_command(r, name):
	"""True when the server knows command `name`: it answers anything but "unknown command"
	to a call with no arguments (arity errors and replies both mean it exists)."""
	try:
		r.execute_command(name)
	except redis.ResponseError as e:
		return not str(e).startswith("unknown command")
	return True


# ---- test base and runner ---------------------------------------------------------------------

class ServerTestCase(unittest.TestCase):
	"""One server per class; self.r is a bytes redis-py client, flushed before every test."""

	server_args = ()
	server_env = None
	password = None
	flush_each = True

	@classmethod
	def setUpClass(cls):
		cls.server = Server(cls.server_args, env=cls.server_env, password=cls.password)
		cls.server.start()
		cls.r = cls.server.client()
		cls.raw = cls.server.raw_client()

	@classmethod
	def tearDownClass(cls):
		try:
			cls.r.close()
			cls.raw.close()
		except Exception:
			pass
		cls.server.cleanup()

	def setUp(self):
		self.check_alive()
		if self.flush_each:
			self.r.execute_command("FLUSHALL")

	def tearDown(self):
		self.check_alive()

	def check_alive(self):
		if not self.server.alive():
			self.fail("server died (exit %s); log tail:\n%s"
				  % (self.server.proc.returncode, self.server.log_tail()))

	def assertError(self, fn, *args, msg=None, startswith=None):
		"""Call fn(*args); expect a ResponseError whose text equals msg (or starts with)."""
		with self.assertRaises(redis.ResponseError) as cm:
			fn(*args)
		text = str(cm.exception)
		if msg is not None:
			self.assertEqual(text, msg)
		if startswith is not None:
			self.assertTrue(text.startswith(startswith), "%r does not start with %r"
					% (text, startswith))
		return text

	def ex(self, *args):
		"""A command whose reply is checked as sent (no redis-py conversion)."""
		return self.raw.execute_command(*args)

	def err(self, *args):
		"""Run a command that must fail; return the error text exactly as the server sent it."""
		with self.assertRaises(redis.ResponseError) as cm:
			self.raw.execute_command(*args)
		return str(cm.exception)


def skip_file(reason):
	"""Skip a whole test file (only for a missing kernel feature): print why, exit 77."""
	print("SKIP: %s" % reason)
	sys.stdout.flush()
	_stop_all()
	sys.exit(77)


class _Result(unittest.TextTestResult):
	pass


def main(module="__main__", suite=None):
	"""Run the file's tests, print 'N passed, N failed' and exit 0/1."""
	raise_nofile()
	if suite is None:
		suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module])
	runner = unittest.TextTestRunner(verbosity=2, stream=sys.stdout, resultclass=_Result)
	t0 = time.time()
	res = runner.run(suite)
	failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
	skipped = len(res.skipped)
	passed = res.testsRun - failed - skipped
	print("target=%s binary=%s io=%s args=%r time=%.1fs" % (TARGET, server_binary(),
		os.environ.get("ARENAKV_IO", "default"), " ".join(EXTRA_ARGS), time.time() - t0))
	print("%d passed, %d failed%s" % (passed, failed,
		", %d skipped" % skipped if skipped else ""))
	sys.stdout.flush()
	_stop_all()
	sys.exit(1 if failed else 0)
