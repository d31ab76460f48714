/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_zset.h - what the sorted-set command module (t_zset.c) offers other server modules.
 *
 * The commands themselves are reached through zset_commands[] (commands.h). Besides them, db.c
 * needs one service: a deep copy of a zset for COPY (RENAME and MOVE relink the key entry and
 * never copy). The second part lists what t_zset.c and t_zset_setops.c share; nothing else
 * should call those. Loop thread only, like every command module.
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

/* ---- inside the sorted-set command module (t_zset.c <-> t_zset_setops.c) only ---- */
struct client;
struct arg;

/* Reply WRONGTYPE and return 1 when e exists and is not a zset; 0 otherwise. */
int zsetcmd_wrongtype(struct client *c, const struct kv_entry *e);
/* One member as Redis replies it: bulk member, then (withscores) its score; RESP3 with scores
 * wraps the pair in a 2-element array. */
void zsetcmd_reply_node(struct client *c, const struct kv_entry *node, int withscores);
/* Link the complete, unlinked zset z under dst (replacing any value, no TTL), or delete dst when z
 * is empty; replies the member count (or -OOM). z is consumed either way. */
void zsetcmd_store_result(struct client *c, const struct arg *dst, struct zset *z);

/* t_zset_setops.c: the set-algebra commands (listed in t_zset.c's zset_commands[]). */
void zsetcmd_zunionstore(struct client *c);
void zsetcmd_zinterstore(struct client *c);
void zsetcmd_zdiffstore(struct client *c);
void zsetcmd_zunion(struct client *c);
void zsetcmd_zinter(struct client *c);
void zsetcmd_zdiff(struct client *c);
void zsetcmd_zintercard(struct client *c);

#endif /* ARENAKV_T_ZSET_H */
