/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * unit_test.h - the one check harness of the C tests (tests/unit/ and, through bpf_test.h,
 * tests/bpf/).
 *
 * Every test is one executable: it counts passed and failed checks, prints one stderr line per
 * failed check (file, line, the condition; CHECK_MSG stops after UT_MAX_FAIL_LINES of them),
 * ends with ut_done(), which prints the summary "N passed, M failed" on its own line and
 * returns the exit code: 0 when nothing failed, 1 otherwise (77, a skip, is decided by the test
 * itself, e.g. bpf_test_require_arena()).
 *
 * Invariants: the counters are per executable (static, this header is included by exactly one
 * .c file per test) and updated atomically, so checks may run on several threads at once;
 * ut_done() is called once, after every thread has been joined.
 */
#ifndef ARENAKV_TESTS_UNIT_TEST_H
#define ARENAKV_TESTS_UNIT_TEST_H

#include <stdio.h>

/* CHECK_MSG failures after this many are still counted but no longer printed. */
#ifndef UT_MAX_FAIL_LINES
#define UT_MAX_FAIL_LINES 50
#endif

static int ut_passed, ut_failed;

/* Count a passed check. */
static inline void ut_pass(void)
{
	__atomic_fetch_add(&ut_passed, 1, __ATOMIC_RELAXED);
}

/* Count a failed check; returns nonzero while its line should still be printed. */
static inline int ut_fail(void)
{
	return __atomic_fetch_add(&ut_failed, 1, __ATOMIC_RELAXED) < UT_MAX_FAIL_LINES;
}

/* CHECK(cond): one check, every failure reported as "file:line: FAILED: cond". */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			ut_pass();                                                                 \
		} else {                                                                           \
			(void)ut_fail();                                                           \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);         \
		}                                                                                  \
	} while (0)

/*
 * CHECK_MSG(cond, fmt, ...): the same with a printf-style explanation after the condition; for
 * tests that run millions of checks, only the first UT_MAX_FAIL_LINES failures are printed.
 */
#define CHECK_MSG(cond, ...)                                                                       \
	do {                                                                                       \
		if (cond) {                                                                        \
			ut_pass();                                                                 \
		} else if (ut_fail()) {                                                            \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

/* Print "N passed, M failed" (after any prefix the caller printed) and return the exit code. */
static inline int ut_done(void)
{
	printf("%d passed, %d failed\n", ut_passed, ut_failed);
	return ut_failed ? 1 : 0;
}

#endif /* ARENAKV_TESTS_UNIT_TEST_H */
