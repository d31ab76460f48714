/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fp_resp.h - the fast path's RESP: parse one multibulk request, write integer and bulk replies.
 *
 * The request has been copied into scratch->req (payload of the UDP datagram, the 16-byte frame
 * header first), so parsing is plain indexing into a map value; every index is checked against a
 * constant bound before use, which is what the verifier needs to accept a variable offset.
 *
 * Accepted: exactly one `*<n>\r\n` followed by n `$<len>\r\n<bytes>\r\n`, 1 <= n <= FP_NARGS,
 * ending exactly at the end of the datagram (or followed by padding when the request has
 * FP_F_PAD). Anything else (inline commands, trailing bytes, leading zeros or signs in lengths,
 * more arguments) is refused and the datagram goes to user space, which implements the full
 * protocol. Being stricter than user space only costs a pass.
 *
 * Replies are written into scratch->out at a position the caller keeps; each writer returns the
 * new position or a negative value when the reply would pass FP_OUT_LIMIT.
 */
#ifndef ARENAKV_BPF_FP_RESP_H
#define ARENAKV_BPF_FP_RESP_H

#include "fp_maps.h"

#define FP_LEN_DIGITS 5 /* "$<len>" lengths have at most this many digits (FP_REQ_MAX < 10^5) */

/*
 * Why some functions here are global (__noinline, not static): the verifier checks a global
 * function once, on its own, and its caller only sees "some scalar" come back. Inlined, each
 * exit of a digit loop becomes its own verifier path with its own exact position, and those
 * paths multiply through the rest of the program (measured: over the 1M-instruction limit with
 * everything inlined). A global function's pointer arguments may be NULL for the verifier, hence
 * the NULL checks.
 */
#define FP_GLOBAL __attribute__((noinline))

/*
 * Parse decimal digits at req[p] up to "\r\n": 1..FP_LEN_DIGITS digits, no sign, no leading
 * zero unless the number is 0, at most FP_REQ_MAX. Returns (position after "\r\n") << 16 | value,
 * or -1.
 */
FP_GLOBAL int fp_parse_len(struct fp_scratch *sc, __u32 p, __u32 end)
{
	__u32 v = 0, d;
	__u8 c;

	if (!sc)
		return -1;
	for (d = 0; d < FP_LEN_DIGITS + 1; d++) {
		if (p >= end || p >= FP_REQ_MAX)
			return -1;
		c = sc->req[p];
		if (c == '\r')
			break;
		if (c < '0' || c > '9' || d == FP_LEN_DIGITS || (d == 1 && v == 0))
			return -1;
		v = v * 10 + (c - '0');
		p++;
	}
	if (d == 0 || v > FP_REQ_MAX || p + 1 >= end || p + 1 >= FP_REQ_MAX ||
	    sc->req[p + 1] != '\n')
		return -1;
	return (int)((p + 2) << 16 | v);
}

/*
 * Parse the multibulk in req[FP_HDR_SIZE, end) into arg_off[]/arg_len[]. It must end exactly at
 * end, or anywhere before it when pad is set (FP_F_PAD: the rest is padding). Returns the number
 * of arguments (>= 1), -1 when malformed, -2 when it has more than FP_NARGS arguments.
 */
FP_GLOBAL int fp_parse_multibulk(struct fp_scratch *sc, __u32 end, __u32 pad)
{
	__u32 p = FP_HDR_SIZE, i, len;
	int n, r;

	if (!sc || end > FP_REQ_MAX || p >= end || sc->req[p] != '*')
		return -1;
	r = fp_parse_len(sc, p + 1, end);
	if (r < 0)
		return -1;
	n = r & 0xffff;
	p = (__u32)r >> 16;
	if (n < 1)
		return -1;
	if (n > FP_NARGS)
		return -2;
	for (i = 0; i < FP_NARGS; i++) {
		if (i >= n)
			break;
		if (p >= end || p >= FP_REQ_MAX || sc->req[p] != '$')
			return -1;
		r = fp_parse_len(sc, p + 1, end);
		if (r < 0)
			return -1;
		len = r & 0xffff;
		p = (__u32)r >> 16;
		if (p > FP_REQ_MAX || len > FP_REQ_MAX)
			return -1;
		sc->arg_off[i] = (__u16)p;
		sc->arg_len[i] = (__u16)len;
		p += len;
		if (p + 1 >= end || p + 1 >= FP_REQ_MAX || sc->req[p] != '\r' ||
		    sc->req[p + 1] != '\n')
			return -1;
		p += 2;
	}
	return p == end || (pad && p < end) ? n : -1;
}

/*
 * The one request that matters most for speed, recognised without the general parser: a GET
 * as every client library sends it, "*2\r\n$3\r\nGET\r\n$<n>\r\n<key>\r\n" (GET in any
 * case, n in canonical form). Fills arg_off/arg_len[0..1] exactly as fp_parse_multibulk() would
 * for those bytes and returns 1; returns 0 for anything else, which then takes the general
 * parser (so this can only be faster, never answer differently). Fixed offsets and word
 * compares: the general path costs five global-function calls and a digit loop per argument
 * (~45 ns of a hot GET frame, perf, 2026-11-21). Every byte relied upon lies before end, which
 * the last check proves (the scratch beyond end holds an older request).
 */
static __always_inline int fp_parse_get(struct fp_scratch *sc, __u32 end, __u32 pad)
{
	/* "*2\r\n$3\r\n", "GET\r" with the letters' case bit set, as little-endian words */
	const __u64 w0 = 0x0a0d33240a0d322aULL;
	const __u32 w1 = 0x0d746567, fold = 0x00202020;
	__u32 q = FP_HDR_SIZE + 14, klen, d0, d1, d2;

	if (end < FP_HDR_SIZE + 19 || end > FP_REQ_MAX)
		return 0;
	if (*(__u64 *)(sc->req + FP_HDR_SIZE) != w0 ||
	    (*(__u32 *)(sc->req + FP_HDR_SIZE + 8) | fold) != w1 ||
	    *(__u16 *)(sc->req + FP_HDR_SIZE + 12) != 0x240a) /* "\n$" */
		return 0;
	/* 1 to 3 digits, no leading zero: "0", "7", "42", "255" */
	d0 = sc->req[q] - '0';
	d1 = sc->req[q + 1] - '0';
	d2 = sc->req[q + 2] - '0';
	if (d0 > 9)
		return 0;
	if (d1 > 9) {
		klen = d0;
		q += 1;
	} else if (!d0) {
		return 0;
	} else if (d2 > 9) {
		klen = d0 * 10 + d1;
		q += 2;
	} else {
		klen = d0 * 100 + d1 * 10 + d2;
		q += 3;
	}
	if (sc->req[q] != '\r' || sc->req[q + 1] != '\n')
		return 0;
	q += 2;
	if (sc->req[q + klen] != '\r' || sc->req[q + klen + 1] != '\n')
		return 0;
	if (!(q + klen + 2 == end || (pad && q + klen + 2 < end)))
		return 0;
	sc->arg_off[0] = FP_HDR_SIZE + 8;
	sc->arg_len[0] = 3;
	sc->arg_off[1] = (__u16)q;
	sc->arg_len[1] = (__u16)klen;
	return 1;
}

/* The command in arg 0 as enum fp_cmd (case-insensitive), FP_CMD_NONE when not ours. */
FP_GLOBAL int fp_parse_cmd(struct fp_scratch *sc)
{
	__u32 off, len, i;
	__u8 c[6] = {};

	if (!sc)
		return FP_CMD_NONE;
	off = sc->arg_off[0];
	len = sc->arg_len[0];
	if (len < 3 || len > 6 || off > FP_REQ_MAX)
		return FP_CMD_NONE;
	for (i = 0; i < 6; i++)
		if (i < len)
			c[i] = sc->req[off + i] | 0x20; /* ASCII letters only: others never match */
	if (len == 3 && c[0] == 'g' && c[1] == 'e' && c[2] == 't')
		return FP_CMD_GET;
	if (len == 3 && c[0] == 't' && c[1] == 't' && c[2] == 'l')
		return FP_CMD_TTL;
	if (len == 4 && c[0] == 'm' && c[1] == 'g' && c[2] == 'e' && c[3] == 't')
		return FP_CMD_MGET;
	if (len == 4 && c[0] == 'p' && c[1] == 't' && c[2] == 't' && c[3] == 'l')
		return FP_CMD_PTTL;
	if (len == 6 && c[0] == 'e' && c[1] == 'x' && c[2] == 'i' && c[3] == 's' && c[4] == 't' &&
	    c[5] == 's')
		return FP_CMD_EXISTS;
	if (len == 6 && c[0] == 's' && c[1] == 't' && c[2] == 'r' && c[3] == 'l' && c[4] == 'e' &&
	    c[5] == 'n')
		return FP_CMD_STRLEN;
	return FP_CMD_NONE;
}

/*
 * Write <type><v>\r\n at out[pos] (type ':' integer, '$' bulk length, '*' array length) and
 * return the new position, or -1 when it would pass FP_OUT_LIMIT. v may be negative (-1).
 *
 * Cost matters here: every GET reply goes through this once. BPF has no multiply-high, so
 * clang compiles u / 10 and u % 10 to 64-bit divide instructions; the first version produced
 * 20 digits unconditionally with 40 of them, then copied them with a helper call (replacing
 * it took ~130 ns off a ~650 ns hot GET frame, bench/live_frames.c, 2026-11-21). Now the digit count comes from comparisons, only that
 * many digits are produced, written straight into out[] from the last one back, and a value
 * below 2^32 (every length, count and realistic TTL) is divided by 10 with the exact
 * multiply-and-shift (u * 0xCCCCCCCD) >> 35 (exact for every u < 2^32; the product fits in 64
 * bits). A global function: its exits are verified once, whatever the caller's state.
 */
FP_GLOBAL int fp_put_num(struct fp_scratch *sc, __u32 pos, __u32 type, __s64 v)
{
	__u64 u = v < 0 ? (__u64)(-v) : (__u64)v, t, q;
	__u32 n, i, k;

	if (!sc || pos > FP_OUT_LIMIT)
		return -1;
	/* n = number of decimal digits of u (|v| <= 2^63 < 10^19, so n <= 19). */
	for (n = 1, t = 10; n < 20; n++, t *= 10)
		if (u < t)
			break;
	if (pos + 1 + (v < 0) + n + 2 > FP_OUT_LIMIT)
		return -1;
	sc->out[pos++] = (__u8)type;
	if (v < 0)
		sc->out[pos++] = '-';
	if (n < 1 || n > 20 || pos > FP_OUT_LIMIT)
		return -1;
	for (i = 0; i < 20; i++) {
		if (i >= n)
			break;
		q = u >> 32 ? u / 10 : (u * 0xCCCCCCCDULL) >> 35;
		k = pos + n - 1 - i;
		if (k > FP_OUT_LIMIT + 20)
			return -1;
		sc->out[k] = '0' + (__u8)(u - q * 10);
		u = q;
	}
	pos += n;
	if (pos > FP_OUT_LIMIT)
		return -1;
	sc->out[pos] = '\r';
	sc->out[pos + 1] = '\n';
	return (int)(pos + 2);
}

/*
 * Append "$<n>\r\n" + val[0, n) + "\r\n" at out[pos]; new position or -1 if it does not fit.
 * The length is written here, not by fp_put_num(): n <= FP_REPLY_MAX has at most 4 digits, and
 * every GET answer comes through here, so one global-function call less per answer.
 */
FP_GLOBAL int fp_put_bulk(struct fp_scratch *sc, __u32 pos, __u32 n)
{
	__u32 i, nd, u, q;

	_Static_assert(FP_REPLY_MAX < 10000, "fp_put_bulk writes at most 4 length digits");
	if (!sc || n > FP_REPLY_MAX || pos > FP_OUT_LIMIT)
		return -1;
	nd = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : 4;
	if (pos + 3 + nd + n + 2 > FP_OUT_LIMIT)
		return -1;
	sc->out[pos] = '$';
	for (i = 0, u = n; i < 4 && i < nd; i++, u = q) {
		q = (__u32)(((__u64)u * 0xCCCCCCCDULL) >> 35);
		sc->out[pos + nd - i] = '0' + (__u8)(u - q * 10);
	}
	sc->out[pos + 1 + nd] = '\r';
	sc->out[pos + 2 + nd] = '\n';
	pos += 3 + nd;
	asm volatile("" : "+r"(pos)); /* clang drops this check as implied; the verifier needs it */
	if (pos > FP_OUT_LIMIT)
		return -1;
	/* 8 bytes at a time, no helper call (a bpf_probe_read_kernel() here cost about as much as
	 * the whole copy of a short value). The last word may carry up to 7 bytes past n from
	 * val[] (FP_VAL_BUF has the slack) into out[] (so has FP_OUT_BUF): they are overwritten
	 * by the "\r\n" below or lie past the reply's end, and are never sent. */
	for (i = 0; i < FP_REPLY_MAX / 8 + 1; i++) {
		if (i * 8 >= n)
			break;
		*(__u64 *)(sc->out + pos + i * 8) = *(const __u64 *)(sc->val + i * 8);
	}
	pos += n;
	if (pos > FP_OUT_LIMIT)
		return -1;
	sc->out[pos] = '\r';
	sc->out[pos + 1] = '\n';
	return (int)(pos + 2);
}

#endif /* ARENAKV_BPF_FP_RESP_H */
