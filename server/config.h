/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h - redis.conf-style configuration: file, command line, CONFIG GET/SET/RESETSTAT.
 *
 * One table (config.c) describes every directive: name, type, bounds, default, flags and the
 * field of `srv` it lives in. The same table drives the config file parser, `--name value`
 * command-line options, CONFIG GET (glob patterns, several at once) and CONFIG SET (several pairs
 * at once, all-or-nothing as in Redis 7). Values are stored directly in `srv`, so every other
 * module reads srv.<field> and sees a CONFIG SET at once; nobody but config.c writes those fields.
 *
 * Every Redis 7.0 directive is accepted (config_table.c holds the ones arenakv does not
 * implement, with Redis's defaults and validation); those set to a non-default value are named
 * in one warning line each at start-up (config_log_unimplemented()). Unknown directives and bad
 * values at start-up print Redis's "*** FATAL CONFIG FILE ERROR ***" block on stderr and
 * exit(1), like redis-server.
 */
#ifndef ARENAKV_CONFIG_H
#define ARENAKV_CONFIG_H

#include "server.h"

/*
 * client-output-buffer-limit, per client class (Redis's order: normal, slave, pubsub). A limit
 * of 0 is off. Written only by config.c; conn.c enforces the normal class (arenakv has no
 * replicas and no pub/sub clients, so the other two are kept and reported only).
 */
enum { OBUF_CLASS_NORMAL = 0, OBUF_CLASS_REPLICA, OBUF_CLASS_PUBSUB, OBUF_CLASS_N };
struct config_obuf_limit {
	unsigned long long hard;	/* bytes; over it the client is closed at once */
	unsigned long long soft;	/* bytes; over it for soft_seconds -> closed */
	long long soft_seconds;
};
extern struct config_obuf_limit config_obuf_limits[OBUF_CLASS_N];

/* Fill srv's configuration fields with the defaults (Redis 7 defaults where Redis has the
 * directive). Called once before config_load(); safe to call again in tests. */
void config_init_defaults(void);

/*
 * Parse the command line as redis-server does: `[configfile|-] [--name value...]...`.
 * The file (or stdin for "-") is read first, then the options in order, so options win.
 * On any error prints the fatal block and exits(1); -v/--version and -h/--help print and exit(0).
 */
void config_load_argv(int argc, char **argv);

/*
 * Load a config text (lines of directives) as if it were a file; `origin` is used in messages.
 * Returns 0 or -EINVAL with a message in err (not exiting): used by tests and by
 * config_load_argv().
 */
int config_load_string(const char *text, char *err, size_t errlen, int *errline);

/* Log one warning line per accepted-but-unimplemented directive set to a non-default value, and
 * per file-only directive that was ignored (rename-command, user, loadmodule ...). main.c calls
 * it once after the start-up banner, when the log destination is final. */
void config_log_unimplemented(void);

/*
 * CONFIG REWRITE: rewrite srv.configfile from the running configuration, keeping comments,
 * unknown lines and the order of the file; options not in the file and at their default are
 * not added. Written to a temporary file in the same directory, then renamed over the old one.
 * Returns 0, -ENOENT when the server runs without a config file, or -errno (err filled).
 */
int config_rewrite(char *err, size_t errlen);

/* Parse a Redis memory value ("1gb", "100mb", "42", "1k"). 0 or -EINVAL. */
int config_parse_memory(const char *s, size_t len, unsigned long long *out);

/* CONFIG subcommands; argv as sent by the client (argv[0] "config", argv[1] subcommand). */
void config_get_command(struct client *c);
void config_set_command(struct client *c);
void config_resetstat_command(struct client *c);

/* Reset srv.stats and the keyspace counters (CONFIG RESETSTAT). */
void config_resetstat(void);

/* Hook run after port/bind changed through CONFIG SET: conn.c re-creates the listeners.
 * Returns 0 or -errno; config.c restores the old values on failure. */
int conn_listeners_reconfigure(void);

#endif /* ARENAKV_CONFIG_H */
