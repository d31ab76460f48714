// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_xxhash_bpf.c - the XXH64 the kernel computes equals libxxhash's XXH64, bit for bit.
 *
 * Why: a key's bucket is hash & mask. If the BPF build of index/xxhash.h differed from the
 * library the server hashes with by a single bit for some length, the kernel would look for
 * that key in the wrong chain and report a miss. So every length the BPF side supports
 * (0..AKV_KEY_MAX, i.e. every stripe/tail combination) is checked against the library, with
 * several seeds (0, all ones, the table's seeds if any, random ones) and several data patterns
 * (random, all zero, all 0xff, counting bytes). The program runs through
 * bpf_prog_test_run_opts() exactly as the server runs it.
 *
 * The skeleton is loaded directly, not through arena_setup(): this test needs no index.
 * Exit 77 when the process cannot create a BPF arena (bpf_test.h).
 */
#include <stdio.h>
#include <string.h>

#include "bpf_test.h"
#include "arenakv.h"
#include "arenakv.skel.h"
#include "xxhash.h" /* index/xxhash.h: xxh64() and the libxxhash XXH64() prototype */

static int run_xxh(struct arenakv *skel, struct akv_xxh_args *a)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = a, .ctx_size_in = sizeof(*a));
	int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.akv_xxh), &opts);

	return err ? err : (int)opts.retval;
}

static void fill(__u8 *p, size_t n, int pattern)
{
	for (size_t i = 0; i < n; i++) {
		switch (pattern) {
		case 0:
			p[i] = (__u8)bt_rand64();
			break;
		case 1:
			p[i] = 0;
			break;
		case 2:
			p[i] = 0xff;
			break;
		default:
			p[i] = (__u8)i;
			break;
		}
	}
}

int main(void)
{
	static struct akv_xxh_args a;
	struct arenakv *skel;
	__u64 seeds[6] = {0, ~0ULL, 1, 0x9E3779B185EBCA87ULL, 0, 0};
	int nseeds = 6, err;

	setvbuf(stdout, NULL, _IONBF, 0);
	bpf_test_require_arena();

	skel = arenakv__open_and_load();
	CHECK_MSG(skel != NULL, "arenakv__open_and_load: %s", strerror(errno));
	if (!skel)
		return ut_done();

	{
		struct bpf_prog_info info;
		__u32 ilen = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_prog_get_info_by_fd(bpf_program__fd(skel->progs.akv_xxh), &info, &ilen))
			printf(
			    "akv_xxh: %u instructions, %u processed by the verifier (bound %d)\n",
			    info.xlated_prog_len / 8, info.verified_insns, AKV_KEY_MAX);
	}

	for (__u32 len = 0; len <= AKV_KEY_MAX; len++) {
		seeds[4] = bt_rand64();
		seeds[5] = bt_rand64();
		for (int s = 0; s < nseeds; s++) {
			memset(&a, 0xa5, sizeof(a)); /* bytes past len must not matter */
			fill(a.data, len, (int)((len + s) % 4));
			a.len = len;
			a.seed = seeds[s];
			a.hash = 0;
			err = run_xxh(skel, &a);
			CHECK_MSG(err == 0 && a.status == 0, "len %u seed %d: run %d status %d",
				  len, s, err, a.status);
			CHECK_MSG(a.hash == XXH64(a.data, len, seeds[s]),
				  "len %u seed 0x%llx: bpf 0x%llx libxxhash 0x%llx", len,
				  (unsigned long long)seeds[s], (unsigned long long)a.hash,
				  (unsigned long long)XXH64(a.data, len, seeds[s]));
			/* And the user-space build of the same header agrees too. */
			CHECK_MSG(xxh64(a.data, len, seeds[s]) == a.hash, "user xxh64 len %u", len);
		}
	}

	/* Longer than the BPF bound: refused, not silently truncated. */
	a.len = AKV_KEY_MAX + 1;
	a.status = 0;
	err = run_xxh(skel, &a);
	CHECK_MSG(err == 0 && a.status == -EINVAL, "len %u: status %d, want -EINVAL", a.len,
		  a.status);

	arenakv__destroy(skel);
	return ut_done();
}
