/*
 * The provider's finish reason and model as the engine reports them for
 * the usage event (agw_answer_meta_t): every dialect's whole answers and
 * streams from the real fixtures, through the same-dialect rewrite and
 * through a translation, whole and fed in small pieces.  Both paths must
 * read the same finish and model out of the same bytes.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE               /* memmem */
#endif

#include <stdlib.h>
#include <string.h>

#include "agw_engine.h"
#include "agw_event.h"
#include "tap.h"
#include "fixtures.h"


typedef struct {
    agw_dialect_t  dialect;
    const char    *file;
    int            stream;
    agw_finish_t   finish;
    const char    *model;           /* "" when the answer names none */
    int            first;           /* the file holds several Responses
                                       streams, one per turn: the first */
} meta_case_t;


static const meta_case_t  cases[] = {
    { AGW_DIALECT_OPENAI, "openai-chat/response-text.json", 0,
      AGW_FINISH_STOP, "gpt-4.1-nano-2025-04-14", 0 },
    { AGW_DIALECT_OPENAI, "openai-chat/response-parallel-tool-calls.json", 0,
      AGW_FINISH_TOOL_CALLS, "gpt-4o-2024-08-06", 0 },
    { AGW_DIALECT_OPENAI, "openai-chat/stream-text.sse", 1,
      AGW_FINISH_STOP, "gpt-4o-2024-08-06", 0 },
    { AGW_DIALECT_OPENAI, "openai-chat/stream-tool-calls.sse", 1,
      AGW_FINISH_TOOL_CALLS, "gpt-4o-2024-08-06", 0 },
    /* Azure's first chunk names no model ("model":"") */
    { AGW_DIALECT_OPENAI,
      "openai-chat/stream-reasoning-usage-azure.chunks.sse", 1,
      AGW_FINISH_STOP, "gpt-5-nano-2025-08-07", 0 },

    { AGW_DIALECT_ANTHROPIC, "anthropic-messages/response-text.json", 0,
      AGW_FINISH_STOP, "claude-sonnet-4-5-20250929", 0 },
    { AGW_DIALECT_ANTHROPIC, "anthropic-messages/response-tool-use.json", 0,
      AGW_FINISH_TOOL_CALLS, "claude-haiku-4-5-20251001", 0 },
    { AGW_DIALECT_ANTHROPIC, "anthropic-messages/stream-text.sse", 1,
      AGW_FINISH_STOP, "claude-sonnet-4-5-20250929", 0 },
    { AGW_DIALECT_ANTHROPIC, "anthropic-messages/stream-tool-use.sse", 1,
      AGW_FINISH_TOOL_CALLS, "claude-haiku-4-5-20251001", 0 },

    { AGW_DIALECT_GEMINI, "gemini/response-thought-part.json", 0,
      AGW_FINISH_LENGTH, "gemini-2.0-flash-thinking-exp-01-21", 0 },
    /* Gemini says STOP after a call: the form's TOOL_CALLS */
    { AGW_DIALECT_GEMINI, "gemini/response-function-call.json", 0,
      AGW_FINISH_TOOL_CALLS, "gemini-2.0-flash", 0 },
    { AGW_DIALECT_GEMINI, "gemini/stream-text-usage.chunks.sse", 1,
      AGW_FINISH_STOP, "gemini-2.5-flash", 0 },
    { AGW_DIALECT_GEMINI, "gemini/stream-function-call.chunks.sse", 1,
      AGW_FINISH_TOOL_CALLS, "gemini-2.0-flash", 0 },

    { AGW_DIALECT_RESPONSES, "openai-responses/response-text.documented.json",
      0, AGW_FINISH_STOP, "gpt-5.4", 0 },
    { AGW_DIALECT_RESPONSES,
      "openai-responses/response-function-call.documented.json", 0,
      AGW_FINISH_TOOL_CALLS, "gpt-5.4", 0 },
    { AGW_DIALECT_RESPONSES, "openai-responses/stream-text.chunks.sse", 1,
      AGW_FINISH_STOP, "gpt-5.2-2025-12-11", 0 },
    { AGW_DIALECT_RESPONSES,
      "openai-responses/stream-reasoning-function-call.chunks.sse", 1,
      AGW_FINISH_TOOL_CALLS, "gpt-5.1-codex-max", 1 },
};


/* The answer of provider p for client c; step: stream feed size (0:
 * whole).  0, or -1 when the engine refused it. */
static int
run(const meta_case_t *tc, agw_dialect_t client, size_t step,
    agw_answer_meta_t *meta)
{
    int               rc;
    char             *body, *p;
    size_t            len, i, n;
    agw_buf_t         out = AGW_BUF_INIT;
    agw_error_t       err;
    agw_usage_t       usage;
    agw_xstream_t    *s;
    agw_answer_ctx_t  ans;

    body = fixture_read(tc->file, &len);
    if (body == NULL) {
        return -1;
    }

    if (tc->first) {
        p = strstr(body, "event: response.completed");
        p = p != NULL ? strstr(p, "\n\n") : NULL;
        if (p == NULL) {
            free(body);
            return -1;
        }
        len = (size_t) (p + 2 - body);
    }

    memset(meta, 0, sizeof(*meta));
    memset(&ans, 0, sizeof(ans));
    ans.model = (agw_str_t) agw_str_lit("alias-the-client-asked");
    ans.created = 1;
    ans.provider = tc->dialect;
    ans.meta = meta;

    if (!tc->stream) {
        rc = agw_engine_response(tc->dialect, client, body, len, &ans, &out,
                                 &usage, &err);

    } else {
        s = agw_engine_stream_new(tc->dialect, client, &ans, 0);
        rc = s == NULL ? -1 : 0;

        if (step == 0) {
            step = len;
        }

        for (i = 0; rc == 0 && i < len; i += n) {
            n = len - i < step ? len - i : step;
            rc = agw_engine_stream_feed(s, body + i, n, &out);
        }

        if (s != NULL) {
            if (rc == 0) {
                rc = agw_engine_stream_finish(s, 1, &out);
            }
            agw_engine_stream_free(s);
        }
    }

    /* the client never sees the provider's name where it asked another */
    if (rc == 0 && tc->model[0] != '\0'
        && memmem(out.data, out.len, tc->model, strlen(tc->model)) != NULL)
    {
        rc = -2;
    }

    agw_buf_free(&out);
    free(body);

    return rc;
}


int
main(void)
{
    int                 rc;
    size_t              i, k;
    agw_dialect_t       client;
    agw_answer_meta_t   meta;
    const meta_case_t  *tc;
    static const size_t steps[] = { 0, 7 };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tc = &cases[i];

        for (k = 0; k < (tc->stream ? 2 : 1); k++) {

            /* the same dialect: the one-pass rewrite */
            rc = run(tc, tc->dialect, steps[k], &meta);
            is_int(rc, 0, tc->file);
            is_str(agw_event_finish_reason_name(meta.finish),
                   agw_event_finish_reason_name(tc->finish),
                   "rewrite: finish");
            is_str(meta.model, tc->model, "rewrite: model");

            /* another client's dialect: the reader and the form */
            client = tc->dialect == AGW_DIALECT_OPENAI ? AGW_DIALECT_ANTHROPIC
                                                      : AGW_DIALECT_OPENAI;
            rc = run(tc, client, steps[k], &meta);
            is_int(rc, 0, tc->file);
            is_str(agw_event_finish_reason_name(meta.finish),
                   agw_event_finish_reason_name(tc->finish),
                   "translated: finish");
            is_str(meta.model, tc->model, "translated: model");
        }
    }

    /* a caller that asks for nothing gets nothing written */
    memset(&meta, 0, sizeof(meta));
    agw_answer_meta_finish(NULL, AGW_FINISH_STOP);
    agw_answer_meta_model(NULL, &(agw_str_t) agw_str_lit("x"));
    agw_answer_meta_finish(&meta, AGW_FINISH_UNSET);
    is_int(meta.finish, AGW_FINISH_UNSET, "an unset reason changes nothing");

    /* a model name with escapes is decoded; a long one truncated */
    {
        agw_str_t  esc = { "gpt\\u002d4o", 11, AGW_STR_JSON, 1 };
        char       longer[200];
        agw_str_t  big;

        agw_answer_meta_model(&meta, &esc);
        is_str(meta.model, "gpt-4o", "escapes decoded");
        agw_answer_meta_model(&meta, &(agw_str_t) agw_str_lit("other"));
        is_str(meta.model, "gpt-4o", "the first model named stays");

        memset(longer, 'm', sizeof(longer));
        big = agw_str_bytes(longer, sizeof(longer));
        memset(&meta, 0, sizeof(meta));
        agw_answer_meta_model(&meta, &big);
        is_int(strlen(meta.model), AGW_ANSWER_MODEL_SIZE - 1, "truncated");
    }

    is_str(agw_event_finish_reason_name(AGW_FINISH_TOOL_CALLS), "tool_call",
           "the GenAI conventions' name");
    ok(agw_event_finish_reason_name(AGW_FINISH_UNSET) == NULL, "none: NULL");

    return done_testing();
}
