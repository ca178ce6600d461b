/*
 * agw_json_tree: jansson trees to and from JSON text, as jansson itself
 * reads and writes them, several times faster.
 *
 * Writing: byte for byte what json_dumps(j, JSON_COMPACT |
 * JSON_REAL_PRECISION(15)) prints.  jansson's own dump checks for
 * reference loops on every object and array by printing the container's
 * address with snprintf into a hash table, and prints every integer with
 * snprintf: a small stream chunk cost 20k instructions to dump.  Our trees
 * are built by our code and have no loops.
 *
 * Reading: the tree json_loadb(text, len, 0, ...) builds (an object or an
 * array; duplicate keys keep the first one's place and the last one's
 * value; no \u0000; integers beyond int64 and reals beyond double are
 * errors), refused where jansson refuses (and where a raw NUL byte ends a
 * token, which jansson's lexer skips).  jansson's lexer reads a byte at
 * a time through a callback into a growing buffer: 3 us for a 250-byte
 * stream event, against 1 us for the same tree built from a one-pass scan.
 *
 * t/unit/test_json_tree.c compares both with jansson on every fixture and
 * on mutations of them.
 */

#ifndef AGW_JSON_TREE_H
#define AGW_JSON_TREE_H

#include <stdint.h>

#include <jansson.h>

#include "agw_buf.h"

/*
 * Appends j as compact JSON, reals to 15 significant digits (0.7, not
 * 0.69999999999999996).  0, or -1 (out of memory, a string that is not
 * UTF-8, as jansson refuses it; out unchanged).
 */
int agw_json_append(agw_buf_t *out, const json_t *j);

/* An integer as jansson prints it (no vsnprintf: this runs per request);
 * a real as agw_json_append prints it ("%.15g", always a '.' or an
 * exponent).  0 or -1 (out unchanged). */
int agw_json_append_int(agw_buf_t *out, int64_t v);
int agw_json_append_real(agw_buf_t *out, double d);

/* The tree of an object or array text, or NULL where json_loadb() fails
 * (a new reference). */
json_t *agw_json_load(const char *text, size_t len);

#endif /* AGW_JSON_TREE_H */
