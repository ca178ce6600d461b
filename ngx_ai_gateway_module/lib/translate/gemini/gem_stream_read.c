/*
 * A Gemini provider's stream (streamGenerateContent?alt=sse) read into
 * steps.
 *
 * Each "data:" event is a whole GenerateContentResponse: candidates[]
 * .content.parts with text, thought text, whole function calls and
 * thought signatures; finishReason and usageMetadata (a running total:
 * the last one wins) in the last chunks; no [DONE].  An event is read in
 * one pass into a few slices, then its steps go out: a text block stays
 * open across chunks while text continues, a function call is a whole
 * tool call block, the finish closes what is open.  Only the first
 * candidate is read (a stream of several has no form).
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agw_json_scan.h"
#include "gem_candidate.h"


typedef enum {
    AGW_GEM_S_TEXT = 1,
    AGW_GEM_S_CALL,
    AGW_GEM_S_SIGNATURE             /* a part of its own */
} agw_gem_skind_t;

typedef struct agw_gem_spart_s  agw_gem_spart_t;

struct agw_gem_spart_s {
    agw_gem_spart_t  *next;
    agw_gem_skind_t   kind;
    agw_gem_mpart_t   m;
};

typedef struct {
    agw_jr_t          r;
    agw_arena_t      *a;
    agw_gem_spart_t  *parts;
    agw_gem_spart_t **tail;
    agw_str_t         finish;
    agw_str_t         block;        /* promptFeedback.blockReason */
    agw_str_t         rid;
    agw_str_t         model;
    agw_usage_t       usage;
    int               has_usage;
    int               candidates;   /* how many came */
    int               error;        /* an error object came */
    int               odd;          /* after a text shape's candidates: a
                                       member whose bytes are not kept */
    int               shape;        /* the text shape's index */
    const char       *rest;         /* a text shape's members after its
                                       candidates; else NULL */
    const char       *hole;         /* usageMetadata's value there */
    const char       *hole_end;
    agw_gem_spart_t   text;         /* the text chunk's one part; last:
                                       the chunk is zeroed up to it */
} agw_gem_chunk_t;


/* One part of a candidate (agw_gem_part_cb): 0, -1 not what Gemini
 * sends, -2 out of memory. */
static int
agw_gem_spart(void *ud)
{
    agw_gem_spart_t  *p;
    agw_gem_chunk_t  *c = ud;

    p = agw_arena_alloc(c->a, sizeof(agw_gem_spart_t));
    if (p == NULL) {
        return -2;
    }

    if (agw_gem_mpart_read(&c->r, &p->m) != 0) {
        return -1;
    }

    if (p->m.call) {
        p->kind = AGW_GEM_S_CALL;
    } else if (agw_str_set(&p->m.text)) {
        p->kind = AGW_GEM_S_TEXT;
    } else if (agw_str_set(&p->m.signature)) {
        p->kind = AGW_GEM_S_SIGNATURE;
    } else {
        return 0;               /* inlineData, code...: not for the form */
    }

    p->next = NULL;
    *c->tail = p;
    c->tail = &p->next;

    return 0;
}


static int
agw_gem_candidate(agw_gem_chunk_t *c, int position)
{
    int                rc;
    int64_t            index;
    agw_str_t          finish;
    agw_gem_spart_t  **mark;

    mark = c->tail;

    rc = agw_gem_candidate_read(&c->r, position, agw_gem_spart, c, &finish,
                                &index);
    if (rc != 0) {
        return rc;
    }

    if (index != 0) {
        /* another candidate's parts: dropped (see above) */
        *mark = NULL;
        c->tail = mark;
        return 0;
    }

    c->finish = finish;

    return 0;
}


/*
 * The commonest chunk, one text part of one candidate, as Gemini writes
 * it (without blanks, or with its blanks after colons and commas): these
 * bytes, the text, and these.  Such a chunk is read without walking its
 * candidates: the text is read (and validated) as the walk reads it and
 * the members after the candidates are walked as ever, so the chunk is
 * the one the walk would read, and as validated.  Any other is walked.
 */
typedef struct {
    const char  *head;
    size_t       head_len;
    const char  *tail;
    size_t       tail_len;
    const char  *thought;           /* a thought's flag after its text */
    size_t       thought_len;
    const char  *feed;              /* "data: ", the head, the text's
                                       quote: the repeat's one compare */
    size_t       feed_len;
} agw_gem_shape_t;

#define AGW_GEM_HEAD_COMPACT                                                  \
    "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
#define AGW_GEM_HEAD_BLANKS                                                   \
    "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": "
#define AGW_GEM_TAIL_COMPACT  "}],\"role\":\"model\"},\"index\":0}]"
#define AGW_GEM_TAIL_BLANKS   "}], \"role\": \"model\"}, \"index\": 0}]"

static const agw_gem_shape_t  agw_gem_text_shapes[] = {

#define agw_gem_shape(h, t, f)                                                \
    { h, sizeof(h) - 1, t, sizeof(t) - 1, f, sizeof(f) - 1,                   \
      "data: " h "\"", sizeof("data: " h "\"") - 1 }

    agw_gem_shape(AGW_GEM_HEAD_COMPACT, AGW_GEM_TAIL_COMPACT,
                  ",\"thought\":true"),
    agw_gem_shape(AGW_GEM_HEAD_BLANKS, AGW_GEM_TAIL_BLANKS,
                  ", \"thought\": true")

#undef agw_gem_shape
};

/* the repeat compares a head with its quote, "data: " before it or not,
 * as 33 to 64 bytes (agw_gem_head_same) */
_Static_assert(sizeof(AGW_GEM_HEAD_COMPACT) > 32
               && sizeof(AGW_GEM_HEAD_BLANKS) > 32
               && sizeof("data: " AGW_GEM_HEAD_COMPACT) <= 64
               && sizeof("data: " AGW_GEM_HEAD_BLANKS) <= 64,
               "a head the repeat's compare does not fit");

/* the kept bytes begin with a shape's tail: agw_gem_kept_same() reads at
 * least 16 of them */
_Static_assert(sizeof(AGW_GEM_TAIL_COMPACT) > 16
               && sizeof(AGW_GEM_TAIL_BLANKS) > 16,
               "a tail shorter than the kept compare's least");


/* The keys after them, in each shape's spelling. */
typedef struct {
    const char  *key;
    size_t       len;
} agw_gem_key_t;

static const agw_gem_key_t  agw_gem_text_after[][3] = {

#define agw_gem_k(k)  { k, sizeof(k) - 1 }

    { agw_gem_k(",\"usageMetadata\":"), agw_gem_k(",\"modelVersion\":"),
      agw_gem_k(",\"responseId\":") },
    { agw_gem_k(", \"usageMetadata\": "), agw_gem_k(", \"modelVersion\": "),
      agw_gem_k(", \"responseId\": ") }

#undef agw_gem_k
};


/* Whether the reader is at the key k with a byte after it: then past
 * it. */
static int
agw_gem_at(agw_jr_t *r, const agw_gem_key_t *k)
{
    if ((size_t) (r->end - r->p) <= k->len
        || !agw_json_bytes_eq(r->p, k->key, k->len))
    {
        return 0;
    }

    r->p += k->len;

    return 1;
}


/*
 * Whether the chunk at r begins with the candidates of one of those
 * shapes, its part a text, or a thought when thought is not NULL: its
 * index, r past them in its object, *text the text (read as r reads
 * strings) and *thought; or -1, r anywhere (the caller starts again).
 * Inlined: the rewrite's, without thoughts, has no test for them.
 */
static AGW_JSON_HOT int
agw_gem_text_head(agw_jr_t *r, agw_str_t *text, int *thought)
{
    size_t  i, left;

    left = (size_t) (r->end - r->p);

    for (i = 0; i < sizeof(agw_gem_text_shapes) / sizeof(agw_gem_text_shapes[0]);
         i++)
    {
        if (left > agw_gem_text_shapes[i].head_len
                   + agw_gem_text_shapes[i].tail_len + 2
            && memcmp(r->p, agw_gem_text_shapes[i].head,
                      agw_gem_text_shapes[i].head_len) == 0)
        {
            break;
        }
    }

    if (i == sizeof(agw_gem_text_shapes) / sizeof(agw_gem_text_shapes[0])) {
        return -1;
    }

    r->p += agw_gem_text_shapes[i].head_len;

    if (*r->p != '"' || agw_jr_string(r, text) != 0) {
        return -1;
    }

    if (thought != NULL) {
        *thought = 0;

        if ((size_t) (r->end - r->p) > agw_gem_text_shapes[i].thought_len
            && *r->p == ','
            && memcmp(r->p, agw_gem_text_shapes[i].thought,
                      agw_gem_text_shapes[i].thought_len) == 0)
        {
            r->p += agw_gem_text_shapes[i].thought_len;
            *thought = 1;
        }
    }

    if ((size_t) (r->end - r->p) <= agw_gem_text_shapes[i].tail_len
        || memcmp(r->p, agw_gem_text_shapes[i].tail,
                  agw_gem_text_shapes[i].tail_len) != 0)
    {
        return -1;
    }

    r->p += agw_gem_text_shapes[i].tail_len;
    r->depth = 1;

    return (int) i;
}


/* Those candidates with a text, not a thought: the same-dialect rewrite
 * finds them so too (gem_rewrite.c). */
int
agw_gem_text_candidates(agw_jr_t *r, agw_str_t *text)
{
    return agw_gem_text_head(r, text, NULL);
}


/* 1: the chunk is of that shape, its part and the members after it read,
 * the reader in its object after them; 0: it is not (walk it). */
static int
agw_gem_text_chunk(agw_gem_chunk_t *c)
{
    int               i, thought;
    agw_jr_t         *r;
    agw_str_t         text;
    agw_gem_spart_t  *p;

    r = &c->r;

    i = agw_gem_text_head(r, &text, &thought);
    if (i < 0) {
        return 0;
    }

    /* the chunk's one part: in the chunk, not the arena */
    p = &c->text;
    memset(p, 0, sizeof(agw_gem_spart_t));
    p->m.text = text;
    p->m.thought = (uint8_t) thought;

    c->shape = i;
    c->rest = r->p;

    /* the members Gemini sends after them, in its order, read by their
     * keys' bytes as the walk reads them */
    if (agw_gem_at(r, &agw_gem_text_after[i][0])) {
        c->hole = r->p;
        if (agw_gem_usage_read(r, &c->usage) != 0) {
            return 0;
        }
        c->hole_end = r->p;
        c->has_usage = 1;
    }

    if (agw_gem_at(r, &agw_gem_text_after[i][1])
        && agw_jr_string(r, &c->model) != 0)
    {
        return 0;
    }

    if (agw_gem_at(r, &agw_gem_text_after[i][2])
        && agw_jr_string(r, &c->rid) != 0)
    {
        return 0;
    }

    p->kind = AGW_GEM_S_TEXT;
    *c->tail = p;
    c->tail = &p->next;
    c->candidates = 1;

    return 1;
}


/* One event read: 0, -1 not what Gemini sends, -2 out of memory. */
static int
agw_gem_chunk_read(agw_gem_chunk_t *c)
{
    int        rc, i;
    agw_str_t  key;

    if (!agw_gem_text_chunk(c)) {
        /* from the start, whatever the shape's test read */
        agw_jr_init(&c->r, c->r.start, (size_t) (c->r.end - c->r.start));
        agw_usage_init(&c->usage);
        c->parts = NULL;
        c->tail = &c->parts;
        c->rest = NULL;
        c->has_usage = 0;
        c->model = (agw_str_t) AGW_STR_NULL;
        c->rid = (agw_str_t) AGW_STR_NULL;

        if (agw_jr_object(&c->r) != 0) {
            return -1;
        }

    } else if (c->r.p < c->r.end && *c->r.p == '}') {
        /* the chunk ends after its ids, as Gemini's do: what
         * agw_jr_member() would do with the brace */
        c->r.p++;
        c->r.depth = 0;

        return agw_jr_end(&c->r) == 0 ? 0 : -1;
    }

    while ((rc = agw_jr_member(&c->r, &key)) == 1) {
        if (agw_gem_is(&key, "candidates")) {
            c->odd = 1;
            if (agw_jr_array(&c->r) != 0) {
                return -1;
            }
            for (i = 0; (rc = agw_jr_element(&c->r)) == 1; i++) {
                rc = agw_gem_candidate(c, i);
                if (rc != 0) {
                    return rc;
                }
            }
            if (rc < 0) {
                return -1;
            }
            c->candidates += i;

        } else if (agw_gem_key(&key, "usageMetadata", "usage_metadata")) {
            c->odd |= c->has_usage;         /* two: the last one wins */
            c->hole = c->r.p;
            if (agw_gem_usage_read(&c->r, &c->usage) != 0) {
                return -1;
            }
            c->hole_end = c->r.p;
            c->has_usage = 1;

        } else if (agw_gem_key(&key, "responseId", "response_id")) {
            if (agw_jr_string(&c->r, &c->rid) != 0) {
                return -1;
            }

        } else if (agw_gem_key(&key, "modelVersion", "model_version")) {
            if (agw_jr_string(&c->r, &c->model) != 0) {
                return -1;
            }

        } else if (agw_gem_key(&key, "promptFeedback", "prompt_feedback")) {
            c->odd = 1;
            if (agw_jr_object(&c->r) != 0) {
                return -1;
            }
            while ((rc = agw_jr_member(&c->r, &key)) == 1) {
                if (agw_gem_key(&key, "blockReason", "block_reason")) {
                    rc = agw_jr_string(&c->r, &c->block);
                } else {
                    rc = agw_jr_value(&c->r, NULL);
                }
                if (rc != 0) {
                    return -1;
                }
            }
            if (rc < 0) {
                return -1;
            }

        } else if (agw_gem_is(&key, "error")) {
            c->error = 1;
            if (agw_jr_value(&c->r, NULL) != 0) {
                return -1;
            }

        } else if (agw_jr_value(&c->r, NULL) != 0) {
            return -1;
        }
    }

    if (rc < 0 || agw_jr_end(&c->r) != 0) {
        return -1;
    }

    return 0;
}


static int
agw_gem_close_open(agw_xstream_t *s, agw_gem_rstate_t *st)
{
    if (st->open_type == 0) {
        return 0;
    }

    st->open_type = 0;

    return agw_stream_bare_step(s, AGW_STEP_BLOCK_STOP, st->open);
}


/* A text or thought block open for the next piece, opened if need be. */
static int
agw_gem_open_text(agw_xstream_t *s, agw_gem_rstate_t *st,
    agw_part_type_t type)
{
    agw_step_t   step;
    agw_part_t  *part;

    if (st->open_type == type) {
        return 0;
    }

    if (agw_gem_close_open(s, st) != 0) {
        return -1;
    }

    part = agw_arena_calloc(s->arena, sizeof(agw_part_t));
    if (part == NULL) {
        return -1;
    }
    part->type = type;

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_BLOCK_START;
    step.index = st->next;
    step.part = part;

    st->open = st->next++;
    st->open_type = (uint8_t) type;

    return agw_stream_step(s, &step);
}


/* A function call, whole: its block, its arguments' text as one delta
 * (the inside of a JSON string, escaped into the state's buffer), its
 * signature, its end. */
static int
agw_gem_call_steps(agw_xstream_t *s, agw_gem_rstate_t *st,
    agw_gem_spart_t *p)
{
    uint32_t     index;
    agw_jw_t     w;
    agw_str_t    rid, args, text;
    agw_step_t   step;
    agw_part_t  *part;

    if (agw_gem_close_open(s, st) != 0) {
        return -1;
    }

    part = agw_arena_calloc(s->arena, sizeof(agw_part_t));
    if (part == NULL) {
        return -1;
    }
    part->type = AGW_PART_TOOL_CALL;
    part->name = p->m.name;
    part->id = p->m.id;

    if (!agw_str_set(&part->id)) {
        rid = agw_str_bytes(st->rid, st->rid_len);
        part->id = agw_gem_call_id(s->arena, &rid, 0, st->calls);
        if (!agw_str_set(&part->id)) {
            return -1;
        }
    }

    index = st->next++;
    st->calls++;

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_BLOCK_START;
    step.index = index;
    step.part = part;

    if (agw_stream_step(s, &step) != 0) {
        return -1;
    }

    if (agw_str_set(&p->m.args)) {
        args = agw_gem_compact(s->arena, &p->m.args);
        if (!agw_str_set(&args)) {
            return -1;
        }
    } else {
        args = (agw_str_t) agw_str_lit("{}");
    }

    st->args.len = 0;
    agw_jw_init(&w, &st->args);
    agw_jw_escape(&w, args.data, args.len);
    if (w.failed) {
        return -1;
    }

    text.data = st->args.data;
    text.len = (uint32_t) st->args.len;
    text.kind = AGW_STR_JSON;
    text.escaped = memchr(text.data, '\\', text.len) != NULL;

    if (agw_stream_text_step(s, AGW_STEP_DELTA, index, &text) != 0) {
        return -1;
    }

    if (agw_str_set(&p->m.signature)
        && agw_stream_text_step(s, AGW_STEP_SIGNATURE, index, &p->m.signature)
           != 0)
    {
        return -1;
    }

    if (st->args.cap > AGW_GEM_KEEP) {
        agw_buf_free(&st->args);
    }

    return agw_stream_bare_step(s, AGW_STEP_BLOCK_STOP, index);
}


static int
agw_gem_fail(agw_xstream_t *s, agw_err_class_t cls, const char *code,
    const char *msg)
{
    agw_error_t  *err;

    err = agw_stream_error_slot(s);
    if (err != NULL) {
        agw_error_set(err, cls, 0, code, "%s", msg);
    }

    return -1;
}


/* A data: {"error": {...}} event: the provider's error, as a step. */
static int
agw_gem_error_event(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    agw_error_t  err;
    agw_step_t   step;

    memset(&err, 0, sizeof(err));
    agw_gem_read_error(ev->data, ev->data_len, &err);
    if (err.cls == AGW_ERR_NONE) {
        err.cls = AGW_ERR_SERVER;
    }
    err.status = agw_error_status(err.cls);
    if (err.message[0] == '\0') {
        strcpy(err.message, "the gemini upstream sent an error");
    }

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_ERROR;
    step.error = &err;

    return agw_stream_step(s, &step);
}


/*
 * The members after a text chunk's candidates kept as they came, but for
 * the integers of its usageMetadata (a running total: its counts change
 * every chunk): the next text chunks repeat them (model, response id,
 * the usage's keys), and one that does is read by them
 * (agw_gem_repeat()).  Only those of a chunk read whole here, so
 * validated; none when they hold what reading them again must not skip
 * (candidates, an error, promptFeedback), a number of the usage that is
 * no integer, or more than ids and a usage need.
 */
static void
agw_gem_keep_rest(agw_gem_rstate_t *st, const agw_gem_chunk_t *c)
{
    int                     rc;
    size_t                  need;
    int64_t                 v;
    agw_jr_t                r;
    agw_str_t               key;
    const char             *end, *from, *q;
    agw_gem_kept_t         *k;
    const agw_gem_shape_t  *sh;

    st->shape = 0;

    end = c->r.end;

    if (c->rest == NULL || c->odd || c->error
        || (size_t) (end - c->rest) > AGW_GEM_REST_MAX)
    {
        return;
    }

    sh = &agw_gem_text_shapes[c->shape];

    /* at most: the integers cut out only shorten it */
    need = sh->tail_len + (size_t) (end - c->rest);

    k = st->kept;

    if (k == NULL || k->cap < need) {
        /* its data aligned for the compare's loads (agw_gem_kept_same):
         * nothing of the old one is kept, so no realloc */
        if (posix_memalign((void **) &k, AGW_GEM_KEPT_ALIGN,
                           offsetof(agw_gem_kept_t, data) + need)
            != 0)
        {
            return;         /* read whole, as if not repeated */
        }

        free(st->kept);

        /* the step of their text, cleared once: each chunk sets its
         * text and block */
        memset(k, 0, offsetof(agw_gem_kept_t, data));
        k->delta.type = AGW_STEP_DELTA;
        k->delta.text.kind = AGW_STR_JSON;

        k->cap = need;
        st->kept = k;
    }

    /* after the shape's tail, which the kept bytes begin with: one
     * compare for both */
    memcpy(k->data, sh->tail, sh->tail_len);
    k->len = sh->tail_len;
    k->cuts = 0;

    from = c->rest;

    if (c->has_usage) {
        /* the usage's integers at its top cut out (the walk read them,
         * and the bytes are validated) */
        agw_jr_init(&r, c->hole, (size_t) (c->hole_end - c->hole));

        if (agw_jr_object(&r) == 0) {
            while ((rc = agw_jr_member(&r, &key)) == 1) {
                q = agw_json_ws(r.p, r.end);

                if (q == r.end || (*q != '-' && (*q < '0' || *q > '9'))) {
                    if (agw_jr_value(&r, NULL) != 0) {
                        return;
                    }
                    continue;
                }

                if (k->cuts == AGW_GEM_CUTS || agw_jr_int(&r, &v) != 0) {
                    return;
                }

                memcpy(k->data + k->len, from, (size_t) (q - from));
                k->len += (size_t) (q - from);

                k->cut[k->cuts] = (uint16_t) k->len;
                k->cut_count[k->cuts++] = (int8_t) agw_gem_usage_key(&key);
                from = r.p;
            }

            if (rc < 0) {
                return;
            }
        }
    }

    memcpy(k->data + k->len, from, (size_t) (end - from));
    k->len += (size_t) (end - from);

    k->has_usage = (uint8_t) c->has_usage;

    /* a CR or LF (white space: never in an event the SSE parser hands
     * over, which ends its lines at them, but a caller's own event may
     * hold one): a chunk read from the feed's bytes by these
     * (agw_gem_read_bytes) would hold a line end */
    k->lines = memchr(c->rest, '\r', (size_t) (end - c->rest)) != NULL
               || memchr(c->rest, '\n', (size_t) (end - c->rest)) != NULL;

    st->shape = (uint8_t) (c->shape + 1);
}


/* Whether the n bytes at p are those at q. */
static inline int
agw_gem_eq(const char *p, const char *q, size_t n)
{
    return n >= 8 ? agw_json_bytes_same(p, q, n) : memcmp(p, q, n) == 0;
}


/*
 * Whether the n bytes at p are a shape's head at h, n above 32 and at
 * most 64 (asserted at the shapes): four loads of 16 bytes, the last two
 * overlapping, without a loop's count.
 */
static inline int
agw_gem_head_same(const char *p, const char *h, size_t n)
{
#ifdef AGW_JSON_SSE2
    __m128i  x, y;

    x = _mm_or_si128(
            _mm_xor_si128(_mm_loadu_si128((const __m128i *) p),
                          _mm_loadu_si128((const __m128i *) h)),
            _mm_xor_si128(_mm_loadu_si128((const __m128i *) (p + 16)),
                          _mm_loadu_si128((const __m128i *) (h + 16))));
    y = _mm_or_si128(
            _mm_xor_si128(_mm_loadu_si128((const __m128i *) (p + n - 32)),
                          _mm_loadu_si128((const __m128i *) (h + n - 32))),
            _mm_xor_si128(_mm_loadu_si128((const __m128i *) (p + n - 16)),
                          _mm_loadu_si128((const __m128i *) (h + n - 16))));

    return _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(x, y),
                                            _mm_setzero_si128()))
           == 0xffff;
#else
    return memcmp(p, h, n) == 0;
#endif
}


/*
 * Whether the n bytes at p (n at least 16: the kept bytes begin with a
 * shape's tail) are the kept ones: 32 a round, the kept side's loads
 * aligned (AGW_GEM_KEPT_ALIGN) so that each is the xor's operand, the
 * differences gathered and tested once; the last 16 bytes overlapping.
 */
static inline int
agw_gem_kept_same(const char *p, const agw_gem_kept_t *k, size_t n)
{
#ifdef AGW_JSON_SSE2
    __m128i      x;
    ptrdiff_t    off;
    const char  *d, *e;

    /* the last 16 first; then one pointer a round, p's bytes at the same
     * offset from it (GCC's vector operators: with the intrinsics it
     * copied the sum once a round) */
    x = _mm_loadu_si128((const __m128i *) (p + n - 16))
        ^ _mm_loadu_si128((const __m128i *) (k->data + n - 16));

    off = p - k->data;
    d = k->data;
    e = k->data + (n & ~(size_t) 15);

    /* an odd 16 first: the loop's end is then all that is left */
    if (n & 16) {
        x |= _mm_loadu_si128((const __m128i *) (d + off))
             ^ *(const __m128i *) d;
        d += 16;
    }

    for ( /* void */ ; d < e; d += 32) {
        x |= _mm_loadu_si128((const __m128i *) (d + off))
             ^ *(const __m128i *) d;
        x |= _mm_loadu_si128((const __m128i *) (d + off + 16))
             ^ *(const __m128i *) (d + 16);
    }

    return _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_setzero_si128()))
           == 0xffff;
#else
    return agw_json_bytes_same(p, k->data, n);
#endif
}


/*
 * Past a repeated chunk's last byte p: the end of its event's bytes, or
 * NULL.  frame 0: the event's data, which ends there (p == end).  frame
 * 1: the feed's bytes (agw_gem_read_bytes), where the blank line follows,
 * "\r\n\r\n" as Gemini frames its events or "\n\n", either whole before
 * end (else the event is cut: the parser's).
 */
static inline const char *
agw_gem_frame(const char *p, const char *end, int frame)
{
    if (!frame) {
        return p == end ? p : NULL;
    }

    if (end - p >= 4 && memcmp(p, "\r\n\r\n", 4) == 0) {
        return p + 4;
    }

    if (end - p >= 2 && p[0] == '\n' && p[1] == '\n') {
        return p + 2;
    }

    return NULL;
}


/*
 * The kept bytes of a repeated chunk with a usage (agw_gem_repeat) from
 * p on, then its frame (agw_gem_frame(), *next past it): each run of
 * them, then an integer read by the reader where the kept chunk had one
 * (in the feed's bytes right there: white space before it may hold a
 * line end), then the usage's step.  1, or 0 when they are not so,
 * nothing done.  Apart: many streams have a usage in their last chunk
 * only.
 */
static __attribute__((noinline)) int
agw_gem_repeat_usage(agw_xstream_t *s, const char *p, const char *end,
    int frame, const char **next)
{
    size_t             n, from;
    int64_t            v, c[AGW_GEM_U_N];
    unsigned           i;
    agw_jr_t           r;
    agw_step_t         step;
    const char        *q, *start;
    agw_usage_t        usage;
    agw_gem_kept_t    *k = ((agw_gem_rstate_t *) s->rstate)->kept;

    for (i = 0; i < AGW_GEM_U_N; i++) {
        c[i] = -1;
    }

    start = p;
    from = 0;

    for (i = 0; i < k->cuts; i++) {
        n = k->cut[i] - from;

        /* the first run at the kept bytes' start, aligned */
        if ((size_t) (end - p) <= n
            || !(i == 0 ? agw_gem_kept_same(p, k, n)
                        : agw_gem_eq(p, k->data + from, n))
            || (frame && p[n] != '-' && (unsigned) (p[n] - '0') > 9))
        {
            return 0;
        }

        /* a count's plain digits read here (the kept run after it, which
         * followed a whole integer, is compared next: no digit, '.' nor
         * exponent after them); a sign, a blank by the reader */
        q = agw_jr_int_digits(p + n, end, &v);

        if (q == NULL) {
            agw_jr_init(&r, start, (size_t) (end - start));
            r.p = p + n;

            if (agw_jr_int(&r, &v) != 0) {
                return 0;
            }

            q = r.p;
        }

        /* as agw_gem_usage_read() takes it */
        if (k->cut_count[i] >= 0) {
            c[k->cut_count[i]] = v >= 0 ? v : -1;
        }

        p = q;
        from = k->cut[i];
    }

    n = k->len - from;

    if ((size_t) (end - p) < n || !agw_gem_eq(p, k->data + from, n)) {
        return 0;
    }

    *next = agw_gem_frame(p + n, end, frame);
    if (*next == NULL) {
        return 0;
    }

    /* the walk's first step of such a chunk, as it gives it */
    agw_usage_init(&usage);
    agw_gem_usage_set(&usage, c);

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_USAGE;
    step.usage = &usage;

    return agw_stream_step(s, &step) == 0 ? 1 : -1;
}


/*
 * A text chunk that repeats the last text chunk walked but for its text
 * and its usage's counts (most chunks of a stream): its shape's bytes,
 * the text read by the one reader's string scan (validated as the walk
 * validates it), the kept members compared byte for byte (validated when
 * kept) and the counts read by the reader's integer read.  What the walk
 * would give, the same steps: any difference is walked.  The chunk's
 * bytes from p (frame 1: from its line's "data: "), then its frame
 * (agw_gem_frame(), *next past it); never reads past end.  1, -1, or 0
 * having done nothing: no step, no state.
 */
static inline __attribute__((always_inline)) int
agw_gem_repeat(agw_xstream_t *s, const char *p, const char *end, int frame,
    const char **next)
{
    int                     rc, esc, thought;
    size_t                  n;
    const char             *q, *at, *t, *h;
    agw_part_type_t         type;
    agw_gem_kept_t         *k;
    agw_gem_rstate_t       *st = s->rstate;
    const agw_gem_shape_t  *sh;

    if (st->shape == 0) {
        return 0;
    }

    sh = &agw_gem_text_shapes[st->shape - 1];
    k = st->kept;

    if (frame && k->lines) {
        return 0;
    }

    /* the head and the text's opening quote, in the feed's bytes after
     * "data: " (one compare for the three) */
    h = frame ? sh->feed : sh->feed + 6;
    n = frame ? sh->feed_len : sh->feed_len - 6;

    /* its least: those, the closing quote, the tail and kept members */
    if ((size_t) (end - p) < n + 1 + k->len || !agw_gem_head_same(p, h, n)) {
        return 0;
    }

    p += n - 1;

    /* the string holds no raw control byte: no CR, no LF */
    t = p + 1;
    esc = 0;
    q = agw_json_string_scan(p, end, &esc, &at);

    /*
     * The state again from s: the scan's loop needs the registers, and
     * what stayed in them across it was saved and restored around it on
     * every text longer than 16 bytes (the scan writes no state: it is
     * only read again).
     */
    __asm__ volatile ("" : : : "memory");

    if (q == NULL || (size_t) (q - t - 1) > UINT32_MAX) {
        return 0;
    }

    st = s->rstate;
    sh = &agw_gem_text_shapes[st->shape - 1];
    k = st->kept;

    p = q;
    thought = 0;

    if (p < end && *p == ','
        && (size_t) (end - p) > sh->thought_len
        && agw_json_bytes_eq(p, sh->thought, sh->thought_len))
    {
        p += sh->thought_len;
        thought = 1;
    }

    /* the kept bytes, then the frame */
    if (k->has_usage) {
        rc = agw_gem_repeat_usage(s, p, end, frame, next);
        if (rc <= 0) {
            return rc;
        }

    } else if ((size_t) (end - p) < k->len
               || !agw_gem_kept_same(p, k, k->len)
               || (*next = agw_gem_frame(p + k->len, end, frame)) == NULL)
    {
        return 0;
    }

    if (q - t == 1) {
        return 1;                       /* an empty text: no step */
    }

    /* the text, as agw_jr_string() gives it */
    k->delta.text.data = t;
    k->delta.text.len = (uint32_t) (q - t - 1);
    k->delta.text.escaped = (uint8_t) esc;

    type = thought ? AGW_PART_THINKING : AGW_PART_TEXT;

    /* most chunks go on with the open block: no call to see that */
    if (st->open_type != type && agw_gem_open_text(s, st, type) != 0) {
        return -1;
    }

    k->delta.index = st->open;

    return agw_stream_step(s, &k->delta) == 0 ? 1 : -1;
}


/* the repeat path alone, for the tests that hold it to the walk (the
 * event path inlines it) */
int
agw_gem_read_repeat(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    const char  *next;

    return agw_gem_repeat(s, ev->data, ev->data + ev->data_len, 0, &next);
}


int
agw_gem_read_event(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int          rc;
    const char  *next;

    rc = agw_gem_repeat(s, ev->data, ev->data + ev->data_len, 0, &next);
    if (rc != 0) {
        return rc < 0 ? -1 : 0;
    }

    return agw_gem_read_walk(s, ev);
}


/*
 * A repeated text chunk as the feed holds it, before the SSE parser:
 * "data: " DATA then "\r\n\r\n" (or "\n\n"), DATA the chunk the repeat
 * path reads (no CR nor LF in it: see there), which the parser would hand
 * read_event as the one event with that data and no name, and read_event
 * would read by the repeat path.  Saves the parser's two scans of each
 * CRLF line and its fields; anything else is the parser's (0).
 */
size_t
agw_gem_read_bytes(agw_xstream_t *s, const char *p, size_t len, int *rc)
{
    int          r;
    const char  *next;

    /* "data: " is the repeat's, with the chunk's head */
    r = agw_gem_repeat(s, p, p + len, 1, &next);
    if (r == 0) {
        return 0;
    }

    *rc = r < 0 ? -1 : 0;

    return (size_t) (next - p);
}


int
agw_gem_read_walk(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int                n;
    agw_step_t         step;
    agw_finish_t       finish;
    agw_gem_chunk_t    c;
    agw_gem_spart_t   *p;
    agw_gem_rstate_t  *st = s->rstate;

    if (ev->data_len == 0) {
        return 0;
    }

    /* all but the text part, which only the text chunk fills (whole) */
    memset(&c, 0, offsetof(agw_gem_chunk_t, text));
    c.a = s->arena;
    c.tail = &c.parts;
    agw_usage_init(&c.usage);
    agw_jr_init(&c.r, ev->data, ev->data_len);

    n = agw_gem_chunk_read(&c);
    if (n == -2) {
        return -1;
    }
    if (n != 0) {
        return agw_gem_fail(s, AGW_ERR_BAD_GATEWAY, "invalid_upstream_body",
                            "the gemini upstream sent an event that is not "
                            "a GenerateContentResponse");
    }

    if (c.error) {
        return agw_gem_error_event(s, ev);
    }

    agw_gem_keep_rest(st, &c);

    /* what cannot be translated fails the event before any of it goes */
    for (p = c.parts; p != NULL; p = p->next) {
        if (p->kind == AGW_GEM_S_CALL
            && (!agw_str_set(&p->m.name) || p->m.partial))
        {
            /* Vertex streams a call's arguments when asked (the writer
             * never asks): what came so far is no call */
            return agw_gem_fail(s, AGW_ERR_BAD_GATEWAY, "unsupported_part",
                                "a functionCall without a name (streamed "
                                "partialArgs) cannot be translated");
        }
    }

    if (!st->started) {
        st->started = 1;
        if (agw_str_set(&c.rid)) {
            n = agw_str_decode(&c.rid, st->rid, sizeof(st->rid));
            st->rid_len = (uint8_t) (n > 0 ? n : 0);
        }

        memset(&step, 0, sizeof(step));
        step.type = AGW_STEP_START;
        step.id = c.rid;
        step.model = c.model;
        step.created = -1;
        /* the prompt's count, for a message_start that says it */
        step.usage = c.has_usage ? &c.usage : NULL;
        if (agw_stream_step(s, &step) != 0) {
            return -1;
        }
    }

    /*
     * The chunk's usage (a running total) before its parts: a writer that
     * opens its message at the first block (Anthropic's message_start)
     * or ends it on the finish has the counts by then.
     */
    if (c.has_usage) {
        memset(&step, 0, sizeof(step));
        step.type = AGW_STEP_USAGE;
        step.usage = &c.usage;
        if (agw_stream_step(s, &step) != 0) {
            return -1;
        }
    }

    for (p = c.parts; p != NULL; p = p->next) {
        switch (p->kind) {

        case AGW_GEM_S_CALL:
            if (agw_gem_call_steps(s, st, p) != 0) {
                return -1;
            }
            continue;

        case AGW_GEM_S_TEXT:
            if (p->m.text.len == 0 && !agw_str_set(&p->m.signature)) {
                continue;
            }
            if (agw_gem_open_text(s, st, p->m.thought ? AGW_PART_THINKING
                                                    : AGW_PART_TEXT) != 0)
            {
                return -1;
            }
            if (p->m.text.len > 0
                && agw_stream_text_step(s, AGW_STEP_DELTA, st->open,
                                        &p->m.text)
                   != 0)
            {
                return -1;
            }
            break;

        case AGW_GEM_S_SIGNATURE:
            if (st->open_type == 0
                && agw_gem_open_text(s, st, AGW_PART_TEXT) != 0)
            {
                return -1;
            }
            break;
        }

        if (agw_str_set(&p->m.signature)
            && agw_stream_text_step(s, AGW_STEP_SIGNATURE, st->open,
                                 &p->m.signature) != 0)
        {
            return -1;
        }
    }


    if (st->finished) {
        return 0;
    }

    if (agw_str_set(&c.finish)) {
        finish = agw_gem_finish_read(&c.finish, st->calls > 0);

    } else if (c.candidates == 0 && agw_str_set(&c.block)) {
        /* the prompt was blocked: no candidate at all */
        finish = AGW_FINISH_CONTENT_FILTER;

    } else {
        /* most chunks: the step is made only for the finish */
        return 0;
    }

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_FINISH;
    step.finish = finish;

    /*
     * The chunk with a finishReason ends the stream.  Old models (2024)
     * repeat finishReason on every chunk: the first one is the finish,
     * the text of later chunks still goes out, in a block of its own.
     */
    st->finished = 1;

    if (agw_gem_close_open(s, st) != 0 || agw_stream_step(s, &step) != 0) {
        return -1;
    }

    st->ended = 1;

    return agw_stream_bare_step(s, AGW_STEP_END, 0);
}


void
agw_gem_free_read_state(void *state)
{
    agw_gem_rstate_t  *st = state;

    agw_buf_free(&st->args);
    free(st->kept);
}
