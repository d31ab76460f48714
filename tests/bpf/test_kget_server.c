// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_kget_server.c - end to end: what clients write into the real server, the kernel reads.
 *
 * Starts build/arenakv-server with --arena-mode bpf on a free port, talks RESP to it over TCP (a
 * small client below, so this test needs nothing but the server), writes keys with ordinary
 * commands (SET with and without expiry, APPEND, SETRANGE, INCR, DEL, SELECT, SWAPDB, FLUSHALL,
 * a pipeline of a few thousand SETs that makes the tables grow and rehash) and then compares
 * ARENAKV.KGET - the value the BPF program read from the arena - with GET. Equal bytes for every
 * key, and nil exactly where GET says nil, prove the kernel reads the very index the clients
 * wrote, not a copy.
 *
 * Exit 77 when this process cannot create BPF arenas (the server could not either). The server
 * is always stopped (SIGTERM, then SIGKILL after 5 s); an alarm bounds the whole test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf_test.h"
#include "arenakv.h"

static pid_t server_pid = -1;
static int sock = -1;
static char logpath[] = "/tmp/akv-kget-XXXXXX";

static void stop_server(void)
{
	int st;

	if (server_pid <= 0)
		return;
	kill(server_pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(server_pid, &st, WNOHANG) == server_pid) {
			server_pid = -1;
			return;
		}
		usleep(10000);
	}
	kill(server_pid, SIGKILL);
	waitpid(server_pid, &st, 0);
	server_pid = -1;
}

static void on_alarm(int sig)
{
	(void)sig;
	if (server_pid > 0)
		kill(server_pid, SIGKILL);
	_exit(1);
}

/* ---- a minimal RESP client ------------------------------------------------------------------ */

struct reply {
	char type; /* '+', '-', ':', '$', '*', or 'n' for a nil bulk/array */
	char *str; /* '+' '-' '$': malloc'd, NUL-terminated; len bytes */
	size_t len;
	long long num; /* ':' value, '*' element count */
};

static char rbuf[1 << 16];
static size_t rpos, rlen;

static int fill(void)
{
	ssize_t n;

	if (rpos == rlen)
		rpos = rlen = 0;
	if (rlen == sizeof(rbuf)) {
		memmove(rbuf, rbuf + rpos, rlen - rpos);
		rlen -= rpos;
		rpos = 0;
	}
	n = read(sock, rbuf + rlen, sizeof(rbuf) - rlen);
	if (n <= 0)
		return -1;
	rlen += (size_t)n;
	return 0;
}

static int read_line(char *out, size_t cap)
{
	size_t n = 0;

	for (;;) {
		while (rpos < rlen) {
			char c = rbuf[rpos++];

			if (c == '\n') {
				if (n && out[n - 1] == '\r')
					n--;
				out[n] = '\0';
				return 0;
			}
			if (n + 1 < cap)
				out[n++] = c;
		}
		if (fill())
			return -1;
	}
}

static int read_exact(char *out, size_t n)
{
	while (n) {
		size_t k;

		if (rpos == rlen && fill())
			return -1;
		k = rlen - rpos < n ? rlen - rpos : n;
		memcpy(out, rbuf + rpos, k);
		out += k;
		rpos += k;
		n -= k;
	}
	return 0;
}

/* Read one reply; arrays are read element by element by the caller (only counts returned). */
static int read_reply(struct reply *r)
{
	char line[512], crlf[2];

	memset(r, 0, sizeof(*r));
	if (read_line(line, sizeof(line)))
		return -1;
	r->type = line[0];
	switch (line[0]) {
	case '+':
	case '-':
		r->str = strdup(line + 1);
		r->len = strlen(line + 1);
		return 0;
	case ':':
	case '*':
		r->num = atoll(line + 1);
		if (line[0] == '*' && r->num < 0)
			r->type = 'n';
		return 0;
	case '$':
		r->num = atoll(line + 1);
		if (r->num < 0) {
			r->type = 'n';
			return 0;
		}
		r->len = (size_t)r->num;
		r->str = malloc(r->len + 1);
		if (read_exact(r->str, r->len) || read_exact(crlf, 2))
			return -1;
		r->str[r->len] = '\0';
		return 0;
	case '_':
		r->type = 'n';
		return 0;
	default:
		return -1;
	}
}

static void free_reply(struct reply *r)
{
	free(r->str);
	r->str = NULL;
}

static int write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(sock, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Send one command: argc (pointer, length) pairs. Not waiting for the reply (pipelining). */
static int send_cmdv(int argc, const void *const *argv, const size_t *lens)
{
	char head[64];

	snprintf(head, sizeof(head), "*%d\r\n", argc);
	if (write_all(head, strlen(head)))
		return -1;
	for (int i = 0; i < argc; i++) {
		snprintf(head, sizeof(head), "$%zu\r\n", lens[i]);
		if (write_all(head, strlen(head)) || write_all(argv[i], lens[i]) ||
		    write_all("\r\n", 2))
			return -1;
	}
	return 0;
}

/* Command of C strings, reply read. */
static struct reply cmd(const char *first, ...)
{
	const void *argv[16];
	size_t lens[16];
	int argc = 0;
	struct reply r = {.type = 'x'};
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && argc < 16; a = va_arg(ap, const char *)) {
		argv[argc] = a;
		lens[argc++] = strlen(a);
	}
	va_end(ap);
	if (send_cmdv(argc, argv, lens) || read_reply(&r))
		r.type = 'x';
	return r;
}

/* Binary command: name, key, optional value. */
static struct reply cmd_bin(const char *name, const void *key, size_t klen, const void *val,
			    size_t vlen, int with_val)
{
	const void *argv[3] = {name, key, val};
	size_t lens[3] = {strlen(name), klen, vlen};
	struct reply r = {.type = 'x'};

	if (send_cmdv(with_val ? 3 : 2, argv, lens) || read_reply(&r))
		r.type = 'x';
	return r;
}

/* KGET and GET of key agree: same bytes, or both nil. want: expected value or NULL for nil. */
static void agree(const char *what, const void *key, size_t klen, const void *want, size_t wlen)
{
	struct reply g = cmd_bin("GET", key, klen, NULL, 0, 0);
	struct reply k = cmd_bin("ARENAKV.KGET", key, klen, NULL, 0, 0);

	if (want) {
		CHECK_MSG(g.type == '$' && g.len == wlen && !memcmp(g.str, want, wlen),
			  "%s: GET type %c len %zu, want %zu bytes", what, g.type, g.len, wlen);
		CHECK_MSG(k.type == '$' && k.len == wlen && !memcmp(k.str, want, wlen),
			  "%s: KGET type %c len %zu (%s), want %zu bytes", what, k.type, k.len,
			  k.type == '-' ? k.str : "", wlen);
	} else {
		CHECK_MSG(g.type == 'n', "%s: GET type %c, want nil", what, g.type);
		CHECK_MSG(k.type == 'n', "%s: KGET type %c (%s), want nil", what, k.type,
			  k.type == '-' ? k.str : "");
	}
	free_reply(&g);
	free_reply(&k);
}

static void expect_simple(struct reply r, char type, const char *text, const char *what)
{
	CHECK_MSG(r.type == type && (!text || (r.str && !strcmp(r.str, text))), "%s: got %c %s",
		  what, r.type, r.str ? r.str : "");
	free_reply(&r);
}

/* ---- server start-up ------------------------------------------------------------------------ */

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int server_path(char *out, size_t cap)
{
	const char *b = getenv("ARENAKV_BUILD");
	char self[PATH_MAX];
	ssize_t n;

	if (b && *b) {
		snprintf(out, cap, "%s/arenakv-server", b);
		return access(out, X_OK);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	snprintf(out, cap, "%s/arenakv-server", dirname(self));
	return access(out, X_OK);
}

static int start_server(int port)
{
	char bin[PATH_MAX], portstr[16];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int logfd;

	if (server_path(bin, sizeof(bin))) {
		fprintf(stderr, "arenakv-server not found (ARENAKV_BUILD)\n");
		return -1;
	}
	logfd = mkstemp(logpath);
	snprintf(portstr, sizeof(portstr), "%d", port);
	server_pid = fork();
	if (server_pid == 0) {
		if (logfd >= 0) {
			dup2(logfd, 1);
			dup2(logfd, 2);
		}
		unsetenv("ARENAKV_ARENA");
		execl(bin, bin, "--port", portstr, "--bind", "127.0.0.1", "--save", "",
		      "--arena-mode", "bpf", (char *)NULL);
		_exit(127);
	}
	if (logfd >= 0)
		close(logfd);
	if (server_pid < 0)
		return -1;
	a.sin_port = htons((unsigned short)port);
	for (int i = 0; i < 500; i++) { /* up to 5 s */
		int st;

		if (waitpid(server_pid, &st, WNOHANG) == server_pid) {
			server_pid = -1;
			return -1;
		}
		sock = socket(AF_INET, SOCK_STREAM, 0);
		if (!connect(sock, (struct sockaddr *)&a, sizeof(a))) {
			int one = 1;

			setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return 0;
		}
		close(sock);
		sock = -1;
		usleep(10000);
	}
	return -1;
}

static void dump_log(void)
{
	char line[512];
	FILE *f = fopen(logpath, "r");

	if (!f)
		return;
	fprintf(stderr, "--- server log ---\n");
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fclose(f);
}

/* ---- the cases ------------------------------------------------------------------------------ */

static void test_values(void)
{
	static char key[AKV_KEY_MAX], val[200000];
	char what[64];

	for (int i = 0; i < 300; i++) {
		size_t klen = 1 + (size_t)(bt_rand64() % (i < 280 ? 64 : AKV_KEY_MAX));
		size_t vlen = (size_t)(bt_rand64() % (i % 10 ? 700 : sizeof(val)));
		struct reply r;

		for (size_t j = 0; j < klen; j++)
			key[j] = (char)bt_rand64(); /* binary: NULs, CR, LF included */
		for (size_t j = 0; j < vlen; j++)
			val[j] = (char)bt_rand64();
		r = cmd_bin("SET", key, klen, val, vlen, 1);
		expect_simple(r, '+', "OK", "SET");
		snprintf(what, sizeof(what), "key %d (klen %zu vlen %zu)", i, klen, vlen);
		agree(what, key, klen, val, vlen);
	}
}

static void test_big(void)
{
	size_t n = 3 * 1024 * 1024 + 17; /* read by the kernel in 4 chunks */
	char *v = malloc(n);
	struct reply r;

	for (size_t j = 0; j < n; j++)
		v[j] = (char)(j * 7 + (j >> 12));
	r = cmd_bin("SET", "big", 3, v, n, 1);
	expect_simple(r, '+', "OK", "SET big");
	agree("3 MiB value", "big", 3, v, n);
	free(v);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void test_commands(void)
{
	long long t0;
	struct reply r;
	static char longkey[AKV_KEY_MAX + 1];

	expect_simple(cmd("SET", "s", "hello", NULL), '+', "OK", "SET s");
	r = cmd("APPEND", "s", " world", NULL);
	free_reply(&r);
	agree("after APPEND", "s", 1, "hello world", 11);
	r = cmd("SETRANGE", "s", "6", "WORLD", NULL);
	free_reply(&r);
	agree("after SETRANGE", "s", 1, "hello WORLD", 11);
	expect_simple(cmd("SET", "n", "10", NULL), '+', "OK", "SET n");
	r = cmd("INCR", "n", NULL);
	free_reply(&r);
	agree("after INCR", "n", 1, "11", 2);
	r = cmd("DEL", "s", NULL);
	free_reply(&r);
	agree("after DEL", "s", 1, NULL, 0);
	agree("never set", "nokey", 5, NULL, 0);

	/* Expiry: the kernel judges it with its own clock. */
	t0 = mono_ms();
	expect_simple(cmd("SET", "ttl", "v", "PX", "300", NULL), '+', "OK", "SET PX");
	r = cmd_bin("ARENAKV.KGET", "ttl", 3, NULL, 0, 0);
	if (mono_ms() - t0 < 250) /* else this process stalled: the check means nothing */
		CHECK_MSG(r.type == '$' && r.len == 1, "before expiry: KGET type %c", r.type);
	free_reply(&r);
	while (mono_ms() - t0 < 400)
		usleep(10000);
	r = cmd_bin("ARENAKV.KGET", "ttl", 3, NULL, 0, 0); /* KGET first: no lazy expiry by GET */
	CHECK_MSG(r.type == 'n', "expired key: KGET type %c, want nil", r.type);
	free_reply(&r);
	agree("after expiry", "ttl", 3, NULL, 0);

	/* Databases. */
	expect_simple(cmd("SELECT", "5", NULL), '+', "OK", "SELECT 5");
	expect_simple(cmd("SET", "indb5", "five", NULL), '+', "OK", "SET in 5");
	agree("db 5", "indb5", 5, "five", 4);
	expect_simple(cmd("SELECT", "0", NULL), '+', "OK", "SELECT 0");
	agree("db 0 does not see db 5", "indb5", 5, NULL, 0);
	expect_simple(cmd("SET", "indb0", "zero", NULL), '+', "OK", "SET in 0");
	expect_simple(cmd("SWAPDB", "0", "5", NULL), '+', "OK", "SWAPDB");
	agree("after SWAPDB, db 0 has db 5's key", "indb5", 5, "five", 4);
	expect_simple(cmd("SELECT", "5", NULL), '+', "OK", "SELECT 5");
	agree("after SWAPDB, db 5 has db 0's key", "indb0", 5, "zero", 4);
	expect_simple(cmd("SELECT", "0", NULL), '+', "OK", "SELECT 0");

	/* Errors. */
	memset(longkey, 'x', sizeof(longkey));
	r = cmd_bin("ARENAKV.KGET", longkey, sizeof(longkey), NULL, 0, 0);
	CHECK_MSG(r.type == '-' && strstr(r.str, "too long"), "long key: %c %s", r.type,
		  r.str ? r.str : "");
	free_reply(&r);
	r = cmd("ARENAKV.KGET", NULL);
	CHECK_MSG(r.type == '-' && strstr(r.str, "wrong number of arguments"), "arity: %c", r.type);
	free_reply(&r);
}

static void test_pipeline_rehash(void)
{
	const int n = 5000;
	char key[32], val[64];
	struct reply r;
	int bad = 0;

	for (int i = 0; i < n; i++) { /* pipelined: the server grows and rehashes the table */
		int kl = snprintf(key, sizeof(key), "p:%d", i);
		int vl = snprintf(val, sizeof(val), "value-%d-%x", i, i * 2654435761u);

		r = cmd_bin("SET", key, (size_t)kl, val, (size_t)vl, 1);
		if (r.type != '+')
			bad++;
		free_reply(&r);
		if (send_cmdv(2, (const void *[]){"ARENAKV.KGET", key},
			      (const size_t[]){12, (size_t)kl}))
			bad++;
		/* cmd_bin already read the SET reply; read KGET's now */
		if (read_reply(&r) || r.type != '$' || r.len != (size_t)vl ||
		    memcmp(r.str, val, vl))
			bad++;
		free_reply(&r);
	}
	CHECK_MSG(bad == 0, "%d of %d set-then-kget pairs disagreed", bad, n);
	/* Pipeline proper: all KGETs first, then all replies. */
	for (int i = 0; i < n; i++) {
		int kl = snprintf(key, sizeof(key), "p:%d", i);

		send_cmdv(2, (const void *[]){"ARENAKV.KGET", key},
			  (const size_t[]){12, (size_t)kl});
	}
	bad = 0;
	for (int i = 0; i < n; i++) {
		int vl = snprintf(val, sizeof(val), "value-%d-%x", i, i * 2654435761u);

		if (read_reply(&r) || r.type != '$' || r.len != (size_t)vl ||
		    memcmp(r.str, val, vl))
			bad++;
		free_reply(&r);
	}
	CHECK_MSG(bad == 0, "%d of %d pipelined KGETs disagreed", bad, n);
	expect_simple(cmd("FLUSHALL", NULL), '+', "OK", "FLUSHALL");
	agree("after FLUSHALL", "p:1", 3, NULL, 0);
}

int main(void)
{
	struct reply r;
	int port;

	setvbuf(stdout, NULL, _IONBF, 0);
	bpf_test_require_arena();
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	alarm(50);
	atexit(stop_server);

	port = free_port();
	if (port < 0 || start_server(port)) {
		CHECK_MSG(0, "server did not start on port %d", port);
		dump_log();
		return ut_done();
	}
	r = cmd("ARENAKV.BACKEND", NULL);
	CHECK_MSG(r.type == '$' && !strcmp(r.str, "bpf"), "ARENAKV.BACKEND: %c %s", r.type,
		  r.str ? r.str : "");
	free_reply(&r);

	test_values();
	test_big();
	test_commands();
	test_pipeline_rehash();

	close(sock);
	stop_server();
	if (ut_failed)
		dump_log();
	unlink(logpath);
	return ut_done();
}
