/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fp_load.h - open and load the fast-path object (bpf/fastpath.bpf.c) on the live arena.
 * User space only; header-only because bpf/ holds no user-space .c file (CMake builds every
 * bpf/<name>.bpf.c as a BPF object): include it from exactly the .c files that load the fast path
 * (server/fastpath.c, tests/bpf/test_fastpath_*.c), after arena_setup() made a BPF arena.
 *
 * The fast-path programs must read the very arena the index lives in, not a new one. So the
 * object's `arena` map is given, before load, the fd of the arena map bpf/arenakv.bpf.c created
 * (bpf_map__reuse_fd), found by fp_arena_map_fd() among this process's open fds: the one BPF map
 * of type ARENA whose map_extra is ARENA_BASE. (server/arena_bpf.c keeps its skeleton private;
 * looking the fd up this way needs no change there.)
 *
 * libbpf and a reused arena: libbpf maps an arena map it creates at map_extra on load and unmaps
 * it on destroy. With the reused fd, libbpf 1.4.6 does neither (measured: the mapping at
 * ARENA_BASE is the same before load, after load and after fastpath__destroy()). Should another
 * libbpf version unmap it on destroy, the server would lose its index, so fp_load_destroy()
 * checks that the first arena page is still mapped and, if not, maps the arena back from the
 * same map fd (MAP_SHARED | MAP_FIXED: the kernel serves the same pages again).
 *
 * The sorted-set programs (fp_xdp_zset, fp_tc_zset, bpf/fp_zset.h) are reached by tail calls
 * through the one-slot prog arrays fp_zprog_xdp / fp_zprog_tc. libbpf fills the slots at load
 * from the maps' static initializers; fp_load_open() checks that each slot holds its program
 * (a user-space lookup of a prog array returns the program's id), since an empty slot would
 * silently pass every sorted-set request (passed_tail_call).
 *
 * Sequence (libbpf-bootstrap order): fp_load_open() = open -> reuse arena -> load; the caller
 * writes fp_config / fp_allow4 / fp_allow6, attaches (or test-runs) the programs, and finally
 * calls fp_load_destroy(). Not thread safe; call from the thread that owns the arena's lifetime.
 */
#ifndef ARENAKV_BPF_FP_LOAD_H
#define ARENAKV_BPF_FP_LOAD_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arena.h"
#include "fastpath.h"
#include "fastpath.skel.h"

#ifndef FP_BPF_MAP_TYPE_ARENA
#define FP_BPF_MAP_TYPE_ARENA 33 /* BPF_MAP_TYPE_ARENA, for headers that predate it */
#endif

/*
 * The fd (owned by whoever created it, do not close) of this process's BPF arena map at
 * ARENA_BASE, or -ENOENT when there is none (arena_setup() not run, or it fell back to mmap).
 */
static inline int fp_arena_map_fd(void)
{
	char path[64], line[128];
	struct dirent *d;
	int fd, found = -ENOENT;
	DIR *dir;

	dir = opendir("/proc/self/fdinfo");
	if (!dir)
		return -errno;
	while (found < 0 && (d = readdir(dir))) {
		unsigned long long extra = 0;
		unsigned int type = 0;
		FILE *f;

		fd = atoi(d->d_name);
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "map_type:\t%u", &type);
			sscanf(line, "map_extra:\t%llx", &extra);
		}
		fclose(f);
		if (type == FP_BPF_MAP_TYPE_ARENA && extra == ARENA_BASE)
			found = fd;
	}
	closedir(dir);
	return found;
}

/* Every counter summed over the possible CPUs into out[FP_C_MAX]. 0 or -errno (out zeroed). */
static inline int fp_counters_sum(struct fastpath *skel, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct fp_counters *v;
	__u32 zero = 0;

	memset(out, 0, sizeof(__u64) * FP_C_MAX);
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map__lookup_elem(skel->maps.fp_counters, &zero, sizeof(zero), v,
				 sizeof(*v) * (size_t)ncpu, 0))
		err = -errno;
	for (int c = 0; !err && c < ncpu; c++)
		for (int i = 0; i < FP_C_MAX; i++)
			out[i] += v[c].c[i];
	free(v);
	return err;
}

static inline int fp_load_destroy(struct fastpath *skel);

/* 0 when slot 0 of prog array map holds prog, else -errno (-ENOENT: another program or none). */
static inline int fp_load_check_slot(struct bpf_map *map, struct bpf_program *prog)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info), zero = 0, id = 0;

	memset(&info, 0, sizeof(info));
	if (bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return -errno;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &zero, &id))
		return -errno;
	return id == info.id ? 0 : -ENOENT;
}

/*
 * Open the fast-path skeleton, point its arena at the live arena, load (verify) the four
 * programs and check the tail-call slots. On success *out is the loaded skeleton
 * (fp_load_destroy() frees it) and 0 is returned; else -errno (-ENOENT: no BPF arena in this
 * process) and *out is NULL.
 */
static inline int fp_load_open(struct fastpath **out)
{
	struct fastpath *skel;
	int fd, err;

	*out = NULL;
	fd = fp_arena_map_fd();
	if (fd < 0)
		return fd;
	skel = fastpath__open();
	if (!skel)
		return -errno;
	err = bpf_map__reuse_fd(skel->maps.arena, fd);
	if (!err)
		err = fastpath__load(skel);
	if (!err)
		err = fp_load_check_slot(skel->maps.fp_zprog_xdp, skel->progs.fp_xdp_zset);
	if (!err)
		err = fp_load_check_slot(skel->maps.fp_zprog_tc, skel->progs.fp_tc_zset);
	if (err) {
		fp_load_destroy(skel);
		return err < 0 ? err : -EINVAL;
	}
	*out = skel;
	return 0;
}

/* Destroy a skeleton from fp_load_open() (detaches nothing: links are the caller's), keeping
 * the arena mapped at ARENA_BASE for its owner. Returns 0, or -errno when the arena could not be
 * mapped back (the caller should treat the arena as lost). NULL is ignored. */
static inline int fp_load_destroy(struct fastpath *skel)
{
	void *p;
	int fd;

	if (!skel)
		return 0;
	fastpath__destroy(skel);
	/* msync() fails with ENOMEM on an unmapped range: then restore the mapping. */
	if (!msync((void *)(unsigned long)ARENA_BASE, ARENA_PAGE_SIZE, MS_ASYNC) || errno != ENOMEM)
		return 0;
	fd = fp_arena_map_fd();
	if (fd < 0)
		return 0; /* the arena is gone already: nothing to keep */
	p = mmap((void *)(unsigned long)ARENA_BASE, ARENA_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	return p == MAP_FAILED ? -errno : 0;
}

#endif /* ARENAKV_BPF_FP_LOAD_H */
