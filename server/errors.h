/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * errors.h - exact Redis 7 error reply texts shared by all command modules.
 *
 * Why one file: clients (redis-py, test suites) match on these strings, so every module
 * must spell them identically to Redis 7.0. Each macro is the reply text without the
 * leading '-' and without CRLF, ready for reply_error(c, ERR_X) or, for the *_FMT ones,
 * reply_errorf(c, ERR_X_FMT, ...). Texts were checked against redis-server 7.0.15.
 * Pure constants: no state, no locking.
 */
#ifndef ARENAKV_ERRORS_H
#define ARENAKV_ERRORS_H

/* ---- generic ---- */
#define ERR_SYNTAX	      "ERR syntax error"
#define ERR_WRONGTYPE	      "WRONGTYPE Operation against a key holding the wrong kind of value"
#define ERR_NOT_INT	      "ERR value is not an integer or out of range"
#define ERR_NOT_FLOAT	      "ERR value is not a valid float"
#define ERR_OVERFLOW	      "ERR increment or decrement would overflow"
#define ERR_NAN_OR_INF	      "ERR increment would produce NaN or Infinity"
#define ERR_NO_KEY	      "ERR no such key"
#define ERR_SAME_OBJECT	      "ERR source and destination objects are the same"
#define ERR_DB_INDEX	      "ERR DB index is out of range"
#define ERR_OOM		      "OOM command not allowed when used memory > 'maxmemory'."
#define ERR_POSITIVE	      "ERR value is out of range, must be positive"
#define ERR_TIMEOUT_NOT_INT   "ERR timeout is not an integer or out of range"
#define ERR_INVALID_CURSOR    "ERR invalid cursor"
#define ERR_TIMEOUT_NOT_FLOAT "ERR timeout is not a float or out of range"
/* EXPIRE family with conflicting NX/XX/GT/LT */
#define ERR_EXPIRE_OPTS "ERR NX and XX, GT or LT options at the same time are not compatible"

/* ---- strings / bits ---- */
#define ERR_OFFSET_RANGE    "ERR offset is out of range"
#define ERR_BIT_OFFSET	    "ERR bit offset is not an integer or out of range"
#define ERR_BIT_VALUE	    "ERR bit is not an integer or out of range"
#define ERR_STRING_TOO_LONG "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

/* ---- auth / connection ---- */
#define ERR_NOAUTH    "NOAUTH Authentication required."
#define ERR_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define ERR_AUTH_NOPASS                                                                            \
	"ERR AUTH <password> called without any password configured for the default user. "        \
	"Are you sure your configuration is correct?"
#define ERR_NOPROTO	"NOPROTO unsupported protocol version"
#define ERR_MAX_CLIENTS "ERR max number of clients reached"

/* ---- transactions ---- */
#define ERR_MULTI_NESTED     "ERR MULTI calls can not be nested"
#define ERR_EXEC_NO_MULTI    "ERR EXEC without MULTI"
#define ERR_DISCARD_NO_MULTI "ERR DISCARD without MULTI"
#define ERR_WATCH_IN_MULTI   "ERR WATCH inside MULTI is not allowed"
#define ERR_EXECABORT	     "EXECABORT Transaction discarded because of previous errors."

/* ---- formats (reply_errorf) ---- */
#define ERR_EXPIRE_FMT "ERR invalid expire time in '%s' command"	/* lower-case name */
#define ERR_ARITY_FMT  "ERR wrong number of arguments for '%s' command" /* lower-case fullname */
/* argv[0] then the quoted-args string built by reply_unknown_command() */
#define ERR_UNKNOWN_CMD_FMT "ERR unknown command '%.128s', with args beginning with: %s"
/* argv[1] then upper-case argv[0]; see reply_unknown_subcommand() */
#define ERR_UNKNOWN_SUBCMD_FMT "ERR unknown subcommand '%.128s'. Try %s HELP."

/* ---- protocol (produced by resp_parse_request) ---- */
#define ERR_PROTO_INLINE_TOO_BIG "ERR Protocol error: too big inline request"
#define ERR_PROTO_MBULK_TOO_BIG	 "ERR Protocol error: too big mbulk count string"
#define ERR_PROTO_BULK_TOO_BIG	 "ERR Protocol error: too big bulk count string"
#define ERR_PROTO_MBULK_LEN	 "ERR Protocol error: invalid multibulk length"
#define ERR_PROTO_BULK_LEN	 "ERR Protocol error: invalid bulk length"
#define ERR_PROTO_UNAUTH_MBULK	 "ERR Protocol error: unauthenticated multibulk length"
#define ERR_PROTO_UNAUTH_BULK	 "ERR Protocol error: unauthenticated bulk length"
#define ERR_PROTO_QUOTES	 "ERR Protocol error: unbalanced quotes in request"
#define ERR_PROTO_EXPECTED_FMT	 "ERR Protocol error: expected '$', got '%c'"

#endif /* ARENAKV_ERRORS_H */
