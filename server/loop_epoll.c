// SPDX-License-Identifier: BSD-2-Clause
/*
 * loop_epoll.c - the epoll engine: the fallback where io_uring is refused, and a second engine
 * the tests run against (ARENAKV_IO=epoll).
 *
 * Readiness model, Redis's ae: level-triggered EPOLLIN on every connection that wants to read;
 * on readiness one read(2) into the query buffer. Replies are not written from the event
 * handler: a connection with new output goes on a list flushed right before epoll_wait()
 * (Redis's handleClientsWithPendingWrites), so a pipelined batch, or the replies to many
 * clients that became readable together, cost one writev each. EPOLLOUT is registered only
 * when a write came back short (socket buffer full) and removed once the backlog is written.
 *
 * Fairness: one read per readiness event, at most WRITE_MAX_PER_CALL bytes written to one
 * connection per flush; the rest waits for EPOLLOUT. At most ACCEPT_MAX_PER_CALL accepts per
 * listener event (Redis's MAX_ACCEPTS_PER_CALL).
 *
 * Closing: the fd is removed from the epoll set at once. A client still on the pending-write
 * list is released when the list is flushed (the list holds a pointer to it), otherwise at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"

#define EPOLL_BATCH 256
#define ACCEPT_MAX_PER_CALL 1000
#define WRITE_MAX_PER_CALL (1024 * 1024)

enum { ETAG_LISTENER = 1, ETAG_CLIENT = 2, ETAG_WATCH = 3 };

struct epoll_watch {
	int fd;
	void (*cb)(void *arg);
	void *arg;
	int dead;
	struct epoll_watch *next;
};

static struct epoll_watch *watches;

struct epoll_listener {
	int fd;
	struct epoll_listener *next;
};

static int epfd = -1;
static struct epoll_listener *listeners;
static struct client *pw_head; /* connections with output to write before sleeping */

static inline __u64 pack(void *p, int tag)
{
	return (__u64)(uintptr_t)p | (__u64)tag;
}

static int epoll_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -errno : 0;
}

static int epoll_listen(int fd)
{
	struct epoll_listener *l = calloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!l)
		return -ENOMEM;
	l->fd = fd;
	ev.data.u64 = pack(l, ETAG_LISTENER);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int err = -errno;

		free(l);
		return err;
	}
	l->next = listeners;
	listeners = l;
	return 0;
}

static void epoll_unlisten(int fd)
{
	struct epoll_listener **pp;

	for (pp = &listeners; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			struct epoll_listener *l = *pp;

			*pp = l->next;
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
			free(l);
			break;
		}
	}
	close(fd);
}

static int epoll_watch_fd(int fd, void (*cb)(void *arg), void *arg)
{
	struct epoll_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	ev.data.u64 = pack(w, ETAG_WATCH);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int err = -errno;

		free(w);
		return err;
	}
	w->next = watches;
	watches = w;
	return 0;
}

/* Removed from the set at once; freed after the current batch of events (dead). */
static void epoll_unwatch_fd(int fd)
{
	for (struct epoll_watch *w = watches; w; w = w->next)
		if (w->fd == fd && !w->dead) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
			w->dead = 1;
			return;
		}
}

static void watches_reap(void)
{
	struct epoll_watch **pp = &watches;

	while (*pp) {
		struct epoll_watch *w = *pp;

		if (w->dead) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

/* Make the registered event mask match what conn.c wants. */
static int sync_events(struct client *c, int want_out)
{
	struct loop_conn *lc = c->lc;
	__u32 want = (conn_wants_read(c) ? EPOLLIN : 0) | (want_out ? EPOLLOUT : 0);
	struct epoll_event ev = { .events = want };

	ev.data.u64 = pack(c, ETAG_CLIENT);
	if (!lc->registered) {
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev))
			return -errno;
		lc->registered = 1;
	} else if (want != lc->events) {
		if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev))
			return -errno;
	}
	lc->events = want;
	return 0;
}

static void pw_add(struct client *c)
{
	struct loop_conn *lc = c->lc;

	if (lc->pending_write)
		return;
	lc->pending_write = 1;
	lc->pw_next = pw_head;
	pw_head = c;
}

static int epoll_conn_add(struct client *c)
{
	return sync_events(c, 0);
}

static void epoll_conn_update(struct client *c)
{
	struct loop_conn *lc = c->lc;
	int want_out = (lc->events & EPOLLOUT) && obuf_pending(&c->out);

	if (obuf_pending(&c->out) && !want_out)
		pw_add(c);
	if (sync_events(c, want_out)) {
		log_verbose("epoll_ctl for client id=%llu: %s", (unsigned long long)c->id,
			    strerror(errno));
		conn_close_asap(c);
	}
}

static void epoll_conn_close(struct client *c)
{
	struct loop_conn *lc = c->lc;

	if (lc->registered)
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	lc->registered = 0;
	if (!lc->pending_write && !lc->in_write)
		conn_release(c);
	/* else released by flush_pending_writes() or write_now() */
}

static void write_some(struct client *c, size_t *totalp);

/* Write as much of c's output as the socket takes (bounded per call). May free c. */
static void write_now(struct client *c)
{
	size_t total = 0;

	c->lc->in_write = 1;
	write_some(c, &total);
	c->lc->in_write = 0;
	if (conn_is_closed(c)) {
		if (!c->lc->pending_write)
			conn_release(c);
		return;
	}
	/* Short write: ask for EPOLLOUT; fully written: drop it. */
	if (sync_events(c, obuf_pending(&c->out) != 0))
		conn_close_asap(c);
}

static void write_some(struct client *c, size_t *totalp)
{
	size_t total = 0;

	while (obuf_pending(&c->out) && total < WRITE_MAX_PER_CALL) {
		struct iovec iov[LOOP_MAX_IOV];
		int n = conn_out_iov(c, 0, iov, LOOP_MAX_IOV);
		ssize_t w;

		if (n <= 0)
			break;
		w = writev(c->fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			conn_write_done(c, -errno); /* closes c (release deferred: in_write) */
			break;
		}
		total += w;
		/* May resume parsing (PAUSED) or close c; in_write keeps it allocated. */
		conn_write_done(c, w);
		if (conn_is_closed(c))
			break;
	}
	*totalp = total;
}

static void flush_pending_writes(void)
{
	while (pw_head) {
		struct client *list = pw_head;

		pw_head = NULL;
		while (list) {
			struct client *c = list;

			list = c->lc->pw_next;
			c->lc->pending_write = 0;
			c->lc->pw_next = NULL;
			if (conn_is_closed(c)) {
				conn_release(c);
				continue;
			}
			write_now(c);
		}
	}
}

static void handle_accept(struct epoll_listener *l)
{
	for (int i = 0; i < ACCEPT_MAX_PER_CALL; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warning("Error accepting a client connection: %s",
					    strerror(errno));
			return;
		}
		conn_accepted(fd);
	}
}

static void handle_read(struct client *c)
{
	char *buf;
	size_t len;
	ssize_t n;

	if (!conn_wants_read(c))
		return;
	if (conn_read_space(c, &buf, &len))
		return; /* closed by conn.c */
	n = read(c->fd, buf, len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		conn_read_done(c, -errno);
		return;
	}
	conn_read_done(c, n);
}

static int epoll_run(void)
{
	struct epoll_event evs[EPOLL_BATCH];
	__u64 period_ns, next_cron = clock_mono_ns();

	while (!srv.shutdown_asap) {
		__u64 now;
		int timeout_ms, n;

		conn_before_sleep();
		flush_pending_writes();
		now = clock_mono_ns();
		timeout_ms = now >= next_cron ? 0 : (int)((next_cron - now + 999999) / 1000000);
		n = epoll_wait(epfd, evs, EPOLL_BATCH, timeout_ms);
		if (n < 0 && errno != EINTR) {
			log_warning("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			void *p = (void *)(uintptr_t)(evs[i].data.u64 & ~7ULL);

			if ((evs[i].data.u64 & 7) == ETAG_LISTENER) {
				handle_accept(p);
				continue;
			}
			if ((evs[i].data.u64 & 7) == ETAG_WATCH) {
				struct epoll_watch *w = p;

				if (!w->dead)
					w->cb(w->arg);
				continue;
			}
			struct client *c = p;
			__u32 e = evs[i].events;

			if (conn_is_closed(c))
				continue;
			if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
				if (conn_wants_read(c)) {
					handle_read(c);
					/* c may be freed now unless it is on the write list */
					continue;
				}
				if (e & (EPOLLERR | EPOLLHUP)) {
					conn_write_done(c, -ECONNRESET);
					continue;
				}
			}
			if (e & EPOLLOUT)
				write_now(c);
		}
		watches_reap();
		now = clock_mono_ns();
		if (now >= next_cron) {
			conn_cron();
			period_ns = (__u64)conn_cron_period_ms() * 1000000ULL;
			next_cron = now + period_ns;
		}
	}
	return 0;
}

static void epoll_fini(void)
{
	flush_pending_writes();
	while (listeners)
		epoll_unlisten(listeners->fd);
	for (struct epoll_watch *w = watches; w; w = w->next)
		w->dead = 1;
	watches_reap();
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

const struct loop_engine loop_epoll_engine = {
	.name = "epoll",
	.init = epoll_init,
	.listen = epoll_listen,
	.unlisten = epoll_unlisten,
	.conn_add = epoll_conn_add,
	.conn_update = epoll_conn_update,
	.conn_close = epoll_conn_close,
	.watch = epoll_watch_fd,
	.unwatch = epoll_unwatch_fd,
	.run = epoll_run,
	.fini = epoll_fini,
};
