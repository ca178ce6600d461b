/*
 * agw_translate: the dispatcher.  Every translation goes client -> hub ->
 * provider for requests and provider -> hub -> client for responses and
 * streams; same dialect on both sides is a passthrough.  An operation a
 * dialect does not implement (NULL in its ops table) makes that pair
 * "not supported": a clear error, never a crash.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_direct.h"
#include "agw_passthrough.h"
#include "agw_translate_int.h"


static const agw_dialect_ops_t *agw_ops(agw_dialect_t d);
static void agw_utf8_fix(char *s);
static int agw_stream_on_event(void *ud, const agw_sse_event_t *ev);
static int agw_stream_fail(agw_stream_t *s, agw_buf_t *out);
static int agw_stream_error_event(agw_stream_t *s, const agw_error_t *err,
    agw_buf_t *out);


static const agw_dialect_ops_t *
agw_ops(agw_dialect_t d)
{
    switch (d) {
    case AGW_DIALECT_OPENAI:
        return &agw_openai_ops;
    case AGW_DIALECT_ANTHROPIC:
        return &agw_anthropic_ops;
    case AGW_DIALECT_GEMINI:
        return &agw_gemini_ops;
    default:
        return NULL;
    }
}


int
agw_translate_supported(agw_dialect_t client, agw_dialect_t provider,
    int stream)
{
    return agw_translate_supported_ops(client, provider, agw_ops(client),
                                       agw_ops(provider), stream);
}


int
agw_translate_supported_ops(agw_dialect_t client, agw_dialect_t provider,
    const agw_dialect_ops_t *cops, const agw_dialect_ops_t *pops, int stream)
{
    if (cops == NULL || pops == NULL) {
        return 0;
    }

    if (client == provider) {
        return pops->request_passthrough != NULL
               && pops->response_passthrough != NULL
               && (!stream || pops->stream_passthrough != NULL);
    }

    if (cops->request_to_hub == NULL || pops->request_from_hub == NULL
        || pops->response_to_hub == NULL || cops->response_from_hub == NULL)
    {
        return 0;
    }

    return !stream
           || (pops->stream_decode != NULL && cops->stream_encode != NULL
               && cops->stream_end != NULL && cops->stream_error != NULL);
}


/* Errors */

/*
 * Error texts end up in JSON, which must be valid UTF-8: a provider's
 * message cut at the buffer's size may end inside a character, and a
 * non-JSON body may hold anything.  Cuts a trailing partial character and
 * replaces every other invalid byte with '?'.
 */
static void
agw_utf8_fix(char *s)
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

    agw_utf8_fix(err->code);
    agw_utf8_fix(err->message);
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
 * Machine codes and types that say more than the status does, across the
 * three dialects: Gemini answers a bad key with 400 + API_KEY_INVALID, and
 * a mid-stream error event has no status at all.
 */
agw_err_class_t
agw_error_class_of_code(const char *code)
{
    size_t  i;

    static const struct {
        const char       *code;
        agw_err_class_t   cls;
    } codes[] = {
        { "invalid_api_key",        AGW_ERR_AUTHENTICATION },
        { "authentication_error",   AGW_ERR_AUTHENTICATION },
        { "API_KEY_INVALID",        AGW_ERR_AUTHENTICATION },
        { "UNAUTHENTICATED",        AGW_ERR_AUTHENTICATION },
        { "permission_error",       AGW_ERR_PERMISSION },
        { "PERMISSION_DENIED",      AGW_ERR_PERMISSION },
        { "not_found_error",        AGW_ERR_NOT_FOUND },
        { "model_not_found",        AGW_ERR_NOT_FOUND },
        { "NOT_FOUND",              AGW_ERR_NOT_FOUND },
        { "request_too_large",      AGW_ERR_TOO_LARGE },
        { "rate_limit_error",       AGW_ERR_RATE_LIMIT },
        { "rate_limit_exceeded",    AGW_ERR_RATE_LIMIT },
        { "insufficient_quota",     AGW_ERR_RATE_LIMIT },
        { "RESOURCE_EXHAUSTED",     AGW_ERR_RATE_LIMIT },
        { "overloaded_error",       AGW_ERR_OVERLOADED },
        { "server_is_overloaded",   AGW_ERR_OVERLOADED },
        { "UNAVAILABLE",            AGW_ERR_OVERLOADED },
        { "api_error",              AGW_ERR_SERVER },
        { "server_error",           AGW_ERR_SERVER },
        { "INTERNAL",               AGW_ERR_SERVER },
        { "DEADLINE_EXCEEDED",      AGW_ERR_TIMEOUT },
        { "timeout_error",          AGW_ERR_TIMEOUT },
        { "invalid_request_error",  AGW_ERR_INVALID_REQUEST },
        { "INVALID_ARGUMENT",       AGW_ERR_INVALID_REQUEST },
        { "FAILED_PRECONDITION",    AGW_ERR_INVALID_REQUEST },
    };

    if (code == NULL) {
        return AGW_ERR_NONE;
    }

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (strcmp(code, codes[i].code) == 0) {
            return codes[i].cls;
        }
    }

    return AGW_ERR_NONE;
}


/*
 * All three dialects wrap errors in {"error": {"message": ...}}; they differ
 * in where the machine code sits (OpenAI error.code / error.type, Anthropic
 * error.type, Gemini error.details[].reason / error.status).  Takes the
 * most specific code found.  The class is refined from the code when the
 * status alone says little (none, or a plain 400).
 */
void
agw_error_parse_generic(const char *body, size_t len, agw_error_t *err)
{
    size_t        i;
    json_t       *root, *e, *v, *details, *d;
    const char   *code;
    agw_err_class_t  cls;

    root = agw_json_load(body, len);
    if (root == NULL) {
        return;
    }

    e = json_object_get(root, "error");

    /* OpenAI-compatible servers vary: {"error": "text"} (Ollama and
     * others), or the fields at the top level (vLLM's "object": "error") */
    if (json_is_string(e)) {
        snprintf(err->message, sizeof(err->message), "%s",
                 json_string_value(e));
        agw_utf8_fix(err->message);
        json_decref(root);
        return;
    }

    if (!json_is_object(e)) {
        if (!json_is_string(json_object_get(root, "message"))) {
            json_decref(root);
            return;
        }
        e = root;
    }

    v = json_object_get(e, "message");
    if (json_is_string(v)) {
        snprintf(err->message, sizeof(err->message), "%s",
                 json_string_value(v));
    }

    code = NULL;

    details = json_object_get(e, "details");
    json_array_foreach(details, i, d) {
        v = json_object_get(d, "reason");
        if (json_is_string(v)) {
            code = json_string_value(v);
            break;
        }
    }

    if (code == NULL) {
        v = json_object_get(e, "code");
        code = json_is_string(v) ? json_string_value(v) : NULL;
    }

    if (code == NULL) {
        v = json_object_get(e, "status");
        code = json_is_string(v) ? json_string_value(v) : NULL;
    }

    if (code == NULL) {
        v = json_object_get(e, "type");
        code = json_is_string(v) ? json_string_value(v) : NULL;
    }

    if (code != NULL) {
        snprintf(err->code, sizeof(err->code), "%s", code);
    }

    agw_utf8_fix(err->code);
    agw_utf8_fix(err->message);

    if (err->cls == AGW_ERR_NONE || err->cls == AGW_ERR_INVALID_REQUEST) {
        cls = agw_error_class_of_code(code);
        if (cls == AGW_ERR_NONE) {
            v = json_object_get(e, "type");
            cls = agw_error_class_of_code(json_string_value(v));
        }
        if (cls != AGW_ERR_NONE) {
            err->cls = cls;
        }
    }

    json_decref(root);
}


int
agw_error_body(agw_dialect_t d, const agw_error_t *err, agw_buf_t *out)
{
    const agw_dialect_ops_t  *ops;

    ops = agw_ops(d);

    /* a dialect without its own shape yet answers in OpenAI's */
    if (ops == NULL || ops->error_body == NULL) {
        ops = &agw_openai_ops;
    }

    return ops->error_body(err, out);
}


/*
 * Copies at most 200 printable bytes of a non-JSON body (an HTML page from a
 * load balancer, say) so that the client still learns something.
 */
static void
agw_error_snippet(const char *body, size_t len, int status, agw_error_t *err)
{
    size_t  i, n;
    char    text[201];

    n = 0;
    for (i = 0; i < len && n < sizeof(text) - 1; i++) {
        unsigned char c = (unsigned char) body[i];
        if (c == '\r' || c == '\n' || c == '\t') {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f) {
            continue;
        }
        if (c == ' ' && (n == 0 || text[n - 1] == ' ')) {
            continue;
        }
        text[n++] = (char) c;
    }
    text[n] = '\0';

    if (n) {
        snprintf(err->message, sizeof(err->message),
                 "upstream answered HTTP %d: %s", status, text);
    } else {
        snprintf(err->message, sizeof(err->message),
                 "upstream answered HTTP %d", status);
    }

    agw_utf8_fix(err->message);
}


int
agw_translate_error(agw_dialect_t provider, agw_dialect_t client,
    int status, const char *body, size_t len, int *client_status,
    agw_buf_t *out)
{
    json_t                   *j;
    agw_error_t               err;
    const agw_dialect_ops_t  *pops;

    pops = agw_ops(provider);

    /* same dialect and a JSON body: the provider's answer as it was */
    if (provider == client && pops != NULL && len > 0
        && status >= 400 && status <= 599)
    {
        j = agw_json_load(body, len);
        if (json_is_object(j)) {
            json_decref(j);
            *client_status = status;
            return agw_buf_append(out, body, len);
        }
        json_decref(j);
    }

    memset(&err, 0, sizeof(err));
    err.cls = agw_error_class_of_status(status);
    if (err.cls == AGW_ERR_NONE) {
        /* an "error" with a 2xx/3xx status: the upstream misbehaved */
        err.cls = AGW_ERR_BAD_GATEWAY;
    }

    if (pops != NULL && pops->error_parse != NULL) {
        pops->error_parse(body, len, &err);
    } else {
        agw_error_parse_generic(body, len, &err);
    }

    if (err.message[0] == '\0') {
        agw_error_snippet(body, len, status, &err);
    }

    /* the client's status follows the class, so its SDK retries (or not)
     * as it would against its own provider: 529 -> 503, 400 bad key ->
     * 401; Anthropic clients get overloaded as Anthropic sends it */
    if (client == provider && status >= 400 && status <= 599) {
        err.status = status;
    } else if (err.cls == AGW_ERR_OVERLOADED
               && client == AGW_DIALECT_ANTHROPIC)
    {
        err.status = 529;
    } else {
        err.status = agw_error_status(err.cls);
    }

    *client_status = err.status;

    return agw_error_body(client, &err, out);
}


/* Helpers shared by the dialects */

static int64_t
agw_json_int(const json_t *obj, const char *key)
{
    json_t  *v;

    v = json_object_get(obj, key);
    if (json_is_integer(v)) {
        return json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
    }

    if (json_is_real(v) && json_real_value(v) >= 0) {
        return (int64_t) json_real_value(v);
    }

    return -1;
}


void
agw_usage_from_openai(const json_t *usage, agw_usage_t *u)
{
    json_t       *d;
    agw_usage_t   n;

    if (!json_is_object(usage)) {
        return;
    }

    agw_usage_init(&n);

    n.input = agw_json_int(usage, "prompt_tokens");
    n.output = agw_json_int(usage, "completion_tokens");

    d = json_object_get(usage, "prompt_tokens_details");
    if (json_is_object(d)) {
        n.cache_read = agw_json_int(d, "cached_tokens");
        n.cache_write = agw_json_int(d, "cache_write_tokens");
    }

    d = json_object_get(usage, "completion_tokens_details");
    if (json_is_object(d)) {
        n.reasoning = agw_json_int(d, "reasoning_tokens");
    }

    agw_usage_merge(u, &n);
}


static int
agw_json_set_int(json_t *obj, const char *key, int64_t v)
{
    return json_object_set_new(obj, key, json_integer(v < 0 ? 0 : v));
}


json_t *
agw_usage_to_openai(const agw_usage_t *u)
{
    json_t  *usage, *pd, *cd;
    int      rc;

    usage = json_object();
    pd = json_object();
    cd = json_object();
    if (usage == NULL || pd == NULL || cd == NULL) {
        goto failed;
    }

    rc = agw_json_set_int(usage, "prompt_tokens", u->input);
    rc |= agw_json_set_int(usage, "completion_tokens", u->output);
    rc |= agw_json_set_int(usage, "total_tokens",
                           agw_usage_sum(u->input > 0 ? u->input : 0,
                                         u->output > 0 ? u->output : 0));
    rc |= agw_json_set_int(pd, "cached_tokens", u->cache_read);
    if (u->cache_write >= 0) {
        rc |= agw_json_set_int(pd, "cache_write_tokens", u->cache_write);
    }
    rc |= agw_json_set_int(cd, "reasoning_tokens", u->reasoning);
    if (rc != 0) {
        goto failed;
    }

    if (json_object_set_new(usage, "prompt_tokens_details", pd) != 0) {
        pd = NULL;
        goto failed;
    }
    pd = NULL;

    if (json_object_set_new(usage, "completion_tokens_details", cd) != 0) {
        cd = NULL;
        goto failed;
    }

    return usage;

failed:

    json_decref(usage);
    json_decref(pd);
    json_decref(cd);
    return NULL;
}


/* Requests */

int
agw_translate_request(agw_dialect_t client, agw_dialect_t provider,
    json_t *in, const agw_request_opts_t *opts, json_t **out,
    agw_error_t *err)
{
    return agw_translate_request_ops(client, provider, agw_ops(client),
                                     agw_ops(provider), in, opts, out, err);
}


int
agw_translate_request_body(agw_dialect_t client, agw_dialect_t provider,
    const char *body, size_t len, const agw_request_opts_t *opts,
    agw_buf_t *out, agw_error_t *err)
{
    int           rc;
    json_t       *in, *res;
    json_error_t  jerr;

    if (client == AGW_DIALECT_OPENAI && provider == AGW_DIALECT_ANTHROPIC) {
        rc = agw_direct_openai_to_anthropic_request(body, len, opts, out);
        if (rc != AGW_DIRECT_DECLINED) {
            return rc;
        }

    } else if (client == AGW_DIALECT_OPENAI && provider == client) {
        rc = agw_passthrough_request(body, len, opts->model, opts->stream,
                                     out);
        if (rc != AGW_PASSTHROUGH_DECLINED) {
            if (rc < 0) {
                agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0,
                              "invalid_json", "The request body is not "
                              "valid JSON");
            }
            return rc;
        }
    }

    in = agw_json_load(body, len);
    if (in == NULL) {
        /* the module checked the grammar: a number beyond what jansson
         * holds, or a caller that did not; jansson says which */
        json_decref(json_loadb(body, len, 0, &jerr));
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_json",
                      "The request body cannot be translated: %s", jerr.text);
        return -1;
    }

    rc = agw_translate_request(client, provider, in, opts, &res, err);
    json_decref(in);

    if (rc != 0) {
        return -1;
    }

    rc = agw_json_append(out, res);
    json_decref(res);

    return rc;
}


int
agw_translate_request_ops(agw_dialect_t client, agw_dialect_t provider,
    const agw_dialect_ops_t *cops, const agw_dialect_ops_t *pops, json_t *in,
    const agw_request_opts_t *opts, json_t **out, agw_error_t *err)
{
    json_t  *hub;

    *out = NULL;

    if (cops == NULL || pops == NULL) {
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "unsupported_dialect",
                      "unknown dialect");
        return -1;
    }

    if (!json_is_object(in)) {
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_body",
                      "the request body must be a JSON object");
        return -1;
    }

    if (client == provider) {
        if (pops->request_passthrough == NULL) {
            goto unsupported;
        }

        *out = pops->request_passthrough(in, opts, err);
        return *out ? 0 : -1;
    }

    if (cops->request_to_hub == NULL || pops->request_from_hub == NULL) {
        goto unsupported;
    }

    hub = cops->request_to_hub(in, opts, err);
    if (hub == NULL) {
        return -1;
    }

    *out = pops->request_from_hub(hub, opts, err);
    json_decref(hub);

    return *out ? 0 : -1;

unsupported:

    agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "unsupported_translation",
                  "translating %s requests for a %s provider is not "
                  "supported", agw_dialect_name(client),
                  agw_dialect_name(provider));
    return -1;
}


/* Whole responses */

int
agw_translate_response(agw_dialect_t provider, agw_dialect_t client,
    const char *body, size_t len, const agw_response_opts_t *opts,
    agw_buf_t *out, agw_usage_t *usage, agw_error_t *err)
{
    int  rc;

    if (provider == AGW_DIALECT_ANTHROPIC && client == AGW_DIALECT_OPENAI) {
        rc = agw_direct_anthropic_to_openai_response(body, len, opts, out,
                                                     usage);
        if (rc == 0) {
            return 0;
        }

        if (rc < 0) {
            agw_error_set(err, AGW_ERR_SERVER, 0, "no_memory",
                          "out of memory");
            return -1;
        }
    }

    return agw_translate_response_ops(provider, client, agw_ops(provider),
                                      agw_ops(client), body, len, opts, out,
                                      usage, err);
}


int
agw_translate_response_ops(agw_dialect_t provider, agw_dialect_t client,
    const agw_dialect_ops_t *pops, const agw_dialect_ops_t *cops,
    const char *body, size_t len, const agw_response_opts_t *opts,
    agw_buf_t *out, agw_usage_t *usage, agw_error_t *err)
{
    int            rc;
    json_t        *in, *hub, *res;

    if (cops == NULL || pops == NULL) {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "unsupported_dialect",
                      "unknown dialect");
        return -1;
    }

    if (client == provider ? pops->response_passthrough == NULL
        : (pops->response_to_hub == NULL || cops->response_from_hub == NULL))
    {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "unsupported_translation",
                      "translating %s responses for a %s client is not "
                      "supported", agw_dialect_name(provider),
                      agw_dialect_name(client));
        return -1;
    }

    in = agw_json_load(body, len);
    if (!json_is_object(in)) {
        json_decref(in);
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "invalid_upstream_body",
                      "the %s upstream answered a body that is not a JSON "
                      "object", agw_dialect_name(provider));
        return -1;
    }

    if (client == provider) {
        rc = pops->response_passthrough(in, opts, usage, err);
        if (rc == 0 && agw_json_append(out, in) != 0) {
            agw_error_set(err, AGW_ERR_SERVER, 0, "no_memory",
                          "out of memory");
            rc = -1;
        }
        json_decref(in);
        return rc;
    }

    hub = pops->response_to_hub(in, usage, err);
    json_decref(in);
    if (hub == NULL) {
        return -1;
    }

    res = cops->response_from_hub(hub, opts, err);
    json_decref(hub);
    if (res == NULL) {
        return -1;
    }

    rc = agw_json_append(out, res);
    json_decref(res);

    if (rc != 0) {
        agw_error_set(err, AGW_ERR_SERVER, 0, "no_memory", "out of memory");
        return -1;
    }

    return 0;
}


/* Streams */

agw_stream_t *
agw_stream_new(agw_dialect_t provider, agw_dialect_t client,
    const agw_stream_opts_t *opts)
{
    return agw_stream_new_ops(provider, client, agw_ops(provider),
                              agw_ops(client), opts);
}


agw_stream_t *
agw_stream_new_ops(agw_dialect_t provider, agw_dialect_t client,
    const agw_dialect_ops_t *pops, const agw_dialect_ops_t *cops,
    const agw_stream_opts_t *opts)
{
    char          *p;
    size_t         dec, enc, gem;
    agw_stream_t  *s;

    /* one allocation: the stream, then the states its dialects use */
    dec = provider == AGW_DIALECT_ANTHROPIC
          ? sizeof(agw_anthropic_decoder_t) : 0;
    enc = client == AGW_DIALECT_ANTHROPIC
          ? sizeof(agw_anthropic_encoder_t) : 0;
    gem = (provider == AGW_DIALECT_GEMINI || client == AGW_DIALECT_GEMINI)
          ? sizeof(agw_gemini_stream_t) : 0;

    s = calloc(1, sizeof(agw_stream_t) + dec + enc + gem);
    if (s == NULL) {
        return NULL;
    }

    p = (char *) (s + 1);

    if (dec) {
        s->ant_dec = (agw_anthropic_decoder_t *) p;
        p += dec;
    }

    if (enc) {
        s->ant_enc = (agw_anthropic_encoder_t *) p;
        p += enc;
    }

    if (gem) {
        s->gemini = (agw_gemini_stream_t *) p;
    }

    s->model = strdup(opts && opts->model ? opts->model : "");
    if (s->model == NULL
        || agw_buf_append_json_string(&s->model_json, s->model,
                                      strlen(s->model)) != 0)
    {
        free(s->model);
        free(s);
        return NULL;
    }

    agw_buf_fit(&s->model_json);

    s->provider = provider;
    s->client = client;
    s->pops = pops;
    s->cops = cops;
    s->include_usage = opts ? opts->include_usage : 0;
    agw_sse_init(&s->sse, opts ? opts->max_event : 0);
    agw_usage_init(&s->usage);

    /* an unsupported pair still makes a stream: its first feed fails and
     * the client gets a proper error event instead of a dead connection */
    if (!agw_translate_supported_ops(client, provider, cops, pops, 1)) {
        agw_error_set(agw_stream_err(s), AGW_ERR_BAD_GATEWAY, 0,
                      "unsupported_translation",
                      "streaming %s responses to a %s client is not "
                      "supported", agw_dialect_name(provider),
                      agw_dialect_name(client));
    }

    return s;
}


/*
 * A provider's error event: the class given, refined or found from its
 * body's code (else a server error), its message, else msg.
 */
void
agw_stream_error_from(agw_stream_t *s, const char *data, size_t len,
    agw_err_class_t cls, const char *msg)
{
    agw_error_t  *e;

    e = agw_stream_err(s);

    memset(e, 0, sizeof(agw_error_t));
    e->cls = cls;
    agw_error_parse_generic(data, len, e);

    if (e->cls == AGW_ERR_NONE) {
        e->cls = AGW_ERR_SERVER;
    }

    e->status = agw_error_status(e->cls);

    if (e->message[0] == '\0') {
        snprintf(e->message, sizeof(e->message), "%s", msg);
    }
}


/* what failing streams write when there is no memory for their own */
static agw_error_t  agw_stream_nomem;


agw_error_t *
agw_stream_err(agw_stream_t *s)
{
    if (s->error == NULL) {
        s->error = calloc(1, sizeof(agw_error_t));

        if (s->error == NULL) {
            s->error = &agw_stream_nomem;
            agw_error_set(s->error, AGW_ERR_SERVER, 0, "no_memory",
                          "out of memory");
        }
    }

    return s->error;
}


int
agw_stream_emit(agw_stream_t *s, json_t *chunk)
{
    if (s->client_done) {
        return 0;
    }

    s->started = 1;
    return s->cops->stream_encode(s, chunk, s->out);
}


int
agw_stream_emit_text(agw_stream_t *s, const char *text, size_t len)
{
    int  rc;

    if (s->client_done) {
        return 0;
    }

    if (s->cops->stream_encode_text == NULL || s->hub_only) {
        return AGW_STREAM_DECLINED;
    }

    rc = s->cops->stream_encode_text(s, text, len, s->out);
    if (rc == 0) {
        s->started = 1;
    }

    return rc;
}


static int
agw_stream_on_event(void *ud, const agw_sse_event_t *ev)
{
    int            rc;
    agw_stream_t  *s = ud;

    /* 1: the client stream is closed, stop quietly; 2: the operation
     * failed (distinct from the parser's own negative errors) */
    if (s->client_done) {
        return 1;
    }

    if (s->provider == s->client) {
        rc = s->pops->stream_passthrough(s, ev, s->out);
    } else {
        rc = s->pops->stream_decode(s, ev);
    }

    if (rc != 0) {
        return 2;
    }

    /* the operation closed the client stream (the provider's end marker):
     * whatever follows must not be parsed, let alone fail the stream */
    return s->client_done ? 1 : 0;
}


/*
 * Renders err in the client's dialect; a client dialect without a stream
 * error event yet gets OpenAI's, which at least carries the message.
 */
static int
agw_stream_error_event(agw_stream_t *s, const agw_error_t *err,
    agw_buf_t *out)
{
    const agw_dialect_ops_t  *ops;

    ops = (s->cops && s->cops->stream_error) ? s->cops : &agw_openai_ops;
    s->client_done = 1;
    return ops->stream_error(s, err, out);
}


/* Ends the client stream with s->error (or a generic one) unless an
 * operation already closed it. */
static int
agw_stream_fail(agw_stream_t *s, agw_buf_t *out)
{
    if (!agw_stream_failed(s)) {
        agw_error_set(agw_stream_err(s), AGW_ERR_BAD_GATEWAY, 0,
                      "invalid_stream",
                      "the %s upstream sent a malformed stream",
                      agw_dialect_name(s->provider));
    }

    if (!s->client_done) {
        (void) agw_stream_error_event(s, s->error, out);
    }

    return -1;
}


int
agw_stream_feed(agw_stream_t *s, const char *data, size_t len,
    agw_buf_t *out)
{
    int  rc;

    if (s->client_done) {
        /* bytes after the end (or after an error) change nothing */
        return agw_stream_failed(s) ? -1 : 0;
    }

    if (agw_stream_failed(s)) {
        return agw_stream_fail(s, out);
    }

    s->out = out;
    rc = agw_sse_feed(&s->sse, data, len, agw_stream_on_event, s);
    s->out = NULL;

    agw_sse_idle(&s->sse);

    if (rc == 0 || (s->client_done && !agw_stream_failed(s))) {
        return 0;
    }

    if (rc == 1 || (rc == 2 && s->client_done)) {
        /* the operation closed the client stream itself, e.g. an OpenAI
         * passthrough forwarding the provider's own error event */
        return -1;
    }

    if (rc == AGW_SSE_ERR_TOO_BIG) {
        agw_error_set(agw_stream_err(s), AGW_ERR_BAD_GATEWAY, 0,
                      "event_too_large",
                      "the %s upstream sent a stream event larger than %zu "
                      "bytes", agw_dialect_name(s->provider),
                      s->sse.max_event);

    } else if (rc == AGW_SSE_ERR_NOMEM) {
        agw_error_set(agw_stream_err(s), AGW_ERR_SERVER, 0, "no_memory",
                      "out of memory");
    }

    return agw_stream_fail(s, out);
}


int
agw_stream_finish(agw_stream_t *s, int upstream_ok, agw_buf_t *out)
{
    (void) upstream_ok;     /* without the end marker it is an error anyway */

    if (s->client_done) {
        return agw_stream_failed(s) ? 1 : 0;
    }

    /* once the provider's end marker went by the answer is whole: a
     * connection dropped after it loses nothing */
    if (!agw_stream_failed(s) && !s->provider_done) {
        agw_error_set(agw_stream_err(s), AGW_ERR_BAD_GATEWAY, 0,
                      "stream_truncated",
                      "the %s upstream stream ended before its end of "
                      "stream", agw_dialect_name(s->provider));
    }

    if (agw_stream_failed(s)) {
        (void) agw_stream_error_event(s, s->error, out);
        return 1;
    }

    s->client_done = 1;

    /* a passthrough forwarded the provider's own closing events */
    if (s->provider == s->client) {
        return 0;
    }

    return s->cops->stream_end(s, out) == 0 ? 0 : 1;
}


void
agw_stream_set_error(agw_stream_t *s, const agw_error_t *err)
{
    if (!agw_stream_failed(s) && !s->client_done && !s->provider_done) {
        *agw_stream_err(s) = *err;
    }
}


void
agw_stream_set_created(agw_stream_t *s, int64_t created)
{
    s->created = created;
}


const agw_usage_t *
agw_stream_usage(const agw_stream_t *s)
{
    return &s->usage;
}


const agw_error_t *
agw_stream_error(const agw_stream_t *s)
{
    static const agw_error_t  none;

    return s->error ? s->error : &none;
}


void
agw_stream_free(agw_stream_t *s)
{
    if (s == NULL) {
        return;
    }

    agw_sse_free(&s->sse);

    /* a stream freed unfinished (the client went away) may still hold a
     * Gemini or Anthropic encoder's tool-call fragments */
    agw_gemini_stream_free(s->gemini);
    agw_ant_stream_free(s->ant_enc);

    if (s->error != &agw_stream_nomem) {
        free(s->error);
    }

    agw_buf_free(&s->model_json);
    agw_buf_free(&s->text_fixed);
    free(s->openai_prefix);
    free(s->model);
    free(s);
}
