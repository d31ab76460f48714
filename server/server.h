/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * server.h - the contract between the server core (event loop, connections, dispatch), the RESP
 * layer and the command modules. Owner: core. Other modules may rely on every name here; changes
 * go through /tmp/arenakv-requests.md.
 *
 * Threading: one thread owns everything declared here. The event loop thread parses requests and
 * executes every command to completion, so command code takes no locks. Command functions never
 * block and never do socket I/O: they append replies to c->out through reply_* (server/reply.h)
 * and return. The only concurrent parties are lock-free readers of the arena (BPF programs, test
 * threads), governed by index/htab.h, never by anything in this file.
 *
 * --- arguments ---
 *   c->argv[0..c->argc-1] (argv[0] is the command name as the client sent it, any case). The
 *   bytes are valid until the command function returns: they usually point into the client's
 *   query buffer, which is compacted or reused afterwards. Keep a copy to keep them longer (MULTI).
 *   Arguments are NOT NUL-terminated in general; use ->len.
 *
 * --- replies (server/reply.h, RESP helper; RESP2 or RESP3 by c->resp) ---
 *   reply_simple reply_ok reply_error reply_errorf reply_int reply_bulk reply_cstr reply_null
 *   reply_null_array reply_array reply_map reply_set reply_double reply_bool reply_verbatim
 *   reply_deferred_len/reply_set_deferred_array. Error text: server/errors.h. The reply layer
 *   honours CLIENT_REPLY_OFF/SKIP (drops the bytes) and counts srv.stats.total_error_replies.
 *
 * --- commands ---
 *   Each module exports one array of struct command terminated by an entry whose name is NULL
 *   (see server/commands.h). commands_init() merges them into one case-insensitive hash table.
 *   Dispatch order in conn.c (same as Redis's processCommand):
 *     unknown command -> arity -> AUTH -> MULTI queueing rules -> maxmemory (CMD_DENYOOM) -> call.
 *   A command function may assume: c->cmd is set, arity already checked, client authenticated
 *   (or the command has CMD_NO_AUTH), not inside MULTI unless the command is EXEC/DISCARD/MULTI/
 *   WATCH/QUIT/RESET-like (CMD_NO_MULTI marks those executed immediately even inside MULTI),
 *   and for CMD_DENYOOM that memory was made available as far as eviction could.
 *
 * --- keyspace (server/db.h, data helper) ---
 *   db_lookup_read/db_lookup_write/db_set_string/db_delete/db_signal_modified (WATCH) ...
 *   Core calls: int db_evict_for_write(void) before CMD_DENYOOM commands (0 ok, <0 -> -OOM);
 *               void db_cron(void) from the periodic cron (active expiry, rehash steps).
 */
#ifndef ARENAKV_SERVER_H
#define ARENAKV_SERVER_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "resp.h" /* struct obuf (output buffer) and struct resp_parser (request parser state) */

/* ---- arguments ---------------------------------------------------------------------------- */

struct arg {
	const char *ptr;
	size_t len;
};

/* ---- commands ----------------------------------------------------------------------------- */

struct client;
typedef void cmd_fn(struct client *c);

/* Command flags (Redis 7 names, lower case in COMMAND INFO output). */
#define CMD_WRITE	   (1u << 0)  /* may modify the keyspace */
#define CMD_READONLY	   (1u << 1)  /* only reads the keyspace */
#define CMD_DENYOOM	   (1u << 2)  /* may grow memory: refused with -OOM when over maxmemory */
#define CMD_ADMIN	   (1u << 3)  /* administrative (CONFIG, CLIENT KILL, ...) */
#define CMD_PUBSUB	   (1u << 4)
#define CMD_NOSCRIPT	   (1u << 5)
#define CMD_BLOCKING	   (1u << 6)
#define CMD_LOADING	   (1u << 7)  /* allowed while loading */
#define CMD_STALE	   (1u << 8)  /* allowed on a stale replica */
#define CMD_SKIP_MONITOR   (1u << 9)
#define CMD_SKIP_SLOWLOG   (1u << 10)
#define CMD_FAST	   (1u << 11) /* O(1) or O(log N) */
#define CMD_NO_AUTH	   (1u << 12) /* allowed before AUTH (AUTH, HELLO, QUIT) */
#define CMD_MAY_REPLICATE  (1u << 13)
#define CMD_NO_MULTI	   (1u << 14) /* executed at once inside MULTI (MULTI EXEC DISCARD WATCH
				       * QUIT RESET): never queued */
#define CMD_ALLOW_BUSY	   (1u << 15)
#define CMD_NO_MANDATORY_KEYS (1u << 16)

struct command {
	const char *name;	/* lower case, e.g. "get"; NULL terminates a module's array */
	cmd_fn *fn;
	int arity;		/* >0 exact argc, <0 at least -arity (argv[0] counts) */
	__u32 flags;		/* CMD_* */
	int first_key;		/* 0 = no keys */
	int last_key;		/* -1 = last argument */
	int key_step;
	const char *group;	/* "string", "generic", "server", "connection", "transactions" */
	const char *summary;	/* one line, for COMMAND DOCS */
	const char *since;	/* Redis version that introduced it, "1.0.0" */
};

/* ---- clients ------------------------------------------------------------------------------ */

/* c->flags */
#define CLIENT_MULTI		 (1u << 0)  /* inside MULTI: commands are queued */
#define CLIENT_DIRTY_CAS	 (1u << 1)  /* a WATCHed key was touched: EXEC will fail */
#define CLIENT_DIRTY_EXEC	 (1u << 2)  /* a command was rejected while queueing: EXECABORT */
#define CLIENT_CLOSE_AFTER_REPLY (1u << 3)  /* QUIT, protocol error: flush output then close */
#define CLIENT_AUTHENTICATED	 (1u << 4)  /* AUTH succeeded (or no requirepass) */
#define CLIENT_REPLY_OFF	 (1u << 5)  /* CLIENT REPLY OFF: drop every reply */
#define CLIENT_REPLY_SKIP	 (1u << 6)  /* CLIENT REPLY SKIP: drop the reply of the next command */
#define CLIENT_REPLY_SKIP_NEXT	 (1u << 7)  /* set by CLIENT REPLY SKIP; conn.c turns it into
					     * CLIENT_REPLY_SKIP for the following command */
#define CLIENT_CLOSE_ASAP	 (1u << 8)  /* CLIENT KILL, query/output limits: close without
					     * flushing at the next safe point */
#define CLIENT_EXECUTING	 (1u << 9)  /* inside a command call (conn.c) */
#define CLIENT_IN_EXEC		 (1u << 10) /* EXEC is running the queued commands */
#define CLIENT_NO_EVICT		 (1u << 11)
#define CLIENT_PROTO_ERROR	 (1u << 12) /* protocol error replied; closing after the reply */

/*
 * One queued command of a MULTI block. multi.c (admin) owns the allocation: argv and the bytes it
 * points to are copied out of the query buffer when queued and freed at EXEC/DISCARD/close.
 */
struct multi_cmd {
	const struct command *cmd;
	int argc;
	struct arg *argv;
};

struct watched_key;   /* defined by whoever implements WATCH (multi.c / db.c) */
struct loop_conn;     /* event-loop private per-connection state (loop_*.c) */

struct client {
	__u64 id;		/* unique, increasing from 1 (CLIENT ID) */
	int fd;			/* -1 for the fake clients used in tests */
	int argc;
	struct arg *argv;	/* valid during the command call, see the top comment; owned by
				 * c->parser (or by the caller of conn_call) */
	int resp;		/* 2 or 3 (HELLO) */
	int db;			/* selected database 0..srv.databases-1 */
	__u32 flags;		/* CLIENT_* */
	struct obuf out;	/* pending reply bytes (server/resp.h) */
	char *name;		/* CLIENT SETNAME, malloc'd, NULL = none */
	char *lib_name;		/* CLIENT SETINFO lib-name, malloc'd by t_server.c, freed at close */
	char *lib_ver;		/* CLIENT SETINFO lib-ver, same */
	const struct command *cmd;	/* command being executed */
	const struct command *lastcmd;	/* last command executed (CLIENT LIST cmd=) */
	long long ctime_ms;		/* connection time, unix ms */
	long long last_interaction_ms;	/* unix ms of the last read or command; idle = now - this */

	/* Query buffer: bytes [qb_pos, qb_len) are received and not yet consumed by the parser. */
	char *qbuf;
	size_t qb_pos;
	size_t qb_len;
	size_t qb_cap;
	size_t qb_peak;		/* recent peak of pending bytes, to shrink an idle buffer */
	struct resp_parser parser;	/* streaming parser state (server/resp.h) */

	/* MULTI queue (multi.c) and WATCH state (multi.c/db.c); all zero when unused. */
	struct multi_cmd *mq;
	int mq_count;
	int mq_cap;
	struct watched_key *watched;	/* opaque list head for the WATCH implementation */
	int watched_count;

	/* Addresses for CLIENT LIST / INFO: "ip:port" / "[ipv6]:port" as Redis prints them. */
	char addr[64];
	char laddr[64];

	/* Core bookkeeping (conn.c / loop_*.c); other modules read, never write. */
	int state;			/* enum conn_state in conn.c */
	struct client *prev, *next;	/* srv.clients list, newest first */
	struct loop_conn *lc;		/* engine-private state */
	__u64 cmds_processed;		/* commands executed by this client */
	__u64 net_in_bytes, net_out_bytes;
	long long obuf_soft_since_ms;	/* conn.c: unix ms the output backlog first went over
					 * the soft client-output-buffer-limit, 0 = under it */
};

/* ---- the server --------------------------------------------------------------------------- */

enum maxmemory_policy {
	MAXMEMORY_NO_EVICTION = 0,
	MAXMEMORY_ALLKEYS_LRU,
	MAXMEMORY_ALLKEYS_LFU,
	MAXMEMORY_ALLKEYS_RANDOM,
	MAXMEMORY_VOLATILE_LRU,
	MAXMEMORY_VOLATILE_LFU,
	MAXMEMORY_VOLATILE_RANDOM,
	MAXMEMORY_VOLATILE_TTL,
};

enum appendfsync_mode { APPENDFSYNC_ALWAYS = 0, APPENDFSYNC_EVERYSEC, APPENDFSYNC_NO };

enum io_engine { IO_ENGINE_AUTO = 0, IO_ENGINE_URING, IO_ENGINE_EPOLL };

/* Log levels (server/log.h); the order is Redis's. */
enum log_level { LL_DEBUG = 0, LL_VERBOSE, LL_NOTICE, LL_WARNING, LL_NOTHING };

#define SERVER_MAX_BIND 16
#define SERVER_MAX_DATABASES 16	/* arena_hdr holds 16 tables (index/layout.h) */
#define SERVER_VERSION "7.0.15"	/* what INFO reports as redis_version, for client libraries */
#define ARENAKV_VERSION "0.1.0"

/*
 * Counters reset by CONFIG RESETSTAT (memset of the whole struct), named after their INFO fields.
 * Who increments: conn.c (connections, commands, net bytes, rejected), db.c (keyspace hits,
 * misses, expired, evicted: their only home, db.c keeps no copy), reply.c (error replies).
 */
struct server_stats {
	__u64 total_connections_received;
	__u64 total_commands_processed;
	__u64 keyspace_hits;
	__u64 keyspace_misses;
	__u64 expired_keys;
	__u64 evicted_keys;
	__u64 rejected_connections;
	__u64 total_net_input_bytes;
	__u64 total_net_output_bytes;
	__u64 total_error_replies;
	__u64 unexpected_error_replies;
	__u64 client_qbuf_limit_disconnections;
};

struct server {
	/* --- configuration (server/config.c owns parsing and CONFIG SET) --- */
	int port;			/* port, default 6379; 0 = no TCP listener */
	char *bind[SERVER_MAX_BIND];	/* bind, default "*" "-::*" */
	int bind_count;
	int tcp_backlog;		/* tcp-backlog, default 511 */
	char *dir;			/* dir, chdir'd at start and on CONFIG SET */
	unsigned long long maxmemory;	/* bytes, 0 = no limit (the arena size bounds it) */
	int maxmemory_policy;		/* enum maxmemory_policy */
	int maxmemory_samples;		/* default 5 */
	int lfu_log_factor;		/* lfu-log-factor, default 10 */
	int lfu_decay_time;		/* lfu-decay-time in minutes, default 1 */
	char *requirepass;		/* NULL or "" = no AUTH required */
	int databases;			/* 1..16, default 16 */
	char *save;			/* kept and reported; arenakv does not write RDB files */
	int appendonly;			/* kept and reported; no AOF yet */
	int appendfsync;		/* enum appendfsync_mode */
	int timeout;			/* client idle timeout in seconds, 0 = never */
	int tcp_keepalive;		/* seconds, default 300 */
	int maxclients;			/* default 10000 (lowered to fit RLIMIT_NOFILE) */
	long long proto_max_bulk_len;		/* default 512mb */
	long long client_query_buffer_limit;	/* default 1gb */
	int hz;				/* cron frequency, 1..500, default 10 */
	int loglevel;			/* enum log_level */
	char *logfile;			/* "" = stdout */
	int daemonize;			/* accepted, only "no" is supported */
	char *pidfile;			/* written at start when set */
	int io_engine;			/* enum io_engine (directive io-engine; env ARENAKV_IO wins) */
	char *arena_mode;		/* arena-mode auto|bpf|mmap */
	int active_expire;		/* active-expire-enabled yes|no (tests) */
	int udp_port;			/* udp-port: -1 = same as port, 0 = no UDP (udp.c) */
	char *fastpath_mode;		/* fastpath-mode auto|native|generic|tc|off (fastpath.c) */
	char *fastpath_iface;		/* fastpath-iface, comma list, default "lo" */
	char *fastpath_allow;		/* fastpath-allow, comma list of CIDRs */

	/* --- runtime state --- */
	pid_t pid;
	char runid[41];
	char *configfile;		/* absolute path or NULL */
	char *executable;		/* absolute path of argv[0] */
	long long start_time_ms;	/* unix ms at start (uptime) */
	const char *io_engine_name;	/* "io_uring" / "epoll", for INFO multiplexing_api */
	struct client *clients;		/* every connected client, newest first */
	__u64 connected_clients;
	__u64 next_client_id;
	struct client *current_client;	/* client whose command is executing, or NULL */
	int shutdown_asap;		/* set by signal handlers / SHUTDOWN: loop exits cleanly */
	__u64 cronloops;
	__u64 dirty;			/* keyspace changes (INFO rdb_changes_since_last_save) */
	long long lastsave_unix;	/* for LASTSAVE / INFO; start time as we never save */
	size_t stat_peak_memory;
	/* INFO instantaneous_*: means over the last 1.6 s (16 samples of 100 ms), refreshed by
	 * the cron (conn.c). */
	long long instantaneous_ops_per_sec;
	double instantaneous_input_kbps;
	double instantaneous_output_kbps;

	struct server_stats stats;
};

extern struct server srv;

/* ---- services of the core for command modules (conn.c) ------------------------------------ */

/* Execute c->cmd with c->argv right now (no checks; EXEC uses it for queued commands). */
void conn_call(struct client *c);
/* Close c at the next safe point without flushing (CLIENT KILL). Safe on the current client. */
void conn_close_asap(struct client *c);
/* Find a connected client by CLIENT ID, NULL if none. */
struct client *conn_by_id(__u64 id);
/* Allocate/free a client without a socket (fd -1), for unit tests and internal callers. */
struct client *conn_fake_new(void);
void conn_fake_free(struct client *c);

/* Unix time in ms, cached once per loop iteration (conn.c refreshes it). */
long long server_unix_ms(void);

#endif /* ARENAKV_SERVER_H */
