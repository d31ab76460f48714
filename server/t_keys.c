/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_keys.c - the generic keyspace commands with Redis 7.0 semantics and error texts:
 * DEL UNLINK EXISTS TOUCH TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX EXPIRE PEXPIRE EXPIREAT
 * PEXPIREAT TTL PTTL PERSIST EXPIRETIME PEXPIRETIME MOVE COPY SWAPDB OBJECT.
 *
 * Everything goes through db.h, so lazy expiry, WATCH signalling, the expires count and srv.dirty
 * are handled there; this file is argument parsing, Redis's order of checks, and replies.
 *
 * Time: the protocol speaks unix milliseconds, entries store CLOCK_MONOTONIC deadlines
 * (clock.h). EXPIRE & co compute the unix-ms deadline exactly like Redis (including its overflow
 * checks and NX/XX/GT/LT comparisons, done in unix ms against the key's current deadline
 * converted back), then convert once. TTL/PTTL convert the deadline back to unix ms and subtract
 * the unix time in whole ms, as Redis does, so PSETEX k 5000 then PTTL k answers 5000.
 *
 * RENAME builds an entry with the new key that shares the value blob (O(1)) and COPY a complete
 * copy; both link the new entry before the source is unlinked, so a failed allocation changes
 * nothing (-OOM) and a lock-free reader never finds the value missing from both names. MOVE
 * relinks the entry itself (O(1)).
 *
 * UNLINK is DEL: freeing is synchronous (there is no lazy-free thread; freeing an entry is one
 * slot or blob return to the arena allocator, so this costs little even for big values).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "errors.h"
#include "reply.h"
#include "server.h"
#include "util.h"

static int keys_db_count(void)
{
	int n = srv.databases;

	if (n <= 0 || n > SERVER_MAX_DATABASES)
		n = SERVER_MAX_DATABASES;
	return n;
}

static const char *keys_type_name(const struct kv_entry *e)
{
	switch (e->type) {
	case KV_STRING:
		return "string";
	case KV_ZSET:
		return "zset";
	default:
		return "none";
	}
}

static int keys_arg_eq(const struct arg *a, const struct arg *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* Redis's getIntFromObjectOrReply() followed by a database range check. */
static int keys_dbid_or_reply(struct client *c, const struct arg *a, const char *notint, int *dbid)
{
	long long v;

	if (string2ll(a->ptr, a->len, &v) || v < INT_MIN || v > INT_MAX) {
		reply_error(c, notint ? notint : ERR_NOT_INT);
		return -EINVAL;
	}
	if (v < 0 || v >= keys_db_count()) {
		reply_error(c, ERR_DB_INDEX);
		return -ERANGE;
	}
	*dbid = (int)v;
	return 0;
}

/* ---- DEL UNLINK EXISTS TYPE --------------------------------------------------------------------
 */

static void cmd_del(struct client *c)
{
	long long n = 0;
	int j;

	for (j = 1; j < c->argc; j++)
		n += db_delete(c->db, c->argv[j].ptr, c->argv[j].len);
	reply_int(c, n);
}

static void cmd_exists(struct client *c)
{
	long long n = 0;
	int j;

	/* Repeated keys count each time, as in Redis. */
	for (j = 1; j < c->argc; j++)
		if (db_lookup(c->db, c->argv[j].ptr, c->argv[j].len, DB_LOOKUP_NOTOUCH))
			n++;
	reply_int(c, n);
}

/* TOUCH: EXISTS that also refreshes the access clock (lookupKeyRead, stats counted). */
static void cmd_touch(struct client *c)
{
	long long n = 0;
	int j;

	for (j = 1; j < c->argc; j++)
		if (db_lookup(c->db, c->argv[j].ptr, c->argv[j].len, 0))
			n++;
	reply_int(c, n);
}

static void cmd_type(struct client *c)
{
	struct kv_entry *e = db_lookup(c->db, c->argv[1].ptr, c->argv[1].len, DB_LOOKUP_NOTOUCH);

	reply_simple(c, e ? keys_type_name(e) : "none");
}

/* ---- KEYS SCAN RANDOMKEY -----------------------------------------------------------------------
 */

struct keys_filter {
	struct client *c;
	const char *pat; /* NULL = every key */
	size_t patlen;
	const char *type; /* NULL = every type */
	size_t typelen;
	long n; /* keys replied */
};

static void keys_emit(struct kv_entry *e, void *arg)
{
	struct keys_filter *f = arg;

	if (f->pat && !stringmatchlen(f->pat, f->patlen, (const char *)kv_key(e), e->klen, 0))
		return;
	if (f->type && !strcaseeq(f->type, f->typelen, keys_type_name(e)))
		return;
	reply_bulk(f->c, (const void *)kv_key(e), e->klen);
	f->n++;
}

static void cmd_keys(struct client *c)
{
	struct keys_filter f = {.c = c};
	const struct arg *p = &c->argv[1];
	void *h;
	__u64 cursor = 0;

	if (!(p->len == 1 && p->ptr[0] == '*')) {
		f.pat = p->ptr;
		f.patlen = p->len;
	}
	h = reply_deferred_len(c);
	do {
		/* Expired keys are skipped, not deleted: deleting may step a rehash, and a
		 * moved entry could be reported twice (Redis's KEYS does not delete either). */
		cursor = db_scan(c->db, cursor, 1024, DB_SCAN_KEEP_EXPIRED, keys_emit, &f);
	} while (cursor);
	reply_set_deferred_array(c, h, f.n);
}

/*
 * Redis parses the SCAN cursor with strtoul(): a leading sign or an empty string is accepted
 * (an empty string is cursor 0, "-1" wraps), a leading space, trailing bytes or overflow are not.
 */
static int keys_cursor_or_reply(struct client *c, const struct arg *a, __u64 *cursor)
{
	char small[64], *buf = small, *end;
	unsigned long v;
	int bad;

	if (a->len >= sizeof(small)) {
		buf = malloc(a->len + 1);
		if (!buf) {
			reply_error(c, ERR_OOM);
			return -ENOMEM;
		}
	}
	memcpy(buf, a->ptr, a->len);
	buf[a->len] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	bad = isspace((unsigned char)buf[0]) || *end != '\0' || errno == ERANGE;
	if (buf != small)
		free(buf);
	if (bad) {
		reply_error(c, ERR_INVALID_CURSOR);
		return -EINVAL;
	}
	*cursor = v;
	return 0;
}

/* SCAN needs the next cursor on the wire before the keys, and the cursor is known only after
 * the walk: matching keys are copied into this list first (at most COUNT * 10 buckets' worth). */
struct keys_list {
	struct keys_filter *f;
	char *buf; /* key bytes, back to back */
	size_t used, cap;
	size_t *len; /* length of each key */
	size_t n, ncap;
	int oom;
};

static void keys_collect(struct kv_entry *e, void *arg)
{
	struct keys_list *l = arg;
	struct keys_filter *f = l->f;

	if (l->oom)
		return;
	if (f->pat && !stringmatchlen(f->pat, f->patlen, (const char *)kv_key(e), e->klen, 0))
		return;
	if (f->type && !strcaseeq(f->type, f->typelen, keys_type_name(e)))
		return;
	if (l->used + e->klen > l->cap) {
		size_t cap = (l->cap ? l->cap * 2 : 1024) + e->klen;
		char *nb = realloc(l->buf, cap);

		if (!nb) {
			l->oom = 1;
			return;
		}
		l->buf = nb;
		l->cap = cap;
	}
	if (l->n == l->ncap) {
		size_t ncap = l->ncap ? l->ncap * 2 : 32;
		size_t *nl = realloc(l->len, ncap * sizeof(*nl));

		if (!nl) {
			l->oom = 1;
			return;
		}
		l->len = nl;
		l->ncap = ncap;
	}
	memcpy(l->buf + l->used, (const void *)kv_key(e), e->klen);
	l->used += e->klen;
	l->len[l->n++] = e->klen;
}

static void cmd_scan(struct client *c)
{
	struct keys_filter f = {.c = c};
	struct keys_list l = {.f = &f};
	char cbuf[LONG_STR_SIZE + 1];
	long count = 10;
	__u64 cursor;
	size_t i, off;
	int j = 2;

	if (keys_cursor_or_reply(c, &c->argv[1], &cursor))
		return;
	while (j < c->argc) {
		int left = c->argc - j;

		if (arg_is(&c->argv[j], "count") && left >= 2) {
			if (arg_long_or_reply(c, &c->argv[j + 1], &count, NULL))
				return;
			if (count < 1) {
				reply_error(c, ERR_SYNTAX);
				return;
			}
			j += 2;
		} else if (arg_is(&c->argv[j], "match") && left >= 2) {
			const struct arg *p = &c->argv[j + 1];

			/* "*" matches everything: skip the matcher, as Redis does. */
			if (p->len == 1 && p->ptr[0] == '*') {
				f.pat = NULL;
			} else {
				f.pat = p->ptr;
				f.patlen = p->len;
			}
			j += 2;
		} else if (arg_is(&c->argv[j], "type") && left >= 2) {
			f.type = c->argv[j + 1].ptr;
			f.typelen = c->argv[j + 1].len;
			j += 2;
		} else {
			reply_error(c, ERR_SYNTAX);
			return;
		}
	}
	if (count > LONG_MAX / 10)
		count = LONG_MAX / 10;
	cursor = db_scan(c->db, cursor, count, 0, keys_collect, &l);
	if (l.oom) {
		free(l.buf);
		free(l.len);
		reply_error(c, ERR_OOM);
		return;
	}
	reply_array(c, 2);
	reply_bulk(c, cbuf, ull2string(cbuf, sizeof(cbuf), cursor));
	reply_array(c, (long)l.n);
	for (i = 0, off = 0; i < l.n; i++) {
		reply_bulk(c, l.buf + off, l.len[i]);
		off += l.len[i];
	}
	free(l.buf);
	free(l.len);
}

static void cmd_randomkey(struct client *c)
{
	struct kv_entry *e = db_random_key(c->db);

	if (!e)
		reply_null(c);
	else
		reply_bulk(c, (const void *)kv_key(e), e->klen);
}

/* ---- RENAME MOVE COPY SWAPDB -------------------------------------------------------------------
 */

static void keys_rename_generic(struct client *c, int nx)
{
	const struct arg *src = &c->argv[1], *dst = &c->argv[2];
	struct kv_entry *e, *old;

	e = db_lookup_write(c, src);
	if (!e) {
		reply_error(c, ERR_NO_KEY);
		return;
	}
	/* Same name: nothing to do, but only once the source is known to exist. */
	if (keys_arg_eq(src, dst)) {
		if (nx)
			reply_int(c, 0);
		else
			reply_ok(c);
		return;
	}
	old = db_lookup_write(c, dst);
	if (old && nx) {
		reply_int(c, 0);
		return;
	}
	if (db_rename_entry(c->db, e, dst->ptr, dst->len, old)) {
		reply_error(c, ERR_OOM);
		return;
	}
	if (nx)
		reply_int(c, 1);
	else
		reply_ok(c);
}

static void cmd_rename(struct client *c)
{
	keys_rename_generic(c, 0);
}

static void cmd_renamenx(struct client *c)
{
	keys_rename_generic(c, 1);
}

static void cmd_move(struct client *c)
{
	const struct arg *key = &c->argv[1];
	struct kv_entry *e;
	int dst;

	if (keys_dbid_or_reply(c, &c->argv[2], NULL, &dst))
		return;
	if (dst == c->db) {
		reply_error(c, ERR_SAME_OBJECT);
		return;
	}
	e = db_lookup_write(c, key);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (db_lookup(dst, key->ptr, key->len, DB_LOOKUP_NOSTATS)) {
		reply_int(c, 0);
		return;
	}
	/* O(1) like Redis: the entry itself moves, whatever its size or type. */
	if (db_move_entry(c->db, dst, e)) {
		reply_error(c, ERR_OOM);
		return;
	}
	reply_int(c, 1);
}

static void cmd_copy(struct client *c)
{
	const struct arg *src = &c->argv[1], *dst = &c->argv[2];
	struct kv_entry *e, *old, *nw;
	int dstdb = c->db, replace = 0, j, err;

	for (j = 3; j < c->argc; j++) {
		if (arg_is(&c->argv[j], "replace")) {
			replace = 1;
		} else if (arg_is(&c->argv[j], "db") && j < c->argc - 1) {
			long v;

			if (arg_long_or_reply(c, &c->argv[j + 1], &v, NULL))
				return;
			if (v < 0 || v >= keys_db_count()) {
				reply_error(c, ERR_DB_INDEX);
				return;
			}
			dstdb = (int)v;
			j++;
		} else {
			reply_error(c, ERR_SYNTAX);
			return;
		}
	}
	if (dstdb == c->db && keys_arg_eq(src, dst)) {
		reply_error(c, ERR_SAME_OBJECT);
		return;
	}
	e = db_lookup_read(c, src);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	old = db_lookup(dstdb, dst->ptr, dst->len, DB_LOOKUP_NOSTATS);
	if (old && !replace) {
		reply_int(c, 0);
		return;
	}
	err = db_clone_entry(dstdb, e, dst->ptr, dst->len, &nw);
	if (err == -EOPNOTSUPP) {
		reply_error(c, "ERR COPY of this value type is not supported yet");
		return;
	}
	if (err || db_link(dstdb, nw, old, e->expire_ns, 0)) {
		reply_error(c, ERR_OOM);
		return;
	}
	reply_int(c, 1);
}

static void cmd_swapdb(struct client *c)
{
	long long a, b;

	if (string2ll(c->argv[1].ptr, c->argv[1].len, &a) || a < INT_MIN || a > INT_MAX) {
		reply_error(c, "ERR invalid first DB index");
		return;
	}
	if (string2ll(c->argv[2].ptr, c->argv[2].len, &b) || b < INT_MIN || b > INT_MAX) {
		reply_error(c, "ERR invalid second DB index");
		return;
	}
	if (a < 0 || a >= keys_db_count() || b < 0 || b >= keys_db_count()) {
		reply_error(c, ERR_DB_INDEX);
		return;
	}
	db_swap((int)a, (int)b);
	reply_ok(c);
}

/* ---- expiry ------------------------------------------------------------------------------------
 */

#define EXPIRE_NX (1 << 0)
#define EXPIRE_XX (1 << 1)
#define EXPIRE_GT (1 << 2)
#define EXPIRE_LT (1 << 3)

static int keys_expire_flags_or_reply(struct client *c, int *flags)
{
	int j;

	*flags = 0;
	for (j = 3; j < c->argc; j++) {
		const struct arg *o = &c->argv[j];

		if (arg_is(o, "nx")) {
			*flags |= EXPIRE_NX;
		} else if (arg_is(o, "xx")) {
			*flags |= EXPIRE_XX;
		} else if (arg_is(o, "gt")) {
			*flags |= EXPIRE_GT;
		} else if (arg_is(o, "lt")) {
			*flags |= EXPIRE_LT;
		} else {
			reply_errorf(c, "ERR Unsupported option %.*s", (int)o->len, o->ptr);
			return -EINVAL;
		}
	}
	if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
		reply_error(c,
			    "ERR NX and XX, GT or LT options at the same time are not compatible");
		return -EINVAL;
	}
	if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
		reply_error(c, "ERR GT and LT options at the same time are not compatible");
		return -EINVAL;
	}
	return 0;
}

/*
 * EXPIRE/PEXPIRE (basetime = now) and EXPIREAT/PEXPIREAT (basetime = 0), Redis's
 * expireGenericCommand(): the deadline is computed in unix ms with Redis's overflow checks; a
 * deadline not in the future deletes the key (reply 1).
 */
static void keys_expire_generic(struct client *c, long long basetime, int seconds, const char *name)
{
	long long when, current = -1;
	struct kv_entry *e;
	int flags;

	if (keys_expire_flags_or_reply(c, &flags))
		return;
	if (arg_ll_or_reply(c, &c->argv[2], &when, NULL))
		return;
	if (seconds) {
		if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
			reply_errorf(c, ERR_EXPIRE_FMT, name);
			return;
		}
		when *= 1000;
	}
	if (when > LLONG_MAX - basetime) {
		reply_errorf(c, ERR_EXPIRE_FMT, name);
		return;
	}
	when += basetime;
	e = db_lookup_write(c, &c->argv[1]);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (flags) {
		if (e->expire_ns)
			current = clock_mono_ns_to_unix_ms(e->expire_ns);
		if ((flags & EXPIRE_NX) && current != -1) {
			reply_int(c, 0);
			return;
		}
		if ((flags & EXPIRE_XX) && current == -1) {
			reply_int(c, 0);
			return;
		}
		/* No deadline counts as infinite: GT never beats it, LT always does. */
		if ((flags & EXPIRE_GT) && (current == -1 || when <= current)) {
			reply_int(c, 0);
			return;
		}
		if ((flags & EXPIRE_LT) && current != -1 && when >= current) {
			reply_int(c, 0);
			return;
		}
	}
	if (when <= clock_unix_ms()) {
		db_delete_entry(c->db, e);
		reply_int(c, 1);
		return;
	}
	db_set_expire(c->db, e, clock_unix_ms_to_mono_ns(when));
	reply_int(c, 1);
}

static void cmd_expire(struct client *c)
{
	keys_expire_generic(c, clock_unix_ms(), 1, "expire");
}

static void cmd_pexpire(struct client *c)
{
	keys_expire_generic(c, clock_unix_ms(), 0, "pexpire");
}

static void cmd_expireat(struct client *c)
{
	keys_expire_generic(c, 0, 1, "expireat");
}

static void cmd_pexpireat(struct client *c)
{
	keys_expire_generic(c, 0, 0, "pexpireat");
}

/* Milliseconds to seconds rounded to nearest, as Redis does with (ms + 500) / 1000, but without
 * the addition, which overflows for deadlines near LLONG_MAX ms. ms >= 0. */
static long long keys_ms_to_sec_rounded(long long ms)
{
	return ms / 1000 + (ms % 1000 >= 500);
}

/* TTL / PTTL: -2 no key, -1 no deadline, else the remaining time (TTL rounds to seconds). */
static void keys_ttl_generic(struct client *c, int ms)
{
	struct kv_entry *e = db_lookup(c->db, c->argv[1].ptr, c->argv[1].len, DB_LOOKUP_NOTOUCH);
	long long ttl;
	__u64 now;

	if (!e) {
		reply_int(c, -2);
		return;
	}
	if (!e->expire_ns) {
		reply_int(c, -1);
		return;
	}
	/* Like Redis: deadline in unix ms minus now in unix ms, both whole milliseconds, so
	 * PSETEX k 5000 followed at once by PTTL answers 5000. */
	now = clock_mono_ns();
	ttl = e->expire_ns > now ? clock_mono_ns_to_unix_ms(e->expire_ns) - clock_unix_ms() : 0;
	if (ttl < 0)
		ttl = 0;
	reply_int(c, ms ? ttl : keys_ms_to_sec_rounded(ttl));
}

static void cmd_ttl(struct client *c)
{
	keys_ttl_generic(c, 0);
}

static void cmd_pttl(struct client *c)
{
	keys_ttl_generic(c, 1);
}

static void keys_expiretime_generic(struct client *c, int ms)
{
	struct kv_entry *e = db_lookup(c->db, c->argv[1].ptr, c->argv[1].len, DB_LOOKUP_NOTOUCH);
	long long when;

	if (!e) {
		reply_int(c, -2);
		return;
	}
	if (!e->expire_ns) {
		reply_int(c, -1);
		return;
	}
	when = clock_mono_ns_to_unix_ms(e->expire_ns);
	/* Redis 7.0 rounds the seconds to nearest (checked against 7.0.15). */
	reply_int(c, ms ? when : keys_ms_to_sec_rounded(when));
}

static void cmd_expiretime(struct client *c)
{
	keys_expiretime_generic(c, 0);
}

static void cmd_pexpiretime(struct client *c)
{
	keys_expiretime_generic(c, 1);
}

static void cmd_persist(struct client *c)
{
	struct kv_entry *e = db_lookup_write(c, &c->argv[1]);

	if (!e || !e->expire_ns) {
		reply_int(c, 0);
		return;
	}
	db_set_expire(c->db, e, 0);
	reply_int(c, 1);
}

/* ---- OBJECT ---------------------------------------------------------------------------------- */

/*
 * OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT|HELP. arenakv has one representation per type, so the
 * encoding is what Redis would pick for the value as it is now: "int" for an integer that fits a
 * long in at most 20 characters, "embstr" up to 44 bytes, "raw" beyond (Redis also says "raw" for
 * a short string edited by APPEND/SETRANGE/SETBIT; we do not track that history). REFCOUNT reports
 * Redis's shared-integer refcount for 0..9999 when shared integers are allowed.
 */
static const char *object_help[] = {
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    NULL,
};

#define OBJECT_SHARED_INTEGERS 10000
#define OBJECT_SHARED_REFCOUNT 2147483647

static int object_policy_lfu(void)
{
	return srv.maxmemory_policy == MAXMEMORY_ALLKEYS_LFU ||
	       srv.maxmemory_policy == MAXMEMORY_VOLATILE_LFU;
}

static void cmd_object(struct client *c)
{
	const struct arg *sub = &c->argv[1];
	struct kv_entry *e;
	long long v;
	int shared_ok;

	if (arg_is(sub, "help")) {
		if (c->argc != 2) {
			reply_wrong_arity(c, "object|help");
			return;
		}
		reply_help(c, object_help);
		return;
	}
	if (!arg_is(sub, "encoding") && !arg_is(sub, "freq") && !arg_is(sub, "idletime") &&
	    !arg_is(sub, "refcount")) {
		reply_unknown_subcommand(c);
		return;
	}
	if (c->argc != 3) {
		char name[32];

		snprintf(name, sizeof(name), "object|%.*s", (int)sub->len, sub->ptr);
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		reply_wrong_arity(c, name);
		return;
	}
	e = db_lookup(c->db, c->argv[2].ptr, c->argv[2].len, DB_LOOKUP_NOTOUCH);
	if (!e) {
		reply_null(c);
		return;
	}
	if (arg_is(sub, "encoding")) {
		if (e->type == KV_ZSET)
			reply_cstr(c, "skiplist");
		else if (e->flags & DB_HINT_RAW)
			reply_cstr(c, "raw"); /* edited in place (APPEND, SETRANGE, ...) */
		else if (e->vlen <= 20 && !string2ll(db_str(e), e->vlen, &v))
			reply_cstr(c, "int");
		else if (e->vlen <= 44)
			reply_cstr(c, "embstr");
		else
			reply_cstr(c, "raw");
	} else if (arg_is(sub, "freq")) {
		if (!object_policy_lfu()) {
			reply_error(
			    c, "ERR An LFU maxmemory policy is not selected, access frequency "
			       "not tracked. Please note that when switching between policies at "
			       "runtime LRU and LFU data will take some time to adjust.");
			return;
		}
		reply_int(c, db_entry_lfu(e));
	} else if (arg_is(sub, "idletime")) {
		if (object_policy_lfu()) {
			reply_error(
			    c, "ERR An LFU maxmemory policy is selected, idle time not tracked. "
			       "Please note that when switching between policies at runtime LRU "
			       "and LFU data will take some time to adjust.");
			return;
		}
		reply_int(c, (long long)(db_entry_idle_ms(e) / 1000));
	} else {
		/* Redis shares 0..9999 unless maxmemory with an LRU/LFU policy forbids it. */
		shared_ok = !srv.maxmemory || srv.maxmemory_policy == MAXMEMORY_NO_EVICTION ||
			    srv.maxmemory_policy == MAXMEMORY_ALLKEYS_RANDOM ||
			    srv.maxmemory_policy == MAXMEMORY_VOLATILE_RANDOM ||
			    srv.maxmemory_policy == MAXMEMORY_VOLATILE_TTL;
		if (e->type == KV_STRING && shared_ok && !(e->flags & DB_HINT_RAW) &&
		    e->vlen <= 20 && !string2ll(db_str(e), e->vlen, &v) && v >= 0 &&
		    v < OBJECT_SHARED_INTEGERS)
			reply_int(c, OBJECT_SHARED_REFCOUNT);
		else
			reply_int(c, 1);
	}
}

/* ---- table -------------------------------------------------------------------------------------
 */

#define W  (CMD_WRITE)
#define R  (CMD_READONLY)
#define DO (CMD_DENYOOM)
#define F  (CMD_FAST)

const struct command key_commands[] = {
    {"del", cmd_del, -2, W, 1, -1, 1, "generic", "Delete a key", "1.0.0"},
    {"unlink", cmd_del, -2, W | F, 1, -1, 1, "generic",
     "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but "
     "non blocking.",
     "4.0.0"},
    {"exists", cmd_exists, -2, R | F, 1, -1, 1, "generic", "Determine if a key exists", "1.0.0"},
    {"touch", cmd_touch, -2, R | F, 1, -1, 1, "generic",
     "Alters the last access time of a key(s). Returns the number of existing keys specified.",
     "3.2.1"},
    {"type", cmd_type, 2, R | F, 1, 1, 1, "generic", "Determine the type stored at key", "1.0.0"},
    {"keys", cmd_keys, 2, R, 0, 0, 0, "generic", "Find all keys matching the given pattern",
     "1.0.0"},
    {"scan", cmd_scan, -2, R, 0, 0, 0, "generic", "Incrementally iterate the keys space", "2.8.0"},
    {"randomkey", cmd_randomkey, 1, R, 0, 0, 0, "generic", "Return a random key from the keyspace",
     "1.0.0"},
    {"rename", cmd_rename, 3, W, 1, 2, 1, "generic", "Rename a key", "1.0.0"},
    {"renamenx", cmd_renamenx, 3, W | F, 1, 2, 1, "generic",
     "Rename a key, only if the new key does not exist", "1.0.0"},
    {"expire", cmd_expire, -3, W | F, 1, 1, 1, "generic", "Set a key's time to live in seconds",
     "1.0.0"},
    {"pexpire", cmd_pexpire, -3, W | F, 1, 1, 1, "generic",
     "Set a key's time to live in milliseconds", "2.6.0"},
    {"expireat", cmd_expireat, -3, W | F, 1, 1, 1, "generic",
     "Set the expiration for a key as a UNIX timestamp", "1.2.0"},
    {"pexpireat", cmd_pexpireat, -3, W | F, 1, 1, 1, "generic",
     "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0"},
    {"ttl", cmd_ttl, 2, R | F, 1, 1, 1, "generic", "Get the time to live for a key in seconds",
     "1.0.0"},
    {"pttl", cmd_pttl, 2, R | F, 1, 1, 1, "generic",
     "Get the time to live for a key in milliseconds", "2.6.0"},
    {"expiretime", cmd_expiretime, 2, R | F, 1, 1, 1, "generic",
     "Get the expiration Unix timestamp for a key", "7.0.0"},
    {"pexpiretime", cmd_pexpiretime, 2, R | F, 1, 1, 1, "generic",
     "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0"},
    {"persist", cmd_persist, 2, W | F, 1, 1, 1, "generic", "Remove the expiration from a key",
     "2.2.0"},
    {"move", cmd_move, 3, W | F, 1, 1, 1, "generic", "Move a key to another database", "1.0.0"},
    {"copy", cmd_copy, -3, W | DO, 1, 2, 1, "generic", "Copy a key", "6.2.0"},
    {"object", cmd_object, -2, R, 2, 2, 1, "generic",
     "A container for object introspection commands", "2.2.3"},
    {"swapdb", cmd_swapdb, 3, W | F, 0, 0, 0, "server", "Swaps two Redis databases", "4.0.0"},
    {NULL},
};
