/*
 * agw_direct_response: Anthropic Messages responses to OpenAI Chat on the
 * bytes (see agw_direct.h).
 *
 * The specification is the jansson path: agw_ant_response_to_hub()
 * (agw_anthropic_response.c, with agw_ant_assistant_message() of
 * agw_anthropic_request.c) then agw_openai_response_from_hub().  What it
 * takes is listed in docs/translation-anthropic.md ("Tree-free path:
 * responses"); everything else is declined to it.
 *
 * The body is validated once by agw_json_scan; every value of the body
 * that is a number, an object or an array then passes
 * agw_dj_check_value(), so that below it: every number loads in jansson,
 * no object repeats a key (jansson would keep only the last) and no key
 * is escaped (an escaped key may stand for one we look for).  Only the
 * top level may repeat a key: the last one wins, as in jansson.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE               /* memmem */
#endif
#include <string.h>

#include "agw_anthropic_int.h"
#include "agw_direct.h"
#include "agw_direct_util.h"


/* Content blocks one response may have; more are declined. */
#define AGW_DR_BLOCKS_MAX  64


/* The block kinds the hub keeps. */
enum {
    AGW_DR_TEXT = 1,
    AGW_DR_TOOL_USE,
    AGW_DR_THINKING,
    AGW_DR_REDACTED
};


/* A string value (quotes included), or v NULL when absent or not a string
 * (what agw_ant_str() would make NULL). */
typedef struct {
    const char  *v;
    size_t       len;
} agw_dr_str_t;


typedef struct {
    int           kind;
    agw_dr_str_t  text;         /* text, thinking, or redacted data */
    agw_dr_str_t  id;           /* tool_use */
    agw_dr_str_t  name;
    agw_dr_str_t  signature;    /* thinking */
    const char   *input;        /* tool_use: raw value, or NULL if absent */
    size_t        input_len;
} agw_dr_block_t;


/* The top-level members the translation reads (the last of each). */
typedef struct {
    agw_json_member_t  id;
    agw_json_member_t  model;
    agw_json_member_t  content;
    agw_json_member_t  stop_reason;
    agw_json_member_t  usage;
    unsigned           has_id:1;
    unsigned           has_model:1;
    unsigned           has_content:1;
    unsigned           has_stop_reason:1;
    unsigned           has_usage:1;
} agw_dr_top_t;


typedef struct {
    agw_dr_block_t  block[AGW_DR_BLOCKS_MAX];
    size_t          nblocks;
    size_t          ncalls;
    unsigned        has_text:1;
    unsigned        has_reasoning:1;
    unsigned        has_thinking_blocks:1;
} agw_dr_message_t;


static int agw_dr_top_cb(void *ud, const agw_json_member_t *m);
static int agw_dr_block(const agw_json_member_t *b, agw_dr_message_t *msg);
static int agw_dr_usage(const agw_dr_top_t *top, agw_usage_t *u);
static int agw_dr_utf8_valid(const char *s);
static int agw_dr_write(const agw_dr_top_t *top, const agw_dr_message_t *msg,
    const agw_usage_t *u, const agw_response_opts_t *opts, agw_buf_t *out);
static int agw_dr_dump(const char *v, size_t len, agw_buf_t *out,
    agw_buf_t *scratch);


#define agw_dr_lit(out, s)  agw_buf_append(out, s, sizeof(s) - 1)

#define agw_dr_is(m, k)                                                      \
    ((m)->key_len == sizeof(k) - 1 && memcmp((m)->key, k, sizeof(k) - 1) == 0)


static void
agw_dr_str(agw_dr_str_t *s, const agw_json_member_t *m)
{
    if (m->type == AGW_JSON_STRING) {
        s->v = m->value;
        s->len = m->value_len;
    } else {
        s->v = NULL;
        s->len = 0;
    }
}


/*
 * Top-level members.  Returns AGW_DIRECT_DECLINED to stop the scan where
 * the jansson path would not load the body or could read a key we do not
 * see (an escaped one).
 */
static int
agw_dr_top_cb(void *ud, const agw_json_member_t *m)
{
    agw_dr_top_t  *top = ud;

    if (memchr(m->key, '\\', m->key_len) != NULL) {
        return AGW_DIRECT_DECLINED;
    }

    if ((m->type == AGW_JSON_NUMBER || m->type == AGW_JSON_OBJECT
         || m->type == AGW_JSON_ARRAY)
        && agw_dj_check_value(m->value, m->value_len) != 0)
    {
        return AGW_DIRECT_DECLINED;
    }

    if (agw_dr_is(m, "id")) {
        top->id = *m;
        top->has_id = 1;

    } else if (agw_dr_is(m, "model")) {
        top->model = *m;
        top->has_model = 1;

    } else if (agw_dr_is(m, "content")) {
        top->content = *m;
        top->has_content = 1;

    } else if (agw_dr_is(m, "stop_reason")) {
        top->stop_reason = *m;
        top->has_stop_reason = 1;

    } else if (agw_dr_is(m, "usage")) {
        top->usage = *m;
        top->has_usage = 1;
    }

    return 0;
}


/*
 * One content block into msg, as agw_ant_assistant_message() reads it:
 * text (which must have its text), tool_use (its id and name), thinking,
 * redacted_thinking; server-tool blocks are skipped as it skips them.  Any
 * other block, and any the jansson path refuses, declines.  The block
 * passed agw_dj_check_value(): no key repeats, none is escaped.
 */
static int
agw_dr_block(const agw_json_member_t *b, agw_dr_message_t *msg)
{
    size_t              input_len;
    const char         *t, *input;
    agw_dj_iter_t       it;
    agw_dr_str_t        type, text, thinking, data, id, name, signature;
    agw_dr_block_t     *blk;
    agw_json_member_t   m;

    if (b->type != AGW_JSON_OBJECT) {
        return AGW_DIRECT_DECLINED;     /* "content block without a type" */
    }

    memset(&type, 0, sizeof(type));
    text = thinking = data = id = name = signature = type;
    input = NULL;
    input_len = 0;

    agw_dj_iter_init(&it, b->value, b->value_len);

    while (agw_dj_next(&it, &m)) {
        if (agw_dr_is(&m, "type")) {
            agw_dr_str(&type, &m);
        } else if (agw_dr_is(&m, "text")) {
            agw_dr_str(&text, &m);
        } else if (agw_dr_is(&m, "thinking")) {
            agw_dr_str(&thinking, &m);
        } else if (agw_dr_is(&m, "data")) {
            agw_dr_str(&data, &m);
        } else if (agw_dr_is(&m, "id")) {
            agw_dr_str(&id, &m);
        } else if (agw_dr_is(&m, "name")) {
            agw_dr_str(&name, &m);
        } else if (agw_dr_is(&m, "signature")) {
            agw_dr_str(&signature, &m);
        } else if (agw_dr_is(&m, "input")) {
            input = m.value;
            input_len = m.value_len;
        }
    }

    /* a type with escapes may read as any name: leave it to jansson */
    if (type.v == NULL || memchr(type.v, '\\', type.len) != NULL) {
        return AGW_DIRECT_DECLINED;
    }

    t = type.v + 1;
    type.len -= 2;

    if (msg->nblocks == AGW_DR_BLOCKS_MAX) {
        return AGW_DIRECT_DECLINED;
    }

    blk = &msg->block[msg->nblocks];
    blk->input = input;
    blk->input_len = input_len;
    blk->id = id;
    blk->name = name;
    blk->signature = signature;

#define agw_dr_type_is(k)                                                    \
    (type.len == sizeof(k) - 1 && memcmp(t, k, sizeof(k) - 1) == 0)

    if (agw_dr_type_is("text")) {
        if (text.v == NULL) {
            return AGW_DIRECT_DECLINED;     /* "text block without text" */
        }
        blk->kind = AGW_DR_TEXT;
        blk->text = text;
        msg->has_text = 1;

    } else if (agw_dr_type_is("tool_use")) {
        if (id.v == NULL || name.v == NULL) {
            return AGW_DIRECT_DECLINED;     /* "needs id and name" */
        }
        blk->kind = AGW_DR_TOOL_USE;
        msg->ncalls++;

    } else if (agw_dr_type_is("thinking")) {
        blk->kind = AGW_DR_THINKING;
        blk->text = thinking;
        msg->has_thinking_blocks = 1;
        if (thinking.v != NULL) {
            msg->has_reasoning = 1;
        }

    } else if (agw_dr_type_is("redacted_thinking")) {
        blk->kind = AGW_DR_REDACTED;
        blk->text = data;
        msg->has_thinking_blocks = 1;

    } else if (agw_dr_type_is("server_tool_use")
               || memmem(t, type.len, "_tool_result", 12) != NULL)
    {
        return 0;                       /* ran at Anthropic: dropped */

    } else {
        return AGW_DIRECT_DECLINED;     /* a block the hub cannot carry */
    }

#undef agw_dr_type_is

    msg->nblocks++;
    return 0;
}


/* A usage count as agw_ant_int() takes it: a JSON integer, not negative. */
static int
agw_dr_count(const agw_json_member_t *m, int64_t *v)
{
    agw_dj_number_t  n;

    if (m->type != AGW_JSON_NUMBER
        || agw_dj_number(m->value, m->value_len, &n) != 0
        || !n.integer || n.i < 0)
    {
        return 0;
    }

    *v = n.i;
    return 1;
}


/*
 * The normalised usage, as agw_ant_usage_fold() and agw_ant_usage_get()
 * make it (every field set anew).  Declines sums beyond int64, which the
 * jansson path would overflow.
 */
static int
agw_dr_usage(const agw_dr_top_t *top, agw_usage_t *u)
{
    int64_t            input, cr, cw, sum;
    unsigned           seen_input, seen_cr, seen_cw;
    agw_dj_iter_t      it, dit;
    agw_json_member_t  m, d;

    agw_usage_init(u);

    if (!top->has_usage || top->usage.type != AGW_JSON_OBJECT) {
        return 0;
    }

    input = cr = cw = 0;
    seen_input = seen_cr = seen_cw = 0;

    agw_dj_iter_init(&it, top->usage.value, top->usage.value_len);

    while (agw_dj_next(&it, &m)) {
        if (agw_dr_is(&m, "input_tokens")) {
            seen_input = agw_dr_count(&m, &input);

        } else if (agw_dr_is(&m, "cache_read_input_tokens")) {
            seen_cr = agw_dr_count(&m, &cr);

        } else if (agw_dr_is(&m, "cache_creation_input_tokens")) {
            seen_cw = agw_dr_count(&m, &cw);

        } else if (agw_dr_is(&m, "output_tokens")) {
            (void) agw_dr_count(&m, &u->output);

        } else if (agw_dr_is(&m, "output_tokens_details")
                   && m.type == AGW_JSON_OBJECT)
        {
            agw_dj_iter_init(&dit, m.value, m.value_len);
            while (agw_dj_next(&dit, &d)) {
                if (agw_dr_is(&d, "thinking_tokens")) {
                    (void) agw_dr_count(&d, &u->reasoning);
                }
            }
        }
    }

    if (seen_input || seen_cr || seen_cw) {
        if (__builtin_add_overflow(input, cr, &sum)
            || __builtin_add_overflow(sum, cw, &u->input))
        {
            return AGW_DIRECT_DECLINED;
        }
    }

    if (seen_cr) {
        u->cache_read = cr;
    }

    if (seen_cw) {
        u->cache_write = cw;
    }

    /* total_tokens is input + output */
    if (__builtin_add_overflow(u->input > 0 ? u->input : 0,
                               u->output > 0 ? u->output : 0, &sum))
    {
        return AGW_DIRECT_DECLINED;
    }

    return 0;
}


/* Whether s is UTF-8 that json_string() takes (the opts model). */
static int
agw_dr_utf8_valid(const char *s)
{
    size_t  i, n, len;

    len = strlen(s);

    for (i = 0; i < len; i += n) {
        n = (unsigned char) s[i] < 0x80 ? 1
                                        : agw_json_utf8_len(s + i, len - i);
        if (n == 0) {
            return 0;
        }
    }

    return 1;
}


static int
agw_dr_int(agw_buf_t *out, int64_t v)
{
    char      buf[24], *p;
    uint64_t  n;

    p = buf + sizeof(buf);
    n = v < 0 ? 0 : (uint64_t) v;       /* agw_json_set_int: never below 0 */

    do {
        *--p = (char) ('0' + n % 10);
        n /= 10;
    } while (n);

    return agw_buf_append(out, p, (size_t) (buf + sizeof(buf) - p));
}


/* The characters of a string value, quotes off: raw, still escaped. */
static int
agw_dr_inner(agw_buf_t *out, const agw_dr_str_t *s)
{
    return s->v ? agw_buf_append(out, s->v + 1, s->len - 2) : 0;
}


/* A string value as it came, or "" where agw_ant_str() gives NULL. */
static int
agw_dr_string(agw_buf_t *out, const agw_dr_str_t *s)
{
    return s->v ? agw_buf_append(out, s->v, s->len) : agw_dr_lit(out, "\"\"");
}


/*
 * Decoded string bytes as json_dumps() escapes them (quote, backslash,
 * \b \f \n \r \t, other controls as \u00XX in capitals, all else as it
 * is), escaped once more as the characters of the arguments string.
 */
static int
agw_dr_dump_chars(agw_buf_t *out, const char *s, size_t len)
{
    size_t          i, start;
    unsigned char   c;
    char            esc[8];
    const char     *rep;
    static const char  hex[] = "0123456789ABCDEF";

    start = 0;
    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }

        switch (c) {
        case '"':  rep = "\\\\\\\""; break;
        case '\\': rep = "\\\\\\\\"; break;
        case '\b': rep = "\\\\b"; break;
        case '\f': rep = "\\\\f"; break;
        case '\n': rep = "\\\\n"; break;
        case '\r': rep = "\\\\r"; break;
        case '\t': rep = "\\\\t"; break;
        default:
            memcpy(esc, "\\\\u00", 5);
            esc[5] = hex[c >> 4];
            esc[6] = hex[c & 0xf];
            esc[7] = '\0';
            rep = esc;
        }

        if (agw_buf_append(out, s + start, i - start) != 0
            || agw_buf_append_str(out, rep) != 0)
        {
            return -1;
        }

        start = i + 1;
    }

    return agw_buf_append(out, s + start, len - start);
}


/*
 * A tool_use input as agw_ant_tool_use_to_hub() makes the arguments:
 * json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY), which the jansson
 * path compares byte for byte, appended as the characters of a JSON
 * string.  v passed agw_dj_check_value(): numbers load, keys are plain
 * and distinct, so they print as they came.
 */
static int
agw_dr_dump(const char *v, size_t len, agw_buf_t *out, agw_buf_t *scratch)
{
    int                first;
    size_t             n;
    char               buf[64];
    json_t            *j;
    agw_dj_iter_t      it;
    agw_dj_number_t    num;
    agw_json_member_t  m;

    switch (*v) {

    case '{':
    case '[':
        if (agw_buf_append(out, v, 1) != 0) {
            return -1;
        }

        first = 1;
        agw_dj_iter_init(&it, v, len);

        while (agw_dj_next(&it, &m)) {
            if (!first && agw_dr_lit(out, ",") != 0) {
                return -1;
            }
            first = 0;

            if (m.key != NULL
                && (agw_dr_lit(out, "\\\"") != 0
                    || agw_buf_append(out, m.key, m.key_len) != 0
                    || agw_dr_lit(out, "\\\":") != 0))
            {
                return -1;
            }

            if (agw_dr_dump(m.value, m.value_len, out, scratch) != 0) {
                return -1;
            }
        }

        return agw_buf_append(out, *v == '{' ? "}" : "]", 1);

    case '"':
        if (agw_dr_lit(out, "\\\"") != 0) {
            return -1;
        }

        if (memchr(v, '\\', len) == NULL) {
            /* no escapes: no quote, backslash or control inside */
            if (agw_buf_append(out, v + 1, len - 2) != 0) {
                return -1;
            }

        } else {
            agw_buf_reset(scratch);
            if (agw_dj_append_unescaped(scratch, v, len) != 0
                || agw_dr_dump_chars(out, scratch->data, scratch->len) != 0)
            {
                return -1;
            }
        }

        return agw_dr_lit(out, "\\\"");

    case 't':
    case 'f':
    case 'n':
        return agw_buf_append(out, v, len);

    default:
        if (agw_dj_number(v, len, &num) != 0) {
            return -1;                  /* checked before: cannot be */
        }

        if (num.integer) {
            /* "%lld" prints what came, but -0 as 0 */
            return (len == 2 && v[0] == '-' && v[1] == '0')
                   ? agw_dr_lit(out, "0") : agw_buf_append(out, v, len);
        }

        /* jansson's own print of a real ("%.17g" and its touches): a
         * rare value in a tool input, not worth a second implementation */
        j = json_real(num.d);
        if (j == NULL) {
            return -1;
        }

        n = json_dumpb(j, buf, sizeof(buf), JSON_ENCODE_ANY);
        json_decref(j);

        if (n == 0 || n > sizeof(buf)) {
            return -1;
        }

        return agw_buf_append(out, buf, n);
    }
}


/*
 * The OpenAI response, in the order agw_ant_response_to_hub() packs the
 * hub (key order does not matter to a client; it eases reading).
 */
static int
agw_dr_write(const agw_dr_top_t *top, const agw_dr_message_t *msg,
    const agw_usage_t *u, const agw_response_opts_t *opts, agw_buf_t *out)
{
    int                    rc, first;
    size_t                 i;
    char                   stop[32];
    agw_buf_t              scratch = AGW_BUF_INIT;
    agw_dr_str_t           s;
    const char            *fr;
    const agw_dr_block_t  *b;

    fr = "stop";
    if (top->has_stop_reason && top->stop_reason.type == AGW_JSON_STRING) {
        if (memchr(top->stop_reason.value, '\\', top->stop_reason.value_len)
            != NULL)
        {
            return AGW_DIRECT_DECLINED;
        }

        /* longer than any known reason: "stop" as for any unknown one */
        if (top->stop_reason.value_len - 2 < sizeof(stop)) {
            memcpy(stop, top->stop_reason.value + 1,
                   top->stop_reason.value_len - 2);
            stop[top->stop_reason.value_len - 2] = '\0';
            fr = agw_ant_stop_to_hub(stop);
        }
    }

    if (agw_dr_lit(out, "{\"id\":") != 0) {
        return -1;
    }

    if (top->has_id) {
        agw_dr_str(&s, &top->id);
    } else {
        s.v = NULL;
    }

    if (agw_dr_string(out, &s) != 0
        || agw_dr_lit(out, ",\"object\":\"chat.completion\",\"created\":0,"
                      "\"model\":") != 0)
    {
        return -1;
    }

    if (opts && opts->model && opts->model[0] != '\0') {
        rc = agw_buf_append_json_string(out, opts->model,
                                        strlen(opts->model));
    } else {
        if (top->has_model) {
            agw_dr_str(&s, &top->model);
        } else {
            s.v = NULL;
        }
        rc = agw_dr_string(out, &s);
    }

    if (rc != 0
        || agw_dr_lit(out, ",\"choices\":[{\"index\":0,\"message\":"
                      "{\"role\":\"assistant\",\"content\":") != 0)
    {
        return -1;
    }

    /* content: the texts joined; null beside tool calls; else "" */
    if (msg->has_text) {
        if (agw_dr_lit(out, "\"") != 0) {
            return -1;
        }
        for (i = 0; i < msg->nblocks; i++) {
            if (msg->block[i].kind == AGW_DR_TEXT
                && agw_dr_inner(out, &msg->block[i].text) != 0)
            {
                return -1;
            }
        }
        rc = agw_dr_lit(out, "\"");

    } else if (msg->ncalls > 0) {
        rc = agw_dr_lit(out, "null");

    } else {
        rc = agw_dr_lit(out, "\"\"");
    }

    if (rc != 0) {
        return -1;
    }

    if (msg->ncalls > 0) {
        if (agw_dr_lit(out, ",\"tool_calls\":[") != 0) {
            return -1;
        }

        first = 1;
        for (i = 0; i < msg->nblocks; i++) {
            b = &msg->block[i];
            if (b->kind != AGW_DR_TOOL_USE) {
                continue;
            }

            if ((!first && agw_dr_lit(out, ",") != 0)
                || agw_dr_lit(out, "{\"id\":") != 0
                || agw_dr_string(out, &b->id) != 0
                || agw_dr_lit(out, ",\"type\":\"function\",\"function\":"
                              "{\"name\":") != 0
                || agw_dr_string(out, &b->name) != 0
                || agw_dr_lit(out, ",\"arguments\":\"") != 0)
            {
                goto nomem;
            }
            first = 0;

            if (b->input == NULL) {
                rc = agw_dr_lit(out, "{}");
            } else {
                rc = agw_dr_dump(b->input, b->input_len, out, &scratch);
            }

            if (rc != 0 || agw_dr_lit(out, "\"}}") != 0) {
                goto nomem;
            }
        }

        if (agw_dr_lit(out, "]") != 0) {
            goto nomem;
        }
    }

    if (msg->has_reasoning) {
        if (agw_dr_lit(out, ",\"reasoning_content\":\"") != 0) {
            goto nomem;
        }
        for (i = 0; i < msg->nblocks; i++) {
            if (msg->block[i].kind == AGW_DR_THINKING
                && agw_dr_inner(out, &msg->block[i].text) != 0)
            {
                goto nomem;
            }
        }
        if (agw_dr_lit(out, "\"") != 0) {
            goto nomem;
        }
    }

    if (msg->has_thinking_blocks) {
        if (agw_dr_lit(out, ",\"thinking_blocks\":[") != 0) {
            goto nomem;
        }

        first = 1;
        for (i = 0; i < msg->nblocks; i++) {
            b = &msg->block[i];

            if (b->kind == AGW_DR_THINKING) {
                rc = (!first && agw_dr_lit(out, ",") != 0)
                     || agw_dr_lit(out, "{\"type\":\"thinking\",\"thinking\":")
                        != 0
                     || agw_dr_string(out, &b->text) != 0
                     || agw_dr_lit(out, ",\"signature\":") != 0
                     || agw_dr_string(out, &b->signature) != 0
                     || agw_dr_lit(out, "}") != 0;

            } else if (b->kind == AGW_DR_REDACTED) {
                rc = (!first && agw_dr_lit(out, ",") != 0)
                     || agw_dr_lit(out, "{\"type\":\"redacted_thinking\","
                                   "\"data\":") != 0
                     || agw_dr_string(out, &b->text) != 0
                     || agw_dr_lit(out, "}") != 0;

            } else {
                continue;
            }

            if (rc != 0) {
                goto nomem;
            }
            first = 0;
        }

        if (agw_dr_lit(out, "]") != 0) {
            goto nomem;
        }
    }

    /* usage as agw_usage_to_openai() builds it */
    if (agw_dr_lit(out, "},\"finish_reason\":\"") != 0
        || agw_buf_append_str(out, fr) != 0
        || agw_dr_lit(out, "\"}],\"usage\":{\"prompt_tokens\":") != 0
        || agw_dr_int(out, u->input) != 0
        || agw_dr_lit(out, ",\"completion_tokens\":") != 0
        || agw_dr_int(out, u->output) != 0
        || agw_dr_lit(out, ",\"total_tokens\":") != 0
        || agw_dr_int(out, (u->input > 0 ? u->input : 0)
                           + (u->output > 0 ? u->output : 0)) != 0
        || agw_dr_lit(out, ",\"prompt_tokens_details\":{\"cached_tokens\":")
           != 0
        || agw_dr_int(out, u->cache_read) != 0)
    {
        goto nomem;
    }

    if (u->cache_write >= 0
        && (agw_dr_lit(out, ",\"cache_write_tokens\":") != 0
            || agw_dr_int(out, u->cache_write) != 0))
    {
        goto nomem;
    }

    if (agw_dr_lit(out, "},\"completion_tokens_details\":"
                   "{\"reasoning_tokens\":") != 0
        || agw_dr_int(out, u->reasoning) != 0
        || agw_dr_lit(out, "}}}") != 0)
    {
        goto nomem;
    }

    agw_buf_free(&scratch);
    return 0;

nomem:

    agw_buf_free(&scratch);
    return -1;
}


int
agw_direct_anthropic_to_openai_response(const char *body, size_t len,
    const agw_response_opts_t *opts, agw_buf_t *out, agw_usage_t *u)
{
    int                rc;
    size_t             start;
    agw_usage_t        usage;
    agw_dj_iter_t      it;
    agw_dr_top_t       top;
    agw_json_member_t  m;
    agw_dr_message_t   msg;

    memset(&top, 0, sizeof(top));

    /* invalid JSON, a number jansson refuses, an escaped top-level key */
    if (agw_json_scan(body, len, agw_dr_top_cb, &top, NULL) != 0) {
        return AGW_DIRECT_DECLINED;
    }

    if (!top.has_content || top.content.type != AGW_JSON_ARRAY) {
        return AGW_DIRECT_DECLINED;     /* "Anthropic response without
                                         * content": a 502 to give */
    }

    /* json_string() of a model that is not UTF-8 fails the jansson path */
    if (opts && opts->model && opts->model[0] != '\0'
        && !agw_dr_utf8_valid(opts->model))
    {
        return AGW_DIRECT_DECLINED;
    }

    msg.nblocks = 0;
    msg.ncalls = 0;
    msg.has_text = 0;
    msg.has_reasoning = 0;
    msg.has_thinking_blocks = 0;

    agw_dj_iter_init(&it, top.content.value, top.content.value_len);

    while (agw_dj_next(&it, &m)) {
        rc = agw_dr_block(&m, &msg);
        if (rc != 0) {
            return rc;
        }
    }

    rc = agw_dr_usage(&top, &usage);
    if (rc != 0) {
        return rc;
    }

    start = out->len;

    /* about the body's size: one allocation for the common case */
    if (agw_buf_reserve(out, len + 256) != 0) {
        return -1;
    }

    rc = agw_dr_write(&top, &msg, &usage, opts, out);
    if (rc != 0) {
        out->len = start;
        out->data[start] = '\0';
        return rc;
    }

    *u = usage;
    return 0;
}
