// SPDX-License-Identifier: BSD-2-Clause
/*
 * commands.c - the command table: merges the modules' arrays into one lookup structure.
 *
 * Each module exports a NULL-terminated array of struct command (commands.h). At start-up
 * commands_init() copies pointers to every entry into `cmd_sorted` (sorted by name, the stable
 * order COMMAND and COMMAND DOCS iterate in) and into an open-addressing hash table of twice the
 * next power of two above the count, keyed by an FNV-1a hash of the lower-cased name. Lookup
 * lower-cases nothing: it hashes with a case-folding hash and compares with strncasecmp, so the
 * query buffer bytes are used in place (dispatch calls this once per command; no allocation).
 *
 * The module arrays are referenced strongly on purpose: with the core being a static library,
 * that reference is what pulls each command module into the server binary.
 *
 * Invariants: after commands_init() returns 0 the table is immutable; pointers returned stay
 * valid for the life of the process. Loop thread only for init; lookups are read-only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "log.h"

static const struct command **cmd_sorted;
static struct command_stat *cmd_stats;	/* parallel to cmd_sorted */
static size_t cmd_n;
/* Pointer -> index into cmd_sorted, open addressing, same size as cmd_slots. */
static __u32 *ptr_slots;
static const struct command **cmd_slots;
static size_t cmd_mask;

static __u64 cmd_hash(const char *s, size_t len)
{
	__u64 h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		h ^= ch;
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t ptr_hash(const struct command *c)
{
	return (size_t)(((__u64)(uintptr_t)c >> 4) * 0x9E3779B97F4A7C15ULL >> 20);
}

static int cmd_cmp(const void *a, const void *b)
{
	const struct command *x = *(const struct command *const *)a;
	const struct command *y = *(const struct command *const *)b;

	return strcasecmp(x->name, y->name);
}

int commands_init(void)
{
	static const struct {
		const struct command *arr;
		const char *what;
	} mods[] = {
		{ string_commands, "string_commands (t_string.c)" },
		{ key_commands, "key_commands (t_keys.c)" },
		{ server_commands, "server_commands (t_server.c)" },
		{ multi_commands, "multi_commands (multi.c)" },
		{ arenakv_commands, "arenakv_commands (t_arenakv.c)" },
		{ fastpath_commands, "fastpath_commands (fastpath.c)" },
		{ zset_commands, "zset_commands (t_zset.c)" },
	};
	size_t n = 0, k = 0, size = 1;

	if (cmd_sorted)
		return 0;
	for (size_t m = 0; m < sizeof(mods) / sizeof(mods[0]); m++) {
		for (const struct command *c = mods[m].arr; c->name; c++)
			n++;
	}
	while (size < n * 2)
		size <<= 1;
	cmd_sorted = calloc(n ? n : 1, sizeof(*cmd_sorted));
	cmd_slots = calloc(size, sizeof(*cmd_slots));
	if (!cmd_sorted || !cmd_slots) {
		free(cmd_sorted);
		free(cmd_slots);
		cmd_sorted = NULL;
		cmd_slots = NULL;
		return -ENOMEM;
	}
	cmd_mask = size - 1;
	for (size_t m = 0; m < sizeof(mods) / sizeof(mods[0]); m++) {
		for (const struct command *c = mods[m].arr; c->name; c++) {
			size_t len = strlen(c->name);
			size_t i = cmd_hash(c->name, len) & cmd_mask;

			while (cmd_slots[i]) {
				if (!strcasecmp(cmd_slots[i]->name, c->name)) {
					log_warning("command '%s' defined twice (%s)", c->name,
						    mods[m].what);
					free(cmd_sorted);
					free(cmd_slots);
					cmd_sorted = NULL;
					cmd_slots = NULL;
					return -EEXIST;
				}
				i = (i + 1) & cmd_mask;
			}
			cmd_slots[i] = c;
			cmd_sorted[k++] = c;
		}
	}
	cmd_n = k;
	qsort(cmd_sorted, cmd_n, sizeof(*cmd_sorted), cmd_cmp);
	cmd_stats = calloc(cmd_n ? cmd_n : 1, sizeof(*cmd_stats));
	ptr_slots = malloc(size * sizeof(*ptr_slots));
	if (!cmd_stats || !ptr_slots) {
		free(cmd_stats);
		free(ptr_slots);
		free(cmd_sorted);
		free(cmd_slots);
		cmd_stats = NULL;
		ptr_slots = NULL;
		cmd_sorted = NULL;
		cmd_slots = NULL;
		return -ENOMEM;
	}
	memset(ptr_slots, 0xff, size * sizeof(*ptr_slots));
	for (size_t i = 0; i < cmd_n; i++) {
		size_t j = ptr_hash(cmd_sorted[i]) & cmd_mask;

		while (ptr_slots[j] != UINT32_MAX)
			j = (j + 1) & cmd_mask;
		ptr_slots[j] = (__u32)i;
	}
	return 0;
}

struct command_stat *command_stat(const struct command *cmd)
{
	size_t j;

	if (!ptr_slots || !cmd)
		return NULL;
	j = ptr_hash(cmd) & cmd_mask;
	while (ptr_slots[j] != UINT32_MAX) {
		if (cmd_sorted[ptr_slots[j]] == cmd)
			return &cmd_stats[ptr_slots[j]];
		j = (j + 1) & cmd_mask;
	}
	return NULL;
}

void command_stats_reset(void)
{
	if (cmd_stats)
		memset(cmd_stats, 0, cmd_n * sizeof(*cmd_stats));
}

const struct command *command_lookup(const char *name, size_t len)
{
	size_t i;

	if (!cmd_slots)
		return NULL;
	i = cmd_hash(name, len) & cmd_mask;
	while (cmd_slots[i]) {
		const struct command *c = cmd_slots[i];

		if (strlen(c->name) == len && strncasecmp(c->name, name, len) == 0)
			return c;
		i = (i + 1) & cmd_mask;
	}
	return NULL;
}

size_t command_count(void)
{
	return cmd_n;
}

const struct command *command_at(size_t i)
{
	return i < cmd_n ? cmd_sorted[i] : NULL;
}
