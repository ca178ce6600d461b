/*
 * Whole Gemini answers (generateContent): a provider's read into the form,
 * the form written for a Gemini client.
 *
 * Only the first candidate is read (an answer of several has no form; a
 * client that asks candidateCount > 1 of another provider gets one).
 * Gemini sends no call ids: they are made from the responseId and the
 * call's position, as in streams.
 */

#include <stdio.h>
#include <string.h>

#include "gem_candidate.h"


typedef struct {
    agw_jr_t         r;
    agw_arena_t     *a;
    agw_response_t  *res;
    agw_error_t     *err;
    agw_part_t     **tail;
    agw_str_t        finish;
    agw_str_t        block;
    agw_str_t        created;
    size_t           calls;
    int              candidates;
} agw_gem_rres_t;


static int
agw_gem_rbad(agw_gem_rres_t *c)
{
    return agw_gem_bad_upstream(c->err, "the gemini upstream sent a body "
                                "that is not a GenerateContentResponse");
}


/*
 * One part of a candidate (agw_gem_part_cb): 0; -1 not what Gemini sends;
 * -2 when the error is said already, or memory ran out.
 */
static int
agw_gem_rpart(void *ud)
{
    agw_part_t       *p;
    agw_gem_rres_t   *c = ud;
    agw_gem_mpart_t   m;

    if (agw_gem_mpart_read(&c->r, &m) != 0) {
        return -1;
    }

    if (m.call) {
        if (!agw_str_set(&m.name) || m.partial) {
            agw_error_set(c->err, AGW_ERR_BAD_GATEWAY, 0, "unsupported_part",
                          "a functionCall without a name (streamed "
                          "partialArgs) cannot be translated");
            return -2;
        }

        p = agw_arena_calloc(c->a, sizeof(agw_part_t));
        if (p == NULL) {
            return -2;
        }
        p->type = AGW_PART_TOOL_CALL;
        p->name = m.name;
        p->id = m.id;           /* when unset, made once the responseId
                                   (which comes last) is known */
        if (agw_str_set(&m.args)) {
            p->args = agw_gem_compact(c->a, &m.args);
            if (!agw_str_set(&p->args)) {
                return -2;
            }
        } else {
            p->args = (agw_str_t) agw_str_lit("{}");
            p->args.kind = AGW_STR_VALUE;
        }
        c->calls++;

    } else if (agw_str_set(&m.text) || agw_str_set(&m.signature)) {
        p = agw_arena_calloc(c->a, sizeof(agw_part_t));
        if (p == NULL) {
            return -2;
        }
        p->type = m.thought ? AGW_PART_THINKING : AGW_PART_TEXT;
        p->text = agw_str_set(&m.text) ? m.text
                                       : (agw_str_t) agw_str_lit("");

    } else {
        return 0;               /* inlineData, code...: not for the form */
    }

    p->signature = m.signature;
    *c->tail = p;
    c->tail = &p->next;

    return 0;
}


static int
agw_gem_rcandidate(agw_gem_rres_t *c, int position)
{
    int           rc;
    int64_t       index;
    agw_str_t     finish;
    agw_part_t  **mark;
    size_t        calls;

    mark = c->tail;
    calls = c->calls;

    rc = agw_gem_candidate_read(&c->r, position, agw_gem_rpart, c, &finish,
                                &index);
    if (rc == -1) {
        return agw_gem_rbad(c);
    }

    if (rc != 0) {
        return -1;
    }

    if (index != 0 || c->candidates > 0) {
        /* another candidate: dropped */
        *mark = NULL;
        c->tail = mark;
        c->calls = calls;
        return 0;
    }

    c->candidates++;
    c->finish = finish;

    return 0;
}


/* Vertex's createTime ("2026-04-02T17:03:50.399550Z") as Unix time, days
 * from the civil date by Howard Hinnant's algorithm: no timegm(), no TZ. */
static int64_t
agw_gem_created(const agw_str_t *t)
{
    int       y, m, d, hh, mm, ss, era, n;
    char      buf[40];
    unsigned  yoe, doy, doe;

    n = agw_str_decode(t, buf, sizeof(buf) - 1);
    if (n < 0) {
        return -1;
    }
    buf[n] = '\0';

    if (sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &m, &d, &hh, &mm, &ss)
        != 6 || m < 1 || m > 12 || d < 1 || d > 31)
    {
        return -1;
    }

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return ((int64_t) era * 146097 + doe - 719468) * 86400
           + hh * 3600 + mm * 60 + ss;
}


int
agw_gem_read_response(const char *body, size_t len, agw_arena_t *a,
    agw_response_t *res, agw_error_t *err)
{
    int             rc, i;
    size_t          n;
    agw_str_t       key;
    agw_part_t     *p;
    agw_gem_rres_t  c;

    memset(err, 0, sizeof(*err));
    memset(res, 0, sizeof(*res));
    res->created = -1;
    agw_usage_init(&res->usage);

    memset(&c, 0, sizeof(c));
    c.a = a;
    c.res = res;
    c.err = err;
    c.tail = &res->parts;

    agw_jr_init(&c.r, body, len);

    if (agw_jr_object(&c.r) != 0) {
        return agw_gem_rbad(&c);
    }

    while ((rc = agw_jr_member(&c.r, &key)) == 1) {
        if (agw_gem_is(&key, "candidates")) {
            if (agw_jr_array(&c.r) != 0) {
                return agw_gem_rbad(&c);
            }
            for (i = 0; (rc = agw_jr_element(&c.r)) == 1; i++) {
                if (agw_gem_rcandidate(&c, i) != 0) {
                    return -1;
                }
            }
            if (rc < 0) {
                return agw_gem_rbad(&c);
            }
            continue;

        } else if (agw_gem_key(&key, "usageMetadata", "usage_metadata")) {
            rc = agw_gem_usage_read(&c.r, &res->usage);

        } else if (agw_gem_key(&key, "modelVersion", "model_version")) {
            rc = agw_jr_string(&c.r, &res->model);

        } else if (agw_gem_key(&key, "responseId", "response_id")) {
            rc = agw_jr_string(&c.r, &res->id);

        } else if (agw_gem_key(&key, "createTime", "create_time")) {
            rc = agw_jr_string(&c.r, &c.created);

        } else if (agw_gem_key(&key, "promptFeedback", "prompt_feedback")) {
            if (agw_jr_object(&c.r) != 0) {
                return agw_gem_rbad(&c);
            }
            while ((rc = agw_jr_member(&c.r, &key)) == 1) {
                if (agw_gem_key(&key, "blockReason", "block_reason")) {
                    rc = agw_jr_string(&c.r, &c.block);
                } else {
                    rc = agw_jr_value(&c.r, NULL);
                }
                if (rc != 0) {
                    return agw_gem_rbad(&c);
                }
            }

        } else {
            rc = agw_jr_value(&c.r, NULL);
        }

        if (rc < 0 || rc == AGW_JR_TYPE) {
            return agw_gem_rbad(&c);
        }
    }

    if (rc < 0 || agw_jr_end(&c.r) != 0) {
        return agw_gem_rbad(&c);
    }

    if (c.candidates == 0) {
        if (!agw_str_set(&c.block)) {
            return agw_gem_bad_upstream(err, "the gemini upstream answered "
                                        "no candidates");
        }
        /* the prompt itself was blocked */
        res->blocked = 1;
        res->finish = AGW_FINISH_CONTENT_FILTER;
        res->finish_raw = c.block;
        return 0;
    }

    for (p = res->parts, n = 0; p != NULL; p = p->next) {
        if (p->type != AGW_PART_TOOL_CALL) {
            continue;
        }
        if (!agw_str_set(&p->id)) {
            p->id = agw_gem_call_id(a, &res->id, 0, n);
            if (!agw_str_set(&p->id)) {
                return -1;
            }
        }
        n++;
    }

    if (agw_str_set(&c.created)) {
        res->created = agw_gem_created(&c.created);
    }

    if (agw_str_set(&c.finish)) {
        res->finish = agw_gem_finish_read(&c.finish, c.calls > 0);
        res->finish_raw = c.finish;
    } else {
        res->finish = c.calls > 0 ? AGW_FINISH_TOOL_CALLS : AGW_FINISH_STOP;
    }

    return 0;
}


/* A text part: {"text": ..., "thought": true when it is a thought,
 * "thoughtSignature": sig when there is one to give}. */
static void
agw_gem_put_text(agw_jw_t *w, const agw_str_t *text, int thought,
    const agw_str_t *sig)
{
    agw_jw_object(w);
    agw_jw_key(w, "text");
    agw_jw_str(w, text);

    if (thought) {
        agw_jw_key(w, "thought");
        agw_jw_bool(w, 1);
    }

    if (sig != NULL && agw_str_set(sig)) {
        agw_jw_key(w, "thoughtSignature");
        agw_jw_str(w, sig);
    }

    agw_jw_object_end(w);
}


/*
 * The form as a Gemini client's answer, parts in the order they came:
 * thoughts as thought parts, text, whole function calls (with the
 * provider's call id, so a client that echoes it is matched exactly).
 * An Anthropic signature means nothing to a Gemini client.
 */
int
agw_gem_write_response(const agw_response_t *res, const agw_answer_ctx_t *o,
    agw_buf_t *out, agw_error_t *err)
{
    int                any, sigs;
    size_t             mark, max;
    agw_jw_t           w;
    agw_str_t          text, none = agw_str_lit("");
    agw_buf_t          tmp = AGW_BUF_INIT;
    const char        *finish;
    const agw_part_t  *p, *q;

    memset(err, 0, sizeof(*err));
    mark = out->len;
    sigs = o->provider != AGW_DIALECT_ANTHROPIC;

    max = 0;
    for (p = res->parts; p != NULL; p = p->next) {
        if (p->type == AGW_PART_TOOL_CALL && p->args.len > max) {
            max = p->args.len;
        }
    }
    if (agw_buf_reserve(&tmp, max + 1) != 0) {
        return -1;
    }

    agw_jw_init(&w, out);
    agw_jw_object(&w);
    agw_jw_key(&w, "candidates");
    agw_jw_array(&w);
    agw_jw_object(&w);
    agw_jw_key(&w, "content");
    agw_jw_object(&w);
    agw_jw_key(&w, "parts");
    agw_jw_array(&w);

    any = 0;

    for (p = res->parts; p != NULL; p = p->next) {
        switch (p->type) {

        case AGW_PART_TEXT:
        case AGW_PART_REFUSAL:
        case AGW_PART_THINKING:
            agw_gem_put_text(&w, &p->text, p->type == AGW_PART_THINKING,
                             sigs ? &p->signature : NULL);
            any = 1;
            break;

        case AGW_PART_REASONING:
            /* a Responses provider's summary: Gemini's thoughts */
            for (q = p->content; q != NULL; q = q->next) {
                agw_gem_put_text(&w, &q->text, 1, NULL);
                any = 1;
            }
            break;

        case AGW_PART_TOOL_CALL:
            if (!agw_str_set(&p->name)) {
                agw_gem_bad_upstream(err, "the upstream sent a tool call "
                                     "without a name");
                goto failed;
            }
            if (agw_gem_args_text(&p->args, p->args_string, tmp.data, &text)
                == 0)
            {
                agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0,
                              "invalid_arguments", "the upstream sent tool "
                              "call arguments that are not a JSON object");
                goto failed;
            }
            agw_jw_object(&w);
            agw_jw_key(&w, "functionCall");
            agw_jw_object(&w);
            agw_jw_key(&w, "name");
            agw_jw_str(&w, &p->name);
            agw_jw_key(&w, "args");
            agw_jw_raw(&w, &text);
            if (agw_str_set(&p->id)) {
                agw_jw_key(&w, "id");
                agw_jw_str(&w, &p->id);
            }
            agw_jw_object_end(&w);
            if (sigs && agw_str_set(&p->signature)) {
                agw_jw_key(&w, "thoughtSignature");
                agw_jw_str(&w, &p->signature);
            }
            agw_jw_object_end(&w);
            any = 1;
            break;

        default:
            /* redacted thinking, encrypted reasoning, a dialect's own
             * block: nothing a Gemini client can read */
            break;
        }
    }

    if (!any) {
        /* Gemini clients expect parts */
        agw_jw_object(&w);
        agw_jw_key(&w, "text");
        agw_jw_str(&w, &none);
        agw_jw_object_end(&w);
    }

    finish = agw_gem_finish_name(res->finish);

    agw_jw_array_end(&w);
    agw_jw_key(&w, "role");
    agw_jw_lit(&w, "model");
    agw_jw_object_end(&w);
    agw_jw_key(&w, "finishReason");
    agw_jw_bytes(&w, finish, strlen(finish));
    agw_jw_key(&w, "index");
    agw_jw_int(&w, 0);
    agw_jw_object_end(&w);
    agw_jw_array_end(&w);

    if (agw_usage_known(&res->usage)) {
        agw_jw_key(&w, "usageMetadata");
        agw_gem_usage_write(&w, &res->usage);
    }

    agw_jw_key(&w, "modelVersion");
    agw_jw_str(&w, agw_str_set(&o->model) ? &o->model
                   : agw_str_set(&res->model) ? &res->model : &none);

    if (agw_str_set(&res->id)) {
        agw_jw_key(&w, "responseId");
        agw_jw_str(&w, &res->id);
    }

    agw_jw_object_end(&w);

    agw_buf_free(&tmp);

    if (w.failed) {
        out->len = mark;
        return -1;
    }

    return 0;

failed:

    agw_buf_free(&tmp);
    out->len = mark;
    return -1;
}
