/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arenakv.h - the only contract between bpf/arenakv.bpf.c and the user space that runs it
 * (server/arena_bpf.c, tests/bpf/). Compiled by clang -target bpf and by the host compiler; the
 * _Static_asserts below make both agree on every offset, so no layout is kept twice.
 *
 * The programs are SEC("syscall") programs, run on demand with bpf_prog_test_run_opts(). Their
 * context is a copy of the struct below: the kernel copies ctx_in into a kernel buffer, runs the
 * program on it and copies the same number of bytes back over ctx_in. So a field is "in" when user
 * space fills it before the run and "out" when the program fills it.
 *
 * Why the value does not travel in the ctx: on the 6.18 kernel this was written for the verifier
 * refuses every variable-offset access to a syscall program's ctx ("variable ctx access var_off=...
 * disallowed" for a store, "R1 type=ctx expected=fp, ..." as a helper's destination). The key can
 * still come IN through the ctx (it is read with one bpf_probe_read_kernel() whose source may be
 * any address), but the value goes OUT through the global array akv_val[] in the program's .bss
 * map, which the skeleton mmaps into user space. That buffer is shared by every run, so runs must
 * not overlap: server/arena_bpf.c serializes them with a mutex, and other callers must do the same.
 *
 * Invariants:
 *  - Fixed-width types, explicit padding, sizes checked below.
 *  - sizeof(struct akv_lookup_args) and sizeof(struct akv_xxh_args) are <= 65535: the kernel
 *    refuses a larger syscall ctx (measured: 65535 bytes run, 65536 give -EINVAL).
 */
#ifndef ARENAKV_BPF_ARENAKV_H
#define ARENAKV_BPF_ARENAKV_H

#include "arena.h"

/*
 * Longest key the kernel lookup handles. The BPF xxh64 loops are unrolled by the verifier, at
 * about 30 processed instructions per byte of this bound (measured), so it is kept well below
 * what the 1M-instruction limit would allow. Longer keys are answered -E2BIG without running
 * anything. Must be a multiple of 32 (xxhash.h's stripe loop).
 */
#ifndef AKV_KEY_MAX
#define AKV_KEY_MAX 1024
#endif

/*
 * Size of the value buffer akv_val[] in the program's .bss. A value longer than this is read in
 * several runs (val_off), see struct akv_lookup_args.
 */
#ifndef AKV_VAL_CHUNK
#define AKV_VAL_CHUNK (1024 * 1024)
#endif

/* Status codes reported in akv_lookup_args.status (negative errno values, as everywhere). */
#define AKV_HIT 0
/* -ENOENT: no such key, or expired at now_ns.
 * -EAGAIN: in doubt (entry changed under the reader, chain too long, rehash race): a miss for
 *          every practical purpose; the caller may retry.
 * -E2BIG:  key longer than AKV_KEY_MAX.
 * -EINVAL: bad db or val_off, arena header not formatted (bad magic), or the key holds a
 *          value that is not a string.
 * -EFAULT: the key could not be copied out of the ctx. */

struct akv_lookup_args {
	__u32 db;      /* in: database 0..ARENA_MAX_DBS-1 */
	__u32 klen;    /* in: key length, <= AKV_KEY_MAX */
	__u64 val_off; /* in: first value byte to copy into akv_val[] (0 for small values) */
	__s32 status;  /* out: AKV_HIT or -errno, see above */
	__u32 copied;  /* out: bytes copied into akv_val[] on a hit */
	__u64 vlen;    /* out: full length of the value on a hit */
	__u64 now_ns;  /* out: bpf_ktime_get_ns() the expiry check used */
	__u64 entry;   /* out: arena address of the entry that was read (user form) */
	__u32 seq;     /* out: its seqlock value; entry and seq equal across the runs of a
			* chunked read mean every chunk came from one unmodified value */
	__u32 pad;
	__u8 key[AKV_KEY_MAX]; /* in: key bytes [0, klen) */
};

/* The equality test's program: hash = XXH64(data[0, len), seed). */
struct akv_xxh_args {
	__u64 seed;		/* in */
	__u64 hash;		/* out */
	__u32 len;		/* in: <= AKV_KEY_MAX */
	__s32 status;		/* out: 0, or -EINVAL when len is too long */
	__u8 data[AKV_KEY_MAX]; /* in */
};

/*
 * The self-check program: reads the arena header page as the kernel sees it. arena_setup() runs
 * it right after arena_format() and requires the magic user space just wrote, which proves the
 * user mapping at ARENA_BASE and the kernel's view of the arena are the same pages.
 */
struct akv_probe_args {
	__u64 magic;	      /* out: arena_hdr.magic */
	__u64 base;	      /* out: arena_hdr.base */
	__u32 layout_version; /* out: arena_hdr.layout_version */
	__s32 status;	      /* out: 0 */
};

#define akv_static_assert(cond, msg) _Static_assert(cond, msg)
akv_static_assert(AKV_KEY_MAX % 32 == 0, "AKV_KEY_MAX must be a multiple of 32");
akv_static_assert(sizeof(struct akv_lookup_args) == 56 + AKV_KEY_MAX, "akv_lookup_args layout");
akv_static_assert(__builtin_offsetof(struct akv_lookup_args, status) == 16, "status offset");
akv_static_assert(__builtin_offsetof(struct akv_lookup_args, key) == 56, "key offset");
akv_static_assert(sizeof(struct akv_xxh_args) == 24 + AKV_KEY_MAX, "akv_xxh_args layout");
akv_static_assert(sizeof(struct akv_probe_args) == 24, "akv_probe_args layout");
akv_static_assert(sizeof(struct akv_lookup_args) <= 65535, "syscall ctx is at most 64 KiB");

#endif /* ARENAKV_BPF_ARENAKV_H */
