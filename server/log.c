// SPDX-License-Identifier: BSD-2-Clause
/*
 * log.c - Redis-style logging (format described in log.h).
 *
 * Why the Redis format: operators and the integration tests grep for the same lines they know
 * from redis-server ("Ready to accept connections tcp"). The file is reopened for every line, as
 * Redis does: cheap at log volumes a server produces and it makes logrotate's move+create work
 * without a SIGHUP. Lines longer than LOG_MAX_LEN are truncated, never split.
 *
 * Invariants: called on the loop thread only, except log_from_signal() which uses write(2) only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_MAX_LEN 1024

static char log_role = 'C';

void log_set_role(char role)
{
	log_role = role;
}

static FILE *log_open(int *is_std)
{
	*is_std = 1;
	if (!srv.logfile || !srv.logfile[0])
		return stdout;
	FILE *f = fopen(srv.logfile, "a");
	if (!f)
		return NULL;
	*is_std = 0;
	return f;
}

void log_raw(int level, const char *msg)
{
	static const char marks[] = ".-*#";
	char head[96];
	struct timeval tv;
	struct tm tm;
	int is_std;
	FILE *f;

	if (level < srv.loglevel || level < LL_DEBUG || level > LL_WARNING)
		return;
	f = log_open(&is_std);
	if (!f)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	size_t off = strftime(head, sizeof(head), "%d %b %Y %H:%M:%S.", &tm);
	snprintf(head + off, sizeof(head) - off, "%03d", (int)(tv.tv_usec / 1000));
	fprintf(f, "%d:%c %s %c %s\n", (int)getpid(), log_role, head, marks[level], msg);
	fflush(f);
	if (!is_std)
		fclose(f);
}

void log_msg(int level, const char *fmt, ...)
{
	char msg[LOG_MAX_LEN];
	va_list ap;

	if (level < srv.loglevel)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_raw(level, msg);
}

/* Async-signal-safe: no stdio, no localtime; the line carries pid and message only. */
void log_from_signal(int level, const char *msg)
{
	char buf[LOG_MAX_LEN];
	size_t n = 0;
	int fd = STDOUT_FILENO, own = 0;
	pid_t pid = getpid();
	char digits[24];
	int nd = 0;

	if (level < srv.loglevel)
		return;
	do {
		digits[nd++] = '0' + pid % 10;
		pid /= 10;
	} while (pid && nd < (int)sizeof(digits));
	while (nd)
		buf[n++] = digits[--nd];
	/* Redis's form: "pid:signal-handler (unixtime) message"; clock_gettime is signal-safe. */
	const char *mid = ":signal-handler (";
	struct timespec ts;
	long long secs;

	for (const char *p = mid; *p && n < sizeof(buf) - 2; p++)
		buf[n++] = *p;
	secs = clock_gettime(CLOCK_REALTIME, &ts) == 0 ? (long long)ts.tv_sec : 0;
	nd = 0;
	do {
		digits[nd++] = '0' + secs % 10;
		secs /= 10;
	} while (secs && nd < (int)sizeof(digits));
	while (nd)
		buf[n++] = digits[--nd];
	buf[n++] = ')';
	buf[n++] = ' ';
	for (const char *p = msg; *p && n < sizeof(buf) - 2; p++)
		buf[n++] = *p;
	buf[n++] = '\n';
	if (srv.logfile && srv.logfile[0]) {
		fd = open(srv.logfile, O_APPEND | O_CREAT | O_WRONLY, 0644);
		if (fd < 0)
			return;
		own = 1;
	}
	if (write(fd, buf, n) < 0) {
		/* nothing sensible to do from a signal handler */
	}
	if (own)
		close(fd);
}
