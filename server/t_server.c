// SPDX-License-Identifier: BSD-2-Clause
/*
 * t_server.c - connection and server administration commands: PING ECHO QUIT RESET HELLO AUTH
 * SELECT DBSIZE FLUSHDB FLUSHALL INFO CONFIG CLIENT COMMAND TIME LASTSAVE MEMORY SHUTDOWN.
 *
 * Semantics and error texts are Redis 7.0's (checked against redis-server 7.0.15); where Redis
 * 7.2 added something clients already send (CLIENT SETINFO from redis-py 5) we follow 7.2.
 *
 * Container commands
 * ------------------
 * CONFIG, CLIENT, COMMAND and MEMORY are "container" commands in Redis 7: the command table has
 * one entry per subcommand ("config|get") with its own arity and flags, and processCommand()
 * rejects an unknown subcommand or a wrong subcommand arity before the command runs (so inside
 * MULTI the transaction is flagged). arenakv's command table (commands.c) knows top-level names
 * only, so the subcommands live here, in one table per container (struct srv_subcmd, see
 * cmddocs.h). The same tables drive: the dispatch of the container, server_subcommand_check()
 * (called by multi.c while queueing, to reproduce the rejection inside MULTI), and the
 * subcommand part of COMMAND INFO / DOCS / LIST. The COMMAND container itself is in cmddocs.c.
 *
 * Keyspace
 * --------
 * Nothing here touches the arena directly: DBSIZE, FLUSH*, the INFO keyspace section and MEMORY
 * USAGE go through server/db.h (data), which also reports flushes to WATCH (multi.c). INFO's
 * used_memory is the arena allocator's arena_used_bytes() (index/alloc.h), the very number
 * db.c compares with maxmemory before evicting, so clients watching INFO see what eviction sees;
 * used_memory_rss is the whole process (/proc/self/statm) and arena_resident_bytes the arena
 * pages touched so far.
 *
 * Threading: loop thread only, like every command. INFO and CLIENT LIST build their text in a
 * malloc'd buffer (struct sbuf) and hand it to the reply layer in one piece.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "alloc.h"
#include "arena_bpf.h"
#include "fastpath.h"
#include "clock.h"
#include "cmddocs.h"
#include "commands.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "log.h"
#include "multi.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* ---- a growable text buffer (INFO, CLIENT LIST) ------------------------------------------- */

struct sbuf {
	char *p;
	size_t len;
	size_t cap;
	int oom; /* an append failed: the text is incomplete, reply an error instead */
};

static int sb_reserve(struct sbuf *b, size_t extra)
{
	size_t ncap;
	char *np;

	if (b->oom)
		return -ENOMEM;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 1024;
	while (ncap < b->len + extra + 1)
		ncap *= 2;
	np = realloc(b->p, ncap);
	if (!np) {
		b->oom = 1;
		return -ENOMEM;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

static void sb_catlen(struct sbuf *b, const char *s, size_t n)
{
	if (sb_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_cat(struct sbuf *b, const char *s)
{
	sb_catlen(b, s, strlen(s));
}

static void sb_catf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_catf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Reply the text as a verbatim string (RESP3 "txt", RESP2 bulk), or an error if it is partial. */
static void sb_reply_verbatim(struct client *c, struct sbuf *b)
{
	if (b->oom)
		reply_error(c, "ERR out of memory");
	else
		reply_verbatim(c, b->p ? b->p : "", b->len, "txt");
	free(b->p);
}

/* Redis's bytesToHuman(). */
static void bytes_to_human(char *s, size_t size, unsigned long long n)
{
	static const char units[] = "KMGTP";
	double d = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(s, size, "%lluB", n);
		return;
	}
	while (u < 4 && d >= 1024) {
		d /= 1024;
		u++;
		if (d < 1024)
			break;
	}
	if (d >= 1024) {
		snprintf(s, size, "%lluB", n); /* beyond petabytes, as Redis */
		return;
	}
	snprintf(s, size, "%.2f%c", d, units[u]);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static int requirepass_set(void)
{
	return srv.requirepass && srv.requirepass[0];
}

/* Constant-time comparison, so a wrong password's timing says nothing about the right one. */
static int password_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char diff = alen != blen;
	size_t i, n = alen > blen ? alen : blen;

	for (i = 0; i < n; i++)
		diff |= (unsigned char)(i < alen ? a[i] : 0) ^ (unsigned char)(i < blen ? b[i] : 0);
	return diff == 0;
}

/*
 * The only user is "default" (no ACL). With no requirepass it is a "nopass" user, so any
 * password authenticates it, exactly as Redis's ACLAuthenticateUser() behaves. 1 = success.
 */
static int auth_check(const struct arg *user, const struct arg *pass)
{
	if (user->len != 7 || memcmp(user->ptr, "default", 7) != 0)
		return 0;
	if (!requirepass_set())
		return 1;
	return password_equal(pass->ptr, pass->len, srv.requirepass, strlen(srv.requirepass));
}

static int client_authenticated(const struct client *c)
{
	return (c->flags & CLIENT_AUTHENTICATED) || !requirepass_set();
}

/* Redis's validateClientName(): printable ASCII without spaces ('!'..'~'). */
static int client_attr_valid(const struct arg *a)
{
	size_t i;

	for (i = 0; i < a->len; i++)
		if (a->ptr[i] < '!' || a->ptr[i] > '~')
			return 0;
	return 1;
}

/* Redis's clientSetNameOrReply(): 0, or -EINVAL after replying. Empty name clears it. */
static int client_setname_or_reply(struct client *c, const struct arg *name)
{
	char *n = NULL;

	if (!client_attr_valid(name)) {
		reply_error(c, "ERR Client names cannot contain spaces, newlines or special "
			       "characters.");
		return -EINVAL;
	}
	if (name->len) {
		n = strndup(name->ptr, name->len);
		if (!n) {
			reply_error(c, "ERR out of memory");
			return -ENOMEM;
		}
	}
	free(c->name);
	c->name = n;
	return 0;
}

/* Exact (case-sensitive) equality of a C string and an argument, as Redis's strcmp() uses. */
static int cstr_eq_arg(const char *s, const struct arg *a)
{
	return strlen(s) == a->len && !memcmp(s, a->ptr, a->len);
}

/* Parse a whole argument as int (Redis getIntFromObjectOrReply): 0 or -EINVAL after replying. */
static int arg_int_or_reply(struct client *c, const struct arg *a, int *out)
{
	long long v;

	if (string2ll(a->ptr, a->len, &v) || v < INT_MIN || v > INT_MAX) {
		reply_error(c, ERR_NOT_INT);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

/* ---- container commands: subcommand tables ------------------------------------------------ */

const struct srv_subcmd *srv_subcmd_find(const struct srv_container *ct, const struct arg *a)
{
	const struct srv_subcmd *s;

	for (s = ct->subs; s->name; s++)
		if (strcaseeq(a->ptr, a->len, s->name))
			return s;
	return NULL;
}

/*
 * Resolve and validate the subcommand of a container command, replying Redis's processCommand()
 * errors. Returns the subcommand, or NULL after replying. argc < 2 is only possible for COMMAND
 * (arity -1): it returns NULL without replying, and *bare is set.
 */
static const struct srv_subcmd *subcmd_resolve(struct client *c, const struct srv_container *ct,
					       int *bare)
{
	const struct srv_subcmd *s;
	char full[64];

	*bare = 0;
	if (c->argc < 2) {
		*bare = 1;
		return NULL;
	}
	s = srv_subcmd_find(ct, &c->argv[1]);
	if (!s) {
		reply_unknown_subcommand(c);
		return NULL;
	}
	if (!srv_arity_ok(s->arity, c->argc)) {
		snprintf(full, sizeof(full), "%s|%s", ct->name, s->name);
		reply_wrong_arity(c, full);
		return NULL;
	}
	return s;
}

int server_subcommand_check(struct client *c)
{
	const struct srv_container *ct = c->cmd ? srv_container_of(c->cmd->fn) : NULL;
	int bare;

	if (!ct || c->argc < 2)
		return 0;
	return subcmd_resolve(c, ct, &bare) ? 0 : -EINVAL;
}

/* ---- PING ECHO QUIT RESET TIME LASTSAVE --------------------------------------------------- */

static void cmd_ping(struct client *c)
{
	if (c->argc > 2) {
		reply_wrong_arity(c, "ping");
		return;
	}
	if (c->argc == 1)
		reply_simple(c, "PONG");
	else
		reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
}

static void cmd_echo(struct client *c)
{
	reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
}

static void cmd_quit(struct client *c)
{
	reply_ok(c);
	/* After the reply: the reply layer drops bytes once CLOSE_AFTER_REPLY is set. */
	c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* Redis's clearClientConnectionState() + "+RESET". */
static void cmd_reset(struct client *c)
{
	multi_client_free(c); /* discard MULTI, unwatch */
	c->db = 0;
	c->resp = 2;
	free(c->name);
	c->name = NULL;
	if (requirepass_set())
		c->flags &= ~CLIENT_AUTHENTICATED;
	else
		c->flags |= CLIENT_AUTHENTICATED;
	c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT);
	c->flags &= ~CLIENT_NO_EVICT;
	reply_simple(c, "RESET");
}

static void cmd_time(struct client *c)
{
	long long us = clock_unix_us();

	reply_array(c, 2);
	reply_bulk_ll(c, us / 1000000);
	reply_bulk_ll(c, us % 1000000);
}

static void cmd_lastsave(struct client *c)
{
	reply_int(c, srv.lastsave_unix);
}

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. arenakv keeps no RDB/AOF, so SAVE has nothing to
 * write and every form just stops the server; like Redis, no reply on success. */
static void cmd_shutdown(struct client *c)
{
	int i, abort_req = 0, other = 0;

	for (i = 1; i < c->argc; i++) {
		if (arg_is(&c->argv[i], "nosave") || arg_is(&c->argv[i], "save") ||
		    arg_is(&c->argv[i], "now") || arg_is(&c->argv[i], "force")) {
			other = 1;
		} else if (arg_is(&c->argv[i], "abort")) {
			abort_req = 1;
		} else {
			reply_error(c, ERR_SYNTAX);
			return;
		}
	}
	if (abort_req) {
		if (other)
			reply_error(c, ERR_SYNTAX);
		else
			reply_error(c, "ERR No shutdown in progress.");
		return;
	}
	log_warning("User requested shutdown...");
	srv.shutdown_asap = 1;
	conn_close_asap(c);
}

/* ---- HELLO AUTH --------------------------------------------------------------------------- */

static void cmd_auth(struct client *c)
{
	static const struct arg default_user = { "default", 7 };
	const struct arg *user, *pass;

	if (c->argc > 3) {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	if (c->argc == 2) {
		/* The two-argument form errors out when there is no password, as Redis does. */
		if (!requirepass_set()) {
			reply_error(c, ERR_AUTH_NOPASS);
			return;
		}
		user = &default_user;
		pass = &c->argv[1];
	} else {
		user = &c->argv[1];
		pass = &c->argv[2];
	}
	if (!auth_check(user, pass)) {
		reply_error(c, ERR_WRONGPASS);
		return;
	}
	c->flags |= CLIENT_AUTHENTICATED;
	reply_ok(c);
}

static void cmd_hello(struct client *c)
{
	const struct arg *user = NULL, *pass = NULL, *name = NULL;
	long long ver = 0;
	int j;

	if (c->argc >= 2) {
		if (string2ll(c->argv[1].ptr, c->argv[1].len, &ver)) {
			reply_error(c, "ERR Protocol version is not an integer or out of range");
			return;
		}
		if (ver < 2 || ver > 3) {
			reply_error(c, ERR_NOPROTO);
			return;
		}
	}
	for (j = 2; j < c->argc; j++) {
		int more = c->argc - 1 - j;

		if (arg_is(&c->argv[j], "auth") && more >= 2) {
			user = &c->argv[j + 1];
			pass = &c->argv[j + 2];
			j += 2;
		} else if (arg_is(&c->argv[j], "setname") && more >= 1) {
			name = &c->argv[j + 1];
			j++;
		} else {
			reply_errorf(c, "ERR Syntax error in HELLO option '%.*s'",
				     (int)c->argv[j].len, c->argv[j].ptr);
			return;
		}
	}
	if (user) {
		if (!auth_check(user, pass)) {
			reply_error(c, ERR_WRONGPASS);
			return;
		}
		c->flags |= CLIENT_AUTHENTICATED;
	}
	if (!client_authenticated(c)) {
		reply_error(c, "NOAUTH HELLO must be called with the client already "
			       "authenticated, otherwise the HELLO <proto> AUTH <user> <pass> "
			       "option can be used to authenticate the client and select the RESP "
			       "protocol version at the same time");
		return;
	}
	if (name && client_setname_or_reply(c, name) < 0)
		return;
	if (ver)
		c->resp = (int)ver;

	reply_map(c, 7);
	reply_cstr(c, "server");
	reply_cstr(c, "redis");
	reply_cstr(c, "version");
	reply_cstr(c, SERVER_VERSION);
	reply_cstr(c, "proto");
	reply_int(c, c->resp);
	reply_cstr(c, "id");
	reply_int(c, (long long)c->id);
	reply_cstr(c, "mode");
	reply_cstr(c, "standalone");
	reply_cstr(c, "role");
	reply_cstr(c, "master");
	reply_cstr(c, "modules");
	reply_empty_array(c);
}

/* ---- SELECT DBSIZE FLUSHDB FLUSHALL ------------------------------------------------------- */

static void cmd_select(struct client *c)
{
	int id;

	if (arg_int_or_reply(c, &c->argv[1], &id) < 0)
		return;
	if (id < 0 || id >= srv.databases) {
		reply_error(c, ERR_DB_INDEX);
		return;
	}
	c->db = id;
	reply_ok(c);
}

static void cmd_dbsize(struct client *c)
{
	reply_int(c, (long long)db_size(c->db));
}

/*
 * Redis's getFlushCommandFlags(): at most one argument, ASYNC or SYNC. Both free synchronously
 * here: freeing arena entries is the allocator's free-list push per entry (no page returns
 * to the kernel), and a flush is bounded by the table size - see db_flush() in db.c.
 */
static int flush_args_ok(struct client *c)
{
	if (c->argc > 2 ||
	    (c->argc == 2 && !arg_is(&c->argv[1], "sync") && !arg_is(&c->argv[1], "async"))) {
		reply_error(c, ERR_SYNTAX);
		return 0;
	}
	return 1;
}

static void cmd_flushdb(struct client *c)
{
	if (!flush_args_ok(c))
		return;
	db_flush(c->db);
	reply_ok(c);
}

static void cmd_flushall(struct client *c)
{
	if (!flush_args_ok(c))
		return;
	db_flush_all();
	reply_ok(c);
}

/* ---- INFO --------------------------------------------------------------------------------- */

static const char *const maxmemory_policy_names[] = {
	[MAXMEMORY_NO_EVICTION] = "noeviction",
	[MAXMEMORY_ALLKEYS_LRU] = "allkeys-lru",
	[MAXMEMORY_ALLKEYS_LFU] = "allkeys-lfu",
	[MAXMEMORY_ALLKEYS_RANDOM] = "allkeys-random",
	[MAXMEMORY_VOLATILE_LRU] = "volatile-lru",
	[MAXMEMORY_VOLATILE_LFU] = "volatile-lfu",
	[MAXMEMORY_VOLATILE_RANDOM] = "volatile-random",
	[MAXMEMORY_VOLATILE_TTL] = "volatile-ttl",
};

static const char *policy_name(int p)
{
	if (p < 0 || p >= (int)(sizeof(maxmemory_policy_names) / sizeof(maxmemory_policy_names[0])))
		return "unknown";
	return maxmemory_policy_names[p];
}

/* Resident set size from /proc/self/statm (second field, pages), as Redis's zmalloc_get_rss(). */
static unsigned long long process_rss_bytes(void)
{
	unsigned long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (unsigned long long)sysconf(_SC_PAGESIZE);
}

static unsigned long long system_memory_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	return pages > 0 && psz > 0 ? (unsigned long long)pages * (unsigned long long)psz : 0;
}

/* Sections in output order; `dflt` = part of INFO / INFO default, `all` = part of INFO all. */
enum info_sec {
	INFO_SERVER,
	INFO_CLIENTS,
	INFO_MEMORY,
	INFO_PERSISTENCE,
	INFO_STATS,
	INFO_REPLICATION,
	INFO_CPU,
	INFO_MODULES,
	INFO_COMMANDSTATS,
	INFO_ERRORSTATS,
	INFO_LATENCYSTATS,
	INFO_CLUSTER,
	INFO_KEYSPACE,
	INFO_ARENA,
	INFO_FASTPATH,
	INFO_NSECTIONS,
};

static const struct {
	const char *name;
	int dflt;
} info_sections[INFO_NSECTIONS] = {
	[INFO_SERVER] = { "server", 1 },
	[INFO_CLIENTS] = { "clients", 1 },
	[INFO_MEMORY] = { "memory", 1 },
	[INFO_PERSISTENCE] = { "persistence", 1 },
	[INFO_STATS] = { "stats", 1 },
	[INFO_REPLICATION] = { "replication", 1 },
	[INFO_CPU] = { "cpu", 1 },
	[INFO_MODULES] = { "modules", 1 },
	[INFO_COMMANDSTATS] = { "commandstats", 0 },
	[INFO_ERRORSTATS] = { "errorstats", 1 },
	[INFO_LATENCYSTATS] = { "latencystats", 0 },
	[INFO_CLUSTER] = { "cluster", 1 },
	[INFO_KEYSPACE] = { "keyspace", 1 },
	[INFO_ARENA] = { "arena", 0 },
	[INFO_FASTPATH] = { "fastpath", 1 },
};

static void info_server(struct sbuf *b)
{
	static struct utsname uts;
	static int uts_done;
	long long now_ms = clock_unix_ms();
	long long uptime = (now_ms - srv.start_time_ms) / 1000;

	if (!uts_done) {
		if (uname(&uts) < 0)
			memset(&uts, 0, sizeof(uts));
		uts_done = 1;
	}
	sb_cat(b, "# Server\r\n");
	sb_catf(b, "redis_version:%s\r\n", SERVER_VERSION);
	sb_cat(b, "redis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\n");
	sb_cat(b, "redis_mode:standalone\r\n");
	sb_catf(b, "arenakv_version:%s\r\n", ARENAKV_VERSION);
	sb_catf(b, "arena_backend:%s\r\n", arena_backend());
	sb_catf(b, "os:%s %s %s\r\n", uts.sysname, uts.release, uts.machine);
	sb_catf(b, "arch_bits:%d\r\n", (int)(sizeof(long) * 8));
	sb_cat(b, "monotonic_clock:POSIX clock_gettime\r\n");
	sb_catf(b, "multiplexing_api:%s\r\n", srv.io_engine_name ? srv.io_engine_name : "none");
	sb_cat(b, "atomicvar_api:c11-builtin\r\n");
#ifdef __GNUC__
	sb_catf(b, "gcc_version:%d.%d.%d\r\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
	sb_cat(b, "gcc_version:0.0.0\r\n");
#endif
	sb_catf(b, "process_id:%ld\r\n", (long)getpid());
	sb_cat(b, "process_supervised:no\r\n");
	sb_catf(b, "run_id:%s\r\n", srv.runid);
	sb_catf(b, "tcp_port:%d\r\n", srv.port);
	sb_catf(b, "server_time_usec:%lld\r\n", clock_unix_us());
	sb_catf(b, "uptime_in_seconds:%lld\r\n", uptime);
	sb_catf(b, "uptime_in_days:%lld\r\n", uptime / 86400);
	sb_catf(b, "hz:%d\r\n", srv.hz);
	sb_catf(b, "configured_hz:%d\r\n", srv.hz);
	sb_catf(b, "lru_clock:%u\r\n", clock_lru_now());
	sb_catf(b, "executable:%s\r\n", srv.executable ? srv.executable : "");
	sb_catf(b, "config_file:%s\r\n", srv.configfile ? srv.configfile : "");
	sb_cat(b, "io_threads_active:0\r\n");
}

static void info_clients(struct sbuf *b)
{
	size_t max_in = 0, max_out = 0;
	struct client *cl;

	for (cl = srv.clients; cl; cl = cl->next) {
		if (cl->qb_peak > max_in)
			max_in = cl->qb_peak;
		if (obuf_mem(&cl->out) > max_out)
			max_out = obuf_mem(&cl->out);
	}
	sb_cat(b, "# Clients\r\n");
	sb_catf(b, "connected_clients:%llu\r\n", (unsigned long long)srv.connected_clients);
	sb_cat(b, "cluster_connections:0\r\n");
	sb_catf(b, "maxclients:%d\r\n", srv.maxclients);
	sb_catf(b, "client_recent_max_input_buffer:%zu\r\n", max_in);
	sb_catf(b, "client_recent_max_output_buffer:%zu\r\n", max_out);
	sb_cat(b, "blocked_clients:0\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n");
}

static void info_memory(struct sbuf *b)
{
	unsigned long long used = arena_used_bytes();
	unsigned long long rss = process_rss_bytes();
	unsigned long long sysmem = system_memory_bytes();
	char h_used[32], h_rss[32], h_peak[32], h_sys[32], h_max[32];

	if (used > srv.stat_peak_memory)
		srv.stat_peak_memory = used;
	bytes_to_human(h_used, sizeof(h_used), used);
	bytes_to_human(h_rss, sizeof(h_rss), rss);
	bytes_to_human(h_peak, sizeof(h_peak), srv.stat_peak_memory);
	bytes_to_human(h_sys, sizeof(h_sys), sysmem);
	bytes_to_human(h_max, sizeof(h_max), srv.maxmemory);

	sb_cat(b, "# Memory\r\n");
	sb_catf(b, "used_memory:%llu\r\n", used);
	sb_catf(b, "used_memory_human:%s\r\n", h_used);
	sb_catf(b, "used_memory_rss:%llu\r\n", rss);
	sb_catf(b, "used_memory_rss_human:%s\r\n", h_rss);
	sb_catf(b, "used_memory_peak:%zu\r\n", srv.stat_peak_memory);
	sb_catf(b, "used_memory_peak_human:%s\r\n", h_peak);
	sb_catf(b, "used_memory_peak_perc:%.2f%%\r\n",
		srv.stat_peak_memory ? 100.0 * (double)used / (double)srv.stat_peak_memory : 0.0);
	sb_catf(b, "arena_resident_bytes:%llu\r\n", (unsigned long long)arena_resident_bytes());
	sb_catf(b, "total_system_memory:%llu\r\n", sysmem);
	sb_catf(b, "total_system_memory_human:%s\r\n", h_sys);
	sb_catf(b, "maxmemory:%llu\r\n", srv.maxmemory);
	sb_catf(b, "maxmemory_human:%s\r\n", h_max);
	sb_catf(b, "maxmemory_policy:%s\r\n", policy_name(srv.maxmemory_policy));
	sb_catf(b, "mem_fragmentation_ratio:%.2f\r\n", used ? (double)rss / (double)used : 0.0);
	sb_cat(b, "mem_allocator:arena\r\n");
	sb_cat(b, "lazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n");
}

static void info_persistence(struct sbuf *b)
{
	sb_cat(b, "# Persistence\r\n");
	sb_cat(b, "loading:0\r\nasync_loading:0\r\n");
	sb_catf(b, "rdb_changes_since_last_save:%llu\r\n", (unsigned long long)srv.dirty);
	sb_cat(b, "rdb_bgsave_in_progress:0\r\n");
	sb_catf(b, "rdb_last_save_time:%lld\r\n", srv.lastsave_unix);
	sb_cat(b, "rdb_last_bgsave_status:ok\r\nrdb_last_bgsave_time_sec:-1\r\n"
		  "rdb_current_bgsave_time_sec:-1\r\nrdb_saves:0\r\n");
	/* appendonly is accepted and reported by CONFIG GET, but no AOF is written. */
	sb_cat(b, "aof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n"
		  "aof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\n"
		  "aof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\naof_last_write_status:ok\r\n");
}

/* Redis 7.0's "# Stats" field order; fields for features we lack (replication, forks,
 * defrag, tracking) are left out rather than printed as invented zeros. */
static void info_stats(struct sbuf *b)
{
	const struct server_stats *s = &srv.stats;

	sb_cat(b, "# Stats\r\n");
	sb_catf(b, "total_connections_received:%llu\r\n",
		(unsigned long long)s->total_connections_received);
	sb_catf(b, "total_commands_processed:%llu\r\n",
		(unsigned long long)s->total_commands_processed);
	sb_catf(b, "instantaneous_ops_per_sec:%lld\r\n", srv.instantaneous_ops_per_sec);
	sb_catf(b, "total_net_input_bytes:%llu\r\n", (unsigned long long)s->total_net_input_bytes);
	sb_catf(b, "total_net_output_bytes:%llu\r\n",
		(unsigned long long)s->total_net_output_bytes);
	sb_catf(b, "instantaneous_input_kbps:%.2f\r\n", srv.instantaneous_input_kbps);
	sb_catf(b, "instantaneous_output_kbps:%.2f\r\n", srv.instantaneous_output_kbps);
	sb_catf(b, "rejected_connections:%llu\r\n", (unsigned long long)s->rejected_connections);
	sb_catf(b, "expired_keys:%llu\r\n", (unsigned long long)s->expired_keys);
	sb_catf(b, "evicted_keys:%llu\r\n", (unsigned long long)s->evicted_keys);
	sb_cat(b, "evicted_clients:0\r\n"); /* arenakv never evicts clients */
	sb_catf(b, "keyspace_hits:%llu\r\n", (unsigned long long)s->keyspace_hits);
	sb_catf(b, "keyspace_misses:%llu\r\n", (unsigned long long)s->keyspace_misses);
	sb_cat(b, "pubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\n");
	sb_catf(b, "unexpected_error_replies:%llu\r\n",
		(unsigned long long)s->unexpected_error_replies);
	sb_catf(b, "total_error_replies:%llu\r\n", (unsigned long long)s->total_error_replies);
	sb_catf(b, "client_query_buffer_limit_disconnections:%llu\r\n",
		(unsigned long long)s->client_qbuf_limit_disconnections);
	sb_catf(b, "watched_keys:%zu\r\n", multi_watched_keys());
}

/* cmdstat_<name>:calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=.. for every
 * command that was called or refused (conn.c keeps the counters, see commands.h). Container
 * commands are counted as a whole ("config"), not per subcommand as Redis does. */
static void info_commandstats(struct sbuf *b)
{
	size_t i, n = command_count();

	sb_cat(b, "# Commandstats\r\n");
	for (i = 0; i < n; i++) {
		const struct command *cmd = command_at(i);
		const struct command_stat *st = command_stat(cmd);
		unsigned long long usec;

		if (!st || (!st->calls && !st->rejected_calls && !st->failed_calls))
			continue;
		usec = st->nsec / 1000;
		sb_catf(b,
			"cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
			"failed_calls=%llu\r\n",
			cmd->name, (unsigned long long)st->calls, usec,
			st->calls ? (double)usec / (double)st->calls : 0.0,
			(unsigned long long)st->rejected_calls, (unsigned long long)st->failed_calls);
	}
}

/* arenakv's own section (INFO arena, all, everything): where the index lives and how the
 * kernel-side reader has fared. */
static void info_arena(struct sbuf *b)
{
	struct arena_kernel_stats ks;

	memset(&ks, 0, sizeof(ks));
	arena_kernel_stats(&ks);
	sb_cat(b, "# Arena\r\n");
	sb_catf(b, "arena_backend:%s\r\n", arena_backend());
	sb_catf(b, "arena_fallback_reason:%s\r\n", arena_fallback_reason());
	sb_catf(b, "arena_used_bytes:%llu\r\n", (unsigned long long)arena_used_bytes());
	sb_catf(b, "arena_resident_bytes:%llu\r\n", (unsigned long long)arena_resident_bytes());
	sb_catf(b, "kernel_lookups:%llu\r\n", (unsigned long long)ks.lookups);
	sb_catf(b, "kernel_runs:%llu\r\n", (unsigned long long)ks.runs);
	sb_catf(b, "kernel_doubt_retries:%llu\r\n", (unsigned long long)ks.doubt_retries);
	sb_catf(b, "kernel_chunk_restarts:%llu\r\n", (unsigned long long)ks.chunk_restarts);
	sb_catf(b, "kernel_in_doubt:%llu\r\n", (unsigned long long)ks.in_doubt);
}

static void info_replication(struct sbuf *b)
{
	sb_cat(b, "# Replication\r\n");
	sb_cat(b, "role:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n");
	sb_catf(b, "master_replid:%s\r\n", srv.runid);
	sb_cat(b, "master_replid2:0000000000000000000000000000000000000000\r\n"
		  "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
		  "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\n"
		  "repl_backlog_histlen:0\r\n");
}

static void info_cpu(struct sbuf *b)
{
	struct rusage self, children, thread;

	if (getrusage(RUSAGE_SELF, &self) < 0)
		memset(&self, 0, sizeof(self));
	if (getrusage(RUSAGE_CHILDREN, &children) < 0)
		memset(&children, 0, sizeof(children));
	if (getrusage(RUSAGE_THREAD, &thread) < 0)
		memset(&thread, 0, sizeof(thread));
	sb_cat(b, "# CPU\r\n");
	sb_catf(b, "used_cpu_sys:%ld.%06ld\r\n", (long)self.ru_stime.tv_sec,
		(long)self.ru_stime.tv_usec);
	sb_catf(b, "used_cpu_user:%ld.%06ld\r\n", (long)self.ru_utime.tv_sec,
		(long)self.ru_utime.tv_usec);
	sb_catf(b, "used_cpu_sys_children:%ld.%06ld\r\n", (long)children.ru_stime.tv_sec,
		(long)children.ru_stime.tv_usec);
	sb_catf(b, "used_cpu_user_children:%ld.%06ld\r\n", (long)children.ru_utime.tv_sec,
		(long)children.ru_utime.tv_usec);
	sb_catf(b, "used_cpu_sys_main_thread:%ld.%06ld\r\n", (long)thread.ru_stime.tv_sec,
		(long)thread.ru_stime.tv_usec);
	sb_catf(b, "used_cpu_user_main_thread:%ld.%06ld\r\n", (long)thread.ru_utime.tv_sec,
		(long)thread.ru_utime.tv_usec);
}

static void info_keyspace(struct sbuf *b)
{
	int i;

	sb_cat(b, "# Keyspace\r\n");
	for (i = 0; i < srv.databases; i++) {
		__u64 keys = db_size(i);

		if (!keys)
			continue;
		sb_catf(b, "db%d:keys=%llu,expires=%llu,avg_ttl=%lld\r\n", i,
			(unsigned long long)keys, (unsigned long long)db_expires(i),
			db_avg_ttl_ms(i));
	}
}

static void info_section(struct sbuf *b, enum info_sec s)
{
	switch (s) {
	case INFO_SERVER:
		info_server(b);
		break;
	case INFO_CLIENTS:
		info_clients(b);
		break;
	case INFO_MEMORY:
		info_memory(b);
		break;
	case INFO_PERSISTENCE:
		info_persistence(b);
		break;
	case INFO_STATS:
		info_stats(b);
		break;
	case INFO_REPLICATION:
		info_replication(b);
		break;
	case INFO_CPU:
		info_cpu(b);
		break;
	case INFO_MODULES:
		sb_cat(b, "# Modules\r\n");
		break;
	case INFO_COMMANDSTATS:
		info_commandstats(b);
		break;
	case INFO_ERRORSTATS:
		sb_cat(b, "# Errorstats\r\n");
		break;
	case INFO_LATENCYSTATS:
		sb_cat(b, "# Latencystats\r\n");
		break;
	case INFO_CLUSTER:
		sb_cat(b, "# Cluster\r\ncluster_enabled:0\r\n");
		break;
	case INFO_KEYSPACE:
		info_keyspace(b);
		break;
	case INFO_ARENA:
		info_arena(b);
		break;
	case INFO_FASTPATH:
		sb_cat(b, fastpath_info());
		break;
	case INFO_NSECTIONS:
		break;
	}
}

/*
 * INFO [section ...]: Redis 7 semantics. Names are case-insensitive; "default" (also no
 * argument), "all" (default + commandstats + latencystats + our "arena") and "everything" (all
 * + modules' sections; we have none) select groups; unknown names select nothing. Sections are
 * always printed in the fixed order, separated by an empty line. Errorstats and latencystats
 * are printed empty: per-error-code counts and latency histograms are not kept.
 */
static void cmd_info(struct client *c)
{
	int want[INFO_NSECTIONS] = { 0 };
	struct sbuf b = { 0 };
	int i, s, n = 0;

	if (c->argc == 1) {
		for (s = 0; s < INFO_NSECTIONS; s++)
			want[s] = info_sections[s].dflt;
	}
	for (i = 1; i < c->argc; i++) {
		const struct arg *a = &c->argv[i];

		if (arg_is(a, "default")) {
			for (s = 0; s < INFO_NSECTIONS; s++)
				want[s] |= info_sections[s].dflt;
		} else if (arg_is(a, "all") || arg_is(a, "everything")) {
			for (s = 0; s < INFO_NSECTIONS; s++)
				want[s] = 1;
		} else {
			for (s = 0; s < INFO_NSECTIONS; s++)
				if (arg_is(a, info_sections[s].name))
					want[s] = 1;
		}
	}
	for (s = 0; s < INFO_NSECTIONS; s++) {
		if (!want[s])
			continue;
		if (n++)
			sb_cat(&b, "\r\n");
		info_section(&b, (enum info_sec)s);
	}
	sb_reply_verbatim(c, &b);
}

/* ---- CONFIG ------------------------------------------------------------------------------- */

static void config_get(struct client *c)
{
	config_get_command(c);
}

static void config_set(struct client *c)
{
	config_set_command(c);
}

static void config_resetstat_sub(struct client *c)
{
	config_resetstat_command(c);
}

static void config_rewrite_sub(struct client *c)
{
	char err[256];
	int ret = config_rewrite(err, sizeof(err));

	if (ret == -ENOENT && !srv.configfile) {
		reply_error(c, "ERR The server is running without a config file");
		return;
	}
	if (ret) {
		log_warning("CONFIG REWRITE failed: %s", err);
		reply_errorf(c, "ERR Rewriting config file: %s", err);
		return;
	}
	log_notice("CONFIG REWRITE executed with success.");
	reply_ok(c);
}

static void config_help(struct client *c)
{
	static const char *lines[] = {
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
		NULL,
	};

	reply_help(c, lines);
}

#define SUB_ADMIN (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static const struct srv_subcmd config_subs[] = {
	{ "get", config_get, -3, SUB_ADMIN, "Get the values of configuration parameters", "2.0.0" },
	{ "set", config_set, -4, SUB_ADMIN,
	  "Set configuration parameters to the given values", "2.0.0" },
	{ "resetstat", config_resetstat_sub, 2, SUB_ADMIN,
	  "Reset the stats returned by INFO", "2.0.0" },
	{ "rewrite", config_rewrite_sub, 2, SUB_ADMIN,
	  "Rewrite the configuration file with the in memory configuration", "2.8.0" },
	{ "help", config_help, 2, CMD_LOADING | CMD_STALE,
	  "Show helpful text about the different subcommands", "5.0.0" },
	{ NULL },
};

/* ---- CLIENT ------------------------------------------------------------------------------- */

/* The "flags=" letters of CLIENT LIST, in Redis's order; 'N' when none applies. */
static void client_flags_str(const struct client *cl, char *out)
{
	char *p = out;

	if (cl->flags & CLIENT_MULTI)
		*p++ = 'x';
	if (cl->flags & CLIENT_DIRTY_CAS)
		*p++ = 'd';
	if (cl->flags & CLIENT_CLOSE_AFTER_REPLY)
		*p++ = 'c';
	if (cl->flags & CLIENT_CLOSE_ASAP)
		*p++ = 'A';
	if (cl->flags & CLIENT_NO_EVICT)
		*p++ = 'e';
	if (p == out)
		*p++ = 'N';
	*p = '\0';
}

/* "cmd=" value: the command name, "container|sub" for the running container command. */
static void client_cmd_str(const struct client *cl, const struct client *self, char *out,
			   size_t cap)
{
	const struct command *cmd = cl->lastcmd;

	if (cl == self && self->cmd)
		cmd = self->cmd;
	if (!cmd) {
		snprintf(out, cap, "NULL");
		return;
	}
	if (cl == self && srv_container_of(cmd->fn) && cl->argc >= 2 && cl->argv[1].len < 40) {
		char sub[48];

		srv_lower_copy(sub, sizeof(sub), cl->argv[1].ptr, cl->argv[1].len);
		snprintf(out, cap, "%s|%s", cmd->name, sub);
		return;
	}
	snprintf(out, cap, "%s", cmd->name);
}

/* One CLIENT LIST / CLIENT INFO line (Redis 7's field order), with the trailing "\n". */
static void client_info_line(struct sbuf *b, const struct client *cl, const struct client *self)
{
	long long now = server_unix_ms();
	size_t argv_mem = 0, qbuf = cl->qb_len - cl->qb_pos, multi_mem = multi_queued_bytes(cl);
	size_t tot;
	char flags[16], cmd[96];
	int i;

	if (cl == self)
		for (i = 0; i < cl->argc; i++)
			argv_mem += cl->argv[i].len;
	tot = sizeof(*cl) + cl->qb_cap + multi_mem + obuf_mem(&cl->out);
	client_flags_str(cl, flags);
	client_cmd_str(cl, self, cmd, sizeof(cmd));
	sb_catf(b,
		"id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=0 "
		"psub=0 ssub=0 multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu "
		"rbp=%zu obl=%zu oll=0 omem=%zu tot-mem=%zu events=%s cmd=%s user=default "
		"redir=-1 resp=%d lib-name=%s lib-ver=%s\n",
		(unsigned long long)cl->id, cl->addr, cl->laddr, cl->fd, cl->name ? cl->name : "",
		(now - cl->ctime_ms) / 1000, (now - cl->last_interaction_ms) / 1000, flags, cl->db,
		(cl->flags & CLIENT_MULTI) ? cl->mq_count : -1, qbuf, cl->qb_cap - cl->qb_len,
		argv_mem, multi_mem, cl->qb_cap, cl->qb_peak, obuf_pending(&cl->out),
		obuf_mem(&cl->out), tot, obuf_pending(&cl->out) ? "rw" : "r", cmd, cl->resp,
		cl->lib_name ? cl->lib_name : "", cl->lib_ver ? cl->lib_ver : "");
}

/* Redis's getClientTypeByName(); every arenakv client is "normal".
 * -1 unknown name, 1 normal, 0 a type no client of ours has. */
static int client_type_arg(const struct arg *a)
{
	if (arg_is(a, "normal"))
		return 1;
	if (arg_is(a, "slave") || arg_is(a, "replica") || arg_is(a, "master") ||
	    arg_is(a, "pubsub"))
		return 0;
	return -1;
}

static void reply_unknown_client_type(struct client *c, const struct arg *a)
{
	reply_errorf(c, "ERR Unknown client type '%.*s'", (int)a->len, a->ptr);
}

static void client_id(struct client *c)
{
	reply_int(c, (long long)c->id);
}

static void client_getname(struct client *c)
{
	if (c->name)
		reply_cstr(c, c->name);
	else
		reply_null(c);
}

static void client_setname(struct client *c)
{
	if (client_setname_or_reply(c, &c->argv[2]) == 0)
		reply_ok(c);
}

/* CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; redis-py 5 sends it on connect). */
static void client_setinfo(struct client *c)
{
	const struct arg *attr = &c->argv[2], *val = &c->argv[3];
	char **dst;
	char *v = NULL;

	if (arg_is(attr, "lib-name")) {
		dst = &c->lib_name;
	} else if (arg_is(attr, "lib-ver")) {
		dst = &c->lib_ver;
	} else {
		reply_errorf(c, "ERR Unrecognized option '%.*s'", (int)attr->len, attr->ptr);
		return;
	}
	if (!client_attr_valid(val)) {
		reply_errorf(c, "ERR %.*s cannot contain spaces, newlines or special characters.",
			     (int)attr->len, attr->ptr);
		return;
	}
	if (val->len && !(v = strndup(val->ptr, val->len))) {
		reply_error(c, "ERR out of memory");
		return;
	}
	free(*dst);
	*dst = v;
	reply_ok(c);
}

static void client_info(struct client *c)
{
	struct sbuf b = { 0 };

	client_info_line(&b, c, c);
	sb_reply_verbatim(c, &b);
}

/* CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]] */
static void client_list(struct client *c)
{
	struct sbuf b = { 0 };
	struct client *cl, *last = NULL;
	int j;

	if (c->argc == 4 && arg_is(&c->argv[2], "type")) {
		int t = client_type_arg(&c->argv[3]);

		if (t < 0) {
			reply_unknown_client_type(c, &c->argv[3]);
			return;
		}
		if (t == 0) {
			reply_verbatim(c, "", 0, "txt");
			return;
		}
	} else if (c->argc > 3 && arg_is(&c->argv[2], "id")) {
		for (j = 3; j < c->argc; j++) {
			long long id;

			if (string2ll(c->argv[j].ptr, c->argv[j].len, &id)) {
				reply_error(c, "ERR Invalid client ID");
				free(b.p);
				return;
			}
			cl = id > 0 ? conn_by_id((__u64)id) : NULL;
			if (cl)
				client_info_line(&b, cl, c);
		}
		sb_reply_verbatim(c, &b);
		return;
	} else if (c->argc != 2) {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	/* srv.clients is newest first; Redis lists the oldest first. */
	for (cl = srv.clients; cl; cl = cl->next)
		last = cl;
	for (cl = last; cl; cl = cl->prev)
		client_info_line(&b, cl, c);
	sb_reply_verbatim(c, &b);
}

/*
 * CLIENT KILL ip:port (old form: +OK or "No such client", may kill the caller) or
 * CLIENT KILL <filter> <value> ... with ID ADDR LADDR TYPE USER SKIPME (new form: the number
 * killed; the caller is skipped unless SKIPME no). Others close at once without their pending
 * output (conn_close_asap); the caller closes after this reply.
 */
static void client_kill(struct client *c)
{
	const struct arg *addr = NULL, *laddr = NULL;
	long long id = 0;
	int type = -1, skipme = 1, killed = 0, kill_self = 0, i;
	struct client *cl, *next;

	if (c->argc == 3) {
		addr = &c->argv[2];
		skipme = 0;
	} else {
		for (i = 2; i < c->argc; i += 2) {
			const struct arg *opt, *val;

			if (i + 1 >= c->argc) {
				reply_error(c, ERR_SYNTAX);
				return;
			}
			opt = &c->argv[i];
			val = &c->argv[i + 1];
			if (arg_is(opt, "id")) {
				if (string2ll(val->ptr, val->len, &id) || id < 1) {
					reply_error(c, "ERR client-id should be greater than 0");
					return;
				}
			} else if (arg_is(opt, "type")) {
				type = client_type_arg(val);
				if (type < 0) {
					reply_unknown_client_type(c, val);
					return;
				}
			} else if (arg_is(opt, "addr")) {
				addr = val;
			} else if (arg_is(opt, "laddr")) {
				laddr = val;
			} else if (arg_is(opt, "user")) {
				if (val->len != 7 || memcmp(val->ptr, "default", 7)) {
					reply_errorf(c, "ERR No such user '%.*s'", (int)val->len,
						     val->ptr);
					return;
				}
			} else if (arg_is(opt, "skipme")) {
				if (arg_is(val, "yes")) {
					skipme = 1;
				} else if (arg_is(val, "no")) {
					skipme = 0;
				} else {
					reply_error(c, ERR_SYNTAX);
					return;
				}
			} else {
				reply_error(c, ERR_SYNTAX);
				return;
			}
		}
	}
	for (cl = srv.clients; cl; cl = next) {
		next = cl->next;
		if (addr && !cstr_eq_arg(cl->addr, addr))
			continue;
		if (laddr && !cstr_eq_arg(cl->laddr, laddr))
			continue;
		if (type == 0)
			continue; /* no replicas, masters or pubsub clients here */
		if (id && cl->id != (__u64)id)
			continue;
		if (cl == c && skipme)
			continue;
		if (cl == c)
			kill_self = 1;
		else
			conn_close_asap(cl);
		killed++;
	}
	if (c->argc == 3) {
		if (!killed)
			reply_error(c, "ERR No such client");
		else
			reply_ok(c);
	} else {
		reply_int(c, killed);
	}
	if (kill_self)
		c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void client_reply(struct client *c)
{
	const struct arg *a = &c->argv[2];

	if (arg_is(a, "on")) {
		c->flags &= ~(CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT | CLIENT_REPLY_OFF);
		reply_ok(c);
	} else if (arg_is(a, "off")) {
		c->flags |= CLIENT_REPLY_OFF;
	} else if (arg_is(a, "skip")) {
		if (!(c->flags & CLIENT_REPLY_OFF))
			c->flags |= CLIENT_REPLY_SKIP_NEXT;
	} else {
		reply_error(c, ERR_SYNTAX);
	}
}

static void client_no_evict(struct client *c)
{
	if (arg_is(&c->argv[2], "on")) {
		c->flags |= CLIENT_NO_EVICT;
		reply_ok(c);
	} else if (arg_is(&c->argv[2], "off")) {
		c->flags &= ~CLIENT_NO_EVICT;
		reply_ok(c);
	} else {
		reply_error(c, ERR_SYNTAX);
	}
}

/* No command blocks in arenakv, so no client is ever unblocked: 0, after Redis's checks. */
static void client_unblock(struct client *c)
{
	long long id;

	if (arg_ll_or_reply(c, &c->argv[2], &id, NULL) < 0)
		return;
	if (c->argc == 4 && !arg_is(&c->argv[3], "timeout") && !arg_is(&c->argv[3], "error")) {
		reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
		return;
	}
	if (c->argc > 4) {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	reply_int(c, 0);
}

static void client_help(struct client *c)
{
	static const char *lines[] = {
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"    * ID <client-id>",
		"      Kill connections by client id.",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"SETINFO <LIB-NAME|LIB-VER> <value>",
		"    Set client meta attr. Options are:",
		"    * LIB-NAME: the client lib name.",
		"    * LIB-VER: the client lib version.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
		NULL,
	};

	reply_help(c, lines);
}

#define SUB_CONN (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static const struct srv_subcmd client_subs[] = {
	{ "getname", client_getname, 2, SUB_CONN, "Get the current connection name", "2.6.9" },
	{ "id", client_id, 2, SUB_CONN,
	  "Returns the client ID for the current connection", "5.0.0" },
	{ "info", client_info, 2, SUB_CONN,
	  "Returns information about the current client connection.", "6.2.0" },
	{ "kill", client_kill, -3, SUB_CONN | CMD_ADMIN,
	  "Kill the connection of a client", "2.4.0" },
	{ "list", client_list, -2, SUB_CONN | CMD_ADMIN,
	  "Get the list of client connections", "2.4.0" },
	{ "no-evict", client_no_evict, 3, SUB_CONN | CMD_ADMIN,
	  "Set client eviction mode for the current connection", "7.0.0" },
	{ "reply", client_reply, 3, SUB_CONN,
	  "Instruct the server whether to reply to commands", "3.2.0" },
	{ "setinfo", client_setinfo, 4, SUB_CONN,
	  "Set client or connection specific info", "7.2.0" },
	{ "setname", client_setname, 3, SUB_CONN, "Set the current connection name", "2.6.9" },
	{ "unblock", client_unblock, -3, SUB_CONN | CMD_ADMIN,
	  "Unblock a client blocked in a blocking command from a different connection", "5.0.0" },
	{ "help", client_help, 2, CMD_LOADING | CMD_STALE,
	  "Show helpful text about the different subcommands", "5.0.0" },
	{ NULL },
};

/* ---- MEMORY ------------------------------------------------------------------------------- */

/* MEMORY USAGE key [SAMPLES n]: arena bytes of the entry and its value (samples accepted for
 * compatibility: a string's size is exact, nothing is sampled). Like Redis, a key whose
 * deadline passed but that was not deleted yet still reports its size. */
static void memory_usage(struct client *c)
{
	struct kv_entry *e;
	int j;

	for (j = 3; j < c->argc; j++) {
		if (arg_is(&c->argv[j], "samples") && j + 1 < c->argc) {
			long long samples;

			if (arg_ll_or_reply(c, &c->argv[j + 1], &samples, NULL) < 0)
				return;
			if (samples < 0) {
				reply_error(c, ERR_SYNTAX);
				return;
			}
			j++;
		} else {
			reply_error(c, ERR_SYNTAX);
			return;
		}
	}
	e = db_lookup(c->db, c->argv[2].ptr, c->argv[2].len,
		      DB_LOOKUP_NOTOUCH | DB_LOOKUP_NOSTATS | DB_LOOKUP_NOEXPIRE);
	if (!e) {
		reply_null(c);
		return;
	}
	reply_int(c, (long long)db_entry_mem_usage(e));
}

static void memory_stats(struct client *c)
{
	unsigned long long used = arena_used_bytes(), keys = 0, rss = process_rss_bytes();
	int i, ndb = 0;

	if (used > srv.stat_peak_memory)
		srv.stat_peak_memory = used;
	for (i = 0; i < srv.databases; i++) {
		__u64 n = db_size(i);

		keys += n;
		ndb += n != 0;
	}
	reply_map(c, 9 + ndb);
	reply_cstr(c, "peak.allocated");
	reply_int(c, (long long)srv.stat_peak_memory);
	reply_cstr(c, "total.allocated");
	reply_int(c, (long long)used);
	reply_cstr(c, "arena.resident");
	reply_int(c, (long long)arena_resident_bytes());
	reply_cstr(c, "clients.normal");
	{
		unsigned long long cmem = 0;
		struct client *cl;

		for (cl = srv.clients; cl; cl = cl->next)
			cmem += sizeof(*cl) + cl->qb_cap + obuf_mem(&cl->out) +
				multi_queued_bytes(cl);
		reply_int(c, (long long)cmem);
	}
	for (i = 0; i < srv.databases; i++) {
		char name[16];

		if (!db_size(i))
			continue;
		snprintf(name, sizeof(name), "db.%d", i);
		reply_cstr(c, name);
		reply_map(c, 2);
		reply_cstr(c, "keys");
		reply_int(c, (long long)db_size(i));
		reply_cstr(c, "expires");
		reply_int(c, (long long)db_expires(i));
	}
	reply_cstr(c, "keys.count");
	reply_int(c, (long long)keys);
	reply_cstr(c, "keys.bytes-per-key");
	reply_int(c, keys ? (long long)(used / keys) : 0);
	reply_cstr(c, "dataset.bytes");
	reply_int(c, (long long)used);
	reply_cstr(c, "rss.bytes");
	reply_int(c, (long long)rss);
	reply_cstr(c, "peak.percentage");
	reply_double(c, srv.stat_peak_memory ? 100.0 * (double)used / srv.stat_peak_memory : 0.0);
}

static void memory_doctor(struct client *c)
{
	static const char msg[] =
		"Hi Sam, arenakv keeps its keyspace in a BPF arena with its own size-class "
		"allocator, so there is no jemalloc fragmentation to diagnose. See INFO memory "
		"(used_memory, arena_resident_bytes, used_memory_rss).";

	reply_verbatim(c, msg, sizeof(msg) - 1, "txt");
}

static void memory_malloc_stats(struct client *c)
{
	static const char msg[] = "Stats not supported for the current allocator";

	reply_verbatim(c, msg, sizeof(msg) - 1, "txt");
}

static void memory_purge(struct client *c)
{
	reply_ok(c);
}

static void memory_help(struct client *c)
{
	static const char *lines[] = {
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
		NULL,
	};

	reply_help(c, lines);
}

static const struct srv_subcmd memory_subs[] = {
	{ "doctor", memory_doctor, 2, 0, "Outputs memory problems report", "4.0.0" },
	{ "malloc-stats", memory_malloc_stats, 2, 0, "Show allocator internal stats", "4.0.0" },
	{ "purge", memory_purge, 2, 0, "Ask the allocator to release memory", "4.0.0" },
	{ "stats", memory_stats, 2, 0, "Show memory usage details", "4.0.0" },
	{ "usage", memory_usage, -3, CMD_READONLY, "Estimate the memory usage of a key", "4.0.0" },
	{ "help", memory_help, 2, CMD_LOADING | CMD_STALE,
	  "Show helpful text about the different subcommands", "4.0.0" },
	{ NULL },
};

/* ---- container dispatch ------------------------------------------------------------------- */

static void cmd_config(struct client *c);
static void cmd_client(struct client *c);
static void cmd_command(struct client *c);
static void cmd_memory(struct client *c);

static const struct srv_container containers[] = {
	{ "config", cmd_config, config_subs },
	{ "client", cmd_client, client_subs },
	{ "command", cmd_command, cmddocs_subs },
	{ "memory", cmd_memory, memory_subs },
};

const struct srv_container *srv_container_of(cmd_fn *fn)
{
	size_t i;

	for (i = 0; i < sizeof(containers) / sizeof(containers[0]); i++)
		if (containers[i].fn == fn)
			return &containers[i];
	return NULL;
}

static void container_dispatch(struct client *c, const struct srv_container *ct)
{
	const struct srv_subcmd *s;
	int bare;

	s = subcmd_resolve(c, ct, &bare);
	if (s)
		s->fn(c);
	else if (bare && ct->fn == cmd_command)
		cmddocs_all(c);
	else if (bare)
		reply_wrong_arity(c, ct->name); /* dispatch's arity check makes this unreachable */
}

static void cmd_config(struct client *c)
{
	container_dispatch(c, &containers[0]);
}

static void cmd_client(struct client *c)
{
	container_dispatch(c, &containers[1]);
}

static void cmd_command(struct client *c)
{
	container_dispatch(c, &containers[2]);
}

static void cmd_memory(struct client *c)
{
	container_dispatch(c, &containers[3]);
}

/* ---- the table ---------------------------------------------------------------------------- */

#define F_CONN (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

const struct command server_commands[] = {
	{ "ping", cmd_ping, -1, CMD_FAST, 0, 0, 0, "connection",
	  "Ping the server", "1.0.0" },
	{ "echo", cmd_echo, 2, CMD_FAST, 0, 0, 0, "connection",
	  "Echo the given string", "1.0.0" },
	{ "quit", cmd_quit, -1, F_CONN | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY | CMD_NO_MULTI,
	  0, 0, 0, "connection", "Close the connection", "1.0.0" },
	{ "reset", cmd_reset, 1, F_CONN | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY | CMD_NO_MULTI,
	  0, 0, 0, "connection", "Reset the connection", "6.2.0" },
	{ "hello", cmd_hello, -1, F_CONN | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY, 0, 0, 0,
	  "connection", "Handshake with Redis", "6.0.0" },
	{ "auth", cmd_auth, -2, F_CONN | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY, 0, 0, 0,
	  "connection", "Authenticate to the server", "1.0.0" },
	{ "select", cmd_select, 2, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "connection",
	  "Change the selected database for the current connection", "1.0.0" },
	{ "dbsize", cmd_dbsize, 1, CMD_READONLY | CMD_FAST, 0, 0, 0, "server",
	  "Return the number of keys in the selected database", "1.0.0" },
	{ "flushdb", cmd_flushdb, -1, CMD_WRITE, 0, 0, 0, "server",
	  "Remove all keys from the current database", "1.0.0" },
	{ "flushall", cmd_flushall, -1, CMD_WRITE, 0, 0, 0, "server",
	  "Remove all keys from all databases", "1.0.0" },
	{ "info", cmd_info, -1, CMD_LOADING | CMD_STALE, 0, 0, 0, "server",
	  "Get information and statistics about the server", "1.0.0" },
	{ "config", cmd_config, -2, 0, 0, 0, 0, "server",
	  "A container for server configuration commands", "2.0.0" },
	{ "client", cmd_client, -2, 0, 0, 0, 0, "connection",
	  "A container for client connection commands", "2.4.0" },
	{ "command", cmd_command, -1, 0, 0, 0, 0, "server",
	  "Get array of Redis command details", "2.8.13" },
	{ "memory", cmd_memory, -2, 0, 0, 0, 0, "server",
	  "A container for memory diagnostics commands", "4.0.0" },
	{ "time", cmd_time, 1, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "server",
	  "Return the current server time", "2.6.0" },
	{ "lastsave", cmd_lastsave, 1, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "server",
	  "Get the UNIX time stamp of the last successful save to disk", "1.0.0" },
	{ "shutdown", cmd_shutdown, -1, CMD_ADMIN | F_CONN | CMD_ALLOW_BUSY, 0, 0, 0, "server",
	  "Synchronously save the dataset to disk and then shut down the server",
	  "1.0.0" },
	{ NULL },
};
