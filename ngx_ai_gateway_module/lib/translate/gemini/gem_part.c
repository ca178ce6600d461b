/*
 * One part of a Gemini candidate's content, as answers and stream chunks
 * carry it: text, thought text, a thought signature, a whole function
 * call.  Whole answers and stream events read their parts with it.
 */

#include <string.h>

#include "gem_int.h"


static int
agw_gem_mpart_call(agw_jr_t *r, agw_gem_mpart_t *p)
{
    int        rc;
    agw_str_t  key;

    if (agw_jr_object(r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_gem_is(&key, "name")) {
            rc = agw_jr_string(r, &p->name);
        } else if (agw_gem_is(&key, "args")) {
            rc = agw_jr_value(r, &p->args);
        } else if (agw_gem_is(&key, "id")) {
            rc = agw_jr_string(r, &p->id);
        } else {
            if (agw_gem_key(&key, "partialArgs", "partial_args")
                || agw_gem_key(&key, "willContinue", "will_continue"))
            {
                p->partial = 1;
            }
            rc = agw_jr_value(r, NULL);
        }
        if (rc != 0) {
            return -1;
        }
    }

    return rc < 0 ? -1 : 0;
}


int
agw_gem_mpart_read(agw_jr_t *r, agw_gem_mpart_t *p)
{
    int        rc, v;
    agw_str_t  key;

    memset(p, 0, sizeof(*p));

    if (agw_jr_object(r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_gem_is(&key, "text")) {
            rc = agw_jr_string(r, &p->text);
        } else if (agw_gem_is(&key, "thought")) {
            rc = agw_jr_bool(r, &v);
            p->thought = (rc == 0 && v);
        } else if (agw_gem_key(&key, "thoughtSignature",
                               "thought_signature"))
        {
            rc = agw_jr_string(r, &p->signature);
        } else if (agw_gem_key(&key, "functionCall", "function_call")) {
            rc = agw_gem_mpart_call(r, p);
            p->call = 1;
        } else {
            /* inlineData, executableCode...: not for the form */
            rc = agw_jr_value(r, NULL);
        }
        if (rc != 0) {
            return -1;
        }
    }

    return rc < 0 ? -1 : 0;
}
