// SPDX-License-Identifier: BSD-2-Clause
/*
 * arena_bpf.c - create the arena (BPF map or anonymous fallback) and run the kernel-side reader.
 *
 * Set-up sequence (the libbpf-bootstrap order: open -> load -> run -> destroy on one path):
 *  1. Pick the mode: argument, overridden by env ARENAKV_ARENA.
 *  2. Check that [ARENA_BASE, ARENA_BASE + ARENA_SIZE) is free. libbpf maps the arena with
 *     MAP_FIXED at map_extra, which would silently replace anything already there.
 *  3. arenakv__open_and_load(): creates the arena map (max_entries = ARENA_MAX_PAGES, map_extra =
 *     ARENA_BASE), mmaps it at ARENA_BASE for the whole 4 GiB range, and loads the programs. Only
 *     virtual space is reserved: a page exists once somebody touches it (user space by faulting
 *     it, which the kernel serves from the arena). Our allocator never asks BPF for pages.
 *  4. arena_format(): header page, allocator, 16 empty tables (index/arena_mem.h).
 *  5. akv_probe: the kernel reads the header back; unless it sees the magic and base user space
 *     just wrote, the two sides are not looking at the same pages and the BPF arena is abandoned.
 * Any failure in 3-5 destroys the skeleton (which unmaps the range) and, in "auto" mode, falls
 * back to arena_map_anon() + arena_format(), logging one line with the reason.
 *
 * Running programs: bpf_prog_test_run_opts() with the ctx struct from bpf/arenakv.h. The kernel
 * copies the ctx in, runs the program once and copies it back over our struct. Output longer than
 * a few fields is left in the program's .bss (skel->bss->akv_val), which the skeleton keeps
 * mmapped, so every run holds run_lock from filling the ctx until the output is copied out.
 *
 * State: the static struct below, written only by arena_setup()/arena_teardown() (single
 * threaded by contract, see arena_bpf.h) and read by the run functions.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arena.h"
#include "arena_mem.h"
#include "layout.h"
#include "arenakv.h"
#include "arenakv.skel.h"
#include "arena_bpf.h"
#include "log.h"

/* Runs of akv_lookup while it answers "in doubt", and restarts of a chunked read. */
#define ARENA_LOOKUP_TRIES 4

enum arena_backend_kind { ARENA_NONE = 0, ARENA_BPF_MAP, ARENA_ANON };

static struct {
	int kind;		      /* enum arena_backend_kind */
	struct arenakv *skel;	      /* loaded skeleton when kind == ARENA_BPF_MAP */
	char reason[256];	      /* why not BPF ("" when BPF) */
	char libbpf_first[256];	      /* first failure libbpf printed, for the reason */
	pthread_mutex_t run_lock;     /* serializes program runs (shared .bss buffers) */
	struct arena_kernel_stats st; /* under run_lock */
} ab = {.run_lock = PTHREAD_MUTEX_INITIALIZER};

/*
 * libbpf's messages: pass warnings on at verbose level (so the verifier log of a rejected program
 * can be read with loglevel verbose without cluttering a normal start-up) and keep the FIRST
 * failure line, cut at its first sentence, as the short reason: libbpf reports the cause first
 * ("prog 'akv_lookup': BPF program load failed: Permission denied", "map 'arena': failed to
 * create") and then only its consequences ("failed to load object").
 */
static int arena_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024], *cut;
	size_t n;

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (!n)
		return 0;
	log_verbose("%s", line);
	if (ab.libbpf_first[0] || strstr(line, "Failed to bump RLIMIT_MEMLOCK"))
		return 0;
	if (!strstr(line, "failed") && !strstr(line, "Error") && !strstr(line, "error"))
		return 0;
	cut = strstr(line, ". ");
	if (cut)
		*cut = '\0';
	snprintf(ab.libbpf_first, sizeof(ab.libbpf_first), "%.255s",
		 strncmp(line, "libbpf: ", 8) ? line : line + 8);
	return 0;
}

/* 0 when nothing is mapped anywhere in the arena's range, -EEXIST otherwise (or -errno). */
static int arena_range_free(void)
{
	void *p = mmap((void *)(unsigned long)ARENA_BASE, ARENA_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, ARENA_SIZE);
	/* Kernels before 4.17 ignore MAP_FIXED_NOREPLACE and map elsewhere. */
	return p == (void *)(unsigned long)ARENA_BASE ? 0 : -EEXIST;
}

static const char *arena_errno_hint(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "not permitted: needs root or CAP_BPF+CAP_PERFMON";
	case -EINVAL:
	case -EOPNOTSUPP:
	case -524: /* the kernel's internal ENOTSUPP, which leaks out of some bpf() paths */
		return "kernel refused the arena map or a program";
	case -ENOMEM:
		return "out of memory or memlock limit";
	default:
		return strerror(-err);
	}
}

static int run_prog(struct bpf_program *prog, void *ctx, size_t ctx_size)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = ctx_size);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		return err;	 /* libbpf returns -errno */
	return (int)opts.retval; /* the programs return 0; results are in the ctx */
}

int arena_kernel_probe(__u64 *magic, __u64 *base)
{
	struct akv_probe_args a;
	int err;

	if (ab.kind != ARENA_BPF_MAP)
		return -ENOTSUP;
	memset(&a, 0, sizeof(a));
	pthread_mutex_lock(&ab.run_lock);
	err = run_prog(ab.skel->progs.akv_probe, &a, sizeof(a));
	pthread_mutex_unlock(&ab.run_lock);
	if (err)
		return err;
	if (a.status)
		return a.status;
	*magic = a.magic;
	*base = a.base;
	return 0;
}

/*
 * Try the BPF arena. 0 on success with ab.kind == ARENA_BPF_MAP and the arena formatted; else
 * -errno, nothing left mapped, and ab.reason says why.
 */
static int arena_try_bpf(void)
{
	struct arenakv *skel;
	size_t sz = 0;
	void *mem;
	__u64 magic = 0, base = 0;
	int err;

	err = arena_range_free();
	if (err) {
		snprintf(ab.reason, sizeof(ab.reason), "address range 0x%llx+4GiB is in use: %s",
			 (unsigned long long)ARENA_BASE, strerror(-err));
		return err == -EEXIST ? -EBUSY : err;
	}

	ab.libbpf_first[0] = '\0';
	libbpf_set_print(arena_libbpf_print);
	skel = arenakv__open();
	if (!skel) {
		err = -errno;
		snprintf(ab.reason, sizeof(ab.reason), "opening the BPF object failed: %s",
			 strerror(-err));
		return err;
	}
	err = arenakv__load(skel);
	if (err) {
		snprintf(ab.reason, sizeof(ab.reason), "%s%s%s", arena_errno_hint(err),
			 ab.libbpf_first[0] ? "; " : "", ab.libbpf_first);
		goto cleanup;
	}

	/* libbpf 1.4 reports size 0 for an arena here; it maps max_entries pages. */
	mem = bpf_map__initial_value(skel->maps.arena, &sz);
	if (mem != (void *)(unsigned long)ARENA_BASE ||
	    bpf_map__max_entries(skel->maps.arena) != ARENA_MAX_PAGES) {
		snprintf(ab.reason, sizeof(ab.reason),
			 "arena mapped at %p (%u pages), expected 0x%llx", mem,
			 bpf_map__max_entries(skel->maps.arena), (unsigned long long)ARENA_BASE);
		err = -EFAULT;
		goto cleanup;
	}

	ab.skel = skel;
	ab.kind = ARENA_BPF_MAP;
	err = arena_format(0); /* no cap: maxmemory is enforced by eviction (db.c) */
	if (err) {
		snprintf(ab.reason, sizeof(ab.reason), "arena_format: %s", strerror(-err));
		goto cleanup_state;
	}
	err = arena_kernel_probe(&magic, &base);
	if (err || magic != ARENA_MAGIC || base != ARENA_BASE) {
		snprintf(ab.reason, sizeof(ab.reason),
			 "the kernel does not see the header user space wrote (%s, magic 0x%llx)",
			 err ? strerror(-err) : "mismatch", (unsigned long long)magic);
		err = err ? err : -EIO;
		goto cleanup_state;
	}
	ab.reason[0] = '\0';
	memset(&ab.st, 0, sizeof(ab.st));
	return 0;

cleanup_state:
	ab.skel = NULL;
	ab.kind = ARENA_NONE;
cleanup:
	arenakv__destroy(skel); /* closes the map and unmaps the range */
	return err;
}

static int arena_use_anon(const char *why, int level)
{
	int err;

	err = arena_map_anon();
	if (err) {
		log_warning(
		    "BPF arena unavailable (%s), and the anonymous mapping at 0x%llx failed "
		    "too: %s",
		    why, (unsigned long long)ARENA_BASE, strerror(-err));
		return err;
	}
	log_msg(level, "BPF arena unavailable (%s): running the index over anonymous mmap", why);
	ab.kind = ARENA_ANON;
	err = arena_format(0); /* no cap: maxmemory is enforced by eviction (db.c) */
	if (err) {
		arena_unmap();
		ab.kind = ARENA_NONE;
	}
	return err;
}

int arena_setup(const char *mode)
{
	const char *env = getenv("ARENAKV_ARENA");
	int err;

	if (env && *env)
		mode = env;
	if (!mode || !*mode)
		mode = "auto";
	if (strcmp(mode, "auto") && strcmp(mode, "bpf") && strcmp(mode, "mmap")) {
		log_warning("arena mode '%s'%s is not one of auto, bpf, mmap", mode,
			    env && *env ? " (from ARENAKV_ARENA)" : "");
		return -EINVAL;
	}
	if (ab.kind != ARENA_NONE)
		return -EBUSY;

	if (!strcmp(mode, "mmap")) {
		snprintf(ab.reason, sizeof(ab.reason), "arena-mode is mmap%s",
			 env && *env ? " (ARENAKV_ARENA)" : "");
		return arena_use_anon(ab.reason, LL_NOTICE);
	}

	err = arena_try_bpf();
	if (!err) {
		log_notice("BPF arena ready: %llu pages mapped at 0x%llx, shared with the kernel",
			   (unsigned long long)ARENA_MAX_PAGES, (unsigned long long)ARENA_BASE);
		return 0;
	}
	if (!strcmp(mode, "bpf")) {
		log_warning("BPF arena unavailable (%s): arena-mode bpf, not falling back",
			    ab.reason);
		return err;
	}
	return arena_use_anon(ab.reason, LL_WARNING);
}

int arena_is_bpf(void)
{
	return ab.kind == ARENA_BPF_MAP;
}

const char *arena_backend(void)
{
	switch (ab.kind) {
	case ARENA_BPF_MAP:
		return "bpf";
	case ARENA_ANON:
		return "mmap";
	default:
		return "none";
	}
}

const char *arena_fallback_reason(void)
{
	return ab.reason;
}

void arena_teardown(void)
{
	if (ab.kind == ARENA_BPF_MAP) {
		pthread_mutex_lock(&ab.run_lock);
		arenakv__destroy(ab.skel);
		ab.skel = NULL;
		ab.kind = ARENA_NONE;
		pthread_mutex_unlock(&ab.run_lock);
	} else if (ab.kind == ARENA_ANON) {
		arena_unmap();
		ab.kind = ARENA_NONE;
	}
}

int arena_kernel_xxh64(const void *data, size_t len, __u64 seed, __u64 *hash)
{
	static struct akv_xxh_args a; /* 1 KiB+, under run_lock */
	int err;

	if (ab.kind != ARENA_BPF_MAP)
		return -ENOTSUP;
	if (len > AKV_KEY_MAX)
		return -E2BIG;
	pthread_mutex_lock(&ab.run_lock);
	memset(&a, 0, sizeof(a));
	a.seed = seed;
	a.len = (__u32)len;
	memcpy(a.data, data, len);
	err = run_prog(ab.skel->progs.akv_xxh, &a, sizeof(a));
	if (!err)
		err = a.status;
	if (!err)
		*hash = a.hash;
	pthread_mutex_unlock(&ab.run_lock);
	return err;
}

/*
 * One run of akv_lookup for value bytes [off, off + AKV_VAL_CHUNK). Caller holds run_lock.
 * -EAGAIN answers are retried here a few times (the program makes one attempt: more would not
 * verify), since the writer's critical sections are short.
 */
static int lookup_run(struct akv_lookup_args *a, __u64 off)
{
	int err = -EAGAIN;

	for (int tries = 0; tries < ARENA_LOOKUP_TRIES; tries++) {
		a->val_off = off;
		ab.st.runs++;
		ab.st.doubt_retries += tries > 0;
		err = run_prog(ab.skel->progs.akv_lookup, a, sizeof(*a));
		if (err)
			return err;
		err = a->status;
		if (err != -EAGAIN)
			break;
	}
	return err;
}

int arena_kernel_lookup(int db, const void *key, size_t klen, void *buf, size_t bufsz, size_t *vlen)
{
	static struct akv_lookup_args a; /* under run_lock */
	__u64 entry, off, vfull, n;
	__u32 seq;
	int err, attempt;

	if (ab.kind != ARENA_BPF_MAP)
		return -ENOTSUP;
	if (db < 0 || db >= ARENA_MAX_DBS)
		return -EINVAL;
	if (klen > AKV_KEY_MAX)
		return -E2BIG;

	pthread_mutex_lock(&ab.run_lock);
	ab.st.lookups++;
	/* A chunked read is consistent only if every chunk came from the same entry at the same
	 * seq; if the writer changed the value in between, start over (bounded). */
	for (attempt = 0; attempt < ARENA_LOOKUP_TRIES; attempt++) {
		memset(&a, 0, offsetof(struct akv_lookup_args, key));
		a.db = (__u32)db;
		a.klen = (__u32)klen;
		memcpy(a.key, key, klen);
		err = lookup_run(&a, 0);
		if (err)
			goto out;
		entry = a.entry;
		seq = a.seq;
		vfull = a.vlen;
		n = a.copied < bufsz ? a.copied : bufsz;
		memcpy(buf, ab.skel->bss->akv_val, n);
		for (off = a.copied; off < vfull && off < bufsz; off += a.copied) {
			err = lookup_run(&a, off);
			if (err || a.entry != entry || a.seq != seq || a.vlen != vfull || !a.copied)
				break;
			n = a.copied < bufsz - off ? a.copied : bufsz - off;
			memcpy((char *)buf + off, ab.skel->bss->akv_val, n);
		}
		if (off >= vfull || off >= bufsz) {
			*vlen = vfull;
			err = 0;
			goto out;
		}
		/* The entry changed or vanished between chunks. A vanished key (-ENOENT) is a
		 * legitimate answer only for a fresh read, so always go round again. */
		ab.st.chunk_restarts++;
		err = -EAGAIN;
	}
out:
	ab.st.in_doubt += err == -EAGAIN;
	pthread_mutex_unlock(&ab.run_lock);
	return err;
}

void arena_kernel_stats(struct arena_kernel_stats *st)
{
	pthread_mutex_lock(&ab.run_lock);
	*st = ab.st;
	pthread_mutex_unlock(&ab.run_lock);
}
