// SPDX-License-Identifier: BSD-2-Clause
/*
 * arenakv.bpf.c - the arena map and the kernel-side readers of the arenakv index.
 *
 * What lives here
 * ---------------
 *  - `arena`: the BPF_MAP_TYPE_ARENA map the whole keyspace lives in. max_entries is the number of
 *    pages of the sparse range (ARENA_MAX_PAGES: 4 GiB), map_extra pins the user-space address at
 *    ARENA_BASE. When the skeleton is loaded libbpf mmaps the map at exactly map_extra (MAP_FIXED),
 *    so the pointers user space stores in the arena are the values the kernel's addr_space_cast
 *    expects: no fix-ups on either side (index/arena.h). Pages are allocated by the kernel when
 *    user space first touches them (the map is created without BPF_F_SEGV_ON_FAULT); these
 *    programs never allocate or free arena pages, user space's allocator owns the layout, so no
 *    kfunc is used (BPF_NO_KFUNC_PROTOTYPES keeps vmlinux.h from declaring any).
 *  - akv_lookup: a key's value as the kernel reads it, through the index's lock-free reader.
 *  - akv_probe: reads the arena header; arena_setup() uses it to prove both sides see the same
 *    pages before the server starts.
 *  - akv_xxh: XXH64 over a buffer, so a test can prove index/xxhash.h compiled for BPF is
 *    bit-identical to libxxhash.
 *
 * All programs are SEC("syscall"): they run only when user space asks, through
 * bpf_prog_test_run_opts(), in process context (sleepable). Their ctx layouts are in bpf/arenakv.h.
 *
 * Verifier notes (what shaped this file; measured on 6.18 with clang-19)
 * ---------------------------------------------------------------------
 *  - A program that dereferences an arena pointer must reference the arena map, or the verifier
 *    refuses the compiler's addr_space_cast ("addr_space_cast insn can only be used in a program
 *    that has an associated arena"). arena_map_use() below is an empty asm that takes &arena, which
 *    is enough for libbpf to record the map as used by the program.
 *  - The ctx cannot be read or written at a variable offset, so variable-length input is copied out
 *    of it with bpf_probe_read_kernel() (the source of that helper may be any address) into a .bss
 *    array, and output goes to a .bss array (see bpf/arenakv.h).
 *  - Loops over .bss data are bounded by constants and unrolled by the verifier, ~30 processed
 *    instructions per byte of bound for xxh64; hence AKV_KEY_MAX. Buffers read after such a
 *    loop get slack (akv_in below).
 *
 * Concurrency: the .bss scratch arrays are shared by all runs; callers serialize runs
 * (server/arena_bpf.c holds a mutex around each one). The arena itself is read lock-free under the
 * index's seqlock contract (index/htab.h); these programs never write to it.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <asm-generic/errno.h>

#include "arenakv.h"
/*
 * Reader bounds and hooks for index/htab.h, set before it is included:
 *  - keys up to AKV_KEY_MAX are hashed and compared with the header's bounded byte loops;
 *  - value bytes are copied with ONE helper call instead of a byte loop (a loop bounded by a
 *    1 MiB chunk could never verify). The helper cannot take an arena pointer: casting an __arena
 *    pointer to a plain one gives the verifier's 32-bit arena offset, not a kernel address (the
 *    JIT adds the arena's kernel base only inside arena loads and stores). But the arena is also
 *    mapped at ARENA_BASE in the process that runs the program (the server, or a test), and the
 *    pointers stored in the arena are in that user form, so bpf_copy_from_user() on the user-form
 *    address reads the very same pages. The program is sleepable (syscall), so the copy may fault.
 *    Consequence: akv_lookup must be run by the process that mapped the arena. Run from a process
 *    with nothing mapped there, the copy fails and the read is reported in doubt; a process with
 *    something else mapped at ARENA_BASE would get those bytes, so the program fd is never
 *    shared or pinned.
 */
#define XXH64_BPF_MAX_LEN	   AKV_KEY_MAX
#define HTAB_READ_KEY_MAX	   AKV_KEY_MAX
#define HTAB_READ_VAL_MAX	   AKV_VAL_CHUNK
#define HTAB_COPY_OUT(dst, src, n) bpf_copy_from_user((dst), (n), (const void *)arena_addr(src))
#include "layout.h"

#include "arena_map.h" /* the arena map: this object creates it (server/arena_bpf.c loads it first) */


/*
 * Input staging: variable-length ctx bytes are copied here before being read at variable offsets.
 * 32 bytes of slack: after xxh64's stripe loop the verifier no longer relates how far the input
 * pointer advanced to the tail length (len & 31), so for len = AKV_KEY_MAX it assumes the tail
 * loops may read up to 31 bytes past the end (measured: "invalid access to map value,
 * value_size=1024 off=1024" without the slack).
 */
static __u8 akv_in[AKV_KEY_MAX + 32];

/* Output of akv_lookup: value bytes [val_off, val_off + copied). Not static, so the skeleton
 * exposes it to user space as skel->bss->akv_val. */
__u8 akv_val[AKV_VAL_CHUNK];

SEC("syscall")
int akv_probe(struct akv_probe_args *a)
{
	struct arena_hdr __arena *hdr = ARENA_HDR;

	arena_map_use();
	a->magic = hdr->magic;
	a->base = hdr->base;
	a->layout_version = hdr->layout_version;
	a->status = 0;
	return 0;
}

SEC("syscall")
int akv_xxh(struct akv_xxh_args *a)
{
	__u32 len = a->len;

	if (len > AKV_KEY_MAX) {
		a->status = -EINVAL;
		return 0;
	}
	if (bpf_probe_read_kernel(akv_in, len, a->data)) {
		a->status = -EFAULT;
		return 0;
	}
	a->hash = xxh64(akv_in, len, a->seed);
	a->status = 0;
	return 0;
}

/*
 * akv_lookup - look a key up in a database's table, as the kernel sees the arena, through the
 * index's lock-free reader (htab_read_at, one attempt: user space re-runs the program while the
 * answer is -EAGAIN). Expiry is judged against this program's own CLOCK_MONOTONIC.
 */
SEC("syscall")
int akv_lookup(struct akv_lookup_args *a)
{
	struct arena_hdr __arena *hdr = ARENA_HDR;
	struct htab_read_res res;
	__u32 db = a->db, klen = a->klen;
	int err;

	arena_map_use();
	a->copied = 0;
	a->vlen = 0;
	a->entry = 0;
	a->seq = 0;
	a->now_ns = bpf_ktime_get_ns();
	if (db >= ARENA_MAX_DBS || hdr->magic != ARENA_MAGIC ||
	    hdr->layout_version != ARENA_LAYOUT_VERSION) {
		a->status = -EINVAL;
		return 0;
	}
	if (klen > AKV_KEY_MAX) {
		a->status = -E2BIG;
		return 0;
	}
	if (bpf_probe_read_kernel(akv_in, klen, a->key)) {
		a->status = -EFAULT;
		return 0;
	}
	err = htab_read_at(&hdr->db[db], akv_in, klen, a->now_ns, a->val_off, akv_val,
			   AKV_VAL_CHUNK, &res);
	a->status = err;
	if (!err) {
		a->vlen = res.vlen;
		a->entry = res.entry;
		a->seq = res.seq;
		a->copied = res.copied;
	}
	return 0;
}

/* GPL-compatible (the kernel accepts "Dual BSD/GPL") so GPL-only helpers such as
 * bpf_probe_read_kernel() are allowed; the code itself is BSD-2-Clause like the rest of the tree.
 */
char _license[] SEC("license") = "Dual BSD/GPL";
