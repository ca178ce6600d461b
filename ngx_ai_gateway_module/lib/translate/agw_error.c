/*
 * agw_error: the errors translation meets (agw_error.h).
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agw_error.h"


/*
 * Error texts end up in JSON, which must be valid UTF-8: a provider's
 * message cut at the buffer's size may end inside a character, and a
 * non-JSON body may hold anything.  Cuts a trailing partial character and
 * replaces every other invalid byte with '?'.
 */
void
agw_error_fix_text(char *s)
{
    size_t          i, n, k, len;
    unsigned char   c, c1;

    len = strlen(s);

    for (i = 0; i < len; /* void */) {
        c = (unsigned char) s[i];

        if (c < 0x80) {
            i++;
            continue;
        }

        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
        } else {
            s[i++] = '?';
            continue;
        }

        for (k = 0; k < n && i + 1 + k < len; k++) {
            if (((unsigned char) s[i + 1 + k] & 0xc0) != 0x80) {
                break;
            }
        }

        if (k < n) {
            if (i + 1 + k == len) {
                s[i] = '\0';                    /* cut inside a character */
                return;
            }
            s[i++] = '?';
            continue;
        }

        /* overlong forms, surrogates, beyond U+10FFFF */
        c1 = (unsigned char) s[i + 1];
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f)
            || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f))
        {
            s[i++] = '?';
            continue;
        }

        i += n + 1;
    }
}


void
agw_error_set(agw_error_t *err, agw_err_class_t cls, int status,
    const char *code, const char *fmt, ...)
{
    va_list  ap;

    err->cls = cls;
    err->status = status ? status : agw_error_status(cls);
    snprintf(err->code, sizeof(err->code), "%s", code ? code : "");

    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);

    agw_error_fix_text(err->code);
    agw_error_fix_text(err->message);
}


int
agw_error_status(agw_err_class_t cls)
{
    switch (cls) {
    case AGW_ERR_NONE:            return 200;
    case AGW_ERR_INVALID_REQUEST: return 400;
    case AGW_ERR_AUTHENTICATION:  return 401;
    case AGW_ERR_PERMISSION:      return 403;
    case AGW_ERR_NOT_FOUND:       return 404;
    case AGW_ERR_TOO_LARGE:       return 413;
    case AGW_ERR_RATE_LIMIT:      return 429;
    case AGW_ERR_SERVER:          return 500;
    case AGW_ERR_BAD_GATEWAY:     return 502;
    case AGW_ERR_OVERLOADED:      return 503;
    case AGW_ERR_TIMEOUT:         return 504;
    case AGW_ERR_CLIENT_CLOSED:   return 499;
    }

    return 500;
}


agw_err_class_t
agw_error_class_of_status(int status)
{
    switch (status) {
    case 400: case 422:  return AGW_ERR_INVALID_REQUEST;
    case 401:            return AGW_ERR_AUTHENTICATION;
    case 402: case 403:  return AGW_ERR_PERMISSION;
    case 404:            return AGW_ERR_NOT_FOUND;
    case 408: case 504:  return AGW_ERR_TIMEOUT;
    case 413:            return AGW_ERR_TOO_LARGE;
    case 429:            return AGW_ERR_RATE_LIMIT;
    case 500:            return AGW_ERR_SERVER;
    case 502:            return AGW_ERR_BAD_GATEWAY;
    case 503: case 529:  return AGW_ERR_OVERLOADED;
    }

    if (status >= 400 && status < 500) {
        return AGW_ERR_INVALID_REQUEST;
    }

    if (status >= 500) {
        return AGW_ERR_SERVER;
    }

    return AGW_ERR_NONE;
}


/*
 * Type names as OpenAI sends them, in the error bodies of both its
 * dialects (Chat Completions and Responses): invalid_request_error for
 * 400, 401 (invalid_api_key) and 404 (model_not_found); rate_limit_error
 * for 429; server_error for 5xx.
 */
const char *
agw_error_openai_type(agw_err_class_t cls)
{
    switch (cls) {
    case AGW_ERR_RATE_LIMIT:   return "rate_limit_error";
    case AGW_ERR_PERMISSION:   return "permission_error";
    case AGW_ERR_OVERLOADED:   return "service_unavailable_error";
    case AGW_ERR_SERVER:
    case AGW_ERR_BAD_GATEWAY:
    case AGW_ERR_TIMEOUT:      return "server_error";
    default:                   return "invalid_request_error";
    }
}
