/*
 * Client key sets: add, duplicate refusal, lookup, usability, model
 * allow-lists, and the snapshot format both ways (including the malformed
 * snapshots the module must refuse rather than half-load).
 */

#include <stdlib.h>
#include <stdint.h>

#include "tap.h"
#include "agw_hash.h"
#include "agw_keys.h"


/* The policy of a key with none, as the daemon writes it. */
#define LIMITS0 "{\"requests_per_minute\":0,\"requests_per_hour\":0," \
    "\"requests_per_day\":0,\"tokens_per_minute\":0," \
    "\"input_tokens_per_day\":0,\"output_tokens_per_day\":0," \
    "\"concurrent\":0,\"budget_day\":0,\"budget_month\":0," \
    "\"budget_total\":0}"
#define POLICY "{\"limits\":" LIMITS0 ",\"max_output_tokens\":0," \
    "\"max_output\":\"clamp\",\"budget_stream\":\"end\"," \
    "\"system_prompt\":null,\"default_model\":null,\"credentials\":[]}"


static void
hash_of(const char *secret, unsigned char out[32])
{
    if (agw_sha256(secret, strlen(secret), out) != 0) {
        abort();
    }
}


/* Loads a snapshot; returns the set or NULL with the message in err. */
static agw_keyset_t *
load(const char *json, char *err, size_t errlen)
{
    agw_keyset_t  *ks;

    ks = agw_keyset_new();
    if (ks == NULL) {
        abort();
    }

    err[0] = '\0';

    if (agw_keyset_load_snapshot(ks, json, strlen(json), err, errlen) != 0) {
        agw_keyset_free(ks);
        return NULL;
    }

    return ks;
}


static void
test_add_find(void)
{
    char               err[256], secret[AGW_KEY_SIZE], id[16];
    int                i, found;
    unsigned char      h[32], h2[32], hashes[200][32];
    agw_keyset_t      *ks;
    const agw_key_t   *k;
    const char        *models[] = { "gpt-4o", "claude-*" };

    ks = agw_keyset_new();
    ok(ks != NULL, "new key set");

    hash_of("sk-one", h);
    is_int(agw_keyset_add(ks, h, "k1", "one", models, 2, 0, 1, err,
                          sizeof(err)), 0, "add a key");

    err[0] = '\0';
    is_int(agw_keyset_add(ks, h, "k2", "dup", NULL, 0, 0, 1, err,
                          sizeof(err)), -1, "same hash again is refused");
    ok(strstr(err, "same hash") != NULL && strstr(err, "k1") != NULL,
       "the message names the key it collides with: %s", err);

    hash_of("sk-two", h2);
    is_int(agw_keyset_add(ks, h2, "", "x", NULL, 0, 0, 1, err, sizeof(err)),
           -1, "empty id is refused");
    is_int(agw_keyset_add(ks, h2,
                          "0123456789012345678901234567890123456789", "x",
                          NULL, 0, 0, 1, err, sizeof(err)),
           -1, "id of 40 bytes is refused");
    is_int(agw_keyset_add(ks, h2, "k2", "x", NULL, 0, -5, 1, err,
                          sizeof(err)), -1, "negative expiry is refused");

    /* enough keys to cross the duplicate table's growth a few times */
    for (i = 0; i < 200; i++) {
        if (agw_key_generate(secret, sizeof(secret)) != 0) {
            abort();
        }
        hash_of(secret, hashes[i]);
        snprintf(id, sizeof(id), "g%d", i);
        if (agw_keyset_add(ks, hashes[i], id, id, NULL, 0, 0, i % 2, err,
                           sizeof(err)) != 0)
        {
            break;
        }
    }
    is_int(i, 200, "200 generated keys added");
    is_int(agw_keyset_count(ks), 201, "count");

    ok(agw_keyset_find(ks, h) == NULL, "no lookup before finalize");
    is_int(agw_keyset_finalize(ks), 0, "finalize");
    is_int(agw_keyset_finalize(ks), -1, "finalize twice is refused");
    is_int(agw_keyset_add(ks, h2, "late", "late", NULL, 0, 0, 1, err,
                          sizeof(err)), -1, "add after finalize is refused");

    k = agw_keyset_find(ks, h);
    ok(k != NULL && strcmp(k->id, "k1") == 0, "find by hash");
    ok(k != NULL && k->nmodels == 2 && strcmp(k->models[1], "claude-*") == 0,
       "models copied");

    found = 0;
    for (i = 0; i < 200; i++) {
        k = agw_keyset_find(ks, hashes[i]);
        snprintf(id, sizeof(id), "g%d", i);
        if (k != NULL && strcmp(k->id, id) == 0 && k->active == (i % 2)) {
            found++;
        }
    }
    is_int(found, 200, "every generated key found with its own fields");

    ok(agw_keyset_find(ks, h2) == NULL, "unknown hash: not found");

    for (i = 1; i < (int) agw_keyset_count(ks); i++) {
        if (memcmp(agw_keyset_at(ks, i - 1)->hash, agw_keyset_at(ks, i)->hash,
                   32) >= 0)
        {
            break;
        }
    }
    is_int(i, agw_keyset_count(ks), "sorted by hash after finalize");

    agw_keyset_free(ks);

    ks = agw_keyset_new();
    agw_keyset_finalize(ks);
    ok(agw_keyset_find(ks, h) == NULL, "empty set finds nothing");
    agw_keyset_free(ks);
}


static void
test_usable_models(void)
{
    agw_key_t    k;
    char        *models[] = { "gpt-4o", "claude-*" };

    memset(&k, 0, sizeof(k));
    k.active = 1;
    ok(agw_key_usable(&k, 1000), "active, no expiry: usable");
    k.expires_at = 1000;
    ok(!agw_key_usable(&k, 1000), "expired at the second it expires");
    ok(agw_key_usable(&k, 999), "usable the second before");
    k.expires_at = 0;
    k.active = 0;
    ok(!agw_key_usable(&k, 1000), "inactive: not usable");

    ok(agw_key_allows_model(&k, "anything", 8), "no list: every model");

    k.models = models;
    k.nmodels = 2;
    ok(agw_key_allows_model(&k, "gpt-4o", 6), "listed model");
    ok(!agw_key_allows_model(&k, "gpt-4o-mini", 11),
       "longer name is not the listed model");
    ok(!agw_key_allows_model(&k, "gpt-4", 5),
       "prefix of a listed model is not it");
    ok(agw_key_allows_model(&k, "gpt-4o-and-more", 6),
       "length is honoured (not NUL-terminated input)");
    ok(agw_key_allows_model(&k, "claude-3-5-haiku", 16), "prefix wildcard");
    ok(agw_key_allows_model(&k, "claude-", 7), "wildcard matches its prefix");
    ok(!agw_key_allows_model(&k, "claude", 6), "shorter than the prefix");
}


static void
test_snapshot_round_trip(void)
{
    char               err[256], *json, *json2;
    size_t             len;
    unsigned char      h1[32], h2[32];
    agw_keyset_t      *ks, *ks2;
    const agw_key_t   *k;
    const char        *models[] = { "gpt-4o", "name \"quoted\"" };

    hash_of("sk-agw-secret-one", h1);
    hash_of("sk-agw-secret-two", h2);

    ks = agw_keyset_new();
    agw_keyset_add(ks, h1, "k_1", "team \\ one", models, 2, 1900000000, 1,
                   err, sizeof(err));
    agw_keyset_add(ks, h2, "k_2", "two", NULL, 0, 0, 0, err, sizeof(err));
    agw_keyset_finalize(ks);

    json = agw_keyset_write_snapshot(ks, 42, &len);
    ok(json != NULL && len == strlen(json), "snapshot written");
    ok(json != NULL && strstr(json, "secret") == NULL,
       "no secret in the snapshot");

    ks2 = json ? load(json, err, sizeof(err)) : NULL;
    ok(ks2 != NULL, "own snapshot loads back: %s", err);

    if (ks2 != NULL) {
        is_int(agw_keyset_generation(ks2), 42, "generation read");
        is_int(agw_keyset_count(ks2), 2, "two keys");
        k = agw_keyset_find(ks2, h1);
        ok(k != NULL, "key 1 found by hash");
        if (k != NULL) {
            is_str(k->id, "k_1", "id");
            is_str(k->name, "team \\ one", "name with a backslash");
            is_int(k->expires_at, 1900000000, "expires_at");
            is_int(k->active, 1, "active");
            is_int(k->nmodels, 2, "two models");
            is_str(k->models[1], "name \"quoted\"", "model with quotes");
        }
        k = agw_keyset_find(ks2, h2);
        ok(k != NULL && !k->active && k->nmodels == 0 && k->expires_at == 0,
           "key 2 inactive, every model, no expiry");

        json2 = agw_keyset_write_snapshot(ks2, 42, NULL);
        ok(json2 != NULL && strcmp(json, json2) == 0,
           "write(load(write(x))) == write(x)");
        free(json2);
        agw_keyset_free(ks2);
    }

    free(json);
    agw_keyset_free(ks);

    ks = agw_keyset_new();
    agw_keyset_finalize(ks);
    json = agw_keyset_write_snapshot(ks, 0, NULL);
    is_str(json, "{\"generation\":0,\"keys\":[]}", "empty snapshot");
    free(json);
    agw_keyset_free(ks);
}


static void
test_snapshot_malformed(void)
{
    char           err[256];
    size_t         i;
    agw_keyset_t  *ks;

#define HASH_A "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"
#define HASH_B "d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35"
#define KEY(id, hash) "{\"id\":\"" id "\",\"name\":\"n\",\"hash\":\"" hash \
    "\",\"models\":[],\"expires_at\":0,\"active\":true,\"policy\":" \
    POLICY "}"

    static const struct {
        const char  *json;
        const char  *want;      /* substring of the message */
        const char  *name;
    } bad[] = {
        { "", "bad JSON", "empty input" },
        { "{\"generation\":1,\"keys\":[", "bad JSON", "truncated" },
        { "[]", "not a JSON object", "not an object" },
        { "{\"keys\":[]}", "generation", "generation missing" },
        { "{\"generation\":1}", "keys", "keys missing" },
        { "{\"generation\":\"1\",\"keys\":[]}", "generation",
          "generation of the wrong type" },
        { "{\"generation\":-1,\"keys\":[]}", "negative", "negative generation" },
        { "{\"generation\":1,\"keys\":{}}", "not an array",
          "keys not an array" },
        { "{\"generation\":1,\"keys\":[],\"extra\":1}", "extra",
          "unknown top-level field" },
        { "{\"generation\":1,\"generation\":2,\"keys\":[]}", "duplicate",
          "duplicate object key" },
        { "{\"generation\":1,\"keys\":[" KEY("a", HASH_A) "," KEY("b", HASH_A)
          "]}", "keys[1]: key \"b\" has the same hash", "duplicate hash" },
        { "{\"generation\":1,\"keys\":[{\"id\":\"a\",\"name\":\"n\",\"hash\":\""
          HASH_A "\",\"models\":[],\"expires_at\":0}]}", "keys[0]",
          "active missing" },
        { "{\"generation\":1,\"keys\":[{\"id\":\"a\",\"name\":\"n\","
          "\"models\":[],\"expires_at\":0,\"active\":true,"
          "\"policy\":" POLICY "}]}", "hash",
          "hash missing" },
        { "{\"generation\":1,\"keys\":[" KEY("a", "abc") "]}",
          "64 hex", "short hash" },
        { "{\"generation\":1,\"keys\":[" KEY("a",
          "zz86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b")
          "]}", "64 hex", "non-hex hash" },
        { "{\"generation\":1,\"keys\":[{\"id\":\"a\",\"name\":\"n\",\"hash\":\""
          HASH_A "\",\"models\":[1],\"expires_at\":0,\"active\":true,"
          "\"policy\":" POLICY "}]}",
          "models[0]", "model not a string" },
        { "{\"generation\":1,\"keys\":[{\"id\":\"a\",\"name\":\"n\",\"hash\":\""
          HASH_A "\",\"models\":[\"\"],\"expires_at\":0,\"active\":true,"
          "\"policy\":" POLICY "}]}",
          "empty", "empty model" },
        { "{\"generation\":1,\"keys\":[{\"id\":\"a\",\"name\":\"n\",\"hash\":\""
          HASH_A "\",\"models\":\"gpt\",\"expires_at\":0,\"active\":true,"
          "\"policy\":" POLICY "}]}",
          "not an array", "models not an array" },
        { "{\"generation\":1,\"keys\":[{\"id\":\"a\",\"name\":\"n\",\"hash\":\""
          HASH_A "\",\"models\":[],\"expires_at\":0,\"active\":1,"
          "\"policy\":" POLICY "}]}",
          "\"active\" is not a boolean", "active of the wrong type" },
        { "{\"generation\":1,\"keys\":[{\"id\":\"a\",\"name\":\"n\",\"hash\":\""
          HASH_A "\",\"models\":[],\"expires_at\":0,\"active\":true,"
          "\"secret\":\"x\"}]}", "secret", "unknown key field" },
        { "{\"generation\":1,\"keys\":[" KEY("", HASH_A) "]}", "empty",
          "empty id" },
        { "{\"generation\":1,\"keys\":[1]}", "keys[0]: not an object",
          "key not an object" },
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ks = load(bad[i].json, err, sizeof(err));
        ok(ks == NULL && strstr(err, bad[i].want) != NULL,
           "refused: %s (%s)", bad[i].name, err);
        agw_keyset_free(ks);
    }

    ks = load("{\"generation\":7,\"keys\":[" KEY("a", HASH_A) ","
              KEY("b", HASH_B) "]}", err, sizeof(err));
    ok(ks != NULL && agw_keyset_count(ks) == 2, "two distinct keys load: %s",
       err);
    agw_keyset_free(ks);
}


/* A policy is copied whole; credentials are found by provider. */
static void
test_policy(void)
{
    char                       err[256], prompt[] = "Be brief.";
    char                       secret[] = "sk-own", prov[] = "openai";
    agw_keyset_t              *ks;
    unsigned char              h[32];
    const agw_key_t           *key;
    agw_key_policy_t           p;
    agw_key_credential_t       creds[2];
    const agw_key_credential_t *c;

    ks = agw_keyset_new();
    if (ks == NULL) {
        abort();
    }

    memset(&p, 0, sizeof(p));
    ok(agw_keyset_add_policy(ks, &p, err, sizeof(err)) != 0,
       "a policy needs a key: %s", err);

    hash_of("secret-p", h);
    ok(agw_keyset_add(ks, h, "p", "p", NULL, 0, 0, 1, err, sizeof(err)) == 0,
       "key added");

    memset(creds, 0, sizeof(creds));
    creds[0].provider = prov;
    creds[0].secret = secret;
    creds[0].secret_len = 6;
    creds[1] = creds[0];

    p.limits.requests_per_minute = 60;
    p.limits.budget_day = 5000000;
    p.max_output_tokens = 1024;
    p.max_output_refuse = 1;
    p.system_prompt = prompt;
    p.system_prompt_len = 4;                /* "Be b": by length, not NUL */
    p.default_model = (char *) "gpt-4o";
    p.credentials = creds;
    p.ncredentials = 2;

    ok(agw_keyset_add_policy(ks, &p, err, sizeof(err)) != 0
       && strstr(err, "two credentials") != NULL,
       "two credentials for one provider are refused: %s", err);

    p.ncredentials = 1;
    ok(agw_keyset_add_policy(ks, &p, err, sizeof(err)) == 0, "policy set");

    /* the caller's copies go: the set must hold its own */
    memset(secret, 'x', 6);
    memset(prompt, 'x', 4);

    ok(agw_keyset_finalize(ks) == 0, "finalized");
    key = agw_keyset_find(ks, h);
    ok(key != NULL, "found");
    is_int(key->policy.limits.requests_per_minute, 60, "limits copied");
    is_int(key->policy.limits.budget_day, 5000000, "budget copied");
    is_int(key->policy.max_output_tokens, 1024, "max output copied");
    ok(key->policy.max_output_refuse, "refuse mode copied");
    is_str(key->policy.system_prompt, "Be b", "prompt copied by length");
    is_str(key->policy.default_model, "gpt-4o", "default model copied");

    c = agw_key_credential(key, "openai", 6);
    ok(c != NULL && c->secret_len == 6
       && memcmp(c->secret, "sk-own", 6) == 0, "credential found, own copy");
    ok(agw_key_credential(key, "openai2", 7) == NULL
       && agw_key_credential(key, "open", 4) == NULL,
       "no credential for another provider, not by prefix");

    ok(agw_keyset_add_policy(ks, &p, err, sizeof(err)) != 0,
       "no policy after finalize");

    agw_keyset_free(ks);
}


/*
 * The policy in the snapshot: every field read back, credentials sealed
 * and opened only with the master key, bound to their key and provider;
 * every malformed policy refused.
 */
static void
test_snapshot_policy(void)
{
    char                        err[256], *json, *json2, *sealed, *pol;
    size_t                      i, n;
    agw_keyset_t               *ks;
    unsigned char               h[32], raw[32];
    const agw_key_t            *k;
    agw_crypt_key_t             mk, other;
    agw_key_policy_t            p, q;
    agw_key_credential_t        cred;
    const agw_key_credential_t *c;

    memset(raw, 7, sizeof(raw));
    agw_crypt_key_set(&mk, raw);
    memset(raw, 8, sizeof(raw));
    agw_crypt_key_set(&other, raw);

    sealed = agw_crypt_seal(&mk, "k_1/openai", 10, "sk-own-1", 8);
    if (sealed == NULL) {
        abort();
    }

    memset(&p, 0, sizeof(p));
    memset(&cred, 0, sizeof(cred));
    cred.provider = (char *) "openai";
    cred.sealed = sealed;
    p.limits.requests_per_minute = 1;
    p.limits.requests_per_hour = 2;
    p.limits.requests_per_day = 3;
    p.limits.tokens_per_minute = 4;
    p.limits.input_tokens_per_day = 5;
    p.limits.output_tokens_per_day = 6;
    p.limits.concurrent = 7;
    p.limits.budget_day = 2500000;
    p.limits.budget_month = 9;
    p.limits.budget_total = 10;
    p.max_output_tokens = 512;
    p.max_output_refuse = 1;
    p.budget_finish = 1;
    p.system_prompt = (char *) "Be \"brief\".\nAlways.";
    p.system_prompt_len = strlen(p.system_prompt);
    p.default_model = (char *) "gpt-4o-mini";
    p.credentials = &cred;
    p.ncredentials = 1;

    hash_of("sk-agw-policy", h);
    ks = agw_keyset_new();
    agw_keyset_add(ks, h, "k_1", "p", NULL, 0, 0, 1, err, sizeof(err));
    ok(agw_keyset_add_policy(ks, &p, err, sizeof(err)) == 0,
       "a sealed credential without its secret is taken (the daemon's)");
    agw_keyset_finalize(ks);

    json = agw_keyset_write_snapshot(ks, 3, NULL);
    ok(json != NULL && strstr(json, "sk-own") == NULL
       && strstr(json, sealed) != NULL,
       "the snapshot carries the credential sealed, never in clear");
    agw_keyset_free(ks);

    /* loaded with the master key: everything back, the secret opened */
    ks = agw_keyset_new();
    agw_keyset_set_crypt_key(ks, &mk);
    ok(agw_keyset_load_snapshot(ks, json, strlen(json), err, sizeof(err))
       == 0, "policy snapshot loads: %s", err);
    k = agw_keyset_find(ks, h);
    ok(k != NULL && k->active, "the key is active");
    if (k != NULL) {
        ok(memcmp(&k->policy.limits, &p.limits, sizeof(p.limits)) == 0,
           "every limit read back");
        is_int(k->policy.max_output_tokens, 512, "max_output_tokens");
        ok(k->policy.max_output_refuse && k->policy.budget_finish,
           "refuse and finish read back");
        ok(k->policy.system_prompt_len == p.system_prompt_len
           && memcmp(k->policy.system_prompt, p.system_prompt,
                     p.system_prompt_len) == 0, "system prompt, escaped");
        is_str(k->policy.default_model, "gpt-4o-mini", "default model");
        c = agw_key_credential(k, "openai", 6);
        ok(c != NULL && c->secret_len == 8
           && memcmp(c->secret, "sk-own-1", 8) == 0,
           "the credential opened in memory");
    }
    ok(agw_keyset_warning(ks, &n) == NULL && n == 0, "no warning");

    json2 = agw_keyset_write_snapshot(ks, 3, NULL);
    ok(json2 != NULL && strcmp(json, json2) == 0,
       "write(load(write(x))) == write(x) with a policy");
    free(json2);
    agw_keyset_free(ks);

    /* without the master key, or with another: the key fails closed */
    for (i = 0; i < 2; i++) {
        ks = agw_keyset_new();
        agw_keyset_set_crypt_key(ks, i ? &other : NULL);
        ok(agw_keyset_load_snapshot(ks, json, strlen(json), err, sizeof(err))
           == 0, "loads %s", i ? "with another key" : "without a key");
        k = agw_keyset_find(ks, h);
        ok(k != NULL && !k->active
           && agw_key_credential(k, "openai", 6)->secret == NULL,
           "the key is inactive, no secret");
        pol = (char *) agw_keyset_warning(ks, &n);
        ok(pol != NULL && n == 1 && strstr(pol, "k_1") != NULL
           && strstr(pol, "sk-own") == NULL, "warned: %s", pol);
        agw_keyset_free(ks);
    }
    free(json);

    /* the policy alone, as the daemon stores it */
    pol = agw_key_policy_json(&p, &n);
    ok(pol != NULL && n == strlen(pol), "policy JSON");
    memset(&q, 0, sizeof(q));
    ok(agw_key_policy_parse(&q, pol, n, err, sizeof(err)) == 0
       && q.ncredentials == 1 && q.credentials[0].secret == NULL
       && strcmp(q.credentials[0].sealed, sealed) == 0,
       "policy parses back, credential still sealed: %s", err);
    agw_key_policy_free(&q);
    free(pol);

    cred.sealed = NULL;
    cred.secret = (char *) "sk-clear";
    cred.secret_len = 8;
    ok(agw_key_policy_json(&p, NULL) == NULL,
       "a credential without its sealed form is never written");
    free(sealed);

    {
        static const struct {
            const char  *json;
            const char  *want;
        } bad[] = {
            { "{}", "\"limits\" is missing" },
            { "[]", "not an object" },
            { "{\"limits\":" LIMITS0 ",\"max_output_tokens\":-1}",
              "max_output_tokens" },
            { "{\"limits\":{\"requests_per_minute\":-1}}",
              "requests_per_minute" },
            { "{\"limits\":{\"requests_per_minute\":1.5}}",
              "requests_per_minute" },
            { "{\"limits\":{\"rpm\":1}}", "unknown field \"rpm\"" },
            { "{\"limits\":{\"requests_per_minute\":1}}",
              "\"requests_per_hour\" is missing" },
            { "{\"max_output\":\"cut\"}", "\"clamp\" or \"refuse\"" },
            { "{\"budget_stream\":true}", "budget_stream" },
            { "{\"system_prompt\":1}", "a string or null" },
            { "{\"default_model\":\"\"}", "default_model" },
            { "{\"credentials\":{}}", "an array" },
            { "{\"credentials\":[{\"provider\":\"openai\","
              "\"secret\":\"sk-x\"}]}", "unknown field \"secret\"" },
            { "{\"credentials\":[{\"provider\":\"openai\","
              "\"sealed\":\"sk-in-clear\"}]}", "not a sealed" },
            { "{\"credentials\":[{\"provider\":\"\","
              "\"sealed\":\"x\"}]}", "provider" },
            { "{\"limits\":" LIMITS0 ",\"limits\":" LIMITS0 "}",
              "duplicate" },
            { "{\"extra\":1}", "unknown field \"extra\"" },
        };

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            memset(&q, 0, sizeof(q));
            ok(agw_key_policy_parse(&q, bad[i].json, strlen(bad[i].json),
                                    err, sizeof(err)) != 0
               && strstr(err, bad[i].want) != NULL,
               "policy refused: %s (%s)", bad[i].json, err);
            agw_key_policy_free(&q);
        }
    }

    /* the key added last taken back: the others found as before */
    ks = agw_keyset_new();
    for (i = 0; i < 40; i++) {
        char  sec[16], kid[16];

        snprintf(sec, sizeof(sec), "sk-drop-%zu", i);
        snprintf(kid, sizeof(kid), "d%zu", i);
        hash_of(sec, h);
        agw_keyset_add(ks, h, kid, kid, NULL, 0, 0, 1, err, sizeof(err));
    }
    agw_keyset_drop_last(ks);
    is_int(agw_keyset_count(ks), 39, "drop_last: one key fewer");
    hash_of("sk-drop-39", h);
    ok(agw_keyset_add(ks, h, "d39", "d39", NULL, 0, 0, 1, err, sizeof(err))
       == 0, "its hash may be added again: %s", err);
    agw_keyset_drop_last(ks);
    agw_keyset_finalize(ks);
    ok(agw_keyset_find(ks, h) == NULL, "the dropped key is not found");
    for (i = 0, n = 0; i < 39; i++) {
        char  sec[16];

        snprintf(sec, sizeof(sec), "sk-drop-%zu", i);
        hash_of(sec, h);
        n += agw_keyset_find(ks, h) != NULL;
    }
    is_int(n, 39, "every other key still found");
    agw_keyset_free(ks);

    /* a snapshot key without a policy is refused: dropping one must not
     * lift a key's limits */
    ks = load("{\"generation\":1,\"keys\":[{\"id\":\"a\",\"name\":\"n\","
              "\"hash\":\"" HASH_A "\",\"models\":[],\"expires_at\":0,"
              "\"active\":true}]}", err, sizeof(err));
    ok(ks == NULL && strstr(err, "\"policy\" is missing") != NULL,
       "a key without its policy is refused: %s", err);
    agw_keyset_free(ks);

    agw_crypt_key_wipe(&mk);
    agw_crypt_key_wipe(&other);
}


int
main(void)
{
    test_policy();
    test_add_find();
    test_usable_models();
    test_snapshot_round_trip();
    test_snapshot_malformed();
    test_snapshot_policy();

    return done_testing();
}
