// SPDX-License-Identifier: BSD-2-Clause
/*
 * udp_load.c - UDP load generator for arenakv's fast-path protocol: many requests in flight,
 * sendmmsg/recvmmsg batches, throughput and latency percentiles.
 *
 *   udp_load [-h HOST] [-p PORT] [-c INFLIGHT] [-t SECONDS] [-T THREADS] [-k KEYS] [-r]
 *            [-a PASSWORD | --token HEX] [--cmd GET|EXISTS|STRLEN|TTL] [--lost-ms MS]
 *
 * What: each thread owns one connected UDP socket and INFLIGHT request slots. A slot holds
 * one outstanding request; its request id is (generation << 16 | slot), so a reply finds its
 * slot in O(1) and a late reply to an earlier generation (a request already declared lost and
 * resent) is recognised and ignored rather than timed wrongly. Every reply received frees its
 * slot, which is refilled at once; the refills of one recvmmsg batch go out in one sendmmsg.
 * A request without a reply after --lost-ms is counted lost and its slot reissued.
 *
 * Keys are named like redis-benchmark's `-r` keys, "key:%012d", so bench/fastpath.sh loads
 * one key set and both tools read it. Without -r every request asks for key:000000000000
 * (the hot-key case); with -r, uniformly random keys among -k.
 *
 * Latency is send-to-receive time of each answered request, taken with CLOCK_MONOTONIC right
 * before the sendmmsg that sent it and right after the recvmmsg that returned it (so it includes
 * the batching delay, which is what a client sees; stamping after sendmmsg would hide the reply
 * work that XDP/tc on lo do inside the sending syscall). All samples are kept and sorted: exact
 * percentiles, a few MB per million requests.
 *
 * Output: one line, `key=value` fields, for scripts:
 *   requests= ok= kernel= errors= nil= lost= secs= rps= p50_us= p99_us= p999_us= max_us=
 * kernel = replies carrying the KERNEL flag (answered by XDP/tc); errors = "-" replies;
 * nil = "$-1" replies (a missing key: the key set was not loaded).
 *
 * Invariants: at most INFLIGHT requests per thread are outstanding; every frame is built with the
 * client library's codec (akv_frame_encode), the one encoder of the wire format on this side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arenakv.h"

#define UL_BATCH    64	  /* datagrams per sendmmsg / recvmmsg */
#define UL_MAX_SLOT 65535 /* slot index must fit the id's low 16 bits */
#define UL_FRAME    512	  /* encoded request size limit (keys are short) */
#define UL_RBUF	    2048  /* replies bigger than this are truncated by recvmmsg (counted ok) */

struct ul_conf {
	const char *host;
	int port;
	int inflight;
	double secs;
	int threads;
	int keys;
	int random_keys;
	const char *cmd;
	uint64_t token;
	int lost_ms;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

struct ul_slot {
	uint64_t sent_ns; /* 0 = free */
	uint16_t gen;
};

struct ul_thread {
	const struct ul_conf *conf;
	pthread_t th;
	int fd;
	unsigned seed;
	uint64_t requests, ok, kernel, errors, nil, lost;
	uint32_t *lat_ns; /* answered requests' latencies */
	size_t nlat, caplat;
	int err;
};

static uint64_t ul_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int ul_record(struct ul_thread *t, uint64_t ns)
{
	if (t->nlat == t->caplat) {
		size_t cap = t->caplat ? t->caplat * 2 : 1 << 20;
		uint32_t *p = realloc(t->lat_ns, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->lat_ns = p;
		t->caplat = cap;
	}
	t->lat_ns[t->nlat++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
	return 0;
}

/* Queue slot s's next request (new generation, new key) into the send batch. */
static void ul_prepare(struct ul_thread *t, struct ul_slot *slots, int s, struct mmsghdr *m,
		       struct iovec *iov, char (*buf)[UL_FRAME])
{
	const struct ul_conf *c = t->conf;
	int k = c->random_keys ? (int)(rand_r(&t->seed) % (unsigned)c->keys) : 0;
	char key[32];
	const char *av[] = {c->cmd, key};
	long n;

	slots[s].gen++;
	snprintf(key, sizeof(key), "key:%012d", k);
	/* cannot fail: main() encoded the longest key with this command into UL_FRAME */
	n = akv_frame_encode(buf[0], UL_FRAME, (uint32_t)slots[s].gen << 16 | (uint32_t)s, c->token,
			     2, av, NULL);
	iov->iov_base = buf[0];
	iov->iov_len = n > 0 ? (size_t)n : 0;
	memset(m, 0, sizeof(*m));
	m->msg_hdr.msg_iov = iov;
	m->msg_hdr.msg_iovlen = 1;
}

/* Send n prepared datagrams; mark their slots sent now. Returns 0 or -errno. */
static int ul_send(struct ul_thread *t, struct ul_slot *slots, const int *sl, struct mmsghdr *m,
		   int n)
{
	int done = 0;

	while (done < n) {
		/* stamped BEFORE the call: on lo the kernel fast path answers inside sendmmsg
		 * (softirq on this CPU), so a stamp taken after it would hide that time */
		uint64_t now = ul_now_ns();
		int r = sendmmsg(t->fd, m + done, n - done, 0);
		int i;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ENOBUFS || errno == ECONNREFUSED) {
				/* socket buffer full or a stray ICMP: the slots stay marked
				 * sent and come back through the lost timer */
				for (i = done; i < n; i++)
					slots[sl[i]].sent_ns = now;
				t->requests += n - done;
				return 0;
			}
			return -errno;
		}
		for (i = done; i < done + r; i++)
			slots[sl[i]].sent_ns = now;
		t->requests += r;
		done += r;
	}
	return 0;
}

static void *ul_run(void *arg)
{
	struct ul_thread *t = arg;
	const struct ul_conf *c = t->conf;
	int nslots = c->inflight;
	struct ul_slot *slots = calloc(nslots, sizeof(*slots));
	int *sl = calloc(nslots > UL_BATCH ? nslots : UL_BATCH, sizeof(int));
	int nbatch = nslots > UL_BATCH ? nslots : UL_BATCH;
	struct mmsghdr *sm = calloc(nbatch, sizeof(*sm)), rm[UL_BATCH];
	struct iovec *siov = calloc(nbatch, sizeof(*siov)), riov[UL_BATCH];
	char(*sbuf)[UL_FRAME] = calloc(nbatch, UL_FRAME);
	static __thread char rbuf[UL_BATCH][UL_RBUF];
	uint64_t t_end, next_scan, lost_ns = (uint64_t)c->lost_ms * 1000000ull;
	int i, n = 0;

	if (!slots || !sl || !sm || !siov || !sbuf) {
		t->err = -ENOMEM;
		goto out;
	}
	t->fd = socket(c->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->fd < 0 || connect(t->fd, (const struct sockaddr *)&c->addr, c->addrlen)) {
		t->err = -errno;
		goto out;
	}
	{
		int sz = 4 << 20;

		/* best effort: a larger receive buffer absorbs reply bursts */
		setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		setsockopt(t->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	for (i = 0; i < nslots; i++) {
		ul_prepare(t, slots, i, &sm[n], &siov[n], &sbuf[n]);
		sl[n++] = i;
	}
	t->err = ul_send(t, slots, sl, sm, n);
	t_end = ul_now_ns() + (uint64_t)(c->secs * 1e9);
	next_scan = ul_now_ns() + lost_ns / 4;
	while (!t->err) {
		struct pollfd p = {.fd = t->fd, .events = POLLIN};
		uint64_t now = ul_now_ns();
		int r;

		if (now >= t_end)
			break;
		n = 0;
		if (now >= next_scan) {
			for (i = 0; i < nslots; i++) {
				if (slots[i].sent_ns && now - slots[i].sent_ns > lost_ns) {
					t->lost++;
					ul_prepare(t, slots, i, &sm[n], &siov[n], &sbuf[n]);
					sl[n++] = i;
				}
			}
			next_scan = now + lost_ns / 4;
			if (n) {
				t->err = ul_send(t, slots, sl, sm, n);
				n = 0;
			}
		}
		r = poll(&p, 1, 10);
		if (r <= 0)
			continue;
		for (i = 0; i < UL_BATCH; i++) {
			riov[i].iov_base = rbuf[i];
			riov[i].iov_len = UL_RBUF;
			memset(&rm[i], 0, sizeof(rm[i]));
			rm[i].msg_hdr.msg_iov = &riov[i];
			rm[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(t->fd, rm, UL_BATCH, MSG_DONTWAIT, NULL);
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED)
				t->err = -errno;
			continue;
		}
		now = ul_now_ns();
		for (i = 0; i < r; i++) {
			size_t len = rm[i].msg_len;
			const char *payload;
			size_t plen;
			uint32_t id;
			unsigned flags;
			int s;

			if (len > UL_RBUF)
				len = UL_RBUF;
			if (akv_frame_decode(rbuf[i], len, &id, &flags, &payload, &plen))
				continue;
			s = id & 0xffff;
			if (s >= nslots || !slots[s].sent_ns || (id >> 16) != slots[s].gen)
				continue; /* a reply to a request already declared lost */
			if (ul_record(t, now - slots[s].sent_ns)) {
				t->err = -ENOMEM;
				break;
			}
			slots[s].sent_ns = 0;
			t->ok++;
			if (flags & AKV_F_KERNEL)
				t->kernel++;
			if (plen && payload[0] == '-')
				t->errors++;
			else if (plen >= 3 && memcmp(payload, "$-1", 3) == 0)
				t->nil++;
			ul_prepare(t, slots, s, &sm[n], &siov[n], &sbuf[n]);
			sl[n++] = s;
		}
		if (n && !t->err)
			t->err = ul_send(t, slots, sl, sm, n);
	}
out:
	if (t->fd >= 0)
		close(t->fd);
	free(slots);
	free(sl);
	free(sm);
	free(siov);
	free(sbuf);
	return NULL;
}

static int ul_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double ul_pct(const uint32_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i] / 1000.0;
}

static void ul_usage(void)
{
	fprintf(stderr,
		"usage: udp_load [-h HOST] [-p PORT] [-c INFLIGHT] [-t SECONDS] [-T THREADS]\n"
		"                [-k KEYS] [-r] [-a PASSWORD | --token HEX] [--cmd "
		"GET|EXISTS|STRLEN|TTL]\n"
		"                [--lost-ms MS]\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"token", required_argument, NULL, 'K'},
	    {"cmd", required_argument, NULL, 'C'},
	    {"lost-ms", required_argument, NULL, 'L'},
	    {NULL, 0, NULL, 0},
	};
	struct ul_conf c = {.host = "127.0.0.1",
			    .port = 6379,
			    .inflight = 64,
			    .secs = 5,
			    .threads = 1,
			    .keys = 1,
			    .cmd = "GET",
			    .lost_ms = 1000};
	const char *password = NULL;
	struct ul_thread *th;
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res;
	uint64_t tot[6] = {0};
	uint32_t *all;
	size_t nall = 0;
	double secs;
	uint64_t t0;
	char port[16];
	int opt, i, ret, rc = 0;

	while ((opt = getopt_long(argc, argv, "h:p:c:t:T:k:ra:", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			c.host = optarg;
			break;
		case 'p':
			c.port = atoi(optarg);
			break;
		case 'c':
			c.inflight = atoi(optarg);
			break;
		case 't':
			c.secs = atof(optarg);
			break;
		case 'T':
			c.threads = atoi(optarg);
			break;
		case 'k':
			c.keys = atoi(optarg);
			break;
		case 'r':
			c.random_keys = 1;
			break;
		case 'a':
			password = optarg;
			break;
		case 'K':
			c.token = strtoull(optarg, NULL, 16);
			break;
		case 'C':
			c.cmd = optarg;
			break;
		case 'L':
			c.lost_ms = atoi(optarg);
			break;
		default:
			ul_usage();
			return 2;
		}
	}
	if (c.port <= 0 || c.port > 65535 || c.inflight <= 0 || c.inflight > UL_MAX_SLOT ||
	    c.secs <= 0 || c.threads <= 0 || c.threads > 64 || c.keys <= 0 || c.lost_ms <= 0) {
		ul_usage();
		return 2;
	}
	if (password) {
		/* the token comes from the server (ARENAKV.FASTTOKEN over TCP, after AUTH) */
		struct akv_options o = {.host = c.host, .port = c.port, .password = password};
		struct akv_client *cl;

		ret = akv_open(&cl, &o);
		if (!ret) {
			ret = akv_fetch_token(cl, &c.token);
			if (ret)
				fprintf(stderr, "udp_load: token: %s\n", akv_errstr(cl));
			akv_close(cl);
		}
		if (ret)
			return 1;
	}
	snprintf(port, sizeof(port), "%d", c.port);
	ret = getaddrinfo(c.host, port, &hints, &res);
	if (ret) {
		fprintf(stderr, "udp_load: %s: %s\n", c.host, gai_strerror(ret));
		return 1;
	}
	memcpy(&c.addr, res->ai_addr, res->ai_addrlen);
	c.addrlen = res->ai_addrlen;
	freeaddrinfo(res);

	{
		/* the longest request this run sends must fit a send buffer */
		char key[32], buf[UL_FRAME];
		const char *av[] = {c.cmd, key};

		snprintf(key, sizeof(key), "key:%012d", c.keys - 1);
		if (akv_frame_encode(buf, sizeof(buf), 0, c.token, 2, av, NULL) < 0) {
			fprintf(stderr, "udp_load: command too long\n");
			return 2;
		}
	}

	th = calloc(c.threads, sizeof(*th));
	if (!th)
		return 1;
	t0 = ul_now_ns();
	for (i = 0; i < c.threads; i++) {
		th[i].conf = &c;
		th[i].fd = -1;
		th[i].seed = 0x9e3779b9u * (i + 1) ^ (unsigned)t0;
		if (pthread_create(&th[i].th, NULL, ul_run, &th[i])) {
			fprintf(stderr, "udp_load: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < c.threads; i++) {
		pthread_join(th[i].th, NULL);
		if (th[i].err) {
			fprintf(stderr, "udp_load: thread %d: %s\n", i, strerror(-th[i].err));
			rc = 1;
		}
		tot[0] += th[i].requests;
		tot[1] += th[i].ok;
		tot[2] += th[i].kernel;
		tot[3] += th[i].errors;
		tot[4] += th[i].nil;
		tot[5] += th[i].lost;
		nall += th[i].nlat;
	}
	secs = (ul_now_ns() - t0) / 1e9;
	all = malloc((nall ? nall : 1) * sizeof(*all));
	if (!all)
		return 1;
	nall = 0;
	for (i = 0; i < c.threads; i++) {
		if (th[i].nlat)
			memcpy(all + nall, th[i].lat_ns, th[i].nlat * sizeof(*all));
		nall += th[i].nlat;
		free(th[i].lat_ns);
	}
	qsort(all, nall, sizeof(*all), ul_cmp);
	printf("requests=%llu ok=%llu kernel=%llu errors=%llu nil=%llu lost=%llu secs=%.2f "
	       "rps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n",
	       (unsigned long long)tot[0], (unsigned long long)tot[1], (unsigned long long)tot[2],
	       (unsigned long long)tot[3], (unsigned long long)tot[4], (unsigned long long)tot[5],
	       secs, tot[1] / secs, ul_pct(all, nall, 0.50), ul_pct(all, nall, 0.99),
	       ul_pct(all, nall, 0.999), nall ? all[nall - 1] / 1000.0 : 0.0);
	free(all);
	free(th);
	if (!tot[1]) {
		fprintf(stderr, "udp_load: no reply at all (is UDP enabled on %s:%d?)\n", c.host,
			c.port);
		rc = 1;
	}
	return rc;
}
