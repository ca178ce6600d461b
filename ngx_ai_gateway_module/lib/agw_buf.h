/*
 * agw_buf: a growable byte buffer owned by the caller.
 *
 * The translation library writes its output here.  The buffer is malloc'd
 * (never an nginx pool) so that a long stream can reuse one buffer for every
 * event instead of growing a request pool; agw_buf_reset() keeps the memory.
 */

#ifndef AGW_BUF_H
#define AGW_BUF_H

#include <stddef.h>

typedef struct {
    char   *data;
    size_t  len;
    size_t  cap;
} agw_buf_t;

#define AGW_BUF_INIT  { NULL, 0, 0 }

/* All return 0 on success, -1 on allocation failure (buffer unchanged). */
int  agw_buf_reserve(agw_buf_t *b, size_t extra);
int  agw_buf_append(agw_buf_t *b, const void *data, size_t len);
int  agw_buf_append_str(agw_buf_t *b, const char *s);
int  agw_buf_printf(agw_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
int  agw_buf_append_json_string(agw_buf_t *b, const char *s, size_t len);
void agw_buf_reset(agw_buf_t *b);
/* Gives back the capacity past len (and its spare byte): for a buffer
 * built once and kept, such as a stream's fixed parts. */
void agw_buf_fit(agw_buf_t *b);
void agw_buf_free(agw_buf_t *b);

#endif /* AGW_BUF_H */
