/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmddocs.h - what t_server.c (the container commands) and cmddocs.c (the COMMAND command:
 * COMMAND, COUNT, INFO, DOCS, LIST, GETKEYS) share. Owner: admin.
 *
 * Redis 7 has "container" commands (CONFIG, CLIENT, COMMAND, MEMORY) whose subcommands are
 * commands of their own ("config|get": own arity, flags, docs). arenakv's command table
 * (commands.c) holds top-level names only, so the subcommands are described here, in one
 * NULL-terminated struct srv_subcmd array per container; t_server.c dispatches through them and
 * cmddocs.c reports them in COMMAND INFO/DOCS/LIST.
 *
 * Invariants: the tables are static const data, built at compile time; the pointers returned
 * by srv_container_of() and srv_subcmd_find() live for the whole process. Loop thread only.
 */
#ifndef ARENAKV_CMDDOCS_H
#define ARENAKV_CMDDOCS_H

#include "server.h"

struct srv_subcmd {
	const char *name;	/* lower case, without the container: "get" */
	cmd_fn *fn;
	int arity;		/* Redis convention, argv[0] and the subcommand included */
	__u32 flags;		/* CMD_* */
	const char *summary;	/* COMMAND DOCS */
	const char *since;
};

struct srv_container {
	const char *name;		/* "config" */
	cmd_fn *fn;			/* the struct command's fn, identifies the container */
	const struct srv_subcmd *subs;	/* NULL-name terminated */
};

/* t_server.c: the container whose top-level function is fn, or NULL for ordinary commands. */
const struct srv_container *srv_container_of(cmd_fn *fn);
/* t_server.c: case-insensitive subcommand lookup, NULL when unknown. */
const struct srv_subcmd *srv_subcmd_find(const struct srv_container *ct, const struct arg *a);
/* Redis's arity rule: >0 exact, <0 at least -arity. 1 = ok. */
static inline int srv_arity_ok(int arity, int argc)
{
	return arity > 0 ? argc == arity : argc >= -arity;
}

/* Lower-cased copy of s[0..n) into dst (NUL-terminated, truncated to cap - 1 bytes). */
static inline void srv_lower_copy(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;

	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	dst[n] = '\0';
}

/* cmddocs.c: the COMMAND subcommands, and COMMAND with no subcommand (every command's info). */
extern const struct srv_subcmd cmddocs_subs[];
void cmddocs_all(struct client *c);
/* cmddocs.c: 0 when every argument-docs line of the table parses, else -EINVAL (for tests). */
int cmddocs_check_specs(void);

#endif /* ARENAKV_CMDDOCS_H */
