/*
 * Gemini errors: {"error":{"code": <HTTP status>, "message": ...,
 * "status": <name>, "details": [{"reason": ...}]}}, read from a provider
 * and written for a client.
 */

#include <stdlib.h>
#include <string.h>

#include "gem_int.h"


const char *
agw_gem_status_name(agw_err_class_t cls)
{
    switch (cls) {
    case AGW_ERR_INVALID_REQUEST: return "INVALID_ARGUMENT";
    case AGW_ERR_AUTHENTICATION:  return "UNAUTHENTICATED";
    case AGW_ERR_PERMISSION:      return "PERMISSION_DENIED";
    case AGW_ERR_NOT_FOUND:       return "NOT_FOUND";
    case AGW_ERR_TOO_LARGE:       return "INVALID_ARGUMENT";
    case AGW_ERR_RATE_LIMIT:      return "RESOURCE_EXHAUSTED";
    case AGW_ERR_SERVER:          return "INTERNAL";
    case AGW_ERR_BAD_GATEWAY:     return "UNAVAILABLE";
    case AGW_ERR_OVERLOADED:      return "UNAVAILABLE";
    case AGW_ERR_TIMEOUT:         return "DEADLINE_EXCEEDED";
    case AGW_ERR_CLIENT_CLOSED:   return "CANCELLED";
    case AGW_ERR_NONE:            break;
    }

    return "UNKNOWN";
}


void
agw_gem_error_object(agw_jw_t *w, const agw_error_t *err)
{
    size_t       n;
    const char  *status;

    n = strnlen(err->message, sizeof(err->message));
    status = agw_gem_status_name(err->cls);

    agw_jw_object(w);
    agw_jw_key(w, "error");
    agw_jw_object(w);
    agw_jw_key(w, "code");
    agw_jw_int(w, err->status ? err->status : agw_error_status(err->cls));
    agw_jw_key(w, "message");
    agw_jw_bytes(w, err->message, n);
    agw_jw_key(w, "status");
    agw_jw_bytes(w, status, strlen(status));
    agw_jw_object_end(w);
    agw_jw_object_end(w);
}


int
agw_gem_write_error(const agw_error_t *err, agw_buf_t *out)
{
    agw_jw_t  w;

    agw_jw_init(&w, out);
    agw_gem_error_object(&w, err);

    return w.failed ? -1 : 0;
}


/*
 * The class a Google code names; Gemini answers a bad key with HTTP 400
 * INVALID_ARGUMENT and the reason API_KEY_INVALID: an authentication
 * error, whatever the status says.
 */
static agw_err_class_t
agw_gem_class_of_code(const char *code)
{
    size_t  i;

    static const struct {
        const char       *code;
        agw_err_class_t   cls;
    } codes[] = {
        { "API_KEY_INVALID",        AGW_ERR_AUTHENTICATION },
        { "UNAUTHENTICATED",        AGW_ERR_AUTHENTICATION },
        { "PERMISSION_DENIED",      AGW_ERR_PERMISSION },
        { "NOT_FOUND",              AGW_ERR_NOT_FOUND },
        { "RESOURCE_EXHAUSTED",     AGW_ERR_RATE_LIMIT },
        { "UNAVAILABLE",            AGW_ERR_OVERLOADED },
        { "INTERNAL",               AGW_ERR_SERVER },
        { "DEADLINE_EXCEEDED",      AGW_ERR_TIMEOUT },
        { "INVALID_ARGUMENT",       AGW_ERR_INVALID_REQUEST },
        { "FAILED_PRECONDITION",    AGW_ERR_INVALID_REQUEST },
    };

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (strcmp(code, codes[i].code) == 0) {
            return codes[i].cls;
        }
    }

    return AGW_ERR_NONE;
}


/* A string's characters into dst (size bytes, NUL-terminated), cut at a
 * character's start when they do not fit. */
static void
agw_gem_copy_text(const agw_str_t *s, char *dst, size_t size)
{
    int     n;
    char   *tmp;
    size_t  len;

    n = agw_str_decode(s, dst, size - 1);
    if (n >= 0) {
        dst[n] = '\0';
        return;
    }

    dst[0] = '\0';

    tmp = malloc(s->len + 1);
    if (tmp == NULL) {
        return;
    }

    len = agw_str_unescape(s, tmp);
    if (len > size - 1) {
        len = size - 1;
        while (len > 0 && ((unsigned char) tmp[len] & 0xc0) == 0x80) {
            len--;
        }
    }

    memcpy(dst, tmp, len);
    dst[len] = '\0';
    free(tmp);
}


/* details[]: the first reason. */
static int
agw_gem_error_reason(agw_jr_t *r, agw_str_t *reason)
{
    int        rc;
    agw_str_t  key;

    if (agw_jr_array(r) != 0) {
        return agw_jr_value(r, NULL);
    }

    while ((rc = agw_jr_element(r)) == 1) {
        if (agw_jr_object(r) != 0) {
            if (agw_jr_value(r, NULL) != 0) {
                return -1;
            }
            continue;
        }
        while ((rc = agw_jr_member(r, &key)) == 1) {
            if (agw_gem_is(&key, "reason") && !agw_str_set(reason)
                && agw_jr_string(r, reason) == 0)
            {
                continue;
            }
            if (agw_jr_value(r, NULL) != 0) {
                return -1;
            }
        }
        if (rc < 0) {
            return -1;
        }
    }

    return rc < 0 ? -1 : 0;
}


/*
 * The message and the most specific code (details[].reason, else status);
 * the class refined from the code when the HTTP status alone says little
 * (none, or a plain 400).  A body that is not Google's leaves err as the
 * caller set it.
 */
void
agw_gem_read_error(const char *body, size_t len, agw_error_t *err)
{
    int              rc;
    char             code[64];
    int64_t          status_code;
    agw_jr_t         r;
    agw_str_t        key, message, reason, status;
    agw_err_class_t  cls;

    status_code = -1;
    message = (agw_str_t) AGW_STR_NULL;
    reason = (agw_str_t) AGW_STR_NULL;
    status = (agw_str_t) AGW_STR_NULL;

    agw_jr_init(&r, body, len);

    if (agw_jr_object(&r) != 0) {
        return;
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (!agw_gem_is(&key, "error") || agw_jr_object(&r) != 0) {
            if (agw_jr_value(&r, NULL) != 0) {
                return;
            }
            continue;
        }

        while ((rc = agw_jr_member(&r, &key)) == 1) {
            if (agw_gem_is(&key, "message")) {
                rc = agw_jr_string(&r, &message);
            } else if (agw_gem_is(&key, "status")) {
                rc = agw_jr_string(&r, &status);
            } else if (agw_gem_is(&key, "code")) {
                rc = agw_jr_int(&r, &status_code);
            } else if (agw_gem_is(&key, "details")) {
                rc = agw_gem_error_reason(&r, &reason);
            } else {
                rc = agw_jr_value(&r, NULL);
            }
            if (rc == AGW_JR_TYPE) {
                rc = agw_jr_value(&r, NULL);
            }
            if (rc != 0) {
                return;
            }
        }
        if (rc < 0) {
            return;
        }
    }

    if (rc < 0 || agw_jr_end(&r) != 0) {
        return;
    }

    /* inside a stream there is no HTTP status but the body's code */
    if (err->cls == AGW_ERR_NONE && status_code >= 400 && status_code < 600) {
        err->cls = agw_error_class_of_status((int) status_code);
    }

    if (agw_str_set(&message)) {
        agw_gem_copy_text(&message, err->message, sizeof(err->message));
    }

    if (!agw_str_set(&reason)) {
        reason = status;
    }

    if (!agw_str_set(&reason)) {
        return;
    }

    agw_gem_copy_text(&reason, code, sizeof(code));
    memcpy(err->code, code, sizeof(code));

    if (err->cls == AGW_ERR_NONE || err->cls == AGW_ERR_INVALID_REQUEST) {
        cls = agw_gem_class_of_code(code);
        if (cls != AGW_ERR_NONE) {
            err->cls = cls;
        }
    }
}
