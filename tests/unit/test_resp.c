// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_resp.c - unit tests of server/resp.c (request parser, output buffer) and
 * server/reply.c (RESP2/RESP3 reply encoding).
 *
 * The parser is driven the way conn.c drives it: a query buffer that grows by reads,
 * qb_pos advanced by *consumed after each call. To prove the "resumable, movable"
 * contract, the simulated connection copies the unconsumed bytes into a FRESH allocation
 * before every call after a need-more (so any pointer the parser kept across calls would
 * read freed memory under ASan/valgrind and produce wrong args here).
 *
 * Every case is checked three ways: whole buffer at once, split at every byte boundary
 * into two reads, and one byte per read. The outcome (commands and their args, or the
 * exact error text) must be identical. Expected error texts are Redis 7.0.15's (checked
 * against the real server with raw sockets). Prints "N passed, M failed".
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "reply.h"
#include "resp.h"
#include "server.h"
#include "unit/unit_test.h"

/* Internal sanity checks of the harness: count only when they fail. */
#define SANE(cond)                                                                                 \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			ut_failed++;                                                               \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);         \
		}                                                                                  \
	} while (0)

/* ---- a growable string for transcripts ---- */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_add(struct sbuf *s, const void *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		if (!s->p)
			abort();
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void sb_str(struct sbuf *s, const char *str)
{
	sb_add(s, str, strlen(str));
}

/*
 * Feed input[0..len) in pieces: cuts[] are the lengths of successive reads (the rest
 * comes in one last read). Returns a transcript: each command as "[a][b]|", an error as
 * "E:<text>", and "+<n>" for bytes left unconsumed at the end (an incomplete request).
 */
struct feed_opts {
	long long max_bulk;
	int unauth;
	int max_cmds; /* stop after this many commands (0 = no limit) */
};

static char *feed(const char *input, size_t len, const size_t *cuts, int ncuts,
		  const struct feed_opts *o)
{
	struct resp_parser p;
	struct sbuf t = {0};
	char *qbuf = NULL;
	size_t qlen = 0, fed = 0;
	int cut = 0, cmds = 0;

	resp_parser_init(&p);
	if (o && o->max_bulk)
		p.max_bulk_len = o->max_bulk;
	if (o)
		p.unauthenticated = o->unauth;
	sb_str(&t, "");
	for (;;) {
		size_t consumed = 0;
		struct arg *argv = NULL;
		const char *err = NULL;
		int argc = 0, r, i;

		r = resp_parse_request(&p, qbuf, qlen, &consumed, &argv, &argc, &err);
		if (r < 0) {
			SANE(r == -EPROTO && err != NULL);
			sb_str(&t, "E:");
			sb_str(&t, err ? err : "(null)");
			break;
		}
		SANE(consumed <= qlen);
		if (r == 1) {
			SANE(argc >= 1);
			for (i = 0; i < argc; i++) {
				sb_str(&t, "[");
				sb_add(&t, argv[i].ptr, argv[i].len);
				sb_str(&t, "]");
			}
			sb_str(&t, "|");
			cmds++;
		}
		/* Drop consumed bytes into a fresh allocation: the parser must not keep
		 * pointers across calls. */
		{
			size_t rest = qlen - consumed;
			char *nb = malloc(rest + 1);

			if (!nb)
				abort();
			if (rest)
				memcpy(nb, qbuf + consumed, rest);
			free(qbuf);
			qbuf = nb;
			qlen = rest;
		}
		if (o && o->max_cmds && cmds >= o->max_cmds)
			break;
		if (r == 1)
			continue;
		/* Need more: read the next piece. */
		if (fed == len)
			break;
		{
			size_t n = cut < ncuts ? cuts[cut++] : len - fed;
			char *nb;

			if (n > len - fed)
				n = len - fed;
			nb = malloc(qlen + n + 1);
			if (!nb)
				abort();
			if (qlen)
				memcpy(nb, qbuf, qlen);
			memcpy(nb + qlen, input + fed, n);
			free(qbuf);
			qbuf = nb;
			qlen += n;
			fed += n;
		}
	}
	if (qlen && !strstr(t.p, "E:")) {
		char num[32];

		snprintf(num, sizeof(num), "+%zu", qlen);
		sb_str(&t, num);
	}
	free(qbuf);
	resp_parser_free(&p);
	return t.p;
}

static char *feed_whole(const char *in, size_t len, const struct feed_opts *o)
{
	return feed(in, len, NULL, 0, o);
}

/* Check that whole / every 2-way split / byte-by-byte all give `want`. */
static void expect_o(const char *in, size_t len, const char *want, const struct feed_opts *o,
		     int line)
{
	char *got = feed_whole(in, len, o);
	size_t k;
	int ok = strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "line %d whole: got  '%s'\n              want '%s'\n", line, got,
			want);
	CHECK(ok);
	free(got);
	for (k = 1; k < len; k++) {
		got = feed(in, len, &k, 1, o);
		if (strcmp(got, want) != 0) {
			fprintf(stderr, "line %d split at %zu: got '%s' want '%s'\n", line, k, got,
				want);
			ut_failed++;
			free(got);
			return;
		}
		free(got);
	}
	ut_passed++;
	{
		size_t *ones = malloc(len * sizeof(*ones) + 1);

		for (k = 0; k < len; k++)
			ones[k] = 1;
		got = feed(in, len, ones, (int)len, o);
		ok = strcmp(got, want) == 0;
		if (!ok)
			fprintf(stderr, "line %d bytewise: got '%s' want '%s'\n", line, got, want);
		CHECK(ok);
		free(got);
		free(ones);
	}
}

#define EXPECT(lit, want)      expect_o(lit, sizeof(lit) - 1, want, NULL, __LINE__)
#define EXPECT_O(lit, want, o) expect_o(lit, sizeof(lit) - 1, want, o, __LINE__)

static void test_multibulk_valid(void)
{
	EXPECT("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "[SET][k][v]|");
	EXPECT("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "[PING]|[GET][k]|");
	/* empty args and binary payloads with CRLF inside */
	EXPECT("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", "[GET][]|");
	EXPECT("*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\r\n\r\n", "[ECHO][a\r\nb\r\n]|");
	EXPECT("*2\r\n$4\r\nECHO\r\n$3\r\n*1\r\r\n", "[ECHO][*1\r]|");
	/* empty multibulks are skipped, as Redis does */
	EXPECT("*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n", "[PING]|");
	EXPECT("*0\r\n", "");
	EXPECT("*-1\r\n*0\r\n", "");
	/* incomplete requests stay pending */
	EXPECT("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv", "+25");
	EXPECT("*1\r\n$4\r\nPING\r\n*1\r\n", "[PING]|+4");
	EXPECT("*1", "+2");
	EXPECT("*1\r", "+3");
	EXPECT("*1\r\n$4\r", "+7");
	/* Redis does not check the byte after '\r' nor the 2 bytes after a payload */
	EXPECT("*1\r\n$3\r\nfooXY*1\r\n$4\r\nPING\r\n", "[foo]|[PING]|");
	EXPECT("*1\rX$3\r\nfoo\r\n", "[foo]|");
	/* a count up to INT_MAX is accepted without allocating for it */
	EXPECT("*2147483647\r\n$1\r\na\r\n", "+20");
}

static void test_multibulk_errors(void)
{
	const struct feed_opts small = {.max_bulk = 10};
	const struct feed_opts unauth = {.unauth = 1};

	EXPECT("*abc\r\n", "E:" ERR_PROTO_MBULK_LEN);
	EXPECT("*\r\n", "E:" ERR_PROTO_MBULK_LEN);
	EXPECT("*01\r\n", "E:" ERR_PROTO_MBULK_LEN);
	EXPECT("*+1\r\n", "E:" ERR_PROTO_MBULK_LEN);
	EXPECT("* 1\r\n", "E:" ERR_PROTO_MBULK_LEN);
	EXPECT("*1 \r\n", "E:" ERR_PROTO_MBULK_LEN);
	EXPECT("*-0\r\n", "E:" ERR_PROTO_MBULK_LEN);
	EXPECT("*2147483648\r\n", "E:" ERR_PROTO_MBULK_LEN);
	EXPECT("*9223372036854775808\r\n", "E:" ERR_PROTO_MBULK_LEN);
	EXPECT("*99999999999999999999999\r\n", "E:" ERR_PROTO_MBULK_LEN);
	/* bare LF: the count line runs to the next '\r' and is not a number */
	EXPECT("*1\n$4\r\nPING\r\n", "E:" ERR_PROTO_MBULK_LEN);
	EXPECT("*1\r\n$4\nPING\r\n", "E:" ERR_PROTO_BULK_LEN);
	/* A NUL before a line end hides it, as Redis's strchr(): the request waits until the
	 * 64 KiB limit ends it with the "too big" error (see resp.c) */
	EXPECT("*1\0\r\n", "+5");
	{
		/* ... and past the limit it is the "too big" error, as in Redis */
		size_t len = 3 + RESP_INLINE_MAX_SIZE;
		char *big = malloc(len);
		char *got;

		if (!big)
			abort();
		memcpy(big, "*1\0", 3);
		memset(big + 3, 'x', len - 3);
		got = feed_whole(big, len, NULL);
		CHECK(strcmp(got, "E:" ERR_PROTO_MBULK_TOO_BIG) == 0);
		free(got);
		big[0] = 'G'; /* inline: "G1\0xxx..." */
		got = feed_whole(big, len, NULL);
		CHECK(strcmp(got, "E:" ERR_PROTO_INLINE_TOO_BIG) == 0);
		free(got);
		free(big);
	}

	EXPECT("*1\r\n$-1\r\n", "E:" ERR_PROTO_BULK_LEN);
	EXPECT("*1\r\n$abc\r\n", "E:" ERR_PROTO_BULK_LEN);
	EXPECT("*1\r\n$\r\n", "E:" ERR_PROTO_BULK_LEN);
	EXPECT("*1\r\n$01\r\n", "E:" ERR_PROTO_BULK_LEN);
	EXPECT("*1\r\n$+1\r\n", "E:" ERR_PROTO_BULK_LEN);
	EXPECT("*1\r\n$536870913\r\n", "E:" ERR_PROTO_BULK_LEN); /* 512 MiB + 1 */
	EXPECT("*1\r\n$99999999999999999999\r\n", "E:" ERR_PROTO_BULK_LEN);
	EXPECT("*1\r\n$536870912\r\n", "+16"); /* exactly the limit: waits */
	EXPECT_O("*1\r\n$11\r\n", "E:" ERR_PROTO_BULK_LEN, &small);
	EXPECT_O("*1\r\n$10\r\n0123456789\r\n", "[0123456789]|", &small);

	EXPECT("*1\r\nfoo\r\n", "E:ERR Protocol error: expected '$', got 'f'");
	EXPECT("*1\r\n:1\r\n", "E:ERR Protocol error: expected '$', got ':'");
	EXPECT("*2\r\n$1\r\na\r\n*1\r\n", "E:ERR Protocol error: expected '$', got '*'");
	EXPECT("*1\r\n\r\n\r\n", "E:ERR Protocol error: expected '$', got ' '"); /* as Redis */
	EXPECT("*1\r\n\n\r\n", "E:ERR Protocol error: expected '$', got ' '");
	EXPECT("*1\r\n\0\r\n", "+7"); /* the NUL hides the '\r' (strchr) */
	/* an error after complete commands: the commands come first */
	EXPECT("*1\r\n$4\r\nPING\r\n*x\r\n", "[PING]|E:" ERR_PROTO_MBULK_LEN);

	/* before AUTH: at most 10 args and 16 KiB bulks */
	EXPECT_O("*11\r\n", "E:" ERR_PROTO_UNAUTH_MBULK, &unauth);
	EXPECT_O("*10\r\n", "+5", &unauth);
	EXPECT_O("*1\r\n$16385\r\n", "E:" ERR_PROTO_UNAUTH_BULK, &unauth);
	EXPECT_O("*1\r\n$16384\r\n", "+12", &unauth);
	EXPECT_O("*1\r\n$-1\r\n", "E:" ERR_PROTO_BULK_LEN, &unauth);
	EXPECT_O("*x\r\n", "E:" ERR_PROTO_MBULK_LEN, &unauth);
}

static void test_line_limits(void)
{
	size_t max = RESP_INLINE_MAX_SIZE;
	char *b = malloc(max + 64);
	char *got;
	struct feed_opts none = {0};
	size_t cut = 1000;

	/* "*" + 65535 digits: 65536 bytes, no '\r' yet: incomplete; one more: error */
	b[0] = '*';
	memset(b + 1, '1', max);
	got = feed_whole(b, max, &none);
	CHECK(strcmp(got, "+65536") == 0);
	free(got);
	got = feed_whole(b, max + 1, &none);
	CHECK(strcmp(got, "E:" ERR_PROTO_MBULK_TOO_BIG) == 0);
	free(got);
	got = feed(b, max + 1, &cut, 1, &none);
	CHECK(strcmp(got, "E:" ERR_PROTO_MBULK_TOO_BIG) == 0);
	free(got);
	/* '\r' at offset 65536 is inside the window: then the line is just a bad number */
	b[max] = '\r';
	got = feed_whole(b, max + 1, &none);
	CHECK(strcmp(got, "+65537") == 0);
	free(got);
	b[max + 1] = '\n';
	got = feed_whole(b, max + 2, &none);
	CHECK(strcmp(got, "E:" ERR_PROTO_MBULK_LEN) == 0);
	free(got);

	/* bulk count line */
	memcpy(b, "*1\r\n$", 5);
	memset(b + 5, '1', max);
	got = feed_whole(b, 4 + max, &none);
	CHECK(strcmp(got, "+65540") == 0);
	free(got);
	got = feed_whole(b, 4 + max + 1, &none);
	CHECK(strcmp(got, "E:" ERR_PROTO_BULK_TOO_BIG) == 0);
	free(got);
	got = feed(b, 4 + max + 1, &cut, 1, &none);
	CHECK(strcmp(got, "E:" ERR_PROTO_BULK_TOO_BIG) == 0);
	free(got);

	/* inline: '\n' may be at offset <= 65536 */
	memset(b, 'a', max + 2);
	got = feed_whole(b, max, &none);
	CHECK(strcmp(got, "+65536") == 0);
	free(got);
	got = feed_whole(b, max + 1, &none);
	CHECK(strcmp(got, "E:" ERR_PROTO_INLINE_TOO_BIG) == 0);
	free(got);
	b[max] = '\n';
	got = feed_whole(b, max + 1, &none);
	CHECK(got[0] == '[' && strlen(got) == max + 3);
	free(got);
	got = feed(b, max + 1, &cut, 1, &none);
	CHECK(got[0] == '[' && strlen(got) == max + 3);
	free(got);
	b[max] = 'a';
	b[max + 1] = '\n'; /* '\n' at 65537: too big, however it arrives */
	got = feed_whole(b, max + 2, &none);
	CHECK(strcmp(got, "E:" ERR_PROTO_INLINE_TOO_BIG) == 0);
	free(got);
	got = feed(b, max + 2, &cut, 1, &none);
	CHECK(strcmp(got, "E:" ERR_PROTO_INLINE_TOO_BIG) == 0);
	free(got);
	free(b);
}

static void test_inline(void)
{
	EXPECT("PING\r\n", "[PING]|");
	EXPECT("PING\n", "[PING]|");
	EXPECT("  SET   k\tv  \r\n", "[SET][k][v]|");
	EXPECT("\r\n\n   \r\nPING\r\n", "[PING]|"); /* blank lines are skipped */
	EXPECT("PING\r\nPING\nECHO x\r\n", "[PING]|[PING]|[ECHO][x]|");
	EXPECT("PING", "+4");
	EXPECT("PING\r", "+5");
	EXPECT("SET \"a b\" 'c d'\r\n", "[SET][a b][c d]|");
	EXPECT("ECHO \"\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\\"\"\n", "[ECHO][AJ\n\r\t\b\a\\\"]|");
	EXPECT("ECHO \"\\xZZ\"\n", "[ECHO][xZZ]|");
	EXPECT("ECHO \"\\x4\"\n", "[ECHO][x4]|");
	EXPECT("ECHO 'it\\'s' 'a\\nb'\n", "[ECHO][it's][a\\nb]|");
	EXPECT("ECHO foo\"bar\"\n", "[ECHO][foobar]|");
	EXPECT("ECHO \"\"\n", "[ECHO][]|");
	EXPECT("ECHO ''\n", "[ECHO][]|");
	EXPECT("ECHO \"a\"\t'b'\n", "[ECHO][a][b]|");
	EXPECT("GET\ra\r\n", "[GET][a]|");		    /* a lone CR separates like a space */
	EXPECT("GET a\0b c\r\nPING\n", "+16"); /* a NUL hides the '\n' (strchr) */
	EXPECT("\0\nPING\n", "+7");
	EXPECT("ECHO \"a\"b\n", "E:" ERR_PROTO_QUOTES);
	EXPECT("ECHO 'a'b\n", "E:" ERR_PROTO_QUOTES);
	EXPECT("ECHO \"abc\n", "E:" ERR_PROTO_QUOTES);
	EXPECT("ECHO 'abc\r\n", "E:" ERR_PROTO_QUOTES);
	EXPECT("ECHO \"a\\\"\n", "E:" ERR_PROTO_QUOTES);
	EXPECT("ECHO 'a\\'\n", "E:" ERR_PROTO_QUOTES);
	EXPECT("ECHO \"a\\\n", "E:" ERR_PROTO_QUOTES);
	EXPECT("PING\r\nECHO \"x\n", "[PING]|E:" ERR_PROTO_QUOTES);
	/* inline and multibulk mixed in one pipeline */
	EXPECT("PING\r\n*1\r\n$4\r\nPING\r\nECHO a\n", "[PING]|[PING]|[ECHO][a]|");
}

/*
 * Property test: random request streams (valid pieces, then random byte mutations) must
 * give the same transcript whole, in random splits and byte by byte, errors included.
 * Fixed seed so a failure reproduces.
 */
static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void test_random_streams(void)
{
	static const char *pieces[] = {
	    "*1\r\n$4\r\nPING\r\n",
	    "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
	    "*0\r\n",
	    "*-1\r\n",
	    "PING\r\n",
	    "ECHO \"a\\x41 b\" 'c'\n",
	    "\r\n",
	    "*2\r\n$1\r\na\r\n$0\r\n\r\n",
	    "*1\r\n$5\r\na\r\nbc\r\n",
	    "SET k \"v\\n\"\r\n",
	};
	static const char noise[] = "*$\r\n0123-+ \"'\\xa\0:";
	int iter, bad = 0, errors = 0;

	for (iter = 0; iter < 3000 && bad < 5; iter++) {
		char in[400];
		size_t len = 0, k, cuts[8];
		int np = 1 + (int)rnd(6), i, m;
		char *whole, *got;

		for (i = 0; i < np; i++) {
			const char *pc = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
			size_t pl = strlen(pc);

			memcpy(in + len, pc, pl);
			len += pl;
		}
		m = (int)rnd(3); /* 0..2 mutations */
		for (i = 0; i < m; i++)
			in[rnd((unsigned)len)] = noise[rnd(sizeof(noise) - 1)];
		whole = feed_whole(in, len, NULL);
		if (strstr(whole, "E:"))
			errors++;
		for (i = 0; i < 4; i++) {
			int nc = 1 + (int)rnd(7), j;

			for (j = 0; j < nc; j++)
				cuts[j] = 1 + rnd(8);
			got = feed(in, len, cuts, nc, NULL);
			if (strcmp(got, whole) != 0) {
				fprintf(stderr, "random stream %d: split differs: '%s' vs '%s'\n",
					iter, got, whole);
				bad++;
			}
			free(got);
		}
		{
			size_t ones[400];

			for (k = 0; k < len; k++)
				ones[k] = 1;
			got = feed(in, len, ones, (int)len, NULL);
			if (strcmp(got, whole) != 0) {
				fprintf(stderr, "random stream %d: bytewise differs\n", iter);
				bad++;
			}
			free(got);
		}
		free(whole);
	}
	CHECK(bad == 0);
	CHECK(errors > 300); /* the mutations do reach the error paths */
	printf("random streams: %d of %d ended in a protocol error\n", errors, iter);
}

static void test_split_args_api(void)
{
	struct arg *argv = NULL;
	int cap = 0, argc = -1;
	char out[64];
	const char *line = "set \"\\x00\\xff\" x";

	CHECK(resp_split_args(line, strlen(line), out, &argv, &cap, &argc) == 0);
	CHECK(argc == 3 && argv[1].len == 2 && argv[1].ptr[0] == 0 &&
	      (unsigned char)argv[1].ptr[1] == 0xff);
	CHECK(resp_split_args("", 0, out, &argv, &cap, &argc) == 0 && argc == 0);
	CHECK(resp_split_args("a \"b", 4, out, &argv, &cap, &argc) == -EINVAL);
	free(argv);
}

/* A pipeline mixing every valid form, checked at every split point. */
static void test_pipeline_splits(void)
{
	static const char in[] = "*3\r\n$3\r\nSET\r\n$5\r\nk\r\n\r\n\r\n$0\r\n\r\n"
				 "*0\r\n"
				 "PING\r\n"
				 "  ECHO \"a b\\x41\" 'c'  \n"
				 "\r\n"
				 "*2\r\n$4\r\nECHO\r\n$12\r\n*1\r\n$4\r\nPING\r\n"
				 "*-1\r\n"
				 "*1\r\n$4\r\nQUIT\r\n";

	EXPECT(in, "[SET][k\r\n\r\n][]|[PING]|[ECHO][a bA][c]|[ECHO][*1\r\n$4\r\nPING]|[QUIT]|");
}

static void test_many_commands(void)
{
	const char one[] = "*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n";
	size_t n = 10000, l = sizeof(one) - 1, i, pos = 0;
	char *buf = malloc(n * l);
	struct resp_parser p;
	int count = 0, ok = 1;

	for (i = 0; i < n; i++)
		memcpy(buf + i * l, one, l);
	resp_parser_init(&p);
	for (;;) {
		size_t consumed;
		struct arg *argv;
		const char *err;
		int argc, r;

		r = resp_parse_request(&p, buf + pos, n * l - pos, &consumed, &argv, &argc, &err);
		pos += consumed;
		if (r != 1)
			break;
		count++;
		/* zero copy: args point into the caller's buffer */
		if (argc != 2 || argv[0].ptr < buf || argv[1].ptr + argv[1].len > buf + n * l ||
		    argv[1].len != 3 || memcmp(argv[1].ptr, "ctr", 3))
			ok = 0;
	}
	CHECK(count == (int)n && ok && pos == n * l);
	CHECK(!resp_parser_busy(&p));
	resp_parser_free(&p);
	free(buf);
}

/* A 5000-arg request parses; its big argv is released when the next request starts. */
static void test_wide_request(void)
{
	size_t n = 5000, i, len = 0;
	char *buf = malloc(n * 8 + 64);
	struct resp_parser p;
	size_t consumed;
	struct arg *argv;
	const char *err;
	int argc, r;

	len += (size_t)sprintf(buf, "*%zu\r\n", n);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "$1\r\n%c\r\n", (char)('a' + i % 26));
	len += (size_t)sprintf(buf + len, "*1\r\n$4\r\nPING\r\n");
	resp_parser_init(&p);
	r = resp_parse_request(&p, buf, len, &consumed, &argv, &argc, &err);
	CHECK(r == 1 && argc == (int)n && argv[4999].len == 1 &&
	      argv[4999].ptr[0] == 'a' + 4999 % 26);
	CHECK(p.argcap >= (int)n);
	r = resp_parse_request(&p, buf + consumed, len - consumed, &consumed, &argv, &argc, &err);
	CHECK(r == 1 && argc == 1 && p.argcap <= 1024);
	resp_parser_free(&p);
	free(buf);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * A big bulk arriving in small reads into ONE growing buffer (as conn.c keeps it): the
 * parser must ask for header + len + 2 bytes and must not rescan the payload on every
 * read. 8 MiB arriving in 1-byte reads would take minutes if each call were O(n).
 */
static void test_big_bulk_streaming(void)
{
	size_t L = 8u << 20, hdr, total, have = 0, step = 1;
	char *req, head[64];
	struct resp_parser p;
	double t0, ms;
	int r = 0, calls = 0;
	size_t consumed;
	struct arg *argv = NULL;
	const char *err;
	int argc = 0;

	hdr = (size_t)snprintf(head, sizeof(head), "*2\r\n$3\r\nSET\r\n$%zu\r\n", L);
	total = hdr + L + 2;
	req = malloc(total);
	memcpy(req, head, hdr);
	memset(req + hdr, 'v', L);
	req[hdr + 100] = '\r'; /* CR/LF inside the payload mean nothing */
	req[hdr + 101] = '\n';
	memcpy(req + hdr + L, "\r\n", 2);

	resp_parser_init(&p);
	t0 = now_ms();
	while (have < total) {
		have += step;
		if (have > total)
			have = total;
		r = resp_parse_request(&p, req, have, &consumed, &argv, &argc, &err);
		calls++;
		if (r != 0)
			break;
		if (have == hdr + 1) {
			/* header parsed: the parser now knows the whole request size */
			if (resp_parser_need(&p) != total)
				ut_failed++;
			step = 4096; /* then the payload in 4 KiB reads, ... */
		}
		if (have > hdr + L / 2)
			step = 1; /* ... and the tail one byte at a time again */
		if (have > hdr + L / 2 + 300000)
			step = 65536;
	}
	ms = now_ms() - t0;
	CHECK(r == 1 && consumed == total && argc == 2);
	CHECK(argv && argv[1].len == L && argv[1].ptr == req + hdr); /* zero copy */
	CHECK(ms < 3000);
	printf("big bulk: %d parse calls over %zu bytes in %.1f ms\n", calls, total, ms);
	resp_parser_free(&p);
	free(req);
}

/* A 60 KB inline line fed one byte per read parses once complete. (This one checks
 * correctness; memchr is fast enough that rescanning would not show in the time.) */
static void test_no_rescan(void)
{
	size_t n = 60000, have;
	char *line = malloc(n + 1);
	struct resp_parser p;
	size_t consumed;
	struct arg *argv;
	const char *err;
	int argc, r = 0;
	double t0 = now_ms();

	memset(line, 'x', n);
	line[n] = '\n';
	resp_parser_init(&p);
	for (have = 1; have <= n + 1; have++) {
		r = resp_parse_request(&p, line, have, &consumed, &argv, &argc, &err);
		if (r)
			break;
	}
	CHECK(r == 1 && argc == 1 && argv[0].len == n);
	CHECK(now_ms() - t0 < 2000);
	resp_parser_free(&p);
	free(line);
}

/* ---- output buffer ---- */

static size_t ob_text(const struct obuf *o, char *dst, size_t cap)
{
	size_t n = obuf_copy(o, dst, cap - 1);

	dst[n] = '\0';
	return n;
}

static void test_obuf(void)
{
	struct obuf o;
	struct iovec iov[64];
	char big[100000], out[200000];
	size_t i, n, mem0;
	int k;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	obuf_init(&o);
	CHECK(obuf_pending(&o) == 0 && obuf_mem(&o) == 0);
	CHECK(obuf_append(&o, "hello ", 6) == 0);
	CHECK(obuf_append(&o, big, sizeof(big)) == 0);
	CHECK(obuf_append(&o, "!", 1) == 0);
	CHECK(obuf_pending(&o) == 6 + sizeof(big) + 1);
	CHECK(obuf_mem(&o) >= obuf_pending(&o));
	n = obuf_copy(&o, out, sizeof(out));
	CHECK(n == 6 + sizeof(big) + 1 && memcmp(out, "hello ", 6) == 0 &&
	      memcmp(out + 6, big, sizeof(big)) == 0 && out[n - 1] == '!');
	/* iovecs cover exactly the pending bytes, in order */
	k = obuf_iov(&o, iov, 64);
	{
		size_t tot = 0, off = 0;
		int j, same = 1;

		for (j = 0; j < k; j++) {
			if (memcmp(iov[j].iov_base, out + off, iov[j].iov_len))
				same = 0;
			off += iov[j].iov_len;
			tot += iov[j].iov_len;
		}
		CHECK(tot == n && same);
	}
	/* skip = bytes in flight */
	k = obuf_iov_from(&o, 10, iov, 64);
	CHECK(k >= 1 && memcmp(iov[0].iov_base, out + 10, iov[0].iov_len) == 0);
	/* partial consume, then the rest */
	obuf_consume(&o, 3);
	CHECK(obuf_pending(&o) == n - 3);
	obuf_copy(&o, out, sizeof(out));
	CHECK(memcmp(out, "lo ", 3) == 0);
	obuf_consume(&o, 50000);
	obuf_copy(&o, out, sizeof(out));
	CHECK(memcmp(out, big + 50000 - 3, 100) == 0);
	obuf_consume(&o, obuf_pending(&o));
	CHECK(obuf_pending(&o) == 0);
	/* the last normal-sized chunk is kept, big ones are freed */
	CHECK(obuf_mem(&o) <= sizeof(struct obuf_chunk) + OBUF_CHUNK_SIZE);
	mem0 = obuf_mem(&o);
	CHECK(obuf_append(&o, "x", 1) == 0 && obuf_mem(&o) == mem0); /* reused */
	obuf_consume(&o, 1);
	obuf_trim(&o);
	CHECK(obuf_mem(&o) == 0 && o.head == NULL);

	/* reserve/commit */
	{
		char *d = obuf_reserve(&o, 10);

		CHECK(d != NULL);
		memcpy(d, "abc", 3);
		obuf_commit(&o, 3);
		CHECK(ob_text(&o, out, sizeof(out)) == 3 && strcmp(out, "abc") == 0);
	}
	/* deferred header: bytes behind it are not handed out until filled */
	{
		struct obuf_chunk *h = obuf_defer(&o);

		CHECK(h != NULL);
		CHECK(obuf_append(&o, "body", 4) == 0);
		k = obuf_iov(&o, iov, 64);
		CHECK(k == 1 && iov[0].iov_len == 3);
		obuf_fill_deferred(&o, h, "*1\r\n", 4);
		CHECK(ob_text(&o, out, sizeof(out)) == 11 && strcmp(out, "abc*1\r\nbody") == 0);
		CHECK(o.open_defers == 0);
	}
	obuf_free(&o);
	CHECK(obuf_mem(&o) == 0);
}

/* ---- replies ---- */

static struct client cl;

static void cl_reset(int resp)
{
	obuf_free(&cl.out);
	memset(&cl, 0, sizeof(cl));
	obuf_init(&cl.out);
	cl.resp = resp;
}

static int out_is(const char *want, size_t wlen, int line)
{
	static char buf[1 << 21];
	size_t n = obuf_copy(&cl.out, buf, sizeof(buf));
	int ok = n == wlen && memcmp(buf, want, n) == 0;

	if (!ok)
		fprintf(stderr, "line %d: reply '%.*s' (%zu), want '%.*s' (%zu)\n", line,
			(int)(n > 300 ? 300 : n), buf, n, (int)wlen, want, wlen);
	obuf_consume(&cl.out, obuf_pending(&cl.out));
	return ok;
}

#define OUT(lit) CHECK(out_is(lit, sizeof(lit) - 1, __LINE__))

static void set_argv(struct arg *a, int n)
{
	cl.argv = a;
	cl.argc = n;
}

static void test_reply_resp2(void)
{
	void *h, *h2;
	long long before;

	cl_reset(2);
	reply_ok(&cl);
	OUT("+OK\r\n");
	reply_simple(&cl, "PONG");
	OUT("+PONG\r\n");
	before = (long long)srv.stats.total_error_replies;
	reply_error(&cl, ERR_SYNTAX);
	OUT("-ERR syntax error\r\n");
	CHECK((long long)srv.stats.total_error_replies == before + 1);
	reply_error(&cl, "ERR a\r\nb");
	OUT("-ERR a  b\r\n");
	reply_errorf(&cl, ERR_EXPIRE_FMT, "set");
	OUT("-ERR invalid expire time in 'set' command\r\n");
	reply_wrong_arity(&cl, "get");
	OUT("-ERR wrong number of arguments for 'get' command\r\n");
	reply_int(&cl, 0);
	OUT(":0\r\n");
	reply_int(&cl, LLONG_MIN);
	OUT(":-9223372036854775808\r\n");
	reply_bulk(&cl, "foo", 3);
	OUT("$3\r\nfoo\r\n");
	reply_bulk(&cl, "", 0);
	OUT("$0\r\n\r\n");
	reply_bulk(&cl, "a\r\n\0b", 5);
	OUT("$5\r\na\r\n\0b\r\n");
	reply_cstr(&cl, "bar");
	OUT("$3\r\nbar\r\n");
	reply_cstr(&cl, NULL);
	OUT("$-1\r\n");
	reply_bulk_ll(&cl, -42);
	OUT("$3\r\n-42\r\n");
	reply_null(&cl);
	OUT("$-1\r\n");
	reply_null_array(&cl);
	OUT("*-1\r\n");
	reply_empty_array(&cl);
	OUT("*0\r\n");
	reply_array(&cl, 2);
	OUT("*2\r\n");
	reply_map(&cl, 3);
	OUT("*6\r\n");
	reply_set(&cl, 4);
	OUT("*4\r\n");
	reply_bool(&cl, 1);
	reply_bool(&cl, 0);
	OUT(":1\r\n:0\r\n");
	reply_bignum(&cl, "123456789012345678901234567890", 30);
	OUT("$30\r\n123456789012345678901234567890\r\n");
	reply_verbatim(&cl, "hello", 5, "txt");
	OUT("$5\r\nhello\r\n");
	/* doubles: Redis 7.0 addReplyDouble, "%.17g" */
	reply_double(&cl, 1.5);
	OUT("$3\r\n1.5\r\n");
	reply_double(&cl, 3.0);
	OUT("$1\r\n3\r\n");
	reply_double(&cl, 0.1);
	OUT("$19\r\n0.10000000000000001\r\n");
	reply_double(&cl, 1e17);
	OUT("$5\r\n1e+17\r\n");
	reply_double(&cl, -0.0);
	OUT("$2\r\n-0\r\n");
	reply_double(&cl, INFINITY);
	OUT("$3\r\ninf\r\n");
	reply_double(&cl, -INFINITY);
	OUT("$4\r\n-inf\r\n");
	/* deferred, nested */
	h = reply_deferred_len(&cl);
	reply_int(&cl, 1);
	h2 = reply_deferred_len(&cl);
	reply_bulk(&cl, "x", 1);
	reply_bulk(&cl, "y", 1);
	reply_set_deferred_array(&cl, h2, 2);
	reply_int(&cl, 3);
	reply_set_deferred_array(&cl, h, 3);
	OUT("*3\r\n:1\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n:3\r\n");
	h = reply_deferred_len(&cl);
	reply_set_deferred_array(&cl, h, 0);
	OUT("*0\r\n");
	reply_ok(&cl);
	h = reply_deferred_len(&cl);
	reply_bulk(&cl, "k", 1);
	reply_bulk(&cl, "v", 1);
	reply_set_deferred_map(&cl, h, 1);
	OUT("+OK\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
	h = reply_deferred_len(&cl);
	reply_set_deferred_set(&cl, h, 0);
	OUT("*0\r\n");
	CHECK(cl.out.open_defers == 0);
}

static void test_reply_resp3(void)
{
	void *h;

	cl_reset(3);
	reply_null(&cl);
	OUT("_\r\n");
	reply_null_array(&cl);
	OUT("_\r\n");
	reply_map(&cl, 3);
	OUT("%3\r\n");
	reply_set(&cl, 4);
	OUT("~4\r\n");
	reply_array(&cl, 5);
	OUT("*5\r\n");
	reply_bool(&cl, 1);
	reply_bool(&cl, 0);
	OUT("#t\r\n#f\r\n");
	reply_double(&cl, 1.5);
	OUT(",1.5\r\n");
	reply_double(&cl, 1e17);
	OUT(",1e+17\r\n");
	reply_double(&cl, INFINITY);
	OUT(",inf\r\n");
	reply_double(&cl, -INFINITY);
	OUT(",-inf\r\n");
	reply_double(&cl, 0);
	OUT(",0\r\n");
	reply_bignum(&cl, "12345678901234567890", 20);
	OUT("(12345678901234567890\r\n");
	reply_verbatim(&cl, "hello", 5, "txt");
	OUT("=9\r\ntxt:hello\r\n");
	reply_cstr(&cl, NULL);
	OUT("_\r\n");
	h = reply_deferred_len(&cl);
	reply_bulk(&cl, "k", 1);
	reply_int(&cl, 1);
	reply_set_deferred_map(&cl, h, 1);
	OUT("%1\r\n$1\r\nk\r\n:1\r\n");
	h = reply_deferred_len(&cl);
	reply_bulk(&cl, "m", 1);
	reply_set_deferred_set(&cl, h, 1);
	OUT("~1\r\n$1\r\nm\r\n");
}

static void test_reply_modes(void)
{
	void *h;
	long long before;
	__u32 modes[] = {CLIENT_REPLY_OFF, CLIENT_REPLY_SKIP, CLIENT_CLOSE_ASAP};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		cl_reset(2);
		cl.flags = modes[i];
		before = (long long)srv.stats.total_error_replies;
		reply_ok(&cl);
		reply_bulk(&cl, "x", 1);
		reply_error(&cl, ERR_SYNTAX);
		reply_double(&cl, 2.5);
		h = reply_deferred_len(&cl);
		CHECK(h == NULL);
		reply_int(&cl, 1);
		reply_set_deferred_array(&cl, h, 1);
		CHECK(obuf_pending(&cl.out) == 0);
		CHECK((long long)srv.stats.total_error_replies == before + 1);
		CHECK(reply_suppressed(&cl));
	}
	/* CLOSE_AFTER_REPLY still lets the reply out (QUIT's +OK) */
	cl_reset(2);
	cl.flags = CLIENT_CLOSE_AFTER_REPLY;
	reply_ok(&cl);
	OUT("+OK\r\n");
}

static void test_reply_canned(void)
{
	struct arg a1[] = {{"foo", 3}, {"a", 1}, {"b", 1}};
	struct arg a2[] = {{"xx", 2}};
	struct arg a3[] = {{"foo", 3}, {"a\r\nb", 4}, {"c\0d", 3}, {"e", 1}};
	struct arg a4[] = {{"f\0oo", 4}, {"a", 1}};
	struct arg a5[] = {{"client", 6}, {"foo", 3}};
	char x200[200], a100[100], b100[100];
	struct arg a6[] = {{"foo", 3}, {x200, 200}, {"b", 1}};
	struct arg a7[] = {{"foo", 3}, {a100, 100}, {b100, 100}, {"c", 1}};
	static const char *help[] = {"GETNAME", "    Return the name.", NULL};
	struct arg a8[] = {{"client", 6}, {"help", 4}};
	char want[400];
	int n;

	cl_reset(2);
	set_argv(a1, 3);
	reply_unknown_command(&cl);
	OUT("-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
	set_argv(a2, 1);
	reply_unknown_command(&cl);
	OUT("-ERR unknown command 'xx', with args beginning with: \r\n");
	set_argv(a3, 4);
	reply_unknown_command(&cl);
	OUT("-ERR unknown command 'foo', with args beginning with: 'a  b' 'c' 'e' \r\n");
	set_argv(a4, 2);
	reply_unknown_command(&cl);
	OUT("-ERR unknown command 'f', with args beginning with: 'a' \r\n");
	/* 128-byte budget, as observed from redis-server 7.0.15 */
	memset(x200, 'x', sizeof(x200));
	set_argv(a6, 3);
	reply_unknown_command(&cl);
	n = snprintf(want, sizeof(want),
		     "-ERR unknown command 'foo', with args beginning with: '%.128s' \r\n", x200);
	CHECK(out_is(want, (size_t)n, __LINE__));
	memset(a100, 'a', sizeof(a100));
	memset(b100, 'b', sizeof(b100));
	set_argv(a7, 4);
	reply_unknown_command(&cl);
	n = snprintf(want, sizeof(want),
		     "-ERR unknown command 'foo', with args beginning with: '%.100s' '%.25s' \r\n",
		     a100, b100);
	CHECK(out_is(want, (size_t)n, __LINE__));
	set_argv(a5, 2);
	reply_unknown_subcommand(&cl);
	OUT("-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
	set_argv(a8, 2);
	reply_help(&cl, help);
	OUT("*5\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
	    "+GETNAME\r\n+    Return the name.\r\n+HELP\r\n+    Prints this help.\r\n");
}

static void test_reply_args(void)
{
	struct arg good = {"-17", 3}, bad = {"1x", 2}, fl = {"2.5", 3}, big = {"100", 3};
	long long ll = 0;
	long l = 0;
	double d = 0;
	long double ld = 0;

	cl_reset(2);
	CHECK(arg_ll_or_reply(&cl, &good, &ll, NULL) == 0 && ll == -17);
	CHECK(obuf_pending(&cl.out) == 0);
	CHECK(arg_ll_or_reply(&cl, &bad, &ll, NULL) == -EINVAL);
	OUT("-ERR value is not an integer or out of range\r\n");
	CHECK(arg_ll_or_reply(&cl, &bad, &ll, ERR_TIMEOUT_NOT_INT) == -EINVAL);
	OUT("-ERR timeout is not an integer or out of range\r\n");
	CHECK(arg_long_or_reply(&cl, &good, &l, NULL) == 0 && l == -17);
	CHECK(arg_double_or_reply(&cl, &fl, &d, NULL) == 0 && d == 2.5);
	CHECK(arg_double_or_reply(&cl, &bad, &d, NULL) == -EINVAL);
	OUT("-ERR value is not a valid float\r\n");
	CHECK(arg_ld_or_reply(&cl, &fl, &ld, NULL) == 0 && ld == 2.5L);
	CHECK(arg_ld_or_reply(&cl, &bad, &ld, NULL) == -EINVAL);
	OUT("-ERR value is not a valid float\r\n");
	CHECK(arg_range_or_reply(&cl, &big, 0, 99, &ll, NULL) == -EINVAL);
	OUT("-ERR value is out of range, value must between 0 and 99\r\n");
	CHECK(arg_range_or_reply(&cl, &big, 0, 100, &ll, NULL) == 0 && ll == 100);
}

/* Large replies cross chunk boundaries; a deferred header after them still works. */
static void test_reply_large(void)
{
	size_t L = 1 << 20, i;
	char *v = malloc(L), *want = malloc(L + 64);
	void *h;
	int n;

	for (i = 0; i < L; i++)
		v[i] = (char)(i * 7);
	cl_reset(2);
	for (i = 0; i < 3000; i++)
		reply_int(&cl, (long long)i); /* fill a few chunks with small replies */
	obuf_consume(&cl.out, obuf_pending(&cl.out));
	h = reply_deferred_len(&cl);
	reply_bulk(&cl, v, L);
	reply_bulk(&cl, "z", 1);
	reply_set_deferred_array(&cl, h, 2);
	n = snprintf(want, 64, "*2\r\n$%zu\r\n", L);
	memcpy(want + n, v, L);
	memcpy(want + n + L, "\r\n$1\r\nz\r\n", 9);
	CHECK(out_is(want, n + L + 9, __LINE__));
	/* after consuming everything, the big chunk is gone */
	CHECK(obuf_mem(&cl.out) <= sizeof(struct obuf_chunk) + OBUF_CHUNK_SIZE);
	obuf_free(&cl.out);
	free(v);
	free(want);
}

int main(void)
{
	test_multibulk_valid();
	test_multibulk_errors();
	test_line_limits();
	test_inline();
	test_split_args_api();
	test_pipeline_splits();
	test_random_streams();
	test_many_commands();
	test_wide_request();
	test_big_bulk_streaming();
	test_no_rescan();
	test_obuf();
	test_reply_resp2();
	test_reply_resp3();
	test_reply_modes();
	test_reply_canned();
	test_reply_args();
	test_reply_large();
	obuf_free(&cl.out);
	return ut_done();
}
