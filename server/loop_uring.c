// SPDX-License-Identifier: BSD-2-Clause
/*
 * loop_uring.c - the io_uring engine (liburing).
 *
 * One ring, one thread. Operations and their user_data tags (pointer | tag in the low 3 bits;
 * clients and listeners are malloc'd, so at least 8-byte aligned):
 *   ACCEPT  multishot accept per listening socket; re-armed whenever a completion comes without
 *           IORING_CQE_F_MORE (the kernel ended the multishot, e.g. on an error).
 *   RECV    one single-shot recv per connection, straight into the query buffer at the spot
 *           conn_read_space() chose. Single-shot on purpose: the bytes land where the parser
 *           wants them (a big bulk arrives contiguous, in place), where a provided-buffer ring
 *           would force a copy of every request; and arming costs one SQE, which is batched with
 *           every other SQE of the iteration into one io_uring_enter().
 *   SEND    one sendmsg per connection with up to LOOP_MAX_IOV iovecs of the output chunks
 *           (which never move, resp.h). A short send is completed by the next sendmsg.
 *   TIMER   a relative timeout of 1000/hz ms driving conn_cron(); re-armed each time so a
 *           CONFIG SET hz takes effect at the next tick.
 *   tag 0   completions we do not care about (cancellations).
 *
 * Closing: conn_close() (conn.c) has already unlinked the client; we shut the socket down and
 * cancel its requests by fd, then count the completions down; when none is in flight the client
 * is released. Listeners are retired the same way (shutdown frees the port at once so a CONFIG
 * SET port/bind can bind it again; the fd is closed when the accept completion ends).
 *
 * Ring set-up tries SINGLE_ISSUER|DEFER_TASKRUN (kernel >= 6.1: completions are processed only
 * when we wait, fewer interrupts) and falls back to plain flags. -EPERM/-ENOSYS/-EACCES from
 * io_uring_queue_init mean "io_uring refused" (sysctl io_uring_disabled, seccomp in containers):
 * loop_select() then uses epoll.
 */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

#define URING_ENTRIES 4096
#define URING_CQ_ENTRIES 16384

enum { TAG_NONE = 0, TAG_ACCEPT = 1, TAG_RECV = 2, TAG_SEND = 3, TAG_TIMER = 4, TAG_WATCH = 5 };

/* A watched fd: a single-shot POLLIN re-armed after every callback. Single-shot on purpose:
 * arming polls the file at once, so an fd the callback left readable (it handles a bounded
 * batch) completes again immediately - level-triggered, like epoll. Freed on its final CQE
 * after unwatch. */
struct uring_watch {
	int fd;
	void (*cb)(void *arg);
	void *arg;
	int armed;
	int dead;
	int in_cb;	/* cb on the stack: unwatch() from it only marks dead */
	struct uring_watch *next;
};

static struct uring_watch *watches;
#define TAG_MASK 7ULL

struct uring_listener {
	int fd;
	int armed;	/* a multishot accept is active */
	int dead;	/* unlisten() was called */
	int backoff;	/* accept failed with EMFILE/ENFILE: re-arm at the next tick */
	struct uring_listener *next;
};

static struct io_uring ring;
static int ring_ok;
static struct uring_listener *listeners;
static struct __kernel_timespec timer_ts;
static int closing_clients; /* closed clients waiting for their completions */

static inline __u64 pack(void *p, int tag)
{
	return (__u64)(uintptr_t)p | (__u64)tag;
}

static struct io_uring_sqe *get_sqe(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (!sqe) {
		/* Submission queue full: flush it and try again. */
		io_uring_submit(&ring);
		sqe = io_uring_get_sqe(&ring);
	}
	return sqe;
}

static int uring_init(void)
{
	struct io_uring_params p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	p.cq_entries = URING_CQ_ENTRIES;
	ret = io_uring_queue_init_params(URING_ENTRIES, &ring, &p);
	if (ret == -EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = URING_CQ_ENTRIES;
		ret = io_uring_queue_init_params(URING_ENTRIES, &ring, &p);
	}
	if (ret < 0)
		return ret;
	if (!(p.features & IORING_FEAT_NODROP))
		log_warning("io_uring without IORING_FEAT_NODROP: completions may be lost under load");
	ring_ok = 1;
	return 0;
}

static int arm_accept(struct uring_listener *l)
{
	struct io_uring_sqe *sqe = get_sqe();

	if (!sqe)
		return -EBUSY;
	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, pack(l, TAG_ACCEPT));
	l->armed = 1;
	return 0;
}

static int arm_timer(void)
{
	struct io_uring_sqe *sqe = get_sqe();
	int ms = conn_cron_period_ms();

	if (!sqe)
		return -EBUSY;
	timer_ts.tv_sec = ms / 1000;
	timer_ts.tv_nsec = (long long)(ms % 1000) * 1000000;
	io_uring_prep_timeout(sqe, &timer_ts, 0, 0);
	io_uring_sqe_set_data64(sqe, pack(NULL, TAG_TIMER));
	return 0;
}

static int uring_listen(int fd)
{
	struct uring_listener *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	l->fd = fd;
	ret = arm_accept(l);
	if (ret) {
		free(l);
		return ret;
	}
	l->next = listeners;
	listeners = l;
	return 0;
}

static void listener_free(struct uring_listener *l)
{
	struct uring_listener **pp;

	for (pp = &listeners; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	close(l->fd);
	free(l);
}

static void uring_unlisten(int fd)
{
	struct uring_listener *l;

	for (l = listeners; l; l = l->next)
		if (l->fd == fd && !l->dead)
			break;
	if (!l) {
		close(fd);
		return;
	}
	l->dead = 1;
	/* Leave the listening state now (frees the port), then end the multishot accept. */
	shutdown(fd, SHUT_RDWR);
	if (!l->armed) {
		listener_free(l);
		return;
	}
	struct io_uring_sqe *sqe = get_sqe();

	if (sqe) {
		io_uring_prep_cancel64(sqe, pack(l, TAG_ACCEPT), 0);
		io_uring_sqe_set_data64(sqe, pack(NULL, TAG_NONE));
	}
}

static void arm_recv(struct client *c)
{
	struct loop_conn *lc = c->lc;
	struct io_uring_sqe *sqe;
	char *buf;
	size_t len;

	if (conn_read_space(c, &buf, &len))
		return; /* conn.c closed the client */
	sqe = get_sqe();
	if (!sqe) {
		log_warning("io_uring submission queue full: closing client id=%llu",
			    (unsigned long long)c->id);
		conn_close_asap(c);
		return;
	}
	io_uring_prep_recv(sqe, c->fd, buf, len, 0);
	io_uring_sqe_set_data64(sqe, pack(c, TAG_RECV));
	lc->recv_inflight = 1;
}

static void arm_send(struct client *c)
{
	struct loop_conn *lc = c->lc;
	struct io_uring_sqe *sqe;
	int n = conn_out_iov(c, 0, lc->iov, LOOP_MAX_IOV);
	size_t bytes = 0;

	if (n <= 0)
		return;
	sqe = get_sqe();
	if (!sqe) {
		conn_close_asap(c);
		return;
	}
	for (int i = 0; i < n; i++)
		bytes += lc->iov[i].iov_len;
	memset(&lc->msg, 0, sizeof(lc->msg));
	lc->msg.msg_iov = lc->iov;
	lc->msg.msg_iovlen = n;
	io_uring_prep_sendmsg(sqe, c->fd, &lc->msg, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, pack(c, TAG_SEND));
	lc->send_inflight = 1;
	lc->send_bytes = bytes;
}

static int arm_watch(struct uring_watch *w)
{
	struct io_uring_sqe *sqe = get_sqe();

	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, w->fd, POLLIN);
	io_uring_sqe_set_data64(sqe, pack(w, TAG_WATCH));
	w->armed = 1;
	return 0;
}

static int uring_watch_fd(int fd, void (*cb)(void *arg), void *arg)
{
	struct uring_watch *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	ret = arm_watch(w);
	if (ret) {
		free(w);
		return ret;
	}
	w->next = watches;
	watches = w;
	return 0;
}

static void watch_free(struct uring_watch *w)
{
	struct uring_watch **pp;

	for (pp = &watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	free(w);
}

static void uring_unwatch_fd(int fd)
{
	struct uring_watch *w;
	struct io_uring_sqe *sqe;

	for (w = watches; w; w = w->next)
		if (w->fd == fd && !w->dead)
			break;
	if (!w)
		return;
	w->dead = 1;
	if (w->in_cb)
		return; /* freed by the completion handler once cb returns */
	if (!w->armed) {
		watch_free(w);
		return;
	}
	sqe = get_sqe();
	if (sqe) {
		io_uring_prep_poll_remove(sqe, pack(w, TAG_WATCH));
		io_uring_sqe_set_data64(sqe, pack(NULL, TAG_NONE));
		/* submit now: the caller may close fd right after */
		io_uring_submit(&ring);
	}
}

static int uring_conn_add(struct client *c)
{
	arm_recv(c);
	return 0;
}

/* Order matters: the send first, the recv last, because arming the recv may close (and, with
 * nothing in flight, free) the client. */
static void uring_conn_update(struct client *c)
{
	struct loop_conn *lc = c->lc;

	if (!lc->send_inflight && obuf_pending(&c->out))
		arm_send(c);
	if (conn_wants_read(c) && !lc->recv_inflight)
		arm_recv(c);
}

static void uring_conn_close(struct client *c)
{
	struct loop_conn *lc = c->lc;
	struct io_uring_sqe *sqe;

	if (!lc->recv_inflight && !lc->send_inflight) {
		conn_release(c);
		return;
	}
	closing_clients++;
	/* shutdown() completes a pending recv with 0 and a blocked send with an error even if
	 * the cancellation below races with the completion. */
	shutdown(c->fd, SHUT_RDWR);
	sqe = get_sqe();
	if (sqe) {
		io_uring_prep_cancel_fd(sqe, c->fd, IORING_ASYNC_CANCEL_ALL);
		io_uring_sqe_set_data64(sqe, pack(NULL, TAG_NONE));
	}
	lc->cancel_sent = 1;
}

/* A completion for a client that conn.c already closed. */
static void closed_completion(struct client *c)
{
	struct loop_conn *lc = c->lc;

	if (!lc->recv_inflight && !lc->send_inflight) {
		closing_clients--;
		conn_release(c);
	}
}

static void handle_cqe(struct io_uring_cqe *cqe)
{
	__u64 ud = io_uring_cqe_get_data64(cqe);
	void *p = (void *)(uintptr_t)(ud & ~TAG_MASK);
	int res = cqe->res;

	switch (ud & TAG_MASK) {
	case TAG_ACCEPT: {
		struct uring_listener *l = p;

		if (res >= 0) {
			if (l->dead)
				close(res);
			else
				conn_accepted(res);
		} else if (res != -ECANCELED && !l->dead) {
			if (res == -EMFILE || res == -ENFILE) {
				if (!l->backoff)
					log_warning("Error accepting a client connection: %s",
						    strerror(-res));
				l->backoff = 1;
			} else if (res != -EAGAIN && res != -EINTR) {
				log_warning("Error accepting a client connection: %s",
					    strerror(-res));
			}
		}
		if (!(cqe->flags & IORING_CQE_F_MORE)) {
			l->armed = 0;
			if (l->dead)
				listener_free(l);
			else if (!l->backoff)
				arm_accept(l);
		}
		break;
	}
	case TAG_RECV: {
		struct client *c = p;

		c->lc->recv_inflight = 0;
		if (conn_is_closed(c)) {
			closed_completion(c);
			break;
		}
		if (res == -EAGAIN || res == -EINTR || res == -ENOBUFS) {
			uring_conn_update(c);
			break;
		}
		conn_read_done(c, res); /* may free c */
		break;
	}
	case TAG_SEND: {
		struct client *c = p;

		c->lc->send_inflight = 0;
		if (conn_is_closed(c)) {
			closed_completion(c);
			break;
		}
		if (res == -EAGAIN || res == -EINTR) {
			uring_conn_update(c);
			break;
		}
		conn_write_done(c, res); /* may free c */
		break;
	}
	case TAG_WATCH: {
		struct uring_watch *w = p;

		if (!(cqe->flags & IORING_CQE_F_MORE))
			w->armed = 0;
		if (w->dead) {
			if (!w->armed)
				watch_free(w);
			break;
		}
		if (res >= 0 || res == -EINTR) {
			w->in_cb = 1;
			w->cb(w->arg);
			w->in_cb = 0;
		} else {
			log_warning("poll on fd %d: %s", w->fd, strerror(-res));
		}
		if (w->dead) {
			/* unwatched from inside cb: nothing is armed any more (single-shot) */
			if (!w->armed)
				watch_free(w);
			break;
		}
		if (!w->armed)
			arm_watch(w);
		break;
	}
	case TAG_TIMER:
		conn_cron();
		for (struct uring_listener *l = listeners; l; l = l->next)
			if (l->backoff && !l->dead && !l->armed) {
				l->backoff = 0;
				arm_accept(l);
			}
		if (!srv.shutdown_asap)
			arm_timer();
		break;
	default:
		break;
	}
}

static int uring_process(unsigned wait_nr)
{
	struct io_uring_cqe *cqe;
	unsigned head, count = 0;
	int ret;

	conn_before_sleep();
	ret = io_uring_submit_and_wait(&ring, wait_nr);
	if (ret < 0 && ret != -EINTR && ret != -ETIME && ret != -EBUSY && ret != -EAGAIN) {
		log_warning("io_uring_submit_and_wait: %s", strerror(-ret));
		return ret;
	}
	io_uring_for_each_cqe(&ring, head, cqe) {
		handle_cqe(cqe);
		count++;
	}
	io_uring_cq_advance(&ring, count);
	return 0;
}

static int uring_run(void)
{
	int ret = arm_timer();

	if (ret)
		return ret;
	while (!srv.shutdown_asap) {
		ret = uring_process(1);
		if (ret)
			return ret;
	}
	return 0;
}

static void uring_fini(void)
{
	/* Let cancelled clients and listeners complete so everything is freed (bounded wait). */
	for (int i = 0; i < 200 && (closing_clients > 0 || listeners || watches); i++) {
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 5 * 1000000 };
		struct io_uring_cqe *cqe;
		unsigned head, count = 0;

		io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL);
		io_uring_for_each_cqe(&ring, head, cqe) {
			handle_cqe(cqe);
			count++;
		}
		io_uring_cq_advance(&ring, count);
	}
	if (ring_ok)
		io_uring_queue_exit(&ring);
	ring_ok = 0;
}

const struct loop_engine loop_uring_engine = {
	.name = "io_uring",
	.init = uring_init,
	.listen = uring_listen,
	.unlisten = uring_unlisten,
	.conn_add = uring_conn_add,
	.conn_update = uring_conn_update,
	.conn_close = uring_conn_close,
	.watch = uring_watch_fd,
	.unwatch = uring_unwatch_fd,
	.run = uring_run,
	.fini = uring_fini,
};
