// SPDX-License-Identifier: BSD-2-Clause
/*
 * cli.c - arenakv-cli: one command (or a batch from stdin) to an arenakv server, over TCP or
 * over the UDP fast path, printing replies the way redis-cli prints them when stdout is not a
 * terminal.
 *
 *   arenakv-cli [-h HOST] [-p PORT] [-a PASS] [options] [fast] CMD ARG...
 *   arenakv-cli [...] --batch [--fast]      one command per line on stdin
 *
 * `fast` as the first word (of the command line, or of a batch line) sends that command as one
 * UDP datagram (libarenakv-client, arenakv.h); otherwise it goes over TCP (hiredis). --fast makes
 * every command fast.
 *
 * Output (redis-cli's raw mode, which it uses when stdout is not a tty, byte for byte):
 * bulk and status replies print their bytes, integers in decimal, nil prints nothing, arrays
 * print their elements separated by newlines (nested arrays flattened), an error prints its
 * text plus an extra newline; every reply is followed by a newline. Like redis-cli, an error
 * REPLY exits 0. --resp prints the reply as RESP2 bytes instead: the datagram payload exactly as
 * received for fast commands, the canonical RESP2 encoding of hiredis's parsed reply for TCP
 * (so `--resp` outputs of the two paths can be compared byte for byte).
 *
 * Failures of the transport (timeout after retries, connection refused, AUTH refused) go to
 * stderr; the tool then exits 1 (in batch mode after finishing the remaining lines, printing
 * nothing on stdout for the failed line). Usage errors exit 2.
 *
 * Batch lines are split like redis-cli splits its input (sdssplitargs): blanks separate
 * arguments, "double quotes" understand \n \r \t \b \a \\ \" \xHH, 'single quotes' only \'.
 * Lines that are empty or start with '#' are skipped.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arenakv.h"
#include "splitargs.h"

#define CLI_MAX_ARGS 4096

struct cli_opts {
	struct akv_options conn;
	int batch;
	int all_fast;
	int resp;	/* print RESP2 bytes instead of redis-cli raw text */
	int show_flags; /* print the reply flags of fast commands on stderr */
	int show_stats; /* print the handle's UDP counters on stderr at exit */
	int have_token;
	uint64_t token;
};

static void cli_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: arenakv-cli [-h HOST] [-p PORT] [-a PASSWORD] [--user USER] [--udp-port N]\n"
	    "                   [--timeout MS] [--retries N] [--token HEX] [--resp] [--flags]\n"
	    "                   [--stats] [--fast] ([fast] COMMAND [ARG...] | --batch)\n"
	    "  fast       send this command over UDP (the fast path); default is TCP\n"
	    "  --batch    read one command per line from stdin (a line may start with 'fast')\n"
	    "  --timeout  first UDP wait in ms (doubles per retry); TCP waits at least 5 s\n"
	    "  --retries  UDP resends after the first attempt (use 0 for non-idempotent commands)\n"
	    "  --resp     print replies as RESP2 bytes (raw datagram payload for fast commands)\n"
	    "  --flags    print each fast reply's flags on stderr (kernel=1: XDP/tc answered)\n"
	    "  --token    UDP auth token in hex (as ARENAKV.FASTTOKEN prints it); by default it\n"
	    "             is fetched over TCP when -a is given\n"
	    "  --stats    print this run's UDP counters on stderr at exit\n");
}

/* ---- output ------------------------------------------------------------------------------ */

/* redis-cli's cliFormatReplyRaw: elements joined by '\n', nil as nothing. */
static void cli_print_raw(FILE *f, const redisReply *r)
{
	size_t i;

	switch (r->type) {
	case REDIS_REPLY_NIL:
		break;
	case REDIS_REPLY_ERROR:
		fwrite(r->str, 1, r->len, f);
		fputc('\n', f);
		break;
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_STRING:
		fwrite(r->str, 1, r->len, f);
		break;
	case REDIS_REPLY_INTEGER:
		fprintf(f, "%lld", r->integer);
		break;
	case REDIS_REPLY_ARRAY:
		for (i = 0; i < r->elements; i++) {
			if (i > 0)
				fputc('\n', f);
			cli_print_raw(f, r->element[i]);
		}
		break;
	}
}

/* Canonical RESP2 encoding of a parsed reply (what the server sent, for RESP2). */
static void cli_print_resp(FILE *f, const redisReply *r)
{
	size_t i;

	switch (r->type) {
	case REDIS_REPLY_NIL:
		fputs("$-1\r\n", f);
		break;
	case REDIS_REPLY_ERROR:
	case REDIS_REPLY_STATUS:
		fputc(r->type == REDIS_REPLY_ERROR ? '-' : '+', f);
		fwrite(r->str, 1, r->len, f);
		fputs("\r\n", f);
		break;
	case REDIS_REPLY_STRING:
		fprintf(f, "$%zu\r\n", r->len);
		fwrite(r->str, 1, r->len, f);
		fputs("\r\n", f);
		break;
	case REDIS_REPLY_INTEGER:
		fprintf(f, ":%lld\r\n", r->integer);
		break;
	case REDIS_REPLY_ARRAY:
		fprintf(f, "*%zu\r\n", r->elements);
		for (i = 0; i < r->elements; i++)
			cli_print_resp(f, r->element[i]);
		break;
	}
}

/* ---- input splitting (redis-cli's sdssplitargs rules, server/splitargs.h) ------------------- */

/* Split line in place-independent storage: arguments are written to out (one byte more than the
 * line, every argument unescaped and NUL-terminated, lengths in lens). Returns argc, or -EINVAL
 * for unbalanced quotes, -E2BIG for too many arguments. */
static int cli_split(const char *line, char *out, char **argv, size_t *lens, int max)
{
	size_t pos = 0, len = strlen(line), n;
	int argc = 0, r;

	while ((r = splitargs_next(line, len, &pos, out, &n)) > 0) {
		if (argc == max)
			return -E2BIG;
		out[n] = 0;
		argv[argc] = out;
		lens[argc++] = n;
		out += n + 1;
	}
	return r < 0 ? r : argc;
}

/* ---- running commands ------------------------------------------------------------------------ */

/* Run one command and print its reply. Returns 0, or -errno of a transport failure (already
 * reported on stderr). */
static int cli_run(struct akv_client *c, const struct cli_opts *o, int fast, int argc,
		   const char **argv, const size_t *lens)
{
	redisReply *r = NULL;
	unsigned flags = 0;
	int ret;

	if (fast && o->resp) {
		const char *payload;
		size_t len;

		ret = akv_fast_command_raw(c, argc, argv, lens, &payload, &len, &flags);
		if (!ret)
			fwrite(payload, 1, len, stdout);
	} else if (fast) {
		ret = akv_fast_command(c, argc, argv, lens, &r, &flags);
	} else {
		ret = akv_command(c, argc, argv, lens, &r);
	}
	if (ret) {
		fprintf(stderr, "arenakv-cli: %s %.*s: %s (%s)\n", fast ? "fast" : "tcp",
			(int)lens[0], argv[0], strerror(-ret), akv_errstr(c));
		return ret;
	}
	if (fast && o->show_flags)
		fprintf(stderr, "# flags=0x%02x kernel=%d trunc=%d\n", flags,
			!!(flags & AKV_F_KERNEL), !!(flags & AKV_F_TRUNC));
	if (r) {
		if (o->resp) {
			cli_print_resp(stdout, r);
		} else {
			cli_print_raw(stdout, r);
			fputc('\n', stdout);
		}
		akv_reply_free(r);
	}
	return 0;
}

static int cli_is_fast(const char *w, size_t len)
{
	return len == 4 && strncasecmp(w, "fast", 4) == 0;
}

static int cli_batch(struct akv_client *c, const struct cli_opts *o)
{
	char *line = NULL, *buf = NULL;
	char **argv = calloc(CLI_MAX_ARGS, sizeof(*argv));
	size_t *lens = calloc(CLI_MAX_ARGS, sizeof(*lens));
	size_t cap = 0, bufcap = 0;
	ssize_t n;
	long lineno = 0;
	int failed = 0;

	if (!argv || !lens) {
		fprintf(stderr, "arenakv-cli: out of memory\n");
		free(argv);
		free(lens);
		return 1;
	}
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		int argc, fast = o->all_fast, skip = 0;

		lineno++;
		if ((size_t)n + 1 > bufcap) {
			free(buf);
			bufcap = n + 1;
			buf = malloc(bufcap);
			if (!buf) {
				fprintf(stderr, "arenakv-cli: out of memory\n");
				failed = 1;
				break;
			}
		}
		argc = cli_split(line, buf, argv, lens, CLI_MAX_ARGS);
		if (argc < 0) {
			fprintf(stderr, "arenakv-cli: line %ld: %s\n", lineno,
				argc == -E2BIG ? "too many arguments" : "unbalanced quotes");
			failed = 1;
			continue;
		}
		if (argc == 0 || argv[0][0] == '#')
			continue;
		if (cli_is_fast(argv[0], lens[0])) {
			fast = 1;
			skip = 1;
		}
		if (argc - skip == 0)
			continue;
		if (cli_run(c, o, fast, argc - skip, (const char **)argv + skip, lens + skip))
			failed = 1;
		fflush(stdout);
	}
	free(line);
	free(buf);
	free(argv);
	free(lens);
	return failed;
}

int main(int argc, char **argv)
{
	enum {
		O_UDP = 256,
		O_TIMEOUT,
		O_RETRIES,
		O_TOKEN,
		O_BATCH,
		O_FAST,
		O_RESP,
		O_FLAGS,
		O_STATS,
		O_USER,
		O_NOWARN
	};
	static const struct option lopts[] = {
	    {"udp-port", required_argument, NULL, O_UDP},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"retries", required_argument, NULL, O_RETRIES},
	    {"token", required_argument, NULL, O_TOKEN},
	    {"user", required_argument, NULL, O_USER},
	    {"batch", no_argument, NULL, O_BATCH},
	    {"fast", no_argument, NULL, O_FAST},
	    {"resp", no_argument, NULL, O_RESP},
	    {"flags", no_argument, NULL, O_FLAGS},
	    {"stats", no_argument, NULL, O_STATS},
	    {"no-auth-warning", no_argument, NULL, O_NOWARN},
	    {"help", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_opts o = {0};
	struct akv_client *c = NULL;
	size_t *lens = NULL;
	int opt, ret, rc = 0, fast = 0;
	char *end;

	o.conn.host = "127.0.0.1";
	o.conn.port = 6379;
	/* '+': stop at the first non-option so command arguments like "-1" are not options */
	while ((opt = getopt_long(argc, argv, "+h:p:a:", lopts, NULL)) != -1) {
		long v = 0;

		if (optarg && opt != 'h' && opt != 'a' && opt != O_USER && opt != O_TOKEN) {
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 0 || v > 1000000000) {
				fprintf(stderr, "arenakv-cli: bad number '%s'\n", optarg);
				return 2;
			}
		}
		switch (opt) {
		case 'h':
			o.conn.host = optarg;
			break;
		case 'p':
			o.conn.port = (int)v;
			break;
		case 'a':
			o.conn.password = optarg;
			break;
		case O_USER:
			o.conn.user = optarg;
			break;
		case O_UDP:
			o.conn.udp_port = (int)v;
			break;
		case O_TIMEOUT:
			o.conn.timeout_ms = (int)v;
			break;
		case O_RETRIES:
			o.conn.retries = v ? (int)v : -1;
			break;
		case O_TOKEN:
			errno = 0;
			o.token = strtoull(optarg, &end, 16);
			if (errno || *end) {
				fprintf(stderr, "arenakv-cli: bad token '%s'\n", optarg);
				return 2;
			}
			o.have_token = 1;
			break;
		case O_BATCH:
			o.batch = 1;
			break;
		case O_FAST:
			o.all_fast = 1;
			break;
		case O_RESP:
			o.resp = 1;
			break;
		case O_FLAGS:
			o.show_flags = 1;
			break;
		case O_STATS:
			o.show_stats = 1;
			break;
		case O_NOWARN:
			break;
		case 'H':
			cli_usage(stdout);
			return 0;
		default:
			cli_usage(stderr);
			return 2;
		}
	}
	if (o.conn.port <= 0 || o.conn.port > 65535 || o.conn.udp_port > 65535) {
		fprintf(stderr, "arenakv-cli: bad port\n");
		return 2;
	}
	if (optind < argc && cli_is_fast(argv[optind], strlen(argv[optind]))) {
		fast = 1;
		optind++;
	}
	if (o.batch == (optind < argc)) {
		fprintf(stderr,
			o.batch ? "arenakv-cli: --batch takes no command\n"
				: "arenakv-cli: no command (no interactive mode; see --batch)\n");
		cli_usage(stderr);
		return 2;
	}
	ret = akv_open(&c, &o.conn);
	if (ret) {
		fprintf(stderr, "arenakv-cli: cannot open %s:%d: %s\n", o.conn.host, o.conn.port,
			c ? akv_errstr(c) : strerror(-ret));
		return 1;
	}
	if (o.have_token)
		akv_set_token(c, o.token);
	if (o.batch) {
		o.all_fast |= fast;
		rc = cli_batch(c, &o);
	} else {
		int n = argc - optind, i;

		lens = calloc(n, sizeof(*lens));
		if (!lens) {
			fprintf(stderr, "arenakv-cli: out of memory\n");
			rc = 1;
			goto out;
		}
		for (i = 0; i < n; i++)
			lens[i] = strlen(argv[optind + i]);
		if (cli_run(c, &o, fast || o.all_fast, n, (const char **)argv + optind, lens))
			rc = 1;
	}
out:
	if (o.show_stats) {
		struct akv_udp_stats st;

		akv_udp_stats(c, &st);
		fprintf(stderr,
			"# udp requests=%" PRIu64 " sends=%" PRIu64 " replies=%" PRIu64
			" kernel=%" PRIu64 " dropped=%" PRIu64 " timeouts=%" PRIu64 "\n",
			st.requests, st.sends, st.replies, st.kernel, st.dropped, st.timeouts);
	}
	free(lens);
	akv_close(c);
	if (fflush(stdout))
		rc = 1;
	return rc;
}
