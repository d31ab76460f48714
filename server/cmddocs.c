// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmddocs.c - the COMMAND command: COMMAND, COMMAND COUNT, INFO, DOCS, LIST, GETKEYS,
 * GETKEYSANDFLAGS, HELP.
 *
 * Clients use these replies to learn about the server: redis-py's cluster client and other
 * libraries parse COMMAND for key positions and flags, redis-cli 7.2+ builds its hints from
 * COMMAND DOCS. The replies have Redis 7.0's shapes exactly (10-element info arrays, sets in
 * RESP3 where Redis uses sets, subcommand arrays for containers), so generic parsers work; the
 * content is derived from our own tables rather than from Redis's JSON command files:
 *
 *  - flags: struct command's CMD_* bits, printed in Redis's order. CMD_NO_MULTI is never shown,
 *    because in arenakv it means "runs at once inside MULTI", not Redis's "refused inside MULTI".
 *  - ACL categories: implied by the flags (write, read, admin+dangerous, fast/slow ...) plus the
 *    command group, as Redis's setImplicitACLCategories() does; container parents get only @slow.
 *  - key specs: one legacy "index + range" spec built from first_key/last_key/key_step, flagged
 *    RW/update for write commands and RO/access for read-only ones.
 *  - docs: summary, since and group (no argument trees: redis-cli 7.0 ships its own help).
 *  - container subcommands come from the srv_subcmd tables (cmddocs.h), named "config|get".
 *
 * Nothing here has state; every reply is built from const tables. Loop thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmddocs.h"
#include "commands.h"
#include "errors.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* COMMAND INFO flag names in Redis's order. CMD_NO_MULTI is not shown: in arenakv it means
 * "runs at once inside MULTI", not Redis's "refused inside MULTI". */
static const struct {
	__u32 flag;
	const char *name;
} cmd_flag_names[] = {
	{ CMD_WRITE, "write" },		  { CMD_READONLY, "readonly" },
	{ CMD_DENYOOM, "denyoom" },	  { CMD_ADMIN, "admin" },
	{ CMD_PUBSUB, "pubsub" },	  { CMD_NOSCRIPT, "noscript" },
	{ CMD_BLOCKING, "blocking" },	  { CMD_LOADING, "loading" },
	{ CMD_STALE, "stale" },		  { CMD_SKIP_MONITOR, "skip_monitor" },
	{ CMD_SKIP_SLOWLOG, "skip_slowlog" }, { CMD_FAST, "fast" },
	{ CMD_NO_AUTH, "no_auth" },	  { CMD_MAY_REPLICATE, "may_replicate" },
	{ CMD_NO_MANDATORY_KEYS, "no_mandatory_keys" }, { CMD_ALLOW_BUSY, "allow_busy" },
};
#define N_CMD_FLAGS (sizeof(cmd_flag_names) / sizeof(cmd_flag_names[0]))

/* ACL categories, in the order of Redis's category table. */
enum {
	CAT_KEYSPACE = 1 << 0, CAT_READ = 1 << 1, CAT_WRITE = 1 << 2, CAT_SET = 1 << 3,
	CAT_SORTEDSET = 1 << 4, CAT_LIST = 1 << 5, CAT_HASH = 1 << 6, CAT_STRING = 1 << 7,
	CAT_BITMAP = 1 << 8, CAT_HYPERLOGLOG = 1 << 9, CAT_GEO = 1 << 10, CAT_STREAM = 1 << 11,
	CAT_PUBSUB = 1 << 12, CAT_ADMIN = 1 << 13, CAT_FAST = 1 << 14, CAT_SLOW = 1 << 15,
	CAT_BLOCKING = 1 << 16, CAT_DANGEROUS = 1 << 17, CAT_CONNECTION = 1 << 18,
	CAT_TRANSACTION = 1 << 19, CAT_SCRIPTING = 1 << 20,
};
static const char *const cat_names[] = {
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
	"dangerous", "connection", "transaction", "scripting",
};
#define N_CATS (sizeof(cat_names) / sizeof(cat_names[0]))

/* Categories implied by flags and group (Redis's setImplicitACLCategories + the json files'
 * group categories). Container parents only get @slow, as in Redis. */
static __u32 cmd_categories(__u32 flags, const char *group, int is_container)
{
	__u32 cats = 0;

	if (is_container)
		return CAT_SLOW;
	if (flags & CMD_WRITE)
		cats |= CAT_WRITE;
	if (flags & CMD_READONLY)
		cats |= CAT_READ;
	if (flags & CMD_ADMIN)
		cats |= CAT_ADMIN | CAT_DANGEROUS;
	if (flags & CMD_PUBSUB)
		cats |= CAT_PUBSUB;
	if (flags & CMD_BLOCKING)
		cats |= CAT_BLOCKING;
	cats |= (flags & CMD_FAST) ? CAT_FAST : CAT_SLOW;
	if (group) {
		if (!strcmp(group, "generic"))
			cats |= CAT_KEYSPACE;
		else if (!strcmp(group, "string"))
			cats |= CAT_STRING;
		else if (!strcmp(group, "bitmap"))
			cats |= CAT_BITMAP;
		else if (!strcmp(group, "connection"))
			cats |= CAT_CONNECTION;
		else if (!strcmp(group, "transactions"))
			cats |= CAT_TRANSACTION;
		else if (!strcmp(group, "sorted-set"))
			cats |= CAT_SORTEDSET;
	}
	return cats;
}

static int cat_by_name(const struct arg *a)
{
	size_t i;

	for (i = 0; i < N_CATS; i++)
		if (arg_is(a, cat_names[i]))
			return (int)i;
	return -1;
}

static void reply_cmd_flags(struct client *c, __u32 flags)
{
	size_t i;
	long n = 0;

	for (i = 0; i < N_CMD_FLAGS; i++)
		n += !!(flags & cmd_flag_names[i].flag);
	reply_set(c, n);
	for (i = 0; i < N_CMD_FLAGS; i++)
		if (flags & cmd_flag_names[i].flag)
			reply_simple(c, cmd_flag_names[i].name);
}

static void reply_categories(struct client *c, __u32 cats)
{
	char buf[32];
	size_t i;
	long n = 0;

	for (i = 0; i < N_CATS; i++)
		n += !!(cats & (1u << i));
	reply_set(c, n);
	for (i = 0; i < N_CATS; i++) {
		if (cats & (1u << i)) {
			snprintf(buf, sizeof(buf), "@%s", cat_names[i]);
			reply_simple(c, buf);
		}
	}
}

/* Key spec flags of our one spec: RW+update for writers, RO+access for readers, else RO. */
static int key_spec_flags(const struct command *cmd, const char **f)
{
	if (cmd->flags & CMD_WRITE) {
		f[0] = "RW";
		f[1] = "update";
		return 2;
	}
	f[0] = "RO";
	f[1] = "access";
	return (cmd->flags & CMD_READONLY) ? 2 : 1;
}

static void reply_flag_set(struct client *c, const char **f, int n)
{
	int i;

	reply_set(c, n);
	for (i = 0; i < n; i++)
		reply_simple(c, f[i]);
}

/* One key spec derived from first/last/step (Redis's legacy range), or none. */
static void reply_key_specs(struct client *c, const struct command *cmd)
{
	const char *flags[2];
	int lastkey;

	if (!cmd || cmd->first_key <= 0) {
		reply_set(c, 0);
		return;
	}
	lastkey = cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key;
	reply_set(c, 1);
	reply_map(c, 3);
	reply_cstr(c, "flags");
	reply_flag_set(c, flags, key_spec_flags(cmd, flags));
	reply_cstr(c, "begin_search");
	reply_map(c, 2);
	reply_cstr(c, "type");
	reply_cstr(c, "index");
	reply_cstr(c, "spec");
	reply_map(c, 1);
	reply_cstr(c, "index");
	reply_int(c, cmd->first_key);
	reply_cstr(c, "find_keys");
	reply_map(c, 2);
	reply_cstr(c, "type");
	reply_cstr(c, "range");
	reply_cstr(c, "spec");
	reply_map(c, 3);
	reply_cstr(c, "lastkey");
	reply_int(c, lastkey);
	reply_cstr(c, "keystep");
	reply_int(c, cmd->key_step);
	reply_cstr(c, "limit");
	reply_int(c, 0);
}

static void reply_subcmd_info(struct client *c, const struct srv_container *ct,
			      const struct srv_subcmd *s)
{
	char full[64];

	snprintf(full, sizeof(full), "%s|%s", ct->name, s->name);
	reply_array(c, 10);
	reply_cstr(c, full);
	reply_int(c, s->arity);
	reply_cmd_flags(c, s->flags);
	reply_int(c, 0);
	reply_int(c, 0);
	reply_int(c, 0);
	reply_categories(c, cmd_categories(s->flags, NULL, 0));
	reply_set(c, 0); /* tips */
	reply_set(c, 0); /* key specs */
	reply_set(c, 0); /* subcommands */
}

/* Redis's addReplyCommandInfo(): the 10-element array of COMMAND / COMMAND INFO. */
static void reply_command_info(struct client *c, const struct command *cmd)
{
	const struct srv_container *ct = srv_container_of(cmd->fn);
	const struct srv_subcmd *s;
	long nsubs = 0;

	reply_array(c, 10);
	reply_cstr(c, cmd->name);
	reply_int(c, cmd->arity);
	reply_cmd_flags(c, ct ? 0 : cmd->flags);
	reply_int(c, cmd->first_key);
	reply_int(c, cmd->last_key);
	reply_int(c, cmd->key_step);
	reply_categories(c, cmd_categories(cmd->flags, cmd->group, ct != NULL));
	reply_set(c, 0); /* tips */
	reply_key_specs(c, cmd);
	if (!ct) {
		reply_set(c, 0);
		return;
	}
	for (s = ct->subs; s->name; s++)
		nsubs++;
	reply_array(c, nsubs);
	for (s = ct->subs; s->name; s++)
		reply_subcmd_info(c, ct, s);
}

/*
 * ---- argument docs ----
 *
 * COMMAND DOCS describes each command's arguments as a tree (Redis's "arguments" field: name,
 * type, token, flags, nested arguments for "oneof" and "block"); redis-cli 7.2+ builds its
 * command-line hints from it. Rather than a hand-written tree of C structs per command, each
 * command gets one line in a small notation, parsed when the docs are requested:
 *
 *	name:type		an argument: key string integer double pattern unix-time
 *	TOKEN			a pure token (its name is the token in lower case)
 *	TOKEN arg		a token followed by a value (the token belongs to arg)
 *	name=<a|b|c>		oneof: exactly one of the alternatives
 *	name=(a b c)		block: a group of arguments
 *	[arg]			optional
 *	arg...			multiple (after name:type, '>' or ')')
 *
 * e.g. SET is "key:key value:string [condition=<NX|XX>] [GET] [expiration=<EX seconds:integer|
 * ...|KEEPTTL>]". The table covers every command arenakv has; a line that fails to parse is a
 * bug caught by tests/unit/test_admin.c (which parses all of them), and at run time just means
 * the docs omit "arguments". Parsing is bounded by DOCS_MAX_ARGS nodes and the nesting depth.
 */
#define DOCS_MAX_ARGS 48
#define DOCS_MAX_DEPTH 6

static const struct {
	const char *name; /* full name, "config|get" for subcommands */
	const char *args;
} doc_args[] = {
	{ "append", "key:key value:string" },
	{ "auth", "[username:string] password:string" },
	{ "bitcount", "key:key [index=(start:integer end:integer [index_unit=<BYTE|BIT>])]" },
	{ "bitop", "operation:string destkey:key key:key..." },
	{ "bitpos", "key:key bit:integer [index=(start:integer [end_index=(end:integer "
		    "[index_unit=<BYTE|BIT>])])]" },
	{ "client|kill", "filter=<ip:port:string|new-format=<[ID client-id:integer]|[TYPE "
			 "normal_master_slave_pubsub=<NORMAL|MASTER|SLAVE|REPLICA|PUBSUB>]|[USER "
			 "username:string]|[ADDR ip:port:string]|[LADDR ip:port:string]|[SKIPME "
			 "yes/no:string]>...>" },
	{ "client|list", "[TYPE normal_master_replica_pubsub=<NORMAL|MASTER|REPLICA|PUBSUB>] "
			 "[ID id=(client-id:integer...)]" },
	{ "client|no-evict", "enabled=<ON|OFF>" },
	{ "client|reply", "on_off_skip=<ON|OFF|SKIP>" },
	{ "client|setinfo", "attr=<LIB-NAME libname:string|LIB-VER libver:string>" },
	{ "client|setname", "connection-name:string" },
	{ "client|unblock", "client-id:integer [timeout_error=<TIMEOUT|ERROR>]" },
	{ "command|docs", "[command-name:string...]" },
	{ "command|info", "[command-name:string...]" },
	{ "command|list", "[FILTERBY filterby=<MODULE module-name:string|ACLCAT category:string|"
			  "PATTERN pattern:pattern>]" },
	{ "config|get", "parameter=(parameter:string)..." },
	{ "config|set", "parameter_value=(parameter:string value:string)..." },
	{ "copy", "source:key destination:key [DB destination-db:integer] [REPLACE]" },
	{ "decr", "key:key" },
	{ "decrby", "key:key decrement:integer" },
	{ "del", "key:key..." },
	{ "echo", "message:string" },
	{ "exists", "key:key..." },
	{ "expire", "key:key seconds:integer [condition=<NX|XX|GT|LT>]" },
	{ "expireat", "key:key unix-time-seconds:unix-time [condition=<NX|XX|GT|LT>]" },
	{ "expiretime", "key:key" },
	{ "flushall", "[async=<ASYNC|SYNC>]" },
	{ "flushdb", "[async=<ASYNC|SYNC>]" },
	{ "get", "key:key" },
	{ "getbit", "key:key offset:integer" },
	{ "getdel", "key:key" },
	{ "getex", "key:key [expiration=<EX seconds:integer|PX milliseconds:integer|EXAT "
		   "unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time|PERSIST>]" },
	{ "getrange", "key:key start:integer end:integer" },
	{ "getset", "key:key value:string" },
	{ "hello", "[arguments=(protover:integer [AUTH username_password=(username:string "
		   "password:string)] [SETNAME clientname:string])]" },
	{ "incr", "key:key" },
	{ "incrby", "key:key increment:integer" },
	{ "incrbyfloat", "key:key increment:double" },
	{ "info", "[section:string...]" },
	{ "keys", "pattern:pattern" },
	{ "lcs", "key1:key key2:key [LEN] [IDX] [MINMATCHLEN len:integer] [WITHMATCHLEN]" },
	{ "memory|usage", "key:key [SAMPLES count:integer]" },
	{ "mget", "key:key..." },
	{ "move", "key:key db:integer" },
	{ "mset", "key_value=(key:key value:string)..." },
	{ "msetnx", "key_value=(key:key value:string)..." },
	{ "persist", "key:key" },
	{ "pexpire", "key:key milliseconds:integer [condition=<NX|XX|GT|LT>]" },
	{ "pexpireat", "key:key unix-time-milliseconds:unix-time [condition=<NX|XX|GT|LT>]" },
	{ "pexpiretime", "key:key" },
	{ "ping", "[message:string]" },
	{ "psetex", "key:key milliseconds:integer value:string" },
	{ "pttl", "key:key" },
	{ "rename", "key:key newkey:key" },
	{ "renamenx", "key:key newkey:key" },
	{ "scan", "cursor:integer [MATCH pattern:pattern] [COUNT count:integer] "
		  "[TYPE type:string]" },
	{ "select", "index:integer" },
	{ "set", "key:key value:string [condition=<NX|XX>] [GET] [expiration=<EX seconds:integer|"
		 "PX milliseconds:integer|EXAT unix-time-seconds:unix-time|PXAT "
		 "unix-time-milliseconds:unix-time|KEEPTTL>]" },
	{ "setbit", "key:key offset:integer value:integer" },
	{ "setex", "key:key seconds:integer value:string" },
	{ "setnx", "key:key value:string" },
	{ "setrange", "key:key offset:integer value:string" },
	{ "shutdown", "[nosave_save=<NOSAVE|SAVE>] [NOW] [FORCE] [ABORT]" },
	{ "strlen", "key:key" },
	{ "substr", "key:key start:integer end:integer" },
	{ "swapdb", "index1:integer index2:integer" },
	{ "ttl", "key:key" },
	{ "type", "key:key" },
	{ "unlink", "key:key..." },
	{ "watch", "key:key..." },
	/* sorted sets (t_zset.c) */
	{ "zadd", "key:key [condition=<NX|XX>] [comparison=<GT|LT>] [CH] [INCR] data=(score:double member:string)..." },
	{ "zcard", "key:key" },
	{ "zcount", "key:key min:double max:double" },
	{ "zdiff", "numkeys:integer key:key... [WITHSCORES]" },
	{ "zdiffstore", "destination:key numkeys:integer key:key..." },
	{ "zincrby", "key:key increment:integer member:string" },
	{ "zinter", "numkeys:integer key:key... [WEIGHTS weight:integer...] [AGGREGATE aggregate=<SUM|MIN|MAX>] [WITHSCORES]" },
	{ "zintercard", "numkeys:integer key:key... [LIMIT limit:integer]" },
	{ "zinterstore", "destination:key numkeys:integer key:key... [WEIGHTS weight:integer...] [AGGREGATE aggregate=<SUM|MIN|MAX>]" },
	{ "zlexcount", "key:key min:string max:string" },
	{ "zmscore", "key:key member:string..." },
	{ "zpopmax", "key:key [count:integer]" },
	{ "zpopmin", "key:key [count:integer]" },
	{ "zrandmember", "key:key [options=(count:integer [WITHSCORES])]" },
	{ "zrange", "key:key start:string stop:string [sortby=<BYSCORE|BYLEX>] [REV] [LIMIT limit=(offset:integer count:integer)] [WITHSCORES]" },
	{ "zrangebylex", "key:key min:string max:string [LIMIT limit=(offset:integer count:integer)]" },
	{ "zrangebyscore", "key:key min:double max:double [WITHSCORES] [LIMIT limit=(offset:integer count:integer)]" },
	{ "zrangestore", "dst:key src:key min:string max:string [sortby=<BYSCORE|BYLEX>] [REV] [LIMIT limit=(offset:integer count:integer)]" },
	{ "zrank", "key:key member:string [WITHSCORE]" },
	{ "zrem", "key:key member:string..." },
	{ "zremrangebylex", "key:key min:string max:string" },
	{ "zremrangebyrank", "key:key start:integer stop:integer" },
	{ "zremrangebyscore", "key:key min:double max:double" },
	{ "zrevrange", "key:key start:integer stop:integer [WITHSCORES]" },
	{ "zrevrangebylex", "key:key max:string min:string [LIMIT limit=(offset:integer count:integer)]" },
	{ "zrevrangebyscore", "key:key max:double min:double [WITHSCORES] [LIMIT limit=(offset:integer count:integer)]" },
	{ "zrevrank", "key:key member:string [WITHSCORE]" },
	{ "zscan", "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]" },
	{ "zscore", "key:key member:string" },
	{ "zunion", "numkeys:integer key:key... [WEIGHTS weight:integer...] [AGGREGATE aggregate=<SUM|MIN|MAX>] [WITHSCORES]" },
	{ "zunionstore", "destination:key numkeys:integer key:key... [WEIGHTS weight:integer...] [AGGREGATE aggregate=<SUM|MIN|MAX>]" },
};

enum doc_type {
	DOC_KEY, DOC_STRING, DOC_INTEGER, DOC_DOUBLE, DOC_PATTERN, DOC_UNIX_TIME,
	DOC_PURE_TOKEN, DOC_ONEOF, DOC_BLOCK,
};
static const char *const doc_type_names[] = {
	"key", "string", "integer", "double", "pattern", "unix-time",
	"pure-token", "oneof", "block",
};

struct doc_arg {
	const char *name, *token;	/* into the spec string, not NUL-terminated */
	int nlen, tlen;
	enum doc_type type;
	int optional, multiple;
	int child, next;		/* node indexes, -1 = none */
};

struct doc_parser {
	const char *s;
	size_t pos;
	int n, depth, err;
	struct doc_arg nodes[DOCS_MAX_ARGS];
};

static int doc_delim(char ch)
{
	return !ch || strchr(" []|<>()=", ch) != NULL;
}

static int doc_new(struct doc_parser *p)
{
	struct doc_arg *a;

	if (p->n >= DOCS_MAX_ARGS) {
		p->err = 1;
		return -1;
	}
	a = &p->nodes[p->n];
	memset(a, 0, sizeof(*a));
	a->child = a->next = -1;
	return p->n++;
}

static int doc_dots(struct doc_parser *p)
{
	if (strncmp(p->s + p->pos, "...", 3))
		return 0;
	p->pos += 3;
	return 1;
}

static int doc_parse_arg(struct doc_parser *p);

/* Arguments separated by single spaces until `close` (')' or '\0'). First node or -1. */
static int doc_parse_list(struct doc_parser *p, char close)
{
	int first = -1, last = -1;

	while (!p->err && p->s[p->pos] != close) {
		int a = doc_parse_arg(p);

		if (a < 0)
			break;
		if (last >= 0)
			p->nodes[last].next = a;
		else
			first = a;
		last = a;
		if (p->s[p->pos] == ' ')
			p->pos++;
	}
	return first;
}

static int doc_parse_base(struct doc_parser *p)
{
	const char *w = p->s + p->pos;
	size_t wl = 0, i;
	int a, colon = -1;

	while (!doc_delim(w[wl]))
		wl++;
	/* "name:type..." keeps its dots in the word; they mean "multiple". */
	if (wl > 3 && !strncmp(w + wl - 3, "...", 3))
		wl -= 3;
	for (i = 0; i < wl; i++)
		if (w[i] == ':')
			colon = (int)i;
	if (!wl) {
		p->err = 1;
		return -1;
	}
	p->pos += wl;
	if (p->s[p->pos] == '=') { /* name=<...> or name=(...) */
		a = doc_new(p);
		if (a < 0)
			return -1;
		p->nodes[a].name = w;
		p->nodes[a].nlen = (int)wl;
		p->pos++;
		if (++p->depth > DOCS_MAX_DEPTH) {
			p->err = 1;
			return -1;
		}
		if (p->s[p->pos] == '<') {
			int last = -1;

			p->pos++;
			p->nodes[a].type = DOC_ONEOF;
			for (;;) {
				int alt = doc_parse_arg(p);

				if (alt < 0)
					return -1;
				if (last >= 0)
					p->nodes[last].next = alt;
				else
					p->nodes[a].child = alt;
				last = alt;
				if (p->s[p->pos] == '|') {
					p->pos++;
					continue;
				}
				if (p->s[p->pos] != '>') {
					p->err = 1;
					return -1;
				}
				p->pos++;
				break;
			}
		} else if (p->s[p->pos] == '(') {
			p->pos++;
			p->nodes[a].type = DOC_BLOCK;
			p->nodes[a].child = doc_parse_list(p, ')');
			if (p->err || p->s[p->pos] != ')') {
				p->err = 1;
				return -1;
			}
			p->pos++;
		} else {
			p->err = 1;
			return -1;
		}
		p->depth--;
		p->nodes[a].multiple = doc_dots(p);
		return a;
	}
	if (colon > 0) { /* name:type */
		const char *t = w + colon + 1;
		size_t tl = wl - (size_t)colon - 1;
		int ty;

		a = doc_new(p);
		if (a < 0)
			return -1;
		p->nodes[a].name = w;
		p->nodes[a].nlen = colon;
		for (ty = DOC_KEY; ty <= DOC_UNIX_TIME; ty++)
			if (strlen(doc_type_names[ty]) == tl && !strncmp(doc_type_names[ty], t, tl))
				break;
		if (ty > DOC_UNIX_TIME) {
			p->err = 1;
			return -1;
		}
		p->nodes[a].type = (enum doc_type)ty;
		p->nodes[a].multiple = doc_dots(p);
		return a;
	}
	/* A TOKEN: does a value follow ("MATCH pattern:pattern", "AUTH x=(...)")? */
	if (p->s[p->pos] == ' ') {
		const char *v = p->s + p->pos + 1;
		size_t vl = 0;

		while (v[vl] && !strchr(" []|<>()", v[vl]))
			vl++;
		if (memchr(v, ':', vl) || memchr(v, '=', vl)) {
			p->pos++;
			a = doc_parse_base(p);
			if (a >= 0) {
				p->nodes[a].token = w;
				p->nodes[a].tlen = (int)wl;
			}
			return a;
		}
	}
	a = doc_new(p);
	if (a < 0)
		return -1;
	p->nodes[a].type = DOC_PURE_TOKEN;
	p->nodes[a].name = p->nodes[a].token = w;
	p->nodes[a].nlen = p->nodes[a].tlen = (int)wl;
	return a;
}

static int doc_parse_arg(struct doc_parser *p)
{
	int a;

	if (p->s[p->pos] != '[')
		return doc_parse_base(p);
	p->pos++;
	a = doc_parse_arg(p);
	if (a < 0 || p->s[p->pos] != ']') {
		p->err = 1;
		return -1;
	}
	p->pos++;
	p->nodes[a].optional = 1;
	return a;
}

/* Parse a spec line. First top-level node (or -1 when empty); -EINVAL when malformed. */
static int doc_parse(struct doc_parser *p, const char *spec, int *first)
{
	memset(p, 0, sizeof(*p));
	p->s = spec;
	*first = doc_parse_list(p, '\0');
	return p->err || p->s[p->pos] ? -EINVAL : 0;
}

static const char *doc_args_of(const char *fullname)
{
	size_t i;

	for (i = 0; i < sizeof(doc_args) / sizeof(doc_args[0]); i++)
		if (!strcmp(doc_args[i].name, fullname))
			return doc_args[i].args;
	return NULL;
}

int cmddocs_check_specs(void)
{
	struct doc_parser p;
	size_t i;
	int first;

	for (i = 0; i < sizeof(doc_args) / sizeof(doc_args[0]); i++)
		if (doc_parse(&p, doc_args[i].args, &first) < 0)
			return -EINVAL;
	return 0;
}

/* Redis's addReplyCommandArgList(): one map per argument, siblings from node a on. */
static void reply_doc_args(struct client *c, const struct doc_parser *p, int a)
{
	long n = 0;
	int i;

	for (i = a; i >= 0; i = p->nodes[i].next)
		n++;
	reply_array(c, n);
	for (i = a; i >= 0; i = p->nodes[i].next) {
		const struct doc_arg *d = &p->nodes[i];
		int nested = d->type == DOC_ONEOF || d->type == DOC_BLOCK;
		char name[64];

		reply_map(c, 2 + (d->type == DOC_KEY) + (d->token && d->type != DOC_PURE_TOKEN) +
				     (d->type == DOC_PURE_TOKEN) + (d->optional || d->multiple) +
				     nested);
		reply_cstr(c, "name");
		if (d->type == DOC_PURE_TOKEN) {
			srv_lower_copy(name, sizeof(name), d->name, (size_t)d->nlen);
			reply_cstr(c, name);
		} else {
			reply_bulk(c, d->name, (size_t)d->nlen);
		}
		reply_cstr(c, "type");
		reply_cstr(c, doc_type_names[d->type]);
		if (d->type == DOC_KEY) {
			/* arenakv describes keys with one spec (see reply_key_specs()). */
			reply_cstr(c, "key_spec_index");
			reply_int(c, 0);
		}
		if (d->token) {
			reply_cstr(c, "token");
			reply_bulk(c, d->token, (size_t)d->tlen);
		}
		if (d->optional || d->multiple) {
			reply_cstr(c, "flags");
			reply_set(c, d->optional + d->multiple);
			if (d->optional)
				reply_simple(c, "optional");
			if (d->multiple)
				reply_simple(c, "multiple");
		}
		if (nested) {
			reply_cstr(c, "arguments");
			reply_doc_args(c, p, d->child);
		}
	}
}

/*
 * Redis's addReplyCommandDocs() for one command or subcommand: summary, since, group, then
 * "arguments" when we have a spec for it, then "subcommands" for a container (ct != NULL).
 */
static void reply_doc_entry(struct client *c, const char *fullname, const char *summary,
			    const char *since, const char *group, const struct srv_container *ct)
{
	const char *spec = doc_args_of(fullname);
	struct doc_parser *p = NULL;
	int first = -1;

	if (spec && *spec) {
		p = malloc(sizeof(*p));
		if (p && doc_parse(p, spec, &first) < 0)
			first = -1;
	}
	reply_map(c, 3 + (first >= 0) + (ct != NULL));
	reply_cstr(c, "summary");
	reply_cstr(c, summary ? summary : "");
	reply_cstr(c, "since");
	reply_cstr(c, since ? since : "1.0.0");
	reply_cstr(c, "group");
	reply_cstr(c, group ? group : "server");
	if (first >= 0) {
		reply_cstr(c, "arguments");
		reply_doc_args(c, p, first);
	}
	free(p);
	if (ct) {
		const struct srv_subcmd *s;
		char full[64];
		long nsubs = 0;

		for (s = ct->subs; s->name; s++)
			nsubs++;
		reply_cstr(c, "subcommands");
		reply_map(c, nsubs);
		for (s = ct->subs; s->name; s++) {
			snprintf(full, sizeof(full), "%s|%s", ct->name, s->name);
			reply_cstr(c, full);
			reply_doc_entry(c, full, s->summary, s->since, group, NULL);
		}
	}
}

static void reply_command_docs(struct client *c, const struct command *cmd)
{
	reply_doc_entry(c, cmd->name, cmd->summary, cmd->since, cmd->group,
			srv_container_of(cmd->fn));
}

/* Look up "name" or "container|sub" (COMMAND INFO/DOCS accept both). */
static const struct command *command_find(const struct arg *a, const struct srv_subcmd **sub)
{
	const char *bar = memchr(a->ptr, '|', a->len);
	const struct command *cmd;
	const struct srv_container *ct;
	struct arg rest;

	*sub = NULL;
	if (!bar)
		return command_lookup(a->ptr, a->len);
	cmd = command_lookup(a->ptr, (size_t)(bar - a->ptr));
	ct = cmd ? srv_container_of(cmd->fn) : NULL;
	if (!ct)
		return NULL;
	rest.ptr = bar + 1;
	rest.len = a->len - (size_t)(bar + 1 - a->ptr);
	*sub = srv_subcmd_find(ct, &rest);
	return *sub ? cmd : NULL;
}

void cmddocs_all(struct client *c)
{
	size_t i, n = command_count();

	reply_array(c, (long)n);
	for (i = 0; i < n; i++)
		reply_command_info(c, command_at(i));
}

static void command_count_sub(struct client *c)
{
	reply_int(c, (long long)command_count());
}

static void command_info(struct client *c)
{
	int i;

	if (c->argc == 2) {
		cmddocs_all(c);
		return;
	}
	reply_array(c, c->argc - 2);
	for (i = 2; i < c->argc; i++) {
		const struct srv_subcmd *sub;
		const struct command *cmd = command_find(&c->argv[i], &sub);

		if (!cmd)
			reply_null(c);
		else if (sub)
			reply_subcmd_info(c, srv_container_of(cmd->fn), sub);
		else
			reply_command_info(c, cmd);
	}
}

static void command_docs(struct client *c)
{
	size_t i, n = command_count();
	void *h;
	long found = 0;
	int j;

	if (c->argc == 2) {
		reply_map(c, (long)n);
		for (i = 0; i < n; i++) {
			reply_cstr(c, command_at(i)->name);
			reply_command_docs(c, command_at(i));
		}
		return;
	}
	/* Unknown names are left out of the map, so its size is known only at the end. */
	h = reply_deferred_len(c);
	for (j = 2; j < c->argc; j++) {
		const struct srv_subcmd *sub;
		const struct command *cmd = command_find(&c->argv[j], &sub);
		char name[96];

		if (!cmd)
			continue;
		srv_lower_copy(name, sizeof(name), c->argv[j].ptr, c->argv[j].len);
		reply_cstr(c, name);
		if (sub) {
			char full[64];

			snprintf(full, sizeof(full), "%s|%s", cmd->name, sub->name);
			reply_doc_entry(c, full, sub->summary, sub->since, cmd->group, NULL);
		} else {
			reply_command_docs(c, cmd);
		}
		found++;
	}
	reply_set_deferred_map(c, h, found);
}

/* COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN pattern]; subcommands included. */
static void command_list(struct client *c)
{
	const struct arg *pat = NULL;
	size_t i, n = command_count();
	int cat = -1, module = 0;
	long count = 0;
	void *h;

	if (c->argc == 5) {
		if (!arg_is(&c->argv[2], "filterby")) {
			reply_error(c, ERR_SYNTAX);
			return;
		}
		if (arg_is(&c->argv[3], "module")) {
			module = 1;
		} else if (arg_is(&c->argv[3], "aclcat")) {
			cat = cat_by_name(&c->argv[4]);
			if (cat < 0) {
				/* Redis 7.0 lists nothing for an unknown category. */
				reply_empty_array(c);
				return;
			}
		} else if (arg_is(&c->argv[3], "pattern")) {
			pat = &c->argv[4];
		} else {
			reply_error(c, ERR_SYNTAX);
			return;
		}
	} else if (c->argc != 2) {
		reply_error(c, ERR_SYNTAX);
		return;
	}
	if (module) {
		reply_empty_array(c); /* no modules */
		return;
	}
	h = reply_deferred_len(c);
	for (i = 0; i < n; i++) {
		const struct command *cmd = command_at(i);
		const struct srv_container *ct = srv_container_of(cmd->fn);
		const struct srv_subcmd *s;
		char full[64];

		__u32 cats = cmd_categories(cmd->flags, cmd->group, ct != NULL);

		if ((!pat || stringmatchlen(pat->ptr, pat->len, cmd->name, strlen(cmd->name), 1)) &&
		    (cat < 0 || (cats & (1u << cat)))) {
			reply_cstr(c, cmd->name);
			count++;
		}
		if (!ct)
			continue;
		for (s = ct->subs; s->name; s++) {
			snprintf(full, sizeof(full), "%s|%s", ct->name, s->name);
			if (pat && !stringmatchlen(pat->ptr, pat->len, full, strlen(full), 1))
				continue;
			if (cat >= 0 && !(cmd_categories(s->flags, NULL, 0) & (1u << cat)))
				continue;
			reply_cstr(c, full);
			count++;
		}
	}
	reply_set_deferred_array(c, h, count);
}

/* COMMAND GETKEYS command arg...: keys by the legacy first/last/step range. */
/*
 * COMMAND GETKEYS / GETKEYSANDFLAGS command arg...: keys by the legacy first/last/step range,
 * with Redis's errors. with_flags adds each key's spec flags ([key, [flags]] pairs).
 */
static void command_keys(struct client *c, int with_flags)
{
	const struct command *cmd = command_lookup(c->argv[2].ptr, c->argv[2].len);
	int argc = c->argc - 2, first, last, step, j;
	const char *flags[2];
	int nflags;

	if (!cmd) {
		reply_error(c, "ERR Invalid command specified");
		return;
	}
	if (cmd->first_key <= 0) {
		reply_error(c, "ERR The command has no key arguments");
		return;
	}
	if (!srv_arity_ok(cmd->arity, argc)) {
		reply_error(c, "ERR Invalid number of arguments specified for command");
		return;
	}
	first = cmd->first_key;
	last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
	step = cmd->key_step > 0 ? cmd->key_step : 1;
	if (last >= argc)
		last = argc - 1;
	if (first > last) {
		reply_error(c, "ERR Invalid arguments specified for command");
		return;
	}
	nflags = key_spec_flags(cmd, flags);
	reply_array(c, (last - first) / step + 1);
	for (j = first; j <= last; j += step) {
		if (with_flags) {
			reply_array(c, 2);
			reply_bulk(c, c->argv[2 + j].ptr, c->argv[2 + j].len);
			reply_flag_set(c, flags, nflags);
		} else {
			reply_bulk(c, c->argv[2 + j].ptr, c->argv[2 + j].len);
		}
	}
}

static void command_getkeys(struct client *c)
{
	command_keys(c, 0);
}

static void command_getkeysandflags(struct client *c)
{
	command_keys(c, 1);
}

static void command_help(struct client *c)
{
	static const char *lines[] = {
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
		NULL,
	};

	reply_help(c, lines);
}

#define SUB_CMD (CMD_LOADING | CMD_STALE)

const struct srv_subcmd cmddocs_subs[] = {
	{ "count", command_count_sub, 2, SUB_CMD, "Get total number of Redis commands", "2.8.13" },
	{ "docs", command_docs, -2, SUB_CMD,
	  "Get array of specific Redis command documentation", "7.0.0" },
	{ "getkeys", command_getkeys, -4, SUB_CMD,
	  "Extract keys given a full Redis command", "2.8.13" },
	{ "getkeysandflags", command_getkeysandflags, -4, SUB_CMD,
	  "Extract keys and access flags given a full Redis command", "7.0.0" },
	{ "info", command_info, -2, SUB_CMD,
	  "Get array of specific Redis command details, or all when no argument is given.",
	  "2.8.13" },
	{ "list", command_list, -2, SUB_CMD, "Get an array of Redis command names", "7.0.0" },
	{ "help", command_help, 2, SUB_CMD,
	  "Show helpful text about the different subcommands", "5.0.0" },
	{ NULL },
};

