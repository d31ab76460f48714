/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fastpath.h - the one contract of the UDP fast path: the wire format (v1), the per-CPU counters,
 * the map value layouts and the hot-key ring buffer record. Compiled by clang -target bpf for
 * bpf/fastpath.bpf.c and by the host compiler for the server (server/udp.c, server/fastpath.c),
 * the client library (client/) and the tests (tests/bpf/test_fastpath_*.c). Nothing here may be
 * copied elsewhere: include this file. docs/PROTOCOL.md is the prose version.
 *
 * Wire format, v1 (all multi-byte header fields big-endian):
 *
 *   offset 0  u16 magic    FP_MAGIC (0xAE4B)
 *   offset 2  u8  version  FP_VERSION (1)
 *   offset 3  u8  flags    FP_F_*: a request carries 0 or FP_F_PAD; any other bit set in a
 *                          request makes user space answer -ERR and the kernel pass
 *   offset 4  u32 id       request id, echoed unchanged in the reply
 *   offset 8  u64 token    auth token when requirepass is set (see below), else 0;
 *                          replies carry 0
 *   offset 16 payload      request: one RESP command (multibulk; inline is accepted by user
 *                          space only). Reply: the RESP reply, exactly the bytes TCP would carry.
 *
 * FP_F_PAD: the request's RESP command is followed by padding (any bytes, up to the end of the
 * datagram) that the receiver ignores. A client that expects a large reply pads its request so
 * the frame the kernel rewrites into the reply is already big enough: a generic-XDP or veth frame
 * can hardly grow (docs/PROTOCOL.md). The padding is also what keeps such a reply within the
 * amplification bound.
 *
 * A reply's header is the request's with FP_F_REPLY set (plus FP_F_KERNEL when the XDP/tc program
 * built it, FP_F_TRUNC when user space could not fit the reply and sent an -ERR instead) and the
 * token zeroed. The database a UDP request addresses is always 0 in v1.
 *
 * Token: token = XXH64(requirepass bytes, seed = salt), salt = 64 random bits chosen at server
 * start; clients fetch it over TCP with ARENAKV.FASTTOKEN (after AUTH). User space writes it into
 * fp_config.token with FP_CFG_TOKEN set; the kernel answers only requests whose token equals it.
 * The token travels in clear: whoever sees one request can replay it until the server restarts
 * (new salt) or the password changes. It proves "knew the password at some point", no more.
 *
 * Who writes what: user space writes fp_config (one entry of an ARRAY map) and the LPM allow-
 * lists; the programs only read them. The programs write the per-CPU counters and the ring
 * buffer; user space only reads those (summing counters over CPUs). fp_config is updated with
 * one bpf_map_update_elem(); a program running at that moment may see a mix of old and new
 * fields (the copy is not atomic), which at worst answers or passes one request under the old
 * settings.
 */
#ifndef ARENAKV_BPF_FASTPATH_H
#define ARENAKV_BPF_FASTPATH_H

#if defined(__BPF__) || defined(__bpf__)
/* vmlinux.h already defines the __u* types. */
#else
#include <linux/types.h>
#endif

/* ---- wire format ------------------------------------------------------------------------- */

#define FP_MAGIC    0xAE4B
#define FP_VERSION  1
#define FP_HDR_SIZE 16

#define FP_F_REPLY    0x01 /* set on every reply */
#define FP_F_KERNEL   0x02 /* the reply was built by the XDP/tc program (diagnostic only) */
#define FP_F_TRUNC    0x04 /* user space: the reply did not fit a datagram, payload is an -ERR */
#define FP_F_PAD      0x08 /* request only: bytes after the RESP command are padding, ignored */
#define FP_F_REQ_MASK FP_F_PAD /* bits a request may carry */

struct fp_hdr {
	__u16 magic;  /* big-endian FP_MAGIC */
	__u8 version; /* FP_VERSION */
	__u8 flags;   /* FP_F_* */
	__u32 id;     /* big-endian, echoed */
	__u64 token;  /* big-endian; 0 in replies */
};

/* Largest UDP payload user space sends (65507 for IPv4) minus the header: bigger replies are
 * replaced by `-ERR reply too large for UDP, use TCP` with FP_F_TRUNC. */
#define FP_UDP_PAYLOAD_MAX 65507
#define FP_USER_REPLY_MAX  (FP_UDP_PAYLOAD_MAX - FP_HDR_SIZE)

/*
 * Amplification rule (user space): to a source outside the allow-list, never send more than
 * FP_AMP_FACTOR * request bytes + FP_AMP_SLACK bytes of UDP payload; a longer reply becomes
 * `-ERR reply too large for UDP, use TCP` (FP_F_TRUNC). The kernel never answers such sources.
 */
#define FP_AMP_FACTOR 2
#define FP_AMP_SLACK  64

/* ---- kernel bounds (tunables, #ifndef defaults) -------------------------------------------- */

/* Longest key the kernel hashes (multiple of 32: index/xxhash.h). Longer: passed. */
#ifndef FP_KEY_MAX
#define FP_KEY_MAX 256
#endif
/* Longest UDP payload (header + RESP command) the kernel parses. Longer: passed. */
#ifndef FP_REQ_MAX
#define FP_REQ_MAX 1472
#endif
/* Longest RESP reply the kernel sends (keeps the reply frame within a 1500-byte MTU with IPv6:
 * 14 + 40 + 8 + 16 + 1400 = 1478). Longer: passed, user space answers. */
#ifndef FP_REPLY_MAX
#define FP_REPLY_MAX 1400
#endif
/* Most keys of one MGET/EXISTS the kernel answers. More: passed. */
#ifndef FP_MULTI_MAX
#define FP_MULTI_MAX 32
#endif
/* Default ring buffer size (bytes, power of two, multiple of the page size). */
#ifndef FP_HOT_RINGBUF_SIZE
#define FP_HOT_RINGBUF_SIZE (256 * 1024)
#endif

/*
 * Deadlines: expire_ns with bit 63 set holds unix ms (a far-future deadline beyond the monotonic
 * range), as server/clock.h CLOCK_FAR_BIT says; BPF cannot include server/ headers, so this
 * repeats it and tests/bpf/test_fastpath_xdp.c asserts they are equal. (The access-clock
 * constants come from index/kv.h, KV_LRU_* / KV_LFU_*, shared with server/db.c.)
 */
#define FP_CLOCK_FAR_BIT (1ULL << 63)
#define FP_NS_PER_MS	 1000000ULL

/* ---- commands the kernel answers ------------------------------------------------------------ */

enum fp_cmd {
	FP_CMD_NONE = 0,
	FP_CMD_GET = 1,
	FP_CMD_MGET = 2,
	FP_CMD_EXISTS = 3,
	FP_CMD_TTL = 4,
	FP_CMD_PTTL = 5,
	FP_CMD_STRLEN = 6,
	/* sorted sets (bpf/fp_zset.h): one key; every command from FP_CMD_ZFIRST on is one */
	FP_CMD_ZRANGE = 7,    /* ZRANGE key start stop [WITHSCORES], 0 <= start, stop */
	FP_CMD_ZREVRANGE = 8, /* same, from the highest score */
	FP_CMD_ZSCORE = 9,    /* ZSCORE key member */
	FP_CMD_ZRANK = 10,    /* ZRANK key member [WITHSCORE] */
	FP_CMD_ZREVRANK = 11, /* same, ranks from the highest score */
};
#define FP_CMD_ZFIRST FP_CMD_ZRANGE

/* Most members one ZRANGE/ZREVRANGE answer may hold in the kernel. More: passed. */
#ifndef FP_ZRANGE_MAX
#define FP_ZRANGE_MAX 16
#endif

/* ---- per-CPU counters ------------------------------------------------------------------------
 * One BPF_MAP_TYPE_PERCPU_ARRAY (fp_counters) with one element, a struct fp_counters: c[] is
 * indexed by enum fp_counter. User space sums each index over the possible CPUs
 * (fp_counters_sum(), bpf/fp_load.h). The names are the INFO field suffixes:
 * INFO prints fastpath_<name>. Every frame that is "ours" (UDP to the configured port, any IP
 * version) counts one `requests` and then exactly one of `hits` or `passed_<reason>`;
 * `misses` additionally counts the passes caused by an absent/expired key (reason miss).
 */
#define FP_COUNTERS(X)                                                                             \
	X(FP_C_REQUESTS, "requests")		     /* UDP datagrams to the fast-path port */     \
	X(FP_C_HITS, "hits")			     /* answered by the kernel */                  \
	X(FP_C_MISSES, "misses")		     /* passed: a key absent or expired */         \
	X(FP_C_BYTES_IN, "bytes_in")		     /* UDP payload bytes of answered requests */  \
	X(FP_C_BYTES_OUT, "bytes_out")		     /* UDP payload bytes of kernel replies */     \
	X(FP_C_NOT_OURS, "not_ours")		     /* frames that were not for us (passed) */    \
	X(FP_C_PASS_DISABLED, "passed_disabled")     /* fp_config not enabled */                   \
	X(FP_C_PASS_MALFORMED, "passed_malformed")   /* truncated/inconsistent IP or UDP */        \
	X(FP_C_PASS_FRAGMENT, "passed_fragment")     /* IPv4 fragment */                           \
	X(FP_C_PASS_IP_OPTIONS, "passed_ip_options") /* IPv4 header with options */                \
	X(FP_C_PASS_CHECKSUM, "passed_checksum")     /* bad IPv4 header or UDP checksum */         \
	X(FP_C_PASS_NOT_ALLOWED, "passed_not_allowed")	 /* source not in the allow-list */        \
	X(FP_C_PASS_SHORT, "passed_short")		 /* payload shorter than the header */     \
	X(FP_C_PASS_MAGIC, "passed_magic")		 /* bad magic */                           \
	X(FP_C_PASS_VERSION, "passed_version")		 /* unknown version */                     \
	X(FP_C_PASS_FLAGS, "passed_flags")		 /* request with flag bits set */          \
	X(FP_C_PASS_AUTH, "passed_auth")		 /* token required and wrong */            \
	X(FP_C_PASS_TOO_BIG, "passed_too_big")		 /* request longer than FP_REQ_MAX */      \
	X(FP_C_PASS_PARSE, "passed_parse")		 /* not one well-formed multibulk */       \
	X(FP_C_PASS_COMMAND, "passed_command")		 /* command not answered by the kernel */  \
	X(FP_C_PASS_KEY_TOO_LONG, "passed_key_too_long") /* key longer than FP_KEY_MAX */          \
	X(FP_C_PASS_TOO_MANY_KEYS, "passed_too_many_keys") /* more than FP_MULTI_MAX keys */       \
	X(FP_C_PASS_MISS, "passed_miss")		   /* absent or expired key */             \
	X(FP_C_PASS_DOUBT, "passed_doubt")		   /* reader in doubt (entry changing) */  \
	X(FP_C_PASS_TYPE, "passed_type")		   /* key holds a non-string */            \
	X(FP_C_PASS_TTL, "passed_ttl") /* deadline not on the monotonic clock */                   \
	X(FP_C_PASS_REPLY_TOO_BIG, "passed_reply_too_big") /* reply > FP_REPLY_MAX */              \
	X(FP_C_PASS_NO_ARENA, "passed_no_arena")	   /* arena header not formatted */        \
	X(FP_C_PASS_NOT_UNICAST, "passed_not_unicast")	   /* to a multicast/broadcast address */  \
	X(FP_C_PASS_TAILROOM, "passed_tailroom")   /* frame buffer cannot grow to the reply */     \
	X(FP_C_PASS_ERROR, "passed_error")	   /* a helper failed (store, ...) */              \
	X(FP_C_PASS_ZSET, "passed_zset")	   /* zset answer beyond the kernel's bounds */    \
	X(FP_C_PASS_TAIL_CALL, "passed_tail_call") /* zset program not installed (fp_zset.h) */

#define FP_COUNTER_ENUM(id, name) id,
enum fp_counter { FP_COUNTERS(FP_COUNTER_ENUM) FP_C_MAX };
#undef FP_COUNTER_ENUM
/* The passed_* counters are the last ones, FP_C_PASS_FIRST .. FP_C_MAX - 1 (INFO and tests
 * iterate over them); keep new reasons at the end of the list. */
#define FP_C_PASS_FIRST FP_C_PASS_DISABLED

/* The value of fp_counters' one element, per CPU. */
struct fp_counters {
	__u64 c[FP_C_MAX];
};

#if !(defined(__BPF__) || defined(__bpf__))
/* fp_counter_name(FP_C_HITS) = "hits"; NULL for an index out of range. */
static inline const char *fp_counter_name(unsigned int c)
{
#define FP_COUNTER_NAME(id, name) name,
	static const char *const names[] = {FP_COUNTERS(FP_COUNTER_NAME)};
#undef FP_COUNTER_NAME
	return c < FP_C_MAX ? names[c] : (const char *)0;
}
#endif

/* ---- fp_config: BPF_MAP_TYPE_ARRAY, one entry (key 0), written by user space -------------- */

#define FP_CFG_ENABLED 0x01 /* answer at all (else every frame is passed: disabled) */
#define FP_CFG_TOKEN   0x02 /* requirepass set: the request token must equal fp_config.token */
#define FP_CFG_LFU     0x04 /* maxmemory-policy is *-lfu: touch access as an LFU counter */

struct fp_config {
	__u32 flags; /* FP_CFG_* */
	__u16 port;  /* UDP port, host byte order; 0 = fast path off */
	__u16 pad0;
	__u64 token;		/* expected token (host order value; compared with be64toh(hdr)) */
	__u32 hot_sample_every; /* ring-buffer one hit in N per CPU; 0 = none, 1 = every hit */
	__u32 lfu_log_factor;	/* lfu-log-factor (as server/db.c) */
	__u32 lfu_decay_time;	/* lfu-decay-time, minutes */
	__u32 allow_gen;	/* changed by user space after every change of fp_allow4/6: */
				/* the programs' per-CPU allow cache is valid for one value */
};

/* ---- allow-lists: BPF_MAP_TYPE_LPM_TRIE, BPF_F_NO_PREALLOC, value __u8 (1) ------------------
 * fp_allow4 keyed by struct fp_lpm4, fp_allow6 by struct fp_lpm6; prefixlen in bits, address in
 * network byte order. A source matching no prefix is "unproven": always passed to user space. */
struct fp_lpm4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct fp_lpm6 {
	__u32 prefixlen;
	__u8 addr[16];
};

#ifndef FP_ALLOW_MAX
#define FP_ALLOW_MAX 1024 /* max_entries of each trie */
#endif

/* ---- hot-key ring buffer (BPF_MAP_TYPE_RINGBUF fp_hot) --------------------------------------
 * One record per key of a sampled kernel hit (fp_config.hot_sample_every). User space may read
 * the key from the arena through `entry`, but only under the seqlock: kv_read_begin(entry) must
 * equal `seq` before and after the read (kv.h). */
struct fp_hot_rec {
	__u64 hash;  /* kv_entry.hash: low 32 bits of the index's XXH64 of the key */
	__u64 entry; /* arena address (user form) of the kv_entry that answered */
	__u32 seq;   /* its seq when it answered */
	__u32 vlen;  /* value length */
	__u16 klen;  /* key length */
	__u8 cmd;    /* enum fp_cmd */
	__u8 db;     /* always 0 in v1 */
	__u32 pad;
};

_Static_assert(sizeof(struct fp_hdr) == FP_HDR_SIZE, "fp_hdr is 16 bytes");
_Static_assert(__builtin_offsetof(struct fp_hdr, id) == 4, "fp_hdr.id offset");
_Static_assert(__builtin_offsetof(struct fp_hdr, token) == 8, "fp_hdr.token offset");
_Static_assert(sizeof(struct fp_config) == 32, "fp_config layout");
_Static_assert(__builtin_offsetof(struct fp_config, token) == 8, "fp_config.token offset");
_Static_assert(sizeof(struct fp_lpm4) == 8, "fp_lpm4 layout");
_Static_assert(sizeof(struct fp_lpm6) == 20, "fp_lpm6 layout");
_Static_assert(sizeof(struct fp_hot_rec) == 32, "fp_hot_rec layout");
_Static_assert(FP_C_PASS_FIRST == FP_C_NOT_OURS + 1, "passed_* counters come last");
_Static_assert(FP_KEY_MAX % 32 == 0, "FP_KEY_MAX must be a multiple of 32 (xxhash.h)");
_Static_assert(FP_REQ_MAX > FP_HDR_SIZE && FP_REPLY_MAX > 0, "fast-path bounds");

#endif /* ARENAKV_BPF_FASTPATH_H */
