// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_fastpath_xdp.c - the XDP and tc fast-path programs (bpf/fastpath.bpf.c) answer exactly
 * what they should from the arena, and pass everything else, counting why.
 *
 * Set-up as the server does it: arena_setup("bpf") creates the arena (bpf/arenakv.bpf.c), keys
 * are written with the index's writer API (index/htab.h, as server/db.c does), and
 * fp_load_open() (bpf/fp_load.h) loads the fast path on that same arena. Then a table of
 * crafted frames runs through bpf_prog_test_run_opts(), once through fp_xdp and once through
 * fp_tc. For each: the expected verdict (XDP_TX / redirect, or pass), the expected output frame
 * byte for byte (built here independently: RFC 1071 checksums over big-endian words, not the BPF
 * code's memory-order sums), the output's checksums verified again, and the per-CPU counter that
 * must have moved (exactly one of hits / passed_<reason>, plus requests).
 *
 * Then: the access clock a hit leaves in the entry (LRU and LFU), ring-buffer samples, the token,
 * PTTL's value, and a writer thread replacing / rewriting a value while the program answers GETs
 * for it (every reply must be one complete version, never a mix). Also prints the verifier's
 * processed-instruction counts, the load time and per-run costs (printed, never asserted).
 *
 * Exit 77 when BPF arenas cannot be created here (bpf_test.h).
 */
#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf_test.h"
#include "arena_bpf.h"
#include "clock.h"
#include "layout.h"
#include "fastpath.h"
#include "fp_load.h"
#include "zset.h"
#include "unit/fake_client.h"

/* What the kernel stamps into kv_entry.access (kv.h) must be the clock server/db.c reads. */
_Static_assert(KV_LRU_MAX == CLOCK_LRU_MAX, "kv.h LRU clock width follows clock.h");
_Static_assert(KV_LRU_RES_NS == CLOCK_LRU_RESOLUTION_MS * 1000000ULL, "LRU resolution");
_Static_assert(FP_CLOCK_FAR_BIT == CLOCK_FAR_BIT, "far-deadline bit follows clock.h");

#define PORT		 7777
#define TCX_NEXT_RET	 0xffffffffu /* TCX_NEXT (-1) as test_run's __u32 retval */
#define TCX_DROP_RET	 2
#define TCX_REDIRECT_RET 7 /* what bpf_redirect() returns */

static struct fastpath *skel;
static int ncpus;

/* ---- keyspace (writer side, as server/db.c) -------------------------------------------- */

static struct htab *db0(void)
{
	return (struct htab *)&ARENA_HDR->db[0];
}

static struct kv_entry *put_type(__u8 type, const char *key, __u32 klen, const void *val,
				 __u32 vlen, __u64 expire_ns)
{
	struct htab *h = db0();
	struct kv_entry *old = htab_find(h, key, klen), *e;

	e = kv_new(type, key, klen, vlen, vlen);
	if (!e)
		return NULL;
	memcpy((void *)kv_val(e), val, vlen);
	e->expire_ns = expire_ns;
	if (old) {
		htab_replace(h, old, e);
		kv_free(old);
	} else if (htab_insert(h, e)) {
		kv_free(e);
		return NULL;
	}
	return e;
}

static struct kv_entry *put(const char *key, const void *val, __u32 vlen, __u64 exp)
{
	return put_type(KV_STRING, key, (__u32)strlen(key), val, vlen, exp);
}

/* ---- frames ----------------------------------------------------------------------------- */

enum mut {
	M_NONE = 0,
	M_BAD_IPCSUM = 1 << 0,
	M_BAD_UDPCSUM = 1 << 1,
	M_ZERO_UDPCSUM = 1 << 2,
	M_PARTIAL_UDPCSUM = 1 << 3,
	M_IP_OPTIONS = 1 << 4,
	M_FRAG_MF = 1 << 5,
	M_FRAG_OFF = 1 << 6,
	M_V6_EXTHDR = 1 << 7,
	M_UDP_LEN = 1 << 8, /* UDP length disagrees with the IP length */
	M_ETH_PAD = 1 << 9, /* 10 bytes of Ethernet padding after the datagram */
	M_OTHER_PORT = 1 << 10,
	M_TCP = 1 << 11,
	M_ARP = 1 << 12,
	M_IP_LEN_LONG = 1 << 13, /* IP total length beyond the frame */
	M_MCAST = 1 << 14,	 /* to 224.0.0.251 / ff02::fb */
	M_ETH_BCAST = 1 << 15,	 /* to ff:ff:ff:ff:ff:ff */
};

struct addr {
	int v6;
	__u8 a[16];
};

static const __u8 mac_srv[6] = {0x02, 0, 0, 0, 0, 0x01}, mac_cli[6] = {0x02, 0, 0, 0, 0, 0x02};

static struct addr addr_of(const char *s)
{
	struct addr a = {0};

	if (strchr(s, ':')) {
		a.v6 = 1;
		inet_pton(AF_INET6, s, a.a);
	} else {
		inet_pton(AF_INET, s, a.a);
	}
	return a;
}

/* RFC 1071 over big-endian 16-bit words. */
static __u32 sum_be(const __u8 *p, size_t n, __u32 s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (__u32)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (__u32)p[n - 1] << 8;
	return s;
}

static __u16 fold(__u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 pseudo_sum(int v6, const __u8 *src, const __u8 *dst, __u32 udp_len)
{
	__u32 s = 0;

	s = sum_be(src, v6 ? 16 : 4, s);
	s = sum_be(dst, v6 ? 16 : 4, s);
	return s + 17 + udp_len;
}

/*
 * Build an Ethernet frame: emac -> dmac, src:sport -> dst:dport, UDP payload pl[0, plen).
 * ttl and ipid as given (the reply uses ttl 64 and the request's id).
 */
static size_t build(__u8 *out, const __u8 *dmac, const __u8 *smac, const struct addr *src,
		    const struct addr *dst, __u16 sport, __u16 dport, const void *pl, size_t plen,
		    __u8 ttl, __u16 ipid, int mut)
{
	size_t l3 = src->v6 ? 40 : (mut & M_IP_OPTIONS ? 24 : 20);
	size_t udp_len = 8 + plen, n;
	__u8 *ip = out + 14, *udp = ip + l3;
	__u16 c;

	static const __u8 bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct addr mc = addr_of(src->v6 ? "ff02::fb" : "224.0.0.251");

	if (mut & M_MCAST)
		dst = &mc;
	memcpy(out, mut & M_ETH_BCAST ? bcast : dmac, 6);
	memcpy(out + 6, smac, 6);
	put16(out + 12, mut & M_ARP ? 0x0806 : src->v6 ? 0x86dd : 0x0800);
	memset(ip, 0, l3);
	if (src->v6) {
		ip[0] = 0x60;
		put16(ip + 4, (__u16)udp_len + (mut & M_IP_LEN_LONG ? 100 : 0));
		ip[6] = mut & M_V6_EXTHDR ? 0 : mut & M_TCP ? 6 : 17;
		ip[7] = ttl;
		memcpy(ip + 8, src->a, 16);
		memcpy(ip + 24, dst->a, 16);
	} else {
		ip[0] = 0x40 | (__u8)(l3 / 4);
		put16(ip + 2, (__u16)(l3 + udp_len) + (mut & M_IP_LEN_LONG ? 100 : 0));
		put16(ip + 4, ipid);
		put16(ip + 6, mut & M_FRAG_MF ? 0x2000 : mut & M_FRAG_OFF ? 0x0010 : 0x4000);
		ip[8] = ttl;
		ip[9] = mut & M_TCP ? 6 : 17;
		memcpy(ip + 12, src->a, 4);
		memcpy(ip + 16, dst->a, 4);
		if (l3 == 24)
			memset(ip + 20, 1, 4); /* four NOP options */
		c = ~fold(sum_be(ip, l3, 0));
		if (mut & M_BAD_IPCSUM)
			c ^= 0x0101;
		put16(ip + 10, c);
	}
	put16(udp, sport);
	put16(udp + 2, mut & M_OTHER_PORT ? dport + 1 : dport);
	put16(udp + 4, (__u16)udp_len + (mut & M_UDP_LEN ? 1 : 0));
	put16(udp + 6, 0);
	memcpy(udp + 8, pl, plen);
	c = ~fold(sum_be(udp, udp_len, pseudo_sum(src->v6, src->a, dst->a, (__u32)udp_len)));
	if (!c)
		c = 0xffff;
	if (mut & M_BAD_UDPCSUM)
		c ^= 0x0100;
	if (mut & M_ZERO_UDPCSUM)
		c = 0;
	if (mut & M_PARTIAL_UDPCSUM)
		c = fold(pseudo_sum(src->v6, src->a, dst->a, (__u32)udp_len));
	put16(udp + 6, c);
	n = 14 + l3 + udp_len;
	if (mut & M_ETH_PAD) {
		memset(out + n, 0, 10);
		n += 10;
	}
	return n;
}

/* Independent check of a reply frame's IPv4 header and UDP checksums. */
static int frame_csums_ok(const __u8 *f, size_t n)
{
	int v6 = get16(f + 12) == 0x86dd;
	const __u8 *ip = f + 14, *udp = ip + (v6 ? 40 : 20);
	__u32 udp_len;

	if (n < 14 + (v6 ? 48u : 28u))
		return 0;
	if (!v6 && fold(sum_be(ip, 20, 0)) != 0xffff)
		return 0;
	udp_len = get16(udp + 4);
	if (14 + (v6 ? 40 : 20) + udp_len != n)
		return 0;
	return fold(sum_be(udp, udp_len,
			   pseudo_sum(v6, v6 ? ip + 8 : ip + 12, v6 ? ip + 24 : ip + 16,
				      udp_len))) == 0xffff;
}

/* Frame header + RESP multibulk of argv. */
static size_t request(__u8 *out, __u32 id, __u64 token, __u8 flags, int argc,
		      const char *const *argv, const size_t *lens)
{
	size_t n = FP_HDR_SIZE;

	put16(out, FP_MAGIC);
	out[2] = FP_VERSION;
	out[3] = flags;
	for (int i = 0; i < 4; i++)
		out[4 + i] = (__u8)(id >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		out[8 + i] = (__u8)(token >> (56 - 8 * i));
	n += (size_t)sprintf((char *)out + n, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		size_t l = lens ? lens[i] : strlen(argv[i]);

		n += (size_t)sprintf((char *)out + n, "$%zu\r\n", l);
		memcpy(out + n, argv[i], l);
		n += l;
		memcpy(out + n, "\r\n", 2);
		n += 2;
	}
	return n;
}

/* ---- counters ----------------------------------------------------------------------------- */

static void counters(__u64 *c)
{
	int err = fp_counters_sum(skel, c);

	CHECK_MSG(!err, "fp_counters_sum: %d", err);
}

static __u32 allow_gen; /* fp_config.allow_gen: only ever increased, as the server does */

static void set_config(__u32 flags, __u64 token, __u32 sample)
{
	struct fp_config cfg = {.flags = flags,
				.allow_gen = allow_gen,
				.port = PORT,
				.token = token,
				.hot_sample_every = sample,
				.lfu_log_factor = 10,
				.lfu_decay_time = 1};
	__u32 zero = 0;
	int err = bpf_map__update_elem(skel->maps.fp_config, &zero, 4, &cfg, sizeof(cfg), 0);

	CHECK_MSG(!err, "fp_config update: %d", err);
}

/* Add cidr to the allow-list (or remove it: add 0). */
static void allow_set(const char *cidr, int add)
{
	char buf[64], *slash;
	__u8 one = 1;
	int err;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	*slash = '\0';
	if (strchr(buf, ':')) {
		struct fp_lpm6 k = {.prefixlen = (__u32)atoi(slash + 1)};

		inet_pton(AF_INET6, buf, k.addr);
		err = add ? bpf_map__update_elem(skel->maps.fp_allow6, &k, sizeof(k), &one, 1, 0)
			  : bpf_map__delete_elem(skel->maps.fp_allow6, &k, sizeof(k), 0);
	} else {
		struct fp_lpm4 k = {.prefixlen = (__u32)atoi(slash + 1)};

		inet_pton(AF_INET, buf, k.addr);
		err = add ? bpf_map__update_elem(skel->maps.fp_allow4, &k, sizeof(k), &one, 1, 0)
			  : bpf_map__delete_elem(skel->maps.fp_allow4, &k, sizeof(k), 0);
	}
	CHECK_MSG(!err, "allow %s %s: %d", add ? "add" : "remove", cidr, err);
}

static void allow(const char *cidr)
{
	allow_set(cidr, 1);
}

/* ---- running ------------------------------------------------------------------------------ */

enum verdict { V_PASS, V_TX, V_DROP };

/* Run frame through program (xdp 1 / tc 0); *out gets the output frame. Returns the verdict. */
static int run(int xdp, const __u8 *in, size_t n, __u8 *out, __u32 *out_n)
{
	struct bpf_program *prog = xdp ? skel->progs.fp_xdp : skel->progs.fp_tc;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)n, .data_out = out,
		    .data_size_out = 8192, .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	*out_n = o.data_size_out;
	if (err)
		return -100 + err;
	if (xdp)
		return o.retval == XDP_TX     ? V_TX
		       : o.retval == XDP_PASS ? V_PASS
		       : o.retval == XDP_DROP ? V_DROP
					      : -1;
	return o.retval == TCX_REDIRECT_RET ? V_TX
	       : o.retval == TCX_NEXT_RET   ? V_PASS
	       : o.retval == TCX_DROP_RET   ? V_DROP
					    : -1;
}

struct fcase {
	const char *name;
	const char *src; /* client address; the server is 127.0.0.1 / ::1 / 10.0.0.1 */
	int argc;
	const char *argv[40];
	int mut;
	__u8 flags;	   /* frame header flags */
	__u16 magic;	   /* 0 = FP_MAGIC */
	__u8 version;	   /* 0 = FP_VERSION */
	int trunc;	   /* cut the frame to this many bytes (0 = no) */
	const char *raw;   /* raw UDP payload after the frame header instead of argv */
	int verdict;	   /* V_TX or V_PASS */
	int reason;	   /* counter that must move (FP_C_HITS for a reply) */
	const char *reply; /* expected RESP reply (NULL: built by the case's fixup) */
	size_t reply_len;  /* 0 = strlen(reply) */
};

static char big_reply[8192];
static size_t big_reply_len;
static char blob_val[1000], big_val[2000], key256[257], key257[258];

static const char *dst_for(const char *src)
{
	if (strchr(src, ':'))
		return "::1";
	return !strncmp(src, "127.", 4) ? "127.0.0.1" : "10.0.0.1";
}

static void run_case(int xdp, const struct fcase *c)
{
	static __u8 pl[4096], in[8192], out[8192], want[8192], rep[8192];
	__u64 before[FP_C_MAX], after[FP_C_MAX];
	struct addr src = addr_of(c->src), dst = addr_of(dst_for(c->src));
	size_t plen, n, wn, rlen;
	__u32 on = 0;
	int v;

	if (c->raw) {
		plen = request(pl, 0x01020304, 0, c->flags, 0, NULL, NULL) - 4; /* header only */
		memcpy(pl + plen, c->raw, strlen(c->raw));
		plen += strlen(c->raw);
	} else {
		plen = request(pl, 0x01020304, 0, c->flags, c->argc, c->argv, NULL);
	}
	if (c->magic)
		put16(pl, c->magic);
	if (c->version)
		pl[2] = c->version;
	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl, plen, 61, 0x1234, c->mut);
	if (c->trunc)
		n = (size_t)c->trunc;

	counters(before);
	v = run(xdp, in, n, out, &on);
	counters(after);

	if (!xdp && c->trunc && v == -100 - EINVAL) {
		/* BPF_PROG_TEST_RUN refuses to build an skb this short (tc only): the stack
		 * would not hand it to tc as IP either. Nothing to check. */
		printf("tc/%s: skipped, test_run refuses a %d-byte skb\n", c->name, c->trunc);
		return;
	}
	CHECK_MSG(v == c->verdict, "%s/%s: verdict %d want %d", xdp ? "xdp" : "tc", c->name, v,
		  c->verdict);
	CHECK_MSG(after[c->reason] == before[c->reason] + 1, "%s/%s: counter %s moved by %llu",
		  xdp ? "xdp" : "tc", c->name, fp_counter_name(c->reason),
		  (unsigned long long)(after[c->reason] - before[c->reason]));
	if (c->reason != FP_C_NOT_OURS)
		CHECK_MSG(after[FP_C_REQUESTS] == before[FP_C_REQUESTS] + 1,
			  "%s/%s: requests did not move", xdp ? "xdp" : "tc", c->name);
	{
		/* Exactly one outcome per request: hits or one passed_* (none for not_ours). */
		__u64 outcomes = after[FP_C_HITS] - before[FP_C_HITS];

		for (__u32 k = FP_C_PASS_FIRST; k < FP_C_MAX; k++)
			outcomes += after[k] - before[k];
		CHECK_MSG(outcomes == (c->reason == FP_C_NOT_OURS ? 0 : 1),
			  "%s/%s: %llu outcomes counted", xdp ? "xdp" : "tc", c->name,
			  (unsigned long long)outcomes);
		CHECK_MSG((after[FP_C_MISSES] - before[FP_C_MISSES]) ==
			      (c->reason == FP_C_PASS_MISS ? 1u : 0u),
			  "%s/%s: misses", xdp ? "xdp" : "tc", c->name);
	}
	if (c->verdict == V_PASS) {
		CHECK_MSG(after[FP_C_HITS] == before[FP_C_HITS], "%s/%s: hits moved on a pass",
			  xdp ? "xdp" : "tc", c->name);
		CHECK_MSG(on == n && !memcmp(in, out, n), "%s/%s: passed frame was modified",
			  xdp ? "xdp" : "tc", c->name);
		return;
	}
	/* Expected reply frame: same header with REPLY|KERNEL and token 0, then the RESP. */
	rlen = c->reply ? (c->reply_len ? c->reply_len : strlen(c->reply)) : big_reply_len;
	memcpy(rep, pl, 8);
	rep[3] = FP_F_REPLY | FP_F_KERNEL;
	memset(rep + 8, 0, 8);
	memcpy(rep + FP_HDR_SIZE, c->reply ? c->reply : big_reply, rlen);
	wn = build(want, mac_cli, mac_srv, &dst, &src, PORT, 40000, rep, FP_HDR_SIZE + rlen, 64,
		   0x1234, M_NONE);
	CHECK_MSG(on == wn && !memcmp(out, want, wn),
		  "%s/%s: reply frame differs (len %u want %zu)", xdp ? "xdp" : "tc", c->name, on,
		  wn);
	if (on != wn || memcmp(out, want, wn)) {
		size_t i;

		for (i = 0; i < on && i < wn && out[i] == want[i]; i++)
			;
		fprintf(stderr, "  first difference at byte %zu: got %.*s\n", i,
			(int)(on > 14 + 28 + 16 ? on - 14 - 28 - 16 : 0), out + 14 + 28 + 16);
	}
	CHECK_MSG(frame_csums_ok(out, on), "%s/%s: reply checksums wrong", xdp ? "xdp" : "tc",
		  c->name);
	CHECK_MSG(after[FP_C_BYTES_OUT] == before[FP_C_BYTES_OUT] + FP_HDR_SIZE + rlen,
		  "%s/%s: bytes_out", xdp ? "xdp" : "tc", c->name);
}

/* Positional table: fields after `reason` default to 0/NULL where a case does not need them. */
// clang-format off
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct fcase cases[] = {
    /* hits */
    {"get", "127.0.0.2", 2, {"GET", "hello"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$5\r\nworld\r\n"},
    {"get-case", "127.0.0.2", 2, {"gEt", "hello"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$5\r\nworld\r\n"},
    {"get-v6", "::1", 2, {"GET", "hello"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS, "$5\r\nworld\r\n"},
    {"get-key12", "127.0.0.2", 2, {"get", "key-twelve12"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$2\r\n12\r\n"},
    {"get-key12-pad", "127.0.0.2", 0, {0}, 0, FP_F_PAD, 0, 0, 0,
     "*2\r\n$3\r\nGet\r\n$12\r\nkey-twelve12\r\nPAD", V_TX, FP_C_HITS, "$2\r\n12\r\n"},
    {"get-10/8", "10.1.2.3", 2, {"GET", "hello"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$5\r\nworld\r\n"},
    {"get-empty", "127.0.0.2", 2, {"GET", "empty"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$0\r\n\r\n"},
    {"get-binary", "127.0.0.2", 2, {"GET", "bin"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$7\r\na\r\n\0b\r\n\r\n", 13},
    {"get-empty-key", "127.0.0.2", 2, {"GET", ""}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$2\r\nek\r\n"},
    {"get-crlf-key", "::1", 2, {"GET", "k\r\n$3\r\n"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$2\r\nck\r\n"},
    {"get-blob", "127.0.0.2", 2, {"GET", "blob"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS, NULL},
    {"get-key256", "127.0.0.2", 2, {"GET", key256}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$4\r\nk256\r\n"},
    {"udp-csum-zero", "127.0.0.2", 2, {"GET", "hello"}, M_ZERO_UDPCSUM, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, "$5\r\nworld\r\n"},
    {"udp-csum-partial", "127.0.0.2", 2, {"GET", "hello"}, M_PARTIAL_UDPCSUM, 0, 0, 0, 0, NULL,
     V_TX, FP_C_HITS, "$5\r\nworld\r\n"},
    {"udp-csum-partial-v6", "::1", 2, {"GET", "hello"}, M_PARTIAL_UDPCSUM, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, "$5\r\nworld\r\n"},
    {"eth-padding", "127.0.0.2", 2, {"GET", "hello"}, M_ETH_PAD, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$5\r\nworld\r\n"},
    {"mget", "127.0.0.2", 4, {"MGET", "hello", "empty", "hello"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, "*3\r\n$5\r\nworld\r\n$0\r\n\r\n$5\r\nworld\r\n"},
    {"mget-v6", "::1", 3, {"mget", "hello", "counter"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "*2\r\n$5\r\nworld\r\n$3\r\n123\r\n"},
    {"exists", "127.0.0.2", 4, {"EXISTS", "hello", "hello", "blob"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, ":3\r\n"},
    {"strlen", "127.0.0.2", 2, {"STRLEN", "blob"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     ":1000\r\n"},
    {"strlen-big", "127.0.0.2", 2, {"strlen", "big"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     ":2000\r\n"},
    {"ttl-none", "127.0.0.2", 2, {"TTL", "hello"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS, ":-1\r\n"},
    {"pttl-none", "::1", 2, {"PTTL", "hello"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS, ":-1\r\n"},
    {"ttl", "127.0.0.2", 2, {"TTL", "exp"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS, ":3600\r\n"},
    {"get-exp", "127.0.0.2", 2, {"GET", "exp"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$4\r\nsoon\r\n"},
    {"pad", "127.0.0.2", 0, {0}, 0, FP_F_PAD, 0, 0, 0,
     "*2\r\n$3\r\nGET\r\n$4\r\nblob\r\n"
     "padpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpad", V_TX,
     FP_C_HITS, NULL},
    {"pad-bulk-len", "127.0.0.2", 0, {0}, 0, FP_F_PAD, 0, 0, 0,
     "*2\r\n$3\r\nGET\r\n$5\r\nhello\r", V_PASS, FP_C_PASS_PARSE},
    /* passes: keyspace */
    {"miss", "127.0.0.2", 2, {"GET", "nosuchkey"}, 0, 0, 0, 0, 0, NULL, V_PASS, FP_C_PASS_MISS},
    {"expired", "127.0.0.2", 2, {"GET", "gone"}, 0, 0, 0, 0, 0, NULL, V_PASS, FP_C_PASS_MISS},
    {"ttl-expired", "127.0.0.2", 2, {"TTL", "gone"}, 0, 0, 0, 0, 0, NULL, V_PASS, FP_C_PASS_MISS},
    {"mget-one-miss", "127.0.0.2", 3, {"MGET", "hello", "nosuchkey"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_MISS},
    {"exists-miss", "127.0.0.2", 3, {"EXISTS", "nosuchkey", "hello"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_MISS},
    {"oversized", "127.0.0.2", 2, {"GET", "big"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_REPLY_TOO_BIG},
    {"mget-oversized", "127.0.0.2", 3, {"MGET", "blob", "blob"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_REPLY_TOO_BIG},
    {"wrongtype", "127.0.0.2", 2, {"GET", "zs"}, 0, 0, 0, 0, 0, NULL, V_PASS, FP_C_PASS_TYPE},
    {"ttl-far", "127.0.0.2", 2, {"TTL", "far"}, 0, 0, 0, 0, 0, NULL, V_PASS, FP_C_PASS_TTL},
    {"key257", "127.0.0.2", 2, {"GET", key257}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_KEY_TOO_LONG},
    /* passes: command */
    {"set", "127.0.0.2", 3, {"SET", "hello", "x"}, 0, 0, 0, 0, 0, NULL, V_PASS, FP_C_PASS_COMMAND},
    {"get-arity", "127.0.0.2", 3, {"GET", "hello", "hello"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_COMMAND},
    {"mget-arity", "127.0.0.2", 1, {"MGET"}, 0, 0, 0, 0, 0, NULL, V_PASS, FP_C_PASS_COMMAND},
    {"getx", "127.0.0.2", 2, {"GETX", "hello"}, 0, 0, 0, 0, 0, NULL, V_PASS, FP_C_PASS_COMMAND},
    {"inline", "127.0.0.2", 0, {0}, 0, 0, 0, 0, 0, "GET hello\r\n", V_PASS, FP_C_PASS_PARSE},
    {"trailing", "127.0.0.2", 0, {0}, 0, 0, 0, 0, 0, "*2\r\n$3\r\nGET\r\n$5\r\nhello\r\nX", V_PASS,
     FP_C_PASS_PARSE},
    {"bad-bulk-len", "127.0.0.2", 0, {0}, 0, 0, 0, 0, 0, "*2\r\n$3\r\nGET\r\n$6\r\nhello\r\n",
     V_PASS, FP_C_PASS_PARSE},
    {"get-keylen-zero", "127.0.0.2", 0, {0}, 0, 0, 0, 0, 0, "*2\r\n$3\r\nGET\r\n$05\r\nhello\r\n",
     V_PASS, FP_C_PASS_PARSE},
    {"get-keylen-sign", "127.0.0.2", 0, {0}, 0, 0, 0, 0, 0, "*2\r\n$3\r\nGET\r\n$+5\r\nhello\r\n",
     V_PASS, FP_C_PASS_PARSE},
    {"get-short-key", "127.0.0.2", 0, {0}, 0, 0, 0, 0, 0, "*2\r\n$3\r\nGET\r\n$12\r\nhello\r\n",
     V_PASS, FP_C_PASS_PARSE},
    {"leading-zero", "127.0.0.2", 0, {0}, 0, 0, 0, 0, 0, "*2\r\n$03\r\nGET\r\n$5\r\nhello\r\n",
     V_PASS, FP_C_PASS_PARSE},
    {"no-crlf", "127.0.0.2", 0, {0}, 0, 0, 0, 0, 0, "*2\r\n$3\r\nGET\r\n$5\r\nhello", V_PASS,
     FP_C_PASS_PARSE},
    {"empty-payload", "127.0.0.2", 0, {0}, 0, 0, 0, 0, 0, "", V_PASS, FP_C_PASS_PARSE},
    /* passes: frame header */
    {"bad-magic", "127.0.0.2", 2, {"GET", "hello"}, 0, 0, 0xAE4C, 0, 0, NULL, V_PASS,
     FP_C_PASS_MAGIC},
    {"bad-version", "127.0.0.2", 2, {"GET", "hello"}, 0, 0, 0, 2, 0, NULL, V_PASS,
     FP_C_PASS_VERSION},
    {"reply-flag", "127.0.0.2", 2, {"GET", "hello"}, 0, FP_F_REPLY, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_FLAGS},
    {"unknown-flag", "127.0.0.2", 2, {"GET", "hello"}, 0, 0x80, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_FLAGS},
    /* passes: sources */
    {"not-allowed-v4", "8.8.8.8", 2, {"GET", "hello"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_NOT_ALLOWED},
    {"not-allowed-v6", "2001:db8::1", 2, {"GET", "hello"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_NOT_ALLOWED},
    /* passes: IP / UDP */
    {"bad-ip-csum", "127.0.0.2", 2, {"GET", "hello"}, M_BAD_IPCSUM, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_CHECKSUM},
    {"bad-udp-csum", "127.0.0.2", 2, {"GET", "hello"}, M_BAD_UDPCSUM, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_CHECKSUM},
    {"bad-udp-csum-v6", "::1", 2, {"GET", "hello"}, M_BAD_UDPCSUM, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_CHECKSUM},
    {"zero-udp-csum-v6", "::1", 2, {"GET", "hello"}, M_ZERO_UDPCSUM, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_CHECKSUM},
    {"ip-options", "127.0.0.2", 2, {"GET", "hello"}, M_IP_OPTIONS, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_IP_OPTIONS},
    {"fragment-first", "127.0.0.2", 2, {"GET", "hello"}, M_FRAG_MF, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_FRAGMENT},
    {"fragment-later", "127.0.0.2", 2, {"GET", "hello"}, M_FRAG_OFF, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_NOT_OURS},
    {"udp-len", "127.0.0.2", 2, {"GET", "hello"}, M_UDP_LEN, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_MALFORMED},
    {"ip-len-long", "127.0.0.2", 2, {"GET", "hello"}, M_IP_LEN_LONG, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_MALFORMED},
    {"ip-len-long-v6", "::1", 2, {"GET", "hello"}, M_IP_LEN_LONG, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_MALFORMED},
    {"v6-exthdr", "::1", 2, {"GET", "hello"}, M_V6_EXTHDR, 0, 0, 0, 0, NULL, V_PASS, FP_C_NOT_OURS},
    {"tcp", "127.0.0.2", 2, {"GET", "hello"}, M_TCP, 0, 0, 0, 0, NULL, V_PASS, FP_C_NOT_OURS},
    {"arp", "127.0.0.2", 2, {"GET", "hello"}, M_ARP, 0, 0, 0, 0, NULL, V_PASS, FP_C_NOT_OURS},
    {"other-port", "127.0.0.2", 2, {"GET", "hello"}, M_OTHER_PORT, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_NOT_OURS},
    {"multicast-v4", "127.0.0.2", 2, {"GET", "hello"}, M_MCAST, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_NOT_UNICAST},
    {"multicast-v6", "::1", 2, {"GET", "hello"}, M_MCAST, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_NOT_UNICAST},
    {"eth-broadcast", "127.0.0.2", 2, {"GET", "hello"}, M_ETH_BCAST, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_NOT_UNICAST},
    /* truncated at every layer */
    {"trunc-eth", "127.0.0.2", 2, {"GET", "hello"}, 0, 0, 0, 0, 14, NULL, V_PASS, FP_C_NOT_OURS},
    {"trunc-ip", "127.0.0.2", 2, {"GET", "hello"}, 0, 0, 0, 0, 30, NULL, V_PASS, FP_C_NOT_OURS},
    {"trunc-ip6", "::1", 2, {"GET", "hello"}, 0, 0, 0, 0, 50, NULL, V_PASS, FP_C_NOT_OURS},
    {"trunc-udp", "127.0.0.2", 2, {"GET", "hello"}, 0, 0, 0, 0, 38, NULL, V_PASS, FP_C_NOT_OURS},
    {"trunc-payload", "127.0.0.2", 2, {"GET", "hello"}, 0, 0, 0, 0, 50, NULL, V_PASS,
     FP_C_PASS_MALFORMED},
    {"trunc-payload-v6", "::1", 2, {"GET", "hello"}, 0, 0, 0, 0, 70, NULL, V_PASS,
     FP_C_PASS_MALFORMED},
};
/*
 * Sorted sets (bpf/fp_zset.h). lb: ninf -inf, dave -5, alice 10, bob 20, carol 20, eve 1e15,
 * pinf inf; lbf: x 1.5, y 2; lbig: m00..m39 scored 0..39. Replies as redis-server 7.0.15 sends
 * them for the same commands (RESP2; scores "%.17g", "inf", "-inf").
 */
static const struct fcase zcases[] = {
    {"zrange", "127.0.0.2", 4, {"ZRANGE", "lb", "0", "2"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "*3\r\n$4\r\nninf\r\n$4\r\ndave\r\n$5\r\nalice\r\n"},
    {"zrange-ws", "::1", 5, {"zrange", "lb", "0", "3", "WithScores"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS,
     "*8\r\n$4\r\nninf\r\n$4\r\n-inf\r\n$4\r\ndave\r\n$2\r\n-5\r\n$5\r\nalice\r\n"
     "$2\r\n10\r\n$3\r\nbob\r\n$2\r\n20\r\n"},
    {"zrevrange-ws", "127.0.0.2", 5, {"ZREVRANGE", "lb", "0", "2", "WITHSCORES"}, 0, 0, 0, 0, 0,
     NULL, V_TX, FP_C_HITS,
     "*6\r\n$4\r\npinf\r\n$3\r\ninf\r\n$3\r\neve\r\n$16\r\n1000000000000000\r\n"
     "$5\r\ncarol\r\n$2\r\n20\r\n"},
    {"zrevrange", "127.0.0.2", 4, {"zrevrange", "lb", "5", "6"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, "*2\r\n$4\r\ndave\r\n$4\r\nninf\r\n"},
    {"zrange-clamp", "127.0.0.2", 4, {"ZRANGE", "lb", "5", "100"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, "*2\r\n$3\r\neve\r\n$4\r\npinf\r\n"},
    {"zrange-reversed", "127.0.0.2", 4, {"ZRANGE", "lb", "5", "3"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, "*0\r\n"},
    {"zrange-past-end", "127.0.0.2", 5, {"ZRANGE", "lb", "7", "20", "withscores"}, 0, 0, 0, 0, 0,
     NULL, V_TX, FP_C_HITS, "*0\r\n"},
    {"zrange-frac", "127.0.0.2", 4, {"ZRANGE", "lbf", "0", "1"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, "*2\r\n$1\r\nx\r\n$1\r\ny\r\n"},
    {"zrevrange-big-top", "127.0.0.2", 5, {"ZREVRANGE", "lbig", "0", "1", "WITHSCORES"}, 0, 0, 0,
     0, 0, NULL, V_TX, FP_C_HITS, "*4\r\n$3\r\nm39\r\n$2\r\n39\r\n$3\r\nm38\r\n$2\r\n38\r\n"},
    {"zrange-big-16", "127.0.0.2", 4, {"ZRANGE", "lbig", "20", "35"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS,
     "*16\r\n$3\r\nm20\r\n$3\r\nm21\r\n$3\r\nm22\r\n$3\r\nm23\r\n$3\r\nm24\r\n"
     "$3\r\nm25\r\n$3\r\nm26\r\n$3\r\nm27\r\n$3\r\nm28\r\n$3\r\nm29\r\n$3\r\nm30\r\n"
     "$3\r\nm31\r\n$3\r\nm32\r\n$3\r\nm33\r\n$3\r\nm34\r\n$3\r\nm35\r\n"},
    {"zscore", "127.0.0.2", 3, {"ZSCORE", "lb", "bob"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$2\r\n20\r\n"},
    {"zscore-neg", "::1", 3, {"zscore", "lb", "dave"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$2\r\n-5\r\n"},
    {"zscore-ninf", "127.0.0.2", 3, {"ZSCORE", "lb", "ninf"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$4\r\n-inf\r\n"},
    {"zscore-pinf", "127.0.0.2", 3, {"ZScore", "lb", "pinf"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$3\r\ninf\r\n"},
    {"zscore-big", "127.0.0.2", 3, {"ZSCORE", "lb", "eve"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$16\r\n1000000000000000\r\n"},
    {"zscore-no-member", "127.0.0.2", 3, {"ZSCORE", "lb", "nobody"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, "$-1\r\n"},
    {"zscore-zero", "127.0.0.2", 3, {"ZSCORE", "lbig", "m00"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, "$1\r\n0\r\n"},
    {"zrange-frac-ws", "127.0.0.2", 5, {"ZRANGE", "lbf", "0", "1", "WITHSCORES"}, 0, 0, 0, 0, 0,
     NULL, V_TX, FP_C_HITS, "*4\r\n$1\r\nx\r\n$3\r\n1.5\r\n$1\r\ny\r\n$1\r\n2\r\n"},
    {"zscore-frac", "127.0.0.2", 3, {"ZSCORE", "lbf", "x"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     "$3\r\n1.5\r\n"},
    {"zrank", "127.0.0.2", 3, {"ZRANK", "lb", "bob"}, 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
     ":3\r\n"},
    {"zrevrank-ws", "::1", 4, {"zrevrank", "lb", "alice", "withscore"}, 0, 0, 0, 0, 0, NULL, V_TX,
     FP_C_HITS, "*2\r\n:4\r\n$2\r\n10\r\n"},
    {"zrank-no-member-ws", "127.0.0.2", 4, {"ZRANK", "lb", "nobody", "WITHSCORE"}, 0, 0, 0, 0, 0,
     NULL, V_TX, FP_C_HITS, "*-1\r\n"},
    /* passes */
    {"zrange-big-17", "127.0.0.2", 4, {"ZRANGE", "lbig", "0", "16"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_ZSET},
    {"zrange-negative", "127.0.0.2", 4, {"ZRANGE", "lb", "0", "-1"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_COMMAND},
    {"zrange-leading-zero", "127.0.0.2", 4, {"ZRANGE", "lb", "01", "2"}, 0, 0, 0, 0, 0, NULL,
     V_PASS, FP_C_PASS_COMMAND},
    {"zrange-byscore", "127.0.0.2", 5, {"ZRANGE", "lb", "0", "1", "BYSCORE"}, 0, 0, 0, 0, 0, NULL,
     V_PASS, FP_C_PASS_COMMAND},
    {"zrange-arity", "127.0.0.2", 3, {"ZRANGE", "lb", "0"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_COMMAND},
    {"zrange-string", "127.0.0.2", 4, {"ZRANGE", "hello", "0", "1"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_TYPE},
    {"zrange-miss", "127.0.0.2", 4, {"ZRANGE", "nozset", "0", "1"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_MISS},
    {"zscore-long-member", "127.0.0.2", 3,
     {"ZSCORE", "lb", "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"}, 0, 0, 0, 0,
     0, NULL, V_PASS, FP_C_PASS_KEY_TOO_LONG},
    {"zscore-string", "127.0.0.2", 3, {"ZSCORE", "hello", "m"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_TYPE},
    {"zscore-miss", "127.0.0.2", 3, {"ZSCORE", "nozset", "m"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_MISS},
    {"zscore-arity", "127.0.0.2", 4, {"ZSCORE", "lb", "bob", "x"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_COMMAND},
    {"zrank-miss", "127.0.0.2", 3, {"ZRANK", "nozset", "bob"}, 0, 0, 0, 0, 0, NULL, V_PASS,
     FP_C_PASS_MISS},
    {"zrank-withscores", "127.0.0.2", 4, {"ZRANK", "lb", "bob", "WITHSCORES"}, 0, 0, 0, 0, 0, NULL,
     V_PASS, FP_C_PASS_COMMAND},
    {"get-zset", "127.0.0.2", 2, {"GET", "lb"}, 0, 0, 0, 0, 0, NULL, V_PASS, FP_C_PASS_TYPE},
};
#pragma GCC diagnostic pop
// clang-format on

/* The sorted sets zcases[] reads, written with the index's writer API (as server/t_zset.c). */
static void put_zset(const char *key, int n, const char *const *members, const double *scores)
{
	struct zset *z = zset_new();
	int out, ok = z != NULL;

	for (int i = 0; ok && i < n; i++)
		ok = !zset_add(z, members[i], (__u32)strlen(members[i]), scores[i], 0, &out, NULL) &&
		     out == ZSET_ADDED;
	CHECK_MSG(ok && put_type(KV_ZSET, key, (__u32)strlen(key), &z, 8, 0) != NULL, "put zset %s",
		  key);
}

static void setup_zsets(void)
{
	static const char *const lb[] = {"alice", "bob", "carol", "dave", "eve", "ninf", "pinf"};
	static const double lbs[] = {10, 20, 20, -5, 1e15, -INFINITY, INFINITY};
	static const char *const lbf[] = {"y", "x"};
	static const double lbfs[] = {2, 1.5};
	static char names[40][4];
	const char *big[40];
	double bigs[40];

	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "m%02d", i);
		big[i] = names[i];
		bigs[i] = (double)i;
	}
	put_zset("lb", 7, lb, lbs);
	put_zset("lbf", 2, lbf, lbfs);
	put_zset("lbig", 40, big, bigs);
}

/* ---- sorted sets against user space ------------------------------------------------------
 * The kernel's ZRANK / ZREVRANK / ZSCORE / ZRANGE replies compared byte for byte with what
 * user space's own command code (server/t_zset.c, through the unit tests' fake client, on the
 * same arena) answers for the same command line; or the request passed with its reason. */

static struct client *us; /* user space's view: a fake client of the command table */

/*
 * Send argv (argc words, no spaces) through the program and through user space. The kernel must
 * answer with user space's bytes, or pass when pass_reason is nonzero (counting that reason);
 * pass_reason -1: either is allowed (a pass counted passed_zset). Returns the verdict.
 */
static int zcmp(int xdp, int argc, const char **argv, int pass_reason)
{
	static __u8 pl[4096], in[8192], out[8192];
	struct addr src = addr_of("127.0.0.2"), dst = addr_of("127.0.0.1");
	__u64 before[FP_C_MAX], after[FP_C_MAX];
	char line[1024];
	const char *ref;
	size_t n, off = 0;
	__u32 on = 0;
	int v;

	for (int i = 0; i < argc; i++)
		off +=
		    (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i ? " " : "", argv[i]);
	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl,
		  request(pl, 77, 0, 0, argc, argv, NULL), 61, 1, M_NONE);
	counters(before);
	v = run(xdp, in, n, out, &on);
	counters(after);
	ref = fc_run(us, line);
	if (v == V_TX && pass_reason <= 0) {
		const char *got = (const char *)out + 14 + 28 + FP_HDR_SIZE;
		size_t glen = on - (14 + 28 + FP_HDR_SIZE);

		CHECK_MSG(glen == strlen(ref) && !memcmp(got, ref, glen),
			  "%s/%s: kernel '%.*s' user space '%s'", xdp ? "xdp" : "tc", line,
			  (int)glen, got, ref);
		CHECK_MSG(after[FP_C_HITS] == before[FP_C_HITS] + 1, "%s/%s: hits",
			  xdp ? "xdp" : "tc", line);
		CHECK_MSG(after[FP_C_REQUESTS] == before[FP_C_REQUESTS] + 1,
			  "%s/%s: requests moved by %llu", xdp ? "xdp" : "tc", line,
			  (unsigned long long)(after[FP_C_REQUESTS] - before[FP_C_REQUESTS]));
		return v;
	}
	if (pass_reason == -1)
		pass_reason = FP_C_PASS_ZSET;
	CHECK_MSG(v == V_PASS && pass_reason > 0, "%s/%s: verdict %d, want %s", xdp ? "xdp" : "tc",
		  line, v, pass_reason > 0 ? "pass" : "an answer");
	if (pass_reason > 0)
		CHECK_MSG(after[pass_reason] == before[pass_reason] + 1 &&
			      after[FP_C_REQUESTS] == before[FP_C_REQUESTS] + 1 &&
			      after[FP_C_HITS] == before[FP_C_HITS],
			  "%s/%s: passed without counting %s once", xdp ? "xdp" : "tc", line,
			  fp_counter_name((__u32)pass_reason));
	return v;
}

/* zcmp() of a command line split on spaces. */
static int zcmp_line(int xdp, const char *line, int pass_reason)
{
	char buf[1024], *save = NULL;
	const char *argv[16];
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 16; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	return zcmp(xdp, argc, argv, pass_reason);
}

/* A score's pass reason when the kernel must print it: 0 if it can, passed_zset if not. */
static int score_pass(double v)
{
	char b[ZSET_SCORE_STR_MAX];
	__u64 bits;

	memcpy(&bits, &v, 8);
	return zset_fmt_score(bits, b) ? 0 : FP_C_PASS_ZSET;
}

/* Scores the kernel prints or passes: the edges of the formatter, then random ones. */
static double zscore_value(int i, __u64 r)
{
	// clang-format off
	static const double edges[] = {
	    1.5, -0.25, 1e-5, 0x1p-30, 123456789.125, 1e20, -0.0, 0.1, 0x1p-20, 1e17, 99.95, -1e-4,
	    1234.5678, 3.14159, 1e22, 1e-4, 7.0, -1e300, 1000000000000000.25};
	// clang-format on
	double v;

	if (i < (int)(sizeof(edges) / sizeof(edges[0])))
		return edges[i];
	switch (r % 4) {
	case 0: /* decimal-looking */
		return (double)(__s64)(r % 2000001 - 1000000) / 1000.0;
	case 1: /* dyadic */
		return (double)(__s64)((r >> 8) % 10000000) / (double)(1ULL << (r % 40));
	case 2: /* any magnitude in [2^-16, 2^64) */
		r = (r & ((1ULL << 52) - 1)) | ((__u64)(1023 - 16 + (r >> 52) % 80) << 52);
		memcpy(&v, &r, 8);
		return v;
	default: /* integers */
		return (double)(__s64)(r >> (r % 50 + 14));
	}
}

static void setup_zrank(void)
{
	char line[256];
	__u64 r = 0x9e3779b97f4a7c15ULL;

	us = conn_fake_new();
	CHECK_MSG(us != NULL, "fake client");
	if (!us)
		return;
	/* lx: the edge and random scores, one member each (ZADD through user space) */
	for (int i = 0; i < 80; i++) {
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		snprintf(line, sizeof(line), "ZADD lx %.17g s%02d", zscore_value(i, r), i);
		CHECK_MSG(!strcmp(fc_run(us, line), ":1\r\n"), "%s", line);
	}
	/* lt: a tie of 20 members on one score, names of every length up to 70 bytes */
	for (int i = 0; i < 20; i++) {
		char m[80];

		memset(m, 'a' + i % 26, sizeof(m));
		m[i * 7 % 71 + 1] = 0;
		snprintf(line, sizeof(line), "ZADD lt 5 %s", m);
		fc_run(us, line);
	}
}

static void test_zrank(int xdp)
{
	static const struct {
		const char *line;
		int pass;	  /* 0: answered; else the counter of the pass */
		const char *want; /* NULL, or what Redis 7.2 sends (checks user space too) */
	} cases[] = {
	    {"ZRANK lb bob", 0, ":3\r\n"},
	    {"ZREVRANK lb bob", 0, ":3\r\n"},
	    {"zrank lb carol withscore", 0, "*2\r\n:4\r\n$2\r\n20\r\n"},
	    {"ZREVRANK lb ninf WITHSCORE", 0, "*2\r\n:6\r\n$4\r\n-inf\r\n"},
	    {"ZRANK lb pinf WithScore", 0, "*2\r\n:6\r\n$3\r\ninf\r\n"},
	    {"ZRANK lb eve", 0, ":5\r\n"},
	    {"ZREVRANK lb ninf", 0, ":6\r\n"},
	    {"ZRANK lb nobody", 0, "$-1\r\n"},
	    {"ZRANK lb nobody WITHSCORE", 0, "*-1\r\n"},
	    {"ZREVRANK lbig m00 WITHSCORE", 0, "*2\r\n:39\r\n$1\r\n0\r\n"},
	    {"ZRANK lbig m39", 0, ":39\r\n"},
	    {"ZRANK lbf x WITHSCORE", 0, "*2\r\n:0\r\n$3\r\n1.5\r\n"},
	    {"ZSCORE lbf x", 0, "$3\r\n1.5\r\n"},
	    {"ZRANGE lbf 0 1 WITHSCORES", 0,
	     "*4\r\n$1\r\nx\r\n$3\r\n1.5\r\n$1\r\ny\r\n$1\r\n2\r\n"},
	    /* passes: user space answers */
	    {"ZRANK nozset m", FP_C_PASS_MISS, NULL},
	    {"ZREVRANK hello m", FP_C_PASS_TYPE, NULL},
	    {"ZRANK lb bob WITHSCORES", FP_C_PASS_COMMAND, NULL},
	    {"ZRANK lb bob WITHSCORE x", FP_C_PASS_COMMAND, NULL},
	    {"ZRANK lb", FP_C_PASS_COMMAND, NULL},
	    {"ZRANK lb mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
	     FP_C_PASS_KEY_TOO_LONG, NULL},
	    {"ZRANGE lbig 0 16", FP_C_PASS_ZSET, NULL},
	};
	char line[256];
	int hits = 0, passes = 0;

	if (!us)
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].want) {
			const char *ref = fc_run(us, cases[i].line);

			CHECK_MSG(!strcmp(ref, cases[i].want), "user space %s: '%s' want '%s'",
				  cases[i].line, ref, cases[i].want);
		}
		zcmp_line(xdp, cases[i].line, cases[i].pass);
	}
	/* every member of lx: ZSCORE, ZRANK WITHSCORE, ZREVRANK; answered unless the score is
	 * beyond the formatter (then passed_zset) */
	for (int i = 0; i < 80; i++) {
		struct kv_entry *e = htab_find(db0(), "lx", 2);
		double v;
		char m[8];

		snprintf(m, sizeof(m), "s%02d", i);
		if (!e || zset_score(zset_of(e), m, 3, &v)) {
			CHECK_MSG(0, "lx %s", m);
			continue;
		}
		snprintf(line, sizeof(line), "ZSCORE lx %s", m);
		if (zcmp_line(xdp, line, score_pass(v)) == V_TX)
			hits++;
		else
			passes++;
		snprintf(line, sizeof(line), "ZRANK lx %s WITHSCORE", m);
		zcmp_line(xdp, line, score_pass(v));
		snprintf(line, sizeof(line), "ZREVRANK lx %s", m);
		zcmp_line(xdp, line, 0);
	}
	for (int s = 0; s < 80; s += 5) { /* ranges mixing printable and other scores */
		snprintf(line, sizeof(line), "ZRANGE lx %d %d WITHSCORES", s, s + 4);
		zcmp_line(xdp, line, -1);
		snprintf(line, sizeof(line), "ZREVRANGE lx %d %d", s, s + 4);
		zcmp_line(xdp, line, 0);
	}
	/* ties: members compared on the walk; longer than 64 bytes may pass (passed_zset) */
	for (int i = 0; i < 20; i++) {
		char m[80];

		memset(m, 'a' + i % 26, sizeof(m));
		m[i * 7 % 71 + 1] = 0;
		snprintf(line, sizeof(line), "ZREVRANK lt %s WITHSCORE", m);
		zcmp_line(xdp, line, strlen(m) > 64 ? FP_C_PASS_KEY_TOO_LONG : -1);
	}
	printf("%s zset vs user space: lx ZSCORE %d answered, %d passed (beyond the formatter)\n",
	       xdp ? "xdp" : "tc", hits, passes);
	CHECK_MSG(hits >= 70 && passes >= 2, "%s: lx answers %d, passes %d", xdp ? "xdp" : "tc",
		  hits, passes);
}

/* With the zset program's slot emptied, a sorted-set request is passed (passed_tail_call),
 * counted once; a string request is still answered. The slot is restored after. */
static void test_tail_call_slot(int xdp)
{
	struct bpf_map *map = xdp ? skel->maps.fp_zprog_xdp : skel->maps.fp_zprog_tc;
	int pfd = bpf_program__fd(xdp ? skel->progs.fp_xdp_zset : skel->progs.fp_tc_zset);
	__u32 zero = 0;
	int err;

	err = bpf_map_delete_elem(bpf_map__fd(map), &zero);
	CHECK_MSG(!err, "%s: empty the zset slot: %d", xdp ? "xdp" : "tc", err);
	if (err)
		return;
	zcmp_line(xdp, "ZSCORE lb bob", FP_C_PASS_TAIL_CALL);
	zcmp_line(xdp, "ZRANK lb bob", FP_C_PASS_TAIL_CALL);
	err = bpf_map_update_elem(bpf_map__fd(map), &zero, &pfd, BPF_ANY);
	CHECK_MSG(!err, "%s: restore the zset slot: %d", xdp ? "xdp" : "tc", err);
	zcmp_line(xdp, "ZRANK lb bob", 0);
}

/* Datagrams whose payload is shorter than the frame header, or too long to parse. */
static void run_size_cases(int xdp)
{
	static __u8 pl[4096], in[8192], out[8192];
	struct addr src = addr_of("127.0.0.2"), dst = addr_of("127.0.0.1");
	__u64 before[FP_C_MAX], after[FP_C_MAX];
	size_t n;
	__u32 on;
	int v;

	memset(pl, 'x', sizeof(pl));
	request(pl, 1, 0, 0, 0, NULL, NULL);
	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl, 10, 61, 1, M_NONE);
	counters(before);
	v = run(xdp, in, n, out, &on);
	counters(after);
	CHECK_MSG(v == V_PASS && after[FP_C_PASS_SHORT] == before[FP_C_PASS_SHORT] + 1,
		  "%s/short: verdict %d", xdp ? "xdp" : "tc", v);

	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl, FP_REQ_MAX + 1, 61, 1, M_NONE);
	counters(before);
	v = run(xdp, in, n, out, &on);
	counters(after);
	CHECK_MSG(v == V_PASS && after[FP_C_PASS_TOO_BIG] == before[FP_C_PASS_TOO_BIG] + 1,
		  "%s/too-big: verdict %d", xdp ? "xdp" : "tc", v);
}

/* MGET of FP_MULTI_MAX keys is answered; one more key is passed. */
static void run_many_keys(int xdp)
{
	static struct fcase c;
	int i;

	memset(&c, 0, sizeof(c));
	c.name = "mget-32";
	c.src = "127.0.0.2";
	c.argc = FP_MULTI_MAX + 1;
	c.argv[0] = "MGET";
	big_reply_len = (size_t)sprintf(big_reply, "*%d\r\n", FP_MULTI_MAX);
	for (i = 1; i <= FP_MULTI_MAX; i++) {
		c.argv[i] = "hello";
		big_reply_len += (size_t)sprintf(big_reply + big_reply_len, "$5\r\nworld\r\n");
	}
	c.verdict = V_TX;
	c.reason = FP_C_HITS;
	run_case(xdp, &c);

	c.name = "mget-33";
	c.argc = FP_MULTI_MAX + 2;
	c.argv[FP_MULTI_MAX + 1] = "hello";
	c.verdict = V_PASS;
	c.reason = FP_C_PASS_TOO_MANY_KEYS;
	run_case(xdp, &c);
}

/* ---- special checks ------------------------------------------------------------------------ */

static __u8 *get_frame(const char *key, size_t *n, __u64 token)
{
	static __u8 pl[4096], in[8192];
	struct addr src = addr_of("127.0.0.2"), dst = addr_of("127.0.0.1");
	const char *argv[2] = {"GET", key};
	size_t plen = request(pl, 7, token, 0, 2, argv, NULL);

	*n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl, plen, 61, 1, M_NONE);
	return in;
}

static void test_token(int xdp)
{
	static __u8 out[8192];
	__u64 before[FP_C_MAX], after[FP_C_MAX];
	__u8 *in;
	size_t n;
	__u32 on;
	int v;

	set_config(FP_CFG_ENABLED | FP_CFG_TOKEN, 0x1122334455667788ULL, 0);
	in = get_frame("hello", &n, 0x1122334455667789ULL);
	counters(before);
	v = run(xdp, in, n, out, &on);
	counters(after);
	CHECK_MSG(v == V_PASS && after[FP_C_PASS_AUTH] == before[FP_C_PASS_AUTH] + 1,
		  "%s/token-wrong: verdict %d", xdp ? "xdp" : "tc", v);
	in = get_frame("hello", &n, 0);
	v = run(xdp, in, n, out, &on);
	CHECK_MSG(v == V_PASS, "%s/token-missing: verdict %d", xdp ? "xdp" : "tc", v);
	in = get_frame("hello", &n, 0x1122334455667788ULL);
	v = run(xdp, in, n, out, &on);
	CHECK_MSG(v == V_TX, "%s/token-right: verdict %d", xdp ? "xdp" : "tc", v);
	/* the reply carries token 0 */
	CHECK_MSG(v != V_TX || !memcmp(out + 14 + 28 + 8, "\0\0\0\0\0\0\0\0", 8),
		  "%s/token-right: token echoed", xdp ? "xdp" : "tc");

	set_config(FP_CFG_TOKEN, 0, 0); /* not enabled */
	in = get_frame("hello", &n, 0);
	counters(before);
	v = run(xdp, in, n, out, &on);
	counters(after);
	CHECK_MSG(v == V_PASS && after[FP_C_PASS_DISABLED] == before[FP_C_PASS_DISABLED] + 1,
		  "%s/disabled: verdict %d", xdp ? "xdp" : "tc", v);
	set_config(FP_CFG_ENABLED, 0, 0);
}

/* A GET hit stamps the LRU clock (server/clock.c's clock_lru_now()) into the entry. */
/*
 * Each CPU remembers the last source it found allowed (fp_source_allowed) for as long as
 * fp_config.allow_gen is unchanged: after a prefix is removed and allow_gen changed, as the
 * server does after every change of the tries, that source is refused again.
 */
static void test_allow_cache(int xdp)
{
	static const struct fcase ok4 = {"allow-cache-v4", "192.168.77.5", 2, {"GET", "hello"},
					 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
					 "$5\r\nworld\r\n", 0};
	static const struct fcase ok6 = {"allow-cache-v6", "2001:db8::5", 2, {"GET", "hello"},
					 0, 0, 0, 0, 0, NULL, V_TX, FP_C_HITS,
					 "$5\r\nworld\r\n", 0};
	static const struct fcase no4 = {"allow-cache-v4-removed", "192.168.77.5", 2,
					 {"GET", "hello"}, 0, 0, 0, 0, 0, NULL, V_PASS,
					 FP_C_PASS_NOT_ALLOWED, NULL, 0};
	static const struct fcase no6 = {"allow-cache-v6-removed", "2001:db8::5", 2,
					 {"GET", "hello"}, 0, 0, 0, 0, 0, NULL, V_PASS,
					 FP_C_PASS_NOT_ALLOWED, NULL, 0};

	allow_set("192.168.77.5/32", 1);
	allow_set("2001:db8::5/128", 1);
	allow_gen++;
	set_config(FP_CFG_ENABLED, 0, 0);
	run_case(xdp, &ok4);
	run_case(xdp, &ok4); /* from the cache */
	run_case(xdp, &ok6);
	run_case(xdp, &ok6);
	run_case(xdp, &ok4);
	allow_set("192.168.77.5/32", 0);
	allow_set("2001:db8::5/128", 0);
	allow_gen++;
	set_config(FP_CFG_ENABLED, 0, 0);
	run_case(xdp, &no4);
	run_case(xdp, &no6);
	run_case(xdp, &no4);
}

#define ACCESS_LAG_NS 50000000ULL

static void test_access(int xdp)
{
	static __u8 out[8192];
	struct kv_entry *e = htab_find(db0(), "touch", 5);
	__u32 lru0, lru1, min0, min1, on;
	size_t n;
	__u8 *in;
	int v;

	e->access = 0;
	/* The kernel stamps the coarse clock as of its last tick, kept per CPU per jiffy
	 * (fp_access_now): it may lag CLOCK_MONOTONIC by a tick or two, never by 50 ms. */
	lru0 = (__u32)(((clock_mono_ns() - ACCESS_LAG_NS) / KV_LRU_RES_NS) & CLOCK_LRU_MAX);
	in = get_frame("touch", &n, 0);
	v = run(xdp, in, n, out, &on);
	lru1 = clock_lru_now();
	CHECK_MSG(v == V_TX, "%s/access: verdict %d", xdp ? "xdp" : "tc", v);
	CHECK_MSG(e->access >= lru0 && e->access <= lru1, "%s/access: %u not in [%u, %u]",
		  xdp ? "xdp" : "tc", e->access, lru0, lru1);

	/* LFU: the counter is decayed/incremented and the minute stamp set. */
	set_config(FP_CFG_ENABLED | FP_CFG_LFU, 0, 0);
	min0 = (__u32)(((clock_mono_ns() - ACCESS_LAG_NS) / KV_LFU_MINUTE_NS) & 0xffff);
	e->access = (min0 << 8) | 5;
	v = run(xdp, in, n, out, &on);
	min1 = clock_lfu_minutes();
	CHECK_MSG(v == V_TX && (e->access >> 8) >= min0 && (e->access >> 8) <= min1 &&
		      ((e->access & 0xff) == 5 || (e->access & 0xff) == 6),
		  "%s/lfu: access 0x%x", xdp ? "xdp" : "tc", e->access);
	set_config(FP_CFG_ENABLED, 0, 0);
}

static int hot_seen;
static struct fp_hot_rec hot_last;

static int on_hot(void *ctx, void *data, size_t size)
{
	if (size == sizeof(hot_last))
		memcpy(&hot_last, data, sizeof(hot_last));
	hot_seen++;
	return 0;
}

static void test_ringbuf(int xdp)
{
	static __u8 out[8192];
	struct ring_buffer *rb;
	struct kv_entry *e = htab_find(db0(), "hello", 5);
	size_t n;
	__u32 on;
	__u8 *in;
	int i;

	rb = ring_buffer__new(bpf_map__fd(skel->maps.fp_hot), on_hot, NULL, NULL);
	CHECK_MSG(rb != NULL, "ring_buffer__new");
	if (!rb)
		return;
	ring_buffer__consume(rb);
	hot_seen = 0;
	set_config(FP_CFG_ENABLED, 0, 1);
	in = get_frame("hello", &n, 0);
	run(xdp, in, n, out, &on);
	ring_buffer__consume(rb);
	CHECK_MSG(hot_seen == 1, "%s/ringbuf: %d records for one hit", xdp ? "xdp" : "tc",
		  hot_seen);
	CHECK_MSG(hot_last.entry == (__u64)(unsigned long)e && hot_last.seq == e->seq &&
		      hot_last.hash == e->hash && hot_last.vlen == 5 && hot_last.klen == 5 &&
		      hot_last.cmd == FP_CMD_GET,
		  "%s/ringbuf: record fields", xdp ? "xdp" : "tc");
	CHECK_MSG(hot_last.hash == (__u32)htab_hash("hello", 5), "%s/ringbuf: hash",
		  xdp ? "xdp" : "tc");
	set_config(FP_CFG_ENABLED, 0, 4);
	hot_seen = 0;
	for (i = 0; i < 40; i++)
		run(xdp, in, n, out, &on);
	ring_buffer__consume(rb);
	/* Sampling is per CPU (the hit counter is), and the test may migrate between CPUs. */
	CHECK_MSG(hot_seen >= 8 && hot_seen <= 12, "%s/ringbuf: %d records for 40 hits, 1 in 4",
		  xdp ? "xdp" : "tc", hot_seen);
	set_config(FP_CFG_ENABLED, 0, 0);
	ring_buffer__free(rb);
}

/*
 * A writer thread replaces and edits in place (under the seqlock) the value of "race" while the
 * program answers GETs: every reply must be one whole version (all bytes equal to its first).
 */
static atomic_int race_stop;

static void *race_writer(void *arg)
{
	char v[300];
	unsigned int i = 0;

	while (!atomic_load(&race_stop)) {
		struct kv_entry *e;

		i++;
		memset(v, 'A' + (char)(i % 26), sizeof(v));
		if (i & 1) {
			put("race", v, 200 + (i % 50), 0); /* replace: new entry, old freed */
		} else {
			e = htab_find(db0(), "race", 4);
			if (e && e->vlen >= 200) {
				kv_write_begin(e);
				memset((void *)kv_val(e), 'a' + (char)(i % 26), e->vlen);
				kv_write_end(e);
			}
		}
	}
	return NULL;
}

static void test_race(int xdp)
{
	static __u8 out[8192];
	__u64 before[FP_C_MAX], after[FP_C_MAX];
	pthread_t th;
	int hits = 0, passes = 0, torn = 0, other = 0;
	__u64 end = clock_mono_ns() + 700000000ULL;
	char v[300];
	size_t n;
	__u32 on;
	__u8 *in;

	memset(v, 'A', sizeof(v));
	put("race", v, 200, 0);
	in = get_frame("race", &n, 0);
	counters(before);
	atomic_store(&race_stop, 0);
	if (pthread_create(&th, NULL, race_writer, NULL)) {
		CHECK_MSG(0, "pthread_create");
		return;
	}
	while (clock_mono_ns() < end) {
		int r = run(xdp, in, n, out, &on);

		if (r == V_PASS) {
			passes++;
		} else if (r == V_TX) {
			const __u8 *resp = out + 14 + 28 + FP_HDR_SIZE;
			unsigned int len = 0, i;
			const char *p = (const char *)resp + 1;

			hits++;
			while (*p >= '0' && *p <= '9')
				len = len * 10 + (unsigned)(*p++ - '0');
			p += 2;
			for (i = 0; i < len; i++)
				if (p[i] != p[0])
					break;
			if (i != len || len < 200 || len >= 250)
				torn++;
		} else {
			other++;
		}
	}
	atomic_store(&race_stop, 1);
	pthread_join(th, NULL);
	counters(after);
	printf("%s race: %d hits, %d passed (doubt %llu, miss %llu), %d torn\n", xdp ? "xdp" : "tc",
	       hits, passes, (unsigned long long)(after[FP_C_PASS_DOUBT] - before[FP_C_PASS_DOUBT]),
	       (unsigned long long)(after[FP_C_PASS_MISS] - before[FP_C_PASS_MISS]), torn);
	CHECK_MSG(torn == 0, "%s/race: %d torn replies", xdp ? "xdp" : "tc", torn);
	CHECK_MSG(other == 0, "%s/race: %d runs failed", xdp ? "xdp" : "tc", other);
	CHECK_MSG(hits > 100, "%s/race: only %d hits", xdp ? "xdp" : "tc", hits);
}

/*
 * ZRANGE while the writer changes the sorted set: zrace holds f0..f4 (scores 0..4) and one or
 * two rotating members x<n> scored 1000 + n; the writer adds x<n+1>, removes x<n>, and moves f2
 * between 2 and 3.5 (printed by the general formatter, fp_zset.h) and back.
 * Every kernel reply must be a sorted list of pairs whose score matches the member's name: a mix
 * of two states (torn read) would show a member with a stale score or a wrong count.
 */
static atomic_int zrace_stop;
static struct zset *zrace_z;

static void *zrace_writer(void *arg)
{
	char b[16], c[16];
	int n = 0, out;

	(void)arg;
	while (!atomic_load(&zrace_stop)) {
		int lb = snprintf(b, sizeof(b), "x%d", n + 1), lc = snprintf(c, sizeof(c), "x%d", n);

		zset_add(zrace_z, b, (__u32)lb, 1000 + n + 1, 0, &out, NULL);
		zset_rem(zrace_z, c, (__u32)lc);
		zset_add(zrace_z, "f2", 2, (n & 1) ? 2 : 3.5, 0, &out, NULL);
		n++;
	}
	return NULL;
}

/* Parse "*N\r\n" then N/2 pairs of bulk strings; 0 when consistent (see above). */
static int zrace_check(const char *p, const char *end)
{
	double prev = -1, l2;
	long nitems;

	if (*p++ != '*')
		return -1;
	nitems = strtol(p, (char **)&p, 10);
	p += 2;
	if (nitems != 12 && nitems != 14)
		return -2;
	for (long k = 0; k < nitems / 2; k++) {
		char name[32], sc[32];
		long l;

		for (int w = 0; w < 2; w++) {
			char *dst = w ? sc : name;

			if (p >= end || *p++ != '$')
				return -3;
			l = strtol(p, (char **)&p, 10);
			p += 2;
			if (l <= 0 || l >= 31 || p + l > end)
				return -4;
			memcpy(dst, p, (size_t)l);
			dst[l] = 0;
			p += l + 2;
		}
		l2 = strtod(sc, NULL);
		if (l2 <= prev)
			return -5; /* not sorted */
		prev = l2;
		if (!strcmp(name, "f2") && l2 == 3.5)
			continue; /* f2's other score */
		if (name[0] == 'f' ? atol(name + 1) != l2
				   : (name[0] != 'x' || atol(name + 1) + 1000 != l2))
			return -6; /* score from another state */
	}
	return 0;
}

static void test_zset_race(int xdp)
{
	static __u8 pl[4096], in[8192], out[8192];
	struct addr src = addr_of("127.0.0.2"), dst = addr_of("127.0.0.1");
	const char *argv[5] = {"ZRANGE", "zrace", "0", "15", "WITHSCORES"};
	const char *f[] = {"f0", "f1", "f2", "f3", "f4", "x0"};
	double fs[] = {0, 1, 2, 3, 4, 1000};
	__u64 end = clock_mono_ns() + 700000000ULL, before[FP_C_MAX], after[FP_C_MAX];
	int hits = 0, passes = 0, torn = 0, other = 0, r;
	struct kv_entry *e;
	pthread_t th;
	size_t n;
	__u32 on;

	put_zset("zrace", 6, f, fs);
	e = htab_find(db0(), "zrace", 5);
	if (!e)
		return;
	zrace_z = zset_of(e);
	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl,
		  request(pl, 9, 0, 0, 5, argv, NULL), 61, 1, M_NONE);
	counters(before);
	atomic_store(&zrace_stop, 0);
	if (pthread_create(&th, NULL, zrace_writer, NULL)) {
		CHECK_MSG(0, "pthread_create");
		return;
	}
	while (clock_mono_ns() < end) {
		r = run(xdp, in, n, out, &on);
		if (r == V_PASS) {
			passes++;
		} else if (r == V_TX) {
			hits++;
			if (zrace_check((const char *)out + 14 + 28 + FP_HDR_SIZE, (const char *)out + on))
				torn++;
		} else {
			other++;
		}
	}
	atomic_store(&zrace_stop, 1);
	pthread_join(th, NULL);
	counters(after);
	printf("%s zset race: %d hits, %d passed (doubt %llu, zset %llu), %d torn\n",
	       xdp ? "xdp" : "tc", hits, passes,
	       (unsigned long long)(after[FP_C_PASS_DOUBT] - before[FP_C_PASS_DOUBT]),
	       (unsigned long long)(after[FP_C_PASS_ZSET] - before[FP_C_PASS_ZSET]), torn);
	CHECK_MSG(torn == 0, "%s/zset race: %d inconsistent replies", xdp ? "xdp" : "tc", torn);
	CHECK_MSG(other == 0, "%s/zset race: %d runs failed", xdp ? "xdp" : "tc", other);
	CHECK_MSG(hits > 20, "%s/zset race: only %d hits", xdp ? "xdp" : "tc", hits);
	r = run(xdp, in, n, out, &on); /* quiet now: must answer */
	CHECK_MSG(r == V_TX, "%s/zset race: no answer once quiet", xdp ? "xdp" : "tc");
}

/* PTTL of a key 3600.2 s from expiry is in ms, as server/t_keys.c computes it. */
static void test_pttl(int xdp)
{
	static __u8 pl[4096], in[8192], out[8192];
	struct addr src = addr_of("127.0.0.2"), dst = addr_of("127.0.0.1");
	const char *argv[2] = {"PTTL", "exp2"};
	__u64 t0 = clock_mono_ns();
	long long ms;
	size_t n, plen;
	__u32 on;
	int v;

	put("exp2", "v", 1, t0 + 3600ULL * 1000000000ULL + 200000000ULL);
	plen = request(pl, 9, 0, 0, 2, argv, NULL);
	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl, plen, 61, 1, M_NONE);
	v = run(xdp, in, n, out, &on);
	ms = v == V_TX ? atoll((char *)out + 14 + 28 + FP_HDR_SIZE + 1) : -1;
	/* unix_ms(deadline) rounds and unix_ms(now) truncates (server/t_keys.c): up to +1 ms */
	CHECK_MSG(v == V_TX && out[14 + 28 + FP_HDR_SIZE] == ':' && ms <= 3600201 &&
		      ms >= 3600200 - (long long)((clock_mono_ns() - t0) / 1000000) - 2,
		  "%s/pttl: %lld", xdp ? "xdp" : "tc", ms);
}

/*
 * Cost of one program run, printed, never asserted. A passed frame is left unchanged, so
 * BPF_PROG_TEST_RUN's repeat measures it alone. A hit rewrites the frame into a reply, which
 * the next repetition would see (and pass as not ours), so hits are timed one run per syscall,
 * syscall included.
 */
static void time_runs(int xdp, const char *what, const char *key, int hit)
{
	static __u8 out[8192];
	struct bpf_program *prog = xdp ? skel->progs.fp_xdp : skel->progs.fp_tc;
	size_t n;
	__u8 *in = get_frame(key, &n, 0);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)n, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = hit ? 1 : 200000);
	__u64 t0 = clock_mono_ns();
	int i, runs = hit ? 20000 : 1;

	for (i = 0; i < runs; i++)
		if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o))
			return;
	if (hit)
		printf("%s %s: %llu ns per BPF_PROG_TEST_RUN syscall (20000 runs)\n",
		       xdp ? "xdp" : "tc", what,
		       (unsigned long long)((clock_mono_ns() - t0) / (__u64)runs));
	else
		printf("%s %s: %u ns per run (test_run repeat 200000)\n", xdp ? "xdp" : "tc", what,
		       o.duration);
}

/* Run MGET/GET/EXISTS frames with the keyspace write seqcount odd (a write command running). */
static void test_wseq(int xdp)
{
	static __u8 pl[4096], in[8192], out[8192];
	struct addr src = addr_of("127.0.0.2"), dst = addr_of("127.0.0.1");
	const char *mget[3] = {"MGET", "hello", "counter"}, *get[2] = {"GET", "hello"};
	const char *ex1[2] = {"EXISTS", "hello"};
	__u64 before[FP_C_MAX], after[FP_C_MAX];
	size_t n, plen;
	__u32 on;
	int v;

	arena_wseq_write_begin();
	plen = request(pl, 3, 0, 0, 3, mget, NULL);
	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl, plen, 61, 1, M_NONE);
	counters(before);
	v = run(xdp, in, n, out, &on);
	counters(after);
	CHECK_MSG(v == V_PASS && after[FP_C_PASS_DOUBT] == before[FP_C_PASS_DOUBT] + 1,
		  "%s/wseq-odd MGET: verdict %d", xdp ? "xdp" : "tc", v);
	plen = request(pl, 3, 0, 0, 2, get, NULL);
	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl, plen, 61, 1, M_NONE);
	v = run(xdp, in, n, out, &on);
	CHECK_MSG(v == V_TX, "%s/wseq-odd GET: verdict %d (single keys ignore wseq)",
		  xdp ? "xdp" : "tc", v);
	plen = request(pl, 3, 0, 0, 2, ex1, NULL);
	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl, plen, 61, 1, M_NONE);
	v = run(xdp, in, n, out, &on);
	CHECK_MSG(v == V_TX, "%s/wseq-odd EXISTS k: verdict %d", xdp ? "xdp" : "tc", v);
	arena_wseq_write_end();
	plen = request(pl, 3, 0, 0, 3, mget, NULL);
	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl, plen, 61, 1, M_NONE);
	v = run(xdp, in, n, out, &on);
	CHECK_MSG(v == V_TX, "%s/wseq-even MGET: verdict %d", xdp ? "xdp" : "tc", v);
}

/*
 * A writer thread "MSETs" two keys to the same version (both replaced inside one wseq write
 * window, as conn_call() does for a write command) while the program answers MGET for both:
 * every reply must show one version for both. With use_wseq 0 the writer does not bump wseq
 * (a server without the seqcount): the mixed replies that then appear show the check matters;
 * that run is printed, not asserted (it depends on timing).
 */
static atomic_int mset_stop, mset_use_wseq;

static void *mset_writer(void *arg)
{
	char v[16];
	unsigned int i = 0;

	while (!atomic_load(&mset_stop)) {
		int use = atomic_load(&mset_use_wseq);

		i++;
		snprintf(v, sizeof(v), "v%08u", i);
		if (use)
			arena_wseq_write_begin();
		put("ma", v, 9, 0);
		put("mb", v, 9, 0);
		if (use)
			arena_wseq_write_end();
	}
	return NULL;
}

static int mset_race(int xdp, int use_wseq, int *hits)
{
	static __u8 pl[4096], in[8192], out[8192];
	struct addr src = addr_of("127.0.0.2"), dst = addr_of("127.0.0.1");
	const char *mget[3] = {"MGET", "ma", "mb"};
	__u64 end = clock_mono_ns() + 500000000ULL;
	size_t n, plen;
	pthread_t th;
	int mixed = 0;
	__u32 on;

	put("ma", "v00000000", 9, 0);
	put("mb", "v00000000", 9, 0);
	plen = request(pl, 5, 0, 0, 3, mget, NULL);
	n = build(in, mac_srv, mac_cli, &src, &dst, 40000, PORT, pl, plen, 61, 1, M_NONE);
	*hits = 0;
	atomic_store(&mset_stop, 0);
	atomic_store(&mset_use_wseq, use_wseq);
	if (pthread_create(&th, NULL, mset_writer, NULL))
		return -1;
	while (clock_mono_ns() < end) {
		if (run(xdp, in, n, out, &on) != V_TX)
			continue;
		/* *2\r\n$9\r\nvNNNNNNNN\r\n$9\r\nvNNNNNNNN\r\n */
		const char *p = (const char *)out + 14 + 28 + FP_HDR_SIZE;

		(*hits)++;
		if (memcmp(p + 8, p + 23, 9))
			mixed++;
	}
	atomic_store(&mset_stop, 1);
	pthread_join(th, NULL);
	return mixed;
}

static void test_mset_race(int xdp)
{
	int hits, mixed;

	mixed = mset_race(xdp, 1, &hits);
	printf("%s MGET vs MSET race: %d hits, %d mixed\n", xdp ? "xdp" : "tc", hits, mixed);
	CHECK_MSG(mixed == 0, "%s/mset-race: %d MGET replies mixed two MSETs", xdp ? "xdp" : "tc",
		  mixed);
	CHECK_MSG(hits > 50, "%s/mset-race: only %d hits", xdp ? "xdp" : "tc", hits);
	mixed = mset_race(xdp, 0, &hits);
	printf("%s MGET vs MSET race without wseq (control): %d hits, %d mixed\n",
	       xdp ? "xdp" : "tc", hits, mixed);
}

static void print_prog_stats(struct bpf_program *p)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_prog_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return;
	printf("%s: %u xlated bytes (%u insns), %u jited bytes, %u insns processed by the "
	       "verifier\n",
	       bpf_program__name(p), info.xlated_prog_len, info.xlated_prog_len / 8,
	       info.jited_prog_len, info.verified_insns);
}

int main(void)
{
	__u64 now;
	size_t i;
	int err;

	bpf_test_require_arena();
	err = arena_setup("bpf");
	if (err) {
		printf("arena_setup(\"bpf\") failed: %d\n", err);
		return 1;
	}
	/* user space's command code on the same arena, to compare the zset replies with */
	config_init_defaults();
	err = db_init() || commands_init();
	CHECK_MSG(!err, "db_init / commands_init");
	if (err) {
		arena_teardown();
		return ut_done();
	}
	ncpus = libbpf_num_possible_cpus();
	now = clock_mono_ns();
	err = fp_load_open(&skel);
	printf("fp_load_open (open, reuse arena, load + verify both programs): %llu ms\n",
	       (unsigned long long)((clock_mono_ns() - now) / 1000000));
	CHECK_MSG(!err, "fp_load_open: %d (%s)", err, strerror(-err));
	if (err) {
		arena_teardown();
		return ut_done();
	}
	print_prog_stats(skel->progs.fp_xdp);
	print_prog_stats(skel->progs.fp_tc);
	print_prog_stats(skel->progs.fp_xdp_zset);
	print_prog_stats(skel->progs.fp_tc_zset);
	CHECK_MSG(ARENA_HDR->magic == ARENA_MAGIC,
		  "arena still mapped after loading the fast path");

	set_config(FP_CFG_ENABLED, 0, 0);
	allow("127.0.0.0/8");
	allow("10.0.0.0/8");
	allow("::1/128");
	allow("fc00::/7");

	now = clock_mono_ns();
	memset(blob_val, 'b', sizeof(blob_val));
	blob_val[0] = '<';
	blob_val[sizeof(blob_val) - 1] = '>';
	memset(big_val, 'B', sizeof(big_val));
	memset(key256, 'k', 256);
	memset(key257, 'k', 257);
	CHECK_MSG(put("hello", "world", 5, 0) != NULL, "put hello");
	CHECK_MSG(put("empty", "", 0, 0) != NULL, "put empty");
	CHECK_MSG(put("bin", "a\r\n\0b\r\n", 7, 0) != NULL, "put bin");
	CHECK_MSG(put("blob", blob_val, sizeof(blob_val), 0) != NULL, "put blob");
	CHECK_MSG(put("big", big_val, sizeof(big_val), 0) != NULL, "put big");
	CHECK_MSG(put("counter", "123", 3, 0) != NULL, "put counter");
	CHECK_MSG(put("exp", "soon", 4, now + 3600ULL * 1000000000ULL + 200000000ULL) != NULL,
		  "put exp");
	CHECK_MSG(put("gone", "old", 3, now - 1) != NULL, "put gone");
	CHECK_MSG(put("far", "x", 1, CLOCK_FAR_BIT | 4102444800000ULL) != NULL, "put far");
	CHECK_MSG(put("touch", "t", 1, 0) != NULL, "put touch");
	CHECK_MSG(put("key-twelve12", "12", 2, 0) != NULL, "put key-twelve12");
	CHECK_MSG(put(key256, "k256", 4, 0) != NULL, "put key256");
	CHECK_MSG(put("", "ek", 2, 0) != NULL, "put empty key");
	CHECK_MSG(put("k\r\n$3\r\n", "ck", 2, 0) != NULL, "put crlf key");
	CHECK_MSG(put(key257, "k257", 4, 0) != NULL, "put key257");
	CHECK_MSG(put_type(KV_ZSET, "zs", 2, "zzzzzzzz", 8, 0) != NULL, "put zs");
	setup_zsets();
	setup_zrank();
	/* Expected GET blob reply. */
	big_reply_len = (size_t)sprintf(big_reply, "$%zu\r\n", sizeof(blob_val));
	memcpy(big_reply + big_reply_len, blob_val, sizeof(blob_val));
	big_reply_len += sizeof(blob_val);
	memcpy(big_reply + big_reply_len, "\r\n", 2);
	big_reply_len += 2;

	for (int xdp = 1; xdp >= 0; xdp--) {
		/* TTL 3600 s + 200 ms from now: TTL must answer 3600 (rounded as Redis does) */
		put("exp", "soon", 4, clock_mono_ns() + 3600ULL * 1000000000ULL + 200000000ULL);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			run_case(xdp, &cases[i]);
		for (i = 0; i < sizeof(zcases) / sizeof(zcases[0]); i++)
			run_case(xdp, &zcases[i]);
		run_size_cases(xdp);
		test_token(xdp);
		test_access(xdp);
		test_allow_cache(xdp);
		test_ringbuf(xdp);
		run_many_keys(xdp);
		/* restore the blob reply run_many_keys() overwrote */
		big_reply_len = (size_t)sprintf(big_reply, "$%zu\r\n", sizeof(blob_val));
		memcpy(big_reply + big_reply_len, blob_val, sizeof(blob_val));
		big_reply_len += sizeof(blob_val);
		memcpy(big_reply + big_reply_len, "\r\n", 2);
		big_reply_len += 2;
		test_race(xdp);
		test_zset_race(xdp);
		test_zrank(xdp);
		test_tail_call_slot(xdp);
		test_pttl(xdp);
		test_wseq(xdp);
		test_mset_race(xdp);
		time_runs(xdp, "GET hit (5-byte key, 5-byte value)", "hello", 1);
		time_runs(xdp, "GET hit (4-byte key, 1000-byte value)", "blob", 1);
		time_runs(xdp, "GET miss (parsed, looked up, passed)", "nosuchkey", 0);
		time_runs(xdp, "GET miss, 256-byte key", key256 + 1, 0);
	}

	err = fp_load_destroy(skel);
	CHECK_MSG(!err, "fp_load_destroy: %d", err);
	/* The arena must still be there for its owner after the fast path is gone. */
	CHECK_MSG(ARENA_HDR->magic == ARENA_MAGIC && htab_find(db0(), "hello", 5) != NULL,
		  "arena still mapped and intact after fp_load_destroy");
	arena_teardown();
	return ut_done();
}
