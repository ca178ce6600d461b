/*
 * The engine's Gemini codec joined to another dialect's codec, against
 * the old path for the same pair, on every fixture: Anthropic requests to
 * a Gemini provider and Gemini requests to an Anthropic provider, whole
 * answers both ways, streams both ways.  Where the engine does better
 * (docs/translation-gemini.md), the difference is taken out by name
 * before comparing.
 */

#include "x_gemini.h"


static void
check_requests(agw_dialect_t from, agw_dialect_t to,
    const char *const *names, size_t n)
{
    char         *body, title[160];
    size_t        i, len;
    json_t       *nj, *oj;
    agw_error_t   ne, oe;

    for (i = 0; i < n; i++) {
        body = fixture_read(names[i], &len);
        if (!ok(body != NULL, "%s read", names[i])) {
            continue;
        }

        nj = xg_request(from, to, body, len, &ne);
        oj = xg_old_request(from, to, body, len, &oe);
        snprintf(title, sizeof(title), "%s to %s: as the old path",
                 names[i], to == GEM ? "Gemini"
                           : to == ANT ? "Anthropic" : "OpenAI");

        if (oj == NULL) {
            ok(nj == NULL && ne.cls == oe.cls, "%s (refused)", title);
        } else {
            if (nj == NULL) {
                tap_diag("engine: %s", ne.message);
            }
            xg_json_eq(nj, oj, title);
        }

        json_decref(nj);
        json_decref(oj);
        free(body);
    }
}


/* Whole answers: the provider's body read by its codec, written by the
 * client's; against agw_translate_response. */
static void
check_responses(agw_dialect_t from, agw_dialect_t to,
    const char *const *names, size_t n)
{
    char                 stack[8192], *body, title[160];
    size_t               i, len;
    json_t              *nj, *oj;
    agw_buf_t            nout = AGW_BUF_INIT, oout = AGW_BUF_INIT;
    agw_arena_t          a;
    agw_error_t          ne, oe;
    agw_usage_t          ou;
    agw_response_t       res;
    agw_answer_ctx_t     o;
    agw_response_opts_t  ro = { "my-model" };

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("my-model");
    o.provider = from;

    for (i = 0; i < n; i++) {
        body = fixture_read(names[i], &len);
        if (!ok(body != NULL, "%s read", names[i])) {
            continue;
        }

        agw_arena_init(&a, stack, sizeof(stack), 0);
        nout.len = oout.len = 0;
        nj = oj = NULL;

        if (xg_codec(from)->read_response(body, len, &a, &res, &ne) == 0
            && xg_codec(to)->write_response(&res, &o, &nout, &ne) == 0)
        {
            nj = json_loadb(nout.data, nout.len, 0, NULL);
        }
        agw_usage_init(&ou);
        if (agw_translate_response(from, to, body, len, &ro, &oout, &ou,
                                   &oe) == 0)
        {
            oj = json_loadb(oout.data, oout.len, 0, NULL);
        }

        /* the old path invented "" for a missing responseId, and the
         * created time the engine leaves to the writer's clock */
        if (json_string_length(json_object_get(oj, "responseId")) == 0) {
            json_object_del(oj, "responseId");
        }
        /* the OpenAI writer's own choices (its tests own them): an id
         * when the provider gave none, "" for no text beside thinking,
         * thinking_blocks beside reasoning_content */
        if (to == OAI) {
            json_t  *nm, *om;

            if (json_string_length(json_object_get(oj, "id")) == 0) {
                json_object_del(oj, "id");
                json_object_del(nj, "id");
            }
            nm = json_object_get(json_array_get(json_object_get(nj,
                     "choices"), 0), "message");
            om = json_object_get(json_array_get(json_object_get(oj,
                     "choices"), 0), "message");
            json_object_del(nm, "thinking_blocks");
            if (json_is_null(json_object_get(om, "content"))
                && json_string_length(json_object_get(nm, "content")) == 0)
            {
                json_object_set_new(nm, "content", json_null());
            }
        }
        /* nor zeros for a usage the provider did not give */
        if (to == GEM && json_object_get(nj, "usageMetadata") == NULL
            && json_integer_value(json_object_get(json_object_get(oj,
                   "usageMetadata"), "totalTokenCount")) == 0)
        {
            json_object_del(oj, "usageMetadata");
        }

        snprintf(title, sizeof(title), "%s to %s: as the old path",
                 names[i], to == GEM ? "Gemini"
                           : to == ANT ? "Anthropic" : "OpenAI");
        xg_json_eq(nj, oj, title);

        json_decref(nj);
        json_decref(oj);
        agw_arena_free(&a);
        free(body);
    }

    agw_buf_free(&nout);
    agw_buf_free(&oout);
}


/*
 * A Gemini client's chunks folded into one: the parts of all (empty text
 * parts aside), the last finish and usage.  The engine writes each call
 * when its block stops and the finish in a chunk of its own; the old path
 * held the calls to the end.
 */
static void
xc_fold(events_t *e)
{
    int          i;
    size_t       k;
    json_t      *all, *parts, *c, *cand, *p, *v, *f, *u, *m, *id;
    const char  *t;

    all = json_array();
    f = u = m = id = NULL;

    for (i = 0; i < e->n; i++) {
        c = json_loads(e->data[i], 0, NULL);
        if (c == NULL || json_object_get(c, "error") != NULL) {
            json_decref(c);
            continue;
        }
        cand = json_array_get(json_object_get(c, "candidates"), 0);
        parts = json_object_get(json_object_get(cand, "content"), "parts");
        json_array_foreach(parts, k, p) {
            t = json_string_value(json_object_get(p, "text"));
            if (t != NULL && t[0] == '\0' && json_object_size(p) == 1) {
                continue;
            }
            json_array_append(all, p);
        }
        if ((v = json_object_get(cand, "finishReason")) != NULL) {
            json_decref(f);
            f = json_incref(v);
        }
        if ((v = json_object_get(c, "usageMetadata")) != NULL) {
            json_decref(u);
            u = json_incref(v);
        }
        json_decref(m);
        json_decref(id);
        m = json_incref(json_object_get(c, "modelVersion"));
        id = json_incref(json_object_get(c, "responseId"));
        json_decref(c);
        if (i < e->n - 1) {
            free(e->data[i]);
            free(e->event[i]);
        }
    }

    if (e->n == 0) {
        json_decref(all);
        return;
    }

    c = json_pack("{s:[{s:{s:o, s:s}, s:o*, s:i}], s:o*, s:o*, s:o*}",
                  "candidates", "content", "parts", all, "role", "model",
                  "finishReason", f, "index", 0, "usageMetadata", u,
                  "modelVersion", m, "responseId", id);
    free(e->data[e->n - 1]);
    e->data[0] = json_dumps(c, JSON_COMPACT);
    if (e->n > 1) {
        e->event[0] = e->event[e->n - 1];
    }
    e->n = 1;
    json_decref(c);
}


/*
 * An OpenAI client's chunks folded into what a client makes of them: the
 * text, the reasoning, whole tool calls, the finish, the usage.  How the
 * OpenAI writer cuts its chunks (a role chunk first, created) is its own
 * tests' business; what the client reads is compared here.
 */
static void
xc_fold_openai(events_t *e)
{
    int          i;
    size_t       k;
    json_t      *c, *d, *choice, *tc, *fn, *calls, *slot, *v, *u, *out;
    agw_buf_t    text = AGW_BUF_INIT, reasoning = AGW_BUF_INIT;
    const char  *f;

    calls = json_array();
    f = NULL;
    u = NULL;

    for (i = 0; i < e->n; i++) {
        c = json_loads(e->data[i], 0, NULL);
        if (c == NULL) {
            free(e->data[i]);       /* [DONE] */
            free(e->event[i]);
            continue;
        }
        choice = json_array_get(json_object_get(c, "choices"), 0);
        d = json_object_get(choice, "delta");
        if ((v = json_object_get(d, "content")) != NULL
            && json_is_string(v))
        {
            agw_buf_append_str(&text, json_string_value(v));
        }
        if ((v = json_object_get(d, "reasoning_content")) != NULL
            && json_is_string(v))
        {
            agw_buf_append_str(&reasoning, json_string_value(v));
        }
        json_array_foreach(json_object_get(d, "tool_calls"), k, tc) {
            size_t  n = (size_t) json_integer_value(json_object_get(tc,
                                                                "index"));

            while (json_array_size(calls) <= n) {
                json_array_append_new(calls, json_pack("{s:s, s:s, s:s}",
                                      "id", "", "name", "", "args", ""));
            }
            slot = json_array_get(calls, n);
            fn = json_object_get(tc, "function");
            if (json_is_string(json_object_get(tc, "id"))) {
                json_object_set(slot, "id", json_object_get(tc, "id"));
            }
            if (json_is_string(json_object_get(fn, "name"))) {
                json_object_set(slot, "name", json_object_get(fn, "name"));
            }
            if (json_is_string(json_object_get(fn, "arguments"))) {
                char  *a;

                a = malloc(json_string_length(json_object_get(slot, "args"))
                           + json_string_length(json_object_get(fn,
                                                            "arguments"))
                           + 1);
                strcpy(a, json_string_value(json_object_get(slot, "args")));
                strcat(a, json_string_value(json_object_get(fn,
                                                            "arguments")));
                json_object_set_new(slot, "args", json_string(a));
                free(a);
            }
        }
        if (json_is_string(json_object_get(choice, "finish_reason"))) {
            f = json_string_value(json_object_get(choice, "finish_reason"));
            f = strdup(f);
        }
        if ((v = json_object_get(c, "usage")) != NULL && !json_is_null(v)) {
            json_decref(u);
            u = json_incref(v);
        }
        json_decref(c);
        free(e->data[i]);
        free(e->event[i]);
    }

    /* the arguments as JSON values: white space is no difference */
    json_array_foreach(calls, k, slot) {
        v = json_loads(json_string_value(json_object_get(slot, "args")), 0,
                       NULL);
        json_object_set_new(slot, "args", v ? v : json_null());
    }

    out = json_pack("{s:s#, s:s#, s:o, s:s?, s:o*}",
                    "text", text.data ? text.data : "", text.len,
                    "reasoning", reasoning.data ? reasoning.data : "",
                    reasoning.len, "calls", calls, "finish", f,
                    "usage", u);
    free((char *) f);
    agw_buf_free(&text);
    agw_buf_free(&reasoning);

    if (e->n == 0) {
        e->event = malloc(sizeof(char *));
        e->data = malloc(sizeof(char *));
    }
    e->event[0] = strdup("");
    e->data[0] = json_dumps(out, JSON_COMPACT);
    e->n = 1;
    json_decref(out);
}


static void
check_stream(agw_dialect_t from, agw_dialect_t to, const char *name)
{
    int                 i, same;
    char                title[160];
    events_t            ne, oe;
    agw_buf_t           wire = AGW_BUF_INIT, oout = AGW_BUF_INIT;
    xg_stream_t         x;
    agw_usage_t         usage;
    stream_run_t        r;
    agw_stream_opts_t   so = { "my-model", 0, 0 };
    json_t             *nj, *oj;

    if (strstr(name, ".jsonl") != NULL) {
        if (from == GEM ? gm_fixture_wire(name, &wire) != 0
            : fixture_jsonl_to_sse(name, from == OAI ? "data: [DONE]\n\n"
                                                     : NULL, &wire) != 0)
        {
            ok(0, "%s read", name);
            return;
        }
    } else if (from == GEM) {
        if (!ok(gm_fixture_wire(name, &wire) == 0, "%s read", name)) {
            return;
        }
    } else {
        char    *t;
        size_t   len;

        t = fixture_read(name, &len);
        if (!ok(t != NULL, "%s read", name)) {
            return;
        }
        agw_buf_append(&wire, t, len);
        free(t);
    }

    stream_run(from, to, &so, wire.data, wire.len, 0, 1, &oout, &r);

    xg_stream_open(&x, xg_codec(from), xg_codec(to), from, "my-model");
    xg_stream_feed(&x, wire.data, wire.len);
    usage = x.s.usage;
    xg_stream_close(&x);

    same = events_parse(x.out.data, x.out.len, &ne) == 0
           && events_parse(oout.data, oout.len, &oe) == 0;

    snprintf(title, sizeof(title), "%s to %s: the same events", name,
             to == GEM ? "Gemini" : to == ANT ? "Anthropic" : "OpenAI");

    if (same && to == GEM) {
        xc_fold(&ne);
        xc_fold(&oe);
    }

    if (same && to == OAI) {
        xc_fold_openai(&ne);
        xc_fold_openai(&oe);
    }

    if (same && ne.n != oe.n) {
        tap_diag("%d events, the old path %d", ne.n, oe.n);
        same = 0;
    }

    for (i = 0; same && i < ne.n; i++) {
        nj = json_loads(ne.data[i], 0, NULL);
        oj = json_loads(oe.data[i], 0, NULL);
        if (nj == NULL || oj == NULL || !json_equal(nj, oj)
            || strcmp(ne.event[i], oe.event[i]) != 0)
        {
            tap_diag("event %d: %s %s", i, ne.event[i], ne.data[i]);
            tap_diag("old      %s %s", oe.event[i], oe.data[i]);
            same = 0;
        }
        json_decref(nj);
        json_decref(oj);
    }

    if (!ok(same, "%s", title) && ne.n != oe.n) {
        tap_diag("engine: %.*s", (int) (x.out.len < 3000 ? x.out.len : 3000),
                 x.out.data);
        tap_diag("old:    %.*s", (int) (oout.len < 3000 ? oout.len : 3000),
                 oout.data);
    }

    ok(memcmp(&usage, &r.usage, sizeof(r.usage)) == 0,
       "%s: the usage", name);

    events_free(&ne);
    events_free(&oe);
    agw_buf_free(&wire);
    agw_buf_free(&x.out);
    agw_buf_free(&oout);
}


/*
 * What Claude Code sends (issue 10): a system message in the middle of
 * messages (the old path refused it), thinking with its signature, a
 * redacted block, cache_control markers, a tool call and its result.
 */
static void
check_agent(void)
{
    json_t       *j, *want;
    agw_error_t   err;

    static const char  body[] =
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,"
        "\"system\":[{\"type\":\"text\",\"text\":\"You are Claude Code.\","
        "\"cache_control\":{\"type\":\"ephemeral\"}}],"
        "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},"
        "\"messages\":["
        "{\"role\":\"user\",\"content\":\"list files\"},"
        "{\"role\":\"assistant\",\"content\":["
        "{\"type\":\"thinking\",\"thinking\":\"use ls\","
        "\"signature\":\"EqQBCkYI\"},"
        "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"},"
        "{\"type\":\"text\",\"text\":\"Listing.\"},"
        "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\","
        "\"input\":{\"command\":\"ls\"}}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
        "\"tool_use_id\":\"toolu_1\",\"content\":\"a.c\\nb.c\","
        "\"cache_control\":{\"type\":\"ephemeral\"}}]},"
        "{\"role\":\"system\",\"content\":\"The user is in a hurry.\"},"
        "{\"role\":\"user\",\"content\":\"and now?\"}],"
        "\"tools\":[{\"name\":\"Bash\",\"description\":\"Run a command\","
        "\"input_schema\":{\"type\":\"object\",\"properties\":"
        "{\"command\":{\"type\":\"string\"}}}}]}";

    j = xg_request(ANT, GEM, body, sizeof(body) - 1, &err);
    if (j == NULL) {
        tap_diag("refused: %s", err.message);
    }
    want = json_loads(
        "{\"contents\":["
        "{\"role\":\"user\",\"parts\":[{\"text\":\"list files\"}]},"
        "{\"role\":\"model\",\"parts\":[{\"text\":\"Listing.\"},"
        "{\"functionCall\":{\"name\":\"Bash\",\"args\":{\"command\":"
        "\"ls\"}},\"thoughtSignature\":\"skip_thought_signature_validator\"}"
        "]},"
        "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":"
        "\"Bash\",\"response\":{\"content\":\"a.c\\nb.c\"}}}]},"
        "{\"role\":\"user\",\"parts\":[{\"text\":\"and now?\"}]}],"
        "\"systemInstruction\":{\"parts\":[{\"text\":\"You are Claude "
        "Code.\"},{\"text\":\"The user is in a hurry.\"}]},"
        "\"tools\":[{\"functionDeclarations\":[{\"name\":\"Bash\","
        "\"description\":\"Run a command\",\"parametersJsonSchema\":"
        "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":"
        "\"string\"}}}}]}],"
        "\"generationConfig\":{\"maxOutputTokens\":1000,"
        "\"thinkingConfig\":{\"thinkingBudget\":2000,"
        "\"includeThoughts\":true}}}", 0, NULL);
    xg_json_eq(j, want, "Claude Code's request to Gemini: the mid-conversation "
          "system message joins systemInstruction in order; thinking, "
          "Anthropic signatures and cache markers are not sent");
    json_decref(j);
    json_decref(want);
}


/* Anthropic bodies to Gemini, each against the old path. */
static void
check_ant_mutations(void)
{
    size_t        i;
    char          title[64];
    json_t       *nj, *oj;
    agw_error_t   ne, oe;

    static const char *const  bodies[] = {
        "{\"model\":\"m\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\","
        "\"content\":\"q\"}],\"tools\":[{\"name\":\"a\",\"input_schema\":"
        "{\"type\":\"object\"}},{\"name\":\"b\",\"input_schema\":"
        "{\"type\":\"object\"}}],\"tool_choice\":{\"type\":\"any\"}}",
        "{\"model\":\"m\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\","
        "\"content\":\"q\"}],\"tools\":[{\"name\":\"a\",\"input_schema\":"
        "{\"type\":\"object\"}}],\"tool_choice\":{\"type\":\"tool\","
        "\"name\":\"a\"}}",
        "{\"model\":\"m\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\","
        "\"content\":\"q\"}],\"tools\":[{\"name\":\"a\",\"input_schema\":"
        "{\"type\":\"object\"}}],\"tool_choice\":{\"type\":\"none\"}}",
        "{\"model\":\"m\",\"max_tokens\":50,\"temperature\":0.5,"
        "\"top_p\":0.9,\"stop_sequences\":[\"END\",\"STOP\"],"
        "\"thinking\":{\"type\":\"disabled\"},"
        "\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}",
        "{\"model\":\"m\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\","
        "\"content\":[{\"type\":\"text\",\"text\":\"see\"},{\"type\":"
        "\"image\",\"source\":{\"type\":\"base64\",\"media_type\":"
        "\"image/png\",\"data\":\"iVBO\"}}]}]}",
        "{\"model\":\"m\",\"max_tokens\":50,\"messages\":["
        "{\"role\":\"user\",\"content\":\"go\"},"
        "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\","
        "\"id\":\"t1\",\"name\":\"a\",\"input\":{}},{\"type\":\"tool_use\","
        "\"id\":\"t2\",\"name\":\"b\",\"input\":{\"x\":[1,{\"y\":null}]}}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
        "\"tool_use_id\":\"t1\",\"content\":[{\"type\":\"text\",\"text\":"
        "\"one\"},{\"type\":\"text\",\"text\":\"two\"}]},{\"type\":"
        "\"tool_result\",\"tool_use_id\":\"t2\",\"is_error\":true,"
        "\"content\":\"{\\\"err\\\":1}\"},{\"type\":\"text\",\"text\":"
        "\"go on\"}]}]}",
        "{\"model\":\"m\",\"max_tokens\":50,\"system\":\"sys\",\"messages\":["
        "{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\","
        "\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"}]}",
    };

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        snprintf(title, sizeof(title), "Anthropic mutation %zu to Gemini", i);
        nj = xg_request(ANT, GEM, bodies[i], strlen(bodies[i]), &ne);
        oj = xg_old_request(ANT, GEM, bodies[i], strlen(bodies[i]), &oe);
        if (nj == NULL) {
            tap_diag("engine: %s", ne.message);
        }
        if (oj == NULL) {
            tap_diag("old: %s", oe.message);
        }
        xg_json_eq(nj, oj, title);
        json_decref(nj);
        json_decref(oj);
    }
}


/* Gemini bodies to Anthropic, each against the old path. */
static void
check_gem_mutations(void)
{
    size_t        i;
    char          title[64];
    json_t       *nj, *oj;
    agw_error_t   ne, oe;

    static const char *const  bodies[] = {
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"},"
        "{\"inline_data\":{\"mime_type\":\"image/png\",\"data\":\"iVBO\"}}]}],"
        "\"generation_config\":{\"max_output_tokens\":9,\"top_p\":0.5,"
        "\"stop_sequences\":[\"x\"],\"temperature\":1}}",
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"q\"}]},"
        "{\"role\":\"model\",\"parts\":[{\"text\":\"hmm\",\"thought\":true},"
        "{\"text\":\"a\"},{\"functionCall\":{\"name\":\"f\",\"args\":"
        "{\"k\":1}}},{\"functionCall\":{\"name\":\"g\"}}]},"
        "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":"
        "\"g\",\"response\":{\"ok\":true}}},{\"functionResponse\":"
        "{\"name\":\"f\",\"response\":{\"v\":1}}},{\"text\":\"next\"}]}],"
        "\"tools\":[{\"functionDeclarations\":[{\"name\":\"f\"},"
        "{\"name\":\"g\",\"parameters\":{\"type\":\"OBJECT\"}}]}],"
        "\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\"}}}",
        "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"tools\":["
        "{\"functionDeclarations\":[{\"name\":\"a\"}]}],\"toolConfig\":"
        "{\"functionCallingConfig\":{\"mode\":\"NONE\"}}}",
        "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"generationConfig\":"
        "{\"thinkingConfig\":{\"thinkingBudget\":3000,"
        "\"includeThoughts\":true},\"maxOutputTokens\":8000}}",
        "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],"
        "\"systemInstruction\":{\"parts\":[{\"text\":\"a\"},"
        "{\"text\":\"b\"}]}}",
    };

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        snprintf(title, sizeof(title), "Gemini mutation %zu to Anthropic", i);
        nj = xg_request(GEM, ANT, bodies[i], strlen(bodies[i]), &ne);
        if (i == 3) {
            /* the budget itself, where the old path bucketed 3000 to 8192
             * and raised max_tokens past it (docs/translation-gemini.md) */
            oj = json_loads("{\"max_tokens\":8000,\"messages\":[{\"content\":"
                            "[{\"text\":\"q\",\"type\":\"text\"}],\"role\":"
                            "\"user\"}],\"model\":\"up-model\",\"thinking\":"
                            "{\"budget_tokens\":3000,\"type\":\"enabled\"}}",
                            0, NULL);
            xg_json_eq(nj, oj, "a Gemini thinkingBudget reaches Anthropic as it "
                  "is");
            json_decref(nj);
            json_decref(oj);
            continue;
        }
        oj = xg_old_request(GEM, ANT, bodies[i], strlen(bodies[i]), &oe);
        if (nj == NULL) {
            tap_diag("engine: %s", ne.message);
        }
        if (oj == NULL) {
            tap_diag("old: %s", oe.message);
        }
        xg_json_eq(nj, oj, title);
        json_decref(nj);
        json_decref(oj);
    }
}


int
main(void)
{
    static const char *const  ant_requests[] = {
        "anthropic-messages/request-image-base64.documented.json",
        "anthropic-messages/request-image-url.documented.json",
        "anthropic-messages/request-system-cache-control.documented.json",
        "anthropic-messages/request-tool-result.json",
        "anthropic-messages/request-tools.json",
    };
    static const char *const  gem_requests[] = {
        "gemini/request-function-response.json",
        "gemini/request-system-instruction.json",
        "gemini/request-thinking.json",
        "gemini/request-tools.json",
    };
    static const char *const  ant_responses[] = {
        "anthropic-messages/response-after-tool-result.json",
        "anthropic-messages/response-redacted-thinking.documented.json",
        "anthropic-messages/response-text.json",
        "anthropic-messages/response-thinking.json",
        "anthropic-messages/response-tool-use.json",
    };
    static const char *const  oai_requests[] = {
        "openai-chat/request-image-url.documented.json",
        "openai-chat/request-text.documented.json",
        "openai-chat/request-tools.documented.json",
    };
    static const char *const  oai_responses[] = {
        "openai-chat/response-parallel-tool-calls.json",
        "openai-chat/response-text.documented.json",
        "openai-chat/response-text.json",
        "openai-chat/response-tool-calls.documented.json",
    };
    static const char *const  gem_responses[] = {
        "gemini/response-after-function-response.json",
        "gemini/response-cached-content-usage.json",
        "gemini/response-function-call-thought-signature.json",
        "gemini/response-function-call.json",
        "gemini/response-text-thoughts.json",
        "gemini/response-thought-part.json",
    };

    check_requests(ANT, GEM, ant_requests,
                   sizeof(ant_requests) / sizeof(ant_requests[0]));
    check_requests(GEM, ANT, gem_requests,
                   sizeof(gem_requests) / sizeof(gem_requests[0]));

    check_responses(ANT, GEM, ant_responses,
                    sizeof(ant_responses) / sizeof(ant_responses[0]));
    check_responses(GEM, ANT, gem_responses,
                    sizeof(gem_responses) / sizeof(gem_responses[0]));

    check_agent();
    check_ant_mutations();
    check_gem_mutations();

    check_stream(GEM, ANT, "gemini/stream-text-usage.chunks.jsonl");
    check_stream(GEM, ANT, "gemini/stream-reasoning.chunks.jsonl");
    check_stream(GEM, ANT, "gemini/stream-function-call.chunks.jsonl");
    check_stream(GEM, ANT, "gemini/stream-text.sse");
    check_stream(GEM, ANT, "gemini/stream-function-call-partial-args-vertex.chunks.jsonl");
    check_stream(ANT, GEM, "anthropic-messages/stream-text.sse");
    check_stream(ANT, GEM, "anthropic-messages/stream-tool-use.sse");
    check_stream(ANT, GEM, "anthropic-messages/stream-thinking.chunks.sse");
    check_stream(ANT, GEM, "anthropic-messages/stream-prompt-cache.chunks.sse");

    check_requests(OAI, GEM, oai_requests,
                   sizeof(oai_requests) / sizeof(oai_requests[0]));
    check_requests(GEM, OAI, gem_requests,
                   sizeof(gem_requests) / sizeof(gem_requests[0]));
    check_responses(OAI, GEM, oai_responses,
                    sizeof(oai_responses) / sizeof(oai_responses[0]));
    check_responses(GEM, OAI, gem_responses,
                    sizeof(gem_responses) / sizeof(gem_responses[0]));
    check_stream(GEM, OAI, "gemini/stream-text-usage.chunks.jsonl");
    check_stream(GEM, OAI, "gemini/stream-reasoning.chunks.jsonl");
    check_stream(GEM, OAI, "gemini/stream-function-call.chunks.jsonl");
    check_stream(GEM, OAI, "gemini/stream-text.sse");
    check_stream(OAI, GEM, "openai-chat/stream-text.sse");
    check_stream(OAI, GEM, "openai-chat/stream-tool-calls.sse");
    check_stream(OAI, GEM, "openai-chat/stream-parallel-tool-calls.sse");
    check_stream(OAI, GEM,
                 "openai-chat/stream-parallel-tool-calls.interleaved.sse");
    check_stream(OAI, GEM, "openai-chat/stream-include-usage.chunks.jsonl");
    check_stream(OAI, GEM,
                 "openai-chat/stream-reasoning-usage-azure.chunks.jsonl");

    return done_testing();
}
