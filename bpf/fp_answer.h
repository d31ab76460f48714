/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fp_answer.h - the fast path itself: one function, fp_run(), that the XDP and the tc program
 * both inline (bpf/fastpath.bpf.c). It decides whether a frame is a request it can answer with
 * certainty, answers it in place, or lets it go up to the server, counting why.
 *
 * Steps (each failure passes the frame and counts one FP_C_* reason, fastpath.h):
 *  1. Ethernet, IPv4 (no options, not a fragment, header checksum right) or IPv6 (UDP as the
 *     first next header), UDP to fp_config.port. Anything else is "not ours".
 *  2. Lengths consistent (IP, UDP, frame), source in the allow-list (LPM), payload <= FP_REQ_MAX,
 *     copied into the per-CPU scratch, UDP checksum right (see fp_udp_csum_ok), frame header
 *     (magic, version, no flag bit but FP_F_PAD), token when FP_CFG_TOKEN is set.
 *  3. One multibulk: GET, MGET, EXISTS, TTL, PTTL or STRLEN with their Redis arity, keys of at
 *     most FP_KEY_MAX bytes, at most FP_MULTI_MAX keys; or one of the sorted-set commands of
 *     bpf/fp_zset.h (one key, read by fp_zset_step() instead of step 4's string reader).
 *  4. Each key is read from database 0 with the index's lock-free reader, htab_read_at()
 *     (index/htab.h: seqlock, bounded chain walk, pointer validation, expiry against
 *     bpf_ktime_get_ns()), in global functions so the verifier checks that code once. Any miss,
 *     doubt, wrong type or value too big for the reply ends the request: pass.
 *  5. After all keys are read, every entry's seq is checked again: each value was unchanged
 *     from its read until that check, so there is one instant at which all of them were
 *     current together. For several keys (MGET/EXISTS k1 k2 ...) that is not enough: the
 *     instant could fall inside one command writing several keys (MSET, EXEC). The server's
 *     keyspace write seqcount (arena_hdr.wseq, index/layout.h) must have been even and
 *     unchanged from before the first read to after that check, so the answer is one the
 *     single-threaded server could have given between two commands. Then the access clock is
 *     touched (GET, MGET, STRLEN, as server/db.c does) and the hit is sampled into the ring
 *     buffer.
 *  6. The frame is resized, headers rewritten (MACs, addresses and ports swapped, TTL/hop limit
 *     64, lengths), IPv4 header and UDP checksums computed, reply payload stored; XDP_TX /
 *     redirect to the ingress device. A helper failing after the resize has started leaves a
 *     damaged frame: it is dropped (counted passed_error), never sent up half-rewritten.
 *
 * Reply bytes are exactly what server/t_string.c, server/t_keys.c and server/t_zset.c write for
 * the same command when every key exists (tests/bpf/test_fastpath_xdp.c compares).
 *
 * Concurrency: a lock-free reader of the index (index/htab.h contract); the only arena write is
 * kv_entry.access, which the contract allows at any time without the seqlock.
 */
#ifndef ARENAKV_BPF_FP_ANSWER_H
#define ARENAKV_BPF_FP_ANSWER_H

#include "fp_pkt.h"
#include "fp_resp.h"

/* State of one request, on fp_run()'s stack, shared with fp_key_step() and fp_commit(). */
struct fp_run {
	__u64 now;    /* bpf_ktime_get_ns() for TTL/PTTL and the zset reads; 0 for the others: */
		      /* the reader reads it only for an entry with an expiry (HTAB_READ_CLOCK) */
	__u64 tai;    /* bpf_ktime_get_tai_ns(), TTL/PTTL only: sub-second phase of the wall clock */
	__u32 cmd; /* enum fp_cmd */
	__u32 nkeys;
	__u32 pos;    /* next byte of scratch->out */
	__u32 count;  /* EXISTS */
	__u32 reason; /* 0, or the FP_C_PASS_* that stopped the request */
	__u32 multi;  /* answers for several keys at once: needs the keyspace write seqcount */
	__u64 wseq;   /* arena_wseq_read_begin() when multi */
	__u32 zflags; /* FP_ZF_* of a zset command (fp_zset.h) */
	__u32 pad;
};

/*
 * Remaining time in ms of a monotonic deadline, computed the way server/t_keys.c does it:
 * unix_ms(deadline) - unix_ms(now), where unix_ms(deadline) rounds the deadline converted to the
 * wall clock to the nearest ms and unix_ms(now) truncates. Only the wall clock's phase within a
 * millisecond matters, and TAI differs from UTC by whole seconds, so TAI gives the same result.
 */
static __always_inline __s64 fp_ttl_ms(__u64 expire, __u64 now, __u64 tai)
{
	__u64 real_deadline = expire - now + tai;
	__s64 ttl = (__s64)((real_deadline + FP_NS_PER_MS / 2) / FP_NS_PER_MS) -
		    (__s64)(tai / FP_NS_PER_MS);

	return ttl < 0 ? 0 : ttl;
}

/* Map a reader error to a pass reason. */
static __always_inline __u32 fp_read_reason(int err)
{
	switch (err) {
	case -ENOENT:
		return FP_C_PASS_MISS;
	case -EAGAIN:
		return FP_C_PASS_DOUBT;
	case -EINVAL:
		return FP_C_PASS_TYPE;
	case -E2BIG:
		return FP_C_PASS_KEY_TOO_LONG;
	default:
		return FP_C_PASS_ERROR;
	}
}

#include "fp_zset.h"

/*
 * Read key i (argument i + 1) of the request in sc with the index's reader: on a hit, fills
 * sc->ent/seq/hash/vlen[i], and copies min(vlen, bufsz) value bytes to sc->val (sc->copied).
 * Returns 0 or the reader's -errno (htab_read_at).
 *
 * Global (verified once, on its own): as a callback body it would be verified again for every
 * distinct caller state reaching bpf_loop (measured: over the 1M-instruction limit), and the
 * reader with its XXH64 is the bulk of the program.
 */
FP_GLOBAL int fp_read_key(struct fp_scratch *sc, __u32 i, __u32 bufsz, __u64 now)
{
	struct arena_hdr __arena *hdr = ARENA_HDR;
	struct htab_read_res res;
	__u32 off, klen, idx = i + 1, w;
	int err;

	arena_map_use();
	if (!sc || i >= FP_MULTI_MAX)
		return -EINVAL;
	off = sc->arg_off[idx];
	klen = sc->arg_len[idx];
	if (klen > FP_KEY_MAX)
		return -E2BIG;
	if (off > FP_REQ_MAX)
		return -EFAULT;
	/* The key to its fixed place, 8 bytes at a time (a bpf_probe_read_kernel() here cost
	 * ~15 ns a call); may copy up to 7 bytes past it, from req's slack (FP_REQ_BUF). */
	for (w = 0; w < FP_KEY_MAX / 8; w++) {
		if (w * 8 >= klen)
			break;
		*(__u64 *)(sc->key + w * 8) = *(const __u64 *)(sc->req + off + w * 8);
	}
	/*
	 * Read the length again: the helper call made the verifier track `klen` precisely, and a
	 * precise length refined differently by every exit of xxh64's loops keeps the reader's
	 * paths from being pruned. A fresh load is an imprecise scalar; htab_read_at() bounds it
	 * itself (HTAB_READ_KEY_MAX).
	 */
	klen = *(volatile __u16 *)&sc->arg_len[idx];
	if (bufsz > FP_REPLY_MAX)
		bufsz = FP_REPLY_MAX;
	err = htab_read_at(&hdr->db[0], sc->key, klen, now, 0, sc->val, bufsz, &res);
	if (err)
		return err;
	sc->ent[i] = res.entry;
	sc->seq[i] = res.seq;
	sc->hash[i] = arena_read_once(arena_ptr(struct kv_entry, res.entry)->hash);
	sc->vlen[i] = (__u32)res.vlen;
	sc->copied = res.copied;
	return 0;
}

/*
 * Read key i and append its part of the reply at r->pos. 0, or the pass reason (also left in
 * r->reason). Global for the same reason as fp_read_key(): the main program reaches the key
 * loop in hundreds of distinct verifier states (measured: 588 with a bpf_loop() callback
 * here, each one verifying the callback again); a global function is verified once.
 */
FP_GLOBAL int fp_key_step(struct fp_scratch *sc, struct fp_run *r, __u32 i)
{
	struct kv_entry __arena *e;
	__u32 bufsz = 0, seq, vlen, copied;
	__u64 expire;
	int err, pos;

	arena_map_use();
	if (!sc || !r)
		return FP_C_PASS_ERROR;
	if (i >= FP_MULTI_MAX) {
		r->reason = FP_C_PASS_ERROR;
		return r->reason;
	}
	if (r->cmd == FP_CMD_GET || r->cmd == FP_CMD_MGET) {
		/* Room for the value after "$<len>\r\n" (at most 7 bytes) and before "\r\n". */
		if (r->pos + 9 < FP_OUT_LIMIT)
			bufsz = FP_OUT_LIMIT - r->pos - 9;
	}
	err = fp_read_key(sc, i, bufsz, r->now);
	if (err) {
		r->reason = fp_read_reason(err);
		return r->reason;
	}
	e = arena_ptr(struct kv_entry, sc->ent[i]);
	seq = sc->seq[i];
	vlen = sc->vlen[i];
	copied = sc->copied;

	switch (r->cmd) {
	case FP_CMD_GET:
	case FP_CMD_MGET:
		if (vlen > copied) {
			r->reason = FP_C_PASS_REPLY_TOO_BIG;
			return r->reason;
		}
		pos = fp_put_bulk(sc, r->pos, copied);
		break;
	case FP_CMD_STRLEN:
		pos = fp_put_num(sc, r->pos, ':', (__s64)vlen);
		break;
	case FP_CMD_TTL:
	case FP_CMD_PTTL:
		/* The reader validated the entry; read the deadline under the same seq. */
		expire = arena_read_once(e->expire_ns);
		if (kv_read_retry(e, seq)) {
			r->reason = FP_C_PASS_DOUBT;
			return r->reason;
		}
		if (expire & FP_CLOCK_FAR_BIT) {
			r->reason = FP_C_PASS_TTL;
			return r->reason;
		}
		if (!expire) {
			pos = fp_put_num(sc, r->pos, ':', -1);
		} else {
			__s64 ms = fp_ttl_ms(expire, r->now, r->tai);

			pos = fp_put_num(sc, r->pos, ':',
					 r->cmd == FP_CMD_PTTL ? ms : (ms + 500) / 1000);
		}
		break;
	case FP_CMD_EXISTS:
		r->count++;
		pos = (int)r->pos;
		break;
	default:
		pos = -1;
		break;
	}
	if (pos < 0) {
		r->reason = FP_C_PASS_REPLY_TOO_BIG;
		return r->reason;
	}
	r->pos = (__u32)pos;
	return 0;
}

/* The LFU counter after decay and one logarithmic increment (server/db.c, integer form). */
static __always_inline __u32 fp_lfu_touch(__u32 access, __u64 now, const struct fp_config *cfg)
{
	__u32 ldt = (access >> 8) & 0xffff, counter = access & 0xff;
	__u32 now_min = (__u32)((now / KV_LFU_MINUTE_NS) & 0xffff);
	__u32 elapsed = now_min >= ldt ? now_min - ldt : 65535 - ldt + now_min;
	__u32 periods = cfg->lfu_decay_time ? elapsed / cfg->lfu_decay_time : 0;
	__u64 base, limit;

	counter = periods > counter ? 0 : counter - periods;
	if (counter < 255) {
		/* Redis: increment with probability 1 / ((counter - LFU_INIT_VAL) * factor + 1). */
		base = counter > KV_LFU_INIT_VAL ? counter - KV_LFU_INIT_VAL : 0;
		limit = 0x100000000ULL / (base * cfg->lfu_log_factor + 1);
		if ((__u64)bpf_get_prandom_u32() < limit)
			counter++;
	}
	return (now_min << 8) | counter;
}

/*
 * The access clock (LRU seconds, LFU minutes: server/db.c reads CLOCK_MONOTONIC) as the coarse
 * clock, the same clock as of the last tick, read once per jiffy per CPU: bpf_jiffies64() is
 * inlined, bpf_ktime_get_coarse_ns() is a call (~6 ns). A value one or two ticks late is what
 * Redis's own cached server.lruclock is too.
 */
static __always_inline __u64 fp_access_now(struct fp_scratch *sc)
{
	__u64 j = bpf_jiffies64();

	if (j != sc->clk_jiffies || !sc->clk_coarse) {
		sc->clk_jiffies = j;
		sc->clk_coarse = bpf_ktime_get_coarse_ns();
	}
	return sc->clk_coarse;
}

/*
 * The LRU access clock of now (CLOCK_MONOTONIC seconds & KV_LRU_MAX). A 64-bit division is
 * ~15 ns here and the value changes once a second, so each CPU keeps the last one with the
 * instant it stops being right.
 */
static __always_inline __u32 fp_lru_clock(struct fp_scratch *sc, __u64 now)
{
	__u64 sec;

	if (now - sc->lru_from < KV_LRU_RES_NS) /* unsigned: an earlier now recomputes too */
		return sc->lru_val;
	sec = now / KV_LRU_RES_NS;
	sc->lru_from = sec * KV_LRU_RES_NS;
	sc->lru_val = (__u32)(sec & KV_LRU_MAX);
	return sc->lru_val;
}

/* Final check of every entry read (step 5), then touch and sample. 0 or a pass reason.
 * Global: verified once (see fp_key_step). */
FP_GLOBAL int fp_commit(struct fp_scratch *sc, struct fp_run *r, struct fp_config *cfg)
{
	struct kv_entry __arena *e;
	struct fp_hot_rec *rec;
	__u32 i, v, sample = 0;
	__u64 now;

	arena_map_use();
	if (!sc || !r || !cfg)
		return FP_C_PASS_ERROR;
	for (i = 0; i < FP_MULTI_MAX; i++) {
		if (i >= r->nkeys)
			break;
		e = arena_ptr(struct kv_entry, sc->ent[i]);
		if (kv_read_retry(e, sc->seq[i]))
			return FP_C_PASS_DOUBT;
	}
	/* No keyspace-writing command ran or was running since before the first key was read. */
	if (r->multi && arena_wseq_read_retry(r->wseq))
		return FP_C_PASS_DOUBT;
	now = fp_access_now(sc);
	/* One answer in hot_sample_every per CPU is sampled: a countdown, not hits % N (a 64-bit
	 * division per answer). */
	if (cfg->hot_sample_every) {
		if (!sc->sample_left || sc->sample_left > cfg->hot_sample_every)
			sc->sample_left = cfg->hot_sample_every;
		sample = --sc->sample_left == 0;
	}
	for (i = 0; i < FP_MULTI_MAX; i++) {
		if (i >= r->nkeys)
			break;
		e = arena_ptr(struct kv_entry, sc->ent[i]);
		if (r->cmd == FP_CMD_GET || r->cmd == FP_CMD_MGET || r->cmd == FP_CMD_STRLEN ||
		    r->cmd >= FP_CMD_ZFIRST) {
			if (cfg->flags & FP_CFG_LFU)
				v = fp_lfu_touch(arena_read_once(e->access), now, cfg);
			else
				v = fp_lru_clock(sc, now);
			/* Unchanged (the common case for a hot key): no store, so the entry's
			 * cache line is not dirtied by every CPU that answers it. */
			if (arena_read_once(e->access) != v)
				arena_write_once(e->access, v);
		}
		if (sample) {
			rec = bpf_ringbuf_reserve(&fp_hot, sizeof(*rec), 0);
			if (rec) {
				rec->hash = sc->hash[i];
				rec->entry = sc->ent[i];
				rec->seq = sc->seq[i];
				rec->vlen = sc->vlen[i];
				rec->klen = sc->arg_len[i + 1];
				rec->cmd = (__u8)r->cmd;
				rec->db = 0;
				rec->pad = 0;
				bpf_ringbuf_submit(rec, 0);
			}
		}
	}
	return 0;
}

/*
 * UDP checksum of the received datagram: right, absent (IPv4 only: 0 means "not computed",
 * RFC 768), or the bare pseudo-header sum a sender leaves when it offloads the checksum
 * (CHECKSUM_PARTIAL: every datagram sent over lo or a veth by the local stack looks like this,
 * and generic XDP / tc see it before any device would have completed it).
 */
static __always_inline int fp_udp_csum_ok(struct fp_scratch *sc, const struct fp_frame *f,
					  __s64 payload_sum)
{
	__u64 pseudo, s;
	__u16 check = f->udp.check;

	if (!check)
		return !f->v6;
	pseudo = f->v6 ? fp_pseudo6(&f->ip6, f->plen + 8) : fp_pseudo4(&f->ip4, f->plen + 8);
	if (check == fp_csum_fold(pseudo))
		return 1;
	if (payload_sum >= 0)
		s = (__u64)payload_sum;
	else
		s = fp_csum_buf(sc->req, f->plen, (FP_REQ_MAX + FP_CSUM_CHUNK - 1) / FP_CSUM_CHUNK);
	if (s == -1ULL)
		return 0;
	s += pseudo + fp_csum_words(&f->udp, 4);
	return fp_csum_fold(s) == 0xffff;
}

/*
 * XDP: copy the request's payload (plen bytes at frame offset off) into sc->req straight from the
 * linear buffer, 8 bytes at a time, summing it for the UDP checksum on the way. The tc program
 * uses bpf_skb_load_bytes() and, when the checksum must be verified, bpf_csum_diff(): two helper
 * calls, two passes and a memcpy, ~25 ns of a hot frame. Returns the unfolded ones' complement
 * sum of the payload (memory order, zero-padded: what fp_csum_buf() gives), or -1 when the frame
 * is shorter than off + plen. Global: the copy loop is verified once.
 */
FP_GLOBAL long fp_xdp_load_req(struct xdp_md *ctx, struct fp_scratch *sc, __u32 off, __u32 plen)
{
	const __u8 *d, *end;
	__u32 i, j, n;
	__u64 s = 0, w;

	if (!ctx || !sc || off > FP_ETH_HLEN + 40 + 8 || plen > FP_REQ_MAX)
		return -1;
	d = (const __u8 *)(long)ctx->data + off;
	end = (const __u8 *)(long)ctx->data_end;
	n = plen / 8;
	for (i = 0; i < FP_REQ_MAX / 8; i++) {
		if (i >= n)
			break;
		if (d + i * 8 + 8 > end)
			return -1;
		w = *(const __u64 *)(d + i * 8);
		*(__u64 *)(sc->req + i * 8) = w;
		s += (w & 0xffffffff) + (w >> 32);
	}
	w = 0;
	d += n * 8;
	for (j = 0; j < 7; j++) {
		if (n * 8 + j >= plen)
			break;
		if (d + j + 1 > end)
			return -1;
		sc->req[n * 8 + j] = d[j];
		w |= (__u64)d[j] << (8 * j);
	}
	return (long)(s + (w & 0xffffffff) + (w >> 32));
}

/*
 * Parse Ethernet / IP / UDP into f. Returns 0 when the frame is a UDP datagram to port (then
 * f is complete), else the counter to bump: FP_C_NOT_OURS, or a pass reason for a datagram to
 * our port that cannot be answered.
 */
static __always_inline __u32 fp_parse_frame(void *ctx, int xdp, int kind, struct fp_frame *f,
					    __u16 port, struct fp_counters *ctr)
{
	__u32 l3_payload, ihl;

	f->frame_len = fp_frame_len(ctx, xdp);
	/* Ethernet, 20 bytes of IP header and 8 more in one helper call (fp_frame keeps eth and
	 * the IP header adjacent): for IPv4 without options that is the UDP header too, for IPv6
	 * half of its header. A frame too short for that (42 bytes) cannot be a UDP datagram, so
	 * it is not ours whatever its type. */
	if (fp_load_hdr(ctx, xdp, (__u8 *)&f->eth))
		return FP_C_NOT_OURS;
	if (f->eth.proto == bpf_htons(FP_ETH_P_IP)) {
		ihl = (f->ip4.vihl & 0xf) * 4;
		if ((f->ip4.vihl >> 4) != 4 || f->ip4.proto != FP_IPPROTO_UDP || ihl < 20 ||
		    (bpf_ntohs(f->ip4.frag_off) & FP_IP_OFFMASK))
			return FP_C_NOT_OURS; /* not UDP, or a non-first fragment: no port to see */
		if (ihl == 20)
			__builtin_memcpy(&f->udp, (__u8 *)&f->ip4 + 20, sizeof(f->udp));
		else if (fp_load(ctx, xdp, FP_ETH_HLEN + ihl, &f->udp, sizeof(f->udp)))
			return FP_C_NOT_OURS;
		if (f->udp.dport != bpf_htons(port))
			return FP_C_NOT_OURS;
		if (kind == FP_KIND_MAIN) /* a zset program sees the frame again (fp_zset.h) */
			fp_count(ctr, FP_C_REQUESTS, 1);
		if (bpf_ntohs(f->ip4.frag_off) & FP_IP_MF)
			return FP_C_PASS_FRAGMENT;
		if (ihl != 20)
			return FP_C_PASS_IP_OPTIONS;
		if (fp_csum_fold(fp_csum_words(&f->ip4, 10)) != 0xffff)
			return FP_C_PASS_CHECKSUM;
		f->v6 = 0;
		f->l3_len = 20;
		l3_payload = bpf_ntohs(f->ip4.tot_len);
		if (l3_payload < 20)
			return FP_C_PASS_MALFORMED;
		l3_payload -= 20;
	} else if (f->eth.proto == bpf_htons(FP_ETH_P_IPV6)) {
		if (fp_load(ctx, xdp, FP_ETH_HLEN + 20, (__u8 *)&f->ip6 + 20, sizeof(f->ip6) - 20))
			return FP_C_NOT_OURS;
		/* Extension headers (nexthdr != UDP) are not walked: not ours, user space sees it.
		 */
		if ((bpf_ntohl(f->ip6.vtcfl) >> 28) != 6 || f->ip6.nexthdr != FP_IPPROTO_UDP)
			return FP_C_NOT_OURS;
		if (fp_load(ctx, xdp, FP_ETH_HLEN + 40, &f->udp, sizeof(f->udp)))
			return FP_C_NOT_OURS;
		if (f->udp.dport != bpf_htons(port))
			return FP_C_NOT_OURS;
		if (kind == FP_KIND_MAIN) /* a zset program sees the frame again (fp_zset.h) */
			fp_count(ctr, FP_C_REQUESTS, 1);
		f->v6 = 1;
		f->l3_len = 40;
		l3_payload = bpf_ntohs(f->ip6.payload_len);
	} else {
		return FP_C_NOT_OURS;
	}
	/* The UDP length must match the IP payload, and the frame must hold all of it (it may be
	 * longer: Ethernet pads short frames). */
	if (bpf_ntohs(f->udp.len) != l3_payload || l3_payload < 8 ||
	    FP_ETH_HLEN + f->l3_len + l3_payload > f->frame_len)
		return FP_C_PASS_MALFORMED;
	f->plen = l3_payload - 8;
	/* Never answer a datagram sent to a group address: the reply's source would be that
	 * address. (Ethernet group bit, IPv4 multicast/limited broadcast, IPv6 multicast.) A
	 * subnet-directed broadcast cannot be recognised here; the allow-list is the guard. */
	if ((f->eth.dst[0] & 1) ||
	    (!f->v6 && ((bpf_ntohl(f->ip4.daddr) >> 28) == 0xe || f->ip4.daddr == 0xffffffff)) ||
	    (f->v6 && f->ip6.daddr[0] == 0xff))
		return FP_C_PASS_NOT_UNICAST;
	return 0;
}

/*
 * Is the source allowed (LPM allow-list)? A trie lookup costs ~15-20 ns a frame, and a CPU
 * usually answers the same few clients, so each CPU remembers the last source it found allowed,
 * for as long as fp_config.allow_gen (bumped by user space with every change of the tries) is
 * the one it was found under. Only "allowed" is remembered: a refusal is always looked up.
 */
static __always_inline int fp_source_allowed(struct fp_scratch *sc, const struct fp_frame *f,
					     const struct fp_config *cfg)
{
	const __u32 *a = (const __u32 *)sc->allow_saddr;
	int ok;

	if (f->v6) {
		struct fp_lpm6 k = {.prefixlen = 128};
		const __u32 *s;

		__builtin_memcpy(k.addr, f->ip6.saddr, 16);
		s = (const __u32 *)k.addr; /* 4-byte aligned on the stack; 8 would not be */
		if (sc->allow_ok == cfg->allow_gen + 1 && sc->allow_v6 && a[0] == s[0] &&
		    a[1] == s[1] && a[2] == s[2] && a[3] == s[3])
			return 1;
		ok = bpf_map_lookup_elem(&fp_allow6, &k) != 0;
		if (ok) {
			__builtin_memcpy(sc->allow_saddr, k.addr, 16);
			sc->allow_v6 = 1;
		}
	} else {
		struct fp_lpm4 k = {.prefixlen = 32};

		if (sc->allow_ok == cfg->allow_gen + 1 && !sc->allow_v6 &&
		    *(const __u32 *)sc->allow_saddr == f->ip4.saddr)
			return 1;
		__builtin_memcpy(k.addr, &f->ip4.saddr, 4);
		ok = bpf_map_lookup_elem(&fp_allow4, &k) != 0;
		if (ok) {
			*(__u32 *)sc->allow_saddr = f->ip4.saddr;
			sc->allow_v6 = 0;
		}
	}
	sc->allow_ok = ok ? cfg->allow_gen + 1 : 0;
	return ok;
}

/* Validate the frame header and the RESP command; fills r (cmd, nkeys). 0 or a pass reason. */
static __always_inline __u32 fp_parse_request(struct fp_scratch *sc, const struct fp_config *cfg,
					      __u32 plen, struct fp_run *r)
{
	const struct fp_hdr *h = (const struct fp_hdr *)sc->req;
	int n, cmd;

	if (plen < FP_HDR_SIZE)
		return FP_C_PASS_SHORT;
	if (h->magic != bpf_htons(FP_MAGIC))
		return FP_C_PASS_MAGIC;
	if (h->version != FP_VERSION)
		return FP_C_PASS_VERSION;
	if (h->flags & ~FP_F_REQ_MASK)
		return FP_C_PASS_FLAGS;
	if ((cfg->flags & FP_CFG_TOKEN) && bpf_be64_to_cpu(h->token) != cfg->token)
		return FP_C_PASS_AUTH;
	if (fp_parse_get(sc, plen, h->flags & FP_F_PAD)) {
		r->cmd = FP_CMD_GET;
		r->nkeys = 1;
		return 0;
	}
	n = fp_parse_multibulk(sc, plen, h->flags & FP_F_PAD);
	if (n == -2)
		return FP_C_PASS_TOO_MANY_KEYS;
	if (n < 0)
		return FP_C_PASS_PARSE;
	cmd = fp_parse_cmd(sc);
	if (cmd == FP_CMD_NONE)
		cmd = fp_zset_parse_cmd(sc);
	if (cmd == FP_CMD_NONE)
		return FP_C_PASS_COMMAND;
	/* Arity as in the command table: GET/TTL/PTTL/STRLEN exactly one key, MGET/EXISTS 1+;
	 * the zset commands one key and the forms fp_zset.h answers (else user space). */
	if (cmd >= FP_CMD_ZFIRST)
		return fp_zset_parse_args(sc, cmd, n, r);
	if (cmd == FP_CMD_MGET || cmd == FP_CMD_EXISTS) {
		if (n < 2)
			return FP_C_PASS_COMMAND;
	} else if (n != 2) {
		return FP_C_PASS_COMMAND;
	}
	r->cmd = (__u32)cmd;
	r->nkeys = (__u32)n - 1;
	return 0;
}

/* Rewrite the frame into the reply (step 6). 0; -1 when the frame could not be resized (nothing
 * changed: pass it); -2 when a helper failed after the frame was resized (drop it); -3 on a bad
 * length (cannot happen: pass). */
static __always_inline int fp_emit(void *ctx, int xdp, struct fp_scratch *sc, struct fp_frame *f,
				   __u32 out_len)
{
	/* Headers are built in the scratch map, not on the stack: the programs' combined stack
	 * (entry + bpf_loop callback + global functions) must stay under 512 bytes. They end
	 * exactly where the payload in out[] begins (fp_maps.h, FP_HDR_ROOM), so the reply goes
	 * into the frame with one store instead of two (a helper call less per answer). */
	struct fp_eth *eth;
	struct fp_ip4 *ip4;
	struct fp_ip6 *ip6;
	struct fp_udp *udp;
	__u32 l4 = FP_ETH_HLEN + f->l3_len, udp_len = 8 + out_len, hlen;
	__u64 s;
	__u16 c;

	if (out_len > FP_OUT_LIMIT || out_len < FP_HDR_SIZE)
		return -3;
	/* Zero the 4 bytes after the payload: the checksum reads whole words. */
	*(__u32 *)(sc->out + out_len) = 0;

	if (f->v6)
		hlen = FP_ETH_HLEN + 40 + 8;
	else
		hlen = FP_ETH_HLEN + 20 + 8;
	eth = (struct fp_eth *)(sc->hdr + FP_HDR_ROOM - hlen);
	__builtin_memcpy(eth->dst, f->eth.src, 6);
	__builtin_memcpy(eth->src, f->eth.dst, 6);
	eth->proto = f->eth.proto;
	udp = (struct fp_udp *)(sc->hdr + FP_HDR_ROOM - 8);
	/*
	 * Checksums from values, never by reading back the headers just written (a narrow store
	 * followed by a wider load of the same bytes stalls store forwarding, ~3% of a hot frame
	 * in perf). Swapping addresses or ports leaves a sum unchanged, so: the pseudo-header is
	 * the request's with the new length; the UDP header adds both ports and the length once
	 * more; the IPv4 header checksum is updated from the request's, which fp_parse_frame()
	 * verified, for the two 16-bit words that change (tot_len; ttl with proto), RFC 1624 eq. 3:
	 * HC' = ~(~HC + ~m + m').
	 */
	if (f->v6) {
		ip6 = (struct fp_ip6 *)(sc->hdr + FP_HDR_ROOM - 8 - 40);
		*ip6 = f->ip6;
		__builtin_memcpy(ip6->saddr, f->ip6.daddr, 16);
		__builtin_memcpy(ip6->daddr, f->ip6.saddr, 16);
		ip6->payload_len = bpf_htons(udp_len);
		ip6->hop_limit = FP_REPLY_TTL;
		s = fp_pseudo6(&f->ip6, udp_len);
	} else {
		__u16 tot = bpf_htons(20 + udp_len);
		__u16 ttl_old = f->ip4.ttl | (__u16)f->ip4.proto << 8; /* memory order */
		__u16 ttl_new = FP_REPLY_TTL | (__u16)f->ip4.proto << 8;
		__u64 h = (__u16)~f->ip4.check;

		h += (__u16)~f->ip4.tot_len + (__u32)tot + (__u16)~ttl_old + (__u32)ttl_new;
		ip4 = (struct fp_ip4 *)(sc->hdr + FP_HDR_ROOM - 8 - 20);
		*ip4 = f->ip4;
		ip4->saddr = f->ip4.daddr;
		ip4->daddr = f->ip4.saddr;
		ip4->tot_len = tot;
		ip4->ttl = FP_REPLY_TTL;
		ip4->check = ~fp_csum_fold(h);
		s = fp_pseudo4(&f->ip4, udp_len);
	}
	udp->sport = f->udp.dport;
	udp->dport = f->udp.sport;
	udp->len = bpf_htons(udp_len);
	udp->check = 0;
	s += (__u32)f->udp.sport + f->udp.dport + bpf_htons(udp_len);
	s += fp_csum_buf(sc->out, out_len, (FP_OUT_LIMIT + FP_CSUM_CHUNK - 1) / FP_CSUM_CHUNK);
	c = ~fp_csum_fold(s);
	udp->check = c ? c : 0xffff; /* 0 would mean "no checksum" (IPv4) */

	if (fp_resize(ctx, xdp, f->frame_len, l4 + udp_len))
		return -1;
	if (hlen > FP_HDR_ROOM || fp_store(ctx, xdp, 0, sc->hdr + FP_HDR_ROOM - hlen, hlen + out_len))
		return -2;
	return 0;
}

/*
 * fp_run - the whole fast path for one frame. Returns 1 when a reply was written into the frame
 * (the caller sends it back out), 0 to pass the frame up, -1 to drop it (damaged by a failed
 * rewrite). kind: FP_KIND_MAIN, or FP_KIND_ZSET for the sorted-set programs the main ones
 * tail-call (bpf/fp_zset.h): a constant, like xdp, so each program keeps only its own code.
 */
static __always_inline int fp_run(void *ctx, int xdp, int kind)
{
	struct arena_hdr __arena *hdr = ARENA_HDR;
	struct fp_config *cfg;
	struct fp_counters *ctr;
	struct fp_scratch *sc;
	struct fp_frame *f;
	struct fp_run r = {};
	__u32 zero = 0, reason, i, plen;
	long psum = -1; /* the payload's checksum sum, when the copy computed it */
	int err;

	arena_map_use();
	cfg = bpf_map_lookup_elem(&fp_config, &zero);
	sc = fp_scratch_get();
	ctr = fp_counters_get();
	if (!cfg || !cfg->port || !sc) {
		fp_count(ctr, FP_C_NOT_OURS, 1);
		return 0;
	}
	/* The frame's headers live in the scratch, not on this stack: the deepest chain of
	 * global functions below must fit the 512-byte stack together with this frame. */
	f = &sc->frame;
	reason = fp_parse_frame(ctx, xdp, kind, f, cfg->port, ctr);
	if (reason)
		goto pass;
	if (!(cfg->flags & FP_CFG_ENABLED)) {
		reason = FP_C_PASS_DISABLED;
		goto pass;
	}
	if (!fp_source_allowed(sc, f, cfg)) {
		reason = FP_C_PASS_NOT_ALLOWED;
		goto pass;
	}
	plen = f->plen; /* one load: a bound proven on it must hold where it is used */
	if (plen > FP_REQ_MAX) {
		reason = FP_C_PASS_TOO_BIG;
		goto pass;
	}
	if (plen < FP_HDR_SIZE) {
		reason = FP_C_PASS_SHORT;
		goto pass;
	}
	if (xdp) {
		psum = fp_xdp_load_req(ctx, sc, FP_ETH_HLEN + f->l3_len + 8, plen);
		if (psum < 0) {
			reason = FP_C_PASS_MALFORMED;
			goto pass;
		}
	} else {
		if (fp_load(ctx, xdp, FP_ETH_HLEN + f->l3_len + 8, sc->req, plen)) {
			reason = FP_C_PASS_MALFORMED;
			goto pass;
		}
		*(__u32 *)(sc->req + plen) = 0; /* fp_csum_buf() reads whole words */
	}
	if (!fp_udp_csum_ok(sc, f, psum)) {
		reason = FP_C_PASS_CHECKSUM;
		goto pass;
	}
	reason = fp_parse_request(sc, cfg, plen, &r);
	if (reason)
		goto pass;
	reason = fp_zset_route(ctx, xdp, kind, r.cmd); /* sorted sets: their own program */
	if (reason)
		goto pass;
	if (r.nkeys > FP_MULTI_MAX) {
		reason = FP_C_PASS_TOO_MANY_KEYS;
		goto pass;
	}
	if (hdr->magic != ARENA_MAGIC || hdr->layout_version != ARENA_LAYOUT_VERSION) {
		reason = FP_C_PASS_NO_ARENA;
		goto pass;
	}

	/* Reply header: the request's id, REPLY|KERNEL set (PAD dropped), token zeroed. */
	__builtin_memcpy(sc->out, sc->req, 8);
	sc->out[3] = FP_F_REPLY | FP_F_KERNEL;
	__builtin_memset(sc->out + 8, 0, 8);
	r.pos = FP_HDR_SIZE;
	if (r.cmd == FP_CMD_MGET) {
		int p = fp_put_num(sc, r.pos, '*', r.nkeys);

		if (p < 0) {
			reason = FP_C_PASS_ERROR;
			goto pass;
		}
		r.pos = (__u32)p;
	}
	/* Clocks are dear here (read_tsc + pvclock in a KVM guest: ~30 ns, a tenth of a hot GET).
	 * TTL/PTTL need the precise clock and the wall clock's phase (fp_ttl_ms), the zset reader
	 * takes now as it is; a string read gets 0 and reads the precise clock only when the entry
	 * has an expiry (HTAB_READ_CLOCK, fastpath.bpf.c). The access clock is the coarse one
	 * (fp_access_now). */
	if (r.cmd == FP_CMD_TTL || r.cmd == FP_CMD_PTTL) {
		r.now = bpf_ktime_get_ns();
		r.tai = bpf_ktime_get_tai_ns();
	} else if (r.cmd >= FP_CMD_ZFIRST) {
		r.now = bpf_ktime_get_ns();
	}
	/* Several keys must come from between two write commands (index/layout.h, wseq): a
	 * command writing several keys (MSET, EXEC, RENAME...) may be half done right now. (A
	 * sorted-set rank or range needs the same: fp_zset_step() sets it up.) */
	r.multi = r.nkeys > 1;
	if (r.multi) {
		r.wseq = arena_wseq_read_begin();
		if (r.wseq & 1) {
			reason = FP_C_PASS_DOUBT;
			goto pass;
		}
	}
	for (i = 0; i < FP_MULTI_MAX; i++) {
		if (i >= r.nkeys)
			break;
		if (kind == FP_KIND_ZSET)
			reason = fp_zset_step(sc, &r);
		else
			reason = fp_key_step(sc, &r, i);
		if (reason)
			goto pass;
	}
	if (r.cmd == FP_CMD_EXISTS) {
		int p = fp_put_num(sc, r.pos, ':', r.count);

		if (p < 0) {
			reason = FP_C_PASS_REPLY_TOO_BIG;
			goto pass;
		}
		r.pos = (__u32)p;
	}
	reason = fp_commit(sc, &r, cfg);
	if (reason)
		goto pass;
	err = fp_emit(ctx, xdp, sc, f, r.pos);
	if (err == -1 || err == -3) {
		reason = err == -1 ? FP_C_PASS_TAILROOM : FP_C_PASS_ERROR;
		goto pass;
	}
	if (err) {
		fp_count(ctr, FP_C_PASS_ERROR, 1);
		return -1;
	}
	fp_count(ctr, FP_C_HITS, 1);
	fp_count(ctr, FP_C_BYTES_IN, plen);
	fp_count(ctr, FP_C_BYTES_OUT, r.pos);
	return 1;
pass:
	fp_count(ctr, reason, 1);
	if (reason == FP_C_PASS_MISS)
		fp_count(ctr, FP_C_MISSES, 1);
	return 0;
}

#endif /* ARENAKV_BPF_FP_ANSWER_H */
