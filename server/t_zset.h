/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_zset.h - what the sorted-set command module (t_zset.c) offers other server modules.
 *
 * The commands themselves are reached through zset_commands[] (commands.h). Besides them, db.c
 * needs one service: a deep copy of a zset for COPY (RENAME and MOVE relink the key entry and
 * never copy). Loop thread only, like every command module.
 */
#ifndef ARENAKV_T_ZSET_H
#define ARENAKV_T_ZSET_H

#include "kv.h"

struct zset;

/*
 * Deep copy of the zset held by KV_ZSET key entry e (members and scores; O(n log n)). On success
 * *out is a new zset that nobody references yet: the caller stores its pointer as the 8-byte
 * value of a new KV_ZSET entry (db_new_entry + memcpy) and links it, after which the entry owns
 * it (kv_free frees it); if the caller gives up before making such an entry it calls zset_free().
 * Returns 0 or -ENOMEM (nothing allocated then).
 */
int zsetcmd_clone(const struct kv_entry *e, struct zset **out);

#endif /* ARENAKV_T_ZSET_H */
