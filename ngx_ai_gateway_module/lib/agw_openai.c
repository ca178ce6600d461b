/*
 * The OpenAI Chat Completions dialect.  The hub is OpenAI Chat JSON, so most
 * operations here are copies: the work is in what a copy must change (the
 * model, stream_options) and what it must drop (hub-only extensions that
 * strict OpenAI-compatible servers reject, the usage chunk a client did not
 * ask for).  See docs/translation.md.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE               /* memmem */
#endif
#include <stdio.h>
#include <string.h>

#include "agw_passthrough.h"
#include "agw_translate_int.h"


static int agw_openai_set_model(json_t *obj, const char *model);
static int agw_openai_ask_usage(json_t *req, const agw_request_opts_t *o);
static void agw_openai_alias_reasoning(json_t *msg);
static int agw_openai_write_data(agw_buf_t *out, const json_t *j);
static json_t *agw_openai_error_json(const agw_error_t *err);


/* Sets "model" when a model is given; "" or NULL keeps the upstream's. */
static int
agw_openai_set_model(json_t *obj, const char *model)
{
    if (model == NULL || model[0] == '\0') {
        return 0;
    }

    return json_object_set_new(obj, "model", json_string(model));
}


/*
 * A streamed request asks for the final usage chunk (OpenAI sends usage in
 * a stream only then), keeping whatever else stream_options held; a
 * non-streamed one must not carry stream_options at all (OpenAI answers 400
 * "stream_options is only allowed when stream is true").
 */
static int
agw_openai_ask_usage(json_t *req, const agw_request_opts_t *o)
{
    json_t  *so;

    if (!o->stream) {
        (void) json_object_del(req, "stream_options");
        if (json_is_true(json_object_get(req, "stream"))) {
            return json_object_set_new(req, "stream", json_false());
        }
        return 0;
    }

    if (json_object_set_new(req, "stream", json_true()) != 0) {
        return -1;
    }

    so = json_object_get(req, "stream_options");
    if (!json_is_object(so)) {
        so = json_object();
        if (so == NULL || json_object_set_new(req, "stream_options", so) != 0)
        {
            return -1;
        }
    }

    return json_object_set_new(so, "include_usage", json_true());
}


/* "reasoning" (OpenRouter, newer vLLM) is the hub's reasoning_content. */
static void
agw_openai_alias_reasoning(json_t *msg)
{
    json_t  *r;

    if (!json_is_object(msg) || json_object_get(msg, "reasoning_content")) {
        return;
    }

    r = json_object_get(msg, "reasoning");
    if (json_is_string(r)) {
        (void) json_object_set(msg, "reasoning_content", r);
    }
}


/* Requests */

static json_t *
agw_openai_request_to_hub(json_t *in, const agw_request_opts_t *o,
    agw_error_t *err)
{
    json_t  *hub;

    if (!json_is_array(json_object_get(in, "messages"))) {
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_value",
                      "'messages' must be an array");
        return NULL;
    }

    hub = json_deep_copy(in);
    if (hub == NULL) {
        agw_error_set(err, AGW_ERR_SERVER, 0, "no_memory", "out of memory");
    }

    return hub;
}


/*
 * From the hub to a real OpenAI-compatible server: the extensions only the
 * hub understands leave the messages (OpenAI rejects unknown message
 * fields; DeepSeek rejects reasoning_content sent back to it).
 */
static json_t *
agw_openai_request_from_hub(json_t *hub, const agw_request_opts_t *o,
    agw_error_t *err)
{
    size_t   i, k;
    json_t  *req, *msgs, *m, *calls, *c;

    req = json_deep_copy(hub);
    if (req == NULL) {
        goto nomem;
    }

    msgs = json_object_get(req, "messages");
    json_array_foreach(msgs, i, m) {
        if (!json_is_object(m)) {
            continue;
        }
        json_object_del(m, "thinking_blocks");
        json_object_del(m, "reasoning_content");

        calls = json_object_get(m, "tool_calls");
        json_array_foreach(calls, k, c) {
            if (json_is_object(c)) {
                json_object_del(c, "extra_content");
            }
        }
    }

    if (agw_openai_set_model(req, o->model) != 0
        || agw_openai_ask_usage(req, o) != 0)
    {
        json_decref(req);
        goto nomem;
    }

    return req;

nomem:

    agw_error_set(err, AGW_ERR_SERVER, 0, "no_memory", "out of memory");
    return NULL;
}


static json_t *
agw_openai_request_passthrough(json_t *in, const agw_request_opts_t *o,
    agw_error_t *err)
{
    json_t  *req;

    req = json_deep_copy(in);
    if (req == NULL
        || agw_openai_set_model(req, o->model) != 0
        || agw_openai_ask_usage(req, o) != 0)
    {
        json_decref(req);
        agw_error_set(err, AGW_ERR_SERVER, 0, "no_memory", "out of memory");
        return NULL;
    }

    return req;
}


/* Whole responses */

static json_t *
agw_openai_response_to_hub(json_t *in, agw_usage_t *usage, agw_error_t *err)
{
    size_t   i;
    json_t  *hub, *choices, *c;

    choices = json_object_get(in, "choices");
    if (!json_is_array(choices)) {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "invalid_upstream_body",
                      "the openai upstream answered without 'choices'");
        return NULL;
    }

    hub = json_deep_copy(in);
    if (hub == NULL) {
        agw_error_set(err, AGW_ERR_SERVER, 0, "no_memory", "out of memory");
        return NULL;
    }

    json_array_foreach(json_object_get(hub, "choices"), i, c) {
        agw_openai_alias_reasoning(json_object_get(c, "message"));
    }

    if (usage != NULL) {
        agw_usage_from_openai(json_object_get(in, "usage"), usage);
    }

    return hub;
}


/* The hub's extensions stay: OpenAI SDKs ignore fields they do not know,
 * and a client may send thinking_blocks back on its next turn. */
static json_t *
agw_openai_response_from_hub(json_t *hub, const agw_response_opts_t *o,
    agw_error_t *err)
{
    json_t  *res;

    res = json_deep_copy(hub);
    if (res == NULL
        || json_object_set_new(res, "object",
                               json_string("chat.completion")) != 0
        || agw_openai_set_model(res, o ? o->model : NULL) != 0)
    {
        json_decref(res);
        agw_error_set(err, AGW_ERR_SERVER, 0, "no_memory", "out of memory");
        return NULL;
    }

    return res;
}


static int
agw_openai_response_passthrough(json_t *in, const agw_response_opts_t *o,
    agw_usage_t *usage, agw_error_t *err)
{
    if (json_object_get(in, "model") != NULL
        && agw_openai_set_model(in, o ? o->model : NULL) != 0)
    {
        agw_error_set(err, AGW_ERR_SERVER, 0, "no_memory", "out of memory");
        return -1;
    }

    if (usage != NULL) {
        agw_usage_from_openai(json_object_get(in, "usage"), usage);
    }

    return 0;
}


/* Streams */

/* "data: <compact json>\n\n": compact JSON holds no raw line break. */
static int
agw_openai_write_data(agw_buf_t *out, const json_t *j)
{
    if (agw_buf_append(out, "data: ", 6) != 0
        || agw_json_append(out, j) != 0
        || agw_buf_append(out, "\n\n", 2) != 0)
    {
        return -1;
    }

    return 0;
}


/* Parses one event's JSON; NULL when it is not an object. */
static json_t *
agw_openai_event_json(const agw_sse_event_t *ev)
{
    json_t  *j;

    j = json_loadb(ev->data, ev->data_len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }

    return j;
}


static int
agw_openai_is_done(const agw_sse_event_t *ev)
{
    return ev->data_len == 6 && memcmp(ev->data, "[DONE]", 6) == 0;
}


/* A mid-stream error chunk: {"error": {...}} ("error": null is none). */
static int
agw_openai_is_error(const json_t *chunk)
{
    json_t  *e;

    e = json_object_get(chunk, "error");
    return e != NULL && !json_is_null(e);
}


/* A mid-stream {"error": {...}} chunk: into s->error. */
static void
agw_openai_stream_error_of(agw_stream_t *s, const agw_sse_event_t *ev)
{
    memset(&s->error, 0, sizeof(s->error));
    agw_error_parse_generic(ev->data, ev->data_len, &s->error);

    if (s->error.cls == AGW_ERR_NONE) {
        s->error.cls = AGW_ERR_SERVER;
    }
    s->error.status = agw_error_status(s->error.cls);

    if (s->error.message[0] == '\0') {
        snprintf(s->error.message, sizeof(s->error.message),
                 "the openai upstream reported an error mid-stream");
    }
}


/*
 * OpenAI as the provider of a translated stream: each chunk already is a hub
 * chunk.  Usage goes to s->usage and is taken off the chunk (encoders send
 * it where their dialect wants it); a chunk with no choices left (the usage
 * chunk, Azure's prompt_filter_results) carries nothing for a client.
 */
static int
agw_openai_stream_decode(agw_stream_t *s, const agw_sse_event_t *ev)
{
    int      rc;
    size_t   i;
    json_t  *chunk, *choices, *c;

    if (agw_openai_is_done(ev)) {
        s->openai.done_seen = 1;
        s->provider_done = 1;
        return 0;
    }

    chunk = agw_openai_event_json(ev);
    if (chunk == NULL) {
        return -1;
    }

    if (agw_openai_is_error(chunk)) {
        json_decref(chunk);
        agw_openai_stream_error_of(s, ev);
        return -1;
    }

    agw_usage_from_openai(json_object_get(chunk, "usage"), &s->usage);
    json_object_del(chunk, "usage");

    choices = json_object_get(chunk, "choices");
    if (!json_is_array(choices) || json_array_size(choices) == 0) {
        json_decref(chunk);
        return 0;
    }

    json_array_foreach(choices, i, c) {
        agw_openai_alias_reasoning(json_object_get(c, "delta"));
        if (json_is_string(json_object_get(c, "finish_reason"))) {
            s->openai.finish_seen = 1;
        }
    }

    rc = agw_stream_emit(s, chunk);
    json_decref(chunk);

    return rc;
}


/* The chunk envelope OpenAI clients expect: constant id, created, model. */
static json_t *
agw_openai_chunk_new(agw_stream_t *s)
{
    json_t  *c;

    c = json_object();
    if (c == NULL
        || json_object_set_new(c, "id", json_string(
               s->openai.id[0] ? s->openai.id : "chatcmpl-gateway")) != 0
        || json_object_set_new(c, "object",
                               json_string("chat.completion.chunk")) != 0
        || json_object_set_new(c, "created",
                               json_integer(s->openai.created)) != 0
        || json_object_set_new(c, "model", json_string(s->model)) != 0)
    {
        json_decref(c);
        return NULL;
    }

    return c;
}


/*
 * A hub chunk from another dialect's decoder to OpenAI bytes.  The first
 * id and created seen are kept for the whole stream, the model is the one
 * the client asked for, the first delta carries role "assistant", and usage
 * waits for stream_end (sent there if the client asked for include_usage).
 */
static int
agw_openai_stream_encode(agw_stream_t *s, json_t *chunk, agw_buf_t *out)
{
    int          rc;
    size_t       i;
    json_t      *c, *choices, *ch, *delta, *v;
    const char  *key;

    /* an id too long to keep whole is not kept: a cut one could end
     * inside a UTF-8 character */
    v = json_object_get(chunk, "id");
    if (s->openai.id[0] == '\0' && json_is_string(v)
        && json_string_length(v) > 0
        && json_string_length(v) < sizeof(s->openai.id))
    {
        snprintf(s->openai.id, sizeof(s->openai.id), "%s",
                 json_string_value(v));
    }

    /* the provider's time if its stream has one, else the caller's */
    v = json_object_get(chunk, "created");
    if (s->openai.created == 0) {
        s->openai.created = json_is_integer(v) && json_integer_value(v) > 0
                            ? json_integer_value(v) : s->created;
    }

    c = agw_openai_chunk_new(s);
    if (c == NULL) {
        return -1;
    }

    json_object_foreach(chunk, key, v) {
        if (strcmp(key, "id") == 0 || strcmp(key, "object") == 0
            || strcmp(key, "created") == 0 || strcmp(key, "model") == 0
            || strcmp(key, "usage") == 0 || strcmp(key, "choices") == 0)
        {
            continue;
        }
        if (json_object_set(c, key, v) != 0) {
            goto failed;
        }
    }

    choices = json_deep_copy(json_object_get(chunk, "choices"));
    if (!json_is_array(choices)) {
        json_decref(choices);
        choices = json_array();
    }
    if (choices == NULL || json_object_set_new(c, "choices", choices) != 0) {
        goto failed;
    }

    json_array_foreach(choices, i, ch) {
        if (!json_is_object(ch)) {
            continue;
        }

        rc = 0;
        if (json_object_get(ch, "index") == NULL) {
            rc |= json_object_set_new(ch, "index", json_integer((int) i));
        }

        delta = json_object_get(ch, "delta");
        if (!json_is_object(delta)) {
            delta = json_object();
            rc |= json_object_set_new(ch, "delta", delta);
        }

        if (!s->openai.role_sent && json_is_object(delta)
            && json_object_get(delta, "role") == NULL)
        {
            rc |= json_object_set_new(delta, "role",
                                      json_string("assistant"));
        }

        if (json_object_get(ch, "finish_reason") == NULL) {
            rc |= json_object_set_new(ch, "finish_reason", json_null());
        } else if (!json_is_null(json_object_get(ch, "finish_reason"))) {
            s->openai.finish_seen = 1;
        }

        if (rc != 0) {
            goto failed;
        }
    }

    if (json_array_size(choices) > 0) {
        s->openai.role_sent = 1;
    }

    rc = agw_openai_write_data(out, c);
    json_decref(c);
    return rc;

failed:

    json_decref(c);
    return -1;
}


static int
agw_openai_stream_end(agw_stream_t *s, agw_buf_t *out)
{
    int      rc;
    json_t  *c, *usage;

    if (s->include_usage && agw_usage_known(&s->usage)) {
        c = agw_openai_chunk_new(s);
        usage = agw_usage_to_openai(&s->usage);

        if (c == NULL || usage == NULL
            || json_object_set_new(c, "choices", json_array()) != 0
            || json_object_set(c, "usage", usage) != 0)
        {
            json_decref(c);
            json_decref(usage);
            return -1;
        }

        rc = agw_openai_write_data(out, c);
        json_decref(c);
        json_decref(usage);
        if (rc != 0) {
            return -1;
        }
    }

    return agw_buf_append_str(out, "data: [DONE]\n\n");
}


/*
 * OpenAI's mid-stream error is a data event holding an error body; the
 * SDKs raise it as an APIError.  No "[DONE]" follows: a client must not
 * take a failed stream for a complete one.
 */
static int
agw_openai_stream_error(agw_stream_t *s, const agw_error_t *err,
    agw_buf_t *out)
{
    int      rc;
    json_t  *j;

    j = agw_openai_error_json(err);
    if (j == NULL) {
        return -1;
    }

    rc = agw_openai_write_data(out, j);
    json_decref(j);
    return rc;
}


/*
 * The nesting depth of JSON text at position p (outside a string): 1 is
 * inside the top-level object.  Strings are skipped with their escapes.
 */
static int
agw_openai_depth_at(const char *d, const char *p)
{
    int          depth;
    const char  *q, *bs;

    depth = 0;

    while (d < p) {
        switch (*d) {

        case '"':
            /* to the closing quote: one preceded by an even number of
             * backslashes (memchr keeps this fast on long strings) */
            for (q = d + 1; /* void */; q++) {
                q = memchr(q, '"', (size_t) (p - q));
                if (q == NULL) {
                    return -1;                  /* p is inside a string */
                }
                for (bs = q; bs > d + 1 && bs[-1] == '\\'; bs--) {
                    /* void */
                }
                if ((q - bs) % 2 == 0) {
                    break;
                }
            }
            d = q + 1;
            continue;

        case '{':
        case '[':
            depth++;
            break;

        case '}':
        case ']':
            depth--;
            break;
        }

        d++;
    }

    return depth;
}


/*
 * The position of the only occurrence of the JSON key "key" (quotes
 * included) in d that is a key of the top-level compact object (preceded
 * by '{' or ',', at depth 1), or NULL if there is none.  *many is set when
 * the text occurs more than once, or once but not in that position: the
 * caller must then parse.  Inside a JSON string a quote is always escaped,
 * so "key" with both quotes bare followed by ':' only occurs there as
 * ...\"key":, which the preceding-byte check rejects.
 */
static const char *
agw_openai_find_key(const char *d, size_t len, const char *key, int *many)
{
    size_t       klen;
    const char  *p, *found, *end;

    klen = strlen(key);
    end = d + len;
    found = NULL;

    for (p = d; (p = memmem(p, (size_t) (end - p), key, klen)) != NULL;
         p += klen)
    {
        if (found != NULL || p == d || (p[-1] != ',' && p[-1] != '{')
            || agw_openai_depth_at(d, p) != 1)
        {
            *many = 1;
            return NULL;
        }
        found = p;
    }

    return found;
}


/*
 * The fast path of the passthrough, for the ordinary chunk: the bytes are
 * copied as they came with only the model's value replaced and
 * ',"usage":null' cut, without parsing the JSON (a parse and a dump cost
 * most of the passthrough's time).  Anything unusual returns 0 and goes to
 * the parsing path: an "error" or a usage object, an escaped model name,
 * multi-line data, a key seen twice.  Returns 1 when it wrote the event,
 * 0 to fall back, -1 on allocation failure.
 */
static int
agw_openai_fast_passthrough(agw_stream_t *s, const agw_sse_event_t *ev,
    agw_buf_t *out)
{
    int          many, i;
    size_t       len, cut_len;
    const char  *d, *model, *mval, *mend, *usage, *cut, *pos;
    struct {
        const char  *from;
        const char  *to;
        int          model;
    } e[3];

    d = ev->data;
    len = ev->data_len;
    many = 0;

    if (s->openai.no_fast_path || len < 2 || d[0] != '{' || d[len - 1] != '}'
        || memchr(d, '\n', len) != NULL
        || memmem(d, len, "\"error\"", 7) != NULL)
    {
        return 0;
    }

    usage = agw_openai_find_key(d, len, "\"usage\":", &many);
    if (many) {
        return 0;
    }

    cut = NULL;
    cut_len = 0;
    if (usage != NULL) {
        if ((size_t) (d + len - usage) < 13
            || memcmp(usage + 8, "null", 4) != 0
            || (usage[12] != ',' && usage[12] != '}'))
        {
            return 0;                       /* a usage object: parse it */
        }

        if (!s->include_usage) {
            /* cut ',"usage":null', or '"usage":null,' when it comes first */
            if (usage[-1] == ',') {
                cut = usage - 1;
                cut_len = 13;
            } else if (usage[12] == ',') {
                cut = usage;
                cut_len = 13;
            } else {
                cut = usage;
                cut_len = 12;
            }
        }
    }

    /* the key itself, so a second "model" or a value that is not a
     * string right after the colon (42, an object, " x") is caught and
     * left to the parsing path, which replaces any of them */
    model = agw_openai_find_key(d, len, "\"model\":", &many);
    if (many) {
        return 0;
    }

    if (model != NULL && (d + len - model < 10 || model[8] != '"')) {
        return 0;
    }

    mval = NULL;
    mend = NULL;
    if (model != NULL && s->model[0] != '\0') {
        mval = model + 9;
        mend = memchr(mval, '"', (size_t) (d + len - mval));
        if (mend == NULL || memchr(mval, '\\', (size_t) (mend - mval))) {
            return 0;
        }
    }

    if (ev->event_len && agw_buf_printf(out, "event: %s\n", ev->event) != 0)
    {
        return -1;
    }

    if (agw_buf_append(out, "data: ", 6) != 0) {
        return -1;
    }

    /* at most two edits: the model's value (quotes included) and the
     * usage cut, applied in the order they occur */
    e[0].from = mval ? mval - 1 : NULL;
    e[0].to = mval ? mend + 1 : NULL;
    e[0].model = 1;
    e[1].from = cut;
    e[1].to = cut ? cut + cut_len : NULL;
    e[1].model = 0;
    if (e[0].from != NULL && e[1].from != NULL && e[1].from < e[0].from) {
        e[2] = e[0];
        e[0] = e[1];
        e[1] = e[2];
    }

    pos = d;
    for (i = 0; i < 2; i++) {
        if (e[i].from == NULL) {
            continue;
        }
        if (agw_buf_append(out, pos, (size_t) (e[i].from - pos)) != 0) {
            return -1;
        }
        if (e[i].model
            && agw_buf_append_json_string(out, s->model,
                                          strlen(s->model)) != 0)
        {
            return -1;
        }
        pos = e[i].to;
    }

    if (agw_buf_append(out, pos, (size_t) (d + len - pos)) != 0
        || agw_buf_append(out, "\n\n", 2) != 0)
    {
        return -1;
    }

    s->started = 1;
    return 1;
}


/*
 * OpenAI to OpenAI: each chunk is re-serialised with the client's model
 * name; usage is read; the usage chunk we asked for on the client's behalf
 * (choices [] + usage) and the "usage": null of every other chunk are
 * removed when the client did not ask for include_usage itself.
 */
static int
agw_openai_stream_passthrough(agw_stream_t *s, const agw_sse_event_t *ev,
    agw_buf_t *out)
{
    int      rc;
    json_t  *chunk, *usage, *choices;

    if (agw_openai_is_done(ev)) {
        s->openai.done_seen = 1;
        s->provider_done = 1;
        s->client_done = 1;
        return agw_sse_write(out, ev->event, ev->data, ev->data_len);
    }

    rc = agw_openai_fast_passthrough(s, ev, out);
    if (rc != 0) {
        return rc == 1 ? 0 : -1;
    }

    /* the final usage chunk, also without a tree (agw_passthrough.h) */
    if (!s->openai.no_fast_path && ev->event_len == 0) {
        agw_buf_t  data = AGW_BUF_INIT;

        rc = agw_passthrough_usage_chunk(ev->data, ev->data_len, s->model,
                                         s->include_usage, &data, &s->usage);
        if (rc == 0) {
            s->started = 1;
            rc = (data.len
                  && agw_sse_write(out, NULL, data.data, data.len) != 0)
                 ? -1 : 0;
        }

        agw_buf_free(&data);

        if (rc != AGW_PASSTHROUGH_DECLINED) {
            return rc;
        }
    }

    chunk = agw_openai_event_json(ev);
    if (chunk == NULL) {
        return -1;
    }

    if (agw_openai_is_error(chunk)) {
        json_decref(chunk);
        agw_openai_stream_error_of(s, ev);
        s->client_done = 1;
        (void) agw_sse_write(out, ev->event, ev->data, ev->data_len);
        return -1;
    }

    usage = json_object_get(chunk, "usage");
    agw_usage_from_openai(usage, &s->usage);

    if (!s->include_usage && usage != NULL) {
        choices = json_object_get(chunk, "choices");
        if (json_is_object(usage) && json_is_array(choices)
            && json_array_size(choices) == 0)
        {
            json_decref(chunk);
            return 0;
        }
        json_object_del(chunk, "usage");
    }

    if (json_object_get(chunk, "model") != NULL
        && agw_openai_set_model(chunk, s->model) != 0)
    {
        json_decref(chunk);
        return -1;
    }

    s->started = 1;

    if (ev->event_len) {
        rc = agw_buf_printf(out, "event: %s\n", ev->event);
    } else {
        rc = 0;
    }

    rc |= agw_openai_write_data(out, chunk);
    json_decref(chunk);

    return rc ? -1 : 0;
}


/* Errors */

/*
 * Type names as OpenAI sends them: invalid_request_error for 400, 401
 * (invalid_api_key) and 404 (model_not_found); rate_limit_error /
 * insufficient_quota for 429; server_error for 5xx.
 */
static const char *
agw_openai_error_type(agw_err_class_t cls)
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


static const char *
agw_openai_error_code(const agw_error_t *err)
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


static json_t *
agw_openai_error_json(const agw_error_t *err)
{
    const char  *code;

    code = agw_openai_error_code(err);

    return json_pack("{s:{s:s, s:s, s:n, s:o}}", "error",
                     "message", err->message,
                     "type", agw_openai_error_type(err->cls),
                     "param",
                     "code", code ? json_string(code) : json_null());
}


static int
agw_openai_error_body(const agw_error_t *err, agw_buf_t *out)
{
    int      rc;
    json_t  *j;

    j = agw_openai_error_json(err);
    if (j == NULL) {
        return -1;
    }

    rc = agw_json_append(out, j);
    json_decref(j);
    return rc;
}


static void
agw_openai_error_parse(const char *body, size_t len, agw_error_t *err)
{
    agw_error_parse_generic(body, len, err);
}


const agw_dialect_ops_t  agw_openai_ops = {
    agw_openai_request_to_hub,
    agw_openai_request_from_hub,
    agw_openai_request_passthrough,
    agw_openai_response_to_hub,
    agw_openai_response_from_hub,
    agw_openai_response_passthrough,
    agw_openai_stream_decode,
    agw_openai_stream_encode,
    agw_openai_stream_end,
    agw_openai_stream_error,
    agw_openai_stream_passthrough,
    agw_openai_error_body,
    agw_openai_error_parse,
};
