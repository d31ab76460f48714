// SPDX-License-Identifier: BSD-2-Clause
/*
 * multi.c - MULTI/EXEC/DISCARD transactions and WATCH/UNWATCH, with Redis 7 semantics.
 *
 * Transactions
 * ------------
 * MULTI sets CLIENT_MULTI. From then on dispatch (conn.c) hands every command that passed its
 * checks to multi_queue_if_needed(), which copies the arguments into c->mq and replies +QUEUED.
 * The arguments must be copied: they point into the query buffer, which is reused as soon as the
 * command returns. Each queued command is ONE allocation: the struct arg array followed by the
 * argument bytes (each NUL-terminated, so command code that treats an argument as a C string
 * keeps working), so freeing the queue is one free() per command.
 *
 * Commands flagged CMD_NO_MULTI (MULTI EXEC DISCARD WATCH QUIT RESET) run at once even inside a
 * transaction, as in Redis's processCommand(). A command rejected while queueing (unknown,
 * wrong arity, bad subcommand, -OOM, NOAUTH) sets CLIENT_DIRTY_EXEC: EXEC then replies
 * -EXECABORT and discards everything. Once the transaction is known to fail we stop copying
 * arguments (Redis does the same), but still reply +QUEUED.
 *
 * EXEC runs the queue with conn_call(), one command after the other, inside one event-loop turn:
 * nothing else runs in between, which is all the atomicity Redis promises. Errors of individual
 * commands are ordinary replies inside the EXEC array; there is no rollback.
 *
 * WATCH
 * -----
 * WATCH is a compare-and-set on "has any of these keys changed since I watched it". Two views
 * of the same set of links are kept (as Redis's db->watched_keys plus c->watched_keys):
 *
 *   multi_wkey     one per distinct (db, key) watched by anybody, in a user-space chained hash
 *                  table keyed by XXH64(key) mixed with db; it heads the list of its watchers.
 *   watched_key    one per (client, watched key): a node both on the client's singly linked list
 *                  (c->watched) and on the key's doubly linked watcher list.
 *
 * A touch (db.c calling multi_touch_key after a change) is therefore: one compare while nobody
 * watches anything (wk_count == 0), else one hash lookup, then every watcher of that one key is
 * flagged CLIENT_DIRTY_CAS and, as in Redis 7, unwatches everything at once (EXEC will fail
 * anyway, so its watches only cost memory and time on later touches).
 *
 * Expiry follows Redis 7.0 exactly:
 *  - a key that is logically expired (deadline passed, not yet deleted) when WATCHed is
 *    remembered as "expired"; its later deletion by lazy/active expiry is no logical change and
 *    does not dirty the client (the key did not exist then and does not exist now);
 *  - at EXEC, a watched key that was alive at WATCH time and is now logically expired but not
 *    yet deleted fails the transaction (Redis's isWatchedKeyExpired()).
 * FLUSHDB/FLUSHALL/SWAPDB (multi_touch_db/multi_touch_swapdb, called BEFORE the change) dirty the
 * watchers of keys that exist in the emptied db (or in the db swapped in), nothing else: watching
 * a missing key and flushing leaves the transaction valid, as in Redis.
 *
 * Invariants
 *  - c->watched_count == length of c->watched; wk_count == number of multi_wkey in the table;
 *    a multi_wkey exists iff its watcher list is non-empty.
 *  - A client never watches the same (db, key) twice.
 *  - Loop thread only. The hooks only read the keyspace (DB_LOOKUP_NOEXPIRE never deletes) and
 *    only set flags on clients, so db.c may call them from anywhere inside its own functions.
 *  - Table growth rehashes all watched keys at once: that is bounded by the number of keys
 *    clients have WATCHed (they sent every one of them as an argument), not by the keyspace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "commands.h"
#include "db.h"
#include "errors.h"
#include "htab.h"
#include "multi.h"
#include "reply.h"
#include "server.h"

/* ---- the watched-keys table -------------------------------------------------------------- */

struct multi_wkey {
	struct multi_wkey *hnext;	/* bucket chain */
	__u64 hash;
	struct watched_key *watchers;	/* doubly linked through wprev/wnext, never empty */
	int db;
	size_t klen;
	char key[];
};

/* struct watched_key is the opaque type server.h names for c->watched. */
struct watched_key {
	struct client *c;
	struct multi_wkey *wk;
	struct watched_key *cnext;		/* next key watched by the same client */
	struct watched_key *wprev, *wnext;	/* other watchers of the same key */
	int expired;				/* key was logically expired when WATCHed */
};

#define MULTI_WATCH_MIN_BUCKETS 64

static struct {
	struct multi_wkey **buckets;
	size_t nbuckets;	/* power of two, 0 before the first WATCH */
	size_t wk_count;	/* distinct watched keys */
} mt;

static __u64 multi_key_hash(int db, const void *key, size_t klen)
{
	/* XXH64 of the key (the index's hash), then the db mixed in so db0:k and db1:k spread. */
	__u64 h = htab_hash(key, (__u32)klen);

	return h ^ ((__u64)(db + 1) * 0x9E3779B97F4A7C15ULL);
}

static struct multi_wkey *multi_wkey_find(int db, const void *key, size_t klen, __u64 h)
{
	struct multi_wkey *wk;

	if (!mt.nbuckets)
		return NULL;
	for (wk = mt.buckets[h & (mt.nbuckets - 1)]; wk; wk = wk->hnext)
		if (wk->hash == h && wk->db == db && wk->klen == klen &&
		    !memcmp(wk->key, key, klen))
			return wk;
	return NULL;
}

/* Grow to keep chains short (load factor <= 1). 0 or -ENOMEM (table unchanged). */
static int multi_table_grow(void)
{
	size_t n = mt.nbuckets ? mt.nbuckets * 2 : MULTI_WATCH_MIN_BUCKETS;
	struct multi_wkey **nb = calloc(n, sizeof(*nb));
	size_t i;

	if (!nb)
		return -ENOMEM;
	for (i = 0; i < mt.nbuckets; i++) {
		struct multi_wkey *wk = mt.buckets[i], *next;

		for (; wk; wk = next) {
			next = wk->hnext;
			wk->hnext = nb[wk->hash & (n - 1)];
			nb[wk->hash & (n - 1)] = wk;
		}
	}
	free(mt.buckets);
	mt.buckets = nb;
	mt.nbuckets = n;
	return 0;
}

static void multi_wkey_remove(struct multi_wkey *wk)
{
	struct multi_wkey **pp = &mt.buckets[wk->hash & (mt.nbuckets - 1)];

	while (*pp != wk)
		pp = &(*pp)->hnext;
	*pp = wk->hnext;
	mt.wk_count--;
	free(wk);
	if (mt.wk_count == 0) {
		/* Nobody watches: give the bucket array back (WATCH is rare on most servers). */
		free(mt.buckets);
		mt.buckets = NULL;
		mt.nbuckets = 0;
	}
}

/* Raw presence: the entry even if its deadline passed (Redis's dictFind on db->dict). */
static struct kv_entry *multi_lookup_raw(int db, const void *key, size_t klen)
{
	return db_lookup(db, key, klen, DB_LOOKUP_NOTOUCH | DB_LOOKUP_NOSTATS | DB_LOOKUP_NOEXPIRE);
}

static int multi_key_logically_expired(int db, const void *key, size_t klen)
{
	struct kv_entry *e = multi_lookup_raw(db, key, klen);

	return e && db_entry_expired(e, clock_mono_ns());
}

/* Add (c, db, key) unless c already watches it. 0 or -ENOMEM. */
static int multi_watch_key(struct client *c, int db, const void *key, size_t klen)
{
	__u64 h = multi_key_hash(db, key, klen);
	struct multi_wkey *wk = multi_wkey_find(db, key, klen, h);
	struct watched_key *w;

	if (wk) {
		for (w = wk->watchers; w; w = w->wnext)
			if (w->c == c)
				return 0; /* already watched */
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	if (!wk) {
		if (mt.wk_count >= mt.nbuckets && multi_table_grow() < 0) {
			free(w);
			return -ENOMEM;
		}
		wk = malloc(sizeof(*wk) + klen + 1);
		if (!wk) {
			free(w);
			return -ENOMEM;
		}
		wk->hash = h;
		wk->db = db;
		wk->klen = klen;
		memcpy(wk->key, key, klen);
		wk->key[klen] = '\0';
		wk->watchers = NULL;
		wk->hnext = mt.buckets[h & (mt.nbuckets - 1)];
		mt.buckets[h & (mt.nbuckets - 1)] = wk;
		mt.wk_count++;
	}
	w->c = c;
	w->wk = wk;
	w->expired = multi_key_logically_expired(db, key, klen);
	w->wprev = NULL;
	w->wnext = wk->watchers;
	if (wk->watchers)
		wk->watchers->wprev = w;
	wk->watchers = w;
	w->cnext = c->watched;
	c->watched = w;
	c->watched_count++;
	return 0;
}

/* Redis's unwatchAllKeys(): drop every WATCH of c. Flags are the caller's business. */
static void multi_unwatch_all(struct client *c)
{
	struct watched_key *w = c->watched, *next;

	for (; w; w = next) {
		struct multi_wkey *wk = w->wk;

		next = w->cnext;
		if (w->wprev)
			w->wprev->wnext = w->wnext;
		else
			wk->watchers = w->wnext;
		if (w->wnext)
			w->wnext->wprev = w->wprev;
		if (!wk->watchers)
			multi_wkey_remove(wk);
		free(w);
	}
	c->watched = NULL;
	c->watched_count = 0;
}

/* The watched key changed under c: EXEC must fail. Its other watches are useless now. */
static void multi_dirty_client(struct client *c)
{
	c->flags |= CLIENT_DIRTY_CAS;
	multi_unwatch_all(c);
}

size_t multi_watched_keys(void)
{
	return mt.wk_count;
}

void multi_touch_key(int db, const void *key, size_t klen)
{
	struct multi_wkey *wk;
	struct watched_key *w, *next;
	int exists = -1; /* computed on first need */
	__u64 h;

	if (mt.wk_count == 0)
		return;
	h = multi_key_hash(db, key, klen);
	wk = multi_wkey_find(db, key, klen, h);
	if (!wk)
		return;
	/*
	 * Dirtying a client unwatches all its keys, which can free wk when it was the last
	 * watcher. `next` is another client's node (a client watches a key once), so it survives;
	 * wk is not touched after the last node was handled.
	 */
	for (w = wk->watchers; w; w = next) {
		next = w->wnext;
		if (w->expired) {
			if (exists < 0)
				exists = multi_lookup_raw(db, key, klen) != NULL;
			if (!exists) {
				/* An expired key got deleted: it was missing and still is. */
				w->expired = 0;
				continue;
			}
		}
		multi_dirty_client(w->c);
	}
}

/*
 * Redis's touchAllWatchedKeysInDb(emptied, replaced_with): db `emptied` is about to lose its
 * contents and, for SWAPDB, receive those of `with` (-1 for a flush). Clients are only flagged
 * during the scan and unwatched afterwards: unwatching frees table nodes we are iterating over.
 */
static void multi_touch_emptied(int emptied, int with)
{
	struct client **dirty = NULL;
	size_t ndirty = 0, cap = 0, i;
	__u64 now = clock_mono_ns();

	if (mt.wk_count == 0)
		return;
	for (i = 0; i < mt.nbuckets; i++) {
		struct multi_wkey *wk;

		for (wk = mt.buckets[i]; wk; wk = wk->hnext) {
			struct kv_entry *in_with = NULL;
			struct watched_key *w;
			int in_emptied;

			if (wk->db != emptied)
				continue;
			in_emptied = multi_lookup_raw(emptied, wk->key, wk->klen) != NULL;
			if (with >= 0)
				in_with = multi_lookup_raw(with, wk->key, wk->klen);
			if (!in_emptied && !in_with)
				continue;
			for (w = wk->watchers; w; w = w->wnext) {
				if (w->c->flags & CLIENT_DIRTY_CAS)
					continue;
				if (w->expired) {
					if (!in_with) {
						/* Expired key deleted by the flush: no change. */
						w->expired = 0;
						continue;
					}
					if (db_entry_expired(in_with, now))
						continue; /* expired, and still expired */
				} else if (!in_emptied && db_entry_expired(in_with, now)) {
					/* Missing key replaced by an expired one: still missing. */
					w->expired = 1;
					continue;
				}
				w->c->flags |= CLIENT_DIRTY_CAS;
				if (ndirty == cap) {
					size_t ncap = cap ? cap * 2 : 16;
					struct client **nd = realloc(dirty, ncap * sizeof(*nd));

					if (!nd)
						continue; /* flagged; its watches live until EXEC */
					dirty = nd;
					cap = ncap;
				}
				dirty[ndirty++] = w->c;
			}
		}
	}
	for (i = 0; i < ndirty; i++)
		multi_unwatch_all(dirty[i]);
	free(dirty);
}

void multi_touch_db(int db)
{
	multi_touch_emptied(db, -1);
}

void multi_touch_swapdb(int a, int b)
{
	multi_touch_emptied(a, b);
	multi_touch_emptied(b, a);
}

/* Redis's isWatchedKeyExpired(): a key alive at WATCH time has expired since (not deleted yet). */
static int multi_watched_key_expired(struct client *c)
{
	struct watched_key *w;

	for (w = c->watched; w; w = w->cnext) {
		if (w->expired)
			continue;
		if (multi_key_logically_expired(w->wk->db, w->wk->key, w->wk->klen))
			return 1;
	}
	return 0;
}

/* ---- the queue ---------------------------------------------------------------------------- */

static void multi_free_queue(struct client *c)
{
	int i;

	for (i = 0; i < c->mq_count; i++)
		free(c->mq[i].argv); /* argv array and bytes are one block */
	free(c->mq);
	c->mq = NULL;
	c->mq_count = 0;
	c->mq_cap = 0;
}

/* Redis's discardTransaction(). */
static void multi_discard(struct client *c)
{
	multi_free_queue(c);
	c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
	multi_unwatch_all(c);
}

void multi_flag_transaction(struct client *c)
{
	if (c->flags & CLIENT_MULTI)
		c->flags |= CLIENT_DIRTY_EXEC;
}

__u32 multi_queued_flags(const struct client *c)
{
	__u32 f = 0;
	int i;

	for (i = 0; i < c->mq_count; i++)
		f |= c->mq[i].cmd->flags;
	return f;
}

size_t multi_queued_bytes(const struct client *c)
{
	size_t n = 0;
	int i, j;

	for (i = 0; i < c->mq_count; i++) {
		n += sizeof(struct multi_cmd) + c->mq[i].argc * sizeof(struct arg);
		for (j = 0; j < c->mq[i].argc; j++)
			n += c->mq[i].argv[j].len + 1;
	}
	return n;
}

/* Copy c->cmd/argv to the end of the queue. 0 or -ENOMEM. */
static int multi_queue_command(struct client *c)
{
	struct multi_cmd *mc;
	size_t bytes = (size_t)c->argc * sizeof(struct arg);
	struct arg *argv;
	char *p;
	int i;

	for (i = 0; i < c->argc; i++)
		bytes += c->argv[i].len + 1;
	if (c->mq_count == c->mq_cap) {
		int ncap = c->mq_cap ? c->mq_cap * 2 : 8;
		struct multi_cmd *nq = realloc(c->mq, (size_t)ncap * sizeof(*nq));

		if (!nq)
			return -ENOMEM;
		c->mq = nq;
		c->mq_cap = ncap;
	}
	argv = malloc(bytes);
	if (!argv)
		return -ENOMEM;
	p = (char *)(argv + c->argc);
	for (i = 0; i < c->argc; i++) {
		memcpy(p, c->argv[i].ptr, c->argv[i].len);
		p[c->argv[i].len] = '\0';
		argv[i].ptr = p;
		argv[i].len = c->argv[i].len;
		p += c->argv[i].len + 1;
	}
	mc = &c->mq[c->mq_count++];
	mc->cmd = c->cmd;
	mc->argc = c->argc;
	mc->argv = argv;
	return 0;
}

int multi_queue_if_needed(struct client *c)
{
	if (!(c->flags & CLIENT_MULTI) || (c->cmd->flags & CMD_NO_MULTI))
		return 0;
	if (server_subcommand_check(c) < 0) {
		/* The error is replied; Redis rejects this in processCommand() and flags MULTI. */
		multi_flag_transaction(c);
		return 1;
	}
	/* No sense wasting memory on a transaction that will fail anyway (as Redis). */
	if (!(c->flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC)) && multi_queue_command(c) < 0) {
		multi_flag_transaction(c);
		reply_error(c, "ERR out of memory while queueing the command");
		return 1;
	}
	reply_simple(c, "QUEUED");
	return 1;
}

void multi_client_free(struct client *c)
{
	multi_free_queue(c);
	multi_unwatch_all(c);
	c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
}

/* ---- commands ----------------------------------------------------------------------------- */

static void cmd_multi(struct client *c)
{
	if (c->flags & CLIENT_MULTI) {
		reply_error(c, ERR_MULTI_NESTED);
		return;
	}
	c->flags |= CLIENT_MULTI;
	reply_ok(c);
}

static void cmd_discard(struct client *c)
{
	if (!(c->flags & CLIENT_MULTI)) {
		reply_error(c, ERR_DISCARD_NO_MULTI);
		return;
	}
	multi_discard(c);
	reply_ok(c);
}

static void cmd_exec(struct client *c)
{
	const struct command *orig_cmd = c->cmd;
	struct arg *orig_argv = c->argv;
	int orig_argc = c->argc;
	struct multi_cmd *q;
	int n, i;

	if (!(c->flags & CLIENT_MULTI)) {
		reply_error(c, ERR_EXEC_NO_MULTI);
		return;
	}
	if (c->flags & CLIENT_DIRTY_EXEC) {
		reply_error(c, ERR_EXECABORT);
		multi_discard(c);
		return;
	}
	if ((c->flags & CLIENT_DIRTY_CAS) || multi_watched_key_expired(c)) {
		reply_null_array(c);
		multi_discard(c);
		return;
	}

	/*
	 * Take the queue off the client before running it: a queued command may touch keys
	 * (harmless, we unwatch first) or, through RESET-like paths, clear client state; the
	 * queue we iterate must stay ours. CLIENT_MULTI stays set while the commands run, as in
	 * Redis, and CLIENT_IN_EXEC tells dispatch helpers where they are.
	 */
	multi_unwatch_all(c);
	q = c->mq;
	n = c->mq_count;
	c->mq = NULL;
	c->mq_count = 0;
	c->mq_cap = 0;

	c->flags |= CLIENT_IN_EXEC;
	reply_array(c, n);
	for (i = 0; i < n; i++) {
		c->cmd = q[i].cmd;
		c->argc = q[i].argc;
		c->argv = q[i].argv;
		conn_call(c);
	}
	c->flags &= ~(CLIENT_IN_EXEC | CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
	c->cmd = orig_cmd;
	c->argv = orig_argv;
	c->argc = orig_argc;
	for (i = 0; i < n; i++)
		free(q[i].argv);
	free(q);
}

static void cmd_watch(struct client *c)
{
	int i;

	if (c->flags & CLIENT_MULTI) {
		reply_error(c, ERR_WATCH_IN_MULTI);
		return;
	}
	/* No point in watching if the client is already dirty (Redis 7). */
	if (!(c->flags & CLIENT_DIRTY_CAS)) {
		for (i = 1; i < c->argc; i++) {
			if (multi_watch_key(c, c->db, c->argv[i].ptr, c->argv[i].len) < 0) {
				reply_error(c, "ERR out of memory while watching keys");
				return;
			}
		}
	}
	reply_ok(c);
}

static void cmd_unwatch(struct client *c)
{
	multi_unwatch_all(c);
	c->flags &= ~CLIENT_DIRTY_CAS;
	reply_ok(c);
}

#define MULTI_CMD_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

const struct command multi_commands[] = {
	{ "multi", cmd_multi, 1, MULTI_CMD_FLAGS | CMD_FAST | CMD_ALLOW_BUSY | CMD_NO_MULTI,
	  0, 0, 0, "transactions", "Mark the start of a transaction block", "1.2.0" },
	{ "exec", cmd_exec, 1, MULTI_CMD_FLAGS | CMD_SKIP_SLOWLOG | CMD_NO_MULTI,
	  0, 0, 0, "transactions", "Execute all commands issued after MULTI", "1.2.0" },
	{ "discard", cmd_discard, 1, MULTI_CMD_FLAGS | CMD_FAST | CMD_ALLOW_BUSY | CMD_NO_MULTI,
	  0, 0, 0, "transactions", "Discard all commands issued after MULTI", "2.0.0" },
	{ "watch", cmd_watch, -2, MULTI_CMD_FLAGS | CMD_FAST | CMD_ALLOW_BUSY | CMD_NO_MULTI,
	  1, -1, 1, "transactions",
	  "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0" },
	{ "unwatch", cmd_unwatch, 1, MULTI_CMD_FLAGS | CMD_FAST | CMD_ALLOW_BUSY,
	  0, 0, 0, "transactions", "Forget about all watched keys", "2.2.0" },
	{ NULL },
};
