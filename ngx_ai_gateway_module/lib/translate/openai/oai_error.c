/*
 * OpenAI's error envelope, {"error": {"message", "type", "param",
 * "code"}}, read from a provider and written for a client.  Readers take
 * the shapes OpenAI-compatible servers use instead too: {"error": "text"}
 * (Ollama and others) and the fields at the top level (vLLM).
 */

#include <string.h>

#include "oai_int.h"


/* The codes and types OpenAI and its compatible servers send, and the
 * class each stands for when the status says little. */
static const struct {
    const char       *code;
    agw_err_class_t   cls;
} agw_oai_codes[] = {
    { "invalid_api_key",        AGW_ERR_AUTHENTICATION },
    { "authentication_error",   AGW_ERR_AUTHENTICATION },
    { "permission_error",       AGW_ERR_PERMISSION },
    { "model_not_found",        AGW_ERR_NOT_FOUND },
    { "not_found_error",        AGW_ERR_NOT_FOUND },
    { "request_too_large",      AGW_ERR_TOO_LARGE },
    { "rate_limit_exceeded",    AGW_ERR_RATE_LIMIT },
    { "rate_limit_error",       AGW_ERR_RATE_LIMIT },
    { "insufficient_quota",     AGW_ERR_RATE_LIMIT },
    { "server_is_overloaded",   AGW_ERR_OVERLOADED },
    { "overloaded_error",       AGW_ERR_OVERLOADED },
    { "server_error",           AGW_ERR_SERVER },
    { "api_error",              AGW_ERR_SERVER },
    { "timeout_error",          AGW_ERR_TIMEOUT },
    { NULL,                     AGW_ERR_NONE }
};


static agw_err_class_t
agw_oai_class_of(const agw_str_t *code)
{
    int  i;

    if (!agw_str_set(code)) {
        return AGW_ERR_NONE;
    }

    for (i = 0; agw_oai_codes[i].code != NULL; i++) {
        if (agw_str_eq(code, agw_oai_codes[i].code,
                       strlen(agw_oai_codes[i].code)))
        {
            return agw_oai_codes[i].cls;
        }
    }

    return AGW_ERR_NONE;
}


/* Bytes of an incomplete UTF-8 character at the end of p[0..len). */
static size_t
agw_oai_utf8_cut(const char *p, size_t len)
{
    size_t          i, n;
    unsigned char   c;

    for (i = 1; i <= 4 && i <= len; i++) {
        c = (unsigned char) p[len - i];

        if ((c & 0xc0) == 0x80) {
            continue;                       /* a continuation byte */
        }

        n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

        return n > i ? i : 0;
    }

    return 0;
}


/* The value of the 4 hex digits at p. */
static unsigned
agw_oai_hex4(const char *p)
{
    int       i;
    unsigned  v, c;

    v = 0;

    for (i = 0; i < 4; i++) {
        c = (unsigned char) p[i];
        v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }

    return v;
}


/*
 * The characters of a string into dst (size bytes, NUL-terminated).  A
 * string too long is cut between characters: its escapes are walked to
 * find how much of it decodes into dst, then an incomplete UTF-8
 * character at the end is taken off, so the text stays valid.
 */
static void
agw_oai_copy_text(const agw_str_t *s, char *dst, size_t size)
{
    int        rc;
    size_t     i, step, out, n;
    unsigned   v;
    agw_str_t  head;

    head = *s;

    if (head.kind == AGW_STR_JSON && head.escaped) {
        out = 0;

        for (i = 0; i < head.len; i += step) {
            step = 1;
            n = 1;

            if (head.data[i] == '\\') {
                step = 2;

                if (head.data[i + 1] == 'u') {
                    v = agw_oai_hex4(head.data + i + 2);
                    step = 6;
                    n = v < 0x80 ? 1 : v < 0x800 ? 2 : 3;

                    if (v >= 0xd800 && v < 0xdc00) {
                        /* a surrogate pair: one character of 4 bytes */
                        step = 12;
                        n = 4;
                    }
                }
            }

            if (out + n > size - 1) {
                break;
            }

            out += n;
        }

        head.len = (uint32_t) i;

    } else if (head.len > size - 1) {
        head.len = (uint32_t) (size - 1);
    }

    /* head decodes into size - 1 bytes, fewer than its own length: the
     * decoder is told the real room, as it may store ahead of a run */
    rc = agw_str_decode(&head, dst, size - 1);
    n = (rc < 0) ? 0 : (size_t) rc;
    n -= agw_oai_utf8_cut(dst, n);
    dst[n] = '\0';
}


/* The members of an error object; e the object's reader position. */
static int
agw_oai_read_error_members(agw_jr_t *r, agw_str_t *message, agw_str_t *code,
    agw_str_t *type, agw_str_t *status, agw_str_t *reason)
{
    int        rc;
    agw_str_t  key, k2;

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "message") && agw_jr_peek(r) == AGW_JR_STRING) {
            rc = agw_jr_string(r, message);

        } else if (agw_oai_is(&key, "code")
                   && agw_jr_peek(r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(r, code);

        } else if (agw_oai_is(&key, "type")
                   && agw_jr_peek(r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(r, type);

        } else if (agw_oai_is(&key, "status")
                   && agw_jr_peek(r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(r, status);

        } else if (agw_oai_is(&key, "details")
                   && agw_jr_peek(r) == AGW_JR_ARRAY)
        {
            /* Gemini's details[].reason, the most specific code */
            rc = agw_jr_array(r);
            while (rc == 0 && (rc = agw_jr_element(r)) == 1) {
                if (agw_jr_peek(r) != AGW_JR_OBJECT) {
                    rc = agw_jr_value(r, NULL);
                    continue;
                }
                rc = agw_jr_object(r);
                while (rc == 0 && (rc = agw_jr_member(r, &k2)) == 1) {
                    if (agw_oai_is(&k2, "reason") && !agw_str_set(reason)
                        && agw_jr_peek(r) == AGW_JR_STRING)
                    {
                        rc = agw_jr_string(r, reason);
                    } else {
                        rc = agw_jr_value(r, NULL);
                    }
                }
            }

        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return -1;
        }
    }

    return rc;
}


void
agw_oai_read_error(const char *body, size_t len, agw_error_t *err)
{
    int              rc, top;
    agw_jr_t         r;
    agw_str_t        key, message, code, type, status, reason, text, *c;
    agw_err_class_t  cls;

    message.data = NULL;
    code.data = NULL;
    type.data = NULL;
    status.data = NULL;
    reason.data = NULL;
    text.data = NULL;
    top = 0;

    agw_jr_init(&r, body, len);

    if (agw_jr_object(&r) != 0) {
        return;
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (agw_oai_is(&key, "error") && agw_jr_peek(&r) == AGW_JR_OBJECT) {
            if (agw_jr_object(&r) != 0
                || agw_oai_read_error_members(&r, &message, &code, &type,
                                              &status, &reason) != 0)
            {
                return;
            }
            top = 0;
            continue;

        } else if (agw_oai_is(&key, "error")
                   && agw_jr_peek(&r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&r, &text);

        } else if (!agw_str_set(&message) || top) {
            /* vLLM: the fields at the top level */
            if (agw_oai_is(&key, "message")
                && agw_jr_peek(&r) == AGW_JR_STRING)
            {
                rc = agw_jr_string(&r, &message);
                top = 1;
            } else if (agw_oai_is(&key, "code")
                       && agw_jr_peek(&r) == AGW_JR_STRING)
            {
                rc = agw_jr_string(&r, &code);
            } else if (agw_oai_is(&key, "type")
                       && agw_jr_peek(&r) == AGW_JR_STRING)
            {
                rc = agw_jr_string(&r, &type);
            } else {
                rc = agw_jr_value(&r, NULL);
            }

        } else {
            rc = agw_jr_value(&r, NULL);
        }

        if (rc != 0) {
            return;
        }
    }

    if (rc < 0 || agw_jr_end(&r) != 0) {
        return;
    }

    if (agw_str_set(&text)) {
        agw_oai_copy_text(&text, err->message, sizeof(err->message));
        return;
    }

    if (agw_str_set(&message)) {
        agw_oai_copy_text(&message, err->message, sizeof(err->message));
    }

    c = agw_str_set(&reason) ? &reason : agw_str_set(&code) ? &code
        : agw_str_set(&status) ? &status : agw_str_set(&type) ? &type : NULL;

    if (c != NULL) {
        agw_oai_copy_text(c, err->code, sizeof(err->code));
    }

    if (err->cls == AGW_ERR_NONE || err->cls == AGW_ERR_INVALID_REQUEST) {
        cls = c ? agw_oai_class_of(c) : AGW_ERR_NONE;
        if (cls == AGW_ERR_NONE) {
            cls = agw_oai_class_of(&type);
        }
        if (cls != AGW_ERR_NONE) {
            err->cls = cls;
        }
    }
}


const char *
agw_oai_error_code(const agw_error_t *err)
{
    if (err->code[0] != '\0') {
        return err->code;
    }

    switch (err->cls) {
    case AGW_ERR_AUTHENTICATION:  return "invalid_api_key";
    case AGW_ERR_NOT_FOUND:       return "model_not_found";
    case AGW_ERR_RATE_LIMIT:      return "rate_limit_exceeded";
    case AGW_ERR_OVERLOADED:      return "server_is_overloaded";
    case AGW_ERR_TIMEOUT:         return "timeout";
    default:                      return NULL;
    }
}


void
agw_oai_write_error_object(agw_jw_t *w, const agw_error_t *err)
{
    const char  *code, *type;

    code = agw_oai_error_code(err);
    type = agw_error_openai_type(err->cls);

    agw_jw_object(w);
    agw_jw_key(w, "error");
    agw_jw_object(w);
    agw_jw_key(w, "message");
    agw_jw_bytes(w, err->message, strlen(err->message));
    agw_jw_key(w, "type");
    agw_jw_bytes(w, type, strlen(type));
    agw_jw_key(w, "param");
    agw_jw_null(w);
    agw_jw_key(w, "code");
    if (code != NULL) {
        agw_jw_bytes(w, code, strlen(code));
    } else {
        agw_jw_null(w);
    }
    agw_jw_object_end(w);
    agw_jw_object_end(w);
}


int
agw_oai_write_error(const agw_error_t *err, agw_buf_t *out)
{
    agw_jw_t  w;

    agw_jw_init(&w, out);
    agw_oai_write_error_object(&w, err);

    return w.failed ? -1 : 0;
}
