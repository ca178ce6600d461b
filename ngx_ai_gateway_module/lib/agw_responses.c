/*
 * agw_responses: the Responses API stream passthrough (see agw_responses.h).
 *
 * The provider's bytes are fed to the SSE parser one line at a time and
 * kept in rs->raw as they came, so that when an event is dispatched its
 * bytes are exactly rs->raw: an event left alone goes out as those bytes,
 * a rewritten one replaces them.  Bytes that make no event (comments,
 * blank lines) go out as soon as the parser holds nothing pending.
 */

#include <string.h>

#include "agw_json_scan.h"
#include "agw_passthrough.h"
#include "agw_responses.h"
#include "agw_translate_int.h"


#define AGW_RESPONSES_PREFIX      "response."
#define AGW_RESPONSES_PREFIX_LEN  (sizeof(AGW_RESPONSES_PREFIX) - 1)

typedef enum {
    AGW_RESPONSES_PASS = 0,     /* goes out as it came, unparsed */
    AGW_RESPONSES_LIFECYCLE,    /* may hold the Response object */
    AGW_RESPONSES_ERROR         /* the "error" event */
} agw_responses_kind_t;


static int agw_responses_event(void *ud, const agw_sse_event_t *ev);
static int agw_responses_error_members(agw_responses_t *rs, agw_buf_t *out);


void
agw_responses_init(agw_responses_t *rs, const char *model, size_t max_event)
{
    memset(rs, 0, sizeof(*rs));
    agw_sse_init(&rs->sse, max_event);
    agw_usage_init(&rs->usage);

    if (model != NULL) {
        strncpy(rs->model, model, sizeof(rs->model) - 1);
    }
}


/*
 * What an event is, from its name alone, so that the delta events (nearly
 * all of a stream, one per token) are never scanned as JSON.  OpenAI names
 * every streaming event in the "event:" field exactly as its data's
 * "type" (API reference, "Streaming events"), and the lifecycle events,
 * the only ones whose data holds the Response object, are the
 * "response.<word>" names without a second dot (created, queued,
 * in_progress, completed, failed, incomplete, and any later one of that
 * form); every delta or part event has one (response.output_text.delta).
 * A server that sends no "event:" lines gets its data's top-level "type"
 * read instead: a scan that stops at that member, first in OpenAI's own
 * serialisation.  A lifecycle name is only a candidate: its data must
 * still hold a "response" object to be rewritten.
 */

static agw_responses_kind_t
agw_responses_kind(const agw_sse_event_t *ev, const char **name,
    size_t *name_len)
{
    agw_json_member_t  type;

    if (ev->event_len) {
        *name = ev->event;
        *name_len = ev->event_len;

    } else if (agw_json_find(ev->data, ev->data_len, "type", &type) == 0
               && type.type == AGW_JSON_STRING && !type.escaped)
    {
        *name = type.value + 1;
        *name_len = type.value_len - 2;

    } else {
        return AGW_RESPONSES_PASS;
    }

    if (*name_len == 5 && memcmp(*name, "error", 5) == 0) {
        return AGW_RESPONSES_ERROR;
    }

    if (*name_len > AGW_RESPONSES_PREFIX_LEN
        && memcmp(*name, AGW_RESPONSES_PREFIX, AGW_RESPONSES_PREFIX_LEN) == 0
        && memchr(*name + AGW_RESPONSES_PREFIX_LEN, '.',
                  *name_len - AGW_RESPONSES_PREFIX_LEN) == NULL)
    {
        return AGW_RESPONSES_LIFECYCLE;
    }

    return AGW_RESPONSES_PASS;
}


static int
agw_responses_name_is(const char *name, size_t len, const char *suffix)
{
    size_t  n;

    n = strlen(suffix);

    return len == AGW_RESPONSES_PREFIX_LEN + n
           && memcmp(name + AGW_RESPONSES_PREFIX_LEN, suffix, n) == 0;
}


/* An error the provider reported (error event, response.failed). */

static void
agw_responses_error_of(agw_responses_t *rs, const char *json, size_t len)
{
    if (rs->error.cls != AGW_ERR_NONE) {
        return;                 /* the error event said it first */
    }

    agw_error_parse_generic(json, len, &rs->error);

    if (rs->error.cls == AGW_ERR_NONE) {
        rs->error.cls = AGW_ERR_SERVER;
    }

    rs->error.status = agw_error_status(rs->error.cls);

    if (rs->error.message[0] == '\0') {
        agw_error_set(&rs->error, rs->error.cls, 0, rs->error.code,
                      "the openai upstream reported an error mid-stream");
    }
}


/*
 * A lifecycle event: reads the usage of its Response object and writes
 * the event again with the object's model replaced.  Returns 1 when it
 * wrote the event, 0 when the event is to go out as it came (no
 * "response" object), -1 when out of memory.
 */

static int
agw_responses_rewrite(agw_responses_t *rs, const agw_sse_event_t *ev,
    const char *name, size_t name_len)
{
    int                rc;
    size_t             at, after;
    agw_usage_t        u;
    agw_json_member_t  resp;

    if (agw_json_find(ev->data, ev->data_len, "response", &resp) != 0
        || resp.type != AGW_JSON_OBJECT)
    {
        return 0;
    }

    at = (size_t) (resp.value - ev->data);
    after = at + resp.value_len;

    agw_usage_init(&u);
    agw_buf_reset(&rs->json);

    if (agw_buf_append(&rs->json, ev->data, at) != 0) {
        return -1;
    }

    rc = agw_passthrough_response(resp.value, resp.value_len, rs->model,
                                  &rs->json, &u);
    if (rc == AGW_PASSTHROUGH_DECLINED) {
        return 0;
    }

    if (rc != 0
        || agw_buf_append(&rs->json, ev->data + after, ev->data_len - after)
           != 0)
    {
        return -1;
    }

    agw_usage_merge(&rs->usage, &u);

    if (agw_responses_name_is(name, name_len, "failed")) {
        rs->ended = 1;
        rs->error_sent = 1;
        agw_responses_error_of(rs, resp.value, resp.value_len);

    } else if (agw_responses_name_is(name, name_len, "completed")
               || agw_responses_name_is(name, name_len, "incomplete"))
    {
        rs->ended = 1;
    }

    if (rs->model[0] == '\0') {
        return 0;               /* usage read; the bytes stay the provider's */
    }

    return agw_sse_write(rs->out, ev->event_len ? ev->event : NULL,
                         rs->json.data, rs->json.len) == 0 ? 1 : -1;
}


/* The SSE parser's callback: one whole event, its bytes in rs->raw. */

static int
agw_responses_event(void *ud, const agw_sse_event_t *ev)
{
    int                    rc;
    size_t                 name_len;
    const char            *name;
    agw_responses_t       *rs = ud;
    agw_responses_kind_t   kind;

    rs->events++;
    rc = 0;

    kind = agw_responses_kind(ev, &name, &name_len);

    if (kind == AGW_RESPONSES_LIFECYCLE) {
        rc = agw_responses_rewrite(rs, ev, name, name_len);
        if (rc < 0) {
            return -1;
        }

    } else if (kind == AGW_RESPONSES_ERROR) {
        rs->error_sent = 1;
        agw_responses_error_of(rs, ev->data, ev->data_len);
    }

    if (rc == 0 && agw_buf_append(rs->out, rs->raw.data, rs->raw.len) != 0) {
        return -1;
    }

    /* a CR ended the event we framed again: an LF opening the next feed
     * is the rest of that CRLF, which our framing replaced */
    rs->drop_lf = (rc == 1 && rs->raw.data[rs->raw.len - 1] == '\r');

    agw_buf_reset(&rs->raw);
    return 0;
}


int
agw_responses_feed(agw_responses_t *rs, const char *data, size_t len,
    agw_buf_t *out)
{
    int          rc;
    size_t       n;
    const char  *nl, *cr;

    if (rs->finished || (rs->error.cls != AGW_ERR_NONE && !rs->error_sent)) {
        return -1;
    }

    rs->out = out;

    if (rs->drop_lf && len) {
        rs->drop_lf = 0;

        if (data[0] == '\n') {
            /* the parser still sees it: it waits for it (skip_lf) */
            if (agw_sse_feed(&rs->sse, data, 1, agw_responses_event, rs)
                != 0)
            {
                goto nomem;
            }

            data++;
            len--;
        }
    }

    while (len) {
        /* up to the first line end, a CRLF whole */
        nl = memchr(data, '\n', len);
        n = nl ? (size_t) (nl - data) + 1 : len;

        cr = memchr(data, '\r', n);
        if (cr) {
            n = (size_t) (cr - data) + 1;
            if (n < len && data[n] == '\n') {
                n++;
            }
        }

        if (agw_buf_append(&rs->raw, data, n) != 0) {
            goto nomem;
        }

        rc = agw_sse_feed(&rs->sse, data, n, agw_responses_event, rs);

        if (rc == AGW_SSE_ERR_TOO_BIG) {
            agw_error_set(&rs->error, AGW_ERR_BAD_GATEWAY, 0,
                          "event_too_large", "the openai upstream sent an "
                          "event larger than the gateway accepts");
            rs->error_sent = 0;
            rs->out = NULL;
            return -1;
        }

        if (rc != 0) {
            goto nomem;
        }

        /* what makes no event (comments, blank lines) goes on now */
        if (rs->raw.len && !agw_sse_pending(&rs->sse)) {
            if (agw_buf_append(out, rs->raw.data, rs->raw.len) != 0) {
                goto nomem;
            }

            agw_buf_reset(&rs->raw);
        }

        data += n;
        len -= n;
    }

    /* fed line by line: the read is over only now */
    agw_sse_idle(&rs->sse);

    rs->out = NULL;
    return 0;

nomem:

    agw_error_set(&rs->error, AGW_ERR_SERVER, 0, "no_memory",
                  "out of memory");
    rs->error_sent = 0;
    rs->out = NULL;
    return -1;
}


int
agw_responses_finish(agw_responses_t *rs, agw_buf_t *out)
{
    if (rs->finished) {
        return (rs->error_sent || !rs->ended) ? 1 : 0;
    }

    rs->finished = 1;

    if (rs->error_sent) {
        return 1;
    }

    /* the terminal event went by: the answer is whole, whatever follows */
    if (rs->ended) {
        return 0;
    }

    if (rs->error.cls == AGW_ERR_NONE) {
        agw_error_set(&rs->error, AGW_ERR_BAD_GATEWAY, 0, "stream_truncated",
                      "the openai upstream stream ended before "
                      "response.completed");
    }

    /*
     * The Responses API's error event: the reference's ResponseErrorEvent
     * (code, message, param at the top level), and the "error" object the
     * live API sends (stream-error-insufficient-quota), on which the
     * openai SDKs raise an APIError instead of yielding a plain event.
     */
    if (agw_buf_append_str(out, "event: error\ndata: {\"type\":\"error\",")
        != 0
        || agw_responses_error_members(rs, out) != 0
        || agw_buf_printf(out, ",\"sequence_number\":%llu,"
                               "\"error\":{\"type\":\"server_error\",",
                          (unsigned long long) rs->events) != 0
        || agw_responses_error_members(rs, out) != 0
        || agw_buf_append_str(out, "}}\n\n") != 0)
    {
        return -1;
    }

    return 1;
}


/* "code":...,"message":...,"param":null of rs->error. */

static int
agw_responses_error_members(agw_responses_t *rs, agw_buf_t *out)
{
    if (agw_buf_append_str(out, "\"code\":") != 0
        || agw_buf_append_json_string(out, rs->error.code,
                                      strlen(rs->error.code)) != 0
        || agw_buf_append_str(out, ",\"message\":") != 0
        || agw_buf_append_json_string(out, rs->error.message,
                                      strlen(rs->error.message)) != 0
        || agw_buf_append_str(out, ",\"param\":null") != 0)
    {
        return -1;
    }

    return 0;
}


void
agw_responses_free(agw_responses_t *rs)
{
    agw_sse_free(&rs->sse);
    agw_buf_free(&rs->raw);
    agw_buf_free(&rs->json);
}
