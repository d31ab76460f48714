// SPDX-License-Identifier: BSD-2-Clause
/*
 * fastpath.bpf.c - the in-kernel fast path: an XDP and a tcx program that answer GET, MGET,
 * EXISTS, TTL, PTTL and STRLEN datagrams, and ZSCORE, ZRANK / ZREVRANK and ZRANGE / ZREVRANGE
 * by rank (bpf/fp_zset.h) (bpf/fastpath.h, docs/PROTOCOL.md) from the arena the server writes,
 * and pass everything else up to the server.
 *
 * Each program is one line around fp_run() (bpf/fp_answer.h), inlined with xdp = 1 or 0 so
 * each keeps only its own hook's helpers, and with kind = FP_KIND_MAIN or FP_KIND_ZSET: the
 * sorted-set commands run in fp_xdp_zset / fp_tc_zset, tail-called by fp_xdp / fp_tc, each with
 * its own verifier budget (bpf/fp_zset.h). The lookup is the index's own lock-free reader
 * (index/htab.h, htab_read_at), compiled here with these bounds:
 *  - keys up to FP_KEY_MAX bytes are hashed in place in the per-CPU scratch copy of the request
 *    (XXH64 costs ~30 processed instructions per byte of bound, docs/BPF.md);
 *  - values are copied from the arena by arena_copy_words(), 8 bytes per iteration, at most
 *    FP_REPLY_MAX bytes: an arena pointer cannot be given to a helper, so a bounded loop it is.
 *    The loop may read up to 7 bytes past the value: arena loads never fault (an unmapped arena
 *    page reads as zeros in BPF) and the bytes are never sent, the reply takes n of them.
 *
 * The arena map declared in fp_maps.h is never created by this object: the loader
 * (bpf/fp_load.h) gives it the fd of the arena bpf/arenakv.bpf.c created, so both objects read
 * and write the same pages.
 *
 * Return values: XDP_TX / bpf_redirect(ingress ifindex) (= TCX_REDIRECT) for an answer;
 * XDP_PASS / TCX_NEXT to let the frame go on (TCX_NEXT, not TCX_PASS: other tcx programs on
 * the same device, e.g. a second server's, still see it; with none left it is passed up);
 * XDP_DROP / TCX_DROP only when the frame was damaged by a failed rewrite (passed_error).
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <asm-generic/errno.h>

#include "fastpath.h"
#include "arena_map.h"

#define XXH64_BPF_MAX_LEN	   FP_KEY_MAX
#define HTAB_READ_KEY_MAX	   FP_KEY_MAX
#define HTAB_READ_VAL_MAX	   FP_REPLY_MAX
#define HTAB_COPY_OUT(dst, src, n) arena_copy_words((dst), (src), (n), FP_REPLY_MAX)
/* Keys compared 8 bytes at a time: both sides may be read up to 7 bytes past klen (the
 * scratch key has 32 bytes of slack, an arena read never faults), the excess masked off. */
static __always_inline int fp_key_eq(const void *key, const __u8 __arena *akey, __u32 klen);
#define HTAB_KEY_EQ(key, akey, klen) fp_key_eq((key), (akey), (klen))
/* now_ns 0: read CLOCK_MONOTONIC only for an entry that has an expiry (index/htab.h) */
#define HTAB_READ_CLOCK(now_ns)	   ((now_ns) ? (now_ns) : bpf_ktime_get_ns())
#define ZSET_READ_MAX_STEPS	   64 /* skip-list steps per walk (about 30 for 1M members) */
#define ZSET_READ_MEMBER_MAX	   64 /* longest member looked up or compared */
/* Node validation and the member comparison are global functions (fp_zset.h), each verified
 * once instead of once per skip-list step. */
struct kv_entry;
struct zset_node;
static __always_inline struct zset_node __arena *
fp_zset_node_adapt(struct kv_entry __arena *n, const __u8 __arena **m, __u32 *mlen);
int fp_zset_lexcmp(__u64 a, __u32 alen, __u32 blen);
#define ZSET_READ_NODE(n, m, mlen)	   fp_zset_node_adapt((n), (m), (mlen))
#define ZSET_READ_LEXCMP(a, alen, b, blen) fp_zset_lexcmp(arena_addr(a), (alen), (blen))
__u32 fp_zset_opaque(__u32 v);
int fp_zset_cmp(__u64 fkey, __u64 key, __u64 fm, __u32 fml, __u32 mlen);
/* the rank walk's level and order: see index/zset.h */
#define ZSET_READ_LEVEL(i) fp_zset_opaque(i)
#define ZSET_READ_CMP(fkey, key, fm, fml, m, mlen)                                                 \
	fp_zset_cmp((fkey), (key), arena_addr(fm), (fml), (mlen))
/* The score formatter's two phases too (index/zset.h zset_fmt_score); the fast path formats
 * into its scratch's val[] only, which is where fp_zset_fmt_put() writes. */
struct zset_fmt_dec;
int fp_zset_fmt_digits(__u64 bits, struct zset_fmt_dec *f);
int fp_zset_fmt_put(const struct zset_fmt_dec *f, __u32 neg);
#define ZSET_FMT_DIGITS(bits, f)  fp_zset_fmt_digits((bits), (f))
#define ZSET_FMT_PUT(f, neg, out) fp_zset_fmt_put((f), (neg))
#include "layout.h"
#include "zset.h"

#include "fp_maps.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "fp_key_eq masks the low bytes");

static __always_inline int fp_key_eq(const void *key, const __u8 __arena *akey, __u32 klen)
{
	const __u64 *k = key;
	__u32 i, n = klen / 8, rem = klen & 7;

	for (i = 0; i < FP_KEY_MAX / 8; i++) {
		if (i >= n)
			break;
		if (k[i] != *(const __u64 __arena *)(akey + i * 8))
			return 0;
	}
	if (rem && n < FP_KEY_MAX / 8 &&
	    ((k[n] ^ *(const __u64 __arena *)(akey + n * 8)) & ((1ULL << (rem * 8)) - 1)))
		return 0;
	return 1;
}

#include "fp_answer.h"

static __always_inline int fp_xdp_verdict(int r)
{
	return r > 0 ? XDP_TX : r < 0 ? XDP_DROP : XDP_PASS;
}

static __always_inline int fp_tc_verdict(struct __sk_buff *skb, int r)
{
	if (r > 0)
		return bpf_redirect(skb->ifindex, 0);
	return r < 0 ? TCX_DROP : TCX_NEXT;
}

SEC("xdp")
int fp_xdp(struct xdp_md *ctx)
{
	return fp_xdp_verdict(fp_run(ctx, 1, FP_KIND_MAIN));
}

SEC("tcx/ingress")
int fp_tc(struct __sk_buff *skb)
{
	return fp_tc_verdict(skb, fp_run(skb, 0, FP_KIND_MAIN));
}

/* The sorted-set programs, tail-called by the two above (bpf/fp_zset.h); never attached. */
SEC("xdp")
int fp_xdp_zset(struct xdp_md *ctx)
{
	return fp_xdp_verdict(fp_run(ctx, 1, FP_KIND_ZSET));
}

SEC("tcx/ingress")
int fp_tc_zset(struct __sk_buff *skb)
{
	return fp_tc_verdict(skb, fp_run(skb, 0, FP_KIND_ZSET));
}

char _license[] SEC("license") = "Dual BSD/GPL";
