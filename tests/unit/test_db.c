/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_db.c - the keyspace layer and the string/key commands, without sockets.
 *
 * The index runs over the anonymous mapping (arena_map_anon + arena_format), commands are run
 * through a fake client (conn_fake_new) by the core's conn_call(), and replies are compared byte
 * for byte with the RESP2 text redis-server 7.0.15 sends for the same command sequence (the
 * expected strings were checked by replaying every expect() line against a real redis-server;
 * the few lines that depend on test-only steps, like switching cl->db, follow the same rules).
 * Also checked here because they are awkward to see from outside: the expires count, the
 * active expiry cycle (dense and sparse TTLs), eviction per policy (incl. one volatile key among
 * 20000), the -OOM path of a full arena leaving the old value intact, SCAN returning every key
 * exactly once, FLUSHDB ASYNC, and a lock-free reader thread (htab_read, as BPF reads) that must
 * never see a torn value while the writer replaces and edits in place.
 *
 * Runs in ~2 s; exits 1 on any failure with the differing replies printed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "arena_mem.h"
#include "clock.h"
#include "commands.h"
#include "config.h"
#include "db.h"
#include "htab.h"
#include "layout.h"
#include "resp.h"
#include "server.h"
#include "unit/fake_client.h"
#include "unit/unit_test.h"

static struct client *cl;

/* Run one inline command line on the fake client; returns the reply bytes (static buffer). */
static const char *run(const char *line)
{
	const char *reply;
	char *scratch;

	fc_split(cl, line, &scratch);
	cl->cmd = command_lookup(cl->argv[0].ptr, cl->argv[0].len);
	if (!cl->cmd) {
		fprintf(stderr, "unknown command in test: %s\n", line);
		exit(1);
	}
	if ((cl->cmd->arity > 0 && cl->argc != cl->cmd->arity) ||
	    (cl->cmd->arity < 0 && cl->argc < -cl->cmd->arity)) {
		fprintf(stderr, "bad arity in test: %s\n", line);
		exit(1);
	}
	if ((cl->cmd->flags & CMD_DENYOOM) && srv.maxmemory && db_evict_for_write() < 0) {
		obuf_append(&cl->out, "-OOM\r\n", 6);
	} else {
		conn_call(cl);
	}
	reply = fc_take_reply(cl);
	fc_release(cl, scratch);
	return reply;
}

static void expect(const char *line, const char *want)
{
	const char *got = run(line);

	if (strcmp(got, want) != 0) {
		fprintf(stderr, "FAIL %s\n", line);
		fc_print_mismatch(want, got);
		ut_failed++;
	}
}

static void expectf(const char *want, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	expect(line, want);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

#define NIL	  "$-1\r\n"
#define OK	  "+OK\r\n"
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define SYNTAX	  "-ERR syntax error\r\n"
#define NOTINT	  "-ERR value is not an integer or out of range\r\n"

static void test_strings(void)
{
	db_flush_all();
	expect("SET k v", OK);
	expect("GET k", "$1\r\nv\r\n");
	expect("SET k \"a\\x00b\"", OK);
	expect("STRLEN k", ":3\r\n");
	expect("GET nokey", NIL);
	expect("SET k v2 NX", NIL);
	expect("SET k v3 XX", OK);
	expect("SET k v4 NX XX", SYNTAX);
	expect("SET k v4 EX 10 PX 10", SYNTAX);
	expect("SET k v4 KEEPTTL EX 10", SYNTAX);
	expect("SET k v4 EX 0", "-ERR invalid expire time in 'set' command\r\n");
	expect("SET k v4 EX 9223372036854775807", "-ERR invalid expire time in 'set' command\r\n");
	expect("SET k v4 EX x", NOTINT);
	expect("SET k v4 GET", "$2\r\nv3\r\n");
	expect("SET nk v GET", NIL);
	expect("GETSET k v5", "$2\r\nv4\r\n");
	expect("SETNX k x", ":0\r\n");
	expect("SETNX k2 x", ":1\r\n");
	expect("GETDEL k2", "$1\r\nx\r\n");
	expect("GETDEL k2", NIL);
	expect("MSET a 1 b 2 a 3", OK);
	expect("MGET a b c", "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$-1\r\n");
	expect("MSET a 1 b", "-ERR wrong number of arguments for 'mset' command\r\n");
	expect("MSETNX a 1 z 2", ":0\r\n");
	expect("MSETNX y 1 z 2", ":1\r\n");
	expect("APPEND ap hello", ":5\r\n");
	expect("APPEND ap \" world\"", ":11\r\n");
	expect("GET ap", "$11\r\nhello world\r\n");
	expect("GETRANGE ap 0 4", "$5\r\nhello\r\n");
	expect("GETRANGE ap -5 -1", "$5\r\nworld\r\n");
	expect("GETRANGE ap 5 1", "$0\r\n\r\n");
	expect("GETRANGE ap -1 -5", "$0\r\n\r\n");
	expect("GETRANGE nokey 0 -1", "$0\r\n\r\n");
	expect("SETRANGE ap 6 redis", ":11\r\n");
	expect("GET ap", "$11\r\nhello redis\r\n");
	expect("SETRANGE sr 3 x", ":4\r\n");
	expect("GET sr", "$4\r\n\x00\x00\x00x\r\n");
	expect("SETRANGE sr -1 x", "-ERR offset is out of range\r\n");
	expect("SETRANGE sr 536870911 xx",
	       "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
	expect("SETRANGE none 0 \"\"", ":0\r\n");
	expect("EXISTS none", ":0\r\n");

	/* Wrong types use a zset-typed entry made through the index directly. */
	expect("INCR n", ":1\r\n");
	expect("INCRBY n 41", ":42\r\n");
	expect("DECR n", ":41\r\n");
	expect("DECRBY n -9", ":50\r\n");
	expect("DECRBY n -9223372036854775808", "-ERR decrement would overflow\r\n");
	expect("SET n 9223372036854775807", OK);
	expect("INCR n", "-ERR increment or decrement would overflow\r\n");
	expect("SET n 01", OK);
	expect("INCR n", NOTINT);
	expect("SET n \" 1\"", OK);
	expect("INCR n", NOTINT);
	expect("INCRBY n x", NOTINT);
	expect("SET f 10.50", OK);
	expect("INCRBYFLOAT f 0.1", "$4\r\n10.6\r\n");
	expect("INCRBYFLOAT f -5", "$3\r\n5.6\r\n");
	expect("INCRBYFLOAT f 5.0e3", "$22\r\n5005.60000000000000009\r\n");
	expect("INCRBYFLOAT f x", "-ERR value is not a valid float\r\n");
	expect("INCRBYFLOAT f inf", "-ERR increment would produce NaN or Infinity\r\n");
	expect("SET f abc", OK);
	expect("INCRBYFLOAT f 1", "-ERR value is not a valid float\r\n");
	/* INCR keeps the TTL. */
	expect("SET t 5 EX 100", OK);
	expect("INCR t", ":6\r\n");
	expect("TTL t", ":100\r\n");
	expect("SET t 7", OK);
	expect("TTL t", ":-1\r\n");
	expect("SET t 7 EX 100", OK);
	expect("SET t 8 KEEPTTL", OK);
	expect("TTL t", ":100\r\n");
	expect("GETEX t PERSIST", "$1\r\n8\r\n");
	expect("TTL t", ":-1\r\n");
	expect("GETEX t EX 50", "$1\r\n8\r\n");
	expect("TTL t", ":50\r\n");
	expect("GETEX t PXAT 1", "$1\r\n8\r\n");
	expect("EXISTS t", ":0\r\n");
	expect("GETEX t EX 0", NIL); /* the key is looked up before the time is checked */
	expect("SET t v", OK);
	expect("GETEX t EX 0", "-ERR invalid expire time in 'getex' command\r\n");
	expect("GETEX t PERSIST EX 1", SYNTAX);
	expect("SETEX t 0 v", "-ERR invalid expire time in 'setex' command\r\n");
	expect("PSETEX t 100000 v", OK);
	expect("TTL t", ":100\r\n");
}

static void test_lcs_bits(void)
{
	db_flush_all();
	expect("MSET key1 ohmytext key2 mynewtext", OK);
	expect("LCS key1 key2", "$6\r\nmytext\r\n");
	expect("LCS key1 key2 LEN", ":6\r\n");
	expect("LCS key1 key2 IDX",
	       "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
	       "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
	expect("LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN",
	       "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
	       "$3\r\nlen\r\n:6\r\n");
	expect("LCS key1 key2 IDX LEN",
	       "-ERR If you want both the length and indexes, please just use IDX.\r\n");
	expect("LCS key1 key2 FOO", SYNTAX);

	expect("SETBIT b 7 1", ":0\r\n");
	expect("SETBIT b 7 1", ":1\r\n");
	expect("GET b", "$1\r\n\x01\r\n");
	expect("SETBIT b 100 1", ":0\r\n");
	expect("STRLEN b", ":13\r\n");
	expect("GETBIT b 100", ":1\r\n");
	expect("GETBIT b 10000", ":0\r\n");
	expect("GETBIT nokey 3", ":0\r\n");
	expect("SETBIT b -1 1", "-ERR bit offset is not an integer or out of range\r\n");
	expect("SETBIT b 4294967296 1", "-ERR bit offset is not an integer or out of range\r\n");
	expect("SETBIT b 1 2", "-ERR bit is not an integer or out of range\r\n");
	expect("SET mykey foobar", OK);
	expect("BITCOUNT mykey", ":26\r\n");
	expect("BITCOUNT mykey 0 0", ":4\r\n");
	expect("BITCOUNT mykey 1 1", ":6\r\n");
	expect("BITCOUNT mykey 1 1 BYTE", ":6\r\n");
	expect("BITCOUNT mykey 5 30 BIT", ":17\r\n");
	expect("BITCOUNT mykey 0", SYNTAX);
	expect("BITCOUNT mykey 0 1 foo", SYNTAX);
	expect("BITCOUNT nokey x y", ":0\r\n");
	expect("SET mykey \"\\xff\\xf0\\x00\"", OK);
	expect("BITPOS mykey 0", ":12\r\n");
	expect("SET mykey \"\\x00\\xff\\xf0\"", OK);
	expect("BITPOS mykey 1 0", ":8\r\n");
	expect("BITPOS mykey 1 2", ":16\r\n");
	expect("BITPOS mykey 1 2 -1 BYTE", ":16\r\n");
	expect("BITPOS mykey 1 7 15 BIT", ":8\r\n");
	expect("BITPOS mykey 1 7 -3 BIT", ":8\r\n");
	expect("SET mykey \"\\xff\\xff\\xff\"", OK);
	expect("BITPOS mykey 0", ":24\r\n");
	expect("BITPOS mykey 0 0 -1", ":-1\r\n");
	expect("BITPOS mykey 2", "-ERR The bit argument must be 1 or 0.\r\n");
	expect("BITPOS nokey 0", ":0\r\n");
	expect("BITPOS nokey 1", ":-1\r\n");
	expect("MSET x1 foobar x2 abcdef", OK);
	expect("BITOP AND dest x1 x2", ":6\r\n");
	expect("GET dest", "$6\r\n`bc`ab\r\n");
	expect("BITOP OR dest x1 x2", ":6\r\n");
	expect("GET dest", "$6\r\ngoofev\r\n");
	expect("BITOP NOT dest x1 x2",
	       "-ERR BITOP NOT must be called with a single source key.\r\n");
	expect("BITOP FOO dest x1", SYNTAX);
	expect("BITOP AND dest nokey1 nokey2", ":0\r\n");
	expect("EXISTS dest", ":0\r\n");
}

static void test_keys(void)
{
	db_flush_all();
	expect("MSET a 1 b 2 c 3", OK);
	expect("DEL a b nokey", ":2\r\n");
	expect("EXISTS c c nokey", ":2\r\n");
	expect("TYPE c", "+string\r\n");
	expect("TYPE nokey", "+none\r\n");
	expect("RENAME c d", OK);
	expect("GET d", "$1\r\n3\r\n");
	expect("RENAME c d", "-ERR no such key\r\n");
	expect("RENAME d d", OK);
	expect("SET e 5", OK);
	expect("RENAMENX d e", ":0\r\n");
	expect("RENAMENX d f", ":1\r\n");
	expect("EXPIRE f 100", ":1\r\n");
	expect("RENAME f g", OK);
	expect("TTL g", ":100\r\n");
	expect("EXPIRE g 10 foo", "-ERR Unsupported option foo\r\n");
	expect("EXPIRE g 10 NX XX",
	       "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
	expect("EXPIRE g 10 GT LT",
	       "-ERR GT and LT options at the same time are not compatible\r\n");
	expect("EXPIRE g 99999999999999999", "-ERR invalid expire time in 'expire' command\r\n");
	expect("EXPIRE g 50 NX", ":0\r\n");
	expect("EXPIRE g 50 GT", ":0\r\n");
	expect("EXPIRE g 50 LT", ":1\r\n");
	expect("EXPIRE g 60 XX", ":1\r\n");
	expect("TTL g", ":60\r\n");
	expect("EXPIRE e 60 GT", ":0\r\n");
	expect("EXPIRE e 60 LT", ":1\r\n");
	expect("PERSIST e", ":1\r\n");
	expect("PERSIST e", ":0\r\n");
	expect("PEXPIREAT e 4102444800000", ":1\r\n");
	expect("PEXPIRETIME e", ":4102444800000\r\n");
	expect("EXPIRETIME e", ":4102444800\r\n");
	expect("EXPIREAT e 4102444801", ":1\r\n");
	expect("EXPIRETIME e", ":4102444801\r\n");
	expect("EXPIRETIME nokey", ":-2\r\n");
	expect("TTL nokey", ":-2\r\n");
	expect("PEXPIRE e -1", ":1\r\n");
	expect("EXISTS e", ":0\r\n");
	expect("EXPIRE nokey 10", ":0\r\n");
	expect("SET m 1", OK);
	expect("MOVE m 1", ":1\r\n");
	expect("EXISTS m", ":0\r\n");
	expect("SET mt v EX 100", OK);
	expect("MOVE mt 3", ":1\r\n");
	CHECK(db_expires(3) == 1 && db_size(3) == 1);
	cl->db = 3;
	expect("TTL mt", ":100\r\n");
	expect("GET mt", "$1\r\nv\r\n");
	cl->db = 0;
	expect("MOVE m 0", "-ERR source and destination objects are the same\r\n");
	expect("MOVE m 16", "-ERR DB index is out of range\r\n");
	expect("MOVE m x", NOTINT);
	expect("SWAPDB 0 1", OK);
	expect("GET m", "$1\r\n1\r\n");
	expect("SWAPDB x 1", "-ERR invalid first DB index\r\n");
	expect("SWAPDB 0 y", "-ERR invalid second DB index\r\n");
	expect("SWAPDB 0 16", "-ERR DB index is out of range\r\n");
	expect("SWAPDB 0 1", OK);
	expect("SET m 2", OK);
	expect("COPY m m", "-ERR source and destination objects are the same\r\n");
	expect("COPY m m2", ":1\r\n");
	expect("COPY m m2", ":0\r\n");
	expect("SET m 3 EX 100", OK);
	expect("COPY m m2 REPLACE", ":1\r\n");
	expect("GET m2", "$1\r\n3\r\n");
	expect("TTL m2", ":100\r\n");
	expect("COPY m m DB 1", ":0\r\n"); /* db 1 still has the moved m */
	expect("COPY m m DB 2", ":1\r\n");
	expect("COPY m m DB 99", "-ERR DB index is out of range\r\n");
	expect("COPY m m FOO", SYNTAX);
	expect("SCAN x", "-ERR invalid cursor\r\n");
	expect("SCAN 0 COUNT 0", SYNTAX);
	expect("SCAN 0 FOO", SYNTAX);
	db_flush_all();
	expect("RANDOMKEY", NIL);
	expect("SET only 1", OK);
	expect("RANDOMKEY", "$4\r\nonly\r\n");
	expect("KEYS *", "*1\r\n$4\r\nonly\r\n");
	expect("KEYS o?l[xy]", "*1\r\n$4\r\nonly\r\n");
	expect("KEYS x*", "*0\r\n");
	expect("SCAN 0 TYPE zset", "*2\r\n$1\r\n0\r\n*0\r\n");

	/* OBJECT ENCODING by content, and "raw" after in-place edits when the index has the hint
	 * bit (DB_HINT_RAW != 0); redis-server 7.0.15 answers the raw column. */
	expect("SET oe 12", OK);
	expect("OBJECT ENCODING oe", "$3\r\nint\r\n");
	expect("OBJECT REFCOUNT oe", ":2147483647\r\n");
	expect("APPEND oe \"\"", ":2\r\n");
	expect("OBJECT ENCODING oe", DB_HINT_RAW ? "$3\r\nraw\r\n" : "$3\r\nint\r\n");
	expect("INCR oe", ":13\r\n");
	expect("OBJECT ENCODING oe", "$3\r\nint\r\n");
	expect("SET oe abc", OK);
	expect("OBJECT ENCODING oe", "$6\r\nembstr\r\n");
	expect("SETBIT oe 1 1", ":1\r\n");
	expect("RENAME oe oe2", OK);
	expect("OBJECT ENCODING oe2", DB_HINT_RAW ? "$3\r\nraw\r\n" : "$6\r\nembstr\r\n");
	expect("OBJECT ENCODING nokey", NIL);
	expect("OBJECT FOO oe2", "-ERR unknown subcommand 'FOO'. Try OBJECT HELP.\r\n");
	expect("OBJECT ENCODING",
	       "-ERR wrong number of arguments for 'object|encoding' command\r\n");
	expect("OBJECT FREQ oe2",
	       "-ERR An LFU maxmemory policy is not selected, access frequency not "
	       "tracked. Please note that when switching between policies at runtime "
	       "LRU and LFU data will take some time to adjust.\r\n");
	expect("DEL oe2", ":1\r\n");
	expect("SCAN 0 TYPE string", "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n");
}

/* RENAME is O(1): a 4 MiB value changes names without a copy and without a leak. */
static void test_rename_big(void)
{
	static char big[4 << 20];
	__u64 used0, used1;
	struct kv_entry *e;
	int i;

	db_flush_all();
	memset(big, 'r', sizeof(big));
	big[0] = 'A';
	/* Warm-up with the same sizes and no RENAME: the allocator's page map grows once (its
	 * touched part counts in used bytes and never shrinks), so measure after it. */
	CHECK(db_set_string(0, "r1", 2, big, sizeof(big), 0, 0) == 0);
	expect("APPEND r1 z", ":4194305\r\n");
	expect("DEL r1", ":1\r\n");
	used0 = arena_used_bytes();
	CHECK(db_set_string(0, "r0", 2, big, sizeof(big), clock_ttl_ms_to_mono_ns(100000), 0) == 0);
	CHECK(db_set_string(0, "r1", 2, "small", 5, 0, 0) == 0);
	used1 = arena_used_bytes();
	expect("RENAME r0 ra", OK);
	for (i = 0; i < 50; i++) {
		expect(i % 2 ? "RENAME rb ra" : "RENAME ra rb", OK);
		CHECK(arena_used_bytes() <= used1 + 4096); /* no second copy of the value */
	}
	expect("RENAME ra r1", OK); /* over an existing key */
	e = db_lookup(0, "r1", 2, 0);
	CHECK(e && e->vlen == sizeof(big) && kv_val(e)[0] == 'A' &&
	      memcmp(kv_val(e) + 1, big + 1, 1000) == 0);
	expect("TTL r1", ":100\r\n");
	expect("EXISTS r0 ra rb", ":0\r\n");
	CHECK(db_expires(0) == 1 && db_size(0) == 1);
	expect("APPEND r1 z", ":4194305\r\n"); /* the renamed entry owns its value: editable */
	expect("DEL r1", ":1\r\n");
	if (arena_used_bytes() > used0 + 4096)
		fprintf(stderr, "rename: %llu bytes left over\n",
			(unsigned long long)(arena_used_bytes() - used0));
	CHECK(arena_used_bytes() <= used0 + 4096);
	CHECK(arena_alloc_check() > 0);
}

/* Every key exactly once over a full SCAN while the table grows. */
static int scan_seen[5000];

static void scan_mark(struct kv_entry *e, void *arg)
{
	char buf[32];
	int i;

	(void)arg;
	memcpy(buf, (const void *)kv_key(e), e->klen);
	buf[e->klen] = '\0';
	i = atoi(buf + 4);
	if (i >= 0 && i < 5000)
		scan_seen[i]++;
}

static void test_scan_and_expiry(void)
{
	__u64 cursor = 0;
	char key[32];
	int i, dup = 0, miss = 0;

	db_flush_all();
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "key:%d", i);
		CHECK(db_set_string(0, key, strlen(key), "v", 1, 0, 0) == 0);
	}
	CHECK(db_size(0) == 5000);
	do {
		cursor = db_scan(0, cursor, 10, 0, scan_mark, NULL);
	} while (cursor);
	for (i = 0; i < 5000; i++) {
		miss += scan_seen[i] == 0;
		dup += scan_seen[i] > 1;
	}
	CHECK(miss == 0);
	CHECK(dup == 0);

	/* Half the keys get a 20 ms TTL; the active cycle alone must remove them. */
	for (i = 0; i < 5000; i += 2)
		expectf(":1\r\n", "PEXPIRE key:%d 20", i);
	CHECK(db_expires(0) == 2500);
	sleep_ms(40);
	{
		__u64 before = srv.stats.expired_keys;

		for (i = 0; i < 200 && db_expires(0); i++)
			db_cron();
		CHECK(db_expires(0) == 0);
		CHECK(db_size(0) == 2500);
		CHECK(srv.stats.expired_keys - before == 2500);
	}
	/* Sparse TTLs: 100 volatile keys among 200000 persistent ones still go within a few
	 * cron calls (the walk is scaled by size/expires). */
	db_flush_all();
	for (i = 0; i < 200000; i++) {
		snprintf(key, sizeof(key), "persist:%d", i);
		CHECK(db_set_string(0, key, strlen(key), "v", 1, 0, 0) == 0);
	}
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "vol:%d", i);
		CHECK(db_set_string(0, key, strlen(key), "v", 1, clock_ttl_ms_to_mono_ns(10), 0) ==
		      0);
	}
	sleep_ms(20);
	for (i = 0; i < 100 && db_expires(0); i++)
		db_cron();
	printf("sparse TTLs: %llu left after %d cron calls\n", (unsigned long long)db_expires(0),
	       i);
	CHECK(db_expires(0) == 0);
	CHECK(db_size(0) == 200000);
	db_flush_all();

	/* Lazy expiry on access. */
	expect("SET lazy v PX 10", OK);
	sleep_ms(20);
	expect("GET lazy", NIL);
	CHECK(db_expires(0) == 0);
	expect("PSETEX lazy 1 v", OK);
	sleep_ms(5);
	expect("TTL lazy", ":-2\r\n");
}

static void count_one(struct kv_entry *e, void *arg)
{
	(void)e;
	(*(__u64 *)arg)++;
}

/* Entries reachable by a full scan of db (a table whose chains are intact finds db_size()). */
static __u64 count_by_scan(int db)
{
	__u64 cursor = 0, n = 0;

	do {
		cursor = db_scan(db, cursor, 1000, DB_SCAN_KEEP_EXPIRED, count_one, &n);
	} while (cursor);
	return n;
}

/*
 * db_evict_for_write() may return 0 after its time slice with memory still over the limit (it
 * lets the command run and goes on at the next write, as Redis does). A slow build (sanitizers,
 * a loaded CI machine) hits the slice often, so tests call it until it is done.
 */
static int evict_until_done(void)
{
	int rc = 0, i;

	for (i = 0; i < 100000; i++) {
		rc = db_evict_for_write();
		if (rc || arena_used_bytes() <= srv.maxmemory)
			break;
	}
	return rc;
}

static void test_eviction(void)
{
	char key[32], val[200];
	__u64 used0;
	int i, kept = 0;

	db_flush_all();
	memset(val, 'x', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	used0 = arena_used_bytes();

	/* noeviction: over the limit, writes fail and reads work. */
	srv.maxmemory_policy = MAXMEMORY_NO_EVICTION;
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "ev:%d", i);
		CHECK(db_set_string(0, key, strlen(key), val, strlen(val), 0, 0) == 0);
	}
	srv.maxmemory = used0 + (arena_used_bytes() - used0) / 2;
	expect("SET one more", "-OOM\r\n");
	{
		char want[256];

		snprintf(want, sizeof(want), "$199\r\n%s\r\n", val);
		expect("GET ev:1", want);
	}

	/* allkeys-lru: touch the first 100 keys, then force eviction: they must survive. */
	srv.maxmemory_policy = MAXMEMORY_ALLKEYS_LRU;
	srv.maxmemory_samples = 10;
	for (i = 0; i < 1000; i++) {
		struct kv_entry *e;

		snprintf(key, sizeof(key), "ev:%d", i);
		e = db_lookup_nostats(0, key, strlen(key));
		/* Age everything by 100 s, then refresh the first 100 with a read. */
		if (e)
			e->access = (clock_lru_now() - 100) & CLOCK_LRU_MAX;
	}
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "ev:%d", i);
		CHECK(db_lookup(0, key, strlen(key), 0) != NULL);
	}
	CHECK(evict_until_done() == 0);
	CHECK(arena_used_bytes() <= srv.maxmemory);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "ev:%d", i);
		kept += db_exists(0, key, strlen(key));
	}
	CHECK(kept >= 95);
	CHECK(db_size(0) < 1000);

	/* volatile-ttl: only keys with a TTL go, shortest first. */
	db_flush_all();
	srv.maxmemory = 0;
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "vt:%d", i);
		CHECK(db_set_string(0, key, strlen(key), val, strlen(val),
				    i < 500 ? clock_ttl_ms_to_mono_ns(1000000 + i * 1000) : 0,
				    0) == 0);
	}
	srv.maxmemory_policy = MAXMEMORY_VOLATILE_TTL;
	srv.maxmemory = used0 + (arena_used_bytes() - used0) * 3 / 4;
	CHECK(evict_until_done() == 0);
	for (i = 500; i < 1000; i++) {
		snprintf(key, sizeof(key), "vt:%d", i);
		CHECK(db_exists(0, key, strlen(key)));
	}
	{
		/* Shortest TTL first (approximately: a sampled pool): the evicted volatile keys
		 * are mostly the low indexes. */
		long gone_low = 0, gone_high = 0;

		for (i = 0; i < 500; i++) {
			snprintf(key, sizeof(key), "vt:%d", i);
			if (!db_exists(0, key, strlen(key)))
				*(i < 250 ? &gone_low : &gone_high) += 1;
		}
		CHECK(gone_low > 0 && gone_low > 3 * gone_high);
	}
	/* Only persistent keys left over the limit: nothing can be freed. */
	srv.maxmemory = used0 + (arena_used_bytes() - used0) / 4;
	CHECK(evict_until_done() == -ENOMEM);
	CHECK(db_expires(0) == 0);

	/* allkeys-random and allkeys-lfu just have to get under the limit. */
	srv.maxmemory_policy = MAXMEMORY_ALLKEYS_RANDOM;
	CHECK(evict_until_done() == 0);
	CHECK(arena_used_bytes() <= srv.maxmemory);
	srv.maxmemory_policy = MAXMEMORY_ALLKEYS_LFU;
	srv.maxmemory = used0 + (arena_used_bytes() - used0) / 2;
	CHECK(evict_until_done() == 0);
	CHECK(arena_used_bytes() <= srv.maxmemory);
	CHECK(srv.stats.evicted_keys > 0);

	/* Several databases: every policy evicts from the right table (counts add up, and the
	 * index's own check of every table and slot passes afterwards). */
	{
		static const int pols[] = {MAXMEMORY_ALLKEYS_LRU,    MAXMEMORY_ALLKEYS_LFU,
					   MAXMEMORY_ALLKEYS_RANDOM, MAXMEMORY_VOLATILE_LRU,
					   MAXMEMORY_VOLATILE_LFU,   MAXMEMORY_VOLATILE_RANDOM,
					   MAXMEMORY_VOLATILE_TTL};
		size_t p;

		for (p = 0; p < sizeof(pols) / sizeof(pols[0]); p++) {
			__u64 before = 0, after = 0, ev0;
			int d;

			db_flush_all();
			srv.maxmemory = 0;
			for (i = 0; i < 3000; i++) {
				d = (i % 3) * 5 + 1; /* dbs 1, 6, 11 */
				snprintf(key, sizeof(key), "md:%d", i);
				CHECK(db_set_string(d, key, strlen(key), val, strlen(val),
						    clock_ttl_ms_to_mono_ns(100000 + i), 0) == 0);
			}
			for (d = 0; d < 16; d++)
				before += db_size(d);
			ev0 = srv.stats.evicted_keys;
			srv.maxmemory_policy = pols[p];
			srv.maxmemory = used0 + (arena_used_bytes() - used0) / 2;
			CHECK(evict_until_done() == 0);
			for (d = 0; d < 16; d++)
				after += db_size(d);
			CHECK(after + (srv.stats.evicted_keys - ev0) == before);
			if (!(after < before))
				fprintf(stderr, "policy %d: before %llu after %llu\n", pols[p],
					(unsigned long long)before, (unsigned long long)after);
			CHECK(after < before);
			/* (With equal scores, LRU/LFU may empty one db before touching the next.)
			 */
			CHECK(db_expires(1) + db_expires(6) + db_expires(11) == after);
			CHECK(arena_alloc_check() > 0); /* aborts on an inconsistency */
			for (d = 0; d < 16; d++)
				CHECK(count_by_scan(d) == db_size(d));
			srv.maxmemory = 0;
		}
		db_flush_all();
	}

	/* Steady writes at the limit, half of them with a TTL: each volatile policy must go on
	 * evicting until no key with a TTL is left, and only then answer -OOM (an unlucky
	 * sample must not end it early). */
	{
		static const int pols[] = {MAXMEMORY_VOLATILE_LRU, MAXMEMORY_VOLATILE_LFU,
					   MAXMEMORY_VOLATILE_RANDOM, MAXMEMORY_VOLATILE_TTL};
		static char big[1000];
		size_t p;

		memset(big, 'b', sizeof(big));
		for (p = 0; p < sizeof(pols) / sizeof(pols[0]); p++) {
			int rc = 0;

			db_flush_all();
			srv.maxmemory = arena_used_bytes() + (4 << 20);
			srv.maxmemory_policy = pols[p];
			for (i = 0; i < 20000; i++) {
				rc = evict_until_done();
				if (rc)
					break;
				snprintf(key, sizeof(key), "st:%d", i);
				CHECK(
				    db_set_string(0, key, strlen(key), big, sizeof(big),
						  i % 2 ? clock_ttl_ms_to_mono_ns(1000000 + i) : 0,
						  0) == 0);
			}
			if (rc != -ENOMEM || db_expires(0) != 0)
				fprintf(stderr, "policy %d: rc %d at %d with %llu volatile left\n",
					pols[p], rc, i, (unsigned long long)db_expires(0));
			CHECK(rc == -ENOMEM && db_expires(0) == 0);
			srv.maxmemory = 0;
		}
		db_flush_all();
	}

	/* volatile-lru must find the one key with a TTL among 20000 without one. */
	db_flush_all();
	srv.maxmemory = 0;
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "p:%d", i);
		CHECK(db_set_string(0, key, strlen(key), "v", 1, 0, 0) == 0);
	}
	CHECK(db_set_string(0, "needle", 6, val, strlen(val), clock_ttl_ms_to_mono_ns(100000), 0) ==
	      0);
	srv.maxmemory_policy = MAXMEMORY_VOLATILE_LRU;
	srv.maxmemory = arena_used_bytes() - 1;
	CHECK(evict_until_done() == 0);
	CHECK(!db_exists(0, "needle", 6));
	CHECK(db_size(0) == 20000);
	srv.maxmemory = arena_used_bytes() - 1;
	CHECK(evict_until_done() == -ENOMEM);
	srv.maxmemory = 0;
	srv.maxmemory_policy = MAXMEMORY_NO_EVICTION;
}

/*
 * A lock-free reader thread (htab_read, as BPF does) against the writer's string commands. Every
 * value the writer ever stores is one letter repeated, so a torn read (half old, half new bytes,
 * or a length from one version and bytes from another) shows up as mixed letters. Exercises the
 * replace path (SET, APPEND past capacity, SETRANGE growing) and the in-place path under the
 * seqlock (SETRANGE inside the string, APPEND into slack).
 */
static volatile int reader_stop;
static long reader_hits, reader_doubt, reader_torn;

static void *reader_main(void *arg)
{
	static char buf[1 << 16];
	const struct htab *h = &ARENA_HDR->db[5];

	(void)arg;
	while (!reader_stop) {
		__u32 vlen = 0;
		int err = htab_read(h, "torn", 4, clock_mono_ns(), buf, sizeof(buf), &vlen);

		if (err == 0) {
			reader_hits++;
			for (__u32 i = 1; i < vlen; i++) {
				if (buf[i] != buf[0]) {
					reader_torn++;
					break;
				}
			}
		} else if (err == -EAGAIN) {
			reader_doubt++;
		}
	}
	return NULL;
}

static void test_lockfree_reader(void)
{
	static char val[40000], line[40100];
	pthread_t th;
	int i;

	cl->db = 5;
	expect("SET torn a", OK);
	CHECK(pthread_create(&th, NULL, reader_main, NULL) == 0);
	for (i = 0; i < 20000; i++) {
		char ch = (char)('a' + i % 26);
		size_t len = 1 + (size_t)(i * 7919) % (sizeof(val) - 1);
		const char *got;

		switch (i % 5) {
		case 4: /* RENAME away and back: the blob is shared, then owned by the new entry */
			CHECK(!strcmp(run("RENAME torn torn2"), OK));
			CHECK(!strcmp(run("RENAME torn2 torn"), OK));
			break;
		case 0: /* replace */
			CHECK(db_set_string(5, "torn", 4, memset(val, ch, len), len, 0, 0) == 0);
			break;
		case 1: { /* in place, whole string rewritten under the seqlock */
			struct kv_entry *e = db_lookup(5, "torn", 4, 0);

			if (!e)
				break;
			memset(val, ch, e->vlen);
			db_edit_begin(e);
			memcpy(kv_val(e), val, e->vlen);
			db_edit_end(5, e);
			break;
		}
		case 2: { /* SETRANGE over the whole value: in place through the command */
			struct kv_entry *e = db_lookup(5, "torn", 4, 0);
			size_t n;

			if (!e)
				break;
			n = (size_t)snprintf(line, sizeof(line), "SETRANGE torn 0 ");
			memset(line + n, ch, e->vlen);
			line[n + e->vlen] = '\0';
			got = run(line);
			CHECK(got[0] == ':');
			break;
		}
		default: { /* APPEND the same letter: slack or replace */
			struct kv_entry *e = db_lookup(5, "torn", 4, 0);
			char cmd[64];

			if (!e)
				break;
			snprintf(cmd, sizeof(cmd), "APPEND torn %c%c%c", kv_val(e)[0], kv_val(e)[0],
				 kv_val(e)[0]);
			run(cmd);
			break;
		}
		}
	}
	reader_stop = 1;
	pthread_join(th, NULL);
	printf("lock-free reader: %ld hits, %ld in doubt, %ld torn\n", reader_hits, reader_doubt,
	       reader_torn);
	CHECK(reader_torn == 0);
	CHECK(reader_hits > 0);
	cl->db = 0;
}

/* FLUSHDB ASYNC: empty at once, usable at once, memory comes back through the cron. */
static void test_flush_async(void)
{
	__u64 used0 = arena_used_bytes(), used1;
	char key[32];
	int i;

	for (i = 0; i < 50000; i++) {
		snprintf(key, sizeof(key), "async:%d", i);
		CHECK(db_set_string(7, key, strlen(key), "value", 5,
				    i % 2 ? clock_ttl_ms_to_mono_ns(100000) : 0, 0) == 0);
	}
	used1 = arena_used_bytes();
	CHECK(db_expires(7) == 25000);
	db_flush_async(7);
	CHECK(db_size(7) == 0 && db_expires(7) == 0);
	CHECK(db_flush_pending() == 1);
	CHECK(!db_exists(7, "async:1", 7));
	CHECK(db_set_string(7, "async:1", 7, "new", 3, 0, 0) == 0);
	CHECK(db_size(7) == 1);
	for (i = 0; i < 1000 && db_flush_pending(); i++)
		db_cron();
	CHECK(db_flush_pending() == 0);
	CHECK(arena_used_bytes() < used0 + (used1 - used0) / 10);
	CHECK(db_exists(7, "async:1", 7));
	db_flush(7);
}

/* A full arena is -OOM with the old value intact (run last: it fills the arena). */
static void test_full_arena(void)
{
	static char big[1 << 20];
	char line[64];
	int i, err = 0;

	db_flush_all();
	expect("SET keep original", OK);
	memset(big, 'b', sizeof(big));
	for (i = 0; i < 100000 && !err; i++) {
		snprintf(line, sizeof(line), "fill:%d", i);
		err = db_set_string(0, line, strlen(line), big, sizeof(big), 0, 0);
	}
	CHECK(err == -ENOMEM);
	CHECK(db_set_string(0, "keep", 4, big, sizeof(big), 0, 0) == -ENOMEM);
	expect("GET keep", "$8\r\noriginal\r\n");
}

int main(void)
{
	/* The core library is a static archive and commands.c refers to the command arrays
	 * weakly: name ours so the linker pulls t_string.o and t_keys.o in. */
	if (!string_commands[0].name || !key_commands[0].name)
		return 1;
	if (fc_setup())
		return 1;
	srv.active_expire = 1;
	cl = conn_fake_new();
	if (!cl)
		return 1;
	test_strings();
	test_lcs_bits();
	test_keys();
	test_rename_big();
	test_scan_and_expiry();
	test_eviction();
	test_lockfree_reader();
	test_flush_async();
	test_full_arena();
	conn_fake_free(cl);
	arena_unmap();
	if (ut_failed) {
		fprintf(stderr, "%d failure(s)\n", ut_failed);
		return 1;
	}
	printf("test_db: all passed\n");
	return 0;
}
