/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fp_pkt.h - packet access for the fast path, written once for the XDP and the tc program.
 *
 * Why helpers instead of direct packet access: the two hooks see the same bytes (an Ethernet
 * frame) through different contexts (struct xdp_md, struct __sk_buff). Reading headers with
 * bpf_{xdp,skb}_load_bytes() into stack structs and writing them back with *_store_bytes() gives
 * one code path with no data/data_end bookkeeping (every resize would invalidate packet pointers),
 * handles non-linear buffers, and costs a few helper calls per request. They are not free (each
 * one is a call, a bounds walk and a memcpy: ~18 ns per bpf_xdp_load_bytes() in a perf profile
 * here), so the answering path makes as few as it can: Ethernet and IP header in one load
 * (struct fp_frame keeps them adjacent), the whole reply in one store (fp_emit builds the
 * headers right before the payload).
 * Every function takes `xdp`, a compile-time constant after inlining (the entry programs pass a
 * literal 1 or 0), so each program only contains its own hook's helpers: the verifier refuses an
 * XDP helper in a tc program even in dead code, hence __always_inline on every function that
 * branches on it.
 *
 * Checksums are computed in "memory order" (16-bit words as they sit in the packet, summed on a
 * little-endian host), folded and stored without byte swapping: the ones' complement sum is
 * byte-order independent (RFC 1071), so this is what the kernel's csum_partial() does too.
 *
 * Invariants: nothing here keeps state; the caller bounds every length before passing it.
 */
#ifndef ARENAKV_BPF_FP_PKT_H
#define ARENAKV_BPF_FP_PKT_H

#define FP_ETH_HLEN    14
#define FP_ETH_P_IP    0x0800
#define FP_ETH_P_IPV6  0x86DD
#define FP_IPPROTO_UDP 17
#define FP_IP_MF       0x2000
#define FP_IP_OFFMASK  0x1fff
#define FP_REPLY_TTL   64 /* TTL / hop limit of every kernel reply */

/* The packet's headers as the fast path keeps them on the stack. */
struct fp_eth {
	__u8 dst[6];
	__u8 src[6];
	__u16 proto; /* big-endian */
};

struct fp_ip4 {
	__u8 vihl;
	__u8 tos;
	__u16 tot_len;
	__u16 id;
	__u16 frag_off;
	__u8 ttl;
	__u8 proto;
	__u16 check;
	__u32 saddr;
	__u32 daddr;
};

struct fp_ip6 {
	__u32 vtcfl; /* version, traffic class, flow label */
	__u16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct fp_udp {
	__u16 sport;
	__u16 dport;
	__u16 len;
	__u16 check;
};

/* Everything about the request frame the reply needs (stack, one per run). */
struct fp_frame {
	__u8 pad0[2]; /* puts eth right before the IP header: one helper call loads both */
	struct fp_eth eth;
	union {
		struct fp_ip4 ip4;
		struct fp_ip6 ip6;
		__u8 ip_bytes[40]; /* the first load also takes 8 bytes past an IPv4 header */
	};
	struct fp_udp udp;
	__u32 frame_len; /* bytes in the frame as received */
	__u32 l3_len;	 /* 20 or 40 */
	__u32 plen;	 /* UDP payload bytes */
	__u8 v6;
	__u8 pad[3];
};

_Static_assert(sizeof(struct fp_eth) == 14, "fp_eth");
_Static_assert(sizeof(struct fp_ip4) == 20, "fp_ip4");
_Static_assert(sizeof(struct fp_ip6) == 40, "fp_ip6");
_Static_assert(sizeof(struct fp_udp) == 8, "fp_udp");
_Static_assert(__builtin_offsetof(struct fp_frame, ip4) ==
		   __builtin_offsetof(struct fp_frame, eth) + FP_ETH_HLEN,
	       "fp_frame: IP header must follow eth (fp_parse_frame loads them together)");

static __always_inline long fp_load(void *ctx, int xdp, __u32 off, void *to, __u32 len)
{
	if (xdp)
		return bpf_xdp_load_bytes(ctx, off, to, len);
	return bpf_skb_load_bytes(ctx, off, to, len);
}

static __always_inline long fp_store(void *ctx, int xdp, __u32 off, void *from, __u32 len)
{
	if (xdp)
		return bpf_xdp_store_bytes(ctx, off, from, len);
	/* BPF_F_RECOMPUTE_CSUM keeps skb->csum right for a CHECKSUM_COMPLETE skb (from a NIC),
	 * per the helper's contract: redirected to lo or a veth, the reply is received again and
	 * validated with it. Not exercised by the tests (test_run and lo skbs are not COMPLETE). */
	return bpf_skb_store_bytes(ctx, off, from, len, BPF_F_RECOMPUTE_CSUM);
}

/* The fast-path programs are not frags-aware (no BPF_F_XDP_HAS_FRAGS), so an XDP frame is one
 * linear buffer: its length is data_end - data, no helper call needed. */
static __always_inline __u32 fp_frame_len(void *ctx, int xdp)
{
	if (xdp) {
		struct xdp_md *x = ctx;

		return x->data_end - x->data;
	}
	return ((struct __sk_buff *)ctx)->len;
}

/*
 * The first FP_HDR_LOAD bytes of the frame (Ethernet + 20 bytes of IP + 8: with IPv4 without
 * options, the UDP header too) into to. XDP reads them straight from the linear buffer (the
 * verifier accepts unaligned packet and map-value accesses on x86-64), a helper call and a
 * memcpy less per frame; tc uses bpf_skb_load_bytes(), which also handles non-linear skbs.
 */
#define FP_HDR_LOAD (FP_ETH_HLEN + 20 + 8)
static __always_inline long fp_load_hdr(void *ctx, int xdp, __u8 *to)
{
	if (xdp) {
		struct xdp_md *x = ctx;
		const __u8 *d = (const __u8 *)(long)x->data;

		if (d + FP_HDR_LOAD > (const __u8 *)(long)x->data_end)
			return -EFAULT;
		*(__u64 *)(to + 0) = *(const __u64 *)(d + 0);
		*(__u64 *)(to + 8) = *(const __u64 *)(d + 8);
		*(__u64 *)(to + 16) = *(const __u64 *)(d + 16);
		*(__u64 *)(to + 24) = *(const __u64 *)(d + 24);
		*(__u64 *)(to + 32) = *(const __u64 *)(d + 32);
		*(__u16 *)(to + 40) = *(const __u16 *)(d + 40);
		return 0;
	}
	return bpf_skb_load_bytes(ctx, 0, to, FP_HDR_LOAD);
}

/*
 * Make the frame exactly new_len bytes long; the caller then rewrites it from byte 0, so it
 * does not matter at which end an XDP frame grows. 0, or a negative helper error with the frame
 * unchanged.
 *
 * XDP: tail first; a generic-XDP frame (an skb: lo, or any device without native XDP) often has
 * only the slack of its kmalloc'ed buffer as tailroom, but always XDP_PACKET_HEADROOM (256)
 * bytes of headroom, so the growth goes to the head, or is split between head and tail.
 * tc: bpf_skb_change_tail() reallocates the skb when needed.
 */
static __always_inline long fp_resize(void *ctx, int xdp, __u32 old_len, __u32 new_len)
{
	int delta = (int)new_len - (int)old_len, h;

	if (!xdp)
		return bpf_skb_change_tail(ctx, new_len, 0);
	if (delta <= 0)
		return bpf_xdp_adjust_tail(ctx, delta);
	if (!bpf_xdp_adjust_tail(ctx, delta) || !bpf_xdp_adjust_head(ctx, -delta))
		return 0;
	/* Split: the head takes h bytes (usable headroom is 256 minus the xdp_frame the kernel
	 * reserves in it, so try a few sizes), the tail the rest. */
	for (h = 192; h > 0; h -= 64) {
		if (h >= delta || bpf_xdp_adjust_tail(ctx, delta - h))
			continue;
		if (!bpf_xdp_adjust_head(ctx, -h))
			return 0;
		bpf_xdp_adjust_tail(ctx, h - delta); /* undo: shrinking cannot fail */
	}
	return -ENOSPC;
}

/* Fold a 64-bit ones' complement accumulator to 16 bits. Two steps per halving suffice: after
 * the first, s <= 2^33 - 2 (resp. 0x1fffe), and when the second adds a carry the low part was
 * at most 2^32 - 2 (resp. 0xfffe), so no carry is left. */
static __always_inline __u16 fp_csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* Ones' complement sum (unfolded) of a 4-byte-aligned header of nwords 16-bit words (an even
 * number), memory order. Summed as 32-bit words: the folded result is the same, with half the
 * loads. */
static __always_inline __u64 fp_csum_words(const void *p, __u32 nwords)
{
	const __u32 *w = p;
	__u64 s = 0;
	__u32 i;

	for (i = 0; i < nwords / 2; i++)
		s += w[i];
	return s;
}

/*
 * Ones' complement sum of buf[0, len) (len <= limit, buf with 4 bytes of zero-padded slack after
 * len) via bpf_csum_diff, which takes at most 512 bytes, a multiple of 4, per call. Returns the
 * unfolded sum, or -1ULL when a helper call failed.
 */
#define FP_CSUM_CHUNK 512
static __always_inline __u64 fp_csum_buf(__u8 *buf, __u32 len, __u32 limit_chunks)
{
	__u64 s = 0;
	__u32 i, n;
	__s64 r;

	for (i = 0; i < limit_chunks; i++) {
		if (i * FP_CSUM_CHUNK >= len)
			break;
		n = len - i * FP_CSUM_CHUNK;
		if (n > FP_CSUM_CHUNK)
			n = FP_CSUM_CHUNK;
		n = (n + 3) & ~3U;
		if (n > FP_CSUM_CHUNK)
			n = FP_CSUM_CHUNK;
		r = bpf_csum_diff(0, 0, (__be32 *)(buf + i * FP_CSUM_CHUNK), n, 0);
		if (r < 0)
			return -1ULL;
		s += (__u32)r;
	}
	return s;
}

/* Pseudo-header sum (memory order) for UDP over IPv4 / IPv6; udp_len in host order. */
static __always_inline __u64 fp_pseudo4(const struct fp_ip4 *ip, __u32 udp_len)
{
	return fp_csum_words(&ip->saddr, 4) + bpf_htons(FP_IPPROTO_UDP) + bpf_htons(udp_len);
}

static __always_inline __u64 fp_pseudo6(const struct fp_ip6 *ip, __u32 udp_len)
{
	return fp_csum_words(ip->saddr, 16) + bpf_htons(FP_IPPROTO_UDP) + bpf_htons(udp_len);
}

#endif /* ARENAKV_BPF_FP_PKT_H */
