// SPDX-License-Identifier: BSD-2-Clause
/*
 * kbench.bpf.c - benchmark programs: the cost of one lookup inside the kernel, arena table
 * versus BPF hash map, and a driver that feeds the real fast path (fastpath.bpf.c) live frames.
 * Never loaded by the server; bench/kernel_lookup.c and bench/live_frames.c run them with
 * bpf_prog_test_run_opts(). The contract (maps, counters, layouts) is bpf/kbench.h.
 *
 * Programs
 * --------
 *  - kb_arena: kb_ctl.batch lookups per run (bpf_loop), each one picks a key index (hot: 0;
 *    random: xorshift64 modulo nkeys), takes the key from kb_keys and reads it from the arena
 *    table with htab_read_at(), the index's lock-free reader, the same function the fast path
 *    uses, copying the value into a .bss buffer.
 *  - kb_hmap: the same loop, same keys, through bpf_map_lookup_elem() on a BPF_MAP_TYPE_HASH
 *    holding the same key -> value pairs, copying the value the same way.
 *  - kb_base: the same loop with no lookup at all (key pick and kb_keys access only): its cost
 *    is subtracted to get the lookup's own cost.
 *    All three are SEC("xdp") only because XDP's test_run supports `repeat` and reports the mean
 *    time per run (a syscall program cannot repeat); they ignore the packet and return XDP_DROP.
 *  - kb_live: the live-frames driver. BPF_F_TEST_XDP_LIVE_FRAMES recycles its pages without
 *    re-copying the input frame, so after an XDP_TX the page holds the REPLY the fast path
 *    wrote, and the next run would see a reply, not a request (it would be passed, not
 *    answered). So kb_live first writes the request of the next key (chosen like the lookups)
 *    over the packet: the template frame (kb_tmpl, one cache-hot copy) with the key's digits,
 *    request id and UDP checksum computed by kb_frame_fields() (kbench.h: no per-key table, so
 *    a random key costs the driver no cache miss), with direct 8-byte packet stores; then it
 *    tail-calls slot 0 of kb_prog, the real fp_xdp loaded on the real arena. Its own cost
 *    (PRNG step, 12 digits, a checksum of 8 words, ~15 stores, the tail call) is part of the
 *    measured rate; bench/live_frames.c measures it alone (empty kb_prog) and prints it.
 *  - kb_tx: a stand-in for fp_xdp in kb_prog that only swaps the MACs and returns XDP_TX: the
 *    cost of the driver plus the transmit path (veth, peer, page recycling) without the fast
 *    path's own work.
 *  - kb_peer: attached (native XDP) to the peer veth, because veth delivers XDP_TX frames only to
 *    a peer that runs an XDP program; counts what arrives (proof that the replies left), then
 *    returns kb_peer_verdict (XDP_DROP by default: the stack's cost of receiving the replies is
 *    not the fast path's; XDP_PASS on request).
 *
 * Bounds: keys are KB_KLEN bytes, the reader is compiled with HTAB_READ_KEY_MAX = KB_KEY_READ
 * and copies at most KB_VAL_MAX bytes, 8 at a time like the fast path (an arena pointer cannot be
 * given to a helper; arena loads never fault, so the up-to-7-byte overread is harmless).
 *
 * Concurrency: kb_res and kb_vbuf are shared by all runs: the lookup programs are run by one
 * thread, one run at a time; kb_peer may run on any CPU and adds atomically. The arena is only
 * read (the programs never write it; kb_live's tail-called fp_xdp writes kv_entry.access only).
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <asm-generic/errno.h>

#include "kbench.h"
#include "arena_map.h" /* the arena map: the loader gives it the live arena's fd */

#define XXH64_BPF_MAX_LEN	   KB_KEY_READ
#define HTAB_READ_KEY_MAX	   KB_KEY_READ
#define HTAB_READ_VAL_MAX	   KB_VAL_MAX
#define HTAB_COPY_OUT(dst, src, n) arena_copy_words((dst), (src), (n), KB_VAL_MAX)
#include "layout.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized by user space before load */
	__type(key, __u32);
	__type(value, struct kb_key);
} kb_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized by user space before load */
	__type(key, struct kb_hkey);
	__type(value, struct kb_val);
} kb_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} kb_prog SEC(".maps");

struct kb_ctl kb_ctl;
struct kb_res kb_res;
struct kb_tmpl kb_tmpl;
__u8 kb_vbuf[KB_VAL_MAX + 16]; /* +16: the 8-byte copy loop's last store */
const volatile __u32 kb_peer_verdict = XDP_DROP;
const volatile __u16 kb_port = 0; /* fast-path UDP port, to recognize replies at the peer */

struct kb_loop {
	__u64 rnd;
	__u64 now;
};

/* Next key index: 0 for the hot key, else xorshift64 (13, 7, 17) scaled to [0, nkeys). */
static __always_inline __u32 kb_next(struct kb_loop *l)
{
	__u32 n = kb_ctl.nkeys;
	__u64 x = l->rnd;

	if (kb_ctl.mode == KB_HOT || n <= 1)
		return 0;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	l->rnd = x;
	/* (high 32 bits * n) >> 32: in [0, n), uniform to 2^-32, and no 64-bit division (tens
	 * of cycles in BPF, which has no multiply-high to turn x % n into) */
	return (__u32)(((x >> 32) * n) >> 32);
}

static long kb_arena_one(__u64 i, void *ctx)
{
	struct arena_hdr __arena *hdr = ARENA_HDR;
	struct kb_loop *l = ctx;
	struct htab_read_res res;
	__u32 idx = kb_next(l), db = kb_ctl.db;
	struct kb_key *k;
	int err;

	arena_map_use();
	kb_res.lookups++;
	k = bpf_map_lookup_elem(&kb_keys, &idx);
	if (!k || db >= ARENA_MAX_DBS) {
		kb_res.doubts++;
		return 1;
	}
	err = htab_read_at(&hdr->db[db], k->k, KB_KLEN, l->now, 0, kb_vbuf, KB_VAL_MAX, &res);
	if (!err) {
		kb_res.hits++;
		kb_res.bytes += res.copied;
	} else if (err == -ENOENT) {
		kb_res.misses++;
	} else {
		kb_res.doubts++;
	}
	return 0;
}

static long kb_hmap_one(__u64 i, void *ctx)
{
	struct kb_loop *l = ctx;
	__u32 idx = kb_next(l);
	struct kb_key *k;
	struct kb_val *v;

	kb_res.lookups++;
	k = bpf_map_lookup_elem(&kb_keys, &idx);
	if (!k) {
		kb_res.doubts++;
		return 1;
	}
	v = bpf_map_lookup_elem(&kb_hash, k->k);
	if (!v) {
		kb_res.misses++;
		return 0;
	}
	__builtin_memcpy(kb_vbuf, v->v, KB_VLEN);
	kb_res.hits++;
	kb_res.bytes += KB_VLEN;
	return 0;
}

static long kb_base_one(__u64 i, void *ctx)
{
	struct kb_loop *l = ctx;
	__u32 idx = kb_next(l);
	struct kb_key *k;

	kb_res.lookups++;
	k = bpf_map_lookup_elem(&kb_keys, &idx);
	if (!k) {
		kb_res.doubts++;
		return 1;
	}
	kb_vbuf[0] = k->k[KB_KLEN - 1]; /* touch the key, as the lookups do */
	return 0;
}

/* One run = kb_ctl.batch iterations of fn; the PRNG state survives across runs. */
#define KB_LOOP_PROG(name, fn)                                                                     \
	SEC("xdp")                                                                                 \
	int name(struct xdp_md *xdp)                                                               \
	{                                                                                          \
		struct kb_loop l = {.rnd = kb_ctl.rnd, .now = bpf_ktime_get_ns()};                 \
		__u32 n = kb_ctl.batch;                                                            \
                                                                                                   \
		if (n > KB_BATCH_MAX)                                                              \
			n = KB_BATCH_MAX;                                                          \
		bpf_loop(n, fn, &l, 0);                                                            \
		kb_ctl.rnd = l.rnd;                                                                \
		return XDP_DROP;                                                                   \
	}

KB_LOOP_PROG(kb_arena, kb_arena_one)
KB_LOOP_PROG(kb_hmap, kb_hmap_one)
KB_LOOP_PROG(kb_base, kb_base_one)

SEC("xdp")
int kb_live(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct kb_loop l = {.rnd = kb_ctl.rnd};
	__u32 idx = kb_next(&l), i;
	struct kb_fields p;

	kb_ctl.rnd = l.rnd;
	kb_res.live_runs++;
	kb_frame_fields(idx, kb_tmpl.csum_base, &p);
	/* Exactly the template's length (live mode resets a frame's bounds, not its bytes). */
	if (data + KB_FRAME_LEN > end || end - data != KB_FRAME_LEN) {
		kb_res.live_badlen++;
		return XDP_DROP;
	}
	for (i = 0; i < KB_FRAME_LEN / 8; i++)
		((__u64 *)data)[i] = kb_tmpl.w[i];
	/* the last KB_FRAME_LEN % 8 = 6 bytes (little-endian word), then the key's fields */
	*(__u32 *)(data + KB_FRAME_LEN / 8 * 8) = (__u32)kb_tmpl.w[KB_FRAME_LEN / 8];
	*(__u16 *)(data + KB_FRAME_LEN / 8 * 8 + 4) = (__u16)(kb_tmpl.w[KB_FRAME_LEN / 8] >> 32);
	*(__u64 *)(data + KB_OFF_DIGITS) = *(__u64 *)p.digits;
	*(__u32 *)(data + KB_OFF_DIGITS + 8) = *(__u32 *)(p.digits + 8);
	*(__u32 *)(data + KB_OFF_REQ_ID) = p.id;
	*(__u16 *)(data + KB_OFF_UDP_CSUM) = p.csum;
	bpf_tail_call(ctx, &kb_prog, 0);
	kb_res.live_nocall++;
	return XDP_DROP;
}

/* The transmit path alone: swap the MAC addresses and XDP_TX, no parsing, no lookup. Put in
 * kb_prog instead of fp_xdp, it gives the cost of everything around the fast path's own work. */
SEC("xdp")
int kb_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 tmp[6];

	if (data + 12 > end)
		return XDP_DROP;
	__builtin_memcpy(tmp, data, 6);
	__builtin_memcpy(data, data + 6, 6);
	__builtin_memcpy(data + 6, tmp, 6);
	return XDP_TX;
}

SEC("xdp")
int kb_peer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct udphdr *udp = (void *)(ip + 1);

	__sync_fetch_and_add(&kb_res.peer_rx, 1);
	if ((void *)(udp + 1) <= end && eth->h_proto == bpf_htons(0x0800 /* ETH_P_IP */) &&
	    ip->protocol == IPPROTO_UDP && ip->ihl == 5 && udp->source == bpf_htons(kb_port))
		__sync_fetch_and_add(&kb_res.peer_rx_reply, 1);
	return kb_peer_verdict;
}

char _license[] SEC("license") = "Dual BSD/GPL";
