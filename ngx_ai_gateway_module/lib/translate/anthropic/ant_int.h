/*
 * ant_int: what the Anthropic Messages codec's files share (requests,
 * answers, streams, errors, rewrites); nothing outside them uses it.  The
 * mapping is written down in docs/translation-anthropic.md.
 */

#ifndef ANT_INT_H
#define ANT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "agw_codec.h"
#include "agw_json_reader.h"
#include "agw_json_writer.h"


#define agw_ant_bad(err, ...)                                                \
    agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_request",        \
                  __VA_ARGS__)

/*
 * A key or a string value that is a C literal with nothing to escape (no
 * quote, backslash or control character: every use here names one),
 * written as a JSON-form string: copied, not scanned for escapes.  An
 * agent's request has a few thousand of them.
 */
#define agw_ant_key(w, lit)  agw_jw_key((w), lit)
#define agw_ant_lit(w, lit)                                                  \
    agw_jw_str((w), &(const agw_str_t) { (lit), sizeof(lit) - 1,              \
                                          AGW_STR_JSON, 0 })

#define agw_ant_upstream_bad(err, ...)                                       \
    agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "invalid_upstream_body",      \
                  __VA_ARGS__)


/* Thinking budgets that stand for the reasoning effort levels. */
#define AGW_ANT_BUDGET_MINIMAL   1024
#define AGW_ANT_BUDGET_LOW       2048
#define AGW_ANT_BUDGET_MEDIUM    8192
#define AGW_ANT_BUDGET_HIGH      24576

/* When the caller gives no default and the client no max_tokens. */
#define AGW_ANT_FALLBACK_MAX_TOKENS  4096

/* Anthropic refuses a request with more cache_control breakpoints. */
#define AGW_ANT_MAX_BREAKPOINTS  4


/*
 * Where a block stands in the client's body, for the message of a 400:
 * "messages[2].content[0].content[1]"; a negative index is left out.
 */
typedef struct {
    const char  *top;               /* "messages", "system", "content" */
    int          msg;
    int          block;
    int          inner;
} agw_ant_where_t;

/* "<where>: <what>" into err (class INVALID_REQUEST, or BAD_GATEWAY when
 * upstream is set: an answer's content is the provider's fault). */
void agw_ant_bad_at(agw_error_t *err, int upstream, const agw_ant_where_t *wh,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The JSON reader failed: "<what> is not valid JSON (at byte N)". */
void agw_ant_bad_json(agw_error_t *err, int upstream, const agw_jr_t *r);


/* An object's members read by a table (ant_members.c). */

enum {
    AGW_ANT_M_STR = 1,          /* agw_str_t: a string, else unset */
    AGW_ANT_M_VALUE,            /* agw_str_t: any value, whole */
    AGW_ANT_M_INT,              /* int64_t: an integer, else untouched */
    AGW_ANT_M_COUNT,            /* int64_t: an integer >= 0, else
                                   untouched */
    AGW_ANT_M_BOOL              /* int: a boolean, else untouched */
};

typedef struct {
    const char  *key;
    size_t       len;
    int          type;
    void        *dst;
} agw_ant_member_t;

#define agw_ant_m(k, t, d)  { k, sizeof(k) - 1, t, d }

/*
 * The members of the object at r that m names, each into its dst (the
 * last of a repeated key wins, as jansson keeps it); the others skipped,
 * validated.  0; 1 when the value at r is not an object (skipped); -1
 * when the bytes are not JSON.
 */
int agw_ant_members(agw_jr_t *r, const agw_ant_member_t *m, size_t n);

#define agw_ant_nmembers(m)  (sizeof(m) / sizeof((m)[0]))


/* Content blocks, read into parts and written from them (ant_content.c). */

/* Block kinds a role may hold (agw_ant_read_blocks checks them). */
#define AGW_ANT_IN_USER        0x01
#define AGW_ANT_IN_ASSISTANT   0x02
#define AGW_ANT_IN_SYSTEM      0x04
#define AGW_ANT_IN_RESULT      0x08    /* inside a tool_result */

/*
 * The array of content blocks at r (or a string: one TEXT part) as parts,
 * appended at *tail.  *string says the content was a plain string.
 * Returns 0, or -1 with err set (class NONE: out of memory).
 */
int agw_ant_read_content(agw_jr_t *r, agw_arena_t *a, unsigned allowed,
    int upstream, agw_ant_where_t *wh, agw_part_t ***tail, int *string,
    agw_error_t *err);

/* A cache_control object: {"type":"ephemeral","ttl":"1h"}; anything but
 * an ephemeral marker is read as none.  0, or -1 (not JSON). */
int agw_ant_read_cache(agw_jr_t *r, uint8_t *cache, agw_str_t *ttl);

/* A new zeroed part of a type (every string unset), or NULL. */
agw_part_t *agw_ant_part(agw_arena_t *a, agw_part_type_t type);

/* "cache_control": {...} of a part or a tool, when it has one. */
void agw_ant_write_cache(agw_jw_t *w, uint8_t cache, const agw_str_t *ttl);

/*
 * One string value made of several pieces (text joined from parts): the
 * opening quote, each piece escaped or copied as its kind says, the
 * closing quote.
 */
void agw_ant_str_open(agw_jw_t *w);
void agw_ant_str_piece(agw_jw_t *w, const agw_str_t *s);
void agw_ant_str_close(agw_jw_t *w);

/*
 * A tool call's arguments as the JSON object Anthropic's input is: a
 * VALUE as it is, OpenAI's string of JSON text validated and unescaped
 * (blank: {}).  tmp is scratch the caller frees.  Returns 0, or 1 when
 * they are not a JSON object, -1 when out of memory.
 */
int agw_ant_write_input(agw_jw_t *w, const agw_part_t *p, agw_buf_t *tmp);

/* An image or document source object ("source": {...}); 1 when the part
 * has none Anthropic takes (a file id of another provider, audio). */
int agw_ant_write_source(agw_jw_t *w, const agw_part_t *p);


/* Stop reasons, usage, errors (ant_codec.c). */

agw_finish_t agw_ant_finish(const agw_str_t *stop_reason);
const char *agw_ant_stop_reason(agw_finish_t finish);

/* Anthropic's usage numbers as they came: input excludes the cache. */
typedef struct {
    int64_t   input;
    int64_t   output;
    int64_t   cache_read;
    int64_t   cache_write;
    int64_t   thinking;
} agw_ant_usage_raw_t;

void agw_ant_usage_raw_init(agw_ant_usage_raw_t *u);
/* An Anthropic usage object at r folded in (fields present overwrite:
 * message_delta carries cumulative numbers).  0, or -1 (not JSON). */
int agw_ant_usage_read(agw_jr_t *r, agw_ant_usage_raw_t *u);
/* The normalised usage (agw_usage.h): input with the cache added once. */
void agw_ant_usage_norm(const agw_ant_usage_raw_t *raw, agw_usage_t *u);
/* Anthropic's usage object of u: input net of the cache, once. */
void agw_ant_usage_write(agw_jw_t *w, const agw_usage_t *u, int output);

const char *agw_ant_err_type(agw_err_class_t cls);
agw_err_class_t agw_ant_err_class(const char *type, size_t len);


/* The codec's entries, one file each. */

int agw_ant_read_request(const char *body, size_t len, int valid,
    agw_arena_t *a, agw_request_t *req, agw_error_t *err);
int agw_ant_write_request(const agw_request_t *req,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);

int agw_ant_read_response(const char *body, size_t len, agw_arena_t *a,
    agw_response_t *res, agw_error_t *err);
int agw_ant_write_response(const agw_response_t *res,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_error_t *err);

/* Kinds of block a stream side has open. */
enum {
    AGW_ANT_K_NONE = 0,
    AGW_ANT_K_TEXT,
    AGW_ANT_K_THINKING,
    AGW_ANT_K_TOOL,
    AGW_ANT_K_REDACTED,
    AGW_ANT_K_SKIP              /* a block the other side has no use for */
};

/* The provider side: Anthropic events read into steps. */
typedef struct {
    agw_ant_usage_raw_t  usage;     /* as Anthropic counts, folded */
    uint32_t             block;     /* the open block's Anthropic index */
    uint32_t             next;      /* the step index of the next block */
    uint8_t              kind;      /* AGW_ANT_K_* of the open block */
    uint8_t              started;   /* message_start went by */
} agw_ant_rstate_t;

/* The client side: steps written as Anthropic events. */
typedef struct {
    union {
        char             id[128];   /* START's id, for message_start */
        char             delta[192];    /* after it: the open block's
                                           delta event up to its text
                                           (AGW_JW_DELTA_SHORT bytes
                                           copied: agw_json_delta.h) */
    } u;
    uint32_t             next;      /* the index the next block gets */
    uint32_t             step;      /* the open block's step index */
    uint32_t             tools;     /* tool_use blocks so far */
    uint8_t              kind;      /* AGW_ANT_K_* of the open block */
    uint8_t              finish;    /* agw_finish_t, held for the end */
    uint8_t              started;   /* message_start sent */
    uint8_t              ended;     /* message_stop or error sent */
    uint8_t              id_len;
    uint8_t              delta_len; /* of u.delta; 0: none made */
} agw_ant_wstate_t;

/* A malformed provider stream: its error recorded (502), -1 returned; the
 * client gets an error event. */
int agw_ant_stream_fail(agw_xstream_t *s, const char *what);
int agw_ant_read_event(agw_xstream_t *s, const agw_sse_event_t *ev);
/* The same without the deltas' byte match: every event walked (for the
 * tests that compare the two paths). */
int agw_ant_read_event_walk(agw_xstream_t *s, const agw_sse_event_t *ev);
/* A content_block_delta of Anthropic's layout read by its bytes: the kind
 * of its block (AGW_ANT_K_*) with its index and string, or 0 for any
 * other event, which the walk reads (ant_stream.c). */
int agw_ant_delta_bytes(const char *d, size_t len, uint32_t *idx,
    agw_str_t *text);
/* The same deltas in the feed, before the SSE parser (agw_codec_t) */
size_t agw_ant_read_bytes(agw_xstream_t *s, const char *p, size_t len,
    int *rc);
int agw_ant_write_step(agw_xstream_t *s, const agw_step_t *step);
int agw_ant_write_end(agw_xstream_t *s);
int agw_ant_write_stream_error(agw_xstream_t *s, const agw_error_t *err);

void agw_ant_read_error(const char *body, size_t len, agw_error_t *err);
int agw_ant_write_error(const agw_error_t *err, agw_buf_t *out);
/* The error object's members ({"type":"error","error":{...}}) into w. */
void agw_ant_write_error_json(agw_jw_t *w, const agw_error_t *err);

int agw_ant_rewrite_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);
/* A key's policy on the client's bytes, before the rewrite (ant_policy.c) */
int agw_ant_policy_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);
int agw_ant_rewrite_response(const char *body, size_t len,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_usage_t *usage,
    agw_error_t *err);
int agw_ant_rewrite_event(agw_xstream_t *s, const agw_sse_event_t *ev);

#endif /* ANT_INT_H */
