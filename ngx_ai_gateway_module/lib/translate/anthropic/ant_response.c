/*
 * Whole (non-streamed) Anthropic Messages answers: a provider's answer
 * read into the form, and the form written as an answer for an Anthropic
 * client.  See the table in docs/translation-anthropic.md.
 */

#include <string.h>

#include "ant_int.h"


int
agw_ant_read_response(const char *body, size_t len, agw_arena_t *a,
    agw_response_t *res, agw_error_t *err)
{
    int                   rc, seen;
    agw_jr_t              r;
    agw_str_t             key, stop = AGW_STR_NULL;
    agw_part_t          **tail;
    agw_ant_where_t       wh = { "content", -1, -1, -1 };
    agw_ant_usage_raw_t   u;

    memset(res, 0, sizeof(agw_response_t));
    res->created = -1;
    agw_usage_init(&res->usage);
    agw_ant_usage_raw_init(&u);

    agw_jr_init(&r, body, len);

    if (agw_jr_object(&r) != 0) {
        agw_ant_bad_json(err, 1, &r);
        if (!r.failed) {
            agw_ant_upstream_bad(err, "the Anthropic answer is not a JSON "
                                 "object");
        }
        return -1;
    }

    seen = 0;

    while ((rc = agw_jr_member(&r, &key)) == 1) {

        if (agw_str_is(&key, "content")) {
            /* the last one counts, as jansson keeps the last */
            res->parts = NULL;
            tail = &res->parts;
            if (agw_ant_read_content(&r, a, AGW_ANT_IN_ASSISTANT, 1, &wh,
                                     &tail, &seen, err) != 0)
            {
                return -1;
            }
            if (seen) {
                agw_ant_upstream_bad(err, "content: not an array");
                return -1;
            }
            seen = 2;
            continue;

        } else if (agw_str_is(&key, "id")) {
            rc = agw_jr_string(&r, &res->id);

        } else if (agw_str_is(&key, "model")) {
            rc = agw_jr_string(&r, &res->model);

        } else if (agw_str_is(&key, "stop_reason")) {
            rc = agw_jr_string(&r, &stop);

        } else if (agw_str_is(&key, "stop_sequence")) {
            rc = agw_jr_string(&r, &res->stop_sequence);

        } else if (agw_str_is(&key, "usage")) {
            agw_ant_usage_raw_init(&u);
            rc = agw_ant_usage_read(&r, &u);

        } else {
            rc = agw_jr_value(&r, NULL);
        }

        if (rc == AGW_JR_TYPE) {
            /* a member of another type reads as absent */
            rc = agw_jr_value(&r, NULL);
        }

        if (rc != 0) {
            agw_ant_bad_json(err, 1, &r);
            return -1;
        }
    }

    if (rc < 0 || agw_jr_end(&r) != 0) {
        agw_ant_bad_json(err, 1, &r);
        return -1;
    }

    if (seen != 2) {
        agw_ant_upstream_bad(err, "an Anthropic answer without content");
        return -1;
    }

    res->finish = agw_ant_finish(&stop);
    res->finish_raw = stop;
    agw_ant_usage_norm(&u, &res->usage);

    return 0;
}


/* The joined text of a reasoning item's summary. */
static int
agw_ant_has_text(const agw_part_t *p)
{
    for ( /* void */ ; p != NULL; p = p->next) {
        if (agw_str_set(&p->text) && p->text.len > 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * Thinking first (as Anthropic orders it), then the text, then the tool
 * calls.  Reasoning without an Anthropic signature (DeepSeek, vLLM,
 * Gemini thoughts) becomes a thinking block with an empty signature:
 * Anthropic itself would refuse it if sent back, another provider will
 * not.
 */
static int
agw_ant_answer_content(agw_jw_t *w, const agw_response_t *res,
    const agw_answer_ctx_t *o, agw_buf_t *tmp, agw_error_t *err)
{
    int                rc, text, refusal, sig;
    const agw_part_t  *p, *q;

    static const agw_str_t  empty = { "", 0, AGW_STR_JSON, 0 };

    sig = (o == NULL || o->provider != AGW_DIALECT_GEMINI);

    agw_jw_array(w);

    text = 0;
    refusal = 0;

    for (p = res->parts; p != NULL; p = p->next) {
        switch (p->type) {

        case AGW_PART_THINKING:
            if (!agw_str_set(&p->text) || p->text.len == 0) {
                if (!sig || !agw_str_set(&p->signature)
                    || p->signature.len == 0)
                {
                    break;
                }
            }
            agw_jw_object(w);
            agw_ant_key(w, "type");
            agw_ant_lit(w, "thinking");
            agw_ant_key(w, "thinking");
            agw_jw_str(w, agw_str_set(&p->text) ? &p->text : &empty);
            agw_ant_key(w, "signature");
            agw_jw_str(w, sig && agw_str_set(&p->signature)
                          ? &p->signature : &empty);
            agw_jw_object_end(w);
            break;

        case AGW_PART_REASONING:
            if (!agw_ant_has_text(p->content)) {
                break;
            }
            agw_jw_object(w);
            agw_ant_key(w, "type");
            agw_ant_lit(w, "thinking");
            agw_ant_key(w, "thinking");
            agw_ant_str_open(w);
            for (q = p->content; q != NULL; q = q->next) {
                if (agw_str_set(&q->text)) {
                    agw_ant_str_piece(w, &q->text);
                }
            }
            agw_ant_str_close(w);
            agw_ant_key(w, "signature");
            agw_ant_lit(w, "");
            agw_jw_object_end(w);
            break;

        case AGW_PART_REDACTED_THINKING:
            agw_jw_object(w);
            agw_ant_key(w, "type");
            agw_ant_lit(w, "redacted_thinking");
            agw_ant_key(w, "data");
            agw_jw_str(w, agw_str_set(&p->data) ? &p->data : &empty);
            agw_jw_object_end(w);
            break;

        case AGW_PART_TEXT:
            text |= agw_str_set(&p->text) && p->text.len > 0;
            break;

        case AGW_PART_REFUSAL:
            refusal |= agw_str_set(&p->text) && p->text.len > 0;
            break;

        default:
            break;
        }
    }

    /* the text blocks as one (what a streaming client would have shown);
     * a refusal is the text when there is no other */
    if (text || refusal) {
        agw_jw_object(w);
        agw_ant_key(w, "type");
        agw_ant_lit(w, "text");
        agw_ant_key(w, "text");
        agw_ant_str_open(w);
        for (p = res->parts; p != NULL; p = p->next) {
            if (p->type == (text ? AGW_PART_TEXT : AGW_PART_REFUSAL)
                && agw_str_set(&p->text))
            {
                agw_ant_str_piece(w, &p->text);
            }
        }
        agw_ant_str_close(w);
        agw_jw_object_end(w);
    }

    for (p = res->parts; p != NULL; p = p->next) {
        if (p->type != AGW_PART_TOOL_CALL) {
            continue;
        }

        agw_jw_object(w);
        agw_ant_key(w, "type");
        agw_ant_lit(w, "tool_use");
        agw_ant_key(w, "id");
        agw_jw_str(w, agw_str_set(&p->id) ? &p->id : &empty);
        agw_ant_key(w, "name");
        agw_jw_str(w, agw_str_set(&p->name) ? &p->name : &empty);
        agw_ant_key(w, "input");

        rc = agw_ant_write_input(w, p, tmp);
        if (rc != 0) {
            if (rc > 0) {
                /* the provider's answer is unusable */
                agw_ant_upstream_bad(err, "tool call arguments are not a "
                                     "JSON object");
            }
            return -1;
        }

        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);

    return 0;
}


int
agw_ant_write_response(const agw_response_t *res, const agw_answer_ctx_t *o,
    agw_buf_t *out, agw_error_t *err)
{
    int               rc;
    size_t            start;
    agw_jw_t          w;
    agw_buf_t         tmp = AGW_BUF_INIT;
    const agw_str_t  *model;

    static const agw_str_t  empty = { "", 0, AGW_STR_JSON, 0 };

    model = (o != NULL && agw_str_set(&o->model)) ? &o->model : &res->model;
    start = out->len;

    agw_jw_init(&w, out);
    agw_jw_object(&w);
    agw_ant_key(&w, "id");
    agw_jw_str(&w, agw_str_set(&res->id) ? &res->id : &empty);
    agw_ant_key(&w, "type");
    agw_ant_lit(&w, "message");
    agw_ant_key(&w, "role");
    agw_ant_lit(&w, "assistant");
    agw_ant_key(&w, "model");
    agw_jw_str(&w, agw_str_set(model) ? model : &empty);
    agw_ant_key(&w, "content");

    rc = agw_ant_answer_content(&w, res, o, &tmp, err);
    agw_buf_free(&tmp);

    if (rc != 0) {
        out->len = start;
        return -1;
    }

    agw_ant_key(&w, "stop_reason");
    agw_jw_bytes(&w, agw_ant_stop_reason(res->finish),
                 strlen(agw_ant_stop_reason(res->finish)));
    agw_ant_key(&w, "stop_sequence");

    if (res->finish == AGW_FINISH_STOP_SEQUENCE
        && agw_str_set(&res->stop_sequence))
    {
        agw_jw_str(&w, &res->stop_sequence);
    } else {
        agw_jw_null(&w);
    }

    agw_ant_key(&w, "usage");
    agw_ant_usage_write(&w, &res->usage, 1);
    agw_jw_object_end(&w);

    if (w.failed) {
        out->len = start;
        return -1;
    }

    return 0;
}
