// SPDX-License-Identifier: BSD-2-Clause
/*
 * kernel_lookup.c - ns per lookup: the arena hash table versus a BPF_MAP_TYPE_HASH holding the
 * same keys and values, read inside the kernel (BPF_PROG_TEST_RUN with repeat) and from user
 * space (the arena through its mmap; the hash map through bpf_map_lookup_elem() syscalls).
 *
 * Set-up, as the server does it: arena_setup("bpf") creates the BPF arena and maps it at
 * ARENA_BASE; KEYS keys of KB_KLEN bytes with KB_VLEN-byte values are inserted into database 0
 * with the index's writer API (kv_new + htab_insert) and the table's resize is finished. The
 * same pairs go into kb_hash (bpf/kbench.bpf.c) and the keys into kb_keys.
 *
 * Kernel side: kb_arena / kb_hmap / kb_base (bpf/kbench.bpf.c) each do BATCH lookups per run
 * with bpf_loop(), REPEAT runs per test_run; the kernel reports the mean ns per run, divided
 * here by BATCH. kb_base is the same loop without the lookup (key choice, kb_keys access,
 * bpf_loop's call): "net" = lookup - base is the table's own cost. Hot = key 0 every time,
 * random = xorshift64 modulo KEYS (the same generator on both sides). ROUNDS rounds, programs
 * interleaved within a round; the median round is printed. Every run's counters are checked:
 * each lookup must be a hit with the value copied, or the figure is not printed.
 *
 * User side: htab_read() (the lock-free reader, value copied to a buffer) and htab_find() (the
 * writer's lookup, returns the entry) on the mmap; bpf_map_lookup_elem() on kb_hash. Keys are
 * precomputed in an array, as kb_keys is in the kernel.
 *
 * Usage: kernel_lookup [-k KEYS] [-b BATCH] [-r REPEAT] [-R ROUNDS] [-u USER_N] [-s SYSCALL_N]
 *                      [-c CPU]     (defaults 100000 256 400 5 4000000 400000 1)
 * Output: one line per figure, "kernel|user <table> <hot|random> <ns>" plus a header; bench/
 * kernel.sh formats the table. Exit 77 when BPF arenas are unavailable (e.g. not root).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbench_common.h"

static struct kbench *skel;

struct opts {
	__u32 keys, batch, repeat, rounds, user_n, sys_n;
	int cpu;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, __u32 n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * One test_run of prog: REPEAT runs of BATCH lookups in mode. *ns = mean ns per lookup.
 * 0, -EIO when a lookup did not hit (printed), or -errno from test_run.
 */
static int kernel_run(struct bpf_program *prog, int check_hits, __u32 mode, const struct opts *o,
		      double *ns)
{
	static __u8 frame[64];
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = o->repeat);
	struct kb_res *r = &skel->bss->kb_res;
	__u64 want = (__u64)o->batch * o->repeat;
	int err;

	memset(r, 0, sizeof(*r));
	skel->bss->kb_ctl.mode = mode;
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &t);
	if (err)
		return err;
	if (t.retval != 1 /* XDP_DROP */ || r->lookups != want ||
	    (check_hits && (r->hits != want || r->bytes != want * KB_VLEN))) {
		fprintf(stderr,
			"%s: lookups %llu (want %llu) hits %llu misses %llu doubts %llu bytes %llu "
			"ret %u\n",
			bpf_program__name(prog), (unsigned long long)r->lookups,
			(unsigned long long)want, (unsigned long long)r->hits,
			(unsigned long long)r->misses, (unsigned long long)r->doubts,
			(unsigned long long)r->bytes, t.retval);
		return -EIO;
	}
	*ns = (double)t.duration / o->batch;
	return 0;
}

static int kernel_side(const struct opts *o)
{
	struct bpf_program *progs[3] = {skel->progs.kb_base, skel->progs.kb_arena,
					skel->progs.kb_hmap};
	static const char *const names[3] = {"base", "arena", "hash"};
	double *v[2][3];
	int err = 0;

	for (int m = 0; m < 2; m++)
		for (int p = 0; p < 3; p++)
			v[m][p] = calloc(o->rounds, sizeof(double));
	skel->bss->kb_ctl.nkeys = o->keys;
	skel->bss->kb_ctl.batch = o->batch;
	skel->bss->kb_ctl.db = 0;
	skel->bss->kb_ctl.rnd = 0x9e3779b97f4a7c15ULL;
	for (__u32 round = 0; round < o->rounds && !err; round++)
		for (int m = 0; m < 2 && !err; m++)
			for (int p = 0; p < 3 && !err; p++)
				err = kernel_run(progs[p], p != 0, m ? KB_RANDOM : KB_HOT, o,
						 &v[m][p][round]);
	if (err) {
		fprintf(stderr, "kernel side failed: %d\n", err);
	} else {
		for (int m = 0; m < 2; m++) {
			double base = median(v[m][0], o->rounds);

			for (int p = 0; p < 3; p++) {
				double med = median(v[m][p], o->rounds);

				printf("kernel %-5s %-6s %.1f", names[p], m ? "random" : "hot",
				       med);
				if (p)
					printf(" net %.1f", med - base);
				printf(" (min %.1f max %.1f)\n", v[m][p][0],
				       v[m][p][o->rounds - 1]);
			}
		}
	}
	for (int m = 0; m < 2; m++)
		for (int p = 0; p < 3; p++)
			free(v[m][p]);
	return err;
}

/* User-space lookups: which = 0 htab_read, 1 htab_find, 2 bpf_map_lookup_elem. */
static int user_run(int which, __u32 mode, const __u8 (*keys)[KB_KLEN], const struct opts *o,
		    double *ns)
{
	struct htab *h = (struct htab *)&ARENA_HDR->db[0];
	int hfd = bpf_map__fd(skel->maps.kb_hash);
	__u32 n = which == 2 ? o->sys_n : o->user_n, vlen, idx = 0;
	__u64 x = 0x9e3779b97f4a7c15ULL, t0, hits = 0, now = kb_now_ns(), sum = 0;
	__u8 buf[KB_VAL_MAX];

	t0 = kb_now_ns();
	for (__u32 i = 0; i < n; i++) {
		if (mode == KB_RANDOM) {
			x = kb_xorshift(x);
			idx = (__u32)(x % o->keys);
		}
		if (which == 0) {
			hits += htab_read(h, keys[idx], KB_KLEN, now, buf, sizeof(buf), &vlen) == 0;
			sum += buf[0];
		} else if (which == 1) {
			struct kv_entry *e = htab_find(h, keys[idx], KB_KLEN);

			hits += e != NULL;
			sum += e ? e->vlen : 0;
		} else {
			hits += bpf_map_lookup_elem(hfd, keys[idx], buf) == 0;
			sum += buf[0];
		}
	}
	*ns = (double)(kb_now_ns() - t0) / n;
	if (hits != n) {
		fprintf(stderr, "user %d: %llu hits of %u (sum %llu)\n", which,
			(unsigned long long)hits, n, (unsigned long long)sum);
		return -EIO;
	}
	return 0;
}

static int user_side(const struct opts *o)
{
	static const char *const names[3] = {"htab_read", "htab_find", "syscall"};
	__u8(*keys)[KB_KLEN] = malloc((size_t)o->keys * KB_KLEN);
	double *v[2][3];
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (__u32 i = 0; i < o->keys; i++)
		kb_key_of(i, keys[i]);
	for (int m = 0; m < 2; m++)
		for (int w = 0; w < 3; w++)
			v[m][w] = calloc(o->rounds, sizeof(double));
	for (__u32 round = 0; round < o->rounds && !err; round++)
		for (int m = 0; m < 2 && !err; m++)
			for (int w = 0; w < 3 && !err; w++)
				err = user_run(w, m ? KB_RANDOM : KB_HOT,
					       (const __u8(*)[KB_KLEN])keys, o, &v[m][w][round]);
	if (!err)
		for (int m = 0; m < 2; m++)
			for (int w = 0; w < 3; w++) {
				double med = median(v[m][w], o->rounds);

				printf("user   %-9s %-6s %.1f (min %.1f max %.1f)\n", names[w],
				       m ? "random" : "hot", med, v[m][w][0],
				       v[m][w][o->rounds - 1]);
			}
	for (int m = 0; m < 2; m++)
		for (int w = 0; w < 3; w++)
			free(v[m][w]);
	free(keys);
	return err;
}

int main(int argc, char **argv)
{
	struct opts o = {.keys = 100000,
			 .batch = 256,
			 .repeat = 400,
			 .rounds = 5,
			 .user_n = 4000000,
			 .sys_n = 400000,
			 .cpu = 1};
	int c, err;

	while ((c = getopt(argc, argv, "k:b:r:R:u:s:c:")) != -1) {
		unsigned long v = strtoul(optarg, NULL, 0);

		switch (c) {
		case 'k':
			o.keys = (__u32)v;
			break;
		case 'b':
			o.batch = (__u32)v;
			break;
		case 'r':
			o.repeat = (__u32)v;
			break;
		case 'R':
			o.rounds = (__u32)v;
			break;
		case 'u':
			o.user_n = (__u32)v;
			break;
		case 's':
			o.sys_n = (__u32)v;
			break;
		case 'c':
			o.cpu = atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-k keys] [-b batch] [-r repeat] [-R rounds] "
				"[-u user_n] [-s syscall_n] [-c cpu]\n",
				argv[0]);
			return 2;
		}
	}
	if (!o.keys || !o.batch || o.batch > KB_BATCH_MAX || !o.repeat || !o.rounds || !o.user_n ||
	    !o.sys_n) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	if (geteuid() != 0) {
		printf("skip: BPF arenas need root\n");
		return 77;
	}
	err = kb_pin(o.cpu);
	if (err)
		fprintf(stderr, "pin to CPU %d: %d (running unpinned)\n", o.cpu, err);
	if (arena_setup("bpf")) {
		printf("skip: arena_setup(\"bpf\") failed: no BPF arena here\n");
		return 77;
	}
	err = kb_arena_fill(0, o.keys);
	if (err) {
		fprintf(stderr, "arena fill: %d\n", err);
		goto cleanup;
	}
	skel = kb_open(o.keys, 2 /* XDP_PASS, unused */, 0);
	if (!skel) {
		err = -EINVAL;
		goto cleanup;
	}
	err = kb_fill_maps(skel, o.keys, 1);
	if (err) {
		fprintf(stderr, "map fill: %d\n", err);
		goto cleanup;
	}
	printf("# keys %u klen %d vlen %d batch %u repeat %u rounds %u cpu %d load %.2f\n", o.keys,
	       KB_KLEN, KB_VLEN, o.batch, o.repeat, o.rounds, o.cpu, kb_loadavg());
	err = kernel_side(&o);
	if (!err)
		err = user_side(&o);
	printf("# load %.2f at the end\n", kb_loadavg());
cleanup:
	kbench__destroy(skel);
	arena_teardown();
	return err ? 1 : 0;
}
