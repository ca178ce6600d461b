/*
 * api_schema: the tables the API owns, created at start if missing (the
 * drain owns the events tables, db.c).  A restored backup must hold them.
 */

#ifndef AGW_API_SCHEMA_H
#define AGW_API_SCHEMA_H

/*
 * Client keys: only the SHA-256 (hex) of the secret, plus its first
 * characters so that an admin can recognise a key.  A name is unique among
 * keys not revoked; revoked keys stay, for the logs that name them.
 */
#define AGW_API_SCHEMA                                                       \
    "CREATE TABLE IF NOT EXISTS api_keys ("                                  \
    " id TEXT PRIMARY KEY,"                                                  \
    " name TEXT NOT NULL,"                                                   \
    " hash TEXT NOT NULL UNIQUE,"                                            \
    " prefix TEXT NOT NULL,"                                                 \
    " models TEXT NOT NULL DEFAULT '[]',"                                    \
    " active INTEGER NOT NULL DEFAULT 1,"                                    \
    " expires_at INTEGER NOT NULL DEFAULT 0,"                                \
    " created_at INTEGER NOT NULL,"                                          \
    " updated_at INTEGER NOT NULL,"                                          \
    " revoked_at INTEGER NOT NULL DEFAULT 0);"                               \
    "CREATE UNIQUE INDEX IF NOT EXISTS api_keys_live_name"                   \
    " ON api_keys(name) WHERE revoked_at = 0;"                               \
    AGW_API_SCHEMA_POLICY

/*
 * A key's policy (limits, output cap, prompt, default model, credentials
 * sealed under the daemon's credentials key), in the keys snapshot's
 * format (lib/state/agw_keys.h).  A table of its own, created where it is
 * missing: a database or backup from before it has none, and no row
 * means no policy.
 */
#define AGW_API_POLICY_TABLE  "api_key_policy"
#define AGW_API_SCHEMA_POLICY                                                \
    "CREATE TABLE IF NOT EXISTS api_key_policy ("                            \
    " key_id TEXT PRIMARY KEY,"                                              \
    " policy TEXT NOT NULL) WITHOUT ROWID;"

#endif /* AGW_API_SCHEMA_H */
