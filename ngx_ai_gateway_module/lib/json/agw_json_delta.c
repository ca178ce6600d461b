/*
 * agw_json_delta: a delta event's bytes, the head and tail its writer
 * made for the block around the text (see agw_json_delta.h).
 */

#include <string.h>

#include "agw_json_delta.h"


/* Any head, text and room: one room check and three copies by length
 * (the call is paid already; the head need not be readable past it). */
int
agw_jw_delta_any(agw_jw_t *w, const char *head, size_t hlen,
    const agw_str_t *text, const char *tail, size_t tail_len)
{
    char       *o;
    size_t      n;
    agw_buf_t  *b;

    if (w->failed) {
        return -1;
    }

    b = w->out;
    n = hlen + text->len + tail_len;

    if (b->cap - b->len <= n && agw_buf_reserve(b, n) != 0) {
        w->failed = 1;
        return -1;
    }

    o = b->data + b->len;
    memcpy(o, head, hlen);

    if (text->len) {
        memcpy(o + hlen, text->data, text->len);
    }

    memcpy(o + hlen + text->len, tail, tail_len);
    b->len += n;
    b->data[b->len] = '\0';

    return 0;
}
