// SPDX-License-Identifier: BSD-2-Clause
/*
 * fastpath.c - load, configure, attach and observe the kernel fast path (bpf/fastpath.bpf.c).
 *
 * What the kernel side is: an XDP program (and the same lookup as a tcx ingress program) that
 * answers GET/MGET/EXISTS/TTL/PTTL/STRLEN datagrams straight from the arena the server writes,
 * and passes everything else up to server/udp.c. This file is the user-space half:
 *
 *   fastpath_start()  open and load the skeleton with its `arena` map made the server's arena
 *                     (bpf/fp_load.h: bpf_map__reuse_fd before load, one arena, two objects),
 *                     write fp_config (port, token, flags) and the allow-list tries, attach
 *                     to every interface of fastpath-iface, subscribe to the hot-key ring
 *                     buffer and start a 100 ms timer; ONE log line says what happened.
 *   fastpath_stop()   detach (closing the links), free the skeleton, stop watching. Links are
 *                     BPF links owned by this process, never pinned: if the process dies
 *                     without running this (SIGKILL, crash) the kernel closes the link fds and
 *                     the program is detached all the same. SIGTERM sets srv.shutdown_asap and
 *                     main calls this after the loop; it is also an atexit() handler.
 *
 * Modes (fastpath-mode): native (XDP in the driver), generic (XDP_FLAGS_SKB_MODE, works on any
 * device, the only XDP mode lo accepts), tc (tcx ingress, bpf_program__attach_tcx), off, and
 * auto = generic on the configured interfaces (default lo), falling back to off with the reason
 * when the host refuses (no BPF arena, program rejected, interface busy or missing).
 *
 * Configuration pushed to the kernel (struct fp_config, one ARRAY entry): written at start and
 * re-checked every FASTPATH_TICK_MS by the timer (requirepass and maxmemory-policy can change
 * with CONFIG SET); fastpath_auth_changed() pushes at once when config.c calls it. The token is
 * XXH64(requirepass, salt) with a 64-bit salt drawn once per run, at first use (getrandom);
 * ARENAKV.FASTTOKEN hands the token out.
 *
 * Hot keys: the program sends one ring-buffer record per FASTPATH_HOT_SAMPLE_EVERY hits per CPU
 * (hash, entry address, seq, sizes). fp_hot_add() keeps a small open-addressing table of
 * FASTPATH_HOT_SLOTS keyed by hash with a counter per key; when a probe window is full the
 * coldest slot is replaced (space-saving style: the newcomer inherits min+1, so counts are
 * upper bounds). Counters are halved every FASTPATH_HOT_DECAY_MS so the table follows the
 * current load. The key bytes are read from the arena through the record's entry address only
 * when the entry's seq still equals the sampled seq: seqs only grow (index/kv.h), so equality
 * proves the entry is the same published one; and this runs on the writer thread, so nothing
 * changes it while we copy.
 *
 * Invariants: loop thread only (the atexit path runs after the loop stopped). The kernel reads
 * fp_config and the tries concurrently; each is updated with single map updates (a program
 * may see one request under old settings: bpf/fastpath.h explains why that is harmless).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "../bpf/fastpath.h"
#include "arena.h"
#include "arena_bpf.h"
#include "clock.h"
#include "errors.h"
#include "fastpath.h"
#include "fp_load.h" /* fp_load_open/destroy: the skeleton on the live arena */
#include "htab.h"
#include "kv.h"
#include "log.h"
#include "loop.h"
#include "reply.h"
#include "udp.h"
#include "xxhash.h"

#ifndef FASTPATH_MAX_IFACES
#define FASTPATH_MAX_IFACES 8
#endif
#ifndef FASTPATH_TICK_MS
#define FASTPATH_TICK_MS 100 /* config re-check period */
#endif
#ifndef FASTPATH_HOT_SAMPLE_EVERY
#define FASTPATH_HOT_SAMPLE_EVERY 8 /* one ring-buffer record per N kernel hits per CPU */
#endif
#ifndef FASTPATH_HOT_SLOTS
#define FASTPATH_HOT_SLOTS 1024 /* power of two */
#endif
#ifndef FASTPATH_HOT_PROBE
#define FASTPATH_HOT_PROBE 8 /* slots looked at before evicting the coldest */
#endif
#ifndef FASTPATH_HOT_KEY_MAX
#define FASTPATH_HOT_KEY_MAX 128 /* key bytes remembered per hot key */
#endif
#ifndef FASTPATH_HOT_DECAY_MS
#define FASTPATH_HOT_DECAY_MS 10000
#endif
#ifndef FASTPATH_ALLOW_MAX
#define FASTPATH_ALLOW_MAX 64 /* CIDRs in fastpath-allow */
#endif

enum fp_mode { FP_MODE_OFF = 0, FP_MODE_NATIVE, FP_MODE_GENERIC, FP_MODE_TC };

static const char *const fp_mode_names[] = {"off", "native", "generic", "tc"};

struct fp_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	int xdp_link_fd;      /* XDP link (native/generic), -1 when none */
	struct bpf_link *tcx; /* tcx ingress link, NULL when none */
};

struct fp_cidr {
	int family; /* AF_INET or AF_INET6 */
	int prefixlen;
	__u8 addr[16]; /* network order; 4 bytes used for AF_INET */
};

struct fp_hot {
	__u64 hash;  /* 0 = empty slot (a real hash of 0 is merely not tracked) */
	__u64 count; /* sampled hits, decayed */
	__u32 vlen;
	__u16 klen;    /* full key length */
	__u16 kcopied; /* bytes of key[] valid; 0 = name unknown */
	char key[FASTPATH_HOT_KEY_MAX];
};

static struct {
	int mode; /* enum fp_mode actually in effect */
	struct fastpath *skel;
	struct fp_iface ifaces[FASTPATH_MAX_IFACES];
	int nifaces;
	char ifaces_str[256]; /* INFO fastpath_ifaces */
	char reason[256];     /* why off ("" when on) */
	struct ring_buffer *rb;
	int rb_watched;
	int timer_fd;
	int atexit_done;
	int exiting; /* atexit: the loop may be gone, do not call it */
	__u64 salt;
	int salt_ok;
	struct fp_config pushed; /* what the kernel has */
	struct fp_cidr allow[FASTPATH_ALLOW_MAX];
	int nallow;
	int allow_loaded;
	__u32 allow_gen; /* fp_config.allow_gen: < 2^31, so the kernel's allow_gen + 1 is never 0 */
	struct fp_hot hot[FASTPATH_HOT_SLOTS];
	__u64 hot_samples; /* ring-buffer records consumed */
	__u64 hot_named;   /* of which the key could be read */
	long long hot_last_decay_ms;
	char info[8192];
} fp = {.timer_fd = -1};

/* ---- allow-list ------------------------------------------------------------------------------ */

static int fp_cidr_parse(const char *s, size_t len, struct fp_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long plen;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		out->prefixlen = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		out->prefixlen = 128;
	} else {
		return -EINVAL;
	}
	if (slash) {
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || plen < 0 || plen > out->prefixlen)
			return -EINVAL;
		out->prefixlen = (int)plen;
	}
	return 0;
}

int fastpath_allow_load(const char *spec)
{
	const char *p;

	if (!spec || !*spec)
		spec = FASTPATH_ALLOW_DEFAULT;
	fp.nallow = 0;
	for (p = spec; *p;) {
		const char *e = p;
		size_t n;

		while (*e && *e != ',')
			e++;
		n = (size_t)(e - p);
		while (n && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n) {
			if (fp.nallow == FASTPATH_ALLOW_MAX) {
				log_warning("fastpath-allow: more than %d prefixes",
					    FASTPATH_ALLOW_MAX);
				return -EINVAL;
			}
			if (fp_cidr_parse(p, n, &fp.allow[fp.nallow])) {
				log_warning("fastpath-allow: '%.*s' is not an IPv4 or IPv6 CIDR",
					    (int)n, p);
				return -EINVAL;
			}
			fp.nallow++;
		}
		p = *e ? e + 1 : e;
	}
	fp.allow_loaded = 1;
	return 0;
}

static int fp_prefix_match(const __u8 *a, const __u8 *net, int plen)
{
	int full = plen / 8, rest = plen % 8;

	if (memcmp(a, net, full))
		return 0;
	if (rest) {
		__u8 mask = (__u8)(0xff << (8 - rest));

		if ((a[full] & mask) != (net[full] & mask))
			return 0;
	}
	return 1;
}

int fastpath_source_allowed(const struct sockaddr *sa)
{
	const __u8 *a;
	int family;

	if (!fp.allow_loaded && fastpath_allow_load(NULL))
		return 0;
	if (sa->sa_family == AF_INET) {
		a = (const __u8 *)&((const struct sockaddr_in *)sa)->sin_addr;
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			a = a6->s6_addr + 12;
			family = AF_INET;
		} else {
			a = a6->s6_addr;
			family = AF_INET6;
		}
	} else {
		return 0;
	}
	for (int i = 0; i < fp.nallow; i++)
		if (fp.allow[i].family == family &&
		    fp_prefix_match(a, fp.allow[i].addr, fp.allow[i].prefixlen))
			return 1;
	return 0;
}

/* ---- token ----------------------------------------------------------------------------------- */

int fastpath_auth_required(void)
{
	return srv.requirepass && srv.requirepass[0];
}

__u64 fastpath_token(void)
{
	if (!fastpath_auth_required())
		return 0;
	if (!fp.salt_ok) {
		/* getrandom() of 8 bytes does not fail once the pool is initialised; if it ever
		 * does, a time-derived salt still makes tokens differ between runs. */
		if (getrandom(&fp.salt, sizeof(fp.salt), 0) != (ssize_t)sizeof(fp.salt))
			fp.salt = clock_mono_ns() ^ ((__u64)getpid() << 32);
		fp.salt_ok = 1;
	}
	return xxh64(srv.requirepass, strlen(srv.requirepass), fp.salt);
}

/* ---- kernel configuration -------------------------------------------------------------------- */

static void fp_config_build(struct fp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->flags = FP_CFG_ENABLED;
	if (fastpath_auth_required())
		c->flags |= FP_CFG_TOKEN;
	if (srv.maxmemory_policy == MAXMEMORY_ALLKEYS_LFU ||
	    srv.maxmemory_policy == MAXMEMORY_VOLATILE_LFU)
		c->flags |= FP_CFG_LFU;
	c->port = (__u16)udp_port_bound();
	c->token = fastpath_token();
	c->hot_sample_every = FASTPATH_HOT_SAMPLE_EVERY;
	c->lfu_log_factor = (__u32)srv.lfu_log_factor;
	c->lfu_decay_time = (__u32)srv.lfu_decay_time;
	c->allow_gen = fp.allow_gen;
}

/* Push fp_config when it differs from what the kernel has (or always when force). */
static int fp_config_sync(int force)
{
	struct fp_config c;
	__u32 key = 0;

	if (!fp.skel)
		return 0;
	fp_config_build(&c);
	if (!force && !memcmp(&c, &fp.pushed, sizeof(c)))
		return 0;
	if (bpf_map_update_elem(bpf_map__fd(fp.skel->maps.fp_config), &key, &c, BPF_ANY)) {
		int err = -errno;

		log_warning("fast path: updating fp_config failed: %s", strerror(-err));
		return err;
	}
	fp.pushed = c;
	return 0;
}

int fastpath_auth_changed(void)
{
	return fp_config_sync(0);
}

static int fp_allow_push(void)
{
	__u8 one = 1;

	for (int i = 0; i < fp.nallow; i++) {
		const struct fp_cidr *a = &fp.allow[i];
		int err;

		if (a->family == AF_INET) {
			struct fp_lpm4 k = {.prefixlen = (__u32)a->prefixlen};

			memcpy(k.addr, a->addr, 4);
			err = bpf_map_update_elem(bpf_map__fd(fp.skel->maps.fp_allow4), &k, &one,
						  BPF_ANY);
		} else {
			struct fp_lpm6 k = {.prefixlen = (__u32)a->prefixlen};

			memcpy(k.addr, a->addr, 16);
			err = bpf_map_update_elem(bpf_map__fd(fp.skel->maps.fp_allow6), &k, &one,
						  BPF_ANY);
		}
		if (err)
			return -errno;
	}
	/* the caller pushes fp_config next: the kernel's allow cache resets */
	fp.allow_gen = (fp.allow_gen + 1) & 0x7fffffff;
	return 0;
}

/* ---- counters -------------------------------------------------------------------------------- */

/* Sum every counter over the possible CPUs into out[FP_C_MAX] (zeros when off). */
static void fp_counters_read(__u64 *out)
{
	memset(out, 0, sizeof(__u64) * FP_C_MAX);
	if (fp.skel && fp_counters_sum(fp.skel, out))
		memset(out, 0, sizeof(__u64) * FP_C_MAX);
}

/* ---- hot keys -------------------------------------------------------------------------------- */

/* Copy the key of the sampled entry if it is provably the same published entry. */
static void fp_hot_name(struct fp_hot *h, const struct fp_hot_rec *r)
{
	const struct kv_entry *e = (const struct kv_entry *)(uintptr_t)r->entry;
	const __u8 *k;
	__u32 n;

	if (!arena_is_bpf() || r->entry < ARENA_BASE + ARENA_PAGE_SIZE ||
	    r->entry + KV_HDR_SIZE > ARENA_BASE + ARENA_SIZE)
		return;
	if (kv_read_begin(e) != r->seq || (r->seq & 1) || e->type != KV_STRING ||
	    e->klen != r->klen)
		return;
	k = kv_key(e);
	if ((__u64)(uintptr_t)k < ARENA_BASE ||
	    (__u64)(uintptr_t)k + e->klen > ARENA_BASE + ARENA_SIZE)
		return;
	n = e->klen < FASTPATH_HOT_KEY_MAX ? e->klen : FASTPATH_HOT_KEY_MAX;
	memcpy(h->key, k, n);
	h->kcopied = (__u16)n;
	fp.hot_named++;
}

static void fp_hot_add(const struct fp_hot_rec *r)
{
	__u64 hash = r->hash ? r->hash : 1;
	unsigned idx = (unsigned)hash & (FASTPATH_HOT_SLOTS - 1);
	struct fp_hot *victim = NULL;
	__u64 floor;

	fp.hot_samples++;
	/* The whole window first: decay may have emptied a slot in front of the key's. */
	for (int i = 0; i < FASTPATH_HOT_PROBE; i++) {
		struct fp_hot *h = &fp.hot[(idx + i) & (FASTPATH_HOT_SLOTS - 1)];

		if (h->hash == hash) {
			h->count++;
			h->vlen = r->vlen;
			if (!h->kcopied)
				fp_hot_name(h, r);
			return;
		}
		if (!victim || (victim->hash && (!h->hash || h->count < victim->count)))
			victim = h; /* the first empty slot, else the coldest */
	}
	floor = victim->hash ? victim->count : 0;
	memset(victim, 0, sizeof(*victim));
	victim->hash = hash;
	victim->count = floor + 1;
	victim->vlen = r->vlen;
	victim->klen = r->klen;
	fp_hot_name(victim, r);
}

static void fp_hot_decay(void)
{
	for (int i = 0; i < FASTPATH_HOT_SLOTS; i++) {
		fp.hot[i].count /= 2;
		if (!fp.hot[i].count)
			memset(&fp.hot[i], 0, sizeof(fp.hot[i]));
	}
}

static int fp_on_sample(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct fp_hot_rec))
		fp_hot_add(data);
	return 0;
}

static void fp_on_ring(void *arg)
{
	if (fp.rb && ring_buffer__consume(fp.rb) < 0)
		log_debug("fast path: ring buffer consume: %s", strerror(errno));
}

static void fp_on_timer(void *arg)
{
	__u64 expirations;
	long long now;

	if (read(fp.timer_fd, &expirations, sizeof(expirations)) < 0)
		return; /* EAGAIN: spurious wake-up */
	fp_config_sync(0);
	fp_on_ring(NULL);
	now = server_unix_ms();
	if (now - fp.hot_last_decay_ms >= FASTPATH_HOT_DECAY_MS) {
		fp.hot_last_decay_ms = now;
		fp_hot_decay();
	}
}

/* ---- attach / detach ------------------------------------------------------------------------- */

static void fp_detach_all(void)
{
	for (int i = 0; i < fp.nifaces; i++) {
		struct fp_iface *f = &fp.ifaces[i];

		if (f->xdp_link_fd >= 0)
			close(f->xdp_link_fd);
		f->xdp_link_fd = -1;
		if (f->tcx)
			bpf_link__destroy(f->tcx);
		f->tcx = NULL;
	}
}

void fastpath_stop(void)
{
	if (fp.rb_watched) {
		if (!fp.exiting)
			loop->unwatch(ring_buffer__epoll_fd(fp.rb));
		fp.rb_watched = 0;
	}
	if (fp.timer_fd >= 0) {
		if (!fp.exiting)
			loop->unwatch(fp.timer_fd);
		close(fp.timer_fd);
		fp.timer_fd = -1;
	}
	if (fp.rb) {
		ring_buffer__free(fp.rb);
		fp.rb = NULL;
	}
	fp_detach_all();
	if (fp.skel) {
		if (fp_load_destroy(fp.skel))
			log_warning("fast path: the arena mapping could not be restored after "
				    "unloading: %s",
				    strerror(errno));
		fp.skel = NULL;
	}
	if (fp.mode != FP_MODE_OFF) {
		log_notice("Fast path detached from %s", fp.ifaces_str);
		fp.mode = FP_MODE_OFF;
		snprintf(fp.reason, sizeof(fp.reason), "stopped");
	}
	fp.nifaces = 0;
}

/* Reached when main returns or exit() is called on a path that skipped fastpath_stop() (a
 * start-up failure after the attach): the event loop may already be released, so only the
 * BPF side is torn down. */
static void fp_atexit(void)
{
	fp.exiting = 1;
	fastpath_stop();
}

/* Split srv.fastpath_iface into fp.ifaces (names resolved). 0 or -errno with fp.reason set. */
static int fp_parse_ifaces(void)
{
	const char *spec = srv.fastpath_iface && *srv.fastpath_iface ? srv.fastpath_iface : "lo";
	const char *p = spec;

	fp.nifaces = 0;
	snprintf(fp.ifaces_str, sizeof(fp.ifaces_str), "%s", spec);
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		struct fp_iface *f;

		if (n == 0 || n >= IF_NAMESIZE) {
			snprintf(fp.reason, sizeof(fp.reason), "bad interface name in '%s'", spec);
			return -EINVAL;
		}
		if (fp.nifaces == FASTPATH_MAX_IFACES) {
			snprintf(fp.reason, sizeof(fp.reason), "more than %d interfaces",
				 FASTPATH_MAX_IFACES);
			return -E2BIG;
		}
		f = &fp.ifaces[fp.nifaces];
		memset(f, 0, sizeof(*f));
		f->xdp_link_fd = -1;
		memcpy(f->name, p, n);
		f->name[n] = '\0';
		f->ifindex = (int)if_nametoindex(f->name);
		if (!f->ifindex) {
			snprintf(fp.reason, sizeof(fp.reason), "no interface %s", f->name);
			return -ENODEV;
		}
		fp.nifaces++;
		p = e ? e + 1 : p + n;
	}
	if (!fp.nifaces) {
		snprintf(fp.reason, sizeof(fp.reason), "fastpath-iface is empty");
		return -EINVAL;
	}
	return 0;
}

static int fp_attach_one(struct fp_iface *f, int mode)
{
	if (mode == FP_MODE_TC) {
		f->tcx = bpf_program__attach_tcx(fp.skel->progs.fp_tc, f->ifindex, NULL);
		if (!f->tcx)
			return -errno;
		return 0;
	}
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .flags = mode == FP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	f->xdp_link_fd =
	    bpf_link_create(bpf_program__fd(fp.skel->progs.fp_xdp), f->ifindex, BPF_XDP, &opts);
	if (f->xdp_link_fd < 0) {
		int err = -errno;

		f->xdp_link_fd = -1;
		return err;
	}
	return 0;
}

static const char *fp_attach_hint(int err)
{
	switch (err) {
	case -EBUSY:
	case -EEXIST:
		return "another XDP/tc program is attached there";
	case -EOPNOTSUPP:
	case -EINVAL:
		return "the driver refuses this mode";
	case -EPERM:
	case -EACCES:
		return "not permitted: needs root or CAP_NET_ADMIN+CAP_BPF";
	default:
		return strerror(-err);
	}
}

/* Everything but logging: 0 with fp.mode set, or -errno with fp.reason set and nothing held. */
static int fp_start(int mode)
{
	int err, i;

	if (!arena_is_bpf()) {
		snprintf(fp.reason, sizeof(fp.reason), "the arena is not a BPF arena (%s)",
			 arena_fallback_reason());
		return -ENOTSUP;
	}
	if (udp_port_bound() == 0) {
		snprintf(fp.reason, sizeof(fp.reason), "no UDP listener (udp-port 0)");
		return -EINVAL;
	}
	err = fp_parse_ifaces();
	if (err)
		return err;
	err = fp_load_open(&fp.skel);
	if (err) {
		snprintf(fp.reason, sizeof(fp.reason), "loading the program: %s%s",
			 err == -ENOENT ? "no arena map fd in this process" : strerror(-err),
			 err == -EACCES ? " (verifier rejected it)" : "");
		return err;
	}
	err = fp_allow_push();
	if (!err)
		err = fp_config_sync(1);
	if (err) {
		snprintf(fp.reason, sizeof(fp.reason), "writing the configuration maps: %s",
			 strerror(-err));
		goto fail;
	}
	for (i = 0; i < fp.nifaces; i++) {
		err = fp_attach_one(&fp.ifaces[i], mode);
		if (err) {
			snprintf(fp.reason, sizeof(fp.reason), "%s attach to %s failed: %s",
				 fp_mode_names[mode], fp.ifaces[i].name, fp_attach_hint(err));
			goto fail;
		}
	}
	fp.rb = ring_buffer__new(bpf_map__fd(fp.skel->maps.fp_hot), fp_on_sample, NULL, NULL);
	if (fp.rb && !loop->watch(ring_buffer__epoll_fd(fp.rb), fp_on_ring, NULL))
		fp.rb_watched = 1;
	else
		log_warning("fast path: hot-key ring buffer unavailable: %s", strerror(errno));
	fp.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fp.timer_fd >= 0) {
		struct itimerspec its = {
		    .it_interval = {0, FASTPATH_TICK_MS * 1000000L},
		    .it_value = {0, FASTPATH_TICK_MS * 1000000L},
		};

		if (timerfd_settime(fp.timer_fd, 0, &its, NULL) ||
		    loop->watch(fp.timer_fd, fp_on_timer, NULL)) {
			close(fp.timer_fd);
			fp.timer_fd = -1;
		}
	}
	if (fp.timer_fd < 0)
		log_warning("fast path: no timer (%s): CONFIG SET requirepass reaches the kernel "
			    "only through its hook",
			    strerror(errno));
	fp.mode = mode;
	fp.reason[0] = '\0';
	fp.hot_last_decay_ms = server_unix_ms();
	return 0;
fail:
	fp_detach_all();
	fp_load_destroy(fp.skel);
	fp.skel = NULL;
	return err;
}

int fastpath_start(void)
{
	const char *m = srv.fastpath_mode && *srv.fastpath_mode ? srv.fastpath_mode : "auto";
	int mode, is_auto = !strcmp(m, "auto"), err;

	if (!fp.atexit_done) {
		atexit(fp_atexit);
		fp.atexit_done = 1;
	}
	fp.mode = FP_MODE_OFF;
	if (is_auto)
		mode = FP_MODE_GENERIC;
	else if (!strcmp(m, "native"))
		mode = FP_MODE_NATIVE;
	else if (!strcmp(m, "generic"))
		mode = FP_MODE_GENERIC;
	else if (!strcmp(m, "tc"))
		mode = FP_MODE_TC;
	else
		mode = FP_MODE_OFF;
	if (mode == FP_MODE_OFF) {
		snprintf(fp.reason, sizeof(fp.reason), "fastpath-mode %s", m);
		snprintf(fp.ifaces_str, sizeof(fp.ifaces_str), "%s",
			 srv.fastpath_iface ? srv.fastpath_iface : "");
		log_notice("Fast path off (fastpath-mode %s): UDP is answered in user space", m);
		return 0;
	}
	err = fp_start(mode);
	if (err) {
		if (is_auto)
			log_notice("Fast path off (%s): UDP is answered in user space", fp.reason);
		else
			log_warning("Fast path off: fastpath-mode %s requested but %s; UDP is "
				    "answered in user space",
				    m, fp.reason);
		return is_auto ? 0 : err;
	}
	log_notice("Fast path on: %s on %s, UDP port %d%s",
		   mode == FP_MODE_TC	    ? "tc (tcx ingress)"
		   : mode == FP_MODE_NATIVE ? "native XDP"
					    : "generic XDP",
		   fp.ifaces_str, udp_port_bound(),
		   fastpath_auth_required() ? ", token required" : "");
	return 0;
}

/* ---- INFO ------------------------------------------------------------------------------------ */

const char *fastpath_info(void)
{
	__u64 cnt[FP_C_MAX];
	const struct udp_stats *u = udp_stats();
	size_t off = 0, cap = sizeof(fp.info);

#define CAT(...)                                                                                   \
	do {                                                                                       \
		int _n = snprintf(fp.info + off, cap - off, __VA_ARGS__);                          \
		if (_n > 0)                                                                        \
			off = off + (size_t)_n < cap ? off + (size_t)_n : cap - 1;                 \
	} while (0)

	fp_counters_read(cnt);
	CAT("# Fastpath\r\n");
	CAT("fastpath_mode:%s\r\n", fp_mode_names[fp.mode]);
	CAT("fastpath_ifaces:%s\r\n", fp.mode == FP_MODE_OFF ? "" : fp.ifaces_str);
	CAT("fastpath_off_reason:%s\r\n", fp.mode == FP_MODE_OFF ? fp.reason : "");
	CAT("fastpath_udp_port:%d\r\n", udp_port_bound());
	CAT("fastpath_token_required:%d\r\n", fastpath_auth_required());
	for (unsigned int i = 0; i < FP_C_MAX; i++)
		CAT("fastpath_%s:%llu\r\n", fp_counter_name(i), (unsigned long long)cnt[i]);
	CAT("fastpath_hot_samples:%llu\r\n", (unsigned long long)fp.hot_samples);
	CAT("fastpath_hot_named:%llu\r\n", (unsigned long long)fp.hot_named);
	CAT("udp_requests:%llu\r\n", (unsigned long long)u->requests);
	CAT("udp_replies:%llu\r\n", (unsigned long long)u->replies);
	CAT("udp_malformed:%llu\r\n", (unsigned long long)u->malformed);
	CAT("udp_too_large:%llu\r\n", (unsigned long long)u->too_large);
	CAT("udp_amplification:%llu\r\n", (unsigned long long)u->amplification);
	CAT("udp_noauth:%llu\r\n", (unsigned long long)u->noauth);
	CAT("udp_admin_refused:%llu\r\n", (unsigned long long)u->admin_refused);
	CAT("udp_send_errors:%llu\r\n", (unsigned long long)u->send_errors);
	CAT("udp_bytes_in:%llu\r\n", (unsigned long long)u->bytes_in);
	CAT("udp_bytes_out:%llu\r\n", (unsigned long long)u->bytes_out);
#undef CAT
	return fp.info;
}

/* ---- commands -------------------------------------------------------------------------------- */

static int fp_hot_cmp(const void *a, const void *b)
{
	const struct fp_hot *x = *(const struct fp_hot *const *)a;
	const struct fp_hot *y = *(const struct fp_hot *const *)b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/*
 * ARENAKV.HOTKEYS [N]: the N (default 10) keys the kernel answered most often recently, hottest
 * first, as an array of [key, sampled-hits, value-length] triples. key is the key's bytes (at
 * most FASTPATH_HOT_KEY_MAX) or, when it could not be read back from the arena, "#" and the
 * 16 hex digits of its hash. Counts are sampled (one in FASTPATH_HOT_SAMPLE_EVERY hits per
 * CPU) and halved every FASTPATH_HOT_DECAY_MS.
 */
static void cmd_hotkeys(struct client *c)
{
	static struct fp_hot *sorted[FASTPATH_HOT_SLOTS];
	long long want = 10;
	int n = 0;

	if (c->argc > 2) {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	if (c->argc == 2) {
		char buf[32], *end;

		if (c->argv[1].len == 0 || c->argv[1].len >= sizeof(buf)) {
			reply_error(c, ERR_NOT_INT);
			return;
		}
		memcpy(buf, c->argv[1].ptr, c->argv[1].len);
		buf[c->argv[1].len] = '\0';
		errno = 0;
		want = strtoll(buf, &end, 10);
		if (errno || *end) {
			reply_error(c, ERR_NOT_INT);
			return;
		}
		if (want <= 0) {
			reply_error(c, ERR_POSITIVE);
			return;
		}
	}
	fp_on_ring(NULL); /* include what the kernel sent since the last wake-up */
	for (int i = 0; i < FASTPATH_HOT_SLOTS; i++)
		if (fp.hot[i].hash)
			sorted[n++] = &fp.hot[i];
	qsort(sorted, (size_t)n, sizeof(sorted[0]), fp_hot_cmp);
	if (want > n)
		want = n;
	reply_array(c, want);
	for (int i = 0; i < want; i++) {
		const struct fp_hot *h = sorted[i];

		reply_array(c, 3);
		if (h->kcopied) {
			reply_bulk(c, h->key, h->kcopied);
		} else {
			char name[24];

			snprintf(name, sizeof(name), "#%016llx", (unsigned long long)h->hash);
			reply_cstr(c, name);
		}
		reply_int(c, (long long)h->count);
		reply_int(c, (long long)h->vlen);
	}
}

/* ARENAKV.FASTTOKEN: the request token, 16 lowercase hex digits (see bpf/fastpath.h). */
static void cmd_fasttoken(struct client *c)
{
	char hex[17];

	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)fastpath_token());
	reply_bulk(c, hex, 16);
}

const struct command fastpath_commands[] = {
    {"arenakv.hotkeys", cmd_hotkeys, -1, CMD_READONLY | CMD_FAST, 0, 0, 0, "server",
     "List the keys the kernel fast path answered most often recently.", "0.1.0"},
    {"arenakv.fasttoken", cmd_fasttoken, 1, CMD_READONLY | CMD_FAST, 0, 0, 0, "connection",
     "Return the token UDP requests must carry when requirepass is set.", "0.1.0"},
    {NULL},
};
