// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_config.c - unit tests of server/config.c: memory units, the config text parser
 * (quoting, comments, save accumulation, error texts) and CONFIG GET/SET through a client
 * without a socket (all-or-nothing multi-set, Redis 7.0's exact error replies).
 *
 * Expected error texts were read from redis-server 7.0.15 (CONFIG SET on a live server and
 * start-up with bad config files). Prints "N passed, M failed"; exit 1 if anything failed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "config.h"
#include "reply.h"
#include "server.h"
#include "unit/unit_test.h"

static void test_memory_units(void)
{
	static const struct {
		const char *in;
		unsigned long long out;
	} good[] = {
		{ "0", 0 },
		{ "42", 42 },
		{ "1b", 1 },
		{ "1k", 1000 },
		{ "1kb", 1024 },
		{ "1K", 1000 },
		{ "1KB", 1024 },
		{ "3m", 3000000 },
		{ "3mb", 3ULL << 20 },
		{ "2g", 2000000000ULL },
		{ "2gb", 2ULL << 30 },
		{ "100mb", 100ULL << 20 },
		{ "18446744073709551615", ULLONG_MAX },
	};
	static const char *bad[] = { "", "-1", "1.5gb", "1x", "gb", " 1", "1 ", "1kbb",
				     "18446744073709551616", "17179869184gb" };
	unsigned long long v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 7;
		CHECK(config_parse_memory(good[i].in, strlen(good[i].in), &v) == 0);
		CHECK(v == good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(config_parse_memory(bad[i], strlen(bad[i]), &v) != 0);
}

static int load(const char *text, char *err, size_t errlen, int *line)
{
	memset(err, 0, errlen);
	*line = 0;
	return config_load_string(text, err, errlen, line);
}

static void test_config_text(void)
{
	char err[1024];
	int line;

	config_init_defaults();
	CHECK(srv.port == 6379);
	CHECK(srv.bind_count == 2 && !strcmp(srv.bind[0], "*") && !strcmp(srv.bind[1], "-::*"));
	CHECK(srv.maxmemory == 0 && srv.maxmemory_policy == MAXMEMORY_NO_EVICTION);
	CHECK(srv.databases == 16 && srv.hz == 10 && srv.loglevel == LL_NOTICE);
	CHECK(srv.proto_max_bulk_len == 512LL << 20);
	CHECK(srv.client_query_buffer_limit == 1LL << 30);
	CHECK(!strcmp(srv.save, "3600 1 300 100 60 10000"));

	CHECK(load("# comment\n\n  port 7000  \r\nmaxmemory 100mb\nmaxmemory-policy ALLKEYS-LRU\n"
		   "requirepass \"a b\\x41\\n\"\nbind 127.0.0.1 ::1\n"
		   "save 900 1\nsave 300 10\nappendonly yes\n",
		   err, sizeof(err), &line) == 0);
	CHECK(srv.port == 7000);
	CHECK(srv.maxmemory == 100ULL << 20);
	CHECK(srv.maxmemory_policy == MAXMEMORY_ALLKEYS_LRU);
	CHECK(!strcmp(srv.requirepass, "a bA\n"));
	CHECK(srv.bind_count == 2 && !strcmp(srv.bind[1], "::1"));
	CHECK(!strcmp(srv.save, "900 1 300 10")); /* save lines accumulate */
	CHECK(srv.appendonly == 1);

	CHECK(load("save \"\"\n", err, sizeof(err), &line) == 0);
	CHECK(!strcmp(srv.save, ""));
	CHECK(load("hz 100000\n", err, sizeof(err), &line) == 0);
	CHECK(srv.hz == 500); /* clamped like Redis */

	/* Errors: message, then the offending line after the message's NUL. */
	CHECK(load("port 1\nfoo bar\n", err, sizeof(err), &line) != 0);
	CHECK(line == 2 && !strcmp(err, "Bad directive or wrong number of arguments"));
	CHECK(!strcmp(err + strlen(err) + 1, "foo bar"));
	CHECK(load("port 1 2\n", err, sizeof(err), &line) != 0);
	CHECK(line == 1 && !strcmp(err, "wrong number of arguments"));
	CHECK(load("port abc\n", err, sizeof(err), &line) != 0);
	CHECK(!strcmp(err, "argument couldn't be parsed into an integer"));
	CHECK(load("port 70000\n", err, sizeof(err), &line) != 0);
	CHECK(!strcmp(err, "argument must be between 0 and 65535 inclusive"));
	CHECK(load("maxmemory 1x\n", err, sizeof(err), &line) != 0);
	CHECK(!strcmp(err, "argument must be a memory value"));
	CHECK(load("appendonly maybe\n", err, sizeof(err), &line) != 0);
	CHECK(!strcmp(err, "argument must be 'yes' or 'no'"));
	CHECK(load("loglevel loud\n", err, sizeof(err), &line) != 0);
	CHECK(!strcmp(err, "argument(s) must be one of the following: debug, verbose, notice, "
			   "warning"));
	CHECK(load("requirepass \"abc\n", err, sizeof(err), &line) != 0);
	CHECK(!strcmp(err, "Unbalanced quotes in configuration line"));
	CHECK(load("save 900\n", err, sizeof(err), &line) != 0);
	CHECK(!strcmp(err, "Invalid save parameters"));
	/* daemonize is accepted (main.c forks); only the value is checked here */
	CHECK(load("daemonize yes\n", err, sizeof(err), &line) == 0 && srv.daemonize == 1);
	config_init_defaults();
}

/* Run a CONFIG subcommand through a socketless client; returns the reply bytes. */
static const char *run(const char *const *args, int n)
{
	static char out[65536];
	struct client *c = conn_fake_new();
	struct arg argv[16];
	size_t len;

	for (int i = 0; i < n; i++) {
		argv[i].ptr = args[i];
		argv[i].len = strlen(args[i]);
	}
	c->argv = argv;
	c->argc = n;
	if (!strcasecmp(args[1], "get"))
		config_get_command(c);
	else if (!strcasecmp(args[1], "set"))
		config_set_command(c);
	else
		config_resetstat_command(c);
	len = obuf_copy(&c->out, out, sizeof(out) - 1);
	out[len] = 0;
	c->argv = NULL;
	c->argc = 0;
	conn_fake_free(c);
	return out;
}

#define RUN(...)                                                                           \
	({                                                                                 \
		static const char *const a_[] = { __VA_ARGS__ };                           \
		run(a_, sizeof(a_) / sizeof(a_[0]));                                       \
	})

static void test_config_commands(void)
{
	const char *r;

	config_init_defaults();
	r = RUN("config", "get", "maxmemory");
	CHECK(!strcmp(r, "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"));
	r = RUN("config", "get", "MAXMEMORY"); /* exact names echo the client's spelling */
	CHECK(!strcmp(r, "*2\r\n$9\r\nMAXMEMORY\r\n$1\r\n0\r\n"));
	/* each directive once even when two patterns match it; maxmemory-clients and
	 * maxmemory-eviction-tenacity (config_table.c) come after arenakv's own rows */
	r = RUN("config", "get", "maxmemory*", "maxmemory-policy");
	CHECK(!strcmp(r, "*10\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$16\r\nmaxmemory-policy\r\n"
			 "$10\r\nnoeviction\r\n$17\r\nmaxmemory-samples\r\n$1\r\n5\r\n"
			 "$27\r\nmaxmemory-eviction-tenacity\r\n$2\r\n10\r\n"
			 "$17\r\nmaxmemory-clients\r\n$1\r\n0\r\n"));
	r = RUN("config", "get", "nosuch*");
	CHECK(!strcmp(r, "*0\r\n"));
	r = RUN("config", "get", "bind");
	CHECK(!strcmp(r, "*2\r\n$4\r\nbind\r\n$6\r\n* -::*\r\n"));

	r = RUN("config", "set", "maxmemory", "1gb", "hz", "20");
	CHECK(!strcmp(r, "+OK\r\n"));
	CHECK(srv.maxmemory == 1ULL << 30 && srv.hz == 20);
	/* all-or-nothing: a bad second pair leaves the first untouched */
	r = RUN("config", "set", "maxmemory", "2gb", "maxmemory-samples", "0");
	CHECK(!strcmp(r, "-ERR CONFIG SET failed (possibly related to argument "
			 "'maxmemory-samples') - argument must be between 1 and 2147483647 "
			 "inclusive\r\n"));
	CHECK(srv.maxmemory == 1ULL << 30);
	r = RUN("config", "set", "foo", "bar");
	CHECK(!strcmp(r, "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"));
	r = RUN("config", "set", "maxmemory", "10", "hz", "5", "foo", "1");
	CHECK(!strcmp(r, "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"));
	r = RUN("config", "set", "maxmemory", "abc");
	CHECK(!strcmp(r, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
			 "argument must be a memory value\r\n"));
	r = RUN("config", "set", "daemonize", "yes");
	CHECK(!strcmp(r, "-ERR CONFIG SET failed (possibly related to argument 'daemonize') - "
			 "can't set immutable config\r\n"));
	r = RUN("config", "set", "dir", "/");
	CHECK(!strcmp(r, "-ERR CONFIG SET failed (possibly related to argument 'dir') - "
			 "can't set protected config\r\n"));
	r = RUN("config", "set", "maxmemory", "1mb", "maxmemory", "2mb");
	CHECK(!strcmp(r, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
			 "duplicate parameter\r\n"));
	r = RUN("config", "set", "port");
	CHECK(!strcmp(r, "-ERR wrong number of arguments for 'config|set' command\r\n"));
	r = RUN("config", "set", "maxmemory-policy", "foo");
	CHECK(!strcmp(r, "-ERR CONFIG SET failed (possibly related to argument "
			 "'maxmemory-policy') - argument(s) must be one of the following: "
			 "volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
			 "allkeys-lfu, allkeys-random, noeviction\r\n"));
	r = RUN("config", "set", "save", "100 1 200");
	CHECK(!strcmp(r, "-ERR CONFIG SET failed (possibly related to argument 'save') - "
			 "Invalid save parameters\r\n"));
	r = RUN("config", "set", "save", "3600  1 300 100");
	CHECK(!strcmp(r, "+OK\r\n") && !strcmp(srv.save, "3600 1 300 100"));
	r = RUN("config", "set", "hz", "0");
	CHECK(!strcmp(r, "+OK\r\n") && srv.hz == 1);
	r = RUN("config", "set", "timeout", "-1");
	CHECK(!strcmp(r, "-ERR CONFIG SET failed (possibly related to argument 'timeout') - "
			 "argument must be between 0 and 2147483647 inclusive\r\n"));
	r = RUN("config", "set", "requirepass", "");
	CHECK(!strcmp(r, "+OK\r\n"));
	r = RUN("config", "get", "requirepass");
	CHECK(!strcmp(r, "*2\r\n$11\r\nrequirepass\r\n$0\r\n\r\n"));

	srv.stats.total_commands_processed = 5;
	srv.stats.keyspace_hits = 3;
	r = RUN("config", "resetstat");
	CHECK(!strcmp(r, "+OK\r\n"));
	CHECK(srv.stats.total_commands_processed == 0 && srv.stats.keyspace_hits == 0);
	config_init_defaults();
}

/*
 * Redis 7.0 directives arenakv accepts without implementing (config_table.c): stock files load,
 * aliases share one value, CONFIG GET prints Redis's forms, CONFIG SET validates with Redis's
 * texts (read from redis-server 7.0.15), file-only directives and include are accepted, and
 * CONFIG REWRITE keeps comments and unknown lines.
 */
static void test_compat(void)
{
	char err[1024], path[] = "/tmp/arenakv-test-config-XXXXXX", inc[64];
	const char *r;
	int line, fd;
	FILE *f;

	config_init_defaults();
	CHECK(load("slave-serve-stale-data no\nhash-max-ziplist-entries 64\n"
		   "notify-keyspace-events KEA\nslowlog-log-slower-than -1\n"
		   "client-output-buffer-limit normal 1mb 512kb 10\n"
		   "client-output-buffer-limit replica 1gb 0 0\n"
		   "rename-command KEYS \"\"\nlist-max-ziplist-entries 512\n"
		   "latency-tracking-info-percentiles 50 99.9\nmaxmemory-clients 10%\n"
		   "unixsocketperm 700\noom-score-adj-values 0 100 -200\n",
		   err, sizeof(err), &line) == 0);
	CHECK(config_obuf_limits[OBUF_CLASS_NORMAL].hard == 1048576 &&
	      config_obuf_limits[OBUF_CLASS_NORMAL].soft == 524288 &&
	      config_obuf_limits[OBUF_CLASS_NORMAL].soft_seconds == 10);
	CHECK(config_obuf_limits[OBUF_CLASS_REPLICA].hard == 1ULL << 30);
	CHECK(config_obuf_limits[OBUF_CLASS_PUBSUB].hard == 32ULL << 20);
	r = RUN("config", "get", "replica-serve-stale-data");
	CHECK(!strcmp(r, "*2\r\n$24\r\nreplica-serve-stale-data\r\n$2\r\nno\r\n"));
	r = RUN("config", "get", "hash-max-listpack-entries");
	CHECK(strstr(r, "$2\r\n64\r\n") != NULL);
	r = RUN("config", "get", "notify-keyspace-events");
	CHECK(strstr(r, "$3\r\nAKE\r\n") != NULL);
	r = RUN("config", "get", "latency-tracking-info-percentiles");
	CHECK(strstr(r, "$7\r\n50 99.9\r\n") != NULL);
	r = RUN("config", "get", "maxmemory-clients");
	CHECK(strstr(r, "$3\r\n10%\r\n") != NULL);
	r = RUN("config", "get", "unixsocketperm");
	CHECK(strstr(r, "$3\r\n700\r\n") != NULL);
	r = RUN("config", "get", "client-output-buffer-limit");
	CHECK(strstr(r, "normal 1048576 524288 10 slave 1073741824 0 0 pubsub 33554432 "
			"8388608 60") != NULL);
	/* hidden directives answer by exact name only */
	r = RUN("config", "get", "rdb-key-save-delay");
	CHECK(strstr(r, "rdb-key-save-delay") != NULL);
	r = RUN("config", "get", "rdb-key-save-*");
	CHECK(!strcmp(r, "*0\r\n"));

	/* CONFIG SET validation texts */
	r = RUN("config", "set", "slowlog-max-len", "-1");
	CHECK(!strcmp(r, "-ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - "
			 "argument must be between 0 and 9223372036854775807 inclusive\r\n"));
	r = RUN("config", "set", "dbfilename", "x.rdb");
	CHECK(!strcmp(r, "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - "
			 "can't set protected config\r\n"));
	r = RUN("config", "set", "appendfilename", "x.aof");
	CHECK(strstr(r, "can't set immutable config") != NULL);
	r = RUN("config", "set", "notify-keyspace-events", "KQ");
	CHECK(strstr(r, "Invalid event class character") != NULL);
	r = RUN("config", "set", "repl-diskless-load", "sometimes");
	CHECK(strstr(r, "argument(s) must be one of the following: disabled, on-empty-db, "
			"swapdb") != NULL);
	r = RUN("config", "set", "client-output-buffer-limit", "normal 1 2");
	CHECK(strstr(r, "Wrong number of arguments in buffer limit configuration.") != NULL);
	r = RUN("config", "set", "slave-read-only", "no", "replica-read-only", "yes");
	CHECK(strstr(r, "duplicate parameter") != NULL);
	r = RUN("config", "set", "slave-read-only", "no");
	CHECK(!strcmp(r, "+OK\r\n"));
	r = RUN("config", "get", "replica-read-only");
	CHECK(strstr(r, "$2\r\nno\r\n") != NULL);

	/* include, then CONFIG REWRITE of a file with comments and unknown lines */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	snprintf(inc, sizeof(inc), "%s.inc", path);
	f = fopen(inc, "w");
	CHECK(f != NULL);
	if (fd < 0 || !f)
		return;
	fputs("slowlog-max-len 77\n", f);
	fclose(f);
	f = fdopen(fd, "w");
	fprintf(f, "# head comment\ntimeout 9\ninclude %s\nrename-command CONFIG \"\"\n"
		   "save 900 1\nsave 60 100\n# tail\n", inc);
	fclose(f);
	config_init_defaults();
	{
		char text[512];

		snprintf(text, sizeof(text), "timeout 9\ninclude %s\n", inc);
		CHECK(load(text, err, sizeof(err), &line) == 0);
		r = RUN("config", "get", "slowlog-max-len");
		CHECK(strstr(r, "$2\r\n77\r\n") != NULL);
	}
	free(srv.configfile);
	srv.configfile = strdup(path);
	srv.timeout = 0;
	srv.maxmemory = 100ULL << 20;
	free(srv.save);
	srv.save = strdup("3600 1");
	CHECK(config_rewrite(err, sizeof(err)) == 0);
	{
		char buf[4096];
		size_t n;

		f = fopen(path, "r");
		CHECK(f != NULL);
		n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		buf[n] = 0;
		if (f)
			fclose(f);
		CHECK(!strncmp(buf, "# head comment\ntimeout 0\ninclude ", 33));
		CHECK(strstr(buf, "rename-command CONFIG \"\"\nsave 3600 1\n# tail\n") != NULL);
		CHECK(strstr(buf, "save 60 100") == NULL);
		CHECK(strstr(buf, "# Generated by CONFIG REWRITE\n") != NULL);
		CHECK(strstr(buf, "\nmaxmemory 100mb\n") != NULL);
	}
	free(srv.configfile);
	srv.configfile = NULL;
	CHECK(config_rewrite(err, sizeof(err)) == -ENOENT);
	unlink(path);
	unlink(inc);
	config_init_defaults();
}

int main(void)
{
	test_memory_units();
	test_config_text();
	test_config_commands();
	test_compat();
	return ut_done();
}
