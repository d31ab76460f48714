// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_client.c - unit tests of libarenakv-client's UDP side (client/arenakv.c) against an
 * in-process mock server, so every wire rule is checked without arenakv-server or BPF:
 * frame encoding (header fields, RESP multibulk), reply matching by request id, dropping of
 * stale and foreign datagrams, retries with the same id and doubling waits, the timeout,
 * ECONNREFUSED from ICMP, oversized requests, malformed reply payloads and the token.
 *
 * The mock is one thread on an ephemeral 127.0.0.1 UDP port; the test thread sets `mock.mode`
 * (and counters) before each client call and reads what the mock saw after it. The mock only
 * touches the mock struct between the client's send and the client's return (the client blocks
 * until the reply or its timeout), so plain fields plus the atomic `seen` counter suffice.
 * Prints "N passed, M failed"; exit 1 if anything failed.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arenakv.h"
#include "unit/unit_test.h"

#define S(lit) lit, sizeof(lit) - 1

enum mock_mode {
	MOCK_ECHO,     /* reply "$N\r\n<request RESP>\r\n", the request's bytes as a bulk */
	MOCK_SILENT,   /* never reply */
	MOCK_NOISE,    /* first a reply with id-1, a non-reply, a bad magic, then the real one */
	MOCK_TRAILING, /* a reply payload holding two replies */
	MOCK_PARTIAL,  /* a reply payload cut in the middle of a bulk */
	MOCK_KERNEL,   /* reply "+OK" with REPLY|KERNEL */
};

static struct {
	int fd;
	int port;
	volatile int stop;
	volatile enum mock_mode mode;
	volatile int drop; /* requests to ignore before answering (retry tests) */
	int seen;	   /* datagrams received (atomic) */
	uint32_t ids[16];  /* ids of the last datagrams, ring */
	uint64_t token;
	uint8_t version, flags;
	uint16_t magic;
	char req[2048];
	size_t req_len;
} mock;

static void mock_reply(const struct sockaddr_in *to, uint32_t id, unsigned flags,
		       const void *payload, size_t len)
{
	char out[4096];
	uint16_t magic = htons(0xAE4B);
	uint32_t nid = htonl(id);
	uint64_t tok = 0;

	memcpy(out, &magic, 2);
	out[2] = 1;
	out[3] = (char)flags;
	memcpy(out + 4, &nid, 4);
	memcpy(out + 8, &tok, 8);
	memcpy(out + 16, payload, len);
	if (sendto(mock.fd, out, 16 + len, 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
		perror("mock sendto");
}

static void *mock_main(void *arg)
{
	char buf[70000];

	while (!mock.stop) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(mock.fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		uint32_t id;
		int k;

		if (n < 16)
			continue;
		memcpy(&mock.magic, buf, 2);
		mock.magic = ntohs(mock.magic);
		mock.version = buf[2];
		mock.flags = buf[3];
		memcpy(&id, buf + 4, 4);
		id = ntohl(id);
		memcpy(&mock.token, buf + 8, 8);
		mock.token = be64toh(mock.token);
		mock.req_len =
		    (size_t)n - 16 < sizeof(mock.req) ? (size_t)n - 16 : sizeof(mock.req);
		memcpy(mock.req, buf + 16, mock.req_len);
		k = __atomic_fetch_add(&mock.seen, 1, __ATOMIC_SEQ_CST);
		mock.ids[k % 16] = id;
		if (mock.drop > 0) {
			mock.drop--;
			continue;
		}
		switch (mock.mode) {
		case MOCK_SILENT:
			break;
		case MOCK_NOISE: {
			char bad[20] = {0};

			mock_reply(&from, id - 1, 0x01, "+STALE\r\n", 8);
			mock_reply(&from, id, 0x00, "+NOTREPLY\r\n", 11);
			sendto(mock.fd, bad, sizeof(bad), 0, (struct sockaddr *)&from, flen);
			mock_reply(&from, id, 0x01, "+RIGHT\r\n", 8);
			break;
		}
		case MOCK_TRAILING:
			mock_reply(&from, id, 0x01, "+A\r\n+B\r\n", 8);
			break;
		case MOCK_PARTIAL:
			mock_reply(&from, id, 0x01, "$10\r\nabc", 8);
			break;
		case MOCK_KERNEL:
			mock_reply(&from, id, 0x03, "+OK\r\n", 5);
			break;
		case MOCK_ECHO:
		default: {
			char p[4096];
			int h = snprintf(p, sizeof(p), "$%zu\r\n", (size_t)n - 16);

			if ((size_t)n - 16 + h + 2 > sizeof(p))
				break;
			memcpy(p + h, buf + 16, n - 16);
			memcpy(p + h + n - 16, "\r\n", 2);
			mock_reply(&from, id, 0x01, p, h + n - 16 + 2);
			break;
		}
		}
	}
	return NULL;
}

static int mock_start(pthread_t *th)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {0, 100000};
	socklen_t len = sizeof(a);

	mock.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (mock.fd < 0 || bind(mock.fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(mock.fd, (struct sockaddr *)&a, &len) ||
	    setsockopt(mock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -errno;
	mock.port = ntohs(a.sin_port);
	return -pthread_create(th, NULL, mock_main, NULL);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_codec(void)
{
	const char *argv[] = {"GET", "key"};
	char buf[128];
	const char *payload;
	size_t plen;
	uint32_t id;
	unsigned flags;
	redisReply *r;
	long n;
	static char big[70000];

	n = akv_frame_encode(buf, sizeof(buf), 0x01020304, 0x1122334455667788ull, 2, argv, NULL);
	CHECK(n == 16 + (long)strlen("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"));
	CHECK((unsigned char)buf[0] == 0xAE && (unsigned char)buf[1] == 0x4B);
	CHECK(buf[2] == 1 && buf[3] == 0);
	CHECK(memcmp(buf + 4, "\x01\x02\x03\x04", 4) == 0);
	CHECK(memcmp(buf + 8, "\x11\x22\x33\x44\x55\x66\x77\x88", 8) == 0);
	CHECK(memcmp(buf + 16, "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", n - 16) == 0);
	/* a request is not a reply */
	CHECK(akv_frame_decode(buf, n, &id, &flags, &payload, &plen) == -EBADMSG);
	buf[3] = 0x03;
	CHECK(akv_frame_decode(buf, n, &id, &flags, &payload, &plen) == 0);
	CHECK(id == 0x01020304 && flags == 3 && payload == buf + 16 && plen == (size_t)n - 16);
	CHECK(akv_frame_decode(buf, 15, &id, &flags, &payload, &plen) == -EBADMSG);
	buf[2] = 2;
	CHECK(akv_frame_decode(buf, n, &id, &flags, &payload, &plen) == -EBADMSG);
	/* too small a buffer, and a request bigger than one datagram */
	CHECK(akv_frame_encode(buf, 20, 1, 0, 2, argv, NULL) == -EMSGSIZE);
	{
		const char *a2[] = {"SET", "k", big};
		size_t l2[] = {3, 1, sizeof(big)};
		static char dg[AKV_MAX_DATAGRAM];

		CHECK(akv_frame_encode(dg, sizeof(dg), 1, 0, 3, a2, l2) == -EMSGSIZE);
	}
	/* binary-safe arguments */
	{
		const char *a3[] = {"GET", "a\0b\r\n"};
		size_t l3[] = {3, 5};

		n = akv_frame_encode(buf, sizeof(buf), 1, 0, 2, a3, l3);
		CHECK(n == 16 + 24 && memcmp(buf + 16 + 13, "$5\r\na\0b\r\n\r\n", 11) == 0);
	}
	CHECK(akv_parse_reply(S("*2\r\n$1\r\na\r\n:5\r\n"), &r) == 0);
	CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->integer == 5);
	akv_reply_free(r);
	CHECK(akv_parse_reply("$-1\r\n", 5, &r) == 0 && r && r->type == REDIS_REPLY_NIL);
	akv_reply_free(r);
	CHECK(akv_parse_reply("+OK\r\n+OK\r\n", 10, &r) == -EBADMSG && !r);
	CHECK(akv_parse_reply("$3\r\nab", 6, &r) == -EBADMSG && !r);
	CHECK(akv_parse_reply("", 0, &r) == -EBADMSG && !r);
	CHECK(akv_parse_reply("?x\r\n", 4, &r) == -EBADMSG && !r);
}

static void test_udp(void)
{
	struct akv_options o = {.host = "127.0.0.1", .timeout_ms = 50, .retries = 2};
	const char *argv[] = {"GET", "k"};
	struct akv_client *c;
	struct akv_udp_stats st;
	redisReply *r;
	unsigned flags;
	double t0, dt;
	int ret, seen0;
	uint32_t id1, id2;

	o.port = mock.port;
	CHECK(akv_open(&c, &o) == 0);
	if (!c)
		return;

	/* echo: the server received exactly our encoding, with token 0 and flags 0 */
	mock.mode = MOCK_ECHO;
	ret = akv_fast_command(c, 2, argv, NULL, &r, &flags);
	CHECK(ret == 0 && r && r->type == REDIS_REPLY_STRING);
	CHECK(r && r->len == 20 && memcmp(r->str, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", 20) == 0);
	CHECK(flags == AKV_F_REPLY);
	CHECK(mock.magic == 0xAE4B && mock.version == 1 && mock.flags == 0 && mock.token == 0);
	akv_reply_free(r);
	id1 = mock.ids[(mock.seen - 1) % 16];
	ret = akv_fast_command(c, 2, argv, NULL, &r, NULL);
	akv_reply_free(r);
	id2 = mock.ids[(mock.seen - 1) % 16];
	CHECK(ret == 0 && id2 == id1 + 1);

	/* two requests dropped: the third send (same id) gets the answer */
	seen0 = mock.seen;
	mock.drop = 2;
	t0 = now_ms();
	ret = akv_fast_command(c, 2, argv, NULL, &r, NULL);
	dt = now_ms() - t0;
	akv_reply_free(r);
	CHECK(ret == 0 && mock.seen - seen0 == 3);
	CHECK(mock.ids[seen0 % 16] == mock.ids[(seen0 + 1) % 16] &&
	      mock.ids[seen0 % 16] == mock.ids[(seen0 + 2) % 16]);
	/* waited 50 + 100 ms before the third attempt (backoff doubles) */
	CHECK(dt >= 145 && dt < 1000);

	/* silence: 1 + 2 attempts, 50 + 100 + 200 ms, then -ETIMEDOUT */
	mock.mode = MOCK_SILENT;
	seen0 = mock.seen;
	t0 = now_ms();
	ret = akv_fast_command(c, 2, argv, NULL, &r, NULL);
	dt = now_ms() - t0;
	CHECK(ret == -ETIMEDOUT && r == NULL);
	CHECK(mock.seen - seen0 == 3);
	CHECK(dt >= 345 && dt < 1500);

	/* stale id, non-reply and garbage are dropped; the right reply is returned */
	mock.mode = MOCK_NOISE;
	akv_udp_stats(c, &st);
	ret = akv_fast_command(c, 2, argv, NULL, &r, NULL);
	CHECK(ret == 0 && r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "RIGHT") == 0);
	akv_reply_free(r);
	{
		struct akv_udp_stats st2;

		akv_udp_stats(c, &st2);
		CHECK(st2.dropped - st.dropped == 3);
		CHECK(st2.timeouts == 1);
	}

	mock.mode = MOCK_TRAILING;
	CHECK(akv_fast_command(c, 2, argv, NULL, &r, NULL) == -EBADMSG && !r);
	mock.mode = MOCK_PARTIAL;
	CHECK(akv_fast_command(c, 2, argv, NULL, &r, NULL) == -EBADMSG && !r);

	mock.mode = MOCK_KERNEL;
	ret = akv_fast_command(c, 2, argv, NULL, &r, &flags);
	CHECK(ret == 0 && flags == (AKV_F_REPLY | AKV_F_KERNEL));
	akv_reply_free(r);
	akv_udp_stats(c, &st);
	CHECK(st.kernel == 1);

	/* the raw payload, exactly as received */
	{
		const char *p;
		size_t len;

		CHECK(akv_fast_command_raw(c, 2, argv, NULL, &p, &len, &flags) == 0);
		CHECK(len == 5 && memcmp(p, "+OK\r\n", 5) == 0);
	}

	/* explicit token goes into the header */
	akv_set_token(c, 0xfeedfacecafebeefull);
	mock.mode = MOCK_ECHO;
	ret = akv_fast_command(c, 2, argv, NULL, &r, NULL);
	akv_reply_free(r);
	CHECK(ret == 0 && mock.token == 0xfeedfacecafebeefull);

	CHECK(akv_set_udp_policy(c, 0, 1) == -EINVAL);
	CHECK(akv_set_udp_policy(c, 10, 0) == 0);
	mock.mode = MOCK_SILENT;
	seen0 = mock.seen;
	CHECK(akv_fast_command(c, 2, argv, NULL, &r, NULL) == -ETIMEDOUT);
	CHECK(mock.seen - seen0 == 1);
	akv_close(c);
}

static void test_refused(void)
{
	struct akv_options o = {.host = "127.0.0.1", .timeout_ms = 200, .retries = 1};
	const char *argv[] = {"PING"};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	struct akv_client *c;
	redisReply *r;
	int fd, ret;

	/* a port that was free a moment ago: bind, read it back, close */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	      getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	close(fd);
	o.port = ntohs(a.sin_port);
	CHECK(akv_open(&c, &o) == 0);
	ret = akv_fast_command(c, 1, argv, NULL, &r, NULL);
	CHECK(ret == -ECONNREFUSED);
	/* TCP to the same port: nothing listens either */
	CHECK(akv_command(c, 1, argv, NULL, &r) < 0 && r == NULL);
	CHECK(akv_errstr(c)[0] != 0);
	akv_close(c);

	CHECK(akv_open(&c, &(struct akv_options){.host = "no-such-host.invalid"}) < 0);
}

int main(void)
{
	pthread_t th;
	int ret = mock_start(&th);

	if (ret) {
		fprintf(stderr, "mock server: %s\n", strerror(-ret));
		return 1;
	}
	test_codec();
	test_udp();
	test_refused();
	mock.stop = 1;
	pthread_join(th, NULL);
	close(mock.fd);
	return ut_done();
}
