// SPDX-License-Identifier: BSD-2-Clause
/*
 * live_frames.c - the XDP fast path's own rate, on one core: BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES injects GET request frames on a veth from inside the kernel, the
 * real fp_xdp (bpf/fastpath.bpf.c, loaded on the real arena with fp_load_open()) answers them
 * with XDP_TX, and the replies cross to the peer veth. A socket-based client saturates long
 * before the fast path does (docs/PERFORMANCE.md), hence this.
 *
 * Topology: the process unshares a private network namespace (root only; the host's devices
 * are never touched) and creates in it a veth pair kbs (server side, where frames are injected)
 * / kbc (client side) with addresses 10.211.0.1 / 10.211.0.2 that exist only there. kbc runs
 * kb_peer in native mode, because veth drops XDP_TX frames unless the peer has an XDP program;
 * kb_peer counts the replies that arrive and drops them (-p: pass them up instead). When the
 * process exits, the namespace goes away and with it the veth pair and the attachment; the
 * program still detaches explicitly on every path (one cleanup).
 *
 * Keyspace: KEYS keys inserted with the index's writer API (kbench_common.h). One request
 * frame per key is built in full here (IPv4/UDP, valid checksums, the fast path's header, a
 * RESP GET); the kernel gets the frame of key 0 as a template (kb_tmpl) and computes the bytes
 * that differ for another key (kb_frame_fields(), bpf/kbench.h), and this program checks that
 * the template with those bytes rebuilds every frame exactly. The injected program is kb_live (bpf/kbench.bpf.c): it writes the frame of the next
 * key (hot: key 0; random: xorshift64 over KEYS) over the packet, because live mode recycles
 * pages without restoring their bytes and an XDP_TX'd page holds a reply, then tail-calls
 * fp_xdp. Its overhead is measured alone (kb_prog slot empty: restore, then
 * XDP_DROP) and printed as the "driver" row; the fast path's rows include it, so they are a
 * slight underestimate of fp_xdp alone.
 *
 * Checks, printed with every figure: fast-path requests and hits (fp_counters) must both equal
 * the number of runs, and the peer must have received that many replies from the fast-path
 * port; otherwise the row says so (a rate of passed or lost frames is not a fast-path rate).
 * Rates: runs / wall time of the test_run call ("Mpps"), and 1000 / the kernel's mean ns per
 * run ("Mpps kernel", which excludes time the test_run loop was descheduled). "prog_ns" is the
 * injected program's own mean run time from the kernel's BPF stats, enabled for one extra
 * round per row (not counted in the rates): kb_live plus the tail-called program, without the
 * transmit path.
 *
 * Usage: live_frames [-k KEYS] [-n FRAMES_PER_RUN] [-R ROUNDS] [-c CPU] [-p]
 *        (defaults 100000 2000000 3 1). Exit 77 when BPF arenas, a private netns, veth or
 *        native XDP on veth are unavailable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kbench_common.h"
#include "fastpath.h"

#define PORT   7799
#define IF_SRV "kbs"
#define IF_CLI "kbc"

static struct kbench *kb;
static struct fastpath *fp;
static int ncpus, if_srv, if_cli, peer_attached, stats_fd = -1;

/* ---- frames --------------------------------------------------------------------------------- */

static __u32 sum16(const __u8 *p, size_t n, __u32 s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (__u32)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (__u32)p[n - 1] << 8;
	return s;
}

static __u16 csum_fold(__u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

static void be16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* GET key i from 10.211.0.2:40000 (cli) to 10.211.0.1:PORT (srv). Returns the frame length. */
/* kb_tmpl.csum_base of template frame f (kb_frame_fields()): the UDP checksum's sum in memory
 * order (16-bit words as they sit in the frame, read on this little-endian host) over the
 * pseudo-header, UDP header and payload, with the checksum, request id and digits as zeros. */
static __u64 csum_base(const __u8 *f)
{
	__u8 t[KB_FRAME_MAX];
	__u64 s = 0;
	__u16 w;

	memcpy(t, f, KB_FRAME_LEN);
	memset(t + KB_OFF_UDP_CSUM, 0, 2);
	memset(t + KB_OFF_REQ_ID, 0, 4);
	memset(t + KB_OFF_DIGITS, 0, 12);
	for (int o = 26; o < 34; o += 2) { /* source and destination addresses */
		memcpy(&w, t + o, 2);
		s += w;
	}
	s += htons(17) + htons((__u16)(KB_FRAME_LEN - 34)); /* protocol, UDP length */
	for (int o = 34; o < KB_FRAME_LEN; o += 2) {
		memcpy(&w, t + o, 2);
		s += w;
	}
	return s;
}

static __u32 build_get(__u8 *f, __u32 i, const __u8 *mac_srv, const __u8 *mac_cli)
{
	static const __u8 src[4] = {10, 211, 0, 2}, dst[4] = {10, 211, 0, 1};
	__u8 *ip = f + 14, *udp = ip + 20, *pl = udp + 8;
	__u8 key[KB_KLEN];
	__u32 plen = FP_HDR_SIZE, s;
	__u16 c;

	memcpy(f, mac_srv, 6);
	memcpy(f + 6, mac_cli, 6);
	be16(f + 12, 0x0800);
	memset(pl, 0, FP_HDR_SIZE);
	be16(pl, FP_MAGIC);
	pl[2] = FP_VERSION;
	for (int b = 0; b < 4; b++)
		pl[4 + b] = (__u8)(i >> (24 - 8 * b)); /* request id = key number */
	kb_key_of(i, key);
	plen += (__u32)sprintf((char *)pl + plen, "*2\r\n$3\r\nGET\r\n$%d\r\n", KB_KLEN);
	memcpy(pl + plen, key, KB_KLEN);
	plen += KB_KLEN;
	memcpy(pl + plen, "\r\n", 2);
	plen += 2;

	memset(ip, 0, 20);
	ip[0] = 0x45;
	be16(ip + 2, (__u16)(20 + 8 + plen));
	be16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	be16(ip + 10, csum_fold(sum16(ip, 20, 0)));

	be16(udp, 40000);
	be16(udp + 2, PORT);
	be16(udp + 4, (__u16)(8 + plen));
	be16(udp + 6, 0);
	s = sum16(src, 4, 0) + sum16(dst, 4, 0) + 17 + 8 + plen;
	c = csum_fold(sum16(udp, 8 + plen, s));
	be16(udp + 6, c ? c : 0xffff);
	return 14 + 20 + 8 + plen;
}

/* ---- set-up -----------------------------------------------------------------------------------
 */

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "`%s` failed (%d)\n", cmd, rc);
	return rc ? -EIO : 0;
}

static int mac_of(const char *ifname, __u8 *mac)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
	return err;
}

/* Private netns with the veth pair up. 77 = unavailable (reason printed), else 0 / -errno. */
static int make_topology(void)
{
	if (unshare(CLONE_NEWNET)) {
		printf("skip: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 77;
	}
	if (system("ip link add " IF_SRV " type veth peer name " IF_CLI " 2>/dev/null")) {
		printf("skip: cannot create a veth pair\n");
		return 77;
	}
	if (sh("ip link set lo up && ip link set " IF_SRV " up && ip link set " IF_CLI " up && "
	       "ip addr add 10.211.0.1/24 dev " IF_SRV " && ip addr add 10.211.0.2/24 dev " IF_CLI))
		return -EIO;
	if_srv = (int)if_nametoindex(IF_SRV);
	if_cli = (int)if_nametoindex(IF_CLI);
	return if_srv && if_cli ? 0 : -ENODEV;
}

static int fp_setup(void)
{
	struct fp_config cfg = {
	    .flags = FP_CFG_ENABLED, .port = PORT, .lfu_log_factor = 10, .lfu_decay_time = 1};
	struct fp_lpm4 k4 = {.prefixlen = 8, .addr = {10, 0, 0, 0}};
	__u32 zero = 0;
	__u8 one = 1;
	int err = fp_load_open(&fp);

	if (err) {
		fprintf(stderr, "fp_load_open: %d\n", err);
		return err;
	}
	err = bpf_map__update_elem(fp->maps.fp_config, &zero, 4, &cfg, sizeof(cfg), 0);
	if (!err)
		err = bpf_map__update_elem(fp->maps.fp_allow4, &k4, sizeof(k4), &one, 1, 0);
	if (err)
		fprintf(stderr, "fast-path config: %d\n", err);
	return err;
}

/* ---- runs -------------------------------------------------------------------------------------
 */

static void fp_counters_read(__u64 *c)
{
	if (fp_counters_sum(fp, c))
		fprintf(stderr, "fp_counters_sum failed\n");
}

struct live_res {
	double mpps, mpps_kernel, prog_ns;
	__u64 runs, requests, hits, peer, peer_reply;
	int ok;
};

/* run_time_ns and run_cnt of a program (kernel BPF stats; 0 when they are off). */
static void prog_stats(struct bpf_program *prog, __u64 *ns, __u64 *cnt)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	*ns = *cnt = 0;
	if (!bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len)) {
		*ns = info.run_time_ns;
		*cnt = info.run_cnt;
	}
}

/* One live test_run of prog (kb_live or fp_xdp) on n frames, mode hot/random. */
static int live_run(struct bpf_program *prog, __u32 mode, __u32 n, const __u8 *first, int want_hits,
		    struct live_res *r)
{
	struct xdp_md ctx = {.data_end = KB_FRAME_LEN, .ingress_ifindex = (__u32)if_srv};
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = first, .data_size_in = KB_FRAME_LEN,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = n,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	__u64 before[FP_C_MAX], after[FP_C_MAX], t0, t1, ns0, c0, ns1, c1;
	int err;

	memset(&kb->bss->kb_res, 0, sizeof(kb->bss->kb_res));
	kb->bss->kb_ctl.mode = mode;
	fp_counters_read(before);
	prog_stats(prog, &ns0, &c0);
	t0 = kb_now_ns();
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &t);
	t1 = kb_now_ns();
	if (err)
		return err;
	prog_stats(prog, &ns1, &c1);
	r->prog_ns = c1 > c0 ? (double)(ns1 - ns0) / (double)(c1 - c0) : 0;
	usleep(20000); /* let the peer's NAPI drain what is still queued */
	fp_counters_read(after);
	r->runs = n;
	r->requests = after[FP_C_REQUESTS] - before[FP_C_REQUESTS];
	r->hits = after[FP_C_HITS] - before[FP_C_HITS];
	r->peer = __atomic_load_n(&kb->bss->kb_res.peer_rx, __ATOMIC_RELAXED);
	r->peer_reply = __atomic_load_n(&kb->bss->kb_res.peer_rx_reply, __ATOMIC_RELAXED);
	r->mpps = n / ((double)(t1 - t0) / 1e3);
	r->mpps_kernel = t.duration ? 1e3 / t.duration : 0;
	r->ok = want_hits ? r->hits == n && r->requests == n && r->peer_reply == n : 1;
	if (want_hits && !r->ok) {
		printf("#   %s: requests %llu hits %llu peer %llu replies %llu of %u runs; not "
		       "answered:",
		       bpf_program__name(prog), (unsigned long long)r->requests,
		       (unsigned long long)r->hits, (unsigned long long)r->peer,
		       (unsigned long long)r->peer_reply, n);
		for (__u32 i = FP_C_NOT_OURS; i < FP_C_MAX; i++)
			if (after[i] != before[i])
				printf(" %s=%llu", fp_counter_name(i),
				       (unsigned long long)(after[i] - before[i]));
		printf("\n");
	}
	return 0;
}

static int cmp_res(const void *a, const void *b)
{
	const struct live_res *x = a, *y = b;

	return x->mpps < y->mpps ? -1 : x->mpps > y->mpps;
}

/* -o ROW: run only the rows of that name, only "hot" / "random" ones, or one ROW:MODE (profiling). */
static const char *only;

/* ROUNDS runs of one row; print the median round (by wall-clock Mpps). */
static int row(const char *name, struct bpf_program *prog, __u32 mode, __u32 n, __u32 rounds,
	       const __u8 *first, int want_hits)
{
	struct live_res r[17];
	int err = 0, ok = 1;
	double prog_ns;

	if (only) {
		const char *m = mode == KB_HOT ? "hot" : "random";
		char both[64];

		snprintf(both, sizeof(both), "%s:%s", name, m);
		if (strcmp(only, name) && strcmp(only, m) && strcmp(only, both))
			return 0;
	}
	if (rounds > 16)
		rounds = 16;
	for (__u32 i = 0; i < rounds && !err; i++) {
		err = live_run(prog, mode, n, first, want_hits, &r[i]);
		ok &= r[i].ok;
	}
	/*
	 * One more round with the kernel's BPF run-time stats on (kernel.bpf_stats_enabled while
	 * stats_fd is open; they cost every BPF program on the machine a clock read, so only for
	 * this round): the injected program's own ns per frame, without the transmit path.
	 */
	if (!err) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		err = live_run(prog, mode, n, first, want_hits, &r[rounds]);
		if (stats_fd >= 0)
			close(stats_fd);
		stats_fd = -1;
		ok &= r[rounds].ok;
	}
	if (err) {
		fprintf(stderr, "%s: test_run: %d\n", name, err);
		return err;
	}
	prog_ns = r[rounds].prog_ns;
	qsort(r, rounds, sizeof(r[0]), cmp_res);
	printf("live %-14s %-6s Mpps %.3f (min %.3f max %.3f) Mpps_kernel %.3f hits %llu/%llu "
	       "replies_at_peer %llu peer_rx %llu prog_ns %.1f%s\n",
	       name, mode == KB_HOT ? "hot" : "random", r[rounds / 2].mpps, r[0].mpps,
	       r[rounds - 1].mpps, r[rounds / 2].mpps_kernel,
	       (unsigned long long)r[rounds / 2].hits, (unsigned long long)r[rounds / 2].runs,
	       (unsigned long long)r[rounds / 2].peer_reply, (unsigned long long)r[rounds / 2].peer,
	       prog_ns, want_hits ? (ok ? "" : " NOT-ALL-ANSWERED") : "");
	return 0;
}

int main(int argc, char **argv)
{
	__u32 keys = 100000, n = 2000000, rounds = 3, zero = 0;
	int c, err, cpu = 1, peer_pass = 0, fd;
	__u8 mac_srv[6], mac_cli[6];
	__u8 frame[KB_FRAME_MAX], first[KB_FRAME_MAX];

	while ((c = getopt(argc, argv, "k:n:R:c:po:")) != -1) {
		switch (c) {
		case 'k':
			keys = (__u32)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			n = (__u32)strtoul(optarg, NULL, 0);
			break;
		case 'R':
			rounds = (__u32)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'p':
			peer_pass = 1;
			break;
		case 'o':
			only = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-k keys] [-n frames] [-R rounds] [-c cpu] [-p] [-o row|hot|random|row:mode]\n",
				argv[0]);
			return 2;
		}
	}
	if (!keys || !n || !rounds)
		return 2;
	if (geteuid() != 0) {
		printf("skip: needs root (netns, BPF arena, XDP)\n");
		return 77;
	}
	ncpus = libbpf_num_possible_cpus();
	err = make_topology();
	if (err)
		return err == 77 ? 77 : 1;
	if (mac_of(IF_SRV, mac_srv) || mac_of(IF_CLI, mac_cli)) {
		fprintf(stderr, "cannot read the veth MACs\n");
		return 1;
	}
	err = kb_pin(cpu);
	if (err)
		fprintf(stderr, "pin to CPU %d: %d (running unpinned)\n", cpu, err);
	if (arena_setup("bpf")) {
		printf("skip: arena_setup(\"bpf\") failed: no BPF arena here\n");
		return 77;
	}
	err = kb_arena_fill(0, keys);
	if (err) {
		fprintf(stderr, "arena fill: %d\n", err);
		goto cleanup;
	}
	err = fp_setup();
	if (err)
		goto cleanup;
	kb = kb_open(1, peer_pass ? XDP_PASS : XDP_DROP, PORT);
	if (!kb) {
		err = -EINVAL;
		goto cleanup;
	}
	if (build_get(first, 0, mac_srv, mac_cli) != KB_FRAME_LEN) {
		fprintf(stderr, "frame layout differs from kbench.h\n");
		err = -EINVAL;
		goto cleanup;
	}
	memcpy(kb->bss->kb_tmpl.w, first, KB_FRAME_LEN);
	kb->bss->kb_tmpl.csum_base = csum_base(first);
	for (__u32 i = 0; i < keys && !err; i++) {
		struct kb_fields p;
		__u8 again[KB_FRAME_MAX];

		if (build_get(frame, i, mac_srv, mac_cli) != KB_FRAME_LEN) {
			err = -EINVAL;
			break;
		}
		/* what kb_live will write must be this very frame */
		kb_frame_fields(i, kb->bss->kb_tmpl.csum_base, &p);
		memcpy(again, first, KB_FRAME_LEN);
		memcpy(again + KB_OFF_DIGITS, p.digits, 12);
		memcpy(again + KB_OFF_REQ_ID, &p.id, 4);
		memcpy(again + KB_OFF_UDP_CSUM, &p.csum, 2);
		if (memcmp(again, frame, KB_FRAME_LEN)) {
			fprintf(stderr, "template + kb_frame_fields() != frame of key %u\n", i);
			err = -EINVAL;
		}
	}
	if (err)
		goto cleanup;
	kb->bss->kb_ctl.nkeys = keys;
	kb->bss->kb_ctl.rnd = 0x9e3779b97f4a7c15ULL;
	err = bpf_xdp_attach(if_cli, bpf_program__fd(kb->progs.kb_peer), XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		printf("skip: native XDP on veth refused (%d)\n", err);
		err = 77;
		goto cleanup;
	}
	peer_attached = 1;
	printf("# keys %u frames/run %u rounds %u cpu %d frame %u bytes peer %s load %.2f\n", keys,
	       n, rounds, cpu, KB_FRAME_LEN, peer_pass ? "XDP_PASS" : "XDP_DROP", kb_loadavg());

	/* The driver alone: restore the frame, no program in kb_prog, XDP_DROP. */
	err = row("driver-only", kb->progs.kb_live, KB_HOT, n, rounds, first, 0);
	if (!err)
		err = row("driver-only", kb->progs.kb_live, KB_RANDOM, n, rounds, first, 0);
	/* The transmit path alone: driver, MAC swap, XDP_TX, the peer. */
	fd = bpf_program__fd(kb->progs.kb_tx);
	if (!err && bpf_map_update_elem(bpf_map__fd(kb->maps.kb_prog), &zero, &fd, 0)) {
		err = -errno;
		fprintf(stderr, "kb_prog <- kb_tx: %d\n", err);
	}
	if (!err)
		err = row("tx-only", kb->progs.kb_live, KB_HOT, n, rounds, first, 0);
	if (!err)
		err = row("tx-only", kb->progs.kb_live, KB_RANDOM, n, rounds, first, 0);
	fd = bpf_program__fd(fp->progs.fp_xdp);
	if (!err && bpf_map_update_elem(bpf_map__fd(kb->maps.kb_prog), &zero, &fd, 0)) {
		err = -errno;
		fprintf(stderr, "kb_prog <- fp_xdp: %d\n", err);
	}
	if (!err)
		err = row("fastpath", kb->progs.kb_live, KB_HOT, n, rounds, first, 1);
	if (!err)
		err = row("fastpath", kb->progs.kb_live, KB_RANDOM, n, rounds, first, 1);
	/* fp_xdp injected directly, without the driver: shows what page recycling does. */
	if (!err)
		err =
		    row("fp_xdp-direct", fp->progs.fp_xdp, KB_HOT, n / 4 ? n / 4 : 1, 1, first, 1);
	printf("# load %.2f at the end\n", kb_loadavg());
cleanup:
	if (stats_fd >= 0)
		close(stats_fd);
	if (peer_attached && bpf_xdp_detach(if_cli, XDP_FLAGS_DRV_MODE, NULL))
		fprintf(stderr, "detach from " IF_CLI " failed\n");
	kbench__destroy(kb);
	fp_load_destroy(fp);
	arena_teardown();
	return err == 77 ? 77 : err ? 1 : 0;
}
