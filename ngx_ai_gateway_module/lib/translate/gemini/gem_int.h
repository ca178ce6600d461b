/*
 * gem_int: what the Gemini codec's files share (requests, responses,
 * streams, errors); nothing outside lib/translate/gemini/ uses it.  The
 * mapping is written down in docs/translation-gemini.md.
 */

#ifndef GEM_INT_H
#define GEM_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agw_codec.h"
#include "agw_json_reader.h"
#include "agw_json_writer.h"


/*
 * Google's JSON parser takes both the proto field names (snake_case, what
 * curl examples use) and their JSON names (camelCase, what the SDKs send):
 * every read accepts both, every write uses camelCase.
 */
#define agw_gem_key(k, camel, snake)                                          \
    (agw_gem_is(k, camel) || agw_gem_is(k, snake))

/*
 * agw_str_is() with the common case inline: a key or a value without
 * escapes is its bytes, compared by a memcmp of a constant length (a
 * stream event's few keys are compared on every event).
 */
#define agw_gem_is(s, lit)                                                    \
    ((s)->escaped ? agw_str_is(s, lit)                                        \
                  : ((s)->len == sizeof(lit) - 1                              \
                     && memcmp((s)->data, lit, sizeof(lit) - 1) == 0))

/* What Google documents for replaying a function call it did not sign
 * (a history made by another provider): skips the signature check. */
#define AGW_GEM_SKIP_SIGNATURE  "skip_thought_signature_validator"

/* What a Gemini client's stream may hold of a tool call being assembled
 * from another provider's fragments, so that it gets one whole
 * functionCall part: past either the stream ends with an error. */
#define AGW_GEM_MAX_HELD        (4 * 1024 * 1024)
#define AGW_GEM_MAX_HELD_CALLS  512

/* A stream keeps a buffer it reuses only up to this size: one large call
 * must not hold its memory for the rest of a long stream. */
#define AGW_GEM_KEEP            (64 * 1024)

/* The most a stream keeps of a text chunk's members after its candidates
 * (ids, a turn token: what Gemini repeats), to read the next by them. */
#define AGW_GEM_REST_MAX        512

/* The most integers of a usageMetadata read so (Gemini's has three to
 * five at its top, their details in arrays). */
#define AGW_GEM_CUTS            8


/* The kept bytes' alignment: a load of 16 of them each is a compare's
 * operand (gem_stream_read.c). */
#define AGW_GEM_KEPT_ALIGN      16


/*
 * What a Gemini provider's stream keeps of the last text chunk it walked
 * (gem_stream_read.c): malloc'd when one is first kept, so that an open
 * stream's own state stays small.
 */
typedef struct {
    agw_step_t  delta;          /* the DELTA step of a chunk read by data:
                                   zero but for its text and block */
    size_t      len;            /* bytes in data */
    size_t      cap;
    uint16_t    cut[AGW_GEM_CUTS];  /* where each integer was in data */
    int8_t      cut_count[AGW_GEM_CUTS];    /* which count it is
                                   (AGW_GEM_U_*), -1 none */
    uint8_t     cuts;
    uint8_t     has_usage;      /* it had a usageMetadata */
    uint8_t     lines;          /* data holds a CR or LF */
    char        data[] __attribute__((aligned(AGW_GEM_KEPT_ALIGN)));
                                /* the chunk from its shape's tail on, as
                                   it came but for its usage's integers;
                                   aligned for the compare's loads */
} agw_gem_kept_t;

/* A Gemini provider's stream, read (gem_stream_read.c). */
typedef struct {
    agw_buf_t   args;           /* a call's args escaped: a JSON string's
                                   inside, reused by every call */
    agw_gem_kept_t  *kept;      /* NULL until a text chunk is kept */
    uint32_t    next;           /* the next block's index */
    uint32_t    open;           /* the open text or thought block */
    uint32_t    calls;          /* function calls so far (their ids) */
    uint8_t     open_type;      /* 0, AGW_PART_TEXT or AGW_PART_THINKING */
    uint8_t     started;        /* START went out */
    uint8_t     finished;       /* FINISH went out */
    uint8_t     ended;          /* END went out */
    uint8_t     rid_len;
    uint8_t     shape;          /* the kept chunk's text shape + 1; 0:
                                   none kept */
    uint8_t     model_plain;    /* the rewrite: the client's model needs
                                   no escaping (1), does (2), unknown */
    char        rid[64];        /* the responseId, for call ids */
} agw_gem_rstate_t;

/* A tool call held for a Gemini client until its block stops. */
typedef struct {
    uint32_t    index;          /* its block */
    agw_buf_t   args;           /* the fragments: a JSON string's inside */
    agw_buf_t   meta;           /* id, name, signature, one after another */
    uint32_t    id_len;
    uint32_t    name_len;
    uint32_t    sig_len;
} agw_gem_held_t;

/* A Gemini client's stream, written (gem_stream_write.c). */
typedef struct {
    agw_buf_t        suffix;    /* what ends a one-part chunk:
                                   "}],...,"responseId":"..."}\r\n\r\n" */
    agw_gem_held_t  *held;      /* malloc'd, nheld used */
    uint32_t         nheld;
    uint32_t         cap;
    size_t           held_bytes;
    uint32_t         open;      /* the last text or thought block */
    uint8_t          open_type; /* its type: AGW_PART_THINKING or TEXT */
    uint8_t          finish;    /* agw_finish_t held for the last chunk */
    uint8_t          ended;     /* the last chunk or an error went out */
    uint8_t          drop_sigs; /* the provider's signatures mean nothing
                                   to Gemini (Anthropic's) */
} agw_gem_wstate_t;


/* One part of a candidate's content, as answers and chunks carry it. */
typedef struct {
    agw_str_t   text;
    agw_str_t   signature;      /* thoughtSignature */
    agw_str_t   name;           /* functionCall: */
    agw_str_t   id;
    agw_str_t   args;           /* VALUE; unset: none came */
    uint8_t     thought;
    uint8_t     call;           /* a functionCall came */
    uint8_t     partial;        /* Vertex's partialArgs / willContinue */
} agw_gem_mpart_t;

/* Reads one (gem_part.c): 0, or -1 when it is not what Gemini sends.  A
 * part of another kind (inlineData, code) comes back with nothing set. */
int agw_gem_mpart_read(agw_jr_t *r, agw_gem_mpart_t *p);


/* Errors of a client's request: AGW_ERR_INVALID_REQUEST; returns -1. */
int agw_gem_invalid(agw_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A provider's body that cannot be read: AGW_ERR_BAD_GATEWAY; -1. */
int agw_gem_bad_upstream(agw_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* finishReason -> the form's finish; calls: the candidate called a
 * function (Gemini then says STOP).  And back. */
agw_finish_t agw_gem_finish_read(const agw_str_t *reason, int calls);
const char *agw_gem_finish_name(agw_finish_t finish);

/* A usageMetadata object read into u (only the fields it carries, the
 * agw_usage.h rule); and u written as one (its members only, the caller
 * wrote the key). */
int agw_gem_usage_read(agw_jr_t *r, agw_usage_t *u);

/* The counts usageMetadata carries: which one a key names (-1: none),
 * and the counts read (-1 where none came) merged into u as
 * agw_gem_usage_read() merges them. */
#define AGW_GEM_U_PROMPT      0
#define AGW_GEM_U_CANDIDATES  1
#define AGW_GEM_U_THOUGHTS    2
#define AGW_GEM_U_CACHED      3
#define AGW_GEM_U_TOOL        4
#define AGW_GEM_U_N           5

int agw_gem_usage_key(const agw_str_t *key);
void agw_gem_usage_set(agw_usage_t *u, const int64_t *c);

/* The candidates of Gemini's commonest text chunk, by their bytes: the
 * shape's index, r past them, or -1 (gem_stream_read.c). */
int agw_gem_text_candidates(agw_jr_t *r, agw_str_t *text);

/*
 * A stream event read (agw_gem_read_event() is the two in turn): by the
 * bytes a text chunk repeats from the last one walked, 1, or 0 when it
 * is not such a chunk (nothing done), or -1; and walked, 0 or -1.  Apart
 * for the tests that compare them.
 */
int agw_gem_read_repeat(agw_xstream_t *s, const agw_sse_event_t *ev);
int agw_gem_read_walk(agw_xstream_t *s, const agw_sse_event_t *ev);
void agw_gem_usage_write(agw_jw_t *w, const agw_usage_t *u);

/*
 * A tool call id made from parts that are stable for the same input:
 * "call_<rid>_<b>" with a response id, else "call_<a>_<b>"; characters
 * outside [A-Za-z0-9_-] become '_', as Anthropic requires.  From the
 * arena; unset when out of memory.
 */
agw_str_t agw_gem_call_id(agw_arena_t *a, const agw_str_t *rid, size_t ai,
    size_t b);

/*
 * The text of a JSON value without the white space outside its strings
 * (what jansson's compact dump gives): the value itself when it has none,
 * else a copy in the arena.  Unset when out of memory.
 */
agw_str_t agw_gem_compact(agw_arena_t *a, const agw_str_t *value);

/* Whether text (characters) is one JSON object: 1, 0 not, -1 empty. */
int agw_gem_is_object(const agw_str_t *text);

/* Whether the characters of s (any kind) may be one JSON object: 0 when
 * their first one past white space is not a '{' (then agw_gem_is_object()
 * of them is not 1), 1 when only decoding them all can tell. */
int agw_gem_may_be_object(const agw_str_t *s);

/*
 * A call's arguments as the text of the args object Gemini wants: 1 with
 * *out set (an unset, empty or blank string is a call without parameters,
 * "{}"), 0 when they are not a JSON object.  is_string: args is a JSON
 * string's inside holding the text (OpenAI arguments); its characters go
 * to dst, args->len + 1 bytes.
 */
int agw_gem_args_text(const agw_str_t *args, int is_string, char *dst,
    agw_str_t *out);

/* The JSON Schema of a Gemini OpenAPI-subset schema (a VALUE), in the
 * arena; unset when out of memory (gem_schema.c). */
agw_str_t agw_gem_schema_to_json(agw_arena_t *a, const agw_str_t *schema);

/* Google's canonical status name of an error class ("RESOURCE_EXHAUSTED"). */
const char *agw_gem_status_name(agw_err_class_t cls);
/* {"error":{"code","message","status"}} appended with w. */
void agw_gem_error_object(agw_jw_t *w, const agw_error_t *err);


/* The codec's entries, one file each for requests, answers, streams,
 * errors and same-dialect rewrites. */
int agw_gem_read_request(const char *body, size_t len, int valid,
    agw_arena_t *a, agw_request_t *req, agw_error_t *err);
int agw_gem_write_request(const agw_request_t *req,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);

int agw_gem_read_response(const char *body, size_t len, agw_arena_t *a,
    agw_response_t *res, agw_error_t *err);
int agw_gem_write_response(const agw_response_t *res,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_error_t *err);

int agw_gem_read_event(agw_xstream_t *s, const agw_sse_event_t *ev);
/* The repeated text chunks in the feed, before the SSE parser
 * (agw_codec_t) */
size_t agw_gem_read_bytes(agw_xstream_t *s, const char *p, size_t len,
    int *rc);
int agw_gem_write_step(agw_xstream_t *s, const agw_step_t *step);
int agw_gem_write_end(agw_xstream_t *s);
int agw_gem_write_stream_error(agw_xstream_t *s, const agw_error_t *err);
void agw_gem_free_read_state(void *state);
void agw_gem_free_write_state(void *state);

void agw_gem_read_error(const char *body, size_t len, agw_error_t *err);
int agw_gem_write_error(const agw_error_t *err, agw_buf_t *out);

int agw_gem_rewrite_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);
/* A key's policy on the client's bytes, before the rewrite (gem_policy.c) */
int agw_gem_policy_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);
int agw_gem_rewrite_response(const char *body, size_t len,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_usage_t *usage,
    agw_error_t *err);
int agw_gem_rewrite_event(agw_xstream_t *s, const agw_sse_event_t *ev);

#endif /* GEM_INT_H */
