/*
 * snapshot: publishes the dynamic keys to nginx.
 *
 * Every key not revoked (inactive and expired ones included: the module
 * tells those apart from unknown keys, and enforces expiry itself, per
 * request, so that expiry takes effect within a second without the daemon)
 * is written to <state file>.keys.json in agw_keys.h's format: a temp file
 * in the same directory, fsync'd, renamed over the old one, the directory
 * fsync'd, and only THEN the generation in the shared state bumped.  A
 * worker that sees the new generation therefore always finds the new file.
 * The snapshot holds hashes, never secrets.
 */

#ifndef AGW_SNAPSHOT_H
#define AGW_SNAPSHOT_H

#include "http.h"

/*
 * Publishes the keys as db sees them (inside the caller's transaction, if
 * any).  The caller holds api->keys_lock.  0, or -1 with a message in err.
 */
int agw_snapshot_publish(agw_api_t *api, sqlite3 *db, char *err,
    size_t errlen);

/*
 * Would every key of db that is not revoked go into a snapshot?  The
 * restore's check of an upload: publishing leaves a bad row out (and
 * logs it) rather than fail, this refuses it.  0, or -1 with the first
 * bad key in err.
 */
int agw_snapshot_check(sqlite3 *db, char *err, size_t errlen);

#endif /* AGW_SNAPSHOT_H */
