// SPDX-License-Identifier: BSD-2-Clause
/*
 * config_table.c - every Redis 7.0 directive arenakv accepts without implementing it.
 *
 * Why: stock redis.conf files, configuration management and Redis's own test suite configs
 * (tests/assets/default.conf) name directives such as dbfilename, slowlog-max-len or
 * slave-serve-stale-data. Refusing them makes arenakv unusable as a drop-in; accepting them
 * silently would lie. So each one is a row here with Redis 7.0's name, alias, validation type,
 * bounds, default and mutability (read from Redis's config.c static_configs[] and checked with
 * CONFIG GET on redis-server 7.0.15), plus a `why`: config.c logs
 *   # 'appendonly yes' is accepted but not implemented: arenakv keeps no persistence yet
 * once at start-up for every row set to a non-default value, and again on CONFIG SET.
 *
 * Directives arenakv implements (port, bind, maxmemory, timeout, client-output-buffer-limit,
 * ...) are NOT here: they live in config.c's config_table[], next to their side effects.
 * Invariant: a name appears in exactly one of the two tables (config.c checks at start-up).
 * Rows are grouped like Redis's table; order does not matter (lookups are by name).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"

/* ---- reasons ------------------------------------------------------------------------------ */

#define W_PERSIST "arenakv keeps no persistence yet"
#define W_REPL	  "arenakv has no replication"
#define W_CLUSTER "arenakv has no cluster mode"
#define W_TLS	  "arenakv has no TLS"
#define W_ENC	  "arenakv has no listpack/intset/quicklist encodings"
#define W_DEFRAG  "arenakv has no active defragmentation"
#define W_LAZY	  "arenakv frees synchronously except FLUSHALL/FLUSHDB ASYNC"
#define W_ACL	  "arenakv has no ACL users (only requirepass)"
#define W_PROC	  "arenakv does not manage its process title, threads or CPU affinity"
#define W_LOG	  "arenakv logs to stdout or logfile only"
#define W_MONITOR "arenakv has no SLOWLOG, LATENCY or keyspace notifications"
#define W_NOCMD	  "arenakv has no such command"

/* ---- row makers: name, default, flags, reason ---------------------------------------------- */

#define ROW(n, t, f, lo, hi, en, d, chk, al, w) \
	{ n, t, f, NULL, lo, hi, en, d, NULL, chk, al, w }
#define B(n, d, f, w)		ROW(n, CFG_BOOL, f, 0, 1, NULL, d, NULL, NULL, w)
#define I(n, lo, hi, d, f, w)	ROW(n, CFG_INT, f, lo, hi, NULL, d, NULL, NULL, w)
#define L(n, lo, hi, d, f, w)	ROW(n, CFG_LL, f, lo, hi, NULL, d, NULL, NULL, w)
#define M(n, lo, hi, d, f, w)	ROW(n, CFG_MEM_LL, f, lo, hi, NULL, d, NULL, NULL, w)
#define S(n, d, f, w)		ROW(n, CFG_STRING, f, 0, 0, NULL, d, NULL, NULL, w)
#define E(n, en, d, f, w)	ROW(n, CFG_ENUM, f, 0, 0, en, d, NULL, NULL, w)
#define K(n, chk, d, f, w)	ROW(n, CFG_CHECKED, f, 0, 0, NULL, d, chk, NULL, w)
#define ALIAS(n, target)	ROW(n, CFG_STRING, 0, 0, 0, NULL, "", NULL, target, NULL)

#define IMM CFG_IMMUTABLE
#define HID CFG_HIDDEN

/* ---- enums -------------------------------------------------------------------------------- */

static const struct cfg_enum supervised_enums[] = {
	{ "upstart", 1 }, { "systemd", 2 }, { "auto", 3 }, { "no", 0 }, { NULL, 0 },
};
static const struct cfg_enum syslog_facility_enums[] = {
	{ "user", 8 },	    { "local0", 128 }, { "local1", 136 }, { "local2", 144 },
	{ "local3", 152 },  { "local4", 160 }, { "local5", 168 }, { "local6", 176 },
	{ "local7", 184 },  { NULL, 0 },
};
static const struct cfg_enum diskless_load_enums[] = {
	{ "disabled", 0 }, { "on-empty-db", 1 }, { "swapdb", 2 }, { NULL, 0 },
};
static const struct cfg_enum tls_auth_enums[] = {
	{ "no", 0 }, { "yes", 1 }, { "optional", 2 }, { NULL, 0 },
};
static const struct cfg_enum oom_adj_enums[] = {
	{ "no", 0 }, { "yes", 1 }, { "relative", 1 }, { "absolute", 2 }, { NULL, 0 },
};
static const struct cfg_enum acl_pubsub_enums[] = {
	{ "allchannels", 1 }, { "resetchannels", 0 }, { NULL, 0 },
};
static const struct cfg_enum sanitize_enums[] = {
	{ "no", 0 }, { "yes", 1 }, { "clients", 2 }, { NULL, 0 },
};
const struct cfg_enum cfg_yes_no_local_enums[] = {
	{ "no", 0 }, { "yes", 1 }, { "local", 2 }, { NULL, 0 },
};
static const struct cfg_enum endpoint_enums[] = {
	{ "ip", 0 }, { "hostname", 1 }, { "unknown-endpoint", 2 }, { NULL, 0 },
};

/* ---- special validators (Redis's texts) --------------------------------------------------- */

static int check_basename(const char *in, char *out, size_t cap, const char *msg,
			  const char **err)
{
	if (strchr(in, '/')) {
		*err = msg;
		return -EINVAL;
	}
	snprintf(out, cap, "%s", in);
	return 0;
}

static int check_dbfilename(const char *in, char *out, size_t cap, const char **err)
{
	return check_basename(in, out, cap, "dbfilename can't be a path, just a filename", err);
}

static int check_aoffilename(const char *in, char *out, size_t cap, const char **err)
{
	return check_basename(in, out, cap, "appendfilename can't be a path, just a filename",
			      err);
}

static int check_aofdirname(const char *in, char *out, size_t cap, const char **err)
{
	return check_basename(in, out, cap, "appenddirname can't be a path, just a dirname", err);
}

/* unixsocketperm: octal 0..0777, printed back in octal without a leading zero. */
static int check_octal(const char *in, char *out, size_t cap, const char **err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(in, &end, 8);
	if (!*in || *end || errno || v < 0 || v > 0777) {
		*err = *in && !*end && !errno ? "argument must be between 0 and 511 inclusive"
					       : "argument couldn't be parsed into an integer";
		return -EINVAL;
	}
	snprintf(out, cap, "%lo", v);
	return 0;
}

/* maxmemory-clients: a memory value, or a percentage 0..100 of maxmemory ("10%"). */
static int check_mem_or_percent(const char *in, char *out, size_t cap, const char **err)
{
	size_t n = strlen(in);
	unsigned long long v = 0;
	int ok = 1;

	if (n && in[n - 1] == '%') {
		char *end;

		errno = 0;
		v = strtoull(in, &end, 10);
		ok = n > 1 && end == in + n - 1 && !errno && in[0] != '-';
		if (ok && v > 100) {
			*err = "percentage argument must be less or equal to 100";
			return -EINVAL;
		}
		if (ok) {
			snprintf(out, cap, "%llu%%", v);
			return 0;
		}
	} else {
		for (size_t i = 0; i < n && ok; i++)
			ok = (in[i] >= '0' && in[i] <= '9') || strchr("kKmMgGbB", in[i]);
		ok = ok && n && in[0] >= '0' && in[0] <= '9';
		if (ok) {
			if (config_parse_memory(in, n, &v) == 0 && v <= LLONG_MAX) {
				snprintf(out, cap, "%llu", v);
				return 0;
			}
		}
	}
	*err = "argument must be a memory or percent value";
	return -EINVAL;
}

/* oom-score-adj-values: exactly three integers in [-2000, 2000]. */
static int check_oom_values(const char *in, char *out, size_t cap, const char **err)
{
	long v[3];
	int n = 0;
	const char *p = in;

	while (*p && n <= 3) {
		char *end;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (n == 3) {
			n = 4;
			break;
		}
		errno = 0;
		v[n] = strtol(p, &end, 10);
		if (end == p || (*end && *end != ' ') || errno || v[n] < -2000 || v[n] > 2000) {
			*err = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
			return -EINVAL;
		}
		n++;
		p = end;
	}
	if (n != 3) {
		*err = "wrong number of arguments";
		return -EINVAL;
	}
	snprintf(out, cap, "%ld %ld %ld", v[0], v[1], v[2]);
	return 0;
}

/* latency-tracking-info-percentiles: 0..n doubles in [0, 100], printed with %g-like trimming. */
static int check_percentiles(const char *in, char *out, size_t cap, const char **err)
{
	const char *p = in;
	size_t off = 0;

	out[0] = 0;
	for (;;) {
		char *end;
		double d;

		while (*p == ' ')
			p++;
		if (!*p)
			return 0;
		d = strtod(p, &end);
		if (end == p || (*end && *end != ' ')) {
			*err = "Invalid latency-tracking-info-percentiles parameters";
			return -EINVAL;
		}
		if (d < 0.0 || d > 100.0) {
			*err = "latency-tracking-info-percentiles: percentile must be between 0.0 and "
			       "100.0";
			return -EINVAL;
		}
		/* shortest fixed form that reads back as the same double ("99.9", "50") */
		int prec = 0;
		char num[400];

		do
			snprintf(num, sizeof(num), "%.*f", prec, d);
		while (strtod(num, NULL) != d && ++prec <= 17);
		off += snprintf(out + off, off < cap ? cap - off : 0, "%s%s", off ? " " : "", num);
		p = end;
	}
}

/*
 * notify-keyspace-events: class letters; printed back canonically like Redis's
 * keyspaceEventsFlagsToString: "A" for the full set g$lshzxetd, else the letters in that order
 * then n (inside the else, as Redis has it), then K, E, m.
 */
static int check_notify(const char *in, char *out, size_t cap, const char **err)
{
	static const char classes[] = "g$lshzxetd"; /* the set 'A' stands for, in print order */
	int have[128] = { 0 };
	size_t off = 0;
	int all = 1;

	for (const char *p = in; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == 'A') {
			for (const char *q = classes; *q; q++)
				have[(unsigned char)*q] = 1;
		} else if (ch < 128 && strchr("g$lshzxetdKEmn", ch) && ch) {
			have[ch] = 1;
		} else {
			*err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
			return -EINVAL;
		}
	}
	for (const char *q = classes; *q; q++)
		all &= have[(unsigned char)*q];
	if (all) {
		out[off++] = 'A';
	} else {
		for (const char *q = classes; *q && off + 1 < cap; q++)
			if (have[(unsigned char)*q])
				out[off++] = *q;
		if (have['n'])
			out[off++] = 'n';
	}
	for (const char *q = "KEm"; *q && off + 1 < cap; q++)
		if (have[(unsigned char)*q])
			out[off++] = *q;
	out[off] = 0;
	return 0;
}

/* replicaof: "" or "host port" or "no one" (Redis accepts the last only as a command). */
static int check_replicaof(const char *in, char *out, size_t cap, const char **err)
{
	const char *sp = strchr(in, ' ');
	char *end;
	long port;

	if (!*in) {
		out[0] = 0;
		return 0;
	}
	if (!sp || strchr(sp + 1, ' ')) {
		*err = "wrong number of arguments";
		return -EINVAL;
	}
	if (!strcasecmp(in, "no one")) {
		out[0] = 0;
		return 0;
	}
	errno = 0;
	port = strtol(sp + 1, &end, 10);
	if (*end || errno || port < 0 || port > 65535 || end == sp + 1) {
		*err = "Invalid master port";
		return -EINVAL;
	}
	snprintf(out, cap, "%s", in);
	return 0;
}

/* shutdown-on-sigint/sigterm: "default" or any of save|nosave, now, force. */
static int check_shutdown_flags(const char *in, char *out, size_t cap, const char **err)
{
	static const char *const names[] = { "default", "save", "nosave", "now", "force" };
	int have[5] = { 0 }, any = 0;
	const char *p = in;
	size_t off = 0;

	while (*p) {
		size_t n;
		int k;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (!n)
			break;
		for (k = 0; k < 5; k++)
			if (strlen(names[k]) == n && !strncasecmp(names[k], p, n))
				break;
		if (k == 5) {
			*err = "argument(s) must be one of the following: default, save, nosave, now, "
			       "force";
			return -EINVAL;
		}
		have[k] = 1;
		any++;
		p += n;
	}
	if (!any) {
		*err = "wrong number of arguments";
		return -EINVAL;
	}
	if (have[1] && have[2]) {
		*err = "shutdown options SAVE and NOSAVE can't be used simultaneously";
		return -EINVAL;
	}
	/* "default" is the empty set: alone it prints as "default", with others it vanishes */
	if (any > 1)
		have[0] = 0;
	for (int k = 0; k < 5; k++)
		if (have[k])
			off += snprintf(out + off, off < cap ? cap - off : 0, "%s%s", off ? " " : "",
					names[k]);
	return 0;
}

static const struct cfg_enum propagation_enums[] = {
	{ "ignore", 0 }, { "panic", 1 }, { "panic-on-replicas", 2 }, { NULL, 0 },
};

/* ---- the table ---------------------------------------------------------------------------- */

const struct cfg_def config_compat_table[] = {
	/* bool */
	B("rdbchecksum", "yes", IMM, W_PERSIST),
	B("io-threads-do-reads", "no", IMM, W_PROC),
	B("always-show-logo", "no", IMM, "arenakv prints no ASCII logo"),
	B("rdbcompression", "yes", 0, W_PERSIST),
	B("rdb-del-sync-files", "no", 0, W_PERSIST),
	B("activerehashing", "yes", 0, "arenakv always rehashes incrementally"),
	B("stop-writes-on-bgsave-error", "yes", 0, W_PERSIST),
	B("set-proc-title", "yes", IMM, W_PROC),
	B("dynamic-hz", "yes", 0, "arenakv keeps hz fixed"),
	B("lazyfree-lazy-eviction", "no", 0, W_LAZY),
	B("lazyfree-lazy-expire", "no", 0, W_LAZY),
	B("lazyfree-lazy-server-del", "no", 0, W_LAZY),
	B("lazyfree-lazy-user-del", "no", 0, W_LAZY),
	B("lazyfree-lazy-user-flush", "no", 0, W_LAZY),
	B("repl-disable-tcp-nodelay", "no", 0, W_REPL),
	B("repl-diskless-sync", "yes", 0, W_REPL),
	B("aof-rewrite-incremental-fsync", "yes", 0, W_PERSIST),
	B("no-appendfsync-on-rewrite", "no", 0, W_PERSIST),
	B("cluster-require-full-coverage", "yes", 0, W_CLUSTER),
	B("rdb-save-incremental-fsync", "yes", 0, W_PERSIST),
	B("aof-load-truncated", "yes", 0, W_PERSIST),
	B("aof-use-rdb-preamble", "yes", 0, W_PERSIST),
	B("aof-timestamp-enabled", "no", 0, W_PERSIST),
	B("cluster-replica-no-failover", "no", 0, W_CLUSTER),
	ALIAS("cluster-slave-no-failover", "cluster-replica-no-failover"),
	B("replica-lazy-flush", "no", 0, W_REPL),
	ALIAS("slave-lazy-flush", "replica-lazy-flush"),
	B("replica-serve-stale-data", "yes", 0, W_REPL),
	ALIAS("slave-serve-stale-data", "replica-serve-stale-data"),
	B("replica-read-only", "yes", 0, W_REPL),
	ALIAS("slave-read-only", "replica-read-only"),
	B("replica-ignore-maxmemory", "yes", 0, W_REPL),
	ALIAS("slave-ignore-maxmemory", "replica-ignore-maxmemory"),
	B("replica-ignore-disk-write-errors", "no", 0, W_REPL),
	B("jemalloc-bg-thread", "yes", 0, "arenakv does not use jemalloc"),
	B("activedefrag", "no", 0, W_DEFRAG),
	B("syslog-enabled", "no", IMM, W_LOG),
	B("cluster-enabled", "no", IMM, W_CLUSTER),
	B("cluster-allow-reads-when-down", "no", 0, W_CLUSTER),
	B("cluster-allow-pubsubshard-when-down", "yes", 0, W_CLUSTER),
	B("crash-log-enabled", "yes", 0, "arenakv writes no crash report"),
	B("crash-memcheck-enabled", "yes", 0, "arenakv writes no crash report"),
	B("use-exit-on-panic", "no", HID, "arenakv aborts on a broken invariant"),
	B("disable-thp", "yes", IMM, "arenakv leaves transparent huge pages alone"),
	B("cluster-allow-replica-migration", "yes", 0, W_CLUSTER),
	B("replica-announced", "yes", 0, W_REPL),
	B("latency-tracking", "yes", 0, W_MONITOR),
	B("aof-disable-auto-gc", "no", 0, W_PERSIST),

	/* string */
	S("aclfile", "", IMM, W_ACL),
	S("unixsocket", "", IMM, "arenakv listens on TCP only"),
	S("replica-announce-ip", "", 0, W_REPL),
	ALIAS("slave-announce-ip", "replica-announce-ip"),
	S("masteruser", "", 0, W_REPL),
	S("masterauth", "", 0, W_REPL),
	S("cluster-announce-ip", "", 0, W_CLUSTER),
	S("cluster-config-file", "nodes.conf", IMM, W_CLUSTER),
	S("cluster-announce-hostname", "", 0, W_CLUSTER),
	S("syslog-ident", "redis", IMM, W_LOG),
	K("dbfilename", check_dbfilename, "dump.rdb", CFG_PROTECTED, W_PERSIST),
	K("appendfilename", check_aoffilename, "appendonly.aof", IMM, W_PERSIST),
	K("appenddirname", check_aofdirname, "appendonlydir", IMM, W_PERSIST),
	S("server_cpulist", "", IMM, W_PROC),
	S("bio_cpulist", "", IMM, W_PROC),
	S("aof_rewrite_cpulist", "", IMM, W_PROC),
	S("bgsave_cpulist", "", IMM, W_PROC),
	S("ignore-warnings", "", 0, "arenakv has no such start-up warnings"),
	S("proc-title-template", "{title} {listen-addr} {server-mode}", 0, W_PROC),
	S("bind-source-addr", "", 0, W_REPL),

	/* enum */
	E("supervised", supervised_enums, "no", IMM, "arenakv sends no supervisor notifications"),
	E("syslog-facility", syslog_facility_enums, "local0", IMM, W_LOG),
	E("repl-diskless-load", diskless_load_enums, "disabled", 0, W_REPL),
	E("oom-score-adj", oom_adj_enums, "no", 0, "arenakv does not set its OOM score"),
	E("acl-pubsub-default", acl_pubsub_enums, "resetchannels", 0, W_ACL),
	E("sanitize-dump-payload", sanitize_enums, "no", 0, "arenakv has no DUMP/RESTORE"),
	/* enable-protected-configs is honoured by CONFIG SET (config.c reads it): no reason. */
	E("enable-protected-configs", cfg_yes_no_local_enums, "no", IMM, NULL),
	E("enable-debug-command", cfg_yes_no_local_enums, "no", IMM, W_NOCMD " (DEBUG)"),
	E("enable-module-command", cfg_yes_no_local_enums, "no", IMM, "arenakv has no modules"),
	E("cluster-preferred-endpoint-type", endpoint_enums, "ip", 0, W_CLUSTER),
	E("propagation-error-behavior", propagation_enums, "ignore", 0, W_REPL),

	/* int, long, size_t ... */
	I("io-threads", 1, 128, "1", IMM, W_PROC),
	I("auto-aof-rewrite-percentage", 0, INT_MAX, "100", 0, W_PERSIST),
	I("cluster-replica-validity-factor", 0, INT_MAX, "10", 0, W_CLUSTER),
	ALIAS("cluster-slave-validity-factor", "cluster-replica-validity-factor"),
	I("list-max-listpack-size", INT_MIN, INT_MAX, "-2", 0, W_ENC),
	ALIAS("list-max-ziplist-size", "list-max-listpack-size"),
	I("cluster-migration-barrier", 0, INT_MAX, "1", 0, W_CLUSTER),
	I("active-defrag-cycle-min", 1, 99, "1", 0, W_DEFRAG),
	I("active-defrag-cycle-max", 1, 99, "25", 0, W_DEFRAG),
	I("active-defrag-threshold-lower", 0, 1000, "10", 0, W_DEFRAG),
	I("active-defrag-threshold-upper", 0, 1000, "100", 0, W_DEFRAG),
	I("replica-priority", 0, INT_MAX, "100", 0, W_REPL),
	ALIAS("slave-priority", "replica-priority"),
	I("repl-diskless-sync-delay", 0, INT_MAX, "5", 0, W_REPL),
	I("maxmemory-eviction-tenacity", 0, 100, "10", 0,
	  "arenakv evicts until under maxmemory in one step"),
	I("replica-announce-port", 0, 65535, "0", 0, W_REPL),
	ALIAS("slave-announce-port", "replica-announce-port"),
	I("cluster-port", 0, 65535, "0", IMM, W_CLUSTER),
	I("cluster-announce-bus-port", 0, 65535, "0", 0, W_CLUSTER),
	I("cluster-announce-port", 0, 65535, "0", 0, W_CLUSTER),
	I("cluster-announce-tls-port", 0, 65535, "0", 0, W_CLUSTER),
	I("repl-timeout", 1, INT_MAX, "60", 0, W_REPL),
	I("repl-ping-replica-period", 1, INT_MAX, "10", 0, W_REPL),
	ALIAS("repl-ping-slave-period", "repl-ping-replica-period"),
	I("list-compress-depth", 0, INT_MAX, "0", 0, W_ENC),
	I("rdb-key-save-delay", INT_MIN, INT_MAX, "0", HID, W_PERSIST),
	I("key-load-delay", INT_MIN, INT_MAX, "0", HID, W_PERSIST),
	I("active-expire-effort", 1, 10, "1", 0, "arenakv's active expiry has a fixed effort"),
	I("min-replicas-to-write", 0, INT_MAX, "0", 0, W_REPL),
	ALIAS("min-slaves-to-write", "min-replicas-to-write"),
	I("min-replicas-max-lag", 0, INT_MAX, "10", 0, W_REPL),
	ALIAS("min-slaves-max-lag", "min-replicas-max-lag"),
	I("watchdog-period", 0, INT_MAX, "0", HID, "arenakv has no software watchdog"),
	I("shutdown-timeout", 0, INT_MAX, "10", 0, W_REPL),
	I("repl-diskless-sync-max-replicas", 0, INT_MAX, "0", 0, W_REPL),
	L("socket-mark-id", 0, UINT_MAX, "0", 0, "arenakv does not mark its sockets"),
	L("active-defrag-max-scan-fields", 1, LONG_MAX, "1000", 0, W_DEFRAG),
	L("slowlog-max-len", 0, LONG_MAX, "128", 0, W_MONITOR),
	L("acllog-max-len", 0, LONG_MAX, "128", 0, W_ACL),
	L("busy-reply-threshold", 0, LONG_MAX, "5000", 0, "arenakv runs no scripts"),
	ALIAS("lua-time-limit", "busy-reply-threshold"),
	L("cluster-node-timeout", 0, LLONG_MAX, "15000", 0, W_CLUSTER),
	L("slowlog-log-slower-than", -1, LLONG_MAX, "10000", 0, W_MONITOR),
	L("latency-monitor-threshold", 0, LLONG_MAX, "0", 0, W_MONITOR),
	L("stream-node-max-entries", 0, LLONG_MAX, "100", 0, "arenakv has no streams"),
	M("repl-backlog-size", 1, LLONG_MAX, "1mb", 0, W_REPL),
	ROW("cluster-link-sendbuf-limit", CFG_MEM_ULL, 0, 0, 0, NULL, "0", NULL, NULL, W_CLUSTER),
	L("hash-max-listpack-entries", 0, LONG_MAX, "512", 0, W_ENC),
	ALIAS("hash-max-ziplist-entries", "hash-max-listpack-entries"),
	L("set-max-intset-entries", 0, LONG_MAX, "512", 0, W_ENC),
	L("zset-max-listpack-entries", 0, LONG_MAX, "128", 0, W_ENC),
	ALIAS("zset-max-ziplist-entries", "zset-max-listpack-entries"),
	M("active-defrag-ignore-bytes", 1, LLONG_MAX, "100mb", 0, W_DEFRAG),
	M("hash-max-listpack-value", 0, LONG_MAX, "64", 0, W_ENC),
	ALIAS("hash-max-ziplist-value", "hash-max-listpack-value"),
	M("stream-node-max-bytes", 0, LONG_MAX, "4096", 0, "arenakv has no streams"),
	M("zset-max-listpack-value", 0, LONG_MAX, "64", 0, W_ENC),
	ALIAS("zset-max-ziplist-value", "zset-max-listpack-value"),
	M("hll-sparse-max-bytes", 0, LONG_MAX, "3000", 0, "arenakv has no HyperLogLog"),
	L("tracking-table-max-keys", 0, LONG_MAX, "1000000", 0, "arenakv has no client tracking"),
	K("maxmemory-clients", check_mem_or_percent, "0", 0,
	  "arenakv does not evict clients for memory"),
	L("repl-backlog-ttl", 0, LONG_MAX, "3600", 0, W_REPL),
	M("auto-aof-rewrite-min-size", 0, LLONG_MAX, "64mb", 0, W_PERSIST),
	I("loading-process-events-interval-bytes", 1024, INT_MAX, "2097152", HID, W_PERSIST),
	K("unixsocketperm", check_octal, "0", IMM, "arenakv listens on TCP only"),

	/* TLS (redis-server 7.0 built with TLS lists these) */
	I("tls-port", 0, 65535, "0", 0, W_TLS),
	I("tls-session-cache-size", 0, INT_MAX, "20480", 0, W_TLS),
	I("tls-session-cache-timeout", 0, INT_MAX, "300", 0, W_TLS),
	B("tls-cluster", "no", 0, W_TLS),
	B("tls-replication", "no", 0, W_TLS),
	E("tls-auth-clients", tls_auth_enums, "yes", 0, W_TLS),
	B("tls-prefer-server-ciphers", "no", 0, W_TLS),
	B("tls-session-caching", "yes", 0, W_TLS),
	S("tls-cert-file", "", 0, W_TLS),
	S("tls-key-file", "", 0, W_TLS),
	S("tls-key-file-pass", "", 0, W_TLS),
	S("tls-client-cert-file", "", 0, W_TLS),
	S("tls-client-key-file", "", 0, W_TLS),
	S("tls-client-key-file-pass", "", 0, W_TLS),
	S("tls-dh-params-file", "", 0, W_TLS),
	S("tls-ca-cert-file", "", 0, W_TLS),
	S("tls-ca-cert-dir", "", 0, W_TLS),
	S("tls-protocols", "", 0, W_TLS),
	S("tls-ciphers", "", 0, W_TLS),
	S("tls-ciphersuites", "", 0, W_TLS),

	/* special multi-argument ones */
	K("oom-score-adj-values", check_oom_values, "0 200 800", CFG_MULTI,
	  "arenakv does not set its OOM score"),
	K("notify-keyspace-events", check_notify, "", 0, W_MONITOR),
	K("replicaof", check_replicaof, "", IMM | CFG_MULTI, W_REPL),
	ALIAS("slaveof", "replicaof"),
	K("shutdown-on-sigint", check_shutdown_flags, "default", CFG_MULTI,
	  "arenakv shuts down without saving on signals"),
	K("shutdown-on-sigterm", check_shutdown_flags, "default", CFG_MULTI,
	  "arenakv shuts down without saving on signals"),
	K("latency-tracking-info-percentiles", check_percentiles, "50 99 99.9", CFG_MULTI,
	  W_MONITOR),
};

const size_t config_compat_count = sizeof(config_compat_table) / sizeof(config_compat_table[0]);
