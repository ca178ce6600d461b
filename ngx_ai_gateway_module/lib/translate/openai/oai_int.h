/*
 * What the OpenAI Chat Completions codec's files share: the message
 * readers and writers used by requests, whole answers and streams alike
 * (an answer's message is an assistant message), usage, finish reasons.
 */

#ifndef AGW_OAI_INT_H
#define AGW_OAI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agw_codec.h"
#include "agw_json_reader.h"
#include "agw_json_writer.h"


/*
 * Whether s holds the characters of the literal: agw_str_is(), with the
 * common case (no escapes: the bytes are the characters) inline, since
 * a reader compares each key it meets with several names.
 */
#define agw_oai_is(s, lit)                                                   \
    ((s)->escaped ? agw_str_is(s, lit)                                       \
                  : ((s)->len == sizeof(lit) - 1                             \
                     && memcmp((s)->data, lit, sizeof(lit) - 1) == 0))


/*
 * A string value known when compiling, written with its quotes as it is:
 * agw_jw_lit() would escape it byte by byte, and the names of roles and
 * types are most of a request's values.  lit must need no escape.
 */
#define agw_oai_lit(w, lit)                                                  \
    do {                                                                     \
        static const agw_str_t  agw_oai_v = {                               \
            "\"" lit "\"", sizeof(lit) + 1, AGW_STR_VALUE, 0              \
        };                                                                   \
        agw_jw_raw(w, &agw_oai_v);                                           \
    } while (0)


/* One step of where a reader is: a member's name (a literal), or an
 * element's index (name NULL). */
typedef struct {
    const char      *name;
    int64_t          i;
} agw_oai_step_t;

#define AGW_OAI_PATH_MAX  8

/*
 * Where a reader is, for error messages: "messages[2].content[0]".  The
 * steps are kept and the text made only for an error: a path was made
 * for every message, part and tool call read.
 */
typedef struct {
    agw_arena_t     *arena;
    agw_error_t     *err;
    int              provider;  /* reading a provider's answer: errors are
                                   502 invalid_upstream_body */
    size_t           depth;     /* steps; past AGW_OAI_PATH_MAX only the
                                   first ones are kept */
    agw_oai_step_t   path[AGW_OAI_PATH_MAX];
} agw_oai_rctx_t;


/* A refusal naming the field; always returns -1. */
int agw_oai_bad(agw_oai_rctx_t *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The reader failed: not JSON, a type error, or out of memory. */
int agw_oai_fail(agw_oai_rctx_t *c, agw_jr_t *r, const char *field, int rc);
/* Appends "[i]" (name NULL) or ".name" to c->path: its old depth. */
size_t agw_oai_path_push(agw_oai_rctx_t *c, const char *name, int64_t i);
#define agw_oai_path_pop(c, d)    (c)->depth = (d)
#define agw_oai_path_reset(c)     (c)->depth = 0

/*
 * An assistant message's members other than role and content (the
 * answer's message and a request's assistant turn share them): reasoning,
 * thinking_blocks, refusal, tool_calls, extra_content (a Gemini thought
 * signature that rode on a text part).  agw_oai_read_assistant_member()
 * returns 1 when the key was one of them (its value consumed), 0 when
 * not (nothing consumed), -1 on error.  agw_oai_assistant_parts() then
 * orders what was read: thinking, content, refusal, tool calls.
 */
typedef struct {
    agw_part_t  *thinking;      /* thinking_blocks, in order */
    agw_part_t  *thinking_last;
    agw_str_t    reasoning;     /* reasoning_content, else reasoning */
    uint8_t      reasoning_content;
    agw_part_t  *content;
    agw_part_t  *refusal;
    agw_part_t  *calls;
    agw_part_t  *calls_last;
    agw_str_t    signature;     /* extra_content.google.thought_signature
                                   of the message: its last text's */
} agw_oai_assistant_t;

int agw_oai_read_assistant_member(agw_oai_rctx_t *c, agw_jr_t *r,
    const agw_str_t *key, agw_oai_assistant_t *m);
agw_part_t *agw_oai_assistant_parts(agw_oai_rctx_t *c,
    agw_oai_assistant_t *m);
/* A string, or null (left unset): 0, or -1 naming field. */
int agw_oai_read_str(agw_oai_rctx_t *c, agw_jr_t *r, const char *field,
    agw_str_t *s);
/*
 * A choice's finish_reason and index, the members answers and stream
 * chunks share: 1 when key was one of them (its value read), 0 when not,
 * or the reader's error.
 */
int agw_oai_read_choice_member(agw_jr_t *r, const agw_str_t *key,
    agw_str_t *finish, int64_t *index);
/* cache_control: {"type":"ephemeral","ttl"} into cache and ttl. */
int agw_oai_read_cache_control(agw_oai_rctx_t *c, agw_jr_t *r,
    uint8_t *cache, agw_str_t *ttl);
/* extra_content: {"google": {"thought_signature"}} into sig. */
int agw_oai_read_extra(agw_oai_rctx_t *c, agw_jr_t *r, agw_str_t *sig);
/* A message's content: a string (one TEXT part) or an array of parts. */
int agw_oai_read_content(agw_oai_rctx_t *c, agw_jr_t *r, agw_part_t **parts,
    uint8_t *string);

/*
 * An assistant message's members, written from parts: content (text
 * joined), then with ext set the gateway's extensions (reasoning_content,
 * thinking_blocks, tool_calls[].extra_content) that an OpenAI client
 * takes back but a strict OpenAI-compatible server refuses; refusal;
 * tool_calls.
 */
void agw_oai_write_assistant(agw_jw_t *w, const agw_part_t *parts, int ext);
/* The joined text of the parts of a type, as one JSON string, or null. */
void agw_oai_write_joined(agw_jw_t *w, const agw_part_t *parts,
    agw_part_type_t type);

/*
 * The stream sides' states (oai_stream.c says how they are used): a few
 * dozen bytes each; held tool calls and the chunk envelope are malloc'd
 * when needed and freed in free_*_state.
 */
#define AGW_OAI_MAX_TOOLS  64
#define AGW_OAI_MAX_HELD   (4 * 1024 * 1024)

enum {
    AGW_OAI_BLOCK_NONE = 0,
    AGW_OAI_BLOCK_TEXT,
    AGW_OAI_BLOCK_THINKING,
    AGW_OAI_BLOCK_REFUSAL,
    AGW_OAI_BLOCK_TOOL,
    AGW_OAI_BLOCK_OTHER
};


/* A held call: id, name, signature, then its argument fragments. */
typedef struct {
    int32_t    k;
    uint32_t   id_len;
    uint32_t   name_len;
    uint32_t   sig_len;
    uint8_t    has_id;
    uint8_t    has_sig;
    agw_buf_t  b;
} agw_oai_held_t;


#define AGW_OAI_PREFIX_MAX  256

typedef struct {
    uint64_t         seen;      /* bit k: call k had its block */
    agw_oai_held_t  *held;      /* AGW_OAI_MAX_TOOLS entries, malloc'd */
    char            *prefix;    /* the last chunk's bytes before its
                                   first member that matters (malloc'd,
                                   AGW_OAI_PREFIX_MAX) */
    uint32_t         prefix_len;
    uint16_t         prefix_comma;  /* rewrite: the comma before that
                                       member; its model's value */
    uint16_t         model_at;
    uint16_t         model_end;
    uint16_t         out_len;   /* rewrite: those bytes up to the comma
                                   as the client gets them, kept after
                                   the provider's (0: not kept) */
    size_t           held_bytes;
    uint32_t         nheld;
    uint32_t         index;     /* the open block's */
    uint32_t         next;      /* the next block's */
    int32_t          live;      /* the open tool call's index k */
    uint32_t         depth;     /* the live call's arguments so far */
    uint8_t          in_str;
    uint8_t          args_done;
    uint8_t          open;      /* AGW_OAI_BLOCK_* */
    uint8_t          started;
    uint8_t          done;
} agw_oai_rstate_t;


typedef struct {
    agw_buf_t        prefix;    /* "data: {...\"delta\":{" */
    uint32_t         envelope;  /* prefix bytes before "choices" */
    int32_t          tool;      /* the open tool call's index */
    int32_t          tools;     /* calls so far */
    uint8_t          block;     /* the open block's kind */
    uint8_t          done;      /* [DONE] or the error went out */
    uint8_t          tail_len;
    agw_buf_t        head;      /* the open block's delta before its text:
                                   the prefix and "content":" (or the
                                   refusal's, a call's arguments') */
    char             tail[32];  /* and after it, to the chunk's end; NUL
                                   padded */
} agw_oai_wstate_t;


/* the codec's entries */
int agw_oai_read_request(const char *body, size_t len, int valid,
    agw_arena_t *a, agw_request_t *req, agw_error_t *err);
int agw_oai_write_request(const agw_request_t *req,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);
int agw_oai_read_response(const char *body, size_t len, agw_arena_t *a,
    agw_response_t *res, agw_error_t *err);
int agw_oai_write_response(const agw_response_t *res,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_error_t *err);
int agw_oai_read_event(agw_xstream_t *s, const agw_sse_event_t *ev);
/* A chunk's choices of OpenAI's commonest shape, and the members after
 * them (oai_stream.c). */
/*
 * A provider's chunk read by the bytes of a text chunk that repeats the
 * last walked one's head, 1, or 0 when it is not such a chunk (nothing
 * done), or -1; and read otherwise, 0 or -1.  Apart for the tests, which
 * compare the two (agw_oai_read_event() is the one then the other).
 */
int agw_oai_read_repeat(agw_xstream_t *s, const agw_sse_event_t *ev);
int agw_oai_read_walk(agw_xstream_t *s, const agw_sse_event_t *ev);
size_t agw_oai_read_bytes(agw_xstream_t *s, const char *p, size_t len,
    int *rc);
/* The bytes a text or call chunk's choices begin with, as OpenAI sends
 * them, and a text delta's key after them */
#define AGW_OAI_DELTA_HEAD  "\"choices\":[{\"index\":0,\"delta\":{"
#define AGW_OAI_TEXT_KEY    "\"content\":"
int agw_oai_delta_choices(agw_jr_t *r, agw_str_t *text, agw_str_t *calls);
int agw_oai_delta_after(agw_jr_t *r, size_t *usage);
int agw_oai_write_step(agw_xstream_t *s, const agw_step_t *step);
int agw_oai_write_end(agw_xstream_t *s);
int agw_oai_write_stream_error(agw_xstream_t *s, const agw_error_t *err);
void agw_oai_free_read_state(void *state);
void agw_oai_free_write_state(void *state);
void agw_oai_read_error(const char *body, size_t len, agw_error_t *err);
int agw_oai_write_error(const agw_error_t *err, agw_buf_t *out);
int agw_oai_rewrite_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);
/* A key's policy on the client's bytes, before the rewrite (oai_policy.c) */
int agw_oai_policy_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);
int agw_oai_rewrite_response(const char *body, size_t len,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_usage_t *usage,
    agw_error_t *err);
int agw_oai_rewrite_event(agw_xstream_t *s, const agw_sse_event_t *ev);
/* Its text chunks taken from the feed's bytes (agw_codec_t) */
size_t agw_oai_rewrite_bytes(agw_xstream_t *s, const char *p, size_t len,
    int *rc);

/* usage: read into u (fields absent stay as they were); written whole */
int agw_oai_read_usage(agw_oai_rctx_t *c, agw_jr_t *r, agw_usage_t *u);
void agw_oai_write_usage(agw_jw_t *w, const agw_usage_t *u);

agw_finish_t agw_oai_finish_of(const agw_str_t *s);
const char *agw_oai_finish_name(agw_finish_t f);

/* error bodies */
const char *agw_oai_error_code(const agw_error_t *err);
void agw_oai_write_error_object(agw_jw_t *w, const agw_error_t *err);

#endif /* AGW_OAI_INT_H */
