/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * db.c - the keyspace: lookups with lazy expiry, linking and replacing entries, deadlines,
 * counts, random keys, scans, flush/swap, the active expiry cycle and eviction.
 *
 * See db.h for the contract. The design notes that matter here:
 *
 * Expiry bookkeeping. Redis keeps a second dict ("expires") of the keys that have a deadline and
 * samples it for the active cycle. arenakv keeps the deadline in the entry itself (so a BPF
 * reader can judge expiry alone) and has no second index in the arena. The count of keys with a
 * deadline is htab.nexpires (exact: deadlines are set on unpublished entries before linking or by
 * htab_set_expire()); user space keeps only a per-db scan cursor. The active cycle walks the main
 * table with htab_scan() from that cursor, collecting keys that have a deadline, up to
 * DB_EXPIRE_KEYS_PER_LOOP of them or a bucket budget scaled by how sparse TTLs are, deletes the
 * expired ones and repeats while more than DB_EXPIRE_STALE_PERC percent of the sampled keys were
 * expired, exactly like Redis's activeExpireCycle, and stops when its time slice
 * (DB_EXPIRE_CYCLE_CPU_PERC of each cron period) is used. The cost of not having an expires index
 * is that keys without a deadline are walked over too; the walk is bounded per round, and a full
 * pass over the table still happens in bounded steps, so a forgotten expired key is found within
 * one pass.
 *
 * Deletion during a walk. htab_scan() calls us back for the entries of one bucket; unlinking
 * from inside the callback would edit the chain being walked. Every walk therefore collects
 * entry pointers into db_vec first and acts on them between htab_scan() calls, which dict.c's
 * scan contract (and htab's) allows.
 *
 * Eviction. As Redis: before a command flagged CMD_DENYOOM, when used arena bytes (plus the
 * arguments of the command about to run, which redis-server would count as query buffer) exceed
 * maxmemory, keys are evicted one at a time until under the limit or the time slice
 * (DB_EVICT_TIME_LIMIT_US) is used; a policy that finds nothing to evict means -OOM. LRU/LFU/TTL
 * policies keep a pool of the DB_EVPOOL_SIZE best candidates seen so far, refilled by sampling
 * maxmemory-samples keys per database per round; the pool stores key copies (entries may be freed
 * between rounds) and each pick is looked up again. Random policies just take a random (volatile)
 * key. Eviction never runs in the middle of a command: db_new_string() fails with NULL on a full
 * arena and the command replies -OOM, so a command can hold an entry pointer across its own
 * allocation without fearing it was evicted.
 *
 * LFU. kv_entry.access = minutes(16 bits) << 8 | counter(8 bits); the counter grows with
 * probability 1/((counter - LFU_INIT_VAL) * lfu_log_factor + 1) and decays by one per
 * lfu_decay_time minutes of idleness, as in Redis. New keys start at LFU_INIT_VAL so they are not
 * evicted before they had a chance to be used.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "db.h"
#include "layout.h"
#include "multi.h"
#include "t_zset.h"
#include "zset.h"

#ifndef DB_EXPIRE_KEYS_PER_LOOP
#define DB_EXPIRE_KEYS_PER_LOOP 20 /* keys with a deadline sampled per round (Redis: 20) */
#endif
#ifndef DB_EXPIRE_BUCKETS_PER_LOOP
#define DB_EXPIRE_BUCKETS_PER_LOOP 400 /* buckets walked per round at least (Redis: 20 * keys) */
#endif
#ifndef DB_EXPIRE_BUCKETS_MAX
#define DB_EXPIRE_BUCKETS_MAX 65536 /* ... and at most, however sparse the TTLs */
#endif
#ifndef DB_EXPIRE_STALE_PERC
#define DB_EXPIRE_STALE_PERC 25 /* repeat while more than this % sampled were expired */
#endif
#ifndef DB_EXPIRE_CYCLE_CPU_PERC
#define DB_EXPIRE_CYCLE_CPU_PERC 25 /* share of each cron period the cycle may use */
#endif
#ifndef DB_REHASH_TIME_US
#define DB_REHASH_TIME_US 1000 /* rehash time per cron call, all dbs together */
#endif
#ifndef DB_REHASH_STEP_BUCKETS
#define DB_REHASH_STEP_BUCKETS 100
#endif
#ifndef DB_EVICT_TIME_LIMIT_US
#define DB_EVICT_TIME_LIMIT_US 500 /* Redis's default with maxmemory-eviction-tenacity 10 */
#endif
#ifndef DB_GRAVE_STEP
#define DB_GRAVE_STEP 1000 /* entries freed per htab_clear_step() of an async flush */
#endif
#ifndef DB_GRAVE_TIME_US
#define DB_GRAVE_TIME_US 2000 /* async-flush freeing time per cron call */
#endif
#ifndef DB_EVPOOL_SIZE
#define DB_EVPOOL_SIZE 16
#endif
#ifndef DB_RANDOMKEY_TRIES
#define DB_RANDOMKEY_TRIES 100
#endif

#define LFU_INIT_VAL	       KV_LFU_INIT_VAL /* kv.h: shared with the XDP fast path */
#define LFU_DEFAULT_LOG_FACTOR 10
#define LFU_DEFAULT_DECAY_TIME 1

/* Per-database bookkeeping that lives in user space (rebuilt empty at start). */
struct db_state {
	__u64 expire_cursor;  /* htab_scan cursor of the active expiry cycle */
	long long avg_ttl_ms; /* running estimate, as Redis's db->avg_ttl */
};

/* A growable array of entry pointers collected during a walk. */
struct db_vec {
	struct kv_entry **v;
	size_t n;
	size_t cap;
	int volatile_only; /* collect only entries with a deadline */
};

/* One eviction candidate: key copy, its db and score (higher = evict first). */
struct db_evcand {
	unsigned long long idle;
	int dbid;
	size_t klen;
	char *key; /* malloc'd copy, NULL = empty slot */
};

static struct db_state db_st[ARENA_MAX_DBS];
/*
 * FLUSHDB/FLUSHALL ASYNC: a flushed table's contents are detached (htab_detach, O(1)) into its
 * grave, a table in process memory no reader can reach, and freed from db_cron() in bounded
 * steps. One grave per db; a second async flush of the same db before the first drained
 * finishes the old grave first.
 */
static struct htab db_grave[ARENA_MAX_DBS];
static int db_grave_busy[ARENA_MAX_DBS];
static struct db_evcand db_evpool[DB_EVPOOL_SIZE];
static __u64 db_rng_state = 0x9e3779b97f4a7c15ULL;

/* ---- small helpers --------------------------------------------------------------------------- */

static __u64 db_rand(void)
{
	/* xorshift64*: eviction and RANDOMKEY need speed and spread, not secrecy. */
	db_rng_state ^= db_rng_state >> 12;
	db_rng_state ^= db_rng_state << 25;
	db_rng_state ^= db_rng_state >> 27;
	return db_rng_state * 0x2545f4914f6cdd1dULL;
}

static int db_count(void)
{
	int n = srv.databases;

	if (n <= 0 || n > ARENA_MAX_DBS)
		n = ARENA_MAX_DBS;
	return n;
}

static int db_policy_lfu(void)
{
	return srv.maxmemory_policy == MAXMEMORY_ALLKEYS_LFU ||
	       srv.maxmemory_policy == MAXMEMORY_VOLATILE_LFU;
}

static int db_lfu_log_factor(void)
{
	return srv.lfu_log_factor >= 0 ? srv.lfu_log_factor : LFU_DEFAULT_LOG_FACTOR;
}

static int db_lfu_decay_time(void)
{
	return srv.lfu_decay_time >= 0 ? srv.lfu_decay_time : LFU_DEFAULT_DECAY_TIME;
}

static int db_vec_push(struct db_vec *v, struct kv_entry *e)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct kv_entry **nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = e;
	return 0;
}

static void db_vec_collect(struct kv_entry *e, void *arg)
{
	struct db_vec *v = arg;

	if (v->volatile_only && !e->expire_ns)
		return;
	/* Out of memory: the entry is just not visited this round; walks are best effort. */
	(void)db_vec_push(v, e);
}

/* A vector reused by the walks of this file (never two at once: nothing here nests). */
static struct db_vec db_walk;

static void db_vec_reset(struct db_vec *v, int volatile_only)
{
	v->n = 0;
	v->volatile_only = volatile_only;
	/* Give back a vector a huge bucket left behind. */
	if (v->cap > 4096) {
		free(v->v);
		v->v = NULL;
		v->cap = 0;
	}
}

/* ---- access clock ------------------------------------------------------------------------------
 */

/*
 * The clocks stamped on every access are read once per cron tick (as Redis's server.lruclock),
 * not per command: the LRU clock has a resolution of one second and the LFU one of a minute, so a
 * tick-old value (1/hz s) loses nothing and GET saves two clock reads.
 */
static __u32 db_lru_cached;
static __u32 db_lfu_min_cached;

static void db_clock_tick(void)
{
	db_lru_cached = clock_lru_now();
	db_lfu_min_cached = clock_lfu_minutes();
}

static unsigned long db_lfu_elapsed_minutes(__u32 ldt)
{
	__u32 now = db_lfu_min_cached;

	if (now >= ldt)
		return now - ldt;
	return 65535 - ldt + now;
}

/* The LFU counter after applying decay for the time since the last access. */
static __u32 db_lfu_decayed(__u32 access)
{
	__u32 ldt = (access >> 8) & 0xffff;
	__u32 counter = access & 0xff;
	int decay = db_lfu_decay_time();
	unsigned long periods = decay > 0 ? db_lfu_elapsed_minutes(ldt) / decay : 0;

	if (periods)
		counter = periods > counter ? 0 : counter - (__u32)periods;
	return counter;
}

static __u32 db_lfu_log_incr(__u32 counter)
{
	double r, baseval, p;

	if (counter == 255)
		return 255;
	r = (double)(db_rand() >> 11) / (double)(1ULL << 53);
	baseval = (double)counter - LFU_INIT_VAL;
	if (baseval < 0)
		baseval = 0;
	p = 1.0 / (baseval * db_lfu_log_factor() + 1);
	if (r < p)
		counter++;
	return counter;
}

static __u32 db_access_initial(void)
{
	if (db_policy_lfu())
		return (db_lfu_min_cached << 8) | LFU_INIT_VAL;
	return db_lru_cached;
}

/* Record an access. A relaxed store outside the seqlock: see db.h. */
static void db_touch_access(struct kv_entry *e)
{
	__u32 v;

	if (db_policy_lfu()) {
		__u32 counter = db_lfu_log_incr(db_lfu_decayed(e->access));

		v = (db_lfu_min_cached << 8) | counter;
	} else {
		v = db_lru_cached;
	}
	arena_write_once(e->access, v);
}

int db_entry_lfu(const struct kv_entry *e)
{
	return (int)db_lfu_decayed(e->access);
}

unsigned long long db_entry_idle_ms(const struct kv_entry *e)
{
	return clock_lru_idle_ms(e->access);
}

/* ---- basics ------------------------------------------------------------------------------------
 */

int db_init(void)
{
	int i;

	memset(db_st, 0, sizeof(db_st));
	for (i = 0; i < DB_EVPOOL_SIZE; i++) {
		free(db_evpool[i].key);
		db_evpool[i].key = NULL;
	}
	db_rng_state ^= clock_mono_ns() | 1;
	db_clock_tick();
	for (i = 0; i < ARENA_MAX_DBS; i++) {
		/* A grave from a previous arena points into memory that is gone: forget it. */
		memset(&db_grave[i], 0, sizeof(db_grave[i]));
		if (htab_init(&db_grave[i], 0))
			return -ENOMEM;
		db_grave_busy[i] = 0;
	}
	/* A formatted arena starts empty; a non-empty one would need its expires counted. */
	for (i = 0; i < ARENA_MAX_DBS; i++)
		if (htab_count(db_table(i)) != 0)
			return -EEXIST;
	return 0;
}

struct htab *db_table(int dbid)
{
	return (struct htab *)&ARENA_HDR->db[dbid];
}

int db_entry_expired(const struct kv_entry *e, __u64 now_ns)
{
	return e->expire_ns != 0 && e->expire_ns <= now_ns;
}

void db_signal_modified(int dbid, const void *key, size_t klen)
{
	multi_touch_key(dbid, key, klen);
}

/* Unlink and free e, keeping the counters; the caller signals and counts. */
static void db_unlink_free(int dbid, struct kv_entry *e)
{
	htab_unlink(db_table(dbid), e);
	kv_free(e);
}

/*
 * Delete e and report it to WATCH. The key bytes are copied to the stack (or heap for long keys)
 * first because multi.c may be handed a key whose entry is gone by the time it compares.
 */
static void db_remove(int dbid, struct kv_entry *e)
{
	char small[256];
	char *key = small;
	size_t klen = e->klen;

	if (klen > sizeof(small)) {
		key = malloc(klen);
		if (!key) {
			/* Cannot copy the name: touch before the free, while the bytes still exist.
			 */
			multi_touch_key(dbid, (const void *)kv_key(e), klen);
			db_unlink_free(dbid, e);
			srv.dirty++;
			return;
		}
	}
	memcpy(key, (const void *)kv_key(e), klen);
	db_unlink_free(dbid, e);
	srv.dirty++;
	multi_touch_key(dbid, key, klen);
	if (key != small)
		free(key);
}

static void db_expire_entry(int dbid, struct kv_entry *e)
{
	db_remove(dbid, e);
	srv.stats.expired_keys++;
}

/* ---- lookups -----------------------------------------------------------------------------------
 */

struct kv_entry *db_lookup(int dbid, const void *key, size_t klen, int flags)
{
	struct kv_entry *e = NULL;

	if (klen <= UINT32_MAX)
		e = htab_find(db_table(dbid), key, (__u32)klen);
	if (e && !(flags & DB_LOOKUP_NOEXPIRE) && e->expire_ns && e->expire_ns <= clock_mono_ns()) {
		db_expire_entry(dbid, e);
		e = NULL;
	}
	if (!(flags & DB_LOOKUP_NOSTATS)) {
		if (e)
			srv.stats.keyspace_hits++;
		else
			srv.stats.keyspace_misses++;
	}
	if (e && !(flags & DB_LOOKUP_NOTOUCH))
		db_touch_access(e);
	return e;
}

struct kv_entry *db_lookup_read(struct client *c, const struct arg *key)
{
	return db_lookup(c->db, key->ptr, key->len, 0);
}

struct kv_entry *db_lookup_write(struct client *c, const struct arg *key)
{
	return db_lookup(c->db, key->ptr, key->len, DB_LOOKUP_NOSTATS);
}

struct kv_entry *db_lookup_nostats(int dbid, const void *key, size_t klen)
{
	return db_lookup(dbid, key, klen, DB_LOOKUP_NOSTATS | DB_LOOKUP_NOTOUCH);
}

int db_exists(int dbid, const void *key, size_t klen)
{
	return db_lookup_nostats(dbid, key, klen) != NULL;
}

/* ---- creating and linking ------------------------------------------------------------------ */

struct kv_entry *db_new_entry(int dbid, __u8 type, const void *key, size_t klen, size_t vlen,
			      size_t vcap)
{
	struct kv_entry *e;

	(void)dbid; /* htab stamps the table's tag when linking */
	if (vcap < vlen)
		vcap = vlen;
	if (klen > UINT32_MAX || vcap > UINT32_MAX)
		return NULL;
	/* A value larger than the whole maxmemory can never fit, whatever is evicted: refuse it
	 * here, as redis-server does through its query buffer accounting. (Values that merely
	 * cross the limit are left to db_evict_for_write() before the next write.) */
	if (srv.maxmemory && (unsigned long long)klen + vlen > srv.maxmemory)
		return NULL;
	e = kv_new(type, key, (__u32)klen, (__u32)vlen, (__u32)vcap);
	if (!e)
		return NULL;
	/* Unpublished (seq odd) until db_link(): written freely, no seqlock needed. */
	e->vlen = (__u32)vlen;
	e->expire_ns = 0;
	e->access = db_access_initial();
	return e;
}

struct kv_entry *db_new_string(int dbid, const void *key, size_t klen, const void *val, size_t vlen,
			       size_t vcap)
{
	struct kv_entry *e = db_new_entry(dbid, KV_STRING, key, klen, vlen, vcap);

	if (e && val && vlen)
		memcpy((void *)kv_val(e), val, vlen);
	return e;
}

void db_discard(struct kv_entry *e)
{
	kv_free(e);
}

int db_link(int dbid, struct kv_entry *nw, struct kv_entry *old, __u64 expire_ns, int flags)
{
	struct htab *h = db_table(dbid);
	int err;

	if (flags & DB_SET_KEEPTTL)
		expire_ns = old ? old->expire_ns : 0;
	nw->expire_ns = expire_ns; /* nw is unpublished: htab counts it in nexpires when linking */
	/* Redis keeps the LFU history of a key across overwrites (the key is as hot as before). */
	if (old && db_policy_lfu())
		nw->access = old->access;
	if (old) {
		htab_replace(h, old, nw);
		kv_free(old);
	} else {
		err = htab_insert(h, nw);
		if (err) {
			kv_free(nw);
			return err;
		}
	}
	srv.dirty++;
	multi_touch_key(dbid, (const void *)kv_key(nw), nw->klen);
	return 0;
}

int db_set_string(int dbid, const void *key, size_t klen, const void *val, size_t vlen,
		  __u64 expire_ns, int flags)
{
	struct kv_entry *nw, *old;

	/* Allocate first: on failure nothing has changed. */
	nw = db_new_string(dbid, key, klen, val, vlen, vlen);
	if (!nw)
		return -ENOMEM;
	old = db_lookup(dbid, key, klen, DB_LOOKUP_NOSTATS | DB_LOOKUP_NOTOUCH);
	return db_link(dbid, nw, old, expire_ns, flags);
}

void db_delete_entry(int dbid, struct kv_entry *e)
{
	db_remove(dbid, e);
}

int db_delete(int dbid, const void *key, size_t klen)
{
	struct kv_entry *e = db_lookup(dbid, key, klen, DB_LOOKUP_NOSTATS | DB_LOOKUP_NOTOUCH);

	if (!e)
		return 0;
	db_remove(dbid, e);
	return 1;
}

void db_set_expire(int dbid, struct kv_entry *e, __u64 expire_ns)
{
	htab_set_expire(db_table(dbid), e, expire_ns); /* seqlock + nexpires */
	srv.dirty++;
	multi_touch_key(dbid, (const void *)kv_key(e), e->klen);
}

void db_edit_begin(struct kv_entry *e)
{
	kv_write_begin(e);
}

void db_edit_end(int dbid, struct kv_entry *e)
{
	kv_write_end(e);
	srv.dirty++;
	multi_touch_key(dbid, (const void *)kv_key(e), e->klen);
}

struct kv_entry *db_grow_string(int dbid, struct kv_entry *e, size_t vcap)
{
	struct kv_entry *nw;

	nw = db_new_string(dbid, (const void *)kv_key(e), e->klen, (const void *)kv_val(e), e->vlen,
			   vcap);
	if (!nw)
		return NULL;
	nw->access = e->access;
	nw->flags |= e->flags & DB_HINT_RAW; /* the same value, just more room */
	/* db_link keeps the deadline through KEEPTTL and cannot fail when replacing. */
	if (db_link(dbid, nw, e, 0, DB_SET_KEEPTTL))
		return NULL;
	return nw;
}

int db_clone_entry(int dstdb, const struct kv_entry *e, const void *newkey, size_t newklen,
		   struct kv_entry **out)
{
	struct kv_entry *nw;

	*out = NULL;
	if (e->type == KV_ZSET) {
		/* Deep copy by the zset module; the new key entry holds its pointer (8 bytes) and
		 * owns it once linked. */
		struct zset *z;
		int err = zsetcmd_clone(e, &z);

		if (err)
			return err;
		nw = db_new_entry(dstdb, KV_ZSET, newkey, newklen, sizeof(z), sizeof(z));
		if (!nw) {
			zset_free(z);
			return -ENOMEM;
		}
		memcpy((void *)kv_val(nw), &z, sizeof(z));
		nw->access = e->access;
		*out = nw;
		return 0;
	}
	if (e->type != KV_STRING)
		return -EOPNOTSUPP;
	nw = db_new_string(dstdb, newkey, newklen, (const void *)kv_val(e), e->vlen, e->vlen);
	if (!nw)
		return -ENOMEM;
	nw->access = e->access;
	nw->flags |= e->flags & DB_HINT_RAW; /* COPY keeps the encoding */
	*out = nw;
	return 0;
}

int db_rename_entry(int dbid, struct kv_entry *e, const void *newkey, size_t newklen,
		    struct kv_entry *dst_old)
{
	struct htab *h = db_table(dbid);
	struct kv_entry *nw;

	if (newklen > UINT32_MAX)
		return -ENOMEM;
	/* Same value, new key: a value blob is shared, not copied (O(1) for any size). */
	nw = kv_new_rekey(e, newkey, (__u32)newklen);
	if (!nw)
		return -ENOMEM;
	nw->expire_ns = e->expire_ns; /* unpublished: htab counts it when linking */
	nw->access = e->access;
	nw->flags = (__u8)((nw->flags & ~DB_HINT_RAW) | (e->flags & DB_HINT_RAW));
	/* New name first, then the old one goes: at every instant a reader finds the value under
	 * at least one of the names. */
	if (dst_old) {
		htab_replace(h, dst_old, nw);
		kv_free(dst_old);
	} else if (htab_insert(h, nw)) {
		kv_free_keep_val(nw); /* the blob still belongs to e */
		return -ENOMEM;
	}
	srv.dirty++;
	multi_touch_key(dbid, newkey, newklen);
	/* e now shares its blob with nw, which owns it from here: free e without it. */
	{
		char small[256];
		char *key = small;
		size_t klen = e->klen;

		if (klen > sizeof(small))
			key = malloc(klen);
		if (key)
			memcpy(key, (const void *)kv_key(e), klen);
		else
			multi_touch_key(dbid, (const void *)kv_key(e), klen);
		htab_unlink(h, e);
		kv_free_keep_val(e);
		srv.dirty++;
		if (key) {
			multi_touch_key(dbid, key, klen);
			if (key != small)
				free(key);
		}
	}
	return 0;
}

int db_move_entry(int src, int dst, struct kv_entry *e)
{
	char small[256];
	char *key = small;
	size_t klen = e->klen;
	int err;

	if (klen > sizeof(small)) {
		key = malloc(klen);
		if (!key)
			return -ENOMEM;
	}
	memcpy(key, (const void *)kv_key(e), klen);
	/* The entry keeps its deadline; htab moves it between the nexpires counts. A reader
	 * still walking src's chain through e sees src's gen change (in doubt), and e carries
	 * dst's tag once inserted, so it is never taken for a src hit. */
	htab_unlink(db_table(src), e);
	err = htab_insert(db_table(dst), e);
	if (err) {
		/* Only an empty dst without a bucket array on a full arena fails: put e back
		 * (src has buckets: e was just in them). */
		int back = htab_insert(db_table(src), e);

		ARENA_ASSERT(back == 0);
		if (key != small)
			free(key);
		return err;
	}
	srv.dirty++;
	multi_touch_key(src, key, klen);
	multi_touch_key(dst, key, klen);
	if (key != small)
		free(key);
	return 0;
}

/* ---- counts, random, scan ---------------------------------------------------------------------
 */

__u64 db_size(int dbid)
{
	return htab_count(db_table(dbid));
}

__u64 db_expires(int dbid)
{
	return htab_expires_count(db_table(dbid));
}

long long db_avg_ttl_ms(int dbid)
{
	return db_expires(dbid) ? db_st[dbid].avg_ttl_ms : 0;
}

struct kv_entry *db_random_key(int dbid)
{
	struct htab *h = db_table(dbid);
	int tries;

	for (tries = 0; tries < DB_RANDOMKEY_TRIES; tries++) {
		struct kv_entry *e = htab_random(h, db_rand());

		if (!e)
			return NULL;
		if (!db_entry_expired(e, clock_mono_ns()))
			return e;
		db_expire_entry(dbid, e);
	}
	return NULL;
}

__u64 db_scan(int dbid, __u64 cursor, long count, int flags,
	      void (*fn)(struct kv_entry *e, void *arg), void *arg)
{
	struct htab *h = db_table(dbid);
	long maxiter = count * 10;
	__u64 now;
	size_t i;

	if (count < 1)
		count = 1;
	if (maxiter < 10)
		maxiter = 10;
	db_vec_reset(&db_walk, 0);
	do {
		cursor = htab_scan(h, cursor, db_vec_collect, &db_walk);
	} while (cursor && --maxiter && (long)db_walk.n < count);
	now = clock_mono_ns();
	for (i = 0; i < db_walk.n; i++) {
		struct kv_entry *e = db_walk.v[i];

		if (!db_entry_expired(e, now))
			fn(e, arg);
		else if (!(flags & DB_SCAN_KEEP_EXPIRED))
			db_expire_entry(dbid, e);
	}
	return cursor;
}

/* ---- flush and swap ----------------------------------------------------------------------------
 */

void db_flush(int dbid)
{
	__u64 n = db_size(dbid);

	multi_touch_db(dbid);
	htab_clear(db_table(dbid));
	db_st[dbid].avg_ttl_ms = 0;
	db_st[dbid].expire_cursor = 0;
	srv.dirty += n;
}

void db_flush_all(void)
{
	int i;

	for (i = 0; i < ARENA_MAX_DBS; i++)
		db_flush(i);
}

/* Free every entry of dbid's grave now (a second async flush came before the first drained). */
static void db_grave_drain(int dbid)
{
	while (htab_clear_step(&db_grave[dbid], 1 << 16) > 0)
		;
	db_grave_busy[dbid] = 0;
}

void db_flush_async(int dbid)
{
	__u64 n = db_size(dbid);

	multi_touch_db(dbid);
	if (db_grave_busy[dbid])
		db_grave_drain(dbid);
	htab_detach(db_table(dbid), &db_grave[dbid]);
	db_grave_busy[dbid] = 1;
	db_st[dbid].avg_ttl_ms = 0;
	db_st[dbid].expire_cursor = 0;
	srv.dirty += n;
}

void db_flush_all_async(void)
{
	int i;

	for (i = 0; i < ARENA_MAX_DBS; i++)
		db_flush_async(i);
}

/* From the cron: free detached entries, DB_GRAVE_STEP at a time, for at most DB_GRAVE_TIME_US. */
static void db_grave_cron(void)
{
	__u64 deadline = clock_mono_ns() + DB_GRAVE_TIME_US * 1000ULL;
	int i;

	for (i = 0; i < ARENA_MAX_DBS; i++) {
		while (db_grave_busy[i]) {
			if (htab_clear_step(&db_grave[i], DB_GRAVE_STEP) == 0)
				db_grave_busy[i] = 0;
			if (clock_mono_ns() >= deadline)
				return;
		}
	}
}

int db_flush_pending(void)
{
	int i;

	for (i = 0; i < ARENA_MAX_DBS; i++)
		if (db_grave_busy[i])
			return 1;
	return 0;
}

void db_swap(int a, int b)
{
	struct db_state t;

	if (a == b)
		return;
	multi_touch_swapdb(a, b);
	htab_swap(db_table(a), db_table(b));
	t = db_st[a];
	db_st[a] = db_st[b];
	db_st[b] = t;
	srv.dirty++;
}

/* ---- active expiry and cron -------------------------------------------------------------------
 */

/*
 * One database's share of the cycle. Returns 1 when the time limit was hit.
 * deadline_ns: absolute monotonic time to stop at.
 */
static int db_expire_db(int dbid, __u64 deadline_ns)
{
	struct htab *h = db_table(dbid);
	struct db_state *st = &db_st[dbid];
	unsigned iteration = 0;
	size_t sampled, expired;

	do {
		long buckets = 0;
		__int128 ttl_sum = 0; /* far deadlines are ~2^63 ms: no overflow */
		long long ttl_samples = 0;
		__u64 cursor = st->expire_cursor;
		__u64 now;
		size_t i;

		__u64 nexp = htab_expires_count(h), max_buckets;

		if (!nexp)
			return 0;
		/* Redis samples its expires dict; we walk the main table, where one bucket in
		 * about size/nexp holds a key with a TTL. Scale the walk so a round still finds
		 * about DB_EXPIRE_KEYS_PER_LOOP of them when TTLs are sparse (the time limit below
		 * still bounds the whole cycle). */
		max_buckets = 2 * DB_EXPIRE_KEYS_PER_LOOP * (db_size(dbid) / nexp + 1);
		if (max_buckets < DB_EXPIRE_BUCKETS_PER_LOOP)
			max_buckets = DB_EXPIRE_BUCKETS_PER_LOOP;
		if (max_buckets > DB_EXPIRE_BUCKETS_MAX)
			max_buckets = DB_EXPIRE_BUCKETS_MAX;
		db_vec_reset(&db_walk, 1);
		/* Stop at the end of a pass (cursor 0): going on from 0 in the same round could
		 * collect an entry twice and delete it twice. */
		do {
			cursor = htab_scan(h, cursor, db_vec_collect, &db_walk);
			buckets++;
		} while (cursor != 0 && db_walk.n < DB_EXPIRE_KEYS_PER_LOOP &&
			 (__u64)buckets < max_buckets);
		st->expire_cursor = cursor;

		now = clock_mono_ns();
		sampled = db_walk.n;
		expired = 0;
		for (i = 0; i < db_walk.n; i++) {
			struct kv_entry *e = db_walk.v[i];

			if (db_entry_expired(e, now)) {
				db_expire_entry(dbid, e);
				expired++;
			} else {
				ttl_sum += clock_mono_ns_to_unix_ms(e->expire_ns) - clock_unix_ms();
				ttl_samples++;
			}
		}
		if (ttl_samples) {
			long long avg = (long long)(ttl_sum / ttl_samples);

			/* Redis's smoothing: 2% of the new sample per round. */
			st->avg_ttl_ms =
			    st->avg_ttl_ms ? (st->avg_ttl_ms / 50) * 49 + avg / 50 : avg;
		}
		if ((++iteration & 15) == 0 && clock_mono_ns() >= deadline_ns)
			return 1;
	} while (sampled && expired * 100 > sampled * DB_EXPIRE_STALE_PERC);
	return clock_mono_ns() >= deadline_ns;
}

static void db_active_expire_cycle(void)
{
	static int next_db;
	int hz = srv.hz > 0 ? srv.hz : 10;
	int n = db_count();
	__u64 start = clock_mono_ns();
	__u64 budget = (__u64)CLOCK_NS_PER_SEC * DB_EXPIRE_CYCLE_CPU_PERC / 100 / hz;
	int j;

	for (j = 0; j < n; j++) {
		int dbid = next_db % n;

		next_db = (next_db + 1) % n;
		if (db_expire_db(dbid, start + budget))
			break;
	}
}

static void db_rehash_cron(void)
{
	__u64 deadline = clock_mono_ns() + DB_REHASH_TIME_US * 1000ULL;
	int i;

	for (i = 0; i < ARENA_MAX_DBS; i++) {
		struct htab *h = db_table(i);

		while (htab_rehash_step(h, DB_REHASH_STEP_BUCKETS) > 0)
			if (clock_mono_ns() >= deadline)
				return;
	}
}

static int db_evict_to(__u64 pending);

void db_cron(void)
{
	db_clock_tick();
	if (srv.active_expire)
		db_active_expire_cycle();
	db_rehash_cron();
	db_grave_cron();
	/* Eviction that ran out of its slice in a write goes on here even if no write comes
	 * (Redis keeps a timer for that); one bounded slice per tick. */
	if (srv.maxmemory && srv.maxmemory_policy != MAXMEMORY_NO_EVICTION &&
	    arena_used_bytes() > srv.maxmemory)
		(void)db_evict_to(0);
}

/* ---- eviction ----------------------------------------------------------------------------------
 */

static int db_policy_volatile(void)
{
	return srv.maxmemory_policy == MAXMEMORY_VOLATILE_LRU ||
	       srv.maxmemory_policy == MAXMEMORY_VOLATILE_LFU ||
	       srv.maxmemory_policy == MAXMEMORY_VOLATILE_RANDOM ||
	       srv.maxmemory_policy == MAXMEMORY_VOLATILE_TTL;
}

/* Score of a candidate: the higher, the better to evict. */
static unsigned long long db_evict_score(const struct kv_entry *e)
{
	switch (srv.maxmemory_policy) {
	case MAXMEMORY_ALLKEYS_LFU:
	case MAXMEMORY_VOLATILE_LFU:
		return 255 - db_lfu_decayed(e->access);
	case MAXMEMORY_VOLATILE_TTL:
		return ULLONG_MAX - e->expire_ns;
	default:
		return clock_lru_idle_ms(e->access);
	}
}

/* Insert a candidate into the pool, kept sorted by ascending score (best at the end). */
static void db_evpool_insert(int dbid, const struct kv_entry *e, unsigned long long idle)
{
	struct db_evcand c;
	int k = 0;

	while (k < DB_EVPOOL_SIZE && db_evpool[k].key && db_evpool[k].idle < idle)
		k++;
	if (k == 0 && db_evpool[DB_EVPOOL_SIZE - 1].key)
		return; /* worse than everything in a full pool */
	c.idle = idle;
	c.dbid = dbid;
	c.klen = e->klen;
	c.key = malloc(e->klen ? e->klen : 1);
	if (!c.key)
		return;
	memcpy(c.key, (const void *)kv_key(e), e->klen);
	if (k < DB_EVPOOL_SIZE && !db_evpool[DB_EVPOOL_SIZE - 1].key) {
		/* Free slot at the end: shift right from k. */
		memmove(&db_evpool[k + 1], &db_evpool[k], sizeof(c) * (DB_EVPOOL_SIZE - k - 1));
	} else {
		/* Full: drop the worst (index 0), shift left, insert at k - 1. */
		free(db_evpool[0].key);
		memmove(&db_evpool[0], &db_evpool[1], sizeof(c) * (k - 1));
		k--;
	}
	db_evpool[k] = c;
}

/* Sample candidates of one db into db_walk: a run of buckets from a random cursor. */
static void db_evict_sample(int dbid, int volatile_only, long want, long max_buckets)
{
	struct htab *h = db_table(dbid);
	__u64 cursor = db_rand();
	long buckets = 0;

	db_vec_reset(&db_walk, volatile_only);
	do {
		cursor = htab_scan(h, cursor, db_vec_collect, &db_walk);
		buckets++;
	} while ((long)db_walk.n < want && buckets < max_buckets);
}

/*
 * Buckets a sampling round may walk in dbid. Round 0 is Redis's cost (a few buckets per sample).
 * Later rounds, reached only when the pool gave nothing, scale with how sparse the candidates
 * are: with volatile policies, size/expires buckets hold one key with a TTL on average, so
 * 2 * samples * size / expires buckets find about 2 * samples of them. Capped so one command
 * never walks more than DB_EVICT_MAX_BUCKETS.
 */
#ifndef DB_EVICT_MAX_BUCKETS
#define DB_EVICT_MAX_BUCKETS (1L << 18)
#endif
static long db_evict_budget(int dbid, int volatile_only, int samples, int round)
{
	__u64 size = db_size(dbid), expires = db_expires(dbid), ratio;
	long b;

	if (round == 0)
		return (long)samples * 16;
	ratio = volatile_only && expires ? size / expires : 1;
	/* Round 1 costs what Redis's sampling does; round 2+ (the pool or the run came back empty)
	 * goes wide at once: an unlucky run must not turn into -OOM. */
	b = round == 1 ? (long)samples * 16 : 4096L * round;
	if (ratio > 1 && (__u64)b < 2 * samples * ratio * round)
		b = ratio > (__u64)DB_EVICT_MAX_BUCKETS ? DB_EVICT_MAX_BUCKETS
							: (long)(2 * samples * ratio * round);
	return b > DB_EVICT_MAX_BUCKETS ? DB_EVICT_MAX_BUCKETS : b;
}

/*
 * Last resort when sampling found nothing although candidates exist (a handful of volatile keys
 * in a big table): one pass over the table from cursor 0, bounded by DB_EVICT_MAX_BUCKETS
 * buckets, collecting up to want candidates. Rare, and still bounded.
 */
static void db_evict_sweep(int dbid, int volatile_only, long want)
{
	struct htab *h = db_table(dbid);
	__u64 cursor = 0;
	long buckets = 0;

	db_vec_reset(&db_walk, volatile_only);
	do {
		cursor = htab_scan(h, cursor, db_vec_collect, &db_walk);
		buckets++;
	} while (cursor && (long)db_walk.n < want && buckets < DB_EVICT_MAX_BUCKETS);
}

/* Evict one key. 0 when a key was evicted, -ENOENT when no candidate exists. */
static int db_evict_one(void)
{
	static int next_db;
	int volatile_only = db_policy_volatile();
	int samples = srv.maxmemory_samples > 0 ? srv.maxmemory_samples : 5;
	int n = db_count();
	int i, k, round;

	if (srv.maxmemory_policy == MAXMEMORY_ALLKEYS_RANDOM ||
	    srv.maxmemory_policy == MAXMEMORY_VOLATILE_RANDOM) {
		for (i = 0; i < n; i++) {
			int dbid = next_db;
			struct kv_entry *e = NULL;

			next_db = (next_db + 1) % n;
			if (!db_size(dbid) || (volatile_only && !db_expires(dbid)))
				continue;
			if (!volatile_only) {
				e = htab_random(db_table(dbid), db_rand());
			} else {
				/* A run of buckets from a random cursor; an unlucky run without a
				 * volatile key is retried with a wider budget (a plain "none here"
				 * would be an -OOM while volatile keys exist). */
				for (round = 1; round <= 4 && !e; round++) {
					if (round < 4)
						db_evict_sample(dbid, 1, 1,
								db_evict_budget(dbid, 1, 1, round));
					else
						db_evict_sweep(dbid, 1, 1);
					if (db_walk.n)
						e = db_walk.v[db_rand() % db_walk.n];
				}
			}
			if (e) {
				db_remove(dbid, e);
				srv.stats.evicted_keys++;
				return 0;
			}
		}
		return -ENOENT;
	}

	/* Pool policies. Round 0 samples like Redis; later rounds widen the bucket budget so that
	 * a few volatile keys among many persistent ones are still found, and the last one sweeps
	 * the table (bounded) rather than answer -OOM while candidates exist. */
	for (round = 0; round < 4; round++) {
		int have_keys = 0;

		for (i = 0; i < n; i++) {
			size_t j;

			if (!db_size(i) || (volatile_only && !db_expires(i)))
				continue;
			have_keys = 1;
			if (round < 3)
				db_evict_sample(i, volatile_only, samples,
						db_evict_budget(i, volatile_only, samples, round));
			else
				db_evict_sweep(i, volatile_only, samples);
			for (j = 0; j < db_walk.n; j++)
				db_evpool_insert(i, db_walk.v[j], db_evict_score(db_walk.v[j]));
		}
		if (!have_keys)
			return -ENOENT;
		for (k = DB_EVPOOL_SIZE - 1; k >= 0; k--) {
			struct db_evcand c = db_evpool[k]; /* a copy: the slot is reused below */
			struct kv_entry *e;

			if (!c.key)
				continue;
			e = htab_find(db_table(c.dbid), c.key, (__u32)c.klen);
			free(c.key);
			if (k < DB_EVPOOL_SIZE - 1)
				memmove(&db_evpool[k], &db_evpool[k + 1],
					sizeof(c) * (DB_EVPOOL_SIZE - k - 1));
			db_evpool[DB_EVPOOL_SIZE - 1].key = NULL;
			if (!e || (volatile_only && !e->expire_ns))
				continue; /* gone or persisted since it was sampled */
			db_remove(c.dbid, e);
			srv.stats.evicted_keys++;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Bytes the command being dispatched holds in its arguments. redis-server counts client query
 * buffers in used_memory, so a SET whose value alone exceeds what is left is refused before it
 * runs; counting the arguments of the client being dispatched (srv.current_client, set by the
 * core) gives the same answer without charging every idle connection's buffer.
 */
static __u64 db_pending_bytes(void)
{
	const struct client *c = srv.current_client;
	__u64 n = 0;
	int i;

	if (!c || !c->argv)
		return 0;
	for (i = 0; i < c->argc; i++)
		n += c->argv[i].len;
	return n;
}

/* Evict until arena_used_bytes() + pending fits maxmemory; see db_evict_for_write(). */
static int db_evict_to(__u64 pending)
{
	__u64 deadline;
	unsigned n = 0;

	if (!srv.maxmemory)
		return 0;
	if (arena_used_bytes() + pending <= srv.maxmemory)
		return 0;
	if (srv.maxmemory_policy == MAXMEMORY_NO_EVICTION)
		return -ENOMEM;
	deadline = clock_mono_ns() + DB_EVICT_TIME_LIMIT_US * 1000ULL;
	while (arena_used_bytes() + pending > srv.maxmemory) {
		if (db_evict_one() < 0)
			return -ENOMEM;
		/* Out of time after freeing something: let this command run, continue next time. */
		if ((++n & 15) == 0 && clock_mono_ns() >= deadline)
			return 0;
	}
	return 0;
}

int db_evict_for_write(void)
{
	return db_evict_to(db_pending_bytes());
}

size_t db_entry_mem_usage(const struct kv_entry *e)
{
	size_t n = (size_t)kv_mem_usage(e);

	if (e->type == KV_ZSET)
		n += (size_t)zset_mem_usage(zset_of(e)); /* the nodes the key owns */
	return n;
}
