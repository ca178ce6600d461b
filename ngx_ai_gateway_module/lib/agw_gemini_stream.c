/*
 * Gemini streams (streamGenerateContent?alt=sse).
 *
 * Each "data:" event is a whole GenerateContentResponse; there is no
 * [DONE]: the stream ends with the chunk whose candidate carries a
 * finishReason, and usageMetadata is a running total repeated on chunks
 * (the last one wins).  Events are written "data: {...}\r\n\r\n" as
 * Google does.  A Gemini client gets each tool call of another provider as
 * ONE whole functionCall part: argument fragments are held until the
 * stream ends, since Gemini has no fragment of its own.
 */

#include <stdlib.h>
#include <string.h>

#include "agw_gemini_int.h"


struct agw_gemini_call_s {
    size_t     cand;
    size_t     index;           /* the hub's tool_calls[].index */
    char      *id;
    char      *name;
    char      *sig;
    agw_buf_t  args;
};


void
agw_gemini_stream_free(agw_gemini_stream_t *g)
{
    size_t  i;

    if (g == NULL) {
        return;
    }

    for (i = 0; i < g->ncalls_held; i++) {
        free(g->calls[i].id);
        free(g->calls[i].name);
        free(g->calls[i].sig);
        agw_buf_free(&g->calls[i].args);
    }

    free(g->calls);
    g->calls = NULL;
    g->ncalls_held = 0;
    g->ncalls_cap = 0;
    g->held_bytes = 0;
}


static int
agw_gm_write_event(agw_buf_t *out, const json_t *j)
{
    if (agw_buf_append(out, "data: ", 6) != 0
        || agw_json_append(out, j) != 0
        || agw_buf_append(out, "\r\n\r\n", 4) != 0)
    {
        return -1;
    }

    return 0;
}


/* Fills s->error from a Gemini error object met inside a stream. */
static void
agw_gm_stream_fail(agw_stream_t *s, const agw_sse_event_t *ev,
    const json_t *error)
{
    json_t  *code;

    code = json_object_get(error, "code");

    agw_stream_error_from(s, ev->data, ev->data_len,
                          json_is_integer(code)
                          ? agw_error_class_of_status(
                                (int) json_integer_value(code))
                          : AGW_ERR_NONE,
                          "the gemini upstream sent an error");
}


/* Gemini provider: one GenerateContentResponse -> one hub chunk. */
int
agw_gm_stream_decode(agw_stream_t *s, const agw_sse_event_t *ev)
{
    int                   rc;
    size_t                i, idx;
    json_t               *in, *chunk, *choices, *cand, *delta, *choice;
    json_t               *ends;
    const char           *rid, *model, *fr, *finish, *block;
    agw_error_t           err;
    agw_gemini_stream_t  *g = s->gemini;

    if (ev->data_len == 0) {
        return 0;
    }

    err.cls = AGW_ERR_NONE;

    in = agw_json_load(ev->data, ev->data_len);
    if (!json_is_object(in)) {
        json_decref(in);
        return -1;
    }

    if (json_is_object(json_object_get(in, "error"))) {
        agw_gm_stream_fail(s, ev, json_object_get(in, "error"));
        json_decref(in);
        return -1;
    }

    agw_gm_usage_read(agw_gm_get(in, "usageMetadata", "usage_metadata"),
                      &s->usage);

    rid = agw_gm_str(in, "responseId", "response_id");
    model = agw_gm_str(in, "modelVersion", "model_version");

    chunk = json_pack("{s:s, s:s, s:i, s:s, s:[]}", "id", rid ? rid : "",
                      "object", "chat.completion.chunk", "created", 0,
                      "model", model ? model : s->model, "choices");
    ends = json_array();
    if (chunk == NULL || ends == NULL) {
        goto nomem;
    }

    choices = json_object_get(chunk, "choices");

    json_array_foreach(json_object_get(in, "candidates"), i, cand) {
        idx = json_is_integer(json_object_get(cand, "index"))
              ? (size_t) json_integer_value(json_object_get(cand, "index"))
              : i;
        if (idx >= AGW_GEMINI_MAX_CANDIDATES) {
            goto failed;
        }
        g->seen |= 1u << idx;

        delta = json_object();
        if (delta == NULL) {
            goto nomem;
        }

        if (agw_gm_parts_to_hub(json_object_get(json_object_get(cand,
                                                                "content"),
                                                "parts"),
                                delta, rid, idx, &g->ncalls[idx], 1,
                                &err) != 0)
        {
            /* the stream's own error only now: most streams never fail */
            if (err.cls != AGW_ERR_NONE) {
                *agw_stream_err(s) = err;
            }

            json_decref(delta);
            goto failed;
        }

        /* old models repeat finishReason on every chunk: the first one is
         * the finish, later text still goes out */
        finish = NULL;
        fr = agw_gm_str(cand, "finishReason", "finish_reason");
        if (fr != NULL && !g->finished[idx]) {
            g->finished[idx] = 1;
            finish = agw_gm_finish_to_hub(fr, g->ncalls[idx] > 0);
        }

        /* the finish goes in a chunk of its own after the content, as
         * OpenAI sends it: some encoders close the message on it */
        if (finish != NULL
            && json_array_append_new(ends,
                   json_pack("{s:I, s:{}, s:s}", "index", (json_int_t) idx,
                             "delta", "finish_reason", finish)) != 0)
        {
            json_decref(delta);
            goto nomem;
        }

        if (json_object_size(delta) == 0) {
            json_decref(delta);
            continue;
        }

        choice = json_pack("{s:I, s:o, s:n}", "index", (json_int_t) idx,
                           "delta", delta, "finish_reason");
        if (choice == NULL || json_array_append_new(choices, choice) != 0) {
            goto nomem;
        }
    }

    block = agw_gm_str(agw_gm_get(in, "promptFeedback", "prompt_feedback"),
                       "blockReason", "block_reason");
    if (json_array_size(json_object_get(in, "candidates")) == 0
        && block != NULL && !g->finished[0])
    {
        g->seen |= 1u;
        g->finished[0] = 1;
        if (json_array_append_new(ends,
                json_pack("{s:i, s:{}, s:s}", "index", 0, "delta",
                          "finish_reason", "content_filter")) != 0)
        {
            goto nomem;
        }
    }

    /* the stream is complete once every candidate that spoke finished */
    if (g->seen != 0) {
        s->provider_done = 1;
        for (idx = 0; idx < AGW_GEMINI_MAX_CANDIDATES; idx++) {
            if ((g->seen & (1u << idx)) && !g->finished[idx]) {
                s->provider_done = 0;
            }
        }
    }

    rc = 0;
    if (json_array_size(choices) > 0) {
        rc = agw_stream_emit(s, chunk);
    }

    if (rc == 0 && json_array_size(ends) > 0) {
        if (json_object_set(chunk, "choices", ends) != 0) {
            goto nomem;
        }
        rc = agw_stream_emit(s, chunk);
    }

    json_decref(ends);
    json_decref(chunk);
    json_decref(in);
    return rc;

nomem:

    agw_gm_nomem(agw_stream_err(s));

failed:

    json_decref(ends);
    json_decref(chunk);
    json_decref(in);
    return -1;
}


static agw_gemini_call_t *
agw_gm_held_call(agw_gemini_stream_t *g, size_t cand, size_t index)
{
    size_t              i, cap;
    agw_gemini_call_t  *c;

    for (i = 0; i < g->ncalls_held; i++) {
        if (g->calls[i].cand == cand && g->calls[i].index == index) {
            return &g->calls[i];
        }
    }

    if (g->ncalls_held == AGW_GEMINI_MAX_HELD_CALLS) {
        return NULL;
    }

    if (g->ncalls_held == g->ncalls_cap) {
        cap = g->ncalls_cap ? g->ncalls_cap * 2 : 4;
        c = realloc(g->calls, cap * sizeof(agw_gemini_call_t));
        if (c == NULL) {
            return NULL;
        }
        g->calls = c;
        g->ncalls_cap = cap;
    }

    c = &g->calls[g->ncalls_held++];
    memset(c, 0, sizeof(*c));
    c->cand = cand;
    c->index = index;

    return c;
}


static int
agw_gm_replace(agw_gemini_stream_t *g, char **dst, const char *src)
{
    char  *p;

    if (src == NULL) {
        return 0;
    }

    p = strdup(src);
    if (p == NULL) {
        return -1;
    }

    if (*dst != NULL) {
        g->held_bytes -= strlen(*dst);
        free(*dst);
    }
    g->held_bytes += strlen(p);
    *dst = p;
    return 0;
}


/*
 * Appends the tool call fragments of a delta to the held calls, within
 * AGW_GEMINI_MAX_HELD bytes and AGW_GEMINI_MAX_HELD_CALLS calls (a
 * provider streaming without end must not take the worker's memory).
 */
static int
agw_gm_hold_calls(agw_stream_t *s, size_t cand, const json_t *tcs)
{
    size_t                i;
    json_t               *tc, *fn, *k;
    const char           *a;
    agw_gemini_call_t    *c;
    agw_gemini_stream_t  *g = s->gemini;

    json_array_foreach(tcs, i, tc) {
        k = json_object_get(tc, "index");
        c = agw_gm_held_call(g, cand, json_is_integer(k)
                                      ? (size_t) json_integer_value(k) : i);
        if (c == NULL) {
            if (g->ncalls_held == AGW_GEMINI_MAX_HELD_CALLS) {
                goto too_much;
            }
            return -1;
        }

        fn = json_object_get(tc, "function");
        a = json_string_value(json_object_get(fn, "arguments"));

        if (agw_gm_replace(g, &c->id,
                           json_string_value(json_object_get(tc, "id"))) != 0
            || agw_gm_replace(g, &c->name,
                              json_string_value(json_object_get(fn, "name")))
               != 0
            || agw_gm_replace(g, &c->sig, json_string_value(json_object_get(
                   json_object_get(json_object_get(tc, "extra_content"),
                                   "google"), "thought_signature"))) != 0
            || (a != NULL && agw_buf_append_str(&c->args, a) != 0))
        {
            return -1;
        }

        g->held_bytes += a != NULL ? strlen(a) : 0;
        if (g->held_bytes > AGW_GEMINI_MAX_HELD) {
            goto too_much;
        }
    }

    return 0;

too_much:

    agw_error_set(agw_stream_err(s), AGW_ERR_BAD_GATEWAY, 0,
                  "stream_too_large",
                  "the upstream streamed tool calls past the %d bytes or %d "
                  "calls the gateway holds for a Gemini client",
                  AGW_GEMINI_MAX_HELD, AGW_GEMINI_MAX_HELD_CALLS);
    return -1;
}


/* Gemini client: a hub chunk -> a chunk of text and thoughts; tool calls
 * and the finish are held for stream_end. */
int
agw_gm_stream_encode(agw_stream_t *s, json_t *chunk, agw_buf_t *out)
{
    int                   rc;
    size_t                i, idx;
    json_t               *cands, *choice, *delta, *parts, *cand, *res, *k;
    const char           *id, *fr, *t, *sig;
    agw_gemini_stream_t  *g = s->gemini;

    id = json_string_value(json_object_get(chunk, "id"));
    if (g->id[0] == '\0' && id != NULL) {
        snprintf(g->id, sizeof(g->id), "%s", id);
    }

    cands = json_array();
    if (cands == NULL) {
        return -1;
    }

    json_array_foreach(json_object_get(chunk, "choices"), i, choice) {
        k = json_object_get(choice, "index");
        idx = json_is_integer(k) ? (size_t) json_integer_value(k) : i;
        if (idx >= AGW_GEMINI_MAX_CANDIDATES) {
            continue;
        }
        g->seen |= 1u << idx;

        delta = json_object_get(choice, "delta");

        fr = json_string_value(json_object_get(choice, "finish_reason"));
        if (fr != NULL) {
            g->finish[idx] = agw_gm_finish_from_hub(fr);
        }

        if (agw_gm_hold_calls(s, idx, json_object_get(delta, "tool_calls"))
            != 0)
        {
            goto failed;
        }

        parts = json_array();
        if (parts == NULL) {
            goto failed;
        }

        cand = json_pack("{s:{s:o, s:s}, s:I}", "content", "parts", parts,
                         "role", "model", "index", (json_int_t) idx);
        if (cand == NULL) {
            goto failed;
        }

        t = json_string_value(json_object_get(delta, "reasoning_content"));
        if (t != NULL && t[0] != '\0'
            && json_array_append_new(parts, json_pack("{s:s, s:b}", "text", t,
                                                      "thought", 1)) != 0)
        {
            json_decref(cand);
            goto failed;
        }

        t = json_string_value(json_object_get(delta, "content"));
        sig = json_string_value(json_object_get(json_object_get(
                  json_object_get(delta, "extra_content"), "google"),
                  "thought_signature"));
        if (((t != NULL && t[0] != '\0') || sig != NULL)
            && json_array_append_new(parts,
                   sig ? json_pack("{s:s, s:s}", "text", t ? t : "",
                                   "thoughtSignature", sig)
                       : json_pack("{s:s}", "text", t)) != 0)
        {
            json_decref(cand);
            goto failed;
        }

        if (json_array_size(parts) == 0) {
            json_decref(cand);
            continue;
        }

        if (json_array_append_new(cands, cand) != 0) {
            goto failed;
        }
    }

    if (json_array_size(cands) == 0) {
        json_decref(cands);
        return 0;
    }

    res = json_pack("{s:o, s:s, s:s}", "candidates", cands,
                    "modelVersion", s->model, "responseId", g->id);
    if (res == NULL) {
        return -1;
    }

    rc = agw_gm_write_event(out, res);
    json_decref(res);
    return rc;

failed:

    json_decref(cands);
    return -1;
}


/*
 * A text delta of the first candidate, as agw_gm_stream_encode writes it
 * from a hub chunk with only delta.content, once the responseId is known
 * (the first chunk settles it): the text's JSON copied as it came, the
 * rest of the event, the same for every text, made once in s->text_fixed.
 */
int
agw_gm_stream_encode_text(agw_stream_t *s, const char *text, size_t len,
    agw_buf_t *out)
{
    agw_buf_t            *t;
    agw_gemini_stream_t  *g = s->gemini;
    static const char     head[] = "data: {\"candidates\":[{\"content\":"
                                   "{\"parts\":[{\"text\":";

    if (g->id[0] == '\0') {
        return AGW_STREAM_DECLINED;
    }

    t = &s->text_fixed;

    if (t->len == 0
        && (agw_buf_append_str(t, "}],\"role\":\"model\"},\"index\":0}],"
                                  "\"modelVersion\":") != 0
            || agw_buf_append(t, s->model_json.data, s->model_json.len) != 0
            || agw_buf_append_str(t, ",\"responseId\":") != 0
            || agw_buf_append_json_string(t, g->id, strlen(g->id)) != 0
            || agw_buf_append_str(t, "}\r\n\r\n") != 0))
    {
        agw_buf_reset(t);
        return -1;
    }

    agw_buf_fit(t);

    if (agw_buf_reserve(out, sizeof(head) - 1 + len + t->len) != 0) {
        return -1;
    }

    memcpy(out->data + out->len, head, sizeof(head) - 1);
    memcpy(out->data + out->len + sizeof(head) - 1, text, len);
    memcpy(out->data + out->len + sizeof(head) - 1 + len, t->data, t->len);
    out->len += sizeof(head) - 1 + len + t->len;
    out->data[out->len] = '\0';

    g->seen |= 1u;

    return 0;
}


/*
 * The last chunk: every held tool call as one functionCall part, the
 * finishReason of each candidate and the usage.  A tool call whose
 * arguments did not add up to a JSON object ends the stream with an error
 * instead of reaching the client broken.
 */
int
agw_gm_stream_end(agw_stream_t *s, agw_buf_t *out)
{
    int                   rc;
    size_t                i, idx;
    json_t               *cands, *parts, *part, *args, *res, *meta, *fc;
    agw_error_t           err;
    agw_gemini_call_t    *c;
    agw_gemini_stream_t  *g = s->gemini;

    memset(&err, 0, sizeof(err));
    res = NULL;

    cands = json_array();
    if (cands == NULL) {
        goto nomem;
    }

    g->seen |= 1u;

    for (idx = 0; idx < AGW_GEMINI_MAX_CANDIDATES; idx++) {
        if (!(g->seen & (1u << idx))) {
            continue;
        }

        parts = json_array();
        if (parts == NULL
            || json_array_append_new(cands,
                   json_pack("{s:{s:o, s:s}, s:s, s:I}",
                             "content", "parts", parts, "role", "model",
                             "finishReason",
                             g->finish[idx] ? g->finish[idx] : "STOP",
                             "index", (json_int_t) idx)) != 0)
        {
            goto nomem;
        }

        for (i = 0; i < g->ncalls_held; i++) {
            c = &g->calls[i];
            if (c->cand != idx) {
                continue;
            }

            if (c->name == NULL) {
                agw_error_set(&err, AGW_ERR_BAD_GATEWAY, 0,
                              "invalid_upstream_stream",
                              "the upstream streamed a tool call without "
                              "a name");
                goto failed;
            }

            args = agw_gm_args_object(c->args.data ? c->args.data : "",
                                      c->args.len, &err);
            if (args == NULL) {
                agw_error_set(&err, AGW_ERR_BAD_GATEWAY, 0,
                              "invalid_upstream_stream",
                              "the upstream streamed tool call arguments "
                              "that are not a JSON object");
                goto failed;
            }

            fc = json_pack("{s:s, s:o}", "name", c->name, "args", args);
            if (fc == NULL
                || (c->id != NULL
                    && json_object_set_new(fc, "id", json_string(c->id))
                       != 0))
            {
                json_decref(fc);
                goto nomem;
            }

            part = json_pack("{s:o}", "functionCall", fc);
            if (part == NULL
                || (c->sig != NULL
                    && json_object_set_new(part, "thoughtSignature",
                                           json_string(c->sig)) != 0)
                || json_array_append_new(parts, part) != 0)
            {
                json_decref(part);
                goto nomem;
            }
        }

        if (json_array_size(parts) == 0
            && json_array_append_new(parts, json_pack("{s:s}", "text", ""))
               != 0)
        {
            goto nomem;
        }
    }

    res = json_pack("{s:o}", "candidates", cands);
    cands = NULL;
    if (res == NULL) {
        goto nomem;
    }

    if (agw_usage_known(&s->usage)) {
        meta = agw_gm_usage_json(&s->usage);
        if (meta == NULL
            || json_object_set_new(res, "usageMetadata", meta) != 0)
        {
            goto nomem;
        }
    }

    if (json_object_set_new(res, "modelVersion", json_string(s->model)) != 0
        || json_object_set_new(res, "responseId", json_string(g->id)) != 0)
    {
        goto nomem;
    }

    rc = agw_gm_write_event(out, res);
    json_decref(res);
    agw_gemini_stream_free(g);
    return rc;

nomem:

    agw_gm_nomem(&err);

failed:

    json_decref(cands);
    json_decref(res);
    *agw_stream_err(s) = err;
    (void) agw_gm_stream_error(s, &err, out);
    return -1;
}


/*
 * A stream that fails after it started ends with an error object chunk,
 * data: {"error":{"code","message","status"}}.  @google/genai checks every
 * data: event for one and throws an ApiError with that status, whatever
 * way the bytes were split on the wire (tested with 2.32.0); Google itself
 * has also been seen to send the body bare, outside any data: line, which
 * that SDK only recognises when it arrives in a read of its own.
 */
int
agw_gm_stream_error(agw_stream_t *s, const agw_error_t *err, agw_buf_t *out)
{
    int      rc;
    json_t  *j;

    agw_gemini_stream_free(s->gemini);

    j = agw_gm_error_json(err);
    if (j == NULL) {
        return -1;
    }

    rc = agw_gm_write_event(out, j);
    json_decref(j);

    return rc;
}


/* Gemini on both sides: the chunk again, modelVersion rewritten. */
int
agw_gm_stream_passthrough(agw_stream_t *s, const agw_sse_event_t *ev,
    agw_buf_t *out)
{
    int          rc;
    size_t       i;
    json_t      *in, *cand;

    if (ev->data_len == 0) {
        return 0;
    }

    in = agw_json_load(ev->data, ev->data_len);
    if (!json_is_object(in)) {
        json_decref(in);
        return -1;
    }

    if (json_is_object(json_object_get(in, "error"))) {
        /* the provider's own error, forwarded as it came */
        agw_gm_stream_fail(s, ev, json_object_get(in, "error"));
        rc = agw_buf_append(out, "data: ", 6);
        rc |= agw_buf_append(out, ev->data, ev->data_len);
        rc |= agw_buf_append(out, "\r\n\r\n", 4);
        json_decref(in);
        s->client_done = 1;
        return -1;
    }

    agw_gm_usage_read(agw_gm_get(in, "usageMetadata", "usage_metadata"),
                      &s->usage);

    json_array_foreach(json_object_get(in, "candidates"), i, cand) {
        if (agw_gm_str(cand, "finishReason", "finish_reason") != NULL) {
            s->provider_done = 1;
        }
    }

    if (json_array_size(json_object_get(in, "candidates")) == 0
        && agw_gm_str(agw_gm_get(in, "promptFeedback", "prompt_feedback"),
                      "blockReason", "block_reason") != NULL)
    {
        s->provider_done = 1;
    }

    if (s->model[0] != '\0'
        && agw_gm_get(in, "modelVersion", "model_version") != NULL)
    {
        json_object_del(in, "model_version");
        if (json_object_set_new(in, "modelVersion", json_string(s->model))
            != 0)
        {
            json_decref(in);
            return -1;
        }
    }

    rc = agw_gm_write_event(out, in);
    json_decref(in);

    return rc;
}
