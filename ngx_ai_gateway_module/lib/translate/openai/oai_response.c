/*
 * Whole OpenAI Chat Completions answers (chat.completion) to and from the
 * intermediate form.  The first choice is the answer: the form has one
 * (a client's n > 1 is for an OpenAI provider, which the same-dialect
 * rewrite serves whole).  An answer written for an OpenAI client keeps
 * the gateway's extensions (reasoning_content, thinking_blocks,
 * extra_content): OpenAI SDKs ignore fields they do not know, and a
 * client may send thinking_blocks back on its next turn.
 */

#include <string.h>

#include "oai_int.h"


/* choices[i]: the first one's message and finish_reason. */
static int
agw_oai_read_choice_message(agw_oai_rctx_t *c, agw_jr_t *r,
    agw_response_t *res, int *seen)
{
    int                   rc;
    int64_t               index;
    uint8_t               string;
    agw_str_t             key, finish, k2;
    agw_part_t           *parts;
    agw_oai_assistant_t   am;

    memset(&am, 0, sizeof(agw_oai_assistant_t));
    index = 0;
    finish.data = NULL;

    rc = agw_jr_object(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "choices", rc);
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "message") && agw_jr_peek(r) == AGW_JR_OBJECT) {
            rc = agw_jr_object(r);
            if (rc != 0) {
                return agw_oai_fail(c, r, "message", rc);
            }

            while ((rc = agw_jr_member(r, &k2)) == 1) {
                if (agw_oai_is(&k2, "content")) {
                    rc = agw_oai_read_content(c, r, &am.content, &string);
                    if (rc != 0) {
                        return -1;
                    }
                    continue;
                }

                rc = agw_oai_read_assistant_member(c, r, &k2, &am);
                if (rc < 0) {
                    return -1;
                }

                if (rc == 0 && agw_jr_value(r, NULL) != 0) {
                    return agw_oai_fail(c, r, "message", -1);
                }
            }

            rc = rc == 0 ? 0 : agw_oai_fail(c, r, "message", rc);

        } else {
            rc = agw_oai_read_choice_member(r, &key, &finish, &index);
            rc = rc == 0 ? agw_jr_value(r, NULL) : rc == 1 ? 0 : rc;
        }

        if (rc != 0) {
            return agw_oai_fail(c, r, "choices", rc);
        }
    }

    if (rc < 0) {
        return agw_oai_fail(c, r, "choices", rc);
    }

    if (index != 0 || *seen) {
        return 0;
    }

    *seen = 1;

    parts = agw_oai_assistant_parts(c, &am);
    if (parts == NULL && c->err->cls != AGW_ERR_NONE) {
        return -1;
    }

    res->parts = parts;

    if (agw_str_set(&finish)) {
        res->finish = agw_oai_finish_of(&finish);
        res->finish_raw = finish;
    }

    return 0;
}


int
agw_oai_read_response(const char *body, size_t len, agw_arena_t *a,
    agw_response_t *res, agw_error_t *err)
{
    int             rc, seen, choices;
    agw_jr_t        r;
    agw_str_t       key;
    agw_oai_rctx_t  c;

    memset(res, 0, sizeof(agw_response_t));
    res->created = -1;
    agw_usage_init(&res->usage);

    c.arena = a;
    c.err = err;
    c.provider = 1;
    agw_oai_path_reset(&c);

    seen = 0;
    choices = 0;

    agw_jr_init(&r, body, len);

    rc = agw_jr_object(&r);
    if (rc != 0) {
        return agw_oai_fail(&c, &r, "", rc);
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (agw_oai_is(&key, "choices") && agw_jr_peek(&r) == AGW_JR_ARRAY) {
            choices = 1;
            rc = agw_jr_array(&r);
            while (rc == 0 && (rc = agw_jr_element(&r)) == 1) {
                rc = agw_oai_read_choice_message(&c, &r, res, &seen);
                if (rc != 0) {
                    return -1;
                }
            }

        } else if (agw_oai_is(&key, "id")
                   && agw_jr_peek(&r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&r, &res->id);

        } else if (agw_oai_is(&key, "model")
                   && agw_jr_peek(&r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&r, &res->model);

        } else if (agw_oai_is(&key, "created")
                   && agw_jr_peek(&r) == AGW_JR_NUMBER)
        {
            rc = agw_jr_int(&r, &res->created);
            if (rc == AGW_JR_TYPE) {
                rc = agw_jr_value(&r, NULL);
            }

        } else if (agw_oai_is(&key, "usage")) {
            if (agw_oai_read_usage(&c, &r, &res->usage) != 0) {
                return -1;
            }
            rc = 0;

        } else {
            rc = agw_jr_value(&r, NULL);
        }

        if (rc != 0) {
            return agw_oai_fail(&c, &r, "", rc);
        }
    }

    if (rc < 0 || agw_jr_end(&r) != 0) {
        return agw_oai_fail(&c, &r, "", -1);
    }

    if (!choices) {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "invalid_upstream_body",
                      "the openai upstream answered without 'choices'");
        return -1;
    }

    return 0;
}


int
agw_oai_write_response(const agw_response_t *res, const agw_answer_ctx_t *o,
    agw_buf_t *out, agw_error_t *err)
{
    int64_t    created;
    agw_jw_t   w;
    const char  *finish;

    agw_jw_init(&w, out);
    agw_jw_object(&w);

    /* a provider that names no answer (Anthropic's documented examples)
     * gets an empty id, as the old translator gave */
    agw_jw_key(&w, "id");
    if (agw_str_set(&res->id)) {
        agw_jw_str(&w, &res->id);
    } else {
        agw_oai_lit(&w, "");
    }

    agw_jw_key(&w, "object");
    agw_oai_lit(&w, "chat.completion");

    created = res->created > 0 ? res->created : o->created;
    agw_jw_key(&w, "created");
    agw_jw_int(&w, created > 0 ? created : 0);

    agw_jw_key(&w, "model");
    if (agw_str_set(&o->model) && o->model.len > 0) {
        agw_jw_str(&w, &o->model);
    } else if (agw_str_set(&res->model)) {
        agw_jw_str(&w, &res->model);
    } else {
        agw_oai_lit(&w, "");
    }

    agw_jw_key(&w, "choices");
    agw_jw_array(&w);
    agw_jw_object(&w);
    agw_jw_key(&w, "index");
    agw_jw_int(&w, 0);
    agw_jw_key(&w, "message");
    agw_jw_object(&w);
    agw_jw_key(&w, "role");
    agw_oai_lit(&w, "assistant");
    agw_oai_write_assistant(&w, res->parts, 1);
    agw_jw_object_end(&w);
    agw_jw_key(&w, "finish_reason");
    finish = agw_oai_finish_name(res->finish);
    agw_jw_bytes(&w, finish, strlen(finish));
    agw_jw_object_end(&w);
    agw_jw_array_end(&w);

    agw_jw_key(&w, "usage");
    agw_oai_write_usage(&w, &res->usage);

    agw_jw_object_end(&w);

    return w.failed ? -1 : 0;
}
