/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fastpath.h - the user-space half of the kernel fast path (bpf/fastpath.bpf.c): loading and
 * attaching the XDP/tc program on the server's arena, its configuration (port, token,
 * allow-list), its counters, and the hot-key samples it sends up (docs/FASTPATH.md).
 *
 * Contract with the kernel side: bpf/fastpath.h (the wire format, the counter enum and the map
 * value structs) is the only shared definition; nothing here repeats a layout.
 *
 * Threading: loop thread only, except fastpath_stop(), which is also an atexit() handler (run
 * by the exiting thread after the loop has stopped).
 */
#ifndef ARENAKV_FASTPATH_H
#define ARENAKV_FASTPATH_H

#include <linux/types.h>
#include <sys/socket.h>

#include "server.h"

/*
 * Load the program on the server's BPF arena, fill its configuration and attach it per
 * srv.fastpath_mode (auto|native|generic|tc|off) to srv.fastpath_iface (comma list).
 * "auto" = generic XDP on the loopback interfaces listed, off when the host refuses. Never
 * fatal: logs exactly one line saying what was attached where, or why the fast path is off,
 * and returns 0 either way (the UDP protocol keeps working in user space). -errno only for an
 * explicit mode that failed, after the same log line; main may ignore it.
 */
int fastpath_start(void);

/* Detach from every interface and free the BPF objects. Idempotent; safe from atexit(). */
void fastpath_stop(void);

/* requirepass changed (CONFIG SET): recompute the token and push it to the kernel. 0/-errno. */
int fastpath_auth_changed(void);

/* The built-in allow-list (fastpath-allow default): loopback and the private ranges. */
#define FASTPATH_ALLOW_DEFAULT                                                                     \
	"127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7,fe80::/10"

/* ---- used by udp.c ---------------------------------------------------------------------- */

/* Parse the allow-list ("CIDR[,CIDR]..."; NULL/"" = the built-in default). 0 or -EINVAL after
 * logging the bad entry. Called by udp_open() so a typo stops the server at start. */
int fastpath_allow_load(const char *spec);

/* 1 when the source address is inside the allow-list (amplification rule exempt). */
int fastpath_source_allowed(const struct sockaddr *sa);

/* 1 when requirepass is set (requests must carry the token). */
int fastpath_auth_required(void);

/* The token a request must carry: XXH64(requirepass, salt), 0 without requirepass. */
__u64 fastpath_token(void);

/* ---- INFO / commands ------------------------------------------------------------------------ */

/* "# Fastpath\r\n..." (the whole section), in a static buffer valid until the next call. */
const char *fastpath_info(void);

/* ARENAKV.HOTKEYS [N], ARENAKV.FASTTOKEN. */
extern const struct command fastpath_commands[];

#endif /* ARENAKV_FASTPATH_H */
