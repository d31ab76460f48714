/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * server.h - CONTRACT draft between the server core (loop, connections, dispatch), the RESP
 * layer and the command modules. Owners may extend; names below are fixed.
 *
 * One thread owns everything here: the event loop thread executes every command to completion,
 * so command code needs no locks. Command functions never block and never do I/O: they append
 * replies to the client's output buffer through the reply_* functions (server/reply.c).
 *
 * --- arguments ---
 *   struct arg { const char *ptr; size_t len; }   c->argv[0..c->argc-1]; argv[0] is the command
 *   name. The bytes stay valid until the command returns (they may point into the query buffer).
 *
 * --- replies (server/reply.h, owned by the RESP helper; RESP2 or RESP3 by c->resp) ---
 *   void reply_simple(struct client *c, const char *s);        +s
 *   void reply_ok(struct client *c);                            +OK
 *   void reply_error(struct client *c, const char *msg);        -msg   (msg = "ERR ..." /
 *                                                                "WRONGTYPE ..." etc., no CRLF)
 *   void reply_errorf(struct client *c, const char *fmt, ...);
 *   void reply_int(struct client *c, long long v);              :v
 *   void reply_bulk(struct client *c, const void *p, size_t n); $n
 *   void reply_cstr(struct client *c, const char *s);           bulk of a C string
 *   void reply_null(struct client *c);                          $-1 / _
 *   void reply_null_array(struct client *c);                    *-1 / _
 *   void reply_array(struct client *c, long n);                 *n
 *   void reply_map(struct client *c, long n);                   *2n / %n
 *   void reply_set(struct client *c, long n);                   *n / ~n
 *   void reply_double(struct client *c, double d);              bulk (RESP2) / , (RESP3), Redis fmt
 *   void reply_bool(struct client *c, int b);                   :0/:1 / #t #f
 *   void reply_verbatim(struct client *c, const char *p, size_t n, const char *ext); (INFO etc.)
 *   void *reply_deferred_len(struct client *c);  + reply_set_deferred_array(c, node, n)
 *   Shared error strings: server/errors.h (ERR_WRONGTYPE, ERR_SYNTAX, ERR_NOT_INT, ...).
 *
 * --- commands (server/commands.c table; each module exports its functions) ---
 *   typedef void cmd_fn(struct client *c);
 *   struct command { const char *name; cmd_fn *fn; int arity; __u32 flags;
 *                    int first_key, last_key, key_step; const char *group, *summary, *since; };
 *   arity: >0 exact, <0 at least -arity (Redis convention). flags: CMD_WRITE, CMD_READONLY,
 *   CMD_DENYOOM, CMD_FAST, CMD_NOSCRIPT, CMD_LOADING, CMD_STALE, CMD_ADMIN, CMD_PUBSUB,
 *   CMD_NO_AUTH, CMD_NO_MULTI (allowed-in-MULTI rules), CMD_MAY_REPLICATE.
 *
 * --- keyspace (server/db.h, owned by the data-commands helper) ---
 *   struct kv_entry *db_lookup_read(struct client *c, const struct arg *key);   lazy-expires
 *   struct kv_entry *db_lookup_write(struct client *c, const struct arg *key);
 *   int  db_set_string(...), db_delete(...), db_signal_modified(c->db, key) (for WATCH) ...
 */
#ifndef ARENAKV_SERVER_H
#define ARENAKV_SERVER_H
#endif
