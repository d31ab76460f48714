/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_multi.c - MULTI/EXEC/DISCARD and WATCH/UNWATCH without sockets.
 *
 * The index runs over the anonymous mapping, two fake clients (conn_fake_new) stand for two
 * connections, and every command goes through the same checks as conn.c's dispatch in the same
 * order (unknown command / arity rejection flag the transaction, then multi_queue_if_needed(),
 * then conn_call()). Replies are compared byte for byte with what redis-server 7.0.15 sent for
 * the same sequences (recorded from a real run with a raw-socket script, not from our output).
 *
 * What this covers that is awkward from outside: the WATCH table returns to empty (no leaked
 * entries) after EXEC, DISCARD, UNWATCH, a dirtying touch and client close; the Redis 7.0 rules
 * for keys that were already expired when WATCHed; FLUSHDB/FLUSHALL/SWAPDB only dirtying keys
 * that existed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena_mem.h"
#include "commands.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "multi.h"
#include "reply.h"
#include "resp.h"
#include "server.h"
#include "unit/fake_client.h"
#include "unit/unit_test.h"

#define expect(c, line, want) expect_at(__LINE__, c, line, want)
static void expect_at(int lineno, struct client *c, const char *line, const char *want)
{
	const char *got = fc_run(c, line);

	if (strcmp(got, want) != 0) {
		fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, lineno, line);
		fc_print_mismatch(want, got);
		ut_failed++;
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

#define OK "+OK\r\n"
#define QUEUED "+QUEUED\r\n"
#define NULLARR "*-1\r\n"
#define EXECABORT "-EXECABORT Transaction discarded because of previous errors.\r\n"

static void test_queueing(struct client *a)
{
	expect(a, "MULTI", OK);
	expect(a, "MULTI", "-ERR MULTI calls can not be nested\r\n");
	expect(a, "SET x 1", QUEUED);
	expect(a, "INCR x", QUEUED);
	expect(a, "GET x", QUEUED);
	expect(a, "EXEC", "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
	expect(a, "EXEC", "-ERR EXEC without MULTI\r\n");
	expect(a, "DISCARD", "-ERR DISCARD without MULTI\r\n");

	/* A nested MULTI does not abort the transaction (Redis 7.0). */
	expect(a, "MULTI", OK);
	expect(a, "MULTI", "-ERR MULTI calls can not be nested\r\n");
	expect(a, "SET a 1", QUEUED);
	expect(a, "EXEC", "*1\r\n+OK\r\n");

	/* Queue-time errors abort at EXEC. */
	expect(a, "MULTI", OK);
	expect(a, "SET x 1", QUEUED);
	expect(a, "NOSUCHCMD", "-ERR unknown command 'NOSUCHCMD', with args beginning with: \r\n");
	expect(a, "GET", "-ERR wrong number of arguments for 'get' command\r\n");
	expect(a, "EXEC", EXECABORT);
	expect(a, "EXEC", "-ERR EXEC without MULTI\r\n");

	/* A bad subcommand of a container is rejected while queueing, as Redis does. */
	expect(a, "MULTI", OK);
	expect(a, "CONFIG BOGUS", "-ERR unknown subcommand 'BOGUS'. Try CONFIG HELP.\r\n");
	expect(a, "CLIENT ID x", "-ERR wrong number of arguments for 'client|id' command\r\n");
	expect(a, "EXEC", EXECABORT);

	/* Runtime errors are ordinary replies inside the EXEC array, no rollback. */
	expect(a, "MULTI", OK);
	expect(a, "SELECT 99", QUEUED);
	expect(a, "SET a 1", QUEUED);
	expect(a, "EXEC", "*2\r\n-ERR DB index is out of range\r\n+OK\r\n");

	/* DISCARD drops the queue. */
	expect(a, "SET d old", OK);
	expect(a, "MULTI", OK);
	expect(a, "SET d new", QUEUED);
	expect(a, "DISCARD", OK);
	expect(a, "GET d", "$3\r\nold\r\n");

	/* Empty transaction. */
	expect(a, "MULTI", OK);
	expect(a, "EXEC", "*0\r\n");

	/* WATCH inside MULTI is an error that does not abort the transaction. */
	expect(a, "MULTI", OK);
	expect(a, "WATCH x", "-ERR WATCH inside MULTI is not allowed\r\n");
	expect(a, "EXEC", "*0\r\n");
	/* UNWATCH is queued. */
	expect(a, "MULTI", OK);
	expect(a, "UNWATCH", QUEUED);
	expect(a, "EXEC", "*1\r\n+OK\r\n");
	CHECK(a->mq == NULL && a->mq_count == 0 && !(a->flags & CLIENT_MULTI));
}

static void test_watch(struct client *a, struct client *b)
{
	db_flush_all();
	/* Another client modifies a watched key. */
	expect(a, "SET k v", OK);
	expect(a, "WATCH k", OK);
	CHECK(multi_watched_keys() == 1);
	expect(b, "SET k w", OK);
	CHECK(multi_watched_keys() == 0); /* the dirty client unwatched at once */
	expect(a, "MULTI", OK);
	expect(a, "GET k", QUEUED);
	expect(a, "EXEC", NULLARR);
	/* The same client modifying its own watched key also aborts. */
	expect(a, "WATCH k", OK);
	expect(a, "SET k x", OK);
	expect(a, "MULTI", OK);
	expect(a, "GET k", QUEUED);
	expect(a, "EXEC", NULLARR);
	/* Untouched: EXEC runs; the watch is gone afterwards. */
	expect(a, "WATCH k other", OK);
	CHECK(multi_watched_keys() == 2);
	expect(b, "SET unrelated 1", OK);
	expect(a, "MULTI", OK);
	expect(a, "GET k", QUEUED);
	expect(a, "EXEC", "*1\r\n$1\r\nx\r\n");
	CHECK(multi_watched_keys() == 0);
	/* Watching the same key twice, and from two clients. */
	expect(a, "WATCH k k", OK);
	expect(b, "WATCH k", OK);
	CHECK(multi_watched_keys() == 1 && a->watched_count == 1 && b->watched_count == 1);
	expect(b, "UNWATCH", OK);
	CHECK(multi_watched_keys() == 1);
	expect(b, "DEL k", ":1\r\n");
	expect(a, "MULTI", OK);
	expect(a, "EXEC", NULLARR);
	/* UNWATCH forgets a dirty state too. */
	expect(a, "SET k v", OK);
	expect(a, "WATCH k", OK);
	expect(b, "APPEND k x", ":2\r\n");
	expect(a, "UNWATCH", OK);
	expect(a, "MULTI", OK);
	expect(a, "EXEC", "*0\r\n");
	/* Keys are per database. */
	expect(a, "WATCH k", OK);
	expect(b, "SELECT 1", OK);
	expect(b, "SET k v", OK);
	expect(a, "MULTI", OK);
	expect(a, "EXEC", "*0\r\n");
	expect(b, "SELECT 0", OK);
	/* Expiry set on a watched key is a modification. */
	expect(a, "WATCH k", OK);
	expect(b, "EXPIRE k 100", ":1\r\n");
	expect(a, "MULTI", OK);
	expect(a, "EXEC", NULLARR);
	/* A watched key that does not exist, created by someone: abort. */
	expect(a, "WATCH newkey", OK);
	expect(b, "SET newkey 1", OK);
	expect(a, "MULTI", OK);
	expect(a, "EXEC", NULLARR);
	/* Deleting a missing watched key is no change. */
	expect(a, "WATCH missing", OK);
	expect(b, "DEL missing", ":0\r\n");
	expect(a, "MULTI", OK);
	expect(a, "EXEC", "*0\r\n");
	CHECK(multi_watched_keys() == 0);
}

static void test_flush_swap(struct client *a, struct client *b)
{
	db_flush_all();
	/* FLUSHDB dirties watched keys that exist... */
	expect(a, "SET k v", OK);
	expect(a, "WATCH k", OK);
	expect(b, "FLUSHDB", OK);
	expect(a, "MULTI", OK);
	expect(a, "PING", QUEUED);
	expect(a, "EXEC", NULLARR);
	/* ...but not missing ones (Redis 7.0: watch nokey, FLUSHALL, EXEC succeeds). */
	expect(a, "WATCH nokey", OK);
	expect(b, "FLUSHALL", OK);
	expect(a, "MULTI", OK);
	expect(a, "PING", QUEUED);
	expect(a, "EXEC", "*1\r\n+PONG\r\n");
	/* FLUSHALL reaches other databases. */
	expect(b, "SELECT 3", OK);
	expect(b, "SET k3 v", OK);
	expect(a, "SELECT 3", OK);
	expect(a, "WATCH k3", OK);
	expect(a, "SELECT 0", OK);
	expect(b, "SELECT 0", OK);
	expect(b, "FLUSHALL", OK);
	expect(a, "MULTI", OK);
	expect(a, "EXEC", NULLARR);
	CHECK(multi_watched_keys() == 0);

	/* SWAPDB: a key missing in db0 but present in db1 is dirtied by SWAPDB 0 1. */
	if (!command_lookup("swapdb", 6))
		return;
	expect(b, "SELECT 1", OK);
	expect(b, "SET s v", OK);
	expect(b, "SELECT 0", OK);
	expect(a, "WATCH s", OK);
	expect(b, "SWAPDB 0 1", OK);
	expect(a, "MULTI", OK);
	expect(a, "EXEC", NULLARR);
	/* Missing in both: no change. */
	expect(a, "WATCH none", OK);
	expect(b, "SWAPDB 0 1", OK);
	expect(a, "MULTI", OK);
	expect(a, "EXEC", "*0\r\n");
	CHECK(multi_watched_keys() == 0);
}

static void test_expiry(struct client *a, struct client *b)
{
	int active = srv.active_expire;

	/* Keep the active cycle out of the way: these cases are about lazy expiry. */
	srv.active_expire = 0;
	db_flush_all();
	/* Alive at WATCH, expired (not yet deleted) at EXEC: abort (isWatchedKeyExpired). */
	expect(a, "SET e v PX 50", OK);
	expect(a, "WATCH e", OK);
	sleep_ms(80);
	expect(a, "MULTI", OK);
	expect(a, "PING", QUEUED);
	expect(a, "EXEC", NULLARR);
	/* Already expired at WATCH; its lazy deletion (GET) is no logical change: EXEC runs. */
	expect(a, "SET e v PX 20", OK);
	sleep_ms(40);
	expect(a, "WATCH e", OK);
	expect(b, "GET e", "$-1\r\n");
	expect(a, "MULTI", OK);
	expect(a, "PING", QUEUED);
	expect(a, "EXEC", "*1\r\n+PONG\r\n");
	/* Already expired at WATCH, then written: abort. */
	expect(a, "SET e v PX 20", OK);
	sleep_ms(40);
	expect(a, "WATCH e", OK);
	expect(b, "SET e v2", OK);
	expect(a, "MULTI", OK);
	expect(a, "PING", QUEUED);
	expect(a, "EXEC", NULLARR);
	/* Already expired at WATCH, then flushed: no change. */
	expect(a, "SET e v PX 20", OK);
	sleep_ms(40);
	expect(a, "WATCH e", OK);
	expect(b, "FLUSHDB", OK);
	expect(a, "MULTI", OK);
	expect(a, "EXEC", "*0\r\n");
	srv.active_expire = active;
	CHECK(multi_watched_keys() == 0);
}

static void test_close(void)
{
	struct client *x = conn_fake_new(), *y = conn_fake_new();

	CHECK(x && y);
	expect(x, "WATCH p q r", OK);
	expect(y, "WATCH q", OK);
	expect(x, "MULTI", OK);
	expect(x, "SET p 1", QUEUED);
	CHECK(multi_watched_keys() == 3);
	conn_fake_free(x); /* calls multi_client_free() */
	CHECK(multi_watched_keys() == 1);
	expect(y, "SET q 1", OK);
	CHECK(multi_watched_keys() == 0);
	conn_fake_free(y);
	/* Touch hooks are harmless with nobody watching. */
	multi_touch_key(0, "q", 1);
	multi_touch_db(0);
	multi_touch_swapdb(0, 1);
}

/* Many watched keys: the table grows, every key is found, all entries go away. */
static void test_many(struct client *a, struct client *b)
{
	char line[64];
	int i;

	for (i = 0; i < 3000; i++) {
		snprintf(line, sizeof(line), "WATCH key:%d", i);
		expect(a, line, OK);
	}
	CHECK(multi_watched_keys() == 3000);
	expect(b, "SET key:2999 v", OK);
	CHECK(multi_watched_keys() == 0);
	expect(a, "MULTI", OK);
	expect(a, "EXEC", NULLARR);
}

int main(void)
{
	struct client *a, *b;

	if (fc_setup())
		return 1;
	srv.start_time_ms = 1;
	a = conn_fake_new();
	b = conn_fake_new();
	if (!a || !b)
		return 1;

	test_queueing(a);
	test_watch(a, b);
	test_flush_swap(a, b);
	test_expiry(a, b);
	test_close();
	test_many(a, b);

	conn_fake_free(a);
	conn_fake_free(b);
	CHECK(multi_watched_keys() == 0);
	arena_unmap();
	if (ut_failed) {
		fprintf(stderr, "test_multi: %d failure(s)\n", ut_failed);
		return 1;
	}
	printf("test_multi: ok\n");
	return 0;
}
