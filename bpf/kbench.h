/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kbench.h - the only contract between bpf/kbench.bpf.c and the benchmarks that run it
 * (bench/kernel_lookup.c, bench/live_frames.c). Compiled by clang -target bpf and by the host
 * compiler; the _Static_asserts keep both sides on one layout.
 *
 * What is measured and why it looks like this: docs/PERFORMANCE.md, "In-kernel lookups".
 *
 * Maps and globals of kbench.bpf.c (who writes what):
 *  - kb_keys   ARRAY[nkeys] of struct kb_key: the benchmark's keys, written by user space before
 *              any run, read by the programs. Every key is KB_KLEN bytes; the rest of the slot
 *              is slack the BPF xxh64 loop may read past the key (docs/BPF.md), so a program
 *              hands the map value itself to the arena reader, no copy.
 *  - kb_hash   HASH[nkeys] struct kb_key.k (KB_KLEN bytes) -> struct kb_val: the same keys and
 *              values as the arena table, written by user space, for the comparison.
 *  - kb_tmpl   (.bss) the live-frames run's GET request frame of key 0 and its checksum base
 *              (user space writes it before the runs, kb_live reads; kb_frame_fields() gives
 *              what differs for another key).
 *  - kb_prog   PROG_ARRAY[1]: slot 0 = what kb_live tail-calls: the real fast-path program
 *              (fastpath.bpf.c fp_xdp), kb_tx, or nothing (user space sets it between rows).
 *  - kb_ctl    (.bss) run parameters, written by user space between runs.
 *  - kb_res    (.bss) counters the programs add to; user space reads them between runs. The
 *              lookup programs run one at a time on one CPU (test_run), so plain adds; the
 *              peer program may run on another CPU and uses atomic adds.
 */
#ifndef ARENAKV_BPF_KBENCH_H
#define ARENAKV_BPF_KBENCH_H

#if defined(__BPF__) || defined(__bpf__)
/* vmlinux.h already defines the __u* types. */
#else
#include <linux/types.h>
#endif

#ifndef KB_KLEN
#define KB_KLEN 16 /* key length of every benchmark key ("key:%012u") */
#endif
#ifndef KB_VLEN
#define KB_VLEN 32 /* value length */
#endif
#define KB_KEY_SLOT  64	 /* struct kb_key size: KB_KEY_READ + xxh64's 32-byte overread */
#define KB_KEY_READ  32	 /* longest key the kbench reader hashes (multiple of 32) */
#define KB_VAL_MAX   64	 /* value bytes the kbench reader copies at most */
#define KB_FRAME_MAX 128 /* bytes of a prebuilt request frame */
#define KB_BATCH_MAX (1 << 20)

enum kb_mode {
	KB_RANDOM = 0, /* key index from a xorshift64 PRNG, scaled to [0, nkeys) */
	KB_HOT = 1,    /* always key 0 */
};

struct kb_key {
	__u8 k[KB_KLEN];
	__u8 slack[KB_KEY_SLOT - KB_KLEN];
};

/* kb_hash's key: the KB_KLEN key bytes alone. */
struct kb_hkey {
	__u8 k[KB_KLEN];
};

struct kb_val {
	__u8 v[KB_VLEN];
};

/*
 * The live-frames request: every frame is the template (the frame of key 0, struct kb_tmpl)
 * with three fields replaced (kb_frame_fields()): the key's digits, the request id and the UDP
 * checksum. bench/live_frames.c builds every frame in full and checks that patching
 * the template gives exactly those bytes; KB_FRAME_LEN and the offsets below are the layout of
 * an IPv4/UDP GET of a KB_KLEN-byte key (14 Ethernet + 20 IP + 8 UDP + 16 fast-path header +
 * "*2\r\n$3\r\nGET\r\n$16\r\n" + key + "\r\n").
 */
#define KB_FRAME_LEN	94
#define KB_OFF_UDP_CSUM 40 /* 14 + 20 + 6 */
#define KB_OFF_REQ_ID	46 /* 14 + 20 + 8 + 4 */
#define KB_OFF_KEY	76 /* 14 + 20 + 8 + 16 + 18 */

struct kb_tmpl {
	__u64 w[KB_FRAME_MAX / 8];
	__u64 csum_base; /* see kb_frame_fields() */
};

/*
 * What differs between the request frames of key 0 and key i, computed, not looked up (a table
 * of 100k per-key patches cost the driver a cache and TLB miss per random frame, ~100 ns that
 * were charged to the fast path): the key's 12 decimal digits ("key:%012u"), the request id
 * (= i, big-endian) and the UDP checksum, from csum_base, the ones' complement sum (memory order,
 * unfolded) of the pseudo-header, UDP header and payload with the checksum, the id and the
 * digits zeroed. The same function runs in kb_live and in bench/live_frames.c, which checks it
 * against every frame it builds in full. i < 2^32: the division by 10 is the exact
 * multiply-and-shift.
 */
#define KB_OFF_DIGITS (KB_OFF_KEY + 4) /* after "key:" */

struct kb_fields {
	__u8 digits[16]; /* 12 used */
	__u32 id;	 /* as the frame's bytes */
	__u16 csum;	 /* as the frame's bytes */
	__u16 pad;
};

static inline void kb_frame_fields(__u32 i, __u64 csum_base, struct kb_fields *f)
{
	__u64 u = i, s = csum_base;
	__u8 *id = (__u8 *)&f->id;
	int d;

	for (d = 11; d >= 0; d--) {
		__u64 q = (u * 0xCCCCCCCDULL) >> 35;

		f->digits[d] = (__u8)('0' + (u - q * 10));
		u = q;
	}
	id[0] = (__u8)(i >> 24);
	id[1] = (__u8)(i >> 16);
	id[2] = (__u8)(i >> 8);
	id[3] = (__u8)i;
	for (d = 0; d < 12; d += 2)
		s += (__u32)f->digits[d] | (__u32)f->digits[d + 1] << 8;
	s += (__u32)id[0] | (__u32)id[1] << 8;
	s += (__u32)id[2] | (__u32)id[3] << 8;
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	f->csum = (__u16)~s ? (__u16)~s : 0xffff;
}

/* Run parameters (user space writes before a run). */
struct kb_ctl {
	__u32 nkeys; /* keys (and frames) in use, >= 1 */
	__u32 mode;  /* enum kb_mode */
	__u32 batch; /* lookups per program run (bpf_loop iterations), 1..KB_BATCH_MAX */
	__u32 db;    /* arena database the keys are in */
	__u64 rnd;   /* PRNG state, carried from run to run (never 0) */
};

/* Counters (programs add; user space zeroes and reads between runs). */
struct kb_res {
	__u64 lookups;	     /* lookups attempted */
	__u64 hits;	     /* found, value copied */
	__u64 misses;	     /* not found (must stay 0: every key is present) */
	__u64 doubts;	     /* arena reader in doubt (-EAGAIN) or other error */
	__u64 bytes;	     /* value bytes copied (a check that the copy really ran) */
	__u64 live_runs;     /* kb_live runs */
	__u64 live_badlen;   /* kb_live frames whose length was not the template's */
	__u64 live_nocall;   /* kb_live tail calls that failed (no program in kb_prog) */
	__u64 peer_rx;	     /* frames the peer veth's program saw (replies delivered) */
	__u64 peer_rx_reply; /* of which UDP from the fast-path port (kernel replies) */
};

#define kb_static_assert(cond, msg) _Static_assert(cond, msg)
kb_static_assert(sizeof(struct kb_key) == KB_KEY_SLOT, "kb_key layout");
kb_static_assert(KB_KLEN <= KB_KEY_READ && KB_KEY_READ % 32 == 0, "key bound");
kb_static_assert(KB_KEY_SLOT >= KB_KEY_READ + 32, "xxh64 overread slack");
kb_static_assert(KB_VLEN + 8 <= KB_VAL_MAX, "value bound (8-byte copy loop)");
kb_static_assert(KB_KLEN == 16 && (KB_OFF_DIGITS - 34) % 2 == 0 && (KB_OFF_REQ_ID - 34) % 2 == 0,
		 "digits and id are whole 16-bit words of the UDP datagram");
kb_static_assert(KB_FRAME_LEN <= KB_FRAME_MAX && KB_OFF_KEY + KB_KLEN + 2 == KB_FRAME_LEN, "frame");
kb_static_assert(KB_FRAME_LEN % 8 == 6, "kb_live copies 8 * n + 4 + 2 bytes");
kb_static_assert(sizeof(struct kb_ctl) == 24, "kb_ctl layout");
kb_static_assert(sizeof(struct kb_res) == 80, "kb_res layout");

#endif /* ARENAKV_BPF_KBENCH_H */
