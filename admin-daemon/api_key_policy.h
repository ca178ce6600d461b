/*
 * api_key_policy: a dynamic key's policy in the API (limits, output cap,
 * system prompt, default model, credentials), kept in SQLite in the keys
 * snapshot's own format (agw_keys.h), credentials sealed (agw_crypt.h).
 */

#ifndef AGW_API_KEY_POLICY_H
#define AGW_API_KEY_POLICY_H

#include "agw_keys.h"
#include "http.h"

/* The members of a key's create or update body that are its policy. */
#define AGW_KEY_POLICY_FIELDS                                                \
    { "limits",            AGW_FIELD_ANY,     0, 0 },                        \
    { "max_output_tokens", AGW_FIELD_INTEGER, 0, 0 },                        \
    { "max_output",        AGW_FIELD_STRING,  0, 16 },                       \
    { "budget_stream",     AGW_FIELD_STRING,  0, 16 },                       \
    { "system_prompt",     AGW_FIELD_ANY,     0, 0 },                        \
    { "default_model",     AGW_FIELD_ANY,     0, 0 },                        \
    { "credentials",       AGW_FIELD_ANY,     0, 0 }

/* 1 if body has any policy member (or models, against which the
 * default model is checked). */
int agw_key_policy_given(json_t *body);

/*
 * Applies the policy members of body to *p (the stored policy, or all
 * zero for a new key): limits member by member, credentials by provider
 * (a secret sealed for key id, null removes it); models is the key's
 * allow-list after the change (a JSON array), conf nginx's configuration
 * or NULL.  0, or -1 after answering 400 (naming the member) or 500/503.
 */
int agw_key_policy_apply(agw_req_t *r, json_t *body, const char *id,
    json_t *models, json_t *conf, agw_key_policy_t *p);

/* The stored policy of key id into *p (all zero when it has none).
 * 0, or -1 after answering 500. */
int agw_key_policy_load(agw_req_t *r, sqlite3 *db, const char *id,
    agw_key_policy_t *p);

/* Stores p as key id's policy (inside the caller's transaction).
 * 0, or -1 after answering 500. */
int agw_key_policy_store(agw_req_t *r, sqlite3 *db, const char *id,
    const agw_key_policy_t *p);

/* The API's view: budgets in USD, credentials by provider only; the
 * limits into *limits too. */
json_t *agw_key_policy_view(const char *stored, agw_limits_conf_t *limits);

#endif /* AGW_API_KEY_POLICY_H */
