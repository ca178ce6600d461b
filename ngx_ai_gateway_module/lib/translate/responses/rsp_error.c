/*
 * rsp_error: the Responses API's errors.  A whole error body is OpenAI's
 * envelope, {"error":{"message","type","param","code"}} (captured
 * error-429-insufficient-quota); in a stream the same members come in the
 * "error" event and in response.failed's "error" (rsp_stream.c), which
 * this file reads and writes.
 */

#include <string.h>

#include "rsp_int.h"


/*
 * OpenAI's error type of a class, as its whole error bodies say it (the
 * Chat dialect's codec writes those): invalid_request_error for 400, 401
 * and 404 too.
 */
static const char *
agw_rsp_error_type(agw_err_class_t cls)
{
    switch (cls) {
    case AGW_ERR_RATE_LIMIT:      return "rate_limit_error";
    case AGW_ERR_PERMISSION:      return "permission_error";
    case AGW_ERR_OVERLOADED:      return "service_unavailable_error";
    case AGW_ERR_SERVER:
    case AGW_ERR_BAD_GATEWAY:
    case AGW_ERR_TIMEOUT:         return "server_error";
    default:                      return "invalid_request_error";
    }
}


/* The class an OpenAI error code or type names; NONE when none. */
static agw_err_class_t
agw_rsp_class_of(const agw_str_t *s)
{
    size_t  i;

    static const struct {
        const char       *code;
        size_t            len;
        agw_err_class_t   cls;
    } codes[] = {
#define agw_rsp_code(s, c)  { s, sizeof(s) - 1, c }
        agw_rsp_code("invalid_api_key", AGW_ERR_AUTHENTICATION),
        agw_rsp_code("authentication_error", AGW_ERR_AUTHENTICATION),
        agw_rsp_code("permission_error", AGW_ERR_PERMISSION),
        agw_rsp_code("model_not_found", AGW_ERR_NOT_FOUND),
        agw_rsp_code("not_found_error", AGW_ERR_NOT_FOUND),
        agw_rsp_code("rate_limit_exceeded", AGW_ERR_RATE_LIMIT),
        agw_rsp_code("rate_limit_error", AGW_ERR_RATE_LIMIT),
        agw_rsp_code("insufficient_quota", AGW_ERR_RATE_LIMIT),
        agw_rsp_code("server_is_overloaded", AGW_ERR_OVERLOADED),
        agw_rsp_code("service_unavailable_error", AGW_ERR_OVERLOADED),
        agw_rsp_code("server_error", AGW_ERR_SERVER),
        agw_rsp_code("api_error", AGW_ERR_SERVER),
        agw_rsp_code("invalid_request_error", AGW_ERR_INVALID_REQUEST),
#undef agw_rsp_code
    };

    if (s == NULL || !agw_str_set(s)) {
        return AGW_ERR_NONE;
    }

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (agw_str_eq(s, codes[i].code, codes[i].len)) {
            return codes[i].cls;
        }
    }

    return AGW_ERR_NONE;
}


/*
 * The characters of a string into buf (size bytes, NUL-terminated), cut
 * at a character's boundary when they do not fit: a provider's message
 * may be longer than an error holds.
 */
static void
agw_rsp_copy_text(char *buf, size_t size, const agw_str_t *s)
{
    char       tmp[2048];
    size_t     i, n;
    agw_str_t  cut;

    cut = *s;

    if (cut.len > sizeof(tmp)) {
        /* a prefix that splits no escape: one may start in the last 12
         * bytes (a surrogate pair's two), cut before the run of
         * backslashes it begins with */
        n = sizeof(tmp);

        for (i = n; i > n - 12; i--) {
            if (cut.data[i - 1] == '\\') {
                for (n = i - 1; n > 0 && cut.data[n - 1] == '\\'; n--) {
                    /* void */
                }
                break;
            }
        }

        cut.len = (uint32_t) n;
    }

    n = agw_str_unescape(&cut, tmp);

    if (n >= size) {
        n = size - 1;

        /* not in the middle of a UTF-8 sequence */
        while (n > 0 && ((unsigned char) tmp[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    memcpy(buf, tmp, n);
    buf[n] = '\0';
}


/* An error from a provider's code, type and message. */
void
agw_rsp_error_from(agw_error_t *err, const agw_str_t *code,
    const agw_str_t *type, const agw_str_t *message)
{
    agw_err_class_t  cls;

    if (message != NULL && agw_str_set(message)) {
        agw_rsp_copy_text(err->message, sizeof(err->message), message);
    }

    if (code != NULL && agw_str_set(code) && code->len < sizeof(err->code)) {
        agw_rsp_copy_text(err->code, sizeof(err->code), code);

    } else if (type != NULL && agw_str_set(type)
               && type->len < sizeof(err->code))
    {
        agw_rsp_copy_text(err->code, sizeof(err->code), type);
    }

    if (err->cls == AGW_ERR_NONE || err->cls == AGW_ERR_INVALID_REQUEST) {
        cls = agw_rsp_class_of(code);

        if (cls == AGW_ERR_NONE) {
            cls = agw_rsp_class_of(type);
        }

        if (cls != AGW_ERR_NONE) {
            err->cls = cls;
        }
    }
}


/* {"message","type","code","param"} into err: 0, or -1 not JSON. */
int
agw_rsp_read_error_object(agw_jr_t *r, agw_error_t *err)
{
    int        rc;
    agw_str_t  key, code, type, message;

    code = type = message = agw_rsp_unset;

    if (agw_jr_object(r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        agw_str_t  *dst = NULL;

        if (agw_str_is(&key, "code")) {
            dst = &code;
        } else if (agw_str_is(&key, "type")) {
            dst = &type;
        } else if (agw_str_is(&key, "message")) {
            dst = &message;
        }

        if (dst != NULL && agw_jr_peek(r) == AGW_JR_STRING) {
            rc = agw_jr_string(r, dst);
        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return -1;
        }
    }

    if (rc < 0) {
        return -1;
    }

    agw_rsp_error_from(err, &code, &type, &message);
    return 0;
}


/*
 * A whole error body is OpenAI's envelope, the Chat Completions dialect's
 * own: read and written by that codec, so the shape and its rules (the
 * shapes compatible servers use, the type and code of each class) are
 * said once.
 */
void
agw_rsp_read_error(const char *body, size_t len, agw_error_t *err)
{
    agw_openai_codec.read_error(body, len, err);
}


/* "type" (with type), "code", "message", "param" of err. */
void
agw_rsp_error_members(agw_jw_t *w, const agw_error_t *err, int type)
{
    agw_str_t    s;
    const char  *name;

    if (type) {
        name = agw_rsp_error_type(err->cls);
        agw_jw_key(w, "type");
        agw_jw_bytes(w, name, strlen(name));
    }

    agw_jw_key(w, "code");

    if (err->code[0] != '\0') {
        s = agw_str_bytes(err->code, strlen(err->code));
        agw_rsp_put_str(w, &s);
    } else {
        agw_jw_null(w);
    }

    agw_jw_key(w, "message");
    s = agw_str_bytes(err->message, strlen(err->message));
    agw_rsp_put_str(w, &s);
    agw_jw_key(w, "param");
    agw_jw_null(w);
}


int
agw_rsp_write_error(const agw_error_t *err, agw_buf_t *out)
{
    return agw_openai_codec.write_error(err, out);
}


/*
 * previous_response_id and conversation name history OpenAI keeps: any
 * other provider would answer without it, a silent loss of the
 * conversation, so the client is told instead.
 */
int
agw_rsp_check_provider(const agw_request_t *req, agw_dialect_t provider,
    agw_error_t *err)
{
    const char  *field;

    if (provider == AGW_DIALECT_RESPONSES) {
        return 0;
    }

    if (agw_str_set(&req->previous_response_id)) {
        field = "previous_response_id";

    } else if (agw_str_set(&req->conversation)) {
        field = "conversation";

    } else {
        return 0;
    }

    agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0,
                  "previous_response_not_supported",
                  "%s: the provider of this model (%s) keeps no earlier "
                  "responses; send the whole conversation in input instead",
                  field, agw_dialect_name(provider));
    return -1;
}
