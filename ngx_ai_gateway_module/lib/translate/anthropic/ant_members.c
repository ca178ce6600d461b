/*
 * The members of an object read by a table: most objects of the Messages
 * API (a source, a cache_control, a tool_choice, an event's delta) are a
 * few scalars the codec wants and others it skips, and one loop reads
 * them all.
 */

#include <string.h>

#include "ant_int.h"


int
agw_ant_members(agw_jr_t *r, const agw_ant_member_t *m, size_t n)
{
    int        rc, b, plain;
    size_t     i;
    int64_t    v;
    agw_str_t  key, *s;

    rc = agw_jr_object(r);
    if (rc == AGW_JR_TYPE) {
        return agw_jr_value(r, NULL) == 0 ? 1 : -1;
    }

    if (rc != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {

        /* a key without escapes is its bytes: most names differ in
         * length, and a call for each compare cost more than the rest */
        plain = key.kind != AGW_STR_JSON || !key.escaped;

        for (i = 0; i < n; i++) {
            if (plain ? key.len == m[i].len
                        && memcmp(key.data, m[i].key, m[i].len) == 0
                      : agw_str_eq(&key, m[i].key, m[i].len))
            {
                break;
            }
        }

        if (i == n) {
            rc = agw_jr_value(r, NULL);

        } else {
            switch (m[i].type) {

            case AGW_ANT_M_STR:
                s = m[i].dst;
                rc = agw_jr_string(r, s);
                if (rc == AGW_JR_TYPE) {
                    /* another type reads as absent, as the old path did */
                    s->data = NULL;
                }
                break;

            case AGW_ANT_M_VALUE:
                rc = agw_jr_value(r, m[i].dst);
                break;

            case AGW_ANT_M_INT:
                rc = agw_jr_int(r, m[i].dst);
                break;

            case AGW_ANT_M_COUNT:
                /* a count: an integer >= 0, anything else absent */
                rc = agw_jr_int(r, &v);
                if (rc == 0 && v >= 0) {
                    *(int64_t *) m[i].dst = v;
                }
                break;

            default: /* AGW_ANT_M_BOOL */
                rc = agw_jr_bool(r, &b);
                if (rc == 0) {
                    *(int *) m[i].dst = b;
                }
                break;
            }

            if (rc == AGW_JR_TYPE) {
                rc = agw_jr_value(r, NULL);
            }
        }

        if (rc != 0) {
            return -1;
        }
    }

    return rc < 0 ? -1 : 0;
}
