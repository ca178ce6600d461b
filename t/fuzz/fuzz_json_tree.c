/*
 * libFuzzer target: agw_json_tree against jansson.  agw_json_load must
 * refuse what json_loadb refuses and build the same tree otherwise (equal,
 * with the same member order), except where a raw NUL byte ends a token
 * (jansson's lexer skips it, we refuse it); agw_json_append must print
 * whatever jansson loaded byte for byte as json_dumps with the flags it
 * replaces.  Any difference aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agw_json_tree.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          same;
    char        *want;
    json_t      *a, *b;
    agw_buf_t    da = AGW_BUF_INIT, db = AGW_BUF_INIT;
    const char  *text = (const char *) data;

    a = agw_json_load(text, size);
    b = json_loadb(text, size, 0, NULL);

    if (a != NULL && b == NULL) {
        abort();                        /* we took what jansson refuses */
    }

    if (a == NULL && b != NULL && memchr(text, '\0', size) == NULL) {
        abort();                        /* we refused what jansson takes */
    }

    if (b != NULL) {
        want = json_dumps(b, JSON_COMPACT | JSON_REAL_PRECISION(15));
        same = agw_json_append(&db, b) == 0 && want != NULL
               && db.len == strlen(want) && memcmp(db.data, want, db.len) == 0;
        free(want);
        if (!same) {
            abort();                    /* our writer differs from jansson */
        }
    }

    if (a != NULL) {
        if (!json_equal(a, b) || agw_json_append(&da, a) != 0
            || da.len != db.len || memcmp(da.data, db.data, da.len) != 0)
        {
            abort();                    /* another tree */
        }
    }

    json_decref(a);
    json_decref(b);
    agw_buf_free(&da);
    agw_buf_free(&db);
    return 0;
}
