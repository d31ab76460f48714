/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util.h - number <-> string conversions and glob matching with Redis 7's exact rules.
 *
 * Why our own: clients see the results (INCR on "01" must fail, INCRBYFLOAT must print
 * "10.5" not "1.05e1", KEYS/SCAN MATCH must agree with Redis on "[a-]" and "\\*"), so
 * libc's lenient strtoll()/printf() are not enough on their own.
 *
 * Inputs are (pointer, length) pairs: arguments point into the query buffer and are not
 * NUL-terminated. No function here keeps state; all are reentrant.
 *
 * RETURN CONVENTION (team rule, differs from Redis!): the parsers return 0 on success and
 * -EINVAL (malformed) or -ERANGE (out of range) on failure; test with `if (string2ll(..))`
 * meaning "failed". The printers return the length written (not counting the NUL they
 * always add) or 0 when dst is too small. stringmatchlen() is a predicate: 1 = match.
 */
#ifndef ARENAKV_UTIL_H
#define ARENAKV_UTIL_H

#include <stddef.h>

#define LONG_STR_SIZE	      21	 /* digits of LLONG_MIN + sign, no NUL */
#define MAX_LONG_DOUBLE_CHARS (5 * 1024) /* "%.17Lf" of the largest long double fits */
#define MAX_D2STRING_CHARS    128

/* Strict integer parsing as Redis string2ll(): optional '-', then digits with no leading
 * zero (except "0" itself); no '+', no spaces, no "-0", at most 20 characters.
 * 0 / -EINVAL / -ERANGE. */
int string2ll(const char *s, size_t slen, long long *value);
/* Same, range-checked for long. */
int string2l(const char *s, size_t slen, long *value);
/* Unsigned: digits only, no sign, no leading zero; 0 / -EINVAL / -ERANGE. */
int string2ull(const char *s, size_t slen, unsigned long long *value);

/* Floats as Redis string2ld()/string2d(): strtold/strtod over the whole string; rejects
 * empty input, a leading space, trailing bytes, NaN, and overflow/underflow (ERANGE with
 * +-HUGE_VAL or 0). Accepts what strtod accepts: "1e3", "0x10", "inf", "-infinity".
 * Callers that must reject infinity (INCRBYFLOAT result) check isinf() themselves. */
int string2ld(const char *s, size_t slen, long double *dp);
int string2d(const char *s, size_t slen, double *dp);

/* Printers. */
size_t ll2string(char *dst, size_t dstlen, long long v);
size_t ull2string(char *dst, size_t dstlen, unsigned long long v);
/* Redis d2string(): "nan", "inf", "-inf", "0"/"-0", exact integers in (-2^52, 2^52) as
 * integers, otherwise "%.17g". */
size_t d2string(char *dst, size_t dstlen, double v);

enum ld2string_mode {
	LD_STR_AUTO,  /* "%.17Lg" */
	LD_STR_HUMAN, /* "%.17Lf" minus trailing zeros (and '.'); "-0" -> "0" (INCRBYFLOAT) */
	LD_STR_HEX,   /* "%La" */
};
/* Redis ld2string(); dstlen should be MAX_LONG_DOUBLE_CHARS for LD_STR_HUMAN. */
size_t ld2string(char *dst, size_t dstlen, long double v, enum ld2string_mode mode);

/* Glob match exactly as Redis stringmatchlen(): '*', '?', '[abc]', '[^a-z]', '[a-]',
 * '\\x' escapes (also inside brackets); nocase folds with tolower(). Bounded: a pattern
 * with more than 1000 nested '*' levels does not match (Redis's protection). 1 = match. */
int stringmatchlen(const char *pattern, size_t plen, const char *str, size_t slen, int nocase);
static inline int stringmatch(const char *pattern, const char *str, int nocase);

/* Case-insensitive equality of (p, n) with a NUL-terminated literal. 1 = equal. */
int strcaseeq(const char *p, size_t n, const char *lit);
/* Same for a command argument: if (arg_is(&c->argv[2], "nx")) ... 1 = equal. */
struct arg;
int arg_is(const struct arg *a, const char *lit);

/* Number of decimal digits of v (1..20). */
int digits10(unsigned long long v);

#include <string.h>
static inline int stringmatch(const char *pattern, const char *str, int nocase)
{
	return stringmatchlen(pattern, strlen(pattern), str, strlen(str), nocase);
}

#endif /* ARENAKV_UTIL_H */
