/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fp_zset.h - the fast path's sorted-set commands: ZSCORE, and ZRANGE / ZREVRANGE by rank (a
 * leaderboard's top N, WITHSCORES), answered from the arena skip list with the index's
 * lock-free readers (index/zset.h: zset_read_key, zset_read_score, zset_read_range_by_rank).
 * Included by fp_answer.h; fp_key_step() hands a zset command to fp_zset_step().
 *
 * Bounds (anything beyond them is passed up, counted):
 *  - key <= FP_KEY_MAX bytes, ZSCORE member <= ZSET_READ_MEMBER_MAX (passed_key_too_long);
 *    database 0 only (as every UDP request);
 *  - ZRANGE: plain non-negative start and stop, optional WITHSCORES, nothing else (negative
 *    indexes, BYSCORE/BYLEX/REV/LIMIT: passed_command); at most FP_ZRANGE_MAX members in the
 *    answer (passed_zset); the reply within FP_REPLY_MAX;
 *  - a walk to the start rank of at most ZSET_READ_MAX_STEPS skip-list steps (passed_doubt);
 *  - scores printed exactly as user space's "%.17g" by integer code only: integers below 1e17
 *    (not -0) and the infinities (zset_score_int()); any other score in an answer passes the
 *    request (passed_zset): a false miss, never a wrong byte.
 * A missing or expired key (passed_miss) or a key of another type (passed_type) goes up; a
 * missing member of an existing zset is answered (null bulk, as Redis 7 in RESP2).
 *
 * Verifier budget (6.18, measured): node validation (fp_zset_node) and the member comparison
 * (fp_zset_lexcmp) are global functions, verified once instead of once per walk step; the ZSCORE
 * reply is written by fp_zset_step, not inside fp_zset_score, so the deepest call chain fits the
 * 512-byte stack. Whole program ~210K processed instructions. Not here: ZRANK/ZREVRANK (the rank
 * walk compares members on ties) and zset_fmt_score() (dyadic fractions): both went over the
 * 1M-instruction limit in the forms tried.
 *
 * Consistency: the key entry's seq is re-checked in fp_commit() like every other key's; the
 * zset's own seq is checked after the member bytes were copied into the reply (index/zset.h
 * contract). Reply bytes are what Redis 7 / server/t_zset.c send in RESP2
 * (tests/bpf/test_fastpath_xdp.c).
 */
#ifndef ARENAKV_BPF_FP_ZSET_H
#define ARENAKV_BPF_FP_ZSET_H

#include "fp_resp.h"

_Static_assert(sizeof(struct zset_read_item) == 24, "fp_scratch.zitems holds 3 words per item");

#define FP_ZF_WITHSCORES 0x1 /* fp_run.zflags */

/* Validate node entry n (zset_read_node, index/zset.h): its node part's address, or 0; the
 * member's address and length in the scratch (zn_member, zn_mlen). Global: verified once, not
 * once per walk step. */
FP_GLOBAL __u64 fp_zset_node(__u64 n)
{
	struct fp_scratch *sc = fp_scratch_get();
	const __u8 __arena *m = 0;
	struct zset_node __arena *zn;
	__u32 ml = 0;

	fp_use_arena();
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

	fp_use_arena();
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

/* The zset command in arg 0 (case-insensitive), FP_CMD_NONE when not one. */
FP_GLOBAL int fp_zset_parse_cmd(struct fp_scratch *sc)
{
	__u32 off, len, i;
	__u8 c[9] = {};

	if (!sc)
		return FP_CMD_NONE;
	off = sc->arg_off[0];
	len = sc->arg_len[0];
	if (len < 6 || len > 9 || off > FP_REQ_MAX)
		return FP_CMD_NONE;
	for (i = 0; i < 9; i++)
		if (i < len)
			c[i] = sc->req[off + i] | 0x20; /* ASCII letters only: others never match */
	if (len == 6 && c[0] == 'z' && c[1] == 'r' && c[2] == 'a' && c[3] == 'n' && c[4] == 'g' &&
	    c[5] == 'e')
		return FP_CMD_ZRANGE;
	if (len == 6 && c[0] == 'z' && c[1] == 's' && c[2] == 'c' && c[3] == 'o' && c[4] == 'r' &&
	    c[5] == 'e')
		return FP_CMD_ZSCORE;
	if (len == 9 && c[0] == 'z' && c[1] == 'r' && c[2] == 'e' && c[3] == 'v' && c[4] == 'r' &&
	    c[5] == 'a' && c[6] == 'n' && c[7] == 'g' && c[8] == 'e')
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

/* Is arg idx "WITHSCORES" (any case)? */
FP_GLOBAL int fp_zset_arg_withscores(struct fp_scratch *sc, __u32 idx)
{
	const char *w = "withscores";
	__u32 off, i;

	if (!sc || idx >= FP_NARGS || sc->arg_len[idx] != 10)
		return 0;
	off = sc->arg_off[idx];
	if (off > FP_REQ_MAX)
		return 0;
	for (i = 0; i < 10; i++)
		if ((sc->req[off + i] | 0x20) != w[i])
			return 0;
	return 1;
}

/*
 * Append a score as a bulk string at pos, exactly as user space prints it, for the scores
 * zset_score_int() covers (integers below 1e17 but -0, and the infinities). New position, -1
 * when it does not fit, -2 for any other score (the request goes up).
 */
FP_GLOBAL int fp_zset_put_score(struct fp_scratch *sc, __u32 pos, __u64 bits)
{
	__u64 u, p10 = 10;
	__u32 i, len = 1;
	__s64 v = 0;
	int kind, p;

	if (!sc)
		return -1;
	kind = zset_score_int(bits, &v);
	if (!kind)
		return -2;
	if (kind != 1) {
		sc->val[0] = '-';
		sc->val[1] = 'i';
		sc->val[2] = 'n';
		sc->val[3] = 'f';
		if (kind == 2)
			sc->val[0] = 'i', sc->val[1] = 'n', sc->val[2] = 'f';
		return fp_put_bulk(sc, pos, kind == 2 ? 3 : 4);
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

	fp_use_arena();
	if (!sc || k >= FP_ZRANGE_MAX)
		return -1;
	it = (struct zset_read_item *)&sc->zitems[k * 3];
	ml = it->mlen;
	if (ml > FP_REPLY_MAX)
		return -1;
	fp_copy_out(sc->val, arena_ptr(__u8, it->member), ml);
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

	fp_use_arena();
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
 * ZSCORE's lookup of the member (argument 2) in zset zaddr: 0 and the score bits in
 * sc->zitems[0], -1 when the zset has no such member, or a pass reason. The reply is written by
 * the caller: kept out of this frame, the deepest call chain fits the 512-byte stack.
 */
FP_GLOBAL int fp_zset_score(struct fp_scratch *sc, __u64 zaddr)
{
	struct zset __arena *z = arena_ptr(struct zset, zaddr);
	__u32 off, mlen;
	__u64 bits = 0;
	int err;

	fp_use_arena();
	if (!sc)
		return FP_C_PASS_ERROR;
	off = sc->arg_off[2];
	mlen = sc->arg_len[2];
	if (mlen > ZSET_READ_MEMBER_MAX)
		return FP_C_PASS_KEY_TOO_LONG;
	if (off > FP_REQ_MAX || bpf_probe_read_kernel(sc->key, mlen, sc->req + off))
		return FP_C_PASS_ERROR;
	mlen = *(volatile __u16 *)&sc->arg_len[2]; /* imprecise again: see fp_read_key() */
	err = zset_read_score(z, sc->key, mlen, &bits);
	if (err == -ENOENT)
		return -1;
	if (err == -E2BIG)
		return FP_C_PASS_KEY_TOO_LONG;
	if (err)
		return FP_C_PASS_DOUBT;
	sc->zitems[0] = bits;
	return 0;
}

/*
 * The zset command of the request in sc: find the key (database 0) as a sorted set, leave its
 * entry and seq in sc->ent[0]/seq[0] for fp_commit(), answer at r->pos. 0 or a pass reason.
 */
FP_GLOBAL int fp_zset_step(struct fp_scratch *sc, struct fp_run *r)
{
	struct arena_hdr __arena *hdr = ARENA_HDR;
	struct kv_entry __arena *e = 0;
	struct zset __arena *z = 0;
	__u32 off, klen, eseq = 0;
	int err, p;

	fp_use_arena();
	if (!sc || !r)
		return FP_C_PASS_ERROR;
	off = sc->arg_off[1];
	klen = sc->arg_len[1];
	if (klen > FP_KEY_MAX)
		return FP_C_PASS_KEY_TOO_LONG;
	if (off > FP_REQ_MAX || bpf_probe_read_kernel(sc->key, klen, sc->req + off))
		return FP_C_PASS_ERROR;
	klen = *(volatile __u16 *)&sc->arg_len[1];
	err = zset_read_key(&hdr->db[0], sc->key, klen, r->now, &e, &eseq, &z);
	if (err)
		return fp_read_reason(err);
	sc->ent[0] = arena_addr(e);
	sc->seq[0] = eseq;
	sc->hash[0] = arena_read_once(e->hash);
	sc->vlen[0] = 8;
	if (r->cmd != FP_CMD_ZSCORE)
		return fp_zset_range(sc, r, arena_addr(z));
	err = fp_zset_score(sc, arena_addr(z));
	if (err > 0)
		return err;
	if (err < 0)
		p = fp_put_num(sc, r->pos, '$', -1); /* no such member: null bulk, as Redis */
	else
		p = fp_zset_put_score(sc, r->pos, sc->zitems[0]);
	if (p == -2)
		return FP_C_PASS_ZSET;
	if (p < 0)
		return FP_C_PASS_REPLY_TOO_BIG;
	r->pos = (__u32)p;
	return 0;
}

#endif /* ARENAKV_BPF_FP_ZSET_H */
