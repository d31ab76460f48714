/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * splitargs.h - Redis's sdssplitargs() quoting rules, one argument at a time: the one
 * implementation behind inline requests and config lines (server/resp.c, resp_split_args)
 * and arenakv-cli's batch lines (client/cli.c), so that a line splits the same way wherever
 * it is typed.
 *
 * Rules (Redis 7.0): blanks (isspace in the C locale) separate arguments; "double quotes"
 * understand \n \r \t \b \a, \xHH and \<any> (that character); 'single quotes' only \'; a
 * closing quote must be followed by a blank or the end of the line; an unterminated quote is
 * an error. The line is a C string for sdssplitargs(): callers pass its length up to the first
 * NUL.
 *
 * Header-only and dependency-free (it only writes the caller's buffers), so the CLI can use it
 * without linking the server.
 */
#ifndef ARENAKV_SPLITARGS_H
#define ARENAKV_SPLITARGS_H

#include <errno.h>
#include <stddef.h>

static inline int splitargs_is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

static inline int splitargs_hex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * The next argument of line[*pos, len): 1 with its unescaped bytes in out[0, *olen) (never more
 * bytes than it consumed from the line) and *pos past it; 0 when only blanks are left; -EINVAL
 * for unbalanced quotes.
 */
static inline int splitargs_next(const char *line, size_t len, size_t *pos, char *out,
				 size_t *olen)
{
	size_t i = *pos, o = 0;
	int inq = 0, insq = 0, done = 0;

#define SPLITARGS_AT(k) ((k) < len ? line[k] : '\0')
	while (i < len && splitargs_is_space((unsigned char)line[i]))
		i++;
	if (i >= len) {
		*pos = i;
		return 0;
	}
	while (!done) {
		char ch = SPLITARGS_AT(i);

		if (inq) {
			if (ch == '\\' && SPLITARGS_AT(i + 1) == 'x' &&
			    splitargs_hex(SPLITARGS_AT(i + 2)) >= 0 &&
			    splitargs_hex(SPLITARGS_AT(i + 3)) >= 0) {
				out[o++] = (char)(splitargs_hex(SPLITARGS_AT(i + 2)) * 16 +
						  splitargs_hex(SPLITARGS_AT(i + 3)));
				i += 3;
			} else if (ch == '\\' && SPLITARGS_AT(i + 1)) {
				char e;

				i++;
				e = SPLITARGS_AT(i);

				out[o++] = e == 'n'   ? '\n'
					   : e == 'r' ? '\r'
					   : e == 't' ? '\t'
					   : e == 'b' ? '\b'
					   : e == 'a' ? '\a'
						      : e;
			} else if (ch == '"') {
				/* A closing quote must be followed by a space or the end. */
				if (SPLITARGS_AT(i + 1) &&
				    !splitargs_is_space((unsigned char)SPLITARGS_AT(i + 1)))
					return -EINVAL;
				done = 1;
			} else if (!ch) {
				return -EINVAL; /* unterminated quotes */
			} else {
				out[o++] = ch;
			}
		} else if (insq) {
			if (ch == '\\' && SPLITARGS_AT(i + 1) == '\'') {
				i++;
				out[o++] = '\'';
			} else if (ch == '\'') {
				if (SPLITARGS_AT(i + 1) &&
				    !splitargs_is_space((unsigned char)SPLITARGS_AT(i + 1)))
					return -EINVAL;
				done = 1;
			} else if (!ch) {
				return -EINVAL;
			} else {
				out[o++] = ch;
			}
		} else {
			switch (ch) {
			case ' ':
			case '\n':
			case '\r':
			case '\t':
			case '\0':
				done = 1;
				break;
			case '"':
				inq = 1;
				break;
			case '\'':
				insq = 1;
				break;
			default:
				out[o++] = ch;
				break;
			}
		}
		if (SPLITARGS_AT(i))
			i++;
	}
#undef SPLITARGS_AT
	*pos = i;
	*olen = o;
	return 1;
}

#endif /* ARENAKV_SPLITARGS_H */
