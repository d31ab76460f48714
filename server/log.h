/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.h - Redis-style log lines: "pid:role dd Mon yyyy hh:mm:ss.mmm <c> message", where <c> is
 * '.' debug, '-' verbose, '*' notice, '#' warning, and role is 'M' (we are always a master) or
 * 'C' before the server is initialised. Messages below srv.loglevel are dropped. The sink is
 * stdout or the file named by the logfile directive (opened in append mode for each line, as
 * Redis does, so log rotation works).
 *
 * Loop thread only (signal handlers use log_from_signal(), which formats nothing and calls only
 * async-signal-safe functions).
 */
#ifndef ARENAKV_LOG_H
#define ARENAKV_LOG_H

#include "server.h"

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_raw(int level, const char *msg);
void log_from_signal(int level, const char *msg);
/* 'C' until main() finished initialisation, then 'M'. */
void log_set_role(char role);

#define log_debug(...) log_msg(LL_DEBUG, __VA_ARGS__)
#define log_verbose(...) log_msg(LL_VERBOSE, __VA_ARGS__)
#define log_notice(...) log_msg(LL_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LL_WARNING, __VA_ARGS__)

#endif /* ARENAKV_LOG_H */
