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
 * Unknown directives and bad values at start-up print Redis's "*** FATAL CONFIG FILE ERROR ***"
 * block on stderr and exit(1), like redis-server.
 */
#ifndef ARENAKV_CONFIG_H
#define ARENAKV_CONFIG_H

#include "server.h"

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
