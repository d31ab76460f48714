// SPDX-License-Identifier: BSD-2-Clause
/*
 * t_arenakv.c - commands that show the kernel's view of the keyspace.
 *
 *   ARENAKV.KGET key
 *	Looks key up in the client's selected database with the BPF program (server/arena_bpf.c,
 *	bpf/arenakv.bpf.c), i.e. the kernel walks the arena's hash table through its lock-free
 *	reader, checks expiry against its own CLOCK_MONOTONIC and copies the value out. Replies
 *	the bulk value the kernel read, nil when the kernel finds no live key, WRONGTYPE for
 *	a key holding another type, or "-ERR kernel lookup unavailable (<reason>)" when the
 *	arena is the anonymous-mmap fallback. Integration tests compare it with GET to
 *	prove the kernel reads the very arena the clients wrote, not a copy.
 *
 *	It does not touch the keyspace: no lazy expiry, no LRU/LFU update, no hit/miss counters,
 *	so observing a key through the kernel never changes what GET would see.
 *
 *   ARENAKV.BACKEND
 *	"bpf" or "mmap": which arena the server runs on (tests use it to decide what to expect).
 *
 * Why the "in doubt" answer cannot happen on a healthy server: the command runs on the loop
 * thread, the only writer, so no entry changes during the lookup. The reader still reports
 * -EAGAIN when its bounded walk cannot decide (a chain longer than the BPF bound); that is
 * replied as an error rather than as nil, because nil would be a lie about the keyspace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena_bpf.h"
#include "arenakv.h"
#include "errors.h"
#include "reply.h"
#include "server.h"

/* Values up to this size are read into a static buffer; larger ones into a malloc'd one. */
#define KGET_STATIC_BUF (64 * 1024)

static void cmd_arenakv_kget(struct client *c)
{
	static char sbuf[KGET_STATIC_BUF];
	const struct arg *key = &c->argv[1];
	char *buf = sbuf;
	size_t cap = sizeof(sbuf), vlen = 0;
	int err, tries;

	if (!arena_is_bpf()) {
		reply_errorf(c, "ERR kernel lookup unavailable (%s)", arena_fallback_reason());
		return;
	}
	/* At most two runs: the second with a buffer of the exact size the first one reported.
	 * The value cannot change in between: we are the writer thread. */
	for (tries = 0; tries < 2; tries++) {
		err = arena_kernel_lookup(c->db, key->ptr, key->len, buf, cap, &vlen);
		if (err || vlen <= cap)
			break;
		if (buf != sbuf)
			free(buf);
		cap = vlen;
		buf = malloc(cap ? cap : 1);
		if (!buf) {
			reply_error(c, "ERR out of memory reading the value");
			return;
		}
	}
	if (!err && vlen <= cap)
		reply_bulk(c, buf, vlen);
	else if (err == -ENOENT)
		reply_null(c);
	else if (err == -E2BIG)
		reply_errorf(c, "ERR key too long for the kernel lookup (max %d bytes)",
			     AKV_KEY_MAX);
	else if (err == -EINVAL) /* c->db is always valid: the key holds a non-string value */
		reply_error(c, ERR_WRONGTYPE);
	else if (err == -EAGAIN)
		reply_error(c, "ERR kernel lookup in doubt (the reader could not decide)");
	else if (!err)
		reply_error(c, "ERR kernel lookup in doubt (value changed size)");
	else
		reply_errorf(c, "ERR kernel lookup failed (%s)", strerror(-err));
	if (buf != sbuf)
		free(buf);
}

static void cmd_arenakv_backend(struct client *c)
{
	reply_cstr(c, arena_backend());
}

const struct command arenakv_commands[] = {
    {"arenakv.kget", cmd_arenakv_kget, 2, CMD_READONLY, 1, 1, 1, "generic",
     "Get the value of a key as the kernel reads it from the arena (BPF program).", "0.1.0"},
    {"arenakv.backend", cmd_arenakv_backend, 1, CMD_READONLY | CMD_FAST, 0, 0, 0, "server",
     "Report whether the keyspace arena is a BPF arena (bpf) or anonymous memory (mmap).", "0.1.0"},
    {NULL},
};
