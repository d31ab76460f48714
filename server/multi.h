/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * multi.h - transactions (MULTI EXEC DISCARD) and optimistic locking (WATCH UNWATCH), with
 * Redis 7 semantics. Owner: admin.
 *
 * Who calls what:
 *  - conn.c (dispatch) calls multi_queue_if_needed() once a command passed the lookup, arity,
 *    AUTH and maxmemory checks; when it returns 1 the command was answered (+QUEUED, or an error
 *    that aborts the transaction) and must not be called. When dispatch itself rejects a command
 *    while CLIENT_MULTI is set it sets CLIENT_DIRTY_EXEC (multi_flag_transaction() does that).
 *  - conn.c calls multi_client_free() when a client is closed.
 *  - db.c calls multi_touch_key() AFTER every change of a key (write, delete, expiry deletion,
 *    eviction, both sides of RENAME/MOVE/COPY), multi_touch_db() BEFORE a database is emptied and
 *    multi_touch_swapdb() BEFORE two databases are swapped.
 *
 * Invariants a caller may rely on:
 *  - Every touch hook costs one load and one compare while no client WATCHes anything, and an
 *    O(1) hash lookup (plus the watchers of that key) otherwise.
 *  - The hooks never reply, never free a client, never call back into db.c modifying functions;
 *    they only read the keyspace (db_lookup with DB_LOOKUP_NOEXPIRE, no deletion) and set
 *    CLIENT_DIRTY_CAS on clients.
 *  - Loop thread only, like everything in server/.
 */
#ifndef ARENAKV_MULTI_H
#define ARENAKV_MULTI_H

#include <stddef.h>

#include "server.h"

/* MULTI EXEC DISCARD WATCH UNWATCH, for the command table (server/commands.c). */
extern const struct command multi_commands[];

/*
 * If c is inside MULTI and c->cmd is not one of the commands executed at once (CMD_NO_MULTI),
 * copy c->argv into the client's queue and reply +QUEUED, or reply the error Redis gives for an
 * invalid subcommand of a container command (and flag the transaction). Returns 1 when the
 * command was answered here, 0 when the caller must execute it now.
 */
int multi_queue_if_needed(struct client *c);

/* Redis's flagTransaction(): an error while queueing makes the next EXEC fail with EXECABORT. */
void multi_flag_transaction(struct client *c);

/* OR of the CMD_* flags of the queued commands (EXEC is subject to maxmemory if any is DENYOOM). */
__u32 multi_queued_flags(const struct client *c);

/* Bytes held by the queued commands (CLIENT LIST multi-mem=). */
size_t multi_queued_bytes(const struct client *c);

/* Release the queue and every WATCH of a client that is being closed. */
void multi_client_free(struct client *c);

/* WATCH invalidation hooks, see the top comment for when db.c calls them. */
void multi_touch_key(int db, const void *key, size_t klen);
void multi_touch_db(int db);
void multi_touch_swapdb(int a, int b);

/* Number of distinct (db, key) pairs watched by at least one client (tests, INFO). */
size_t multi_watched_keys(void);

/*
 * Provided by t_server.c (the container commands CONFIG CLIENT COMMAND MEMORY live there): if
 * c->cmd is a container command whose subcommand is unknown or has the wrong number of
 * arguments, reply Redis's error and return -EINVAL; otherwise 0. Redis rejects those before
 * queueing, so a MULTI with such a command ends in EXECABORT.
 */
int server_subcommand_check(struct client *c);

#endif /* ARENAKV_MULTI_H */
