// SPDX-License-Identifier: BSD-2-Clause
/*
 * config.c - the directive table and everything driven by it: redis.conf files, `--name value`
 * command-line options, CONFIG GET / CONFIG SET / CONFIG RESETSTAT.
 *
 * Design. Every directive is one row of config_table[]: its name, the srv field it lives in, a
 * type that knows how to parse, validate, store and print it, and flags (immutable at run time,
 * protected). There is no second description anywhere: the file parser, the option parser, CONFIG
 * GET and CONFIG SET all walk the same rows, so a directive added here is complete. Error texts
 * are Redis 7.0's, checked against redis-server 7.0.15, because client libraries and operators
 * match on them.
 *
 * Command-line options work as in redis-server: they are turned into config lines ("--port 7000"
 * -> `port "7000"`) appended after the file's text, then the whole text is parsed as one file, so
 * options override the file and error messages point at a line number in the combined text.
 *
 * CONFIG SET with several pairs is all-or-nothing (Redis 7): every name is resolved and checked
 * (unknown, immutable, duplicate) first, then each value is parsed into a staged value; only
 * when all parse is anything stored. Side effects (re-binding the listeners, clamping hz) run
 * after storing; if one fails every touched directive gets its old value back.
 *
 * Files: this table holds the directives arenakv implements; config_table.c holds every other
 * Redis 7.0 directive (accepted with Redis's default and validation, warned about when set to
 * a non-default value, see config_log_unimplemented()); config_rewrite.c is CONFIG REWRITE.
 * `include` files are loaded in place; rename-command, user, loadmodule and sentinel lines are
 * accepted and named in a warning, never silently honoured or dropped.
 *
 * Ownership: the srv fields named in the table are written only here. String fields are
 * malloc'd and owned by srv; the table code frees the old string when storing a new one.
 * Loop thread only.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "commands.h"
#include "config.h"
#include "config_int.h"
#include "db.h"
#include "fastpath.h"
#include "log.h"
#include "reply.h"
#include "resp.h"
#include "util.h"

/*
 * The one server state. Defined here, next to the table that gives its configuration fields
 * their defaults, and filled by a constructor: any binary that links the core (unit tests that
 * never call config_load_argv()) sees Redis's defaults (loglevel notice, log to stdout, ...).
 */
struct server srv;

__attribute__((constructor)) static void config_ctor(void)
{
	config_init_defaults();
}

/* ---- value types: see config_int.h ------------------------------------------------------- */

/* A parsed value waiting to be stored (CONFIG SET stages all pairs before storing any). */
struct cfg_val {
	long long ll;
	unsigned long long ull;
	char *str;			/* owned */
	char *bind[SERVER_MAX_BIND];	/* owned */
	int bind_count;
	struct config_obuf_limit obuf[OBUF_CLASS_N];
};

static const struct cfg_enum policy_enums[] = {
	{ "volatile-lru", MAXMEMORY_VOLATILE_LRU },
	{ "volatile-lfu", MAXMEMORY_VOLATILE_LFU },
	{ "volatile-random", MAXMEMORY_VOLATILE_RANDOM },
	{ "volatile-ttl", MAXMEMORY_VOLATILE_TTL },
	{ "allkeys-lru", MAXMEMORY_ALLKEYS_LRU },
	{ "allkeys-lfu", MAXMEMORY_ALLKEYS_LFU },
	{ "allkeys-random", MAXMEMORY_ALLKEYS_RANDOM },
	{ "noeviction", MAXMEMORY_NO_EVICTION },
	{ NULL, 0 },
};

static const struct cfg_enum fsync_enums[] = {
	{ "everysec", APPENDFSYNC_EVERYSEC },
	{ "always", APPENDFSYNC_ALWAYS },
	{ "no", APPENDFSYNC_NO },
	{ NULL, 0 },
};

static const struct cfg_enum loglevel_enums[] = {
	{ "debug", LL_DEBUG },
	{ "verbose", LL_VERBOSE },
	{ "notice", LL_NOTICE },
	{ "warning", LL_WARNING },
	{ NULL, 0 },
};

static const struct cfg_enum io_engine_enums[] = {
	{ "auto", IO_ENGINE_AUTO },
	{ "uring", IO_ENGINE_URING },
	{ "epoll", IO_ENGINE_EPOLL },
	{ NULL, 0 },
};

static const struct cfg_enum arena_mode_enums[] = {
	{ "auto", 0 },
	{ "bpf", 1 },
	{ "mmap", 2 },
	{ NULL, 0 },
};

static const struct cfg_enum fastpath_mode_enums[] = {
	{ "auto", 0 },
	{ "native", 1 },
	{ "generic", 2 },
	{ "tc", 3 },
	{ "off", 4 },
	{ NULL, 0 },
};

static int protected_mode; /* accepted for compatibility; arenakv does not enforce it */

static int apply_listeners(const char **err);
static int apply_hz(const char **err);
static int apply_requirepass(const char **err);
static int apply_maxclients(const char **err);
static int apply_maxmemory(const char **err);
static int apply_dir(const char **err);

struct config_obuf_limit config_obuf_limits[OBUF_CLASS_N];
const char *const cfg_obuf_class_names[OBUF_CLASS_N] = { "normal", "slave", "pubsub" };

/* Sorted by name: CONFIG GET * prints in this order (then config_table.c's rows). Trailing
 * fields left out are NULL: no check(), no alias, implemented (no reason to warn). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct cfg_def config_table[] = {
	{ "active-expire-enabled", CFG_BOOL, 0, &srv.active_expire, 0, 1, NULL, "yes", NULL },
	{ "appendfsync", CFG_ENUM, 0, &srv.appendfsync, 0, 0, fsync_enums, "everysec", NULL, NULL,
	  NULL, "arenakv keeps no persistence yet" },
	{ "appendonly", CFG_BOOL, 0, &srv.appendonly, 0, 1, NULL, "no", NULL, NULL, NULL,
	  "arenakv keeps no persistence yet" },
	{ "arena-mode", CFG_SENUM, CFG_IMMUTABLE, &srv.arena_mode, 0, 0, arena_mode_enums, "auto",
	  NULL },
	{ "bind", CFG_BIND, CFG_MULTI, NULL, 0, 0, NULL, "* -::*", apply_listeners },
	{ "client-output-buffer-limit", CFG_OBUF, CFG_MULTI, config_obuf_limits, 0, 0, NULL,
	  "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", NULL },
	{ "client-query-buffer-limit", CFG_MEM_LL, 0, &srv.client_query_buffer_limit,
	  1024 * 1024, LLONG_MAX, NULL, "1gb", NULL },
	{ "daemonize", CFG_BOOL, CFG_IMMUTABLE, &srv.daemonize, 0, 1, NULL, "no", NULL },
	{ "databases", CFG_INT, CFG_IMMUTABLE, &srv.databases, 1, SERVER_MAX_DATABASES, NULL, "16",
	  NULL },
	{ "dir", CFG_STRING, CFG_PROTECTED, &srv.dir, 0, 0, NULL, "", apply_dir },
	{ "fastpath-allow", CFG_STRING, CFG_IMMUTABLE, &srv.fastpath_allow, 0, 0, NULL,
	  FASTPATH_ALLOW_DEFAULT, NULL },
	{ "fastpath-iface", CFG_STRING, CFG_IMMUTABLE, &srv.fastpath_iface, 0, 0, NULL, "lo", NULL },
	{ "fastpath-mode", CFG_SENUM, CFG_IMMUTABLE, &srv.fastpath_mode, 0, 0, fastpath_mode_enums,
	  "auto", NULL },
	{ "hz", CFG_INT, 0, &srv.hz, 0, INT_MAX, NULL, "10", apply_hz },
	{ "io-engine", CFG_ENUM, CFG_IMMUTABLE, &srv.io_engine, 0, 0, io_engine_enums, "auto",
	  NULL },
	{ "lfu-decay-time", CFG_INT, 0, &srv.lfu_decay_time, 0, INT_MAX, NULL, "1", NULL },
	{ "lfu-log-factor", CFG_INT, 0, &srv.lfu_log_factor, 0, INT_MAX, NULL, "10", NULL },
	{ "logfile", CFG_STRING, CFG_IMMUTABLE, &srv.logfile, 0, 0, NULL, "", NULL },
	{ "loglevel", CFG_ENUM, 0, &srv.loglevel, 0, 0, loglevel_enums, "notice", NULL },
	{ "maxclients", CFG_INT, 0, &srv.maxclients, 1, 4294967295LL, NULL, "10000",
	  apply_maxclients },
	{ "maxmemory", CFG_MEM_ULL, 0, &srv.maxmemory, 0, 0, NULL, "0", apply_maxmemory },
	{ "maxmemory-policy", CFG_ENUM, 0, &srv.maxmemory_policy, 0, 0, policy_enums,
	  "noeviction", NULL },
	{ "maxmemory-samples", CFG_INT, 0, &srv.maxmemory_samples, 1, INT_MAX, NULL, "5", NULL },
	{ "pidfile", CFG_STRING, CFG_IMMUTABLE, &srv.pidfile, 0, 0, NULL, "", NULL },
	{ "port", CFG_INT, 0, &srv.port, 0, 65535, NULL, "6379", apply_listeners },
	{ "protected-mode", CFG_BOOL, 0, &protected_mode, 0, 1, NULL, "yes", NULL },
	{ "proto-max-bulk-len", CFG_MEM_LL, 0, &srv.proto_max_bulk_len, 1024 * 1024, LLONG_MAX,
	  NULL, "512mb", NULL },
	{ "requirepass", CFG_STRING, 0, &srv.requirepass, 0, 0, NULL, "", apply_requirepass },
	{ "save", CFG_SAVE, CFG_MULTI, &srv.save, 0, 0, NULL, "3600 1 300 100 60 10000", NULL,
	  NULL, NULL, "arenakv keeps no persistence yet" },
	{ "tcp-backlog", CFG_INT, CFG_IMMUTABLE, &srv.tcp_backlog, 0, INT_MAX, NULL, "511", NULL },
	{ "tcp-keepalive", CFG_INT, 0, &srv.tcp_keepalive, 0, INT_MAX, NULL, "300", NULL },
	{ "timeout", CFG_INT, 0, &srv.timeout, 0, INT_MAX, NULL, "0", NULL },
	{ "udp-port", CFG_INT, CFG_IMMUTABLE, &srv.udp_port, -1, 65535, NULL, "-1", NULL },
};
#pragma GCC diagnostic pop

#define CONFIG_OWN_N (sizeof(config_table) / sizeof(config_table[0]))
#define CONFIG_N (CONFIG_OWN_N + config_compat_count)

size_t cfg_count(void)
{
	return CONFIG_N;
}

/* Row i of the two tables seen as one: ours first, then config_table.c's. */
const struct cfg_def *cfg_at(size_t i)
{
	return i < CONFIG_OWN_N ? &config_table[i] : &config_compat_table[i - CONFIG_OWN_N];
}

size_t cfg_index(const struct cfg_def *d)
{
	if (d >= config_table && d < config_table + CONFIG_OWN_N)
		return (size_t)(d - config_table);
	return CONFIG_OWN_N + (size_t)(d - config_compat_table);
}

/* The row named name (an alias row stays an alias row: see cfg_real()). */
static const struct cfg_def *config_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < CONFIG_N; i++) {
		const struct cfg_def *d = cfg_at(i);

		if (strlen(d->name) == len && strncasecmp(d->name, name, len) == 0)
			return d;
	}
	return NULL;
}

/* The row holding the value: the target of an alias row, else d itself. */
static const struct cfg_def *cfg_real(const struct cfg_def *d)
{
	if (d && d->alias_of) {
		const struct cfg_def *t = config_lookup(d->alias_of, strlen(d->alias_of));

		if (!t || t->alias_of) {
			fprintf(stderr, "arenakv: %s:%d: bad alias row %s\n", __FILE__, __LINE__,
				d->name);
			abort();
		}
		return t;
	}
	return d;
}

const struct cfg_def *cfg_find(const char *name, size_t len)
{
	return cfg_real(config_lookup(name, len));
}

/*
 * Values of the compat rows (ptr == NULL): one slot per row of config_compat_table[], typed by
 * the row's type. Allocated on first use (config_init_defaults runs from a constructor).
 */
struct cfg_slot {
	int i;
	long long ll;
	unsigned long long ull;
	char *str;
};
static struct cfg_slot *cfg_slots;

void *cfg_ptr(const struct cfg_def *d)
{
	struct cfg_slot *sl;

	if (d->ptr || d->type == CFG_BIND)
		return d->ptr;
	sl = &cfg_slots[cfg_index(d) - CONFIG_OWN_N];
	switch (d->type) {
	case CFG_BOOL:
	case CFG_INT:
	case CFG_ENUM:
		return &sl->i;
	case CFG_LL:
	case CFG_MEM_LL:
		return &sl->ll;
	case CFG_MEM_ULL:
		return &sl->ull;
	default:
		return &sl->str;
	}
}

/* ---- parsing helpers ---------------------------------------------------------------------- */

/* Strict base-10 long long, Redis's string2ll rules (no spaces, no '+', no leading zeros). */
static int parse_ll(const char *s, size_t len, long long *out)
{
	char buf[32];
	char *end;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (!(isdigit((unsigned char)buf[0]) || (buf[0] == '-' && len > 1)))
		return -EINVAL;
	if ((buf[0] == '0' && len > 1) || (buf[0] == '-' && buf[1] == '0'))
		return -EINVAL;
	errno = 0;
	*out = strtoll(buf, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

/*
 * Memory values as Redis's memtoull(): digits with an optional unit, case-insensitive:
 * b, k=1000, kb=1024, m=1000^2, mb=1024^2, g=1000^3, gb=1024^3. No sign, no fraction.
 */
int config_parse_memory(const char *s, size_t len, unsigned long long *out)
{
	static const struct {
		const char *unit;
		unsigned long long mul;
	} units[] = {
		{ "b", 1 },
		{ "k", 1000ULL },
		{ "kb", 1024ULL },
		{ "m", 1000ULL * 1000 },
		{ "mb", 1024ULL * 1024 },
		{ "g", 1000ULL * 1000 * 1000 },
		{ "gb", 1024ULL * 1024 * 1024 },
	};
	unsigned long long mul = 1, v = 0;
	size_t digits = 0;

	while (digits < len && isdigit((unsigned char)s[digits]))
		digits++;
	if (digits == 0 || digits > 20)
		return -EINVAL;
	if (digits < len) {
		size_t ulen = len - digits, i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].unit) == ulen &&
			    strncasecmp(units[i].unit, s + digits, ulen) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		mul = units[i].mul;
	}
	for (size_t i = 0; i < digits; i++) {
		unsigned d = s[i] - '0';

		if (v > (ULLONG_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (mul != 1 && v > ULLONG_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

static void enum_list(const struct cfg_enum *e, char *buf, size_t cap)
{
	size_t off = 0;

	buf[0] = 0;
	for (; e->name; e++)
		off += snprintf(buf + off, off < cap ? cap - off : 0, "%s%s", off ? ", " : "",
				e->name);
}

static void cfg_val_free(struct cfg_val *v)
{
	free(v->str);
	for (int i = 0; i < v->bind_count; i++)
		free(v->bind[i]);
	memset(v, 0, sizeof(*v));
}

/* Split s on spaces into words (no quoting: CONFIG SET bind/save values are plain words). */
int cfg_split_words(const char *s, size_t len, const char **w, size_t *wl, int max)
{
	int n = 0;
	size_t i = 0;

	while (i < len) {
		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			break;
		if (n == max)
			return -E2BIG;
		w[n] = s + i;
		while (i < len && s[i] != ' ')
			i++;
		wl[n] = s + i - w[n];
		n++;
	}
	return n;
}

/*
 * client-output-buffer-limit: groups of <class> <hard> <soft> <soft_seconds>. Classes not named
 * keep their current values (Redis updates only the classes given); all groups are checked
 * before anything is taken, and "master" is refused like Redis.
 */
static int obuf_parse(const char *s, size_t len, struct cfg_val *v, char *errbuf, size_t errcap)
{
	const char *w[64];
	size_t wl[64];
	int n = cfg_split_words(s, len, w, wl, 64);

	memcpy(v->obuf, config_obuf_limits, sizeof(v->obuf));
	if (n <= 0 || n % 4) {
		snprintf(errbuf, errcap, "Wrong number of arguments in buffer limit configuration.");
		return -EINVAL;
	}
	for (int i = 0; i < n; i += 4) {
		static const struct {
			const char *name;
			int cls;
		} names[] = { { "normal", OBUF_CLASS_NORMAL }, { "slave", OBUF_CLASS_REPLICA },
			      { "replica", OBUF_CLASS_REPLICA }, { "pubsub", OBUF_CLASS_PUBSUB } };
		unsigned long long hard, soft;
		long long secs;
		int cls = -1;

		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strlen(names[k].name) == wl[i] &&
			    !strncasecmp(names[k].name, w[i], wl[i]))
				cls = names[k].cls;
		if (cls < 0) {
			snprintf(errbuf, errcap,
				 "Invalid client class specified in buffer limit configuration.");
			return -EINVAL;
		}
		if (config_parse_memory(w[i + 1], wl[i + 1], &hard) ||
		    config_parse_memory(w[i + 2], wl[i + 2], &soft) ||
		    parse_ll(w[i + 3], wl[i + 3], &secs) || secs < 0) {
			snprintf(errbuf, errcap, "Error in hard, soft or soft_seconds setting in "
						 "buffer limit configuration.");
			return -EINVAL;
		}
		v->obuf[cls].hard = hard;
		v->obuf[cls].soft = soft;
		v->obuf[cls].soft_seconds = secs;
	}
	return 0;
}

/*
 * Parse one value (a single string: CONFIG SET form, or the file's arguments joined by spaces
 * for bind/save) into v. Returns 0, or -EINVAL with *err set to Redis's reason text in errbuf.
 */
static int cfg_parse(const struct cfg_def *d, const char *s, size_t len, struct cfg_val *v,
		     char *errbuf, size_t errcap)
{
	long long ll;
	unsigned long long ull;

	memset(v, 0, sizeof(*v));
	switch (d->type) {
	case CFG_BOOL:
		if (len == 3 && strncasecmp(s, "yes", 3) == 0)
			v->ll = 1;
		else if (len == 2 && strncasecmp(s, "no", 2) == 0)
			v->ll = 0;
		else {
			snprintf(errbuf, errcap, "argument must be 'yes' or 'no'");
			return -EINVAL;
		}
		return 0;
	case CFG_INT:
	case CFG_LL:
		if (parse_ll(s, len, &ll)) {
			snprintf(errbuf, errcap, "argument couldn't be parsed into an integer");
			return -EINVAL;
		}
		if (ll < d->min || ll > d->max) {
			snprintf(errbuf, errcap, "argument must be between %lld and %lld inclusive",
				 d->min, d->max);
			return -EINVAL;
		}
		v->ll = (d->type == CFG_INT && ll > INT_MAX) ? INT_MAX : ll;
		return 0;
	case CFG_MEM_ULL:
	case CFG_MEM_LL:
		if (config_parse_memory(s, len, &ull)) {
			snprintf(errbuf, errcap, "argument must be a memory value");
			return -EINVAL;
		}
		if (d->type == CFG_MEM_LL &&
		    (ull > (unsigned long long)LLONG_MAX || (long long)ull < d->min ||
		     (long long)ull > d->max)) {
			snprintf(errbuf, errcap, "argument must be between %lld and %lld inclusive",
				 d->min, d->max);
			return -EINVAL;
		}
		v->ull = ull;
		v->ll = (long long)ull;
		return 0;
	case CFG_STRING:
		v->str = strndup(s, len);
		if (!v->str) {
			snprintf(errbuf, errcap, "out of memory");
			return -ENOMEM;
		}
		return 0;
	case CFG_ENUM:
	case CFG_SENUM:
		for (const struct cfg_enum *e = d->enums; e->name; e++) {
			if (strlen(e->name) == len && strncasecmp(e->name, s, len) == 0) {
				v->ll = e->val;
				if (d->type == CFG_SENUM) {
					v->str = strdup(e->name);
					if (!v->str)
						return -ENOMEM;
				}
				return 0;
			}
		}
		{
			char list[256];

			enum_list(d->enums, list, sizeof(list));
			snprintf(errbuf, errcap,
				 "argument(s) must be one of the following: %s", list);
		}
		return -EINVAL;
	case CFG_BIND: {
		const char *w[SERVER_MAX_BIND];
		size_t wl[SERVER_MAX_BIND];
		int n = cfg_split_words(s, len, w, wl, SERVER_MAX_BIND);

		if (n <= 0) {
			snprintf(errbuf, errcap, n == 0 ? "Invalid bind parameters"
							: "Too many bind addresses specified.");
			return -EINVAL;
		}
		for (int i = 0; i < n; i++) {
			v->bind[i] = strndup(w[i], wl[i]);
			if (!v->bind[i]) {
				cfg_val_free(v);
				return -ENOMEM;
			}
			v->bind_count = i + 1;
		}
		return 0;
	}
	case CFG_CHECKED: {
		char *in = strndup(s, len), out[4096];
		const char *why = "invalid value";
		int r;

		if (!in)
			return -ENOMEM;
		r = d->check(in, out, sizeof(out), &why);
		free(in);
		if (r) {
			snprintf(errbuf, errcap, "%s", why);
			return -EINVAL;
		}
		v->str = strdup(out);
		return v->str ? 0 : -ENOMEM;
	}
	case CFG_OBUF:
		return obuf_parse(s, len, v, errbuf, errcap);
	case CFG_SAVE: {
		const char *w[64];
		size_t wl[64];
		int n = cfg_split_words(s, len, w, wl, 64);

		if (n < 0 || n % 2) {
			snprintf(errbuf, errcap, "Invalid save parameters");
			return -EINVAL;
		}
		for (int i = 0; i < n; i++) {
			if (parse_ll(w[i], wl[i], &ll) || ll < 0 || ll > INT_MAX) {
				snprintf(errbuf, errcap, "Invalid save parameters");
				return -EINVAL;
			}
		}
		/* Store normalised: single spaces, as CONFIG GET prints it. */
		v->str = malloc(len + 1);
		if (!v->str)
			return -ENOMEM;
		size_t off = 0;

		for (int i = 0; i < n; i++) {
			if (i)
				v->str[off++] = ' ';
			memcpy(v->str + off, w[i], wl[i]);
			off += wl[i];
		}
		v->str[off] = 0;
		return 0;
	}
	}
	return -EINVAL;
}

/* Move a parsed value into srv (takes ownership of v's strings). */
static void cfg_store(const struct cfg_def *d, struct cfg_val *v)
{
	switch (d->type) {
	case CFG_BOOL:
	case CFG_INT:
	case CFG_ENUM:
		*(int *)cfg_ptr(d) = (int)v->ll;
		break;
	case CFG_MEM_ULL:
		*(unsigned long long *)cfg_ptr(d) = v->ull;
		break;
	case CFG_LL:
	case CFG_MEM_LL:
		*(long long *)cfg_ptr(d) = v->ll;
		break;
	case CFG_OBUF:
		memcpy(config_obuf_limits, v->obuf, sizeof(v->obuf));
		break;
	case CFG_STRING:
	case CFG_SENUM:
	case CFG_SAVE:
	case CFG_CHECKED:
		free(*(char **)cfg_ptr(d));
		*(char **)cfg_ptr(d) = v->str;
		v->str = NULL;
		break;
	case CFG_BIND:
		for (int i = 0; i < srv.bind_count; i++)
			free(srv.bind[i]);
		memcpy(srv.bind, v->bind, sizeof(srv.bind));
		srv.bind_count = v->bind_count;
		v->bind_count = 0;
		break;
	}
	memset(v, 0, sizeof(*v));
}

/* Copy the current value out of srv into v (for rollback). 0 or -ENOMEM. */
static int cfg_snapshot(const struct cfg_def *d, struct cfg_val *v)
{
	memset(v, 0, sizeof(*v));
	switch (d->type) {
	case CFG_BOOL:
	case CFG_INT:
	case CFG_ENUM:
		v->ll = *(int *)cfg_ptr(d);
		return 0;
	case CFG_MEM_ULL:
		v->ull = *(unsigned long long *)cfg_ptr(d);
		return 0;
	case CFG_LL:
	case CFG_MEM_LL:
		v->ll = *(long long *)cfg_ptr(d);
		return 0;
	case CFG_OBUF:
		memcpy(v->obuf, config_obuf_limits, sizeof(v->obuf));
		return 0;
	case CFG_STRING:
	case CFG_SENUM:
	case CFG_SAVE:
	case CFG_CHECKED: {
		const char *s = *(char **)cfg_ptr(d);

		v->str = strdup(s ? s : "");
		return v->str ? 0 : -ENOMEM;
	}
	case CFG_BIND:
		for (int i = 0; i < srv.bind_count; i++) {
			v->bind[i] = strdup(srv.bind[i]);
			if (!v->bind[i]) {
				cfg_val_free(v);
				return -ENOMEM;
			}
			v->bind_count = i + 1;
		}
		return 0;
	}
	return 0;
}

/* Current value as CONFIG GET prints it. */
void cfg_format(const struct cfg_def *d, char *buf, size_t cap)
{
	switch (d->type) {
	case CFG_BOOL:
		snprintf(buf, cap, "%s", *(int *)cfg_ptr(d) ? "yes" : "no");
		return;
	case CFG_INT:
		snprintf(buf, cap, "%d", *(int *)cfg_ptr(d));
		return;
	case CFG_MEM_ULL:
		snprintf(buf, cap, "%llu", *(unsigned long long *)cfg_ptr(d));
		return;
	case CFG_LL:
	case CFG_MEM_LL:
		snprintf(buf, cap, "%lld", *(long long *)cfg_ptr(d));
		return;
	case CFG_OBUF: {
		size_t off = 0;

		buf[0] = 0;
		for (int i = 0; i < OBUF_CLASS_N && off < cap; i++)
			off += snprintf(buf + off, cap - off, "%s%s %llu %llu %lld", i ? " " : "",
					cfg_obuf_class_names[i], config_obuf_limits[i].hard,
					config_obuf_limits[i].soft, config_obuf_limits[i].soft_seconds);
		return;
	}
	case CFG_ENUM:
		for (const struct cfg_enum *e = d->enums; e->name; e++)
			if (e->val == *(int *)cfg_ptr(d)) {
				snprintf(buf, cap, "%s", e->name);
				return;
			}
		snprintf(buf, cap, "%s", "");
		return;
	case CFG_STRING:
	case CFG_SENUM:
	case CFG_SAVE:
	case CFG_CHECKED: {
		const char *s = *(char **)cfg_ptr(d);

		/* Redis reports dir as the working directory, whatever was configured. */
		if (d->ptr == &srv.dir && getcwd(buf, cap))
			return;
		snprintf(buf, cap, "%s", s ? s : "");
		return;
	}
	case CFG_BIND: {
		size_t off = 0;

		buf[0] = 0;
		for (int i = 0; i < srv.bind_count && off < cap; i++)
			off += snprintf(buf + off, cap - off, "%s%s", i ? " " : "", srv.bind[i]);
		return;
	}
	}
}

/* ---- side effects ------------------------------------------------------------------------- */

static int config_booting = 1; /* listeners do not exist yet while loading the file */

static int apply_listeners(const char **err)
{
	int ret;

	if (config_booting)
		return 0;
	ret = conn_listeners_reconfigure();
	if (ret)
		*err = "Failed to bind to specified addresses.";
	return ret;
}

/* The XDP fast path authenticates with a token derived from requirepass (fastpath.c): the
 * kernel's copy follows a CONFIG SET at once; failures are logged there, never fatal here. */
static int apply_requirepass(const char **err)
{
	fastpath_auth_changed();
	return 0;
}

/*
 * Lowering maxmemory under the current usage: warn like Redis and start evicting at once
 * (db_evict_for_write() evicts per policy; whatever it cannot free, writes will get -OOM).
 */
static int apply_maxmemory(const char **err)
{
	__u64 used;

	if (config_booting || !srv.maxmemory)
		return 0;
	used = arena_used_bytes();
	if (used > srv.maxmemory) {
		log_warning("WARNING: the new maxmemory value set via CONFIG SET (%llu) is smaller "
			    "than the current memory usage (%llu). This will result in key eviction "
			    "and/or the inability to accept new write commands depending on the "
			    "maxmemory-policy.",
			    srv.maxmemory, (unsigned long long)used);
		db_evict_for_write();
	}
	return 0;
}

/* CONFIG SET dir (when enable-protected-configs allows it): chdir like Redis, strerror text. */
static int apply_dir(const char **err)
{
	if (config_booting || !srv.dir || !srv.dir[0])
		return 0;
	if (chdir(srv.dir) != 0) {
		*err = strerror(errno);
		return -errno;
	}
	return 0;
}

/* Redis clamps hz into [1, 500] instead of refusing. */
static int apply_hz(const char **err)
{
	if (srv.hz < 1)
		srv.hz = 1;
	if (srv.hz > 500)
		srv.hz = 500;
	return 0;
}

/*
 * Raising maxclients at run time needs file descriptors: raise RLIMIT_NOFILE like Redis or
 * refuse with its message. At start-up main.c does the adjusting (it may lower maxclients).
 */
static int apply_maxclients(const char **err)
{
	static char msg[128];
	rlim_t want = (rlim_t)srv.maxclients + 32;
	struct rlimit rl;

	if (config_booting)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur >= want)
		return 0;
	struct rlimit nl = { .rlim_cur = want, .rlim_max = rl.rlim_max > want ? rl.rlim_max : want };

	if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
		return 0;
	snprintf(msg, sizeof(msg),
		 "The operating system is not able to handle the specified number of clients, "
		 "try with %llu",
		 rl.rlim_cur > 32 ? (unsigned long long)rl.rlim_cur - 32 : 0ULL);
	*err = msg;
	return -EMFILE;
}

/* ---- defaults ----------------------------------------------------------------------------- */

void config_init_defaults(void)
{
	char err[256];

	if (!cfg_slots) {
		cfg_slots = calloc(config_compat_count, sizeof(*cfg_slots));
		if (!cfg_slots) {
			fprintf(stderr, "arenakv: out of memory\n");
			abort();
		}
		/* One name, one row, across both tables (an alias is a row of its own). */
		for (size_t i = 0; i < CONFIG_N; i++)
			if (config_lookup(cfg_at(i)->name, strlen(cfg_at(i)->name)) != cfg_at(i)) {
				fprintf(stderr, "arenakv: %s:%d: directive %s defined twice\n",
					__FILE__, __LINE__, cfg_at(i)->name);
				abort();
			}
	}
	for (size_t i = 0; i < CONFIG_N; i++) {
		const struct cfg_def *d = cfg_at(i);
		struct cfg_val v;

		if (d->alias_of)
			continue;
		if (d->type == CFG_OBUF)
			memset(config_obuf_limits, 0, sizeof(config_obuf_limits));
		if (cfg_parse(d, d->dflt, strlen(d->dflt), &v, err, sizeof(err))) {
			fprintf(stderr, "arenakv: bad default for %s: %s\n", d->name, err);
			abort();
		}
		if (d->type == CFG_STRING && d->ptr == &srv.dir) {
			/* dir defaults to the working directory, as Redis reports it. */
			char cwd[4096];

			if (getcwd(cwd, sizeof(cwd))) {
				free(v.str);
				v.str = strdup(cwd);
			}
		}
		cfg_store(d, &v);
	}
}

/* Is d's current value its default? (compares the CONFIG GET forms) */
int cfg_is_default(const struct cfg_def *d)
{
	char cur[4096], dfl[4096], err[256];
	struct cfg_val v, keep;
	int same;

	if (d->ptr == &srv.dir || cfg_snapshot(d, &keep))
		return 1;
	cfg_format(d, cur, sizeof(cur));
	if (d->type == CFG_OBUF)
		memset(config_obuf_limits, 0, sizeof(config_obuf_limits));
	if (cfg_parse(d, d->dflt, strlen(d->dflt), &v, err, sizeof(err))) {
		cfg_store(d, &keep);
		return 1;
	}
	cfg_store(d, &v);
	cfg_format(d, dfl, sizeof(dfl));
	cfg_store(d, &keep);
	same = !strcmp(cur, dfl);
	return same;
}

/* ---- accepted but not implemented: one warning each ---------------------------------------- */

#define CONFIG_MAX_NOTES 64
static char *config_notes[CONFIG_MAX_NOTES]; /* file-only directives ignored while loading */
static int config_nnotes;

static void config_note(const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (config_nnotes == CONFIG_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	config_notes[config_nnotes] = strdup(buf);
	if (config_notes[config_nnotes])
		config_nnotes++;
}

static void cfg_warn_one(const struct cfg_def *d)
{
	char val[512];

	cfg_format(d, val, sizeof(val));
	log_warning("'%s %s' is accepted but not implemented: %s", d->name, val, d->why);
}

/* Does this value of d need the warning? Non-default; for save any non-empty value, Redis's
 * default included (it means RDB snapshots, which arenakv does not write), and never `save ""`
 * (no snapshots is exactly what arenakv does). */
static int cfg_needs_warning(const struct cfg_def *d)
{
	if (!d->why || d->alias_of)
		return 0;
	if (d->type == CFG_SAVE)
		return srv.save && srv.save[0];
	return !cfg_is_default(d);
}

void config_log_unimplemented(void)
{
	for (size_t i = 0; i < CONFIG_N; i++)
		if (cfg_needs_warning(cfg_at(i)))
			cfg_warn_one(cfg_at(i));
	for (int i = 0; i < config_nnotes; i++) {
		log_warning("%s", config_notes[i]);
		free(config_notes[i]);
		config_notes[i] = NULL;
	}
	config_nnotes = 0;
}

/* ---- config text parser (files and --options) --------------------------------------------- */

/*
 * Split one config line into words as Redis's sdssplitargs does (server/resp.c's inline
 * splitter, the one implementation of those quoting rules). Words are written NUL-terminated
 * into out (at least strlen(line)+1 bytes: unescaping only shrinks a word and every word but
 * the last is followed by a separator in line) and pointed to by w[]. Returns the word count,
 * -EINVAL on unbalanced quotes, -E2BIG beyond max words, -ENOMEM.
 */
int cfg_split_args(const char *line, char *out, char **w, size_t *wl, int max)
{
	size_t len = strlen(line);
	struct arg *argv = NULL;
	int cap = 0, argc = 0, i, ret;
	char *tmp = malloc(len + 1);

	if (!tmp)
		return -ENOMEM;
	ret = resp_split_args(line, len, tmp, &argv, &cap, &argc);
	if (!ret && argc > max)
		ret = -E2BIG;
	for (i = 0; !ret && i < argc; i++) {
		memcpy(out, argv[i].ptr, argv[i].len);
		out[argv[i].len] = '\0';
		w[i] = out;
		wl[i] = argv[i].len;
		out += argv[i].len + 1;
	}
	free(argv);
	free(tmp);
	return ret ? ret : argc;
}

static int config_load_depth; /* include nesting */
char *cfg_read_stream(FILE *f);
static int config_load_text(const char *text, char *err, size_t errlen, int *errline);

/*
 * Directives Redis reads only from files and that arenakv ignores. Each is accepted with its
 * argument count and noted, so config_log_unimplemented() names it: a renamed or disabled
 * command that still works under its own name is something an operator must be told.
 */
static const struct {
	const char *name;
	int argc_min, argc_max; /* including the name */
	const char *why;
} file_only[] = {
	{ "rename-command", 3, 3, "arenakv does not rename commands: the command keeps its name" },
	{ "user", 2, 1000, "arenakv has no ACL users (only requirepass)" },
	{ "loadmodule", 2, 1000, "arenakv has no modules" },
	{ "sentinel", 2, 1000, "arenakv has no sentinel mode" },
	/* deprecated in Redis 7.0, ignored by Redis itself */
	{ "list-max-ziplist-entries", 2, 2, NULL },
	{ "list-max-ziplist-value", 2, 2, NULL },
	{ "lua-replicate-commands", 2, 2, NULL },
};

/* `include path`: load another file at this point, like Redis (nesting bounded). */
static int config_include(const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *body;
	int line = 0, ret;

	if (config_load_depth >= 16) {
		snprintf(err, errlen, "Too many nested include directives");
		return -ELOOP;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "Fatal error, can't open config file '%s': %s", path,
			 strerror(errno));
		return -errno;
	}
	body = cfg_read_stream(f);
	fclose(f);
	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	config_load_depth++;
	ret = config_load_text(body, err, errlen, &line);
	config_load_depth--;
	free(body);
	if (ret) {
		/* Point at the included file: the caller reports the include line itself. */
		size_t l = strlen(err);

		snprintf(err + l, errlen > l ? errlen - l : 0, " (in '%s' line %d)", path, line);
		err[strlen(err) + 1] = 0;
	}
	return ret;
}

/* Apply one parsed directive line at load time. 0 or -EINVAL with err filled. */
static int config_apply_line(char **w, size_t *wl, int n, int *save_seen, char *err, size_t errlen)
{
	const struct cfg_def *d = cfg_find(w[0], wl[0]);
	struct cfg_val v;
	char joined[4096];
	size_t off = 0;
	const char *aerr = NULL;

	if (!d) {
		if (wl[0] == 7 && !strncasecmp(w[0], "include", 7) && n == 2)
			return config_include(w[1], err, errlen);
		for (size_t i = 0; i < sizeof(file_only) / sizeof(file_only[0]); i++) {
			if (strlen(file_only[i].name) != wl[0] ||
			    strncasecmp(file_only[i].name, w[0], wl[0]) ||
			    n < file_only[i].argc_min || n > file_only[i].argc_max)
				continue;
			if (file_only[i].why) {
				char args[256];
				size_t o = 0;

				args[0] = 0;
				for (int k = 1; k < n && o < sizeof(args); k++)
					o += snprintf(args + o, sizeof(args) - o, "%s%s",
						      k > 1 ? " " : "", wl[k] ? w[k] : "\"\"");
				config_note("'%s %s' is accepted but not implemented: %s",
					    file_only[i].name, args, file_only[i].why);
			}
			return 0;
		}
		snprintf(err, errlen, "Bad directive or wrong number of arguments");
		return -EINVAL;
	}
	if (d->flags & CFG_MULTI) {
		/* Several arguments joined with spaces. `save` lines accumulate; the first one
		 * replaces the default, and an empty `save ""` (or a bare --save) clears. */
		if (d->type == CFG_SAVE && *save_seen && srv.save && srv.save[0] &&
		    !(n == 2 && wl[1] == 0))
			off = snprintf(joined, sizeof(joined), "%s", srv.save);
		for (int i = 1; i < n && off < sizeof(joined); i++)
			off += snprintf(joined + off, sizeof(joined) - off, "%s%s", off ? " " : "",
					w[i]);
		if (off >= sizeof(joined)) {
			snprintf(err, errlen, "wrong number of arguments");
			return -EINVAL;
		}
		if (n < 2) {
			snprintf(err, errlen, "wrong number of arguments");
			return -EINVAL;
		}
		if (d->type == CFG_SAVE)
			*save_seen = 1;
		if (cfg_parse(d, joined, off, &v, err, errlen))
			return -EINVAL;
	} else {
		if (n != 2) {
			snprintf(err, errlen, "wrong number of arguments");
			return -EINVAL;
		}
		if (cfg_parse(d, w[1], wl[1], &v, err, errlen))
			return -EINVAL;
	}
	cfg_store(d, &v);
	if (d->ptr == &srv.dir && srv.dir[0] && chdir(srv.dir) != 0) {
		snprintf(err, errlen, "No such file or directory");
		return -EINVAL;
	}
	if (d->ptr == &srv.logfile && srv.logfile[0]) {
		FILE *f = fopen(srv.logfile, "a");

		if (!f) {
			snprintf(err, errlen, "Can't open the log file: %s", strerror(errno));
			return -EINVAL;
		}
		fclose(f);
	}
	if (d->apply && d->apply(&aerr)) {
		snprintf(err, errlen, "%s", aerr ? aerr : "invalid value");
		return -EINVAL;
	}
	return 0;
}

int config_load_string(const char *text, char *err, size_t errlen, int *errline)
{
	return config_load_text(text, err, errlen, errline);
}

static int config_load_text(const char *text, char *err, size_t errlen, int *errline)
{
	const char *p = text;
	int lineno = 0, save_seen = 0;
	char *line = NULL, *scratch = NULL;
	int ret = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *w[256];
		size_t wl[256];
		int n;

		lineno++;
		free(line);
		free(scratch);
		line = strndup(p, len);
		scratch = malloc(len + 1);
		if (!line || !scratch) {
			ret = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			break;
		}
		p = nl ? nl + 1 : p + len;
		/* trim like sdstrim(" \t\r\n") */
		char *s = line, *e = line + len;

		while (s < e && strchr(" \t\r\n", *s))
			s++;
		while (e > s && strchr(" \t\r\n", e[-1]))
			e--;
		*e = 0;
		if (!*s || *s == '#')
			continue;
		n = cfg_split_args(s, scratch, w, wl, 256);
		if (n < 0) {
			snprintf(err, errlen, "Unbalanced quotes in configuration line");
			ret = -EINVAL;
		} else if (n > 0) {
			ret = config_apply_line(w, wl, n, &save_seen, err, errlen);
		}
		if (ret) {
			/* Redis shows the offending line as read. */
			size_t l = strlen(err);

			if (errline)
				*errline = lineno;
			/* Stash the line after the message, separated by a NUL (see caller). */
			snprintf(err + l + 1, errlen > l + 1 ? errlen - l - 1 : 0, "%s", s);
			break;
		}
	}
	free(line);
	free(scratch);
	return ret;
}

/* Append s quoted as sdscatrepr does, so the line parser gets the exact bytes back. */
size_t cfg_cat_repr(char *buf, size_t off, size_t cap, const char *s)
{
	if (off < cap)
		buf[off] = 0;
	off += snprintf(buf + off, off < cap ? cap - off : 0, "\"");
	for (; *s; s++) {
		unsigned char ch = *s;

		switch (ch) {
		case '\\': off += snprintf(buf + off, off < cap ? cap - off : 0, "\\\\"); break;
		case '"': off += snprintf(buf + off, off < cap ? cap - off : 0, "\\\""); break;
		case '\n': off += snprintf(buf + off, off < cap ? cap - off : 0, "\\n"); break;
		case '\r': off += snprintf(buf + off, off < cap ? cap - off : 0, "\\r"); break;
		case '\t': off += snprintf(buf + off, off < cap ? cap - off : 0, "\\t"); break;
		default:
			if (isprint(ch))
				off += snprintf(buf + off, off < cap ? cap - off : 0, "%c", ch);
			else
				off += snprintf(buf + off, off < cap ? cap - off : 0, "\\x%02x", ch);
		}
	}
	off += snprintf(buf + off, off < cap ? cap - off : 0, "\"");
	return off;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ./arenakv-server [/path/to/redis.conf] [options] [-]\n"
		"       ./arenakv-server - (read config from stdin)\n"
		"       ./arenakv-server -v or --version\n"
		"       ./arenakv-server -h or --help\n\n"
		"Examples:\n"
		"       ./arenakv-server (run the server with default config)\n"
		"       ./arenakv-server /etc/redis/6379.conf\n"
		"       ./arenakv-server --port 7777\n"
		"       ./arenakv-server /etc/myredis.conf --loglevel verbose --save ''\n");
}

char *cfg_read_stream(FILE *f)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	for (;;) {
		if (len + 1024 + 1 > cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
	}
	buf[len] = 0;
	return buf;
}

static void fatal_config(int line, const char *text_line, const char *msg)
{
	fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (arenakv %s) ***\n", ARENAKV_VERSION);
	fprintf(stderr, "Reading the configuration file, at line %d\n", line);
	fprintf(stderr, ">>> '%s'\n", text_line);
	fprintf(stderr, "%s\n", msg);
	exit(1);
}

void config_load_argv(int argc, char **argv)
{
	char *text = NULL;
	size_t cap = 4096, off = 0;
	int j = 1;
	char err[8192];
	int errline = 0;

	config_booting = 1;
	if (argc >= 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
		printf("arenakv server v=%s (Redis-compatible %s) bits=%d\n", ARENAKV_VERSION,
		       SERVER_VERSION, (int)(sizeof(long) * 8));
		exit(0);
	}
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		exit(0);
	}
	text = malloc(cap);
	if (!text) {
		fprintf(stderr, "arenakv: out of memory\n");
		exit(1);
	}
	text[0] = 0;
	if (argc >= 2 && strncmp(argv[1], "--", 2) != 0) {
		FILE *f;
		char *body;

		if (!strcmp(argv[1], "-")) {
			f = stdin;
		} else {
			f = fopen(argv[1], "r");
			if (!f) {
				fprintf(stderr, "Fatal error, can't open config file '%s': %s\n",
					argv[1], strerror(errno));
				exit(1);
			}
			char *abs = realpath(argv[1], NULL);

			free(srv.configfile);
			srv.configfile = abs ? abs : strdup(argv[1]);
		}
		body = cfg_read_stream(f);
		if (f != stdin)
			fclose(f);
		if (!body) {
			fprintf(stderr, "arenakv: out of memory reading the config\n");
			exit(1);
		}
		free(text);
		text = body;
		off = strlen(text);
		cap = off + 1;
		j = 2;
	}
	/* Options become lines: --name v1 v2 -> name "v1" "v2" */
	for (; j < argc; j++) {
		size_t need = off + strlen(argv[j]) * 4 + 8;

		if (need >= cap) {
			cap = need * 2;
			char *nt = realloc(text, cap);

			if (!nt) {
				fprintf(stderr, "arenakv: out of memory\n");
				exit(1);
			}
			text = nt;
		}
		if (!strncmp(argv[j], "--", 2) && argv[j][2]) {
			if (off && text[off - 1] != '\n')
				text[off++] = '\n';
			off += snprintf(text + off, cap - off, "%s", argv[j] + 2);
			/* `--save` with no value means save "" (Redis 7). */
			if (!strcmp(argv[j] + 2, "save") &&
			    (j + 1 == argc || !strncmp(argv[j + 1], "--", 2)))
				off += snprintf(text + off, cap - off, " \"\"");
		} else {
			text[off++] = ' ';
			off = cfg_cat_repr(text, off, cap, argv[j]);
		}
		text[off] = 0;
	}
	memset(err, 0, sizeof(err));
	if (config_load_string(text, err, sizeof(err), &errline))
		fatal_config(errline, err + strlen(err) + 1, err);
	free(text);
	config_booting = 0;
	if (srv.hz < 1 || srv.hz > 500)
		apply_hz(NULL);
}

/* ---- CONFIG GET / SET / RESETSTAT --------------------------------------------------------- */

static int has_glob(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == '*' || p[i] == '?' || p[i] == '[')
			return 1;
	return 0;
}

void config_get_command(struct client *c)
{
	/* Matches are collected first so the map length is known; each directive once even when
	 * several patterns match it. For a pattern without glob characters Redis 7.0 echoes the
	 * name as the client spelled it; we do the same. */
	const char *keyname[CONFIG_N];
	size_t keylen[CONFIG_N];
	int matched[CONFIG_N];
	long n = 0;
	char buf[4096];

	memset(matched, 0, sizeof(matched));
	for (int a = 2; a < c->argc; a++) {
		const struct arg *p = &c->argv[a];

		if (!has_glob(p->ptr, p->len)) {
			const struct cfg_def *d = config_lookup(p->ptr, p->len);
			size_t k = d ? cfg_index(d) : 0;

			if (d && !matched[k]) {
				matched[k] = 1;
				keyname[k] = p->ptr;
				keylen[k] = p->len;
				n++;
			}
			continue;
		}
		for (size_t i = 0; i < CONFIG_N; i++) {
			const char *name = cfg_at(i)->name;

			if (matched[i] || (cfg_at(i)->flags & CFG_HIDDEN))
				continue;
			if (stringmatchlen(p->ptr, (int)p->len, name, (int)strlen(name), 1)) {
				matched[i] = 1;
				keyname[i] = name;
				keylen[i] = strlen(name);
				n++;
			}
		}
	}
	reply_map(c, n);
	for (size_t i = 0; i < CONFIG_N; i++) {
		if (!matched[i])
			continue;
		reply_bulk(c, keyname[i], keylen[i]);
		cfg_format(cfg_real(cfg_at(i)), buf, sizeof(buf));
		reply_cstr(c, buf);
	}
}

/* enable-protected-configs: "yes" everyone, "local" clients on a loopback address. */
static int config_protected_allowed(const struct client *c)
{
	const struct cfg_def *d = cfg_find("enable-protected-configs", 24);
	int mode = d ? *(int *)cfg_ptr(d) : 0;

	if (mode == 1)
		return 1;
	return mode == 2 && (!strncmp(c->addr, "127.", 4) || !strncmp(c->addr, "[::1]", 5) ||
			     c->fd < 0);
}

void config_set_command(struct client *c)
{
	int npairs = (c->argc - 2) / 2;
	const struct cfg_def **defs = NULL;
	struct cfg_val *newv = NULL, *oldv = NULL;
	int stored = 0, i;
	char reason[512];
	const char *aerr = NULL;

	if (c->argc < 4 || (c->argc - 2) % 2) {
		reply_error(c, "ERR wrong number of arguments for 'config|set' command");
		return;
	}
	defs = calloc(npairs, sizeof(*defs));
	newv = calloc(npairs, sizeof(*newv));
	oldv = calloc(npairs, sizeof(*oldv));
	if (!defs || !newv || !oldv) {
		reply_error(c, "ERR out of memory");
		goto out;
	}
	/* 1. Resolve names: unknown, immutable/protected, duplicates. */
	for (i = 0; i < npairs; i++) {
		const struct arg *name = &c->argv[2 + 2 * i];
		const struct cfg_def *d = cfg_find(name->ptr, name->len);

		if (!d) {
			reply_errorf(c, "ERR Unknown option or number of arguments for CONFIG SET - '%.*s'",
				     (int)name->len, name->ptr);
			goto out;
		}
		if ((d->flags & CFG_IMMUTABLE) ||
		    ((d->flags & CFG_PROTECTED) && !config_protected_allowed(c))) {
			reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%.*s') - "
					"can't set %s config",
				     (int)name->len, name->ptr,
				     d->flags & CFG_IMMUTABLE ? "immutable" : "protected");
			goto out;
		}
		for (int k = 0; k < i; k++) {
			if (defs[k] == d) {
				reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument "
						"'%.*s') - duplicate parameter",
					     (int)name->len, name->ptr);
				goto out;
			}
		}
		defs[i] = d;
	}
	/* 2. Parse and validate every value before storing any. */
	for (i = 0; i < npairs; i++) {
		const struct arg *name = &c->argv[2 + 2 * i];
		const struct arg *val = &c->argv[3 + 2 * i];

		if (cfg_parse(defs[i], val->ptr, val->len, &newv[i], reason, sizeof(reason))) {
			reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%.*s') - %s",
				     (int)name->len, name->ptr, reason);
			goto out;
		}
		if (cfg_snapshot(defs[i], &oldv[i])) {
			reply_error(c, "ERR out of memory");
			goto out;
		}
	}
	/* 3. Store all, then run side effects; roll everything back if one fails. */
	for (i = 0; i < npairs; i++)
		cfg_store(defs[i], &newv[i]);
	stored = 1;
	for (i = 0; i < npairs; i++) {
		const struct arg *name = &c->argv[2 + 2 * i];

		if (defs[i]->apply && defs[i]->apply(&aerr)) {
			for (int k = 0; k < npairs; k++)
				cfg_store(defs[k], &oldv[k]);
			/* Re-run side effects with the old values (rebind the old listeners). */
			for (int k = 0; k < npairs; k++)
				if (defs[k]->apply)
					defs[k]->apply(&aerr);
			reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%.*s') - %s",
				     (int)name->len, name->ptr, aerr ? aerr : "invalid value");
			goto out;
		}
	}
	for (i = 0; i < npairs; i++)
		if (cfg_needs_warning(defs[i]))
			cfg_warn_one(defs[i]);
	reply_ok(c);
out:
	for (i = 0; newv && oldv && i < npairs; i++) {
		if (!stored)
			cfg_val_free(&newv[i]);
		cfg_val_free(&oldv[i]);
	}
	free(defs);
	free(newv);
	free(oldv);
}

void config_resetstat(void)
{
	memset(&srv.stats, 0, sizeof(srv.stats));
	command_stats_reset();
}

void config_resetstat_command(struct client *c)
{
	config_resetstat();
	reply_ok(c);
}
