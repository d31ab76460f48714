/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loop.h - the event-loop engines (io_uring, epoll) and the connection layer they drive.
 *
 * Split of work. An engine (loop_uring.c, loop_epoll.c) only moves bytes: it accepts
 * connections, reads into the buffer conn.c hands it, writes the iovecs conn.c hands it, and
 * fires the cron timer. Everything that decides anything (limits, parsing, dispatch, when to
 * stop reading, when to close) is in conn.c, so both engines behave identically and the tests
 * run once per engine (ARENAKV_IO=uring|epoll).
 *
 * Per connection an engine has at most ONE read and ONE write in flight. Rules both sides keep:
 *  - The query buffer (c->qbuf) is moved or resized by conn.c only while no read is in flight:
 *    conn_read_space() is called right before a read is issued and the engine reads exactly
 *    into what it returned. Parsing (which only reads bytes below qb_len) may happen anytime.
 *  - Output bytes never move once appended (struct obuf guarantee, resp.h); the engine keeps
 *    track of how many bytes it has in flight and asks for iovecs beyond them. Only
 *    conn_write_done() consumes bytes from c->out.
 *  - conn_close() unlinks the client at once; the engine cancels its I/O and calls
 *    conn_release() when nothing is in flight any more, which frees the client. No completion
 *    can reach a freed client.
 *
 * Threading: one thread runs the engine, conn.c and every command.
 */
#ifndef ARENAKV_LOOP_H
#define ARENAKV_LOOP_H

#include <sys/socket.h>
#include <sys/uio.h>

#include "server.h"

#define LOOP_MAX_IOV 16

/* Engine-private per-connection state; allocated by conn.c with the client, zeroed. */
struct loop_conn {
	/* io_uring */
	int recv_inflight;
	int send_inflight;
	size_t send_bytes;		/* bytes handed to the in-flight send */
	struct msghdr msg;		/* must stay valid until the send completes */
	struct iovec iov[LOOP_MAX_IOV];
	int cancel_sent;
	/* epoll */
	__u32 events;			/* EPOLLIN/EPOLLOUT currently registered */
	int registered;
	int pending_write;		/* on the engine's write-before-sleep list */
	int in_write;			/* write_now() on the stack: release is deferred */
	struct client *pw_next;
};

struct loop_engine {
	const char *name; /* "io_uring" or "epoll": INFO multiplexing_api */
	/* 0, or -errno; io_uring's -EPERM/-ENOSYS/-EACCES make main fall back to epoll. */
	int (*init)(void);
	/* Start accepting on a listening socket (nonblocking). 0 or -errno. */
	int (*listen)(int fd);
	/* Stop accepting on fd and close it (possibly later, once the engine let go of it). */
	void (*unlisten)(int fd);
	/* A new client (c->fd set, nonblocking): start reading. 0 or -errno. */
	int (*conn_add)(struct client *c);
	/* conn.c changed what c wants (more output, read pause/resume): re-arm as needed. */
	void (*conn_update)(struct client *c);
	/* conn.c closed c: cancel its I/O, then call conn_release(c) once nothing is in flight. */
	void (*conn_close)(struct client *c);
	/* Call cb(arg) on the loop thread whenever fd is readable (level-triggered: cb drains
	 * the nonblocking fd or is called again). For datagram sockets, timerfds, ring buffers.
	 * 0 or -errno. */
	int (*watch)(int fd, void (*cb)(void *arg), void *arg);
	/* Stop watching fd (does not close it). Safe from inside cb; unknown fd: no-op. */
	void (*unwatch)(int fd);
	/* Run until srv.shutdown_asap. 0 or -errno on a fatal engine error. */
	int (*run)(void);
	/* Release the engine (after run returned and every client was released). */
	void (*fini)(void);
};

extern const struct loop_engine loop_uring_engine;
extern const struct loop_engine loop_epoll_engine;
extern const struct loop_engine *loop; /* the engine in use (conn.c) */

/* Pick and initialise an engine: env ARENAKV_IO (uring|epoll) wins over srv.io_engine; auto
 * tries io_uring and falls back to epoll with one log line when the kernel refuses it. */
int loop_select(void);

/* ---- conn.c services for the engines ---------------------------------------------------- */

/* A connection was accepted on fd (nonblocking). Creates the client and calls
 * loop->conn_add(), or rejects (maxclients: writes the Redis error, closes fd). */
void conn_accepted(int fd);

/* Where the next read must land: buf and len inside c->qbuf. 0, or -errno when the client must
 * be closed instead (query buffer limit, no memory; conn.c already closed it then). */
int conn_read_space(struct client *c, char **buf, size_t *len);

/* A read completed: n > 0 bytes were appended at the space returned by conn_read_space(),
 * n == 0 is EOF, n < 0 is -errno. Parses and executes, then calls loop->conn_update() or
 * closes the client. */
void conn_read_done(struct client *c, long n);

/* 1 once conn.c closed c (the engine then only waits for its in-flight I/O). */
int conn_is_closed(const struct client *c);

/* 1 when the engine should have a read armed for c (not paused, not closing). */
int conn_wants_read(const struct client *c);

/* Iovecs for output bytes after the first `skip` pending ones; returns the count (0 = none). */
int conn_out_iov(struct client *c, size_t skip, struct iovec *iov, int max);

/* A write completed: n >= 0 bytes left (they are consumed), or -errno. May resume parsing,
 * close the client, or call loop->conn_update(). */
void conn_write_done(struct client *c, long n);

/* The engine has no I/O in flight for a closed client any more: free it. */
void conn_release(struct client *c);

/* Parse-free dispatch of one command already in c->argv/argc (fake clients: UDP): the same
 * checks and stats as a TCP command, then the per-command reset. */
void conn_execute(struct client *c);

/* Periodic work, called srv.hz times per second. */
void conn_cron(void);
/* Work done once per loop iteration before waiting (deferred closes). */
void conn_before_sleep(void);
/* Milliseconds between cron runs for the current srv.hz. */
int conn_cron_period_ms(void);

/* Listening sockets from srv.bind/srv.port. 0, or -errno after logging like Redis. */
int conn_listeners_open(void);
void conn_listeners_close(void);

/* Close every client (shutdown). */
void conn_close_all(void);

#endif /* ARENAKV_LOOP_H */
