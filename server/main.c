// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c - arenakv-server: configuration, arena, listeners, event loop, clean shutdown.
 *
 * Start-up order and why:
 *   1. configuration (file, then --options): everything below reads srv;
 *   1b. `daemonize yes`: fork at once, as Redis does, before any fd, map or thread exists, so the
 *      child owns everything it creates; the parent exits 0 without waiting for the child to
 *      listen (a supervisor or test waits for the pidfile and a PONG). The child starts a new
 *      session and points stdin/stdout/stderr at /dev/null (the log goes to logfile if set,
 *      otherwise nowhere, like Redis); the pidfile is written after the listeners are up and
 *      defaults to ARENAKV_DEFAULT_PIDFILE when daemonized;
 *   2. signals: SIGPIPE and SIGHUP ignored as in Redis (a peer closing mid-write is an EPIPE,
 *      not a death), SIGTERM and SIGINT only set srv.shutdown_asap; the loop's wait returns
 *      EINTR and it exits after the current batch;
 *   2b. the UDP listener and the XDP fast path (udp.c, fastpath.c) start after the TCP
 *      listeners and stop first;
 *   3. RLIMIT_NOFILE raised to maxclients + reserve, maxclients lowered if the kernel says no
 *      (Redis's adjustOpenFilesLimit);
 *   4. the arena (BPF map or anonymous mmap) and the keyspace on it;
 *   5. the command table, the event-loop engine, the listeners;
 *   6. "Ready to accept connections tcp", then the loop until shutdown.
 * Shutdown closes clients and listeners, removes the pidfile and tears the arena down; the
 * process exits 0. Any start-up failure logs the reason and exits 1, as redis-server does.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "arena_bpf.h"
#include "clock.h"
#include "commands.h"
#include "config.h"
#include "db.h"
#include "fastpath.h"
#include "log.h"
#include "loop.h"
#include "udp.h"

#ifndef ARENAKV_DEFAULT_PIDFILE
/* Redis uses /var/run/redis.pid; a different name so arenakv never clobbers a real Redis's. */
#define ARENAKV_DEFAULT_PIDFILE "/var/run/arenakv.pid"
#endif

#define RESERVED_FDS 32 /* Redis's CONFIG_MIN_RESERVED_FDS: logs, listeners, BPF, the ring */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
	srv.shutdown_asap = 1;
	log_from_signal(LL_WARNING, sig == SIGINT ? "Received SIGINT scheduling shutdown..."
						  : "Received SIGTERM scheduling shutdown...");
}

static int setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN; /* as redis-server: SIGPIPE and SIGHUP are ignored */
	if (sigaction(SIGPIPE, &sa, NULL) || sigaction(SIGHUP, &sa, NULL))
		return -errno;
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: epoll_wait / io_uring_enter return EINTR at once */
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL))
		return -errno;
	return 0;
}

static void adjust_open_files_limit(void)
{
	rlim_t want = (rlim_t)srv.maxclients + RESERVED_FDS;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		log_warning("Unable to obtain the current NOFILE limit (%s), assuming 1024",
			    strerror(errno));
		rl.rlim_cur = rl.rlim_max = 1024;
	}
	if (rl.rlim_cur >= want)
		return;
	rlim_t try = want;

	/* Like Redis: step down until the kernel accepts, then fit maxclients to it. */
	while (try > rl.rlim_cur) {
		struct rlimit nl = { .rlim_cur = try, .rlim_max = try > rl.rlim_max ? try : rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
			break;
		nl.rlim_max = rl.rlim_max;
		if (try <= rl.rlim_max && setrlimit(RLIMIT_NOFILE, &nl) == 0)
			break;
		try = try > 16 ? try - 16 : rl.rlim_cur;
	}
	if (try < want) {
		int old = srv.maxclients;

		if (try <= RESERVED_FDS) {
			log_warning("Your current 'ulimit -n' of %llu is not enough for the server "
				    "to start", (unsigned long long)rl.rlim_cur);
			exit(1);
		}
		srv.maxclients = (int)(try - RESERVED_FDS);
		log_warning("You requested maxclients of %d requiring at least %llu max file "
			    "descriptors.",
			    old, (unsigned long long)want);
		log_warning("Server can't set maximum open files to %llu because of OS error: %s.",
			    (unsigned long long)want, strerror(errno));
		log_warning("Current maximum open files is %llu. maxclients has been reduced to %d "
			    "to compensate for low ulimit.",
			    (unsigned long long)try, srv.maxclients);
	} else {
		log_notice("Increased maximum number of open files to %llu (it was originally set "
			   "to %llu).",
			   (unsigned long long)want, (unsigned long long)rl.rlim_cur);
	}
}

static void make_runid(void)
{
	unsigned char rnd[20];
	static const char hex[] = "0123456789abcdef";

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		/* Not security relevant: only identifies this run in INFO. */
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(clock_mono_ns() >> (i % 8));
	}
	for (size_t i = 0; i < sizeof(rnd); i++) {
		srv.runid[2 * i] = hex[rnd[i] >> 4];
		srv.runid[2 * i + 1] = hex[rnd[i] & 15];
	}
	srv.runid[40] = 0;
}

/* Redis's daemonize(): the parent exits, the child continues in a new session on /dev/null. */
static void daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		fprintf(stderr, "arenakv: fork for daemonize failed: %s\n", strerror(errno));
		exit(1);
	}
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		log_warning("setsid: %s", strerror(errno));
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
		    dup2(fd, STDERR_FILENO) < 0)
			log_warning("redirecting stdio to /dev/null: %s", strerror(errno));
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (!srv.pidfile || !srv.pidfile[0]) {
		free(srv.pidfile);
		srv.pidfile = strdup(ARENAKV_DEFAULT_PIDFILE);
	}
}

static int write_pidfile(void)
{
	FILE *f;

	if (!srv.pidfile || !srv.pidfile[0])
		return 0;
	f = fopen(srv.pidfile, "w");
	if (!f) {
		log_warning("Failed to write PID file: %s", strerror(errno));
		return -errno;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	config_init_defaults();
	config_load_argv(argc, argv);
	if (srv.daemonize)
		daemonize();
	srv.pid = getpid();
	srv.start_time_ms = clock_unix_ms();
	srv.lastsave_unix = srv.start_time_ms / 1000;
	srv.executable = realpath(argv[0], NULL);
	make_runid();

	log_warning("oO0OoO0OoO0Oo arenakv is starting oO0OoO0OoO0Oo");
	log_warning("arenakv version=%s (Redis %s compatible), bits=%d, pid=%d, just started",
		    ARENAKV_VERSION, SERVER_VERSION, (int)(sizeof(long) * 8), (int)srv.pid);
	if (srv.configfile)
		log_warning("Configuration loaded");
	else
		log_warning("Warning: no config file specified, using the default config. In order "
			    "to specify a config file use %s /path/to/redis.conf",
			    argv[0]);
	log_set_role('M');
	config_log_unimplemented();

	if (setup_signals()) {
		log_warning("Failed to install signal handlers: %s", strerror(errno));
		return 1;
	}
	adjust_open_files_limit();

	ret = arena_setup(srv.arena_mode);
	if (ret) {
		log_warning("Failed to set up the arena (arena-mode %s): %s", srv.arena_mode,
			    strerror(-ret));
		return 1;
	}
	log_notice("Arena: %s at 0x%llx", arena_backend(), (unsigned long long)ARENA_BASE);
	ret = db_init();
	if (ret) {
		log_warning("Failed to initialise the keyspace: %s", strerror(-ret));
		arena_teardown();
		return 1;
	}
	ret = commands_init();
	if (ret) {
		log_warning("Failed to build the command table: %s", strerror(-ret));
		arena_teardown();
		return 1;
	}
	ret = loop_select();
	if (ret) {
		log_warning("No usable event loop: %s", strerror(-ret));
		arena_teardown();
		return 1;
	}
	log_notice("Running mode=standalone, port=%d, event loop=%s.", srv.port,
		   srv.io_engine_name);
	log_warning("Server initialized");
	ret = conn_listeners_open();
	if (ret) {
		log_warning("Failed listening on port %d (tcp), aborting.", srv.port);
		loop->fini();
		arena_teardown();
		return 1;
	}
	if (udp_open()) {
		log_warning("Failed listening on port %d (udp), aborting.", udp_port_effective());
		conn_listeners_close();
		loop->fini();
		arena_teardown();
		return 1;
	}
	/* The pidfile once the listeners exist (as Redis, after initServer) and before the XDP
	 * fast path, whose verifier pass can take seconds on a loaded machine. */
	if (write_pidfile()) {
		udp_close();
		conn_listeners_close();
		loop->fini();
		arena_teardown();
		return 1;
	}
	fastpath_start();
	log_notice("Ready to accept connections tcp");

	ret = loop->run();
	if (ret)
		log_warning("Event loop failed: %s", strerror(-ret));

	if (got_signal)
		log_warning("User requested shutdown..."); /* SHUTDOWN logs its own line */
	fastpath_stop();
	udp_close();
	conn_listeners_close();
	conn_close_all();
	loop->fini();
	if (srv.pidfile && srv.pidfile[0])
		unlink(srv.pidfile);
	arena_teardown();
	log_warning("arenakv is now ready to exit, bye bye...");
	return ret ? 1 : 0;
}
