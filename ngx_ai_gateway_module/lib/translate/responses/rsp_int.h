/*
 * rsp_int.h: what the files of the OpenAI Responses API dialect share
 * (translate/responses/).  The dialect's wire format is OpenAI's API
 * reference for POST /v1/responses and its streaming events; the
 * fixtures under t/fixtures/openai-responses/ are real traffic of it.
 */

#ifndef RSP_INT_H
#define RSP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "agw_codec.h"
#include "agw_json_reader.h"
#include "agw_json_writer.h"


/* The longest id the writers derive from a provider's (resp_..., msg_...):
 * ids are opaque to clients, and a bound keeps the stream state small. */
#define AGW_RSP_ID_MAX  96


/* An unset string (agw_str_set() false), to start a member's slot with. */
static const agw_str_t  agw_rsp_unset = AGW_STR_NULL;


/* What a Response object's envelope says (rsp_response.c). */
typedef enum {
    AGW_RSP_IN_PROGRESS = 0,
    AGW_RSP_COMPLETED,
    AGW_RSP_INCOMPLETE,
    AGW_RSP_FAILED
} agw_rsp_status_t;

typedef struct {
    const char          *id;        /* the part after "resp_": plain bytes,
                                       [A-Za-z0-9_-] only */
    size_t               id_len;
    int64_t              created;
    agw_str_t            model;     /* the client's */
    agw_rsp_status_t     status;
    agw_finish_t         finish;    /* INCOMPLETE: why */
    const agw_usage_t   *usage;     /* NULL: "usage": null */
    const agw_error_t   *error;     /* FAILED */
} agw_rsp_head_t;


/* The stream writer's state (rsp_stream.c), also counted by the
 * same-dialect rewrite (rsp_rewrite.c), whose events it numbers. */
typedef struct {
    uint64_t       seq;         /* the next sequence_number */
    uint32_t       output;      /* output items opened: the next index */
    uint32_t       part;        /* content / summary parts of the item */
    uint32_t       skip;        /* the index of a block not written */
    uint8_t        item;        /* the open item's kind, 0 none */
    uint8_t        block;       /* the open block's part type, 0 none */
    uint8_t        skipping;
    uint8_t        started;
    uint8_t        ended;
    uint8_t        failed;      /* out of memory in a buffer of ours */
    uint8_t        tool_calls;
    uint8_t        passthrough; /* the same-dialect rewrite numbers the
                                   provider's events: no Response of ours */
    uint8_t        fast;        /* a delta takes the template path */
    uint16_t       item_id_len;
    agw_finish_t   finish;
    uint16_t       place;       /* in delta, the block's place: item_id, */
    uint16_t       place_len;   /* output_index, the part's index; 0 unset */
    int64_t        created;
    size_t         id_len;
    char           id[AGW_RSP_ID_MAX];
    char           item_id[AGW_RSP_ID_MAX + 16];   /* "fc_", the id, "_",
                                                   the item's index */
    agw_buf_t      delta;       /* the open block's delta event up to the
                                   delta's text */
    struct {
        char       bytes[54];   /* what follows the delta's text:
                                   ...,"sequence_number":N}\n\n and a
                                   NUL, N counted up in place */
        uint8_t    num;         /* where N starts */
        uint8_t    len;         /* the bytes, "}\n\n" included */
    }              tail;        /* copied whole: a constant size */
    agw_buf_t      text;        /* the open block's text, escaped */
    size_t         text_max;    /* what it may grow to within the bound of
                                   what is held, while the block is open */
    agw_buf_t      call;        /* function_call: call_id then name,
                                   each a JSON string's inside */
    size_t         call_id_len;
    agw_buf_t      parts;       /* the open item's finished parts, JSON */
    agw_buf_t      items;       /* finished output items: "[a,b" */
} agw_rsp_wstate_t;

/* What a stream writer keeps of an answer by default (agw_answer_ctx_t). */
#define AGW_RSP_HELD_MAX  ((size_t) 64 << 20)

/* The stream reader's state (rsp_stream.c, rsp_rewrite.c). */
typedef struct {
    uint32_t       index;       /* the next block index */
    int64_t        open_output; /* output_index of the open block, -1 */
    uint8_t        open;        /* the open block's part type, 0 none */
    uint8_t        got_delta;
    uint8_t        started;
    uint8_t        ended;       /* a terminal event went by */
    uint8_t        tool_calls;
    uint8_t        error_sent;  /* rewrite: the client got the error */
} agw_rsp_rstate_t;


/* rsp_request.c */
int agw_rsp_read_request(const char *body, size_t len, int valid,
    agw_arena_t *a, agw_request_t *req, agw_error_t *err);
int agw_rsp_write_request(const agw_request_t *req,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);

/* rsp_response.c */
int agw_rsp_read_response(const char *body, size_t len, agw_arena_t *a,
    agw_response_t *res, agw_error_t *err);
int agw_rsp_write_response(const agw_response_t *res,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_error_t *err);
int agw_rsp_read_response_object(agw_jr_t *r, agw_arena_t *a,
    agw_response_t *res, agw_error_t *failed);
void agw_rsp_response_open(agw_jw_t *w, const agw_rsp_head_t *h);
void agw_rsp_response_close(agw_jw_t *w, const agw_rsp_head_t *h);
void agw_rsp_write_usage(agw_jw_t *w, const agw_usage_t *u);
int agw_rsp_read_usage(agw_jr_t *r, agw_usage_t *u);
size_t agw_rsp_id(char *dst, size_t size, const agw_str_t *src,
    const char *prefix);
void agw_rsp_str_inside(agw_jw_t *w, const agw_str_t *s);
void agw_rsp_put_str(agw_jw_t *w, const agw_str_t *s);
/*
 * After a member's key: its value and the members after it, a run that
 * is always the same, as one value (the writer puts the next comma).  A
 * Responses stream's events have many such runs (the Response's settings
 * thrice a stream): written member by member they cost as much as the
 * stream's deltas.
 */
#define agw_rsp_lit_members(w, lit)                                          \
    do {                                                                     \
        static const agw_str_t  agw_rsp_run_ =                               \
            { (lit), sizeof(lit) - 1, AGW_STR_BYTES, 0 };                    \
        agw_jw_raw((w), &agw_rsp_run_);                                      \
    } while (0)
char *agw_rsp_digits(char *end, uint64_t n);
char *agw_rsp_int(char *p, int64_t v);
void agw_rsp_put_part(agw_jw_t *w, agw_part_type_t type,
    const agw_str_t *text);
agw_finish_t agw_rsp_finish_of(const agw_str_t *status,
    const agw_str_t *reason, int tool_calls);

/* rsp_stream.c */
int agw_rsp_read_event(agw_xstream_t *s, const agw_sse_event_t *ev);
int agw_rsp_write_step(agw_xstream_t *s, const agw_step_t *step);
int agw_rsp_write_end(agw_xstream_t *s);
int agw_rsp_write_stream_error(agw_xstream_t *s, const agw_error_t *err);
void agw_rsp_free_read_state(void *state);
void agw_rsp_free_write_state(void *state);

/* rsp_error.c */
void agw_rsp_read_error(const char *body, size_t len, agw_error_t *err);
int agw_rsp_write_error(const agw_error_t *err, agw_buf_t *out);
void agw_rsp_error_members(agw_jw_t *w, const agw_error_t *err, int type);
int agw_rsp_read_error_object(agw_jr_t *r, agw_error_t *err);
void agw_rsp_error_from(agw_error_t *err, const agw_str_t *code,
    const agw_str_t *type, const agw_str_t *message);

/* rsp_rewrite.c */
int agw_rsp_rewrite_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);
/* A key's policy on the client's bytes, before the rewrite (rsp_policy.c) */
int agw_rsp_policy_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err);
int agw_rsp_rewrite_response(const char *body, size_t len,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_usage_t *usage,
    agw_error_t *err);
int agw_rsp_rewrite_event(agw_xstream_t *s, const agw_sse_event_t *ev);
/* Its delta events taken from the feed's bytes (agw_codec_t) */
size_t agw_rsp_rewrite_bytes(agw_xstream_t *s, const char *p, size_t len,
    int *rc);

#endif /* RSP_INT_H */
