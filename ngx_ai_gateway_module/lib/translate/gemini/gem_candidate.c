/*
 * One candidate of a Gemini answer (generateContent) or stream chunk
 * (streamGenerateContent): {"content": {"parts": [...]}, "finishReason",
 * "index"}.  The parts are the caller's to read: a whole answer makes
 * them parts of the form at once, a stream holds them for its steps.
 */

#include <string.h>

#include "gem_candidate.h"


/* "content": {"parts": [...], "role": ...} */
static int
agw_gem_content_read(agw_jr_t *r, agw_gem_part_cb part, void *ud)
{
    int        rc;
    agw_str_t  key;

    if (agw_jr_object(r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (!agw_gem_is(&key, "parts")) {
            if (agw_jr_value(r, NULL) != 0) {
                return -1;
            }
            continue;
        }

        if (agw_jr_array(r) != 0) {
            return -1;
        }

        while ((rc = agw_jr_element(r)) == 1) {
            rc = part(ud);
            if (rc != 0) {
                return rc;
            }
        }

        if (rc < 0) {
            return -1;
        }
    }

    return rc < 0 ? -1 : 0;
}


int
agw_gem_candidate_read(agw_jr_t *r, int position, agw_gem_part_cb part,
    void *ud, agw_str_t *finish, int64_t *index)
{
    int        rc;
    agw_str_t  key;

    if (agw_jr_object(r) != 0) {
        return -1;
    }

    *index = position;
    *finish = (agw_str_t) AGW_STR_NULL;

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_gem_is(&key, "content")) {
            rc = agw_gem_content_read(r, part, ud);
            if (rc != 0) {
                return rc;
            }

        } else if (agw_gem_key(&key, "finishReason", "finish_reason")) {
            if (agw_jr_string(r, finish) != 0) {
                return -1;
            }

        } else if (agw_gem_is(&key, "index")) {
            if (agw_jr_int(r, index) != 0) {
                return -1;
            }

        } else if (agw_jr_value(r, NULL) != 0) {
            return -1;
        }
    }

    return rc < 0 ? -1 : 0;
}
