/*
 * api_stream: GET /api/v1/stream, server-sent events for live dashboards.
 *
 * libmicrohttpd calls the reader whenever the socket can take more; with a
 * thread per connection the reader may simply sleep until the next second.
 * Each stream has its own SQLite connection for its whole life.  Every
 * second (the first at once) it sends the last hour's totals, read from
 * the drain's per-minute rollups (a few rows whatever the traffic; the
 * raw events of an hour can be a million rows), so p50/p95 are histogram
 * bucket bounds here:
 *
 *   event: summary
 *   data: {"time":...,"window_s":3600,"requests":...,"ring":{...}}
 *
 * and ends when the daemon stops, or when the session it was opened with
 * ends (logout, expiry): a stream must not outlive its credentials.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agw_state.h"
#include "api_events.h"
#include "api_handlers.h"
#include "auth.h"


#define AGW_STREAM_WINDOW_S  3600


typedef struct {
    agw_api_t  *api;
    sqlite3    *db;
    int64_t     next_ms;
    int         cookie;         /* opened with a session, not the token */
    unsigned char  session_hash[32];
    char       *buf;            /* the pending event, json_dumps'd */
    size_t      len;
    size_t      off;
} agw_stream_t;


/* The next event's text, or NULL (out of memory, database error). */
static char *
agw_stream_summary(agw_stream_t *s)
{
    char               err[256], *data, *ev;
    json_t            *sum, *ring;
    int64_t            now;
    agw_state_stats_t  ss;

    now = agw_now();

    /* whole minutes: the rollups' grain */
    sum = agw_api_events_recent(s->db,
                                (now - AGW_STREAM_WINDOW_S) / 60 * 60, err,
                                sizeof(err));
    if (sum == NULL) {
        agw_daemon_log("stream: %s", err);
        return NULL;
    }

    memset(&ss, 0, sizeof(ss));
    if (s->api->state != NULL) {
        agw_state_stats(s->api->state, &ss);
    }

    ring = json_pack("{s:I, s:I, s:I}", "capacity", (json_int_t) ss.capacity,
                     "fill", (json_int_t) ss.fill,
                     "dropped", (json_int_t) ss.dropped);

    if (json_object_set_new(sum, "time", json_integer(now))
        || json_object_set_new(sum, "window_s",
                               json_integer(AGW_STREAM_WINDOW_S))
        || json_object_set_new(sum, "last_seq",
                               json_integer(agw_api_events_last_seq(s->db)))
        || ring == NULL || json_object_set_new(sum, "ring", ring))
    {
        json_decref(sum);
        return NULL;
    }

    data = json_dumps(sum, JSON_COMPACT);
    json_decref(sum);

    if (data == NULL) {
        return NULL;
    }

    if (asprintf(&ev, "event: summary\ndata: %s\n\n", data) < 0) {
        ev = NULL;
    }

    free(data);

    return ev;
}


static ssize_t
agw_stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    size_t         n;
    int64_t        now;
    agw_stream_t  *s;

    s = cls;

    while (s->off == s->len) {
        if (__atomic_load_n(&s->api->stopping, __ATOMIC_ACQUIRE)) {
            return MHD_CONTENT_READER_END_OF_STREAM;
        }

        now = agw_now_ms();

        if (now < s->next_ms) {
            /* short sleeps: a stopping daemon is noticed quickly */
            usleep((useconds_t) ((s->next_ms - now > 200
                                  ? 200 : s->next_ms - now) * 1000));
            continue;
        }

        if (s->cookie
            && !agw_auth_session_live(s->api->auth, s->session_hash))
        {
            return MHD_CONTENT_READER_END_OF_STREAM;
        }

        free(s->buf);
        s->buf = agw_stream_summary(s);
        if (s->buf == NULL) {
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }

        s->len = strlen(s->buf);
        s->off = 0;
        s->next_ms = now + 1000;
    }

    n = s->len - s->off;
    if (n > max) {
        n = max;
    }

    memcpy(out, s->buf + s->off, n);
    s->off += n;

    return (ssize_t) n;
}


static void
agw_stream_free(void *cls)
{
    agw_stream_t  *s;

    s = cls;

    sqlite3_close_v2(s->db);
    free(s->buf);
    free(s);
}


int
agw_api_stream(agw_req_t *r)
{
    char           err[512];
    agw_stream_t  *s;

    static const char *const  allowed[] = { NULL };

    if (agw_http_query_check(r, allowed) != 0) {
        return 0;
    }

    s = calloc(1, sizeof(agw_stream_t));
    if (s == NULL) {
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    s->api = r->api;
    s->cookie = r->auth == AGW_AUTH_COOKIE;
    memcpy(s->session_hash, r->session_hash, sizeof(s->session_hash));

    if (agw_api_db_open(r->api, &s->db, err, sizeof(err)) != 0) {
        agw_daemon_log("%s", err);
        free(s);
        return agw_http_error(r, 503, "unavailable",
                              "the database is unavailable");
    }

    r->response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
                                                    agw_stream_read, s,
                                                    agw_stream_free);
    if (r->response == NULL) {
        agw_stream_free(s);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    if (MHD_add_response_header(r->response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "text/event-stream") != MHD_YES
        || MHD_add_response_header(r->response, "X-Accel-Buffering", "no")
           != MHD_YES)
    {
        MHD_destroy_response(r->response);
        r->response = NULL;
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    r->status = 200;

    return 0;
}
