/*
 * text: bytes from outside (clients, the ring, a restored database) made
 * safe to show: as JSON strings, which must be UTF-8, and in the daemon's
 * log, where a CR or LF would start a line of the sender's choosing.  Every
 * JSON string built from such bytes and every log line goes through here.
 */

#ifndef AGW_TEXT_H
#define AGW_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>
#include <sqlite3.h>

/*
 * A JSON string of the len bytes at s, which need not be UTF-8: each
 * maximal invalid subsequence becomes U+FFFD (as WHATWG's decoder does), so
 * stored bytes never make an answer fail.  NULL only when out of memory.
 */
json_t *agw_json_text(const char *s, size_t len);

/* A text column as agw_json_text(); "" for NULL.  NULL: out of memory. */
json_t *agw_json_column(sqlite3_stmt *st, int col);

/* Writes s to f with control bytes as \r, \n, \t or \xHH: one call, one
 * log line, whatever s holds. */
void agw_log_write(FILE *f, const char *s);

#endif /* AGW_TEXT_H */
