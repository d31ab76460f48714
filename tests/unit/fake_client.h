/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fake_client.h - the socketless command harness of the unit tests that run commands
 * (test_admin.c, test_multi.c, test_db.c, test_dispatch.c).
 *
 * fc_setup() brings up what a command needs without a listener: default config, the index over
 * a 64 MiB anonymous arena (arena_map_anon + arena_format, no BPF), the keyspace and the command
 * table. Each test then makes fake clients with conn_fake_new() and runs inline command lines:
 * fc_run() dispatches one in conn.c's order of checks and returns the reply; a test that wants
 * another slice of those checks builds its own from fc_split() (parse a line into c->argv),
 * fc_take_reply() (move the reply bytes out of c->out) and fc_release() (free the arguments).
 *
 * Ownership: the reply buffer is one static buffer per test executable, valid until the next
 * fc_take_reply(); the arguments fc_split() allocates belong to the caller until fc_release().
 * Single-threaded use only. Static inline so that every test links exactly what it uses.
 */
#ifndef ARENAKV_TESTS_FAKE_CLIENT_H
#define ARENAKV_TESTS_FAKE_CLIENT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena_mem.h"
#include "commands.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "multi.h"
#include "reply.h"
#include "resp.h"
#include "server.h"

/* Arena size for every command test: large enough for the biggest test (test_db's full arena). */
#ifndef FC_ARENA_BYTES
#define FC_ARENA_BYTES (64ULL << 20)
#endif

/*
 * Default config, anonymous arena, keyspace and command table. Returns 0, or a negative errno
 * after printing why; the caller exits 1. Settings a test needs different from the defaults are
 * changed after this call.
 */
static inline int fc_setup(void)
{
	int err;

	config_init_defaults();
	err = arena_map_anon();
	if (!err)
		err = arena_format(FC_ARENA_BYTES);
	if (err) {
		fprintf(stderr, "arena: %s\n", strerror(-err));
		return err;
	}
	if (db_init() || commands_init()) {
		fprintf(stderr, "init failed\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * Split one inline command line (redis-cli quoting) into c->argc/c->argv. Exits the test on a
 * line that does not parse: that is a bug in the test, not a result. *scratch receives the
 * buffer the arguments point into; both go back with fc_release().
 */
static inline void fc_split(struct client *c, const char *line, char **scratch)
{
	struct arg *argv = NULL;
	int cap = 0, argc = 0;

	*scratch = malloc(strlen(line) + 1);
	if (!*scratch || resp_split_args(line, strlen(line), *scratch, &argv, &cap, &argc) ||
	    argc < 1) {
		fprintf(stderr, "cannot split: %s\n", line);
		exit(1);
	}
	c->argc = argc;
	c->argv = argv;
}

/* Free what fc_split() allocated and leave the client with no current command. */
static inline void fc_release(struct client *c, char *scratch)
{
	free(c->argv);
	free(scratch);
	c->argv = NULL;
	c->argc = 0;
	c->cmd = NULL;
}

/* Move all pending reply bytes out of c->out; returns them NUL-terminated (static buffer). */
static inline const char *fc_take_reply(struct client *c)
{
	static char *out;
	static size_t outcap;
	size_t n = obuf_pending(&c->out);

	if (n + 1 > outcap) {
		char *p = realloc(out, n + 1);

		if (!p)
			exit(1);
		out = p;
		outcap = n + 1;
	}
	obuf_copy(&c->out, out, n);
	out[n] = '\0';
	obuf_consume(&c->out, n);
	return out;
}

/*
 * Run one inline command line the way conn.c dispatches it: an unknown command, a wrong arity or
 * a missing AUTH is rejected and flags an open MULTI; otherwise the command is queued (inside
 * MULTI) or called; then conn.c's after-command step for CLIENT REPLY SKIP. Returns the reply
 * bytes (fc_take_reply()'s buffer, valid until the next call).
 */
static inline const char *fc_run(struct client *c, const char *line)
{
	const char *reply;
	char *scratch;

	fc_split(c, line, &scratch);
	c->cmd = command_lookup(c->argv[0].ptr, c->argv[0].len);
	if (!c->cmd) {
		multi_flag_transaction(c);
		reply_unknown_command(c);
	} else if ((c->cmd->arity > 0 && c->argc != c->cmd->arity) ||
		   (c->cmd->arity < 0 && c->argc < -c->cmd->arity)) {
		multi_flag_transaction(c);
		reply_wrong_arity(c, c->cmd->name);
	} else if (srv.requirepass && srv.requirepass[0] && !(c->flags & CLIENT_AUTHENTICATED) &&
		   !(c->cmd->flags & CMD_NO_AUTH)) {
		multi_flag_transaction(c);
		reply_error(c, ERR_NOAUTH);
	} else if (!multi_queue_if_needed(c)) {
		conn_call(c);
	}
	c->flags &= ~CLIENT_REPLY_SKIP;
	if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
		c->flags |= CLIENT_REPLY_SKIP;
		c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
	}
	reply = fc_take_reply(c);
	fc_release(c, scratch);
	return reply;
}

/* Print a reply with CR and LF made visible, for failure messages. */
static inline void fc_print_escaped(const char *s)
{
	for (; *s; s++)
		fprintf(stderr, *s == '\r' ? "\\r" : *s == '\n' ? "\\n" : "%c", *s);
}

/* The body of a failed reply comparison: "  want: ...\n  got:  ...\n" on stderr. */
static inline void fc_print_mismatch(const char *want, const char *got)
{
	fprintf(stderr, "  want: ");
	fc_print_escaped(want);
	fprintf(stderr, "\n  got:  ");
	fc_print_escaped(got);
	fprintf(stderr, "\n");
}

#endif /* ARENAKV_TESTS_FAKE_CLIENT_H */
