/*
 * OpenAI Chat Completions streams: the provider's chunks read into stream
 * steps, and steps written as chunks for an OpenAI client of another
 * provider.
 *
 * Reading: each chunk's first choice becomes blocks in the order its
 * delta carries them (reasoning, text, refusal, tool calls), one block
 * open at a time.  An OpenAI provider may interleave the argument
 * fragments of parallel tool calls (tool_calls[].index k, then j, then k
 * again); the step sequence may not.  So a call that starts while the
 * open call's arguments are not yet a whole JSON value is held (its id,
 * name and fragments copied into the read state, at most
 * AGW_OAI_MAX_HELD bytes in all) until they are, or until the answer
 * moves on (text, the finish, the end): then the held calls go out in
 * the order they came, each one block.  A provider that sends one call
 * after the other (every captured one) is never held.
 *
 * Writing: every chunk has the same envelope (one id for the whole
 * stream, created, the client's model, choice index 0), so it is made
 * once, at START, into the write state: a text delta is that prefix, the
 * text as it came and a fixed suffix.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_json_delta.h"
#include "agw_json_scan.h"
#include "oai_int.h"


/* Reading */

/* What a chunk holds, read in one pass; handled after it. */
typedef struct {
    agw_str_t    id;
    agw_str_t    model;
    int64_t      created;
    agw_str_t    content;
    agw_str_t    reasoning;
    agw_str_t    refusal;
    agw_str_t    calls;         /* tool_calls, its text */
    agw_str_t    thinking;      /* thinking_blocks, its text */
    agw_str_t    signature;     /* the delta's extra_content: a Gemini
                                   thought signature of its text */
    agw_str_t    finish;
    agw_str_t    error;         /* "error": its text */
    agw_usage_t  usage;
    int32_t      head;          /* where the first member that matters
                                   starts; -1: unknown */
    uint8_t      choice;        /* the first choice was there */
    uint8_t      reasoning_content;
    uint8_t      has_usage;
} agw_oai_chunk_t;


/*
 * The stream cannot go on: the error recorded where the engine wants it
 * (agw_stream_error_slot), and -1, after which the client gets the
 * writer's error event.
 */
static int
agw_oai_stream_fail(agw_xstream_t *s, const char *code, const char *fmt,
    const char *arg)
{
    agw_error_t  *err;

    ((agw_oai_rstate_t *) s->rstate)->done = 1;

    err = agw_stream_error_slot(s);
    if (err != NULL) {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, code, fmt, arg);
    }

    return -1;
}


static int
agw_oai_close(agw_xstream_t *s, agw_oai_rstate_t *rs)
{
    if (rs->open == AGW_OAI_BLOCK_NONE) {
        return 0;
    }

    rs->open = AGW_OAI_BLOCK_NONE;

    return agw_stream_bare_step(s, AGW_STEP_BLOCK_STOP, rs->index);
}


/* Opens a block of part's kind (the one open closed first). */
static int
agw_oai_open(agw_xstream_t *s, agw_oai_rstate_t *rs, int kind,
    const agw_part_t *part)
{
    agw_step_t  st;

    if (agw_oai_close(s, rs) != 0) {
        return -1;
    }

    memset(&st, 0, sizeof(agw_step_t));
    st.type = AGW_STEP_BLOCK_START;
    st.index = rs->next;
    st.created = -1;
    st.part = part;

    rs->index = rs->next++;
    rs->open = (uint8_t) kind;

    return agw_stream_step(s, &st);
}


/* A step of text (a DELTA, a SIGNATURE) for the block last opened. */
static int
agw_oai_delta(agw_xstream_t *s, agw_oai_rstate_t *rs, agw_step_type_t type,
    const agw_str_t *text)
{
    return agw_stream_text_step(s, type, rs->index, text);
}


/* Text into the open block of its kind, a new one when another is open. */
static int
agw_oai_text(agw_xstream_t *s, agw_oai_rstate_t *rs, int kind,
    agw_part_type_t type, const agw_str_t *text)
{
    agw_part_t  part;

    if (rs->open != kind) {
        memset(&part, 0, sizeof(agw_part_t));
        part.type = type;

        if (agw_oai_open(s, rs, kind, &part) != 0) {
            return -1;
        }
    }

    return text->len ? agw_oai_delta(s, rs, AGW_STEP_DELTA, text) : 0;
}


/*
 * Follows the live call's arguments far enough to tell when they form a
 * whole object or array.  The fragments are JSON string insides: an
 * escape stands for one character, a quote only when escaped.
 */
static void
agw_oai_args_track(agw_oai_rstate_t *rs, const char *p, size_t len)
{
    char         ch;
    size_t       i;
    unsigned     v;
    int          j;

    for (i = 0; i < len; i++) {
        ch = p[i];

        if (ch == '\\' && i + 1 < len) {
            ch = p[++i];

            if (ch == 'u' && i + 4 < len) {
                v = 0;
                for (j = 1; j <= 4; j++) {
                    ch = p[i + j];
                    v = v * 16 + (unsigned) (ch <= '9' ? ch - '0'
                                             : (ch | 0x20) - 'a' + 10);
                }
                i += 4;
                ch = v < 0x80 ? (char) v : 'x';

            } else if (ch == 'n' || ch == 't' || ch == 'r') {
                ch = ' ';

            } else if (ch != '"' && ch != '\\' && ch != '/') {
                ch = 'x';
            }

        } else if (ch == '"') {
            /* an unescaped quote cannot be in a string's inside */
            ch = 'x';
        }

        if (rs->in_str) {
            if (ch == '\\') {
                rs->in_str = 2;             /* the next one is escaped */
            } else if (rs->in_str == 2) {
                rs->in_str = 1;
            } else if (ch == '"') {
                rs->in_str = 0;
            }
            continue;
        }

        switch (ch) {
        case ' ': case '\t': case '\r': case '\n':
            break;
        case '{': case '[':
            rs->depth++;
            rs->args_done = 0;
            break;
        case '}': case ']':
            if (rs->depth > 0) {
                rs->depth--;
            }
            rs->args_done = (rs->depth == 0);
            break;
        case '"':
            rs->in_str = 1;
            /* fall through */
        default:
            rs->args_done = 0;
        }
    }
}


static int
agw_oai_args(agw_xstream_t *s, agw_oai_rstate_t *rs, const agw_str_t *args)
{
    if (args->len == 0) {
        return 0;
    }

    agw_oai_args_track(rs, args->data, args->len);

    return agw_oai_delta(s, rs, AGW_STEP_DELTA, args);
}


/* Starts call k's block; it becomes the live call. */
static int
agw_oai_tool_open(agw_xstream_t *s, agw_oai_rstate_t *rs, int32_t k,
    const agw_str_t *id, const agw_str_t *name, const agw_str_t *sig)
{
    agw_part_t  part;

    memset(&part, 0, sizeof(agw_part_t));
    part.type = AGW_PART_TOOL_CALL;
    part.args_string = 1;
    part.id = *id;
    part.name = *name;
    part.signature = *sig;

    if (agw_oai_open(s, rs, AGW_OAI_BLOCK_TOOL, &part) != 0) {
        return -1;
    }

    rs->seen |= (uint64_t) 1 << k;
    rs->live = k;
    rs->depth = 0;
    rs->in_str = 0;
    rs->args_done = 0;

    return 0;
}


static agw_oai_held_t *
agw_oai_held(agw_oai_rstate_t *rs, int32_t k)
{
    uint32_t  i;

    for (i = 0; i < rs->nheld; i++) {
        if (rs->held[i].k == k) {
            return &rs->held[i];
        }
    }

    return NULL;
}


/*
 * Sends held calls, oldest first: all of them (the answer moves on), or
 * while the live call's arguments are whole.  The last one sent stays
 * open.
 */
static int
agw_oai_release(agw_xstream_t *s, agw_oai_rstate_t *rs, int all)
{
    int              rc;
    agw_str_t        id, name, sig, args;
    agw_oai_held_t  *h;

    while (rs->nheld > 0
           && (all || rs->open != AGW_OAI_BLOCK_TOOL || rs->args_done))
    {
        h = &rs->held[0];

        id = (agw_str_t) { h->b.data, h->id_len, AGW_STR_JSON, 1 };
        name = (agw_str_t) { h->b.data + h->id_len, h->name_len,
                             AGW_STR_JSON, 1 };
        sig = (agw_str_t) { h->b.data + h->id_len + h->name_len, h->sig_len,
                            AGW_STR_JSON, 1 };
        args = (agw_str_t) { sig.data + h->sig_len,
                             (uint32_t) (h->b.len - h->id_len - h->name_len
                                         - h->sig_len),
                             AGW_STR_JSON, 1 };
        if (!h->has_id) {
            id.data = NULL;
        }
        if (!h->has_sig) {
            sig.data = NULL;
        }

        rc = agw_oai_tool_open(s, rs, h->k, &id, &name, &sig);
        if (rc == 0) {
            rc = agw_oai_args(s, rs, &args);
        }

        rs->held_bytes -= h->b.len;
        agw_buf_free(&h->b);
        rs->nheld--;
        memmove(&rs->held[0], &rs->held[1],
                rs->nheld * sizeof(agw_oai_held_t));

        if (rc != 0) {
            return -1;
        }
    }

    return 0;
}


/* Holds a fragment of call k (a new entry with its id, name and
 * signature when it is the call's first).  1 past the bound, 0, -1. */
static int
agw_oai_hold(agw_oai_rstate_t *rs, int32_t k, const agw_str_t *id,
    const agw_str_t *name, const agw_str_t *sig, const agw_str_t *args)
{
    size_t           before;
    agw_oai_held_t  *h;

    h = agw_oai_held(rs, k);

    if (h == NULL) {
        if (rs->held == NULL) {
            rs->held = calloc(AGW_OAI_MAX_TOOLS, sizeof(agw_oai_held_t));
            if (rs->held == NULL) {
                return -1;
            }
        }

        h = &rs->held[rs->nheld++];
        memset(h, 0, sizeof(agw_oai_held_t));
        h->k = k;
        h->has_id = agw_str_set(id);
        h->has_sig = agw_str_set(sig);
        h->id_len = id->len;
        h->name_len = name->len;
        h->sig_len = sig->len;

        /* storage even when all is empty: the slices point into it */
        if (agw_buf_reserve(&h->b, 64) != 0
            || (id->len && agw_buf_append(&h->b, id->data, id->len) != 0)
            || (name->len
                && agw_buf_append(&h->b, name->data, name->len) != 0)
            || (sig->len && agw_buf_append(&h->b, sig->data, sig->len) != 0))
        {
            return -1;
        }

        rs->held_bytes += h->b.len;
    }

    before = h->b.len;
    if (args->len && agw_buf_append(&h->b, args->data, args->len) != 0) {
        return -1;
    }
    rs->held_bytes += h->b.len - before;

    return rs->held_bytes > AGW_OAI_MAX_HELD ? 1 : 0;
}


static int
agw_oai_blank(const agw_str_t *s)
{
    uint32_t  i;

    for (i = 0; i < s->len; i++) {
        if (s->data[i] == '\\' && i + 1 < s->len
            && (s->data[i + 1] == 'n' || s->data[i + 1] == 't'
                || s->data[i + 1] == 'r'))
        {
            i++;
            continue;
        }

        if (s->data[i] != ' ') {
            return 0;
        }
    }

    return 1;
}


/* One element of a delta's tool_calls. */
typedef struct {
    int64_t    k;
    agw_str_t  id;
    agw_str_t  name;
    agw_str_t  args;
    agw_str_t  sig;
} agw_oai_call_t;


static int
agw_oai_read_call_delta(agw_oai_rctx_t *c, agw_jr_t *r, agw_oai_call_t *call)
{
    int        rc;
    agw_str_t  key;

    rc = agw_jr_object(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "tool_calls", rc);
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "index")) {
            rc = agw_jr_int(r, &call->k);

        } else if (agw_oai_is(&key, "id")) {
            rc = agw_jr_string(r, &call->id);
            if (rc == AGW_JR_TYPE) {
                rc = agw_jr_null(r);
            }

        } else if (agw_oai_is(&key, "function")
                   && agw_jr_peek(r) == AGW_JR_OBJECT)
        {
            rc = agw_jr_object(r);
            while (rc == 0 && (rc = agw_jr_member(r, &key)) == 1) {
                if (agw_oai_is(&key, "name")) {
                    rc = agw_jr_string(r, &call->name);
                } else if (agw_oai_is(&key, "arguments")) {
                    rc = agw_jr_string(r, &call->args);
                } else {
                    rc = agw_jr_value(r, NULL);
                }
                if (rc == AGW_JR_TYPE) {
                    rc = agw_jr_null(r);
                }
            }

        } else if (agw_oai_is(&key, "extra_content")) {
            /* a Gemini thought signature (Google's OpenAI endpoint) */
            if (agw_oai_read_extra(c, r, &call->sig) != 0) {
                return -1;
            }
            continue;

        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return agw_oai_fail(c, r, "tool_calls", rc);
        }
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, "tool_calls", rc);
}


/* A delta's tool_calls, each fragment to its block or held. */
static int
agw_oai_tools(agw_xstream_t *s, agw_oai_rstate_t *rs, agw_oai_rctx_t *c,
    const agw_str_t *calls)
{
    int             rc;
    int64_t         i;
    agw_jr_t        r;
    agw_oai_call_t  call;

    agw_jr_init(&r, calls->data, calls->len);

    if (agw_jr_array(&r) != 0) {
        return 1;
    }

    for (i = 0; (rc = agw_jr_element(&r)) == 1; i++) {
        memset(&call, 0, sizeof(agw_oai_call_t));
        call.k = i;

        if (agw_oai_read_call_delta(c, &r, &call) != 0) {
            return c->err->cls == AGW_ERR_NONE ? -1 : 1;
        }

        if (call.k < 0 || call.k >= AGW_OAI_MAX_TOOLS) {
            return agw_oai_stream_fail(s, "invalid_stream", "the upstream "
                                       "sent a tool call index past the "
                                       "%s the gateway follows", "64");
        }

        if (!agw_str_set(&call.args)) {
            call.args = (agw_str_t) { "", 0, AGW_STR_JSON, 0 };
        }

        if (rs->open == AGW_OAI_BLOCK_TOOL && rs->live == call.k) {
            if (agw_oai_args(s, rs, &call.args) != 0) {
                return -1;
            }

            if (agw_str_set(&call.sig)
                && agw_oai_delta(s, rs, AGW_STEP_SIGNATURE, &call.sig) != 0)
            {
                return -1;
            }

            continue;
        }

        if (rs->seen & ((uint64_t) 1 << call.k)) {
            /* its block ended when its arguments were whole: only blank
             * space may still come */
            if (agw_oai_blank(&call.args)) {
                continue;
            }

            return agw_oai_stream_fail(s, "invalid_stream", "the upstream "
                                       "sent arguments for a tool call "
                                       "after they were whole%s", "");
        }

        if (!agw_str_set(&call.name)) {
            call.name = (agw_str_t) { "", 0, AGW_STR_JSON, 0 };
        }

        if (agw_oai_held(rs, (int32_t) call.k) == NULL) {
            /* a new call: those before it go first */
            if (agw_oai_release(s, rs, 0) != 0) {
                return -1;
            }

            if (rs->nheld == 0
                && (rs->open != AGW_OAI_BLOCK_TOOL || rs->args_done))
            {
                if (agw_oai_tool_open(s, rs, (int32_t) call.k, &call.id,
                                      &call.name, &call.sig) != 0
                    || agw_oai_args(s, rs, &call.args) != 0)
                {
                    return -1;
                }
                continue;
            }
        }

        rc = agw_oai_hold(rs, (int32_t) call.k, &call.id, &call.name,
                          &call.sig, &call.args);
        if (rc < 0) {
            return -1;
        }

        if (rc == 1) {
            return agw_oai_stream_fail(s, "stream_too_large", "the upstream "
                                       "interleaved tool calls past the %s "
                                       "bytes the gateway holds", "4194304");
        }

        if (agw_oai_release(s, rs, 0) != 0) {
            return -1;
        }
    }

    return rc == 0 ? 0 : 1;
}


/* thinking_blocks in a delta (a gateway's own OpenAI stream): the
 * signature of the thinking block, and redacted blocks whole. */
static int
agw_oai_thinking_blocks(agw_xstream_t *s, agw_oai_rstate_t *rs,
    const agw_str_t *blocks, int text)
{
    int         rc;
    agw_jr_t    r;
    agw_str_t   key, type, thinking, sig, data;
    agw_part_t  part;

    agw_jr_init(&r, blocks->data, blocks->len);

    if (agw_jr_array(&r) != 0) {
        return 1;
    }

    while ((rc = agw_jr_element(&r)) == 1) {
        if (agw_jr_object(&r) != 0) {
            return 1;
        }

        type.data = NULL;
        thinking.data = NULL;
        sig.data = NULL;
        data.data = NULL;

        while ((rc = agw_jr_member(&r, &key)) == 1) {
            if (agw_oai_is(&key, "type")) {
                rc = agw_jr_string(&r, &type);
            } else if (agw_oai_is(&key, "thinking")) {
                rc = agw_jr_string(&r, &thinking);
            } else if (agw_oai_is(&key, "signature")) {
                rc = agw_jr_string(&r, &sig);
            } else if (agw_oai_is(&key, "data")) {
                rc = agw_jr_string(&r, &data);
            } else {
                rc = agw_jr_value(&r, NULL);
            }

            if (rc != 0) {
                return 1;
            }
        }

        if (rc < 0 || !agw_str_set(&type)) {
            return 1;
        }

        if (agw_oai_is(&type, "redacted_thinking") && agw_str_set(&data)) {
            memset(&part, 0, sizeof(agw_part_t));
            part.type = AGW_PART_REDACTED_THINKING;
            part.data = data;

            if (agw_oai_open(s, rs, AGW_OAI_BLOCK_OTHER, &part) != 0
                || agw_oai_close(s, rs) != 0)
            {
                return -1;
            }
            continue;
        }

        if (!agw_oai_is(&type, "thinking")) {
            continue;
        }

        if (text && agw_str_set(&thinking) && thinking.len > 0
            && agw_oai_text(s, rs, AGW_OAI_BLOCK_THINKING,
                            AGW_PART_THINKING, &thinking) != 0)
        {
            return -1;
        }

        if (agw_str_set(&sig) && sig.len > 0) {
            if (rs->open != AGW_OAI_BLOCK_THINKING) {
                memset(&part, 0, sizeof(agw_part_t));
                part.type = AGW_PART_THINKING;

                if (agw_oai_open(s, rs, AGW_OAI_BLOCK_THINKING, &part) != 0)
                {
                    return -1;
                }
            }

            if (agw_oai_delta(s, rs, AGW_STEP_SIGNATURE, &sig) != 0) {
                return -1;
            }
        }
    }

    return rc == 0 ? 0 : 1;
}


/* choices[i]: the first choice's delta and finish_reason; the others
 * (n > 1) have no place in one stream of blocks. */
static int
agw_oai_read_choice(agw_oai_rctx_t *c, agw_jr_t *r, agw_oai_chunk_t *ch)
{
    int        rc;
    int64_t    index;
    agw_str_t  key, finish, content, reasoning, refusal, calls, thinking;
    agw_str_t  sig;
    int        rcontent;

    index = 0;
    finish.data = NULL;
    content.data = NULL;
    reasoning.data = NULL;
    refusal.data = NULL;
    calls.data = NULL;
    thinking.data = NULL;
    sig.data = NULL;
    rcontent = 0;

    rc = agw_jr_object(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "choices", rc);
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "delta") && agw_jr_peek(r) == AGW_JR_OBJECT) {
            rc = agw_jr_object(r);

            while (rc == 0 && (rc = agw_jr_member(r, &key)) == 1) {
                if (agw_jr_peek(r) == AGW_JR_NULL) {
                    rc = agw_jr_null(r);

                } else if (agw_oai_is(&key, "content")) {
                    rc = agw_jr_string(r, &content);

                } else if (agw_oai_is(&key, "reasoning_content")) {
                    rc = agw_jr_string(r, &reasoning);
                    rcontent = 1;

                } else if (agw_oai_is(&key, "reasoning")
                           && agw_jr_peek(r) == AGW_JR_STRING)
                {
                    if (rcontent) {
                        rc = agw_jr_value(r, NULL);
                    } else {
                        rc = agw_jr_string(r, &reasoning);
                    }

                } else if (agw_oai_is(&key, "refusal")) {
                    rc = agw_jr_string(r, &refusal);

                } else if (agw_oai_is(&key, "tool_calls")) {
                    rc = agw_jr_value(r, &calls);

                } else if (agw_oai_is(&key, "thinking_blocks")) {
                    rc = agw_jr_value(r, &thinking);

                } else if (agw_oai_is(&key, "extra_content")) {
                    rc = agw_oai_read_extra(c, r, &sig);

                } else {
                    rc = agw_jr_value(r, NULL);
                }
            }

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

    if (index != 0 || ch->choice) {
        return 0;
    }

    ch->choice = 1;
    ch->finish = finish;
    ch->content = content;
    ch->reasoning = reasoning;
    ch->reasoning_content = (uint8_t) rcontent;
    ch->refusal = refusal;
    ch->calls = calls;
    ch->thinking = thinking;
    ch->signature = sig;

    return 0;
}


/* A chunk's members, from where the reader is in its object. */
static int
agw_oai_read_members(agw_oai_rctx_t *c, agw_jr_t *r, agw_oai_chunk_t *ch)
{
    int        rc;
    agw_str_t  key;

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (ch->head == 0
            && (agw_oai_is(&key, "choices") || agw_oai_is(&key, "usage")
                || agw_oai_is(&key, "error")))
        {
            /* the key's opening quote, when the key is in the bytes */
            ch->head = key.data > r->start && key.data < r->end
                       ? (int32_t) (key.data - 1 - r->start) : -1;
        }

        if (agw_oai_is(&key, "choices") && agw_jr_peek(r) == AGW_JR_ARRAY) {
            rc = agw_jr_array(r);
            while (rc == 0 && (rc = agw_jr_element(r)) == 1) {
                rc = agw_oai_read_choice(c, r, ch);
                if (rc != 0) {
                    return -1;
                }
            }

        } else if (agw_oai_is(&key, "id")
                   && agw_jr_peek(r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(r, &ch->id);

        } else if (agw_oai_is(&key, "model")
                   && agw_jr_peek(r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(r, &ch->model);

        } else if (agw_oai_is(&key, "created")
                   && agw_jr_peek(r) == AGW_JR_NUMBER)
        {
            rc = agw_jr_int(r, &ch->created);
            if (rc == AGW_JR_TYPE) {
                rc = agw_jr_value(r, NULL);
            }

        } else if (agw_oai_is(&key, "usage")) {
            if (agw_jr_peek(r) == AGW_JR_OBJECT) {
                ch->has_usage = 1;
            }
            if (agw_oai_read_usage(c, r, &ch->usage) != 0) {
                return -1;
            }
            rc = 0;

        } else if (agw_oai_is(&key, "error")
                   && agw_jr_peek(r) != AGW_JR_NULL)
        {
            /* the whole chunk is the error body */
            rc = agw_jr_value(r, NULL);
            ch->error.data = r->start;
            ch->error.len = (uint32_t) (r->end - r->start);

        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return agw_oai_fail(c, r, "", rc);
        }
    }

    if (rc < 0 || agw_jr_end(r) != 0) {
        return agw_oai_fail(c, r, "", -1);
    }

    return 0;
}


static int
agw_oai_read_chunk(agw_oai_rctx_t *c, agw_jr_t *r, agw_oai_chunk_t *ch)
{
    int  rc;

    rc = agw_jr_object(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "", rc);
    }

    return agw_oai_read_members(c, r, ch);
}


/*
 * The commonest chunks, a text delta or a tool call's, as OpenAI writes
 * them (or OpenAI-compatible servers, without the logprobs): after the
 * bytes they repeat, their choices are these bytes, the delta's one
 * member, and these.  Such a chunk is read without walking
 * them: the text or the calls are read (and validated) as the walk reads
 * them, and the members after the choices are walked as ever, so the
 * chunk is the one the walk would read, and as validated.  Any other
 * chunk is walked.
 */
static const char  agw_oai_delta_head[] = AGW_OAI_DELTA_HEAD;
static const char  agw_oai_delta_text[] = AGW_OAI_TEXT_KEY;
static const char  agw_oai_delta_calls[] = "\"tool_calls\":";
static const char  agw_oai_delta_tail[] =
    "},\"logprobs\":null,\"finish_reason\":null}]";
/* the same from servers that send no logprobs (OpenAI-compatible ones) */
static const char  agw_oai_delta_tail_bare[] =
    "},\"finish_reason\":null}]";
static const char  agw_oai_delta_usage[] = ",\"usage\":null";
static const char  agw_oai_delta_obf[] = ",\"obfuscation\":";

/* Whether the reader is at the n bytes of lit with a byte after them:
 * then past them. */
static int
agw_oai_at(agw_jr_t *r, const char *lit, size_t n)
{
    if ((size_t) (r->end - r->p) <= n || memcmp(r->p, lit, n) != 0) {
        return 0;
    }

    r->p += n;

    return 1;
}

#define agw_oai_at_lit(r, lit)  agw_oai_at(r, lit, sizeof(lit) - 1)


/*
 * The reader at a chunk's "choices" key: 1 when they are of that shape
 * (the text or the calls read as the walk reads them, by the reader's
 * mode), the reader then in the chunk's object after them; 0 when not.
 */
int
agw_oai_delta_choices(agw_jr_t *r, agw_str_t *text, agw_str_t *calls)
{
    if (!agw_oai_at_lit(r, agw_oai_delta_head)) {
        return 0;
    }

    if (agw_oai_at_lit(r, agw_oai_delta_text)) {
        if (*r->p != '"' || agw_jr_string(r, text) != 0) {
            return 0;
        }

    } else if (agw_oai_at_lit(r, agw_oai_delta_calls)) {
        if (*r->p != '[' || agw_jr_value(r, calls) != 0) {
            return 0;
        }

    } else {
        return 0;
    }

    if (!agw_oai_at_lit(r, agw_oai_delta_tail)
        && !agw_oai_at_lit(r, agw_oai_delta_tail_bare))
    {
        return 0;
    }

    r->depth = 1;

    return 1;
}


/*
 * After such choices, the members OpenAI sends with them: a null usage
 * (where it starts, its comma, in *usage, or (size_t) -1) and the
 * obfuscation's string, read as the walk reads it.  0, or -1 when that
 * is not a string.
 */
int
agw_oai_delta_after(agw_jr_t *r, size_t *usage)
{
    agw_str_t  obf;

    *usage = agw_jr_offset(r);

    if (!agw_oai_at_lit(r, agw_oai_delta_usage)) {
        *usage = (size_t) -1;
    }

    if (agw_oai_at_lit(r, agw_oai_delta_obf)
        && (*r->p != '"' || agw_jr_string(r, &obf) != 0))
    {
        return -1;
    }

    return 0;
}


static int
agw_oai_read_delta_chunk(agw_jr_t *r, const char *p, agw_oai_chunk_t *ch)
{
    size_t  usage;

    r->p = p;

    if (!agw_oai_delta_choices(r, &ch->content, &ch->calls)
        || agw_oai_delta_after(r, &usage) != 0)
    {
        return 0;
    }

    /* a null usage says nothing */
    ch->choice = 1;

    return 1;
}


/*
 * A text chunk, or the live tool call's arguments, that repeats the last
 * walked chunk's head: the bytes of the fast path above, but read without
 * the pull reader, the chunk's state or the member walk.  The head is
 * compared with the kept one, the text (or arguments) and the
 * obfuscation's string (random: a value that differs each chunk) scanned
 * as agw_jr_string() scans them, and the chunk must end at its closing
 * brace.  The same chunk the walk reads, with the same verdict and steps
 * (agw_oai_handle() and agw_oai_tools() for it); anything else (invalid
 * bytes included) is left to the walk.  1 when read, 0 when not, -1.
 */
static const char  agw_oai_repeat_text[] = AGW_OAI_TEXT_KEY "\"";
static const char  agw_oai_repeat_call[] = "\"tool_calls\":[{\"index\":";
static const char  agw_oai_repeat_args[] = ",\"function\":{\"arguments\":\"";

#define agw_oai_lit_len(lit)  (sizeof(lit) - 1)

/*
 * The chunk whose data starts at p, within end, read as above without a
 * side effect: at its closing brace (what follows it is the caller's to
 * judge), the text (or arguments) in *text and the live call's index in
 * *k (-1 for a text); or NULL.  [start, end) is readable (at p or
 * before).  Inline in both callers: *text and *k stay in registers, and
 * a call's frame cost as much as the parser's scans saved.
 */
static AGW_JSON_HOT const char *
agw_oai_repeat_scan(const agw_oai_rstate_t *rs, const char *p,
    const char *start, const char *end, agw_str_t *text, int32_t *k)
{
    int          esc;
    const char  *q, *at;

    if (!rs->started || rs->prefix_len == 0 || rs->done) {
        return NULL;
    }

    /* its least: the head, a text's quotes, the tail and the brace */
    if ((size_t) (end - p) < rs->prefix_len
                             + agw_oai_lit_len(agw_oai_delta_head)
                             + agw_oai_lit_len(agw_oai_repeat_text) + 1
                             + agw_oai_lit_len(agw_oai_delta_tail_bare) + 1
        || !agw_json_bytes_same(p, rs->prefix, rs->prefix_len))
    {
        return NULL;
    }

    p += rs->prefix_len;

    if (!agw_json_lit_eq(p, agw_oai_delta_head,
                         agw_oai_lit_len(agw_oai_delta_head)))
    {
        return NULL;
    }

    p += agw_oai_lit_len(agw_oai_delta_head);
    *k = -1;

    if (agw_json_lit_eq(p, agw_oai_repeat_text,
                        agw_oai_lit_len(agw_oai_repeat_text)))
    {
        p += agw_oai_lit_len(agw_oai_repeat_text) - 1;

    } else if (rs->open == AGW_OAI_BLOCK_TOOL
               && (size_t) (end - p) > agw_oai_lit_len(agw_oai_repeat_call)
                                       + 1
                                       + agw_oai_lit_len(agw_oai_repeat_args)
               && agw_json_lit_eq(p, agw_oai_repeat_call,
                                  agw_oai_lit_len(agw_oai_repeat_call)))
    {
        /* the live call's one-digit index, then only its arguments */
        p += agw_oai_lit_len(agw_oai_repeat_call);

        if (*p < '0' || *p > '9') {
            return NULL;
        }

        *k = *p - '0';

        if (*k != rs->live
            || !agw_json_lit_eq(p + 1, agw_oai_repeat_args,
                                agw_oai_lit_len(agw_oai_repeat_args)))
        {
            return NULL;
        }

        p += 1 + agw_oai_lit_len(agw_oai_repeat_args) - 1;

    } else {
        return NULL;
    }

    esc = 0;
    q = agw_json_string_scan(p, end, &esc, &at);
    if (q == NULL || (size_t) (q - p - 2) > UINT32_MAX) {
        return NULL;
    }

    text->data = p + 1;
    text->len = (uint32_t) (q - p - 2);
    text->kind = AGW_STR_JSON;
    text->escaped = (uint8_t) esc;

    p = q;

    if (*k >= 0) {
        /* the call's object and the calls' array closed */
        if (end - p < 3 || p[0] != '}' || p[1] != '}' || p[2] != ']') {
            return NULL;
        }

        p += 3;
    }

    if ((size_t) (end - p) > agw_oai_lit_len(agw_oai_delta_tail)
        && agw_json_lit_eq(p, agw_oai_delta_tail,
                           agw_oai_lit_len(agw_oai_delta_tail)))
    {
        p += agw_oai_lit_len(agw_oai_delta_tail);

    } else if ((size_t) (end - p) > agw_oai_lit_len(agw_oai_delta_tail_bare)
               && agw_json_lit_eq(p, agw_oai_delta_tail_bare,
                                  agw_oai_lit_len(agw_oai_delta_tail_bare)))
    {
        p += agw_oai_lit_len(agw_oai_delta_tail_bare);

    } else {
        return NULL;
    }

    if ((size_t) (end - p) > agw_oai_lit_len(agw_oai_delta_usage)
        && agw_json_lit_eq(p, agw_oai_delta_usage,
                           agw_oai_lit_len(agw_oai_delta_usage)))
    {
        p += agw_oai_lit_len(agw_oai_delta_usage);
    }

    if ((size_t) (end - p) > agw_oai_lit_len(agw_oai_delta_obf) + 1
        && agw_json_lit_eq(p, agw_oai_delta_obf,
                           agw_oai_lit_len(agw_oai_delta_obf))
        && p[agw_oai_lit_len(agw_oai_delta_obf)] == '"')
    {
        /* the feed's bytes go on past it (the next events): scanned in
         * place, inline; an event's data ends a few bytes after it */
        p += agw_oai_lit_len(agw_oai_delta_obf);
        p = end - p > 32 ? agw_json_string_scan(p, end, &esc, &at)
                         : agw_json_string_scan_last(p, start, end, &esc, &at);
        if (p == NULL) {
            return NULL;
        }
    }

    return p < end && *p == '}' ? p : NULL;
}


/* What agw_oai_tools() or agw_oai_handle() do with such a chunk: 1, or
 * -1. */
static AGW_JSON_HOT int
agw_oai_repeat_take(agw_xstream_t *s, agw_oai_rstate_t *rs, int32_t k,
    const agw_str_t *text)
{
    if (k >= 0) {
        /* agw_oai_tools() on the live call's fragment */
        return agw_oai_args(s, rs, text) != 0 ? -1 : 1;
    }

    /* agw_oai_handle() on a text: the START is out */
    if (text->len == 0) {
        return 1;
    }

    /* held calls are rare: their loop not called for each text */
    if ((rs->nheld > 0 && agw_oai_release(s, rs, 1) != 0)
        || agw_oai_text(s, rs, AGW_OAI_BLOCK_TEXT, AGW_PART_TEXT, text)
           != 0)
    {
        return -1;
    }

    return 1;
}


int
agw_oai_read_repeat(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int32_t            k;
    agw_str_t          text;
    const char        *q, *end;
    agw_oai_rstate_t  *rs;

    rs = s->rstate;
    end = ev->data + ev->data_len;

    /* the chunk ends at its closing brace */
    q = agw_oai_repeat_scan(rs, ev->data, ev->data, end, &text, &k);
    if (q == NULL || q + 1 != end) {
        return 0;
    }

    return agw_oai_repeat_take(s, rs, k, &text);
}


/*
 * Such a chunk as the feed holds it, before the SSE parser: "data: "
 * DATA "\n\n", which the parser would hand read_event as the same data.
 * DATA holds no CR nor LF: its head is the kept one's bytes (from data
 * the engine gave on one line: agw_stream_one_line()), its strings'
 * scans refuse raw control bytes, and its other bytes are literals; the
 * scans find where it ends, so no LF is looked for.  Anything else (the
 * [DONE] too) is the parser's (0).
 */
size_t
agw_oai_read_bytes(agw_xstream_t *s, const char *p, size_t len, int *rc)
{
    int32_t            k;
    agw_str_t          text;
    const char        *q, *end;
    agw_oai_rstate_t  *rs;

    rs = s->rstate;
    end = p + len;

    if (len < 6 || memcmp(p, "data: ", 6) != 0) {
        return 0;
    }

    q = agw_oai_repeat_scan(rs, p + 6, p, end, &text, &k);
    if (q == NULL || end - q < 3 || q[1] != '\n' || q[2] != '\n') {
        return 0;
    }

    *rc = agw_oai_repeat_take(s, rs, k, &text) < 0 ? -1 : 0;

    return (size_t) (q + 3 - p);
}


static int
agw_oai_start(agw_xstream_t *s, agw_oai_rstate_t *rs,
    const agw_oai_chunk_t *ch)
{
    agw_step_t  st;

    if (rs->started) {
        return 0;
    }

    rs->started = 1;

    memset(&st, 0, sizeof(agw_step_t));
    st.type = AGW_STEP_START;
    st.created = -1;

    if (ch != NULL) {
        st.id = ch->id;
        st.model = ch->model;
        st.created = ch->created > 0 ? ch->created : -1;
    }

    return agw_stream_step(s, &st);
}


/* The end of the answer: held calls out, the open block closed. */
static int
agw_oai_settle(agw_xstream_t *s, agw_oai_rstate_t *rs)
{
    if (agw_oai_release(s, rs, 1) != 0) {
        return -1;
    }

    return agw_oai_close(s, rs);
}


static int
agw_oai_handle(agw_xstream_t *s, agw_oai_rstate_t *rs, agw_oai_rctx_t *c,
    agw_oai_chunk_t *ch)
{
    int           rc;
    agw_str_t     empty;
    agw_step_t    st;
    agw_error_t  *err;

    if (agw_str_set(&ch->error)) {
        /* a mid-stream {"error": {...}}: the provider's message and
         * class */
        rs->done = 1;

        err = agw_stream_error_slot(s);
        if (err == NULL) {
            return -1;
        }

        memset(err, 0, sizeof(agw_error_t));
        agw_oai_read_error(ch->error.data, ch->error.len, err);
        if (err->cls == AGW_ERR_NONE) {
            err->cls = AGW_ERR_SERVER;
        }
        err->status = agw_error_status(err->cls);
        if (err->message[0] == '\0') {
            (void) snprintf(err->message, sizeof(err->message),
                            "the openai upstream reported an error "
                            "mid-stream");
        }

        return -1;
    }

    if (ch->choice) {
        if (agw_oai_start(s, rs, ch) != 0) {
            return -1;
        }

        if (agw_str_set(&ch->reasoning) && ch->reasoning.len > 0) {
            if (agw_oai_release(s, rs, 1) != 0
                || agw_oai_text(s, rs, AGW_OAI_BLOCK_THINKING,
                                AGW_PART_THINKING, &ch->reasoning) != 0)
            {
                return -1;
            }
        }

        if (agw_str_set(&ch->thinking)) {
            rc = agw_oai_release(s, rs, 1);
            if (rc == 0) {
                rc = agw_oai_thinking_blocks(s, rs, &ch->thinking,
                                             !agw_str_set(&ch->reasoning));
            }
            if (rc != 0) {
                return rc < 0 ? -1 : agw_oai_stream_fail(s, "invalid_stream",
                    "the openai upstream sent invalid thinking_blocks%s", "");
            }
        }

        if (agw_str_set(&ch->content) && ch->content.len > 0) {
            if (agw_oai_release(s, rs, 1) != 0
                || agw_oai_text(s, rs, AGW_OAI_BLOCK_TEXT, AGW_PART_TEXT,
                                &ch->content) != 0)
            {
                return -1;
            }
        }

        if (agw_str_set(&ch->refusal) && ch->refusal.len > 0) {
            if (agw_oai_release(s, rs, 1) != 0
                || agw_oai_text(s, rs, AGW_OAI_BLOCK_REFUSAL,
                                AGW_PART_REFUSAL, &ch->refusal) != 0)
            {
                return -1;
            }
        }

        if (agw_str_set(&ch->signature)) {
            /* the signature of the text (or thinking) just streamed */
            if (rs->open != AGW_OAI_BLOCK_TEXT
                && rs->open != AGW_OAI_BLOCK_THINKING)
            {
                empty = (agw_str_t) { "", 0, AGW_STR_JSON, 0 };
                if (agw_oai_release(s, rs, 1) != 0
                    || agw_oai_text(s, rs, AGW_OAI_BLOCK_TEXT,
                                    AGW_PART_TEXT, &empty) != 0)
                {
                    return -1;
                }
            }

            if (agw_oai_delta(s, rs, AGW_STEP_SIGNATURE, &ch->signature)
                != 0)
            {
                return -1;
            }
        }

        if (agw_str_set(&ch->calls)) {
            rc = agw_oai_tools(s, rs, c, &ch->calls);
            if (rc != 0) {
                return rc < 0 ? -1 : agw_oai_stream_fail(s, "invalid_stream",
                    "the openai upstream sent invalid tool_calls%s", "");
            }
            if (rs->done) {
                return 0;
            }
        }

        if (agw_str_set(&ch->finish)) {
            if (agw_oai_settle(s, rs) != 0) {
                return -1;
            }

            memset(&st, 0, sizeof(agw_step_t));
            st.type = AGW_STEP_FINISH;
            st.created = -1;
            st.finish = agw_oai_finish_of(&ch->finish);

            if (agw_stream_step(s, &st) != 0) {
                return -1;
            }
        }
    }

    if (ch->has_usage) {
        if (agw_oai_start(s, rs, ch) != 0) {
            return -1;
        }

        memset(&st, 0, sizeof(agw_step_t));
        st.type = AGW_STEP_USAGE;
        st.created = -1;
        st.usage = &ch->usage;

        return agw_stream_step(s, &st);
    }

    return 0;
}


int
agw_oai_read_event(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int  rc;

    rc = agw_oai_read_repeat(s, ev);
    if (rc != 0) {
        return rc < 0 ? -1 : 0;
    }

    return agw_oai_read_walk(s, ev);
}


int
agw_oai_read_walk(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int                rc, skip;
    size_t             n;
    agw_jr_t           r;
    agw_error_t        err;
    agw_oai_chunk_t    ch;
    agw_oai_rctx_t     c;
    agw_oai_rstate_t  *rs;

    rs = s->rstate;

    if (rs->done) {
        /* bytes after the end: the answer is whole */
        return 0;
    }

    if (ev->data_len == 6 && memcmp(ev->data, "[DONE]", 6) == 0) {
        rs->done = 1;

        if (agw_oai_start(s, rs, NULL) != 0
            || agw_oai_settle(s, rs) != 0)
        {
            return -1;
        }

        return agw_stream_bare_step(s, AGW_STEP_END, 0);
    }

    memset(&ch, 0, sizeof(agw_oai_chunk_t));
    agw_usage_init(&ch.usage);
    ch.created = -1;

    /* only an error fills it: the class says whether one did */
    err.cls = AGW_ERR_NONE;
    c.arena = s->arena;
    c.err = &err;
    c.provider = 1;
    agw_oai_path_reset(&c);

    /*
     * The chunks of one answer repeat their first members (id, object,
     * created, model, system_fingerprint), which matter only to the
     * START.  When a chunk begins with the bytes the last one had before
     * its first member that matters, those bytes were validated then and
     * say nothing new: the walk goes on from the comma after them, where
     * the last chunk's walk was then.
     */
    skip = rs->started && rs->prefix_len > 0
           && ev->data_len > rs->prefix_len
           && agw_json_bytes_same(ev->data, rs->prefix, rs->prefix_len);

    agw_jr_init(&r, ev->data, ev->data_len);

    if (skip && agw_oai_read_delta_chunk(&r, ev->data + rs->prefix_len, &ch))
    {
        rc = agw_oai_read_members(&c, &r, &ch);

    } else if (skip) {
        agw_jr_init(&r, ev->data, ev->data_len);
        memset(&ch, 0, sizeof(agw_oai_chunk_t));
        agw_usage_init(&ch.usage);
        ch.created = -1;

        r.p = ev->data + rs->prefix_comma;
        r.depth = 1;
        rc = agw_oai_read_members(&c, &r, &ch);

    } else {
        rc = agw_oai_read_chunk(&c, &r, &ch);
    }

    if (rc != 0) {
        if (err.cls == AGW_ERR_NONE) {
            return -1;
        }

        return agw_oai_stream_fail(s, "invalid_stream", "%s", err.message);
    }

    if (agw_oai_handle(s, rs, &c, &ch) != 0) {
        return -1;
    }

    if (!skip && rs->started && ch.head > 16
        && ch.head <= AGW_OAI_PREFIX_MAX)
    {
        if (rs->prefix == NULL) {
            rs->prefix = malloc(AGW_OAI_PREFIX_MAX);
            if (rs->prefix == NULL) {
                return -1;
            }
        }

        memcpy(rs->prefix, ev->data, (size_t) ch.head);
        rs->prefix_len = (uint32_t) ch.head;

        /* the comma before that member (the walk resumes there), or
         * past the brace when it is the first */
        for (n = (size_t) ch.head - 1;
             ev->data[n] != ',' && ev->data[n] != '{';
             n--)
        {
            /* white space */
        }

        rs->prefix_comma = (uint16_t) (n + (ev->data[n] == '{'));
    }

    return 0;
}


void
agw_oai_free_read_state(void *state)
{
    uint32_t           i;
    agw_oai_rstate_t  *rs;

    rs = state;

    for (i = 0; i < rs->nheld; i++) {
        agw_buf_free(&rs->held[i].b);
    }

    free(rs->held);
    rs->held = NULL;
    rs->nheld = 0;
    rs->held_bytes = 0;

    free(rs->prefix);
    rs->prefix = NULL;
    rs->prefix_len = 0;
}


/* Writing */

/* Bytes of a literal appended outside the writer's structure. */
#define agw_oai_append(w, lit)  agw_jw_append((w), (lit), sizeof(lit) - 1)


static const char  agw_oai_suffix[] = "},\"finish_reason\":null}]}\n\n";
static const char  agw_oai_args_key[] = ",\"function\":{\"arguments\":\"";


/* A string's characters between quotes the caller writes. */
static void
agw_oai_inside(agw_jw_t *w, const agw_str_t *s)
{
    if (s->kind == AGW_STR_JSON) {
        agw_jw_append(w, s->data, s->len);
    } else if (s->kind == AGW_STR_VALUE) {
        agw_jw_value_inside(w, s);
    } else {
        agw_jw_escape(w, s->data, s->len);
    }
}


/*
 * The envelope every chunk shares, made once: the provider's id (else
 * one of ours), created from the provider, else the caller's, the model
 * the client asked for.
 */
static int
agw_oai_prefix(agw_xstream_t *s, agw_oai_wstate_t *ws, const agw_step_t *st)
{
    agw_jw_t          w;
    int64_t           created;
    const agw_str_t  *model;

    created = st != NULL && st->created > 0 ? st->created : s->opts.created;
    model = agw_str_set(&s->opts.model) && s->opts.model.len > 0
            ? &s->opts.model : st != NULL ? &st->model : &s->opts.model;

    agw_jw_init(&w, &ws->prefix);
    agw_oai_append(&w, "data: ");
    agw_jw_object(&w);
    agw_jw_key(&w, "id");
    if (st != NULL && agw_str_set(&st->id) && st->id.len > 0
        && st->id.len < 256)
    {
        agw_jw_str(&w, &st->id);
    } else {
        agw_oai_lit(&w, "chatcmpl-gateway");
    }
    agw_jw_key(&w, "object");
    agw_oai_lit(&w, "chat.completion.chunk");
    agw_jw_key(&w, "created");
    agw_jw_int(&w, created > 0 ? created : 0);
    agw_jw_key(&w, "model");
    if (agw_str_set(model)) {
        agw_jw_str(&w, model);
    } else {
        agw_oai_lit(&w, "");
    }

    ws->envelope = (uint32_t) ws->prefix.len;

    agw_oai_append(&w, ",\"choices\":[{\"index\":0,\"delta\":{");

    return w.failed ? -1 : 0;
}


static void
agw_oai_chunk_begin(agw_xstream_t *s, agw_oai_wstate_t *ws)
{
    agw_jw_append(&s->w, ws->prefix.data, ws->prefix.len);
}


static void
agw_oai_chunk_end(agw_xstream_t *s)
{
    agw_jw_append(&s->w, agw_oai_suffix, sizeof(agw_oai_suffix) - 1);
    agw_jw_reset_state(&s->w);
}


/* "tool_calls":[{"index":K, then the caller's members, then "}]" */
static void
agw_oai_call_begin(agw_jw_t *w, int32_t k)
{
    agw_oai_append(w, "\"tool_calls\":[{\"index\":");
    agw_jw_reset_state(w);
    agw_jw_int(w, k);
    agw_jw_reset_state(w);
}


/*
 * The open block's delta around its text, made when the block starts:
 * the envelope and key before it (ws->head; a call's index, call >= 0,
 * written before the key), what closes the chunk after it (ws->tail).
 * So each delta is a reserve and three copies.
 */
static void
agw_oai_delta_form(agw_xstream_t *s, agw_oai_wstate_t *ws, int32_t call,
    const char *key, size_t key_len, const char *tail, size_t tail_len)
{
    agw_jw_t  hw;

    ws->head.len = 0;

    agw_jw_init(&hw, &ws->head);
    agw_jw_append(&hw, ws->prefix.data, ws->prefix.len);
    if (call >= 0) {
        agw_oai_call_begin(&hw, call);
    }
    agw_jw_append(&hw, key, key_len);

    /* agw_jw_delta() copies more than a short head's bytes */
    if (hw.failed || agw_jw_delta_head_room(&ws->head) != 0) {
        s->w.failed = 1;
    }

    /* the suffix's NUL, and the padding's, end the chunk's bytes */
    memset(ws->tail, 0, sizeof(ws->tail));
    memcpy(ws->tail, tail, tail_len);
    memcpy(ws->tail + tail_len, agw_oai_suffix, sizeof(agw_oai_suffix));
    ws->tail_len = (uint8_t) (tail_len + sizeof(agw_oai_suffix) - 1);
}


/* A delta's text to escape (or a VALUE's): by the writer, a call a piece
 * (kept apart from agw_oai_chunk_text(), so that it saves no registers
 * for these calls). */
static __attribute__((noinline)) int
agw_oai_chunk_escaped(agw_xstream_t *s, agw_oai_wstate_t *ws,
    const agw_str_t *text)
{
    agw_jw_t  *w;

    w = &s->w;

    agw_jw_append(w, ws->head.data, ws->head.len);
    agw_oai_inside(w, text);
    agw_jw_append(w, ws->tail, ws->tail_len);
    agw_jw_reset_state(w);

    return w->failed ? -1 : 0;
}


/*
 * A delta of the open block (content, refusal, a call's arguments): its
 * head, the text, its tail.  A text already JSON (every provider's reader
 * gives its deltas so) is one reserve and three copies of mostly constant
 * sizes (agw_jw_delta()), not a writer's call per piece: it is nearly
 * every chunk an OpenAI client gets.  The writer's state is left as it
 * is: every chunk ends with it reset (agw_oai_chunk_end()), and these
 * bytes are appended outside it.  0, or -1 when the writer failed.
 */
static AGW_JSON_HOT int
agw_oai_chunk_text(agw_xstream_t *s, agw_oai_wstate_t *ws,
    const agw_str_t *text)
{
    if (text->kind != AGW_STR_JSON) {
        return agw_oai_chunk_escaped(s, ws, text);
    }

    return agw_jw_delta(&s->w, ws->head.data, ws->head.len, text, ws->tail,
                        ws->tail_len, sizeof(ws->tail));
}


static int
agw_oai_write_start(agw_xstream_t *s, agw_oai_wstate_t *ws,
    const agw_step_t *st)
{
    if (ws->prefix.len == 0 && agw_oai_prefix(s, ws, st) != 0) {
        return -1;
    }

    /* the role goes with the first delta, as OpenAI sends it */
    agw_oai_chunk_begin(s, ws);
    agw_oai_append(&s->w, "\"role\":\"assistant\",\"content\":\"\"");
    agw_oai_chunk_end(s);

    return 0;
}


static void
agw_oai_write_block_start(agw_xstream_t *s, agw_oai_wstate_t *ws,
    const agw_step_t *st)
{
    agw_jw_t          *w;
    const agw_part_t  *p;

    w = &s->w;
    p = st->part;

    switch (p->type) {

    case AGW_PART_TEXT:
        ws->block = AGW_OAI_BLOCK_TEXT;
        agw_oai_delta_form(s, ws, -1, "\"content\":\"",
                           sizeof("\"content\":\"") - 1, "\"", 1);
        break;

    case AGW_PART_THINKING:
        ws->block = AGW_OAI_BLOCK_THINKING;
        break;

    case AGW_PART_REFUSAL:
        ws->block = AGW_OAI_BLOCK_REFUSAL;
        agw_oai_delta_form(s, ws, -1, "\"refusal\":\"",
                           sizeof("\"refusal\":\"") - 1, "\"", 1);
        break;

    case AGW_PART_TOOL_CALL:
        ws->block = AGW_OAI_BLOCK_TOOL;
        ws->tool = ws->tools++;
        agw_oai_delta_form(s, ws, ws->tool, agw_oai_args_key,
                           sizeof(agw_oai_args_key) - 1, "\"}}]", 4);

        agw_oai_chunk_begin(s, ws);
        agw_oai_call_begin(w, ws->tool);
        agw_oai_append(w, ",\"id\":\"");
        if (agw_str_set(&p->id)) {
            agw_oai_inside(w, &p->id);
        }
        agw_oai_append(w, "\",\"type\":\"function\",\"function\":{\"name\":\"");
        agw_oai_inside(w, &p->name);
        agw_oai_append(w, "\",\"arguments\":\"\"}");

        if (agw_str_set(&p->signature)) {
            agw_oai_append(w, ",\"extra_content\":{\"google\":"
                          "{\"thought_signature\":\"");
            agw_oai_inside(w, &p->signature);
            agw_oai_append(w, "\"}}");
        }

        agw_oai_append(w, "}]");
        agw_oai_chunk_end(s);
        break;

    case AGW_PART_REDACTED_THINKING:
        ws->block = AGW_OAI_BLOCK_OTHER;

        agw_oai_chunk_begin(s, ws);
        agw_oai_append(w, "\"thinking_blocks\":[{\"type\":\"redacted_thinking\","
                      "\"data\":\"");
        agw_oai_inside(w, &p->data);
        agw_oai_append(w, "\"}]");
        agw_oai_chunk_end(s);
        break;

    default:
        /* a block OpenAI has no delta for */
        ws->block = AGW_OAI_BLOCK_OTHER;
    }
}


static void
agw_oai_write_delta(agw_xstream_t *s, agw_oai_wstate_t *ws,
    const agw_step_t *st)
{
    agw_jw_t  *w;

    w = &s->w;

    /* a text's, a refusal's and a call's deltas went by
     * agw_oai_chunk_text() (agw_oai_write_step) */
    switch (ws->block) {

    case AGW_OAI_BLOCK_THINKING:
        agw_oai_chunk_begin(s, ws);
        agw_oai_append(w, "\"reasoning_content\":\"");
        agw_oai_inside(w, &st->text);
        agw_oai_append(w, "\",\"thinking_blocks\":[{\"type\":\"thinking\","
                      "\"thinking\":\"");
        agw_oai_inside(w, &st->text);
        agw_oai_append(w, "\"}]");
        agw_oai_chunk_end(s);
        break;

    default:
        break;
    }
}


static void
agw_oai_write_signature(agw_xstream_t *s, agw_oai_wstate_t *ws,
    const agw_step_t *st)
{
    agw_jw_t  *w;

    w = &s->w;

    if (ws->block == AGW_OAI_BLOCK_THINKING) {
        agw_oai_chunk_begin(s, ws);
        agw_oai_append(w, "\"thinking_blocks\":[{\"type\":\"thinking\","
                      "\"thinking\":\"\",\"signature\":\"");
        agw_oai_inside(w, &st->text);
        agw_oai_append(w, "\"}]");
        agw_oai_chunk_end(s);

    } else if (ws->block == AGW_OAI_BLOCK_TEXT) {
        /* a Gemini thought signature of the text: on the delta, where
         * Google's OpenAI endpoint puts it */
        agw_oai_chunk_begin(s, ws);
        agw_oai_append(w, "\"extra_content\":{\"google\":"
                       "{\"thought_signature\":\"");
        agw_oai_inside(w, &st->text);
        agw_oai_append(w, "\"}}");
        agw_oai_chunk_end(s);

    } else if (ws->block == AGW_OAI_BLOCK_TOOL) {
        agw_oai_chunk_begin(s, ws);
        agw_oai_call_begin(w, ws->tool);
        agw_oai_append(w, ",\"extra_content\":{\"google\":"
                      "{\"thought_signature\":\"");
        agw_oai_inside(w, &st->text);
        agw_oai_append(w, "\"}}}]");
        agw_oai_chunk_end(s);
    }
}


/* Every step but a delta of a block with its head made (kept out of
 * agw_oai_write_step(): see there). */
static __attribute__((noinline)) int
agw_oai_other_step(agw_xstream_t *s, agw_oai_wstate_t *ws,
    const agw_step_t *st)
{
    const char  *name;

    if (ws->done) {
        return 0;
    }

    if (st->type == AGW_STEP_START) {
        if (agw_oai_write_start(s, ws, st) != 0) {
            return -1;
        }
        return s->w.failed ? -1 : 0;
    }

    if (ws->prefix.len == 0 && agw_oai_write_start(s, ws, NULL) != 0) {
        return -1;
    }

    switch (st->type) {

    case AGW_STEP_BLOCK_START:
        agw_oai_write_block_start(s, ws, st);
        break;

    case AGW_STEP_DELTA:
        agw_oai_write_delta(s, ws, st);
        break;

    case AGW_STEP_SIGNATURE:
        agw_oai_write_signature(s, ws, st);
        break;

    case AGW_STEP_BLOCK_STOP:
        ws->block = AGW_OAI_BLOCK_NONE;
        break;

    case AGW_STEP_FINISH:
        name = agw_oai_finish_name(st->finish);
        agw_oai_chunk_begin(s, ws);
        agw_oai_append(&s->w, "},\"finish_reason\":\"");
        agw_jw_append(&s->w, name, strlen(name));
        agw_oai_append(&s->w, "\"}]}\n\n");
        agw_jw_reset_state(&s->w);
        break;

    default:
        /* usage waits for the end; END and ERROR are the engine's */
        break;
    }

    return s->w.failed ? -1 : 0;
}


int
agw_oai_write_step(agw_xstream_t *s, const agw_step_t *st)
{
    agw_oai_wstate_t  *ws;

    ws = s->wstate;

    /* nearly every step: a delta of the open block that has its head
     * and tail made (content, refusal, a call's arguments); the other
     * steps in a function of their own, so that their registers are not
     * saved for it */
    if (st->type == AGW_STEP_DELTA && !ws->done
        && (ws->block == AGW_OAI_BLOCK_TEXT
            || ws->block == AGW_OAI_BLOCK_REFUSAL
            || ws->block == AGW_OAI_BLOCK_TOOL))
    {
        return agw_oai_chunk_text(s, ws, &st->text);
    }

    return agw_oai_other_step(s, ws, st);
}


/* The usage chunk (choices: [], only when the client asked for
 * include_usage), then [DONE]. */
int
agw_oai_write_end(agw_xstream_t *s)
{
    agw_oai_wstate_t  *ws;

    ws = s->wstate;

    if (ws->done) {
        return 0;
    }

    ws->done = 1;

    if (s->opts.include_usage && agw_usage_known(&s->usage)) {
        if (ws->prefix.len == 0 && agw_oai_prefix(s, ws, NULL) != 0) {
            return -1;
        }

        agw_jw_append(&s->w, ws->prefix.data, ws->envelope);
        agw_oai_append(&s->w, ",\"choices\":[],\"usage\":");
        agw_jw_reset_state(&s->w);
        agw_oai_write_usage(&s->w, &s->usage);
        agw_oai_append(&s->w, "}\n\n");
        agw_jw_reset_state(&s->w);
    }

    agw_oai_append(&s->w, "data: [DONE]\n\n");
    agw_jw_reset_state(&s->w);

    return s->w.failed ? -1 : 0;
}


/*
 * OpenAI's mid-stream error is a data event holding an error body; the
 * SDKs raise it as an APIError.  No [DONE] follows: a client must not
 * take a failed stream for a complete one.
 */
int
agw_oai_write_stream_error(agw_xstream_t *s, const agw_error_t *err)
{
    agw_oai_wstate_t  *ws;

    ws = s->wstate;

    if (ws->done) {
        return 0;
    }

    ws->done = 1;

    agw_oai_append(&s->w, "data: ");
    agw_jw_reset_state(&s->w);
    agw_oai_write_error_object(&s->w, err);
    agw_oai_append(&s->w, "\n\n");
    agw_jw_reset_state(&s->w);

    return s->w.failed ? -1 : 0;
}


void
agw_oai_free_write_state(void *state)
{
    agw_oai_wstate_t  *ws;

    ws = state;

    agw_buf_free(&ws->prefix);
    agw_buf_free(&ws->head);
}
