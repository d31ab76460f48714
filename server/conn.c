// SPDX-License-Identifier: BSD-2-Clause
/*
 * conn.c - connections: the per-client state machine, the query buffer, dispatch, listeners,
 * client timeouts and the cron.
 *
 * A connection is an explicit state machine (memcached's drive_machine idea), driven by the two
 * completions an engine reports (read done, write done) and by the cron:
 *
 *   CONN_READING   idle or mid-request: the engine keeps one read armed into c->qbuf.
 *   CONN_PAUSED    more than CONN_OUT_PAUSE bytes of replies wait: no read is armed and buffered
 *                  commands are not executed until the output drains below CONN_OUT_RESUME.
 *   CONN_DRAINING  CLIENT_CLOSE_AFTER_REPLY (QUIT, protocol error): no more reads; the
 *                  connection closes as soon as the pending output is written.
 *   CONN_CLOSED    unlinked from srv.clients; the engine is cancelling its I/O and calls
 *                  conn_release() when nothing is in flight, which frees the client.
 *
 * Input path (Redis's processInputBuffer): every read is followed by parsing and executing every
 * complete command in the buffer, in order, appending the replies to c->out; then the engine
 * writes the whole batch at once (one send per batch, which is what makes pipelining cheap).
 * Arguments point into the query buffer (zero copy), so the buffer is compacted only after the
 * batch, right before the next read, never while a command runs.
 *
 * Query buffer sizing: 16 KiB to start. While a bulk argument of at least RESP_MBULK_BIG_ARG
 * bytes is being received the buffer is grown to hold the whole request contiguously and reads
 * ask for exactly the missing bytes (as Redis does), so a 100 MB value is received in place and
 * never copied again before it reaches the arena. A buffer left larger than CONN_QBUF_SHRINK is
 * released once it is empty. client-query-buffer-limit bounds the pending bytes (and the size a
 * pending bulk needs): a client crossing it is closed with a log line, like Redis.
 *
 * Output: replies accumulate in c->out (struct obuf, chunks that never move), so the engine may
 * have a write in flight while the next batch is appended behind it. Reading is paused only when
 * the backlog is huge (CONN_OUT_PAUSE): the trade-off is that a client which pipelines more than
 * that without reading any reply stalls instead of growing our memory without bound.
 *
 * Dispatch order (Redis 7 processCommand): unknown command -> arity -> authentication ->
 * maxmemory for CMD_DENYOOM (and EXEC of a DENYOOM transaction) -> MULTI queueing -> call.
 * Rejections inside MULTI flag the transaction (EXECABORT at EXEC).
 *
 * client-output-buffer-limit (normal class; config.c holds the limits): the backlog of a client
 * is checked after every batch of commands, after every write completion and by the cron, as
 * Redis does after each reply: over the hard limit, or over the soft limit for longer than its
 * seconds, the client is closed without flushing and one line is logged.
 *
 * Closing is two-phase so no engine completion ever touches freed memory: conn_close() unlinks,
 * the engine cancels, conn_release() frees. A client that must be closed while a command of
 * another client runs (CLIENT KILL) is only flagged CLIENT_CLOSE_ASAP and closed before the
 * loop sleeps.
 *
 * Loop thread only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "layout.h"
#include "log.h"
#include "loop.h"
#include "multi.h"
#include "reply.h"

#ifndef CONN_QBUF_INIT
#define CONN_QBUF_INIT (16 * 1024)	/* Redis PROTO_IOBUF_LEN */
#endif
#ifndef CONN_READ_MIN
#define CONN_READ_MIN (4 * 1024)	/* grow/compact when less room than this is left */
#endif
#ifndef CONN_QBUF_SHRINK
#define CONN_QBUF_SHRINK (64 * 1024)	/* an empty buffer above this is released */
#endif
#ifndef CONN_OUT_PAUSE
#define CONN_OUT_PAUSE (128ULL * 1024 * 1024)
#endif
#ifndef CONN_OUT_RESUME
#define CONN_OUT_RESUME (32ULL * 1024 * 1024)
#endif
#define CONN_MAX_ACCEPTS_LOG 1

enum conn_state {
	CONN_READING = 0,
	CONN_PAUSED,
	CONN_DRAINING,
	CONN_CLOSED,
};

const struct loop_engine *loop;

static int asap_pending; /* clients flagged CLIENT_CLOSE_ASAP not yet closed */

long long server_unix_ms(void)
{
	return clock_unix_ms();
}

static int auth_required(const struct client *c)
{
	return srv.requirepass && srv.requirepass[0] && !(c->flags & CLIENT_AUTHENTICATED);
}

/* ---- client life cycle -------------------------------------------------------------------- */

/* Take c off srv.clients (the list of connected clients) and out of connected_clients. */
static void conn_unlink(struct client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		srv.clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	srv.connected_clients--;
}

static struct client *client_alloc(int fd)
{
	struct client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->id = ++srv.next_client_id;
	c->resp = 2;
	c->db = 0;
	if (!srv.requirepass || !srv.requirepass[0])
		c->flags |= CLIENT_AUTHENTICATED;
	obuf_init(&c->out);
	resp_parser_init(&c->parser);
	c->ctime_ms = c->last_interaction_ms = clock_unix_ms();
	c->state = CONN_READING;
	return c;
}

static void client_free_mem(struct client *c)
{
	obuf_free(&c->out);
	resp_parser_free(&c->parser);
	free(c->qbuf);
	free(c->name);
	free(c->lib_name);
	free(c->lib_ver);
	free(c->lc);
	free(c);
}

struct client *conn_fake_new(void)
{
	return client_alloc(-1);
}

void conn_fake_free(struct client *c)
{
	if (!c)
		return;
	multi_client_free(c);
	client_free_mem(c);
}

static void format_addr(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, cap, "[%s]:%d", ip, ntohs(s6->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, cap, "%s:%d", ip, ntohs(s4->sin_port));
	} else {
		snprintf(buf, cap, "?:0");
	}
}

static void conn_tune_socket(int fd)
{
	int one = 1;

	/* Failures here only cost latency or dead-peer detection: logged at debug level. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		log_debug("TCP_NODELAY: %s", strerror(errno));
	if (srv.tcp_keepalive > 0) {
		int idle = srv.tcp_keepalive, intvl = srv.tcp_keepalive / 3, cnt = 3;

		if (intvl == 0)
			intvl = 1;
		if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) ||
		    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) ||
		    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) ||
		    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)))
			log_debug("keepalive: %s", strerror(errno));
	}
}

void conn_accepted(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct client *c;

	if ((long long)srv.connected_clients >= srv.maxclients) {
		static const char msg[] = "-" ERR_MAX_CLIENTS "\r\n";

		/* Best effort, as Redis: the socket is fresh so the write normally fits. */
		if (write(fd, msg, sizeof(msg) - 1) < 0)
			log_debug("rejecting client: %s", strerror(errno));
		close(fd);
		srv.stats.rejected_connections++;
		return;
	}
	c = client_alloc(fd);
	if (c)
		c->lc = calloc(1, sizeof(*c->lc));
	if (!c || !c->lc) {
		log_warning("Error allocating resources for the client");
		if (c)
			client_free_mem(c);
		close(fd);
		return;
	}
	conn_tune_socket(fd);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		format_addr(&ss, c->addr, sizeof(c->addr));
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		format_addr(&ss, c->laddr, sizeof(c->laddr));
	c->next = srv.clients;
	if (srv.clients)
		srv.clients->prev = c;
	srv.clients = c;
	srv.connected_clients++;
	srv.stats.total_connections_received++;
	log_verbose("Accepted %s", c->addr);
	if (loop->conn_add(c)) {
		log_warning("Error registering fd event for the new client: %s", strerror(errno));
		c->state = CONN_READING;
		/* unlink and free directly: the engine holds nothing for it */
		conn_unlink(c);
		close(fd);
		client_free_mem(c);
	}
}

/* Unlink and hand to the engine for cancellation; see the top comment. */
static void conn_close(struct client *c)
{
	if (c->state == CONN_CLOSED)
		return;
	if (c->flags & CLIENT_CLOSE_ASAP)
		asap_pending--;
	conn_unlink(c);
	multi_client_free(c);
	c->state = CONN_CLOSED;
	log_debug("Freeing client id=%llu addr=%s", (unsigned long long)c->id, c->addr);
	loop->conn_close(c);
}

void conn_release(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	client_free_mem(c);
}

void conn_close_asap(struct client *c)
{
	if (c->state == CONN_CLOSED || (c->flags & CLIENT_CLOSE_ASAP))
		return;
	c->flags |= CLIENT_CLOSE_ASAP;
	if (c->fd >= 0)
		asap_pending++;
}

struct client *conn_by_id(__u64 id)
{
	for (struct client *c = srv.clients; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

void conn_close_all(void)
{
	while (srv.clients)
		conn_close(srv.clients);
}

void conn_before_sleep(void)
{
	struct client *c, *next;

	if (!asap_pending)
		return;
	for (c = srv.clients; c && asap_pending; c = next) {
		next = c->next;
		if (c->flags & CLIENT_CLOSE_ASAP)
			conn_close(c);
	}
	asap_pending = 0;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

/*
 * The arena's keyspace write seqcount (index/layout.h): odd while a command that writes the
 * keyspace runs, so a lock-free reader answering for several keys at once (the kernel's MGET)
 * never shows half of an MSET, RENAME, SWAPDB or transaction. EXEC counts as one write: the
 * queued commands it calls run inside its window and do not bump again.
 */
static int wseq_open;

static int conn_writes_keyspace(const struct command *cmd)
{
	static const struct command *exec_cmd;

	if (cmd->flags & CMD_WRITE)
		return 1;
	if (!exec_cmd)
		exec_cmd = command_lookup("exec", 4);
	return cmd == exec_cmd;
}

void conn_call(struct client *c)
{
	struct client *prev = srv.current_client;
	const struct command *cmd = c->cmd;
	__u32 was_executing = c->flags & CLIENT_EXECUTING; /* EXEC calls us nested */
	struct command_stat *st = command_stat(cmd);
	__u64 errors = srv.stats.total_error_replies;
	__u64 t0 = clock_mono_ns();

	int wseq = !wseq_open && conn_writes_keyspace(cmd);

	if (wseq) {
		arena_wseq_write_begin();
		wseq_open = 1;
	}
	srv.current_client = c;
	c->flags |= CLIENT_EXECUTING;
	cmd->fn(c);
	if (!was_executing)
		c->flags &= ~CLIENT_EXECUTING;
	srv.current_client = prev;
	if (wseq) {
		arena_wseq_write_end();
		wseq_open = 0;
	}
	if (st) {
		st->calls++;
		st->nsec += clock_mono_ns() - t0;
		if (srv.stats.total_error_replies != errors)
			st->failed_calls++;
	}
	c->lastcmd = cmd;
	c->cmds_processed++;
	srv.stats.total_commands_processed++;
}

/*
 * Redis's rejectCommand(): count the rejection, flag an open transaction, reply err (full text,
 * "ERR ..." / "NOAUTH ..." / "OOM ..."). A rejected EXEC aborts the transaction instead, as
 * Redis 7.0's execCommandAbort(): discard the queue and every WATCH (multi_client_free() is
 * multi.c's discardTransaction) and reply EXECABORT with the reason, minus a leading "ERR ".
 */
static void conn_reject(struct client *c, const char *err)
{
	struct command_stat *st = command_stat(c->cmd);

	if (st)
		st->rejected_calls++;
	if (c->flags & CLIENT_MULTI)
		multi_flag_transaction(c);
	if (c->cmd && !strcmp(c->cmd->name, "exec")) {
		multi_client_free(c);
		reply_errorf(c, "EXECABORT Transaction discarded because of: %s",
			     strncmp(err, "ERR ", 4) ? err : err + 4);
		return;
	}
	reply_error(c, err);
}

/* Run one parsed command: checks in Redis's order, then the call. */
static void conn_dispatch(struct client *c)
{
	const struct command *cmd;

	cmd = command_lookup(c->argv[0].ptr, c->argv[0].len);
	c->cmd = cmd;
	if (!cmd) {
		if (c->flags & CLIENT_MULTI)
			multi_flag_transaction(c);
		reply_unknown_command(c);
		return;
	}
	if ((cmd->arity > 0 && c->argc != cmd->arity) || c->argc < -cmd->arity) {
		char msg[128];

		snprintf(msg, sizeof(msg), ERR_ARITY_FMT, cmd->name);
		conn_reject(c, msg);
		return;
	}
	if (auth_required(c) && !(cmd->flags & CMD_NO_AUTH)) {
		conn_reject(c, ERR_NOAUTH);
		return;
	}
	if (srv.maxmemory) {
		/* Redis 7: DENYOOM commands, EXEC of a transaction holding one, and, inside
		 * MULTI, every command but EXEC DISCARD QUIT RESET (queueing costs memory). */
		int denyoom = (cmd->flags & CMD_DENYOOM) != 0;
		int ret = 0;

		if (!denyoom && (c->flags & CLIENT_MULTI)) {
			if (!strcmp(cmd->name, "exec"))
				denyoom = (multi_queued_flags(c) & CMD_DENYOOM) != 0;
			else
				denyoom = strcmp(cmd->name, "discard") && strcmp(cmd->name, "quit") &&
					  strcmp(cmd->name, "reset");
		}
		if (denyoom) {
			/* db_evict_for_write() counts the pending arguments of the current
			 * client, as Redis counts the query buffer in used_memory. */
			struct client *prev = srv.current_client;

			srv.current_client = c;
			ret = db_evict_for_write();
			srv.current_client = prev;
		}
		if (ret < 0) {
			conn_reject(c, ERR_OOM);
			return;
		}
	}
	if (multi_queue_if_needed(c))
		return;
	conn_call(c);
}

/* Redis's resetClient() for the REPLY SKIP flags: SKIP lasts exactly one command. */
static void conn_after_command(struct client *c)
{
	c->flags &= ~CLIENT_REPLY_SKIP;
	if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
		c->flags |= CLIENT_REPLY_SKIP;
		c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
	}
	c->argc = 0;
	c->argv = NULL;
	c->cmd = NULL;
}

void conn_execute(struct client *c)
{
	conn_dispatch(c);
	conn_after_command(c);
}

/*
 * Parse and execute every complete command in the query buffer (stopping early when the client
 * is to be closed or its output backlog is over CONN_OUT_PAUSE).
 */
static void conn_process_input(struct client *c)
{
	while (!(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP))) {
		size_t consumed = 0;
		struct arg *argv;
		int argc, r;
		const char *err = NULL;

		if (obuf_pending(&c->out) > CONN_OUT_PAUSE)
			break;
		if (c->qb_pos == c->qb_len)
			break;
		c->parser.max_bulk_len = srv.proto_max_bulk_len;
		c->parser.unauthenticated = auth_required(c);
		r = resp_parse_request(&c->parser, c->qbuf + c->qb_pos, c->qb_len - c->qb_pos,
				       &consumed, &argv, &argc, &err);
		if (r == 0) {
			c->qb_pos += consumed;
			break;
		}
		if (r < 0) {
			log_verbose("Protocol error (%s) from client: id=%llu addr=%s",
				    err ? err : "?", (unsigned long long)c->id, c->addr);
			/* Redis replies the error (unless replies are off), then closes once
			 * it is written. The parser must be reset before reuse; we never reuse
			 * it. */
			reply_error(c, err ? err : "ERR Protocol error");
			c->flags |= CLIENT_CLOSE_AFTER_REPLY | CLIENT_PROTO_ERROR;
			resp_parser_reset(&c->parser);
			c->qb_pos = c->qb_len;
			break;
		}
		c->argv = argv;
		c->argc = argc;
		conn_dispatch(c);
		conn_after_command(c);
		c->qb_pos += consumed;
		if (srv.shutdown_asap)
			break;
	}
	if (c->qb_pos == c->qb_len && !resp_parser_busy(&c->parser))
		c->qb_pos = c->qb_len = 0;
}

/*
 * client-output-buffer-limit for the normal class (Redis's checkClientOutputBufferLimits): the
 * soft timer starts when the backlog first exceeds the soft limit and resets once it is back
 * under. Flags the client CLIENT_CLOSE_ASAP and logs once; returns 1 when it must close.
 */
static int conn_obuf_check(struct client *c)
{
	const struct config_obuf_limit *lim = &config_obuf_limits[OBUF_CLASS_NORMAL];
	unsigned long long used = obuf_pending(&c->out);
	int hard = 0, soft = 0;

	if (c->fd < 0 || (c->flags & CLIENT_CLOSE_ASAP) || c->state == CONN_CLOSED)
		return 0;
	if (lim->hard && used >= lim->hard)
		hard = 1;
	if (lim->soft && used >= lim->soft) {
		long long now = clock_unix_ms();

		if (!c->obuf_soft_since_ms)
			c->obuf_soft_since_ms = now;
		else if (now - c->obuf_soft_since_ms > lim->soft_seconds * 1000)
			soft = 1;
		/* Redis closes at once when the soft limit has 0 seconds */
		if (lim->soft_seconds == 0)
			soft = 1;
	} else {
		c->obuf_soft_since_ms = 0;
	}
	if (!hard && !soft)
		return 0;
	log_warning("Client id=%llu addr=%s laddr=%s name=%s age=%lld idle=%lld omem=%llu "
		    "cmd=%s scheduled to be closed ASAP for overcoming of output buffer limits.",
		    (unsigned long long)c->id, c->addr, c->laddr, c->name ? c->name : "",
		    (clock_unix_ms() - c->ctime_ms) / 1000,
		    (clock_unix_ms() - c->last_interaction_ms) / 1000, used,
		    c->lastcmd ? c->lastcmd->name : "NULL");
	conn_close_asap(c);
	return 1;
}

/*
 * Decide the next state after input was processed or output was written, and tell the engine.
 * May close (and free) c: callers return right after.
 */
static void conn_settle(struct client *c)
{
	conn_obuf_check(c);
	if (c->flags & CLIENT_CLOSE_ASAP) {
		conn_close(c);
		return;
	}
	if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
		if (!obuf_pending(&c->out)) {
			conn_close(c);
			return;
		}
		c->state = CONN_DRAINING;
	} else if (obuf_pending(&c->out) > CONN_OUT_PAUSE) {
		c->state = CONN_PAUSED;
	} else {
		c->state = CONN_READING;
	}
	loop->conn_update(c);
}

int conn_is_closed(const struct client *c)
{
	return c->state == CONN_CLOSED;
}

int conn_wants_read(const struct client *c)
{
	return c->state == CONN_READING;
}

/* ---- read path ---------------------------------------------------------------------------- */

static void conn_qbuf_limit_close(struct client *c, size_t bytes)
{
	char head[32 * 4 + 1];
	size_t n = 0;

	/* The first bytes, escaped like Redis's sdscatrepr so the log line stays one line. */
	for (size_t i = c->qb_pos; i < c->qb_len && i < c->qb_pos + 32; i++) {
		unsigned char ch = (unsigned char)c->qbuf[i];

		if (ch >= 32 && ch < 127 && ch != '"' && ch != '\\')
			head[n++] = ch;
		else
			n += snprintf(head + n, sizeof(head) - n, "\\x%02x", ch);
	}
	head[n] = 0;
	log_warning("Closing client that reached max query buffer length: id=%llu addr=%s "
		    "qbuf=%zu (qbuf initial bytes: \"%s\")",
		    (unsigned long long)c->id, c->addr, bytes, head);
	srv.stats.client_qbuf_limit_disconnections++;
	conn_close(c);
}

/*
 * client-query-buffer-limit: pending bytes, or the size the request being received needs (Redis
 * reserves a big bulk's room at once and so trips its limit on the read that saw the header; we
 * count the need the same way). Closes the client and returns 1 when over.
 */
static int conn_qbuf_check(struct client *c)
{
	size_t pending = c->qb_len - c->qb_pos;
	size_t need = resp_parser_busy(&c->parser) ? resp_parser_need(&c->parser) : 0;

	if ((long long)pending > srv.client_query_buffer_limit ||
	    (long long)need > srv.client_query_buffer_limit) {
		conn_qbuf_limit_close(c, need > pending ? need : pending);
		return 1;
	}
	return 0;
}

int conn_read_space(struct client *c, char **buf, size_t *len)
{
	size_t pending = c->qb_len - c->qb_pos;
	size_t need = resp_parser_busy(&c->parser) ? resp_parser_need(&c->parser) : 0;
	size_t want_cap, room;
	int big = need > pending && need - pending >= RESP_MBULK_BIG_ARG;

	if (conn_qbuf_check(c))
		return -ENOBUFS;
	/* Release a big buffer that has become empty (after a big request was served). */
	if (pending == 0 && c->qb_cap > CONN_QBUF_SHRINK && !big) {
		free(c->qbuf);
		c->qbuf = NULL;
		c->qb_cap = c->qb_pos = c->qb_len = 0;
	}
	/* Move the partial request to the front when the tail is short or a big bulk comes. */
	if (c->qb_pos > 0 && (big || c->qb_cap - c->qb_len < CONN_READ_MIN)) {
		memmove(c->qbuf, c->qbuf + c->qb_pos, pending);
		c->qb_pos = 0;
		c->qb_len = pending;
	}
	want_cap = c->qb_cap;
	if (big) {
		if (want_cap < need)
			want_cap = need;
	} else if (c->qb_cap - c->qb_len < CONN_READ_MIN) {
		want_cap = c->qb_cap ? c->qb_cap * 2 : CONN_QBUF_INIT;
		if (want_cap < c->qb_len + CONN_READ_MIN)
			want_cap = c->qb_len + CONN_READ_MIN;
	}
	if (want_cap != c->qb_cap) {
		char *nb = realloc(c->qbuf, want_cap);

		if (!nb) {
			log_warning("Out of memory growing the query buffer of id=%llu to %zu",
				    (unsigned long long)c->id, want_cap);
			conn_close(c);
			return -ENOMEM;
		}
		c->qbuf = nb;
		c->qb_cap = want_cap;
	}
	room = c->qb_cap - c->qb_len;
	/* For a big bulk read only what this request still lacks (Redis does the same), so the
	 * next pipelined request does not land in the big buffer. */
	if (big && need - (c->qb_len - c->qb_pos) < room)
		room = need - (c->qb_len - c->qb_pos);
	*buf = c->qbuf + c->qb_len;
	*len = room;
	return 0;
}

void conn_read_done(struct client *c, long n)
{
	if (c->state == CONN_CLOSED)
		return;
	if (n <= 0) {
		if (n == 0)
			log_verbose("Client closed connection id=%llu addr=%s",
				    (unsigned long long)c->id, c->addr);
		else if (n != -ECONNRESET)
			log_verbose("Reading from client: %s", strerror((int)-n));
		conn_close(c);
		return;
	}
	c->qb_len += (size_t)n;
	c->net_in_bytes += n;
	srv.stats.total_net_input_bytes += n;
	c->last_interaction_ms = clock_unix_ms();
	if (c->state == CONN_READING) {
		conn_process_input(c);
		if (conn_qbuf_check(c))
			return;
	}
	conn_settle(c);
}

/* ---- write path --------------------------------------------------------------------------- */

int conn_out_iov(struct client *c, size_t skip, struct iovec *iov, int max)
{
	if (obuf_pending(&c->out) <= skip)
		return 0;
	return obuf_iov_from(&c->out, skip, iov, max);
}

void conn_write_done(struct client *c, long n)
{
	if (c->state == CONN_CLOSED)
		return;
	if (n < 0) {
		if (n != -EPIPE && n != -ECONNRESET)
			log_verbose("Error writing to client: %s", strerror((int)-n));
		conn_close(c);
		return;
	}
	obuf_consume(&c->out, (size_t)n);
	conn_obuf_check(c);
	if (n > 0)
		c->last_interaction_ms = clock_unix_ms(); /* Redis: a client we write to is not idle */
	c->net_out_bytes += n;
	srv.stats.total_net_output_bytes += n;
	if (c->state == CONN_PAUSED && obuf_pending(&c->out) <= CONN_OUT_RESUME) {
		c->state = CONN_READING;
		conn_process_input(c);
		conn_settle(c);
		return;
	}
	if (c->state == CONN_DRAINING && !obuf_pending(&c->out)) {
		conn_close(c);
		return;
	}
	if (c->flags & CLIENT_CLOSE_ASAP) {
		conn_close(c);
		return;
	}
	loop->conn_update(c);
}

/* ---- cron --------------------------------------------------------------------------------- */

int conn_cron_period_ms(void)
{
	int hz = srv.hz < 1 ? 1 : srv.hz;
	int ms = 1000 / hz;

	return ms < 1 ? 1 : ms;
}

/*
 * Client timeouts: one pass over the client list. That is O(clients) per tick, a few
 * microseconds for thousands of clients; Redis spreads it over ticks for its 10k+ clients with
 * more per-client work (buffer resizing), which we do on the read path instead.
 */
static void conn_clients_cron(void)
{
	long long now = clock_unix_ms();
	struct client *c, *next;

	const struct config_obuf_limit *lim = &config_obuf_limits[OBUF_CLASS_NORMAL];

	if (!srv.timeout && !lim->soft)
		return;
	for (c = srv.clients; c; c = next) {
		next = c->next;
		/* a slow reader over the soft limit may get no new output to trigger the check */
		if (lim->soft && conn_obuf_check(c))
			continue;
		if (!srv.timeout)
			continue;
		if (now - c->last_interaction_ms > (long long)srv.timeout * 1000) {
			log_verbose("Closing idle client id=%llu addr=%s",
				    (unsigned long long)c->id, c->addr);
			conn_close(c);
		}
	}
}

/*
 * Redis's instantaneous_* INFO fields: every 100 ms sample the counters; the rate is the mean
 * over the last STATS_SAMPLES samples.
 */
#define STATS_SAMPLES 16
#define STATS_PERIOD_MS 100

static void conn_track_metrics(void)
{
	static struct {
		long long t_ms;
		__u64 ops, in, out;
	} last;
	static double ops_s[STATS_SAMPLES], in_s[STATS_SAMPLES], out_s[STATS_SAMPLES];
	static int idx, filled;
	long long now = clock_unix_ms(), dt = now - last.t_ms;
	double so = 0, si = 0, sw = 0;

	if (last.t_ms && dt < STATS_PERIOD_MS)
		return;
	if (last.t_ms && dt > 0) {
#define RATE(cur, prev) ((cur) >= (prev) ? (double)((cur) - (prev)) * 1000 / dt : 0.0)
		/* after CONFIG RESETSTAT a counter is below its sample: count that period as 0 */
		ops_s[idx] = RATE(srv.stats.total_commands_processed, last.ops);
		in_s[idx] = RATE(srv.stats.total_net_input_bytes, last.in);
		out_s[idx] = RATE(srv.stats.total_net_output_bytes, last.out);
#undef RATE
		idx = (idx + 1) % STATS_SAMPLES;
		if (filled < STATS_SAMPLES)
			filled++;
		for (int i = 0; i < filled; i++) {
			so += ops_s[i];
			si += in_s[i];
			sw += out_s[i];
		}
		srv.instantaneous_ops_per_sec = (long long)(so / filled);
		srv.instantaneous_input_kbps = si / filled / 1024;
		srv.instantaneous_output_kbps = sw / filled / 1024;
	}
	last.t_ms = now;
	last.ops = srv.stats.total_commands_processed;
	last.in = srv.stats.total_net_input_bytes;
	last.out = srv.stats.total_net_output_bytes;
}

void conn_cron(void)
{
	srv.cronloops++;
	conn_track_metrics();
	db_cron();
	conn_clients_cron();
	conn_before_sleep();
}

/* ---- listeners ---------------------------------------------------------------------------- */

struct listener {
	int fd;
};

static struct listener listeners[SERVER_MAX_BIND];
static int nlisteners;

static int listen_one(const char *spec, int port, int *fdp)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, family;

	memset(&ss, 0, sizeof(ss));
	if (!strcmp(spec, "*") || !strcmp(spec, "0.0.0.0")) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	} else if (!strcmp(spec, "::*") || !strcmp(spec, "::")) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		if (inet_pton(AF_INET, spec, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons(port);
			sl = sizeof(*s4);
		} else if (inet_pton(AF_INET6, spec, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(port);
			sl = sizeof(*s6);
		} else {
			errno = EINVAL;
			return -EINVAL;
		}
	}
	family = ss.ss_family;
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, srv.tcp_backlog)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

static void listeners_drop(void)
{
	for (int i = 0; i < nlisteners; i++)
		loop->unlisten(listeners[i].fd);
	nlisteners = 0;
}

int conn_listeners_open(void)
{
	int ret;

	if (srv.port == 0)
		return 0; /* like Redis: port 0 means no TCP listener */
	for (int i = 0; i < srv.bind_count; i++) {
		const char *spec = srv.bind[i];
		int optional = spec[0] == '-';
		int fd = -1;

		if (optional)
			spec++;
		ret = listen_one(spec, srv.port, &fd);
		if (ret) {
			if (optional && (ret == -EADDRNOTAVAIL || ret == -EAFNOSUPPORT ||
					 ret == -EPROTONOSUPPORT || ret == -ESOCKTNOSUPPORT ||
					 ret == -EPFNOSUPPORT || ret == -ENOPROTOOPT)) {
				log_notice("Skipping optional bind address %s:%d: %s", spec, srv.port,
					   strerror(-ret));
				continue;
			}
			log_warning("Warning: Could not create server TCP listening socket %s:%d: %s",
				    spec, srv.port, strerror(-ret));
			goto fail;
		}
		ret = loop->listen(fd);
		if (ret) {
			log_warning("Could not watch the listening socket %s:%d: %s", spec, srv.port,
				    strerror(-ret));
			close(fd);
			goto fail;
		}
		listeners[nlisteners++].fd = fd;
	}
	if (nlisteners == 0) {
		log_warning("No listening socket could be created for port %d", srv.port);
		return -EADDRNOTAVAIL;
	}
	return 0;
fail:
	listeners_drop();
	return ret;
}

void conn_listeners_close(void)
{
	listeners_drop();
}

int conn_listeners_reconfigure(void)
{
	/* As Redis's changeListener(): drop the old sockets first (the port may stay the same),
	 * then bind the new ones; on failure config.c restores the old values and calls us
	 * again, which re-binds the old addresses. */
	listeners_drop();
	return conn_listeners_open();
}

/* ---- engine selection --------------------------------------------------------------------- */

int loop_select(void)
{
	const char *env = getenv("ARENAKV_IO");
	int choice = srv.io_engine;
	int ret;

	if (env && *env) {
		if (!strcmp(env, "uring") || !strcmp(env, "io_uring"))
			choice = IO_ENGINE_URING;
		else if (!strcmp(env, "epoll"))
			choice = IO_ENGINE_EPOLL;
		else if (!strcmp(env, "auto"))
			choice = IO_ENGINE_AUTO;
		else {
			log_warning("ARENAKV_IO=%s is not one of uring, epoll, auto", env);
			return -EINVAL;
		}
	}
	if (choice != IO_ENGINE_EPOLL) {
		ret = loop_uring_engine.init();
		if (ret == 0) {
			loop = &loop_uring_engine;
			srv.io_engine_name = loop->name;
			return 0;
		}
		if (choice == IO_ENGINE_URING) {
			log_warning("io_uring unavailable (%s) and ARENAKV_IO/io-engine demands it",
				    strerror(-ret));
			return ret;
		}
		log_warning("io_uring unavailable (%s): using the epoll event loop",
			    strerror(-ret));
	}
	ret = loop_epoll_engine.init();
	if (ret)
		return ret;
	loop = &loop_epoll_engine;
	srv.io_engine_name = loop->name;
	return 0;
}
