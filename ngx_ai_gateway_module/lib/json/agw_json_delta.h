/*
 * agw_json_delta: a stream event that is fixed bytes around one text
 * already JSON, appended by one room check and three copies.
 *
 * Nearly every event a stream writer sends is a delta of the open block,
 * and all of it but the text is the same for the whole block: the writer
 * makes its head (the frame, the envelope, the key, up to the text) and
 * its tail (to the event's end) when the block opens, and each delta is
 * then copied instead of written piece by piece (a call and a room check
 * each).  The copies are of constant sizes where they can be, a few moves
 * and no call: the head as one of two sizes, a text of up
 * to 32 bytes by loads within its own bytes (it may end the provider's
 * buffer), the tail as its whole array.  What they write past the event's
 * bytes lands in room checked for it, past the output's length, where
 * the next copy or append covers it.
 */

#ifndef AGW_JSON_DELTA_H
#define AGW_JSON_DELTA_H

#include <stdint.h>
#include <string.h>

#include "agw_buf.h"
#include "agw_json_scan.h"
#include "agw_json_writer.h"

/* Heads are 110-190 bytes (an Anthropic event's frame and index, an
 * OpenAI chunk's id, model and key), a call's arguments' up to 250: one
 * up to AGW_JW_DELTA_SHORT bytes long is copied as that many, one up to
 * AGW_JW_DELTA_HEAD as that many, and must be readable for them
 * (agw_jw_delta_head_room()). */
#define AGW_JW_DELTA_SHORT  192
#define AGW_JW_DELTA_HEAD   256


/* n bytes (at most 32) from p to d: loads and stores within the n bytes
 * (two overlapping blocks, or the first, middle and last bytes). */
static inline void
agw_jw_copy_short(char *d, const char *p, size_t n)
{
    uint64_t  a, b;
    uint32_t  c, e;
    char      x[16], y[16];

    if (n >= 16) {
        memcpy(x, p, 16);
        memcpy(y, p + n - 16, 16);
        memcpy(d, x, 16);
        memcpy(d + n - 16, y, 16);

    } else if (n >= 8) {
        memcpy(&a, p, 8);
        memcpy(&b, p + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);

    } else if (n >= 4) {
        memcpy(&c, p, 4);
        memcpy(&e, p + n - 4, 4);
        memcpy(d, &c, 4);
        memcpy(d + n - 4, &e, 4);

    } else if (n) {
        d[0] = p[0];
        d[n / 2] = p[n / 2];
        d[n - 1] = p[n - 1];
    }
}


/* Makes a head built in b readable for the bytes its copy takes. */
static inline int
agw_jw_delta_head_room(agw_buf_t *b)
{
    if (b->len >= AGW_JW_DELTA_HEAD) {
        return 0;
    }

    return agw_buf_reserve(b, AGW_JW_DELTA_HEAD - 1 - b->len);
}


/*
 * Appends head (hlen bytes), the text (JSON already) and the tail
 * (tail_len bytes) to the writer's output, outside its structure (its
 * state is left as it is).  0, or -1 when the writer failed (out of
 * memory: nothing appended).
 */
int agw_jw_delta_any(agw_jw_t *w, const char *head, size_t hlen,
    const agw_str_t *text, const char *tail, size_t tail_len);


/*
 * The same for nearly every delta, inline and without a call: a head of
 * at most AGW_JW_DELTA_HEAD bytes (readable for AGW_JW_DELTA_SHORT bytes
 * when no longer, else for AGW_JW_DELTA_HEAD), a text of at most 32, and
 * room enough;
 * tail an array of tail_size bytes (a constant) with a NUL after its
 * tail_len, the output's.  Any other goes to agw_jw_delta_any() as the
 * function's last call, so that the caller saves no registers for it.
 */
static AGW_JSON_HOT int
agw_jw_delta(agw_jw_t *w, const char *head, size_t hlen,
    const agw_str_t *text, const char *tail, size_t tail_len,
    size_t tail_size)
{
    char        *t;
    size_t       len;
    agw_buf_t   *b;
    const char  *p;

    /* apart: the stores below may alias them for the compiler */
    b = w->out;
    p = text->data;
    len = text->len;

    if (hlen > AGW_JW_DELTA_HEAD || len > 32 || w->failed
        || b->cap - b->len <= AGW_JW_DELTA_HEAD + 32 + tail_size)
    {
        return agw_jw_delta_any(w, head, hlen, text, tail, tail_len);
    }

    t = b->data + b->len;
    b->len += hlen + len + tail_len;

    if (hlen <= AGW_JW_DELTA_SHORT) {
        memcpy(t, head, AGW_JW_DELTA_SHORT);

    } else {
        memcpy(t, head, AGW_JW_DELTA_HEAD);
    }

    t += hlen;
    agw_jw_copy_short(t, p, len);
    memcpy(t + len, tail, tail_size);

    return 0;
}

#endif /* AGW_JSON_DELTA_H */
