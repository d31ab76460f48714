/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_admin.c - the connection/server commands of t_server.c and cmddocs.c, without sockets.
 *
 * Fake clients (conn_fake_new) run commands through conn.c's order of checks (unknown, arity,
 * AUTH, queueing, call). Expected replies are redis-server 7.0.15's bytes for the same command
 * (recorded with a raw-socket script against a real server), except where the text depends on
 * the run (ids, times, INFO values): those are checked by prefix or by parsing.
 * Covered: PING ECHO HELLO (RESP2/3 replies, errors) AUTH with and without requirepass, SELECT,
 * FLUSHDB/FLUSHALL options, CLIENT subcommands and errors, CONFIG routing, COMMAND COUNT/INFO/
 * DOCS/GETKEYS/LIST, MEMORY USAGE, INFO section selection, RESET, QUIT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena_mem.h"
#include "cmddocs.h"
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

static void report(int lineno, const char *line, const char *what, const char *want,
		   const char *got)
{
	fprintf(stderr, "%s:%d: FAIL %s (%s)\n", __FILE__, lineno, line, what);
	fc_print_mismatch(want, got);
	ut_failed++;
}

#define expect(c, line, want) expect_at(__LINE__, c, line, want)
static void expect_at(int lineno, struct client *c, const char *line, const char *want)
{
	const char *got = fc_run(c, line);

	if (strcmp(got, want) != 0)
		report(lineno, line, "exact", want, got);
}

#define expect_prefix(c, line, want) expect_prefix_at(__LINE__, c, line, want)
static void expect_prefix_at(int lineno, struct client *c, const char *line, const char *want)
{
	const char *got = fc_run(c, line);

	if (strncmp(got, want, strlen(want)) != 0)
		report(lineno, line, "prefix", want, got);
}

#define expect_has(c, line, want) expect_has_at(__LINE__, c, line, want)
static void expect_has_at(int lineno, struct client *c, const char *line, const char *want)
{
	const char *got = fc_run(c, line);

	if (!strstr(got, want))
		report(lineno, line, "contains", want, got);
}

#define OK "+OK\r\n"
#define SYNTAX "-ERR syntax error\r\n"

static void test_connection(struct client *a)
{
	char want[512];

	expect(a, "PING", "+PONG\r\n");
	expect(a, "PING hello", "$5\r\nhello\r\n");
	expect(a, "PING a b", "-ERR wrong number of arguments for 'ping' command\r\n");
	expect(a, "ECHO \"a b\"", "$3\r\na b\r\n");
	expect(a, "HELLO 4", "-NOPROTO unsupported protocol version\r\n");
	expect(a, "HELLO 1", "-NOPROTO unsupported protocol version\r\n");
	expect(a, "HELLO abc", "-ERR Protocol version is not an integer or out of range\r\n");
	expect(a, "HELLO 3 foo", "-ERR Syntax error in HELLO option 'foo'\r\n");
	expect(a, "HELLO 3 auth default", "-ERR Syntax error in HELLO option 'auth'\r\n");
	expect(a, "HELLO 3 setname", "-ERR Syntax error in HELLO option 'setname'\r\n");
	expect(a, "HELLO 2 setname \"a b\"",
	       "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
	CHECK(a->resp == 2);
	snprintf(want, sizeof(want),
		 "%%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
		 "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:%llu\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
		 "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
		 (unsigned long long)a->id);
	expect(a, "HELLO 3 SETNAME n1", want);
	CHECK(a->resp == 3 && a->name && !strcmp(a->name, "n1"));
	expect(a, "PING x", "$1\r\nx\r\n");
	expect(a, "CLIENT GETNAME", "$2\r\nn1\r\n");
	expect(a, "CLIENT SETNAME \"\"", OK);
	expect(a, "CLIENT GETNAME", "_\r\n"); /* RESP3 null */
	snprintf(want, sizeof(want),
		 "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
		 "$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:%llu\r\n",
		 (unsigned long long)a->id);
	expect_prefix(a, "HELLO 2", want);
	CHECK(a->resp == 2);
	expect(a, "CLIENT GETNAME", "$-1\r\n");
}

static void test_auth(struct client *a)
{
	struct client *b;
	char *saved = srv.requirepass;

	expect(a, "AUTH x",
	       "-ERR AUTH <password> called without any password configured for the default "
	       "user. Are you sure your configuration is correct?\r\n");
	expect(a, "AUTH default anything", OK); /* default user is nopass */
	expect(a, "AUTH a b", "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
	expect(a, "AUTH a b c", SYNTAX);
	expect(a, "HELLO 2 AUTH a b",
	       "-WRONGPASS invalid username-password pair or user is disabled.\r\n");

	srv.requirepass = "s3cret";
	b = conn_fake_new(); /* created with a password set: not authenticated */
	CHECK(b != NULL);
	expect(b, "PING", "-NOAUTH Authentication required.\r\n");
	expect(b, "HELLO 3",
	       "-NOAUTH HELLO must be called with the client already authenticated, otherwise "
	       "the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the "
	       "client and select the RESP protocol version at the same time\r\n");
	CHECK(b->resp == 2);
	expect(b, "AUTH wrong",
	       "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
	expect(b, "AUTH default wrong",
	       "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
	expect(b, "HELLO 3 AUTH default s3cre",
	       "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
	expect_prefix(b, "HELLO 3 AUTH default s3cret", "%7\r\n$6\r\nserver\r\n");
	expect(b, "PING", "+PONG\r\n");
	/* RESET de-authenticates when a password is required. */
	expect(b, "RESET", "+RESET\r\n");
	CHECK(b->resp == 2);
	expect(b, "PING", "-NOAUTH Authentication required.\r\n");
	expect(b, "AUTH s3cret", OK);
	expect(b, "PING", "+PONG\r\n");
	conn_fake_free(b);
	srv.requirepass = saved;
}

static void test_db_commands(struct client *a)
{
	expect(a, "SELECT 16", "-ERR DB index is out of range\r\n");
	expect(a, "SELECT -1", "-ERR DB index is out of range\r\n");
	expect(a, "SELECT abc", "-ERR value is not an integer or out of range\r\n");
	expect(a, "SELECT 4294967296", "-ERR value is not an integer or out of range\r\n");
	expect(a, "SELECT 1 2", "-ERR wrong number of arguments for 'select' command\r\n");
	expect(a, "FLUSHALL", OK);
	expect(a, "SELECT 2", OK);
	CHECK(a->db == 2);
	expect(a, "SET k v", OK);
	expect(a, "SET k2 v EX 100", OK);
	expect(a, "DBSIZE", ":2\r\n");
	expect(a, "SELECT 0", OK);
	expect(a, "DBSIZE", ":0\r\n");
	expect_has(a, "INFO keyspace", "db2:keys=2,expires=1,avg_ttl=");
	expect(a, "FLUSHDB bogus", SYNTAX);
	expect(a, "FLUSHALL async sync", SYNTAX);
	expect(a, "FLUSHDB ASYNC", OK); /* db0: db2 keeps its keys */
	expect(a, "SELECT 2", OK);
	expect(a, "DBSIZE", ":2\r\n");
	expect(a, "MEMORY USAGE nokey", "$-1\r\n");
	expect(a, "MEMORY USAGE nokey samples -1", SYNTAX);
	expect(a, "MEMORY USAGE k samples x", "-ERR value is not an integer or out of range\r\n");
	expect(a, "MEMORY USAGE k foo", SYNTAX);
	expect_prefix(a, "MEMORY USAGE k", ":");
	expect_prefix(a, "MEMORY USAGE k SAMPLES 0", ":");
	expect(a, "MEMORY", "-ERR wrong number of arguments for 'memory' command\r\n");
	expect(a, "FLUSHALL SYNC", OK);
	expect(a, "DBSIZE", ":0\r\n");
	expect(a, "INFO keyspace", "$12\r\n# Keyspace\r\n\r\n");
	expect(a, "SELECT 0", OK);
}

static void test_client(struct client *a)
{
	char buf[64];

	expect(a, "CLIENT SETNAME \"a b\"",
	       "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
	expect(a, "CLIENT SETNAME myname", OK);
	expect(a, "CLIENT GETNAME", "$6\r\nmyname\r\n");
	snprintf(buf, sizeof(buf), ":%llu\r\n", (unsigned long long)a->id);
	expect(a, "CLIENT ID", buf);
	expect(a, "CLIENT ID x", "-ERR wrong number of arguments for 'client|id' command\r\n");
	expect(a, "CLIENT foo", "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
	expect(a, "CLIENT", "-ERR wrong number of arguments for 'client' command\r\n");
	expect(a, "CLIENT SETINFO lib-name redis-py", OK);
	expect(a, "CLIENT SETINFO LIB-VER 5.0.1", OK);
	expect(a, "CLIENT SETINFO foo bar", "-ERR Unrecognized option 'foo'\r\n");
	expect(a, "CLIENT SETINFO lib-ver \"1 2\"",
	       "-ERR lib-ver cannot contain spaces, newlines or special characters.\r\n");
	snprintf(buf, sizeof(buf), "id=%llu addr=", (unsigned long long)a->id);
	{
		const char *info = fc_run(a, "CLIENT INFO");

		CHECK(strstr(info, buf) != NULL);
		CHECK(strstr(info, " name=myname ") != NULL);
		CHECK(strstr(info, " flags=N db=0 ") != NULL);
		CHECK(strstr(info, " cmd=client|info ") != NULL);
		CHECK(strstr(info, " lib-name=redis-py lib-ver=5.0.1\n") != NULL);
		CHECK(strstr(info, " multi=-1 ") != NULL);
	}
	expect(a, "CLIENT REPLY bogus", SYNTAX);
	expect(a, "CLIENT NO-EVICT maybe", SYNTAX);
	expect(a, "CLIENT NO-EVICT on", OK);
	CHECK(a->flags & CLIENT_NO_EVICT);
	expect(a, "CLIENT NO-EVICT off", OK);
	expect(a, "CLIENT KILL id 0", "-ERR client-id should be greater than 0\r\n");
	expect(a, "CLIENT KILL id abc", "-ERR client-id should be greater than 0\r\n");
	expect(a, "CLIENT KILL 1.2.3.4:5", "-ERR No such client\r\n");
	expect(a, "CLIENT KILL foo bar", SYNTAX);
	expect(a, "CLIENT KILL addr 1.1.1.1:1 skipme maybe", SYNTAX);
	expect(a, "CLIENT KILL type foo x", "-ERR Unknown client type 'foo'\r\n");
	expect(a, "CLIENT KILL user bob", "-ERR No such user 'bob'\r\n");
	expect(a, "CLIENT KILL id 99999", ":0\r\n");
	expect(a, "CLIENT LIST type bogus", "-ERR Unknown client type 'bogus'\r\n");
	expect(a, "CLIENT LIST id abc", "-ERR Invalid client ID\r\n");
	expect(a, "CLIENT LIST id 9999", "$0\r\n\r\n");
	expect(a, "CLIENT LIST type master", "$0\r\n\r\n");
	expect(a, "CLIENT LIST foo", SYNTAX);
	expect(a, "CLIENT UNBLOCK 5", ":0\r\n");
	expect(a, "CLIENT UNBLOCK 5 bogus",
	       "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
	expect_prefix(a, "CLIENT HELP", "*");

	/* REPLY OFF drops everything until ON; SKIP drops the next reply only. */
	expect(a, "CLIENT REPLY OFF", "");
	expect(a, "PING", "");
	expect(a, "CLIENT REPLY ON", OK);
	expect(a, "CLIENT REPLY SKIP", "");
	expect(a, "PING", "");
	expect(a, "PING", "+PONG\r\n");

	/* RESET clears name, db, MULTI and the reply mode. */
	expect(a, "SELECT 3", OK);
	expect(a, "MULTI", OK);
	expect(a, "RESET", "+RESET\r\n");
	CHECK(a->db == 0 && !a->name && !(a->flags & CLIENT_MULTI));
}

static void test_config_command(struct client *a)
{
	char buf[64];
	const char *r;

	expect(a, "CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
	expect(a, "CONFIG bogus", "-ERR unknown subcommand 'bogus'. Try CONFIG HELP.\r\n");
	expect(a, "CONFIG SET maxmemory",
	       "-ERR wrong number of arguments for 'config|set' command\r\n");
	expect(a, "CONFIG GET", "-ERR wrong number of arguments for 'config|get' command\r\n");
	expect(a, "CONFIG REWRITE", "-ERR The server is running without a config file\r\n");
	expect(a, "CONFIG RESETSTAT", OK);

	snprintf(buf, sizeof(buf), ":%zu\r\n", command_count());
	expect(a, "COMMAND COUNT", buf);
	expect(a, "COMMAND COUNT x",
	       "-ERR wrong number of arguments for 'command|count' command\r\n");
	expect(a, "COMMAND bogus", "-ERR unknown subcommand 'bogus'. Try COMMAND HELP.\r\n");
	expect(a, "COMMAND INFO nosuch", "*1\r\n$-1\r\n");
	/* Redis adds request/response policy tips for PING; we have none: stop before them. */
	expect_prefix(a, "COMMAND INFO ping",
		      "*1\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n"
		      "*2\r\n+@fast\r\n+@connection\r\n");
	expect_prefix(a, "COMMAND INFO get", "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n");
	expect_prefix(a, "COMMAND INFO config|get",
		      "*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n"
		      "+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n"
		      "+@dangerous\r\n");
	expect_prefix(a, "COMMAND INFO config",
		      "*1\r\n*10\r\n$6\r\nconfig\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n"
		      "*0\r\n*0\r\n*5\r\n");
	expect(a, "COMMAND DOCS nosuch", "*0\r\n");
	/* Redis also sends complexity and arguments: compare the fields we have. */
	expect_has(a, "COMMAND DOCS ping",
		   "$7\r\nsummary\r\n$15\r\nPing the server\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n"
		   "$5\r\ngroup\r\n$10\r\nconnection\r\n");
	/* Argument trees: every line of the docs table parses; GET's and PING's match Redis. */
	CHECK(cmddocs_check_specs() == 0);
	expect_has(a, "COMMAND DOCS get",
		   "$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n"
		   "$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n");
	expect_has(a, "COMMAND DOCS ping",
		   "$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$7\r\nmessage\r\n$4\r\n"
		   "type\r\n$6\r\nstring\r\n$5\r\nflags\r\n*1\r\n+optional\r\n");
	/* A oneof of pure tokens (SET's condition), nested as Redis nests it (Redis also sends a
	 * per-argument "since", which we do not keep, hence *8 where Redis has *10). */
	expect_has(a, "COMMAND DOCS set",
		   "*8\r\n$4\r\nname\r\n$9\r\ncondition\r\n$4\r\ntype\r\n$5\r\noneof\r\n"
		   "$5\r\nflags\r\n*1\r\n+optional\r\n$9\r\narguments\r\n*2\r\n*6\r\n$4\r\n"
		   "name\r\n$2\r\nnx\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n"
		   "$2\r\nNX\r\n");
	expect(a, "COMMAND GETKEYS set a b", "*1\r\n$1\r\na\r\n");
	expect(a, "COMMAND GETKEYS set a",
	       "-ERR Invalid number of arguments specified for command\r\n");
	expect(a, "COMMAND GETKEYS ping x", "-ERR The command has no key arguments\r\n");
	expect(a, "COMMAND GETKEYS nosuch x", "-ERR Invalid command specified\r\n");
	expect(a, "COMMAND GETKEYS ping",
	       "-ERR wrong number of arguments for 'command|getkeys' command\r\n");
	expect(a, "COMMAND LIST filterby aclcat bogus", "*0\r\n");
	expect(a, "COMMAND LIST filterby foo bar", SYNTAX);
	expect(a, "COMMAND LIST x", SYNTAX);
	expect(a, "COMMAND LIST filterby pattern ech*", "*1\r\n$4\r\necho\r\n");
	expect(a, "COMMAND LIST FILTERBY PATTERN config|g*", "*1\r\n$10\r\nconfig|get\r\n");
	r = fc_run(a, "COMMAND");
	snprintf(buf, sizeof(buf), "*%zu\r\n*10\r\n", command_count());
	CHECK(strncmp(r, buf, strlen(buf)) == 0);
	expect_prefix(a, "TIME", "*2\r\n$10\r\n");
	snprintf(buf, sizeof(buf), ":%lld\r\n", srv.lastsave_unix);
	expect(a, "LASTSAVE", buf);
}

static void test_info(struct client *a)
{
	const char *r;

	expect(a, "INFO foo", "$0\r\n\r\n");
	r = fc_run(a, "INFO");
	CHECK(strstr(r, "# Server\r\nredis_version:7.0.15\r\n") != NULL);
	CHECK(strstr(r, "\r\n\r\n# Clients\r\n") != NULL);
	CHECK(strstr(r, "\r\n\r\n# Memory\r\nused_memory:") != NULL);
	CHECK(strstr(r, "\r\nmaxmemory_policy:noeviction\r\n") != NULL);
	CHECK(strstr(r, "\r\n\r\n# Keyspace\r\n") != NULL);
	CHECK(strstr(r, "# Commandstats") == NULL);
	expect(a, "PING", "+PONG\r\n");
	r = fc_run(a, "INFO all");
	CHECK(strstr(r, "# Commandstats") != NULL && strstr(r, "# Latencystats") != NULL);
	CHECK(strstr(r, "\r\ncmdstat_ping:calls=1,usec=") != NULL); /* stats were reset above */
	CHECK(strstr(r, "\r\n\r\n# Arena\r\narena_backend:") != NULL);
	r = fc_run(a, "INFO stats");
	CHECK(strstr(r, "\r\ninstantaneous_ops_per_sec:") != NULL);
	r = fc_run(a, "INFO CLIENTS server");
	/* Fixed order, whatever the argument order; nothing else. */
	CHECK(strstr(r, "# Server\r\n") != NULL && strstr(r, "# Clients\r\n") != NULL);
	CHECK(strstr(r, "# Server") < strstr(r, "# Clients"));
	CHECK(strstr(r, "# Memory") == NULL);
	/* RESP3: verbatim string. */
	a->resp = 3;
	expect(a, "INFO cluster", "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
	a->resp = 2;
	expect(a, "INFO cluster", "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n");
}

static void test_quit(void)
{
	struct client *q = conn_fake_new();

	CHECK(q != NULL);
	expect(q, "QUIT", OK);
	CHECK(q->flags & CLIENT_CLOSE_AFTER_REPLY);
	conn_fake_free(q);
}

int main(void)
{
	struct client *a;

	if (fc_setup())
		return 1;
	srv.start_time_ms = 1;
	a = conn_fake_new();
	if (!a)
		return 1;

	test_connection(a);
	test_auth(a);
	test_db_commands(a);
	test_client(a);
	test_config_command(a);
	test_info(a);
	test_quit();

	conn_fake_free(a);
	arena_unmap();
	if (ut_failed) {
		fprintf(stderr, "test_admin: %d failure(s)\n", ut_failed);
		return 1;
	}
	printf("test_admin: ok\n");
	return 0;
}
