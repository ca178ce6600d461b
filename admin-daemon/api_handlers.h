/*
 * api_handlers: every endpoint's handler, for the router in http.c.  Each
 * sets the answer in r (agw_http_json / agw_http_error) and returns 0.
 */

#ifndef AGW_API_HANDLERS_H
#define AGW_API_HANDLERS_H

#include "http.h"

/* auth.c */
int agw_auth_login(agw_req_t *r);
int agw_auth_logout(agw_req_t *r);
int agw_auth_session(agw_req_t *r);

/* api_keys.c */
int agw_api_keys_list(agw_req_t *r);
int agw_api_keys_create(agw_req_t *r);
int agw_api_keys_get(agw_req_t *r);
int agw_api_keys_update(agw_req_t *r);
int agw_api_keys_revoke(agw_req_t *r);

/* api_limits.c */
int agw_api_limits(agw_req_t *r);

/* api_usage.c */
int agw_api_usage(agw_req_t *r);

/* api_logs.c */
int agw_api_logs_list(agw_req_t *r);
int agw_api_logs_get(agw_req_t *r);

/* api_config.c */
int agw_api_config(agw_req_t *r);

/* api_health.c: /health and /health/ready (readiness), /health/live */
int agw_api_health(agw_req_t *r);
int agw_api_health_live(agw_req_t *r);

/* api_diagnostics.c */
int agw_api_diagnostics_providers(agw_req_t *r);

/* backup.c */
int agw_api_backup(agw_req_t *r);
int agw_api_restore(agw_req_t *r);

/* api_stream.c */
int agw_api_stream(agw_req_t *r);

#endif /* AGW_API_HANDLERS_H */
