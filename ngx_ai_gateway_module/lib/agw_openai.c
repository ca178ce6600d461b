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
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "agw_passthrough.h"
#include "agw_direct_util.h"
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

    j = agw_json_load(ev->data, ev->data_len);
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
    agw_stream_error_from(s, ev->data, ev->data_len, AGW_ERR_NONE,
                          "the openai upstream reported an error mid-stream");
}


/*
 * OpenAI as the provider of a translated stream: each chunk already is a hub
 * chunk.  Usage goes to s->usage and is taken off the chunk (encoders send
 * it where their dialect wants it); a chunk with no choices left (the usage
 * chunk, Azure's prompt_filter_results) carries nothing for a client.
 */
/*
 * The ordinary chunk of an answer, {"choices":[{"delta":{"content":TEXT},
 * "finish_reason":null}],...}, for a client encoder that writes text
 * directly: validated by agw_json_scan, walked, the text handed on as the
 * JSON string it came as.  Every other member of the delta must be null
 * (the hub path ignores those: reasoning_content, tool_calls, refusal),
 * or role; anything else, usage or an error declines to the hub path.
 * Returns 0, -1, or AGW_STREAM_DECLINED.
 */
static int
agw_openai_fast_text_chunk(agw_stream_t *s, const agw_sse_event_t *ev)
{
    int                 n, rc;
    agw_dj_iter_t       it;
    agw_json_member_t   m, choice, delta, content;
    agw_json_pick_t     top = { { "choices", "usage", "error" }, 3,
                                { { 0 } }, 0 };

    if (s->cops->stream_encode_text == NULL || ev->event_len != 0
        || agw_json_scan(ev->data, ev->data_len, agw_json_pick, &top, NULL)
           != 0
        || (top.has & 1) == 0 || (top.has & 4) != 0
        || top.m[0].type != AGW_JSON_ARRAY
        || ((top.has & 2) && top.m[1].type != AGW_JSON_NULL))
    {
        return AGW_STREAM_DECLINED;
    }

    /* exactly one choice, an object */
    agw_dj_iter_init(&it, top.m[0].value, top.m[0].value_len);
    if (!agw_dj_next(&it, &choice) || choice.type != AGW_JSON_OBJECT
        || agw_dj_next(&it, &m))
    {
        return AGW_STREAM_DECLINED;
    }

    delta.type = 0;
    agw_dj_iter_init(&it, choice.value, choice.value_len);
    while (agw_dj_next(&it, &m)) {
        if (m.escaped) {
            return AGW_STREAM_DECLINED;
        }
        if (agw_dj_key_is(&m, "delta")) {
            delta = m;
        } else if ((agw_dj_key_is(&m, "finish_reason")
                    && m.type != AGW_JSON_NULL)
                   || (agw_dj_key_is(&m, "index")
                       && (m.value_len != 1 || m.value[0] != '0')))
        {
            /* a finish, or a candidate other than the first (Gemini
             * clients get it by that index) */
            return AGW_STREAM_DECLINED;
        }
    }

    if (delta.type != AGW_JSON_OBJECT) {
        return AGW_STREAM_DECLINED;
    }

    n = 0;
    memset(&content, 0, sizeof(agw_json_member_t));
    agw_dj_iter_init(&it, delta.value, delta.value_len);
    while (agw_dj_next(&it, &m)) {
        if (m.escaped) {
            return AGW_STREAM_DECLINED;
        }
        if (agw_dj_key_is(&m, "content")) {
            content = m;
            n++;
        } else if (!(m.type == AGW_JSON_NULL
                     || (agw_dj_key_is(&m, "role")
                         && m.type == AGW_JSON_STRING)))
        {
            return AGW_STREAM_DECLINED;
        }
    }

    if (n != 1 || content.type != AGW_JSON_STRING || content.value_len == 2) {
        return AGW_STREAM_DECLINED;
    }

    rc = agw_stream_emit_text(s, content.value, content.value_len);

    return rc;
}


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

    rc = agw_openai_fast_text_chunk(s, ev);
    if (rc != AGW_STREAM_DECLINED) {
        return rc;
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


/*
 * A text delta as agw_openai_stream_encode writes it from the hub chunk
 * {"choices":[{"index":0,"delta":{"content":TEXT}}]}, once the role went
 * out with the first delta and the id and created are settled: the same
 * members in the same order, with the text's JSON copied as it came.
 * Everything before the text is the same for the rest of the stream:
 * made once, in s->text_fixed.
 */
static int
agw_openai_stream_encode_text(agw_stream_t *s, const char *text, size_t len,
    agw_buf_t *out)
{
    agw_buf_t    *h;
    const char   *id;
    static const char  tail[] = "},\"finish_reason\":null}]}\n\n";

    if (!s->openai.role_sent) {
        return AGW_STREAM_DECLINED;
    }

    h = &s->text_fixed;

    if (h->len == 0) {
        id = s->openai.id[0] ? s->openai.id : "chatcmpl-gateway";

        if (agw_buf_append_str(h, "data: {\"id\":") != 0
            || agw_buf_append_json_string(h, id, strlen(id)) != 0
            || agw_buf_printf(h, ",\"object\":\"chat.completion.chunk\","
                                 "\"created\":%lld,\"model\":",
                              (long long) s->openai.created) != 0
            || agw_buf_append(h, s->model_json.data, s->model_json.len) != 0
            || agw_buf_append_str(h, ",\"choices\":[{\"index\":0,"
                                     "\"delta\":{\"content\":") != 0)
        {
            agw_buf_reset(h);
            return -1;
        }

        agw_buf_fit(h);
    }

    if (agw_buf_reserve(out, h->len + len + sizeof(tail)) != 0) {
        return -1;
    }

    memcpy(out->data + out->len, h->data, h->len);
    memcpy(out->data + out->len + h->len, text, len);
    memcpy(out->data + out->len + h->len + len, tail, sizeof(tail));
    out->len += h->len + len + sizeof(tail) - 1;

    return 0;
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
 * The stream fast path walks a chunk's top-level members once, without
 * validating the grammar (the bytes go to the client as the provider sent
 * them, as a plain proxy would pass them): strings are skipped with their
 * escapes, nested values by counting brackets outside strings.
 */

/*
 * Past a string's closing quote (p just after the opening one), or NULL:
 * memchr to the next quote, which ends the string unless an odd run of
 * backslashes precedes it (the opening quote stops that run).  For a
 * chunk's short strings memchr's vector probe costs less than eight bytes
 * at a time in a register would (measured).
 */
static const char *
agw_openai_skip_string(const char *p, const char *end)
{
    const char  *q, *b;

    for ( ;; ) {
        q = memchr(p, '"', (size_t) (end - p));
        if (q == NULL) {
            return NULL;
        }

        if (q[-1] != '\\') {
            return q + 1;
        }

        for (b = q - 1; *b == '\\'; b--) {
            /* void */
        }

        if ((q - b) % 2 == 1) {
            return q + 1;                  /* an even run of backslashes */
        }

        p = q + 1;
    }
}


/*
 * Past a key's closing quote, or NULL when it does not end or holds a
 * backslash (an escaped key may spell "model").  Keys are short: a byte
 * loop beats memchr's setup.
 */
static const char *
agw_openai_skip_key(const char *p, const char *end)
{
    for ( ; p < end; p++) {
        if (*p == '"') {
            return p + 1;
        }

        if (*p == '\\') {
            return NULL;
        }
    }

    return NULL;
}


#ifdef __SSE2__

/* Bit i set when an odd number of bits 0..i of x are: for a block's quote
 * mask, the bytes inside a string (its opening quote included). */
static inline unsigned
agw_openai_prefix_xor16(unsigned x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;

    return x & 0xffff;
}

#endif


/*
 * Past the object or array at p, or NULL when it does not end before end:
 * brackets counted outside strings, a backslash in a string skipping the
 * byte after it.  lo is where the chunk starts (p's block may be read from
 * there).
 *
 * With SSE2, sixteen bytes at a time as bit masks of quotes, backslashes
 * and brackets (the last block ends at end and overlaps the one before).
 * A block without a backslash, nearly all of them, takes no loop for its
 * strings: the quote mask's prefix parity says which bytes are inside one,
 * and only the brackets outside are visited.  A block with a backslash is
 * walked bit by bit.  A chunk's "choices" is mostly short strings, where a
 * byte loop and a memchr per string cost three times as much.  The byte
 * loop is the whole walk without SSE2, and for a chunk under 16 bytes.
 */
static const char *
agw_openai_skip_nested(const char *lo, const char *p, const char *end)
{
    int            depth, in_str;
    unsigned char  c;
#ifdef __SSE2__
    size_t         n, shift;
    unsigned       q, bs, op, cl, all, bit, last, carry, ins;
    __m128i        v;
    const __m128i  vq = _mm_set1_epi8('"'), vbs = _mm_set1_epi8('\\'),
                   vo = _mm_set1_epi8('{'), va = _mm_set1_epi8('['),
                   vc = _mm_set1_epi8('}'), vz = _mm_set1_epi8(']');
#endif

    depth = 0;
    in_str = 0;

#ifdef __SSE2__
    while (p < end) {
        n = (size_t) (end - p);

        if (n >= 16) {
            v = _mm_loadu_si128((const __m128i *) p);
            n = 16;
            shift = 0;

        } else if (end - lo >= 16) {
            /* the last 16 bytes; the ones before p shifted out */
            v = _mm_loadu_si128((const __m128i *) (end - 16));
            shift = 16 - n;

        } else {
            break;
        }

        q = (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, vq)) >> shift;
        bs = (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, vbs)) >> shift;
        op = (unsigned) _mm_movemask_epi8(
                 _mm_or_si128(_mm_cmpeq_epi8(v, vo), _mm_cmpeq_epi8(v, va)))
             >> shift;
        cl = (unsigned) _mm_movemask_epi8(
                 _mm_or_si128(_mm_cmpeq_epi8(v, vc), _mm_cmpeq_epi8(v, vz)))
             >> shift;

        last = 1u << (n - 1);
        carry = 0;

        if (bs == 0) {
            ins = agw_openai_prefix_xor16(q) ^ (in_str ? 0xffff : 0);
            all = (op | cl) & ~ins;

            while (all) {
                bit = all & (0u - all);
                all ^= bit;

                if (op & bit) {
                    depth++;

                } else if (--depth == 0) {
                    return p + __builtin_ctz(bit) + 1;
                }
            }

            in_str = (ins & last) != 0;
            p += n;
            continue;
        }

        all = q | bs | op | cl;

        while (all) {
            bit = all & (0u - all);
            all ^= bit;

            if (in_str) {
                if (bs & bit) {
                    /* the escaped byte: in this block, or just past it */
                    if (bit == last) {
                        carry = 1;
                    } else {
                        all &= ~(bit << 1);
                    }

                } else if (q & bit) {
                    in_str = 0;
                }

                continue;
            }

            if (q & bit) {
                in_str = 1;

            } else if (op & bit) {
                depth++;

            } else if ((cl & bit) && --depth == 0) {
                return p + __builtin_ctz(bit) + 1;
            }
        }

        p += n + carry;
    }
#endif

    while (p < end) {
        c = (unsigned char) *p++;

        if (in_str) {
            if (c == '\\') {
                p++;
            } else if (c == '"') {
                in_str = 0;
            }

            continue;
        }

        if (c == '"') {
            in_str = 1;

        } else if (c == '{' || c == '[') {
            depth++;

        } else if ((c == '}' || c == ']') && --depth == 0) {
            return p;
        }
    }

    return NULL;
}


/* Past the value at p (not white space), or NULL when it does not end
 * before end; lo is where the chunk starts. */
static const char *
agw_openai_skip_value(const char *lo, const char *p, const char *end)
{
    if (*p == '"') {
        return agw_openai_skip_string(p + 1, end);
    }

    if (*p != '{' && *p != '[') {
        /* a number or a literal */
        while (p < end && *p != ',' && *p != ' ' && *p != '\t'
               && *p != '\r' && *p != '\n')
        {
            p++;
        }

        return p;
    }

    return agw_openai_skip_nested(lo, p, end);
}


typedef struct {
    const char  *key;        /* the key's opening quote */
    const char  *value;
    const char  *value_end;
    const char  *prev_end;   /* the previous member's value end, or NULL */
    const char  *next_key;   /* the next member's key, or NULL */
} agw_openai_member_t;


/*
 * Finds the top-level "model", "usage" and "choices" members of the object
 * d (its first byte '{', its last '}').  Returns 0, or -1 when the chunk
 * needs the parsing path: an "error" member, a key with an escape, one of
 * those keys twice, or bytes the walk cannot place.
 *
 * A chunk that starts with the bytes s->openai_prefix holds (the last
 * walked chunk's, through its model's value) is walked from there: the
 * walk is a function of the bytes, so up to there it would find what it
 * found then, the model and nothing else it looks for.  That skips id,
 * object, created and model in every chunk after the first.
 */
static int
agw_openai_chunk_members(agw_stream_t *s, const char *d, size_t len,
    agw_openai_member_t *model, agw_openai_member_t *usage,
    agw_openai_member_t *choices)
{
    const char           *p, *end, *key, *key_end, *prev_end;
    agw_openai_member_t  *m, *last;
    agw_openai_stream_t  *os = &s->openai;

    p = d + 1;
    end = d + len - 1;
    prev_end = NULL;
    last = NULL;

    model->key = NULL;
    usage->key = NULL;
    choices->key = NULL;

    if (os->prefix_len && len - 1 > os->prefix_len
        && memcmp(d, s->openai_prefix, os->prefix_len) == 0)
    {
        model->key = d + os->prefix_key;
        model->value = d + os->prefix_value;
        model->value_end = d + os->prefix_len;
        model->prev_end = os->prefix_prev ? d + os->prefix_prev : NULL;
        model->next_key = NULL;
        last = model;
        p = model->value_end;
        prev_end = p;
        goto after_value;
    }

    for ( ;; ) {
        p = agw_json_ws(p, end);
        if (p == end) {
            return 0;
        }

        if (*p != '"') {
            return -1;
        }

        key = p;
        key_end = agw_openai_skip_key(p + 1, end);
        if (key_end == NULL) {
            return -1;
        }

        if (last != NULL) {
            last->next_key = key;
            last = NULL;
        }

        m = NULL;
        if (key_end - key == 7) {
            if (memcmp(key, "\"model\"", 7) == 0) {
                m = model;
            } else if (memcmp(key, "\"usage\"", 7) == 0) {
                m = usage;
            } else if (memcmp(key, "\"error\"", 7) == 0) {
                return -1;
            }

        } else if (key_end - key == 9 && memcmp(key, "\"choices\"", 9) == 0) {
            m = choices;
        }

        if (m != NULL && m->key != NULL) {
            return -1;                              /* the key twice */
        }

        p = agw_json_ws(key_end, end);
        if (p == end || *p != ':') {
            return -1;
        }

        p = agw_json_ws(p + 1, end);
        if (p == end) {
            return -1;
        }

        if (m != NULL) {
            m->key = key;
            m->value = p;
            m->prev_end = prev_end;
            m->next_key = NULL;
            last = m;
        }

        p = agw_openai_skip_value(d, p, end);
        if (p == NULL) {
            return -1;
        }

        if (m != NULL) {
            m->value_end = p;
        }

        if (m == model && usage->key == NULL && choices->key == NULL
            && p - d <= AGW_OPENAI_PREFIX_MAX
            && (s->openai_prefix != NULL
                || (s->openai_prefix = malloc(AGW_OPENAI_PREFIX_MAX))
                   != NULL))
        {
            /* out of memory the next chunks are walked whole */
            memcpy(s->openai_prefix, d, (size_t) (p - d));
            os->prefix_len = (uint16_t) (p - d);
            os->prefix_key = (uint16_t) (model->key - d);
            os->prefix_value = (uint16_t) (model->value - d);
            os->prefix_prev = prev_end ? (uint16_t) (prev_end - d) : 0;
        }

        prev_end = p;

    after_value:

        p = agw_json_ws(p, end);
        if (p == end) {
            return 0;
        }

        if (*p != ',') {
            return -1;
        }

        p++;
    }
}


/* "[]" with any blanks inside. */
static int
agw_openai_empty_array(const char *p, const char *end)
{
    if (end - p < 2 || *p != '[') {
        return 0;
    }

    p = agw_json_ws(p + 1, end);

    return end - p == 1 && *p == ']';
}


/*
 * The fast path of the passthrough, for the ordinary chunk and the usage
 * chunk: the bytes are copied as they came with only the model's value
 * replaced and the "usage" member cut when the client did not ask for it,
 * without parsing the JSON (a parse and a dump cost most of the
 * passthrough's time).  A usage object is read (and validated) alone; the
 * usage chunk we asked for on the client's behalf is dropped whole.
 * Anything unusual returns 0 and goes to the parsing path: an "error", a
 * usage neither null nor an object, an escaped model name or key,
 * multi-line data, a key seen twice.  Returns 1 when it wrote (or dropped)
 * the event, 0 to fall back, -1 on allocation failure.
 */
static int
agw_openai_fast_passthrough(agw_stream_t *s, const agw_sse_event_t *ev,
    agw_buf_t *out)
{
    int                   i;
    char                 *w;
    size_t                len, need;
    const char           *d, *pos;
    agw_openai_member_t   model, usage, choices;
    struct {
        const char  *from;
        const char  *to;
        int          model;
    } e[2], t;

    d = ev->data;
    len = ev->data_len;

    if (s->openai.no_fast_path || len < 2 || d[0] != '{' || d[len - 1] != '}'
        || ev->multiline
        || agw_openai_chunk_members(s, d, len, &model, &usage, &choices)
           != 0)
    {
        return 0;
    }

    e[0].from = NULL;
    e[1].from = NULL;

    if (model.key != NULL) {
        /* a value that is not a plain string (42, an object, escapes) is
         * left to the parsing path, which replaces any of them */
        if (*model.value != '"'
            || memchr(model.value, '\\',
                      (size_t) (model.value_end - model.value)) != NULL)
        {
            return 0;
        }

        if (s->model[0] != '\0') {
            e[0].from = model.value;
            e[0].to = model.value_end;
            e[0].model = 1;
        }
    }

    if (usage.key != NULL) {
        if (*usage.value == '{') {
            /* the usage chunk (or usage on a last content chunk) */
            if (agw_passthrough_read_usage(usage.value,
                                           (size_t) (usage.value_end
                                                     - usage.value),
                                           &s->usage)
                != 0)
            {
                return 0;
            }

            if (!s->include_usage && choices.key != NULL
                && agw_openai_empty_array(choices.value, choices.value_end))
            {
                /* the chunk we asked for on the client's behalf */
                s->started = 1;
                return 1;
            }

        } else if (usage.value_end - usage.value != 4
                   || memcmp(usage.value, "null", 4) != 0)
        {
            return 0;                       /* anything else: parse it */
        }

        if (!s->include_usage) {
            /* the member and the comma on one side of it */
            e[1].model = 0;
            if (usage.prev_end != NULL) {
                e[1].from = usage.prev_end;
                e[1].to = usage.value_end;
            } else {
                e[1].from = usage.key;
                e[1].to = usage.next_key ? usage.next_key : usage.value_end;
            }
        }
    }

    /* the edits in the order they occur; they never overlap */
    if (e[0].from == NULL || (e[1].from != NULL && e[1].from < e[0].from)) {
        t = e[0];
        e[0] = e[1];
        e[1] = t;
    }

    if (ev->event_len && agw_buf_printf(out, "event: %s\n", ev->event) != 0)
    {
        return -1;
    }

    need = 6 + len + s->model_json.len + 2;
    if (agw_buf_reserve(out, need) != 0) {
        return -1;
    }

    /* one reservation, then plain copies: this runs for every event */
    w = out->data + out->len;
    memcpy(w, "data: ", 6);
    w += 6;

    pos = d;
    for (i = 0; i < 2; i++) {
        if (e[i].from == NULL) {
            continue;
        }

        memcpy(w, pos, (size_t) (e[i].from - pos));
        w += e[i].from - pos;

        if (e[i].model) {
            memcpy(w, s->model_json.data, s->model_json.len);
            w += s->model_json.len;
        }

        pos = e[i].to;
    }

    memcpy(w, pos, (size_t) (d + len - pos));
    w += d + len - pos;
    w[0] = '\n';
    w[1] = '\n';
    out->len = (size_t) (w + 2 - out->data);
    out->data[out->len] = '\0';

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

        if (ev->event_len == 0) {
            /* what agw_sse_write() would frame, without its line scan */
            return agw_buf_append(out, "data: [DONE]\n\n", 14);
        }

        return agw_sse_write(out, ev->event, ev->data, ev->data_len);
    }

    rc = agw_openai_fast_passthrough(s, ev, out);
    if (rc != 0) {
        return rc == 1 ? 0 : -1;
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
    agw_openai_stream_encode_text,
};
