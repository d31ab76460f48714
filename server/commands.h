/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * commands.h - the command table: per-module command arrays and the lookup used by dispatch.
 *
 * Each command module exports one array of struct command (server/server.h) terminated by an
 * entry with name == NULL, and owns nothing else here. commands_init() (called once by main
 * before the first client) merges the arrays into one open-addressing hash table keyed by the
 * lower-cased name; after that the table is read-only, so command_lookup() and the iteration
 * functions may be called from anywhere on the loop thread and return pointers that stay valid
 * for the life of the process. A name defined twice is a programming error: commands_init()
 * reports it and fails with -EEXIST.
 */
#ifndef ARENAKV_COMMANDS_H
#define ARENAKV_COMMANDS_H

#include "server.h"

extern const struct command string_commands[];	 /* t_string.c  (data)  */
extern const struct command key_commands[];	 /* t_keys.c    (data)  */
extern const struct command server_commands[];	 /* t_server.c  (admin) */
extern const struct command multi_commands[];	 /* multi.c     (admin) */
extern const struct command arenakv_commands[];	 /* t_arenakv.c (bpf)   */
extern const struct command fastpath_commands[]; /* fastpath.c  (udp)   */
extern const struct command zset_commands[];	 /* t_zset.c    (zcmd)  */

/* Build the table. 0, -ENOMEM, or -EEXIST on a duplicate name. */
int commands_init(void);
/* Case-insensitive lookup of name[0..len); NULL when unknown. O(1). */
const struct command *command_lookup(const char *name, size_t len);
/* Iteration for COMMAND / COMMAND COUNT / COMMAND DOCS: commands 0..command_count()-1, in a
 * stable order (sorted by name). */
size_t command_count(void);
const struct command *command_at(size_t i);

/*
 * Per-command counters for INFO commandstats (Redis's cmdstat_* fields). conn.c bumps them:
 * calls and nsec (CLOCK_MONOTONIC time inside the command function) in conn_call(),
 * failed_calls when the call replied an error, rejected_calls when dispatch refused the command
 * (arity, AUTH, OOM, MULTI rules). CONFIG RESETSTAT zeroes them. Loop thread only.
 */
struct command_stat {
	__u64 calls;
	__u64 nsec;
	__u64 rejected_calls;
	__u64 failed_calls;
};

/* The counters of cmd (a pointer returned by command_lookup/command_at), NULL for others. */
struct command_stat *command_stat(const struct command *cmd);
void command_stats_reset(void);

#endif /* ARENAKV_COMMANDS_H */
