// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_fastpath_lo.c - the fast path attached for real: generic XDP on lo, then tcx ingress on
 * lo, answering UDP datagrams sent by a socket, in a private network namespace.
 *
 * What test_run cannot show: that XDP_TX from generic XDP on lo and bpf_redirect(lo) from tcx
 * ingress actually deliver the reply to the sending socket (a second pass through the program
 * sees the reply, which is not for the fast-path port, and lets it up), that the reply's
 * checksums are accepted by the receiving stack, and that a datagram the kernel passes reaches
 * a user-space UDP socket bound to the port unchanged.
 *
 * The test unshares its network namespace first (root only; it never touches the host's lo),
 * brings the namespace's lo up, creates the arena (arena_setup("bpf")), writes keys with the
 * index writer API and loads the fast path with fp_load_open(). For each attach mode it sends
 * GET/MGET over IPv4 and IPv6 and checks the reply bytes and the hit counter; a GET of a
 * 1000-byte value (answered, or under generic XDP possibly passed as passed_tailroom and then
 * received by the server socket), the same GET padded with FP_F_PAD (answered in every mode);
 * then a miss, which the server socket must receive unchanged. It also prints the largest value
 * each mode answers without padding (diagnostic).
 *
 * Exit 77 with the reason when BPF arenas, a private netns or an XDP/tcx attach are unavailable.
 */
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bpf_test.h"
#include "arena_bpf.h"
#include "clock.h"
#include "layout.h"
#include "fastpath.h"
#include "fp_load.h"

#define PORT 7788

static struct fastpath *skel;
static int ncpus;

static int put(const char *key, const char *val)
{
	struct htab *h = (struct htab *)&ARENA_HDR->db[0];
	struct kv_entry *e =
	    kv_new(KV_STRING, key, (__u32)strlen(key), (__u32)strlen(val), (__u32)strlen(val));

	if (!e)
		return -ENOMEM;
	memcpy((void *)kv_val(e), val, strlen(val));
	return htab_insert(h, e);
}

static __u64 counter(__u32 c)
{
	__u64 all[FP_C_MAX];

	return c < FP_C_MAX && !fp_counters_sum(skel, all) ? all[c] : 0;
}

static int lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr)))
		err = -errno;
	close(fd);
	return err;
}

static size_t pad_to; /* when nonzero: FP_F_PAD and padding up to this payload size */

static size_t request(__u8 *out, __u32 id, int argc, const char **argv)
{
	size_t n = FP_HDR_SIZE;

	memset(out, 0, FP_HDR_SIZE);
	out[0] = FP_MAGIC >> 8;
	out[1] = FP_MAGIC & 0xff;
	out[2] = FP_VERSION;
	out[4] = (__u8)(id >> 24);
	out[5] = (__u8)(id >> 16);
	out[6] = (__u8)(id >> 8);
	out[7] = (__u8)id;
	n += (size_t)sprintf((char *)out + n, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++)
		n += (size_t)sprintf((char *)out + n, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
	if (pad_to > n) {
		out[3] = FP_F_PAD;
		memset(out + n, 0, pad_to - n);
		n = pad_to;
	}
	return n;
}

/* Socket bound to the fast-path port (the "server"): receives what the kernel passes. */
static int srv_fd[2] = {-1, -1};

static int open_server(int v6)
{
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0), one = 1;
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(PORT)};
	struct timeval tv = {.tv_sec = 0, .tv_usec = 300000};

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (v6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		inet_pton(AF_INET6, "::1", &a6.sin6_addr);
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)))
			return -1;
	} else {
		a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&a4, sizeof(a4)))
			return -1;
	}
	return fd;
}

/*
 * Send argv to the port from a fresh client socket. Returns the reply length in *rep (0 when
 * none arrived within 300 ms); *srv_got = bytes the server socket received (0 = none).
 */
static void exchange(int v6, int argc, const char **argv, __u8 *rep, ssize_t *rn, ssize_t *srv_got)
{
	static __u8 req[2048], buf[2048];
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(PORT)};
	struct timeval tv = {.tv_sec = 0, .tv_usec = 300000};
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	size_t n = request(req, 0xabcdef01, argc, argv);

	*rn = 0;
	*srv_got = 0;
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	inet_pton(AF_INET6, "::1", &a6.sin6_addr);
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (v6 ? connect(fd, (struct sockaddr *)&a6, sizeof(a6))
	       : connect(fd, (struct sockaddr *)&a4, sizeof(a4))) {
		close(fd);
		return;
	}
	if (send(fd, req, n, 0) == (ssize_t)n) {
		ssize_t r = recv(fd, rep, 2048, 0);

		*rn = r > 0 ? r : 0;
		if (*rn == 0) {
			r = recv(srv_fd[v6], buf, sizeof(buf), 0);
			*srv_got = r > 0 && (size_t)r == n && !memcmp(buf, req, n) ? r : -1;
		}
	}
	close(fd);
}

/* Diagnostic: the biggest value (of a ladder) the kernel answers in this mode. */
static void probe_sizes(const char *mode)
{
	static __u8 rep[4096];
	static const char *names[] = {"v64", "v128", "v256", "v384", "v512", "v768", "v1000"};
	const char *argv[2] = {"GET", NULL};
	ssize_t rn, got;
	int i, best = -1;

	for (i = 0; i < 7; i++) {
		argv[1] = names[i];
		exchange(0, 2, argv, rep, &rn, &got);
		if (rn > 0)
			best = i;
	}
	printf("%s: GET over IPv4 answered by the kernel up to value %s\n", mode,
	       best < 0 ? "(none)" : names[best]);
}

static void check_mode(const char *mode)
{
	static __u8 rep[2048];
	const char *get[] = {"GET", "hello"}, *mget[] = {"MGET", "hello", "k2"};
	const char *miss[] = {"GET", "nosuchkey"}, *getbig[] = {"GET", "big"};
	ssize_t rn, got;
	__u64 h0, t0;

	for (int v6 = 0; v6 <= 1; v6++) {
		const char *fam = v6 ? "v6" : "v4";

		h0 = counter(FP_C_HITS);
		exchange(v6, 2, get, rep, &rn, &got);
		CHECK_MSG(rn == FP_HDR_SIZE + 11 && rep[3] == (FP_F_REPLY | FP_F_KERNEL) &&
			      !memcmp(rep + 4, "\xab\xcd\xef\x01", 4) &&
			      !memcmp(rep + FP_HDR_SIZE, "$5\r\nworld\r\n", 11),
			  "%s/%s GET: reply of %zd bytes (server socket got %zd)", mode, fam, rn,
			  got);
		CHECK_MSG(counter(FP_C_HITS) == h0 + 1, "%s/%s GET: hits did not move", mode, fam);

		exchange(v6, 3, mget, rep, &rn, &got);
		CHECK_MSG(rn == FP_HDR_SIZE + 22 &&
			      !memcmp(rep + FP_HDR_SIZE, "*2\r\n$5\r\nworld\r\n$1\r\nx\r\n", 22),
			  "%s/%s MGET: reply of %zd bytes", mode, fam, rn);

		/*
		 * A reply much bigger than the request: the frame must grow by ~1 KB. tcx
		 * reallocates the skb; generic XDP can only use the skb's headroom and slack,
		 * so there the kernel may pass it (passed_tailroom) and user space answers.
		 */
		h0 = counter(FP_C_HITS);
		t0 = counter(FP_C_PASS_TAILROOM);
		exchange(v6, 2, getbig, rep, &rn, &got);
		if (rn == 0 && !strcmp(mode, "xdp-generic"))
			CHECK_MSG(got > 0 && counter(FP_C_PASS_TAILROOM) == t0 + 1,
				  "%s/%s GET 1000-byte value: not answered, not passed as tailroom",
				  mode, fam);
		else
			CHECK_MSG(rn == FP_HDR_SIZE + 1009 &&
				      !memcmp(rep + FP_HDR_SIZE, "$1000\r\nbbb", 10) &&
				      counter(FP_C_HITS) == h0 + 1,
				  "%s/%s GET 1000-byte value: reply of %zd bytes", mode, fam, rn);

		/* The same, padded (FP_F_PAD) so the frame is already big enough: answered. */
		h0 = counter(FP_C_HITS);
		pad_to = 1100;
		exchange(v6, 2, getbig, rep, &rn, &got);
		pad_to = 0;
		CHECK_MSG(rn == FP_HDR_SIZE + 1009 && rep[3] == (FP_F_REPLY | FP_F_KERNEL) &&
			      !memcmp(rep + FP_HDR_SIZE, "$1000\r\nbbb", 10) &&
			      counter(FP_C_HITS) == h0 + 1,
			  "%s/%s padded GET 1000-byte value: reply of %zd bytes", mode, fam, rn);

		h0 = counter(FP_C_PASS_MISS);
		exchange(v6, 2, miss, rep, &rn, &got);
		CHECK_MSG(rn == 0 && got > 0, "%s/%s miss: client got %zd, server socket got %zd",
			  mode, fam, rn, got);
		CHECK_MSG(counter(FP_C_PASS_MISS) == h0 + 1, "%s/%s miss: passed_miss did not move",
			  mode, fam);
	}
}

int main(void)
{
	struct fp_config cfg = {.flags = FP_CFG_ENABLED, .port = PORT};
	struct fp_lpm4 k4 = {.prefixlen = 8, .addr = {127, 0, 0, 0}};
	struct fp_lpm6 k6 = {.prefixlen = 128, .addr = {[15] = 1}};
	struct bpf_link *link;
	__u32 zero = 0;
	__u8 one = 1;
	static char bigval[1001];
	int err, lo;

	bpf_test_require_arena();
	if (unshare(CLONE_NEWNET)) {
		printf("SKIP: cannot create a private network namespace (%s)\n", strerror(errno));
		return 77;
	}
	err = lo_up();
	lo = (int)if_nametoindex("lo");
	if (err || !lo) {
		printf("SKIP: cannot bring up lo in the private namespace (%s)\n", strerror(-err));
		return 77;
	}
	if (arena_setup("bpf")) {
		printf("arena_setup(\"bpf\") failed\n");
		return 1;
	}
	ncpus = libbpf_num_possible_cpus();
	memset(bigval, 'b', 1000);
	CHECK_MSG(!put("hello", "world") && !put("k2", "x") && !put("big", bigval), "writing keys");
	{
		static const int sz[] = {64, 128, 256, 384, 512, 768, 1000};
		char name[16];

		for (int i = 0; i < 7; i++) {
			bigval[sz[i]] = '\0';
			snprintf(name, sizeof(name), "v%d", sz[i]);
			CHECK_MSG(!put(name, bigval), "writing %s", name);
			bigval[sz[i]] = 'b';
		}
		bigval[1000] = '\0';
	}
	err = fp_load_open(&skel);
	CHECK_MSG(!err, "fp_load_open: %d", err);
	if (err)
		goto out;
	CHECK_MSG(!bpf_map__update_elem(skel->maps.fp_config, &zero, 4, &cfg, sizeof(cfg), 0) &&
		      !bpf_map__update_elem(skel->maps.fp_allow4, &k4, sizeof(k4), &one, 1, 0) &&
		      !bpf_map__update_elem(skel->maps.fp_allow6, &k6, sizeof(k6), &one, 1, 0),
		  "config maps");
	srv_fd[0] = open_server(0);
	srv_fd[1] = open_server(1);
	CHECK_MSG(srv_fd[0] >= 0 && srv_fd[1] >= 0, "server sockets");

	/* Generic XDP on lo (native is refused on lo). */
	err = bpf_xdp_attach(lo, bpf_program__fd(skel->progs.fp_xdp), XDP_FLAGS_SKB_MODE, NULL);
	if (err) {
		printf("generic XDP attach on lo failed (%s): XDP part not run\n", strerror(-err));
	} else {
		check_mode("xdp-generic");
		probe_sizes("xdp-generic");
		CHECK_MSG(!bpf_xdp_detach(lo, XDP_FLAGS_SKB_MODE, NULL), "XDP detach");
	}

	/* tcx ingress on lo, replies through bpf_redirect(lo, 0). */
	link = bpf_program__attach_tcx(skel->progs.fp_tc, lo, NULL);
	if (!link) {
		printf("tcx attach on lo failed (%s): tc part not run\n", strerror(errno));
	} else {
		check_mode("tcx");
		probe_sizes("tcx");
		bpf_link__destroy(link);
	}
	if (err && !link) {
		printf("SKIP: neither XDP nor tcx could attach to lo\n");
		fp_load_destroy(skel);
		arena_teardown();
		return 77;
	}
out:
	if (srv_fd[0] >= 0)
		close(srv_fd[0]);
	if (srv_fd[1] >= 0)
		close(srv_fd[1]);
	CHECK_MSG(!fp_load_destroy(skel), "fp_load_destroy");
	arena_teardown();
	return ut_done();
}
