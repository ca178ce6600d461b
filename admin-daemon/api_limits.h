/*
 * api_limits: the limits table of the state file, live (GET
 * /api/v1/limits, and each key's usage in the keys' answers): every key,
 * static or dynamic, provider and route nginx has counted, with its
 * limits, its use of each and what remains of each budget.
 */

#ifndef AGW_API_LIMITS_H
#define AGW_API_LIMITS_H

#include "agw_limits.h"
#include "http.h"

/*
 * The live use of key id against conf (its limits as stored): an object,
 * or JSON null when nginx has not counted the key (no state file, or no
 * request yet).  NULL out of memory.
 */
json_t *agw_api_limits_key(agw_api_t *api, const char *id,
    const agw_limits_conf_t *conf);

/* The limits as the API shows them: budgets in USD. */
json_t *agw_api_limits_conf(const agw_limits_conf_t *conf);

#endif /* AGW_API_LIMITS_H */
