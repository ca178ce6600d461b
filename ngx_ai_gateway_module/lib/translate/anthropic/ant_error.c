/*
 * Anthropic errors: {"type":"error","error":{"type":...,"message":...}},
 * read from a provider and written for a client, with Anthropic's types
 * (the table in ant_codec.c).
 */

#include <string.h>

#include "ant_int.h"


/* The characters of s into dst (size bytes, NUL-terminated), cut at a
 * character's boundary when they do not fit. */
static void
agw_ant_copy_text(const agw_str_t *s, char *dst, size_t size)
{
    char    buf[2048];
    size_t  n;

    if (s->len < sizeof(buf)) {
        n = agw_str_unescape(s, buf);
    } else {
        /* longer than any message worth keeping: its first bytes, which
         * may hold escapes cut in half, are written as they came */
        n = sizeof(buf) - 1;
        memcpy(buf, s->data, n);
    }

    if (n >= size) {
        n = size - 1;
        /* back to the first byte of a UTF-8 sequence */
        while (n > 0 && ((unsigned char) buf[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    memcpy(dst, buf, n);
    dst[n] = '\0';
}


/*
 * A provider's error body, or the error object of a stream's error event:
 * err's message and code from it, and its class from the type when the
 * status said little (none yet, or a plain 400).  A body that is not
 * Anthropic's leaves err as it was.
 */
void
agw_ant_read_error(const char *body, size_t len, agw_error_t *err)
{
    int              n;
    char             buf[64];
    agw_jr_t         r;
    agw_str_t        type = AGW_STR_NULL, message = AGW_STR_NULL,
                     error = AGW_STR_NULL;
    agw_err_class_t  cls;

    agw_ant_member_t  m[] = {
        agw_ant_m("type", AGW_ANT_M_STR, &type),
        agw_ant_m("message", AGW_ANT_M_STR, &message),
        agw_ant_m("error", AGW_ANT_M_VALUE, &error),
    };

    if (body == NULL) {
        return;
    }

    agw_jr_init(&r, body, len);

    if (agw_ant_members(&r, m, agw_ant_nmembers(m)) != 0
        || agw_jr_end(&r) != 0)
    {
        return;
    }

    if (agw_str_set(&error)) {
        /* the whole body: the error object in it says */
        agw_jr_init(&r, error.data, error.len);
        type.data = NULL;
        message.data = NULL;
        (void) agw_ant_members(&r, m, 2);
    }

    if (agw_str_set(&message)) {
        agw_ant_copy_text(&message, err->message, sizeof(err->message));
    } else if (err->message[0] == '\0') {
        strcpy(err->message, "upstream error");
    }

    if (!agw_str_set(&type) || agw_str_is(&type, "error")) {
        return;
    }

    agw_ant_copy_text(&type, err->code, sizeof(err->code));

    if (err->cls == AGW_ERR_NONE || err->cls == AGW_ERR_INVALID_REQUEST) {
        n = agw_str_decode(&type, buf, sizeof(buf));
        cls = n > 0 ? agw_ant_err_class(buf, (size_t) n) : AGW_ERR_NONE;

        if (cls != AGW_ERR_NONE) {
            err->cls = cls;
        } else if (err->cls == AGW_ERR_NONE) {
            err->cls = AGW_ERR_SERVER;
        }
    }
}


void
agw_ant_write_error_json(agw_jw_t *w, const agw_error_t *err)
{
    const char  *type;

    type = agw_ant_err_type(err->cls);

    agw_jw_object(w);
    agw_ant_key(w, "type");
    agw_ant_lit(w, "error");
    agw_ant_key(w, "error");
    agw_jw_object(w);
    agw_ant_key(w, "type");
    agw_jw_bytes(w, type, strlen(type));
    agw_ant_key(w, "message");
    agw_jw_bytes(w, err->message, strlen(err->message));
    agw_jw_object_end(w);
    agw_jw_object_end(w);
}


int
agw_ant_write_error(const agw_error_t *err, agw_buf_t *out)
{
    agw_jw_t  w;

    agw_jw_init(&w, out);
    agw_ant_write_error_json(&w, err);

    return w.failed ? -1 : 0;
}
