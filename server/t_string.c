/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_string.c - the string and bit commands with Redis 7.0 semantics and error texts:
 * GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND STRLEN GETRANGE SUBSTR
 * SETRANGE INCR DECR INCRBY DECRBY INCRBYFLOAT LCS SETBIT GETBIT BITCOUNT BITPOS BITOP.
 *
 * A string value is vlen raw bytes at kv_val(e) (binary safe, up to proto-max-bulk-len, at
 * most 512 MiB by default), with kv_vcap(e) >= vlen bytes of room. Redis keeps small integers
 * encoded; we always keep the decimal text, which is what a BPF reader wants to see.
 *
 * Every write follows one of two shapes, both from db.h:
 *  - replace: build the complete new value in a fresh unlinked entry (db_new_string), then
 *    db_link() it over the old one. If the allocation fails nothing has changed and the client
 *    gets -OOM. Replies that depend on the old value (SET ... GET, GETSET) are emitted only after
 *    the allocation succeeded, so a failed command never sends two replies.
 *  - edit in place: when the entry already has the capacity (APPEND into slack, SETRANGE and
 *    SETBIT inside the room, INCR/INCRBYFLOAT when the new text fits), the bytes are changed
 *    between db_edit_begin() and db_edit_end(), i.e. inside the entry's seqlock, so a lock-free
 *    reader either sees the old bytes or retries.
 * Growth (APPEND, SETRANGE, SETBIT past the end) allocates like sds's greedy policy: double
 * below 1 MiB, +1 MiB above, so a run of APPENDs costs amortised O(1) copies per byte.
 *
 * Order of checks inside each command follows Redis 7.0.15 (argument parsing vs key lookup)
 * because clients can observe it through which error wins; the comments call out the cases
 * where that order is surprising.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "errors.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define STR_GROW_LIMIT (1024 * 1024) /* sds's SDS_MAX_PREALLOC */

/* SET / GETEX option flags (Redis's OBJ_SET_* / OBJ_*). */
#define STR_NX	       (1 << 0)
#define STR_XX	       (1 << 1)
#define STR_GET	       (1 << 2)
#define STR_KEEPTTL    (1 << 3)
#define STR_PERSIST    (1 << 4)
#define STR_EX	       (1 << 5)
#define STR_PX	       (1 << 6)
#define STR_EXAT       (1 << 7)
#define STR_PXAT       (1 << 8)
#define STR_ANY_EXPIRE (STR_EX | STR_PX | STR_EXAT | STR_PXAT)

enum str_cmd_type { STR_CMD_SET, STR_CMD_GETEX };

/* ---- helpers -----------------------------------------------------------------------------------
 */

static long long str_max_len(void)
{
	long long m =
	    srv.proto_max_bulk_len > 0 ? srv.proto_max_bulk_len : (long long)DB_STRING_MAX;

	/* kv_entry.vlen is 32 bits: never promise more than it can hold. */
	if (m > (long long)UINT32_MAX - 64)
		m = (long long)UINT32_MAX - 64;
	return m;
}

/* Redis's checkStringLength(): 0 or replies the error and returns -EFBIG. */
static int str_check_len(struct client *c, unsigned long long total)
{
	if (total > (unsigned long long)str_max_len()) {
		reply_error(c, ERR_STRING_TOO_LONG);
		return -EFBIG;
	}
	return 0;
}

/* Capacity to allocate for a string that grows to need bytes (sds greedy policy). */
static size_t str_grow_cap(size_t need)
{
	unsigned long long cap = need < STR_GROW_LIMIT ? (unsigned long long)need * 2
						       : (unsigned long long)need + STR_GROW_LIMIT;

	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	if (cap < need)
		cap = need;
	return (size_t)cap;
}

static int str_wrongtype(struct client *c, const struct kv_entry *e)
{
	if (e && e->type != KV_STRING) {
		reply_error(c, ERR_WRONGTYPE);
		return 1;
	}
	return 0;
}

static void str_reply_value(struct client *c, const struct kv_entry *e)
{
	reply_bulk(c, db_str(e), e->vlen);
}

static void str_reply_oom(struct client *c)
{
	reply_error(c, ERR_OOM);
}

/*
 * Redis's getExpireMillisecondsOrReply(): the EX/PX/EXAT/PXAT argument to a monotonic deadline.
 * 0 or replies the error and returns -EINVAL.
 */
static int str_expire_or_reply(struct client *c, const struct arg *a, int flags, const char *name,
			       __u64 *deadline)
{
	long long v;

	if (arg_ll_or_reply(c, a, &v, NULL))
		return -EINVAL;
	if (v <= 0 || ((flags & (STR_EX | STR_EXAT)) && v > LLONG_MAX / 1000)) {
		reply_errorf(c, ERR_EXPIRE_FMT, name);
		return -EINVAL;
	}
	if (flags & (STR_EX | STR_EXAT))
		v *= 1000;
	/* Relative times become an absolute unix ms first, as in Redis, so that EXPIRETIME
	 * reports exactly now_ms + ttl. */
	if (flags & (STR_EX | STR_PX)) {
		long long now = clock_unix_ms();

		if (v > LLONG_MAX - now) {
			reply_errorf(c, ERR_EXPIRE_FMT, name);
			return -EINVAL;
		}
		v += now;
	}
	*deadline = clock_unix_ms_to_mono_ns(v);
	return 0;
}

/*
 * Redis's parseExtendedStringArgumentsOrReply() for SET (from argv[3]) and GETEX (from argv[2]).
 * Options that conflict with one already seen are a syntax error; a repeated compatible option
 * (EX 1 EX 2) is allowed and the last value wins, as in Redis.
 */
/* The STR_* flag of an expiry option (EX, PX, EXAT, PXAT, any case), else 0. */
static int str_expire_opt(const struct arg *o)
{
	static const struct {
		const char *name;
		int flag;
	} opts[] = {{"ex", STR_EX}, {"px", STR_PX}, {"exat", STR_EXAT}, {"pxat", STR_PXAT}};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (arg_is(o, opts[i].name))
			return opts[i].flag;
	return 0;
}

static int str_parse_opts(struct client *c, int first, enum str_cmd_type type, int *flags,
			  const struct arg **expire)
{
	int j, e;

	*flags = 0;
	*expire = NULL;
	for (j = first; j < c->argc; j++) {
		const struct arg *o = &c->argv[j];
		const struct arg *next = j + 1 < c->argc ? &c->argv[j + 1] : NULL;
		int f = *flags;

		if (arg_is(o, "nx") && !(f & STR_XX) && type == STR_CMD_SET) {
			*flags |= STR_NX;
		} else if (arg_is(o, "xx") && !(f & STR_NX) && type == STR_CMD_SET) {
			*flags |= STR_XX;
		} else if (arg_is(o, "get") && type == STR_CMD_SET) {
			*flags |= STR_GET;
		} else if (arg_is(o, "keepttl") && !(f & STR_PERSIST) && !(f & STR_ANY_EXPIRE) &&
			   type == STR_CMD_SET) {
			*flags |= STR_KEEPTTL;
		} else if (arg_is(o, "persist") && type == STR_CMD_GETEX && !(f & STR_ANY_EXPIRE) &&
			   !(f & STR_KEEPTTL)) {
			*flags |= STR_PERSIST;
		} else if ((e = str_expire_opt(o)) && next && !(f & (STR_KEEPTTL | STR_PERSIST)) &&
			   !(f & STR_ANY_EXPIRE & ~e)) {
			/* EX / PX / EXAT / PXAT: none of the other three may come with it */
			*flags |= e;
			*expire = next;
			j++;
		} else {
			reply_error(c, ERR_SYNTAX);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The core of SET / SETNX / SETEX / PSETEX / GETSET: set key to val. flags: STR_NX/XX/GET/KEEPTTL.
 * deadline 0 = no expiry. ok_reply: NULL = +OK, otherwise reply_int(1) (SETNX). Replies.
 */
static void str_set_generic(struct client *c, const struct arg *key, const struct arg *val,
			    int flags, __u64 deadline, int int_reply)
{
	struct kv_entry *old, *nw;
	int found;

	if (val->len > (size_t)str_max_len()) {
		reply_error(c, ERR_STRING_TOO_LONG);
		return;
	}
	/* SET ... GET reads the old value like GET does (stats counted). */
	old = (flags & STR_GET) ? db_lookup_read(c, key) : db_lookup_write(c, key);
	if ((flags & STR_GET) && str_wrongtype(c, old))
		return;
	found = old != NULL;
	if (((flags & STR_NX) && found) || ((flags & STR_XX) && !found)) {
		if (flags & STR_GET) {
			if (old)
				str_reply_value(c, old);
			else
				reply_null(c);
		} else if (int_reply) {
			reply_int(c, 0);
		} else {
			reply_null(c);
		}
		return;
	}
	/* Allocate before replying anything: a failure must leave one reply and no change. */
	nw = db_new_string(c->db, key->ptr, key->len, val->ptr, val->len, val->len);
	if (!nw) {
		str_reply_oom(c);
		return;
	}
	/* The old value must be replied before db_link() frees it; replacing cannot fail. A new
	 * key's insert can (first key of a table on a full arena), so its null comes after. */
	if ((flags & STR_GET) && old)
		str_reply_value(c, old);
	if (db_link(c->db, nw, old, deadline, (flags & STR_KEEPTTL) ? DB_SET_KEEPTTL : 0)) {
		str_reply_oom(c); /* old == NULL here: nothing was replied yet */
		return;
	}
	if (flags & STR_GET) {
		if (!old)
			reply_null(c);
		return;
	}
	if (int_reply)
		reply_int(c, 1);
	else
		reply_ok(c);
}

/* ---- GET SET and friends -----------------------------------------------------------------------
 */

/* GET, and with del GETDEL: reply the string value (nil when absent), then delete the key. */
static void str_get_generic(struct client *c, int del)
{
	struct kv_entry *e = db_lookup_read(c, &c->argv[1]);

	if (!e) {
		reply_null(c);
		return;
	}
	if (str_wrongtype(c, e))
		return;
	str_reply_value(c, e);
	if (del)
		db_delete_entry(c->db, e);
}

static void cmd_get(struct client *c)
{
	str_get_generic(c, 0);
}

static void cmd_set(struct client *c)
{
	const struct arg *expire;
	__u64 deadline = 0;
	int flags;

	if (str_parse_opts(c, 3, STR_CMD_SET, &flags, &expire))
		return;
	if (expire && str_expire_or_reply(c, expire, flags, "set", &deadline))
		return;
	str_set_generic(c, &c->argv[1], &c->argv[2], flags, deadline, 0);
}

static void cmd_setnx(struct client *c)
{
	str_set_generic(c, &c->argv[1], &c->argv[2], STR_NX, 0, 1);
}

/* SETEX and PSETEX (key, time in unit, value); name is the command for the error text. */
static void str_setex_generic(struct client *c, int unit, const char *name)
{
	__u64 deadline;

	if (str_expire_or_reply(c, &c->argv[2], unit, name, &deadline))
		return;
	str_set_generic(c, &c->argv[1], &c->argv[3], 0, deadline, 0);
}

static void cmd_setex(struct client *c)
{
	str_setex_generic(c, STR_EX, "setex");
}

static void cmd_psetex(struct client *c)
{
	str_setex_generic(c, STR_PX, "psetex");
}

static void cmd_getset(struct client *c)
{
	str_set_generic(c, &c->argv[1], &c->argv[2], STR_GET, 0, 0);
}

static void cmd_getdel(struct client *c)
{
	str_get_generic(c, 1);
}

static void cmd_getex(struct client *c)
{
	const struct arg *expire;
	__u64 deadline = 0;
	struct kv_entry *e;
	int flags;

	if (str_parse_opts(c, 2, STR_CMD_GETEX, &flags, &expire))
		return;
	/* Redis 7.0 looks the key up before it validates the time. */
	e = db_lookup_read(c, &c->argv[1]);
	if (!e) {
		reply_null(c);
		return;
	}
	if (str_wrongtype(c, e))
		return;
	if (expire && str_expire_or_reply(c, expire, flags, "getex", &deadline))
		return;
	str_reply_value(c, e);
	if (expire) {
		/* A deadline already past deletes the key (Redis's checkAlreadyExpired). */
		if (deadline <= clock_mono_ns()) {
			/* Counted as a deletion, not an expiry, as in Redis. */
			db_delete_entry(c->db, e);
		} else {
			db_set_expire(c->db, e, deadline);
		}
	} else if ((flags & STR_PERSIST) && e->expire_ns) {
		db_set_expire(c->db, e, 0);
	}
}

static void cmd_mget(struct client *c)
{
	int j;

	reply_array(c, c->argc - 1);
	for (j = 1; j < c->argc; j++) {
		struct kv_entry *e = db_lookup_read(c, &c->argv[j]);

		if (!e || e->type != KV_STRING)
			reply_null(c);
		else
			str_reply_value(c, e);
	}
}

/*
 * MSET / MSETNX: every new entry is allocated before the first one is linked, so an allocation
 * failure leaves the keyspace unchanged (no partial MSET). Duplicate keys are linked in argument
 * order, so the last value wins as in Redis.
 */
static void str_mset_generic(struct client *c, int nx, const char *name)
{
	int n = (c->argc - 1) / 2, j;
	struct kv_entry **nw;

	if ((c->argc % 2) == 0) {
		reply_wrong_arity(c, name);
		return;
	}
	if (nx) {
		for (j = 1; j < c->argc; j += 2) {
			if (db_lookup_write(c, &c->argv[j])) {
				reply_int(c, 0);
				return;
			}
		}
	}
	for (j = 2; j < c->argc; j += 2) {
		if (c->argv[j].len > (size_t)str_max_len()) {
			reply_error(c, ERR_STRING_TOO_LONG);
			return;
		}
	}
	nw = calloc((size_t)n, sizeof(*nw));
	if (!nw) {
		str_reply_oom(c);
		return;
	}
	for (j = 0; j < n; j++) {
		const struct arg *k = &c->argv[1 + 2 * j], *v = &c->argv[2 + 2 * j];

		nw[j] = db_new_string(c->db, k->ptr, k->len, v->ptr, v->len, v->len);
		if (!nw[j]) {
			while (j-- > 0)
				db_discard(nw[j]);
			free(nw);
			str_reply_oom(c);
			return;
		}
	}
	for (j = 0; j < n; j++) {
		const struct arg *k = &c->argv[1 + 2 * j];
		struct kv_entry *old = db_lookup_write(c, k);

		/* Replacing cannot fail, and inserting fails only for the very first key of an
		 * empty table on a full arena (no bucket array yet): that can only be j == 0,
		 * when nothing has been linked, so the MSET is still all or nothing. */
		if (db_link(c->db, nw[j], old, 0, 0)) {
			for (j = j + 1; j < n; j++)
				db_discard(nw[j]);
			free(nw);
			str_reply_oom(c);
			return;
		}
	}
	free(nw);
	if (nx)
		reply_int(c, 1);
	else
		reply_ok(c);
}

static void cmd_mset(struct client *c)
{
	str_mset_generic(c, 0, "mset");
}

static void cmd_msetnx(struct client *c)
{
	str_mset_generic(c, 1, "msetnx");
}

/* ---- APPEND STRLEN GETRANGE SETRANGE ----------------------------------------------------------
 */

/*
 * Make e (a live string of c->db) able to hold need bytes: in place when the capacity allows,
 * otherwise replace it by a bigger copy. Returns the entry to edit, or NULL after replying -OOM.
 */
static struct kv_entry *str_reserve(struct client *c, struct kv_entry *e, size_t need)
{
	struct kv_entry *nw;

	if (kv_vcap(e) >= need)
		return e;
	nw = db_grow_string(c->db, e, str_grow_cap(need));
	if (!nw)
		str_reply_oom(c);
	return nw;
}

static void cmd_append(struct client *c)
{
	const struct arg *val = &c->argv[2];
	struct kv_entry *e = db_lookup_write(c, &c->argv[1]);
	size_t newlen;

	if (!e) {
		if (str_check_len(c, val->len))
			return;
		e = db_new_string(c->db, c->argv[1].ptr, c->argv[1].len, val->ptr, val->len,
				  val->len);
		if (!e || db_link(c->db, e, NULL, 0, 0)) {
			str_reply_oom(c);
			return;
		}
		reply_int(c, (long long)val->len);
		return;
	}
	if (str_wrongtype(c, e))
		return;
	if (str_check_len(c, (unsigned long long)e->vlen + val->len))
		return;
	newlen = (size_t)e->vlen + val->len;
	if (val->len) {
		e = str_reserve(c, e, newlen);
		if (!e)
			return;
		db_edit_begin(e);
		memcpy((char *)kv_val(e) + e->vlen, val->ptr, val->len);
		e->vlen = (__u32)newlen;
		e->flags |= DB_HINT_RAW; /* Redis: APPEND leaves a raw sds */
		db_edit_end(c->db, e);
	} else if (DB_HINT_RAW && !(e->flags & DB_HINT_RAW)) {
		/* Even APPEND k "" converts the value to raw in Redis. */
		db_edit_begin(e);
		e->flags |= DB_HINT_RAW;
		db_edit_end(c->db, e);
	}
	reply_int(c, (long long)newlen);
}

static void cmd_strlen(struct client *c)
{
	struct kv_entry *e = db_lookup_read(c, &c->argv[1]);

	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (str_wrongtype(c, e))
		return;
	reply_int(c, e->vlen);
}

/*
 * Redis's range normalization (GETRANGE, BITCOUNT, BITPOS): negative ends count from the end
 * of a length-len string, then both are clamped to [0, len - 1]. 1 with the inclusive range in
 * *start / *end, 0 when it is empty (always when len is 0).
 */
static int str_clamp_range(long long *start, long long *end, long long len)
{
	if (*start < 0)
		*start += len;
	if (*end < 0)
		*end += len;
	if (*start < 0)
		*start = 0;
	if (*end < 0)
		*end = 0;
	if (*end >= len)
		*end = len - 1;
	return *start <= *end && len > 0;
}

static void cmd_getrange(struct client *c)
{
	long long start, end, len;
	struct kv_entry *e;

	/* Redis parses the range before looking the key up. */
	if (arg_ll_or_reply(c, &c->argv[2], &start, NULL) ||
	    arg_ll_or_reply(c, &c->argv[3], &end, NULL))
		return;
	e = db_lookup_read(c, &c->argv[1]);
	if (!e) {
		reply_bulk(c, "", 0);
		return;
	}
	if (str_wrongtype(c, e))
		return;
	len = e->vlen;
	if (start < 0 && end < 0 && start > end) {
		reply_bulk(c, "", 0);
		return;
	}
	if (!str_clamp_range(&start, &end, len)) {
		reply_bulk(c, "", 0);
		return;
	}
	reply_bulk(c, db_str(e) + start, (size_t)(end - start + 1));
}

static void cmd_setrange(struct client *c)
{
	const struct arg *val = &c->argv[3];
	long long offset;
	struct kv_entry *e;
	size_t need;

	if (arg_ll_or_reply(c, &c->argv[2], &offset, NULL))
		return;
	if (offset < 0) {
		reply_error(c, ERR_OFFSET_RANGE);
		return;
	}
	e = db_lookup_write(c, &c->argv[1]);
	if (!e) {
		/* Nothing to do for an empty value on a missing key: no key is created. */
		if (val->len == 0) {
			reply_int(c, 0);
			return;
		}
		if (str_check_len(c, (unsigned long long)offset + val->len))
			return;
		need = (size_t)offset + val->len;
		e = db_new_string(c->db, c->argv[1].ptr, c->argv[1].len, NULL, need, need);
		if (!e) {
			str_reply_oom(c);
			return;
		}
		memset((char *)kv_val(e), 0, (size_t)offset);
		memcpy((char *)kv_val(e) + offset, val->ptr, val->len);
		e->flags |= DB_HINT_RAW; /* unpublished: no seqlock needed */
		if (db_link(c->db, e, NULL, 0, 0)) {
			str_reply_oom(c);
			return;
		}
		reply_int(c, (long long)need);
		return;
	}
	if (str_wrongtype(c, e))
		return;
	if (val->len == 0) {
		reply_int(c, e->vlen);
		return;
	}
	if (str_check_len(c, (unsigned long long)offset + val->len))
		return;
	need = (size_t)offset + val->len;
	if (need < e->vlen)
		need = e->vlen;
	e = str_reserve(c, e, need);
	if (!e)
		return;
	db_edit_begin(e);
	if ((size_t)offset > e->vlen)
		memset((char *)kv_val(e) + e->vlen, 0, (size_t)offset - e->vlen);
	memcpy((char *)kv_val(e) + offset, val->ptr, val->len);
	e->vlen = (__u32)need;
	e->flags |= DB_HINT_RAW;
	db_edit_end(c->db, e);
	reply_int(c, (long long)need);
}

/* ---- INCR family -------------------------------------------------------------------------------
 */

/*
 * Store the text (p, n) as the new value of key: in place when e has the room, otherwise a new
 * entry linked over e (the deadline is kept, as INCR keeps the TTL in Redis). e may be NULL
 * (missing key). 0 or -ENOMEM (nothing changed).
 */
static int str_store_text(struct client *c, struct kv_entry *e, const char *p, size_t n)
{
	struct kv_entry *nw;

	if (e && kv_vcap(e) >= n) {
		db_edit_begin(e);
		memcpy((char *)kv_val(e), p, n);
		e->vlen = (__u32)n;
		e->flags &= (__u8)~DB_HINT_RAW; /* a fresh number, as Redis makes a new object */
		db_edit_end(c->db, e);
		return 0;
	}
	nw = db_new_string(c->db, c->argv[1].ptr, c->argv[1].len, p, n, n);
	if (!nw)
		return -ENOMEM;
	return db_link(c->db, nw, e, 0, DB_SET_KEEPTTL);
}

static void str_incr_generic(struct client *c, long long incr)
{
	struct kv_entry *e = db_lookup_write(c, &c->argv[1]);
	char buf[LONG_STR_SIZE + 1];
	long long value = 0;
	size_t n;

	if (str_wrongtype(c, e))
		return;
	if (e && string2ll(db_str(e), e->vlen, &value)) {
		reply_error(c, ERR_NOT_INT);
		return;
	}
	if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
	    (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
		reply_error(c, ERR_OVERFLOW);
		return;
	}
	value += incr;
	n = ll2string(buf, sizeof(buf), value);
	if (str_store_text(c, e, buf, n)) {
		str_reply_oom(c);
		return;
	}
	reply_int(c, value);
}

static void cmd_incr(struct client *c)
{
	str_incr_generic(c, 1);
}

static void cmd_decr(struct client *c)
{
	str_incr_generic(c, -1);
}

static void cmd_incrby(struct client *c)
{
	long long incr;

	if (arg_ll_or_reply(c, &c->argv[2], &incr, NULL))
		return;
	str_incr_generic(c, incr);
}

static void cmd_decrby(struct client *c)
{
	long long incr;

	if (arg_ll_or_reply(c, &c->argv[2], &incr, NULL))
		return;
	if (incr == LLONG_MIN) {
		reply_error(c, "ERR decrement would overflow");
		return;
	}
	str_incr_generic(c, -incr);
}

static void cmd_incrbyfloat(struct client *c)
{
	struct kv_entry *e = db_lookup_write(c, &c->argv[1]);
	long double value = 0, incr;
	char *buf;
	size_t n;

	if (str_wrongtype(c, e))
		return;
	if (e && (e->vlen > MAX_LONG_DOUBLE_CHARS || string2ld(db_str(e), e->vlen, &value))) {
		reply_error(c, ERR_NOT_FLOAT);
		return;
	}
	if (arg_ld_or_reply(c, &c->argv[2], &incr, NULL))
		return;
	value += incr;
	if (isnan(value) || isinf(value)) {
		reply_error(c, ERR_NAN_OR_INF);
		return;
	}
	buf = malloc(MAX_LONG_DOUBLE_CHARS);
	if (!buf) {
		str_reply_oom(c);
		return;
	}
	n = ld2string(buf, MAX_LONG_DOUBLE_CHARS, value, LD_STR_HUMAN);
	if (!n || str_store_text(c, e, buf, n)) {
		free(buf);
		str_reply_oom(c);
		return;
	}
	reply_bulk(c, buf, n);
	free(buf);
}

/* ---- LCS ---------------------------------------------------------------------------------------
 */

struct lcs_range {
	__u32 a_start, a_end, b_start, b_end;
};

/*
 * LCS a b [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the classic O(|a|*|b|) dynamic program,
 * then a walk back from the bottom-right corner that rebuilds the subsequence and, for IDX, the
 * maximal runs of consecutive matches (reported from the end of the strings towards the start, as
 * Redis does). The table costs 4 bytes per cell and is refused above proto-max-bulk-len.
 */
static void cmd_lcs(struct client *c)
{
	struct kv_entry *ea, *eb;
	const char *a = "", *b = "";
	__u32 alen = 0, blen = 0, i, j, idx;
	long long minmatchlen = 0;
	int getlen = 0, getidx = 0, withmatchlen = 0;
	unsigned long long cells, bytes;
	struct lcs_range *ranges = NULL;
	size_t nranges = 0, rcap = 0;
	char *result = NULL;
	__u32 *t;
	int k;

	/* Redis 7.0 looks both keys up before parsing the options. */
	ea = db_lookup_read(c, &c->argv[1]);
	eb = db_lookup_read(c, &c->argv[2]);
	if ((ea && ea->type != KV_STRING) || (eb && eb->type != KV_STRING)) {
		reply_error(c, "ERR The specified keys must contain string values");
		return;
	}
	for (k = 3; k < c->argc; k++) {
		const struct arg *o = &c->argv[k];
		int more = c->argc - 1 - k;

		if (arg_is(o, "idx")) {
			getidx = 1;
		} else if (arg_is(o, "len")) {
			getlen = 1;
		} else if (arg_is(o, "withmatchlen")) {
			withmatchlen = 1;
		} else if (arg_is(o, "minmatchlen") && more) {
			if (arg_ll_or_reply(c, &c->argv[k + 1], &minmatchlen, NULL))
				return;
			if (minmatchlen < 0)
				minmatchlen = 0;
			k++;
		} else {
			reply_error(c, ERR_SYNTAX);
			return;
		}
	}
	if (getidx && getlen) {
		reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
		return;
	}
	if (ea) {
		a = db_str(ea);
		alen = ea->vlen;
	}
	if (eb) {
		b = db_str(eb);
		blen = eb->vlen;
	}
	if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) {
		reply_error(c, "ERR String too long for LCS");
		return;
	}
	cells = (unsigned long long)(alen + 1) * (blen + 1);
	bytes = cells * sizeof(__u32);
	if (bytes > (unsigned long long)str_max_len()) {
		reply_error(c, "ERR Insufficient memory, transient memory for LCS exceeds "
			       "proto-max-bulk-len");
		return;
	}
	t = malloc(bytes);
	if (!t) {
		reply_error(c,
			    "ERR Insufficient memory, failed allocating transient memory for LCS");
		return;
	}
#define LCS_AT(x, y) t[(size_t)(x) * (blen + 1) + (y)]
	for (i = 0; i <= alen; i++) {
		for (j = 0; j <= blen; j++) {
			if (i == 0 || j == 0)
				LCS_AT(i, j) = 0;
			else if (a[i - 1] == b[j - 1])
				LCS_AT(i, j) = LCS_AT(i - 1, j - 1) + 1;
			else if (LCS_AT(i - 1, j) > LCS_AT(i, j - 1))
				LCS_AT(i, j) = LCS_AT(i - 1, j);
			else
				LCS_AT(i, j) = LCS_AT(i, j - 1);
		}
	}
	idx = LCS_AT(alen, blen);
	if (getlen && !getidx) {
		reply_int(c, idx);
		free(t);
		return;
	}
	result = malloc(idx ? idx : 1);
	if (!result) {
		free(t);
		reply_error(c,
			    "ERR Insufficient memory, failed allocating transient memory for LCS");
		return;
	}

	/* Walk back. A run is open while arange_start != alen; it closes on a step that is not a
	 * diagonal match, or when a match touches the start of either string. */
	{
		__u32 as = alen, ae = 0, bs = 0, be = 0, pos = idx;

		i = alen;
		j = blen;
		while (i > 0 && j > 0) {
			int emit = 0;

			if (a[i - 1] == b[j - 1]) {
				result[pos - 1] = a[i - 1];
				if (as == alen) {
					as = ae = i - 1;
					bs = be = j - 1;
				} else if (as == i && bs == j) {
					as--;
					bs--;
				} else {
					emit = 1;
				}
				if (as == 0 || bs == 0)
					emit = 1;
				pos--;
				i--;
				j--;
			} else {
				if (LCS_AT(i - 1, j) > LCS_AT(i, j - 1))
					i--;
				else
					j--;
				if (as != alen)
					emit = 1;
			}
			if (emit) {
				__u32 mlen = ae - as + 1;

				if (getidx && (minmatchlen == 0 || mlen >= minmatchlen)) {
					if (nranges == rcap) {
						size_t ncap = rcap ? rcap * 2 : 16;
						struct lcs_range *nr =
						    realloc(ranges, ncap * sizeof(*nr));

						if (!nr) {
							free(ranges);
							free(result);
							free(t);
							reply_error(
							    c, "ERR Insufficient memory, failed "
							       "allocating transient memory "
							       "for LCS");
							return;
						}
						ranges = nr;
						rcap = ncap;
					}
					ranges[nranges++] = (struct lcs_range){as, ae, bs, be};
				}
				as = alen;
			}
		}
	}
	if (getidx) {
		size_t r;

		reply_map(c, 2);
		reply_cstr(c, "matches");
		reply_array(c, (long)nranges);
		for (r = 0; r < nranges; r++) {
			reply_array(c, 2 + withmatchlen);
			reply_array(c, 2);
			reply_int(c, ranges[r].a_start);
			reply_int(c, ranges[r].a_end);
			reply_array(c, 2);
			reply_int(c, ranges[r].b_start);
			reply_int(c, ranges[r].b_end);
			if (withmatchlen)
				reply_int(c, ranges[r].a_end - ranges[r].a_start + 1);
		}
		reply_cstr(c, "len");
		reply_int(c, idx);
	} else {
		reply_bulk(c, result, idx);
	}
#undef LCS_AT
	free(ranges);
	free(result);
	free(t);
}

/* ---- bits --------------------------------------------------------------------------------------
 */

/* Redis's getBitOffsetFromArgument() for plain (non-BITFIELD) offsets. */
static int bit_offset_or_reply(struct client *c, const struct arg *a, unsigned long long *off)
{
	long long v;

	if (string2ll(a->ptr, a->len, &v) || v < 0 ||
	    ((unsigned long long)v >> 3) >= (unsigned long long)str_max_len()) {
		reply_error(c, ERR_BIT_OFFSET);
		return -EINVAL;
	}
	*off = (unsigned long long)v;
	return 0;
}

static void cmd_setbit(struct client *c)
{
	unsigned long long off;
	long long on;
	struct kv_entry *e;
	size_t byte, need;
	int bit, old;

	if (bit_offset_or_reply(c, &c->argv[2], &off))
		return;
	if (string2ll(c->argv[3].ptr, c->argv[3].len, &on) || (on & ~1LL)) {
		reply_error(c, ERR_BIT_VALUE);
		return;
	}
	byte = (size_t)(off >> 3);
	bit = 7 - (int)(off & 7);
	need = byte + 1;
	e = db_lookup_write(c, &c->argv[1]);
	if (!e) {
		e = db_new_string(c->db, c->argv[1].ptr, c->argv[1].len, NULL, need, need);
		if (!e) {
			str_reply_oom(c);
			return;
		}
		memset((char *)kv_val(e), 0, need);
		if (on)
			((unsigned char *)kv_val(e))[byte] |= (unsigned char)(1 << bit);
		e->flags |= DB_HINT_RAW;
		if (db_link(c->db, e, NULL, 0, 0)) {
			str_reply_oom(c);
			return;
		}
		reply_int(c, 0);
		return;
	}
	if (str_wrongtype(c, e))
		return;
	if (need < e->vlen)
		need = e->vlen;
	e = str_reserve(c, e, need);
	if (!e)
		return;
	old = byte < e->vlen ? (((const unsigned char *)kv_val(e))[byte] >> bit) & 1 : 0;
	db_edit_begin(e);
	if (need > e->vlen)
		memset((char *)kv_val(e) + e->vlen, 0, need - e->vlen);
	e->vlen = (__u32)need;
	e->flags |= DB_HINT_RAW;
	if (on)
		((unsigned char *)kv_val(e))[byte] |= (unsigned char)(1 << bit);
	else
		((unsigned char *)kv_val(e))[byte] &= (unsigned char)~(1 << bit);
	db_edit_end(c->db, e);
	reply_int(c, old);
}

static void cmd_getbit(struct client *c)
{
	unsigned long long off;
	struct kv_entry *e;
	size_t byte;

	if (bit_offset_or_reply(c, &c->argv[2], &off))
		return;
	e = db_lookup_read(c, &c->argv[1]);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (str_wrongtype(c, e))
		return;
	byte = (size_t)(off >> 3);
	if (byte >= e->vlen) {
		reply_int(c, 0);
		return;
	}
	reply_int(c, (((const unsigned char *)kv_val(e))[byte] >> (7 - (off & 7))) & 1);
}

/* Set bits in the bit range [bs, be] of p (bit 0 = MSB of byte 0). */
static long long bit_count_range(const unsigned char *p, unsigned long long bs,
				 unsigned long long be)
{
	unsigned long long sb = bs >> 3, eb = be >> 3, i;
	long long n = 0;

	if (sb == eb) {
		unsigned char m = (unsigned char)((0xff >> (bs & 7)) & (0xff << (7 - (be & 7))));

		return __builtin_popcount(p[sb] & m);
	}
	n += __builtin_popcount(p[sb] & (0xff >> (bs & 7)));
	n += __builtin_popcount(p[eb] & (unsigned char)(0xff << (7 - (be & 7))));
	i = sb + 1;
	for (; i + 8 <= eb; i += 8) {
		__u64 w;

		memcpy(&w, p + i, 8);
		n += __builtin_popcountll(w);
	}
	for (; i < eb; i++)
		n += __builtin_popcount(p[i]);
	return n;
}

/* First bit equal to `bit` in the bit range [bs, be] of p, or -1. */
static long long bit_find(const unsigned char *p, unsigned long long bs, unsigned long long be,
			  int bit)
{
	unsigned char skip = bit ? 0x00 : 0xff;
	unsigned long long i = bs;

	while (i <= be) {
		if ((i & 7) == 0) {
			/* Skip whole uninteresting bytes, 8 at a time when aligned. */
			__u64 w, wskip = bit ? 0 : ~0ULL;

			while (i + 64 <= be + 1) {
				memcpy(&w, p + (i >> 3), 8);
				if (w != wskip)
					break;
				i += 64;
			}
			while (i + 8 <= be + 1 && p[i >> 3] == skip)
				i += 8;
			if (i > be)
				break;
		}
		if (((p[i >> 3] >> (7 - (i & 7))) & 1) == bit)
			return (long long)i;
		i++;
	}
	return -1;
}

/*
 * Normalize a BITCOUNT/BITPOS range like Redis: start/end in bytes or bits (isbit), negative
 * from the end, clamped. Out: bit range [*bs, *be]; returns 0 when empty.
 */
static int bit_range(long long start, long long end, int isbit, long long strlen,
		     unsigned long long *bs, unsigned long long *be)
{
	if (!str_clamp_range(&start, &end, isbit ? strlen * 8 : strlen))
		return 0;
	if (isbit) {
		*bs = (unsigned long long)start;
		*be = (unsigned long long)end;
	} else {
		*bs = (unsigned long long)start * 8;
		*be = (unsigned long long)end * 8 + 7;
	}
	return 1;
}

static int bit_unit_or_reply(struct client *c, const struct arg *a, int *isbit)
{
	if (arg_is(a, "bit")) {
		*isbit = 1;
	} else if (arg_is(a, "byte")) {
		*isbit = 0;
	} else {
		reply_error(c, ERR_SYNTAX);
		return -EINVAL;
	}
	return 0;
}

static void cmd_bitcount(struct client *c)
{
	long long start = 0, end = -1;
	unsigned long long bs, be;
	struct kv_entry *e;
	int isbit = 0;

	/* Redis 7.0 looks the key up first: a missing key answers 0 whatever the arguments. */
	e = db_lookup_read(c, &c->argv[1]);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (str_wrongtype(c, e))
		return;
	if (c->argc == 4 || c->argc == 5) {
		if (arg_ll_or_reply(c, &c->argv[2], &start, NULL) ||
		    arg_ll_or_reply(c, &c->argv[3], &end, NULL))
			return;
		/* 7.0.15 answers an inverted negative range before it looks at the unit. */
		if (start < 0 && end < 0 && start > end) {
			reply_int(c, 0);
			return;
		}
		if (c->argc == 5 && bit_unit_or_reply(c, &c->argv[4], &isbit))
			return;
	} else if (c->argc != 2) {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	if (!bit_range(start, end, isbit, e->vlen, &bs, &be)) {
		reply_int(c, 0);
		return;
	}
	reply_int(c, bit_count_range((const unsigned char *)kv_val(e), bs, be));
}

static void cmd_bitpos(struct client *c)
{
	long long bit, start = 0, end = -1, pos;
	unsigned long long bs, be;
	int isbit = 0, end_given = 0;
	struct kv_entry *e;

	if (arg_ll_or_reply(c, &c->argv[2], &bit, NULL))
		return;
	if (bit != 0 && bit != 1) {
		reply_error(c, "ERR The bit argument must be 1 or 0.");
		return;
	}
	e = db_lookup_read(c, &c->argv[1]);
	if (!e) {
		/* A missing key is an infinite run of zero bits. */
		reply_int(c, bit ? -1 : 0);
		return;
	}
	if (str_wrongtype(c, e))
		return;
	if (c->argc >= 4 && c->argc <= 6) {
		if (arg_ll_or_reply(c, &c->argv[3], &start, NULL))
			return;
		if (c->argc == 6 && bit_unit_or_reply(c, &c->argv[5], &isbit))
			return;
		if (c->argc >= 5) {
			if (arg_ll_or_reply(c, &c->argv[4], &end, NULL))
				return;
			end_given = 1;
		}
	} else if (c->argc != 3) {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	if (!bit_range(start, end, isbit, e->vlen, &bs, &be)) {
		reply_int(c, -1);
		return;
	}
	pos = bit_find((const unsigned char *)kv_val(e), bs, be, (int)bit);
	/* Looking for a 0 without an explicit end: the string continues with zeros to the right,
	 * so the answer is the first bit after the range (Redis reports the byte after the last
	 * one scanned). */
	if (pos < 0 && bit == 0 && !end_given)
		pos = (long long)((be >> 3) + 1) * 8;
	reply_int(c, pos);
}

enum bitop_op { BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT };

static void cmd_bitop(struct client *c)
{
	const struct arg *opname = &c->argv[1], *dest = &c->argv[2];
	int nkeys = c->argc - 3, j;
	const unsigned char **src;
	size_t *len, maxlen = 0, i;
	struct kv_entry *nw, *old;
	enum bitop_op op;
	unsigned char *out;

	if (arg_is(opname, "and")) {
		op = BITOP_AND;
	} else if (arg_is(opname, "or")) {
		op = BITOP_OR;
	} else if (arg_is(opname, "xor")) {
		op = BITOP_XOR;
	} else if (arg_is(opname, "not")) {
		op = BITOP_NOT;
	} else {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	if (op == BITOP_NOT && c->argc != 4) {
		reply_error(c, "ERR BITOP NOT must be called with a single source key.");
		return;
	}
	src = calloc((size_t)nkeys, sizeof(*src));
	len = calloc((size_t)nkeys, sizeof(*len));
	if (!src || !len) {
		free(src);
		free(len);
		str_reply_oom(c);
		return;
	}
	for (j = 0; j < nkeys; j++) {
		struct kv_entry *e = db_lookup_read(c, &c->argv[3 + j]);

		if (!e)
			continue;
		if (str_wrongtype(c, e)) {
			free(src);
			free(len);
			return;
		}
		src[j] = (const unsigned char *)kv_val(e);
		len[j] = e->vlen;
		if (len[j] > maxlen)
			maxlen = len[j];
	}
	if (maxlen) {
		/* Sources stay valid: allocation never evicts (db.h). */
		nw = db_new_string(c->db, dest->ptr, dest->len, NULL, maxlen, maxlen);
		if (!nw) {
			free(src);
			free(len);
			str_reply_oom(c);
			return;
		}
		out = (unsigned char *)kv_val(nw);
		for (i = 0; i < maxlen; i++) {
			unsigned char v = i < len[0] ? src[0][i] : 0;

			if (op == BITOP_NOT)
				v = (unsigned char)~v;
			for (j = 1; j < nkeys; j++) {
				unsigned char b = i < len[j] ? src[j][i] : 0;

				if (op == BITOP_AND)
					v &= b;
				else if (op == BITOP_OR)
					v |= b;
				else
					v ^= b;
			}
			out[i] = v;
		}
		nw->flags |= DB_HINT_RAW; /* Redis builds the result as a raw sds */
		old = db_lookup_write(c, dest);
		if (db_link(c->db, nw, old, 0, 0)) {
			free(src);
			free(len);
			str_reply_oom(c);
			return;
		}
	} else {
		(void)db_delete(c->db, dest->ptr, dest->len);
	}
	free(src);
	free(len);
	reply_int(c, (long long)maxlen);
}

/* ---- table -------------------------------------------------------------------------------------
 */

#define W  (CMD_WRITE)
#define R  (CMD_READONLY)
#define DO (CMD_DENYOOM)
#define F  (CMD_FAST)

const struct command string_commands[] = {
    {"get", cmd_get, 2, R | F, 1, 1, 1, "string", "Get the value of a key", "1.0.0"},
    {"set", cmd_set, -3, W | DO, 1, 1, 1, "string", "Set the string value of a key", "1.0.0"},
    {"setnx", cmd_setnx, 3, W | DO | F, 1, 1, 1, "string",
     "Set the value of a key, only if the key does not exist", "1.0.0"},
    {"setex", cmd_setex, 4, W | DO, 1, 1, 1, "string", "Set the value and expiration of a key",
     "2.0.0"},
    {"psetex", cmd_psetex, 4, W | DO, 1, 1, 1, "string",
     "Set the value and expiration in milliseconds of a key", "2.6.0"},
    {"getset", cmd_getset, 3, W | DO | F, 1, 1, 1, "string",
     "Set the string value of a key and return its old value", "1.0.0"},
    {"getdel", cmd_getdel, 2, W | F, 1, 1, 1, "string", "Get the value of a key and delete the key",
     "6.2.0"},
    {"getex", cmd_getex, -2, W | F, 1, 1, 1, "string",
     "Get the value of a key and optionally set its expiration", "6.2.0"},
    {"mget", cmd_mget, -2, R | F, 1, -1, 1, "string", "Get the values of all the given keys",
     "1.0.0"},
    {"mset", cmd_mset, -3, W | DO, 1, -1, 2, "string", "Set multiple keys to multiple values",
     "1.0.1"},
    {"msetnx", cmd_msetnx, -3, W | DO, 1, -1, 2, "string",
     "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1"},
    {"append", cmd_append, 3, W | DO | F, 1, 1, 1, "string", "Append a value to a key", "2.0.0"},
    {"strlen", cmd_strlen, 2, R | F, 1, 1, 1, "string",
     "Get the length of the value stored in a key", "2.2.0"},
    {"getrange", cmd_getrange, 4, R, 1, 1, 1, "string",
     "Get a substring of the string stored at a key", "2.4.0"},
    {"substr", cmd_getrange, 4, R, 1, 1, 1, "string",
     "Get a substring of the string stored at a key", "1.0.0"},
    {"setrange", cmd_setrange, 4, W | DO, 1, 1, 1, "string",
     "Overwrite part of a string at key starting at the specified offset", "2.2.0"},
    {"incr", cmd_incr, 2, W | DO | F, 1, 1, 1, "string",
     "Increment the integer value of a key by one", "1.0.0"},
    {"decr", cmd_decr, 2, W | DO | F, 1, 1, 1, "string",
     "Decrement the integer value of a key by one", "1.0.0"},
    {"incrby", cmd_incrby, 3, W | DO | F, 1, 1, 1, "string",
     "Increment the integer value of a key by the given amount", "1.0.0"},
    {"decrby", cmd_decrby, 3, W | DO | F, 1, 1, 1, "string",
     "Decrement the integer value of a key by the given number", "1.0.0"},
    {"incrbyfloat", cmd_incrbyfloat, 3, W | DO | F, 1, 1, 1, "string",
     "Increment the float value of a key by the given amount", "2.6.0"},
    {"lcs", cmd_lcs, -3, R, 1, 2, 1, "string", "Find longest common substring", "7.0.0"},
    {"setbit", cmd_setbit, 4, W | DO, 1, 1, 1, "bitmap",
     "Sets or clears the bit at offset in the string value stored at key", "2.2.0"},
    {"getbit", cmd_getbit, 3, R | F, 1, 1, 1, "bitmap",
     "Returns the bit value at offset in the string value stored at key", "2.2.0"},
    {"bitcount", cmd_bitcount, -2, R, 1, 1, 1, "bitmap", "Count set bits in a string", "2.6.0"},
    {"bitpos", cmd_bitpos, -3, R, 1, 1, 1, "bitmap", "Find first bit set or clear in a string",
     "2.8.7"},
    {"bitop", cmd_bitop, -4, W | DO, 2, -1, 1, "bitmap",
     "Perform bitwise operations between strings", "2.6.0"},
    {NULL},
};
