/*
 * agw_json_write: jansson trees to compact JSON text, byte for byte what
 * json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)) prints.
 *
 * jansson's own dump checks for reference loops on every object and
 * array by printing the container's address with snprintf into a hash
 * table, and prints every integer with snprintf: a small stream chunk cost
 * 20k instructions to dump.  Our trees are built by our code and have no
 * loops; this writer walks them straight into the caller's buffer.
 * t/unit/test_json_write.c compares it with jansson on every fixture.
 */

#ifndef AGW_JSON_WRITE_H
#define AGW_JSON_WRITE_H

#include <jansson.h>

#include "agw_buf.h"

/*
 * Appends j as compact JSON, reals to 15 significant digits (0.7, not
 * 0.69999999999999996).  0, or -1 (out of memory, a string that is not
 * UTF-8, as jansson refuses it; out unchanged).
 */
int agw_json_append(agw_buf_t *out, const json_t *j);

#endif /* AGW_JSON_WRITE_H */
