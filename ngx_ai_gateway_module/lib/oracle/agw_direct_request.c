/*
 * agw_direct_request: OpenAI Chat requests to Anthropic Messages on the
 * bytes (see agw_direct.h).
 *
 * The specification is the jansson path, agw_openai_request_to_hub (a
 * copy) then agw_ant_request_from_hub: this file writes what that would,
 * for the shapes listed in docs/translation-anthropic.md ("Tree-free path:
 * requests"), and declines everything else, including every input the
 * jansson path answers with an error.  Strings are copied with their
 * quotes and escapes as they came (agw_json_scan validated them); numbers
 * are read and printed as jansson would (agw_direct_util.h).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE               /* memmem */
#endif
#include <string.h>

#include "agw_direct.h"
#include "agw_direct_util.h"
#include "agw_json_scan.h"


#define AGW_DR_DECLINED  AGW_DIRECT_DECLINED

/* agw_anthropic_int.h: when neither the client nor the caller says */
#define AGW_DR_FALLBACK_MAX_TOKENS  4096

/* agw_anthropic_int.h: thinking budgets of the reasoning_effort levels */
#define AGW_DR_BUDGET_MINIMAL   1024
#define AGW_DR_BUDGET_LOW       2048
#define AGW_DR_BUDGET_MEDIUM    8192
#define AGW_DR_BUDGET_HIGH      24576

/* System and developer messages gathered into "system", at most. */
#define AGW_DR_SYSTEM_MAX  16


/* The top-level members taken; any other member declines. */
enum {
    AGW_DR_MODEL = 0,
    AGW_DR_MESSAGES,
    AGW_DR_STREAM,
    AGW_DR_STREAM_OPTIONS,
    AGW_DR_MAX_TOKENS,
    AGW_DR_MAX_COMPLETION_TOKENS,
    AGW_DR_TEMPERATURE,
    AGW_DR_TOP_P,
    AGW_DR_STOP,
    AGW_DR_USER,
    AGW_DR_TOOLS,
    AGW_DR_TOOL_CHOICE,
    AGW_DR_PARALLEL_TOOL_CALLS,
    AGW_DR_N,
    AGW_DR_REASONING_EFFORT,
    /* dropped by the jansson path: no equivalent in the Messages API */
    AGW_DR_RESPONSE_FORMAT,
    AGW_DR_LOGPROBS,
    AGW_DR_TOP_LOGPROBS,
    AGW_DR_SEED,
    AGW_DR_FREQUENCY_PENALTY,
    AGW_DR_PRESENCE_PENALTY,
    AGW_DR_LOGIT_BIAS,
    AGW_DR_TOP_MAX
};

static const struct {
    const char  *key;
    size_t       len;
} agw_dr_top_keys[AGW_DR_TOP_MAX] = {
#define agw_dr_key(k)  { k, sizeof(k) - 1 }
    agw_dr_key("model"),
    agw_dr_key("messages"),
    agw_dr_key("stream"),
    agw_dr_key("stream_options"),
    agw_dr_key("max_tokens"),
    agw_dr_key("max_completion_tokens"),
    agw_dr_key("temperature"),
    agw_dr_key("top_p"),
    agw_dr_key("stop"),
    agw_dr_key("user"),
    agw_dr_key("tools"),
    agw_dr_key("tool_choice"),
    agw_dr_key("parallel_tool_calls"),
    agw_dr_key("n"),
    agw_dr_key("reasoning_effort"),
    agw_dr_key("response_format"),
    agw_dr_key("logprobs"),
    agw_dr_key("top_logprobs"),
    agw_dr_key("seed"),
    agw_dr_key("frequency_penalty"),
    agw_dr_key("presence_penalty"),
    agw_dr_key("logit_bias"),
#undef agw_dr_key
};


/* A member not found (type 0): copied whole to keep compilers sure of it. */
static const agw_json_member_t  agw_dr_absent;


typedef struct {
    agw_json_member_t  m[AGW_DR_TOP_MAX];
    unsigned           seen;                /* bit per member */
} agw_dr_top_t;


/* Anthropic roles of the message being written. */
enum {
    AGW_DR_ROLE_NONE = 0,
    AGW_DR_ROLE_USER,
    AGW_DR_ROLE_ASSISTANT
};


typedef struct {
    agw_buf_t          *out;
    int                 role;           /* of the open message, or NONE */
    unsigned            result_first:1; /* its first block a tool_result */
    unsigned            tool_use:1;     /* the last assistant turn has one */
    size_t              nsystem;
    agw_json_member_t   system[AGW_DR_SYSTEM_MAX];   /* text strings */
    agw_json_member_t   system_cc[AGW_DR_SYSTEM_MAX];  /* cache_control */
} agw_dr_t;


#define agw_dr_has(t, i)  (((t)->seen >> (i)) & 1)

/* Absent or null: the jansson path reads nothing there. */
#define agw_dr_none(t, i)                                                    \
    (!agw_dr_has(t, i) || (t)->m[i].type == AGW_JSON_NULL)

#define agw_dr_lit(out, s)  agw_buf_append(out, s, sizeof(s) - 1)

#define agw_dr_raw(out, m)  agw_buf_append(out, (m)->value, (m)->value_len)


static int
agw_dr_top_cb(void *ud, const agw_json_member_t *m)
{
    int            i;
    agw_dr_top_t  *t = ud;

    for (i = 0; i < AGW_DR_TOP_MAX; i++) {
        if (m->key_len == agw_dr_top_keys[i].len
            && memcmp(m->key, agw_dr_top_keys[i].key, m->key_len) == 0)
        {
            if (agw_dr_has(t, i)) {
                return 1;               /* repeated: jansson keeps the last */
            }

            t->m[i] = *m;
            t->seen |= 1u << i;
            return 0;
        }
    }

    return 1;                           /* a member left to jansson */
}


/* An integer value jansson holds (json_is_integer); 0 or -1. */
static int
agw_dr_int(const agw_json_member_t *m, int64_t *v)
{
    agw_dj_number_t  n;

    if (m->type != AGW_JSON_NUMBER
        || agw_dj_number(m->value, m->value_len, &n) != 0 || !n.integer)
    {
        return -1;
    }

    *v = n.i;
    return 0;
}


/*
 * Starts a content block in a message of the given role: Anthropic wants
 * turns to alternate, so a block of the open message's role joins it
 * (agw_ant_push), another role closes it and opens the next.
 */
static int
agw_dr_push(agw_dr_t *dr, int role)
{
    if (dr->role == role) {
        return agw_dr_lit(dr->out, ",");
    }

    if (dr->role != AGW_DR_ROLE_NONE && agw_dr_lit(dr->out, "]},") != 0) {
        return -1;
    }

    dr->role = role;
    dr->result_first = 0;

    if (role == AGW_DR_ROLE_ASSISTANT) {
        dr->tool_use = 0;
    }

    return role == AGW_DR_ROLE_USER
           ? agw_dr_lit(dr->out, "{\"role\":\"user\",\"content\":[")
           : agw_dr_lit(dr->out, "{\"role\":\"assistant\",\"content\":[");
}


/*
 * Closes a block, with the cache_control of its part when it had one
 * (LiteLLM's convention, kept as the jansson path keeps it, null too).
 */
static int
agw_dr_end_block(agw_buf_t *out, const agw_json_member_t *cc)
{
    if (cc->type != 0
        && (agw_dr_lit(out, ",\"cache_control\":") != 0
            || agw_dr_raw(out, cc) != 0))
    {
        return -1;
    }

    return agw_dr_lit(out, "}");
}


/* {"type":"text","text":...} with its cache_control. */
static int
agw_dr_text_block(agw_buf_t *out, const agw_json_member_t *text,
    const agw_json_member_t *cc)
{
    if (agw_dr_lit(out, "{\"type\":\"text\",\"text\":") != 0
        || agw_dr_raw(out, text) != 0)
    {
        return -1;
    }

    return agw_dr_end_block(out, cc);
}


/*
 * A text block of a string value; empty text is skipped as Anthropic
 * refuses it.  role NONE gathers it into the system prompt.
 */
static int
agw_dr_text(agw_dr_t *dr, int role, const agw_json_member_t *text,
    const agw_json_member_t *cc)
{
    if (agw_dj_str_empty(text)) {
        return 0;
    }

    if (role == AGW_DR_ROLE_NONE) {
        if (dr->nsystem == AGW_DR_SYSTEM_MAX) {
            return AGW_DR_DECLINED;
        }

        dr->system_cc[dr->nsystem] = *cc;
        dr->system[dr->nsystem++] = *text;
        return 0;
    }

    if (agw_dr_push(dr, role) != 0) {
        return -1;
    }

    return agw_dr_text_block(dr->out, text, cc);
}


/* Kinds of content part taken. */
enum {
    AGW_DR_PART_TEXT = 1,
    AGW_DR_PART_IMAGE,
    AGW_DR_PART_FILE
};


/*
 * The string member k of an object value, which may hold besides only a
 * string member also (one the jansson path does not read: an image's
 * detail, a file's name).  0 with *v, or AGW_DR_DECLINED.
 */
static int
agw_dr_only_string(const agw_json_member_t *obj, const char *k,
    const char *also, agw_json_member_t *v)
{
    size_t             klen;
    agw_dj_iter_t      it;
    agw_json_member_t  m;

    *v = agw_dr_absent;
    klen = strlen(k);

    agw_dj_iter_init(&it, obj->value, obj->value_len);

    while (agw_dj_next(&it, &m)) {
        if (m.type != AGW_JSON_STRING) {
            return AGW_DR_DECLINED;
        }

        if (m.key_len == klen && memcmp(m.key, k, klen) == 0
            && v->type == 0)
        {
            *v = m;

        } else if (also == NULL || m.key_len != strlen(also)
                   || memcmp(m.key, also, m.key_len) != 0)
        {
            return AGW_DR_DECLINED;
        }
    }

    return v->type ? 0 : AGW_DR_DECLINED;
}


/*
 * A content part: {"type":"text","text"}, {"type":"image_url",
 * "image_url": url or {url, detail}} or {"type":"file","file":
 * {file_data, filename}}, each with a cache_control or not.  *v gets the
 * text, the URL or the file data, all strings; *cc the cache_control.
 * Anything else (audio, refusal, file ids) is declined.
 */
static int
agw_dr_part(const agw_json_member_t *part, int *kind, agw_json_member_t *v,
    agw_json_member_t *cc)
{
    agw_dj_iter_t      it;
    agw_json_member_t  m, value;

    if (part->type != AGW_JSON_OBJECT) {
        return AGW_DR_DECLINED;
    }

    *kind = 0;
    value = agw_dr_absent;
    *cc = agw_dr_absent;

    agw_dj_iter_init(&it, part->value, part->value_len);

    while (agw_dj_next(&it, &m)) {
        if (agw_dj_key_is(&m, "type") && *kind == 0) {
            *kind = agw_dj_str_is(&m, "text") ? AGW_DR_PART_TEXT
                    : agw_dj_str_is(&m, "image_url") ? AGW_DR_PART_IMAGE
                    : agw_dj_str_is(&m, "file") ? AGW_DR_PART_FILE : -1;

        } else if ((agw_dj_key_is(&m, "text") || agw_dj_key_is(&m, "image_url")
                    || agw_dj_key_is(&m, "file"))
                   && value.type == 0)
        {
            value = m;

        } else if (agw_dj_key_is(&m, "cache_control") && cc->type == 0
                   && agw_dj_check_value(m.value, m.value_len) == 0)
        {
            *cc = m;

        } else {
            return AGW_DR_DECLINED;
        }
    }

    switch (*kind) {

    case AGW_DR_PART_TEXT:
        if (!agw_dj_key_is(&value, "text") || value.type != AGW_JSON_STRING) {
            return AGW_DR_DECLINED;
        }
        *v = value;
        return 0;

    case AGW_DR_PART_IMAGE:
        if (!agw_dj_key_is(&value, "image_url")) {
            return AGW_DR_DECLINED;
        }
        if (value.type == AGW_JSON_STRING) {
            *v = value;
            return 0;
        }
        if (value.type != AGW_JSON_OBJECT) {
            return AGW_DR_DECLINED;
        }
        return agw_dr_only_string(&value, "url", "detail", v);

    case AGW_DR_PART_FILE:
        if (!agw_dj_key_is(&value, "file") || value.type != AGW_JSON_OBJECT) {
            return AGW_DR_DECLINED;
        }
        return agw_dr_only_string(&value, "file_data", "filename", v);

    default:
        return AGW_DR_DECLINED;
    }
}


/*
 * An image or document block of a URL (agw_ant_source_from_url): a data
 * URL is split into a base64 source, any other URL (images only) is a url
 * source.  A URL holding escapes is declined: sliced raw, it would not
 * be the URL the jansson path reads.
 */
static int
agw_dr_media(agw_dr_t *dr, int role, int kind, const agw_json_member_t *url,
    const agw_json_member_t *cc)
{
    size_t       len;
    agw_buf_t   *out = dr->out;
    const char  *u, *b64;

    if (agw_dj_has_escape(url)) {
        return AGW_DR_DECLINED;
    }

    u = url->value + 1;
    len = url->value_len - 2;

    if (len < 5 || memcmp(u, "data:", 5) != 0) {
        if (kind != AGW_DR_PART_IMAGE) {
            return AGW_DR_DECLINED;     /* only inline file data */
        }

        if (agw_dr_push(dr, role) != 0
            || agw_dr_lit(out, "{\"type\":\"image\",\"source\":{\"type\":"
                          "\"url\",\"url\":") != 0
            || agw_dr_raw(out, url) != 0
            || agw_dr_lit(out, "}") != 0)
        {
            return -1;
        }

        return agw_dr_end_block(out, cc);
    }

    b64 = memmem(u + 5, len - 5, ";base64,", 8);
    if (b64 == NULL) {
        return AGW_DR_DECLINED;         /* Anthropic takes only base64 */
    }

    if (agw_dr_push(dr, role) != 0
        || agw_buf_append_str(out, kind == AGW_DR_PART_IMAGE
                              ? "{\"type\":\"image\",\"source\":"
                              : "{\"type\":\"document\",\"source\":") != 0
        || agw_dr_lit(out, "{\"type\":\"base64\",\"media_type\":\"") != 0
        || agw_buf_append(out, u + 5, (size_t) (b64 - u - 5)) != 0
        || agw_dr_lit(out, "\",\"data\":\"") != 0
        || agw_buf_append(out, b64 + 8, (size_t) (u + len - b64 - 8)) != 0
        || agw_dr_lit(out, "\"}") != 0)
    {
        return -1;
    }

    return agw_dr_end_block(out, cc);
}


/*
 * A message's content as blocks of role (NONE: the system prompt, text
 * only): a string, an array of parts, or nothing (absent or null).
 */
static int
agw_dr_content(agw_dr_t *dr, int role, const agw_json_member_t *content)
{
    int                rc, kind;
    agw_dj_iter_t      it;
    agw_json_member_t  part, v, cc;

    if (content->type == 0 || content->type == AGW_JSON_NULL) {
        return 0;
    }

    if (content->type == AGW_JSON_STRING) {
        return agw_dr_text(dr, role, content, &agw_dr_absent);
    }

    if (content->type != AGW_JSON_ARRAY) {
        return AGW_DR_DECLINED;
    }

    agw_dj_iter_init(&it, content->value, content->value_len);

    while (agw_dj_next(&it, &part)) {
        rc = agw_dr_part(&part, &kind, &v, &cc);

        if (rc == 0) {
            if (kind == AGW_DR_PART_TEXT) {
                rc = agw_dr_text(dr, role, &v, &cc);

            } else if (role == AGW_DR_ROLE_NONE) {
                rc = AGW_DR_DECLINED;   /* system content is text only */

            } else {
                rc = agw_dr_media(dr, role, kind, &v, &cc);
            }
        }

        if (rc != 0) {
            return rc;
        }
    }

    return 0;
}


/*
 * A tool message as a tool_result block of the user turn: its content a
 * string (none when empty) or the non-empty text parts (none when there
 * are none).
 */
static int
agw_dr_tool_result(agw_dr_t *dr, const agw_json_member_t *id,
    const agw_json_member_t *content)
{
    int                rc, blocks, kind, opens;
    agw_buf_t         *out = dr->out;
    agw_dj_iter_t      it;
    agw_json_member_t  part, text, cc;

    if (id->type != AGW_JSON_STRING) {
        return AGW_DR_DECLINED;
    }

    if (content->type != 0 && content->type != AGW_JSON_NULL
        && content->type != AGW_JSON_STRING && content->type != AGW_JSON_ARRAY)
    {
        return AGW_DR_DECLINED;
    }

    opens = (dr->role != AGW_DR_ROLE_USER);

    if (agw_dr_push(dr, AGW_DR_ROLE_USER) != 0
        || agw_dr_lit(out, "{\"type\":\"tool_result\",\"tool_use_id\":") != 0
        || agw_dr_raw(out, id) != 0)
    {
        return -1;
    }

    if (opens) {
        dr->result_first = 1;
    }

    if (content->type == AGW_JSON_STRING && !agw_dj_str_empty(content)) {
        if (agw_dr_lit(out, ",\"content\":") != 0
            || agw_dr_raw(out, content) != 0)
        {
            return -1;
        }

    } else if (content->type == AGW_JSON_ARRAY) {
        blocks = 0;
        agw_dj_iter_init(&it, content->value, content->value_len);

        while (agw_dj_next(&it, &part)) {
            rc = agw_dr_part(&part, &kind, &text, &cc);
            if (rc != 0 || kind != AGW_DR_PART_TEXT) {
                return AGW_DR_DECLINED;     /* tool results: text only */
            }

            if (agw_dj_str_empty(&text)) {
                continue;
            }

            if (agw_buf_append_str(out, blocks++ ? "," : ",\"content\":[")
                != 0
                || agw_dr_text_block(out, &text, &cc) != 0)
            {
                return -1;
            }
        }

        if (blocks && agw_dr_lit(out, "]") != 0) {
            return -1;
        }
    }

    return agw_dr_lit(out, "}");
}


/*
 * A tool call's arguments, a string holding a JSON object, as that
 * object: decoded into out, then checked in place.  Only blanks (as the
 * jansson path counts them) is {}; anything but an object declines, as
 * the jansson path refuses it.
 */
static int
agw_dr_input(agw_buf_t *out, const agw_json_member_t *args)
{
    size_t       at, i, n;
    const char  *p;

    if (args->type == 0) {
        return agw_dr_lit(out, "{}");   /* no arguments at all */
    }

    if (args->type != AGW_JSON_STRING) {
        return AGW_DR_DECLINED;
    }

    at = out->len;

    if (agw_dj_append_unescaped(out, args->value, args->value_len) != 0) {
        return -1;
    }

    p = out->data + at;
    n = out->len - at;

    for (i = 0; i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\t'); i++) {
        /* void */
    }

    if (i == n) {
        out->len = at;
        return agw_dr_lit(out, "{}");
    }

    if (agw_json_scan(p, n, NULL, NULL, NULL) != 0) {
        return AGW_DR_DECLINED;
    }

    /* the object alone, from brace to brace, for the check */
    while (p[i] != '{') {
        i++;
    }

    while (p[n - 1] != '}') {
        n--;
    }

    if (agw_dj_check_value(p + i, n - i) != 0) {
        return AGW_DR_DECLINED;
    }

    return 0;
}


/* One tool call as a tool_use block of the assistant turn. */
static int
agw_dr_tool_call(agw_dr_t *dr, const agw_json_member_t *call)
{
    int                rc;
    agw_buf_t         *out = dr->out;
    agw_dj_iter_t      it;
    agw_json_member_t  m, id, fn, name, args;

    if (call->type != AGW_JSON_OBJECT) {
        return AGW_DR_DECLINED;
    }

    id = fn = name = args = agw_dr_absent;

    agw_dj_iter_init(&it, call->value, call->value_len);

    while (agw_dj_next(&it, &m)) {
        if (agw_dj_key_is(&m, "id") && id.type == 0
            && m.type == AGW_JSON_STRING)
        {
            id = m;

        } else if (agw_dj_key_is(&m, "function") && fn.type == 0
                   && m.type == AGW_JSON_OBJECT)
        {
            fn = m;

        } else if (!agw_dj_key_is(&m, "type")
                   || !agw_dj_str_is(&m, "function"))
        {
            return AGW_DR_DECLINED;
        }
    }

    if (id.type == 0 || fn.type == 0) {
        return AGW_DR_DECLINED;
    }

    agw_dj_iter_init(&it, fn.value, fn.value_len);

    while (agw_dj_next(&it, &m)) {
        if (agw_dj_key_is(&m, "name") && name.type == 0
            && m.type == AGW_JSON_STRING)
        {
            name = m;

        } else if (agw_dj_key_is(&m, "arguments") && args.type == 0) {
            args = m;

        } else {
            return AGW_DR_DECLINED;
        }
    }

    if (name.type == 0) {
        return AGW_DR_DECLINED;
    }

    if (agw_dr_push(dr, AGW_DR_ROLE_ASSISTANT) != 0) {
        return -1;
    }

    dr->tool_use = 1;

    if (agw_dr_lit(out, "{\"type\":\"tool_use\",\"id\":") != 0
        || agw_dr_raw(out, &id) != 0
        || agw_dr_lit(out, ",\"name\":") != 0
        || agw_dr_raw(out, &name) != 0
        || agw_dr_lit(out, ",\"input\":") != 0)
    {
        return -1;
    }

    rc = agw_dr_input(out, &args);
    if (rc != 0) {
        return rc;
    }

    return agw_dr_lit(out, "}");
}


/*
 * One message.  Members the jansson path ignores are taken only in the
 * forms clients send them (a participant name; an assistant message
 * echoed back with its null refusal, audio or function_call and its
 * annotations).
 */
static int
agw_dr_message(agw_dr_t *dr, const agw_json_member_t *msg)
{
    int                rc;
    agw_dj_iter_t      it;
    agw_json_member_t  m, role, content, calls, call_id, call;

    if (msg->type != AGW_JSON_OBJECT) {
        return AGW_DR_DECLINED;
    }

    role = content = calls = call_id = agw_dr_absent;

    agw_dj_iter_init(&it, msg->value, msg->value_len);

    while (agw_dj_next(&it, &m)) {
        if (agw_dj_key_is(&m, "role") && role.type == 0) {
            role = m;

        } else if (agw_dj_key_is(&m, "content") && content.type == 0) {
            content = m;

        } else if (agw_dj_key_is(&m, "tool_calls") && calls.type == 0) {
            calls = m;

        } else if (agw_dj_key_is(&m, "tool_call_id") && call_id.type == 0) {
            call_id = m;

        } else if (agw_dj_key_is(&m, "name") && m.type == AGW_JSON_STRING) {
            continue;

        } else if ((agw_dj_key_is(&m, "refusal") || agw_dj_key_is(&m, "audio")
                    || agw_dj_key_is(&m, "function_call"))
                   && m.type == AGW_JSON_NULL)
        {
            continue;

        } else if (agw_dj_key_is(&m, "annotations")
                   && m.type == AGW_JSON_ARRAY
                   && agw_dj_check_value(m.value, m.value_len) == 0)
        {
            continue;

        } else {
            return AGW_DR_DECLINED;
        }
    }

    /* tool_calls only on assistant turns, tool_call_id only on tool ones:
     * elsewhere the jansson path ignores them, and so would a repeat of
     * "name" or "refusal": rare enough to leave to it */
    if (agw_dj_str_is(&role, "user")) {
        if (calls.type != 0 || call_id.type != 0) {
            return AGW_DR_DECLINED;
        }
        return agw_dr_content(dr, AGW_DR_ROLE_USER, &content);
    }

    if (agw_dj_str_is(&role, "system") || agw_dj_str_is(&role, "developer")) {
        if (calls.type != 0 || call_id.type != 0) {
            return AGW_DR_DECLINED;
        }
        return agw_dr_content(dr, AGW_DR_ROLE_NONE, &content);
    }

    if (agw_dj_str_is(&role, "assistant")) {
        if (call_id.type != 0) {
            return AGW_DR_DECLINED;
        }

        rc = agw_dr_content(dr, AGW_DR_ROLE_ASSISTANT, &content);
        if (rc != 0 || calls.type == 0 || calls.type == AGW_JSON_NULL) {
            return rc;
        }

        if (calls.type != AGW_JSON_ARRAY) {
            return AGW_DR_DECLINED;
        }

        agw_dj_iter_init(&it, calls.value, calls.value_len);

        while (agw_dj_next(&it, &call)) {
            rc = agw_dr_tool_call(dr, &call);
            if (rc != 0) {
                return rc;
            }
        }

        return 0;
    }

    if (agw_dj_str_is(&role, "tool")) {
        if (calls.type != 0) {
            return AGW_DR_DECLINED;
        }
        return agw_dr_tool_result(dr, &call_id, &content);
    }

    return AGW_DR_DECLINED;           /* no role, or one Anthropic lacks */
}


static int
agw_dr_messages(agw_dr_t *dr, const agw_json_member_t *msgs)
{
    int                rc;
    agw_dj_iter_t      it;
    agw_json_member_t  msg;

    if (agw_dr_lit(dr->out, ",\"messages\":[") != 0) {
        return -1;
    }

    agw_dj_iter_init(&it, msgs->value, msgs->value_len);

    while (agw_dj_next(&it, &msg)) {
        rc = agw_dr_message(dr, &msg);
        if (rc != 0) {
            return rc;
        }
    }

    if (dr->role == AGW_DR_ROLE_NONE) {
        return AGW_DR_DECLINED;       /* no message with content */
    }

    return agw_dr_lit(dr->out, "]}]");
}


/* One gathered block is sent as a string, more (or one with a
 * cache_control) as text blocks. */
static int
agw_dr_system(agw_dr_t *dr)
{
    size_t  i;

    if (dr->nsystem == 0) {
        return 0;
    }

    if (dr->nsystem == 1 && dr->system_cc[0].type == 0) {
        return (agw_dr_lit(dr->out, ",\"system\":") != 0
                || agw_dr_raw(dr->out, &dr->system[0]) != 0) ? -1 : 0;
    }

    if (agw_dr_lit(dr->out, ",\"system\":[") != 0) {
        return -1;
    }

    for (i = 0; i < dr->nsystem; i++) {
        if ((i && agw_dr_lit(dr->out, ",") != 0)
            || agw_dr_text_block(dr->out, &dr->system[i], &dr->system_cc[i])
               != 0)
        {
            return -1;
        }
    }

    return agw_dr_lit(dr->out, "]");
}


/* One function tool: {name, input_schema, description}. */
static int
agw_dr_tool(agw_buf_t *out, const agw_json_member_t *tool, int first)
{
    agw_dj_iter_t      it;
    agw_json_member_t  m, fn, name, desc, params;

    if (tool->type != AGW_JSON_OBJECT) {
        return AGW_DR_DECLINED;
    }

    fn = name = desc = params = agw_dr_absent;

    agw_dj_iter_init(&it, tool->value, tool->value_len);

    while (agw_dj_next(&it, &m)) {
        if (agw_dj_key_is(&m, "function") && fn.type == 0
            && m.type == AGW_JSON_OBJECT)
        {
            fn = m;

        } else if (!agw_dj_key_is(&m, "type")
                   || !agw_dj_str_is(&m, "function"))
        {
            return AGW_DR_DECLINED;
        }
    }

    if (fn.type == 0) {
        return AGW_DR_DECLINED;
    }

    agw_dj_iter_init(&it, fn.value, fn.value_len);

    while (agw_dj_next(&it, &m)) {
        if (agw_dj_key_is(&m, "name") && name.type == 0
            && m.type == AGW_JSON_STRING)
        {
            name = m;

        } else if (agw_dj_key_is(&m, "description") && desc.type == 0
                   && (m.type == AGW_JSON_STRING || m.type == AGW_JSON_NULL))
        {
            desc = m;

        } else if (agw_dj_key_is(&m, "parameters") && params.type == 0
                   && (m.type == AGW_JSON_NULL
                       || (m.type == AGW_JSON_OBJECT
                           && agw_dj_check_value(m.value, m.value_len) == 0)))
        {
            params = m;

        } else if (agw_dj_key_is(&m, "strict")
                   && (m.type == AGW_JSON_TRUE || m.type == AGW_JSON_FALSE
                       || m.type == AGW_JSON_NULL))
        {
            continue;                   /* dropped, as documented */

        } else {
            return AGW_DR_DECLINED;
        }
    }

    if (name.type == 0) {
        return AGW_DR_DECLINED;
    }

    if (agw_buf_append_str(out, first ? "{\"name\":" : ",{\"name\":") != 0
        || agw_dr_raw(out, &name) != 0
        || agw_dr_lit(out, ",\"input_schema\":") != 0)
    {
        return -1;
    }

    if (params.type == AGW_JSON_OBJECT) {
        if (agw_dr_raw(out, &params) != 0) {
            return -1;
        }

    } else if (agw_dr_lit(out, "{\"type\":\"object\",\"properties\":{}}")
               != 0)
    {
        /* Anthropic needs a schema even for a tool without arguments */
        return -1;
    }

    if (desc.type == AGW_JSON_STRING
        && (agw_dr_lit(out, ",\"description\":") != 0
            || agw_dr_raw(out, &desc) != 0))
    {
        return -1;
    }

    return agw_dr_lit(out, "}");
}


/* The tools, when there are any (*written says so). */
static int
agw_dr_tools(agw_buf_t *out, const agw_dr_top_t *t, int *written)
{
    int                rc, n;
    agw_dj_iter_t      it;
    agw_json_member_t  tool;

    *written = 0;

    if (agw_dr_none(t, AGW_DR_TOOLS)) {
        return 0;
    }

    if (t->m[AGW_DR_TOOLS].type != AGW_JSON_ARRAY) {
        return AGW_DR_DECLINED;
    }

    n = 0;
    agw_dj_iter_init(&it, t->m[AGW_DR_TOOLS].value,
                     t->m[AGW_DR_TOOLS].value_len);

    while (agw_dj_next(&it, &tool)) {
        if (n == 0 && agw_dr_lit(out, ",\"tools\":[") != 0) {
            return -1;
        }

        rc = agw_dr_tool(out, &tool, n++ == 0);
        if (rc != 0) {
            return rc;
        }
    }

    if (n == 0) {
        return 0;                       /* [] is no tools */
    }

    *written = 1;
    return agw_dr_lit(out, "]");
}


/*
 * The name of a named tool choice {"type":"function","function":{"name"}};
 * 0 with *name, or AGW_DR_DECLINED for any other object.
 */
static int
agw_dr_named_choice(const agw_json_member_t *tc, agw_json_member_t *name)
{
    int                has_type;
    agw_dj_iter_t      it, fit;
    agw_json_member_t  m, f;

    has_type = 0;
    *name = agw_dr_absent;

    agw_dj_iter_init(&it, tc->value, tc->value_len);

    while (agw_dj_next(&it, &m)) {
        if (agw_dj_key_is(&m, "type") && !has_type
            && agw_dj_str_is(&m, "function"))
        {
            has_type = 1;

        } else if (agw_dj_key_is(&m, "function") && name->type == 0
                   && m.type == AGW_JSON_OBJECT)
        {
            agw_dj_iter_init(&fit, m.value, m.value_len);

            while (agw_dj_next(&fit, &f)) {
                if (!agw_dj_key_is(&f, "name") || name->type != 0
                    || f.type != AGW_JSON_STRING)
                {
                    return AGW_DR_DECLINED;
                }
                *name = f;
            }

            if (name->type == 0) {
                return AGW_DR_DECLINED;
            }

        } else {
            return AGW_DR_DECLINED;
        }
    }

    return (has_type && name->type != 0) ? 0 : AGW_DR_DECLINED;
}


/*
 * tool_choice and parallel_tool_calls (agw_ant_tool_choice_from_hub):
 * checked always, written only when tools were.  *forced says a tool was
 * (required or named), which thinking cannot go with.
 */
static int
agw_dr_tool_choice(agw_buf_t *out, const agw_dr_top_t *t, int tools,
    int *forced)
{
    int                       serial, none, required;
    const char               *v;
    agw_json_member_t         name;
    const agw_json_member_t  *tc, *ptc;

    tc = &t->m[AGW_DR_TOOL_CHOICE];
    ptc = &t->m[AGW_DR_PARALLEL_TOOL_CALLS];

    serial = 0;
    if (!agw_dr_none(t, AGW_DR_PARALLEL_TOOL_CALLS)) {
        if (ptc->type != AGW_JSON_TRUE && ptc->type != AGW_JSON_FALSE) {
            return AGW_DR_DECLINED;
        }
        serial = (ptc->type == AGW_JSON_FALSE);
    }

    name = agw_dr_absent;
    v = NULL;
    none = 0;
    required = 0;
    *forced = 0;

    if (agw_dr_none(t, AGW_DR_TOOL_CHOICE)) {
        v = serial ? "{\"type\":\"auto\"" : NULL;

    } else if (tc->type == AGW_JSON_STRING) {
        if (agw_dj_has_escape(tc)) {
            return AGW_DR_DECLINED;
        }

        /* any other string, "auto" or not, is auto */
        none = agw_dj_str_is(tc, "none");
        required = agw_dj_str_is(tc, "required");
        v = none ? "{\"type\":\"none\""
            : required ? "{\"type\":\"any\""
            : "{\"type\":\"auto\"";

    } else if (tc->type != AGW_JSON_OBJECT
               || agw_dr_named_choice(tc, &name) != 0)
    {
        return AGW_DR_DECLINED;
    }

    if (!tools || (v == NULL && name.type == 0)) {
        return 0;
    }

    *forced = (name.type != 0 || required);

    if (agw_dr_lit(out, ",\"tool_choice\":") != 0) {
        return -1;
    }

    if (name.type != 0) {
        if (agw_dr_lit(out, "{\"type\":\"tool\",\"name\":") != 0
            || agw_dr_raw(out, &name) != 0)
        {
            return -1;
        }

    } else if (agw_buf_append_str(out, v) != 0) {
        return -1;
    }

    if (serial && !none
        && agw_dr_lit(out, ",\"disable_parallel_tool_use\":true") != 0)
    {
        return -1;
    }

    return agw_dr_lit(out, "}");
}


/*
 * reasoning_effort as a thinking budget (agw_ant_budget): none or absent
 * is 0, an unknown level is the highest.  *budget, or AGW_DR_DECLINED.
 */
static int
agw_dr_budget(const agw_dr_top_t *t, int64_t *budget)
{
    const agw_json_member_t  *e;

    *budget = 0;
    e = &t->m[AGW_DR_REASONING_EFFORT];

    if (agw_dr_none(t, AGW_DR_REASONING_EFFORT)) {
        return 0;
    }

    if (e->type != AGW_JSON_STRING || agw_dj_has_escape(e)) {
        return AGW_DR_DECLINED;
    }

    *budget = agw_dj_str_is(e, "none") ? 0
              : agw_dj_str_is(e, "minimal") ? AGW_DR_BUDGET_MINIMAL
              : agw_dj_str_is(e, "low") ? AGW_DR_BUDGET_LOW
              : agw_dj_str_is(e, "medium") ? AGW_DR_BUDGET_MEDIUM
              : AGW_DR_BUDGET_HIGH;

    return 0;
}


/*
 * Sampling: temperature clamped to Anthropic's 0..1 and always a real;
 * top_p as jansson holds it (an integer stays one).  With thinking on,
 * Anthropic refuses both: the thinking block goes instead.
 */
static int
agw_dr_sampling(agw_buf_t *out, const agw_dr_top_t *t, int64_t budget)
{
    agw_dj_number_t           n;
    const agw_json_member_t  *m;

    m = &t->m[AGW_DR_TEMPERATURE];

    if (budget > 0) {
        if ((!agw_dr_none(t, AGW_DR_TEMPERATURE)
             && (m->type != AGW_JSON_NUMBER
                 || agw_dj_number(m->value, m->value_len, &n) != 0))
            || (!agw_dr_none(t, AGW_DR_TOP_P)
                && (t->m[AGW_DR_TOP_P].type != AGW_JSON_NUMBER
                    || agw_dj_number(t->m[AGW_DR_TOP_P].value,
                                     t->m[AGW_DR_TOP_P].value_len, &n) != 0)))
        {
            return AGW_DR_DECLINED;
        }

        if (agw_dr_lit(out, ",\"thinking\":{\"type\":\"enabled\","
                       "\"budget_tokens\":") != 0
            || agw_json_append_int(out, budget) != 0
            || agw_dr_lit(out, "}") != 0)
        {
            return -1;
        }

        return 0;
    }

    if (!agw_dr_none(t, AGW_DR_TEMPERATURE)) {
        if (m->type != AGW_JSON_NUMBER
            || agw_dj_number(m->value, m->value_len, &n) != 0)
        {
            return AGW_DR_DECLINED;
        }

        if (agw_dr_lit(out, ",\"temperature\":") != 0
            || agw_json_append_real(out, n.d > 1.0 ? 1.0 : n.d) != 0)
        {
            return -1;
        }
    }

    m = &t->m[AGW_DR_TOP_P];

    if (!agw_dr_none(t, AGW_DR_TOP_P)) {
        if (m->type != AGW_JSON_NUMBER
            || agw_dj_number(m->value, m->value_len, &n) != 0)
        {
            return AGW_DR_DECLINED;
        }

        if (agw_dr_lit(out, ",\"top_p\":") != 0
            || (n.integer ? agw_json_append_int(out, n.i)
                          : agw_json_append_real(out, n.d)) != 0)
        {
            return -1;
        }
    }

    return 0;
}


/*
 * max_completion_tokens, else max_tokens, else the caller's default; it
 * counts thinking too and must exceed the budget, which is added when it
 * does not (the answer keeps the room the client asked for).
 */
static int
agw_dr_max_tokens(agw_buf_t *out, const agw_dr_top_t *t,
    const agw_request_opts_t *opts, int64_t budget)
{
    int      has;
    int64_t  v, n;

    v = 0;
    n = 0;
    has = 0;

    if (!agw_dr_none(t, AGW_DR_MAX_COMPLETION_TOKENS)) {
        if (agw_dr_int(&t->m[AGW_DR_MAX_COMPLETION_TOKENS], &v) != 0) {
            return AGW_DR_DECLINED;
        }
        has = 1;
    }

    if (!agw_dr_none(t, AGW_DR_MAX_TOKENS)) {
        if (agw_dr_int(&t->m[AGW_DR_MAX_TOKENS], &n) != 0) {
            return AGW_DR_DECLINED;
        }
        if (!has) {
            v = n;
        }
    }

    if (v <= 0) {
        v = (opts && opts->default_max_tokens > 0)
            ? opts->default_max_tokens : AGW_DR_FALLBACK_MAX_TOKENS;
    }

    if (budget > 0 && v <= budget) {
        v += budget;
    }

    if (agw_dr_lit(out, ",\"max_tokens\":") != 0
        || agw_json_append_int(out, v) != 0)
    {
        return -1;
    }

    return 0;
}


/* stop, user and stream. */
static int
agw_dr_rest(agw_buf_t *out, const agw_dr_top_t *t,
    const agw_request_opts_t *opts)
{
    int                       stream;
    agw_dj_iter_t             it;
    agw_json_member_t         e;
    const agw_json_member_t  *m;

    m = &t->m[AGW_DR_STOP];

    if (!agw_dr_none(t, AGW_DR_STOP)) {
        if (m->type == AGW_JSON_STRING) {
            if (agw_dr_lit(out, ",\"stop_sequences\":[") != 0
                || agw_dr_raw(out, m) != 0
                || agw_dr_lit(out, "]") != 0)
            {
                return -1;
            }

        } else if (m->type == AGW_JSON_ARRAY) {
            agw_dj_iter_init(&it, m->value, m->value_len);

            if (agw_dj_next(&it, &e)) {
                do {
                    if (e.type != AGW_JSON_STRING) {
                        return AGW_DR_DECLINED;
                    }
                } while (agw_dj_next(&it, &e));

                if (agw_dr_lit(out, ",\"stop_sequences\":") != 0
                    || agw_dr_raw(out, m) != 0)
                {
                    return -1;
                }
            }

        } else {
            return AGW_DR_DECLINED;
        }
    }

    m = &t->m[AGW_DR_USER];

    if (!agw_dr_none(t, AGW_DR_USER)) {
        if (m->type != AGW_JSON_STRING) {
            return AGW_DR_DECLINED;
        }

        if (agw_dr_lit(out, ",\"metadata\":{\"user_id\":") != 0
            || agw_dr_raw(out, m) != 0
            || agw_dr_lit(out, "}") != 0)
        {
            return -1;
        }
    }

    m = &t->m[AGW_DR_STREAM];

    if (!agw_dr_none(t, AGW_DR_STREAM)
        && m->type != AGW_JSON_TRUE && m->type != AGW_JSON_FALSE)
    {
        return AGW_DR_DECLINED;
    }

    stream = opts ? opts->stream
                  : (agw_dr_has(t, AGW_DR_STREAM) && m->type == AGW_JSON_TRUE);

    if (stream && agw_dr_lit(out, ",\"stream\":true") != 0) {
        return -1;
    }

    return 0;
}


/* The members the jansson path reads nothing from but which must load. */
static int
agw_dr_ignored(const agw_dr_top_t *t)
{
    int                       i;
    int64_t                   n;
    const agw_json_member_t  *m;

    static const int  dropped[] = {
        AGW_DR_STREAM_OPTIONS, AGW_DR_RESPONSE_FORMAT, AGW_DR_LOGPROBS,
        AGW_DR_TOP_LOGPROBS, AGW_DR_SEED, AGW_DR_FREQUENCY_PENALTY,
        AGW_DR_PRESENCE_PENALTY, AGW_DR_LOGIT_BIAS
    };

    for (i = 0; i < (int) (sizeof(dropped) / sizeof(dropped[0])); i++) {
        m = &t->m[dropped[i]];

        if (agw_dr_has(t, dropped[i])
            && agw_dj_check_value(m->value, m->value_len) != 0)
        {
            return AGW_DR_DECLINED;
        }
    }

    /* n > 1 is refused by the jansson path; n = 1 says nothing */
    if (!agw_dr_none(t, AGW_DR_N)
        && (agw_dr_int(&t->m[AGW_DR_N], &n) != 0 || n > 1))
    {
        return AGW_DR_DECLINED;
    }

    return 0;
}


static int
agw_dr_model(agw_buf_t *out, const agw_dr_top_t *t,
    const agw_request_opts_t *opts)
{
    const char  *p;

    /* a model the options replace must still load */
    if (agw_dr_has(t, AGW_DR_MODEL)
        && t->m[AGW_DR_MODEL].type != AGW_JSON_STRING)
    {
        return AGW_DR_DECLINED;
    }

    if (opts && opts->model) {
        /* jansson takes only valid UTF-8: non-ASCII names are its case */
        for (p = opts->model; *p; p++) {
            if ((unsigned char) *p >= 0x80) {
                return AGW_DR_DECLINED;
            }
        }

        if (agw_dr_lit(out, "{\"model\":") != 0
            || agw_buf_append_json_string(out, opts->model,
                                          (size_t) (p - opts->model)) != 0)
        {
            return -1;
        }

        return 0;
    }

    if (!agw_dr_has(t, AGW_DR_MODEL)) {
        return AGW_DR_DECLINED;
    }

    if (agw_dr_lit(out, "{\"model\":") != 0
        || agw_dr_raw(out, &t->m[AGW_DR_MODEL]) != 0)
    {
        return -1;
    }

    return 0;
}


int
agw_direct_openai_to_anthropic_request(const char *body, size_t len,
    const agw_request_opts_t *opts, agw_buf_t *out)
{
    int           rc, tools, forced;
    size_t        start;
    int64_t       budget;
    agw_dr_t      dr;
    agw_dr_top_t  t;

    start = out->len;
    t.seen = 0;

    /* invalid JSON, a member left to jansson, or one given twice */
    if (agw_json_scan(body, len, agw_dr_top_cb, &t, NULL) != 0
        || !agw_dr_has(&t, AGW_DR_MESSAGES)
        || t.m[AGW_DR_MESSAGES].type != AGW_JSON_ARRAY)
    {
        return AGW_DR_DECLINED;
    }

    rc = agw_dr_ignored(&t);
    if (rc != 0) {
        return rc;
    }

    rc = agw_dr_budget(&t, &budget);
    if (rc != 0) {
        return rc;
    }

    dr.out = out;
    dr.role = AGW_DR_ROLE_NONE;
    dr.result_first = 0;
    dr.tool_use = 0;
    dr.nsystem = 0;

    rc = agw_dr_model(out, &t, opts);
    if (rc != 0) {
        goto done;
    }

    rc = agw_dr_messages(&dr, &t.m[AGW_DR_MESSAGES]);
    if (rc != 0) {
        goto done;
    }

    rc = agw_dr_system(&dr);
    if (rc != 0) {
        goto done;
    }

    rc = agw_dr_tools(out, &t, &tools);
    if (rc != 0) {
        goto done;
    }

    rc = agw_dr_tool_choice(out, &t, tools, &forced);
    if (rc != 0) {
        goto done;
    }

    /* a forced tool wins over thinking; and a tool loop in progress whose
     * assistant turn has no signed thinking block (there is none here:
     * thinking_blocks decline) would be refused with thinking on
     * (agw_ant_unsigned_tool_turn) */
    if (forced
        || (dr.role == AGW_DR_ROLE_USER && dr.result_first && dr.tool_use))
    {
        budget = 0;
    }

    rc = agw_dr_sampling(out, &t, budget);
    if (rc != 0) {
        goto done;
    }

    rc = agw_dr_max_tokens(out, &t, opts, budget);
    if (rc != 0) {
        goto done;
    }

    rc = agw_dr_rest(out, &t, opts);
    if (rc != 0) {
        goto done;
    }

    rc = agw_dr_lit(out, "}");

done:

    if (rc != 0) {
        out->len = start;
        if (out->data != NULL) {
            out->data[start] = '\0';
        }
    }

    return rc;
}
