/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arena.h - the one place that knows how an arena pointer is spelled on each side.
 *
 * Every structure in index/ is compiled twice: by clang -target bpf for the kernel programs and by
 * gcc/clang for user space. In BPF, `__arena` is clang address space 1 and the compiler inserts
 * addr_space_cast instructions when such a pointer is dereferenced (the program must reference the
 * arena map for the verifier to accept them). In user space `__arena` is empty: the arena is mapped
 * at ARENA_BASE, so a pointer stored in the arena is a plain user pointer on both sides and no
 * fix-up ever happens. Pointers are always stored in this "user form" (ARENA_BASE's upper 32 bits
 * plus the page offset); the BPF JIT only looks at the lower 32 bits when it dereferences.
 *
 * Arena map (pages of ARENA_PAGE_SIZE bytes):
 *   page 0                 never used: its lower 32 bits are 0, which reads as NULL after a cast
 *   page 1                 struct arena_hdr (index/layout.h): magic, version, roots, allocator
 *   pages 2 .. 1025        the page map: one __u32 per arena page (kind + argument, alloc.h),
 *                          touched lazily, 4 KiB of map per 4 MiB of arena actually used
 *   pages 1026 ..          objects handed out by the allocator (index/alloc.h)
 *
 * Invariants every index/ file relies on:
 *  - The arena is mapped at ARENA_BASE (4 GiB aligned) and spans ARENA_SIZE bytes; the kernel
 *    converts a 32-bit arena offset to a user pointer by keeping ARENA_BASE's upper 32 bits.
 *  - Page 0 is never handed out and never written.
 *  - No page is ever given back to the kernel while the arena is mapped (see alloc.h), so a
 *    lock-free reader that follows a stale pointer below the high-water mark reads mapped memory.
 *  - Fixed-width types only (__u8 .. __u64, __s64) so both compilers agree on every layout.
 */
#ifndef ARENAKV_ARENA_H
#define ARENAKV_ARENA_H

#if defined(__BPF__) || defined(__bpf__)
#define ARENA_BPF 1
/* vmlinux.h and bpf_helpers.h are included by the .bpf.c file before any index/ header. */
#ifndef __arena
#define __arena __attribute__((address_space(1)))
#endif
/* Globals placed in the arena itself (clang puts address-space-1 globals in .addr_space.1). */
#ifndef __arena_global
#define __arena_global __attribute__((address_space(1)))
#endif
/*
 * With __BPF_FEATURE_ADDR_SPACE_CAST clang emits the casts itself when an __arena pointer is
 * dereferenced, so the explicit casts of the kernel selftests are no-ops here. They exist so code
 * that must name the direction (cast_kern before a deref, cast_user before storing a pointer) says
 * so, and so an older compiler fails loudly instead of miscompiling.
 */
#ifndef __BPF_FEATURE_ADDR_SPACE_CAST
#error "arenakv needs clang >= 19 with __BPF_FEATURE_ADDR_SPACE_CAST (clang-19 -target bpf)"
#endif
#define arena_cast_kern(p) (p)
#define arena_cast_user(p) (p)
/*
 * BPF has no fence instruction (clang cannot select __sync_synchronize for it). The JITs that run
 * arenakv (x86-64) keep loads ordered with loads and stores with stores, so a compiler barrier
 * is what a reader's rmb needs; BPF code never writes the index, so wmb is never needed here.
 */
#define arena_barrier()	       asm volatile("" ::: "memory")
#define arena_read_once(x)     (*(volatile typeof(x) *)&(x))
#define arena_write_once(x, v) (*(volatile typeof(x) *)&(x) = (v))
#define arena_smp_rmb()	       arena_barrier()
#define arena_smp_wmb()	       arena_barrier()
#else
#define ARENA_BPF 0
#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#ifndef __arena
#define __arena
#endif
#ifndef __arena_global
#define __arena_global
#endif
#define arena_cast_kern(p)     (p)
#define arena_cast_user(p)     (p)
#define arena_barrier()	       __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define arena_read_once(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define arena_write_once(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define arena_smp_rmb()	       __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define arena_smp_wmb()	       __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

/*
 * The reader's two steps of every seqlock in the index (an entry's, a sorted set's, the keyspace
 * write count): seq is the counter's lvalue, odd while a writer is inside. arena_seq_begin: its
 * value, then a read barrier before the protected reads. arena_seq_retry(seq, s), after them: a
 * read barrier, then nonzero when s was odd or the counter moved (what was read may be torn or
 * stale: discard it).
 */
#define arena_seq_begin(seq)                                                                       \
	({                                                                                         \
		__typeof__((seq) + 0) s__ = arena_read_once(seq);                                  \
		arena_smp_rmb();                                                                   \
		s__;                                                                               \
	})
#define arena_seq_retry(seq, s)                                                                    \
	({                                                                                         \
		arena_smp_rmb();                                                                   \
		((s)&1) || arena_read_once(seq) != (s);                                            \
	})

#ifndef ARENA_BASE
#define ARENA_BASE (1ULL << 44) /* user address of arena page 0; 4 GiB aligned */
#endif
#define ARENA_PAGE_SIZE	     4096ULL
#define ARENA_PAGE_SHIFT     12
#define ARENA_SIZE	     (1ULL << 32) /* whole sparse range, reserved at start */
#define ARENA_MAX_PAGES	     (ARENA_SIZE / ARENA_PAGE_SIZE) /* BPF map max_entries */
#define ARENA_HDR_PAGE	     1ULL
#define ARENA_PMAP_PAGE	     2ULL /* first page of the page map */
#define ARENA_PMAP_PAGES     (ARENA_MAX_PAGES * 4 / ARENA_PAGE_SIZE) /* 1024: a __u32 per page */
#define ARENA_FIRST_OBJ_PAGE (ARENA_PMAP_PAGE + ARENA_PMAP_PAGES)    /* 1026 */

/* Integer value of an arena pointer (user form), and back. */
#define arena_addr(p)	      ((__u64)(unsigned long)(p))
#define arena_ptr(type, addr) ((type __arena *)(unsigned long)(addr))
/* Page number of an arena address; only the lower 32 bits matter (4 GiB aligned base). */
#define arena_pgno(p) ((__u32)arena_addr(p) >> ARENA_PAGE_SHIFT)
/* Offset inside its page. */
#define arena_pgoff(p) ((__u32)arena_addr(p) & (__u32)(ARENA_PAGE_SIZE - 1))
/* User-form address of page pg. */
#define arena_page_addr(pg) (ARENA_BASE + ((__u64)(pg) << ARENA_PAGE_SHIFT))

/* True when p lies in the arena's object range (above the header and page map). */
#define arena_ptr_ok(p)                                                                            \
	(arena_addr(p) >= ARENA_BASE + ARENA_FIRST_OBJ_PAGE * ARENA_PAGE_SIZE &&                   \
	 arena_addr(p) < ARENA_BASE + ARENA_SIZE)

#if !ARENA_BPF
/*
 * Broken invariants abort with file and line (style rule 6). Used by the writer side only; a
 * reader never aborts, it reports a miss.
 */
void arena_panic(const char *file, int line, const char *what) __attribute__((noreturn));
#define ARENA_ASSERT(cond)                                                                         \
	do {                                                                                       \
		if (__builtin_expect(!(cond), 0))                                                  \
			arena_panic(__FILE__, __LINE__, #cond);                                    \
	} while (0)
#endif

#endif /* ARENAKV_ARENA_H */
