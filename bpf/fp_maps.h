/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fp_maps.h - the maps of the fast-path object (bpf/fastpath.bpf.c), BPF side only.
 *
 *  - arena:       the index's BPF_MAP_TYPE_ARENA. Declared exactly as in bpf/arenakv.bpf.c so the
 *                 loader can hand this object the live arena's fd (bpf_map__reuse_fd, see
 *                 bpf/fp_load.h); the programs never allocate in it and only write kv_entry.access.
 *  - fp_config:   ARRAY[1] of struct fp_config, written by user space (fastpath.h).
 *  - fp_allow4/6: LPM tries of allowed source prefixes, written by user space.
 *  - fp_counters: PERCPU_ARRAY[1] of struct fp_counters, written by the programs (one lookup
 *                 per frame instead of one per counter bumped).
 *  - fp_hot:      RINGBUF of struct fp_hot_rec, sampled hits.
 *  - fp_scratch:  PERCPU_ARRAY[1] of struct fp_scratch: request copy, reply under construction,
 *                 value staging. Per CPU because a program runs to completion on one CPU without
 *                 being re-entered by itself (softirq for XDP/tc; BPF_PROG_TEST_RUN runs with
 *                 migration disabled and tests run it from one thread).
 */
#ifndef ARENAKV_BPF_FP_MAPS_H
#define ARENAKV_BPF_FP_MAPS_H

#include "fastpath.h"
#include "fp_pkt.h"

/* Scratch buffers. Sizes carry slack so that the verifier can prove every bounded access:
 *  - req: the request; bpf_csum_diff reads whole 4-byte words past its end; a key starting
 *    anywhere below FP_REQ_MAX is copied 8 bytes at a time (fp_read_key);
 *  - key: a key is copied here, at a fixed offset, before it is hashed, as bpf/arenakv.bpf.c
 *    does (the reader's loops then index a constant base); xxh64 may read 32 bytes past
 *    FP_KEY_MAX (docs/BPF.md);
 *  - out: a bulk of up to FP_REPLY_MAX bytes may be appended at any position below
 *    FP_HDR_SIZE + FP_REPLY_MAX (the runtime check keeps the reply within FP_REPLY_MAX);
 *  - val: the reader's 8-byte copy loop may overshoot by 7 bytes. */
#define FP_REQ_BUF   (FP_REQ_MAX + FP_KEY_MAX + 64)
#define FP_OUT_LIMIT (FP_HDR_SIZE + FP_REPLY_MAX) /* reply UDP payload never longer */
#define FP_OUT_BUF   (FP_OUT_LIMIT + FP_REPLY_MAX + 64)
#define FP_VAL_BUF   (FP_REPLY_MAX + 16)
#define FP_NARGS     (FP_MULTI_MAX + 1)
/* Room for the reply's Ethernet + IP + UDP headers right before out[]: fp_emit() builds them so
 * that headers and payload are one contiguous range, written into the frame with one helper
 * call. 64 = 62 (IPv6) rounded up; then IPv4 and IPv6 headers are 4-byte aligned. */
#define FP_HDR_ROOM  64

struct fp_scratch {
	struct fp_frame frame; /* the request's headers (fp_parse_frame) */
	__u8 req[FP_REQ_BUF];
	__u8 hdr[FP_HDR_ROOM]; /* reply headers, built to end exactly where out[] starts */
	__u8 out[FP_OUT_BUF];
	__u8 val[FP_VAL_BUF];
	__u8 key[FP_KEY_MAX + 32]; /* the key being looked up (+32: xxh64's tail reads, BPF.md) */
	__u16 arg_off[FP_NARGS];   /* offsets into req of the command's arguments */
	__u16 arg_len[FP_NARGS];
	__u64 ent[FP_MULTI_MAX]; /* entries that answered (arena address), for the final check */
	__u32 seq[FP_MULTI_MAX]; /* and their seqs */
	__u32 hash[FP_MULTI_MAX];
	__u32 vlen[FP_MULTI_MAX];
	__u64 zitems[FP_ZRANGE_MAX * 3]; /* zset_read_item[] of a ZRANGE, ZSCORE's score (fp_zset.h) */
	__u64 zn_member;		 /* fp_zset_node()'s answer besides its return value */
	__u32 zn_mlen;
	__u32 zn_pad;
	__u32 copied; /* value bytes fp_read_key() left in val[] */
	__u32 sample_left; /* answers until the next hot-key sample (fp_commit) */
	__u64 lru_from;	   /* fp_lru_clock(): lru_val is right for coarse times in */
			   /* [lru_from, lru_from + KV_LRU_RES_NS) */
	__u32 lru_val;
	__u32 allow_ok;	    /* fp_source_allowed(): allow_gen + 1 when allow_saddr[] is allowed */
	__u8 allow_saddr[16]; /* the last allowed source (IPv4: first 4 bytes, allow_v6 0) */
	__u32 allow_v6;
	__u32 pad;
	__u64 clk_jiffies; /* fp_access_now(): the coarse clock read at this jiffy */
	__u64 clk_coarse;
};

_Static_assert(__builtin_offsetof(struct fp_scratch, out) ==
		   __builtin_offsetof(struct fp_scratch, hdr) + FP_HDR_ROOM,
	       "fp_scratch: out must follow hdr (fp_emit writes both with one store)");
_Static_assert(__builtin_offsetof(struct fp_scratch, out) % 8 == 0, "fp_scratch.out alignment");

#include "arena_map.h" /* the arena map: the loader gives it the live arena's fd */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_config);
} fp_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FP_ALLOW_MAX);
	__type(key, struct fp_lpm4);
	__type(value, __u8);
} fp_allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FP_ALLOW_MAX);
	__type(key, struct fp_lpm6);
	__type(value, __u8);
} fp_allow6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_counters);
} fp_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FP_HOT_RINGBUF_SIZE);
} fp_hot SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_scratch);
} fp_scratch SEC(".maps");


/* This CPU's counters: looked up once per frame (fp_run), then bumped with fp_count(). */
static __always_inline struct fp_counters *fp_counters_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fp_counters, &zero);
}

/* Add n to counter c (any value: out of range is ignored) of this CPU's counters ctr. */
static __always_inline void fp_count(struct fp_counters *ctr, __u32 c, __u64 n)
{
	/* clang may prove c in range from a global function's returns (interprocedural range
	 * propagation) and drop the check; the verifier sees an unknown scalar and needs it. */
	asm volatile("" : "+r"(c));
	if (ctr && c < FP_C_MAX)
		ctr->c[c] += n;
}

static __always_inline struct fp_scratch *fp_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fp_scratch, &zero);
}

#endif /* ARENAKV_BPF_FP_MAPS_H */
