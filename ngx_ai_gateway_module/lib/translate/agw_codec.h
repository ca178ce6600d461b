/*
 * agw_codec: what each dialect implements, and all it implements: a
 * reader and a writer of requests, of whole answers, of stream events and
 * of errors, to and from the intermediate form (agw_ir.h), and the
 * one-pass rewrite of its own bytes for a client and provider of the same
 * dialect.  The engine (agw_engine.c) picks the client's and the
 * provider's codecs and joins a reader to a writer; no dialect knows
 * another.
 *
 * One file set per dialect under translate/<dialect>/: <d>_request.c,
 * <d>_response.c, <d>_stream.c, <d>_error.c, and <d>_codec.c with the
 * table.  A NULL entry means "this dialect cannot do that": the engine
 * answers that the pair is not supported.
 *
 * Conventions every codec keeps:
 *   - Readers validate as they read (agw_json_reader.h) and refuse a
 *     client's bad request with AGW_ERR_INVALID_REQUEST and a message
 *     that says which field ("messages[2].content[0].type: unknown block
 *     type \"foo\""); a provider's bad answer is AGW_ERR_BAD_GATEWAY, code
 *     "invalid_upstream_body".  A message never quotes more than a short
 *     piece of what the client sent, and never a header.
 *   - Readers allocate nodes from the arena only; writers append to the
 *     caller's buffer only; neither keeps a pointer past the call but
 *     into the input or the arena.
 *   - A return of -1 with err->cls AGW_ERR_NONE means out of memory.
 */

#ifndef AGW_CODEC_H
#define AGW_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "agw_buf.h"
#include "agw_dialect.h"
#include "agw_error.h"
#include "agw_ir.h"
#include "agw_request_index.h"
#include "agw_body_refs.h"
#include "agw_json_writer.h"
#include "agw_sse.h"


/*
 * A client key's policy, applied by every request writer and same-dialect
 * rewrite (docs/key-policy.md): all zero is no policy.
 */
typedef struct {
    agw_str_t   system_prompt;      /* put before the client's own system
                                       content (plain bytes, valid UTF-8);
                                       unset or empty: none */
    int64_t     max_output;         /* the most output tokens a request may
                                       ask for; absent, it is set; 0: no
                                       cap */
    int         refuse;             /* asking more is refused (400), not
                                       clamped */
} agw_request_policy_t;

/* What a request's writer is told besides the request. */
typedef struct {
    agw_str_t   model;              /* the upstream model to name */
    int         stream;             /* ask the provider for a stream */
    int64_t     default_max_tokens; /* when the dialect needs one and the
                                       client gave none */
    agw_dialect_t  client;          /* where the request came from */
    agw_request_policy_t  policy;
    int64_t    *output_cap;         /* when not NULL, set to the output
                                       tokens the provider's body allows
                                       (its cap times its candidates), 0
                                       when it names none or the path
                                       does not read it (agw_policy.h) */
    const agw_req_index_t  *index;  /* the body's walk (may be NULL): a
                                       rewrite edits at its places instead
                                       of walking the body again */
    agw_body_refs_t        *refs;   /* when not NULL (refs->n 0), a
                                       rewrite of the body without a
                                       policy, or a translation, lists
                                       its long runs of the client's
                                       bytes there instead of copying
                                       them (agw_body_refs.h) */
} agw_request_ctx_t;

/*
 * What a provider said of its answer besides usage: why it ended and which
 * model answered (a dated snapshot, say, of the model it was asked), the
 * OpenTelemetry GenAI gen_ai.response.finish_reasons and
 * gen_ai.response.model of the request's usage event.  The caller points
 * agw_answer_ctx_t.meta at one it zeroed; the engine and the codecs'
 * rewrites fill it with agw_answer_meta_model() and _finish().
 */
#define AGW_ANSWER_MODEL_SIZE  64   /* == AGW_EVENT_NAME_SIZE */

typedef struct {
    uint8_t   finish;                       /* agw_finish_t */
    char      model[AGW_ANSWER_MODEL_SIZE]; /* decoded, truncated, "":
                                               none said */
} agw_answer_meta_t;

/* The first model the provider names (a stream's chunks repeat it) and
 * its last finish reason; m may be NULL (nobody asked). */
void agw_answer_meta_model(agw_answer_meta_t *m, const agw_str_t *model);
void agw_answer_meta_finish(agw_answer_meta_t *m, agw_finish_t finish);

/* What an answer's writer is told besides the answer. */
typedef struct {
    agw_str_t   model;              /* the model name the client asked for */
    int64_t     created;            /* Unix time when the answer has none */
    int         include_usage;      /* OpenAI client asked for usage */
    agw_dialect_t  provider;        /* where the answer came from */
    size_t      max_held;           /* the most of a streamed answer a
                                       writer may keep to repeat at its end
                                       (the Responses API does); 0: 64 MiB */
    agw_answer_meta_t  *meta;       /* where the provider's finish reason
                                       and model go; NULL: nowhere */
} agw_answer_ctx_t;


/*
 * A stream, as the codecs see it: the engine's driver owns it.  The
 * provider's reader calls agw_stream_step() for each step it makes; the
 * driver hands them to the client's writer, which appends client events
 * to out.  Each side has its own state, state_size bytes the driver
 * allocates zeroed for it (sized by the codec: only what it needs, since
 * thousands of streams stay open at once).
 *
 * Pointers into an event, and into s->arena, die when the event has been
 * handled (the driver resets the arena after each).  What a side must
 * keep across events (a tool call's fragments held while another call's
 * go by, an id, the model) it copies into its state, into buffers it
 * bounds and frees in free_*_state.
 */
typedef struct agw_xstream_s  agw_xstream_t;

struct agw_xstream_s {
    const struct agw_codec_s  *reader;     /* the provider's codec */
    const struct agw_codec_s  *writer;     /* the client's codec */
    void                      *rstate;
    void                      *wstate;
    agw_arena_t               *arena;      /* per event: reset after each */
    agw_jw_t                   w;          /* writes into the client's out */
    agw_answer_ctx_t          opts;
    agw_usage_t                usage;      /* merged as steps carry it */
    agw_error_t               *error;      /* set once an error is met */
    unsigned                   provider_done:1;
    unsigned                   client_done:1;
    unsigned                   started:1;  /* a START went to the writer */
};

/*
 * A reader's step to the writer: 0, or -1 (out of memory, or the writer
 * failed: the stream then ends with an error event).  An END step marks
 * the provider's end of stream (provider_done) and goes no further; an
 * ERROR step records its error, and the client gets the writer's error
 * event once the reader returns.
 */
int agw_stream_step(agw_xstream_t *s, const agw_step_t *step);

/* A step with nothing but its type and index: a block's stop (BLOCK_STOP)
 * or the provider's end (END), as every reader sends them. */
static inline int
agw_stream_bare_step(agw_xstream_t *s, agw_step_type_t type, uint32_t index)
{
    agw_step_t  step;

    memset(&step, 0, sizeof(step));
    step.type = type;
    step.index = index;

    return agw_stream_step(s, &step);
}

/* A step that carries only text (a DELTA, a SIGNATURE) for the block at
 * index: what most of a reader's steps are. */
static inline int
agw_stream_text_step(agw_xstream_t *s, agw_step_type_t type, uint32_t index,
    const agw_str_t *text)
{
    agw_step_t  step;

    memset(&step, 0, sizeof(step));
    step.type = type;
    step.index = index;
    step.text = *text;

    return agw_stream_step(s, &step);
}

/*
 * Where a side records the error it met (a provider's error event, a
 * malformed event), to fill with agw_error_set() before returning -1 from
 * read_event; allocated on first use (an open stream carries a pointer,
 * not 600 bytes).  NULL when out of memory.
 */
agw_error_t *agw_stream_error_slot(agw_xstream_t *s);

/*
 * The event with its data on one line: ev itself, or, when it was joined
 * from several data: lines, *one with a copy in the stream's arena whose
 * joining LFs are blanks (agw_sse_one_line).  A value a reader copies as
 * it came then never cuts the client's one data: line.  The engine gives
 * every reader its events so; a rewrite called on its own (tests,
 * fuzzers) calls it too.  NULL when out of memory.
 */
const agw_sse_event_t *agw_stream_one_line(agw_xstream_t *s,
    const agw_sse_event_t *ev, agw_sse_event_t *one);


typedef struct agw_codec_s {
    agw_dialect_t  dialect;

    /* requests */
    /* valid: the body was validated whole (the module's walk); its
     * strings are then only skipped to their ends, not checked again */
    int (*read_request)(const char *body, size_t len, int valid,
        agw_arena_t *a, agw_request_t *req, agw_error_t *err);
    int (*write_request)(const agw_request_t *req,
        const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);

    /* whole answers (2xx) */
    int (*read_response)(const char *body, size_t len, agw_arena_t *a,
        agw_response_t *res, agw_error_t *err);
    int (*write_response)(const agw_response_t *res,
        const agw_answer_ctx_t *o, agw_buf_t *out, agw_error_t *err);

    /* streams: the provider side reads events, the client side writes
     * steps, then the end of a clean stream or an error event */
    size_t  read_state_size;
    size_t  write_state_size;
    int (*read_event)(agw_xstream_t *s, const agw_sse_event_t *ev);
    int (*write_step)(agw_xstream_t *s, const agw_step_t *step);
    int (*write_end)(agw_xstream_t *s);
    int (*write_stream_error)(agw_xstream_t *s, const agw_error_t *err);
    /* gives back what a state grew (held fragments); may be NULL */
    void (*free_read_state)(void *state);
    void (*free_write_state)(void *state);

    /* errors: a provider's error body read into err (message, code, class
     * refined from the code); err rendered as this dialect's body */
    void (*read_error)(const char *body, size_t len, agw_error_t *err);
    int (*write_error)(const agw_error_t *err, agw_buf_t *out);

    /* same dialect both sides: the bytes rewritten in one pass (the model
     * replaced, usage read, stream options set), not through the form */
    int (*rewrite_request)(const char *body, size_t len,
        const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);
    int (*rewrite_response)(const char *body, size_t len,
        const agw_answer_ctx_t *o, agw_buf_t *out, agw_usage_t *usage,
        agw_error_t *err);
    int (*rewrite_event)(agw_xstream_t *s, const agw_sse_event_t *ev);

    /* same dialect with a key's policy (o->policy): the client's bytes
     * with the policy applied, for rewrite_request to take next; NULL:
     * the dialect cannot apply one (the engine refuses the request) */
    int (*policy_request)(const char *body, size_t len,
        const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);

    /*
     * streams again: the provider's usual events (a delta, nearly all of
     * them) read from their bytes in the feed before the SSE parser
     * splits them into fields, by the reader and by the rewrite.  As
     * agw_sse_bytes_cb: the size of the events taken (one, or several
     * in a row), *rc what read_event (or rewrite_event) would have
     * returned for the last (stop after one that ends or fails the
     * stream: not 0, s->error set, s->client_done); or 0 having done
     * nothing, and the parser hands the event to read_event.  Take only
     * events whose bytes prove their framing (no CR, one data: line, the
     * blank line): then read_event would see the same fields.  May be
     * NULL.
     */
    size_t (*read_bytes)(agw_xstream_t *s, const char *p, size_t len,
        int *rc);
    size_t (*rewrite_bytes)(agw_xstream_t *s, const char *p, size_t len,
        int *rc);
} agw_codec_t;

/*
 * A DELTA step (no usage) to the writer: all that agw_stream_step() does
 * with one, without its tests of the step's type and usage, which cost a
 * reader's hot path a fifth of its delta's (keep the two in step).
 */
static inline int
agw_stream_delta(agw_xstream_t *s, const agw_step_t *step)
{
    return s->writer->write_step(s, step);
}

extern const agw_codec_t  agw_openai_codec;
extern const agw_codec_t  agw_anthropic_codec;
extern const agw_codec_t  agw_gemini_codec;
extern const agw_codec_t  agw_responses_codec;

/*
 * A Responses request may name history that only OpenAI keeps
 * (previous_response_id, conversation): for a provider of another
 * dialect, err says so (400, previous_response_not_supported) and -1;
 * else 0.  The engine calls it before translating a Responses request.
 */
int agw_rsp_check_provider(const agw_request_t *req, agw_dialect_t provider,
    agw_error_t *err);

#endif /* AGW_CODEC_H */
