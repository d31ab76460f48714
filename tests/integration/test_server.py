#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_server.py - connection and server commands, and transactions, against Redis 7.

What: PING ECHO HELLO, AUTH with --requirepass (NOAUTH, WRONGPASS, the unauthenticated
protocol limits), INFO (sections present, fields plausible and moving with activity),
CONFIG GET (globs) / SET (validation and effect), CLIENT SETNAME GETNAME ID LIST INFO KILL
REPLY, COMMAND COUNT/INFO/DOCS, TIME, MEMORY USAGE, and MULTI EXEC DISCARD WATCH UNWATCH
including EXECABORT, runtime errors inside EXEC and WATCH invalidation from another client,
plus redis-py pipelines (transaction=True by default).

Why: redis-cli and redis-py depend on these at connect time (HELLO, COMMAND DOCS, CLIENT
SETNAME) and the INFO fields are what operators and benchmarks read.

Invariants: two servers for the file (one without and one with a password); expected texts
were confirmed on redis-server 7.0.15 (ARENAKV_TARGET=redis).
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import redis  # noqa: E402
from harness import encode  # noqa: E402


class Server(harness.ServerTestCase):

	def info(self, section=None):
		raw = self.raw.execute_command(*(["INFO", section] if section else ["INFO"]))
		return harness.parse_info(raw)

	def test_ping_echo(self):
		self.assertEqual(self.ex("PING"), b"PONG")
		self.assertEqual(self.ex("PING", "hello"), b"hello")
		self.assertEqual(self.ex("ECHO", b"\x00\r\nx"), b"\x00\r\nx")
		self.assertEqual(self.err("ECHO"), "wrong number of arguments for 'echo' command")
		self.assertEqual(self.err("PING", "a", "b"), "wrong number of arguments for 'ping' command")

	def test_hello(self):
		rep = self.ex("HELLO")
		d = dict(zip(rep[::2], rep[1::2]))
		self.assertEqual(d[b"proto"], 2)
		self.assertEqual(d[b"id"], self.ex("CLIENT", "ID"))
		self.assertIsInstance(d[b"version"], bytes)
		# without requirepass the default user takes any password through HELLO AUTH
		s = self.server.sock()
		rep = s.cmd("HELLO", "3", "AUTH", "default", "anything")
		self.assertEqual(rep[0], "map")
		s.close()

	def test_auth_without_password(self):
		self.assertEqual(self.err("AUTH", "x"),
				 "AUTH <password> called without any password configured for the default "
				 "user. Are you sure your configuration is correct?")

	def test_info_sections(self):
		sections, flat = self.info()
		for s in ("server", "clients", "memory", "stats", "keyspace"):
			self.assertIn(s, sections, "default INFO lacks # %s" % s.capitalize())
		srv = sections["server"]
		self.assertIn("redis_version", srv)
		self.assertEqual(int(srv["tcp_port"]), self.server.port)
		self.assertEqual(int(srv["process_id"]), self.server.proc.pid)
		self.assertGreaterEqual(int(srv["uptime_in_seconds"]), 0)
		self.assertIn("run_id", srv)
		cl = sections["clients"]
		self.assertGreaterEqual(int(cl["connected_clients"]), 1)
		mem = sections["memory"]
		self.assertGreater(int(mem["used_memory"]), 0)
		self.assertIn("used_memory_human", mem)
		self.assertGreater(int(mem["used_memory_rss"]), 0)
		self.assertEqual(int(mem["maxmemory"]), 0)
		self.assertEqual(mem["maxmemory_policy"], "noeviction")
		st = sections["stats"]
		for f in ("total_connections_received", "total_commands_processed",
			  "instantaneous_ops_per_sec", "expired_keys", "evicted_keys",
			  "keyspace_hits", "keyspace_misses", "rejected_connections"):
			self.assertIn(f, st)
			int(st[f])
		# a single section, several sections, unknown section
		secs, _ = self.info("memory")
		self.assertEqual(list(secs), ["memory"])
		secs, _ = self.info("server")
		self.assertEqual(list(secs), ["server"])
		raw = self.raw.execute_command("INFO", "server", "clients")
		secs, _ = harness.parse_info(raw)
		self.assertEqual(sorted(secs), ["clients", "server"])
		self.assertEqual(self.raw.execute_command("INFO", "nosuchsection"), b"")
		secs, _ = self.info("all")
		for s in ("server", "clients", "memory", "stats", "keyspace"):
			self.assertIn(s, secs)

	def test_info_moves_with_activity(self):
		r = self.r
		_, a = self.info("stats")
		r.set("k", "v")
		r.get("k")
		r.get("k")
		r.get("nokey")
		c = self.server.client()
		c.ping()
		c.close()
		_, b = self.info("stats")
		self.assertGreaterEqual(int(b["total_commands_processed"]) - int(a["total_commands_processed"]), 5)
		self.assertEqual(int(b["keyspace_hits"]) - int(a["keyspace_hits"]), 2)
		self.assertEqual(int(b["keyspace_misses"]) - int(a["keyspace_misses"]), 1)
		self.assertGreaterEqual(int(b["total_connections_received"])
					- int(a["total_connections_received"]), 1)
		# used_memory grows with data and falls back after deleting it
		_, m0 = self.info("memory")
		p = r.pipeline(transaction=False)
		for i in range(2000):
			p.set("m:%d" % i, "x" * 1000)
		p.execute()
		_, m1 = self.info("memory")
		grow = int(m1["used_memory"]) - int(m0["used_memory"])
		self.assertGreater(grow, 2000 * 1000, "used_memory should count 2 MB of values")
		self.assertLess(grow, 2000 * 1000 * 4, "used_memory grew %d for 2 MB" % grow)
		r.flushall()
		_, m2 = self.info("memory")
		self.assertLess(int(m2["used_memory"]), int(m1["used_memory"]) - 1500 * 1000)
		# connected_clients counts connections
		_, c0 = self.info("clients")
		extra = [self.server.sock() for _ in range(10)]
		for s in extra:
			s.cmd("PING")
		_, c1 = self.info("clients")
		self.assertEqual(int(c1["connected_clients"]) - int(c0["connected_clients"]), 10)
		for s in extra:
			s.close()
		ok = harness.wait_for(lambda: int(self.info("clients")[1]["connected_clients"])
				      == int(c0["connected_clients"]), 3)
		self.assertTrue(ok, "connected_clients does not drop after disconnects")

	def test_info_keyspace(self):
		r = self.r
		self.assertNotIn("db0", self.info("keyspace")[1])
		r.set("a", 1)
		r.set("b", 1, ex=100)
		c = self.server.client(db=7)
		c.set("x", 1)
		c.close()
		_, ks = self.info("keyspace")
		self.assertTrue(ks["db0"].startswith("keys=2,expires=1,avg_ttl="), ks["db0"])
		self.assertTrue(ks["db7"].startswith("keys=1,expires=0,avg_ttl="), ks["db7"])

	def test_config_get_glob(self):
		r = self.r
		self.assertEqual(r.config_get("port"), {"port": str(self.server.port)})
		got = r.config_get("maxmemory*")
		self.assertEqual(got.get("maxmemory"), "0")
		self.assertEqual(got.get("maxmemory-policy"), "noeviction")
		self.assertTrue(all(k.startswith("maxmemory") for k in got))
		self.assertEqual(r.config_get("databases"), {"databases": "16"})
		self.assertEqual(r.config_get("save"), {"save": ""})
		self.assertEqual(r.config_get("appendonly"), {"appendonly": "no"})
		self.assertEqual(r.config_get("bind"), {"bind": "127.0.0.1"})
		every = r.config_get("*")
		for k in ("port", "bind", "dir", "maxmemory", "maxmemory-policy", "requirepass",
			  "databases", "save", "appendonly", "appendfsync", "proto-max-bulk-len"):
			self.assertIn(k, every)
		self.assertEqual(r.config_get("nosuchparam"), {})
		self.assertEqual(r.config_get("?ort"), {"port": str(self.server.port)})
		# several patterns at once (7.0)
		got = self.raw.execute_command("CONFIG", "GET", "port", "databases")
		self.assertEqual(dict(zip(got[::2], got[1::2])),
				 {b"port": str(self.server.port).encode(), b"databases": b"16"})

	def test_config_set(self):
		r = self.r
		try:
			self.assertTrue(r.config_set("maxmemory", "10mb"))
			self.assertEqual(r.config_get("maxmemory"), {"maxmemory": "10485760"})
			_, m = self.info("memory")
			self.assertEqual(int(m["maxmemory"]), 10485760)
			self.assertTrue(r.config_set("maxmemory-policy", "allkeys-lru"))
			self.assertEqual(self.info("memory")[1]["maxmemory_policy"], "allkeys-lru")
			self.assertEqual(self.ex("CONFIG", "SET", "maxmemory", "20mb",
						 "maxmemory-policy", "volatile-ttl"), b"OK")
			self.assertEqual(r.config_get("maxmemory*")["maxmemory-policy"], "volatile-ttl")
			self.assertEqual(self.err("CONFIG", "SET", "maxmemory", "abc"),
					 "CONFIG SET failed (possibly related to argument 'maxmemory') - "
					 "argument must be a memory value")
			self.assertEqual(self.err("CONFIG", "SET", "maxmemory-policy", "bad"),
					 "CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
					 "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
					 "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, "
					 "allkeys-random, noeviction")
			self.assertEqual(self.err("CONFIG", "SET", "nosuchparam", "1"),
					 "Unknown option or number of arguments for CONFIG SET - 'nosuchparam'")
			# a failed multi-parameter SET changes nothing
			self.assertRaises(redis.ResponseError, self.ex, "CONFIG", "SET",
					  "maxmemory", "30mb", "maxmemory-policy", "bad")
			self.assertEqual(r.config_get("maxmemory"), {"maxmemory": "20971520"})
			# effect: with a tiny maxmemory and noeviction, writes are refused
			r.config_set("maxmemory-policy", "noeviction")
			r.set("before", "v")
			r.config_set("maxmemory", "1")
			self.assertEqual(self.err("SET", "k", "v"),
					 "OOM command not allowed when used memory > 'maxmemory'.")
			self.assertEqual(r.get("before"), b"v")		# reads still work
		finally:
			r.config_set("maxmemory", "0")
			r.config_set("maxmemory-policy", "noeviction")
		self.assertTrue(r.set("k", "v"))

	def test_requirepass_at_runtime(self):
		# CONFIG SET requirepass: new connections must AUTH, existing ones stay logged in
		try:
			self.assertTrue(self.r.config_set("requirepass", "rt-pass"))
			s = self.server.sock()
			self.assertEqual(s.cmd("GET", "k"), ("error", "NOAUTH Authentication required."))
			self.assertEqual(s.cmd("AUTH", "rt-pass"), ("simple", "OK"))
			self.assertEqual(s.cmd("GET", "k"), None)
			s.close()
			self.assertTrue(self.r.ping())
		finally:
			self.r.config_set("requirepass", "")
		s = self.server.sock()
		self.assertEqual(s.cmd("PING"), ("simple", "PONG"))
		s.close()

	def test_client_name_and_id(self):
		c = self.server.raw_client()
		self.assertIsNone(c.execute_command("CLIENT", "GETNAME"))
		self.assertEqual(c.execute_command("CLIENT", "SETNAME", "worker-1"), b"OK")
		self.assertEqual(c.execute_command("CLIENT", "GETNAME"), b"worker-1")
		with self.assertRaises(redis.ResponseError) as cm:
			c.execute_command("CLIENT", "SETNAME", "a b")
		self.assertEqual(str(cm.exception),
				 "Client names cannot contain spaces, newlines or special characters.")
		self.assertEqual(c.execute_command("CLIENT", "SETNAME", ""), b"OK")
		self.assertIsNone(c.execute_command("CLIENT", "GETNAME"))
		ids = []
		for _ in range(3):
			s = self.server.sock()
			ids.append(s.cmd("CLIENT", "ID"))
			s.close()
		self.assertTrue(ids[0] < ids[1] < ids[2], "client ids must increase: %s" % ids)
		c.close()

	def test_client_list_info(self):
		s = self.server.sock()
		s.cmd("CLIENT", "SETNAME", "lister")
		s.cmd("SELECT", "3")
		myid = s.cmd("CLIENT", "ID")
		lines = s.cmd("CLIENT", "LIST").decode().strip().split("\n")
		mine = [l for l in lines if ("id=%d " % myid) in l]
		self.assertEqual(len(mine), 1, lines)
		f = dict(kv.split("=", 1) for kv in mine[0].split(" ") if "=" in kv)
		self.assertEqual(f["name"], "lister")
		self.assertEqual(f["db"], "3")
		self.assertEqual(f["cmd"], "client|list")
		self.assertTrue(f["addr"].startswith("127.0.0.1:"))
		self.assertEqual(f["laddr"], "127.0.0.1:%d" % self.server.port)
		for k in ("fd", "age", "idle", "flags"):
			self.assertIn(k, f)
		info = s.cmd("CLIENT", "INFO").decode()
		self.assertTrue(info.startswith("id=%d " % myid), info)
		self.assertIn(" name=lister ", info)
		self.assertTrue(info.endswith("\n"))
		one = s.cmd("CLIENT", "LIST", "ID", str(myid)).decode()
		self.assertEqual(one.count("\n"), 1)
		self.assertTrue(one.startswith("id=%d " % myid))
		s.close()

	def test_client_kill(self):
		victim = self.server.sock()
		vid = victim.cmd("CLIENT", "ID")
		self.assertEqual(self.ex("CLIENT", "KILL", "ID", str(vid)), 1)
		self.assertEqual(victim.read_until_closed(timeout=3), b"")
		victim.close()
		self.assertEqual(self.ex("CLIENT", "KILL", "ID", "999999"), 0)
		v2 = self.server.sock()
		v2.cmd("PING")
		addr = [l for l in self.ex("CLIENT", "LIST").decode().split("\n")
			if " cmd=ping " in l][0].split(" addr=")[1].split(" ")[0]
		self.assertEqual(self.ex("CLIENT", "KILL", addr), b"OK")	# old form
		self.assertEqual(v2.read_until_closed(timeout=3), b"")
		v2.close()
		self.assertEqual(self.err("CLIENT", "KILL", "1.2.3.4:5"), "No such client")
		v3 = self.server.sock()
		v3.cmd("PING")
		addr = [l for l in self.ex("CLIENT", "LIST").decode().split("\n")
			if " cmd=ping " in l][0].split(" addr=")[1].split(" ")[0]
		self.assertEqual(self.ex("CLIENT", "KILL", "ADDR", addr), 1)
		v3.close()
		self.assertTrue(self.r.ping())

	def test_client_reply(self):
		s = self.server.sock()
		s.send(encode("CLIENT", "REPLY", "OFF") + encode("SET", "a", "1") + encode("PING")
		       + encode("CLIENT", "REPLY", "ON") + encode("GET", "a")
		       + encode("CLIENT", "REPLY", "SKIP") + encode("PING", "skipped")
		       + encode("PING", "seen"))
		self.assertEqual(s.read(), ("simple", "OK"))	# the ON itself
		self.assertEqual(s.read(), b"1")		# the OFF'd SET ran
		self.assertEqual(s.read(), b"seen")
		self.assertEqual(s.cmd("CLIENT", "REPLY", "FOO"), ("error", "ERR syntax error"))
		s.close()

	def test_command_introspection(self):
		n = self.ex("COMMAND", "COUNT")
		self.assertGreaterEqual(n, 70)			# the list alone is ~75
		allc = self.ex("COMMAND")
		self.assertEqual(len(allc), n)
		names = {c[0] for c in allc}
		for want in (b"get", b"set", b"del", b"scan", b"multi", b"exec", b"client",
			     b"config", b"info", b"hello", b"lcs", b"bitop", b"getex", b"copy"):
			self.assertIn(want, names)
		info = self.ex("COMMAND", "INFO", "get", "set", "nosuchcmd")
		self.assertEqual(len(info), 3)
		get, set_, none = info
		self.assertEqual(get[0], b"get")
		self.assertEqual(get[1], 2)			# arity
		self.assertIn(b"readonly", get[2])
		self.assertEqual(get[3:6], [1, 1, 1])		# first, last, step
		self.assertEqual(set_[1], -3)
		self.assertIn(b"write", set_[2])
		self.assertIsNone(none)
		mset = self.ex("COMMAND", "INFO", "mset")[0]
		self.assertEqual(mset[3:6], [1, -1, 2])
		docs = self.ex("COMMAND", "DOCS", "get")
		self.assertEqual(docs[0], b"get")
		d = dict(zip(docs[1][::2], docs[1][1::2]))
		for k in (b"summary", b"since", b"group"):
			self.assertIn(k, d)
		self.assertEqual(d[b"group"], b"string")
		# without arguments (what redis-cli fetches for its hints): every command once
		alldocs = self.ex("COMMAND", "DOCS")
		self.assertEqual(len(alldocs) // 2, n)
		self.assertEqual({x for x in alldocs[::2]}, names)

	def test_time(self):
		sec, usec = self.ex("TIME")
		t = int(sec) + int(usec) / 1e6
		self.assertLess(abs(t - time.time()), 2)
		self.assertTrue(0 <= int(usec) < 1000000)

	def test_memory_usage(self):
		r = self.r
		self.assertIsNone(r.memory_usage("nokey"))
		r.set("small", "v")
		r.set("big", "x" * 100000)
		small = r.memory_usage("small")
		big = r.memory_usage("big")
		self.assertGreater(small, 0)
		self.assertGreaterEqual(big, 100000)
		self.assertLess(big, 200000)
		self.assertGreater(big, small)

	def test_multi_exec_basic(self):
		s = self.server.sock()
		self.assertEqual(s.cmd("MULTI"), ("simple", "OK"))
		self.assertEqual(s.cmd("SET", "a", "1"), ("simple", "QUEUED"))
		self.assertEqual(s.cmd("INCR", "a"), ("simple", "QUEUED"))
		self.assertEqual(s.cmd("GET", "a"), ("simple", "QUEUED"))
		self.assertIsNone(self.r.get("a"))		# not run before EXEC
		self.assertEqual(s.cmd("EXEC"), [("simple", "OK"), 2, b"2"])
		self.assertEqual(s.cmd("MULTI"), ("simple", "OK"))
		self.assertEqual(s.cmd("EXEC"), [])
		self.assertEqual(s.cmd("EXEC"), ("error", "ERR EXEC without MULTI"))
		self.assertEqual(s.cmd("DISCARD"), ("error", "ERR DISCARD without MULTI"))
		self.assertEqual(s.cmd("MULTI"), ("simple", "OK"))
		self.assertEqual(s.cmd("MULTI"), ("error", "ERR MULTI calls can not be nested"))
		self.assertEqual(s.cmd("SET", "b", "1"), ("simple", "QUEUED"))
		self.assertEqual(s.cmd("DISCARD"), ("simple", "OK"))
		self.assertIsNone(self.r.get("b"))
		self.assertEqual(s.cmd("MULTI"), ("simple", "OK"))
		self.assertEqual(s.cmd("WATCH", "a"), ("error", "ERR WATCH inside MULTI is not allowed"))
		self.assertEqual(s.cmd("EXEC"), [])
		s.close()

	def test_execabort(self):
		s = self.server.sock()
		s.cmd("MULTI")
		self.assertEqual(s.cmd("SET", "a", "1"), ("simple", "QUEUED"))
		self.assertEqual(s.cmd("SET", "b"), ("error", "ERR wrong number of arguments for 'set' command"))
		self.assertEqual(s.cmd("NOSUCH"), ("error", "ERR unknown command 'NOSUCH', with args beginning with: "))
		self.assertEqual(s.cmd("EXEC"),
				 ("error", "EXECABORT Transaction discarded because of previous errors."))
		self.assertIsNone(self.r.get("a"))
		self.assertEqual(s.cmd("PING"), ("simple", "PONG"))	# out of MULTI again
		s.close()

	def test_exec_runtime_errors_do_not_abort(self):
		s = self.server.sock()
		s.cmd("MULTI")
		s.cmd("SET", "a", "x")
		s.cmd("INCR", "a")
		s.cmd("SET", "b", "2")
		rep = s.cmd("EXEC")
		self.assertEqual(rep, [("simple", "OK"), ("error", "ERR value is not an integer or out of range"),
				       ("simple", "OK")])
		self.assertEqual(self.r.get("b"), b"2")
		s.close()

	def test_watch(self):
		r = self.r
		r.set("w", "1")
		s = self.server.sock()
		other = self.server.client()
		# untouched watched key: EXEC runs
		s.cmd("WATCH", "w")
		s.cmd("MULTI")
		s.cmd("SET", "w", "2")
		self.assertEqual(s.cmd("EXEC"), [("simple", "OK")])
		# touched by another client between WATCH and EXEC: EXEC returns nil
		for touch in (lambda: other.set("w", "x"), lambda: other.delete("w"),
			      lambda: other.expire("w", 100), lambda: other.incr("w2"),
			      lambda: other.append("w", "z"), lambda: other.rename("w", "w3"),
			      lambda: other.flushall()):
			r.set("w", "1")
			r.set("w2", "1")
			s.cmd("WATCH", "w", "w2")
			touch()
			s.cmd("MULTI")
			s.cmd("SET", "w", "mine")
			self.assertIsNone(s.cmd("EXEC"))
			self.assertNotEqual(r.get("w"), b"mine")
		# UNWATCH forgets
		r.set("w", "1")
		s.cmd("WATCH", "w")
		other.set("w", "x")
		self.assertEqual(s.cmd("UNWATCH"), ("simple", "OK"))
		s.cmd("MULTI")
		s.cmd("SET", "w", "mine")
		self.assertEqual(s.cmd("EXEC"), [("simple", "OK")])
		# WATCH of a missing key that gets created
		s.cmd("WATCH", "fresh")
		other.set("fresh", "1")
		s.cmd("MULTI")
		s.cmd("SET", "fresh", "mine")
		self.assertIsNone(s.cmd("EXEC"))
		# EXEC (even aborted) unwatches everything
		s.cmd("MULTI")
		s.cmd("PING")
		other.set("fresh", "2")
		self.assertEqual(s.cmd("EXEC"), [("simple", "PONG")])
		# a key that expires while watched counts as modified
		r.set("exp", "1", px=50)
		s.cmd("WATCH", "exp")
		time.sleep(0.15)
		s.cmd("MULTI")
		s.cmd("PING")
		self.assertIsNone(s.cmd("EXEC"))
		s.close()
		other.close()

	def test_watch_swapdb_flushdb(self):
		# SWAPDB and FLUSHDB invalidate a WATCH only for keys that exist in the databases
		# involved (Redis touches existing keys only)
		r = self.r
		r1 = self.server.client(db=1)
		s = self.server.sock()
		other = self.server.client()
		r1.set("k", "in-db1")				# absent in db0, present in db1
		s.cmd("WATCH", "k")
		other.swapdb(0, 1)
		s.cmd("MULTI")
		s.cmd("PING")
		self.assertIsNone(s.cmd("EXEC"), "SWAPDB brought a watched key in")
		s.cmd("WATCH", "absent-everywhere")
		other.swapdb(0, 1)
		s.cmd("MULTI")
		s.cmd("PING")
		self.assertEqual(s.cmd("EXEC"), [("simple", "PONG")])
		r.set("f", "1")
		s.cmd("WATCH", "f")
		other.flushdb()
		s.cmd("MULTI")
		s.cmd("PING")
		self.assertIsNone(s.cmd("EXEC"), "FLUSHDB deleted a watched key")
		s.close()
		other.close()
		r1.close()

	def test_redis_py_pipeline(self):
		r = self.r
		p = r.pipeline()				# transaction=True: MULTI/EXEC
		p.set("p1", "a").incr("p2").get("p1").mget("p1", "p2")
		self.assertEqual(p.execute(), [True, 1, b"a", [b"a", b"1"]])
		# optimistic locking through redis-py's WATCH helper
		r.set("counter", "10")

		def incr_by_two(pipe):
			v = int(pipe.get("counter"))
			pipe.multi()
			pipe.set("counter", v + 2)
		r.transaction(incr_by_two, "counter")
		self.assertEqual(r.get("counter"), b"12")
		with r.pipeline() as p:
			p.watch("counter")
			r.set("counter", "99")		# another write: the transaction must fail
			p.multi()
			p.set("counter", "0")
			self.assertRaises(redis.WatchError, p.execute)
		self.assertEqual(r.get("counter"), b"99")
		# errors inside a pipeline come back per command
		p = r.pipeline()
		p.set("s", "x").incr("s").get("s")
		res = p.execute(raise_on_error=False)
		self.assertEqual(res[0], True)
		self.assertIsInstance(res[1], redis.ResponseError)
		self.assertEqual(res[2], b"x")


class Auth(harness.ServerTestCase):
	password = "s3cret"
	server_args = ("--requirepass", "s3cret")

	def test_noauth(self):
		s = self.server.sock()
		self.assertEqual(s.cmd("PING"), ("error", "NOAUTH Authentication required."))
		self.assertEqual(s.cmd("SET", "a", "b"), ("error", "NOAUTH Authentication required."))
		self.assertEqual(s.cmd("AUTH", "bad"),
				 ("error", "WRONGPASS invalid username-password pair or user is disabled."))
		self.assertEqual(s.cmd("AUTH", "default", "bad"),
				 ("error", "WRONGPASS invalid username-password pair or user is disabled."))
		self.assertEqual(s.cmd("AUTH", "s3cret"), ("simple", "OK"))
		self.assertEqual(s.cmd("PING"), ("simple", "PONG"))
		s.close()
		s = self.server.sock()
		self.assertEqual(s.cmd("AUTH", "default", "s3cret"), ("simple", "OK"))
		self.assertEqual(s.cmd("GET", "nokey"), None)
		s.close()
		s = self.server.sock()
		self.assertEqual(s.cmd("QUIT"), ("simple", "OK"))	# allowed unauthenticated
		s.close()

	def test_hello_auth(self):
		s = self.server.sock()
		rep = s.cmd("HELLO", "3")
		self.assertEqual(rep[0], "error")
		self.assertTrue(rep[1].startswith("NOAUTH HELLO must be called with the client already "
						  "authenticated"), rep)
		self.assertEqual(s.cmd("HELLO", "2", "AUTH", "default", "bad"),
				 ("error", "WRONGPASS invalid username-password pair or user is disabled."))
		rep = s.cmd("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "authed")
		self.assertEqual(rep[0], "map")
		self.assertEqual(s.cmd("CLIENT", "GETNAME"), b"authed")
		s.close()

	def test_unauthenticated_limits(self):
		# before AUTH, big multibulk counts and bulk lengths are protocol errors
		for data, text in ((b"*11\r\n", "unauthenticated multibulk length"),
				   (b"*2\r\n$4\r\nECHO\r\n$20000\r\n", "unauthenticated bulk length")):
			s = self.server.sock()
			s.send(data)
			self.assertEqual(s.read_until_closed(),
					 ("-ERR Protocol error: %s\r\n" % text).encode())
			s.close()

	def test_redis_py_and_cli_with_password(self):
		self.assertTrue(self.r.set("k", "v"))
		self.assertEqual(self.r.get("k"), b"v")
		out = self.server.cli("GET", "k")
		self.assertEqual(out.stdout, b"v\n")
		bad = harness.redis.Redis(port=self.server.port, password="wrong")
		with self.assertRaises((redis.AuthenticationError, redis.ResponseError)) as cm:
			bad.ping()
		self.assertIn("WRONGPASS", str(cm.exception))


class Lifecycle(harness.ServerTestCase):
	"""Start-up from a config file plus --name value overrides, and a clean SIGTERM."""

	def test_config_file_and_overrides(self):
		conf = ("# comment line\n\nmaxmemory 10mb\nmaxmemory-policy allkeys-lru\n"
			"databases 16\nappendfsync everysec\nrequirepass fromfile\n")
		s = harness.Server(["--requirepass", "fromargs"], conf=conf, password="fromargs")
		s.start()
		try:
			c = s.client()
			got = c.config_get("maxmemory*")
			self.assertEqual(got["maxmemory"], "10485760")
			self.assertEqual(got["maxmemory-policy"], "allkeys-lru")
			self.assertEqual(c.config_get("appendfsync"), {"appendfsync": "everysec"})
			# a command-line directive overrides the file
			self.assertEqual(c.config_get("requirepass"), {"requirepass": "fromargs"})
			c.close()
		finally:
			s.cleanup()

	def test_sigterm_exits_cleanly(self):
		s = harness.Server()
		s.start()
		try:
			c = s.client()
			c.set("k", "v")
			c.close()
			t0 = time.time()
			rc = s.stop()
			self.assertEqual(rc, 0, "exit status after SIGTERM; log:\n" + s.log_tail())
			self.assertLess(time.time() - t0, 5)
		finally:
			s.cleanup()

	def test_bad_arguments_fail_to_start(self):
		# an unknown directive is fatal, like redis-server ("Bad directive or wrong
		# number of arguments"), and the process exits non-zero instead of serving
		p = subprocess.run([harness.server_binary(), "--port", str(harness.free_port()),
				    "--no-such-directive", "1"], stdout=subprocess.PIPE,
				   stderr=subprocess.STDOUT, timeout=10)
		self.assertNotEqual(p.returncode, 0)
		self.assertIn(b"no-such-directive", p.stdout)


if __name__ == "__main__":
	harness.main()
