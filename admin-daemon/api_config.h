/*
 * api_config: the configuration nginx loaded, as the module published it
 * to <state file>.config.json (providers, routes, static key names).  The
 * config endpoint shows it; key changes are checked against it.
 */

#ifndef AGW_API_CONFIG_H
#define AGW_API_CONFIG_H

#include <jansson.h>

#include "http.h"

/* The published configuration, or NULL when nginx has published none
 * (no state file, nginx not started yet) or it cannot be read. */
json_t *agw_api_config_load(agw_api_t *api);

/* Drops secret-looking members (key, *_token, password...) at any depth. */
void agw_api_config_scrub(json_t *v);

/*
 * 1 if a key's models entry (a name, or a prefix ending in "*") can reach
 * a route of conf: a route of that exact model, a route whose model starts
 * with the prefix, or the catch-all "*" route.  nginx routes by the exact
 * model name, falling back to "*".
 */
int agw_api_config_model_routed(json_t *conf, const char *entry);

/* 1 if nginx.conf has a static key (ai_gateway_key) of this name. */
int agw_api_config_static_key(json_t *conf, const char *name);

/* 1 if nginx.conf has a provider (ai_gateway_provider) of this name. */
int agw_api_config_provider(json_t *conf, const char *name);

#endif /* AGW_API_CONFIG_H */
