/*
 * The form written as a Gemini provider's request (generateContent).
 *
 * Only the body: the model and the stream flag go in the URL, which the
 * module builds.  Gemini has one system instruction and no system turn:
 * every system message joins it, in order.  It matches function results
 * by name: a result's name is that of the call with its id.  Call ids
 * are not sent (Vertex refuses them).
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gem_int.h"


/* thinkingBudget of each reasoning effort (tokens). */
#define AGW_GEM_BUDGET_MINIMAL  512
#define AGW_GEM_BUDGET_LOW      1024
#define AGW_GEM_BUDGET_MEDIUM   8192
#define AGW_GEM_BUDGET_HIGH     24576


typedef struct {
    agw_jw_t              w;
    const agw_request_t  *req;
    agw_error_t          *err;
    agw_buf_t             tmp;      /* a string's characters, to look at */
    int                   open;     /* a content's parts are open: */
    int                   results;  /* ... and they are function results */
    const agw_msg_t      *called;   /* the last assistant message written */
} agw_gem_wreq_t;


/* The characters of s in c->tmp; -1 when out of memory. */
static int
agw_gem_chars(agw_gem_wreq_t *c, const agw_str_t *s, agw_str_t *out)
{
    size_t  n;

    c->tmp.len = 0;
    if (agw_buf_reserve(&c->tmp, s->len + 1) != 0) {
        return -1;
    }

    n = agw_str_unescape(s, c->tmp.data);
    *out = agw_str_bytes(c->tmp.data, n);
    out->kind = AGW_STR_VALUE;

    return 0;
}


static void
agw_gem_close(agw_gem_wreq_t *c)
{
    if (c->open) {
        agw_jw_array_end(&c->w);        /* parts */
        agw_jw_object_end(&c->w);       /* the content */
        c->open = 0;
    }
}


static void
agw_gem_open(agw_gem_wreq_t *c, const char *role, size_t len, int results)
{
    agw_gem_close(c);

    agw_jw_object(&c->w);
    agw_jw_key(&c->w, "role");
    agw_jw_bytes(&c->w, role, len);
    agw_jw_key(&c->w, "parts");
    agw_jw_array(&c->w);

    c->open = 1;
    c->results = results;
}


static void
agw_gem_text(agw_gem_wreq_t *c, const agw_str_t *text, const agw_str_t *sig)
{
    agw_jw_object(&c->w);
    agw_jw_key(&c->w, "text");
    agw_jw_str(&c->w, text);
    if (sig != NULL && agw_str_set(sig)) {
        agw_jw_key(&c->w, "thoughtSignature");
        agw_jw_str(&c->w, sig);
    }
    agw_jw_object_end(&c->w);
}


/* {"inlineData": {mimeType, data}}: mime as characters, data as is. */
static void
agw_gem_inline(agw_gem_wreq_t *c, const agw_str_t *mime,
    const agw_str_t *data)
{
    agw_jw_object(&c->w);
    agw_jw_key(&c->w, "inlineData");
    agw_jw_object(&c->w);
    agw_jw_key(&c->w, "mimeType");
    agw_jw_str(&c->w, mime);
    agw_jw_key(&c->w, "data");
    agw_jw_str(&c->w, data);
    agw_jw_object_end(&c->w);
    agw_jw_object_end(&c->w);
}


/* A base64 data: URL as inlineData.  The data is a slice of the URL as it
 * came (a comma is never inside an escape), so megabytes are copied once. */
static int
agw_gem_data_url(agw_gem_wreq_t *c, const agw_str_t *url, const char *where)
{
    int          n;
    char         head[160];
    const char  *comma;
    agw_str_t    prefix, mime, data;

    comma = memchr(url->data, ',', url->len);
    if (comma == NULL) {
        goto bad;
    }

    prefix = *url;
    prefix.len = (uint32_t) (comma - url->data);
    n = agw_str_decode(&prefix, head, sizeof(head));
    if (n < (int) sizeof("data:;base64") - 1
        || memcmp(head, "data:", 5) != 0
        || memcmp(head + n - 7, ";base64", 7) != 0)
    {
        goto bad;
    }

    mime = agw_str_bytes(head + 5, (size_t) n - 5 - 7);
    data = *url;
    data.data = comma + 1;
    data.len = url->len - prefix.len - 1;

    agw_gem_inline(c, &mime, &data);
    return 0;

bad:

    return agw_gem_invalid(c->err, "%s: only base64 data: URLs can be sent",
                           where);
}


/* The media type of an image URL, from its extension; JPEG if unknown. */
static const char *
agw_gem_mime_of_url(const agw_str_t *url)
{
    size_t       n, i, len;
    const char  *dot, *p;

    static const struct {
        const char  *ext;
        const char  *mime;
    } types[] = {
        { ".png",  "image/png" },  { ".jpg", "image/jpeg" },
        { ".jpeg", "image/jpeg" }, { ".gif", "image/gif" },
        { ".webp", "image/webp" }, { ".heic", "image/heic" },
        { ".heif", "image/heif" }, { ".pdf", "application/pdf" },
    };

    p = url->data;
    len = url->len;
    dot = NULL;

    for (i = 0; i < len && p[i] != '?' && p[i] != '#'; i++) {
        if (p[i] == '.') {
            dot = p + i;
        } else if (p[i] == '/') {
            dot = NULL;
        }
    }

    if (dot != NULL) {
        n = (size_t) (p + i - dot);
        for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
            if (strlen(types[i].ext) == n
                && strncasecmp(dot, types[i].ext, n) == 0)
            {
                return types[i].mime;
            }
        }
    }

    return "image/jpeg";
}


/* A user's image, audio or file. */
static int
agw_gem_media(agw_gem_wreq_t *c, const agw_part_t *p, const char *where)
{
    const char  *m;
    agw_str_t    mime;

    switch (p->type) {

    case AGW_PART_IMAGE:
        if (agw_str_set(&p->data)) {
            mime = agw_str_set(&p->media_type)
                   ? p->media_type : (agw_str_t) agw_str_lit("image/jpeg");
            agw_gem_inline(c, &mime, &p->data);
            return 0;
        }
        if (!agw_str_set(&p->url)) {
            break;
        }
        if (p->url.len >= 5 && memcmp(p->url.data, "data:", 5) == 0) {
            return agw_gem_data_url(c, &p->url, where);
        }
        /* an approximation: whether Gemini fetches an arbitrary URL
         * depends on the model */
        if (agw_str_set(&p->media_type)) {
            mime = p->media_type;
        } else {
            m = agw_gem_mime_of_url(&p->url);
            mime = agw_str_bytes(m, strlen(m));
        }
        agw_jw_object(&c->w);
        agw_jw_key(&c->w, "fileData");
        agw_jw_object(&c->w);
        agw_jw_key(&c->w, "mimeType");
        agw_jw_str(&c->w, &mime);
        agw_jw_key(&c->w, "fileUri");
        agw_jw_str(&c->w, &p->url);
        agw_jw_object_end(&c->w);
        agw_jw_object_end(&c->w);
        return 0;

    case AGW_PART_AUDIO:
        if (!agw_str_set(&p->data)) {
            break;
        }
        mime = agw_gem_is(&p->format, "wav")
               ? (agw_str_t) agw_str_lit("audio/wav")
               : (agw_str_t) agw_str_lit("audio/mp3");
        agw_gem_inline(c, &mime, &p->data);
        return 0;

    case AGW_PART_DOCUMENT:
        if (agw_str_set(&p->data)) {
            mime = agw_str_set(&p->media_type)
                   ? p->media_type
                   : (agw_str_t) agw_str_lit("application/pdf");
            agw_gem_inline(c, &mime, &p->data);
            return 0;
        }
        if (agw_str_set(&p->url) && p->url.len >= 5
            && memcmp(p->url.data, "data:", 5) == 0)
        {
            return agw_gem_data_url(c, &p->url, where);
        }
        return agw_gem_invalid(c->err, "%s: only files given inline can be "
                               "sent to Gemini", where);

    default:
        break;
    }

    return agw_gem_invalid(c->err, "%s: this kind of content cannot be sent "
                           "to Gemini", where);
}


/* The name of the call in m's parts that id answers, the last one. */
static const agw_str_t *
agw_gem_call_in(const agw_msg_t *m, const agw_str_t *id)
{
    const agw_part_t  *p;
    const agw_str_t   *name;

    name = NULL;

    for (p = m->parts; p != NULL; p = p->next) {
        if (p->type == AGW_PART_TOOL_CALL && agw_str_set(&p->name)
            && p->id.len == id->len
            && memcmp(p->id.data, id->data, id->len) == 0)
        {
            name = &p->name;
        }
    }

    return name;
}


/*
 * The name of the call that id answers: the nearest earlier one.  It is
 * in the last assistant message before the result (c->called) but for an
 * odd history: the messages before are searched only then (an agent's
 * history has a result per call, and searching them all for each was
 * quadratic: 820 compares in an 85 KB body of 20 calls).
 */
static const agw_str_t *
agw_gem_call_name(agw_gem_wreq_t *c, const agw_msg_t *before,
    const agw_str_t *id)
{
    const agw_msg_t  *m;
    const agw_str_t  *name, *found;

    if (c->called != NULL) {
        name = agw_gem_call_in(c->called, id);
        if (name != NULL) {
            return name;
        }
    }

    name = NULL;

    for (m = c->req->messages; m != NULL && m != before; m = m->next) {
        if (m->role == AGW_ROLE_ASSISTANT
            && (found = agw_gem_call_in(m, id)) != NULL)
        {
            name = found;
        }
    }

    return name;
}


/*
 * A tool result as a functionResponse.  Gemini wants an object: a result
 * whose text is a JSON object goes as that object, any other text as
 * {"content": text} (text parts joined).
 */
static int
agw_gem_result(agw_gem_wreq_t *c, const agw_msg_t *m, const agw_part_t *p,
    size_t mi)
{
    int                rc;
    agw_jw_t           tw;
    agw_str_t          chars;
    const agw_str_t   *name, *text;
    const agw_part_t  *q;

    name = agw_str_set(&p->id) ? agw_gem_call_name(c, m, &p->id) : NULL;
    if (name == NULL && agw_str_set(&p->name)) {
        name = &p->name;
    }
    if (name == NULL && agw_str_set(&m->name)) {
        name = &m->name;
    }
    if (name == NULL) {
        return agw_gem_invalid(c->err, "messages[%zu]: the tool result "
                               "\"%.*s\" answers no tool call", mi,
                               (int) (p->id.len < 64 ? p->id.len : 64),
                               p->id.data ? p->id.data : "");
    }

    if (!c->open || !c->results) {
        agw_gem_open(c, "user", 4, 1);
    }

    agw_jw_object(&c->w);
    agw_jw_key(&c->w, "functionResponse");
    agw_jw_object(&c->w);
    agw_jw_key(&c->w, "name");
    agw_jw_str(&c->w, name);
    agw_jw_key(&c->w, "response");

    /* Gemini's own response object, when the result came from Gemini */
    if (agw_str_set(&p->raw) && p->raw.len > 0 && p->raw.data[0] == '{') {
        agw_jw_raw(&c->w, &p->raw);
        goto done;
    }

    text = NULL;
    if (agw_str_set(&p->text)) {
        text = &p->text;
    } else if (p->content != NULL && p->content->next == NULL
               && p->content->type == AGW_PART_TEXT)
    {
        text = &p->content->text;
    }

    if (text != NULL) {
        /* a long result is text, not an object, far more often than not:
         * its first characters say so without decoding it all */
        rc = 0;
        if (agw_gem_may_be_object(text)) {
            if (agw_gem_chars(c, text, &chars) != 0) {
                c->w.failed = 1;
                return -1;
            }
            rc = agw_gem_is_object(&chars);
        }
        if (rc == 1) {
            agw_jw_raw(&c->w, &chars);
            goto done;
        }
        agw_jw_object(&c->w);
        agw_jw_key(&c->w, "content");
        agw_jw_str(&c->w, text);
        agw_jw_object_end(&c->w);
        goto done;
    }

    /* content parts: their text joined, in one string (the inside of a
     * JSON string, built in tmp) */
    c->tmp.len = 0;
    agw_jw_init(&tw, &c->tmp);
    for (q = p->content; q != NULL; q = q->next) {
        if (q->type != AGW_PART_TEXT) {
            continue;
        }
        if (q->text.kind == AGW_STR_JSON) {
            agw_jw_append(&tw, q->text.data, q->text.len);
        } else {
            agw_jw_escape(&tw, q->text.data, q->text.len);
        }
    }
    if (tw.failed) {
        c->w.failed = 1;
        return -1;
    }
    chars.data = c->tmp.data ? c->tmp.data : "";
    chars.len = (uint32_t) c->tmp.len;
    chars.kind = AGW_STR_JSON;
    chars.escaped = 1;

    agw_jw_object(&c->w);
    agw_jw_key(&c->w, "content");
    agw_jw_str(&c->w, &chars);
    agw_jw_object_end(&c->w);

done:

    agw_jw_object_end(&c->w);
    agw_jw_object_end(&c->w);

    return 0;
}


/* A call's arguments as the args object. */
static int
agw_gem_args(agw_gem_wreq_t *c, const agw_part_t *p, size_t mi)
{
    agw_str_t  text;

    c->tmp.len = 0;
    if (agw_buf_reserve(&c->tmp, p->args.len + 1) != 0) {
        c->w.failed = 1;
        return -1;
    }

    if (agw_gem_args_text(&p->args, p->args_string, c->tmp.data, &text)
        == 0)
    {
        agw_error_set(c->err, AGW_ERR_INVALID_REQUEST, 0, "invalid_arguments",
                      "messages[%zu]: tool call arguments are not a JSON "
                      "object", mi);
        return -1;
    }

    agw_jw_raw(&c->w, &text);

    return 0;
}


/*
 * An assistant turn: text and function calls, in order.  Thinking is not
 * sent back: Gemini keeps its reasoning in signatures, and another
 * provider's signatures would not validate.  The first call of a turn
 * without a signature (a history another provider made) gets the value
 * Google documents for skipping the check.
 */
static int
agw_gem_assistant(agw_gem_wreq_t *c, const agw_msg_t *m, size_t mi)
{
    char               where[48];
    size_t             pi, ncalls;
    agw_str_t          skip = agw_str_lit(AGW_GEM_SKIP_SIGNATURE);
    const agw_part_t  *p;

    ncalls = 0;

    for (p = m->parts, pi = 0; p != NULL; p = p->next, pi++) {
        switch (p->type) {

        case AGW_PART_TEXT:
        case AGW_PART_REFUSAL:
            if (p->text.len == 0 && !agw_str_set(&p->signature)) {
                continue;
            }
            if (!c->open) {
                agw_gem_open(c, "model", 5, 0);
            }
            agw_gem_text(c, &p->text, &p->signature);
            break;

        case AGW_PART_TOOL_CALL:
            if (!agw_str_set(&p->name)) {
                return agw_gem_invalid(c->err, "messages[%zu].content[%zu]: "
                                       "a tool call needs a name", mi, pi);
            }
            if (!c->open) {
                agw_gem_open(c, "model", 5, 0);
            }
            agw_jw_object(&c->w);
            agw_jw_key(&c->w, "functionCall");
            agw_jw_object(&c->w);
            agw_jw_key(&c->w, "name");
            agw_jw_str(&c->w, &p->name);
            agw_jw_key(&c->w, "args");
            if (agw_gem_args(c, p, mi) != 0) {
                return -1;
            }
            agw_jw_object_end(&c->w);
            if (agw_str_set(&p->signature)) {
                agw_jw_key(&c->w, "thoughtSignature");
                agw_jw_str(&c->w, &p->signature);
            } else if (ncalls == 0) {
                agw_jw_key(&c->w, "thoughtSignature");
                agw_jw_str(&c->w, &skip);
            }
            agw_jw_object_end(&c->w);
            ncalls++;
            break;

        case AGW_PART_THINKING:
        case AGW_PART_REDACTED_THINKING:
        case AGW_PART_REASONING:
            break;

        default:
            snprintf(where, sizeof(where), "messages[%zu].content[%zu]", mi,
                     pi);
            return agw_gem_invalid(c->err, "%s: only text and tool calls "
                                   "can be sent as a model turn", where);
        }
    }

    /* an empty assistant turn says nothing; Gemini refuses empty parts */
    agw_gem_close(c);

    return 0;
}


/* A user turn: its function results join the results before them; the
 * rest is a user content of its own. */
static int
agw_gem_user(agw_gem_wreq_t *c, const agw_msg_t *m, size_t mi)
{
    int                any, results;
    char               where[48];
    size_t             pi;
    agw_str_t          empty = agw_str_lit("");
    const agw_part_t  *p;

    results = 0;
    for (p = m->parts; p != NULL; p = p->next) {
        if (p->type == AGW_PART_TOOL_RESULT) {
            if (agw_gem_result(c, m, p, mi) != 0) {
                return -1;
            }
            results = 1;
        }
    }

    any = 0;

    for (p = m->parts, pi = 0; p != NULL; p = p->next, pi++) {
        switch (p->type) {

        case AGW_PART_TOOL_RESULT:
        case AGW_PART_THINKING:
        case AGW_PART_REDACTED_THINKING:
        case AGW_PART_REASONING:
            continue;

        case AGW_PART_TEXT:
        case AGW_PART_REFUSAL:
            if (p->text.len == 0 && m->string) {
                continue;
            }
            if (!any) {
                agw_gem_open(c, "user", 4, 0);
                any = 1;
            }
            agw_gem_text(c, &p->text, NULL);
            continue;

        default:
            if (!any) {
                agw_gem_open(c, "user", 4, 0);
                any = 1;
            }
            snprintf(where, sizeof(where), "messages[%zu].content[%zu]", mi,
                     pi);
            if (agw_gem_media(c, p, where) != 0) {
                return -1;
            }
        }
    }

    if (!any && !results) {
        /* Gemini refuses a content without parts */
        agw_gem_open(c, "user", 4, 0);
        agw_gem_text(c, &empty, NULL);
    }

    if (any || !results) {
        agw_gem_close(c);
    }

    return 0;
}


/* One part of the system instruction, which the first one opens; where
 * (a format of two indexes) names it in an error. */
static int
agw_gem_system_part(agw_gem_wreq_t *c, const agw_part_t *p, int string,
    int *any, const char *where, size_t i, size_t j)
{
    char  at[64];

    if (p->type != AGW_PART_TEXT) {
        snprintf(at, sizeof(at), where, i, j);
        return agw_gem_invalid(c->err, "%s: only text can be sent as system "
                               "instructions", at);
    }

    if (p->text.len == 0 && string) {
        return 0;
    }

    if (!*any) {
        agw_jw_key(&c->w, "systemInstruction");
        agw_jw_object(&c->w);
        agw_jw_key(&c->w, "parts");
        agw_jw_array(&c->w);
        *any = 1;
    }

    agw_gem_text(c, &p->text, NULL);

    return 0;
}


/*
 * systemInstruction: the system prompt, then every system message in the
 * order they came.  Gemini has no system turn: appended here, a
 * mid-conversation system message keeps a system instruction's authority
 * (its place in the conversation is lost); sent as user text at its place
 * it would become something the user said.
 */
static int
agw_gem_system(agw_gem_wreq_t *c)
{
    int                any;
    size_t             mi, pi;
    const agw_msg_t   *m;
    const agw_part_t  *p;

    any = 0;

    for (p = c->req->system, pi = 0; p != NULL; p = p->next, pi++) {
        if (agw_gem_system_part(c, p, 0, &any, "system[%zu]", pi, 0) != 0) {
            return -1;
        }
    }

    for (m = c->req->messages, mi = 0; m != NULL; m = m->next, mi++) {
        if (m->role != AGW_ROLE_SYSTEM) {
            continue;
        }
        for (p = m->parts, pi = 0; p != NULL; p = p->next, pi++) {
            if (agw_gem_system_part(c, p, m->string, &any,
                                    "messages[%zu].content[%zu]", mi, pi)
                != 0)
            {
                return -1;
            }
        }
    }

    if (any) {
        agw_jw_array_end(&c->w);
        agw_jw_object_end(&c->w);
    }

    return 0;
}


static int
agw_gem_contents(agw_gem_wreq_t *c)
{
    size_t             mi;
    const agw_msg_t   *m;

    agw_jw_key(&c->w, "contents");
    agw_jw_array(&c->w);

    for (m = c->req->messages, mi = 0; m != NULL; m = m->next, mi++) {
        switch (m->role) {

        case AGW_ROLE_SYSTEM:
            continue;

        case AGW_ROLE_ASSISTANT:
            agw_gem_close(c);
            if (agw_gem_assistant(c, m, mi) != 0) {
                return -1;
            }
            c->called = m;
            break;

        case AGW_ROLE_TOOL:
        case AGW_ROLE_USER:
            if (agw_gem_user(c, m, mi) != 0) {
                return -1;
            }
            break;

        default:
            return agw_gem_invalid(c->err, "messages[%zu]: unknown role",
                                   mi);
        }
    }

    agw_gem_close(c);
    agw_jw_array_end(&c->w);

    return 0;
}


static int
agw_gem_tools(agw_gem_wreq_t *c)
{
    size_t             ti;
    const agw_tool_t  *t;

    /*
     * The Responses API's hosted tools (web_search, namespace...), which
     * Codex always sends: OpenAI runs them, no Gemini model can call them,
     * so they go as they would to a chat-only provider.
     */
    for (t = c->req->tools; t != NULL; t = t->next) {
        if (t->type != AGW_TOOL_OTHER || t->dialect != AGW_DIALECT_RESPONSES) {
            break;
        }
    }

    if (t != NULL) {
        agw_jw_key(&c->w, "tools");
        agw_jw_array(&c->w);
        agw_jw_object(&c->w);
        agw_jw_key(&c->w, "functionDeclarations");
        agw_jw_array(&c->w);

        for (t = c->req->tools, ti = 0; t != NULL; t = t->next, ti++) {
            if (t->type == AGW_TOOL_OTHER
                && t->dialect == AGW_DIALECT_RESPONSES)
            {
                continue;
            }

            if (t->type != AGW_TOOL_FUNCTION || !agw_str_set(&t->name)) {
                return agw_gem_invalid(c->err, "tools[%zu]: only function "
                                       "tools can be sent to Gemini", ti);
            }
            /* strict has no Gemini equivalent: dropped */
            agw_jw_object(&c->w);
            agw_jw_key(&c->w, "name");
            agw_jw_str(&c->w, &t->name);
            if (agw_str_set(&t->description)) {
                agw_jw_key(&c->w, "description");
                agw_jw_str(&c->w, &t->description);
            }
            if (agw_str_set(&t->parameters)) {
                agw_jw_key(&c->w, "parametersJsonSchema");
                agw_jw_raw(&c->w, &t->parameters);
            }
            agw_jw_object_end(&c->w);
        }

        agw_jw_array_end(&c->w);
        agw_jw_object_end(&c->w);
        agw_jw_array_end(&c->w);
    }

    if (c->req->tool_choice == AGW_TOOL_CHOICE_UNSET) {
        return 0;
    }

    agw_jw_key(&c->w, "toolConfig");
    agw_jw_object(&c->w);
    agw_jw_key(&c->w, "functionCallingConfig");
    agw_jw_object(&c->w);
    agw_jw_key(&c->w, "mode");

    switch (c->req->tool_choice) {
    case AGW_TOOL_CHOICE_NONE:
        agw_jw_lit(&c->w, "NONE");
        break;
    case AGW_TOOL_CHOICE_REQUIRED:
        agw_jw_lit(&c->w, "ANY");
        break;
    case AGW_TOOL_CHOICE_TOOL:
        agw_jw_lit(&c->w, "ANY");
        agw_jw_key(&c->w, "allowedFunctionNames");
        agw_jw_array(&c->w);
        agw_jw_str(&c->w, &c->req->tool_choice_name);
        agw_jw_array_end(&c->w);
        break;
    default:
        agw_jw_lit(&c->w, "AUTO");
        break;
    }

    agw_jw_object_end(&c->w);
    agw_jw_object_end(&c->w);

    return 0;
}


/* The budget the request asks for: -2 none said. */
static int64_t
agw_gem_budget(const agw_request_t *req)
{
    if (req->thinking == 1 && req->thinking_budget > 0) {
        return req->thinking_budget;
    }

    switch (req->effort) {
    case AGW_EFFORT_NONE:
        return 0;
    case AGW_EFFORT_MINIMAL:
        return AGW_GEM_BUDGET_MINIMAL;
    case AGW_EFFORT_LOW:
        return AGW_GEM_BUDGET_LOW;
    case AGW_EFFORT_MEDIUM:
        return AGW_GEM_BUDGET_MEDIUM;
    case AGW_EFFORT_HIGH:
    case AGW_EFFORT_XHIGH:
        return AGW_GEM_BUDGET_HIGH;
    case AGW_EFFORT_UNSET:
        break;
    }

    /* thinking disabled (Anthropic's) says nothing: Gemini 2.5 Pro and
     * later refuse a budget of 0, and the provider's default is what a
     * client that turns thinking off elsewhere gets */

    if (req->thinking == 1) {
        return req->thinking_budget >= 0 ? req->thinking_budget : -1;
    }

    return -2;
}


static void
agw_gem_config(agw_gem_wreq_t *c)
{
    int                   any;
    int64_t               budget;
    const agw_part_t     *p;
    const agw_request_t  *req = c->req;

#define agw_gem_config_key(lit)                                               \
    if (!any) {                                                               \
        agw_jw_key(&c->w, "generationConfig");                                \
        agw_jw_object(&c->w);                                                 \
        any = 1;                                                              \
    }                                                                         \
    agw_jw_key(&c->w, lit)

    any = 0;

    if (agw_str_set(&req->temperature)) {
        agw_gem_config_key("temperature");
        agw_jw_raw(&c->w, &req->temperature);
    }
    if (agw_str_set(&req->top_p)) {
        agw_gem_config_key("topP");
        agw_jw_raw(&c->w, &req->top_p);
    }
    if (agw_str_set(&req->top_k)) {
        agw_gem_config_key("topK");
        agw_jw_raw(&c->w, &req->top_k);
    }
    if (req->n >= 0) {
        agw_gem_config_key("candidateCount");
        agw_jw_int(&c->w, req->n);
    }
    if (agw_str_set(&req->presence_penalty)) {
        agw_gem_config_key("presencePenalty");
        agw_jw_raw(&c->w, &req->presence_penalty);
    }
    if (agw_str_set(&req->frequency_penalty)) {
        agw_gem_config_key("frequencyPenalty");
        agw_jw_raw(&c->w, &req->frequency_penalty);
    }
    if (agw_str_set(&req->seed)) {
        agw_gem_config_key("seed");
        agw_jw_raw(&c->w, &req->seed);
    }
    if (req->max_tokens >= 0) {
        agw_gem_config_key("maxOutputTokens");
        agw_jw_int(&c->w, req->max_tokens);
    }
    if (req->stop != NULL) {
        agw_gem_config_key("stopSequences");
        agw_jw_array(&c->w);
        for (p = req->stop; p != NULL; p = p->next) {
            agw_jw_str(&c->w, &p->text);
        }
        agw_jw_array_end(&c->w);
    }

    if (req->format == AGW_FORMAT_JSON_OBJECT
        || req->format == AGW_FORMAT_JSON_SCHEMA)
    {
        agw_gem_config_key("responseMimeType");
        agw_jw_lit(&c->w, "application/json");
        if (req->format == AGW_FORMAT_JSON_SCHEMA
            && agw_str_set(&req->format_schema))
        {
            agw_jw_key(&c->w, "responseJsonSchema");
            agw_jw_raw(&c->w, &req->format_schema);
        }
    }

    /* asking for reasoning asks for its summary too, so that it reaches
     * clients that show it (Anthropic thinking blocks) */
    budget = agw_gem_budget(req);
    if (budget != -2) {
        agw_gem_config_key("thinkingConfig");
        agw_jw_object(&c->w);
        agw_jw_key(&c->w, "thinkingBudget");
        agw_jw_int(&c->w, budget);
        if (budget != 0) {
            agw_jw_key(&c->w, "includeThoughts");
            agw_jw_bool(&c->w, 1);
        }
        agw_jw_object_end(&c->w);
    }

    if (any) {
        agw_jw_object_end(&c->w);
    }

#undef agw_gem_config_key
}


int
agw_gem_write_request(const agw_request_t *req, const agw_request_ctx_t *o,
    agw_buf_t *out, agw_error_t *err)
{
    int             rc;
    size_t          mark;
    agw_gem_wreq_t  c;

    memset(err, 0, sizeof(*err));

    if (agw_str_set(&req->previous_response_id)) {
        /* the history is on OpenAI's side: sent without it, the model
         * would answer a conversation it never saw */
        return agw_gem_invalid(err, "previous_response_id: a Gemini "
                               "provider keeps no conversation; send the "
                               "whole input instead");
    }

    memset(&c, 0, sizeof(c));
    c.req = req;
    c.err = err;
    mark = out->len;

    agw_jw_init(&c.w, out);
    agw_body_refs_writer(&c.w, o != NULL ? o->refs : NULL);
    agw_jw_object(&c.w);

    rc = agw_gem_contents(&c);
    if (rc == 0) {
        rc = agw_gem_system(&c);
    }
    if (rc == 0) {
        rc = agw_gem_tools(&c);
    }
    if (rc == 0) {
        agw_gem_config(&c);
        agw_jw_object_end(&c.w);
    }

    agw_buf_free(&c.tmp);

    if (rc != 0 || c.w.failed) {
        out->len = mark;
        return -1;
    }

    return 0;
}
