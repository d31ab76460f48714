/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_int.h - private to config.c and config_table.c: the shape of one directive row.
 *
 * Two tables use this shape. config.c's config_table[] holds the directives arenakv implements
 * (each row points at the srv field it drives). config_table.c's config_compat_table[] holds
 * every other Redis 7.0 directive: arenakv accepts them with Redis's default and validation so
 * stock redis.conf files and Redis's own test configs load, CONFIG GET answers and CONFIG SET
 * validates with Redis's texts; their rows have ptr == NULL and the value lives in a slot owned
 * by config.c. A compat row carries `why`: the one-line reason logged (once at start-up, and on
 * CONFIG SET) when it is set to anything but its default, so nothing is silently pretended.
 *
 * Invariants: names are lower case and unique across both tables (config.c asserts it at
 * start); an alias row (alias_of != NULL) has no value of its own and resolves to the row named
 * alias_of. Only config.c reads or writes values.
 */
#ifndef ARENAKV_CONFIG_INT_H
#define ARENAKV_CONFIG_INT_H

#include <stddef.h>
#include <stdio.h>

enum cfg_type {
	CFG_BOOL,	/* int, yes|no */
	CFG_INT,	/* int, strict integer within [min, max] */
	CFG_LL,		/* long long, strict integer within [min, max] */
	CFG_MEM_ULL,	/* unsigned long long, memory value with units */
	CFG_MEM_LL,	/* long long, memory value with units, within [min, max] */
	CFG_STRING,	/* char *, any bytes */
	CFG_ENUM,	/* int, one of enums[] */
	CFG_SENUM,	/* char *, one of enums[] (canonical name stored) */
	CFG_BIND,	/* srv.bind[]: one or more addresses */
	CFG_SAVE,	/* char *: "" or pairs of seconds/changes */
	CFG_CHECKED,	/* char *: validated and canonicalised by check() */
	CFG_OBUF,	/* client-output-buffer-limit: class hard soft seconds ... */
};

#define CFG_IMMUTABLE 0x1 /* CONFIG SET refuses: "can't set immutable config" */
#define CFG_PROTECTED 0x2 /* CONFIG SET refuses unless enable-protected-configs allows */
#define CFG_MULTI     0x4 /* several arguments in a file line; CONFIG SET splits on spaces */
#define CFG_HIDDEN    0x8 /* not listed by CONFIG GET patterns, only by its exact name */

struct cfg_enum {
	const char *name;
	int val;
};

/*
 * check(): validate `in` (arguments joined by single spaces) and write the canonical form that
 * CONFIG GET prints into out (cap bytes). 0, or -EINVAL with *err set to Redis's reason text.
 */
typedef int cfg_check_fn(const char *in, char *out, size_t cap, const char **err);

struct cfg_def {
	const char *name;
	enum cfg_type type;
	int flags;
	void *ptr;			/* srv field, or NULL: value kept in config.c's slot */
	long long min, max;
	const struct cfg_enum *enums;
	const char *dflt;
	/* Side effect after a value is stored. 0 or -errno with *err set to Redis's text. */
	int (*apply)(const char **err);
	cfg_check_fn *check;		/* CFG_CHECKED only */
	const char *alias_of;		/* alias row: the canonical name */
	const char *why;		/* compat row: why a non-default value has no effect */
};

extern const struct cfg_def config_compat_table[];
extern const size_t config_compat_count;

/* Enums shared by both tables (config_table.c defines them). */
extern const struct cfg_enum cfg_yes_no_local_enums[];

/*
 * config.c's accessors for config_rewrite.c. Both tables seen as one array of cfg_count() rows;
 * cfg_find() resolves aliases to the row holding the value; cfg_format() prints a value as
 * CONFIG GET does; cfg_is_default() compares it with the row's default.
 */
size_t cfg_count(void);
const struct cfg_def *cfg_at(size_t i);
size_t cfg_index(const struct cfg_def *d);
const struct cfg_def *cfg_find(const char *name, size_t len);
void *cfg_ptr(const struct cfg_def *d);
void cfg_format(const struct cfg_def *d, char *buf, size_t cap);
int cfg_is_default(const struct cfg_def *d);
extern const char *const cfg_obuf_class_names[];

/* Text helpers: split on spaces (no quoting); split a config line like Redis's sdssplitargs
 * (words NUL-terminated into out); append s quoted so cfg_split_args reads it back; read a
 * whole stream (malloc'd, NUL-terminated, NULL on ENOMEM). */
int cfg_split_words(const char *s, size_t len, const char **w, size_t *wl, int max);
int cfg_split_args(const char *line, char *out, char **w, size_t *wl, int max);
size_t cfg_cat_repr(char *buf, size_t off, size_t cap, const char *s);
char *cfg_read_stream(FILE *f);

#endif /* ARENAKV_CONFIG_INT_H */
