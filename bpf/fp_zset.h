/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fp_zset.h - the fast path's sorted-set commands: ZSCORE, ZRANK / ZREVRANK [WITHSCORE], and
 * ZRANGE / ZREVRANGE by rank (a leaderboard's top N, WITHSCORES), answered from the arena skip
 * list with the index's lock-free readers (index/zset.h: zset_read_key, zset_read_score,
 * zset_read_rank, zset_read_range_by_rank), in programs of their own.
 *
 * Two programs per hook
 * ---------------------
 * The rank walk (member comparisons on ties) and the score formatter do not fit one program's
 * verifier budget beside the string commands (measured: over the 1M processed-instruction
 * limit; the team keeps each program below 300K so start-up stays fast). So the sorted-set
 * commands run in their own programs, fp_xdp_zset and fp_tc_zset (bpf/fastpath.bpf.c), reached
 * by bpf_tail_call() through a one-slot BPF_MAP_TYPE_PROG_ARRAY per hook (a prog array belongs
 * to one program type: fp_zprog_xdp, fp_zprog_tc). Both kinds are fp_run() (bpf/fp_answer.h)
 * compiled with a different `kind`:
 *  - FP_KIND_MAIN parses the frame and the command as always; a well-formed sorted-set command
 *    is handed over by fp_zset_route() (tail call; it does not return on success);
 *  - FP_KIND_ZSET parses the same, unchanged frame again (about 100 ns, for sorted-set requests
 *    only; cheaper in code and coupling than carrying parsed state across the call in the
 *    scratch map), answers only sorted-set commands (fp_zset_step() in place of the string
 *    reader) and never counts the frame in `requests` again (the main program did).
 * Exactly one outcome is counted per frame: by the zset program once the tail call happened,
 * else by the main one. An empty slot (the loader did not install the program) makes the tail
 * call fall through: passed_tail_call. libbpf fills the slots at load from the maps' static
 * initializers below; bpf/fp_load.h checks they hold the right programs.
 * Stack: the tail call is made by the main program's own frame (fp_run is inlined), never from
 * a subprogram, so the verifier's 256-byte limit on "call stack of previous frames" at a tail
 * call does not apply; each program still has the usual 512 bytes for its chain of global
 * functions.
 *
 * Bounds (anything beyond them is passed up, counted):
 *  - key <= FP_KEY_MAX bytes, member <= ZSET_READ_MEMBER_MAX (passed_key_too_long); database 0
 *    only (as every UDP request);
 *  - ZRANGE: plain non-negative start and stop, optional WITHSCORES, nothing else (negative
 *    indexes, BYSCORE/BYLEX/REV/LIMIT: passed_command); at most FP_ZRANGE_MAX members in the
 *    answer (passed_zset); the reply within FP_REPLY_MAX;
 *  - ZRANK: key member, optional WITHSCORE (Redis 7.2's; any other word: passed_command);
 *  - a walk of at most ZSET_READ_MAX_STEPS skip-list steps, and members compared on score ties
 *    of at most ZSET_READ_MEMBER_MAX bytes (passed_zset);
 *  - scores printed exactly as user space's "%.17g" by integer code (index/zset.h
 *    zset_fmt_score: every score in [1e-4, 2^64), and outside it the exact ones such as 2^-20
 *    or 1e20); any other score in an answer passes the request (passed_zset): a false miss,
 *    never a wrong byte. Why not the other option, the writer storing each score's text beside
 *    its node at ZADD: up to 24 more bytes per member (121 today, docs/ZSET.md: +20%), a
 *    snprintf per ZADD, and a second copy to keep in step on every score change; the formatter
 *    costs the zset program about 80K processed instructions once, and nothing per member.
 * A missing or expired key (passed_miss) or a key of another type (passed_type) goes up; a
 * missing member of an existing zset is answered: ZSCORE and ZRANK with a null bulk, ZRANK
 * WITHSCORE with a null array, as server/t_zset.c and Redis 7.2 in RESP2.
 *
 * Consistency: the key entry's seq is re-checked in fp_commit() like every other key's; the
 * zset's own seq is checked after the walk and after the member bytes were copied into the
 * reply (index/zset.h contract). A rank or a range depends on several members, and one ZADD of
 * several members (or ZUNIONSTORE...) moves them one at a time, each under the zset's seqlock:
 * so those answers also need the keyspace write seqcount (arena_hdr.wseq, fp_run's r.multi) to
 * be even and unchanged from before the key was read until fp_commit(), which makes the answer
 * one the single-threaded server could have given between two commands. ZSCORE reads one
 * member and needs only the seqlocks. Reply bytes are what server/t_zset.c sends in RESP2
 * (tests/bpf/test_fastpath_xdp.c compares them with the user-space code's).
 *
 * Verifier budget (6.18, measured by tests/bpf/test_fastpath_xdp.c, bpf_prog_info's
 * verified_insns): see docs/ZSET.md. Node validation (fp_zset_node), the member comparison
 * (fp_zset_lexcmp) and the formatter (fp_zset_put_score) are global functions, verified once
 * instead of once per walk step or per call site; ZSCORE's and ZRANK's replies are written by
 * their callers, not inside the reader's frame, so the deepest call chain fits 512 bytes.
 */
#ifndef ARENAKV_BPF_FP_ZSET_H
#define ARENAKV_BPF_FP_ZSET_H

#include "fp_resp.h"

_Static_assert(sizeof(struct zset_read_item) == 24, "fp_scratch.zitems holds 3 words per item");

#define FP_ZF_WITHSCORES 0x1 /* fp_run.zflags: WITHSCORES (ZRANGE), WITHSCORE (ZRANK) */

/* fp_run()'s kind: which program it is compiled into. */
#define FP_KIND_MAIN 0 /* fp_xdp / fp_tc: everything, sorted sets handed over */
#define FP_KIND_ZSET 1 /* fp_xdp_zset / fp_tc_zset: sorted sets only */

/* The sorted-set programs (bpf/fastpath.bpf.c) and the prog arrays that lead to them. */
int fp_xdp_zset(struct xdp_md *ctx);
int fp_tc_zset(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} fp_zprog_xdp SEC(".maps") = {
    .values = {[0] = (void *)&fp_xdp_zset},
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(struct __sk_buff *));
} fp_zprog_tc SEC(".maps") = {
    .values = {[0] = (void *)&fp_tc_zset},
};

/*
 * fp_run()'s hook, once the command is known: 0 to go on answering it here, else the pass
 * reason. The main program hands a sorted-set command to the zset program of its hook (no
 * return on success); the zset program refuses anything else (cannot happen: only the main
 * program's tail call leads there).
 */
static __always_inline __u32 fp_zset_route(void *ctx, int xdp, int kind, __u32 cmd)
{
	if (kind == FP_KIND_ZSET)
		return cmd >= FP_CMD_ZFIRST ? 0 : FP_C_PASS_ERROR;
	if (cmd < FP_CMD_ZFIRST)
		return 0;
	if (xdp)
		bpf_tail_call(ctx, &fp_zprog_xdp, 0);
	else
		bpf_tail_call(ctx, &fp_zprog_tc, 0);
	return FP_C_PASS_TAIL_CALL; /* empty slot */
}

/* Validate node entry n (zset_read_node, index/zset.h): its node part's address, or 0; the
 * member's address and length in the scratch (zn_member, zn_mlen). Global: verified once, not
 * once per walk step. */
FP_GLOBAL __u64 fp_zset_node(__u64 n)
{
	struct fp_scratch *sc = fp_scratch_get();
	const __u8 __arena *m = 0;
	struct zset_node __arena *zn;
	__u32 ml = 0;

	arena_map_use();
	if (!sc)
		return 0;
	zn = zset_read_node(arena_ptr(struct kv_entry, n), &m, &ml);
	sc->zn_member = arena_addr(m);
	sc->zn_mlen = ml;
	return arena_addr(zn);
}

static __always_inline struct zset_node __arena *
fp_zset_node_adapt(struct kv_entry __arena *n, const __u8 __arena **m, __u32 *mlen)
{
	__u64 r = fp_zset_node(arena_addr(n));
	struct fp_scratch *sc = fp_scratch_get();

	if (!sc)
		return 0;
	*m = arena_ptr(__u8, sc->zn_member);
	*mlen = sc->zn_mlen;
	return arena_ptr(struct zset_node, r);
}

/*
 * Compare member bytes at arena address a (alen) with the query member in the scratch's key
 * buffer (blen): memcmp order, a proper prefix first (index/zset.h ZSET_READ_LEXCMP). Global:
 * verified once. Lengths above ZSET_READ_MEMBER_MAX never reach it.
 */
FP_GLOBAL int fp_zset_lexcmp(__u64 a, __u32 alen, __u32 blen)
{
	const __u8 __arena *ap = arena_ptr(__u8, a);
	struct fp_scratch *sc = fp_scratch_get();
	__u32 i;

	arena_map_use();
	if (!sc)
		return 1;
	for (i = 0; i < ZSET_READ_MEMBER_MAX; i++) {
		if (i >= alen || i >= blen)
			break;
		if (ap[i] != sc->key[i])
			return ap[i] < sc->key[i] ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

/* v, with a range the verifier cannot see (index/zset.h ZSET_READ_LEVEL). */
FP_GLOBAL __u32 fp_zset_opaque(__u32 v)
{
	asm volatile("" : "+r"(v)); /* else clang sees the identity and skips the call's result */
	return v;
}

/* The rank walk's order (index/zset.h ZSET_READ_CMP): node (fkey, member at arena address fm,
 * fml bytes) against the target (key, the member in the scratch's key buffer, mlen bytes). */
FP_GLOBAL int fp_zset_cmp(__u64 fkey, __u64 key, __u64 fm, __u32 fml, __u32 mlen)
{
	if (fkey != key)
		return fkey < key ? -1 : 1;
	if (fml > ZSET_READ_MEMBER_MAX)
		return ZSET_READ_CMP_E2BIG;
	return fp_zset_lexcmp(fm, fml, mlen);
}

/* The zset command in arg 0 (case-insensitive), FP_CMD_NONE when not one. */
FP_GLOBAL int fp_zset_parse_cmd(struct fp_scratch *sc)
{
	__u32 off, len, i;
	__u8 c[9] = {};

	if (!sc)
		return FP_CMD_NONE;
	off = sc->arg_off[0];
	len = sc->arg_len[0];
	if (len < 5 || len > 9 || off > FP_REQ_MAX)
		return FP_CMD_NONE;
	for (i = 0; i < 9; i++)
		if (i < len)
			c[i] = sc->req[off + i] | 0x20; /* ASCII letters only: others never match */
	if (c[0] != 'z')
		return FP_CMD_NONE;
	if (len == 6 && c[1] == 'r' && c[2] == 'a' && c[3] == 'n' && c[4] == 'g' && c[5] == 'e')
		return FP_CMD_ZRANGE;
	if (len == 6 && c[1] == 's' && c[2] == 'c' && c[3] == 'o' && c[4] == 'r' && c[5] == 'e')
		return FP_CMD_ZSCORE;
	if (len == 5 && c[1] == 'r' && c[2] == 'a' && c[3] == 'n' && c[4] == 'k')
		return FP_CMD_ZRANK;
	if (len < 8 || c[1] != 'r' || c[2] != 'e' || c[3] != 'v')
		return FP_CMD_NONE;
	if (len == 8 && c[4] == 'r' && c[5] == 'a' && c[6] == 'n' && c[7] == 'k')
		return FP_CMD_ZREVRANK;
	if (len == 9 && c[4] == 'r' && c[5] == 'a' && c[6] == 'n' && c[7] == 'g' && c[8] == 'e')
		return FP_CMD_ZREVRANGE;
	return FP_CMD_NONE;
}

/* Arg idx as a plain non-negative integer (what Redis's string2ll accepts without a sign: no
 * leading zero, at most 18 digits here), or -1 (the request goes up). */
FP_GLOBAL __s64 fp_zset_arg_uint(struct fp_scratch *sc, __u32 idx)
{
	__u32 off, len, i;
	__s64 v = 0;
	__u8 ch;

	if (!sc || idx >= FP_NARGS)
		return -1;
	off = sc->arg_off[idx];
	len = sc->arg_len[idx];
	if (len < 1 || len > 18 || off > FP_REQ_MAX)
		return -1;
	for (i = 0; i < 18; i++) {
		if (i >= len)
			break;
		ch = sc->req[off + i];
		if (ch < '0' || ch > '9' || (i == 0 && ch == '0' && len > 1))
			return -1;
		v = v * 10 + (ch - '0');
	}
	return v;
}

/* Is arg idx the first len bytes of "WITHSCORES" (any case): 10 for ZRANGE's WITHSCORES, 9 for
 * ZRANK's WITHSCORE? */
FP_GLOBAL int fp_zset_arg_withscores(struct fp_scratch *sc, __u32 idx, __u32 len)
{
	const char *w = "withscores";
	__u32 off, i;

	if (!sc || idx >= FP_NARGS || len > 10 || sc->arg_len[idx] != len)
		return 0;
	off = sc->arg_off[idx];
	if (off > FP_REQ_MAX)
		return 0;
	for (i = 0; i < 10; i++)
		if (i < len && (sc->req[off + i] | 0x20) != w[i])
			return 0;
	return 1;
}

/*
 * The forms of sorted-set command cmd (n arguments, command name included) answered here, for
 * fp_parse_request(): fills r->cmd, nkeys, zflags and returns 0, or FP_C_PASS_COMMAND (user
 * space answers, errors included). ZSCORE key member; ZRANK/ZREVRANK key member [WITHSCORE];
 * ZRANGE/ZREVRANGE key start stop [WITHSCORES] (start and stop are checked by fp_zset_range).
 */
static __always_inline __u32 fp_zset_parse_args(struct fp_scratch *sc, int cmd, int n,
						struct fp_run *r)
{
	int base = cmd == FP_CMD_ZRANGE || cmd == FP_CMD_ZREVRANGE ? 4 : 3;

	if (n == base + 1 && cmd != FP_CMD_ZSCORE &&
	    fp_zset_arg_withscores(sc, (__u32)base, base == 4 ? 10 : 9))
		r->zflags = FP_ZF_WITHSCORES;
	else if (n != base)
		return FP_C_PASS_COMMAND;
	r->cmd = (__u32)cmd;
	r->nkeys = 1;
	return 0;
}

/* zset_fmt_digits() (index/zset.h): 1 and f filled, or 0. Global: verified once. */
FP_GLOBAL int fp_zset_fmt_digits(__u64 bits, struct zset_fmt_dec *f)
{
	if (!f)
		return 0;
	return zset_fmt_digits(bits, f);
}

/* zset_fmt_put() into the scratch's val[] (see fastpath.bpf.c): the length, 0 on failure.
 * Global: verified once, whatever paths led to f. */
FP_GLOBAL int fp_zset_fmt_put(const struct zset_fmt_dec *f, __u32 neg)
{
	struct fp_scratch *sc = fp_scratch_get();

	if (!sc || !f)
		return 0;
	return (int)zset_fmt_put(f, neg, (char *)sc->val);
}

/*
 * Append a score as a bulk string at pos, exactly as user space prints it: integers below 1e17
 * with the integer writer (zset_score_int(), straight-line: the usual leaderboard score), the
 * infinities, and anything else through zset_fmt_score() (index/zset.h). New position, -1 when
 * it does not fit, -2 for a score the formatter leaves to user space (the request goes up).
 * Global: verified once per program.
 */
FP_GLOBAL int fp_zset_put_score(struct fp_scratch *sc, __u32 pos, __u64 bits)
{
	__u64 u, p10 = 10;
	__u32 i, len = 1;
	__s64 v = 0;
	int p;

	if (!sc)
		return -1;
	if (zset_score_int(bits, &v) != 1) {
		len = zset_fmt_score(bits, (char *)sc->val); /* also inf, -inf */
		return len ? fp_put_bulk(sc, pos, len) : -2;
	}
	u = v < 0 ? (__u64)-v : (__u64)v;
	for (i = 0; i < 17; i++, p10 *= 10)
		if (u >= p10)
			len++;
	len += v < 0;
	p = fp_put_num(sc, pos, '$', len);
	if (p < 1)
		return -1;
	/* the number itself: fp_put_num's type byte lands on the '\n' just written */
	return fp_put_num(sc, (__u32)p - 1, '\n', v);
}

/*
 * Append member k of sc->zitems (and its score with WITHSCORES) as bulk strings at pos. The
 * member bytes are copied from the arena into sc->val first (validated addresses: index/zset.h).
 * New position, -1 when it does not fit, -2 when the score cannot be printed exactly here.
 */
FP_GLOBAL int fp_zset_put_item(struct fp_scratch *sc, __u32 pos, __u32 k, __u32 withscores)
{
	struct zset_read_item *it;
	__u32 ml;
	int p;

	arena_map_use();
	if (!sc || k >= FP_ZRANGE_MAX)
		return -1;
	it = (struct zset_read_item *)&sc->zitems[k * 3];
	ml = it->mlen;
	if (ml > FP_REPLY_MAX)
		return -1;
	arena_copy_words(sc->val, arena_ptr(__u8, it->member), ml, FP_REPLY_MAX);
	p = fp_put_bulk(sc, pos, ml);
	if (p < 0 || !withscores)
		return p;
	return fp_zset_put_score(sc, (__u32)p, it->score);
}

/* ZRANGE / ZREVRANGE key start stop [WITHSCORES] on zset zaddr. 0 or a pass reason. */
FP_GLOBAL int fp_zset_range(struct fp_scratch *sc, struct fp_run *r, __u64 zaddr)
{
	struct zset __arena *z = arena_ptr(struct zset, zaddr);
	__u32 n = 0, zseq = 0, k, ws;
	__s64 start, stop;
	int err, p;

	arena_map_use();
	if (!sc || !r)
		return FP_C_PASS_ERROR;
	start = fp_zset_arg_uint(sc, 2);
	stop = fp_zset_arg_uint(sc, 3);
	if (start < 0 || stop < 0)
		return FP_C_PASS_COMMAND;
	ws = r->zflags & FP_ZF_WITHSCORES;
	if (stop >= start) {
		err = zset_read_range_by_rank(
		    z, (__u64)start, (__u64)(stop - start) + 1, r->cmd == FP_CMD_ZREVRANGE,
		    (struct zset_read_item *)sc->zitems, FP_ZRANGE_MAX, &n, &zseq);
		if (err == -E2BIG)
			return FP_C_PASS_ZSET;
		if (err)
			return FP_C_PASS_DOUBT;
	}
	p = fp_put_num(sc, r->pos, '*', ws ? 2 * n : n);
	if (p < 0)
		return FP_C_PASS_REPLY_TOO_BIG;
	for (k = 0; k < FP_ZRANGE_MAX; k++) {
		if (k >= n)
			break;
		p = fp_zset_put_item(sc, (__u32)p, k, ws);
		if (p == -2)
			return FP_C_PASS_ZSET;
		if (p < 0)
			return FP_C_PASS_REPLY_TOO_BIG;
	}
	/* the members were copied: were they one state of the zset? */
	if (n && zset_read_retry(z, zseq))
		return FP_C_PASS_DOUBT;
	r->pos = (__u32)p;
	return 0;
}

/*
 * Copy the member (argument 2) into sc->key for the member readers (the key is no longer needed
 * there: zset_read_key() is done). Its length, or minus a pass reason.
 */
static __always_inline int fp_zset_member(struct fp_scratch *sc)
{
	__u32 off = sc->arg_off[2], mlen = sc->arg_len[2];

	if (mlen > ZSET_READ_MEMBER_MAX)
		return -FP_C_PASS_KEY_TOO_LONG;
	if (off > FP_REQ_MAX || bpf_probe_read_kernel(sc->key, mlen, sc->req + off))
		return -FP_C_PASS_ERROR;
	return *(volatile __u16 *)&sc->arg_len[2]; /* imprecise again: see fp_read_key() */
}

/*
 * ZSCORE's and ZRANK's lookup of the member in zset zaddr: 0 with the score bits in
 * sc->zitems[0] (and for ZRANK / ZREVRANK the rank in sc->zitems[1]), -1 when the zset has no
 * such member, or a pass reason. The reply is written by the caller: kept out of this frame, the
 * deepest call chain (this, the rank walk's node validation) fits the 512-byte stack.
 */
FP_GLOBAL int fp_zset_lookup(struct fp_scratch *sc, __u64 zaddr, __u32 cmd)
{
	struct zset __arena *z = arena_ptr(struct zset, zaddr);
	__u64 bits = 0, rank = 0;
	int err, mlen;

	arena_map_use();
	if (!sc)
		return FP_C_PASS_ERROR;
	mlen = fp_zset_member(sc);
	if (mlen < 0)
		return -mlen;
	if (cmd == FP_CMD_ZSCORE)
		err = zset_read_score(z, sc->key, (__u32)mlen, &bits);
	else
		err = zset_read_rank(z, sc->key, (__u32)mlen, cmd == FP_CMD_ZREVRANK, &rank, &bits);
	if (err == -ENOENT)
		return -1;
	if (err == -E2BIG) /* the member (checked above), or the walk's bounds */
		return FP_C_PASS_ZSET;
	if (err)
		return FP_C_PASS_DOUBT;
	sc->zitems[0] = bits;
	sc->zitems[1] = rank;
	return 0;
}

/*
 * The reply to ZSCORE / ZRANK / ZREVRANK [WITHSCORE] at r->pos, from fp_zset_lookup()'s result
 * err (0, -1 or a pass reason): the score (bulk), the rank (integer), or [rank, score]; for a
 * missing member a null bulk, or a null array with WITHSCORE (server/t_zset.c). 0 or a pass
 * reason. Called after the lookup returned, not from inside it: the stack chains stay short.
 */
FP_GLOBAL int fp_zset_member_reply(struct fp_scratch *sc, struct fp_run *r, int err)
{
	__u32 ws;
	int p;

	if (!sc || !r)
		return FP_C_PASS_ERROR;
	if (err > 0)
		return err;
	ws = r->zflags & FP_ZF_WITHSCORES;
	if (err < 0) {
		p = fp_put_num(sc, r->pos, ws ? '*' : '$', -1);
	} else if (r->cmd == FP_CMD_ZSCORE) {
		p = fp_zset_put_score(sc, r->pos, sc->zitems[0]);
	} else {
		p = ws ? fp_put_num(sc, r->pos, '*', 2) : (int)r->pos;
		if (p >= 0)
			p = fp_put_num(sc, (__u32)p, ':', (__s64)sc->zitems[1]);
		if (p >= 0 && ws)
			p = fp_zset_put_score(sc, (__u32)p, sc->zitems[0]);
	}
	if (p == -2)
		return FP_C_PASS_ZSET;
	if (p < 0)
		return FP_C_PASS_REPLY_TOO_BIG;
	r->pos = (__u32)p;
	return 0;
}

/*
 * Find the key (argument 1, database 0) as a sorted set: leave its entry and seq in
 * sc->ent[0]/seq[0] for fp_commit() and return the zset's arena address, or minus a pass
 * reason (arena addresses are far below 2^63). Its own global function so that the key
 * reader's frame is not under the member readers' (512-byte stack).
 */
FP_GLOBAL __s64 fp_zset_key(struct fp_scratch *sc, __u64 now)
{
	struct arena_hdr __arena *hdr = ARENA_HDR;
	struct kv_entry __arena *e = 0;
	struct zset __arena *z = 0;
	__u32 off, klen, eseq = 0;
	int err;

	arena_map_use();
	if (!sc)
		return -FP_C_PASS_ERROR;
	off = sc->arg_off[1];
	klen = sc->arg_len[1];
	if (klen > FP_KEY_MAX)
		return -FP_C_PASS_KEY_TOO_LONG;
	if (off > FP_REQ_MAX || bpf_probe_read_kernel(sc->key, klen, sc->req + off))
		return -FP_C_PASS_ERROR;
	klen = *(volatile __u16 *)&sc->arg_len[1];
	err = zset_read_key(&hdr->db[0], sc->key, klen, now, &e, &eseq, &z);
	if (err)
		return -(__s64)fp_read_reason(err);
	sc->ent[0] = arena_addr(e);
	sc->seq[0] = eseq;
	sc->hash[0] = arena_read_once(e->hash);
	sc->vlen[0] = 8;
	return (__s64)arena_addr(z);
}

/*
 * The sorted-set command of the request in sc (the zset program's fp_key_step): read the key,
 * answer at r->pos. 0 or a pass reason.
 */
FP_GLOBAL int fp_zset_step(struct fp_scratch *sc, struct fp_run *r)
{
	__s64 z;

	if (!sc || !r)
		return FP_C_PASS_ERROR;
	/* A rank or a range reads several members: no write command may be half done (see the
	 * top comment). fp_commit() checks the seqcount again. */
	if (r->cmd != FP_CMD_ZSCORE) {
		r->multi = 1;
		r->wseq = arena_wseq_read_begin();
		if (r->wseq & 1)
			return FP_C_PASS_DOUBT;
	}
	z = fp_zset_key(sc, r->now);
	if (z < 0)
		return (int)-z;
	if (r->cmd == FP_CMD_ZRANGE || r->cmd == FP_CMD_ZREVRANGE)
		return fp_zset_range(sc, r, (__u64)z);
	return fp_zset_member_reply(sc, r, fp_zset_lookup(sc, (__u64)z, r->cmd));
}

#endif /* ARENAKV_BPF_FP_ZSET_H */
