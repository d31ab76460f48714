#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_differential.py - arenakv against redis-server 7, reply for reply, byte for byte.

What: starts redis-server (--save '' --appendonly no) and arenakv-server on free ports, then
 1. feeds both the same seeded random command sequences over a tiny key space (a few keys and
    databases, so overwrites, collisions, integer/float/binary value clashes, renames onto
    existing keys, expiry and SWAPDB/MOVE/COPY between databases happen all the time): every
    string command with valid and invalid option combinations, the key commands, wrong
    arities, unknown commands, bad numbers (overflow, floats, spaces, empty), negative and huge
    offsets, binary keys and values, MULTI/EXEC/DISCARD/WATCH with a second connection that
    touches the same keys; several seeds over RESP2 and one more after HELLO 3 (only strings
    exist in arenakv, so type clashes are value clashes: integer vs float vs text);
 2. a short run over megabyte values (APPEND/SETRANGE/SETBIT growth, ranges, BITOP);
 3. sends both servers the same random malformed or fragmented RESP streams (multibulk and
    inline, valid commands mixed with protocol errors, split at random byte boundaries) and
    compares everything each server sent back and whether it closed the connection; then the
    same with requirepass, after random AUTH/HELLO attempts (the pre-AUTH limits).
Requests are written as raw RESP on raw sockets (one in ten as an inline command line, binary
arguments as quoted hex escapes) and replies are read as raw bytes, so reply types (status vs
bulk, integer vs bulk, RESP3 encodings) and exact error texts are compared, not what a client
library makes of them. SCAN is compared as the set of keys a full iteration returns (cursors
are each server's own), with its option errors byte for byte.

Why: redis-server is the specification. Hand-written tests check the cases someone thought of;
a differential run checks the combinations nobody did (an option order, an error precedence,
an overflow boundary) and a mismatch is, by construction, a difference from Redis.

Normalization (the only parts compared loosely, because they depend on when each server
received the command, not on what it did): TTL/EXPIRETIME within 1 s, PTTL/PEXPIRETIME within
1500 ms, both non-negative; KEYS element order (sorted before comparing). Everything else is
compared byte for byte; EXEC's array is compared element by element as the replies of the
queued commands. Expiry is kept deterministic by construction: a TTL is either long (>= 100 s,
never reached during the run, drawn from a wide range so GT/LT never compare equal times),
relative and <= 0, or "short" (<= 3 ms) or absolute in the past, after which the run sleeps
15 ms and touches the key with EXISTS so that both servers have removed it (otherwise DBSIZE
would depend on when each server's active expire cycle ran). Protocol lines over the 64 KB
limit always end their stream without a newline: Redis checks that limit only while no
newline is buffered, so a longer line that has one passes or fails by read timing.

Invariants:
 - The command history is identical for both servers; a mismatch ends that seed (the
   keyspaces may have diverged) and is reported with the seed, the history tail and both raw
   replies; the other seeds still run, so one run shows every distinct difference.
 - Servers are started and stopped through harness.Server (free ports, killed at exit).
 - KNOWN_DIFFS lists mismatches that were reported to their owner and are not fixed yet; each
   entry names the request in /tmp/arenakv-requests.md. It must stay empty or tiny.
 - ARENAKV_DIFF_SEEDS="1,2,3" and ARENAKV_DIFF_N=5000 override the seeds and commands per seed
   (to reproduce a reported seed); ARENAKV_DIFF_BUDGET (s) caps the command runs, so the file
   stays under 60 s even on a loaded machine (about 25 s idle here).
"""

import os
import random
import selectors
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import encode  # noqa: E402

SEEDS = [int(s) for s in os.environ.get("ARENAKV_DIFF_SEEDS", "11,22,33,44,66").split(",") if s]
N_CMDS = int(os.environ.get("ARENAKV_DIFF_N", "6000"))
RESP3_SEED = 55
# seconds for all command sequences together (RESP2 seeds share 80 %, the RESP3 seed 20 %): on a
# loaded machine a seed stops early (the run says how far it got) rather than blow the ctest
# budget; a prefix of a seed is still an exact comparison
BUDGET = float(os.environ.get("ARENAKV_DIFF_BUDGET", "30"))
PROTO_CASES = int(os.environ.get("ARENAKV_DIFF_PROTO", "240"))
HISTORY_TAIL = 25

# Mismatches reported to their owner (in /tmp/arenakv-requests.md) and not fixed yet, by name.
# Each is recognised by a narrow predicate (known_command_diff / known_stream_diff below) that
# matches only the reported case; a run prints the first excused mismatch of each kind and
# counts them all in its summary line. Empty is the goal: when
# the owner fixes one, delete its name here and the predicate becomes inert.
KNOWN_DIFFS = {
	# "to data (from compat): OBJECT ENCODING says embstr/int where Redis 7.0 says raw": Redis
	# keeps a value edited in place (APPEND, SETRANGE, SETBIT, BITOP) as "raw" and a number
	# made by INCRBYFLOAT as "embstr" (refcount 1); arenakv derives the encoding from the
	# current value only (documented in server/t_keys.c). See ENCODING_FROM_HISTORY.
	"object_encoding_raw",
	# "to lead + data (from compat): OBJECT is not a container command": inside MULTI, Redis
	# rejects OBJECT with an unknown subcommand or a subcommand arity error before queueing
	# (EXEC then aborts); arenakv queues it. The run then DISCARDs and re-enters MULTI on both
	# servers alike, so they stay in step.
	"object_subcommand_queued",
}
# Fixed since they were found here (kept as a record; the generator still produces them):
# rejected EXEC (wrong arity) -> -EXECABORT + leave MULTI (core, 22:05); EXPIRETIME rounding
# overflow near LLONG_MAX (data, 22:08); a NUL before a line end stalls the connection as
# Redis's strchr() does (core, 22:18); HELP ends "Prints this help." (core, 22:18).

# Reply fields that depend on the instant each server saw the command: name -> tolerance.
TIME_TOLERANCE = {b"TTL": 1, b"EXPIRETIME": 1, b"PTTL": 1500, b"PEXPIRETIME": 1500}


# ---- raw RESP replies -------------------------------------------------------------------------

class Incomplete(Exception):
	"""The buffer ends inside a reply; .need is the buffer length known to be needed."""

	def __init__(self, need=0):
		super().__init__()
		self.need = need


def parse_reply(buf, pos=0):
	"""One reply of any RESP2/RESP3 type starting at buf[pos]: (tree, end). A tree is
	(type byte, value): value is bytes for + - ( , # = ! $ (None for a nil bulk), int for :,
	a list of trees for * ~ > % | (None for a nil array; % and | are flattened pairs), None
	for _. Raises Incomplete when buf ends first."""
	i = buf.find(b"\r\n", pos)
	if i < 0:
		raise Incomplete(len(buf) + 1)
	t, line, pos = buf[pos:pos + 1], buf[pos + 1:i], i + 2
	if t in (b"+", b"-", b",", b"#", b"("):
		return (t, bytes(line)), pos
	if t == b":":
		return (t, int(line)), pos
	if t == b"_":
		return (t, None), pos
	if t in (b"$", b"=", b"!"):
		n = int(line)
		if n < 0:
			return (t, None), pos
		if len(buf) < pos + n + 2:
			raise Incomplete(pos + n + 2)
		return (t, bytes(buf[pos:pos + n])), pos + n + 2
	if t in (b"*", b"~", b">", b"%", b"|"):
		n = int(line)
		if n < 0:
			return (t, None), pos
		if t in (b"%", b"|"):
			n *= 2
		items = []
		for _ in range(n):
			item, pos = parse_reply(buf, pos)
			items.append(item)
		if t == b"|":		# an attribute precedes the reply it annotates
			item, pos = parse_reply(buf, pos)
			items.append(item)
		return (t, items), pos
	raise ValueError("not a RESP reply type: %r" % buf[pos - len(line) - 3:pos])


SAFE_INLINE = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+.:*?[]^!_#$%&@~/,;<>=()")


def encode_inline(args):
	"""The same request as an inline command line: bare words where safe, otherwise double
	quotes with \\xHH escapes (sdssplitargs syntax), so any binary argument can be sent."""
	out = []
	for a in args:
		if a and all(c in SAFE_INLINE for c in a):
			out.append(a)
		else:
			out.append(b'"' + b"".join(b"\\x%02x" % c for c in a) + b'"')
	return b" ".join(out) + b"\r\n"


class Wire:
	"""A raw connection: send bytes, read one reply as (raw bytes, tree). Reading is linear
	in the reply size: the buffer is a bytearray and a reply is re-parsed only once the
	bytes its parse said it needs have arrived (a 512 MB bulk costs no rescans)."""

	def __init__(self, port):
		self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
		self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
		self.buf = bytearray()

	def close(self):
		self.s.close()

	def call(self, args, inline=False):
		self.s.sendall(encode_inline(args) if inline else encode(*args))
		return self.reply()

	def reply(self):
		need = 0
		while True:
			while len(self.buf) < need:
				chunk = self.s.recv(max(65536, min(need - len(self.buf), 1 << 24)))
				if not chunk:
					return b"<connection closed>", ("closed", None)
				self.buf += chunk
			try:
				tree, end = parse_reply(self.buf)
			except Incomplete as e:
				need = max(e.need, len(self.buf) + 1)
				continue
			raw = bytes(self.buf[:end])
			del self.buf[:end]
			return raw, tree


def same_reply(args, a_raw, a_tree, b_raw, b_tree, queued=None, excused=None):
	"""True when two replies to `args` agree up to the documented normalization. queued:
	the commands a MULTI queued, when args is their EXEC (each element is then compared
	as the reply to its own command)."""
	return a_raw == b_raw or same_tree(args, a_tree, b_tree, queued, excused)


def same_tree(args, a_tree, b_tree, queued=None, excused=None):
	if a_tree == b_tree:
		return True
	name = args[0].upper() if args else b""
	tol = TIME_TOLERANCE.get(name)
	if tol is not None and a_tree[0] == b":" == b_tree[0]:
		a, b = a_tree[1], b_tree[1]
		return a >= 0 and b >= 0 and abs(a - b) <= tol
	if a_tree[0] != b_tree[0] or a_tree[1] is None or b_tree[1] is None:
		return False
	if name == b"KEYS" and a_tree[0] in (b"*", b"~"):
		return sorted(a_tree[1]) == sorted(b_tree[1])
	if name == b"EXEC" and queued is not None and a_tree[0] == b"*" \
			and len(a_tree[1]) == len(b_tree[1]) == len(queued):
		for q, x, y in zip(queued, a_tree[1], b_tree[1]):
			if same_tree(q, x, y):
				continue
			hit = known_command_diff(q, x, y)	# a known difference inside EXEC
			if not hit or excused is None:
				return False
			excused.append(hit)
		return True
	return False


# (redis, arenakv) OBJECT ENCODING pairs that come from Redis remembering how a value was made
# (in-place edits stay "raw", INCRBYFLOAT results and copies of them stay "embstr") where
# arenakv looks at the value alone; REFCOUNT follows (an integer made that way is not shared).
ENCODING_FROM_HISTORY = [((b"$", x), (b"$", y)) for x, y in
			 ((b"raw", b"embstr"), (b"raw", b"int"), (b"embstr", b"int"))]


def known_command_diff(args, a_tree, b_tree):
	"""The KNOWN_DIFFS name excusing this command mismatch (redis: a_tree, arenakv: b_tree),
	or None."""
	name = args[0].upper()
	sub = args[1].upper() if len(args) > 1 else b""
	if "object_encoding_raw" in KNOWN_DIFFS and name == b"OBJECT" and len(args) == 3 \
			and (sub == b"ENCODING" and (a_tree, b_tree) in ENCODING_FROM_HISTORY
			     or sub == b"REFCOUNT" and (a_tree, b_tree) == ((b":", 1), (b":", 2147483647))):
		return "object_encoding_raw"
	if "object_subcommand_queued" in KNOWN_DIFFS and name == b"OBJECT" \
			and b_tree == (b"+", b"QUEUED") and a_tree[0] == b"-" \
			and (a_tree[1].startswith(b"ERR unknown subcommand ") or
			     a_tree[1].startswith(b"ERR wrong number of arguments for 'object|")):
		return "object_subcommand_queued"
	return None


def known_stream_diff(data, a_out, a_closed, b_out, b_closed):
	"""The KNOWN_DIFFS name excusing this stream mismatch (redis: a_*, arenakv: b_*), or None
	(none open: the one there was, a NUL before a line end, is fixed)."""
	return None


def show(x, limit=200):
	r = repr(x)
	return r if len(r) <= limit else r[:limit] + "...(%d bytes)" % len(x)


def full_scan(w, opts):
	"""FULLSCAN: SCAN from cursor 0 until it returns 0 on one connection (cursor values are
	the server's own business). (raw, tree): the first error as sent, or the set of keys seen
	as a sorted array tree, so that it compares like any other reply."""
	cursor, seen = b"0", set()
	for _ in range(10000):
		raw, tree = w.call([b"SCAN", cursor] + opts)
		if tree[0] != b"*" or len(tree[1]) != 2 or tree[1][1][0] not in (b"*", b"~"):
			return raw, tree
		cursor = tree[1][0][1]
		seen.update(item[1] for item in tree[1][1][1])
		if cursor == b"0":
			break
	else:
		return b"<SCAN did not finish>", ("?", None)
	keys = sorted(seen)
	return b"FULLSCAN " + repr(keys).encode(), (b"*", [(b"$", k) for k in keys])


# ---- the command generator --------------------------------------------------------------------

# a tiny key space: plain, empty, binary, with a space, and one long key (300 bytes, past
# any inline-key size a store might have)
KEYS = [b"k0", b"k1", b"k2", b"k3", b"n", b"", b"b\x00\xff\r\n", b"a b", b"L" * 300]
DBS = [b"0", b"0", b"1", b"1", b"2", b"3", b"15", b"16", b"-1", b"x", b"1.0", b""]
BAD_INTS = [b"", b" 1", b"1 ", b"1.0", b"1.5", b"+1", b"-0", b"01", b"0x10", b"1e3", b"abc",
	    b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808",
	    b"-9223372036854775809", b"99999999999999999999", b"\x001", b"1\x00", b"-", b"--1"]
FLOATS = [b"1.5", b"-0.1", b"0.1", b"3", b"-3", b"1e308", b"-1e308", b"1e-320", b"5.0e3",
	  b"inf", b"-inf", b"nan", b"+inf", b"0x10", b" 1", b"1 ", b"", b".5", b"5.", b"1,5",
	  b"1e", b"17.0000000000000001", b"3.0000000000000000000001", b"1E2", b"-0", b"00.1",
	  b"1e20", b"1.7976931348623157e308", b"-1e-5", b"123456789012345678", b"0.30000000000000004",
	  b"1e-17", b"4.9e-324", b"100000000000000000000000", b"-.5e1", b"1_0", b"Infinity"]
VALUES_FIXED = [b"", b"0", b"1", b"-1", b"10", b"-5", b"007", b"9223372036854775807",
		b"-9223372036854775808", b"9223372036854775806", b"1.5", b"3e2", b"-0.0", b" 7",
		b"7 ", b"inf", b"nan", b"hello", b"\x00\x01\xff", b"\r\n", b"\xff\xf0\x00\x0f",
		b"abcabcbd", b"ohmytext", b"mynewtext", b"0.1", b"1e308", b"+5", b"0x1f"]
PATTERNS = [b"*", b"k*", b"k?", b"?", b"k[0-2]", b"k[^0]", b"[a-m]*", b"*\x00*", b"k[",
	    b"\\*", b"**", b"", b"a\\ b", b"a b", b"[!k]*", b"k[2-0]", b"*[\r]*", b"n", b"[]"]
EXPIRE_FLAGS = [b"NX", b"XX", b"GT", b"LT", b"nx", b"gt", b"BOGUS"]

FULLSCAN = b"\x00FULLSCAN"	# not a command: the runner iterates SCAN to the end (full_scan)
SHORT_MS = (1, 3)		# a "short" TTL, ms
SHORT_SLEEP = 0.015		# enough for both servers to have passed a short TTL


class Gen:
	"""Random commands over KEYS/DBS. next() -> (args, short_key): short_key is the key a
	short TTL was just put on (the runner waits and touches it), else None."""

	def __init__(self, seed):
		self.r = random.Random(seed)
		self.in_multi = False	# a MULTI was sent and no EXEC/DISCARD since

	def key(self):
		return self.r.choice(KEYS)

	def keys(self, lo=1, hi=4):
		return [self.key() for _ in range(self.r.randint(lo, hi))]

	def value(self):
		r = self.r
		p = r.random()
		if p < 0.03:			# big enough to live out of line, still cheap for LCS
			return bytes(r.randint(0, 255) for _ in range(r.randint(40, 2000)))
		if p < 0.05:
			return bytes([r.choice(b"abc01")]) * r.randint(40, 600)
		if p < 0.35:
			return r.choice(VALUES_FIXED)
		if p < 0.6:
			return str(r.randint(-1000, 1000)).encode()
		if p < 0.7:
			return ("%.3f" % r.uniform(-100, 100)).encode()
		if p < 0.85:
			return bytes(r.choice(b"abcdxyz") for _ in range(r.randint(0, 12)))
		return bytes(r.randint(0, 255) for _ in range(r.randint(0, 16)))

	def int_arg(self, lo=-100, hi=100):
		if self.r.random() < 0.15:
			return self.r.choice(BAD_INTS)
		return str(self.r.randint(lo, hi)).encode()

	def float_arg(self):
		if self.r.random() < 0.4:
			return self.r.choice(FLOATS)
		return ("%g" % self.r.uniform(-1000, 1000)).encode()

	def offset(self, small, invalid, big=()):
		"""A byte or bit offset: mostly small, sometimes negative, huge or not a number."""
		r = self.r
		p = r.random()
		if p < 0.75:
			return str(r.randint(0, small)).encode()
		if p < 0.85:
			return r.choice(invalid)
		if p < 0.92 and big:
			return r.choice(big)
		return r.choice(BAD_INTS)

	def ttl(self, unit_ms, absolute):
		"""(arg, short): a TTL argument in seconds or ms, relative or absolute."""
		r = self.r
		now_ms = int(time.time() * 1000)
		p = r.random()
		# no short TTL inside MULTI: it would start at EXEC, in whatever db is then selected
		if p < 0.1 and unit_ms and not self.in_multi:
			ms = r.randint(*SHORT_MS)
			return str(now_ms + ms if absolute else ms).encode(), True
		if p < 0.2 and not (absolute and self.in_multi):
			# already reached: zero, negative or in the past. SET EXAT/PXAT in the past
			# stores a key that is already expired (Redis 7.0); it stays in DBSIZE until
			# the active cycle or an access removes it, so it is touched at once like a
			# short TTL (hence not inside MULTI either).
			v = r.choice([0, -1, -100, 1, 2, 3])
			if v > 0:
				if not absolute:
					v = -v
				elif v == 3:
					v = (now_ms - 100000) // (1 if unit_ms else 1000)
			return str(v).encode(), absolute and v > 0
		if p < 0.3:
			return r.choice(BAD_INTS + [b"9223372036854775", b"9223372036854776",
						    b"92233720368547758"]), False
		# long: 100 s .. ~11 days, drawn wide so that two draws are (almost) never equal
		s = r.randint(100, 1000000)
		if unit_ms:
			v = s * 1000 + r.randint(0, 999) + (now_ms if absolute else 0)
		else:
			v = s + (now_ms // 1000 if absolute else 0)
		return str(v).encode(), False

	def set_opts(self):
		"""Random SET options, valid or not; (list, short)."""
		r = self.r
		out, short = [], False
		for _ in range(r.choice([0, 0, 1, 1, 1, 2, 2, 3])):
			o = r.choice([b"NX", b"XX", b"GET", b"KEEPTTL", b"EX", b"PX", b"EXAT", b"PXAT",
				      b"nx", b"get", b"px", b"BOGUS"])
			out.append(o)
			if o.upper() in (b"EX", b"PX", b"EXAT", b"PXAT"):
				if r.random() < 0.05:
					continue	# the value is missing
				a, s = self.ttl(o.upper() in (b"PX", b"PXAT"), o.upper() in (b"EXAT", b"PXAT"))
				out.append(a)
				short = short or s
		return out, short

	def getex_opts(self):
		r = self.r
		out, short = [], False
		for _ in range(r.choice([0, 1, 1, 1, 2])):
			o = r.choice([b"EX", b"PX", b"EXAT", b"PXAT", b"PERSIST", b"persist", b"KEEPTTL",
				      b"NX"])
			out.append(o)
			if o in (b"EX", b"PX", b"EXAT", b"PXAT") and r.random() > 0.05:
				a, s = self.ttl(o in (b"PX", b"PXAT"), o in (b"EXAT", b"PXAT"))
				out.append(a)
				short = short or s
		return out, short

	def bit_range(self, nargs_max):
		"""Start/end [BYTE|BIT] tails for BITCOUNT/BITPOS."""
		r = self.r
		out = []
		n = r.randint(0, nargs_max)
		for _ in range(n):
			out.append(self.int_arg(-20, 20) if r.random() < 0.9 else
				   r.choice([b"9223372036854775807", b"-9223372036854775808"]))
		if n >= 2 and r.random() < 0.5:
			out.append(r.choice([b"BIT", b"BYTE", b"bit", b"BOTH"]))
		return out

	def next(self):
		r = self.r
		if self.in_multi and r.random() < 0.12:
			self.in_multi = False
			return [r.choice([b"EXEC", b"EXEC", b"DISCARD"])], None, 0
		k = self.key()
		table = [
			(8, lambda: [b"GET", k]),
			(10, lambda: [b"SET", k, self.value()] + opts()),
			(3, lambda: [b"SETNX", k, self.value()]),
			(2, lambda: [b"SETEX", k, self.ttl(False, False)[0], self.value()]),
			(2, lambda: [b"PSETEX", k, ttl_arg(True, False), self.value()]),
			(2, lambda: [b"GETSET", k, self.value()]),
			(2, lambda: [b"GETDEL", k]),
			(3, lambda: [b"GETEX", k] + getex()),
			(3, lambda: [b"MGET"] + self.keys(1, 5)),
			(3, lambda: [b"MSET"] + pairs()),
			(2, lambda: [b"MSETNX"] + pairs()),
			(3, lambda: [b"APPEND", k, self.value()]),
			(2, lambda: [b"STRLEN", k]),
			(3, lambda: [b"GETRANGE", k, self.offset(30, [b"-1", b"-5", b"-100"],
								   [b"9223372036854775807",
								    b"-9223372036854775808"]),
				     self.offset(30, [b"-1", b"-2", b"-100"], [b"9223372036854775807"])]),
			(1, lambda: [b"SUBSTR", k, self.int_arg(-5, 10), self.int_arg(-5, 10)]),
			(3, lambda: [b"SETRANGE", k, self.offset(40, [b"-1"], [b"536870912", b"4294967296",
								       b"9223372036854775807"]), self.value()]),
			(1, lambda: [b"SETRANGE", k, r.choice([b"536870911", b"536870912", b"-1"]), b""]),
			(4, lambda: [b"INCR", k]),
			(3, lambda: [b"DECR", k]),
			(3, lambda: [b"INCRBY", k, self.int_arg(-1000, 1000)]),
			(2, lambda: [b"DECRBY", k, self.int_arg(-1000, 1000)]),
			(1, lambda: [b"INCRBY", k, r.choice([b"9223372036854775807", b"-9223372036854775808",
							   b"1", b"-1"])]),
			(1, lambda: [b"DECRBY", k, r.choice([b"-9223372036854775808", b"9223372036854775807"])]),
			(4, lambda: [b"INCRBYFLOAT", k, self.float_arg()]),
			(2, lambda: [b"LCS", k, self.key()] + lcs_opts()),
			(3, lambda: [b"SETBIT", k, self.offset(300, [b"-1"], [b"4294967296", b"8589934592"]),
				     r.choice([b"0", b"1", b"1", b"2", b"-1", b"", b"01"])]),
			(3, lambda: [b"GETBIT", k, self.offset(300, [b"-1"], [b"4294967295", b"4294967296",
									  b"9999999999"])]),
			(3, lambda: [b"BITCOUNT", k] + self.bit_range(3)),
			(3, lambda: [b"BITPOS", k, r.choice([b"0", b"1", b"1", b"2", b"-1", b""])]
			 + self.bit_range(3)),
			(3, lambda: [b"BITOP", r.choice([b"AND", b"OR", b"XOR", b"NOT", b"not", b"NAND"]),
				     k] + self.keys(1, 3)),
			(4, lambda: [r.choice([b"DEL", b"UNLINK"])] + self.keys(1, 4)),
			(3, lambda: [b"EXISTS"] + self.keys(1, 4)),
			(2, lambda: [b"TYPE", k]),
			(2, lambda: [b"KEYS", r.choice(PATTERNS)]),
			(2, lambda: [b"RENAME", k, self.key()]),
			(2, lambda: [b"RENAMENX", k, self.key()]),
			(3, lambda: [b"EXPIRE", k, ttl_arg(False, False)] + eflags()),
			(3, lambda: [b"PEXPIRE", k, ttl_arg(True, False)] + eflags()),
			(2, lambda: [b"EXPIREAT", k, ttl_arg(False, True)] + eflags()),
			(2, lambda: [b"PEXPIREAT", k, ttl_arg(True, True)] + eflags()),
			(3, lambda: [b"TTL", k]),
			(3, lambda: [b"PTTL", k]),
			(2, lambda: [b"EXPIRETIME", k]),
			(2, lambda: [b"PEXPIRETIME", k]),
			(2, lambda: [b"PERSIST", k]),
			(2, lambda: [b"MOVE", k, r.choice(DBS)]),
			(3, lambda: [b"COPY", k, self.key()] + copy_opts()),
			(1, lambda: [b"SWAPDB", r.choice(DBS), r.choice(DBS)]),
			(2, lambda: [b"SELECT", r.choice(DBS)]),
			(2, lambda: [b"DBSIZE"]),
			(2, lambda: self.bad_arity()),
			(1, lambda: [b"MULTI"]),
			# no IDLETIME: besides timing, Redis reports the idle time of a *shared* integer
			# object (0..9999) for every key holding one - an artifact, not semantics
			(2, lambda: [b"OBJECT", r.choice([b"ENCODING", b"ENCODING", b"REFCOUNT", b"FREQ",
							  b"encoding", b"BOGUS"]), k]),
			(0.2, lambda: [b"OBJECT"] + r.choice([[], [b"HELP"], [b"help", b"x"], [b"ENCODING"],
							      [b"ENCODING", k, k]])),
			(1.5, lambda: [b"WATCH"] + self.keys(1, 3)),
			(0.5, lambda: [b"UNWATCH"]),
			(1, lambda: [FULLSCAN] + scan_opts()),
			(0.3, lambda: [b"FLUSHDB"] + [r.choice([b"ASYNC", b"SYNC", b"async", b"BOGUS"])
						     for _ in range(r.choice([0, 0, 1, 2]))]),
			(0.3, lambda: [r.choice([b"EXEC", b"DISCARD", b"MULTI"])] + self.keys(0, 1)),
			(1, lambda: [r.choice([b"FOO", b"GETT", b"", b"set\x00"])] + self.keys(0, 3)),
		]
		extra = {}

		def opts():
			o, s = self.set_opts()
			extra["short"] = extra.get("short") or s
			return o

		def getex():
			o, s = self.getex_opts()
			extra["short"] = extra.get("short") or s
			return o

		def ttl_arg(unit_ms, absolute):
			a, s = self.ttl(unit_ms, absolute)
			extra["short"] = extra.get("short") or s
			return a

		def pairs():
			out = []
			for _ in range(r.choice([1, 1, 2, 3])):
				out += [self.key(), self.value()]
			if r.random() < 0.08:
				out.append(self.key())		# odd count
			return out

		def eflags():
			return [r.choice(EXPIRE_FLAGS) for _ in range(r.choice([0, 0, 0, 1, 1, 2]))]

		def lcs_opts():
			out = []
			for _ in range(r.choice([0, 0, 1, 2, 3])):
				o = r.choice([b"LEN", b"IDX", b"MINMATCHLEN", b"WITHMATCHLEN", b"len", b"BOGUS"])
				out.append(o)
				if o == b"MINMATCHLEN" and r.random() > 0.1:
					out.append(self.int_arg(-2, 5))
			return out

		def scan_opts():
			out = []
			for _ in range(r.choice([0, 1, 1, 2, 3])):
				o = r.choice([b"MATCH", b"COUNT", b"TYPE", b"match", b"BOGUS"])
				out.append(o)
				if r.random() < 0.05:
					continue	# the value is missing
				if o.upper() == b"MATCH":
					out.append(r.choice(PATTERNS))
				elif o.upper() == b"COUNT":
					out.append(r.choice([b"1", b"2", b"10", b"1000", b"0", b"-1", b"abc"]))
				elif o == b"TYPE":
					out.append(r.choice([b"string", b"STRING", b"none", b"list", b"hash", b"x"]))
			return out

		def copy_opts():
			out = []
			for _ in range(r.choice([0, 0, 1, 2])):
				o = r.choice([b"REPLACE", b"DB", b"replace", b"BOGUS"])
				out.append(o)
				if o == b"DB" and r.random() > 0.1:
					out.append(r.choice(DBS))
			return out

		total = sum(w for w, _ in table)
		pick = r.uniform(0, total)
		for w, f in table:
			pick -= w
			if pick <= 0:
				break
		args = f()
		if r.random() < 0.1:			# command names are case-insensitive
			args[0] = bytes(c ^ 0x20 if 65 <= (c & ~0x20) <= 90 and r.random() < 0.5 else c
					for c in args[0])
		name = args[0].upper()
		if len(args) == 1 and name == b"MULTI":
			self.in_multi = True
		elif len(args) == 1 and name in (b"EXEC", b"DISCARD"):
			self.in_multi = False
		short = extra.get("short", False)
		conn = 0
		if name not in (b"MULTI", b"EXEC", b"DISCARD", b"WATCH", b"UNWATCH") and r.random() < 0.2 \
				or name == FULLSCAN:		# #1 is never inside MULTI
			conn = 1
		return args, (k if short else None), conn

	def bad_arity(self):
		"""A known command with a random (often wrong) number of arguments."""
		r = self.r
		name = r.choice([b"GET", b"SET", b"SETNX", b"SETEX", b"PSETEX", b"GETSET", b"GETDEL",
				 b"GETEX", b"MGET", b"MSET", b"MSETNX", b"APPEND", b"STRLEN", b"GETRANGE",
				 b"SETRANGE", b"INCR", b"DECR", b"INCRBY", b"DECRBY", b"INCRBYFLOAT", b"LCS",
				 b"SETBIT", b"GETBIT", b"BITCOUNT", b"BITPOS", b"BITOP", b"DEL", b"UNLINK",
				 b"EXISTS", b"TYPE", b"KEYS", b"RENAME", b"RENAMENX", b"EXPIRE", b"PEXPIRE",
				 b"EXPIREAT", b"PEXPIREAT", b"TTL", b"PTTL", b"PERSIST", b"EXPIRETIME",
				 b"PEXPIRETIME", b"MOVE", b"COPY", b"SWAPDB", b"SELECT", b"DBSIZE"])
		# numbers: none that makes a valid short TTL by accident ("PSETEX k 1 v", "EXPIRE k 1"
		# would expire at an arbitrary point of the run)
		return [name] + [r.choice(KEYS + [b"100000", b"0", b"-1"]) for _ in range(r.randint(0, 6))]


# ---- large values -----------------------------------------------------------------------------

BIG_KEYS = [b"B0", b"B1", b"B2"]


def big_command(r):
	"""A command over a few values of 100 KB - 4 MB (out-of-line storage, growth by APPEND,
	SETRANGE and SETBIT far past the end, range and bit operations over megabytes)."""
	k = r.choice(BIG_KEYS)

	def blob():
		n = r.randint(100000, 3000000)
		return r.choice([lambda: r.randbytes(n), lambda: b"\xff" * n, lambda: b"\x00" * n,
				 lambda: b"\x00" * (n // 2) + b"\x01" + b"\xff" * (n // 2)])()

	def pos():
		return str(r.choice([r.randint(-4000000, 4000000), r.randint(-10, 10),
				     r.randint(2999990, 3000010)])).encode()

	table = [
		(4, lambda: [b"SET", k, blob()]),
		(2, lambda: [b"APPEND", k, r.randbytes(r.randint(1, 100000))]),
		(2, lambda: [b"SETRANGE", k, str(r.randint(0, 4000000)).encode(), r.randbytes(r.randint(1, 10000))]),
		(3, lambda: [b"GETRANGE", k, pos(), pos()]),
		(1, lambda: [b"GET", k]),
		(2, lambda: [b"STRLEN", k]),
		(2, lambda: [b"BITCOUNT", k] + ([pos(), pos()] + r.choice([[], [b"BIT"], [b"BYTE"]])
						if r.random() < 0.7 else [])),
		(2, lambda: [b"BITPOS", k, r.choice([b"0", b"1"])] + [pos() for _ in range(r.randint(0, 2))]),
		(2, lambda: [b"BITOP", r.choice([b"AND", b"OR", b"XOR"]), r.choice(BIG_KEYS)]
		 + [r.choice(BIG_KEYS) for _ in range(r.randint(1, 3))]),
		(1, lambda: [b"BITOP", b"NOT", r.choice(BIG_KEYS), k]),
		(2, lambda: [b"SETBIT", k, str(r.randint(0, 32000000)).encode(), r.choice([b"0", b"1"])]),
		(2, lambda: [b"GETBIT", k, str(r.randint(0, 32000000)).encode()]),
		(1, lambda: [b"COPY", k, r.choice(BIG_KEYS), b"REPLACE"]),
		(1, lambda: [b"RENAME", k, r.choice(BIG_KEYS)]),
		(1, lambda: [r.choice([b"GETDEL", b"INCR", b"EXISTS", b"TYPE"]), k]),
		(1, lambda: [b"GETSET", k, blob()]),
		(1, lambda: [b"MGET"] + BIG_KEYS),
		(1, lambda: [b"DBSIZE"]),
	]
	pick = r.uniform(0, sum(w for w, _ in table))
	for w, f in table:
		pick -= w
		if pick <= 0:
			break
	return f()


# ---- malformed and fragmented protocol streams ------------------------------------------------

def proto_piece(r, case):
	"""One fragment of a request stream: valid, inline, or malformed."""
	key = b"pf:%d" % case
	valid = [
		encode("PING"), encode("ECHO", "hi\r\nthere"), encode("SET", key, "v"), encode("GET", key),
		encode("INCR", key + b":n"), encode("APPEND", key, "\x00\xff"), encode("ECHO", "a\x00b"),
		b"*1\r\n$4\r\nPING\r\n", b"*0\r\n", b"*-1\r\n", b"*-5\r\n",
	]
	inline = [
		b"PING\r\n", b"ECHO hello\r\n", b"ECHO \"a b\"\r\n", b"ECHO 'x y'\r\n", b"  PING  \n",
		b"\r\n", b"\n", b"ECHO \"\\x41\\n\\t\"\r\n", b"ECHO 'it\\'s'\r\n", b"SET " + key + b" 1\n",
		b"GET " + key + b"\r\n", b"ECHO \"a\"b\r\n", b"ECHO 'a'b\r\n", b"ECHO \"\r\n",
		b"ECHO 'abc\r\n", b"ECHO \"\\xZZ\"\r\n", b"ECHO\t\"x\"\r\n", b"echo  a   b \r\n",
		b"PING\r\r\n", b"PING\rPING\n", b"GET\r\n",
	]
	bad = [
		b"*abc\r\n", b"*1\r\n$abc\r\n", b"*1\r\nfoo\r\n", b"*1\r\n$-1\r\n", b"*1\r\n$-5\r\n",
		b"*1\r\n$600000000\r\n", b"*1\r\n$536870912\r\n", b"*1\r\n$536870913\r\n",
		b"*3000000000\r\n", b"*2147483648\r\n", b"*1\r\n$3\r\nabcde\r\n",
		b"*2\r\n$4\r\nECHO\r\n:5\r\n", b"*1\r\n$0\r\n\r\n", b"*1\r\n$ 4\r\nPING\r\n",
		b"*+1\r\n$4\r\nPING\r\n", b"*1\r\n$+4\r\nPING\r\n", b"*01\r\n$04\r\nPING\r\n",
		b"*1 \r\n$4\r\nPING\r\n", b"*1\r\n$4 \r\nPING\r\n", b"*\r\n", b"*1\r\n$\r\n",
		b"*1\r\n$4\r\nPIN", b"*2\r\n$4\r\nECHO\r\n", b"*1\n$4\nPING\n", b"$4\r\nPING\r\n",
		b"*1\r\n*1\r\n", b"*1\r\n$4\r\nPINGxx", b"*-0\r\n", b"*9223372036854775808\r\n",
		b"*1\r\n$9223372036854775808\r\n", b"*1\r\n$1e3\r\n",
	]
	p = r.random()
	if p < 0.35:
		return r.choice(valid)
	if p < 0.65:
		return r.choice(inline)
	if p < 0.95:
		return r.choice(bad)
	return bytes(r.randint(1, 255) for _ in range(r.randint(1, 20)))	# NUL: see NUL_TAILS


# Lines longer than the 64 KB inline/count-line limit (PROTO_INLINE_MAX_SIZE). They always end
# the stream, without a newline: Redis checks the limit only while the buffer holds no newline,
# so whether a longer line that *does* end in one is refused depends on how its bytes were
# split between reads - timing, not behaviour, and not compared.
LONG_LINES = [b"*" + b"1" * 70000, b"*1\r\n$" + b"1" * 70000, b"ECHO " + b"a" * 70000,
	      b"x" * 70000, b"*2\r\n$4\r\nECHO\r\n$" + b"9" * 70000]


# A NUL byte before a line end: Redis (strchr) does not see the line end and waits for more,
# until 64 KB pile up. As the last piece of a stream, so that a difference here cannot hide
# the comparison of everything before it. (A NUL inside a bulk payload is plain data, unless
# garbage earlier desynchronised the stream and the payload is read as an inline line.)
NUL_TAILS = [b"\x00PING\r\n", b"ECHO a\x00b\r\n", b"*1\x00\r\n$4\r\nPING\r\n", b"PING\x00\r\nPING\r\n",
	     b"*2\r\n$4\r\nECHO\r\n\x00PING\r\n", b"*1\r\n$4\x00\r\nPING\r\n"]


def proto_stream(r, case):
	"""A random request stream: 1-5 pieces, sometimes ended by a long line or a NUL line."""
	data = b"".join(proto_piece(r, case) for _ in range(r.randint(1, 5)))
	p = r.random()
	if p < 0.08:
		return data + r.choice(LONG_LINES)
	if p < 0.16:
		return data + r.choice(NUL_TAILS)
	return data


def split_random(r, data, parts):
	cuts = sorted(r.sample(range(1, len(data)), min(parts - 1, len(data) - 1))) if len(data) > 1 else []
	out, prev = [], 0
	for c in cuts + [len(data)]:
		out.append(data[prev:c])
		prev = c
	return out


def run_streams(ports, streams, rounds_gap=0.02, quiet=0.5, limit=10.0):
	"""Send every stream (a list of chunks) on its own connection to every port, one chunk per
	round for all of them; then read until each connection was closed or stayed quiet for
	`quiet` seconds. Returns {port: [(bytes received, closed), ...]}."""
	sel = selectors.DefaultSelector()
	conns = {}
	for port in ports:
		for i in range(len(streams)):
			s = socket.create_connection(("127.0.0.1", port), timeout=10)
			s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
			conns[(port, i)] = [s, b"", False]
	try:
		nrounds = max(len(c) for c in streams)
		for rnd in range(nrounds):
			for (port, i), st in conns.items():
				chunks = streams[i]
				if rnd < len(chunks) and not st[2]:
					try:
						st[0].sendall(chunks[rnd])
					except OSError:
						st[2] = True		# closed before we finished
			time.sleep(rounds_gap)
		for key, st in conns.items():
			st[0].setblocking(False)
			sel.register(st[0], selectors.EVENT_READ, key)
		deadline = time.time() + limit
		last = time.time()
		while time.time() < deadline and time.time() - last < quiet:
			for sk, _ in sel.select(timeout=0.05):
				st = conns[sk.data]
				try:
					chunk = st[0].recv(65536)
				except (BlockingIOError, InterruptedError):
					continue
				except OSError:
					chunk = b""
				last = time.time()
				if chunk:
					st[1] += chunk
				else:
					st[2] = True
					sel.unregister(st[0])
		return {p: [(conns[(p, i)][1], conns[(p, i)][2]) for i in range(len(streams))]
			for p in ports}
	finally:
		sel.close()
		for st in conns.values():
			st[0].close()


# ---- the test ---------------------------------------------------------------------------------

class Differential(unittest.TestCase):

	@classmethod
	def setUpClass(cls):
		cls.redis = harness.Server(binary=harness.REDIS_SERVER).start()
		cls.arena = harness.Server().start()

	def setUp(self):
		self.known = []		# names of KNOWN_DIFFS excused in this test

	@classmethod
	def tearDownClass(cls):
		cls.redis.cleanup()
		cls.arena.cleanup()

	def tearDown(self):
		for s in (self.redis, self.arena):
			if not s.alive():
				self.fail("%s died (exit %s); log tail:\n%s" % (s.binary or "arenakv-server",
					  s.proc.returncode, s.log_tail()))

	def run_seed(self, seed, n, resp3=False, seconds=None):
		"""Run n generated commands on both servers (fewer if `seconds` run out first);
		returns None or a mismatch report. self.done counts the commands run."""
		deadline = time.time() + seconds if seconds else None
		self.done = 0
		# two connections per server: #0 gets everything, #1 (sometimes) the commands that
		# are not about its own transaction state, so WATCHed keys get touched by another
		# client and SELECT/SWAPDB interleave across connections
		a = [Wire(self.redis.port), Wire(self.redis.port)]
		b = [Wire(self.arena.port), Wire(self.arena.port)]
		try:
			for w in a + b:
				if w is a[0] or w is b[0]:
					raw, tree = w.call([b"FLUSHALL"])
					self.assertEqual(raw, b"+OK\r\n")
				if resp3:
					raw, tree = w.call([b"HELLO", b"3"])
					self.assertEqual(tree[0], b"%", raw)
			gen = Gen(seed)
			inline_rng = random.Random(seed * 7 + 1)	# which commands go inline
			hist = []
			queued = None		# commands queued since MULTI on #0 (from redis's replies)
			for i in range(n):
				if deadline is not None and time.time() > deadline:
					break
				self.done = i + 1
				args, short_key, conn = gen.next()
				todo = [args]
				if short_key is not None:
					todo.append(None)		# sleep
					todo.append([b"EXISTS", short_key])
				for cmd in todo:
					if cmd is None:
						time.sleep(SHORT_SLEEP)
						hist.append(("sleep %.3f" % SHORT_SLEEP, b"", b""))
						continue
					inl = False
					if cmd[0] == FULLSCAN:
						ra, ta = full_scan(a[conn], cmd[1:])
						rb, tb = full_scan(b[conn], cmd[1:])
					else:
						inl = inline_rng.random() < 0.1
						ra, ta = a[conn].call(cmd, inl)
						rb, tb = b[conn].call(cmd, inl)
					hist.append(([b"#1"] * conn + [b"(inline)"] * inl + cmd, ra, rb))
					inner = []
					ok = same_reply(cmd, ra, ta, rb, tb, None if conn else queued, inner)
					self.known += inner
					name = cmd[0].upper()
					if conn == 1:
						pass		# never in MULTI
					elif ra == b"+QUEUED\r\n" and queued is not None:
						queued.append(cmd)
					elif ra == b"+OK\r\n" and name == b"MULTI":
						queued = []
					elif name == b"EXEC" and ra.startswith(b"-EXECABORT") \
							or name in (b"EXEC", b"DISCARD") and len(cmd) == 1:
						queued = None
					gen.in_multi = queued is not None
					if ok:
						continue
					hit = known_command_diff(cmd, ta, tb)
					if hit:
						if hit not in self.known:	# the first of each kind is enough
							print("known diff %s (seed %d, command #%d %s)"
							      % (hit, seed, i, show(hist[-1][0], 60)))
						self.known.append(hit)
						if hit == "object_subcommand_queued":	# same fresh MULTI on both
							for w in (a[0], b[0]):
								w.call([b"DISCARD"])
								w.call([b"MULTI"])
							hist.append(("DISCARD + MULTI on both (resync)", b"", b""))
							queued = []
						continue
					return self.report(seed, resp3, i, hist[-1][0], ra, rb, hist)
			return None
		finally:
			for w in a + b:
				w.close()

	def report(self, seed, resp3, i, cmd, ra, rb, hist):
		lines = ["MISMATCH seed=%d resp=%d command #%d (reproduce: ARENAKV_DIFF_SEEDS=%d "
			 "ARENAKV_DIFF_N=%d%s)" % (seed, 3 if resp3 else 2, i, seed, i + 1,
						   " with HELLO 3" if resp3 else ""),
			 "  history tail (command -> redis | arenakv):"]
		for c, x, y in hist[-HISTORY_TAIL:]:
			if isinstance(c, str):
				lines.append("    " + c)
				continue
			lines.append("    %s -> %s%s" % (show(b" ".join(c), 120), show(x, 80),
						     "" if x == y else "   | ARENAKV: " + show(y, 80)))
		lines.append("  command: %s" % show(cmd, 300))
		lines.append("  redis:   %s" % show(ra, 400))
		lines.append("  arenakv: %s" % show(rb, 400))
		text = "\n".join(lines)
		print(text)
		sys.stdout.flush()
		return text

	def test_commands_resp2(self):
		t0 = time.time()
		reports = []
		done = []
		for seed in SEEDS:
			rep = self.run_seed(seed, N_CMDS, seconds=BUDGET * 0.8 / len(SEEDS))
			done.append(self.done)
			if rep:
				reports.append(rep)
			for s in (self.redis, self.arena):
				self.assertTrue(s.alive(), "server died during seed %d" % seed)
		print("resp2: seeds %s, commands run %s of %d each (time budget %.0fs), %.1fs, "
		      "%d mismatching seeds, %d excused by KNOWN_DIFFS %s"
		      % (SEEDS, done, N_CMDS, BUDGET * 0.8, time.time() - t0, len(reports),
			 len(self.known), sorted(set(self.known))))
		self.assertFalse(reports, "\n\n".join(reports))

	def test_large_values(self):
		"""Megabyte values through both servers, compared byte for byte."""
		t0 = time.time()
		a, b = Wire(self.redis.port), Wire(self.arena.port)
		try:
			r = random.Random(SEEDS[0] * 31)
			moved = 0
			for w in (a, b):
				w.call([b"FLUSHALL"])
			for i in range(120):
				cmd = big_command(r)
				ra, ta = a.call(cmd)
				rb, tb = b.call(cmd)
				moved += len(ra) + sum(len(x) for x in cmd)
				if ra != rb:
					self.fail("large values: command #%d %s\n  redis:   %s\n  arenakv: %s"
						  % (i, show([x[:40] for x in cmd], 300), show(ra, 200), show(rb, 200)))
		finally:
			a.close()
			b.close()
		print("large: 120 commands, %.1f MB each way, %.1fs" % (moved / 1e6, time.time() - t0))

	def test_commands_resp3(self):
		t0 = time.time()
		rep = self.run_seed(RESP3_SEED, N_CMDS // 2, resp3=True, seconds=BUDGET * 0.2)
		print("resp3: seed %d, %d of %d commands in %.1fs" % (RESP3_SEED, self.done, N_CMDS // 2,
		      time.time() - t0))
		self.assertIsNone(rep, rep)

	def compare_streams(self, servers, cases):
		"""Run (data, chunks) cases on servers = (redis, arenakv); a list of differences."""
		bad = []
		batch = 60
		for lo in range(0, len(cases), batch):
			part = cases[lo:lo + batch]
			res = run_streams([servers[0].port, servers[1].port], [ch for _, ch in part])
			for j, (data, chunks) in enumerate(part):
				(ga, ca), (gb, cb) = res[servers[0].port][j], res[servers[1].port][j]
				if ga != gb or ca != cb:
					hit = known_stream_diff(data, ga, ca, gb, cb)
					if hit:
						self.known.append(hit)
						continue
					bad.append("stream #%d sent %s in chunks of %s\n  redis   (%s): %s\n"
						   "  arenakv (%s): %s" % (lo + j, show(data, 300),
						   [len(x) for x in chunks], "closed" if ca else "open",
						   show(ga, 300), "closed" if cb else "open", show(gb, 300)))
		for s in servers:
			self.assertTrue(s.alive())
		return bad

	def report_streams(self, what, t0, cases, bad):
		print("%s: %d streams in %.1fs, %d differ, %d excused by KNOWN_DIFFS %s"
		      % (what, len(cases), time.time() - t0, len(bad), len(self.known),
			 sorted(set(self.known))))
		for b in bad[:10]:
			print(b)
		self.assertFalse(bad, "%d of %d streams differ, first: %s" % (len(bad), len(cases),
			"\n".join(bad[:3])))

	def test_protocol_streams(self):
		"""Random malformed/fragmented request streams: same bytes back, same close."""
		t0 = time.time()
		r = random.Random(SEEDS[0] * 7919)
		cases = []
		for c in range(PROTO_CASES):
			data = proto_stream(r, c)
			cases.append((data, split_random(r, data, r.randint(1, 4))))
		bad = self.compare_streams((self.redis, self.arena), cases)
		self.report_streams("protocol", t0, cases, bad)

	def test_unauthenticated_streams(self):
		"""With requirepass: the same streams, each after a random AUTH attempt (or none);
		NOAUTH, WRONGPASS and the stricter limits before AUTH (10 arguments, 16 KB bulks)."""
		t0 = time.time()
		pw = "s3cret"
		servers = (harness.Server(["--requirepass", pw], binary=harness.REDIS_SERVER),
			   harness.Server(["--requirepass", pw]))
		try:
			for s in servers:
				s.start()
			r = random.Random(SEEDS[0] * 104729)
			auth = [b"", b"", encode("AUTH", "wrong"), encode("AUTH", pw), encode("AUTH", "default", pw),
				encode("AUTH", "nobody", pw), encode("AUTH"), encode("AUTH", "a", "b", "c"),
				b"AUTH " + pw.encode() + b"\r\n", b"AUTH wrong\r\n",
				encode("HELLO", "2", "AUTH", "default", "nope"), encode("HELLO", "4"),
				encode("HELLO", "3", "AUTH", "default"), encode("HELLO", "x")]
			pre = [b"*11\r\n", b"*10\r\n", b"*1\r\n$16385\r\n", b"*1\r\n$16384\r\n",
			       b"*2\r\n$4\r\nECHO\r\n$20000\r\n" + b"x" * 20000 + b"\r\n",
			       encode("PING"), encode("QUIT"), encode("GET", "k"), b"PING\r\n",
			       b"*12\r\n$4\r\nECHO\r\n" + b"$1\r\nx\r\n" * 11, b"*0\r\n", b"*-1\r\n"]
			cases = []
			for c in range(PROTO_CASES // 2):
				data = r.choice(auth) + r.choice(pre + [b""] * 4) + proto_stream(r, c)
				cases.append((data, split_random(r, data, r.randint(1, 3))))
			bad = self.compare_streams(servers, cases)
		finally:
			for s in servers:
				s.cleanup()
		self.report_streams("unauthenticated", t0, cases, bad)


if __name__ == "__main__":
	harness.main()
