/*
 * agw_keys_int: the strict JSON member helpers agw_keys.c (the snapshot)
 * and agw_key_policy.c (a key's policy in it) share.  Not for other
 * callers.
 */

#ifndef AGW_KEYS_INT_H
#define AGW_KEYS_INT_H

#include <stdint.h>

#include "agw_json_reader.h"
#include "agw_json_writer.h"
#include "agw_errmsg.h"
#include "agw_keys.h"


/* A NUL-terminated copy of len bytes, or NULL. */
char *agw_keys_dup(const char *s, size_t len);

/*
 * The next member of an object whose members are known (a NULL-ended
 * list, at most 32): 1 with *f its index, 0 at the object's end, -1 with
 * a message (unknown or repeated member, bad JSON).
 */
int agw_keys_member(agw_jr_t *r, const char *const *known, uint32_t *seen,
    size_t *f, const char *where, char *err, size_t errlen);

/* The first of known not seen: a message and -1; or 0. */
int agw_keys_missing(const char *const *known, uint32_t seen,
    const char *where, char *err, size_t errlen);

/* Says that where's member name is not want; -1. */
int agw_keys_type(const char *where, const char *name, const char *want,
    char *err, size_t errlen);

/* The next value, a string, as a malloc'd C string in *s; 0 or -1. */
int agw_keys_string(agw_jr_t *r, char **s, const char *where,
    const char *name, char *err, size_t errlen);

/* Reads a policy object at r into *p (all zero before); 0 or -1. */
int agw_key_policy_read(agw_jr_t *r, agw_key_policy_t *p, const char *where,
    char *err, size_t errlen);

/* Writes p as an object; -1 if a credential has no sealed form. */
int agw_key_policy_write(agw_jw_t *w, const agw_key_policy_t *p);

#endif /* AGW_KEYS_INT_H */
