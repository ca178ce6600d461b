/*
 * api_diagnostics: GET /api/v1/diagnostics/providers, every provider
 * checked now, through nginx.
 *
 * The daemon holds no provider key, so it cannot ask a provider itself: it
 * asks the gateway's `ai_gateway probe;` location (the gateway-probe-url
 * option; docs/configuration.md), which checks each provider's model list
 * with its key and answers without it.  The answer is passed on, scrubbed
 * of anything secret-looking all the same, with the time the whole check
 * took.  Blocking is fine here: each API connection has its own thread.
 */

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "api_config.h"
#include "api_handlers.h"


#define AGW_DIAG_MAX         (1024 * 1024)
#define AGW_DIAG_TIMEOUT_MS  120000L     /* the gateway probes in turn */


typedef struct {
    char    *data;
    size_t   len;
    int      too_big;
} agw_diag_body_t;


static size_t
agw_diag_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    char             *p;
    size_t            n;
    agw_diag_body_t  *b = arg;

    n = size * nmemb;

    if (b->len + n > AGW_DIAG_MAX) {
        b->too_big = 1;
        return 0;                   /* curl stops */
    }

    p = realloc(b->data, b->len + n + 1);
    if (p == NULL) {
        return 0;
    }

    memcpy(p + b->len, ptr, n);
    b->data = p;
    b->len += n;
    b->data[b->len] = '\0';

    return n;
}


int
agw_api_diagnostics_providers(agw_req_t *r)
{
    long              code;
    CURL             *curl;
    json_t           *answer;
    CURLcode          rc;
    int64_t           start, took;
    const char       *url;
    json_error_t      jerr;
    agw_diag_body_t   body;
    char              cerr[CURL_ERROR_SIZE];

    static const char *const  allowed[] = { NULL };

    if (agw_http_query_check(r, allowed) != 0) {
        return 0;
    }

    url = r->api->daemon->probe_url;
    if (url == NULL) {
        return agw_http_error(r, 503, "not_configured",
                              "set gateway-probe-url (AGW_GATEWAY_PROBE_URL) "
                              "to the gateway's `ai_gateway probe;` location");
    }

    curl = curl_easy_init();
    if (curl == NULL) {
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    memset(&body, 0, sizeof(body));
    cerr[0] = '\0';

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, AGW_DIAG_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, agw_diag_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(curl, CURLOPT_USERAGENT,
                     AGW_DAEMON_NAME "/" AGW_VERSION);

    start = agw_now_ms();
    rc = curl_easy_perform(curl);
    took = agw_now_ms() - start;

    code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(curl);

    if (rc != CURLE_OK || code != 200) {
        free(body.data);

        if (rc != CURLE_OK) {
            agw_daemon_log("diagnostics: the gateway's probe: %s",
                           body.too_big ? "answer too large"
                           : cerr[0] ? cerr : curl_easy_strerror(rc));
        } else {
            agw_daemon_log("diagnostics: the gateway's probe answered %ld",
                           code);
        }

        return agw_http_error(r, 502, "gateway_unreachable",
                              "the gateway's probe location did not answer "
                              "(see the daemon's log)");
    }

    answer = json_loadb(body.data ? body.data : "", body.len, 0, &jerr);
    free(body.data);

    if (!json_is_object(answer)
        || !json_is_array(json_object_get(answer, "providers")))
    {
        json_decref(answer);
        return agw_http_error(r, 502, "gateway_unreachable",
                              "the probe URL did not answer as "
                              "`ai_gateway probe;` does");
    }

    /* the module never puts a secret there; nor may a bug of it */
    agw_api_config_scrub(answer);

    if (json_object_set_new(answer, "checked_at_ms",
                            json_integer(start)) != 0
        || json_object_set_new(answer, "took_ms", json_integer(took)) != 0)
    {
        json_decref(answer);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    return agw_http_json(r, 200, answer);
}
