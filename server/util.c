// SPDX-License-Identifier: BSD-2-Clause
/*
 * util.c - Redis-exact number parsing/printing and glob matching (see util.h).
 *
 * Integers. Redis accepts exactly one spelling per value: "-" then digits without leading
 * zeros, "0" alone, nothing else (no '+', no spaces, no "-0", no "00"). That strictness is
 * observable (INCR on " 1" fails, SET EX 010 fails), so string2ll() checks every byte
 * itself instead of trusting strtoll(). Overflow is detected before the multiply.
 *
 * Floats. Redis delegates to strtod()/strtold() and then rejects what it does not want:
 * a leading space (strtod would skip it), trailing garbage, NaN, and ERANGE results that
 * overflowed to +-HUGE_VAL or underflowed to 0. Denormals that strtod flags with ERANGE
 * but returns non-zero are accepted. Arguments are not NUL-terminated, so the bytes are
 * copied into a NUL-terminated buffer first (stack for the common case).
 *
 * Printing. d2string() prints small exact integers through ll2string() (no exponent, no
 * ".0") and everything else with "%.17g", so that the text round-trips to the same double.
 * ld2string(LD_STR_HUMAN) is INCRBYFLOAT's format: "%.17Lf" with trailing zeros cut.
 *
 * Glob. stringmatchlen() has Redis's exact behaviour including its quirks (a '-' right
 * before ']' forms a range ending in ']'; an unterminated '[' class ends at the pattern
 * end; an escape inside a class compares case-sensitively even with nocase; "*" does not
 * match the empty string because the main loop needs a byte of input). It is a recursive
 * backtracker with Redis's "skip longer matches" cut: once the rest of the pattern after a
 * '*' failed at every position, no earlier '*' can help, so the whole match fails at once.
 * That keeps patterns like "a*a*a*a*b" linear-ish instead of exponential. Recursion depth is
 * capped at 1000 nested '*' (as newer Redis versions do) so a hostile pattern cannot blow
 * the stack.
 *
 * Only ASCII letters are folded for nocase: the server runs in the C locale, where
 * tolower() is the identity for every other byte, and Redis compares signed chars in class
 * ranges; we reproduce that by converting bytes to signed char before comparing ranges.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "util.h"

/* p[i, slen) as decimal digits into *v (0 <= i < slen): 0, -EINVAL (a non-digit) or -ERANGE
 * (over ULLONG_MAX). The one digit loop of string2ll() and string2ull(). */
static int util_digits(const unsigned char *p, size_t i, size_t slen, unsigned long long *v)
{
	unsigned long long x = 0;

	for (; i < slen; i++) {
		unsigned d;

		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		d = p[i] - '0';
		if (x > (ULLONG_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int string2ll(const char *s, size_t slen, long long *value)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long long v;
	size_t i = 0;
	int neg = 0, err;

	if (slen == 0 || slen >= LONG_STR_SIZE)
		return -EINVAL;
	if (slen == 1 && p[0] == '0') {
		if (value)
			*value = 0;
		return 0;
	}
	if (p[0] == '-') {
		neg = 1;
		i++;
		if (i == slen)
			return -EINVAL;
	}
	/* First digit must be 1-9: rejects leading zeros, "-0", "+1", " 1". */
	if (p[i] < '1' || p[i] > '9')
		return -EINVAL;
	err = util_digits(p, i, slen, &v);
	if (err)
		return err;
	if (neg) {
		if (v > (unsigned long long)LLONG_MAX + 1)
			return -ERANGE;
		if (value)
			*value = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	} else {
		if (v > (unsigned long long)LLONG_MAX)
			return -ERANGE;
		if (value)
			*value = (long long)v;
	}
	return 0;
}

int string2l(const char *s, size_t slen, long *value)
{
	long long ll;
	int ret = string2ll(s, slen, &ll);

	if (ret)
		return ret;
	if (ll < LONG_MIN || ll > LONG_MAX)
		return -ERANGE;
	if (value)
		*value = (long)ll;
	return 0;
}

int string2ull(const char *s, size_t slen, unsigned long long *value)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long long v;
	int err;

	if (slen == 0 || slen >= LONG_STR_SIZE)
		return -EINVAL;
	if (slen > 1 && p[0] == '0')
		return -EINVAL;
	err = util_digits(p, 0, slen, &v);
	if (err)
		return err;
	if (value)
		*value = v;
	return 0;
}

/* Copy (s, slen) into a NUL-terminated buffer: stack if it fits, heap otherwise. */
static char *util_cstr(const char *s, size_t slen, char *stackbuf, size_t stacklen)
{
	char *b = stackbuf;

	if (slen >= stacklen) {
		b = malloc(slen + 1);
		if (!b)
			return NULL;
	}
	memcpy(b, s, slen);
	b[slen] = '\0';
	return b;
}

int string2ld(const char *s, size_t slen, long double *dp)
{
	char buf[MAX_LONG_DOUBLE_CHARS];
	long double v;
	char *end;

	/* Redis refuses inputs of MAX_LONG_DOUBLE_CHARS or more outright. */
	if (slen == 0 || slen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slen);
	buf[slen] = '\0';
	if (isspace((unsigned char)buf[0]))
		return -EINVAL;
	errno = 0;
	v = strtold(buf, &end);
	if ((size_t)(end - buf) != slen || isnan(v) || errno == EINVAL)
		return -EINVAL;
	if (errno == ERANGE && (isinf(v) || fpclassify(v) == FP_ZERO))
		return -ERANGE;
	if (dp)
		*dp = v;
	return 0;
}

int string2d(const char *s, size_t slen, double *dp)
{
	char stackbuf[256];
	char *buf, *end;
	int ret = 0;
	double v;

	if (slen == 0 || isspace((unsigned char)s[0]))
		return -EINVAL;
	buf = util_cstr(s, slen, stackbuf, sizeof(stackbuf));
	if (!buf)
		return -ENOMEM;
	errno = 0;
	v = strtod(buf, &end);
	if ((size_t)(end - buf) != slen || isnan(v))
		ret = -EINVAL;
	else if (errno == ERANGE && (isinf(v) || fpclassify(v) == FP_ZERO))
		ret = -ERANGE;
	if (buf != stackbuf)
		free(buf);
	if (!ret && dp)
		*dp = v;
	return ret;
}

int digits10(unsigned long long v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

size_t ull2string(char *dst, size_t dstlen, unsigned long long v)
{
	int n = digits10(v);
	int i;

	if ((size_t)n + 1 > dstlen)
		return 0;
	dst[n] = '\0';
	for (i = n - 1; i >= 0; i--) {
		dst[i] = '0' + (char)(v % 10);
		v /= 10;
	}
	return (size_t)n;
}

size_t ll2string(char *dst, size_t dstlen, long long v)
{
	unsigned long long u;
	size_t n;

	if (v >= 0)
		return ull2string(dst, dstlen, (unsigned long long)v);
	/* Negate in unsigned arithmetic: -LLONG_MIN does not fit a long long. */
	u = (unsigned long long)(-(v + 1)) + 1;
	if (dstlen < 2)
		return 0;
	n = ull2string(dst + 1, dstlen - 1, u);
	if (!n)
		return 0;
	dst[0] = '-';
	return n + 1;
}

size_t d2string(char *dst, size_t dstlen, double v)
{
	int n;

	if (isnan(v)) {
		n = snprintf(dst, dstlen, "nan");
	} else if (isinf(v)) {
		n = snprintf(dst, dstlen, v < 0 ? "-inf" : "inf");
	} else if (v == 0) {
		/* Keep the sign of zero: 1/-0 is -inf. */
		n = snprintf(dst, dstlen, 1.0 / v < 0 ? "-0" : "0");
	} else if (v > -4503599627370495.0 && v < 4503599627370496.0 && v == (double)(long long)v) {
		/* |v| < 2^52 and integral: exactly representable, print as an integer. */
		return ll2string(dst, dstlen, (long long)v);
	} else {
		n = snprintf(dst, dstlen, "%.17g", v);
	}
	if (n < 0 || (size_t)n + 1 > dstlen)
		return 0;
	return (size_t)n;
}

size_t ld2string(char *dst, size_t dstlen, long double v, enum ld2string_mode mode)
{
	size_t l;
	int n;

	if (isinf(v)) {
		const char *s = v > 0 ? "inf" : "-inf";

		/* Redis demands room for "-inf" plus NUL whatever the sign. */
		if (dstlen < 5)
			return 0;
		l = strlen(s);
		memcpy(dst, s, l + 1);
		return l;
	}
	switch (mode) {
	case LD_STR_AUTO:
		n = snprintf(dst, dstlen, "%.17Lg", v);
		break;
	case LD_STR_HEX:
		n = snprintf(dst, dstlen, "%La", v);
		break;
	case LD_STR_HUMAN:
	default:
		n = snprintf(dst, dstlen, "%.17Lf", v);
		if (n < 0 || (size_t)n + 1 > dstlen)
			return 0;
		l = (size_t)n;
		/* Cut trailing zeros of the fraction, then a dangling '.'. */
		if (memchr(dst, '.', l)) {
			while (l > 0 && dst[l - 1] == '0')
				l--;
			if (l > 0 && dst[l - 1] == '.')
				l--;
		}
		/* "-0.00000000000000000" would become "-0": Redis prints "0". */
		if (l == 2 && dst[0] == '-' && dst[1] == '0') {
			dst[0] = '0';
			l = 1;
		}
		dst[l] = '\0';
		return l;
	}
	if (n < 0 || (size_t)n + 1 > dstlen)
		return 0;
	return (size_t)n;
}

/* ---- glob ---- */

/* Fold as tolower() does in the C locale, on Redis's signed-char values. */
static inline int util_fold(int ch)
{
	return (ch >= 'A' && ch <= 'Z') ? ch + ('a' - 'A') : ch;
}

#define GLOB_MAX_NESTING 1000

/*
 * One matching attempt of pattern p[0..pl) against s[0..sl). *skip_longer is set when a
 * '*' exhausted the string without matching the rest: every caller up the stack then
 * fails at once (see the top comment). The pointer/length steps mirror Redis exactly,
 * because its quirks (ranges ending in ']', unterminated classes) depend on them.
 */
static int glob_match(const char *p, size_t pl, const char *s, size_t sl, int nocase,
		      int *skip_longer, int nesting)
{
	if (nesting > GLOB_MAX_NESTING)
		return 0;

	while (pl && sl) {
		switch (p[0]) {
		case '*':
			/* Collapse runs of '*'. */
			while (pl >= 2 && p[1] == '*') {
				p++;
				pl--;
			}
			if (pl == 1)
				return 1; /* trailing '*' eats the rest */
			while (sl) {
				if (glob_match(p + 1, pl - 1, s, sl, nocase, skip_longer,
					       nesting + 1))
					return 1;
				if (*skip_longer)
					return 0;
				s++;
				sl--;
			}
			*skip_longer = 1;
			return 0;
		case '?':
			s++;
			sl--;
			break;
		case '[': {
			int negate, match = 0;

			p++;
			pl--;
			negate = pl && p[0] == '^';
			if (negate) {
				p++;
				pl--;
			}
			for (;;) {
				if (pl == 0) {
					/* Unterminated class: step back so the common
					 * advance below lands exactly on the end. */
					p--;
					pl++;
					break;
				} else if (p[0] == '\\' && pl >= 2) {
					p++;
					pl--;
					if (p[0] == s[0])
						match = 1;
				} else if (p[0] == ']') {
					break;
				} else if (pl >= 3 && p[1] == '-') {
					int lo = (signed char)p[0];
					int hi = (signed char)p[2];
					int ch = (signed char)s[0];

					if (lo > hi) {
						int t = lo;

						lo = hi;
						hi = t;
					}
					if (nocase) {
						lo = util_fold(lo);
						hi = util_fold(hi);
						ch = util_fold(ch);
					}
					p += 2;
					pl -= 2;
					if (ch >= lo && ch <= hi)
						match = 1;
				} else if (nocase ? util_fold((signed char)p[0]) ==
							util_fold((signed char)s[0])
						  : p[0] == s[0]) {
					match = 1;
				}
				p++;
				pl--;
			}
			if (negate)
				match = !match;
			if (!match)
				return 0;
			s++;
			sl--;
			break;
		}
		case '\\':
			if (pl >= 2) {
				p++;
				pl--;
			}
			/* compare the escaped byte literally */
			__attribute__((fallthrough));
		default:
			if (nocase ? util_fold((signed char)p[0]) != util_fold((signed char)s[0])
				   : p[0] != s[0])
				return 0;
			s++;
			sl--;
			break;
		}
		p++;
		pl--;
		if (sl == 0) {
			/* String done: only '*'s may remain. */
			while (pl && p[0] == '*') {
				p++;
				pl--;
			}
			break;
		}
	}
	return pl == 0 && sl == 0;
}

int stringmatchlen(const char *pattern, size_t plen, const char *str, size_t slen, int nocase)
{
	int skip_longer = 0;

	return glob_match(pattern, plen, str, slen, nocase, &skip_longer, 0);
}

int strcaseeq(const char *p, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lit[i] == '\0')
			return 0;
		if (util_fold((unsigned char)p[i]) != util_fold((unsigned char)lit[i]))
			return 0;
	}
	return lit[n] == '\0';
}

int arg_is(const struct arg *a, const char *lit)
{
	return strcaseeq(a->ptr, a->len, lit);
}
