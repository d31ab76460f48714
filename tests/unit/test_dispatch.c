// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dispatch.c - conn.c's dispatch (conn_execute) without sockets: the order of the checks
 * and what each rejection does, as Redis 7.0's processCommand/rejectCommand.
 *
 * Covered: unknown command and wrong arity (also inside MULTI, which must then EXECABORT),
 * a rejected EXEC aborting the transaction (arity, NOAUTH) with Redis 7.0's EXECABORT text,
 * NOAUTH before AUTH, -OOM for DENYOOM commands and for every command queued in MULTI while
 * over maxmemory (EXEC, DISCARD still allowed), CLIENT REPLY SKIP lasting one command, and the
 * per-command counters (calls, failed_calls, rejected_calls) plus total_commands_processed, and
 * the arena's write seqcount (odd exactly while a CMD_WRITE command or a whole EXEC runs).
 * Expected bytes are redis-server 7.0.15's for the same requests (recorded with redis-cli and a
 * raw socket). Prints "N passed, M failed"; exit 1 if anything failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena_mem.h"
#include "commands.h"
#include "config.h"
#include "db.h"
#include "layout.h"
#include "loop.h"
#include "reply.h"
#include "resp.h"
#include "server.h"
#include "unit/fake_client.h"
#include "unit/unit_test.h"

/* Split a command line (redis-cli quoting), run it through conn_execute(), return the reply. */
static const char *run(struct client *c, const char *line)
{
	const char *reply;
	char *scratch;

	fc_split(c, line, &scratch);
	conn_execute(c);
	reply = fc_take_reply(c);
	fc_release(c, scratch);
	return reply;
}

#define EXPECT(c, line, want) expect_at(__LINE__, c, line, want)
static void expect_at(int lineno, struct client *c, const char *line, const char *want)
{
	const char *got = run(c, line);

	if (!strcmp(got, want)) {
		ut_passed++;
		return;
	}
	ut_failed++;
	fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, lineno, line);
	fc_print_mismatch(want, got);
}

static void test_unknown_and_arity(struct client *c)
{
	EXPECT(c, "foo bar baz",
	       "-ERR unknown command 'foo', with args beginning with: 'bar' 'baz' \r\n");
	EXPECT(c, "get", "-ERR wrong number of arguments for 'get' command\r\n");
	EXPECT(c, "GET a b", "-ERR wrong number of arguments for 'get' command\r\n");
	EXPECT(c, "set k", "-ERR wrong number of arguments for 'set' command\r\n");
	EXPECT(c, "SeT k v", "+OK\r\n");
	EXPECT(c, "gEt k", "$1\r\nv\r\n");
}

static void test_multi_rejections(struct client *c)
{
	/* errors while queueing abort the transaction */
	EXPECT(c, "multi", "+OK\r\n");
	EXPECT(c, "set k v2", "+QUEUED\r\n");
	EXPECT(c, "nosuch", "-ERR unknown command 'nosuch', with args beginning with: \r\n");
	EXPECT(c, "get", "-ERR wrong number of arguments for 'get' command\r\n");
	EXPECT(c, "exec", "-EXECABORT Transaction discarded because of previous errors.\r\n");
	EXPECT(c, "get k", "$1\r\nv\r\n");

	/* a rejected EXEC aborts at once (Redis 7.0 execCommandAbort), in or out of MULTI */
	EXPECT(c, "exec k2",
	       "-EXECABORT Transaction discarded because of: wrong number of arguments for "
	       "'exec' command\r\n");
	EXPECT(c, "multi", "+OK\r\n");
	EXPECT(c, "exec k2",
	       "-EXECABORT Transaction discarded because of: wrong number of arguments for "
	       "'exec' command\r\n");
	CHECK(!(c->flags & CLIENT_MULTI));
	EXPECT(c, "get k", "$1\r\nv\r\n");
	EXPECT(c, "multi", "+OK\r\n");
	EXPECT(c, "discard", "+OK\r\n");
}

static void test_auth(struct client *c)
{
	struct client *u;

	free(srv.requirepass);
	srv.requirepass = strdup("pw");
	u = conn_fake_new(); /* created while a password is set: not authenticated */
	CHECK(u && !(u->flags & CLIENT_AUTHENTICATED));
	EXPECT(u, "get k", "-NOAUTH Authentication required.\r\n");
	EXPECT(u, "nosuch", "-ERR unknown command 'nosuch', with args beginning with: \r\n");
	EXPECT(u, "exec", "-EXECABORT Transaction discarded because of: NOAUTH Authentication "
			  "required.\r\n");
	EXPECT(u, "auth pw", "+OK\r\n");
	EXPECT(u, "get k", "$1\r\nv\r\n");
	conn_fake_free(u);
	/* clients authenticated before the password was set stay authenticated (Redis) */
	EXPECT(c, "get k", "$1\r\nv\r\n");
	free(srv.requirepass);
	srv.requirepass = strdup("");
}

static void test_oom(struct client *c)
{
	char big[64];

	EXPECT(c, "set pre v", "+OK\r\n");
	srv.maxmemory_policy = MAXMEMORY_NO_EVICTION;
	srv.maxmemory = 1; /* far below what the arena already uses */
	EXPECT(c, "set k2 v", "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
	EXPECT(c, "get pre", "$1\r\nv\r\n"); /* reads still work */
	EXPECT(c, "del pre", ":1\r\n");	     /* and deletes */
	EXPECT(c, "multi", "+OK\r\n");
	/* inside MULTI everything but EXEC DISCARD QUIT RESET is refused while over the limit */
	EXPECT(c, "get k", "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
	EXPECT(c, "exec", "-EXECABORT Transaction discarded because of previous errors.\r\n");
	EXPECT(c, "multi", "+OK\r\n");
	EXPECT(c, "discard", "+OK\r\n");
	srv.maxmemory = 0;
	snprintf(big, sizeof(big), "set k2 v");
	EXPECT(c, big, "+OK\r\n");
}

static void test_reply_skip(struct client *c)
{
	EXPECT(c, "client reply skip", "");
	EXPECT(c, "get k", ""); /* skipped */
	EXPECT(c, "get k", "$1\r\nv\r\n");
	EXPECT(c, "client reply off", "");
	EXPECT(c, "get k", "");
	EXPECT(c, "client reply on", "+OK\r\n");
}

static void test_stats(struct client *c)
{
	const struct command *get = command_lookup("GET", 3);
	const struct command *incr = command_lookup("incr", 4);
	struct command_stat *sg, *si;
	__u64 total;

	CHECK(get && incr && get == command_lookup("get", 3));
	config_resetstat();
	sg = command_stat(get);
	si = command_stat(incr);
	CHECK(sg && si && sg->calls == 0 && si->calls == 0);
	total = srv.stats.total_commands_processed;
	CHECK(total == 0);
	EXPECT(c, "get k", "$1\r\nv\r\n");
	EXPECT(c, "get k x", "-ERR wrong number of arguments for 'get' command\r\n");
	EXPECT(c, "incr k", "-ERR value is not an integer or out of range\r\n");
	CHECK(sg->calls == 1 && sg->rejected_calls == 1 && sg->failed_calls == 0);
	CHECK(si->calls == 1 && si->failed_calls == 1);
	CHECK(srv.stats.total_commands_processed == 2); /* rejected commands are not processed */
	CHECK(command_stat(NULL) == NULL);
	CHECK(command_lookup("nosuch", 6) == NULL);
	CHECK(command_lookup("get\0", 4) == NULL); /* length, not NUL, ends a name */
	for (size_t i = 1; i < command_count(); i++)
		CHECK(strcasecmp(command_at(i - 1)->name, command_at(i)->name) < 0);
}

/* conn_call() brackets keyspace writes with the arena's write seqcount; EXEC is one window. */
static void test_wseq(struct client *c)
{
	__u64 s = ARENA_HDR->wseq;

	CHECK(!(s & 1));
	EXPECT(c, "get k", "$1\r\nv\r\n");
	CHECK(ARENA_HDR->wseq == s);
	EXPECT(c, "mset a 1 b 2", "+OK\r\n");
	CHECK(ARENA_HDR->wseq == s + 2);
	EXPECT(c, "get a x", "-ERR wrong number of arguments for 'get' command\r\n");
	CHECK(ARENA_HDR->wseq == s + 2);
	EXPECT(c, "multi", "+OK\r\n");
	EXPECT(c, "set a 3", "+QUEUED\r\n");
	EXPECT(c, "del b", "+QUEUED\r\n");
	CHECK(ARENA_HDR->wseq == s + 2); /* queueing writes nothing */
	EXPECT(c, "exec", "*2\r\n+OK\r\n:1\r\n");
	CHECK(ARENA_HDR->wseq == s + 4); /* one window for the whole transaction */
}

int main(void)
{
	struct client *c;

	if (fc_setup())
		return 1;
	c = conn_fake_new();
	if (!c)
		return 1;
	test_unknown_and_arity(c);
	test_multi_rejections(c);
	test_auth(c);
	test_oom(c);
	test_reply_skip(c);
	test_stats(c);
	test_wseq(c);
	conn_fake_free(c);
	arena_unmap();
	return ut_done();
}
