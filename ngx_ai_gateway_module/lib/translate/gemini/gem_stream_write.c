/*
 * Steps written as a Gemini client's stream: "data: {...}\r\n\r\n"
 * GenerateContentResponse chunks, as Google sends them.
 *
 * A text or thought delta is the commonest chunk: a fixed prefix, the
 * escaped text, and a suffix made once per stream (it names the model
 * and the response id).  A tool call goes out as ONE whole functionCall
 * part when its block stops, its argument fragments held until then
 * (bounded), since Gemini has no fragment of its own.  The finish and the
 * usage go on the last chunk: usage may come after the finish.
 */

#include <stdlib.h>
#include <string.h>

#include "gem_int.h"


#define AGW_GEM_PREFIX  "data: {\"candidates\":[{\"content\":{\"parts\":["
/* what follows the parts, before the suffix's tail */
#define AGW_GEM_PARTS_END  "],\"role\":\"model\"},\"index\":0}]"


/*
 * The suffix: AGW_GEM_PARTS_END, then its tail
 * ',"modelVersion":<client's model>,"responseId":<id>}\r\n\r\n'.
 */
static int
agw_gem_suffix(agw_xstream_t *s, agw_gem_wstate_t *st, const agw_str_t *id)
{
    agw_jw_t   w;
    agw_str_t  none = agw_str_lit("");

    st->suffix.len = 0;
    agw_jw_init(&w, &st->suffix);

    agw_jw_append(&w, AGW_GEM_PARTS_END ",\"modelVersion\":",
                  sizeof(AGW_GEM_PARTS_END ",\"modelVersion\":") - 1);
    agw_jw_str(&w, agw_str_set(&s->opts.model) ? &s->opts.model : &none);
    agw_jw_append(&w, ",\"responseId\":", sizeof(",\"responseId\":") - 1);
    agw_jw_str(&w, id != NULL && agw_str_set(id) ? id : &none);
    agw_jw_append(&w, "}\r\n\r\n", 5);

    return w.failed ? -1 : 0;
}


/* The tail of the suffix, after AGW_GEM_PARTS_END. */
#define agw_gem_tail(st)                                                      \
    ((st)->suffix.data + sizeof(AGW_GEM_PARTS_END) - 1)
#define agw_gem_tail_len(st)                                                  \
    ((st)->suffix.len - (sizeof(AGW_GEM_PARTS_END) - 1))


/* The text of a step into the chunk: a JSON-form string as it came. */
static void
agw_gem_put_text(agw_jw_t *w, const agw_str_t *text)
{
    if (text->len == 0) {
        /* nothing to put; and the escaper writes its terminating NUL
         * even then, into a buffer that may have none yet */
        return;
    }

    if (text->kind == AGW_STR_JSON) {
        agw_jw_append(w, text->data, text->len);
    } else {
        agw_jw_escape(w, text->data, text->len);
    }
}


/* A chunk with one text part: {"text": t[, "thought": true]} or a
 * signature's empty part. */
static int
agw_gem_text_chunk(agw_xstream_t *s, agw_gem_wstate_t *st,
    const agw_str_t *text, const agw_str_t *sig, int thought)
{
    agw_jw_t  *w = &s->w;

    if (st->suffix.len == 0 && agw_gem_suffix(s, st, NULL) != 0) {
        return -1;
    }

    agw_jw_append(w, AGW_GEM_PREFIX "{\"text\":\"",
                  sizeof(AGW_GEM_PREFIX "{\"text\":\"") - 1);
    if (text != NULL) {
        agw_gem_put_text(w, text);
    }

    if (sig != NULL) {
        agw_jw_append(w, "\",\"thoughtSignature\":\"",
                      sizeof("\",\"thoughtSignature\":\"") - 1);
        agw_gem_put_text(w, sig);
    }

    if (thought) {
        agw_jw_append(w, "\",\"thought\":true}",
                      sizeof("\",\"thought\":true}") - 1);
    } else {
        agw_jw_append(w, "\"}", 2);
    }

    agw_jw_append(w, st->suffix.data, st->suffix.len);

    return w->failed ? -1 : 0;
}


static agw_gem_held_t *
agw_gem_held(agw_gem_wstate_t *st, uint32_t index)
{
    uint32_t  i;

    for (i = 0; i < st->nheld; i++) {
        if (st->held[i].index == index) {
            return &st->held[i];
        }
    }

    return NULL;
}


static int
agw_gem_too_much(agw_xstream_t *s, const char *msg)
{
    agw_error_t  *err;

    err = agw_stream_error_slot(s);
    if (err != NULL) {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "invalid_upstream_stream",
                      "%s", msg);
    }

    return -1;
}


/* A tool call's block starts: its id and name kept until it stops. */
static int
agw_gem_hold(agw_xstream_t *s, agw_gem_wstate_t *st, const agw_step_t *step)
{
    uint32_t         cap;
    agw_jw_t         w;
    agw_gem_held_t  *h;

    if (st->nheld == AGW_GEM_MAX_HELD_CALLS) {
        return agw_gem_too_much(s, "the upstream streamed more tool calls "
                                   "at once than a Gemini client can be "
                                   "given");
    }

    if (st->nheld == st->cap) {
        cap = st->cap ? st->cap * 2 : 2;
        h = realloc(st->held, cap * sizeof(agw_gem_held_t));
        if (h == NULL) {
            return -1;
        }
        memset(h + st->cap, 0, (cap - st->cap) * sizeof(agw_gem_held_t));
        st->held = h;
        st->cap = cap;
    }

    h = &st->held[st->nheld++];
    h->index = step->index;
    h->args.len = 0;
    h->meta.len = 0;

    /* id and name as the insides of JSON strings, one after the other */
    agw_jw_init(&w, &h->meta);
    agw_gem_put_text(&w, &step->part->id);
    h->id_len = (uint32_t) h->meta.len;
    agw_gem_put_text(&w, &step->part->name);
    h->name_len = (uint32_t) h->meta.len - h->id_len;
    h->sig_len = 0;

    st->held_bytes += h->meta.len;

    return w.failed ? -1 : 0;
}


static int
agw_gem_hold_more(agw_xstream_t *s, agw_gem_wstate_t *st, agw_buf_t *b,
    const agw_str_t *text)
{
    agw_jw_t  w;
    size_t    before;

    if (st->held_bytes + text->len > AGW_GEM_MAX_HELD) {
        return agw_gem_too_much(s, "the upstream streamed more tool call "
                                   "arguments than a Gemini client can be "
                                   "given");
    }

    before = b->len;
    agw_jw_init(&w, b);
    agw_gem_put_text(&w, text);
    st->held_bytes += b->len - before;

    return w.failed ? -1 : 0;
}


/*
 * A held call's block stopped: one chunk with its whole functionCall part,
 * the arguments as an object ("" is a call without any; anything but an
 * object ends the stream with an error, never a corrupt call).
 */
static int
agw_gem_call_chunk(agw_xstream_t *s, agw_gem_wstate_t *st, agw_gem_held_t *h)
{
    char            *chars;
    uint32_t         last;
    agw_jw_t        *w = &s->w;
    agw_str_t        args, text;
    agw_gem_held_t   t;

    args.data = h->args.data;
    args.len = (uint32_t) h->args.len;
    args.kind = AGW_STR_JSON;
    args.escaped = 1;

    chars = agw_arena_alloc(s->arena, args.len + 1);
    if (chars == NULL) {
        return -1;
    }

    if (agw_gem_args_text(&args, 1, chars, &text) == 0) {
        return agw_gem_too_much(s, "the upstream streamed tool call "
                                   "arguments that are not a JSON object");
    }

    /*
     * The object goes on the event's one data: line: a line break between
     * its tokens (valid JSON, as a model may indent its arguments) would
     * end the line and cut the event a client reads.  Compact then, as
     * Google's own args are; a string holds no raw line break.
     */
    if (memchr(text.data, '\n', text.len) != NULL
        || memchr(text.data, '\r', text.len) != NULL)
    {
        text = agw_gem_compact(s->arena, &text);
        if (!agw_str_set(&text)) {
            return -1;
        }
    }

    if (st->suffix.len == 0 && agw_gem_suffix(s, st, NULL) != 0) {
        return -1;
    }

    agw_jw_append(w, AGW_GEM_PREFIX "{\"functionCall\":{\"name\":\"",
                  sizeof(AGW_GEM_PREFIX "{\"functionCall\":{\"name\":\"")
                  - 1);
    if (h->name_len > 0) {
        /* (meta has no memory at all when id and name came empty) */
        agw_jw_append(w, h->meta.data + h->id_len, h->name_len);
    }
    agw_jw_append(w, "\",\"args\":", sizeof("\",\"args\":") - 1);
    agw_jw_append(w, text.data, text.len);
    if (h->id_len > 0) {
        agw_jw_append(w, ",\"id\":\"", sizeof(",\"id\":\"") - 1);
        agw_jw_append(w, h->meta.data, h->id_len);
        agw_jw_append(w, "\"", 1);
    }
    agw_jw_append(w, "}", 1);
    if (h->sig_len > 0) {
        agw_jw_append(w, ",\"thoughtSignature\":\"",
                      sizeof(",\"thoughtSignature\":\"") - 1);
        agw_jw_append(w, h->meta.data + h->id_len + h->name_len, h->sig_len);
        agw_jw_append(w, "\"", 1);
    }
    agw_jw_append(w, "}", 1);
    agw_jw_append(w, st->suffix.data, st->suffix.len);

    /* the slot is free again: the last one takes its place (a swap, so
     * each slot keeps its buffers for the next call) */
    st->held_bytes -= h->meta.len + h->args.len;
    if (h->args.cap > AGW_GEM_KEEP) {
        agw_buf_free(&h->args);
    }
    last = st->nheld - 1;
    if ((uint32_t) (h - st->held) != last) {
        t = *h;
        *h = st->held[last];
        st->held[last] = t;
    }
    st->nheld--;

    return w->failed ? -1 : 0;
}


int
agw_gem_write_step(agw_xstream_t *s, const agw_step_t *step)
{
    agw_gem_held_t    *h;
    agw_gem_wstate_t  *st = s->wstate;

    if (st->ended) {
        return 0;
    }

    switch (step->type) {

    case AGW_STEP_START:
        /* an Anthropic signature means nothing to a Gemini client */
        st->drop_sigs = s->opts.provider == AGW_DIALECT_ANTHROPIC;
        return agw_gem_suffix(s, st, &step->id);

    case AGW_STEP_BLOCK_START:
        if (step->part == NULL) {
            return 0;
        }
        switch (step->part->type) {
        case AGW_PART_TOOL_CALL:
            return agw_gem_hold(s, st, step);
        case AGW_PART_THINKING:
        case AGW_PART_TEXT:
        case AGW_PART_REFUSAL:
            st->open = step->index;
            st->open_type = (uint8_t) step->part->type;
            return 0;
        default:
            /* redacted thinking: nothing a Gemini client can read */
            st->open = step->index;
            st->open_type = 0;
            return 0;
        }

    case AGW_STEP_DELTA:
        h = agw_gem_held(st, step->index);
        if (h != NULL) {
            return agw_gem_hold_more(s, st, &h->args, &step->text);
        }
        if (step->index != st->open || st->open_type == 0
            || step->text.len == 0)
        {
            return 0;
        }
        return agw_gem_text_chunk(s, st, &step->text, NULL,
                                  st->open_type == AGW_PART_THINKING);

    case AGW_STEP_SIGNATURE:
        h = agw_gem_held(st, step->index);
        if (h != NULL) {
            if (st->drop_sigs || h->sig_len > 0) {
                return 0;
            }
            if (agw_gem_hold_more(s, st, &h->meta, &step->text) != 0) {
                return -1;
            }
            h->sig_len = (uint32_t) (h->meta.len - h->id_len - h->name_len);
            return 0;
        }
        if (st->drop_sigs || step->index != st->open || st->open_type == 0) {
            return 0;
        }
        return agw_gem_text_chunk(s, st, NULL, &step->text,
                                  st->open_type == AGW_PART_THINKING);

    case AGW_STEP_BLOCK_STOP:
        h = agw_gem_held(st, step->index);
        if (h != NULL) {
            return agw_gem_call_chunk(s, st, h);
        }
        if (step->index == st->open) {
            st->open_type = 0;
        }
        return 0;

    case AGW_STEP_FINISH:
        st->finish = (uint8_t) step->finish;
        return 0;

    default:
        /* USAGE: the driver merges it into s->usage, which the last chunk
         * writes; END and ERROR do not reach a writer */
        return 0;
    }
}


/* The last chunk: an empty text part, the finish and the usage. */
int
agw_gem_write_end(agw_xstream_t *s)
{
    const char        *finish;
    agw_jw_t          *w = &s->w;
    agw_gem_wstate_t  *st = s->wstate;

    if (st->ended) {
        return 0;
    }

    st->ended = 1;

    if (st->suffix.len == 0 && agw_gem_suffix(s, st, NULL) != 0) {
        return -1;
    }

    finish = agw_gem_finish_name(st->finish);

    agw_jw_append(w, AGW_GEM_PREFIX "{\"text\":\"\"}],\"role\":\"model\"},"
                  "\"finishReason\":\"",
                  sizeof(AGW_GEM_PREFIX "{\"text\":\"\"}],\"role\":"
                         "\"model\"},\"finishReason\":\"") - 1);
    agw_jw_append(w, finish, strlen(finish));
    agw_jw_append(w, "\",\"index\":0}]", sizeof("\",\"index\":0}]") - 1);

    if (agw_usage_known(&s->usage)) {
        agw_jw_append(w, ",\"usageMetadata\":", sizeof(",\"usageMetadata\":")
                                                - 1);
        agw_jw_reset_state(w);
        agw_gem_usage_write(w, &s->usage);
        agw_jw_reset_state(w);
    }

    agw_jw_append(w, agw_gem_tail(st), agw_gem_tail_len(st));

    agw_gem_free_write_state(st);

    return w->failed ? -1 : 0;
}


/*
 * An error chunk as the last event: `@google/genai` checks every data:
 * event for an error object and throws ApiError with its code.
 */
int
agw_gem_write_stream_error(agw_xstream_t *s, const agw_error_t *err)
{
    agw_jw_t          *w = &s->w;
    agw_gem_wstate_t  *st = s->wstate;

    if (st->ended) {
        return 0;
    }

    st->ended = 1;

    agw_jw_append(w, "data: ", 6);
    agw_jw_reset_state(w);
    agw_gem_error_object(w, err);
    agw_jw_append(w, "\r\n\r\n", 4);
    agw_jw_reset_state(w);

    agw_gem_free_write_state(st);

    return w->failed ? -1 : 0;
}


void
agw_gem_free_write_state(void *state)
{
    uint32_t           i;
    agw_gem_wstate_t  *st = state;

    for (i = 0; i < st->cap; i++) {
        agw_buf_free(&st->held[i].args);
        agw_buf_free(&st->held[i].meta);
    }

    free(st->held);
    st->held = NULL;
    st->nheld = 0;
    st->cap = 0;
    st->held_bytes = 0;

    agw_buf_free(&st->suffix);
}
